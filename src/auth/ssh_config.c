/* ssh_config.c: the subset of ssh_config(5) that picks host, port, user and
 * keys, read the way OpenSSH's client reads it. */
#include "memtui/auth/ssh_config.h"

#include "memtui/base/fsutil.h"
#include "memtui/base/util.h"

#include <ctype.h>
#include <stdarg.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_INCLUDE_DEPTH 16
/* files read through Include in one parse: a file including itself twice
 * would otherwise be read 2^16 times */
#define MAX_INCLUDED_FILES 256
/* an ssh config is small; a link to /dev/zero must not fill memory */
#define MAX_CONFIG_BYTES ((size_t)4 << 20)
#define MAX_IDENTITIES 100  /* OpenSSH's SSH_MAX_IDENTITY_FILES */

struct parser {
    const char *alias, *home;
    struct mt_ssh_host *h;
    mt_ssh_note_fn note;
    void *ctx;
    int included;   /* files read through Include so far */
};

void mt_ssh_host_init(struct mt_ssh_host *h)
{
    memset(h, 0, sizeof(*h));
    h->identities_only = -1;
}

void mt_ssh_host_free(struct mt_ssh_host *h)
{
    free(h->hostname);
    free(h->user);
    for (size_t i = 0; i < h->n_identity; i++) free(h->identity[i]);
    free(h->identity);
    mt_ssh_host_init(h);
}

static void note(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct parser *p, const char *fmt, ...)
{
    if (!p->note) return;
    va_list ap;
    va_start(ap, fmt);
    char *m = NULL;
    if (vasprintf(&m, fmt, ap) >= 0) p->note(p->ctx, m);
    va_end(ap);
    free(m);
}

/* ---- words ----------------------------------------------------------- */

/* Split one line into words: whitespace separates, "..." and '...' group,
 * a backslash escapes a quote or itself, an unquoted # starts a comment.
 * Returns the number of words (at most max); -1 on an unterminated quote. */
static int split_words(const char *line, char **w, int max)
{
    int n = 0;
    const char *s = line;
    while (n < max) {
        while (*s == ' ' || *s == '\t' || *s == '\r') s++;
        if (!*s || *s == '#') break;
        struct mt_buf b;
        mt_buf_init(&b);
        char quote = 0;
        while (*s && (quote || (*s != ' ' && *s != '\t' && *s != '\r'))) {
            if (*s == '\\' && (s[1] == '"' || s[1] == '\'' || s[1] == '\\')) {
                mt_buf_addc(&b, s[1]);
                s += 2;
            } else if (quote && *s == quote) {
                quote = 0;
                s++;
            } else if (!quote && (*s == '"' || *s == '\'')) {
                quote = *s++;
            } else {
                mt_buf_addc(&b, *s++);
            }
        }
        mt_buf_addc(&b, '\0');
        w[n++] = mt_buf_detach(&b, NULL);
        if (quote) return -n - 1;
    }
    return n;
}

static void free_words(char **w, int n)
{
    for (int i = 0; i < n; i++) free(w[i]);
}

/* ---- patterns -------------------------------------------------------- */

/* * and ? glob, case-insensitive (host names are). */
static bool glob_match(const char *p, const char *s)
{
    while (*p) {
        if (*p == '*') {
            while (*p == '*') p++;
            if (!*p) return true;
            for (; *s; s++)
                if (glob_match(p, s)) return true;
            return false;
        }
        if (!*s) return false;
        if (*p != '?' && tolower((unsigned char)*p) != tolower((unsigned char)*s)) return false;
        p++;
        s++;
    }
    return !*s;
}

/* A negated pattern that matches rules the whole line out. */
static bool words_match(char **w, int n, const char *alias)
{
    bool hit = false;
    for (int i = 0; i < n; i++) {
        bool neg = w[i][0] == '!';
        if (glob_match(w[i] + neg, alias)) {
            if (neg) return false;
            hit = true;
        }
    }
    return hit;
}

bool mt_ssh_host_matches(const char *patterns, const char *alias)
{
    char *w[256];
    int n = split_words(patterns, w, 256);
    if (n < 0) n = -n - 1;
    bool hit = words_match(w, n, alias);
    free_words(w, n);
    return hit;
}

/* ---- tokens ---------------------------------------------------------- */

char *mt_ssh_expand(const char *s, const struct mt_ssh_tokens *t)
{
    struct mt_buf b;
    mt_buf_init(&b);
    if (s[0] == '~' && (s[1] == '/' || !s[1]) && t->home) {
        mt_buf_adds(&b, t->home);
        s++;
    }
    for (; *s; s++) {
        const char *v = NULL;
        char num[16];
        if (*s != '%' || !s[1]) {
            mt_buf_addc(&b, *s);
            continue;
        }
        switch (s[1]) {
        case '%': v = "%"; break;
        case 'd': v = t->home; break;
        case 'u': v = t->local; break;
        case 'h': v = t->host; break;
        case 'r': v = t->user; break;
        case 'n': v = t->alias; break;
        case 'p': snprintf(num, sizeof(num), "%d", t->port ? t->port : 22); v = num; break;
        default: break;
        }
        if (!v) {
            mt_buf_addc(&b, *s);  /* unknown (or unset): kept as written */
            continue;
        }
        mt_buf_adds(&b, v);
        s++;
    }
    mt_buf_addc(&b, '\0');
    return mt_buf_detach(&b, NULL);
}

/* ---- the file -------------------------------------------------------- */

/* Whole file as a string; NULL when missing or unreadable. */
static char *read_text(const char *path)
{
    char *data = NULL;
    size_t len = 0;
    bool missing = false;
    struct mt_error err = {0};
    int rc = mt_file_read_config(path, MAX_CONFIG_BYTES, &data, &len, &missing, &err);
    mt_error_clear(&err);
    if (rc != 0 || missing || !data) {
        free(data);
        return NULL;
    }
    char *s = xstrndup(data, len);  /* a NUL inside ends the text */
    free(data);
    return s;
}

static void parse_text(struct parser *p, const char *text, const char *name, bool active, int depth);

static void include(struct parser *p, char **w, int n, const char *name, long line, bool active, int depth)
{
    if (depth >= MAX_INCLUDE_DEPTH) {
        note(p, "%s:%ld: Include nested too deeply, ignored", name, line);
        return;
    }
    for (int i = 1; i < n; i++) {
        struct mt_ssh_tokens t = {.home = p->home};
        char *path = mt_ssh_expand(w[i], &t);
        if (path[0] != '/') {
            char *abs = xasprintf("%s/.ssh/%s", p->home ? p->home : "", path);
            free(path);
            path = abs;
        }
        glob_t g;
        if (glob(path, 0, NULL, &g) == 0) {
            for (size_t k = 0; k < g.gl_pathc; k++) {
                if (++p->included > MAX_INCLUDED_FILES) {
                    if (p->included == MAX_INCLUDED_FILES + 1)
                        note(p, "%s:%ld: more than %d files included, the rest ignored", name, line,
                             MAX_INCLUDED_FILES);
                    break;
                }
                char *text = read_text(g.gl_pathv[k]);
                if (!text) {
                    note(p, "%s:%ld: cannot read Include %s", name, line, g.gl_pathv[k]);
                    continue;
                }
                /* the included file's Host lines end at its end */
                parse_text(p, text, g.gl_pathv[k], active, depth + 1);
                free(text);
            }
            globfree(&g);
        }
        free(path);
    }
}

static void set_str(char **dst, const char *v)
{
    if (!*dst) *dst = xstrdup(v);
}

static void apply(struct parser *p, const char *key, char **w, int n, const char *name, long line)
{
    struct mt_ssh_host *h = p->h;
    if (n < 2) return;
    if (!strcasecmp(key, "hostname")) {
        set_str(&h->hostname, w[1]);
    } else if (!strcasecmp(key, "user")) {
        set_str(&h->user, w[1]);
    } else if (!strcasecmp(key, "port")) {
        char *end;
        long v = strtol(w[1], &end, 10);
        if (*end || v < 1 || v > 65535) note(p, "%s:%ld: bad Port '%s', ignored", name, line, w[1]);
        else if (!h->port) h->port = (int)v;
    } else if (!strcasecmp(key, "identityfile")) {
        if (h->n_identity >= MAX_IDENTITIES) return;
        h->identity = xrealloc(h->identity, (h->n_identity + 1) * sizeof(*h->identity));
        h->identity[h->n_identity++] = xstrdup(w[1]);
    } else if (!strcasecmp(key, "identitiesonly")) {
        int v = !strcasecmp(w[1], "yes") || !strcasecmp(w[1], "true") ? 1
              : !strcasecmp(w[1], "no") || !strcasecmp(w[1], "false") ? 0 : -1;
        if (v < 0) note(p, "%s:%ld: bad IdentitiesOnly '%s', ignored", name, line, w[1]);
        else if (h->identities_only < 0) h->identities_only = v;
    }
}

static void parse_text(struct parser *p, const char *text, const char *name, bool active, int depth)
{
    long line = 0;
    bool in_match = false;
    const char *s = text;
    while (*s) {
        const char *eol = strchr(s, '\n');
        size_t len = eol ? (size_t)(eol - s) : strlen(s);
        char *l = xstrndup(s, len);
        s += len + (eol ? 1 : 0);
        line++;
        /* `key=value`: the first '=' (outside quotes) before the value */
        char *k = l;
        while (*k == ' ' || *k == '\t') k++;
        char *ke = k;
        while (*ke && *ke != ' ' && *ke != '\t' && *ke != '=' && *ke != '\r') ke++;
        char *rest = ke;
        while (*rest == ' ' || *rest == '\t') rest++;
        if (*rest == '=') *rest++ = ' ';
        char keyword[64];
        size_t kl = (size_t)(ke - k);
        if (kl == 0 || *k == '#' || kl >= sizeof(keyword)) {
            free(l);
            continue;
        }
        memcpy(keyword, k, kl);
        keyword[kl] = '\0';
        char *w[256];
        w[0] = xstrdup(keyword);
        int n = split_words(rest, w + 1, 255);
        if (n < 0) {
            note(p, "%s:%ld: unterminated quote, line ignored", name, line);
            free_words(w, -n);
            free(l);
            continue;
        }
        n++;
        if (!strcasecmp(keyword, "host")) {
            in_match = false;
            active = words_match(w + 1, n - 1, p->alias);
        } else if (!strcasecmp(keyword, "match")) {
            in_match = true;
            active = false;
            note(p, "%s:%ld: Match blocks are not supported, skipped", name, line);
        } else if (!in_match && active && !strcasecmp(keyword, "include")) {
            include(p, w, n, name, line, active, depth);
        } else if (!in_match && active) {
            apply(p, keyword, w, n, name, line);
        }
        free_words(w, n);
        free(l);
    }
}

void mt_ssh_config_parse(const char *text, const char *name, const char *alias,
                         const char *home, struct mt_ssh_host *h, mt_ssh_note_fn fn, void *ctx)
{
    struct parser p = {.alias = alias, .home = home, .h = h, .note = fn, .ctx = ctx};
    parse_text(&p, text, name, true, 0);
}

void mt_ssh_config_read(const char *path, const char *alias, const char *home,
                        struct mt_ssh_host *h, mt_ssh_note_fn fn, void *ctx)
{
    char *text = read_text(path);
    if (!text) return;
    mt_ssh_config_parse(text, path, alias, home, h, fn, ctx);
    free(text);
}
