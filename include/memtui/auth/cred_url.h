/* cred_url.h: a remote URL as git's credential code sees it, and which
 * credential.<url>.* config entries apply to it (DESIGN 4, "Authentication").
 *
 * Promises: parsing never fails on odd input (it returns -1); the password
 * part of a URL is never kept; matching follows git's urlmatch for the
 * common forms: the scheme must be equal, a user in the pattern must be the
 * URL's user, the host is compared without case and a "*" label in the
 * pattern matches one label, the port must be equal (a missing port is the
 * scheme's default), and the pattern's path must be the URL's path or a
 * prefix of it that ends at a '/'. A pattern without "://" names a host. */
#ifndef MEMTUI_CRED_URL_H
#define MEMTUI_CRED_URL_H

#include <stdbool.h>

struct mt_cred_url {
    char *protocol;  /* "https", lower case */
    char *user;      /* percent-decoded; NULL if the URL has none */
    char *host;      /* "host" or "host:port", as the helper protocol sends it */
    char *hostname;  /* without the port, lower case */
    char *port;      /* NULL when the URL names none */
    char *path;      /* percent-decoded, without the leading '/'; "" if none */
};

/* 0, or -1 when url is not scheme://[user[:password]@]host[:port][/path]. */
int mt_cred_url_parse(const char *url, struct mt_cred_url *out);
void mt_cred_url_free(struct mt_cred_url *u);
/* Does the <url> of a credential.<url>.<key> entry apply to u? */
bool mt_cred_url_matches(const char *pattern, const struct mt_cred_url *u);

#endif
