/* repo_push.c: push, compare-and-swap of a remote ref (with its temporary
 * refs and the local-transport path), and reading a remote ref. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "repo_internal.h"

#include "memtui/base/audit.h"
#include "memtui/git/safety.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- push ------------------------------------------------------------ */

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Path of a remote that libgit2 serves through its local transport (a
 * file:// URL or an existing directory), else NULL. Caller frees. */
char *repo_local_remote_path(const char *url)
{
    if (strncmp(url, "file://", 7) == 0) {
        const char *p = url + 7;
        if (strncmp(p, "localhost/", 10) == 0) p += 9;
        if (*p != '/') return NULL;
        char *out = xmalloc(strlen(p) + 1), *o = out;
        for (; *p; p++) {
            int h, l;
            if (*p == '%' && (h = hexval(p[1])) >= 0 && (l = hexval(p[2])) >= 0) {
                *o++ = (char)(h * 16 + l);
                p += 2;
            } else {
                *o++ = *p;
            }
        }
        *o = '\0';
        return out;
    }
    if (strstr(url, "://")) return NULL;
    struct stat st;
    if (stat(url, &st) == 0 && S_ISDIR(st.st_mode)) return xstrdup(url);
    return NULL;
}

/* The local transport writes the remote ref without checking its old value,
 * so for such remotes memtui opens the remote repository itself. `old` is the
 * value the update is allowed to replace; a compare-and-swap of the final ref
 * update can build on it. */
struct local_remote {
    git_repository *repo;
    git_oid old;
    bool has_old;       /* false: the branch does not exist on the remote yet */
};

static int local_remote_open(struct local_remote *lr, const char *path, const char *refname,
                             const char *op, struct mt_error *err)
{
    memset(lr, 0, sizeof(*lr));
    if (git_repository_open(&lr->repo, path) < 0)
        return mt_git_fail(err, MT_REPO_UNREACHABLE, "%s: open remote repository %s", op, path);
    int rc = git_reference_name_to_id(&lr->old, lr->repo, refname);
    if (rc == 0) {
        lr->has_old = true;
    } else if (rc == GIT_ENOTFOUND) {
        git_error_clear();
    } else {
        return mt_git_fail(err, MT_REPO_ERR, "%s: read %s in %s", op, refname, path);
    }
    return 0;
}

static void local_remote_close(struct local_remote *lr)
{
    git_repository_free(lr->repo);
    lr->repo = NULL;
}

/* Refuse unless the remote tip is `id` or one of its ancestors. */
static int local_remote_check_ff(struct mt_repo *r, const struct local_remote *lr, const git_oid *id,
                                 const char *op, struct mt_error *err)
{
    if (!lr->has_old || git_oid_equal(&lr->old, id)) return 0;
    git_odb *odb = NULL;
    if (git_repository_odb(&odb, r->git) < 0) return mt_git_fail(err, MT_REPO_ERR, "%s: open odb", op);
    bool known = git_odb_exists(odb, &lr->old);
    git_odb_free(odb);
    int rc = known ? git_graph_descendant_of(r->git, id, &lr->old) : 0;
    if (rc < 0) return mt_git_fail(err, MT_REPO_ERR, "%s: compare histories", op);
    if (rc == 0) {
        char old[MT_OID_HEX];
        repo_oid_hex(old, &lr->old);
        mt_error_set(err, "%s: rejected: the remote branch moved to %.12s, which the local "
                     "branch does not contain (fetch and merge first)", op, old);
        return MT_REPO_REJECTED;
    }
    return 0;
}

/* Can a fetch connection be opened? Tells "could not reach it" from a
 * local failure after an operation failed. */
bool repo_remote_unreachable(const char *url)
{
    git_remote *rem = NULL;
    git_remote_callbacks cb;
    struct xfer x = {0};
    bool down = true;
    if (git_remote_init_callbacks(&cb, GIT_REMOTE_CALLBACKS_VERSION) < 0) return false;
    repo_set_callbacks(&cb, &x);
    x.ssh = mt_ssh_auth_new(url);
    if (git_remote_create_detached(&rem, x.ssh ? mt_ssh_auth_url(x.ssh) : url) == 0)
        down = repo_connect_remote(rem, GIT_DIRECTION_FETCH, &cb) < 0;
    repo_xfer_end(&x, down ? MT_REPO_UNREACHABLE : 0);
    git_remote_free(rem);
    repo_xfer_free(&x);
    return down;
}

/* Unique ref name under prefix: pid, monotonic nanoseconds and a counter. */
static char *unique_ref(const char *prefix)
{
    static unsigned seq;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    unsigned long long ns = (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
    return xasprintf("%s%ld-%llx-%u", prefix, (long)getpid(), ns, seq++);
}

static void short_oid(char out[MT_OID_HEX], const git_oid *id)
{
    if (!id || git_oid_is_zero(id)) snprintf(out, MT_OID_HEX, "(absent)");
    else git_oid_tostr(out, 13, id);
}

/* push_negotiation: libgit2 calls it with the value each remote ref had in
 * the server's advertisement, before anything is sent. Refuse when the ref
 * we update is not at the expected old value. The error this returns reaches
 * the caller of git_remote_upload unchanged, with a stale git_error_last(),
 * so the verdict is kept in the payload. */
static int negotiate_cb(const git_push_update **updates, size_t len, void *payload)
{
    struct xfer *x = payload;
    for (size_t i = 0; i < len; i++) {
        const git_push_update *u = updates[i];
        if (!x->want || !u->dst_refname || strcmp(u->dst_refname, x->want) != 0) continue;
        if (!git_oid_equal(&u->src, &x->expect)) {
            x->mismatch = true;
            git_oid_cpy(&x->actual, &u->src);
            git_error_set_str(GIT_ERROR_REFERENCE, "the remote ref is not at the expected value");
            return GIT_EUSER;
        }
    }
    return 0;
}

/* One push of `spec`; the push_update_reference status of x->want decides.
 * No tracking refs are written here (git_remote_upload, not _push): a
 * remote-tracking ref that another process holds locked must not turn an
 * accepted push into a failure. */
static int push_one(git_remote *rem, const char *url, const char *spec, struct xfer *x,
                    const char *op, struct mt_error *err)
{
    git_push_options po;
    char *s = xstrdup(spec);
    git_strarray specs = {&s, 1};
    int rc;
    if (git_push_options_init(&po, GIT_PUSH_OPTIONS_VERSION) < 0) {
        rc = mt_git_fail(err, MT_REPO_ERR, "%s: push options", op);
        goto out;
    }
    repo_set_callbacks(&po.callbacks, x);
    po.follow_redirects = GIT_REMOTE_REDIRECT_NONE;   /* see repo_connect_remote */
    if (x->check_old) po.callbacks.push_negotiation = negotiate_cb;
    /* libgit2 1.5.1 leaks its stream when a git:// receive-pack connection
     * fails (the upload-pack side frees it), so probe that direction first. */
    if (url && strncmp(url, "git://", 6) == 0 && repo_remote_unreachable(url)) {
        rc = mt_git_fail(err, MT_REPO_UNREACHABLE, "%s: cannot reach %s", op, url);
        goto out;
    }
    if (repo_connect_remote(rem, GIT_DIRECTION_PUSH, &po.callbacks) < 0) {
        rc = mt_git_fail(err, MT_REPO_UNREACHABLE, "%s: cannot reach %s", op, url ? url : "?");
        goto out;
    }
    rc = git_remote_upload(rem, &specs, &po);
    if (x->mismatch) {
        char have[MT_OID_HEX], want[MT_OID_HEX];
        git_error_clear();
        short_oid(have, &x->actual);
        short_oid(want, &x->expect);
        mt_error_set(err, "%s: rejected: %s on the remote is %s, expected %s", op, x->want, have, want);
        rc = MT_REPO_REJECTED;
    } else if (rc == GIT_ENONFASTFORWARD) {
        rc = mt_git_fail(err, MT_REPO_REJECTED, "%s: rejected (not a fast-forward)", op);
    } else if (rc < 0) {
        rc = mt_git_fail(err, repo_net_error() ? MT_REPO_UNREACHABLE : MT_REPO_ERR, "%s", op);
    } else if (x->status) {
        /* libgit2 returns 0 for a refused ref: only the callback knows. */
        mt_error_set(err, "%s: rejected by the remote: %s", op, x->status);
        rc = MT_REPO_REJECTED;
    } else if (!x->seen) {
        mt_error_set(err, "%s: the remote did not confirm the update of %s", op, x->want);
        rc = MT_REPO_REJECTED;
    } else {
        rc = 0;
    }
    git_remote_disconnect(rem);
out:
    free(s);
    return rc;
}

/* refs/remotes/<remote>/X follows an accepted push of refs/heads/X (id) or
 * a fetch that found it gone (id NULL). Best effort: the remote is the truth,
 * and a concurrent process may hold the tracking ref locked. */
static void set_tracking(struct mt_repo *r, const char *remote, const char *remote_ref,
                         const git_oid *id)
{
    if (strncmp(remote_ref, "refs/heads/", 11) != 0) return;
    char *t = xasprintf("refs/remotes/%s/%s", remote, remote_ref + 11);
    git_reference *ref = NULL;
    if (id) {
        git_reference_create(&ref, r->git, t, id, 1, "memtui: update by push or fetch");
        git_reference_free(ref);
    } else {
        git_reference_remove(r->git, t);
    }
    git_error_clear();
    free(t);
}

/* A process killed while it updated a ref of a local remote leaves the
 * ref's .lock file there, and every later update would be refused. It is
 * removed when provably stale: no process on this machine has it open and
 * it is older than any real update takes (a few milliseconds; 5 s here, to
 * be safe for a remote on a shared file system). */
static bool clear_stale_remote_lock(git_repository *rr, const char *remote_ref)
{
    char *lock = xasprintf("%s%s.lock", git_repository_path(rr), remote_ref);
    struct stat st;
    bool removed = false;
    if (stat(lock, &st) == 0 && difftime(time(NULL), st.st_mtime) >= 5 && !mt_file_in_use(lock) &&
        unlink(lock) == 0) {
        mt_audit("stale-lock", NULL, "removed %s, left on the remote by a killed run", lock);
        removed = true;
    }
    free(lock);
    return removed;
}

/* Compare-and-swap of remote_ref in a remote that is a local bare repository
 * (rr, opened by the caller), which libgit2's local transport would simply
 * overwrite: the objects travel through that transport to a temporary ref,
 * then git_reference_create_matching moves remote_ref under the ref's own
 * lock file only if it still holds `expect` (NULL: must not exist, spelled
 * as the zero id, which libgit2 1.5.1 matches against an absent ref). */
static int local_cas(struct mt_repo *r, git_remote *rem, const char *url, git_repository *rr,
                     const char *src, const git_oid *id, const char *remote_ref,
                     const git_oid *expect, bool rewrite, const char *op, struct mt_error *err)
{
    git_oid cur, zero;
    git_odb *odb = NULL;
    git_reference *ref = NULL;
    char *tmp = NULL, *spec = NULL;
    char a[MT_OID_HEX], b[MT_OID_HEX];
    bool has_cur = false;
    int rc;
    memset(&zero, 0, sizeof(zero));

    if (git_repository_is_bare(rr) != 1) {
        mt_error_set(err, "%s: the remote %s is not a bare repository", op, url);
        return MT_REPO_ERR;
    }
    rc = git_reference_name_to_id(&cur, rr, remote_ref);
    if (rc == 0) {
        has_cur = true;
    } else if (rc == GIT_ENOTFOUND) {
        git_error_clear();
    } else {
        return mt_git_fail(err, MT_REPO_ERR, "%s: read %s in %s", op, remote_ref, url);
    }
    /* Cheap early answer; the authoritative check is the one under the lock. */
    if (has_cur != (expect != NULL) || (expect && !git_oid_equal(&cur, expect))) {
        short_oid(a, has_cur ? &cur : NULL);
        short_oid(b, expect);
        mt_error_set(err, "%s: rejected: %s on the remote is %s, expected %s", op, remote_ref, a, b);
        return MT_REPO_REJECTED;
    }
    if (has_cur && git_oid_equal(&cur, id)) return 0;  /* already there */

    if (git_repository_odb(&odb, rr) < 0) return mt_git_fail(err, MT_REPO_ERR, "%s: open remote odb", op);
    if (!git_odb_exists(odb, id)) {
        struct xfer x = {0};
        tmp = unique_ref("refs/memtui/tmp/");
        spec = xasprintf("+%s:%s", src, tmp);
        x.want = tmp;
        rc = push_one(rem, url, spec, &x, op, err);
        repo_xfer_free(&x);
        if (rc < 0) goto out;
        git_odb_refresh(odb);
    }
    if (expect && !rewrite) {
        /* The same promise as over the network: never drop remote history. */
        rc = git_graph_descendant_of(rr, id, expect);
        if (rc < 0) {
            rc = mt_git_fail(err, MT_REPO_ERR, "%s: compare histories", op);
            goto out;
        }
        if (rc == 0) {
            mt_error_set(err, "%s: rejected (not a fast-forward)", op);
            rc = MT_REPO_REJECTED;
            goto out;
        }
    }
    rc = git_reference_create_matching(&ref, rr, remote_ref, id, 1, expect ? expect : &zero,
                                       "memtui: compare-and-swap push");
    if (rc == GIT_ELOCKED && clear_stale_remote_lock(rr, remote_ref)) {
        git_error_clear();
        rc = git_reference_create_matching(&ref, rr, remote_ref, id, 1, expect ? expect : &zero,
                                           "memtui: compare-and-swap push");
    }
    if (rc == GIT_EMODIFIED || rc == GIT_ENOTFOUND) {
        rc = mt_git_fail(err, MT_REPO_REJECTED, "%s: rejected: %s moved on the remote meanwhile", op,
                         remote_ref);
    } else if (rc == GIT_ELOCKED) {
        rc = mt_git_fail(err, MT_REPO_REJECTED,
                         "%s: rejected: %s is locked on the remote (a concurrent update, or a stale "
                         ".lock file)", op, remote_ref);
    } else if (rc < 0) {
        rc = mt_git_fail(err, MT_REPO_ERR, "%s: update %s in %s", op, remote_ref, url);
    }
out:
    if (tmp) {
        git_reference_remove(rr, tmp);
        git_error_clear();
    }
    git_reference_free(ref);
    git_odb_free(odb);
    free(spec);
    free(tmp);
    return rc;
}

int mt_repo_push(struct mt_repo *r, const char *remote, const char *branch, struct mt_error *err)
{
    git_remote *rem = NULL;
    struct local_remote lr = {0};
    struct xfer x = {.git = r->git};
    git_oid id;
    char *op = xasprintf("push %s to %s", branch, remote);
    char *refname = xasprintf("refs/heads/%s", branch);
    char *spec = xasprintf("%s:%s", refname, refname);  /* no '+': never forced */
    char *lpath = NULL;
    int valid = 0, rc;

    if (git_reference_name_is_valid(&valid, refname) < 0 || !valid) {
        git_error_clear();
        mt_error_set(err, "%s: invalid branch name", op);
        rc = MT_REPO_ERR;
        goto out;
    }
    if ((rc = git_reference_name_to_id(&id, r->git, refname)) < 0) {
        rc = mt_git_fail(err, repo_code_of(rc, MT_REPO_ERR), "%s: read %s", op, refname);
        goto out;
    }
    if ((rc = repo_open_remote(r->git, remote, &rem, op, &x, true, err)) < 0) goto out;
    const char *url = git_remote_pushurl(rem) ? git_remote_pushurl(rem) : git_remote_url(rem);
    if (url && (lpath = repo_local_remote_path(url))) {
        /* A fast-forward of what the remote has now, swapped in only if the
         * remote still has it when the ref is locked. */
        if ((rc = local_remote_open(&lr, lpath, refname, op, err)) < 0) goto out;
        if ((rc = local_remote_check_ff(r, &lr, &id, op, err)) < 0) goto out;
        rc = local_cas(r, rem, url, lr.repo, refname, &id, refname, lr.has_old ? &lr.old : NULL,
                       false, op, err);
    } else {
        x.want = refname;
        rc = push_one(rem, url, spec, &x, op, err);
    }
    if (rc == 0) set_tracking(r, remote, refname, &id);
out:
    local_remote_close(&lr);
    git_remote_free(rem);
    repo_xfer_end(&x, rc);
    repo_xfer_free(&x);
    free(lpath);
    free(spec);
    free(refname);
    free(op);
    return rc;
}

/* A full ref name ("refs/...") git takes, else MT_REPO_ERR. */
static int check_remote_ref(const char *remote_ref, const char *op, struct mt_error *err)
{
    int valid = 0;
    if (remote_ref && strncmp(remote_ref, "refs/", 5) == 0 && git_reference_name_is_valid(&valid, remote_ref) == 0 &&
        valid)
        return 0;
    git_error_clear();
    mt_error_set(err, "%s: invalid remote ref name", op);
    return MT_REPO_ERR;
}

static int push_cas(struct mt_repo *r, const char *remote, const char *local_oid_hex, const char *remote_ref,
                    const char *expect_old_hex, bool rewrite, struct mt_error *err)
{
    git_remote *rem = NULL;
    git_repository *rr = NULL;
    git_commit *c = NULL;
    git_reference *srcref = NULL;
    struct xfer x = {.git = r->git};
    git_oid id, expect;
    bool has_expect = expect_old_hex && *expect_old_hex;
    char *op = xasprintf("push %.12s to %s %s", local_oid_hex ? local_oid_hex : "(null)", remote,
                         remote_ref ? remote_ref : "(null)");
    char *src = NULL, *spec = NULL, *lpath = NULL;
    int rc;
    memset(&expect, 0, sizeof(expect));

    if ((rc = repo_parse_oid(&id, local_oid_hex, op, err)) < 0) goto out;
    if (has_expect && (rc = repo_parse_oid(&expect, expect_old_hex, op, err)) < 0) goto out;
    if ((rc = check_remote_ref(remote_ref, op, err)) < 0) goto out;
    if ((rc = git_commit_lookup(&c, r->git, &id)) < 0) {
        rc = mt_git_fail(err, repo_code_of(rc, MT_REPO_ERR), "%s: no such commit here", op);
        goto out;
    }
    if ((rc = repo_open_remote(r->git, remote, &rem, op, &x, true, err)) < 0) goto out;
    const char *url = git_remote_pushurl(rem) ? git_remote_pushurl(rem) : git_remote_url(rem);
    /* libgit2 1.5.1 cannot push a bare object id ("no such reference"): the
     * source of the refspec is a short-lived local ref. */
    src = unique_ref("refs/memtui/push/");
    if (git_reference_create(&srcref, r->git, src, &id, 1, NULL) < 0) {
        rc = mt_git_fail(err, MT_REPO_ERR, "%s: create %s", op, src);
        goto out;
    }
    if (url && (lpath = repo_local_remote_path(url))) {
        if (git_repository_open(&rr, lpath) < 0) {
            rc = mt_git_fail(err, MT_REPO_UNREACHABLE, "%s: open remote repository %s", op, lpath);
            goto out;
        }
        rc = local_cas(r, rem, url, rr, src, &id, remote_ref, has_expect ? &expect : NULL, rewrite, op, err);
    } else {
        /* The negotiation check refuses early; the server then checks the
         * old value we send against the ref under its lock (receive-pack). */
        spec = xasprintf("%s%s:%s", rewrite ? "+" : "", src, remote_ref);  /* forced only to rewrite */
        x.want = remote_ref;
        x.check_old = true;
        git_oid_cpy(&x.expect, &expect);
        rc = push_one(rem, url, spec, &x, op, err);
    }
    if (rc == 0) set_tracking(r, remote, remote_ref, &id);
out:
    if (srcref) {
        git_reference_delete(srcref);
        git_reference_free(srcref);
        git_error_clear();
    }
    git_repository_free(rr);
    git_remote_free(rem);
    git_commit_free(c);
    repo_xfer_end(&x, rc);
    repo_xfer_free(&x);
    free(lpath);
    free(spec);
    free(src);
    free(op);
    return rc;
}

int mt_repo_push_cas(struct mt_repo *r, const char *remote, const char *local_oid_hex,
                     const char *remote_ref, const char *expect_old_hex, struct mt_error *err)
{
    return push_cas(r, remote, local_oid_hex, remote_ref, expect_old_hex, false, err);
}

int mt_repo_push_cas_rewrite(struct mt_repo *r, const char *remote, const char *local_oid_hex,
                             const char *remote_ref, const char *expect_old_hex, struct mt_error *err)
{
    return push_cas(r, remote, local_oid_hex, remote_ref, expect_old_hex, true, err);
}

/* Deletion over a plain path: the ref file goes under its own lock only
 * while it still names `expect` (git_reference_delete checks the value it
 * was looked up with). */
static int local_delete(git_repository *rr, const char *remote_ref, const git_oid *expect, const char *op,
                        struct mt_error *err)
{
    git_reference *ref = NULL;
    int rc = git_reference_lookup(&ref, rr, remote_ref);
    if (rc == GIT_ENOTFOUND) {
        git_error_clear();
        return 0;   /* gone already: what was asked holds */
    }
    if (rc < 0) return mt_git_fail(err, MT_REPO_ERR, "%s: read %s", op, remote_ref);
    if (!git_reference_target(ref) || !git_oid_equal(git_reference_target(ref), expect)) {
        git_reference_free(ref);
        mt_error_set(err, "%s: rejected: %s moved on the remote", op, remote_ref);
        return MT_REPO_REJECTED;
    }
    rc = git_reference_delete(ref);
    git_reference_free(ref);
    if (rc == GIT_EMODIFIED || rc == GIT_ELOCKED)
        return mt_git_fail(err, MT_REPO_REJECTED, "%s: rejected: %s moved or is locked on the remote", op, remote_ref);
    return rc < 0 ? mt_git_fail(err, MT_REPO_ERR, "%s: delete %s", op, remote_ref) : 0;
}

int mt_repo_push_delete(struct mt_repo *r, const char *remote, const char *remote_ref, const char *expect_old_hex,
                        struct mt_error *err)
{
    git_remote *rem = NULL;
    git_repository *rr = NULL;
    struct xfer x = {.git = r->git};
    git_oid expect;
    char *op = xasprintf("delete %s on %s", remote_ref ? remote_ref : "(null)", remote);
    char *spec = NULL, *lpath = NULL;
    int rc;
    if ((rc = repo_parse_oid(&expect, expect_old_hex, op, err)) < 0) goto out;
    if ((rc = check_remote_ref(remote_ref, op, err)) < 0) goto out;
    if ((rc = repo_open_remote(r->git, remote, &rem, op, &x, true, err)) < 0) goto out;
    const char *url = git_remote_pushurl(rem) ? git_remote_pushurl(rem) : git_remote_url(rem);
    if (url && (lpath = repo_local_remote_path(url))) {
        if (git_repository_open(&rr, lpath) < 0)
            rc = mt_git_fail(err, MT_REPO_UNREACHABLE, "%s: open remote repository %s", op, lpath);
        else
            rc = local_delete(rr, remote_ref, &expect, op, err);
    } else {
        /* The negotiation refuses when the ref is not at `expect`; the
         * server checks the old value again under its lock. */
        spec = xasprintf(":%s", remote_ref);
        x.want = remote_ref;
        x.check_old = true;
        git_oid_cpy(&x.expect, &expect);
        rc = push_one(rem, url, spec, &x, op, err);
    }
out:
    git_repository_free(rr);
    git_remote_free(rem);
    repo_xfer_end(&x, rc);
    repo_xfer_free(&x);
    free(lpath);
    free(spec);
    free(op);
    return rc;
}

int mt_repo_remote_ref(struct mt_repo *r, const char *remote, const char *remote_ref,
                       char oid[MT_OID_HEX], struct mt_error *err)
{
    git_remote *rem = NULL;
    git_fetch_options fo;
    git_odb *odb = NULL;
    struct xfer x = {.git = r->git};
    const git_remote_head **heads = NULL;
    size_t nheads = 0;
    const git_oid *tip = NULL;
    char *op = xasprintf("fetch %s from %s", remote_ref ? remote_ref : "(null)", remote);
    char *spec = NULL;
    int valid = 0, rc;
    oid[0] = '\0';

    if (!remote_ref || strncmp(remote_ref, "refs/heads/", 11) != 0 ||
        git_reference_name_is_valid(&valid, remote_ref) < 0 || !valid) {
        git_error_clear();
        mt_error_set(err, "%s: not a branch ref (refs/heads/...)", op);
        rc = MT_REPO_ERR;
        goto out;
    }
    if ((rc = repo_fetch_connect(r->git, remote, &rem, &fo, &x, op, err)) < 0) goto out;
    if (git_remote_ls(&heads, &nheads, rem) < 0) {
        rc = mt_git_fail(err, repo_net_error() ? MT_REPO_UNREACHABLE : MT_REPO_ERR, "%s: list remote refs", op);
        goto out;
    }
    for (size_t i = 0; i < nheads && !tip; i++)
        if (strcmp(heads[i]->name, remote_ref) == 0) tip = &heads[i]->oid;
    if (!tip) {
        set_tracking(r, remote, remote_ref, NULL);
        mt_error_set(err, "%s: the remote has no %s", op, remote_ref);
        rc = MT_REPO_NOTFOUND;
        goto out;
    }
    repo_oid_hex(oid, tip);
    /* Download over the same connection, so the objects are those of the
     * advertisement just read; no FETCH_HEAD, and the tracking ref is written
     * by us, best effort (processes sharing a clone may contend for it). */
    spec = xasprintf("+%s:refs/remotes/%s/%s", remote_ref, remote, remote_ref + 11);
    git_strarray specs = {&spec, 1};
    if (git_remote_download(rem, &specs, &fo) < 0) {
        rc = mt_git_fail(err, repo_net_error() ? MT_REPO_UNREACHABLE : MT_REPO_ERR, "%s", op);
        oid[0] = '\0';
        goto out;
    }
    git_oid id;
    git_oid_cpy(&id, tip);
    if (git_repository_odb(&odb, r->git) < 0 || !git_odb_exists(odb, &id)) {
        rc = mt_git_fail(err, MT_REPO_ERR, "%s: the fetched commit %s is not in the local repository", op, oid);
        oid[0] = '\0';
        goto out;
    }
    set_tracking(r, remote, remote_ref, &id);
    rc = 0;
out:
    repo_xfer_end(&x, rc);
    git_odb_free(odb);
    git_remote_free(rem);
    repo_xfer_free(&x);
    free(spec);
    free(op);
    return rc;
}
