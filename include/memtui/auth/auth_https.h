/* auth_https.h: credentials for http(s) remotes, found the way git finds
 * them, without the git CLI (DESIGN 4, "Authentication").
 *
 * Promises: for one operation (one libgit2 credentials callback sequence)
 * the sources are tried in this order, each at most once: the URL's own
 * user and password (libgit2 presents them before asking), MEMTUI_GIT_TOKEN
 * (user from the URL, else x-access-token), each credential helper of git
 * config that applies to the URL (`get`), then the first of GIT_ASKPASS,
 * core.askPass, SSH_ASKPASS. A call after credentials were given means the
 * server refused them: the helpers are told to `erase` them and the next
 * source is tried; when none is left, GIT_EAUTH with a GIT_ERROR_HTTP
 * message naming the sources tried (never a secret). Credentials that came
 * from a helper or askpass and that the server accepted are given to the
 * helpers' `store` by mt_https_auth_done. Nothing prompts on the terminal,
 * nothing is written to the repository's config, secrets are zeroed after
 * use. */
#ifndef MEMTUI_AUTH_HTTPS_H
#define MEMTUI_AUTH_HTTPS_H

#include <git2.h>
#include <stdbool.h>

struct mt_https_auth;

/* The credentials callback for an http(s) URL. *st starts NULL and holds
 * the operation's state; repo (NULL before a clone exists) gives the
 * repository's config, else the default (global, XDG, system) is read. */
int mt_https_auth_cred(struct mt_https_auth **st, git_repository *repo, git_credential **out, const char *url,
                       const char *user_from_url, unsigned int allowed);
/* End of the operation: accepted = the server took the last credentials
 * given (the operation got past authentication). Frees *st. */
void mt_https_auth_done(struct mt_https_auth **st, bool accepted);

#endif
