/* delta.c: diff(M_e, F_e) by line bytes first, JSON only where needed.
 *
 * M_e comes indexed (it is often shared: after a sync every environment's
 * last merged fragment is the same memory.json). F_e is only split; a line
 * of F whose bytes are a line of M is unchanged and never keyed nor parsed,
 * and most are found by comparing with the line after the last match,
 * without hashing. Only the changed lines of F, and the lines that share
 * a key with a changed line, are looked at closely. */
#include "memtui/merge/delta.h"

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
    for (size_t i = 0; i < d->ncontext; i++) mt_entity_free(d->context[i]);
    free(d->context);
    free(d->ents);
    free(d->rels);
    mt_delta_init(d);
}

bool mt_ent_delta_retypes(const struct mt_ent_delta *d)
{
    return d->m && d->f && strcmp(d->m->type, d->f->type) != 0;
}

bool mt_ent_delta_substantive(const struct mt_ent_delta *d)
{
    if (!d->f) return false;
    return !d->m || d->obs_add.n || d->obs_del.n || mt_ent_delta_retypes(d);
}

const struct mt_entity *mt_delta_version(const struct mt_delta *d, const char *key)
{
    for (size_t i = 0; i < d->nents; i++)
        if (strcmp(d->ents[i].key, key) == 0) return d->ents[i].f;
    for (size_t i = 0; i < d->ncontext; i++)
        if (strcmp(d->context[i]->key, key) == 0) return d->context[i];
    return NULL;
}

bool mt_ent_delta_modifies(const struct mt_ent_delta *d)
{
    if (!d->m || !d->f) return false;
    if (d->obs_add.n || d->obs_del.n || mt_ent_delta_retypes(d)) return true;
    if (!d->m->extras != !d->f->extras) return true;
    return d->m->extras && strcmp(d->m->extras, d->f->extras) != 0;
}

/* What is known while diffing one F against one indexed M. */
struct diff {
    const struct mt_fragment *m;
    const struct mt_fragment_index *mx;
    struct mt_fragment *f;
    size_t *f_of_m;              /* per M line (first of equal bytes): an F line with those bytes, or SIZE_MAX */
    size_t *changed;             /* F lines not in M, in F order */
    size_t nchanged;
    struct mt_strmap f_ent, f_rel;   /* key -> first changed F line with it */
    size_t *f_next;              /* per changed position: next changed F line (index into changed) */
    struct mt_delta *d;
    struct mt_error *err;
};

/* The first M line with the same bytes stands for all of them. */
static size_t m_rep(const struct diff *x, size_t j)
{
    return x->mx->rep[j];
}

static bool m_line_kept(const struct diff *x, size_t j)
{
    return x->f_of_m[m_rep(x, j)] != SIZE_MAX;
}

/* The M line with the bytes of F's line i: first the line after the last
 * match (F is mostly M in M's order, since the server rewrites its file in
 * place), then the index. Either way the answer is the first M line with
 * those bytes, as the index alone would give. */
static bool find_in_m(const struct diff *x, size_t i, size_t *next, size_t *j)
{
    const struct mt_fragment *m = x->m;
    const struct mt_line *l = &x->f->lines[i];
    size_t n = *next;
    if (n < m->nlines && m->lines[n].len == l->len && memcmp(m->lines[n].p, l->p, l->len) == 0) {
        *j = m_rep(x, n);
        *next = n + 1;
        return true;
    }
    if (!mt_strmap_get_h(&x->mx->by_bytes, mt_hash(l->p, l->len), l->p, l->len, j)) return false;
    *next = *j + 1;
    return true;
}

static void match_lines(struct diff *x)
{
    const struct mt_fragment *m = x->m;
    struct mt_fragment *f = x->f;
    x->f_of_m = xmalloc((m->nlines ? m->nlines : 1) * sizeof(size_t));
    for (size_t j = 0; j < m->nlines; j++) x->f_of_m[j] = SIZE_MAX;
    x->changed = xmalloc((f->nlines ? f->nlines : 1) * sizeof(size_t));
    size_t next = 0;
    for (size_t i = 0; i < f->nlines; i++) {
        size_t j;
        if (find_in_m(x, i, &next, &j)) {
            if (x->f_of_m[j] == SIZE_MAX) x->f_of_m[j] = i;
        } else {
            x->changed[x->nchanged++] = i;
        }
    }
    /* Key the changed lines and chain them by key. */
    x->f_next = xmalloc((x->nchanged ? x->nchanged : 1) * sizeof(size_t));
    for (size_t c = x->nchanged; c-- > 0;) {
        size_t i = x->changed[c];
        mt_fragment_key_line(f, i);
        const struct mt_line *l = &f->lines[i];
        x->f_next[c] = SIZE_MAX;
        struct mt_strmap *map = l->kind == MT_LINE_ENTITY ? &x->f_ent : l->kind == MT_LINE_RELATION ? &x->f_rel : NULL;
        if (l->kind == MT_LINE_OTHER) x->d->other_lines++;
        if (!map) continue;
        size_t first;
        if (!mt_strmap_put(map, l->key, l->key_len, c, &first)) {
            x->f_next[c] = first;
            mt_strmap_set(map, l->key, l->key_len, c);
        }
    }
}

static int parse_fold(const struct mt_fragment *src, size_t i, struct mt_entity **into, struct mt_delta *d,
                      struct mt_error *err)
{
    const struct mt_line *l = &src->lines[i];
    struct mt_item it;
    d->parsed_lines++;
    if (mt_item_parse(l->p, l->len, src->file, l->lineno, &it, err)) return -1;
    if (!*into) {
        *into = it.entity;
        it.entity = NULL;
    } else {
        mt_entity_fold(*into, it.entity);
    }
    mt_item_clear(&it);
    return 0;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* M's version of key, and F's: F's lines are M's lines still present plus
 * the changed lines with that key, folded in F's order. */
static int versions(struct diff *x, const char *key, size_t klen, struct mt_entity **me, struct mt_entity **fe)
{
    size_t j, c;
    size_t *flines = NULL, nf = 0, cap = 0;
    *me = *fe = NULL;
    if (mt_strmap_get(&x->mx->ent_keys, key, klen, &j))
        for (; j != SIZE_MAX; j = x->mx->next[j]) {
            if (parse_fold(x->m, j, me, x->d, x->err)) goto fail;
            size_t fi = x->f_of_m[m_rep(x, j)];
            if (fi != SIZE_MAX) {
                MT_GROW(flines, cap, nf + 1);
                flines[nf++] = fi;
            }
        }
    if (mt_strmap_get(&x->f_ent, key, klen, &c))
        for (; c != SIZE_MAX; c = x->f_next[c]) {
            MT_GROW(flines, cap, nf + 1);
            flines[nf++] = x->changed[c];
        }
    if (nf > 1) qsort(flines, nf, sizeof(size_t), cmp_size);
    size_t distinct = 0;
    for (size_t k = 0; k < nf; k++)
        if (k == 0 || flines[k] != flines[k - 1]) {
            distinct++;
            if (parse_fold(x->f, flines[k], fe, x->d, x->err)) goto fail;
        }
    if (distinct > 1) x->d->duplicate_lines += distinct - 1;  /* folded, and reported */
    free(flines);
    return 0;
fail:
    free(flines);
    mt_entity_free(*me);
    mt_entity_free(*fe);
    *me = *fe = NULL;
    return -1;
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

static int touch_entity(struct diff *x, struct mt_strmap *seen, const char *key, size_t klen, long *obs_change)
{
    if (!mt_strmap_put(seen, key, klen, 0, NULL)) return 0;
    struct mt_entity *me, *fe;
    if (versions(x, key, klen, &me, &fe)) return -1;
    if ((me && fe && mt_entity_same(me, fe)) || (!me && !fe)) {
        mt_entity_free(me);
        mt_entity_free(fe);
        return 0;
    }
    *obs_change += (long)(fe ? fe->obs.n : 0) - (long)(me ? me->obs.n : 0);
    if (me && !fe) x->d->deletions++;
    if (!me) x->d->f_entities++;
    if (!fe) x->d->f_entities--;
    push_ent(x->d, me, fe);
    return 0;
}

/* Entities: changed lines of F first (creations come out in F's order),
 * then M's lines that are gone. */
static int entity_changes(struct diff *x)
{
    struct mt_strmap seen;
    mt_strmap_init(&seen);
    long obs_change = 0;
    int rc = 0;
    for (size_t c = 0; c < x->nchanged && !rc; c++) {
        const struct mt_line *l = &x->f->lines[x->changed[c]];
        if (l->kind == MT_LINE_ENTITY) rc = touch_entity(x, &seen, l->key, l->key_len, &obs_change);
    }
    for (size_t j = 0; j < x->m->nlines && !rc; j++) {
        const struct mt_line *l = &x->m->lines[j];
        if (l->kind == MT_LINE_ENTITY && !m_line_kept(x, j))
            rc = touch_entity(x, &seen, l->key, l->key_len, &obs_change);
    }
    mt_strmap_free(&seen);
    x->d->f_observations = (size_t)((long)x->d->f_observations + obs_change);
    return rc;
}

/* Is a relation key present in F? Through an M line still there, or a changed line. */
static bool rel_in_f(const struct diff *x, const char *key, size_t klen)
{
    if (mt_strmap_get(&x->f_rel, key, klen, NULL)) return true;
    size_t j;
    if (!mt_strmap_get(&x->mx->rel_keys, key, klen, &j)) return false;
    for (; j != SIZE_MAX; j = x->mx->next[j])
        if (m_line_kept(x, j)) return true;
    return false;
}

static void push_rel(struct mt_delta *d, struct mt_relation *r, bool added)
{
    MT_GROW(d->rels, d->rels_cap, d->nrels + 1);
    d->rels[d->nrels].rel = r;
    d->rels[d->nrels].added = added;
    d->nrels++;
}

static int relation_changes(struct diff *x)
{
    struct mt_delta *d = x->d;
    for (size_t c = 0; c < x->nchanged; c++) {
        size_t i = x->changed[c];
        const struct mt_line *l = &x->f->lines[i];
        if (l->kind != MT_LINE_RELATION) continue;
        struct mt_item it;
        d->parsed_lines++;  /* every changed line is validated */
        if (mt_item_parse(l->p, l->len, x->f->file, l->lineno, &it, x->err)) return -1;
        size_t first;
        mt_strmap_get(&x->f_rel, l->key, l->key_len, &first);
        bool in_m = mt_strmap_get(&x->mx->rel_keys, l->key, l->key_len, NULL);
        if (first == c && !in_m) {
            push_rel(d, it.relation, true);
            it.relation = NULL;
            d->f_relations++;
        }
        mt_item_clear(&it);
    }
    struct mt_strmap seen;
    mt_strmap_init(&seen);
    int rc = 0;
    for (size_t j = 0; j < x->m->nlines && !rc; j++) {
        const struct mt_line *l = &x->m->lines[j];
        if (l->kind != MT_LINE_RELATION || m_line_kept(x, j)) continue;
        if (!mt_strmap_put(&seen, l->key, l->key_len, 0, NULL) || rel_in_f(x, l->key, l->key_len)) continue;
        struct mt_item it;
        d->parsed_lines++;
        if ((rc = mt_item_parse(l->p, l->len, x->m->file, l->lineno, &it, x->err))) break;
        push_rel(d, it.relation, false);
        it.relation = NULL;
        mt_item_clear(&it);
        d->f_relations--;
    }
    mt_strmap_free(&seen);
    return rc;
}

/* The ends of added relations, as F has them, when the delta does not
 * already carry them. */
static int relation_context(struct diff *x)
{
    struct mt_delta *d = x->d;
    struct mt_strmap seen;
    mt_strmap_init(&seen);
    for (size_t i = 0; i < d->nents; i++) mt_strmap_put(&seen, d->ents[i].key, strlen(d->ents[i].key), 0, NULL);
    int rc = 0;
    char **keys = NULL;
    size_t nkeys = 0, cap = 0;
    for (size_t i = 0; i < d->nrels && !rc; i++) {
        if (!d->rels[i].added) continue;
        for (int end = 0; end < 2 && !rc; end++) {
            char *k = mt_entity_key(end ? d->rels[i].rel->to : d->rels[i].rel->from);
            MT_GROW(keys, cap, nkeys + 1);
            keys[nkeys++] = k;
            if (!mt_strmap_put(&seen, k, strlen(k), 0, NULL)) continue;
            struct mt_entity *me, *fe;
            rc = versions(x, k, strlen(k), &me, &fe);
            mt_entity_free(me);
            if (!rc && fe) {
                MT_GROW(d->context, d->context_cap, d->ncontext + 1);
                d->context[d->ncontext++] = fe;
            }
        }
    }
    mt_strmap_free(&seen);
    for (size_t i = 0; i < nkeys; i++) free(keys[i]);
    free(keys);
    return rc;
}

/* Changed lines that could not even be keyed carry the error to report. */
static int check_bad_lines(struct diff *x)
{
    for (size_t c = 0; c < x->nchanged; c++) {
        const struct mt_line *l = &x->f->lines[x->changed[c]];
        if (l->kind != MT_LINE_BAD) continue;
        struct mt_item it;
        if (mt_item_parse(l->p, l->len, x->f->file, l->lineno, &it, x->err)) return -1;
        mt_item_clear(&it);
    }
    return 0;
}

int mt_delta_compute_ix(const struct mt_fragment *m, const struct mt_fragment_index *mx, struct mt_fragment *f,
                        size_t m_observations, struct mt_delta *d, struct mt_error *err)
{
    mt_delta_init(d);
    struct diff x = {.m = m, .mx = mx, .f = f, .d = d, .err = err};
    mt_strmap_init(&x.f_ent);
    mt_strmap_init(&x.f_rel);
    d->m_entities = mx->entities;
    d->f_entities = mx->entities;
    d->f_relations = mx->relations;
    d->f_observations = m_observations;
    match_lines(&x);
    int rc = check_bad_lines(&x);
    if (!rc) rc = entity_changes(&x);
    if (!rc) rc = relation_changes(&x);
    if (!rc) rc = relation_context(&x);
    free(x.f_of_m);
    free(x.changed);
    free(x.f_next);
    mt_strmap_free(&x.f_ent);
    mt_strmap_free(&x.f_rel);
    if (rc) {
        size_t parsed = d->parsed_lines;
        mt_delta_free(d);
        d->parsed_lines = parsed;
    }
    return rc;
}

int mt_delta_compute(const struct mt_fragment *m, const struct mt_fragment *f, size_t m_observations,
                     struct mt_delta *d, struct mt_error *err)
{
    struct mt_fragment_index mx;
    mt_fragment_index_build((struct mt_fragment *)m, &mx);
    int rc = mt_delta_compute_ix(m, &mx, (struct mt_fragment *)f, m_observations, d, err);
    /* duplicates of F are only known for changed lines in the fast path;
     * here F is small or a test: count them whole */
    if (!rc) {
        struct mt_fragment_index fx;
        mt_fragment_index_build((struct mt_fragment *)f, &fx);
        d->duplicate_lines = fx.duplicate_lines;
        d->other_lines = fx.other_lines;
        mt_fragment_index_free(&fx);
    }
    mt_fragment_index_free(&mx);
    return rc;
}
