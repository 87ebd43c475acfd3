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

static int read_fragment(const struct mt_blob_source *src, const char *blob, const char *file,
                         struct mt_fragment *f, char sha[MT_SHA256_HEX], struct mt_error *err)
{
    if (!blob[0]) {
        mt_fragment_empty(f, file);
        if (sha) mt_sha256_hex("", 0, sha);
        return 0;
    }
    char *data;
    size_t len;
    if (src->read(src->ctx, blob, &data, &len, err)) return -1;
    if (sha) mt_sha256_hex(data, len, sha);
    return mt_fragment_load(f, file, data, len, err);
}

/* U must be readable: a memory.json that memtui cannot read is not
 * something to merge over. */
static int load_base(struct mt_plan *p, const struct mt_blob_source *src, struct mt_error *err)
{
    struct mt_fragment u;
    if (read_fragment(src, p->u_blob, "memory.json", &u, NULL, err)) return -1;
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

/* One environment: M_e and F_e are read, diffed and dropped before the next
 * one, so memory holds one pair at a time. */
static int load_env(struct mt_plan *p, struct mt_env_plan *e, const struct mt_blob_source *src,
                    struct mt_error *err)
{
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
    struct mt_fragment m, f;
    struct mt_error why = {0};
    int rc = read_fragment(src, r->blob, fname, &f, e->sha256, &why);
    if (rc) {
        free(fname);
        if (!why.file) {  /* the blob itself could not be read: a real error */
            mt_error_move(err, &why);
            return -1;
        }
        quarantine(e, &why);
        return 0;
    }
    char *mname = xasprintf("%s (as last merged)", fname);
    rc = read_fragment(src, r->m_blob, mname, &m, NULL, err);
    free(mname);
    free(fname);
    if (rc) {
        mt_fragment_free(&f);
        return -1;
    }
    if (mt_delta_compute(&m, &f, r->m_observations, &e->delta, &why)) {
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
    mt_fragment_free(&m);
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
    for (size_t i = 0; i < p->nenvs; i++) {
        if (load_env(p, &p->envs[i], src, err)) return -1;
        if (p->opt.progress) p->opt.progress(p->opt.progress_ctx, i + 1, p->nenvs, p->envs[i].ref.env);
    }
    return 0;
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
