/* url.h: remote URLs as they may be shown (DESIGN 4, "Secrets in remote
 * URLs").
 *
 * Promises: what these return never holds a password or token that the
 * input carried as URL user-info. The rule, by the kind of URL:
 *   - ssh (ssh://, ssh+git://, git+ssh:// and scp-like user@host:path): the
 *     user name is an account name (git, deploy) and stays; a password after
 *     it becomes "***": ssh://git:***@host/repo, git:***@host:repo.
 *   - every other scheme (https, http, git, file, ...): the whole user-info
 *     becomes "***", since a lone user part is often itself a token
 *     (https://TOKEN@github.com/...): "***@github.com/..." after the scheme.
 * Everything else (host, port, path, text around a URL) is kept as is. */
#ifndef MEMTUI_URL_H
#define MEMTUI_URL_H

#define MT_URL_SECRET_MARK "***"

/* url with its user-info redacted by the rule above; caller frees. */
char *mt_url_redact(const char *url);
/* text with the user-info of every URL found in it redacted (messages from
 * libgit2, errors naming a remote); caller frees. */
char *mt_url_scrub_text(const char *text);

#endif
