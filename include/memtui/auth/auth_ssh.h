/* auth_ssh.h: ssh remotes as OpenSSH's client would reach them (DESIGN
 * 4, "ssh authentication"): ~/.ssh/config applied to the URL, the
 * identities offered in OpenSSH's order, the host key checked against
 * ~/.ssh/known_hosts with a message that says what to do.
 *
 * Promises: never prompts on a terminal; a passphrase (from SSH_ASKPASS)
 * goes only to libgit2 and is wiped; each identity is offered once; an
 * unknown or changed host key is never accepted. */
#ifndef MEMTUI_AUTH_SSH_H
#define MEMTUI_AUTH_SSH_H

#include <git2.h>
#include <stdbool.h>

struct mt_ssh_auth;

/* Is url an ssh URL (ssh://, ssh+git://, git+ssh://, scp-like host:path)? */
bool mt_ssh_is_url(const char *url);

/* The ssh side of one network operation on url (the user's URL, before
 * ~/.ssh/config); NULL when url is not an ssh URL. */
struct mt_ssh_auth *mt_ssh_auth_new(const char *url);
void mt_ssh_auth_free(struct mt_ssh_auth *a);

/* The URL libgit2 connects to: HostName, Port and User from ~/.ssh/config
 * applied (an scp-like path is relative to the login's home: /~/path). The
 * user's URL itself when no Host block changes them. */
const char *mt_ssh_auth_url(const struct mt_ssh_auth *a);

/* A git_credential_acquire_cb body: the next identity not yet offered;
 * GIT_EAUTH with a message naming every identity tried when none is left. */
int mt_ssh_auth_cred(struct mt_ssh_auth *a, git_credential **out, const char *user_from_url,
                     unsigned int allowed);

/* A git_transport_certificate_check_cb body: GIT_PASSTHROUGH when libgit2
 * found the key in ~/.ssh/known_hosts (or for a non-ssh certificate);
 * otherwise GIT_ECERTIFICATE, with the ssh-keyscan line to run for an
 * unknown host, and a warning without it for a changed key. */
int mt_ssh_auth_hostkey(const struct mt_ssh_auth *a, git_cert *cert, int valid, const char *host);

#endif
