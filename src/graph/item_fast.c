/* item_fast.c: a parser for lines in the exact shape the MCP server and
 * memtui write, so the common case needs no general JSON parser. Anything
 * else (extra fields, spaces, odd escapes, lone surrogates, errors) is left
 * to the general reader in item_parse.c, which also words the errors. */
#include <stdlib.h>
#include <string.h>

#include "memtui/graph/graph.h"
#include "memtui/graph/item_fast.h"

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static bool hex4(const char *p, const char *end, unsigned *out)
{
    if (end - p < 4) return false;
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(p[i]);
        if (h < 0) return false;
        v = v << 4 | (unsigned)h;
    }
    *out = v;
    return true;
}

static void put_utf8(struct mt_buf *b, unsigned cp)
{
    char u[4];
    int n;
    if (cp < 0x80) u[0] = (char)cp, n = 1;
    else if (cp < 0x800) u[0] = (char)(0xC0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
    else if (cp < 0x10000)
        u[0] = (char)(0xE0 | cp >> 12), u[1] = (char)(0x80 | ((cp >> 6) & 0x3F)), u[2] = (char)(0x80 | (cp & 0x3F)), n = 3;
    else
        u[0] = (char)(0xF0 | cp >> 18), u[1] = (char)(0x80 | ((cp >> 12) & 0x3F)),
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), u[3] = (char)(0x80 | (cp & 0x3F)), n = 4;
    mt_buf_add(b, u, (size_t)n);
}

/* A JSON string at *pp (on its opening quote) into b; false when it is
 * anything the fast path does not take (the slow path will judge it). */
static bool string_at(const char **pp, const char *end, struct mt_buf *b)
{
    const char *p = *pp;
    mt_buf_reset(b);
    if (p >= end || *p != '"') return false;
    p++;
    for (;;) {
        const char *run = p;
        while (p < end && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20) p++;
        mt_buf_add(b, run, (size_t)(p - run));
        if (p >= end || (unsigned char)*p < 0x20) return false;
        if (*p == '"') break;
        p++;  /* backslash */
        if (p >= end) return false;
        char c = *p++;
        switch (c) {
        case '"': mt_buf_addc(b, '"'); break;
        case '\\': mt_buf_addc(b, '\\'); break;
        case '/': mt_buf_addc(b, '/'); break;
        case 'b': mt_buf_addc(b, '\b'); break;
        case 'f': mt_buf_addc(b, '\f'); break;
        case 'n': mt_buf_addc(b, '\n'); break;
        case 'r': mt_buf_addc(b, '\r'); break;
        case 't': mt_buf_addc(b, '\t'); break;
        case 'u': {
            unsigned cp, lo;
            if (!hex4(p, end, &cp) || cp == 0) return false;
            p += 4;
            if (cp >= 0xDC00 && cp <= 0xDFFF) return false;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || !hex4(p + 2, end, &lo) || lo < 0xDC00 || lo > 0xDFFF)
                    return false;
                p += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            put_utf8(b, cp);
            break;
        }
        default: return false;
        }
    }
    *pp = p + 1;
    return true;
}

static bool lit(const char **pp, const char *end, const char *s)
{
    size_t n = strlen(s);
    if ((size_t)(end - *pp) < n || memcmp(*pp, s, n)) return false;
    *pp += n;
    return true;
}

static struct mt_entity *entity(const char *p, const char *end, struct mt_buf *b)
{
    if (!string_at(&p, end, b)) return NULL;
    char *name = mt_buf_detach(b, NULL);
    if (!lit(&p, end, ",\"entityType\":") || !string_at(&p, end, b) || !lit(&p, end, ",\"observations\":[")) {
        free(name);
        return NULL;
    }
    struct mt_entity *e = mt_entity_new(name, b->data ? b->data : "");
    free(name);
    if (p < end && *p == ']') {
        p++;
    } else {
        for (;;) {
            if (!string_at(&p, end, b)) goto fail;
            mt_strset_add(&e->obs, b->data ? b->data : "");
            if (p < end && *p == ',') { p++; continue; }
            if (p < end && *p == ']') { p++; break; }
            goto fail;
        }
    }
    if (p + 1 == end && *p == '}') return e;
fail:
    mt_entity_free(e);
    return NULL;
}

static struct mt_relation *relation(const char *p, const char *end, struct mt_buf *b)
{
    char *from = NULL, *to = NULL;
    struct mt_relation *r = NULL;
    if (!string_at(&p, end, b)) return NULL;
    from = mt_buf_detach(b, NULL);
    if (!lit(&p, end, ",\"to\":") || !string_at(&p, end, b)) goto out;
    to = mt_buf_detach(b, NULL);
    if (!lit(&p, end, ",\"relationType\":") || !string_at(&p, end, b)) goto out;
    if (p + 1 == end && *p == '}') r = mt_relation_new(from, to, b->data ? b->data : "");
out:
    free(from);
    free(to);
    return r;
}

bool mt_item_parse_canonical(const char *line, size_t len, struct mt_item *out)
{
    static const char ENT[] = "{\"type\":\"entity\",\"name\":";
    static const char REL[] = "{\"type\":\"relation\",\"from\":";
    const char *end = line + len;
    struct mt_buf b;
    mt_buf_init(&b);
    bool ok = false;
    if (len > sizeof ENT && memcmp(line, ENT, sizeof ENT - 1) == 0) {
        out->entity = entity(line + sizeof ENT - 1, end, &b);
        out->kind = MT_ITEM_ENTITY;
        ok = out->entity != NULL;
    } else if (len > sizeof REL && memcmp(line, REL, sizeof REL - 1) == 0) {
        out->relation = relation(line + sizeof REL - 1, end, &b);
        out->kind = MT_ITEM_RELATION;
        ok = out->relation != NULL;
    }
    mt_buf_free(&b);
    return ok;
}
