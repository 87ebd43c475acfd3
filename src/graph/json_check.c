/* json_check.c: a strict, allocation-free RFC 8259 validator. One pass,
 * no recursion: the open containers are kept as one bit each (object or
 * array) in a fixed stack of JSON_CHECK_MAX_DEPTH bits. Error offsets follow
 * V8's JSON.parse where it names one. */
#include "memtui/graph/json_check.h"

#include <stdint.h>

#define MSG_END "unexpected end of input"
#define MSG_UNTERMINATED "unterminated string"
#define MSG_LONE "lone surrogate escape (\\uD800-\\uDFFF without its pair) cannot be stored"
#define MSG_NUL "NUL character (\\u0000) cannot be stored"
#define STR_(x) #x
#define STR(x) STR_(x)

struct cursor {
    const unsigned char *p;
    size_t n, i;
    size_t *err_offset;
    const char **err_msg;
};

static bool fail(struct cursor *c, size_t off, const char *msg)
{
    *c->err_offset = off;
    *c->err_msg = msg;
    return false;
}

static inline void skip_ws(struct cursor *c)
{
    while (c->i < c->n) {
        unsigned char ch = c->p[c->i];
        if (ch != ' ' && ch != '\n' && ch != '\r' && ch != '\t') break;
        c->i++;
    }
}

static inline bool is_digit(unsigned char ch)
{
    return ch >= '0' && ch <= '9';
}

static inline int hexval(unsigned char ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

/* Four hex digits at *j (just after "\u") into *cp, advancing *j. */
static bool hex4(struct cursor *c, size_t *j, unsigned *cp)
{
    unsigned v = 0;
    for (int k = 0; k < 4; k++, (*j)++) {
        if (*j >= c->n) return fail(c, c->n, MSG_UNTERMINATED);
        int h = hexval(c->p[*j]);
        if (h < 0) return fail(c, *j, "invalid \\u escape (needs 4 hex digits)");
        v = v << 4 | (unsigned)h;
    }
    *cp = v;
    return true;
}

/* A string at c->i (on its opening quote). */
static bool string(struct cursor *c, unsigned flags)
{
    const unsigned char *p = c->p;
    size_t n = c->n, i = c->i + 1;
    for (;;) {
        while (i < n && p[i] >= 0x20 && p[i] != '"' && p[i] != '\\') i++;
        if (i >= n) return fail(c, n, MSG_UNTERMINATED);
        if (p[i] == '"') break;
        if (p[i] < 0x20) return fail(c, i, "control character in a string");
        size_t bs = i++;  /* the backslash */
        if (i >= n) return fail(c, n, MSG_UNTERMINATED);
        switch (p[i]) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
            i++;
            continue;
        case 'u':
            break;
        default:
            return fail(c, i, "invalid escape");
        }
        i++;
        unsigned cp;
        if (!hex4(c, &i, &cp)) return false;
        if (cp == 0 && !(flags & JSON_CHECK_ALLOW_NUL)) return fail(c, bs, MSG_NUL);
        if (flags & JSON_CHECK_ALLOW_LONE_SURROGATES) continue;  /* a pair is two of them */
        if (cp >= 0xDC00 && cp <= 0xDFFF) return fail(c, bs, MSG_LONE);
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            /* The text ending here is truncation, not a lone surrogate. */
            if (i >= n || (p[i] == '\\' && i + 1 >= n)) return fail(c, n, MSG_UNTERMINATED);
            if (p[i] != '\\' || p[i + 1] != 'u') return fail(c, bs, MSG_LONE);
            size_t j = i + 2;
            unsigned lo;
            if (!hex4(c, &j, &lo)) return false;
            if (lo < 0xDC00 || lo > 0xDFFF) return fail(c, bs, MSG_LONE);
            i = j;
        }
    }
    c->i = i + 1;
    return true;
}

/* A number at c->i (on '-' or a digit). */
static bool number(struct cursor *c)
{
    const unsigned char *p = c->p;
    size_t n = c->n, i = c->i;
    if (p[i] == '-') i++;
    if (i >= n || !is_digit(p[i])) return fail(c, i, "invalid number (no digit after '-')");
    if (p[i] == '0') {
        i++;
        if (i < n && is_digit(p[i])) return fail(c, i, "invalid number (leading zero)");
    } else {
        while (i < n && is_digit(p[i])) i++;
    }
    if (i < n && p[i] == '.') {
        i++;
        if (i >= n || !is_digit(p[i])) return fail(c, i, "invalid number (no digit after '.')");
        while (i < n && is_digit(p[i])) i++;
    }
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        if (i < n && (p[i] == '+' || p[i] == '-')) i++;
        if (i >= n || !is_digit(p[i])) return fail(c, i, "invalid number (no digit in the exponent)");
        while (i < n && is_digit(p[i])) i++;
    }
    c->i = i;
    return true;
}

/* true, false or null at c->i; wrong at the first byte that differs. */
static bool literal(struct cursor *c, const char *word)
{
    for (; *word; word++, c->i++) {
        if (c->i >= c->n) return fail(c, c->n, MSG_END);
        if (c->p[c->i] != (unsigned char)*word) return fail(c, c->i, "unexpected character");
    }
    return true;
}

/* What a byte that cannot start a value most likely is. */
static const char *not_a_value(unsigned char ch)
{
    if (ch == '\'') return "single quotes (JSON strings need double quotes)";
    if (ch == '/') return "comment (JSON has no comments)";
    return "unexpected character";
}

bool json_check_flags(const char *s, size_t n, unsigned flags, size_t *err_offset,
                      const char **err_msg)
{
    size_t off_dummy;
    const char *msg_dummy;
    struct cursor c = {(const unsigned char *)s, n, 0, err_offset ? err_offset : &off_dummy,
                       err_msg ? err_msg : &msg_dummy};
    uint8_t is_obj[JSON_CHECK_MAX_DEPTH / 8] = {0};  /* one bit per open container */
    size_t depth = 0;
    bool obj;

value:
    skip_ws(&c);
    if (c.i >= n) return fail(&c, n, MSG_END);
    switch (c.p[c.i]) {
    case '{':
    case '[':
        if (depth == JSON_CHECK_MAX_DEPTH)
            return fail(&c, c.i, "nested too deep (more than " STR(JSON_CHECK_MAX_DEPTH) " levels)");
        obj = c.p[c.i] == '{';
        if (obj) is_obj[depth / 8] |= (uint8_t)(1u << (depth % 8));
        else is_obj[depth / 8] &= (uint8_t)~(1u << (depth % 8));
        depth++;
        c.i++;
        skip_ws(&c);
        if (c.i < n && c.p[c.i] == (obj ? '}' : ']')) {
            c.i++;
            depth--;
            goto after;
        }
        if (obj) goto key;
        goto value;
    case '"':
        if (!string(&c, flags)) return false;
        goto after;
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        if (!number(&c)) return false;
        goto after;
    case 't':
        if (!literal(&c, "true")) return false;
        goto after;
    case 'f':
        if (!literal(&c, "false")) return false;
        goto after;
    case 'n':
        if (!literal(&c, "null")) return false;
        goto after;
    default:
        return fail(&c, c.i, not_a_value(c.p[c.i]));
    }

key:  /* whitespace already skipped */
    if (c.i >= n) return fail(&c, n, MSG_END);
    if (c.p[c.i] != '"') {
        unsigned char ch = c.p[c.i];
        return fail(&c, c.i, ch == '\'' || ch == '/' ? not_a_value(ch) : "expected a property name in double quotes");
    }
    if (!string(&c, flags)) return false;
    skip_ws(&c);
    if (c.i >= n) return fail(&c, n, MSG_END);
    if (c.p[c.i] != ':') return fail(&c, c.i, "expected ':'");
    c.i++;
    goto value;

after:
    skip_ws(&c);
    if (depth == 0) {
        if (c.i < n) return fail(&c, c.i, "unexpected text after the JSON value");
        return true;
    }
    if (c.i >= n) return fail(&c, n, MSG_END);
    obj = is_obj[(depth - 1) / 8] >> ((depth - 1) % 8) & 1;
    if (c.p[c.i] == ',') {
        c.i++;
        skip_ws(&c);
        if (c.i < n && c.p[c.i] == (obj ? '}' : ']')) return fail(&c, c.i, "trailing comma");
        if (obj) goto key;
        goto value;
    }
    if (c.p[c.i] == (obj ? '}' : ']')) {
        c.i++;
        depth--;
        goto after;
    }
    if (c.p[c.i] == '/') return fail(&c, c.i, not_a_value('/'));
    return fail(&c, c.i, obj ? "expected ',' or '}'" : "expected ',' or ']'");
}

bool json_check(const char *s, size_t n, size_t *err_offset, const char **err_msg)
{
    return json_check_flags(s, n, 0, err_offset, err_msg);
}
