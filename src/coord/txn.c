/* txn.c: lock, stash, follow the remote, lease, compare-and-swap push. */
#include "memtui/coord/txn.h"

#include <errno.h>
#include <git2.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "memtui/base/audit.h"
#include "memtui/base/fsutil.h"
#include "memtui/config/machine.h"
#include "memtui/git/safety.h"

static void lease_log(void *ctx, const char *event, const char *detail)
{
    (void)ctx;
    mt_audit("lease", json_object_new_string(event), "lease %s: %s", event, detail);
}

int mt_txn_begin(struct mt_txn *t, struct mt_session *s, struct mt_error *err)
{
    memset(t, 0, sizeof(*t));
    t->s = s;
    t->start = mt_monotonic();
    const struct mt_config *cfg = s->cfg;
    char *path = mt_lock_path(cfg->lock_file, mt_repo_gitdir(s->repo));
    struct mt_lock_holder h;
    if (mt_lock_holder(path, &h) && h.held)
        mt_audit("lock", NULL, "waiting for the local lock %s, held by %s on %s (pid %ld) since %s", path, h.env,
                 h.host, h.pid, h.since);
    int rc = mt_lock_acquire(path, cfg->lock_timeout, cfg->env, s->host, &t->lock, err);
    if (rc == MT_LOCK_TIMEOUT) {
        mt_audit("lock", NULL, "%s", err->msg);
        free(path);
        return MT_EXIT_LOCK;
    }
    if (rc) {
        free(path);
        return MT_EXIT_USAGE;
    }
    mt_audit("lock", NULL, "acquired the local lock %s", path);
    s->clone_locked = true;
    mt_trace("locked");
    free(path);
    mt_lease_set_log(lease_log, NULL);
    /* Holding the lock, no other memtui works in this clone: git lock files
     * left behind by a killed run can be judged. */
    mt_clear_stale_git_locks(s->repo, 0);
    mt_session_recover(s, err);
    mt_session_unlink_foreign_links(s);
    mt_trace("stale git locks checked");
    if (mt_stash_push(s->repo, cfg->env, &t->stashed, t->stash_oid, err)) {
        mt_txn_end(t);
        return MT_EXIT_VERIFY;
    }
    mt_trace("work tree checked");
    return MT_EXIT_OK;
}

static bool is_ancestor(struct mt_repo *r, const char *anc, const char *desc)
{
    git_oid a, d;
    if (git_oid_fromstr(&a, anc) || git_oid_fromstr(&d, desc)) return false;
    if (git_oid_equal(&a, &d)) return true;
    return git_graph_descendant_of(mt_repo_git(r), &d, &a) == 1;
}

/* The newest export of this env among the local commits that the remote
 * does not have (from head back to where it meets remote_tip): its commit
 * and the fragment blob it made; false when there is none. */
static bool unpublished_export(struct mt_session *s, const char *head, const char *remote_tip, git_oid *commit_out,
                               git_oid *blob_out)
{
    git_repository *g = mt_repo_git(s->repo);
    git_oid h, r, base;
    git_revwalk *w = NULL;
    bool found = false;
    if (git_oid_fromstr(&h, head) || git_oid_fromstr(&r, remote_tip) || git_revwalk_new(&w, g)) goto out;
    git_revwalk_sorting(w, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME);
    if (git_revwalk_push(w, &h)) goto out;
    if (git_merge_base(&base, g, &h, &r) == 0) git_revwalk_hide(w, &base);
    char *prefix = xasprintf("memtui export %s\n", s->cfg->env);
    char *path = xasprintf("memory-%s.json", s->cfg->env);
    git_oid id;
    while (!found && git_revwalk_next(&id, w) == 0) {
        git_commit *c = NULL;
        if (git_commit_lookup(&c, g, &id)) continue;
        const char *msg = git_commit_message(c);
        git_tree *tree = NULL;
        git_tree_entry *e = NULL;
        if (msg && strncmp(msg, prefix, strlen(prefix)) == 0 && git_commit_tree(&tree, c) == 0 &&
            git_tree_entry_bypath(&e, tree, path) == 0 && git_tree_entry_type(e) == GIT_OBJECT_BLOB) {
            git_oid_cpy(commit_out, &id);
            git_oid_cpy(blob_out, git_tree_entry_id(e));
            found = true;
        }
        git_tree_entry_free(e);
        git_tree_free(tree);
        git_commit_free(c);
    }
    free(prefix);
    free(path);
out:
    git_revwalk_free(w);
    git_error_clear();
    return found;
}

/* An export committed here but never pushed (--no-push, a failed push)
 * is this env's word: after moving to the remote's main it is committed
 * again on top, so the next merge publishes it instead of reporting
 * nothing to merge while it sits on a backup branch. */
static int replay_export(struct mt_session *s, const char *old_head, const char *remote_tip, struct mt_error *err)
{
    git_oid commit, blob;
    if (!old_head[0] || !unpublished_export(s, old_head, remote_tip, &commit, &blob)) return MT_EXIT_OK;
    char hex[MT_OID_HEX], now[MT_OID_HEX] = "";
    git_oid_tostr(hex, sizeof hex, &blob);
    char *name = xasprintf("memory-%s.json", s->cfg->env);
    if (s->head[0] && mt_repo_blob_id(s->repo, NULL, name, now, NULL)) now[0] = '\0';
    int rc = MT_EXIT_OK;
    if (strcmp(now, hex) != 0) {
        char *data = NULL;
        size_t len;
        const char *wip[] = {name};
        bool made = false;
        mt_session_wip_begin(s, wip, 1);
        if (mt_repo_blob_read(s->repo, hex, &data, &len, err) || mt_session_work_write(s, name, data, len, err)) {
            rc = MT_EXIT_VERIFY;
        } else {
            char c7[MT_OID_HEX];
            git_oid_tostr(c7, sizeof c7, &commit);
            char *msg = xasprintf("memtui export %s\n\nReplayed onto the remote's main: the export %.12s was "
                                  "never pushed.\n\nMemtui-Env: %s\nMemtui-Host: %s\nMemtui-Machine: %s\n",
                                  s->cfg->env, c7, s->cfg->env, s->host, mt_machine_id());
            const char *paths[] = {name};
            if (mt_repo_commit(s->repo, paths, 1, msg, &made, NULL, err)) rc = MT_EXIT_VERIFY;
            else mt_audit("replay", NULL, "the export %.12s of %s was never pushed: committed again on the remote's "
                          "main, to be published", c7, s->cfg->env);
            free(msg);
        }
        free(data);
        if (!rc) mt_session_wip_end(s);
    }
    free(name);
    return rc ? rc : mt_session_refresh(s, err);
}

int mt_txn_follow_remote(struct mt_txn *t, struct mt_error *err)
{
    struct mt_session *s = t->s;
    char *branch = mt_repo_branch(s->repo);
    char *ref = xasprintf("refs/heads/%s", branch ? branch : "main");
    free(branch);
    int rc = mt_repo_remote_ref(s->repo, s->cfg->remote, ref, t->remote_tip, err);
    free(ref);
    if (rc == MT_REPO_NOTFOUND) {
        mt_error_clear(err);
        t->remote_tip[0] = '\0';
        t->remote_known = true;
        return MT_EXIT_OK;
    }
    if (rc) return MT_EXIT_REMOTE;
    t->remote_known = true;
    char head[MT_OID_HEX] = "";
    if (mt_repo_head(s->repo, head, err) == MT_REPO_NOTFOUND) mt_error_clear(err);
    if (strcmp(head, t->remote_tip) == 0) {
        mt_session_import_published(s);
        return mt_session_refresh(s, err);
    }
    if (head[0] && is_ancestor(s->repo, t->remote_tip, head))
        return mt_session_refresh(s, err);  /* only local commits on top: they get pushed */
    if (head[0] && !is_ancestor(s->repo, head, t->remote_tip)) {
        /* Diverged: the local commits are kept on a ref before moving on,
         * and an import they made goes back: they were never published. */
        char *name = NULL;
        if (mt_backup_branch(s->repo, s->cfg->env, head, &name, err)) return MT_EXIT_VERIFY;
        mt_audit("replay", NULL, "main moved on the remote; local commits kept on %s, rebuilding on %.12s", name,
                 t->remote_tip);
        free(name);
        if (mt_session_import_undo(s, err)) return MT_EXIT_VERIFY;
    } else {
        mt_session_import_published(s);  /* behind: the remote has every local commit */
    }
    const char *all[] = {"*"};
    mt_session_wip_begin(s, all, 1);
    /* A failed move (disk full, I/O error) keeps the note: the next run
     * puts memtui's files back as HEAD has them before anything else. */
    if (mt_reset_to(s->repo, t->remote_tip, err)) return MT_EXIT_VERIFY;
    mt_session_wip_end(s);
    rc = mt_session_refresh(s, err);
    return rc ? rc : replay_export(s, head, t->remote_tip, err);
}

/* A lost lease's message names who has it now: the operator who broke
 * it, or the process that took it over (best effort: renew's own message
 * stays when the lease cannot be read). */
static void name_who_has_it(struct mt_txn *t, struct mt_error *err)
{
    struct mt_lease_info tip;
    struct mt_error e = {0};
    unsigned long long token = (unsigned long long)mt_lease_token(t->lease);
    if (mt_lease_read(t->s->repo, t->s->cfg->remote, NULL, &tip, &e) != 0) {
        mt_error_clear(&e);
        return;
    }
    if (tip.valid && tip.broke)
        mt_error_set(err, "the lease (token %llu) was broken by %s@%s pid %ld (its entry carries token %llu): "
                     "nothing published", token, tip.env, tip.host, tip.pid, (unsigned long long)tip.token);
    else if (tip.valid)
        mt_error_set(err, "the lease (token %llu) was lost: it is now %s by %s@%s pid %ld token %llu: nothing "
                     "published", token, tip.state == MT_LEASE_HELD ? "held" : "released", tip.env, tip.host,
                     tip.pid, (unsigned long long)tip.token);
    mt_lease_info_clear(&tip);
}

static int renew(struct mt_txn *t, struct mt_error *err)
{
    int rc = mt_lease_renew(t->lease, err);
    if (rc == 0) return MT_EXIT_OK;
    if (rc == MT_LEASE_LOST) {
        name_who_has_it(t, err);   /* renew logged the loss; err is the run's last word */
        mt_lease_abandon(t->lease);
        t->lease = NULL;
        return MT_EXIT_LOCK;
    }
    if (!mt_lease_valid(t->lease)) return MT_EXIT_REMOTE;
    /* Still ours until the deadline: the work goes on, and the failure is
     * not this run's error. */
    mt_audit("lease", NULL, "renewing the lease failed (%s); it stays ours for %.0f s more",
             err->msg ? err->msg : "?", mt_lease_remaining(t->lease));
    mt_error_clear(err);
    return MT_EXIT_OK;
}

int mt_txn_lease_confirm(struct mt_txn *t, struct mt_error *err)
{
    return t->lease ? renew(t, err) : MT_EXIT_OK;
}

int mt_txn_lease(struct mt_txn *t, struct mt_error *err)
{
    struct mt_session *s = t->s;
    const struct mt_config *cfg = s->cfg;
    if (t->lease) {
        if (mt_lease_remaining(t->lease) > mt_lease_ttl(t->lease) * 2.0 / 3.0) return MT_EXIT_OK;
        return renew(t, err);
    }
    double left = cfg->lock_timeout - (mt_monotonic() - t->start);
    if (left < 0) left = 0;
    struct mt_lease_acquire_opts opts = {.remote = cfg->remote,
                                         .env = cfg->env,
                                         .host = s->host,
                                         .ttl_seconds = (long)(cfg->lease_ttl + 0.5),
                                         .timeout_seconds = left,
                                         .waited = &t->lease_waited,
                                         .holder = &t->holder};
    free(t->holder);
    t->holder = NULL;
    int rc = mt_lease_acquire(s->repo, &opts, &t->lease, err);
    if (rc == MT_LEASE_TIMEOUT) return MT_EXIT_LOCK;
    if (rc == MT_REPO_UNREACHABLE) return MT_EXIT_REMOTE;
    if (rc) return MT_EXIT_VERIFY;
    return MT_EXIT_OK;
}

#define TOKEN_SEARCH_DEPTH 1000  /* commits of main searched for the newest merge */

/* The Memtui-Lease-Token of commit c when it is a memtui merge or restore
 * (UINT64_MAX for a value beyond any token); false when it has none. */
static bool merge_token(git_commit *c, uint64_t *token)
{
    const char *msg = git_commit_message(c);
    git_message_trailer_array tr = {0};
    bool found = false;
    if (!msg || (strncmp(msg, "memtui merge", 12) != 0 && strncmp(msg, "memtui restore", 14) != 0) ||
        git_message_trailers(&tr, msg) < 0) {
        git_error_clear();
        return false;
    }
    for (size_t i = 0; i < tr.count; i++) {
        const char *v = tr.trailers[i].value;
        if (strcmp(tr.trailers[i].key, "Memtui-Lease-Token") != 0 || strspn(v, "0123456789") != strlen(v) || !*v)
            continue;
        errno = 0;
        unsigned long long n = strtoull(v, NULL, 10);
        *token = errno == ERANGE || n > MT_LEASE_TOKEN_MAX ? UINT64_MAX : (uint64_t)n;
        found = true;
    }
    git_message_trailer_array_free(&tr);
    return found;
}

/* The token of the newest memtui merge on the first-parent history of tip
 * (within TOKEN_SEARCH_DEPTH commits); false when there is none. */
static bool newest_merge_token(struct mt_repo *r, const char *tip, char commit[MT_OID_HEX], uint64_t *token)
{
    git_oid id;
    bool found = false;
    if (!tip[0] || git_oid_fromstr(&id, tip)) return false;
    for (int depth = 0; !found && depth < TOKEN_SEARCH_DEPTH; depth++) {
        git_commit *c = NULL;
        if (git_commit_lookup(&c, mt_repo_git(r), &id)) break;
        if ((found = merge_token(c, token))) git_oid_tostr(commit, MT_OID_HEX, &id);
        bool more = git_commit_parentcount(c) > 0;
        if (more) git_oid_cpy(&id, git_commit_parent_id(c, 0));
        git_commit_free(c);
        if (!more) break;
    }
    git_error_clear();
    return found;
}

/* A merge never follows one with a higher token on main: that one's holder
 * took the lease over from us. Only the lease chain grants tokens, so a
 * higher token is checked against it (a renewal is a compare-and-swap on our
 * own entry): still ours means no holder ever had that token (a peer's
 * forged trailer, a lease branch started over) and it is no reason to stop. */
static int check_token_order(struct mt_txn *t, struct mt_error *err)
{
    char commit[MT_OID_HEX];
    uint64_t theirs = 0, ours = mt_lease_token(t->lease);
    if (!newest_merge_token(t->s->repo, t->remote_tip, commit, &theirs) || theirs <= ours) return MT_EXIT_OK;
    struct mt_error e = {0};
    int rc = mt_lease_renew(t->lease, &e);
    if (rc == 0) {
        mt_audit("lease", NULL, "main's merge %.12s carries lease token %s%llu, above ours (%llu), but the lease is "
                 "still ours: no holder had that token; publishing", commit, theirs == UINT64_MAX ? "beyond " : "",
                 (unsigned long long)(theirs == UINT64_MAX ? MT_LEASE_TOKEN_MAX : theirs),
                 (unsigned long long)ours);
        mt_error_clear(&e);
        return MT_EXIT_OK;
    }
    mt_error_set(err, "main already has merge %.12s with lease token %llu, above ours (%llu): %s; this merge was "
                 "not published", commit, (unsigned long long)theirs, (unsigned long long)ours,
                 rc == MT_LEASE_LOST ? "the lease was taken over" : e.msg ? e.msg : "the lease could not be checked");
    mt_audit("push", NULL, "%s", err->msg);
    mt_error_clear(&e);
    if (rc != MT_LEASE_LOST) return MT_EXIT_REMOTE;
    mt_lease_abandon(t->lease);
    t->lease = NULL;
    return MT_EXIT_LOCK;
}

int mt_txn_push(struct mt_txn *t, struct mt_error *err)
{
    struct mt_session *s = t->s;
    if (t->lease && !mt_lease_valid(t->lease)) {
        mt_error_set(err, "the lease (token %llu) ran out or was taken over before the push: this merge was not "
                     "published", (unsigned long long)mt_lease_token(t->lease));
        mt_audit("push", NULL, "%s", err->msg);
        return MT_EXIT_LOCK;
    }
    char head[MT_OID_HEX];
    if (mt_repo_head(s->repo, head, err)) return MT_EXIT_VERIFY;
    if (t->remote_known && strcmp(head, t->remote_tip) == 0) return MT_EXIT_OK;  /* nothing new */
    if (t->lease) {
        int orc = check_token_order(t, err);
        if (orc) return orc;
    }
    char *branch = mt_repo_branch(s->repo);
    char *ref = xasprintf("refs/heads/%s", branch ? branch : "main");
    free(branch);
    t->attempts++;
    int rc = mt_repo_push_cas(s->repo, s->cfg->remote, head, ref, t->remote_tip, err);
    struct json_object *f = json_object_new_object();
    json_object_object_add(f, "commit", json_object_new_string(head));
    json_object_object_add(f, "expected", json_object_new_string(t->remote_tip));
    json_object_object_add(f, "attempt", json_object_new_int(t->attempts));
    if (rc == 0) {
        mt_session_import_published(s);
        mt_audit("push", f, "pushed %.12s to %s %s", head, s->cfg->remote, ref);
        snprintf(t->remote_tip, sizeof t->remote_tip, "%s", head);
        snprintf(t->published, sizeof t->published, "%s", head);
    } else if (rc == MT_REPO_REJECTED) {
        mt_audit("push", f, "push of %.12s rejected (main moved on %s): will fetch, rebuild and retry", head,
                 s->cfg->remote);
        mt_error_clear(err);
    } else {
        mt_audit("push", f, "push failed: %s", err->msg ? err->msg : "?");
    }
    free(ref);
    if (rc == 0) return MT_EXIT_OK;
    return rc == MT_REPO_REJECTED ? 1 : MT_EXIT_REMOTE;
}

bool mt_txn_backoff(struct mt_txn *t)
{
    return mt_txn_backoff_for(t, t->start + t->s->cfg->lock_timeout);
}

bool mt_txn_backoff_for(struct mt_txn *t, double deadline)
{
    double left = deadline - mt_monotonic();
    if (left <= 0) return false;
    double d = 0.05 * (1 << (t->attempts < 5 ? t->attempts : 5));
    d *= 0.5 + (double)rand() / RAND_MAX;  /* jitter: racing machines spread out */
    if (d > left) d = left;
    struct timespec ts = {(time_t)d, (long)((d - (time_t)d) * 1e9)};
    nanosleep(&ts, NULL);
    return true;
}

/* A lease that could not be released is said so: it blocks every other
 * machine until its ttl runs out. */
static void release_lease(struct mt_txn *t)
{
    struct mt_error err = {0};
    unsigned long long token = (unsigned long long)mt_lease_token(t->lease);
    long ttl = mt_lease_ttl(t->lease);
    int rc = mt_lease_release(t->lease, &err);
    t->lease = NULL;
    if (rc == MT_LEASE_LOST && t->published[0])
        mt_audit("lease", NULL, "release: %s; published before that and kept: main %.12s, with lease token %llu",
                 err.msg ? err.msg : "?", t->published, token);
    else if (rc == MT_LEASE_LOST)
        mt_audit("lease", NULL, "release: %s", err.msg ? err.msg : "?");
    else if (rc)
        mt_audit("lease", NULL, "could not release the lease (token %llu): %s; it stays held until its ttl (%ld s) "
                 "runs out, or until a memtui on this host finds this process gone", token,
                 err.msg ? err.msg : "?", ttl);
    mt_error_clear(&err);
}

int mt_txn_end(struct mt_txn *t)
{
    int rc = MT_EXIT_OK;
    struct mt_error err = {0};
    if (t->lease) release_lease(t);
    if (t->stashed) {
        int prc = mt_stash_pop(t->s->repo, t->stash_oid, &err);
        if (prc) {
            mt_warn("%s", err.msg ? err.msg : "the stash could not be re-applied");
            t->stash_kept = true;
            rc = MT_EXIT_DEGRADED;
        }
        mt_error_clear(&err);
        t->stashed = false;
    }
    if (t->lock) {
        t->s->clone_locked = false;
        mt_lock_release(t->lock);
        mt_audit("lock", NULL, "released the local lock");
        t->lock = NULL;
    }
    mt_lease_set_log(NULL, NULL);
    free(t->holder);
    t->holder = NULL;
    return rc;
}
