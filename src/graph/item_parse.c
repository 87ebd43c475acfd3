/* item_parse.c: one JSONL line (or one legacy array element) into an item,
 * strictly, with errors that say where and what. Lines are read from their
 * text (jsontext.h) rather than through a general JSON library, which would
 * turn lone surrogate escapes into U+FFFD and numbers into doubles or
 * int64s: what the server wrote must come out as it was (DESIGN 1.1). */
#include <stdlib.h>
#include <string.h>

#include "memtui/graph/graph.h"
#include "memtui/graph/item_fast.h"
#include "memtui/graph/json_check.h"
#include "memtui/graph/jsontext.h"
#include "memtui/graph/jsonw.h"
#include "memtui/base/utf8.h"

static const char *const ENTITY_KEYS[] = {"type", "name", "entityType", "observations", NULL};
static const char *const RELATION_KEYS[] = {"type", "from", "to", "relationType", NULL};

/* One object being read: its text, its members, and where to report. */
struct reader {
    const char *s;
    size_t n;
    struct jsontext_object o;
    struct mt_buf str;           /* the last string decoded */
    const char *file;
    long lineno, col;
    struct mt_error *err;
};

static bool is_known(const char *k, size_t len, const char *const *known)
{
    for (; *known; known++)
        if (strlen(*known) == len && memcmp(k, *known, len) == 0) return true;
    return false;
}

/* Extra fields travel as text, after the fields the server knows, written
 * as JSON.stringify would but with every number's text as it was. */
static char *extras_of(const struct reader *r, const char *const *known)
{
    struct mt_buf b;
    mt_buf_init(&b);
    for (size_t k = 0; k < r->o.n; k++) {
        const struct jsontext_member *m = &r->o.m[k];
        if (is_known(jsontext_key(&r->o, k), m->key_len, known)) continue;
        mt_buf_addc(&b, ',');
        jsonw_string(&b, jsontext_key(&r->o, k), m->key_len);
        mt_buf_addc(&b, ':');
        jsonw_text(&b, r->s + m->val, m->val_end - m->val);
    }
    if (!b.len) return NULL;
    return mt_buf_detach(&b, NULL);
}

/* The string at offset i into r->str; false if it holds a NUL character,
 * which C strings cannot carry. */
static bool decode_at(struct reader *r, size_t i)
{
    mt_buf_reset(&r->str);
    jsontext_string(r->s, r->n, i, &r->str);
    return !memchr(r->str.data, '\0', r->str.len);
}

/* A string field (decoded into r->str); NULL with err set when missing or
 * not a string. */
static const char *get_str(struct reader *r, const char *field, const char *what)
{
    long k = jsontext_find(&r->o, field);
    const char *v = k < 0 ? NULL : r->s + r->o.m[k].val;
    if (!v || *v == 'n') {   /* absent or null */
        mt_error_at(r->err, r->file, r->lineno, r->col, "%s without \"%s\"", what, field);
        return NULL;
    }
    if (*v != '"') {
        mt_error_at(r->err, r->file, r->lineno, r->col, "%s: \"%s\" is not a string", what, field);
        return NULL;
    }
    if (!decode_at(r, r->o.m[k].val)) {
        mt_error_at(r->err, r->file, r->lineno, r->col, "%s: \"%s\" contains a NUL character", what, field);
        return NULL;
    }
    return r->str.data;
}

/* The "observations" list into e; -1 with err set when it is not a list of
 * strings. Errors name the entity by its key, the name as escaped JSON text,
 * so a message is always valid UTF-8 on one line. */
static int read_observations(struct reader *r, struct mt_entity *e)
{
    long k = jsontext_find(&r->o, "observations");
    if (k < 0 || r->s[r->o.m[k].val] != '[') {
        mt_error_at(r->err, r->file, r->lineno, r->col,
                    "entity \"%s\": \"observations\" is not a list of strings", e->key);
        return -1;
    }
    size_t i = jsontext_ws(r->s, r->n, r->o.m[k].val + 1);
    for (size_t nth = 1; i < r->n && r->s[i] != ']'; nth++) {
        if (r->s[i] != '"' || !decode_at(r, i)) {
            mt_error_at(r->err, r->file, r->lineno, r->col, "entity \"%s\": observation %zu is not a string",
                        e->key, nth);
            return -1;
        }
        mt_strset_add(&e->obs, r->str.data);
        i = jsontext_ws(r->s, r->n, jsontext_skip(r->s, r->n, i));
        if (i < r->n && r->s[i] == ',') i = jsontext_ws(r->s, r->n, i + 1);
    }
    return 0;
}

static int parse_entity(struct reader *r, struct mt_item *out)
{
    const char *name = get_str(r, "name", "entity");
    if (!name) return -1;
    char *n = xstrdup(name);
    const char *type = get_str(r, "entityType", "entity");
    if (!type) {
        free(n);
        return -1;
    }
    struct mt_entity *e = mt_entity_new(n, type);
    free(n);
    if (read_observations(r, e)) {
        mt_entity_free(e);
        return -1;
    }
    e->extras = extras_of(r, ENTITY_KEYS);
    out->kind = MT_ITEM_ENTITY;
    out->entity = e;
    return 0;
}

static int parse_relation(struct reader *r, struct mt_item *out)
{
    const char *v;
    char *from = NULL, *to = NULL;
    int rc = -1;
    if (!(v = get_str(r, "from", "relation"))) goto out;
    from = xstrdup(v);
    if (!(v = get_str(r, "to", "relation"))) goto out;
    to = xstrdup(v);
    if (!(v = get_str(r, "relationType", "relation"))) goto out;
    struct mt_relation *rel = mt_relation_new(from, to, v);
    rel->extras = extras_of(r, RELATION_KEYS);
    out->kind = MT_ITEM_RELATION;
    out->relation = rel;
    rc = 0;
out:
    free(from);
    free(to);
    return rc;
}

static int parse_object(struct reader *r, bool need_type, struct mt_item *out)
{
    long t = jsontext_find(&r->o, "type");
    if (t >= 0) {
        size_t at = r->o.m[t].val;
        if (r->s[at] != '"') {
            mt_error_at(r->err, r->file, r->lineno, r->col, "\"type\" is not a string");
            return -1;
        }
        mt_buf_reset(&r->str);
        jsontext_string(r->s, r->n, at, &r->str);
        if (strcmp(r->str.data, "entity") == 0) return parse_entity(r, out);
        if (strcmp(r->str.data, "relation") == 0) return parse_relation(r, out);
        out->kind = MT_ITEM_OTHER;
        out->other_type = xstrdup(r->str.data);
        return 0;
    }
    if (need_type) {
        mt_error_at(r->err, r->file, r->lineno, r->col, "line without \"type\"");
        return -1;
    }
    /* Legacy documents may leave out "type": tell the kinds by their fields. */
    if (jsontext_find(&r->o, "from") >= 0 || jsontext_find(&r->o, "relationType") >= 0)
        return parse_relation(r, out);
    return parse_entity(r, out);
}

int mt_item_parse_at(const char *s, size_t n, size_t at, bool need_type, const char *file, long lineno,
                     long col, struct mt_item *out, struct mt_error *err)
{
    memset(out, 0, sizeof(*out));
    if (at >= n || s[at] != '{') {
        mt_error_at(err, file, lineno, col, "expected a JSON object");
        return -1;
    }
    struct reader r = {.s = s, .n = n, .file = file, .lineno = lineno, .col = col, .err = err};
    jsontext_object_init(&r.o);
    mt_buf_init(&r.str);
    jsontext_object(s, n, at, &r.o);
    int rc = parse_object(&r, need_type, out);
    jsontext_object_free(&r.o);
    mt_buf_free(&r.str);
    return rc;
}

int mt_item_parse(const char *line, size_t len, const char *file, long lineno,
                  struct mt_item *out, struct mt_error *err)
{
    memset(out, 0, sizeof(*out));
    size_t bad;
    if (!utf8_valid(line, len, &bad)) {
        mt_error_at(err, file, lineno, (long)bad + 1, "invalid UTF-8");
        return -1;
    }
    if (mt_item_parse_canonical(line, len, out)) return 0;
    memset(out, 0, sizeof(*out));
    /* Strictly what JSON.parse accepts, lone surrogate escapes included (the
     * server writes them). \u0000 is let through too: extra fields keep it
     * exactly, and the known fields refuse it. */
    const char *why;
    if (!json_check_flags(line, len, JSON_CHECK_ALLOW_NUL | JSON_CHECK_ALLOW_LONE_SURROGATES, &bad, &why)) {
        if (bad >= len)
            mt_error_at(err, file, lineno, (long)len + 1, "line ends before the JSON value does (truncated?)");
        else
            mt_error_at(err, file, lineno, (long)bad + 1, "bad JSON: %s", why);
        return -1;
    }
    size_t first = jsontext_ws(line, len, 0);
    if (line[first] != '{') {
        mt_error_at(err, file, lineno, (long)first + 1, "expected a JSON object");
        return -1;
    }
    return mt_item_parse_at(line, len, first, true, file, lineno, 1, out, err);
}
