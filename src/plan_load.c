/* plan_load.c: read U and each environment's M_e/F_e, and diff them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memtui/plan.h"

const char *mt_frag_status_name(enum mt_frag_status s)
{
    switch (s) {
    case MT_FRAG_UNCHANGED: return "unchanged";
    case MT_FRAG_CHANGED: return "changed";
    case MT_FRAG_NEW: return "new";
    case MT_FRAG_QUARANTINED: return "quarantined";
    case MT_FRAG_HELD: return "held";
    case MT_FRAG_ABSENT: return "absent";
    }
    return "?";
}

const char *mt_conflict_kind_name(enum mt_conflict_kind k)
{
    return k == MT_CONFLICT_TYPE ? "type" : "modify-delete";
}

static int cmp_env(const void *a, const void *b)
{
    return strcmp(((const struct mt_env_plan *)a)->ref.env, ((const struct mt_env_plan *)b)->ref.env);
}

/* The last merged fragments, indexed. After a sync every environment's
 * M_e is the same blob (memory.json as imported), so it is read and indexed
 * once; two slots cover the usual case of one stray older M_e. */
#define M_CACHE 2
struct m_slot {
    char blob[MT_OID_HEX];
    struct mt_fragment f;
    struct mt_fragment_index ix;
    unsigned long used;
    bool full;
};

struct loader {
    struct mt_plan *p;
    const struct mt_blob_source *src;
    struct m_slot slot[M_CACHE];
    unsigned long tick;
};

static int read_fragment(const struct mt_blob_source *src, const char *blob, const char *path, const char *file,
                         struct mt_fragment *f, char sha[MT_SHA256_HEX], struct mt_error *err)
{
    if (!blob[0]) {
        mt_fragment_empty(f, file);
        if (sha) mt_sha256_hex("", 0, sha);
        return 0;
    }
    char *data;
    size_t len;
    void (*release)(void *) = NULL;
    void *hold = NULL;
    if (src->read(src->ctx, blob, path, &data, &len, &release, &hold, err)) return -1;
    if (sha) mt_sha256_hex(data, len, sha);
    return mt_fragment_load_lazy(f, file, data, len, release, hold, err);
}

static struct m_slot *cached_m(struct loader *L, const char *blob, const char *path, struct mt_error *err)
{
    struct m_slot *victim = &L->slot[0];
    for (int i = 0; i < M_CACHE; i++) {
        struct m_slot *s = &L->slot[i];
        if (s->full && strcmp(s->blob, blob) == 0) {
            s->used = ++L->tick;
            return s;
        }
        if (!s->full || s->used < victim->used) victim = s;
    }
    if (victim->full) {
        mt_fragment_index_free(&victim->ix);
        mt_fragment_free(&victim->f);
        victim->full = false;
    }
    if (read_fragment(L->src, blob, path, "memory (as last merged)", &victim->f, NULL, err)) return NULL;
    mt_fragment_index_build(&victim->f, &victim->ix);
    snprintf(victim->blob, sizeof victim->blob, "%s", blob);
    victim->full = true;
    victim->used = ++L->tick;
    return victim;
}

static void loader_free(struct loader *L)
{
    for (int i = 0; i < M_CACHE; i++)
        if (L->slot[i].full) {
            mt_fragment_index_free(&L->slot[i].ix);
            mt_fragment_free(&L->slot[i].f);
        }
}

/* U must be readable: a memory.json that memtui cannot read is not
 * something to merge over. */
static int load_base(struct mt_plan *p, const struct mt_blob_source *src, struct mt_error *err)
{
    struct mt_fragment u;
    if (read_fragment(src, p->u_blob, "memory.json", "memory.json", &u, NULL, err)) return -1;
    for (size_t i = 0; i < u.nlines; i++) {
        const struct mt_line *l = &u.lines[i];
        struct mt_item it;
        if (mt_item_parse(l->p, l->len, u.file, l->lineno, &it, err)) {
            mt_fragment_free(&u);
            return -1;
        }
        if (it.kind == MT_ITEM_ENTITY) mt_graph_add_entity(&p->base, it.entity);
        else if (it.kind == MT_ITEM_RELATION) mt_graph_add_relation(&p->base, it.relation);
        it.entity = NULL;
        it.relation = NULL;
        mt_item_clear(&it);
    }
    mt_fragment_free(&u);
    return 0;
}

static void quarantine(struct mt_env_plan *e, struct mt_error *why)
{
    e->status = MT_FRAG_QUARANTINED;
    e->reason = mt_error_format(why);
    mt_error_clear(why);
    mt_delta_free(&e->delta);
}

/* One environment: F_e is read, diffed against M_e and dropped before the
 * next one, so memory holds one F at a time. */
static int load_env(struct loader *L, struct mt_env_plan *e, struct mt_error *err)
{
    struct mt_plan *p = L->p;
    const struct mt_frag_ref *r = &e->ref;
    if (!r->blob[0]) {
        e->status = MT_FRAG_ABSENT;
        return 0;
    }
    if (r->m_blob[0] && strcmp(r->blob, r->m_blob) == 0) {
        e->status = MT_FRAG_UNCHANGED;
        memcpy(e->sha256, r->m_sha256, sizeof e->sha256);
        e->entities = r->m_entities;
        e->relations = r->m_relations;
        e->observations = r->m_observations;
        return 0;
    }
    char *fname = xasprintf("memory-%s.json", r->env);
    struct mt_fragment f;
    struct mt_error why = {0};
    int rc = read_fragment(L->src, r->blob, fname, fname, &f, e->sha256, &why);
    free(fname);
    if (rc) {
        if (!why.file) {  /* the blob itself could not be read: a real error */
            mt_error_move(err, &why);
            return -1;
        }
        quarantine(e, &why);
        return 0;
    }
    struct m_slot *m = NULL;
    struct mt_fragment empty;
    struct mt_fragment_index empty_ix;
    if (r->m_blob[0]) {
        m = cached_m(L, r->m_blob, NULL, err);
        if (!m) {
            mt_fragment_free(&f);
            return -1;
        }
    } else {
        mt_fragment_empty(&empty, "(new)");
        mt_fragment_index_build(&empty, &empty_ix);
    }
    if (mt_delta_compute_ix(m ? &m->f : &empty, m ? &m->ix : &empty_ix, &f, r->m_observations, &e->delta, &why)) {
        e->parsed_lines = e->delta.parsed_lines;
        quarantine(e, &why);
    } else {
        e->status = r->m_blob[0] ? MT_FRAG_CHANGED : MT_FRAG_NEW;
        e->entities = e->delta.f_entities;
        e->relations = e->delta.f_relations;
        e->observations = e->delta.f_observations;
        e->parsed_lines = e->delta.parsed_lines;
        size_t del = e->delta.deletions, had = e->delta.m_entities;
        if (del >= 10 && del * 2 > had && !p->opt.allow_mass_delete) {
            e->status = MT_FRAG_HELD;
            e->reason = xasprintf("memory-%s.json would delete %zu of its %zu entities: held back "
                                  "until confirmed (--allow-mass-delete)", r->env, del, had);
        }
    }
    if (!m) {
        mt_fragment_index_free(&empty_ix);
        mt_fragment_free(&empty);
    }
    mt_fragment_free(&f);
    return 0;
}

int mt_plan_load(struct mt_plan *p, const char *u_blob, const struct mt_frag_ref *frags,
                 size_t nfrags, const struct mt_plan_options *opt,
                 const struct mt_blob_source *src, struct mt_error *err)
{
    memset(p, 0, sizeof(*p));
    if (opt) p->opt = *opt;
    snprintf(p->u_blob, sizeof p->u_blob, "%s", u_blob ? u_blob : "");
    mt_graph_init(&p->base);
    mt_graph_init(&p->result);
    mt_strmap_init(&p->decisions_index);
    mt_strmap_init(&p->removed);
    p->envs = xcalloc(nfrags ? nfrags : 1, sizeof(*p->envs));
    p->nenvs = nfrags;
    for (size_t i = 0; i < nfrags; i++) {
        p->envs[i].ref = frags[i];
        mt_delta_init(&p->envs[i].delta);
    }
    qsort(p->envs, p->nenvs, sizeof(*p->envs), cmp_env);
    if (load_base(p, src, err)) return -1;
    struct loader L = {.p = p, .src = src};
    int rc = 0;
    for (size_t i = 0; i < p->nenvs && !rc; i++) {
        rc = load_env(&L, &p->envs[i], err);
        if (!rc && p->opt.progress) p->opt.progress(p->opt.progress_ctx, i + 1, p->nenvs, p->envs[i].ref.env);
    }
    loader_free(&L);
    return rc;
}

void mt_plan_confirm_mass_delete(struct mt_plan *p, size_t env)
{
    struct mt_env_plan *e = &p->envs[env];
    if (e->status != MT_FRAG_HELD) return;
    e->status = e->ref.m_blob[0] ? MT_FRAG_CHANGED : MT_FRAG_NEW;
    e->confirmed = true;
    free(e->reason);
    e->reason = NULL;
}

size_t mt_plan_pending(const struct mt_plan *p)
{
    size_t n = 0;
    for (size_t i = 0; i < p->nconflicts; i++) n += !p->conflicts[i].decided;
    return n;
}

bool mt_plan_has_quarantine(const struct mt_plan *p)
{
    for (size_t i = 0; i < p->nenvs; i++)
        if (p->envs[i].status == MT_FRAG_QUARANTINED || p->envs[i].status == MT_FRAG_HELD) return true;
    return false;
}
