/* view_plan.c: panel 3, what the next merge would do, entity by entity
 * ("@ entity" then -/+ lines), then the relations ("@ relations"), each
 * attributed to its envs, under a one-line summary of the counts; filtered
 * with '/'.
 *
 * 8 environments of 100k entities make 100k rows and more, so the view
 * builds only the rows a frame shows: an index counts every item's rows once
 * per plan (with the code that builds them; the load job does it for a new
 * plan, the input loop only after the operator changed the plan), then, per
 * filter, keeps the items shown with their first row. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memtui/ui/app.h"
#include "memtui/ui/text.h"

enum kind { K_FILTER, K_PENDING, K_RESULT, K_SUMMARY, K_HELD, K_ENT, K_REL_HEAD, K_REL, K_NOTHING, K_NO_MATCH };

struct item {                 /* an entity or a relation: an env's delta's, or the plan's change */
    size_t name, name2;       /* what the filter matches, in names (a relation: either end) */
    size_t e, k;              /* a delta's: env and index in it; a change's: index in k */
    size_t rows;
};

/* What the summary line counts: the plan's changes, or with conflicts
 * pending the envs' deltas summed (an entity two envs change counts twice). */
struct tally {
    size_t ent_add, ent_del, ent_retype, obs_add, obs_del, rel_add, rel_del;
};

struct shown {                /* one entry of what the view shows, in order */
    enum kind kind;
    size_t item;              /* K_ENT: index in ents; K_REL: in rels */
    size_t first;             /* its first row */
};

struct mt_plan_rows {
    const struct mt_ui_snap *snap;   /* what the items were counted for (NULL: not yet stamped) */
    unsigned gen;
    bool resolved;
    struct tally sum;
    struct item *ents, *rels;
    size_t nents, nrels;
    struct mt_buf names;             /* the items' names, side by side: a filter reads no plan */
    char *filter;                    /* what `shown` was made for (NULL: none) */
    bool have_shown;
    struct shown *shown;
    size_t nshown, cap;
    size_t total;
};

static bool wanted(const char *filter, const char *name)
{
    return !filter || mt_text_match(name, filter);
}

static void envs_text(const struct mt_plan *p, const size_t *envs, size_t n, struct mt_buf *b)
{
    for (size_t i = 0; i < n; i++) {
        if (i) mt_buf_adds(b, ", ");
        mt_buf_adds(b, p->envs[envs[i]].ref.env);
    }
}

void mt_plan_rows_free(struct mt_plan_rows *x)
{
    if (!x) return;
    free(x->ents);
    free(x->rels);
    mt_buf_free(&x->names);
    free(x->filter);
    free(x->shown);
    free(x);
}

/* The view's own state (mt_view_ops.init): its row index. */
struct plan_state {
    struct mt_plan_rows *rows;
};

static struct plan_state *ps(struct mt_app *a)
{
    return a->state[MT_VIEW_PLAN];
}

static void drop_index(struct mt_app *a)
{
    mt_plan_rows_free(ps(a)->rows);
    ps(a)->rows = NULL;
}

static void *init(void)
{
    return xcalloc(1, sizeof(struct plan_state));
}

static void release(void *st)
{
    struct plan_state *p = st;
    mt_plan_rows_free(p->rows);
    free(p);
}

static size_t keep_name(struct mt_plan_rows *x, const char *name)
{
    size_t at = x->names.len;
    mt_buf_add(&x->names, name, strlen(name) + 1);
    return at;
}

static void tally_entity(struct tally *t, const struct mt_entity *before, const struct mt_entity *after)
{
    if (!before) t->ent_add++;
    else if (!after) t->ent_del++;
    else if (strcmp(before->type, after->type)) t->ent_retype++;
}

/* Observations one version has and the other not (what the diff shows as
 * -/+ lines); a whole side when the other is absent, without a lookup. */
static size_t obs_missing(const struct mt_entity *from, const struct mt_entity *in)
{
    if (!from) return 0;
    if (!in) return from->obs.n;
    size_t n = 0;
    for (size_t i = 0; i < from->obs.n; i++)
        if (!mt_strset_has(&in->obs, from->obs.items[i])) n++;
    return n;
}

static void add_rel(struct mt_plan_rows *x, size_t *cap, const struct mt_relation *r, bool added, size_t e,
                    size_t k)
{
    MT_GROW(x->rels, *cap, x->nrels + 1);
    size_t from = keep_name(x, r->from);
    x->rels[x->nrels++] = (struct item){from, keep_name(x, r->to), e, k, 1};
    if (added) x->sum.rel_add++;
    else x->sum.rel_del++;
}

static bool held_back(const struct mt_env_plan *e)
{
    return e->status == MT_FRAG_HELD && !e->confirmed;
}

/* A held-back mass deletion is listed, not hidden: the entities its
 * fragment would delete (its delta is kept for display). */
/* Every item with its rows, once per plan (the filter does not change them),
 * and the summary's counts. With conflicts pending the engine builds no
 * result: each env's delta is shown instead (entities, then relations), so
 * the operator still sees what is coming. */
static void count_items(struct mt_plan_rows *x, const struct mt_plan *p)
{
    size_t cap = 0, rcap = 0;
    if (!p->resolved) {
        for (size_t e = 0; e < p->nenvs; e++) {
            const struct mt_delta *d = &p->envs[e].delta;
            if (held_back(&p->envs[e])) continue;   /* listed as held back instead */
            for (size_t k = 0; k < d->nents; k++) {
                const struct mt_ent_delta *dx = &d->ents[k];
                const struct mt_entity *any = dx->f ? dx->f : dx->m;
                MT_GROW(x->ents, cap, x->nents + 1);
                x->ents[x->nents++] = (struct item){keep_name(x, any->name), 0, e, k,
                                                    mt_rows_change_diff(NULL, any->name, dx->m, dx->f, NULL, NULL)};
                tally_entity(&x->sum, dx->m, dx->f);
                /* the delta has the observation sets already (both versions present) */
                x->sum.obs_add += dx->m && dx->f ? dx->obs_add.n : obs_missing(dx->f, dx->m);
                x->sum.obs_del += dx->m && dx->f ? dx->obs_del.n : obs_missing(dx->m, dx->f);
            }
        }
        for (size_t e = 0; e < p->nenvs; e++) {
            const struct mt_delta *d = &p->envs[e].delta;
            if (held_back(&p->envs[e])) continue;
            for (size_t k = 0; k < d->nrels; k++) add_rel(x, &rcap, d->rels[k].rel, d->rels[k].added, e, k);
        }
        return;
    }
    for (size_t i = 0; i < p->nchanges; i++) {
        const struct mt_change *c = &p->changes[i];
        const struct mt_entity *any = c->after ? c->after : c->before;
        if (!any) continue;
        MT_GROW(x->ents, cap, x->nents + 1);
        x->ents[x->nents++] = (struct item){keep_name(x, any->name), 0, 0, i,
                                            mt_rows_change_diff(NULL, any->name, c->before, c->after, NULL, NULL)};
        tally_entity(&x->sum, c->before, c->after);
        x->sum.obs_add += obs_missing(c->after, c->before);
        x->sum.obs_del += obs_missing(c->before, c->after);
    }
    for (size_t i = 0; i < p->nrel_changes; i++)
        add_rel(x, &rcap, p->rel_changes[i].rel, p->rel_changes[i].added, 0, i);
}

static size_t held_rows(const struct mt_env_plan *e)
{
    size_t n = 0;
    for (size_t k = 0; k < e->delta.nents; k++) n += e->delta.ents[k].m && !e->delta.ents[k].f;
    return n;
}

static void held_block(const struct mt_plan *p, size_t e, struct mt_rows *out)
{
    const struct mt_env_plan *env = &p->envs[e];
    size_t n = held_rows(env);
    mt_rows_line(out, MT_ROLE_DANGER, "held back: %s's fragment would delete %zu %s (the mass-deletion guard); "
                 "D on panel 1 lets it through, otherwise it stays out of the merge:",
                 env->ref.env, n, mt_plural(n, "entity", "entities"));
    for (size_t k = 0; k < env->delta.nents; k++) {
        const struct mt_ent_delta *d = &env->delta.ents[k];
        if (!d->m || d->f) continue;
        struct mt_row *r = mt_rows_line(out, MT_ROLE_REMOVED, "  would delete %s (%s, %zu %s)", d->m->name, d->m->type,
                                        d->m->obs.n, mt_plural(d->m->obs.n, "observation", "observations"));
        r->ref = xstrdup(d->key);
    }
}

static void show(struct mt_plan_rows *x, enum kind kind, size_t item, size_t rows)
{
    MT_GROW(x->shown, x->cap, x->nshown + 1);
    x->shown[x->nshown++] = (struct shown){kind, item, x->total};
    x->total += rows;
}

static void make_shown(struct mt_plan_rows *x, const struct mt_plan *p, const char *filter)
{
    x->nshown = x->total = 0;
    if (filter) show(x, K_FILTER, 0, 1);
    show(x, p->resolved ? K_RESULT : K_PENDING, 0, 1);
    if (!p->resolved || p->nchanges || p->nrel_changes) show(x, K_SUMMARY, 0, 1);
    size_t held = 0;
    for (size_t e = 0; e < p->nenvs; e++)
        if (held_back(&p->envs[e]) && !filter) {
            show(x, K_HELD, e, 1 + held_rows(&p->envs[e]));
            held++;
        }
    const char *names = x->names.data;
    size_t hits = 0;
    for (size_t i = 0; i < x->nents; i++)
        if (wanted(filter, names + x->ents[i].name)) {
            show(x, K_ENT, i, x->ents[i].rows);
            hits++;
        }
    bool head = false;
    for (size_t i = 0; i < x->nrels; i++) {
        if (!wanted(filter, names + x->rels[i].name) && !wanted(filter, names + x->rels[i].name2)) continue;
        if (!head) show(x, K_REL_HEAD, 0, 1);
        head = true;
        show(x, K_REL, i, 1);
        hits++;
    }
    if (filter && !hits) show(x, K_NO_MATCH, 0, 1);
    else if (p->resolved && !p->nchanges && !p->nrel_changes && !held) show(x, K_NOTHING, 0, 1);
}

struct mt_plan_rows *mt_plan_rows_count(const struct mt_plan *p)
{
    struct mt_plan_rows *x = xcalloc(1, sizeof(*x));
    mt_buf_init(&x->names);
    x->resolved = p->resolved;
    count_items(x, p);
    return x;
}

void mt_view_plan_adopt(struct mt_app *a, bool plan_changed)
{
    drop_index(a);
    if (!a->snap) return;
    ps(a)->rows = a->snap->plan_rows;
    a->snap->plan_rows = NULL;
    if (plan_changed) drop_index(a);
    if (!ps(a)->rows) return;
    ps(a)->rows->snap = a->snap;
    ps(a)->rows->gen = a->gen;
}

/* The index, up to date with the snapshot, the plan and the filter; NULL
 * without a plan. */
static struct mt_plan_rows *index_of(struct mt_app *a)
{
    struct mt_plan *p = mt_app_plan(a);
    if (!p) {
        drop_index(a);
        return NULL;
    }
    struct mt_plan_rows *x = ps(a)->rows;
    if (!x || x->snap != a->snap || x->gen != a->gen || x->resolved != p->resolved) {
        drop_index(a);
        x = ps(a)->rows = mt_plan_rows_count(p);
        x->snap = a->snap;
        x->gen = a->gen;
    }
    const char *filter = a->filter && *a->filter ? a->filter : NULL;
    if (!x->have_shown || (filter == NULL) != (x->filter == NULL) || (filter && strcmp(filter, x->filter))) {
        free(x->filter);
        x->filter = filter ? xstrdup(filter) : NULL;
        make_shown(x, p, filter);
        x->have_shown = true;
    }
    return x;
}

/* The rows of one shown entry. */
static void build(struct mt_app *a, const struct mt_plan_rows *x, const struct shown *s, struct mt_rows *out)
{
    const struct mt_plan *p = mt_app_plan(a);
    switch (s->kind) {
    case K_FILTER: mt_rows_line(out, MT_ROLE_SEARCH, "filter: %s", a->filter); break;
    case K_PENDING:
        mt_rows_line(out, MT_ROLE_CONFLICT, "%zu %s pending: decide %s (panel 4) to see the result; "
                     "changes by environment:", mt_plan_pending(p), mt_plural(mt_plan_pending(p), "conflict", "conflicts"),
                     mt_plural(mt_plan_pending(p), "it", "them"));
        break;
    case K_HELD: held_block(p, s->item, out); break;
    case K_NO_MATCH:
        mt_rows_line(out, MT_ROLE_DANGER, "no match for '%s' (lower case matches any case; Esc clears the filter)",
                     a->filter);
        break;
    case K_RESULT:
    {
        char cnt[96];
        mt_rows_line(out, MT_ROLE_DIM, "result: %s; %zu %s", mt_counts_text(cnt, sizeof cnt, p->entities, p->relations,
                     p->observations), p->nchanges, mt_plural(p->nchanges, "entity changes", "entities change"));
    }
        break;
    case K_SUMMARY: {
        const struct tally *t = &x->sum;
        struct mt_row *row = mt_rows_add(out);
        mt_row_seg(row, MT_ROLE_DIM, "%s", p->resolved ? "this merge: " : "per-env proposals: ");
        mt_row_seg(row, MT_ROLE_DEFAULT, "entities ");
        mt_row_seg(row, MT_ROLE_ADDED, "+%zu", t->ent_add);
        mt_row_seg(row, MT_ROLE_REMOVED, " -%zu", t->ent_del);
        mt_row_seg(row, MT_ROLE_CHANGED, " (%zu retyped)", t->ent_retype);
        mt_row_seg(row, MT_ROLE_DEFAULT, ", observations ");
        mt_row_seg(row, MT_ROLE_ADDED, "+%zu", t->obs_add);
        mt_row_seg(row, MT_ROLE_REMOVED, " -%zu", t->obs_del);
        mt_row_seg(row, MT_ROLE_DEFAULT, ", relations ");
        mt_row_seg(row, MT_ROLE_ADDED, "+%zu", t->rel_add);
        mt_row_seg(row, MT_ROLE_REMOVED, " -%zu", t->rel_del);
        break;
    }
    case K_ENT: {
        const struct item *it = &x->ents[s->item];
        if (!p->resolved) {
            const struct mt_ent_delta *d = &p->envs[it->e].delta.ents[it->k];
            mt_rows_change_diff(out, x->names.data + it->name, d->m, d->f, p->envs[it->e].ref.env, d->key);
            break;
        }
        const struct mt_change *c = &p->changes[it->k];
        /* the key of an entity the change holds: c->key may borrow a string
         * mt_plan_resolve has freed (a touch first named by a relation end) */
        const struct mt_entity *any = c->after ? c->after : c->before;
        struct mt_buf who;
        mt_buf_init(&who);
        envs_text(p, c->envs, c->nenvs, &who);
        mt_rows_change_diff(out, x->names.data + it->name, c->before, c->after, who.data, any->key);
        mt_buf_free(&who);
        break;
    }
    case K_REL_HEAD: mt_rows_line(out, MT_ROLE_HEADER, "@ relations"); break;
    case K_REL: {
        const struct item *it = &x->rels[s->item];
        if (!p->resolved) {
            const struct mt_rel_delta *d = &p->envs[it->e].delta.rels[it->k];
            mt_rows_relation_diff(out, d->added, d->rel, p->envs[it->e].ref.env, false);
            break;
        }
        const struct mt_rel_change *r = &p->rel_changes[it->k];
        struct mt_buf who;
        mt_buf_init(&who);
        envs_text(p, r->envs, r->nenvs, &who);
        mt_rows_relation_diff(out, r->added, r->rel, who.data, r->cascade);
        mt_buf_free(&who);
        break;
    }
    case K_NOTHING: mt_rows_line(out, MT_ROLE_OK, "nothing to merge: memory.json is up to date"); break;
    }
}

static size_t count(struct mt_app *a, int width)
{
    (void)width;
    struct mt_plan_rows *x = index_of(a);
    return x ? x->total : 0;
}

static void slice(struct mt_app *a, struct mt_rows *out, size_t from, size_t n, int width)
{
    (void)width;
    struct mt_plan_rows *x = index_of(a);
    if (!x || !x->nshown || from >= x->total) return;
    size_t lo = 0, hi = x->nshown;   /* the last entry starting at or before from */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (x->shown[mid].first <= from) lo = mid;
        else hi = mid;
    }
    size_t end = from + n < x->total ? from + n : x->total;
    for (size_t i = lo; i < x->nshown && x->shown[i].first < end; i++) {
        struct mt_rows tmp = {0};
        build(a, x, &x->shown[i], &tmp);
        for (size_t j = 0; j < tmp.n; j++) {
            size_t row = x->shown[i].first + j;
            if (row < from || row >= end || (i + 1 < x->nshown && row >= x->shown[i + 1].first)) continue;
            *mt_rows_add(out) = tmp.v[j];
            memset(&tmp.v[j], 0, sizeof tmp.v[j]);   /* moved to out */
        }
        mt_rows_clear(&tmp);
    }
}

static void rows(struct mt_app *a, struct mt_rows *out, int width)
{
    slice(a, out, 0, count(a, width), width);
}

/* Enter on any other entity: what the merge does to it, in full (the
 * page wraps what the panel cuts), from every environment that changes
 * it while conflicts are pending, or a held-back deletion. */
static void entity_page(struct mt_app *a, const struct mt_plan *p, const char *key)
{
    struct mt_rows rs = {0};
    const char *name = NULL;
    if (p->resolved) {
        for (size_t i = 0; i < p->nchanges; i++) {
            const struct mt_change *c = &p->changes[i];
            const struct mt_entity *any = c->after ? c->after : c->before;
            if (!any || strcmp(any->key, key)) continue;
            struct mt_buf who;
            mt_buf_init(&who);
            envs_text(p, c->envs, c->nenvs, &who);
            mt_rows_change_diff(&rs, any->name, c->before, c->after, who.data, key);
            mt_buf_free(&who);
            name = any->name;
        }
    }
    for (size_t e = 0; e < p->nenvs; e++)   /* pending: every env's proposal; a held-back one too */
        for (size_t k = 0; (!p->resolved || held_back(&p->envs[e])) && k < p->envs[e].delta.nents; k++) {
            const struct mt_ent_delta *d = &p->envs[e].delta.ents[k];
            if (strcmp(d->key, key)) continue;
            name = (d->f ? d->f : d->m)->name;
            mt_rows_change_diff(&rs, name, d->m, d->f, p->envs[e].ref.env, key);
        }
    if (!name) {
        mt_rows_clear(&rs);
        mt_app_set_message(a, false, "Enter: select an entity's lines");
        return;
    }
    mt_view_text_page(a, xasprintf("What the merge does to %s (Esc goes back)", name), &rs);
}

/* Enter on an entity in conflict opens the conflict view. */
static void enter(struct mt_app *a, const struct mt_row *r)
{
    struct mt_plan *p = mt_app_plan(a);
    if (!p || !r->ref) return;
    for (size_t i = 0; i < p->nconflicts; i++)
        if (strcmp(p->conflicts[i].key, r->ref) == 0) {
            mt_app_open_conflict(a, i);
            return;
        }
    entity_page(a, p, r->ref);
}

const struct mt_view_ops mt_view_plan = {
    .name = "Plan", .rows = rows, .enter = enter, .count = count, .slice = slice, .init = init, .free = release};
