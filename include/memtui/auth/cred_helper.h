/* cred_helper.h: git credential helpers: which apply to a URL (git config),
 * how each is run, and the key=value protocol they speak (DESIGN 4,
 * "Authentication").
 *
 * Promises: a helper starting with '!' (a shell command) is never turned
 * into a program to run; a name is the program git-credential-<name> from
 * git's exec path (/usr/lib/git-core, /usr/libexec/git-core) or PATH, an
 * absolute path is that program; the words after it are its arguments,
 * split on blanks (no shell, no quotes). A request never holds a value with
 * a newline; replies are read from untrusted text (any size, any bytes).
 * Passwords are zeroed before their memory is freed. */
#ifndef MEMTUI_CRED_HELPER_H
#define MEMTUI_CRED_HELPER_H

#include <stdbool.h>
#include <stddef.h>

#include "memtui/auth/cred_url.h"

/* The credential settings that apply to one URL. */
struct mt_cred_config {
    char **helpers;     /* credential.helper, in config order */
    size_t nhelpers;
    char *username;     /* credential.username */
    bool use_http_path; /* credential.useHttpPath */
};

/* Apply one config entry (name as libgit2 gives it: "credential.helper",
 * "credential.https://host/path.helper") when it is about u; in config
 * order, lowest priority first. An empty helper clears the list. */
void mt_cred_config_apply(struct mt_cred_config *c, const struct mt_cred_url *u, const char *name,
                          const char *value);
void mt_cred_config_free(struct mt_cred_config *c);

/* argv (NULL-terminated, caller frees with mt_cred_argv_free) to run
 * `helper` for `action` ("get", "store", "erase"); NULL with *why set
 * (static text) for a shell command or a program not found. */
char **mt_cred_helper_argv(const char *helper, const char *action, const char **why);
void mt_cred_argv_free(char **argv);
/* The helper's first word, for messages (caller frees). */
char *mt_cred_helper_name(const char *helper);
/* Where program `name` (no '/') is: git's exec path, then PATH; caller frees. */
char *mt_cred_find_program(const char *name);

/* A request: protocol, host, path (when use_path), username and password
 * when given, then a blank line. NULL if a value holds a newline. */
char *mt_cred_request(const struct mt_cred_url *u, bool use_path, const char *user, const char *password);

struct mt_cred_reply {
    char *username;
    char *password;
    bool quit;
};
/* username=, password= and quit= from a reply; other keys are ignored, a
 * blank line ends it. */
void mt_cred_reply_parse(const char *text, size_t len, struct mt_cred_reply *r);
void mt_cred_reply_free(struct mt_cred_reply *r);

/* Zero, then free, a NUL-terminated secret. */
void mt_secret_free(char *s);

#endif
