/* url.c: redact the user-info of remote URLs, alone or inside messages. */
#include "memtui/base/url.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "memtui/base/util.h"

static bool is_scheme_char(char c)
{
    return isalnum((unsigned char)c) || c == '+' || c == '-' || c == '.';
}

/* Start of the scheme that ends at w[sep] ("://"); sep itself if none. */
static size_t scheme_start(const char *w, size_t sep)
{
    size_t s = sep;
    while (s > 0 && is_scheme_char(w[s - 1])) s--;
    while (s < sep && !isalpha((unsigned char)w[s])) s++;
    return s;
}

static bool is_ssh_scheme(const char *s, size_t n)
{
    static const char *const ssh[] = {"ssh", "ssh+git", "git+ssh", NULL};
    for (int i = 0; ssh[i]; i++)
        if (strlen(ssh[i]) == n && strncasecmp(s, ssh[i], n) == 0) return true;
    return false;
}

static const char *find_char(const char *s, const char *end, const char *set)
{
    for (; s < end; s++)
        if (strchr(set, *s)) return s;
    return end;
}

static const char *last_at(const char *s, const char *end)
{
    for (const char *p = end; p > s; p--)
        if (p[-1] == '@') return p - 1;
    return NULL;
}

/* The user-info of an authority at s: up to the last '@' before the path;
 * a raw '/' in a password (user:pa/ss@host) still counts as password, so
 * after a ':' the last '@' before the query counts. NULL if none. */
static const char *userinfo_end(const char *s, const char *end)
{
    const char *query = find_char(s, end, "?#");
    const char *slash = find_char(s, query, "/");
    const char *at = last_at(s, slash);
    if (at) return at;
    if (find_char(s, slash, ":") < slash) return last_at(slash, query);
    return NULL;
}

/* ssh keeps the account name and hides what follows its ':'; every other
 * kind hides the whole user-info (a lone user part can be a token). */
static void add_userinfo(struct mt_buf *b, const char *ui, size_t n, bool keep_user)
{
    const char *colon = keep_user ? memchr(ui, ':', n) : NULL;
    if (keep_user && !colon) {
        mt_buf_add(b, ui, n);
        return;
    }
    if (colon) mt_buf_add(b, ui, (size_t)(colon - ui) + 1);
    mt_buf_adds(b, MT_URL_SECRET_MARK);
}

/* scp-like user@host:path: the last '@' whose next ':' or '/' is a ':'
 * (user@host:...); NULL if w is not of that form. One pass from the end. */
static const char *scp_userinfo_end(const char *w, const char *end)
{
    const char *sep = NULL;   /* the nearest ':' or '/' right of p */
    for (const char *p = end; p > w; p--) {
        char c = p[-1];
        if (c == ':' || c == '/') sep = p - 1;
        else if (c == '@' && sep && *sep == ':') return p - 1;
    }
    return NULL;
}

static const char *next_scheme_sep(const char *p, const char *end)
{
    for (; p + 3 <= end; p++)
        if (memcmp(p, "://", 3) == 0) return p;
    return end;
}

/* Append w[0..n) (one word: no blanks or quotes) with the user-info of
 * every scheme URL in it redacted; when it holds none, as an scp-like URL.
 * Each URL is looked at only up to the next "://", so text of any size
 * (peers' data reaches messages) is scrubbed in linear time. */
static void scrub_word(struct mt_buf *b, const char *w, size_t n)
{
    const char *end = w + n, *done = w;
    bool found = false;
    for (const char *p = next_scheme_sep(w, end), *next; p < end; p = next) {
        next = next_scheme_sep(p + 3, end);
        size_t s = scheme_start(w, (size_t)(p - w));
        if (w + s == p) continue;
        found = true;
        const char *auth = p + 3, *ui_end = userinfo_end(auth, next);
        if (!ui_end) continue;
        mt_buf_add(b, done, (size_t)(auth - done));
        add_userinfo(b, auth, (size_t)(ui_end - auth), is_ssh_scheme(w + s, (size_t)(p - w) - s));
        done = ui_end;
    }
    const char *scp = found ? NULL : scp_userinfo_end(w, end);
    if (scp) {
        add_userinfo(b, w, (size_t)(scp - w), true);
        done = scp;
    }
    mt_buf_add(b, done, (size_t)(end - done));
}

char *mt_url_redact(const char *url)
{
    struct mt_buf b;
    mt_buf_init(&b);
    scrub_word(&b, url, strlen(url));
    return mt_buf_detach(&b, NULL);
}

static bool is_word_break(char c)
{
    return isspace((unsigned char)c) || strchr("\"'`<>", c);
}

char *mt_url_scrub_text(const char *text)
{
    struct mt_buf b;
    mt_buf_init(&b);
    const char *p = text;
    while (*p) {
        const char *w = p;
        while (*p && !is_word_break(*p)) p++;
        scrub_word(&b, w, (size_t)(p - w));
        if (*p) mt_buf_addc(&b, *p++);
    }
    return mt_buf_detach(&b, NULL);
}
