/* repo_remote.c: remotes (callbacks, credentials, connecting), fetch and
 * fast-forward. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "repo_internal.h"

#include <stdlib.h>
#include <string.h>

/* ---- remotes: callbacks ---------------------------------------------- */

/* After the operation: credentials the server took are stored by the
 * helpers (a refusal was seen by the callback; unreachable: not known). */
void repo_xfer_end(struct xfer *x, int rc)
{
    mt_https_auth_done(&x->https, rc != MT_REPO_UNREACHABLE);
    free(x->status);
    x->status = NULL;
}

void repo_xfer_free(struct xfer *x)
{
    free(x->status);
    x->status = NULL;
    mt_ssh_auth_free(x->ssh);
    x->ssh = NULL;
}

/* ssh: identities as OpenSSH offers them (auth_ssh.c); http(s): auth_https.c. */
static int cred_cb(git_credential **out, const char *url, const char *user_from_url,
                   unsigned int allowed, void *payload)
{
    struct xfer *x = payload;
    if (!url) return GIT_PASSTHROUGH;
    if (!mt_ssh_is_url(url)) return mt_https_auth_cred(&x->https, x->git, out, url, user_from_url, allowed);
    if (!x->ssh && !(x->ssh = mt_ssh_auth_new(url))) return GIT_PASSTHROUGH;
    return mt_ssh_auth_cred(x->ssh, out, user_from_url, allowed);
}

/* libgit2 checks ~/.ssh/known_hosts; this only says what to do when it fails. */
static int cert_cb(git_cert *cert, int valid, const char *host, void *payload)
{
    struct xfer *x = payload;
    return mt_ssh_auth_hostkey(x->ssh, cert, valid, host);
}

static int push_ref_cb(const char *refname, const char *status, void *payload)
{
    struct xfer *x = payload;
    if (!x->want || strcmp(refname, x->want) != 0) return 0;
    x->seen = true;
    if (status) {
        free(x->status);
        x->status = xstrdup(status);
    }
    return 0;
}

void repo_set_callbacks(git_remote_callbacks *cb, struct xfer *x)
{
    cb->credentials = cred_cb;
    cb->certificate_check = cert_cb;
    cb->push_update_reference = push_ref_cb;
    cb->payload = x;
}

/* A path remote's refs are listed one by one when connecting: a peer's
 * short-lived ref (a push's temporary under refs/memtui/) deleted in between
 * fails the listing with "reference not found", though nothing is wrong and
 * the remote is reachable. The listing is made again, a few times. */
enum { CONNECT_TRIES = 8 };

static bool path_remote(const char *url)
{
    if (!url) return false;
    if (strstr(url, "://")) return strncmp(url, "file://", 7) == 0;
    return url[0] == '/' || url[0] == '.' || !strchr(url, ':');   /* not host:path */
}

static bool listed_ref_vanished(git_remote *rem, int code)
{
    const git_error *e = git_error_last();   /* libgit2 1.5 says -1, not GIT_ENOTFOUND */
    return code < 0 && e && e->klass == GIT_ERROR_REFERENCE && path_remote(git_remote_url(rem));
}

/* Connects with the callbacks given and no redirect to another host:
 * libgit2 1.5.1 asks for credentials with the URL first given even after
 * following a redirect, so a token or a helper's password for one host
 * would be sent to wherever that host points (DESIGN 4, Authentication). */
int repo_connect_remote(git_remote *rem, git_direction dir, const git_remote_callbacks *cb)
{
    git_remote_connect_options o;
    if (git_remote_connect_options_init(&o, GIT_REMOTE_CONNECT_OPTIONS_VERSION) < 0) return -1;
    o.callbacks = *cb;
    o.follow_redirects = GIT_REMOTE_REDIRECT_NONE;
    git_error_clear();   /* the class tested below is this connect's */
    int rc = git_remote_connect_ext(rem, dir, &o);
    for (int i = 1; i < CONNECT_TRIES && listed_ref_vanished(rem, rc); i++) {
        git_remote_disconnect(rem);
        git_error_clear();
        rc = git_remote_connect_ext(rem, dir, &o);
    }
    return rc;
}

/* remote.<name>.<key> from a config snapshot; NULL if unset. Caller frees. */
char *repo_remote_config(git_repository *g, const char *name, const char *key)
{
    git_config *cfg = NULL;
    const char *val = NULL;
    char *k = xasprintf("remote.%s.%s", name, key);
    char *out = NULL;
    if (git_repository_config_snapshot(&cfg, g) == 0 && git_config_get_string(&val, cfg, k) == 0 &&
        val && *val)
        out = xstrdup(val);
    git_error_clear();
    git_config_free(cfg);
    free(k);
    return out;
}

/* An in-memory remote for remote `name`. Not git_remote_lookup: in libgit2
 * 1.5.1 its url.*.insteadOf pass leaks pcre2 match data (about 20 KB) for
 * every config entry, on every call, which a long-running TUI cannot afford.
 * So insteadOf is not applied. An ssh URL is resolved through ~/.ssh/config
 * for this connection only (x->ssh, for the direction `push` says); the
 * config keeps the user's URL. */
int repo_open_remote(git_repository *g, const char *name, git_remote **out, const char *op,
                     struct xfer *x, bool push, struct mt_error *err)
{
    git_remote_create_options o;
    char *url = repo_remote_config(g, name, "url");
    char *pushurl = repo_remote_config(g, name, "pushurl");
    char *spec = xasprintf("+refs/heads/*:refs/remotes/%s/*", name);
    int rc = 0;
    *out = NULL;
    if (!url) {
        mt_error_set(err, "%s: no remote named '%s' (remote.%s.url is not set)", op, name, name);
        rc = MT_REPO_NOTFOUND;
        goto out;
    }
    if (git_remote_create_options_init(&o, GIT_REMOTE_CREATE_OPTIONS_VERSION) < 0) {
        rc = mt_git_fail(err, MT_REPO_ERR, "%s: remote options", op);
        goto out;
    }
    o.repository = g;
    o.fetchspec = spec;  /* push updates refs/remotes/<name>/ through it */
    o.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF;
    if (git_remote_create_with_opts(out, url, &o) < 0) {
        rc = mt_git_fail(err, MT_REPO_ERR, "%s: remote %s", op, name);
        goto out;
    }
    struct mt_ssh_auth *fa = mt_ssh_auth_new(url), *pa = pushurl ? mt_ssh_auth_new(pushurl) : NULL;
    if ((fa && git_remote_set_instance_url(*out, mt_ssh_auth_url(fa)) < 0) ||
        (pushurl && git_remote_set_instance_pushurl(*out, pa ? mt_ssh_auth_url(pa) : pushurl) < 0)) {
        rc = mt_git_fail(err, MT_REPO_ERR, "%s: url of %s", op, name);
        git_remote_free(*out);
        *out = NULL;
    }
    mt_ssh_auth_free(x->ssh);
    x->ssh = push && pushurl ? pa : fa;
    mt_ssh_auth_free(push && pushurl ? fa : pa);
out:
    free(spec);
    free(pushurl);
    free(url);
    return rc;
}

/* ---- fetch / fast-forward -------------------------------------------- */

int repo_fetch_connect(git_repository *g, const char *remote, git_remote **rem, git_fetch_options *fo,
                       struct xfer *x, const char *op, struct mt_error *err)
{
    int rc = repo_open_remote(g, remote, rem, op, x, false, err);
    if (rc < 0) return rc;
    if (git_fetch_options_init(fo, GIT_FETCH_OPTIONS_VERSION) < 0) return mt_git_fail(err, MT_REPO_ERR, "%s", op);
    repo_set_callbacks(&fo->callbacks, x);
    fo->follow_redirects = GIT_REMOTE_REDIRECT_NONE;   /* see repo_connect_remote */
    fo->update_fetchhead = 0;
    fo->download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
    if (repo_connect_remote(*rem, GIT_DIRECTION_FETCH, &fo->callbacks) < 0)
        return mt_git_fail(err, MT_REPO_UNREACHABLE, "%s: cannot reach %s", op, git_remote_url(*rem));
    return 0;
}

static int fetch_progress_cb(const git_indexer_progress *st, void *payload)
{
    struct xfer *x = payload;
    x->progress(x->progress_ctx, st->received_objects, st->total_objects);
    return 0;
}

int mt_repo_fetch(struct mt_repo *r, const char *remote, struct mt_error *err)
{
    return mt_repo_fetch_tracking(r, remote, false, NULL, NULL, err);
}

int mt_repo_fetch_tracking(struct mt_repo *r, const char *remote, bool read_only, mt_fetch_progress_fn progress,
                           void *ctx, struct mt_error *err)
{
    git_remote *rem = NULL;
    git_fetch_options fo;
    struct xfer x = {.git = r->git, .progress = progress, .progress_ctx = ctx};
    char *op = xasprintf("fetch %s", remote);
    int rc = repo_open_remote(r->git, remote, &rem, op, &x, false, err);
    if (rc < 0) goto out;
    if (git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION) < 0) {
        rc = mt_git_fail(err, MT_REPO_ERR, "%s", op);
        goto out;
    }
    repo_set_callbacks(&fo.callbacks, &x);
    fo.follow_redirects = GIT_REMOTE_REDIRECT_NONE;   /* see repo_connect_remote */
    if (progress) fo.callbacks.transfer_progress = fetch_progress_cb;
    if (read_only) {   /* only the remote-tracking refs may move */
        fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
        fo.update_fetchhead = 0;
    }
    /* Connect first: a refused connection is reported with an OS error class,
     * so only this step tells "unreachable" from a local failure. */
    if (repo_connect_remote(rem, GIT_DIRECTION_FETCH, &fo.callbacks) < 0) {
        rc = mt_git_fail(err, MT_REPO_UNREACHABLE, "%s: cannot reach %s", op, git_remote_url(rem));
        goto out;
    }
    /* NULL refspecs: the remote's own, all heads into refs/remotes/<remote>/ */
    if (git_remote_fetch(rem, NULL, &fo, "memtui: fetch") < 0) {
        rc = mt_git_fail(err, repo_net_error() ? MT_REPO_UNREACHABLE : MT_REPO_ERR, "%s", op);
        goto out;
    }
    rc = 0;
out:
    repo_xfer_end(&x, rc);
    git_remote_free(rem);
    repo_xfer_free(&x);
    free(op);
    return rc;
}

/* Safe checkout of commit id: refuses (GIT_ECONFLICT) to overwrite local changes. */
int repo_checkout_commit(struct mt_repo *r, const git_oid *id, const char *op, struct mt_error *err)
{
    git_commit *c = NULL;
    git_checkout_options co;
    if (git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION) < 0)
        return mt_git_fail(err, MT_REPO_ERR, "%s: checkout options", op);
    co.checkout_strategy = GIT_CHECKOUT_SAFE;
    if (git_commit_lookup(&c, r->git, id) < 0) return mt_git_fail(err, MT_REPO_ERR, "%s: read commit", op);
    int rc = git_checkout_tree(r->git, (const git_object *)c, &co);
    git_commit_free(c);
    if (rc == GIT_ECONFLICT)
        return mt_git_fail(err, MT_REPO_ERR,
                           "%s: local changes in the work tree would be overwritten "
                           "(commit or stash them first)", op);
    if (rc < 0) return mt_git_fail(err, MT_REPO_ERR, "%s: checkout", op);
    return 0;
}

int mt_repo_fast_forward(struct mt_repo *r, const char *remote, enum mt_ff_state *state,
                         struct mt_error *err)
{
    git_reference *local = NULL, *moved = NULL;
    git_oid theirs;
    char *branch = mt_repo_branch(r);
    char *lname = NULL, *tname = NULL, *op = NULL;
    int rc;
    *state = MT_FF_UP_TO_DATE;
    if (!branch) {
        mt_error_set(err, "fast-forward: HEAD is detached (not on a branch)");
        return MT_REPO_ERR;
    }
    op = xasprintf("fast-forward %s to %s/%s", branch, remote, branch);
    lname = xasprintf("refs/heads/%s", branch);
    tname = xasprintf("refs/remotes/%s/%s", remote, branch);

    rc = git_reference_name_to_id(&theirs, r->git, tname);
    if (rc == GIT_ENOTFOUND) {  /* the remote has no such branch yet */
        git_error_clear();
        rc = 0;
        goto out;
    }
    if (rc < 0) {
        rc = mt_git_fail(err, MT_REPO_ERR, "%s: read %s", op, tname);
        goto out;
    }
    rc = git_reference_lookup(&local, r->git, lname);
    if (rc == 0) {
        const git_oid *ours = git_reference_target(local);
        size_t ahead = 0, behind = 0;
        if (git_oid_equal(ours, &theirs)) goto out;
        if (git_graph_ahead_behind(&ahead, &behind, r->git, ours, &theirs) < 0) {
            rc = mt_git_fail(err, MT_REPO_ERR, "%s: compare histories", op);
            goto out;
        }
        if (ahead && behind) *state = MT_FF_DIVERGED;
        else if (ahead) *state = MT_FF_AHEAD;
        if (ahead || !behind) goto out;
    } else if (rc != GIT_ENOTFOUND) {
        rc = mt_git_fail(err, MT_REPO_ERR, "%s: read %s", op, lname);
        goto out;
    } else {
        git_error_clear();  /* unborn branch: everything on the remote is new */
    }

    /* Work tree first: if it refuses, the branch must not move. */
    if ((rc = repo_checkout_commit(r, &theirs, op, err)) < 0) goto out;
    char *log = xasprintf("memtui: fast-forward to %s/%s", remote, branch);
    if (local)
        rc = git_reference_set_target(&moved, local, &theirs, log);
    else
        rc = git_reference_create(&moved, r->git, lname, &theirs, 0, log);
    free(log);
    if (rc < 0) {
        rc = mt_git_fail(err, MT_REPO_ERR, "%s: move %s", op, lname);
        goto out;
    }
    *state = MT_FF_FORWARDED;
    rc = 0;
out:
    git_reference_free(moved);
    git_reference_free(local);
    free(branch);
    free(lname);
    free(tname);
    free(op);
    return rc;
}

char *mt_repo_remote_url(struct mt_repo *r, const char *remote)
{
    return repo_remote_config(r->git, remote, "url");
}
