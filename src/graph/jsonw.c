/* jsonw.c: JSON text as JavaScript's JSON.stringify writes it; see jsonw.h. */
#include "memtui/graph/jsonw.h"

#include "memtui/graph/jsontext.h"

#include <json-c/printbuf.h>
#include <math.h>   /* isfinite only: no libm needed */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Per byte: 0 = copy as is, 'u' = \u00xx, 's' = maybe a lone surrogate
 * (see below), else the letter after '\'. */
static const char esc_tab[256] = {
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'b', 't', 'n', 'u', 'f', 'r', 'u', 'u',
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
    ['"'] = '"', ['\\'] = '\\', [0xED] = 's',
};

#define ONES 0x0101010101010101ULL
#define HIGH 0x8080808080808080ULL

/* True if some byte of w equals c. The borrow trick is exact as a yes/no
 * answer, which is all we need. */
static inline bool word_has(uint64_t w, unsigned char c)
{
    uint64_t x = w ^ (ONES * c);
    return ((x - ONES) & ~x & HIGH) != 0;
}

/* True if any of the 8 bytes needs a closer look (< 0x20, '"', '\', or
 * 0xED, the lead byte of U+D000-U+DFFF). */
static inline bool word_special(uint64_t w)
{
    uint64_t ctl = (w - ONES * 0x20) & ~w & HIGH;
    return ctl || word_has(w, '"') || word_has(w, '\\') || word_has(w, 0xED);
}

/* A lone surrogate is kept in memtui's strings as the 3-byte form of its
 * code point, ED A0-BF 80-BF (UTF-8 has no room for it; the string readers
 * make it from a \uD800-\uDFFF escape without its pair), and written back
 * as the escape JSON.stringify writes: \u and four lowercase hex digits. */
static bool surrogate_at(const unsigned char *p, size_t left, unsigned *cp)
{
    if (left < 3 || p[1] < 0xA0 || p[1] > 0xBF || (p[2] & 0xC0) != 0x80) return false;
    *cp = 0xD000u | (unsigned)(p[1] & 0x3F) << 6 | (unsigned)(p[2] & 0x3F);
    return true;
}

void jsonw_string_body(struct mt_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run = 0;   /* [run, i) is a pending run of safe bytes */

    mt_buf_reserve(b, n);
    while (i < n) {
        if (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (!word_special(w)) {
                i += 8;
                continue;
            }
        }
        char e = esc_tab[p[i]];
        unsigned cp;
        if (!e || (e == 's' && !surrogate_at(p + i, n - i, &cp))) {
            i++;
            continue;
        }
        if (i > run) mt_buf_add(b, p + run, i - run);
        if (e == 's') {
            char u[6] = {'\\', 'u', hex[cp >> 12], hex[cp >> 8 & 15], hex[cp >> 4 & 15], hex[cp & 15]};
            mt_buf_add(b, u, 6);
            i += 3;
            run = i;
            continue;
        }
        if (e == 'u') {
            char u[6] = {'\\', 'u', '0', '0', hex[p[i] >> 4], hex[p[i] & 15]};
            mt_buf_add(b, u, 6);
        } else {
            char two[2] = {'\\', e};
            mt_buf_add(b, two, 2);
        }
        run = ++i;
    }
    if (i > run) mt_buf_add(b, p + run, i - run);
}

void jsonw_string(struct mt_buf *b, const char *s, size_t n)
{
    mt_buf_reserve(b, n + 2);
    mt_buf_addc(b, '"');
    jsonw_string_body(b, s, n);
    mt_buf_addc(b, '"');
}

/* Does DIG * 10^(exp10 - len + 1) read back as d? Sets *below when it
 * reads back smaller. Only digits and 'e' go to strtod, so LC_NUMERIC
 * cannot change the answer. */
static bool reads_back(const char *dig, int exp10, double d, bool *below)
{
    char back[48];
    snprintf(back, sizeof back, "%se%d", dig, exp10 - ((int)strlen(dig) - 1));
    double r = strtod(back, NULL);
    if (below) *below = r < d;
    return r == d;
}

/* Add one unit in the last place of the digit string; a carry out of the
 * top turns "99" into "10" with the exponent one higher (that is, 100). */
static void digits_inc(char *dig, int *exp10)
{
    int i = (int)strlen(dig) - 1;
    while (i >= 0 && dig[i] == '9') dig[i--] = '0';
    if (i >= 0) {
        dig[i]++;
    } else {
        dig[0] = '1';
        (*exp10)++;
    }
}

/* Shortest decimal digits that read back as d (d > 0, finite), like JS's
 * Number::toString. Writes k digits into dig (no dot) and returns the
 * decimal exponent n such that d = 0.DIGITS * 10^n. */
static int shortest_digits(double d, char dig[24], int *k)
{
    char tmp[48];
    int exp10 = 0;
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, d);
        int nd = 0;
        const char *q = tmp;
        for (; *q && *q != 'e'; q++)
            if (*q >= '0' && *q <= '9') dig[nd++] = *q;
        dig[nd] = '\0';
        exp10 = atoi(q + 1);
        bool below;
        if (reads_back(dig, exp10, d, &below) || prec == 17) break;
        /* At a power of two the gap below d is half the gap above, so the
         * nearest candidate can miss below while the next one up fits. */
        if (below) {
            char up[24];
            int upexp = exp10;
            memcpy(up, dig, (size_t)nd + 1);
            digits_inc(up, &upexp);
            if (reads_back(up, upexp, d, NULL)) {
                memcpy(dig, up, (size_t)nd + 1);
                exp10 = upexp;
                break;
            }
        }
    }
    /* Rounding up may leave trailing zeros ("1239" -> "1240"): drop them. */
    int nd = (int)strlen(dig);
    while (nd > 1 && dig[nd - 1] == '0') nd--;
    dig[nd] = '\0';
    *k = nd;
    return exp10 + 1;
}

void jsonw_double(struct mt_buf *b, double d)
{
    if (!isfinite(d)) {
        mt_buf_add(b, "null", 4);
        return;
    }
    if (d == 0) {   /* -0 too: JS prints it as 0 */
        mt_buf_addc(b, '0');
        return;
    }
    /* Common case: an exact integer below 2^53 prints as itself. */
    if (d > -9007199254740992.0 && d < 9007199254740992.0 && d == (double)(long long)d) {
        mt_buf_addf(b, "%lld", (long long)d);
        return;
    }
    if (d < 0) {
        mt_buf_addc(b, '-');
        d = -d;
    }
    char dig[24];
    int k, n = shortest_digits(d, dig, &k);
    if (k <= n && n <= 21) {            /* 1e+20 -> 100000000000000000000 */
        mt_buf_add(b, dig, (size_t)k);
        for (int i = k; i < n; i++) mt_buf_addc(b, '0');
    } else if (0 < n && n <= 21) {      /* 123.456 */
        mt_buf_add(b, dig, (size_t)n);
        mt_buf_addc(b, '.');
        mt_buf_add(b, dig + n, (size_t)(k - n));
    } else if (-6 < n && n <= 0) {      /* 0.000123 */
        mt_buf_add(b, "0.", 2);
        for (int i = n; i < 0; i++) mt_buf_addc(b, '0');
        mt_buf_add(b, dig, (size_t)k);
    } else {                            /* 1.5e+21, 1e-7 */
        mt_buf_addc(b, dig[0]);
        if (k > 1) {
            mt_buf_addc(b, '.');
            mt_buf_add(b, dig + 1, (size_t)(k - 1));
        }
        mt_buf_addf(b, "e%c%d", n - 1 >= 0 ? '+' : '-', abs(n - 1));
    }
}

/* JS numbers are doubles: integers beyond 2^53 print as the double they
 * round to, exactly as the server would write them back. */
static void write_int(struct mt_buf *b, struct json_object *v)
{
    const int64_t lim = INT64_C(9007199254740992);
    int64_t i = json_object_get_int64(v);
    if (i == INT64_MAX) {   /* maybe a uint64 above INT64_MAX */
        uint64_t u = json_object_get_uint64(v);
        jsonw_double(b, (double)u);
    } else if (i >= -lim && i <= lim) {
        mt_buf_addf(b, "%lld", (long long)i);
    } else {
        jsonw_double(b, (double)i);
    }
}

/* JS objects list "array index" keys (canonical decimal 0 .. 2^32-2) first,
 * in ascending order, then the other keys in insertion order. */
static bool array_index_n(const char *k, size_t len, uint32_t *out)
{
    if (!len || (k[0] == '0' && len > 1)) return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (k[i] < '0' || k[i] > '9') return false;
        v = v * 10 + (uint64_t)(k[i] - '0');
        if (v > UINT32_C(4294967294)) return false;
    }
    *out = (uint32_t)v;
    return true;
}

static bool array_index(const char *k, uint32_t *out)
{
    return array_index_n(k, strlen(k), out);
}

struct idx_entry {
    uint32_t idx;
    struct lh_entry *e;
};

static int idx_cmp(const void *a, const void *b)
{
    uint32_t x = ((const struct idx_entry *)a)->idx, y = ((const struct idx_entry *)b)->idx;
    return (x > y) - (x < y);
}

static void write_member(struct mt_buf *b, struct lh_entry *e, bool *first)
{
    const char *k = (const char *)lh_entry_k(e);
    if (!*first) mt_buf_addc(b, ',');
    *first = false;
    jsonw_string(b, k, strlen(k));
    mt_buf_addc(b, ':');
    jsonw_value(b, (struct json_object *)lh_entry_v(e));
}

static void write_object(struct mt_buf *b, struct json_object *v)
{
    struct lh_table *t = json_object_get_object(v);
    size_t nidx = 0;
    uint32_t idx;
    bool first = true;

    for (struct lh_entry *e = t->head; e; e = e->next)
        if (array_index((const char *)lh_entry_k(e), &idx)) nidx++;
    mt_buf_addc(b, '{');
    if (nidx) {
        struct idx_entry *ix = xmalloc(nidx * sizeof(*ix));
        size_t m = 0;
        for (struct lh_entry *e = t->head; e; e = e->next)
            if (array_index((const char *)lh_entry_k(e), &idx))
                ix[m++] = (struct idx_entry){idx, e};
        qsort(ix, m, sizeof(*ix), idx_cmp);
        for (size_t i = 0; i < m; i++) write_member(b, ix[i].e, &first);
        free(ix);
    }
    for (struct lh_entry *e = t->head; e; e = e->next)
        if (!nidx || !array_index((const char *)lh_entry_k(e), &idx)) write_member(b, e, &first);
    mt_buf_addc(b, '}');
}

void jsonw_value(struct mt_buf *b, struct json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_null:
        mt_buf_add(b, "null", 4);
        break;
    case json_type_boolean:
        if (json_object_get_boolean(v)) mt_buf_add(b, "true", 4);
        else mt_buf_add(b, "false", 5);
        break;
    case json_type_int:
        write_int(b, v);
        break;
    case json_type_double:
        /* Deliberately not the text json-c kept: JS prints 1.0 as 1. */
        jsonw_double(b, json_object_get_double(v));
        break;
    case json_type_string:
        jsonw_string(b, json_object_get_string(v), (size_t)json_object_get_string_len(v));
        break;
    case json_type_array: {
        size_t n = json_object_array_length(v);
        mt_buf_addc(b, '[');
        for (size_t i = 0; i < n; i++) {
            if (i) mt_buf_addc(b, ',');
            jsonw_value(b, json_object_array_get_idx(v, i));
        }
        mt_buf_addc(b, ']');
        break;
    }
    case json_type_object:
        write_object(b, v);
        break;
    }
}

/* ---- values from their text ----------------------------------------------- */

static void text_value(struct mt_buf *b, const char *s, size_t n, size_t i);

/* Without escapes a string's bytes are already what JSON.stringify writes:
 * valid text holds no raw control character, and '"' and '\' only escaped. */
static void text_string(struct mt_buf *b, const char *s, size_t n, size_t i)
{
    if (jsontext_plain_string(s, n, i)) {
        mt_buf_add(b, s + i, jsontext_skip(s, n, i) - i);
        return;
    }
    struct mt_buf t;
    mt_buf_init(&t);
    jsontext_string(s, n, i, &t);
    jsonw_string(b, t.data, t.len);
    mt_buf_free(&t);
}

static void text_member(struct mt_buf *b, const char *s, size_t n, const struct jsontext_object *o,
                        size_t k, bool *first)
{
    if (!*first) mt_buf_addc(b, ',');
    *first = false;
    jsonw_string(b, jsontext_key(o, k), o->m[k].key_len);
    mt_buf_addc(b, ':');
    text_value(b, s, n, o->m[k].val);
}

struct text_idx {
    uint32_t idx;
    size_t k;
};

static int text_idx_cmp(const void *a, const void *b)
{
    uint32_t x = ((const struct text_idx *)a)->idx, y = ((const struct text_idx *)b)->idx;
    return (x > y) - (x < y);
}

/* Keys in JS order, as write_object does for json-c objects. */
static void text_object(struct mt_buf *b, const char *s, size_t n, size_t i)
{
    struct jsontext_object o;
    jsontext_object_init(&o);
    jsontext_object(s, n, i, &o);
    struct text_idx *ix = NULL;
    size_t nidx = 0;
    uint32_t idx;
    bool first = true;
    for (size_t k = 0; k < o.n; k++) {
        if (!array_index_n(jsontext_key(&o, k), o.m[k].key_len, &idx)) continue;
        if (!ix) ix = xmalloc(o.n * sizeof(*ix));
        ix[nidx++] = (struct text_idx){idx, k};
    }
    mt_buf_addc(b, '{');
    if (nidx) qsort(ix, nidx, sizeof(*ix), text_idx_cmp);
    for (size_t j = 0; j < nidx; j++) text_member(b, s, n, &o, ix[j].k, &first);
    for (size_t k = 0; k < o.n; k++)
        if (!nidx || !array_index_n(jsontext_key(&o, k), o.m[k].key_len, &idx)) text_member(b, s, n, &o, k, &first);
    mt_buf_addc(b, '}');
    free(ix);
    jsontext_object_free(&o);
}

static void text_array(struct mt_buf *b, const char *s, size_t n, size_t i)
{
    mt_buf_addc(b, '[');
    i = jsontext_ws(s, n, i + 1);
    for (bool first = true; i < n && s[i] != ']'; first = false) {
        if (!first) mt_buf_addc(b, ',');
        text_value(b, s, n, i);
        i = jsontext_ws(s, n, jsontext_skip(s, n, i));
        if (i < n && s[i] == ',') i = jsontext_ws(s, n, i + 1);
    }
    mt_buf_addc(b, ']');
}

static void text_value(struct mt_buf *b, const char *s, size_t n, size_t i)
{
    i = jsontext_ws(s, n, i);
    if (i >= n) return;
    switch (s[i]) {
    case '"': text_string(b, s, n, i); break;
    case '{': text_object(b, s, n, i); break;
    case '[': text_array(b, s, n, i); break;
    /* A number's text as written (never through a double), or a literal. */
    default: mt_buf_add(b, s + i, jsontext_skip(s, n, i) - i); break;
    }
}

void jsonw_text(struct mt_buf *b, const char *s, size_t n)
{
    text_value(b, s, n, 0);
}

/* ---- graph text inside json-c documents ------------------------------------ */

static int graph_string_serializer(struct json_object *o, struct printbuf *pb, int level, int flags)
{
    (void)level;
    (void)flags;
    struct mt_buf b;
    mt_buf_init(&b);
    jsonw_string(&b, json_object_get_string(o), (size_t)json_object_get_string_len(o));
    int rc = printbuf_memappend(pb, b.data, (int)b.len) < 0 ? -1 : 0;
    mt_buf_free(&b);
    return rc;
}

struct json_object *jsonw_graph_string(const char *s)
{
    struct json_object *o = json_object_new_string(s);
    json_object_set_serializer(o, graph_string_serializer, NULL, NULL);
    return o;
}
