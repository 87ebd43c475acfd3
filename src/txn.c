/* txn.c: lock, stash, follow the remote, lease, compare-and-swap push. */
#include "memtui/txn.h"

#include <git2.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "memtui/audit.h"
#include "memtui/fsutil.h"
#include "memtui/machine.h"
#include "memtui/safety.h"

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
    char *path = cfg->lock_file ? xstrdup(cfg->lock_file) : xasprintf("%smemtui.lock", mt_repo_gitdir(s->repo));
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

int mt_txn_lease(struct mt_txn *t, struct mt_error *err)
{
    struct mt_session *s = t->s;
    const struct mt_config *cfg = s->cfg;
    if (t->lease) {
        if (mt_lease_remaining(t->lease) > mt_lease_ttl(t->lease) * 2.0 / 3.0) return MT_EXIT_OK;
        int rc = mt_lease_renew(t->lease, err);
        if (rc == 0) return MT_EXIT_OK;
        if (rc == MT_LEASE_LOST) {
            mt_lease_abandon(t->lease);
            t->lease = NULL;
            return MT_EXIT_LOCK;
        }
        return mt_lease_valid(t->lease) ? MT_EXIT_OK : MT_EXIT_REMOTE;
    }
    double left = cfg->lock_timeout - (mt_monotonic() - t->start);
    if (left < 0) left = 0;
    int rc = mt_lease_acquire(s->repo, cfg->remote, NULL, cfg->env, s->host, 0, (long)(cfg->lease_ttl + 0.5), left,
                              &t->lease, err);
    if (rc == MT_LEASE_TIMEOUT) return MT_EXIT_LOCK;
    if (rc == MT_REPO_UNREACHABLE) return MT_EXIT_REMOTE;
    if (rc) return MT_EXIT_VERIFY;
    s->lease_token = (long long)mt_lease_token(t->lease);
    return MT_EXIT_OK;
}

int mt_txn_push(struct mt_txn *t, struct mt_error *err)
{
    struct mt_session *s = t->s;
    if (t->lease && !mt_lease_valid(t->lease)) {
        mt_error_set(err, "the lease (token %llu) ran out or was taken over before the push: nothing published",
                     (unsigned long long)mt_lease_token(t->lease));
        mt_audit("push", NULL, "%s", err->msg);
        return MT_EXIT_LOCK;
    }
    char head[MT_OID_HEX];
    if (mt_repo_head(s->repo, head, err)) return MT_EXIT_VERIFY;
    if (t->remote_known && strcmp(head, t->remote_tip) == 0) return MT_EXIT_OK;  /* nothing new */
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
    double left = t->s->cfg->lock_timeout - (mt_monotonic() - t->start);
    if (left <= 0) return false;
    double d = 0.05 * (1 << (t->attempts < 5 ? t->attempts : 5));
    d *= 0.5 + (double)rand() / RAND_MAX;  /* jitter: racing machines spread out */
    if (d > left) d = left;
    struct timespec ts = {(time_t)d, (long)((d - (time_t)d) * 1e9)};
    nanosleep(&ts, NULL);
    return true;
}

int mt_txn_end(struct mt_txn *t)
{
    int rc = MT_EXIT_OK;
    struct mt_error err = {0};
    if (t->lease) {
        if (mt_lease_release(t->lease, &err)) mt_audit("lease", NULL, "release: %s", err.msg ? err.msg : "?");
        mt_error_clear(&err);
        t->lease = NULL;
    }
    if (t->stashed) {
        int prc = mt_stash_pop(t->s->repo, t->stash_oid, &err);
        if (prc) {
            fprintf(stderr, "memtui: %s\n", err.msg ? err.msg : "the stash could not be re-applied");
            t->stash_kept = true;
            rc = MT_EXIT_DEGRADED;
        }
        mt_error_clear(&err);
        t->stashed = false;
    }
    if (t->lock) {
        mt_lock_release(t->lock);
        mt_audit("lock", NULL, "released the local lock");
        t->lock = NULL;
    }
    mt_lease_set_log(NULL, NULL);
    return rc;
}
