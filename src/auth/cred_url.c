/* cred_url.c: parse remote URLs and match credential.<url> config patterns. */
#include "memtui/auth/cred_url.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "memtui/base/util.h"

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* s[0..n) with %XX decoded; a NUL byte stays encoded (it would cut the string). */
static char *decode(const char *s, size_t n)
{
    char *out = xmalloc(n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < n && (hi = hexval((unsigned char)s[i + 1])) >= 0 &&
            (lo = hexval((unsigned char)s[i + 2])) >= 0 && (hi || lo)) {
            *o++ = (char)(hi * 16 + lo);
            i += 2;
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

static char *lower(char *s)
{
    for (char *p = s; *p; p++) *p = (char)tolower((unsigned char)*p);
    return s;
}

int mt_cred_url_parse(const char *url, struct mt_cred_url *out)
{
    memset(out, 0, sizeof(*out));
    const char *sep = url ? strstr(url, "://") : NULL;
    if (!sep || sep == url) return -1;
    for (const char *p = url; p < sep; p++)
        if (!isalnum((unsigned char)*p) && !strchr("+-.", *p)) return -1;
    const char *auth = sep + 3;
    const char *slash = auth + strcspn(auth, "/?#");
    /* the user-info ends at the last '@' before the path */
    const char *at = NULL;
    for (const char *p = auth; p < slash; p++)
        if (*p == '@') at = p;
    const char *hp = at ? at + 1 : auth;
    if (hp == slash) return -1;
    out->protocol = lower(xstrndup(url, (size_t)(sep - url)));
    if (at) {
        const char *colon = memchr(auth, ':', (size_t)(at - auth));
        out->user = decode(auth, (size_t)((colon ? colon : at) - auth));
    }
    out->host = xstrndup(hp, (size_t)(slash - hp));
    const char *pc = strrchr(out->host, ':');
    if (pc && !strchr(pc, ']')) {
        out->hostname = lower(xstrndup(out->host, (size_t)(pc - out->host)));
        if (pc[1]) out->port = xstrdup(pc + 1);
    } else {
        out->hostname = lower(xstrdup(out->host));
    }
    const char *path = *slash == '/' ? slash + 1 : slash;
    out->path = decode(path, strcspn(path, "?#"));
    return 0;
}

void mt_cred_url_free(struct mt_cred_url *u)
{
    free(u->protocol);
    free(u->user);
    free(u->host);
    free(u->hostname);
    free(u->port);
    free(u->path);
    memset(u, 0, sizeof(*u));
}

static const char *default_port(const char *protocol)
{
    if (!strcmp(protocol, "https")) return "443";
    if (!strcmp(protocol, "http")) return "80";
    return "";
}

/* Host names label by label; a "*" label of the pattern matches any one. */
static bool host_matches(const char *pat, const char *host)
{
    for (;;) {
        size_t pn = strcspn(pat, "."), hn = strcspn(host, ".");
        if (!(pn == 1 && *pat == '*') && (pn != hn || strncasecmp(pat, host, pn) != 0)) return false;
        pat += pn;
        host += hn;
        if (!*pat || !*host) return !*pat && !*host;
        pat++;
        host++;
    }
}

/* The pattern's path names the URL's path or a folder above it. */
static bool path_matches(const char *pat, const char *path)
{
    size_t n = strlen(pat);
    while (n && pat[n - 1] == '/') n--;
    if (!n) return true;
    return strncmp(pat, path, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

bool mt_cred_url_matches(const char *pattern, const struct mt_cred_url *u)
{
    struct mt_cred_url p;
    bool ok;
    if (!strstr(pattern, "://")) return host_matches(pattern, u->host);
    if (mt_cred_url_parse(pattern, &p) < 0) return false;
    const char *pport = p.port ? p.port : default_port(p.protocol);
    const char *uport = u->port ? u->port : default_port(u->protocol);
    ok = strcmp(p.protocol, u->protocol) == 0 && (!p.user || (u->user && strcmp(p.user, u->user) == 0)) &&
         host_matches(p.hostname, u->hostname) && strcmp(pport, uport) == 0 && path_matches(p.path, u->path);
    mt_cred_url_free(&p);
    return ok;
}
