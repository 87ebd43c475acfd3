/* entity_edit.c: an entity to and from the text $EDITOR gets
 * (entity_edit.h). */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "memtui/graph/jsonw.h"
#include "memtui/ui/entity_edit.h"

void mt_entity_edit_text(struct mt_buf *b, const struct mt_entity *e)
{
    mt_buf_adds(b, "{\n  \"type\": \"entity\",\n  \"name\": \"");
    mt_buf_adds(b, e->key);   /* the name, already escaped */
    mt_buf_adds(b, "\",\n  \"entityType\": ");
    jsonw_string(b, e->type, strlen(e->type));
    mt_buf_adds(b, ",\n  \"observations\": [");
    for (size_t i = 0; i < e->obs.n; i++) {
        mt_buf_adds(b, i ? ",\n    " : "\n    ");
        jsonw_string(b, e->obs.items[i], strlen(e->obs.items[i]));
    }
    mt_buf_adds(b, e->obs.n ? "\n  ]" : "]");
    if (e->extras) {   /* ',"k":v...' as read: kept on one line */
        mt_buf_adds(b, ",\n  ");
        mt_buf_adds(b, e->extras + 1);
    }
    mt_buf_adds(b, "\n}\n");
}

static bool is_comment(const char *line, size_t n)
{
    size_t i = 0;
    while (i < n && (line[i] == ' ' || line[i] == '\t')) i++;
    return n - i >= 2 && line[i] == '/' && line[i + 1] == '/';
}

/* The lines of data, each passed to fn with whether it is a comment. */
static void each_line(const char *data, size_t len, void (*fn)(void *ctx, const char *line, size_t n, bool comment),
                      void *ctx)
{
    for (size_t at = 0; at < len;) {
        const char *nl = memchr(data + at, '\n', len - at);
        size_t n = nl ? (size_t)(nl - (data + at)) : len - at;
        fn(ctx, data + at, n, is_comment(data + at, n));
        at += n + (nl != NULL);
    }
}

static void blank_comment(void *ctx, const char *line, size_t n, bool comment)
{
    if (!comment) mt_buf_add(ctx, line, n);
    mt_buf_addc(ctx, '\n');
}

static void keep_text(void *ctx, const char *line, size_t n, bool comment)
{
    if (comment) return;
    mt_buf_add(ctx, line, n);
    mt_buf_addc(ctx, '\n');
}

static size_t line_of(const char *s, size_t offset)
{
    size_t line = 1;
    for (size_t i = 0; i < offset; i++) line += s[i] == '\n';
    return line;
}

/* json-c's verdict on s: NULL when it is one JSON value, else why. */
static char *json_c_says(const char *s, size_t n)
{
    struct json_tokener *tok = json_tokener_new();
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    struct json_object *o = json_tokener_parse_ex(tok, s, (int)n);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    char *why = NULL;
    size_t last = n;   /* the end of the text: its last line that is not blank */
    while (last && strchr(" \t\r\n", s[last - 1])) last--;
    if (!o && jerr == json_tokener_continue)
        why = xasprintf("line %zu: the text ends too early (an unclosed string, array or object)", line_of(s, last));
    else if (!o) why = xasprintf("line %zu: %s", line_of(s, end), json_tokener_error_desc(jerr));
    else if (end + strspn(s + end, " \t\r\n") < n)
        why = xasprintf("line %zu: more text after the entity's closing brace", line_of(s, end));
    json_object_put(o);
    json_tokener_free(tok);
    return why;
}

int mt_entity_edit_parse(const char *data, size_t len, const char *key, struct mt_entity **out, char **why)
{
    *out = NULL;
    *why = NULL;
    struct mt_buf b;
    mt_buf_init(&b);
    each_line(data, len, blank_comment, &b);
    const char *s = b.data ? b.data : "";
    size_t n = b.len;
    if (strspn(s, " \t\r\n") == n) {
        mt_buf_free(&b);
        return 1;
    }
    *why = json_c_says(s, n);
    struct mt_item it = {0};
    struct mt_error err = {0};
    if (!*why) {
        if (mt_item_parse(s, n, "edited entity", 1, &it, &err)) *why = mt_error_format(&err);
        else if (it.kind != MT_ITEM_ENTITY) *why = xstrdup("not an entity (\"type\": \"entity\")");
        else if (strcmp(it.entity->key, key) != 0) *why = xstrdup("not the same entity: keep its name");
        else *out = mt_entity_ref(it.entity);
    }
    mt_item_clear(&it);
    mt_error_clear(&err);
    mt_buf_free(&b);
    return *out ? 0 : -1;
}

void mt_entity_edit_retry(struct mt_buf *b, const char *data, size_t len, const char *why)
{
    mt_buf_adds(b, MT_EDIT_COMMENT);
    for (const char *p = why; *p; p++) {   /* a reason of several lines stays comments */
        mt_buf_addc(b, *p);
        if (*p == '\n' && p[1]) mt_buf_adds(b, MT_EDIT_COMMENT);
    }
    mt_buf_adds(b, "\n" MT_EDIT_COMMENT "fix it and save, or save an empty file to cancel\n");
    each_line(data, len, keep_text, b);
}
