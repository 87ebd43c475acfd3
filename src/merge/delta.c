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

/* What is known while diffing one F against one indexed M. F is walked
 * beside M, never split whole: only its changed lines get a line struct. */
struct diff {
    const struct mt_fragment *m;
    const struct mt_fragment_index *mx;
    struct mt_fragment *f;
    size_t *f_of_m;              /* per M line (first of equal bytes): the line number in F of a line
                                    with those bytes, or SIZE_MAX */
    struct mt_line *changed;     /* F's lines not in M, in F order */
    size_t nchanged, changed_cap;
    struct mt_strmap f_ent, f_rel;   /* key -> first changed F line with it */
    size_t *f_next;              /* per changed line: the next changed line with its key, or SIZE_MAX */
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

/* Is the line of F at p (up to its newline or the end, one CR before it
 * left out, as mt_fragment_load splits) exactly M's line ml? *after: where
 * the next line starts. */
static bool same_line(const char *p, const char *end, const struct mt_line *ml, const char **after)
{
    size_t n = ml->len;
    if ((size_t)(end - p) < n || memcmp(p, ml->p, n) != 0) return false;
    const char *q = p + n;
    if (q == end || *q == '\n') {  /* a CR at the end of F's line would be left out, not M's */
        *after = q == end ? end : q + 1;
        return n == 0 || ml->p[n - 1] != '\r';
    }
    if (*q == '\r' && (q + 1 == end || q[1] == '\n')) {
        *after = q + 1 == end ? end : q + 2;
        return true;
    }
    return false;
}

static bool blank(const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r') return false;
    return true;
}

/* Walk F beside M. A line of F is first compared with the M line after the
 * last match (the server rewrites its file in place, so most lines are
 * where they were), and only when that fails split off, hashed and looked
 * up. Either way a match is the first M line with those bytes, as the
 * index alone would give. */
static void match_lines(struct diff *x)
{
    const struct mt_fragment *m = x->m;
    struct mt_fragment *f = x->f;
    x->f_of_m = xmalloc((m->nlines ? m->nlines : 1) * sizeof(size_t));
    for (size_t j = 0; j < m->nlines; j++) x->f_of_m[j] = SIZE_MAX;
    const char *p = f->data, *end = f->data + f->size, *after;
    size_t next = 0, j;
    for (long lineno = 1; p < end; lineno++, p = after) {
        if (next < m->nlines && same_line(p, end, &m->lines[next], &after)) {
            j = m_rep(x, next++);
        } else {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t len = (size_t)((nl ? nl : end) - p);
            if (len && p[len - 1] == '\r') len--;
            after = nl ? nl + 1 : end;
            if (blank(p, len)) continue;  /* blank lines are ignored, as the server does */
            if (mt_strmap_get_h(&x->mx->by_bytes, mt_hash(p, len), p, len, &j)) {
                next = j + 1;
            } else {
                MT_GROW(x->changed, x->changed_cap, x->nchanged + 1);
                x->changed[x->nchanged++] = (struct mt_line){.p = p, .len = len, .lineno = lineno,
                                                             .kind = MT_LINE_UNKEYED};
                continue;
            }
        }
        if (x->f_of_m[j] == SIZE_MAX) x->f_of_m[j] = (size_t)lineno;
    }
    /* Key the changed lines and chain them by key. */
    x->f_next = xmalloc((x->nchanged ? x->nchanged : 1) * sizeof(size_t));
    for (size_t c = x->nchanged; c-- > 0;) {
        struct mt_line *l = &x->changed[c];
        mt_fragment_key(f, l);
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

/* Parse bytes (a line of file at lineno) and fold the entity into *into. */
static int parse_fold(const char *bytes, size_t len, const char *file, long lineno, struct mt_entity **into,
                      struct mt_delta *d, struct mt_error *err)
{
    struct mt_item it;
    d->parsed_lines++;
    if (mt_item_parse(bytes, len, file, lineno, &it, err)) return -1;
    if (!*into) {
        *into = it.entity;
        it.entity = NULL;
    } else {
        mt_entity_fold(*into, it.entity);
    }
    mt_item_clear(&it);
    return 0;
}

/* A line of F with a given key: at its line number, with the bytes of a
 * kept M line or of a changed line. */
struct f_line {
    size_t at;
    const struct mt_line *l;
};

static int cmp_at(const void *a, const void *b)
{
    size_t x = ((const struct f_line *)a)->at, y = ((const struct f_line *)b)->at;
    return x < y ? -1 : x > y;
}

/* M's version of key, and F's: F's lines are M's lines still present plus
 * the changed lines with that key, folded in F's order. */
static int versions(struct diff *x, const char *key, size_t klen, struct mt_entity **me, struct mt_entity **fe)
{
    size_t j, c;
    struct f_line *fl = NULL;
    size_t nf = 0, cap = 0;
    *me = *fe = NULL;
    if (mt_strmap_get(&x->mx->ent_keys, key, klen, &j))
        for (; j != SIZE_MAX; j = x->mx->next[j]) {
            const struct mt_line *ml = &x->m->lines[j];
            if (parse_fold(ml->p, ml->len, x->m->file, ml->lineno, me, x->d, x->err)) goto fail;
            size_t at = x->f_of_m[m_rep(x, j)];
            if (at != SIZE_MAX) {
                MT_GROW(fl, cap, nf + 1);
                fl[nf++] = (struct f_line){at, ml};
            }
        }
    if (mt_strmap_get(&x->f_ent, key, klen, &c))
        for (; c != SIZE_MAX; c = x->f_next[c]) {
            MT_GROW(fl, cap, nf + 1);
            fl[nf++] = (struct f_line){(size_t)x->changed[c].lineno, &x->changed[c]};
        }
    if (nf > 1) qsort(fl, nf, sizeof(*fl), cmp_at);
    size_t distinct = 0;
    for (size_t k = 0; k < nf; k++)
        if (k == 0 || fl[k].at != fl[k - 1].at) {
            distinct++;  /* a kept line has M's bytes; an error names F's line */
            if (parse_fold(fl[k].l->p, fl[k].l->len, x->f->file, (long)fl[k].at, fe, x->d, x->err)) goto fail;
        }
    if (distinct > 1) x->d->duplicate_lines += distinct - 1;  /* folded, and reported */
    free(fl);
    return 0;
fail:
    free(fl);
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
        const struct mt_line *l = &x->changed[c];
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
        const struct mt_line *l = &x->changed[c];
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
        const struct mt_line *l = &x->changed[c];
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
