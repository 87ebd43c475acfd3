/* fuzz_memory.c: the reader of memory files (a peer's fragment, memory.json,
 * the local MCP file: JSONL or a legacy JSON document) on any bytes, the
 * way the engine reads them: mt_fragment_load (legacy documents converted,
 * every line keyed), mt_item_parse on each line, the index, the graph; and
 * mt_fragment_load_lazy with keys on demand, as a merge plan does.
 *
 * Besides memory errors, leaks and undefined behaviour it checks what
 * graph.h, fragment.h and item_fast.h promise:
 * - a line that parses is keyed as what it is, with the item's key;
 * - the fast path for canonical lines gives what the general reader gives;
 * - what the writers print reads back to the same bytes (a line, a graph);
 * - a line mt_line_canonical takes reads without error and is written back
 *   byte for byte, with the observations it counted (line_canon.h);
 * - the delta, which walks F beside M without splitting it, sees the lines
 *   mt_fragment_load splits (F against M as the first and second half of
 *   the input: the same delta for F and for F's lines joined by LF), and
 *   M against itself is no change (delta.h).
 * A broken promise aborts with what broke. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memtui/graph/fragment.h"
#include "memtui/graph/graph.h"
#include "memtui/graph/item_fast.h"
#include "memtui/graph/json_check.h"
#include "memtui/graph/line_canon.h"
#include "memtui/graph/jsontext.h"
#include "memtui/base/utf8.h"
#include "memtui/merge/delta.h"

static void broken(const char *what, const char *a, size_t alen, const char *b, size_t blen)
{
    fprintf(stderr, "fuzz_memory: %s\n  first:  %.*s\n  second: %.*s\n", what, (int)alen, a, (int)blen, b);
    abort();
}

static bool same(const char *a, size_t alen, const char *b, size_t blen)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

static void write_item(struct mt_buf *b, const struct mt_item *it)
{
    if (it->kind == MT_ITEM_ENTITY) mt_entity_write(b, it->entity);
    else if (it->kind == MT_ITEM_RELATION) mt_relation_write(b, it->relation);
}

static const char *item_key(const struct mt_item *it)
{
    if (it->kind == MT_ITEM_ENTITY) return it->entity->key;
    if (it->kind == MT_ITEM_RELATION) return it->relation->key;
    return NULL;
}

/* What the writer prints for an item reads back to the same bytes. */
static void check_rewrite(const struct mt_item *it)
{
    if (it->kind == MT_ITEM_OTHER) return;
    struct mt_buf once, twice;
    mt_buf_init(&once);
    mt_buf_init(&twice);
    write_item(&once, it);
    struct mt_item again;
    struct mt_error err = {0};
    if (mt_item_parse(once.data, once.len, "written", 1, &again, &err))
        broken(err.msg ? err.msg : "a written line does not read back", once.data, once.len, "", 0);
    write_item(&twice, &again);
    if (!same(once.data, once.len, twice.data, twice.len))
        broken("a written line reads back different", once.data, once.len, twice.data, twice.len);
    mt_item_clear(&again);
    mt_error_clear(&err);
    mt_buf_free(&once);
    mt_buf_free(&twice);
}

/* The fast path for canonical lines agrees with the general reader. */
static void check_fast_path(const char *p, size_t len)
{
    size_t bad;
    struct mt_item fast;
    memset(&fast, 0, sizeof(fast));
    if (!utf8_valid(p, len, &bad) || !mt_item_parse_canonical(p, len, &fast)) return;
    struct mt_item slow;
    struct mt_error err = {0};
    if (!json_check_flags(p, len, JSON_CHECK_ALLOW_NUL | JSON_CHECK_ALLOW_LONE_SURROGATES, &bad, NULL) ||
        mt_item_parse_at(p, len, jsontext_ws(p, len, 0), true, "line", 1, 1, &slow, &err))
        broken("the fast path took a line the general reader refuses", p, len, err.msg ? err.msg : "",
               err.msg ? strlen(err.msg) : 0);
    struct mt_buf a, b;
    mt_buf_init(&a);
    mt_buf_init(&b);
    write_item(&a, &fast);
    write_item(&b, &slow);
    if (fast.kind != slow.kind || !same(a.data, a.len, b.data, b.len))
        broken("the fast path and the general reader disagree", a.data ? a.data : "", a.len, b.data ? b.data : "", b.len);
    mt_buf_free(&a);
    mt_buf_free(&b);
    mt_item_clear(&fast);
    mt_item_clear(&slow);
    mt_error_clear(&err);
}

/* A line called canonical is what the writer writes for it: a merge keeps
 * such a line's bytes instead of rewriting them. */
static void check_canonical(const struct mt_line *l)
{
    size_t nobs;
    enum mt_line_kind kind = l->kind;
    if (kind != MT_LINE_ENTITY && kind != MT_LINE_RELATION) kind = MT_LINE_ENTITY;
    if (!mt_line_canonical(l->p, l->len, kind, &nobs) &&
        !mt_line_canonical(l->p, l->len, MT_LINE_RELATION, &nobs))
        return;
    struct mt_item it;
    struct mt_error err = {0};
    if (mt_item_parse(l->p, l->len, "fuzz", l->lineno, &it, &err))
        broken("a canonical line does not read", l->p, l->len, err.msg ? err.msg : "", err.msg ? strlen(err.msg) : 0);
    struct mt_buf b;
    mt_buf_init(&b);
    write_item(&b, &it);
    if (!same(l->p, l->len, b.data, b.len)) broken("a canonical line is written back different", l->p, l->len, b.data, b.len);
    if (it.kind == MT_ITEM_ENTITY && it.entity->obs.n != nobs)
        broken("a canonical line's observations are miscounted", l->p, l->len, "", 0);
    mt_buf_free(&b);
    mt_item_clear(&it);
    mt_error_clear(&err);
}

/* A line that parses is keyed as what it is, with the item's key. */
static void check_line(const struct mt_line *l)
{
    struct mt_item it;
    struct mt_error err = {0};
    check_fast_path(l->p, l->len);
    check_canonical(l);
    if (mt_item_parse(l->p, l->len, "fuzz", l->lineno, &it, &err) == 0) {
        enum mt_line_kind want = it.kind == MT_ITEM_ENTITY     ? MT_LINE_ENTITY
                                 : it.kind == MT_ITEM_RELATION ? MT_LINE_RELATION
                                                               : MT_LINE_OTHER;
        const char *key = item_key(&it);
        if (l->kind != want) broken("a line that parses is keyed as another kind", l->p, l->len, "", 0);
        if (key && !same(l->key, l->key_len, key, strlen(key)))
            broken("the line's key is not the item's key", l->key, l->key_len, key, strlen(key));
        check_rewrite(&it);
        mt_item_clear(&it);
    }
    mt_error_clear(&err);
}

/* The graph, written, reads back to the same bytes. */
static void check_graph(const struct mt_fragment *f)
{
    struct mt_graph g, g2;
    struct mt_error err = {0};
    mt_graph_init(&g);
    mt_graph_init(&g2);
    if (mt_fragment_to_graph(f, &g, &err) == 0) {
        struct mt_buf once, twice;
        mt_buf_init(&once);
        mt_buf_init(&twice);
        mt_graph_write(&once, &g);
        struct mt_fragment w;
        size_t len = once.len;
        char *text = mt_buf_detach(&once, &len);
        if (mt_fragment_load(&w, "written", text ? text : xstrdup(""), len, &err) ||
            mt_fragment_to_graph(&w, &g2, &err))
            broken(err.msg ? err.msg : "a written graph does not read back", "", 0, "", 0);
        mt_graph_write(&twice, &g2);
        if (!same(w.data, w.size, twice.data, twice.len))
            broken("a written graph reads back different", w.data, w.size, twice.data, twice.len);
        mt_fragment_free(&w);
        mt_buf_free(&twice);
    }
    mt_error_clear(&err);
    mt_graph_free(&g);
    mt_graph_free(&g2);
}

static char *copy_of(const uint8_t *data, size_t size)
{
    char *p = malloc(size ? size : 1);  /* exactly size bytes: no NUL after them */
    if (!p) abort();
    if (size) memcpy(p, data, size);
    return p;
}

/* F's lines as mt_fragment_load_lazy splits them, joined by LF (legacy
 * documents come out converted). */
static char *lines_joined(const char *text, size_t len, size_t *out_len)
{
    struct mt_fragment f;
    struct mt_error err = {0};
    struct mt_buf b;
    mt_buf_init(&b);
    if (mt_fragment_load_lazy(&f, "F", xstrndup(text, len), len, NULL, NULL, &err)) {
        mt_error_clear(&err);
        return NULL;
    }
    for (size_t i = 0; i < f.nlines; i++) {
        mt_buf_add(&b, f.lines[i].p, f.lines[i].len);
        mt_buf_addc(&b, '\n');
    }
    mt_fragment_free(&f);
    char *s = mt_buf_detach(&b, out_len);
    return s ? s : xstrdup("");
}

static int delta_of(const struct mt_fragment *m, const struct mt_fragment_index *mx, const char *text, size_t len,
                    struct mt_delta *d)
{
    struct mt_fragment f;
    struct mt_error err = {0};
    int rc = mt_fragment_load_text(&f, "F", copy_of((const uint8_t *)text, len), len, NULL, NULL, &err);
    if (!rc) {
        rc = mt_delta_compute_ix(m, mx, &f, 0, d, &err);
        mt_fragment_free(&f);
    }
    mt_error_clear(&err);
    return rc ? -1 : 0;
}

static void check_delta(const uint8_t *data, size_t size)
{
    size_t half = size / 2;
    struct mt_fragment m;
    struct mt_fragment_index mx;
    struct mt_error err = {0};
    if (mt_fragment_load(&m, "M", copy_of(data, half), half, &err)) {
        mt_error_clear(&err);
        return;
    }
    mt_fragment_index_build(&m, &mx);
    const char *ftext = (const char *)data + half;
    size_t flen = size - half, jlen = 0;
    char *joined = lines_joined(ftext, flen, &jlen);
    struct mt_delta a, b;
    if (joined) {
        int ra = delta_of(&m, &mx, ftext, flen, &a), rb = delta_of(&m, &mx, joined, jlen, &b);
        if (ra != rb) broken("the walk and the split lines disagree on F being readable", ftext, flen, joined, jlen);
        if (!ra) {
            if (a.nents != b.nents || a.nrels != b.nrels || a.f_entities != b.f_entities ||
                a.f_relations != b.f_relations || a.deletions != b.deletions || a.parsed_lines != b.parsed_lines)
                broken("the walk and the split lines give different deltas", ftext, flen, joined, jlen);
            for (size_t i = 0; i < a.nents; i++)
                if (strcmp(a.ents[i].key, b.ents[i].key) || a.ents[i].obs_add.n != b.ents[i].obs_add.n ||
                    a.ents[i].obs_del.n != b.ents[i].obs_del.n)
                    broken("the walk and the split lines change different entities", ftext, flen, joined, jlen);
            mt_delta_free(&a);
            mt_delta_free(&b);
        }
        free(joined);
    }
    /* M against itself: nothing changed, nothing parsed */
    if (delta_of(&m, &mx, (const char *)data, half, &a) == 0) {
        if (a.nents || a.nrels || a.parsed_lines)
            broken("M against itself is a change", (const char *)data, half, "", 0);
        mt_delta_free(&a);
    }
    mt_fragment_index_free(&mx);
    mt_fragment_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_delta(data, size);
    struct mt_fragment f;
    struct mt_fragment_index ix;
    struct mt_error err = {0};
    if (mt_fragment_load(&f, "fuzz", copy_of(data, size), size, &err) == 0) {
        for (size_t i = 0; i < f.nlines; i++) check_line(&f.lines[i]);
        mt_fragment_index_build(&f, &ix);
        mt_fragment_index_free(&ix);
        check_graph(&f);
        mt_fragment_free(&f);
    }
    mt_error_clear(&err);
    /* as a merge plan reads a fragment: lines keyed on demand */
    if (mt_fragment_load_lazy(&f, "fuzz", copy_of(data, size), size, NULL, NULL, &err) == 0) {
        for (size_t i = 0; i < f.nlines; i += 2) mt_fragment_key_line(&f, i);
        mt_fragment_index_build(&f, &ix);
        mt_fragment_index_free(&ix);
        mt_fragment_free(&f);
    }
    mt_error_clear(&err);
    return 0;
}
