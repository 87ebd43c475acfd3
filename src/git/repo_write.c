/* repo_write.c: committing to the backup repository, blobs written on a
 * thread, and whether the work tree has changes. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "repo_internal.h"

#include "memtui/base/fsutil.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* user.name/user.email from config, else "memtui <env@host>" so that cron
 * on an unconfigured machine can still commit. */
static int make_signature(struct mt_repo *r, git_signature **sig, struct mt_error *err)
{
    if (git_signature_default(sig, r->git) == 0) return 0;
    git_error_clear();
    char host[256];
    if (gethostname(host, sizeof(host)) != 0 || !host[0]) snprintf(host, sizeof(host), "localhost");
    host[sizeof(host) - 1] = '\0';
    char *email = xasprintf("%s@%s", r->env ? r->env : "memtui", host);
    int rc = git_signature_now(sig, "memtui", email);
    free(email);
    if (rc < 0) return mt_git_fail(err, MT_REPO_ERR, "commit: make signature");
    return 0;
}

/* An index entry for a file whose blob is already written: the file's
 * stat data and the known id, so the file is not read and hashed again. */
static int stage_known(git_index *idx, const char *path, const struct stat *st, const char *blob)
{
    git_index_entry e;
    memset(&e, 0, sizeof(e));
    e.ctime.seconds = (int32_t)st->st_ctim.tv_sec;
    e.ctime.nanoseconds = (uint32_t)st->st_ctim.tv_nsec;
    e.mtime.seconds = (int32_t)st->st_mtim.tv_sec;
    e.mtime.nanoseconds = (uint32_t)st->st_mtim.tv_nsec;
    e.dev = (uint32_t)st->st_dev;
    e.ino = (uint32_t)st->st_ino;
    e.mode = (st->st_mode & 0111) ? GIT_FILEMODE_BLOB_EXECUTABLE : GIT_FILEMODE_BLOB;
    e.uid = (uint32_t)st->st_uid;
    e.gid = (uint32_t)st->st_gid;
    e.file_size = (uint32_t)st->st_size;
    e.path = path;
    if (git_oid_fromstr(&e.id, blob) < 0) return -1;
    return git_index_add(idx, &e);
}

static int stage_paths(struct mt_repo *r, git_index *idx, const char *const *paths, const char *const *blobs,
                       size_t npaths, struct mt_error *err)
{
    for (size_t i = 0; i < npaths; i++) {
        const char *p = paths[i];
        if (!mt_rel_path_valid(p)) {
            mt_error_set(err, "commit: invalid path '%s' (must be relative to the work tree)", p);
            return MT_REPO_ERR;
        }
        char *full = xasprintf("%s%s", r->workdir, p);
        struct stat st;
        bool exists = lstat(full, &st) == 0;
        int saved = errno;
        free(full);
        if (!exists && saved != ENOENT && saved != ENOTDIR) {
            mt_error_set(err, "commit: stat %s: %s", p, strerror(saved));
            return MT_REPO_ERR;
        }
        int rc;
        if (exists && blobs && blobs[i] && blobs[i][0] && S_ISREG(st.st_mode))
            rc = stage_known(idx, p, &st, blobs[i]);
        else
            rc = exists ? git_index_add_bypath(idx, p) : git_index_remove_bypath(idx, p);
        if (rc < 0) return mt_git_fail(err, MT_REPO_ERR, "commit: %s %s", exists ? "stage" : "unstage", p);
    }
    return 0;
}

int mt_repo_commit(struct mt_repo *r, const char *const *paths, size_t npaths,
                   const char *message, bool *made, char commit[MT_OID_HEX],
                   struct mt_error *err)
{
    return mt_repo_commit_known(r, paths, NULL, npaths, message, made, commit, err);
}

int mt_repo_commit_known(struct mt_repo *r, const char *const *paths, const char *const *blobs, size_t npaths,
                         const char *message, bool *made, char commit[MT_OID_HEX], struct mt_error *err)
{
    git_index *idx = NULL;
    git_commit *parent = NULL;
    git_tree *tree = NULL;
    git_signature *sig = NULL;
    git_oid tree_id, head_id, new_id;
    char *msg = NULL;
    int rc;
    if (made) *made = false;
    if (commit) commit[0] = '\0';

    if ((rc = git_repository_index(&idx, r->git)) < 0) {
        rc = mt_git_fail(err, MT_REPO_ERR, "commit: open index");
        goto out;
    }
    /* Pick up changes made to the index file since it was last loaded. */
    if ((rc = git_index_read(idx, 0)) < 0) {
        rc = mt_git_fail(err, MT_REPO_ERR, "commit: read index");
        goto out;
    }
    if ((rc = stage_paths(r, idx, paths, blobs, npaths, err)) < 0) goto out;
    if (git_index_write(idx) < 0 || git_index_write_tree(&tree_id, idx) < 0) {
        rc = mt_git_fail(err, MT_REPO_ERR, "commit: write index");
        goto out;
    }

    rc = git_reference_name_to_id(&head_id, r->git, "HEAD");
    if (rc == 0) {
        if ((rc = git_commit_lookup(&parent, r->git, &head_id)) < 0) {
            rc = mt_git_fail(err, MT_REPO_ERR, "commit: read HEAD commit");
            goto out;
        }
        if (git_oid_equal(&tree_id, git_commit_tree_id(parent))) {
            if (commit) repo_oid_hex(commit, &head_id);
            goto out;  /* nothing changed */
        }
    } else if (rc == GIT_ENOTFOUND || rc == GIT_EUNBORNBRANCH) {
        git_error_clear();
        rc = 0;
        if (git_index_entrycount(idx) == 0) goto out;  /* a first commit of nothing */
    } else {
        rc = mt_git_fail(err, MT_REPO_ERR, "commit: read HEAD");
        goto out;
    }

    if ((rc = make_signature(r, &sig, err)) < 0) goto out;
    if ((rc = git_tree_lookup(&tree, r->git, &tree_id)) < 0) {
        rc = mt_git_fail(err, MT_REPO_ERR, "commit: read tree");
        goto out;
    }
    size_t ml = strlen(message);
    msg = (ml && message[ml - 1] == '\n') ? xstrdup(message) : xasprintf("%s\n", message);
    const git_commit *parents[1] = {parent};
    /* update_ref "HEAD" also checks that HEAD still points at parent. */
    if ((rc = git_commit_create(&new_id, r->git, "HEAD", sig, sig, NULL, msg, tree,
                                parent ? 1 : 0, parents)) < 0) {
        rc = mt_git_fail(err, MT_REPO_ERR, "commit: create commit");
        goto out;
    }
    if (made) *made = true;
    if (commit) repo_oid_hex(commit, &new_id);
    rc = 0;
out:
    free(msg);
    git_signature_free(sig);
    git_tree_free(tree);
    git_commit_free(parent);
    git_index_free(idx);
    return rc;
}

struct mt_blob_job {
    pthread_t thread;
    bool started;
    char *gitdir;
    const void *data;
    size_t len;
    git_oid id;
    int rc;
};

static void *blob_job_run(void *arg)
{
    struct mt_blob_job *j = arg;
    git_repository *g = NULL;
    j->rc = MT_REPO_ERR;
    if (git_repository_open(&g, j->gitdir) == 0) {
        if (git_blob_create_from_buffer(&j->id, g, j->data, j->len) == 0) j->rc = 0;
        git_repository_free(g);
    }
    return NULL;
}

struct mt_blob_job *mt_repo_blob_job_start(struct mt_repo *r, const void *data, size_t len)
{
    struct mt_blob_job *j = xcalloc(1, sizeof(*j));
    j->gitdir = xstrdup(git_repository_path(r->git));
    j->data = data;
    j->len = len;
    j->rc = MT_REPO_ERR;
    j->started = pthread_create(&j->thread, NULL, blob_job_run, j) == 0;
    return j;
}

int mt_repo_blob_job_wait(struct mt_blob_job *j, char blob[MT_OID_HEX])
{
    if (!j) return MT_REPO_ERR;
    if (j->started) pthread_join(j->thread, NULL);
    int rc = j->rc;
    if (rc == 0 && blob) repo_oid_hex(blob, &j->id);
    free(j->gitdir);
    free(j);
    return rc;
}

int mt_repo_is_dirty(struct mt_repo *r, bool *dirty, struct mt_error *err)
{
    git_status_options so;
    git_status_list *list = NULL;
    *dirty = false;
    if (git_status_options_init(&so, GIT_STATUS_OPTIONS_VERSION) < 0)
        return mt_git_fail(err, MT_REPO_ERR, "status");
    so.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
    so.flags = GIT_STATUS_OPT_EXCLUDE_SUBMODULES;  /* untracked files are not asked for */
    if (git_status_list_new(&list, r->git, &so) < 0) return mt_git_fail(err, MT_REPO_ERR, "status");
    size_t n = git_status_list_entrycount(list);
    for (size_t i = 0; i < n && !*dirty; i++) {
        const git_status_entry *e = git_status_byindex(list, i);
        unsigned s = e->status & ~(unsigned)(GIT_STATUS_IGNORED | GIT_STATUS_WT_NEW);
        if (s != GIT_STATUS_CURRENT) *dirty = true;
    }
    git_status_list_free(list);
    return 0;
}
