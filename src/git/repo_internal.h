/* repo_internal.h: what the repo*.c files of src/git share (private; the
 * public promises are in include/memtui/git/repo.h). */
#ifndef MEMTUI_GIT_REPO_INTERNAL_H
#define MEMTUI_GIT_REPO_INTERNAL_H

#include <git2.h>
#include <stdbool.h>

#include "memtui/auth/auth_https.h"
#include "memtui/auth/auth_ssh.h"
#include "memtui/git/git_error.h"
#include "memtui/git/repo.h"

struct mt_repo {
    git_repository *git;
    char *workdir;  /* ends with '/' */
    char *gitdir;   /* ends with '/' */
    char *env;      /* for the fallback identity; NULL = "memtui" */
};

/* State shared with libgit2's callbacks for one network operation. */
struct xfer {
    int cred_step;      /* next credential source to offer */
    const char *want;   /* remote ref whose push status we wait for */
    bool seen;          /* push_update_reference reported `want` */
    char *status;       /* its rejection reason, NULL when accepted */
    bool check_old;     /* push_negotiation: `want` must be at `expect` */
    git_oid expect;     /* expected old value; zero = must not exist */
    bool mismatch;      /* the remote had `actual` instead */
    git_oid actual;
    struct mt_ssh_auth *ssh;     /* ssh: ~/.ssh/config, identities offered */
    git_repository *git;         /* whose config names credential helpers; NULL: none yet */
    struct mt_https_auth *https; /* http(s) credentials of this operation */
    mt_fetch_progress_fn progress;   /* fetch: objects received so far */
    void *progress_ctx;
};

/* repo.c */
/* MT_REPO_NOTFOUND for libgit2's not-found and unborn-branch codes, else dflt. */
int repo_code_of(int g, int dflt);
bool repo_net_error(void);
void repo_oid_hex(char out[MT_OID_HEX], const git_oid *id);
/* 40 hex digits into id, else MT_REPO_ERR with "<op>: not an object id". */
int repo_parse_oid(git_oid *id, const char *hex, const char *op, struct mt_error *err);
/* A new mt_repo around an open libgit2 repository (which it then owns). */
struct mt_repo *repo_wrap(git_repository *g);

/* repo_remote.c */
void repo_xfer_end(struct xfer *x, int rc);
void repo_xfer_free(struct xfer *x);
void repo_set_callbacks(git_remote_callbacks *cb, struct xfer *x);
int repo_connect_remote(git_remote *rem, git_direction dir, const git_remote_callbacks *cb);
char *repo_remote_config(git_repository *g, const char *name, const char *key);
int repo_open_remote(git_repository *g, const char *name, git_remote **out, const char *op,
                     struct xfer *x, bool push, struct mt_error *err);
/* Open remote `remote` for a fetch of chosen refs and connect: fo gets
 * memtui's callbacks, no redirect, no FETCH_HEAD, no tags. */
int repo_fetch_connect(git_repository *g, const char *remote, git_remote **rem, git_fetch_options *fo,
                       struct xfer *x, const char *op, struct mt_error *err);
int repo_checkout_commit(struct mt_repo *r, const git_oid *id, const char *op, struct mt_error *err);

/* repo_push.c */
char *repo_local_remote_path(const char *url);
bool repo_remote_unreachable(const char *url);

#endif
