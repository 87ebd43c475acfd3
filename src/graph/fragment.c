/* fragment.c: split and key the lines of a graph file, and index them. */
#include "memtui/graph/fragment.h"

#include <stdlib.h>
#include <string.h>

#include "memtui/graph/graph.h"
#include "memtui/graph/json_check.h"
#include "memtui/graph/jsontext.h"
#include "memtui/base/side_by_side.h"
#include "memtui/base/utf8.h"

/* ---- an arena whose blocks never move ----------------------------------- */

struct mt_arena {
    char **blocks;
    size_t nblocks, cap;
    size_t used, size;   /* of the last block */
};

static char *arena_alloc(struct mt_arena **ap, size_t n)
{
    if (!*ap) *ap = xcalloc(1, sizeof(**ap));
    struct mt_arena *a = *ap;
    if (!a->nblocks || a->used + n > a->size) {
        size_t sz = n > 65536 ? n : 65536;
        MT_GROW(a->blocks, a->cap, a->nblocks + 1);
        a->blocks[a->nblocks++] = xmalloc(sz);
        a->used = 0;
        a->size = sz;
    }
    char *p = a->blocks[a->nblocks - 1] + a->used;
    a->used += n;
    return p;
}

/* from's blocks join into's (from's last block becomes the one in use). */
static void arena_adopt(struct mt_arena **into, struct mt_arena *from)
{
    if (!from) return;
    if (!*into) {
        *into = from;
        return;
    }
    struct mt_arena *a = *into;
    MT_GROW(a->blocks, a->cap, a->nblocks + from->nblocks);
    memcpy(a->blocks + a->nblocks, from->blocks, from->nblocks * sizeof(*a->blocks));
    a->nblocks += from->nblocks;
    a->used = from->used;
    a->size = from->size;
    free(from->blocks);
    free(from);
}

static void arena_free(struct mt_arena *a)
{
    if (!a) return;
    for (size_t i = 0; i < a->nblocks; i++) free(a->blocks[i]);
    free(a->blocks);
    free(a);
}

/* ---- keys ---------------------------------------------------------------- */

static const char ENT_PREFIX[] = "{\"type\":\"entity\",\"name\":\"";
static const char REL_PREFIX[] = "{\"type\":\"relation\",\"from\":\"";

/* Span of a JSON string body starting at p (just after the opening quote):
 * its length up to the closing quote, or -1 when it holds an escape (the
 * slow path then decides, since escapes may be written in several ways). */
static long plain_string(const char *p, const char *end)
{
    const char *q = p;
    while (q < end && *q != '"' && *q != '\\') q++;
    if (q >= end || *q != '"') return -1;
    return q - p;
}

static bool has_prefix(const char *p, size_t len, const char *pre, size_t plen)
{
    return len >= plen && memcmp(p, pre, plen) == 0;
}

/* Whether the text after the key fields may set them again: an object takes
 * the last of repeated keys (JSON.parse, jsontext.h), so "type" or a key
 * field once more, or any \u escape (a key may spell a name with one),
 * leaves the line to the slow path. One memchr pass per byte looked for:
 * this runs on every line of every fragment. */
static bool may_rekey(const char *p, const char *end, const char *const *fields, size_t nfields)
{
    for (const char *q = p; (q = memchr(q, '\\', (size_t)(end - q))) && q + 1 < end; q += 2)
        if (q[1] == 'u') return true;
    for (const char *q = p; (q = memchr(q, '"', (size_t)(end - q))); q++) {
        size_t left = (size_t)(end - q);
        /* most quotes open or close text: the next byte tells them from
         * the names looked for, which all start with t, n, f or r */
        char c = left >= 4 ? q[1] : 0;
        if (c != 't' && c != 'n' && c != 'f' && c != 'r') continue;
        if (left >= 6 && memcmp(q, "\"type\"", 6) == 0) return true;
        for (size_t i = 0; i < nfields; i++) {
            size_t fl = strlen(fields[i]);
            if (q[1] == fields[i][1] && left >= fl && memcmp(q, fields[i], fl) == 0) return true;
        }
    }
    return false;
}

/* Canonical lines (what the server and memtui write) are keyed from their
 * bytes; returns false when the line needs the slow path. */
static bool fast_key(struct mt_fragment *f, struct mt_line *l)
{
    static const char *const ent_fields[] = {"\"name\""};
    static const char *const rel_fields[] = {"\"from\"", "\"to\"", "\"relationType\""};
    const char *end = l->p + l->len;
    if (has_prefix(l->p, l->len, ENT_PREFIX, sizeof ENT_PREFIX - 1)) {
        const char *s = l->p + sizeof ENT_PREFIX - 1;
        long n = plain_string(s, end);
        if (n < 0 || may_rekey(s + n, end, ent_fields, 1)) return false;
        l->kind = MT_LINE_ENTITY;
        l->key = s;
        l->key_len = (size_t)n;
        return true;
    }
    if (!has_prefix(l->p, l->len, REL_PREFIX, sizeof REL_PREFIX - 1)) return false;
    static const char *const seps[] = {"\",\"to\":\"", "\",\"relationType\":\""};
    const char *s = l->p + sizeof REL_PREFIX - 1;
    const char *part[3];
    long plen[3];
    for (int i = 0; i < 3; i++) {
        part[i] = s;
        plen[i] = plain_string(s, end);
        if (plen[i] < 0) return false;
        s += plen[i];
        if (i < 2) {
            size_t sl = strlen(seps[i]);
            if ((size_t)(end - s) < sl || memcmp(s, seps[i], sl)) return false;
            s += sl;
        }
    }
    if (may_rekey(s, end, rel_fields, 3)) return false;
    size_t total = (size_t)(plen[0] + plen[1] + plen[2]) + 2;
    char *k = arena_alloc(&f->keys, total), *w = k;
    for (int i = 0; i < 3; i++) {
        if (i) *w++ = '\x01';
        memcpy(w, part[i], (size_t)plen[i]);
        w += plen[i];
    }
    l->kind = MT_LINE_RELATION;
    l->key = k;
    l->key_len = total;
    return true;
}

static void slow_key(struct mt_fragment *f, struct mt_line *l)
{
    struct mt_item it;
    struct mt_error err = {0};
    if (mt_item_parse(l->p, l->len, f->file, l->lineno, &it, &err) != 0) {
        l->kind = MT_LINE_BAD;
        mt_error_clear(&err);
        return;
    }
    const char *key = NULL;
    if (it.kind == MT_ITEM_ENTITY) key = it.entity->key, l->kind = MT_LINE_ENTITY;
    else if (it.kind == MT_ITEM_RELATION) key = it.relation->key, l->kind = MT_LINE_RELATION;
    else l->kind = MT_LINE_OTHER;
    if (key) {
        size_t n = strlen(key);
        char *k = arena_alloc(&f->keys, n ? n : 1);
        memcpy(k, key, n);
        l->key = k;
        l->key_len = n;
    }
    mt_item_clear(&it);
}

void mt_fragment_key(struct mt_fragment *f, struct mt_line *l)
{
    if (l->kind != MT_LINE_UNKEYED) return;
    if (!fast_key(f, l)) slow_key(f, l);
}

void mt_fragment_key_line(struct mt_fragment *f, size_t i)
{
    mt_fragment_key(f, &f->lines[i]);
}

/* ---- splitting ------------------------------------------------------------ */

static void split_lines(struct mt_fragment *f)
{
    size_t cap = 0;
    const char *p = f->data, *end = f->data + f->size;
    long lineno = 1;
    /* a line of a graph file is rarely shorter than 60 bytes */
    cap = f->size / 64 + 16;
    f->lines = xmalloc(cap * sizeof(*f->lines));
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        size_t len = (size_t)(stop - p);
        if (len && p[len - 1] == '\r') len--;
        size_t i = 0;
        while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r')) i++;
        if (i < len) {  /* blank lines are ignored, as the server does */
            MT_GROW(f->lines, cap, f->nlines + 1);
            struct mt_line *l = &f->lines[f->nlines++];
            l->p = p;
            l->len = len;
            l->lineno = lineno;
            l->hash = 0;  /* hashed only when indexed by bytes (mt_fragment_index_build_by) */
            l->key = NULL;
            l->key_len = 0;
            l->kind = MT_LINE_UNKEYED;
        }
        lineno++;
        p = nl ? nl + 1 : end;
    }
}

/* ---- legacy documents ------------------------------------------------------ */

/* Line and column of a byte offset, for errors in legacy documents. */
static void where(const char *data, size_t off, long *line, long *col)
{
    *line = 1;
    const char *ls = data;
    for (size_t i = 0; i < off; i++)
        if (data[i] == '\n') (*line)++, ls = data + i + 1;
    *col = (long)(data + off - ls) + 1;
}

/* The items of the array that starts at offset at, as canonical lines:
 * entities into ents, relations into rels. An error names the item's line
 * and column (found only then: counting lines for every item would make a
 * large document quadratic). */
static int legacy_items(struct mt_fragment *f, size_t at, struct mt_buf *ents, struct mt_buf *rels,
                        struct mt_error *err)
{
    const char *d = f->data;
    size_t n = f->size, i = jsontext_ws(d, n, at + 1);
    for (size_t nth = 1; i < n && d[i] != ']'; nth++) {
        struct mt_item it;
        if (mt_item_parse_at(d, n, i, false, f->file, 0, 0, &it, err)) {
            long line, col;
            where(d, i, &line, &col);
            char *m = xasprintf("item %zu: %s", nth, err->msg);
            mt_error_at(err, f->file, line, col, "%s", m);
            free(m);
            return -1;
        }
        if (it.kind == MT_ITEM_ENTITY) {
            mt_entity_write(ents, it.entity);
            mt_buf_addc(ents, '\n');
        } else if (it.kind == MT_ITEM_RELATION) {
            mt_relation_write(rels, it.relation);
            mt_buf_addc(rels, '\n');
        }
        mt_item_clear(&it);
        i = jsontext_ws(d, n, jsontext_skip(d, n, i));
        if (i < n && d[i] == ',') i = jsontext_ws(d, n, i + 1);
    }
    return 0;
}

/* The member of doc named key, or -1 when it is absent or null. */
static long list_member(const struct mt_fragment *f, const struct jsontext_object *doc, const char *key)
{
    long k = jsontext_find(doc, key);
    return k >= 0 && f->data[doc->m[k].val] == 'n' ? -1 : k;
}

/* {"entities":[...],"relations":[...]} or [...]: read from the text (so
 * lone surrogate escapes and number text survive, as in JSONL lines), then
 * written out as canonical JSONL (entities first) so diffing works the same
 * way. */
static int load_legacy(struct mt_fragment *f, struct mt_error *err)
{
    /* Checked strictly first, as JSONL lines are, so errors name their place. */
    size_t bad;
    const char *why = "invalid UTF-8";
    if (!utf8_valid(f->data, f->size, &bad) ||
        !json_check_flags(f->data, f->size, JSON_CHECK_ALLOW_NUL | JSON_CHECK_ALLOW_LONE_SURROGATES, &bad, &why)) {
        long bline, bcol;
        where(f->data, bad, &bline, &bcol);
        mt_error_at(err, f->file, bline, bcol, "bad JSON document: %s", why);
        return -1;
    }
    struct mt_buf out, rel_out;
    mt_buf_init(&out);
    mt_buf_init(&rel_out);
    int rc = 0;
    size_t start = jsontext_ws(f->data, f->size, 0);
    if (f->data[start] == '[') {
        rc = legacy_items(f, start, &out, &rel_out, err);
    } else {
        struct jsontext_object doc;
        jsontext_object_init(&doc);
        jsontext_object(f->data, f->size, start, &doc);
        long ents = list_member(f, &doc, "entities"), rels = list_member(f, &doc, "relations");
        if ((ents >= 0 && f->data[doc.m[ents].val] != '[') || (rels >= 0 && f->data[doc.m[rels].val] != '[')) {
            mt_error_at(err, f->file, 1, 1, "legacy document: \"entities\" and \"relations\" must be lists");
            rc = -1;
        }
        if (!rc && ents >= 0) rc = legacy_items(f, doc.m[ents].val, &out, &rel_out, err);
        if (!rc && rels >= 0) rc = legacy_items(f, doc.m[rels].val, &out, &rel_out, err);
        jsontext_object_free(&doc);
    }
    mt_buf_add(&out, rel_out.data, rel_out.len);  /* entities first, as in JSONL */
    mt_buf_free(&rel_out);
    if (rc) {
        if (!err->file) err->file = xstrdup(f->file);
        mt_buf_free(&out);
        return -1;
    }
    if (f->release) f->release(f->hold);
    else free(f->data);
    f->release = NULL;
    f->hold = NULL;
    f->data = mt_buf_detach(&out, &f->size);
    f->legacy = true;
    return 0;
}

/* A file is a legacy document when it starts with '[', or with '{' whose
 * first key is "entities" or "relations" (compact or pretty-printed), or
 * with a '{' alone on its line (a pretty-printed document). A JSONL line
 * never has those shapes: its first key is "type" or a field of an item. */
static bool looks_legacy(const char *d, size_t n)
{
    size_t i = 0;
    while (i < n && (d[i] == ' ' || d[i] == '\t' || d[i] == '\r' || d[i] == '\n')) i++;
    if (i == n) return false;
    if (d[i] == '[') return true;
    if (d[i] != '{') return false;
    size_t j = i + 1;
    while (j < n && (d[j] == ' ' || d[j] == '\t' || d[j] == '\r')) j++;
    if (j == n || d[j] == '\n') return true;
    return (n - j >= 10 && memcmp(d + j, "\"entities\"", 10) == 0) ||
           (n - j >= 11 && memcmp(d + j, "\"relations\"", 11) == 0);
}

int mt_fragment_load_text(struct mt_fragment *f, const char *file, char *data, size_t size,
                          void (*release)(void *hold), void *hold, struct mt_error *err)
{
    memset(f, 0, sizeof(*f));
    f->file = xstrdup(file);
    f->data = data;
    f->size = size;
    f->release = release;
    f->hold = hold;
    if (looks_legacy(data, size) && load_legacy(f, err)) {
        mt_fragment_free(f);  /* the fragment owned the bytes: let go of them */
        return -1;
    }
    return 0;
}

int mt_fragment_load_lazy(struct mt_fragment *f, const char *file, char *data, size_t size,
                          void (*release)(void *hold), void *hold, struct mt_error *err)
{
    if (mt_fragment_load_text(f, file, data, size, release, hold, err)) return -1;
    split_lines(f);
    return 0;
}

int mt_fragment_load(struct mt_fragment *f, const char *file, char *data, size_t size,
                     struct mt_error *err)
{
    if (mt_fragment_load_lazy(f, file, data, size, NULL, NULL, err)) return -1;
    for (size_t i = 0; i < f->nlines; i++) mt_fragment_key_line(f, i);
    return 0;
}

int mt_graph_from_text(struct mt_graph *g, const char *file, char *data, size_t len, struct mt_error *err)
{
    mt_graph_init(g);
    struct mt_fragment f;
    /* keys are not needed: mt_item_parse finds them again */
    if (mt_fragment_load_lazy(&f, file, data, len, NULL, NULL, err)) return -1;   /* it let go of data */
    int rc = mt_fragment_to_graph(&f, g, err);
    mt_fragment_free(&f);
    if (rc) mt_graph_free(g);
    return rc;
}

int mt_fragment_to_graph(const struct mt_fragment *f, struct mt_graph *g, struct mt_error *err)
{
    for (size_t i = 0; i < f->nlines; i++) {
        const struct mt_line *l = &f->lines[i];
        struct mt_item it;
        if (mt_item_parse(l->p, l->len, f->file, l->lineno, &it, err)) return -1;
        if (it.entity) mt_graph_add_entity(g, it.entity);
        if (it.relation) mt_graph_add_relation(g, it.relation);
        it.entity = NULL;
        it.relation = NULL;
        mt_item_clear(&it);
    }
    return 0;
}

void mt_fragment_empty(struct mt_fragment *f, const char *file)
{
    memset(f, 0, sizeof(*f));
    f->file = xstrdup(file);
    f->data = xstrdup("");
}

void mt_fragment_free(struct mt_fragment *f)
{
    free(f->file);
    if (f->release) f->release(f->hold);
    else free(f->data);
    free(f->lines);
    arena_free(f->keys);
    memset(f, 0, sizeof(*f));
}

/* ---- index ------------------------------------------------------------------- */

static void presize(struct mt_strmap *m, size_t n)
{
    size_t cap = 16;
    while (cap * 3 < n * 4 + 4) cap *= 2;
    m->slots = xcalloc(cap, sizeof(*m->slots));
    m->cap = cap;
}

void mt_fragment_index_build(struct mt_fragment *f, struct mt_fragment_index *ix)
{
    mt_fragment_index_build_by(f, ix, true);
}

/* A large file indexed by its bytes too (some environment's M_e, which its
 * delta waits for) is indexed on two threads: keyed and hashed in two
 * halves (each keeping the keys it has to write out in its own arena), then
 * the map by bytes is filled beside the maps by key. Every map gets the
 * same inserts, in the same order, as on one thread. */
enum { INDEX_SPLIT = 4096 };

enum { MAP_BYTES = 1, MAP_ENTS = 2, MAP_RELS = 4 };

struct index_share {
    struct mt_fragment f;           /* the file's lines, this share's arena */
    struct mt_fragment_index *ix;
    uint64_t *kh;                   /* each line's key hash */
    size_t from, to;                /* lines to key and hash */
    unsigned maps;                  /* maps to fill */
    bool bytes;
    size_t ents, rels, other, duplicates;
};

static void key_and_hash(struct index_share *sh)
{
    struct mt_fragment *f = &sh->f;
    for (size_t i = sh->from; i < sh->to; i++) {
        mt_fragment_key_line(f, i);
        struct mt_line *l = &f->lines[i];
        if (sh->bytes) l->hash = mt_hash(l->p, l->len);
        sh->kh[i] = l->key ? mt_hash(l->key, l->key_len) : 0;
        sh->ix->next[i] = SIZE_MAX;
        sh->ents += l->kind == MT_LINE_ENTITY;
        sh->rels += l->kind == MT_LINE_RELATION;
        sh->other += l->kind == MT_LINE_OTHER;
    }
}

/* Chains are built back to front so they run in file order, and each map
 * ends up pointing at the first line with its bytes or key. */
static void fill_maps(struct index_share *sh)
{
    const struct mt_fragment *f = &sh->f;
    struct mt_fragment_index *ix = sh->ix;
    bool by_bytes = sh->maps & MAP_BYTES;
    enum { AHEAD = 8 };  /* each insert asks for its slot early */
    for (size_t i = f->nlines; i-- > 0;) {
        if (i >= AHEAD) {
            const struct mt_line *a = &f->lines[i - AHEAD];
            if (by_bytes) mt_strmap_prefetch(&ix->by_bytes, a->hash);
            if (a->kind == MT_LINE_ENTITY && (sh->maps & MAP_ENTS)) mt_strmap_prefetch(&ix->ent_keys, sh->kh[i - AHEAD]);
            if (a->kind == MT_LINE_RELATION && (sh->maps & MAP_RELS)) mt_strmap_prefetch(&ix->rel_keys, sh->kh[i - AHEAD]);
        }
        const struct mt_line *l = &f->lines[i];
        size_t prev;
        if (by_bytes) {
            ix->rep[i] = i;
            if (!mt_strmap_put_h(&ix->by_bytes, l->hash, l->p, l->len, i, &prev)) {
                mt_strmap_set(&ix->by_bytes, l->p, l->len, i);
                ix->rep[prev] = SIZE_MAX;  /* has an earlier twin: resolved below */
            }
        }
        struct mt_strmap *m = l->kind == MT_LINE_ENTITY && (sh->maps & MAP_ENTS)     ? &ix->ent_keys
                            : l->kind == MT_LINE_RELATION && (sh->maps & MAP_RELS) ? &ix->rel_keys
                                                                                     : NULL;
        if (!m) continue;
        if (!mt_strmap_put_h(m, sh->kh[i], l->key, l->key_len, i, &prev)) {
            ix->next[i] = prev;
            mt_strmap_set(m, l->key, l->key_len, i);
            sh->duplicates += l->kind == MT_LINE_ENTITY;
        }
    }
    /* Now the map holds the first line of each distinct text. */
    for (size_t i = 0; by_bytes && i < f->nlines; i++) {
        const struct mt_line *l = &f->lines[i];
        if (ix->rep[i] == SIZE_MAX) mt_strmap_get_h(&ix->by_bytes, l->hash, l->p, l->len, &ix->rep[i]);
    }
}

static void *key_and_hash_run(void *arg)
{
    key_and_hash(arg);
    return NULL;
}

static void *fill_maps_run(void *arg)
{
    fill_maps(arg);
    return NULL;
}

void mt_fragment_index_build_by(struct mt_fragment *f, struct mt_fragment_index *ix, bool bytes)
{
    memset(ix, 0, sizeof(*ix));
    mt_strmap_init(&ix->by_bytes);
    mt_strmap_init(&ix->ent_keys);
    mt_strmap_init(&ix->rel_keys);
    size_t n = f->nlines ? f->nlines : 1;
    ix->next = xmalloc(n * sizeof(size_t));
    if (bytes) ix->rep = xmalloc(n * sizeof(size_t));
    uint64_t *kh = xmalloc(n * sizeof(*kh));
    bool split = bytes && f->nlines >= INDEX_SPLIT;
    struct index_share sh[2];
    for (int t = 0; t < 2; t++) sh[t] = (struct index_share){.f = *f, .ix = ix, .kh = kh, .bytes = bytes};
    sh[1].f.keys = NULL;  /* its own arena */
    sh[0].to = split ? f->nlines / 2 : f->nlines;
    sh[1].from = sh[0].to;
    sh[1].to = f->nlines;
    if (split) mt_side_by_side(key_and_hash_run, &sh[0], key_and_hash_run, &sh[1]);
    else key_and_hash(&sh[0]);
    f->keys = sh[0].f.keys;
    arena_adopt(&f->keys, sh[1].f.keys);
    for (int t = 0; t < 2; t++) sh[t].f.keys = NULL;

    ix->entity_lines = sh[0].ents + sh[1].ents;
    ix->relation_lines = sh[0].rels + sh[1].rels;
    ix->other_lines = sh[0].other + sh[1].other;
    if (bytes) presize(&ix->by_bytes, f->nlines);
    presize(&ix->ent_keys, ix->entity_lines);
    presize(&ix->rel_keys, ix->relation_lines);
    /* split: by bytes beside by key */
    sh[0].maps = split ? MAP_BYTES : (bytes ? MAP_BYTES : 0) | MAP_ENTS | MAP_RELS;
    sh[1].maps = MAP_ENTS | MAP_RELS;
    if (split) mt_side_by_side(fill_maps_run, &sh[0], fill_maps_run, &sh[1]);
    else fill_maps(&sh[0]);
    free(kh);
    ix->duplicate_lines = sh[0].duplicates + sh[1].duplicates;
    ix->entities = ix->ent_keys.count;
    ix->relations = ix->rel_keys.count;
}

void mt_fragment_index_free(struct mt_fragment_index *ix)
{
    mt_strmap_free(&ix->by_bytes);
    mt_strmap_free(&ix->ent_keys);
    mt_strmap_free(&ix->rel_keys);
    free(ix->next);
    free(ix->rep);
    memset(ix, 0, sizeof(*ix));
}
