/* delta.c: diff(M_e, F_e) by line hashes first, JSON only where needed. */
#include "memtui/delta.h"

#include <stdlib.h>
#include <string.h>

void mt_delta_init(struct mt_delta *d)
{
    memset(d, 0, sizeof(*d));
}

void mt_delta_free(struct mt_delta *d)
{
    for (size_t i = 0; i < d->nents; i++) {
        mt_entity_free(d->ents[i].m);
        mt_entity_free(d->ents[i].f);
        mt_strset_free(&d->ents[i].obs_add);
        mt_strset_free(&d->ents[i].obs_del);
    }
    for (size_t i = 0; i < d->nrels; i++) mt_relation_free(d->rels[i].rel);
    free(d->ents);
    free(d->rels);
    mt_delta_init(d);
}

bool mt_ent_delta_retypes(const struct mt_ent_delta *d)
{
    return d->m && d->f && strcmp(d->m->type, d->f->type) != 0;
}

bool mt_ent_delta_modifies(const struct mt_ent_delta *d)
{
    if (!d->m || !d->f) return false;
    if (d->obs_add.n || d->obs_del.n || mt_ent_delta_retypes(d)) return true;
    if (!d->m->extras != !d->f->extras) return true;
    return d->m->extras && strcmp(d->m->extras, d->f->extras) != 0;
}

static bool unchanged_in(const struct mt_fragment_index *other, const struct mt_line *l)
{
    return mt_strmap_get_h(&other->by_bytes, l->hash, l->p, l->len, NULL);
}

/* Fold every line of fragment f that carries `key` into one entity. */
static int fold_entity(const struct mt_fragment *f, const struct mt_fragment_index *ix,
                       const char *key, size_t key_len, struct mt_entity **out, size_t *parsed,
                       struct mt_error *err)
{
    size_t i;
    *out = NULL;
    if (!mt_strmap_get(&ix->ent_keys, key, key_len, &i)) return 0;
    for (; i != SIZE_MAX; i = ix->next[i]) {
        const struct mt_line *l = &f->lines[i];
        struct mt_item it;
        (*parsed)++;
        if (mt_item_parse(l->p, l->len, f->file, l->lineno, &it, err)) {
            mt_entity_free(*out);
            *out = NULL;
            return -1;
        }
        if (!*out) {
            *out = it.entity;
            it.entity = NULL;
        } else {
            mt_entity_fold(*out, it.entity);
        }
        mt_item_clear(&it);
    }
    return 0;
}

static void push_ent(struct mt_delta *d, struct mt_entity *m, struct mt_entity *f)
{
    MT_GROW(d->ents, d->ents_cap, d->nents + 1);
    struct mt_ent_delta *e = &d->ents[d->nents++];
    memset(e, 0, sizeof(*e));
    e->m = m;
    e->f = f;
    e->key = (f ? f : m)->key;
    mt_strset_init(&e->obs_add);
    mt_strset_init(&e->obs_del);
    if (m && f) {
        for (size_t i = 0; i < f->obs.n; i++)
            if (!mt_strset_has(&m->obs, f->obs.items[i])) mt_strset_add(&e->obs_add, f->obs.items[i]);
        for (size_t i = 0; i < m->obs.n; i++)
            if (!mt_strset_has(&f->obs, m->obs.items[i])) mt_strset_add(&e->obs_del, m->obs.items[i]);
    }
}

static void push_rel(struct mt_delta *d, struct mt_relation *r, bool added)
{
    MT_GROW(d->rels, d->rels_cap, d->nrels + 1);
    d->rels[d->nrels].rel = r;
    d->rels[d->nrels].added = added;
    d->nrels++;
}

/* Entities whose lines changed on either side: compare the folded versions. */
static int entity_changes(const struct mt_fragment *m, const struct mt_fragment_index *mx,
                          const struct mt_fragment *f, const struct mt_fragment_index *fx,
                          struct mt_delta *d, struct mt_error *err)
{
    struct mt_strmap seen;
    mt_strmap_init(&seen);
    int rc = 0;
    long obs_change = 0;
    for (int side = 0; side < 2 && !rc; side++) {
        const struct mt_fragment *src = side ? m : f;
        const struct mt_fragment_index *other = side ? fx : mx;
        for (size_t i = 0; i < src->nlines && !rc; i++) {
            const struct mt_line *l = &src->lines[i];
            if (l->kind != MT_LINE_ENTITY || unchanged_in(other, l)) continue;
            if (!mt_strmap_put(&seen, l->key, l->key_len, 0, NULL)) continue;
            struct mt_entity *me = NULL, *fe = NULL;
            rc = fold_entity(f, fx, l->key, l->key_len, &fe, &d->parsed_lines, err);
            if (!rc) rc = fold_entity(m, mx, l->key, l->key_len, &me, &d->parsed_lines, err);
            if (rc || (me && fe && mt_entity_equal(me, fe))) {
                mt_entity_free(me);
                mt_entity_free(fe);
                continue;
            }
            obs_change += (long)(fe ? fe->obs.n : 0) - (long)(me ? me->obs.n : 0);
            if (me && !fe) d->deletions++;
            push_ent(d, me, fe);
        }
    }
    mt_strmap_free(&seen);
    d->f_observations = (size_t)((long)d->f_observations + obs_change);
    return rc;
}

static int relation_changes(const struct mt_fragment *m, const struct mt_fragment_index *mx,
                            const struct mt_fragment *f, const struct mt_fragment_index *fx,
                            struct mt_delta *d, struct mt_error *err)
{
    for (int side = 0; side < 2; side++) {
        const struct mt_fragment *src = side ? m : f;
        const struct mt_fragment_index *other = side ? fx : mx;
        for (size_t i = 0; i < src->nlines; i++) {
            const struct mt_line *l = &src->lines[i];
            if (l->kind != MT_LINE_RELATION || unchanged_in(other, l)) continue;
            /* Only the triple counts: a line rewritten with the same triple is no change. */
            if (mt_strmap_get(side ? &fx->rel_keys : &mx->rel_keys, l->key, l->key_len, NULL)) {
                if (!side) {  /* still validate the changed line of F */
                    struct mt_item it;
                    d->parsed_lines++;
                    if (mt_item_parse(l->p, l->len, src->file, l->lineno, &it, err)) return -1;
                    mt_item_clear(&it);
                }
                continue;
            }
            size_t first;
            const struct mt_fragment_index *own = side ? mx : fx;
            mt_strmap_get(&own->rel_keys, l->key, l->key_len, &first);
            struct mt_item it;
            if (first != i) {  /* a duplicate of a triple already handled */
                if (side) continue;
                d->parsed_lines++;
                if (mt_item_parse(l->p, l->len, src->file, l->lineno, &it, err)) return -1;
                mt_item_clear(&it);
                continue;
            }
            d->parsed_lines++;
            if (mt_item_parse(l->p, l->len, src->file, l->lineno, &it, err)) return -1;
            push_rel(d, it.relation, side == 0);
            it.relation = NULL;
            mt_item_clear(&it);
        }
    }
    return 0;
}

/* Changed lines of F that are neither entities nor relations must still be
 * valid JSON of some other type, or the fragment is quarantined. */
static int check_other_lines(const struct mt_fragment *f, const struct mt_fragment_index *mx,
                             struct mt_error *err)
{
    for (size_t i = 0; i < f->nlines; i++) {
        const struct mt_line *l = &f->lines[i];
        if (l->kind != MT_LINE_BAD || unchanged_in(mx, l)) continue;
        struct mt_item it;
        if (mt_item_parse(l->p, l->len, f->file, l->lineno, &it, err)) return -1;
        mt_item_clear(&it);  /* keyed as bad but parses: cannot happen, be safe */
    }
    return 0;
}

int mt_delta_compute(const struct mt_fragment *m, const struct mt_fragment *f,
                     size_t m_observations, struct mt_delta *d, struct mt_error *err)
{
    struct mt_fragment_index mx, fx;
    mt_delta_init(d);
    mt_fragment_index_build(m, &mx);
    mt_fragment_index_build(f, &fx);
    d->m_entities = mx.entities;
    d->f_entities = fx.entities;
    d->f_relations = fx.relations;
    d->f_observations = m_observations;
    d->duplicate_lines = fx.duplicate_lines;
    d->other_lines = fx.other_lines;
    int rc = check_other_lines(f, &mx, err);
    if (!rc) rc = entity_changes(m, &mx, f, &fx, d, err);
    if (!rc) rc = relation_changes(m, &mx, f, &fx, d, err);
    mt_fragment_index_free(&mx);
    mt_fragment_index_free(&fx);
    if (rc) {
        size_t parsed = d->parsed_lines;
        mt_delta_free(d);
        d->parsed_lines = parsed;
    }
    return rc;
}
