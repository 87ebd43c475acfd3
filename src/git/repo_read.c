/* repo_read.c: reading refs, commits, trees and blobs of the backup repository. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "repo_internal.h"

#include <stdlib.h>
#include <string.h>

/* ---- refs and commits ------------------------------------------------ */

int mt_repo_head(struct mt_repo *r, char oid[MT_OID_HEX], struct mt_error *err)
{
    git_oid id;
    oid[0] = '\0';
    int rc = git_reference_name_to_id(&id, r->git, "HEAD");
    if (rc < 0) return mt_git_fail(err, repo_code_of(rc, MT_REPO_ERR), "read HEAD");
    repo_oid_hex(oid, &id);
    return 0;
}

char *mt_repo_branch(struct mt_repo *r)
{
    git_reference *head = NULL;
    char *name = NULL;
    if (git_reference_lookup(&head, r->git, "HEAD") < 0) {
        git_error_clear();
        return NULL;
    }
    if (git_reference_type(head) == GIT_REFERENCE_SYMBOLIC) {
        const char *t = git_reference_symbolic_target(head);
        if (t && strncmp(t, "refs/heads/", 11) == 0) name = xstrdup(t + 11);
    }
    git_reference_free(head);
    return name;
}

/* Commit named by rev (NULL = HEAD); MT_REPO_NOTFOUND for an unknown rev or
 * an unborn HEAD. */
static int resolve_commit(struct mt_repo *r, const char *rev, git_commit **out, const char *op,
                          struct mt_error *err)
{
    const char *spec = rev ? rev : "HEAD";
    git_object *obj = NULL;
    *out = NULL;
    int rc = git_revparse_single(&obj, r->git, spec);
    if (rc < 0) return mt_git_fail(err, repo_code_of(rc, MT_REPO_ERR), "%s: resolve %s", op, spec);
    rc = git_object_peel((git_object **)out, obj, GIT_OBJECT_COMMIT);
    git_object_free(obj);
    if (rc < 0) return mt_git_fail(err, MT_REPO_ERR, "%s: %s is not a commit", op, spec);
    return 0;
}

static enum mt_path_kind entry_kind(const git_tree_entry *e)
{
    switch (git_tree_entry_filemode(e)) {
    case GIT_FILEMODE_BLOB:
    case GIT_FILEMODE_BLOB_EXECUTABLE: return MT_PATH_FILE;
    case GIT_FILEMODE_LINK: return MT_PATH_SYMLINK;
    case GIT_FILEMODE_TREE: return MT_PATH_FOLDER;
    case GIT_FILEMODE_COMMIT: return MT_PATH_SUBMODULE;
    default: return MT_PATH_ODD;
    }
}

const char *mt_path_kind_name(enum mt_path_kind k)
{
    switch (k) {
    case MT_PATH_ABSENT: return "absent";
    case MT_PATH_FILE: return "a regular file";
    case MT_PATH_SYMLINK: return "a symlink (git mode 120000)";
    case MT_PATH_FOLDER: return "a folder (git mode 040000)";
    case MT_PATH_SUBMODULE: return "a submodule (git mode 160000)";
    case MT_PATH_ODD: break;
    }
    return "of an unknown kind";
}

/* Blob id of path in commit c; MT_REPO_NOTFOUND when absent or not a
 * regular file (a symlink's blob is its target's name: never read as data). */
static int commit_path_blob(git_commit *c, const char *path, git_oid *out, const char *op,
                            struct mt_error *err)
{
    git_tree *tree = NULL;
    git_tree_entry *e = NULL;
    int rc = git_commit_tree(&tree, c);
    if (rc < 0) return mt_git_fail(err, MT_REPO_ERR, "%s: read tree", op);
    rc = git_tree_entry_bypath(&e, tree, path);
    git_tree_free(tree);
    if (rc == GIT_ENOTFOUND) {
        git_error_clear();
        mt_error_set(err, "%s: no file %s in that commit", op, path);
        return MT_REPO_NOTFOUND;
    }
    if (rc < 0) return mt_git_fail(err, MT_REPO_ERR, "%s: look up %s", op, path);
    int res = 0;
    enum mt_path_kind kind = entry_kind(e);
    if (kind != MT_PATH_FILE) {
        mt_error_set(err, "%s: %s is %s, not a regular file", op, path, mt_path_kind_name(kind));
        res = MT_REPO_NOTFOUND;
    } else {
        git_oid_cpy(out, git_tree_entry_id(e));
    }
    git_tree_entry_free(e);
    return res;
}

static int path_blob(struct mt_repo *r, const char *rev, const char *path, git_oid *out,
                     const char *op, struct mt_error *err)
{
    git_commit *c = NULL;
    int rc = resolve_commit(r, rev, &c, op, err);
    if (rc < 0) return rc;
    rc = commit_path_blob(c, path, out, op, err);
    git_commit_free(c);
    return rc;
}

enum mt_path_kind mt_repo_path_kind(struct mt_repo *r, const char *rev, const char *path)
{
    git_commit *c = NULL;
    git_tree *tree = NULL;
    git_tree_entry *e = NULL;
    enum mt_path_kind kind = MT_PATH_ABSENT;
    struct mt_error ignored = {0};
    if (resolve_commit(r, rev, &c, "look up", &ignored) == 0 && git_commit_tree(&tree, c) == 0 &&
        git_tree_entry_bypath(&e, tree, path) == 0)
        kind = entry_kind(e);
    git_tree_entry_free(e);
    git_tree_free(tree);
    git_commit_free(c);
    mt_error_clear(&ignored);
    git_error_clear();
    return kind;
}

const char *mt_repo_not_regular(struct mt_repo *r, const char *rev, const char *path)
{
    enum mt_path_kind kind = mt_repo_path_kind(r, rev, path);
    return kind == MT_PATH_ABSENT || kind == MT_PATH_FILE ? NULL : mt_path_kind_name(kind);
}

int mt_repo_blob_id(struct mt_repo *r, const char *rev, const char *path, char blob[MT_OID_HEX],
                    struct mt_error *err)
{
    git_oid id;
    blob[0] = '\0';
    char *op = xasprintf("blob id of %s", path);
    int rc = path_blob(r, rev, path, &id, op, err);
    free(op);
    if (rc == 0) repo_oid_hex(blob, &id);
    return rc;
}

/* One allocation and one copy: fragments can be tens of megabytes. */
static int read_blob(struct mt_repo *r, const git_oid *id, char **data, size_t *len,
                     const char *op, struct mt_error *err)
{
    git_blob *b = NULL;
    *data = NULL;
    if (len) *len = 0;
    int rc = git_blob_lookup(&b, r->git, id);
    if (rc < 0) return mt_git_fail(err, repo_code_of(rc, MT_REPO_ERR), "%s: read blob", op);
    git_object_size_t sz = git_blob_rawsize(b);
    if (sz >= SIZE_MAX) {
        git_blob_free(b);
        mt_error_set(err, "%s: blob too large", op);
        return MT_REPO_ERR;
    }
    char *p = xmalloc((size_t)sz + 1);
    if (sz) memcpy(p, git_blob_rawcontent(b), (size_t)sz);
    p[sz] = '\0';
    git_blob_free(b);
    *data = p;
    if (len) *len = (size_t)sz;
    return 0;
}

int mt_repo_blob_read(struct mt_repo *r, const char *blob, char **data, size_t *len,
                      struct mt_error *err)
{
    git_oid id;
    *data = NULL;
    if (len) *len = 0;
    int rc = repo_parse_oid(&id, blob, "read blob", err);
    if (rc < 0) return rc;
    char *op = xasprintf("read blob %s", blob);
    rc = read_blob(r, &id, data, len, op, err);
    free(op);
    return rc;
}

int mt_repo_read_path(struct mt_repo *r, const char *rev, const char *path, char **data,
                      size_t *len, char blob[MT_OID_HEX], struct mt_error *err)
{
    git_oid id;
    *data = NULL;
    if (len) *len = 0;
    if (blob) blob[0] = '\0';
    char *op = xasprintf("read %s at %s", path, rev ? rev : "HEAD");
    int rc = path_blob(r, rev, path, &id, op, err);
    if (rc == 0) rc = read_blob(r, &id, data, len, op, err);
    free(op);
    if (rc == 0 && blob) repo_oid_hex(blob, &id);
    return rc;
}

int mt_repo_hash_bytes(const void *data, size_t len, char blob[MT_OID_HEX], struct mt_error *err)
{
    git_oid id;
    blob[0] = '\0';
    if (git_odb_hash(&id, len ? data : "", len, GIT_OBJECT_BLOB) < 0)
        return mt_git_fail(err, MT_REPO_ERR, "hash bytes");
    repo_oid_hex(blob, &id);
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int mt_repo_list_top(struct mt_repo *r, const char *rev, char ***names, size_t *n,
                     struct mt_error *err)
{
    git_commit *c = NULL;
    git_tree *tree = NULL;
    *names = NULL;
    *n = 0;
    if (!rev && git_repository_head_unborn(r->git) == 1) return 0;
    int rc = resolve_commit(r, rev, &c, "list files", err);
    if (rc < 0) return rc;
    rc = git_commit_tree(&tree, c);
    git_commit_free(c);
    if (rc < 0) return mt_git_fail(err, MT_REPO_ERR, "list files: read tree");
    size_t count = git_tree_entrycount(tree), k = 0;
    char **out = xcalloc(count + 1, sizeof(*out));
    for (size_t i = 0; i < count; i++) {
        out[k++] = xstrdup(git_tree_entry_name(git_tree_entry_byindex(tree, i)));
    }
    git_tree_free(tree);
    /* Tree order puts "a/" after "a.b"; we promise plain byte order. */
    qsort(out, k, sizeof(*out), cmp_names);
    *names = out;
    *n = k;
    return 0;
}

int mt_repo_commit_info(struct mt_repo *r, const char *rev, long long *when, char **summary,
                        char oid[MT_OID_HEX], struct mt_error *err)
{
    git_commit *c = NULL;
    if (when) *when = 0;
    if (summary) *summary = NULL;
    if (oid) oid[0] = '\0';
    int rc = resolve_commit(r, rev, &c, "commit info", err);
    if (rc < 0) return rc;
    if (when) *when = (long long)git_commit_time(c);
    if (summary) {
        const char *s = git_commit_summary(c);
        *summary = xstrdup(s ? s : "");
    }
    if (oid) repo_oid_hex(oid, git_commit_id(c));
    git_commit_free(c);
    return 0;
}

/* Did commit c change path relative to its first parent (or add it, as a root)? */
static int commit_changed_path(git_commit *c, const char *path, const char *op, bool *changed,
                               struct mt_error *err)
{
    git_oid mine, theirs;
    int rc = commit_path_blob(c, path, &mine, op, NULL);
    if (rc == MT_REPO_ERR) return commit_path_blob(c, path, &mine, op, err);
    bool have = rc == 0;
    if (git_commit_parentcount(c) == 0) {
        *changed = have;
        return 0;
    }
    git_commit *p = NULL;
    if (git_commit_parent(&p, c, 0) < 0) return mt_git_fail(err, MT_REPO_ERR, "%s: read parent", op);
    rc = commit_path_blob(p, path, &theirs, op, NULL);
    if (rc == MT_REPO_ERR) rc = commit_path_blob(p, path, &theirs, op, err);
    git_commit_free(p);
    if (rc == MT_REPO_ERR) return rc;
    bool phave = rc == 0;
    *changed = have != phave || (have && !git_oid_equal(&mine, &theirs));
    return 0;
}

int mt_repo_path_changes(struct mt_repo *r, const char *rev, const char *path, size_t max, size_t max_walk,
                         struct mt_path_change **out, size_t *n, struct mt_error *err)
{
    git_commit *start = NULL;
    git_revwalk *walk = NULL;
    git_oid id;
    size_t cap = 0, walked = 0;
    *out = NULL;
    *n = 0;
    char *op = xasprintf("changes of %s", path);
    int rc = resolve_commit(r, rev, &start, op, err);
    if (rc < 0) goto out;
    if (git_revwalk_new(&walk, r->git) < 0 || git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME) < 0 ||
        git_revwalk_push(walk, git_commit_id(start)) < 0) {
        rc = mt_git_fail(err, MT_REPO_ERR, "%s: walk history", op);
        goto out;
    }
    int g = 0;
    while (*n < max && (!max_walk || walked++ < max_walk) && (g = git_revwalk_next(&id, walk)) == 0) {
        git_commit *c = NULL;
        bool changed = false;
        if (git_commit_lookup(&c, r->git, &id) < 0) {
            rc = mt_git_fail(err, MT_REPO_ERR, "%s: read commit", op);
            goto out;
        }
        rc = commit_changed_path(c, path, op, &changed, err);
        if (rc == 0 && changed) {
            MT_GROW(*out, cap, *n + 1);
            struct mt_path_change *pc = &(*out)[(*n)++];
            repo_oid_hex(pc->commit, &id);
            pc->time = (long long)git_commit_time(c);
            pc->summary = xstrdup(git_commit_summary(c) ? git_commit_summary(c) : "");
        }
        git_commit_free(c);
        if (rc < 0) goto out;
    }
    if (g < 0 && g != GIT_ITEROVER) {
        rc = mt_git_fail(err, MT_REPO_ERR, "%s: walk history", op);
        goto out;
    }
    git_error_clear();
    if (!*n) {
        mt_error_set(err, "%s: no commit changed it", op);
        rc = MT_REPO_NOTFOUND;
    }
out:
    git_revwalk_free(walk);
    git_commit_free(start);
    free(op);
    return rc;
}

void mt_path_changes_free(struct mt_path_change *c, size_t n)
{
    for (size_t i = 0; i < n; i++) free(c[i].summary);
    free(c);
}

int mt_repo_last_change(struct mt_repo *r, const char *rev, const char *path, char oid[MT_OID_HEX], long long *when,
                        struct mt_error *err)
{
    struct mt_path_change *c = NULL;
    size_t n = 0;
    oid[0] = '\0';
    if (when) *when = 0;
    int rc = mt_repo_path_changes(r, rev, path, 1, 0, &c, &n, err);
    if (rc == 0 && n) {
        memcpy(oid, c[0].commit, MT_OID_HEX);
        if (when) *when = c[0].time;
    }
    mt_path_changes_free(c, n);
    return rc;
}
