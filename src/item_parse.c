/* item_parse.c: one JSONL line (or one legacy array element) into an item,
 * strictly, with errors that say where and what. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "memtui/graph.h"
#include "memtui/item_fast.h"
#include "memtui/json_check.h"
#include "memtui/jsonw.h"
#include "memtui/utf8.h"

static const char *const ENTITY_KEYS[] = {"type", "name", "entityType", "observations", NULL};
static const char *const RELATION_KEYS[] = {"type", "from", "to", "relationType", NULL};

static bool is_known(const char *k, const char *const *known)
{
    for (; *known; known++)
        if (strcmp(k, *known) == 0) return true;
    return false;
}

/* Extra fields travel as pre-serialised text so they come out exactly as
 * they went in, after the fields the server knows. */
static char *extras_of(struct json_object *o, const char *const *known)
{
    struct mt_buf b;
    mt_buf_init(&b);
    json_object_object_foreach(o, k, v) {
        if (is_known(k, known)) continue;
        mt_buf_addc(&b, ',');
        jsonw_string(&b, k, strlen(k));
        mt_buf_addc(&b, ':');
        jsonw_value(&b, v);
    }
    if (!b.len) return NULL;
    return mt_buf_detach(&b, NULL);
}

/* A string field; NULL with err set when missing or not a string. */
static const char *get_str(struct json_object *o, const char *field, const char *what,
                           const char *file, long lineno, long col, struct mt_error *err)
{
    struct json_object *v;
    if (!json_object_object_get_ex(o, field, &v) || json_object_is_type(v, json_type_null)) {
        mt_error_at(err, file, lineno, col, "%s without \"%s\"", what, field);
        return NULL;
    }
    if (!json_object_is_type(v, json_type_string)) {
        mt_error_at(err, file, lineno, col, "%s: \"%s\" is not a string", what, field);
        return NULL;
    }
    const char *s = json_object_get_string(v);
    if (strlen(s) != (size_t)json_object_get_string_len(v)) {
        mt_error_at(err, file, lineno, col, "%s: \"%s\" contains a NUL character", what, field);
        return NULL;
    }
    return s;
}

static int parse_entity(struct json_object *o, const char *file, long lineno, long col,
                        struct mt_item *out, struct mt_error *err)
{
    const char *name = get_str(o, "name", "entity", file, lineno, col, err);
    if (!name) return -1;
    const char *type = get_str(o, "entityType", "entity", file, lineno, col, err);
    if (!type) return -1;
    struct json_object *obs;
    if (!json_object_object_get_ex(o, "observations", &obs) ||
        !json_object_is_type(obs, json_type_array)) {
        mt_error_at(err, file, lineno, col, "entity \"%s\": \"observations\" is not a list of strings",
                    name);
        return -1;
    }
    struct mt_entity *e = mt_entity_new(name, type);
    size_t n = json_object_array_length(obs);
    for (size_t i = 0; i < n; i++) {
        struct json_object *s = json_object_array_get_idx(obs, i);
        if (!json_object_is_type(s, json_type_string) ||
            strlen(json_object_get_string(s)) != (size_t)json_object_get_string_len(s)) {
            mt_error_at(err, file, lineno, col,
                        "entity \"%s\": observation %zu is not a string", name, i + 1);
            mt_entity_free(e);
            return -1;
        }
        mt_strset_add(&e->obs, json_object_get_string(s));
    }
    e->extras = extras_of(o, ENTITY_KEYS);
    out->kind = MT_ITEM_ENTITY;
    out->entity = e;
    return 0;
}

static int parse_relation(struct json_object *o, const char *file, long lineno, long col,
                          struct mt_item *out, struct mt_error *err)
{
    const char *from = get_str(o, "from", "relation", file, lineno, col, err);
    if (!from) return -1;
    const char *to = get_str(o, "to", "relation", file, lineno, col, err);
    if (!to) return -1;
    const char *rt = get_str(o, "relationType", "relation", file, lineno, col, err);
    if (!rt) return -1;
    struct mt_relation *r = mt_relation_new(from, to, rt);
    r->extras = extras_of(o, RELATION_KEYS);
    out->kind = MT_ITEM_RELATION;
    out->relation = r;
    return 0;
}

int mt_item_from_json(struct json_object *o, bool need_type, const char *file, long lineno,
                      long col, struct mt_item *out, struct mt_error *err)
{
    memset(out, 0, sizeof(*out));
    if (!json_object_is_type(o, json_type_object)) {
        mt_error_at(err, file, lineno, col, "expected a JSON object");
        return -1;
    }
    struct json_object *t;
    if (json_object_object_get_ex(o, "type", &t)) {
        if (!json_object_is_type(t, json_type_string)) {
            mt_error_at(err, file, lineno, col, "\"type\" is not a string");
            return -1;
        }
        const char *ts = json_object_get_string(t);
        if (strcmp(ts, "entity") == 0) return parse_entity(o, file, lineno, col, out, err);
        if (strcmp(ts, "relation") == 0) return parse_relation(o, file, lineno, col, out, err);
        out->kind = MT_ITEM_OTHER;
        out->other_type = xstrdup(ts);
        return 0;
    }
    if (need_type) {
        mt_error_at(err, file, lineno, col, "line without \"type\"");
        return -1;
    }
    /* Legacy documents may leave out "type": tell the kinds by their fields. */
    if (json_object_object_get_ex(o, "from", NULL) || json_object_object_get_ex(o, "relationType", NULL))
        return parse_relation(o, file, lineno, col, out, err);
    return parse_entity(o, file, lineno, col, out, err);
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
    /* json-c accepts more than JSON.parse does (NaN, "1.", raw control
     * characters, ...) and turns lone surrogates into U+FFFD, so the line
     * is checked strictly first. \u0000 is let through: extra fields keep
     * it exactly, and the known fields refuse it below. */
    const char *why;
    if (!json_check_flags(line, len, JSON_CHECK_ALLOW_NUL, &bad, &why)) {
        if (bad >= len)
            mt_error_at(err, file, lineno, (long)len + 1, "line ends before the JSON value does (truncated?)");
        else
            mt_error_at(err, file, lineno, (long)bad + 1, "bad JSON: %s", why);
        return -1;
    }
    size_t first = 0;
    while (line[first] == ' ' || line[first] == '\t' || line[first] == '\r' || line[first] == '\n') first++;
    if (line[first] != '{') {
        mt_error_at(err, file, lineno, (long)first + 1, "expected a JSON object");
        return -1;
    }
    struct json_tokener *tok = json_tokener_new_ex(JSON_CHECK_MAX_DEPTH);
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    struct json_object *o = json_tokener_parse_ex(tok, line, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    int rc = -1;
    if (!o) {
        if (jerr == json_tokener_continue)
            mt_error_at(err, file, lineno, (long)len + 1, "line ends before the JSON value does (truncated?)");
        else
            mt_error_at(err, file, lineno, (long)end + 1, "bad JSON: %s", json_tokener_error_desc(jerr));
        goto out;
    }
    while (end < len && (line[end] == ' ' || line[end] == '\t')) end++;
    if (end < len) {
        mt_error_at(err, file, lineno, (long)end + 1, "unexpected text after the JSON value");
        goto out;
    }
    rc = mt_item_from_json(o, true, file, lineno, 1, out, err);
out:
    json_object_put(o);
    json_tokener_free(tok);
    return rc;
}
