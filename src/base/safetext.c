/* safetext.c: untrusted text made safe to show; see safetext.h. */
#include "memtui/base/safetext.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "memtui/base/utf8.h"

enum { HEX_COLS = 4, C1_COLS = 6 };   /* "\x1b", "\u009b" */

static bool printable_ascii(unsigned char c)
{
    return c >= 0x20 && c < 0x7f;
}

static bool is_c1(uint32_t cp)
{
    return cp >= 0x80 && cp < 0xa0;
}

size_t mt_safe_next(const char *s, size_t n, size_t *cols)
{
    uint32_t cp;
    size_t len = utf8_decode(s, n, &cp), w;
    if (!len) {   /* a byte outside well-formed UTF-8 */
        len = 1;
        w = HEX_COLS;
    } else if (cp < 0x20 || cp == 0x7f) {
        w = HEX_COLS;
    } else if (is_c1(cp)) {
        w = C1_COLS;
    } else {
        w = utf8_cp_width(cp);
    }
    if (cols) *cols = w;
    return len;
}

size_t mt_safe_width(const char *s, size_t n)
{
    size_t i = 0, cols = 0;
    while (i < n) {
        size_t w;
        i += mt_safe_next(s + i, n - i, &w);
        cols += w;
    }
    return cols;
}

/* Bytes of s kept as they are from the start: printable ASCII, then
 * well-formed UTF-8 that is no control. */
static size_t clean_prefix(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (printable_ascii((unsigned char)s[i])) {
            i++;
            continue;
        }
        uint32_t cp;
        size_t len = utf8_decode(s + i, n - i, &cp);
        if (!len || cp < 0x20 || cp == 0x7f || is_c1(cp)) break;
        i += len;
    }
    return i;
}

bool mt_safe_clean(const char *s, size_t n)
{
    return clean_prefix(s, n) == n;
}

void mt_safe_add(struct mt_buf *out, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t keep = clean_prefix(s + i, n - i);
        mt_buf_add(out, s + i, keep);
        i += keep;
        if (i == n) break;
        uint32_t cp;
        size_t len = utf8_decode(s + i, n - i, &cp);
        if (!len) {
            mt_buf_addf(out, "\\x%02x", (unsigned char)s[i]);
            len = 1;
        } else {
            mt_buf_addf(out, is_c1(cp) ? "\\u%04x" : "\\x%02x", (unsigned)cp);
        }
        i += len;
    }
}

char *mt_safe_text(const char *s)
{
    struct mt_buf b;
    mt_buf_init(&b);
    if (s) mt_safe_add(&b, s, strlen(s));
    return mt_buf_detach(&b, NULL);
}

/* ---- printf with every string argument shown safe ------------------------ */

struct conv {
    char flags[8];
    char spec[48];   /* numbers: the conversion rebuilt for snprintf, "%-08.3llx" */
    bool left;       /* the '-' flag */
    int width;       /* -1: none */
    int prec;        /* -1: none */
    char len[3];     /* "", "hh", "h", "l", "ll", "z", "j", "t", "L" */
    char type;
};

/* Parse the conversion after a '%' (the '*' arguments are taken from ap);
 * returns the text after it. */
static const char *parse_conv(const char *p, struct conv *c, va_list *ap)
{
    memset(c, 0, sizeof(*c));
    size_t nf = 0;
    c->width = c->prec = -1;
    for (; *p && strchr("-+ #0'", *p); p++)
        if (nf + 1 < sizeof c->flags) c->flags[nf++] = *p;
    char *end;
    if (*p == '*') {
        c->width = va_arg(*ap, int);
        p++;
        if (c->width < 0) {   /* a negative '*' width means '-' */
            c->width = -c->width;
            if (nf + 1 < sizeof c->flags) c->flags[nf++] = '-';
        }
    } else if (*p >= '0' && *p <= '9') {
        c->width = (int)strtol(p, &end, 10);
        p = end;
    }
    if (*p == '.') {
        p++;
        if (*p == '*') {
            c->prec = va_arg(*ap, int);
            p++;
        } else {
            c->prec = (int)strtol(p, &end, 10);
            p = end;
        }
        if (c->prec < 0) c->prec = -1;   /* a negative '*' precision: none */
    }
    size_t nl = 0;
    while (*p && strchr("hlzjtL", *p) && nl < 2) c->len[nl++] = *p++;
    c->type = *p ? *p++ : '\0';
    c->left = strchr(c->flags, '-') != NULL;
    return p;
}

/* The conversion as snprintf takes it, for numbers (strings never go there). */
static void build_spec(struct conv *c)
{
    int o = snprintf(c->spec, sizeof c->spec, "%%%s", c->flags);
    if (c->width >= 0) o += snprintf(c->spec + o, sizeof c->spec - (size_t)o, "%d", c->width);
    if (c->prec >= 0) o += snprintf(c->spec + o, sizeof c->spec - (size_t)o, ".%d", c->prec);
    snprintf(c->spec + o, sizeof c->spec - (size_t)o, "%s%c", c->len, c->type);
}

/* %s and %c: the shown form, padded to the width in columns. */
static void add_text(struct mt_buf *b, const struct conv *c, const char *s, size_t n)
{
    size_t cols = c->width > 0 ? mt_safe_width(s, n) : 0;
    size_t pad = c->width > 0 && (size_t)c->width > cols ? (size_t)c->width - cols : 0;
    if (!c->left)
        for (size_t i = 0; i < pad; i++) mt_buf_addc(b, ' ');
    mt_safe_add(b, s, n);
    if (c->left)
        for (size_t i = 0; i < pad; i++) mt_buf_addc(b, ' ');
}

static bool is(const struct conv *c, const char *len)
{
    return strcmp(c->len, len) == 0;
}

static void add_signed(struct mt_buf *b, const struct conv *c, va_list *ap)
{
    if (is(c, "ll")) mt_buf_addf(b, c->spec, va_arg(*ap, long long));
    else if (is(c, "l")) mt_buf_addf(b, c->spec, va_arg(*ap, long));
    else if (is(c, "z")) mt_buf_addf(b, c->spec, va_arg(*ap, ssize_t));
    else if (is(c, "j")) mt_buf_addf(b, c->spec, va_arg(*ap, intmax_t));
    else if (is(c, "t")) mt_buf_addf(b, c->spec, va_arg(*ap, ptrdiff_t));
    else mt_buf_addf(b, c->spec, va_arg(*ap, int));   /* hh and h come promoted */
}

static void add_unsigned(struct mt_buf *b, const struct conv *c, va_list *ap)
{
    if (is(c, "ll")) mt_buf_addf(b, c->spec, va_arg(*ap, unsigned long long));
    else if (is(c, "l")) mt_buf_addf(b, c->spec, va_arg(*ap, unsigned long));
    else if (is(c, "z")) mt_buf_addf(b, c->spec, va_arg(*ap, size_t));
    else if (is(c, "j")) mt_buf_addf(b, c->spec, va_arg(*ap, uintmax_t));
    else if (is(c, "t")) mt_buf_addf(b, c->spec, va_arg(*ap, ptrdiff_t));
    else mt_buf_addf(b, c->spec, va_arg(*ap, unsigned));
}

/* One conversion; false when it is one this formatter does not know (the
 * rest of the format is then left out: its arguments cannot be told). */
static bool add_conv(struct mt_buf *b, struct conv *c, va_list *ap)
{
    if (!strchr("%sc", c->type)) build_spec(c);
    switch (c->type) {
    case '%':
        mt_buf_addc(b, '%');
        return true;
    case 's': {
        if (c->len[0]) return false;   /* %ls */
        const char *s = va_arg(*ap, const char *);
        if (!s) s = "(null)";
        add_text(b, c, s, c->prec >= 0 ? strnlen(s, (size_t)c->prec) : strlen(s));
        return true;
    }
    case 'c': {
        if (c->len[0]) return false;   /* %lc */
        char ch = (char)va_arg(*ap, int);
        add_text(b, c, &ch, 1);
        return true;
    }
    case 'd': case 'i':
        add_signed(b, c, ap);
        return true;
    case 'u': case 'o': case 'x': case 'X':
        add_unsigned(b, c, ap);
        return true;
    case 'e': case 'E': case 'f': case 'F': case 'g': case 'G': case 'a': case 'A':
        if (is(c, "L")) mt_buf_addf(b, c->spec, va_arg(*ap, long double));
        else mt_buf_addf(b, c->spec, va_arg(*ap, double));
        return true;
    case 'p':
        mt_buf_addf(b, c->spec, va_arg(*ap, void *));
        return true;
    default:
        return false;
    }
}

/* Append the formatted text to b. */
static void format_into(struct mt_buf *b, const char *fmt, va_list ap)
{
    va_list aq;
    va_copy(aq, ap);
    for (const char *p = fmt; *p;) {
        const char *pct = strchrnul(p, '%');
        mt_buf_add(b, p, (size_t)(pct - p));   /* the format is trusted */
        if (!*pct) break;
        struct conv c;
        p = parse_conv(pct + 1, &c, &aq);
        if (!add_conv(b, &c, &aq)) {
            mt_buf_adds(b, "%?");
            break;
        }
    }
    va_end(aq);
}

char *mt_safe_vformat(const char *fmt, va_list ap)
{
    struct mt_buf b;
    mt_buf_init(&b);
    format_into(&b, fmt, ap);
    return mt_buf_detach(&b, NULL);
}

char *mt_safe_format(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = mt_safe_vformat(fmt, ap);
    va_end(ap);
    return s;
}

void mt_safe_vprintf(FILE *to, const char *fmt, va_list ap)
{
    struct mt_buf line;
    mt_buf_init(&line);
    format_into(&line, fmt, ap);
    fwrite(line.data, 1, line.len, to);
    mt_buf_free(&line);
}

void mt_safe_printf(FILE *to, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mt_safe_vprintf(to, fmt, ap);
    va_end(ap);
}

void mt_safe_json_add(struct mt_buf *out, const char *json)
{
    /* Outside strings JSON text is ASCII without DEL: every byte handled
     * here is inside one. json-c copies strings' bytes as they are, so a
     * peer's non-UTF-8 text (a Latin-1 commit message) would make the
     * whole document invalid: each byte that starts no well-formed
     * character becomes U+FFFD. */
    size_t n = strlen(json);
    for (const char *p = json, *end = json + n;;) {
        const char *hit = p;
        while (hit < end && (unsigned char)*hit < 0x7f) hit++;
        mt_buf_add(out, p, (size_t)(hit - p));
        if (hit == end) return;
        uint32_t cp = 0;
        size_t len = (unsigned char)*hit == 0x7f ? 1 : utf8_decode(hit, (size_t)(end - hit), &cp);
        if (len == 0) {
            mt_buf_adds(out, "\\ufffd");
            len = 1;
        } else if (len == 1 || cp < 0xa0) {   /* DEL and C1 controls */
            mt_buf_addf(out, "\\u%04x", len == 1 ? 0x7fu : (unsigned)cp);
        } else {
            mt_buf_add(out, hit, len);
        }
        p = hit + len;
    }
}
