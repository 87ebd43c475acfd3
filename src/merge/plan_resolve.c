/* plan_resolve.c: apply every delta to U, find and resolve conflicts
 * (DESIGN 2). The rules live here and nowhere else: batch and workstation
 * both come through mt_plan_resolve. */
#include <stdlib.h>
#include <string.h>

#include "memtui/base/side_by_side.h"
#include "memtui/merge/plan.h"
#include "plan_base.h"

/* Everything the deltas say about one entity, envs in name order. */
struct side {
    size_t env;
    const struct mt_ent_delta *d;
};

struct touch {
    const char *key;
    struct side *sides;
    size_t nsides, cap;
    size_t *rel_envs;            /* envs adding a relation with this entity as an end */
    size_t nrel, relcap;
    struct mt_entity *final;     /* the result's version, NULL when absent */
    bool deleted;                /* was there (U or some M_e) and is gone now */
    bool emitted;                /* placed in the result already */
};

struct rel_touch {
    const char *key;
    struct mt_relation *added;   /* first added version, borrowed */
    size_t *envs;                /* envs adding or removing it */
    size_t nenvs, cap;
    size_t *removers;            /* envs removing it */
    size_t nrm, rmcap;
    bool any_add;
    bool emitted;
};

struct work {
    struct mt_plan *p;
    struct touch *t;
    size_t nt, tcap;
    struct mt_strmap tindex;
    struct rel_touch *r;
    size_t nr, rcap;
    struct mt_strmap rindex;
    size_t ndeleted;             /* touches whose entity is gone */
};

static bool env_active(const struct mt_env_plan *e)
{
    return e->status == MT_FRAG_CHANGED || e->status == MT_FRAG_NEW;
}

static struct touch *touch_of(struct work *w, const char *key)
{
    size_t at;
    if (mt_strmap_put(&w->tindex, key, strlen(key), w->nt, &at)) {
        MT_GROW(w->t, w->tcap, w->nt + 1);
        memset(&w->t[w->nt], 0, sizeof(w->t[0]));
        w->t[w->nt].key = key;
        w->nt++;
    }
    return &w->t[at];
}

static void add_env(size_t **arr, size_t *n, size_t *cap, size_t env)
{
    if (*n && (*arr)[*n - 1] == env) return;  /* envs come in order: no repeats */
    MT_GROW(*arr, *cap, *n + 1);
    (*arr)[(*n)++] = env;
}

/* Relations touching an entity need its key; keys of relations hold the
 * escaped ends, so split them rather than re-escaping. */
static char *rel_end_key(const struct mt_relation *r, int which)
{
    const char *k = r->key, *a = strchr(k, '\x01'), *b = strchr(a + 1, '\x01');
    return which == 0 ? xstrndup(k, (size_t)(a - k)) : xstrndup(a + 1, (size_t)(b - a - 1));
}

static void gather(struct work *w, char ***keep, size_t *nkeep, size_t *keepcap)
{
    struct mt_plan *p = w->p;
    for (size_t e = 0; e < p->nenvs; e++) {
        if (!env_active(&p->envs[e])) continue;
        const struct mt_delta *d = &p->envs[e].delta;
        for (size_t i = 0; i < d->nents; i++) {
            struct touch *t = touch_of(w, d->ents[i].key);
            MT_GROW(t->sides, t->cap, t->nsides + 1);
            t->sides[t->nsides++] = (struct side){e, &d->ents[i]};
        }
        for (size_t i = 0; i < d->nrels; i++) {
            const struct mt_rel_delta *rd = &d->rels[i];
            size_t at;
            if (mt_strmap_put(&w->rindex, rd->rel->key, strlen(rd->rel->key), w->nr, &at)) {
                MT_GROW(w->r, w->rcap, w->nr + 1);
                memset(&w->r[w->nr], 0, sizeof(w->r[0]));
                w->r[w->nr++].key = rd->rel->key;
            }
            struct rel_touch *rt = &w->r[at];
            add_env(&rt->envs, &rt->nenvs, &rt->cap, e);
            if (rd->added) {
                rt->any_add = true;
                if (!rt->added) rt->added = rd->rel;
                for (int end = 0; end < 2; end++) {
                    char *k = rel_end_key(rd->rel, end);
                    MT_GROW(*keep, *keepcap, *nkeep + 1);
                    (*keep)[(*nkeep)++] = k;
                    struct touch *t = touch_of(w, k);
                    add_env(&t->rel_envs, &t->nrel, &t->relcap, e);
                }
            } else {
                add_env(&rt->removers, &rt->nrm, &rt->rmcap, e);
            }
        }
    }
}

struct gathering {
    struct work *w;
    char ***keep;
    size_t *nkeep, *keepcap;
};

static void *gather_run(void *arg)
{
    struct gathering *g = arg;
    gather(g->w, g->keep, g->nkeep, g->keepcap);
    return NULL;
}

static void *cover_run(void *p)
{
    mt_plan_u_cover(p);
    return NULL;
}

/* The touch index (gather) and U's touched lines, parsed (the cover), are
 * built from the deltas and nothing of each other's: the index on a helper
 * thread while this one parses. */
static void gather_and_cover(struct work *w, char ***keep, size_t *nkeep, size_t *keepcap)
{
    struct gathering g = {w, keep, nkeep, keepcap};
    if (w->p->u) mt_side_by_side(cover_run, w->p, gather_run, &g);
    else gather_run(&g);
}

static const char *env_name(const struct mt_plan *p, size_t e)
{
    return p->envs[e].ref.env;
}

/* ---- conflicts ---------------------------------------------------------- */

static bool same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool type_conflict(const struct touch *t, const struct mt_entity *ux)
{
    const char *first = NULL;
    for (size_t i = 0; i < t->nsides; i++) {
        const struct mt_ent_delta *d = t->sides[i].d;
        if (!d->f || (d->m && !mt_ent_delta_retypes(d))) continue;  /* not a proposal */
        if (first && strcmp(first, d->f->type)) return true;
        if (!first) first = d->f->type;
        /* A proposal against a U that moved since this env last saw it. */
        if (ux && strcmp(d->f->type, ux->type) && !same(ux->type, d->m ? d->m->type : NULL)) return true;
    }
    return false;
}

static bool is_deleter(const struct touch *t, size_t env)
{
    for (size_t i = 0; i < t->nsides; i++)
        if (t->sides[i].env == env) return t->sides[i].d->m && !t->sides[i].d->f;
    return false;
}

/* DESIGN's modifications: create, retype, add or remove observations (a
 * change of extra fields alone is not one). */
static bool modify_delete_conflict(const struct touch *t, const struct mt_entity *ux)
{
    bool deleter = false, other = false;
    for (size_t i = 0; i < t->nsides; i++) {
        const struct mt_ent_delta *d = t->sides[i].d;
        if (d->m && !d->f) deleter = true;
        else if (mt_ent_delta_substantive(d)) other = true;
        if (!ux && d->m && mt_ent_delta_substantive(d)) return true;  /* modified, but U no longer has it */
    }
    for (size_t i = 0; i < t->nrel && !other; i++)
        if (!is_deleter(t, t->rel_envs[i])) other = true;
    return deleter && other;
}

/* What resolving a run of touches found: its conflicts, in touch order. */
struct found {
    struct mt_conflict *v;
    size_t n, cap;
    size_t ndeleted;             /* touches whose entity is gone */
    bool pending;                /* a conflict is left undecided */
};

static void conflict_add(const struct mt_plan *p, struct found *fd, const struct touch *t,
                         const struct mt_entity *ux, enum mt_conflict_kind kind)
{
    MT_GROW(fd->v, fd->cap, fd->n + 1);
    struct mt_conflict *c = &fd->v[fd->n++];
    memset(c, 0, sizeof(*c));
    c->key = xstrdup(t->key);
    const struct mt_entity *any = ux;
    for (size_t i = 0; i < t->nsides && !any; i++) any = t->sides[i].d->f ? t->sides[i].d->f : t->sides[i].d->m;
    c->name = xstrdup(any ? any->name : t->key);
    c->kind = kind;
    c->sides = xcalloc(t->nsides + t->nrel + 1, sizeof(*c->sides));
    c->envs = xcalloc(t->nsides + t->nrel + 1, sizeof(*c->envs));
    c->sides[c->nsides++] = (struct mt_side){"memory.json", SIZE_MAX, (struct mt_entity *)ux};
    for (size_t i = 0; i < t->nsides; i++) {
        const struct mt_ent_delta *d = t->sides[i].d;
        if (kind == MT_CONFLICT_TYPE && (!d->f || (d->m && !mt_ent_delta_retypes(d)))) continue;
        c->envs[c->nenvs++] = t->sides[i].env;
        c->sides[c->nsides++] = (struct mt_side){env_name(p, t->sides[i].env), t->sides[i].env, d->f};
    }
    if (kind == MT_CONFLICT_MODIFY_DELETE)
        for (size_t i = 0; i < t->nrel; i++) {
            size_t e = t->rel_envs[i];
            bool have = false;
            for (size_t j = 0; j < c->nenvs; j++) have |= c->envs[j] == e;
            if (!have) c->envs[c->nenvs++] = e;
        }
}

/* ---- the surviving version of one entity -------------------------------- */

static bool added_by_any(const struct touch *t, const char *obs)
{
    for (size_t i = 0; i < t->nsides; i++) {
        const struct mt_ent_delta *d = t->sides[i].d;
        if (mt_strset_has(&d->obs_add, obs)) return true;
        if (!d->m && d->f && mt_strset_has(&d->f->obs, obs)) return true;
    }
    return false;
}

/* U's version with every side's changes: observations appended in env then
 * fragment order, removed unless another side adds them (add wins). */
static struct mt_entity *apply_to_base(const struct touch *t, const struct mt_entity *ux,
                                       bool keep_type)
{
    /* In a TYPE conflict the sides disagree on what X is: nothing is taken
     * away, the observations of all sides are unioned (keep_type). */
    struct mt_entity *e = mt_entity_clone(ux);
    const char *type = NULL;
    const char *extras = NULL;
    bool extras_set = false;
    for (size_t i = 0; i < t->nsides; i++) {
        const struct mt_ent_delta *d = t->sides[i].d;
        if (!d->f) continue;
        if (!type && (!d->m || mt_ent_delta_retypes(d)) && strcmp(d->f->type, ux->type)) type = d->f->type;
        const struct mt_strset *add = d->m ? &d->obs_add : &d->f->obs;
        for (size_t k = 0; k < add->n; k++) mt_strset_add(&e->obs, add->items[k]);
        if (!extras_set && (d->m ? !same(d->m->extras, d->f->extras) : d->f->extras != NULL)) {
            extras = d->f->extras;
            extras_set = true;
        }
    }
    for (size_t i = 0; i < t->nsides && !keep_type; i++) {
        const struct mt_ent_delta *d = t->sides[i].d;
        if (!d->f) continue;
        for (size_t k = 0; k < d->obs_del.n; k++)
            if (!added_by_any(t, d->obs_del.items[k])) mt_strset_remove(&e->obs, d->obs_del.items[k]);
    }
    if (type && !keep_type) {
        free(e->type);
        e->type = xstrdup(type);
    }
    if (extras_set) {
        free(e->extras);
        e->extras = extras ? xstrdup(extras) : NULL;
    }
    return e;
}

static void fold_into(struct mt_entity **e, const struct mt_entity *v)
{
    if (!*e) *e = mt_entity_clone(v);
    else mt_entity_fold(*e, v);
}

/* Not in U: the union of every modifying side's version, typed by the
 * first env; when a deletion is overridden, the versions of the envs that
 * added relations to it count too. */
static struct mt_entity *union_of_sides(const struct work *w, const struct touch *t, bool md)
{
    struct mt_entity *e = NULL;
    for (size_t i = 0; i < t->nsides; i++) {
        const struct mt_ent_delta *d = t->sides[i].d;
        if (mt_ent_delta_substantive(d)) fold_into(&e, d->f);
    }
    for (size_t i = 0; md && i < t->nrel; i++) {
        const struct mt_entity *v = mt_delta_version(&w->p->envs[t->rel_envs[i]].delta, t->key);
        if (v) fold_into(&e, v);
    }
    return e;
}

static char *describe(const struct mt_plan *p, const struct touch *t, const struct mt_entity *ux,
                      const struct mt_entity *fin, enum mt_conflict_kind kind)
{
    struct mt_buf b;
    mt_buf_init(&b);
    if (kind == MT_CONFLICT_TYPE) {
        if (ux) mt_buf_addf(&b, "kept type '%s' of memory.json", ux->type);
        else {
            size_t first = SIZE_MAX;
            for (size_t i = 0; i < t->nsides && first == SIZE_MAX; i++)
                if (t->sides[i].d->f) first = t->sides[i].env;
            mt_buf_addf(&b, "type '%s' of %s (sorts first)", fin ? fin->type : "?",
                        first == SIZE_MAX ? "?" : env_name(p, first));
        }
        mt_buf_adds(&b, "; observations of all sides unioned");
    } else {
        mt_buf_adds(&b, ux ? "kept with the modifications applied" : "recreated as the union of the modifying sides");
        mt_buf_adds(&b, "; deletion by");
        for (size_t i = 0; i < t->nsides; i++)
            if (t->sides[i].d->m && !t->sides[i].d->f) mt_buf_addf(&b, " %s", env_name(p, t->sides[i].env));
        mt_buf_adds(&b, " not applied, its relations kept");
    }
    return mt_buf_detach(&b, NULL);
}

static const struct mt_decision *decision_for(const struct mt_plan *p, const char *key)
{
    return mt_intent_decision(&p->intent, key);
}

/* What the preserve rule makes of X: NULL when X is deleted (or was never
 * there). */
static struct mt_entity *preserve_version(const struct work *w, const struct touch *t, const struct mt_entity *ux,
                                          bool tc, bool md)
{
    /* What keeps X: a modification (DESIGN's sense); a change of extra
     * fields only when nobody deletes X. */
    bool any_keep = false, any_delete = false;
    for (size_t i = 0; i < t->nsides; i++) any_delete |= t->sides[i].d->m && !t->sides[i].d->f;
    for (size_t i = 0; i < t->nsides; i++)
        any_keep |= mt_ent_delta_substantive(t->sides[i].d) || (ux && !any_delete && t->sides[i].d->f);
    if (!any_keep && !md) return NULL;
    if (ux) return apply_to_base(t, ux, tc);
    return union_of_sides(w, t, md);
}

/* Decide one entity: returns false when a conflict is left pending. It
 * reads the plan and writes only t and fd, so runs of touches can be
 * resolved side by side. */
static bool resolve_touch(const struct work *w, struct touch *t, struct found *fd)
{
    const struct mt_plan *p = w->p;
    struct mt_entity *ux = mt_graph_entity(&p->base, t->key);
    bool tc = type_conflict(t, ux), md = modify_delete_conflict(t, ux);
    const struct mt_decision *dec = decision_for(p, t->key);
    size_t first_conflict = fd->n;
    if (tc) conflict_add(p, fd, t, ux, MT_CONFLICT_TYPE);
    if (md) conflict_add(p, fd, t, ux, MT_CONFLICT_MODIFY_DELETE);

    bool had = ux != NULL;
    for (size_t i = 0; i < t->nsides; i++) had |= t->sides[i].d->m != NULL;
    struct mt_entity *pres = preserve_version(w, t, ux, tc, md);
    /* Every conflict shows what the preserve rule gives, decided or not
     * and under any policy: the workstation offers it first. */
    for (size_t c = first_conflict; c < fd->n; c++)
        fd->v[c].preserve = pres ? mt_entity_ref(pres) : NULL;

    if (dec && (tc || md)) {
        t->final = dec->kind == MT_DECIDE_ENTITY ? mt_entity_clone(dec->entity) : NULL;
        mt_entity_free(pres);
    } else if ((tc || md) && p->opt.policy == MT_POLICY_FAIL) {
        mt_entity_free(pres);
        return false;
    } else {
        t->final = pres;
    }
    /* Relation ends alone do not make an entity: keep U's as it was. */
    if (ux && !t->nsides) {
        mt_entity_free(t->final);
        t->final = mt_entity_ref(ux);
    }
    if (t->final && ux && t->final != ux && mt_entity_equal(t->final, ux)) {
        mt_entity_free(t->final);
        t->final = mt_entity_ref(ux);
    }
    t->deleted = had && !t->final;
    fd->ndeleted += t->deleted;
    for (size_t c = first_conflict; c < fd->n; c++) {
        struct mt_conflict *k = &fd->v[c];
        k->result = t->final ? mt_entity_ref(t->final) : NULL;
        k->decided = dec != NULL;
        k->resolution = dec ? xstrdup(dec->label ? dec->label : "decided by the operator")
                            : describe(p, t, ux, t->final, k->kind);
    }
    return true;
}

struct touch_run {
    const struct work *w;
    size_t from, to;
    struct found fd;
};

static void *resolve_run(void *arg)
{
    struct touch_run *r = arg;
    for (size_t i = r->from; i < r->to; i++) r->fd.pending |= !resolve_touch(r->w, &r->w->t[i], &r->fd);
    return NULL;
}

/* Every touch decided, the second half on a helper thread (whatever the
 * count, so small plans, the property tests' among them, take the path
 * large ones do); the conflicts go into the plan in touch order. Returns whether
 * one is left pending. */
static bool resolve_touches(struct work *w)
{
    struct mt_plan *p = w->p;
    struct touch_run run[2] = {{.w = w, .to = w->nt / 2}, {.w = w, .from = w->nt / 2, .to = w->nt}};
    mt_side_by_side(resolve_run, &run[0], resolve_run, &run[1]);
    size_t cap = 0;
    for (int i = 0; i < 2; i++) {
        MT_GROW(p->conflicts, cap, p->nconflicts + run[i].fd.n + 1);
        if (run[i].fd.n) memcpy(p->conflicts + p->nconflicts, run[i].fd.v, run[i].fd.n * sizeof(*p->conflicts));
        p->nconflicts += run[i].fd.n;
        free(run[i].fd.v);
        w->ndeleted += run[i].fd.ndeleted;
    }
    return run[0].fd.pending || run[1].fd.pending;
}

/* ---- relations ---------------------------------------------------------- */

static bool end_deleted(struct work *w, const struct mt_relation *r, const struct touch **which)
{
    if (!w->ndeleted) return false;
    for (int end = 0; end < 2; end++) {
        char *k = rel_end_key(r, end);
        size_t at;
        bool gone = mt_strmap_get(&w->tindex, k, strlen(k), &at) && w->t[at].deleted;
        free(k);
        if (gone) {
            if (which) *which = &w->t[at];
            return true;
        }
    }
    return false;
}

/* A removal by env e does not count when e removed it only because it
 * deleted an end that survives (the cascade is undone with the deletion). */
static bool removal_stands(struct work *w, const struct rel_touch *rt, const struct mt_relation *r)
{
    for (size_t i = 0; i < rt->nrm; i++) {
        size_t e = rt->removers[i];
        bool cascade_undone = false;
        for (int end = 0; end < 2; end++) {
            char *k = rel_end_key(r, end);
            size_t at;
            if (mt_strmap_get(&w->tindex, k, strlen(k), &at) && is_deleter(&w->t[at], e) && w->t[at].final)
                cascade_undone = true;
            free(k);
        }
        if (!cascade_undone) return true;
    }
    return false;
}

static void rel_change(struct mt_plan *p, size_t *cap, struct mt_relation *r, bool added,
                       bool cascade, const struct rel_touch *rt)
{
    MT_GROW(p->rel_changes, *cap, p->nrel_changes + 1);
    struct mt_rel_change *c = &p->rel_changes[p->nrel_changes++];
    memset(c, 0, sizeof(*c));
    c->rel = mt_relation_ref(r);
    c->added = added;
    c->cascade = cascade;
    c->nenvs = rt ? rt->nenvs : 0;
    c->envs = xcalloc(c->nenvs + 1, sizeof(size_t));
    if (rt) memcpy(c->envs, rt->envs, rt->nenvs * sizeof(size_t));
}

static void mark_removed(struct mt_plan *p, const char *key)
{
    if (mt_strmap_get(&p->removed, key, strlen(key), NULL)) return;
    mt_strmap_put(&p->removed, xstrdup(key), strlen(key), 0, NULL);
}

static void build_relations(struct work *w)
{
    struct mt_plan *p = w->p;
    size_t cap = 0;
    for (size_t i = 0; i < p->base.nrels; i++) {
        struct mt_relation *r = p->base.rels[i];
        size_t at;
        const struct rel_touch *rt = mt_strmap_get(&w->rindex, r->key, strlen(r->key), &at) ? &w->r[at] : NULL;
        bool keep = !rt || rt->any_add || !rt->nrm || !removal_stands(w, rt, r);
        bool cascade = false;
        if (keep && end_deleted(w, r, NULL)) keep = false, cascade = true;
        if (keep) {
            mt_graph_add_relation(&p->result, mt_relation_ref(r));
        } else {
            mark_removed(p, r->key);
            rel_change(p, &cap, r, false, cascade, rt);
        }
    }
    /* New relations in the order of the envs that add them. */
    for (size_t e = 0; e < p->nenvs; e++) {
        if (!env_active(&p->envs[e])) continue;
        const struct mt_delta *d = &p->envs[e].delta;
        for (size_t k = 0; k < d->nrels; k++) {
            size_t at;
            const char *key = d->rels[k].rel->key;
            if (!d->rels[k].added || !mt_strmap_get(&w->rindex, key, strlen(key), &at)) continue;
            struct rel_touch *rt = &w->r[at];
            if (rt->emitted || mt_graph_relation(&p->base, rt->key)) continue;
            rt->emitted = true;
            if (end_deleted(w, rt->added, NULL)) {
                mark_removed(p, rt->key);
                continue;
            }
            mt_graph_add_relation(&p->result, mt_relation_ref(rt->added));
            rel_change(p, &cap, rt->added, true, false, rt);
        }
    }
}

/* ---- the whole result --------------------------------------------------- */

static void change_add(struct mt_plan *p, size_t *cap, const struct touch *t, struct mt_entity *ux)
{
    if (ux == t->final || (ux && t->final && mt_entity_equal(ux, t->final))) return;
    if (!ux && !t->final) return;
    MT_GROW(p->changes, *cap, p->nchanges + 1);
    struct mt_change *c = &p->changes[p->nchanges++];
    memset(c, 0, sizeof(*c));
    c->before = ux ? mt_entity_ref(ux) : NULL;
    c->after = t->final ? mt_entity_ref(t->final) : NULL;
    /* the entity's own key, held by the reference above: t->key may be a
     * string that lives only while the plan is being resolved */
    c->key = (c->after ? c->after : c->before)->key;
    c->envs = xcalloc(t->nsides + 1, sizeof(size_t));
    for (size_t i = 0; i < t->nsides; i++) c->envs[c->nenvs++] = t->sides[i].env;
}

static void reset_result(struct mt_plan *p)
{
    for (size_t i = 0; i < p->nconflicts; i++) {
        struct mt_conflict *c = &p->conflicts[i];
        free(c->key);
        free(c->name);
        free(c->envs);
        free(c->sides);
        free(c->resolution);
        mt_entity_free(c->result);
        mt_entity_free(c->preserve);
    }
    free(p->conflicts);
    p->conflicts = NULL;
    p->nconflicts = 0;
    for (size_t i = 0; i < p->nchanges; i++) {
        mt_entity_free(p->changes[i].before);
        mt_entity_free(p->changes[i].after);
        free(p->changes[i].envs);
    }
    free(p->changes);
    p->changes = NULL;
    p->nchanges = 0;
    for (size_t i = 0; i < p->nrel_changes; i++) {
        mt_relation_free(p->rel_changes[i].rel);
        free(p->rel_changes[i].envs);
    }
    free(p->rel_changes);
    p->rel_changes = NULL;
    p->nrel_changes = 0;
    mt_graph_free(&p->result);
    for (size_t i = 0; i < p->removed.cap; i++) free((char *)p->removed.slots[i].key);
    mt_strmap_free(&p->removed);
    p->entities = p->relations = p->observations = 0;
    p->resolved = false;
}

int mt_plan_resolve(struct mt_plan *p)
{
    reset_result(p);
    struct work w = {.p = p};
    mt_strmap_init(&w.tindex);
    mt_strmap_init(&w.rindex);
    char **keep = NULL;
    size_t nkeep = 0, keepcap = 0, chcap = 0;
    gather_and_cover(&w, &keep, &nkeep, &keepcap);

    bool pending = resolve_touches(&w);
    if (p->u && !pending) mt_plan_u_prepare_out(p);  /* on the other core, while the rest runs here */
    if (!pending) {
        /* U's entities in U's order, then new ones by env then fragment order. */
        for (size_t i = 0; i < p->base.nents; i++) {
            struct mt_entity *ux = p->base.ents[i];
            size_t at;
            if (!mt_strmap_get(&w.tindex, ux->key, strlen(ux->key), &at)) {
                mt_graph_add_entity(&p->result, mt_entity_ref(ux));
                continue;
            }
            struct touch *t = &w.t[at];
            change_add(p, &chcap, t, ux);
            if (t->final) mt_graph_add_entity(&p->result, mt_entity_ref(t->final));
            else mark_removed(p, ux->key);
        }
        /* New entities come in the order of the envs that create them, each
         * in its fragment's order (not where a relation end or a deletion
         * first named them); the rest (recreated from relation ends) last. */
        for (size_t e = 0; e < p->nenvs; e++) {
            if (!env_active(&p->envs[e])) continue;
            const struct mt_delta *d = &p->envs[e].delta;
            for (size_t k = 0; k < d->nents; k++) {
                size_t at;
                if (!d->ents[k].f || !mt_strmap_get(&w.tindex, d->ents[k].key, strlen(d->ents[k].key), &at)) continue;
                struct touch *t = &w.t[at];
                if (t->emitted || !t->final || mt_graph_entity(&p->base, t->key)) continue;
                t->emitted = true;
                change_add(p, &chcap, t, NULL);
                mt_graph_add_entity(&p->result, mt_entity_ref(t->final));
            }
        }
        for (size_t i = 0; i < w.nt; i++) {
            struct touch *t = &w.t[i];
            if (t->emitted || mt_graph_entity(&p->base, t->key)) continue;
            change_add(p, &chcap, t, NULL);
            if (t->final) mt_graph_add_entity(&p->result, mt_entity_ref(t->final));
            else if (t->deleted) mark_removed(p, t->key);
        }
        build_relations(&w);
        mt_plan_count_result(p);
        p->resolved = true;
    }
    for (size_t i = 0; i < w.nt; i++) {
        mt_entity_free(w.t[i].final);
        free(w.t[i].sides);
        free(w.t[i].rel_envs);
    }
    for (size_t i = 0; i < w.nr; i++) {
        free(w.r[i].envs);
        free(w.r[i].removers);
    }
    for (size_t i = 0; i < nkeep; i++) free(keep[i]);
    free(keep);
    free(w.t);
    free(w.r);
    mt_strmap_free(&w.tindex);
    mt_strmap_free(&w.rindex);
    return pending ? 1 : 0;
}

/* ---- decisions and teardown --------------------------------------------- */

void mt_plan_decide(struct mt_plan *p, const char *key, enum mt_decision_kind kind,
                    const struct mt_entity *entity, const char *label)
{
    mt_intent_decide(&p->intent, key, kind, entity, label);
}

void mt_plan_free(struct mt_plan *p)
{
    reset_result(p);
    for (size_t i = 0; i < p->nenvs; i++) {
        mt_delta_free(&p->envs[i].delta);
        free(p->envs[i].reason);
    }
    free(p->envs);
    mt_intent_free(&p->intent);
    mt_graph_free(&p->base);
    mt_plan_u_free(p);
    mt_restore_record_free(p->restore);
    memset(p, 0, sizeof(*p));
}

void mt_plan_write_result(const struct mt_plan *p, struct mt_buf *out)
{
    if (p->u) mt_plan_u_write(p, out);
    else mt_graph_write(out, &p->result);
}
