/* jsontext.c: reading JSON from its text; see jsontext.h. The text was
 * validated before, so these loops look only for the bytes that end a
 * token, and never need to report an error. */
#include "memtui/graph/jsontext.h"

#include <stdlib.h>
#include <string.h>

#include "memtui/base/strmap.h"

size_t jsontext_ws(const char *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
    return i;
}

/* Offset just after the closing quote of the string at i. */
static size_t string_end(const char *s, size_t n, size_t i)
{
    for (i++; i < n && s[i] != '"'; i++)
        if (s[i] == '\\') i++;  /* the escaped byte cannot end the string */
    return i < n ? i + 1 : n;
}

size_t jsontext_skip(const char *s, size_t n, size_t i)
{
    if (i >= n) return n;
    if (s[i] == '"') return string_end(s, n, i);
    if (s[i] == '{' || s[i] == '[') {
        size_t depth = 0;
        while (i < n) {
            char c = s[i];
            if (c == '"') {
                i = string_end(s, n, i);
                continue;
            }
            i++;
            if (c == '{' || c == '[') depth++;
            else if ((c == '}' || c == ']') && --depth == 0) return i;
        }
        return n;
    }
    /* a number, true, false or null: up to the next delimiter */
    while (i < n && s[i] != ',' && s[i] != ']' && s[i] != '}' && s[i] != ' ' && s[i] != '\t' &&
           s[i] != '\n' && s[i] != '\r')
        i++;
    return i;
}

bool jsontext_plain_string(const char *s, size_t n, size_t i)
{
    for (i++; i < n && s[i] != '"'; i++)
        if (s[i] == '\\') return false;
    return true;
}

static unsigned hex4(const char *p)
{
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        char c = p[k];
        v = v << 4 | (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return v;
}

/* cp as UTF-8; a surrogate code point (only a lone one gets here) takes the
 * same 3-byte form, ED A0-BF 80-BF. */
static void put_code_point(struct mt_buf *b, unsigned cp)
{
    char u[4];
    size_t k;
    if (cp < 0x80) {
        u[0] = (char)cp, k = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3F)), k = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | cp >> 12), u[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F)), k = 3;
    } else {
        u[0] = (char)(0xF0 | cp >> 18), u[1] = (char)(0x80 | (cp >> 12 & 0x3F));
        u[2] = (char)(0x80 | (cp >> 6 & 0x3F)), u[3] = (char)(0x80 | (cp & 0x3F)), k = 4;
    }
    mt_buf_add(b, u, k);
}

/* The \u escape whose hex digits start at i: its code point, joined with a
 * following low surrogate escape when it is a high one (JSON.parse makes
 * the two code units one character then). *next is the offset after it. */
static unsigned unicode_escape(const char *s, size_t n, size_t i, size_t *next)
{
    unsigned cp = hex4(s + i);
    i += 4;
    if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 <= n && s[i] == '\\' && s[i + 1] == 'u') {
        unsigned lo = hex4(s + i + 2);
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            i += 6;
        }
    }
    *next = i;
    return cp;
}

size_t jsontext_string(const char *s, size_t n, size_t i, struct mt_buf *out)
{
    mt_buf_reserve(out, 0);   /* out->data is a string even when this one is empty */
    i++;
    for (;;) {
        size_t run = i;
        while (i < n && s[i] != '"' && s[i] != '\\') i++;
        mt_buf_add(out, s + run, i - run);
        if (i + 1 >= n || s[i] == '"') return i < n ? i + 1 : n;
        char c = s[i + 1];
        i += 2;
        switch (c) {
        case 'b': mt_buf_addc(out, '\b'); break;
        case 'f': mt_buf_addc(out, '\f'); break;
        case 'n': mt_buf_addc(out, '\n'); break;
        case 'r': mt_buf_addc(out, '\r'); break;
        case 't': mt_buf_addc(out, '\t'); break;
        case 'u': put_code_point(out, unicode_escape(s, n, i, &i)); break;
        default: mt_buf_addc(out, c); break;   /* '"', '\\' and '/' */
        }
    }
}

void jsontext_object_init(struct jsontext_object *o)
{
    memset(o, 0, sizeof(*o));
    mt_buf_init(&o->keys);
}

void jsontext_object_free(struct jsontext_object *o)
{
    free(o->m);
    mt_buf_free(&o->keys);
    jsontext_object_init(o);
}

static bool same_key(const struct jsontext_object *o, size_t a, size_t b)
{
    return o->m[a].key_len == o->m[b].key_len &&
           memcmp(jsontext_key(o, a), jsontext_key(o, b), o->m[a].key_len) == 0;
}

/* A repeated key keeps its first place and takes its last value, as in a
 * JavaScript object. Few members are compared pairwise; many use a map. */
static void fold_repeated(struct jsontext_object *o)
{
    struct mt_strmap seen;
    bool use_map = o->n > 16;
    mt_strmap_init(&seen);
    size_t kept = 0;
    for (size_t i = 0; i < o->n; i++) {
        size_t at = SIZE_MAX;
        if (use_map) {
            /* new key: remembered at its kept slot; else at is that slot */
            if (mt_strmap_put(&seen, jsontext_key(o, i), o->m[i].key_len, kept, &at)) at = SIZE_MAX;
        } else {
            for (size_t k = 0; k < kept && at == SIZE_MAX; k++)
                if (same_key(o, k, i)) at = k;
        }
        if (at != SIZE_MAX) {
            o->m[at].val = o->m[i].val;
            o->m[at].val_end = o->m[i].val_end;
        } else {
            o->m[kept++] = o->m[i];
        }
    }
    o->n = kept;
    mt_strmap_free(&seen);
}

size_t jsontext_object(const char *s, size_t n, size_t i, struct jsontext_object *o)
{
    o->n = 0;
    mt_buf_reset(&o->keys);
    mt_buf_reserve(&o->keys, 0);
    i = jsontext_ws(s, n, i + 1);
    while (i < n && s[i] == '"') {
        MT_GROW(o->m, o->cap, o->n + 1);
        struct jsontext_member *m = &o->m[o->n++];
        m->key = o->keys.len;
        i = jsontext_string(s, n, i, &o->keys);
        m->key_len = o->keys.len - m->key;
        mt_buf_addc(&o->keys, '\0');   /* so keys can be compared as C strings too */
        i = jsontext_ws(s, n, jsontext_ws(s, n, i) + 1);   /* past ':' */
        m->val = i;
        m->val_end = jsontext_skip(s, n, i);
        i = jsontext_ws(s, n, m->val_end);
        if (i < n && s[i] == ',') i = jsontext_ws(s, n, i + 1);
    }
    if (o->n > 1) fold_repeated(o);
    return i < n ? i + 1 : n;   /* past '}' */
}

long jsontext_find(const struct jsontext_object *o, const char *key)
{
    size_t len = strlen(key);
    for (size_t k = 0; k < o->n; k++)
        if (o->m[k].key_len == len && memcmp(jsontext_key(o, k), key, len) == 0) return (long)k;
    return -1;
}
