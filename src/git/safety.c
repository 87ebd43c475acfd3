/* safety.c: stash, backup branches, reset after backup, stale git locks. */
#include "memtui/git/safety.h"

#include <dirent.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "memtui/base/audit.h"
#include "memtui/git/git_error.h"

static void utc_stamp(char *buf, size_t n, const char *fmt)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    strftime(buf, n, fmt, &tm);
}

static int status_has_changes(git_repository *g, bool *dirty, struct mt_error *err)
{
    git_status_options so;
    git_status_options_init(&so, GIT_STATUS_OPTIONS_VERSION);
    so.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
    so.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS;
    git_status_list *sl;
    if (git_status_list_new(&sl, g, &so)) return mt_git_fail(err, -1, "status");
    *dirty = git_status_list_entrycount(sl) > 0;
    git_status_list_free(sl);
    return 0;
}

static int signature(git_repository *g, const char *env, git_signature **sig)
{
    if (git_signature_default(sig, g) == 0) return 0;
    char host[256] = "localhost";
    gethostname(host, sizeof host - 1);
    char *email = xasprintf("%s@%s", env, host);
    int rc = git_signature_now(sig, "memtui", email);
    free(email);
    return rc;
}

/* Does a symlink stand at rel, or at a folder on its way, in the work tree? */
static bool link_on_the_way(const char *workdir, const char *rel)
{
    char *p = xasprintf("%s%s", workdir, rel);
    bool found = false;
    for (char *s = p + strlen(workdir); !found; s++) {
        if (*s != '/' && *s) continue;
        char c = *s;
        *s = '\0';
        struct stat st;
        found = lstat(p, &st) == 0 && S_ISLNK(st.st_mode);
        *s = c;
        if (!c) break;
    }
    free(p);
    return found;
}

/* libgit2's stash puts HEAD's files back by opening their paths: through a
 * symlink that stands on disk where git has a file (or a folder), it would
 * write outside the repo. memtui's own paths are cleared before this
 * (mt_session_unlink_foreign_links); any other is the operator's, and is
 * refused with nothing touched. */
static int refuse_links_in_the_way(git_repository *g, struct mt_error *err)
{
    git_status_options so;
    git_status_options_init(&so, GIT_STATUS_OPTIONS_VERSION);
    so.show = GIT_STATUS_SHOW_WORKDIR_ONLY;
    git_status_list *sl;
    if (git_status_list_new(&sl, g, &so)) return mt_git_fail(err, -1, "status");
    const char *wd = git_repository_workdir(g);
    int rc = 0;
    for (size_t i = 0; i < git_status_list_entrycount(sl) && !rc; i++) {
        const git_status_entry *e = git_status_byindex(sl, i);
        const git_diff_delta *d = e->index_to_workdir;
        if (!d || !(e->status & (GIT_STATUS_WT_TYPECHANGE | GIT_STATUS_WT_DELETED)) ||
            d->old_file.mode == GIT_FILEMODE_LINK || !link_on_the_way(wd, d->old_file.path))
            continue;
        mt_error_set(err, "%s in the backup repo's work tree is a symlink (or lies behind one) where git has a "
                          "file: stashing would write through it, outside the repo. Put the file back (git -C %s "
                          "checkout -- %s) or commit the link; nothing was touched",
                     d->old_file.path, wd, d->old_file.path);
        rc = -1;
    }
    git_status_list_free(sl);
    return rc;
}

int mt_stash_push(struct mt_repo *r, const char *env, bool *stashed, char oid[MT_OID_HEX], struct mt_error *err)
{
    git_repository *g = mt_repo_git(r);
    bool dirty = false;
    *stashed = false;
    oid[0] = '\0';
    if (git_repository_head_unborn(g) == 1) return 0;  /* nothing to stash against */
    if (status_has_changes(g, &dirty, err)) return -1;
    if (!dirty) return 0;
    if (refuse_links_in_the_way(g, err)) return -1;
    git_signature *sig;
    if (signature(g, env, &sig)) return mt_git_fail(err, -1, "stash: signature");
    char when[32];
    utc_stamp(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ");
    char *msg = xasprintf("memtui: %s %s: uncommitted changes kept before a sync", env, when);
    git_oid id;
    int rc = git_stash_save(&id, g, sig, msg, GIT_STASH_INCLUDE_UNTRACKED);
    git_signature_free(sig);
    if (rc) {
        free(msg);
        return mt_git_fail(err, -1, "stash");
    }
    git_oid_tostr(oid, MT_OID_HEX, &id);
    *stashed = true;
    mt_audit("stash", NULL, "stashed uncommitted changes of the backup repo as %.12s (\"%s\")", oid, msg);
    free(msg);
    return 0;
}

struct find_ctx {
    git_oid want;
    size_t index;
    bool found;
};

static int find_cb(size_t index, const char *message, const git_oid *id, void *payload)
{
    struct find_ctx *c = payload;
    (void)message;
    if (git_oid_equal(id, &c->want)) {
        c->index = index;
        c->found = true;
        return 1;
    }
    return 0;
}

int mt_stash_pop(struct mt_repo *r, const char *oid, struct mt_error *err)
{
    git_repository *g = mt_repo_git(r);
    struct find_ctx c = {.found = false};
    if (git_oid_fromstr(&c.want, oid)) return mt_git_fail(err, -1, "stash id");
    git_stash_foreach(g, find_cb, &c);
    if (!c.found) {
        mt_error_set(err, "stash %.12s is gone; nothing to re-apply", oid);
        return -1;
    }
    git_stash_apply_options ao;
    git_stash_apply_options_init(&ao, GIT_STASH_APPLY_OPTIONS_VERSION);
    ao.flags = GIT_STASH_APPLY_REINSTATE_INDEX;
    int rc = git_stash_apply(g, c.index, &ao);
    if (rc == 0) {
        /* An apply that leaves conflicts is no clean re-apply: the stash is
         * kept, and the half-applied files go back to HEAD. */
        git_index *idx;
        if (git_repository_index(&idx, g) == 0) {
            if (git_index_has_conflicts(idx)) rc = GIT_EMERGECONFLICT;
            git_index_free(idx);
        }
        if (rc) {
            git_object *head;
            if (git_revparse_single(&head, g, "HEAD") == 0) {
                git_checkout_options co;
                git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION);
                co.checkout_strategy = GIT_CHECKOUT_FORCE;
                git_reset(g, head, GIT_RESET_HARD, &co);
                git_object_free(head);
            }
            git_error_set_str(GIT_ERROR_STASH, "its changes conflict with the new state of the files");
        }
    }
    if (rc) {
        mt_git_fail(err, -1, "re-applying the stash");
        char *m = xasprintf("%s; the stash %.12s is kept (git stash list), nothing was dropped", err->msg, oid);
        mt_error_set(err, "%s", m);
        mt_audit("stash", NULL, "%s", m);
        free(m);
        return 1;
    }
    git_stash_drop(g, c.index);
    mt_audit("stash", NULL, "re-applied the stash %.12s", oid);
    return 0;
}

int mt_backup_branch(struct mt_repo *r, const char *env, const char *oid, char **name, struct mt_error *err)
{
    git_repository *g = mt_repo_git(r);
    git_oid id;
    git_commit *c;
    if (git_oid_fromstr(&id, oid) || git_commit_lookup(&c, g, &id)) return mt_git_fail(err, -1, "backup: commit");
    char stamp[32];
    utc_stamp(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ");
    git_reference *ref = NULL;
    char *branch = NULL;
    int rc = -1;
    for (int i = 0; i < 100 && rc; i++) {
        free(branch);
        branch = i ? xasprintf("memtui/backup/%s/%s-%d", env, stamp, i) : xasprintf("memtui/backup/%s/%s", env, stamp);
        rc = git_branch_create(&ref, g, branch, c, 0);
        if (rc && rc != GIT_EEXISTS) break;
    }
    git_commit_free(c);
    if (rc) {
        free(branch);
        return mt_git_fail(err, -1, "backup branch");
    }
    git_reference_free(ref);
    mt_audit("backup", json_object_new_string(branch), "kept %.12s on backup branch %s", oid, branch);
    if (name) *name = branch;
    else free(branch);
    return 0;
}

int mt_reset_to(struct mt_repo *r, const char *oid, struct mt_error *err)
{
    git_repository *g = mt_repo_git(r);
    git_oid id;
    git_object *target;
    if (git_oid_fromstr(&id, oid) || git_object_lookup(&target, g, &id, GIT_OBJECT_COMMIT))
        return mt_git_fail(err, -1, "reset: commit");
    git_checkout_options co;
    git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION);
    co.checkout_strategy = GIT_CHECKOUT_FORCE;
    int rc = git_reset(g, target, GIT_RESET_HARD, &co);
    git_object_free(target);
    return rc ? mt_git_fail(err, -1, "reset") : 0;
}

/* Does any process on this machine hold the file open? (git keeps its
 * .lock files open while it writes them.) */
bool mt_file_in_use(const char *path)
{
    char *real = realpath(path, NULL);
    if (!real) return false;
    bool found = false;
    DIR *proc = opendir("/proc");
    struct dirent *pe;
    while (proc && !found && (pe = readdir(proc))) {
        if (pe->d_name[0] < '0' || pe->d_name[0] > '9') continue;
        char *fddir = xasprintf("/proc/%s/fd", pe->d_name);
        DIR *fds = opendir(fddir);
        struct dirent *fe;
        while (fds && !found && (fe = readdir(fds))) {
            char *link = xasprintf("%s/%s", fddir, fe->d_name), target[4096];
            ssize_t n = readlink(link, target, sizeof target - 1);
            if (n > 0) {
                target[n] = '\0';
                found = strcmp(target, real) == 0;
            }
            free(link);
        }
        if (fds) closedir(fds);
        free(fddir);
    }
    if (proc) closedir(proc);
    free(real);
    return found;
}

/* Stale means: we hold the local lock (no other memtui works here), no
 * process has the file open, and it is not brand new. */
static void clear_if_stale(const char *path, double older_than_s)
{
    struct stat st;
    if (stat(path, &st) != 0) return;
    double age = difftime(time(NULL), st.st_mtime);
    if (age < older_than_s || mt_file_in_use(path)) {
        mt_audit("stale-lock", NULL, "%s exists and may be in use: left alone", path);
        return;
    }
    if (unlink(path) == 0) mt_audit("stale-lock", NULL, "removed %s left by a killed run (%.0f s old)", path, age);
}

static void walk_refs(const char *dir, double older_than_s)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' && (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2]))) continue;
        char *p = xasprintf("%s/%s", dir, de->d_name);
        struct stat st;
        size_t n = strlen(de->d_name);
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) walk_refs(p, older_than_s);
        else if (n > 5 && strcmp(de->d_name + n - 5, ".lock") == 0) clear_if_stale(p, older_than_s);
        free(p);
    }
    closedir(d);
}

void mt_clear_stale_git_locks(struct mt_repo *r, double older_than_s)
{
    const char *gd = mt_repo_gitdir(r);
    char *p = xasprintf("%sindex.lock", gd);
    clear_if_stale(p, older_than_s);
    free(p);
    p = xasprintf("%sHEAD.lock", gd);
    clear_if_stale(p, older_than_s);
    free(p);
    p = xasprintf("%spacked-refs.lock", gd);
    clear_if_stale(p, older_than_s);
    free(p);
    p = xasprintf("%srefs", gd);
    walk_refs(p, older_than_s);
    free(p);
}
