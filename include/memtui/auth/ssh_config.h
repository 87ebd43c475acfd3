/* ssh_config.h: what OpenSSH's client would use for one host, read from
 * ~/.ssh/config (DESIGN 4, "ssh authentication").
 *
 * Promises, as ssh_config(5) has them: Host blocks with patterns (* and ?,
 * !negation, several per line), the first value obtained wins (IdentityFile
 * entries add up), keywords in any case, `key value` or `key=value`, quoted
 * values, Include (~ and globs, relative to ~/.ssh). Match blocks are
 * skipped, with a note. Only HostName, Port, User, IdentityFile and
 * IdentitiesOnly are kept; other keywords are ignored. A missing file sets
 * nothing. */
#ifndef MEMTUI_SSH_CONFIG_H
#define MEMTUI_SSH_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

struct mt_ssh_host {
    char *hostname;       /* HostName as written (%h not expanded); NULL = unset */
    int port;             /* 0 = unset */
    char *user;           /* NULL = unset */
    char **identity;      /* IdentityFile entries as written, in order */
    size_t n_identity;
    int identities_only;  /* -1 unset, 0 no, 1 yes */
};

/* Values for `%` tokens and `~` in IdentityFile (and %h in HostName). */
struct mt_ssh_tokens {
    const char *home;   /* %d and ~ */
    const char *local;  /* %u: the local user */
    const char *host;   /* %h: the host name connected to */
    const char *user;   /* %r: the remote user */
    const char *alias;  /* %n: the name as given */
    int port;           /* %p */
};

/* Receives a note (a skipped Match block, an unreadable Include). */
typedef void (*mt_ssh_note_fn)(void *ctx, const char *msg);

void mt_ssh_host_init(struct mt_ssh_host *h);
void mt_ssh_host_free(struct mt_ssh_host *h);

/* Apply the config text (from file `name`, for notes) to h for `alias`.
 * home is the directory relative Include paths and ~ start from. */
void mt_ssh_config_parse(const char *text, const char *name, const char *alias,
                         const char *home, struct mt_ssh_host *h, mt_ssh_note_fn note, void *ctx);
/* The same from a file; a missing file leaves h as it is. */
void mt_ssh_config_read(const char *path, const char *alias, const char *home,
                        struct mt_ssh_host *h, mt_ssh_note_fn note, void *ctx);

/* Does `alias` match the patterns of one Host line (space-separated)? */
bool mt_ssh_host_matches(const char *patterns, const char *alias);

/* s with a leading ~/ and the tokens %d %u %h %r %n %p %% expanded (an
 * unknown token stays as written); caller frees. */
char *mt_ssh_expand(const char *s, const struct mt_ssh_tokens *t);

#endif
