/* line_canon.c: lines that would be written back byte for byte; see
 * line_canon.h. The check is the writer (jsonw.c) run backwards: every
 * escape must be the one JSON.stringify picks, everything else literal. */
#include "memtui/graph/line_canon.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "memtui/base/utf8.h"
#include "memtui/base/util.h"

static const char ENT[] = "{\"type\":\"entity\",\"name\":";
static const char REL[] = "{\"type\":\"relation\",\"from\":";

static bool lit(const char **pp, const char *end, const char *s, size_t n)
{
    if ((size_t)(end - *pp) < n || memcmp(*pp, s, n)) return false;
    *pp += n;
    return true;
}

static bool hex_lower(char c, unsigned *v)
{
    if (c >= '0' && c <= '9') *v = (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f') *v = (unsigned)(c - 'a' + 10);
    else return false;
    return true;
}

/* The escape after a backslash at p, as the writer would have made it:
 * the short forms, and \u00xx (lowercase) only for the other controls
 * but NUL, which the reader refuses. */
static const char *escape_at(const char *p, const char *end)
{
    if (p >= end) return NULL;
    switch (*p) {
    case '"': case '\\': case 'b': case 'f': case 'n': case 'r': case 't': return p + 1;
    case 'u': break;
    default: return NULL;
    }
    unsigned hi, lo;
    if (end - p < 5 || p[1] != '0' || p[2] != '0' || !hex_lower(p[3], &hi) || !hex_lower(p[4], &lo)) return NULL;
    unsigned c = hi << 4 | lo;
    if (c == 0 || c >= 0x20 || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t') return NULL;
    return p + 5;
}

/* A string at *pp (on its quote) in the writer's form; *pp moves past it. */
static bool string_at(const char **pp, const char *end)
{
    const char *p = *pp;
    if (p >= end || *p != '"') return false;
    p++;
    for (;;) {
        while (p < end && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20) p++;
        if (p >= end || (unsigned char)*p < 0x20) return false;
        if (*p == '"') break;
        p = escape_at(p + 1, end);
        if (!p) return false;
    }
    *pp = p + 1;
    return true;
}

struct span {
    const char *p;
    size_t len;
    uint64_t hash;
};

static int cmp_span(const void *a, const void *b)
{
    const struct span *x = a, *y = b;
    if (x->hash != y->hash) return x->hash < y->hash ? -1 : 1;
    if (x->len != y->len) return x->len < y->len ? -1 : 1;
    return memcmp(x->p, y->p, x->len);
}

/* Equal strings have equal text here (each has one canonical form), so
 * duplicates are found on the bytes. */
static bool distinct(struct span *s, size_t n)
{
    for (size_t i = 0; i < n; i++) s[i].hash = mt_hash(s[i].p, s[i].len);
    qsort(s, n, sizeof(*s), cmp_span);
    for (size_t i = 1; i < n; i++)
        if (cmp_span(&s[i - 1], &s[i]) == 0) return false;
    return true;
}

static bool entity_rest(const char *p, const char *end, size_t *observations)
{
    if (!string_at(&p, end) || !lit(&p, end, ",\"entityType\":", 14) || !string_at(&p, end) ||
        !lit(&p, end, ",\"observations\":[", 17))
        return false;
    struct span local[16], *s = local;
    size_t n = 0, cap = 16;
    bool ok = false;
    if (p < end && *p == ']') {
        p++;
    } else {
        for (;;) {
            const char *start = p;
            if (!string_at(&p, end)) goto out;
            if (n == cap) {
                cap *= 2;
                s = s == local ? memcpy(xmalloc(cap * sizeof(*s)), local, sizeof local) : xrealloc(s, cap * sizeof(*s));
            }
            s[n++] = (struct span){start, (size_t)(p - start), 0};
            if (p < end && *p == ',') { p++; continue; }
            if (p < end && *p == ']') { p++; break; }
            goto out;
        }
    }
    ok = p + 1 == end && *p == '}' && distinct(s, n);
    *observations = n;
out:
    if (s != local) free(s);
    return ok;
}

static bool relation_rest(const char *p, const char *end)
{
    return string_at(&p, end) && lit(&p, end, ",\"to\":", 6) && string_at(&p, end) &&
           lit(&p, end, ",\"relationType\":", 16) && string_at(&p, end) && p + 1 == end && *p == '}';
}

bool mt_line_canonical(const char *line, size_t len, enum mt_line_kind kind, size_t *observations)
{
    const char *end = line + len;
    *observations = 0;
    if (!utf8_valid(line, len, NULL)) return false;
    if (kind == MT_LINE_ENTITY)
        return len > sizeof ENT && memcmp(line, ENT, sizeof ENT - 1) == 0 &&
               entity_rest(line + sizeof ENT - 1, end, observations);
    if (kind == MT_LINE_RELATION)
        return len > sizeof REL && memcmp(line, REL, sizeof REL - 1) == 0 &&
               relation_rest(line + sizeof REL - 1, end);
    return false;
}
