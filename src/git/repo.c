/* repo.c: the backup repository through libgit2 only (no git CLI, no shell). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "memtui/git/repo.h"

#include "memtui/base/audit.h"
#include "memtui/auth/auth_https.h"
#include "memtui/auth/auth_ssh.h"
#include "memtui/base/fsutil.h"
#include "memtui/git/remote_head.h"
#include "memtui/git/safety.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <git2.h>
#include <pthread.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAIN_BRANCH "main"
#define MAIN_REF "refs/heads/main"
#define ATTR_FILE ".gitattributes"
#define ATTR_TEXT "memory.json -merge\n"

struct mt_repo {
    git_repository *git;
    char *workdir;  /* ends with '/' */
    char *gitdir;   /* ends with '/' */
    char *env;      /* for the fallback identity; NULL = "memtui" */
};

/* ---- errors ---------------------------------------------------------- */

/* Set err to "<op>: <libgit2 reason>" and return code. */
static int gfail(struct mt_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int gfail(struct mt_error *err, int code, const char *fmt, ...)
{
    const git_error *ge = git_error_last();
    struct mt_error op = {0};
    va_list ap;
    va_start(ap, fmt);
    mt_error_setv(&op, fmt, ap);
    va_end(ap);
    mt_error_set(err, "%s: %s", op.msg,
                 ge && ge->message ? ge->message : "unknown libgit2 error");
    mt_error_clear(&op);
    git_error_clear();
    return code;
}

static int code_of(int g, int dflt)
{
    return (g == GIT_ENOTFOUND || g == GIT_EUNBORNBRANCH) ? MT_REPO_NOTFOUND : dflt;
}

/* Failures that mean "could not talk to the remote" rather than a local fault. */
static bool net_error(void)
{
    const git_error *e = git_error_last();
    return e && (e->klass == GIT_ERROR_NET || e->klass == GIT_ERROR_SSH ||
                 e->klass == GIT_ERROR_HTTP || e->klass == GIT_ERROR_SSL);
}

static void oid_hex(char out[MT_OID_HEX], const git_oid *id)
{
    git_oid_tostr(out, MT_OID_HEX, id);
}

static int parse_oid(git_oid *id, const char *hex, const char *op, struct mt_error *err)
{
    if (!hex || strlen(hex) != 40 || git_oid_fromstr(id, hex) < 0) {
        git_error_clear();
        mt_error_set(err, "%s: not an object id: '%s'", op, hex ? hex : "(null)");
        return MT_REPO_ERR;
    }
    return 0;
}

/* ---- process-wide set-up --------------------------------------------- */

void mt_repo_global_init(void)
{
    git_libgit2_init();
    /* A power cut must not leave a ref pointing at an object never synced. */
    git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 1);
}

void mt_repo_global_shutdown(void)
{
    git_libgit2_shutdown();
}

/* ---- open / close ---------------------------------------------------- */

static struct mt_repo *wrap(git_repository *g)
{
    struct mt_repo *r = xcalloc(1, sizeof(*r));
    r->git = g;
    r->workdir = xstrdup(git_repository_workdir(g) ? git_repository_workdir(g) : "");
    r->gitdir = xstrdup(git_repository_path(g));
    return r;
}

int mt_repo_open(const char *dir, struct mt_repo **out, struct mt_error *err)
{
    git_repository *g = NULL;
    *out = NULL;
    /* NO_SEARCH: never silently pick up a repository in a parent folder. */
    int rc = git_repository_open_ext(&g, dir, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
    if (rc < 0) return gfail(err, code_of(rc, MT_REPO_ERR), "open repository %s", dir);
    if (git_repository_is_bare(g)) {
        git_repository_free(g);
        mt_error_set(err, "open repository %s: is a bare repository (a work tree is needed)", dir);
        return MT_REPO_ERR;
    }
    *out = wrap(g);
    return 0;
}

void mt_repo_close(struct mt_repo *r)
{
    if (!r) return;
    git_repository_free(r->git);
    free(r->workdir);
    free(r->gitdir);
    free(r->env);
    free(r);
}

const char *mt_repo_workdir(const struct mt_repo *r) { return r->workdir; }
const char *mt_repo_gitdir(const struct mt_repo *r) { return r->gitdir; }
struct git_repository *mt_repo_git(struct mt_repo *r) { return r->git; }

/* ---- refs and commits ------------------------------------------------ */

int mt_repo_head(struct mt_repo *r, char oid[MT_OID_HEX], struct mt_error *err)
{
    git_oid id;
    oid[0] = '\0';
    int rc = git_reference_name_to_id(&id, r->git, "HEAD");
    if (rc < 0) return gfail(err, code_of(rc, MT_REPO_ERR), "read HEAD");
    oid_hex(oid, &id);
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
    if (rc < 0) return gfail(err, code_of(rc, MT_REPO_ERR), "%s: resolve %s", op, spec);
    rc = git_object_peel((git_object **)out, obj, GIT_OBJECT_COMMIT);
    git_object_free(obj);
    if (rc < 0) return gfail(err, MT_REPO_ERR, "%s: %s is not a commit", op, spec);
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
    if (rc < 0) return gfail(err, MT_REPO_ERR, "%s: read tree", op);
    rc = git_tree_entry_bypath(&e, tree, path);
    git_tree_free(tree);
    if (rc == GIT_ENOTFOUND) {
        git_error_clear();
        mt_error_set(err, "%s: no file %s in that commit", op, path);
        return MT_REPO_NOTFOUND;
    }
    if (rc < 0) return gfail(err, MT_REPO_ERR, "%s: look up %s", op, path);
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
    if (rc == 0) oid_hex(blob, &id);
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
    if (rc < 0) return gfail(err, code_of(rc, MT_REPO_ERR), "%s: read blob", op);
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
    int rc = parse_oid(&id, blob, "read blob", err);
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
    if (rc == 0 && blob) oid_hex(blob, &id);
    return rc;
}

int mt_repo_hash_bytes(const void *data, size_t len, char blob[MT_OID_HEX], struct mt_error *err)
{
    git_oid id;
    blob[0] = '\0';
    if (git_odb_hash(&id, len ? data : "", len, GIT_OBJECT_BLOB) < 0)
        return gfail(err, MT_REPO_ERR, "hash bytes");
    oid_hex(blob, &id);
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
    if (rc < 0) return gfail(err, MT_REPO_ERR, "list files: read tree");
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
    if (oid) oid_hex(oid, git_commit_id(c));
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
    if (git_commit_parent(&p, c, 0) < 0) return gfail(err, MT_REPO_ERR, "%s: read parent", op);
    rc = commit_path_blob(p, path, &theirs, op, NULL);
    if (rc == MT_REPO_ERR) rc = commit_path_blob(p, path, &theirs, op, err);
    git_commit_free(p);
    if (rc == MT_REPO_ERR) return rc;
    bool phave = rc == 0;
    *changed = have != phave || (have && !git_oid_equal(&mine, &theirs));
    return 0;
}

int mt_repo_last_change(struct mt_repo *r, const char *rev, const char *path,
                        char oid[MT_OID_HEX], long long *when, struct mt_error *err)
{
    git_commit *start = NULL;
    git_revwalk *walk = NULL;
    git_oid id;
    oid[0] = '\0';
    if (when) *when = 0;
    char *op = xasprintf("last change of %s", path);
    int rc = resolve_commit(r, rev, &start, op, err);
    if (rc < 0) goto out;
    if (git_revwalk_new(&walk, r->git) < 0 ||
        git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME) < 0 ||
        git_revwalk_push(walk, git_commit_id(start)) < 0) {
        rc = gfail(err, MT_REPO_ERR, "%s: walk history", op);
        goto out;
    }
    int g;
    while ((g = git_revwalk_next(&id, walk)) == 0) {
        git_commit *c = NULL;
        bool changed = false;
        if (git_commit_lookup(&c, r->git, &id) < 0) {
            rc = gfail(err, MT_REPO_ERR, "%s: read commit", op);
            goto out;
        }
        rc = commit_changed_path(c, path, op, &changed, err);
        if (rc == 0 && changed) {
            oid_hex(oid, &id);
            if (when) *when = (long long)git_commit_time(c);
        }
        git_commit_free(c);
        if (rc < 0 || changed) goto out;
    }
    if (g != GIT_ITEROVER) {
        rc = gfail(err, MT_REPO_ERR, "%s: walk history", op);
    } else {
        git_error_clear();
        mt_error_set(err, "%s: no commit changed it", op);
        rc = MT_REPO_NOTFOUND;
    }
out:
    git_revwalk_free(walk);
    git_commit_free(start);
    free(op);
    return rc;
}

/* ---- committing ------------------------------------------------------ */

void mt_repo_set_env(struct mt_repo *r, const char *env)
{
    free(r->env);
    r->env = env && *env ? xstrdup(env) : NULL;
}

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
    if (rc < 0) return gfail(err, MT_REPO_ERR, "commit: make signature");
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
        if (rc < 0) return gfail(err, MT_REPO_ERR, "commit: %s %s", exists ? "stage" : "unstage", p);
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
        rc = gfail(err, MT_REPO_ERR, "commit: open index");
        goto out;
    }
    /* Pick up changes made to the index file since it was last loaded. */
    if ((rc = git_index_read(idx, 0)) < 0) {
        rc = gfail(err, MT_REPO_ERR, "commit: read index");
        goto out;
    }
    if ((rc = stage_paths(r, idx, paths, blobs, npaths, err)) < 0) goto out;
    if (git_index_write(idx) < 0 || git_index_write_tree(&tree_id, idx) < 0) {
        rc = gfail(err, MT_REPO_ERR, "commit: write index");
        goto out;
    }

    rc = git_reference_name_to_id(&head_id, r->git, "HEAD");
    if (rc == 0) {
        if ((rc = git_commit_lookup(&parent, r->git, &head_id)) < 0) {
            rc = gfail(err, MT_REPO_ERR, "commit: read HEAD commit");
            goto out;
        }
        if (git_oid_equal(&tree_id, git_commit_tree_id(parent))) {
            if (commit) oid_hex(commit, &head_id);
            goto out;  /* nothing changed */
        }
    } else if (rc == GIT_ENOTFOUND || rc == GIT_EUNBORNBRANCH) {
        git_error_clear();
        rc = 0;
        if (git_index_entrycount(idx) == 0) goto out;  /* a first commit of nothing */
    } else {
        rc = gfail(err, MT_REPO_ERR, "commit: read HEAD");
        goto out;
    }

    if ((rc = make_signature(r, &sig, err)) < 0) goto out;
    if ((rc = git_tree_lookup(&tree, r->git, &tree_id)) < 0) {
        rc = gfail(err, MT_REPO_ERR, "commit: read tree");
        goto out;
    }
    size_t ml = strlen(message);
    msg = (ml && message[ml - 1] == '\n') ? xstrdup(message) : xasprintf("%s\n", message);
    const git_commit *parents[1] = {parent};
    /* update_ref "HEAD" also checks that HEAD still points at parent. */
    if ((rc = git_commit_create(&new_id, r->git, "HEAD", sig, sig, NULL, msg, tree,
                                parent ? 1 : 0, parents)) < 0) {
        rc = gfail(err, MT_REPO_ERR, "commit: create commit");
        goto out;
    }
    if (made) *made = true;
    if (commit) oid_hex(commit, &new_id);
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
    if (rc == 0 && blob) oid_hex(blob, &j->id);
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
        return gfail(err, MT_REPO_ERR, "status");
    so.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
    so.flags = GIT_STATUS_OPT_EXCLUDE_SUBMODULES;  /* untracked files are not asked for */
    if (git_status_list_new(&list, r->git, &so) < 0) return gfail(err, MT_REPO_ERR, "status");
    size_t n = git_status_list_entrycount(list);
    for (size_t i = 0; i < n && !*dirty; i++) {
        const git_status_entry *e = git_status_byindex(list, i);
        unsigned s = e->status & ~(unsigned)(GIT_STATUS_IGNORED | GIT_STATUS_WT_NEW);
        if (s != GIT_STATUS_CURRENT) *dirty = true;
    }
    git_status_list_free(list);
    return 0;
}

/* ---- remotes: callbacks ---------------------------------------------- */

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

/* After the operation: credentials the server took are stored by the
 * helpers (a refusal was seen by the callback; unreachable: not known). */
static void xfer_end(struct xfer *x, int rc)
{
    mt_https_auth_done(&x->https, rc != MT_REPO_UNREACHABLE);
    free(x->status);
    x->status = NULL;
}

static void xfer_free(struct xfer *x)
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

static void set_callbacks(git_remote_callbacks *cb, struct xfer *x)
{
    cb->credentials = cred_cb;
    cb->certificate_check = cert_cb;
    cb->push_update_reference = push_ref_cb;
    cb->payload = x;
}

/* Connects with the callbacks given and no redirect to another host:
 * libgit2 1.5.1 asks for credentials with the URL first given even after
 * following a redirect, so a token or a helper's password for one host
 * would be sent to wherever that host points (DESIGN 4, Authentication). */
static int connect_remote(git_remote *rem, git_direction dir, const git_remote_callbacks *cb)
{
    git_remote_connect_options o;
    if (git_remote_connect_options_init(&o, GIT_REMOTE_CONNECT_OPTIONS_VERSION) < 0) return -1;
    o.callbacks = *cb;
    o.follow_redirects = GIT_REMOTE_REDIRECT_NONE;
    return git_remote_connect_ext(rem, dir, &o);
}

/* remote.<name>.<key> from a config snapshot; NULL if unset. Caller frees. */
static char *remote_config(git_repository *g, const char *name, const char *key)
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
static int open_remote(git_repository *g, const char *name, git_remote **out, const char *op,
                       struct xfer *x, bool push, struct mt_error *err)
{
    git_remote_create_options o;
    char *url = remote_config(g, name, "url");
    char *pushurl = remote_config(g, name, "pushurl");
    char *spec = xasprintf("+refs/heads/*:refs/remotes/%s/*", name);
    int rc = 0;
    *out = NULL;
    if (!url) {
        mt_error_set(err, "%s: no remote named '%s' (remote.%s.url is not set)", op, name, name);
        rc = MT_REPO_NOTFOUND;
        goto out;
    }
    if (git_remote_create_options_init(&o, GIT_REMOTE_CREATE_OPTIONS_VERSION) < 0) {
        rc = gfail(err, MT_REPO_ERR, "%s: remote options", op);
        goto out;
    }
    o.repository = g;
    o.fetchspec = spec;  /* push updates refs/remotes/<name>/ through it */
    o.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF;
    if (git_remote_create_with_opts(out, url, &o) < 0) {
        rc = gfail(err, MT_REPO_ERR, "%s: remote %s", op, name);
        goto out;
    }
    struct mt_ssh_auth *fa = mt_ssh_auth_new(url), *pa = pushurl ? mt_ssh_auth_new(pushurl) : NULL;
    if ((fa && git_remote_set_instance_url(*out, mt_ssh_auth_url(fa)) < 0) ||
        (pushurl && git_remote_set_instance_pushurl(*out, pa ? mt_ssh_auth_url(pa) : pushurl) < 0)) {
        rc = gfail(err, MT_REPO_ERR, "%s: url of %s", op, name);
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
    int rc = open_remote(r->git, remote, &rem, op, &x, false, err);
    if (rc < 0) goto out;
    if (git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION) < 0) {
        rc = gfail(err, MT_REPO_ERR, "%s", op);
        goto out;
    }
    set_callbacks(&fo.callbacks, &x);
    fo.follow_redirects = GIT_REMOTE_REDIRECT_NONE;   /* see connect_remote */
    if (progress) fo.callbacks.transfer_progress = fetch_progress_cb;
    if (read_only) {   /* only the remote-tracking refs may move */
        fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
        fo.update_fetchhead = 0;
    }
    /* Connect first: a refused connection is reported with an OS error class,
     * so only this step tells "unreachable" from a local failure. */
    if (connect_remote(rem, GIT_DIRECTION_FETCH, &fo.callbacks) < 0) {
        rc = gfail(err, MT_REPO_UNREACHABLE, "%s: cannot reach %s", op, git_remote_url(rem));
        goto out;
    }
    /* NULL refspecs: the remote's own, all heads into refs/remotes/<remote>/ */
    if (git_remote_fetch(rem, NULL, &fo, "memtui: fetch") < 0) {
        rc = gfail(err, net_error() ? MT_REPO_UNREACHABLE : MT_REPO_ERR, "%s", op);
        goto out;
    }
    rc = 0;
out:
    xfer_end(&x, rc);
    git_remote_free(rem);
    xfer_free(&x);
    free(op);
    return rc;
}

/* Safe checkout of commit id: refuses (GIT_ECONFLICT) to overwrite local changes. */
static int checkout_commit(struct mt_repo *r, const git_oid *id, const char *op, struct mt_error *err)
{
    git_commit *c = NULL;
    git_checkout_options co;
    if (git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION) < 0)
        return gfail(err, MT_REPO_ERR, "%s: checkout options", op);
    co.checkout_strategy = GIT_CHECKOUT_SAFE;
    if (git_commit_lookup(&c, r->git, id) < 0) return gfail(err, MT_REPO_ERR, "%s: read commit", op);
    int rc = git_checkout_tree(r->git, (const git_object *)c, &co);
    git_commit_free(c);
    if (rc == GIT_ECONFLICT)
        return gfail(err, MT_REPO_ERR,
                     "%s: local changes in the work tree would be overwritten "
                     "(commit or stash them first)", op);
    if (rc < 0) return gfail(err, MT_REPO_ERR, "%s: checkout", op);
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
        rc = gfail(err, MT_REPO_ERR, "%s: read %s", op, tname);
        goto out;
    }
    rc = git_reference_lookup(&local, r->git, lname);
    if (rc == 0) {
        const git_oid *ours = git_reference_target(local);
        size_t ahead = 0, behind = 0;
        if (git_oid_equal(ours, &theirs)) goto out;
        if (git_graph_ahead_behind(&ahead, &behind, r->git, ours, &theirs) < 0) {
            rc = gfail(err, MT_REPO_ERR, "%s: compare histories", op);
            goto out;
        }
        if (ahead && behind) *state = MT_FF_DIVERGED;
        else if (ahead) *state = MT_FF_AHEAD;
        if (ahead || !behind) goto out;
    } else if (rc != GIT_ENOTFOUND) {
        rc = gfail(err, MT_REPO_ERR, "%s: read %s", op, lname);
        goto out;
    } else {
        git_error_clear();  /* unborn branch: everything on the remote is new */
    }

    /* Work tree first: if it refuses, the branch must not move. */
    if ((rc = checkout_commit(r, &theirs, op, err)) < 0) goto out;
    char *log = xasprintf("memtui: fast-forward to %s/%s", remote, branch);
    if (local)
        rc = git_reference_set_target(&moved, local, &theirs, log);
    else
        rc = git_reference_create(&moved, r->git, lname, &theirs, 0, log);
    free(log);
    if (rc < 0) {
        rc = gfail(err, MT_REPO_ERR, "%s: move %s", op, lname);
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
static char *local_remote_path(const char *url)
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
        return gfail(err, MT_REPO_UNREACHABLE, "%s: open remote repository %s", op, path);
    int rc = git_reference_name_to_id(&lr->old, lr->repo, refname);
    if (rc == 0) {
        lr->has_old = true;
    } else if (rc == GIT_ENOTFOUND) {
        git_error_clear();
    } else {
        return gfail(err, MT_REPO_ERR, "%s: read %s in %s", op, refname, path);
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
    if (git_repository_odb(&odb, r->git) < 0) return gfail(err, MT_REPO_ERR, "%s: open odb", op);
    bool known = git_odb_exists(odb, &lr->old);
    git_odb_free(odb);
    int rc = known ? git_graph_descendant_of(r->git, id, &lr->old) : 0;
    if (rc < 0) return gfail(err, MT_REPO_ERR, "%s: compare histories", op);
    if (rc == 0) {
        char old[MT_OID_HEX];
        oid_hex(old, &lr->old);
        mt_error_set(err, "%s: rejected: the remote branch moved to %.12s, which the local "
                     "branch does not contain (fetch and merge first)", op, old);
        return MT_REPO_REJECTED;
    }
    return 0;
}

/* Can a fetch connection be opened? Tells "could not reach it" from a
 * local failure after an operation failed. */
static bool remote_unreachable(const char *url)
{
    git_remote *rem = NULL;
    git_remote_callbacks cb;
    struct xfer x = {0};
    bool down = true;
    if (git_remote_init_callbacks(&cb, GIT_REMOTE_CALLBACKS_VERSION) < 0) return false;
    set_callbacks(&cb, &x);
    x.ssh = mt_ssh_auth_new(url);
    if (git_remote_create_detached(&rem, x.ssh ? mt_ssh_auth_url(x.ssh) : url) == 0)
        down = connect_remote(rem, GIT_DIRECTION_FETCH, &cb) < 0;
    xfer_end(&x, down ? MT_REPO_UNREACHABLE : 0);
    git_remote_free(rem);
    xfer_free(&x);
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
        rc = gfail(err, MT_REPO_ERR, "%s: push options", op);
        goto out;
    }
    set_callbacks(&po.callbacks, x);
    po.follow_redirects = GIT_REMOTE_REDIRECT_NONE;   /* see connect_remote */
    if (x->check_old) po.callbacks.push_negotiation = negotiate_cb;
    /* libgit2 1.5.1 leaks its stream when a git:// receive-pack connection
     * fails (the upload-pack side frees it), so probe that direction first. */
    if (url && strncmp(url, "git://", 6) == 0 && remote_unreachable(url)) {
        rc = gfail(err, MT_REPO_UNREACHABLE, "%s: cannot reach %s", op, url);
        goto out;
    }
    if (connect_remote(rem, GIT_DIRECTION_PUSH, &po.callbacks) < 0) {
        rc = gfail(err, MT_REPO_UNREACHABLE, "%s: cannot reach %s", op, url ? url : "?");
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
        rc = gfail(err, MT_REPO_REJECTED, "%s: rejected (not a fast-forward)", op);
    } else if (rc < 0) {
        rc = gfail(err, net_error() ? MT_REPO_UNREACHABLE : MT_REPO_ERR, "%s", op);
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
        return gfail(err, MT_REPO_ERR, "%s: read %s in %s", op, remote_ref, url);
    }
    /* Cheap early answer; the authoritative check is the one under the lock. */
    if (has_cur != (expect != NULL) || (expect && !git_oid_equal(&cur, expect))) {
        short_oid(a, has_cur ? &cur : NULL);
        short_oid(b, expect);
        mt_error_set(err, "%s: rejected: %s on the remote is %s, expected %s", op, remote_ref, a, b);
        return MT_REPO_REJECTED;
    }
    if (has_cur && git_oid_equal(&cur, id)) return 0;  /* already there */

    if (git_repository_odb(&odb, rr) < 0) return gfail(err, MT_REPO_ERR, "%s: open remote odb", op);
    if (!git_odb_exists(odb, id)) {
        struct xfer x = {0};
        tmp = unique_ref("refs/memtui/tmp/");
        spec = xasprintf("+%s:%s", src, tmp);
        x.want = tmp;
        rc = push_one(rem, url, spec, &x, op, err);
        xfer_free(&x);
        if (rc < 0) goto out;
        git_odb_refresh(odb);
    }
    if (expect && !rewrite) {
        /* The same promise as over the network: never drop remote history. */
        rc = git_graph_descendant_of(rr, id, expect);
        if (rc < 0) {
            rc = gfail(err, MT_REPO_ERR, "%s: compare histories", op);
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
        rc = gfail(err, MT_REPO_REJECTED, "%s: rejected: %s moved on the remote meanwhile", op,
                   remote_ref);
    } else if (rc == GIT_ELOCKED) {
        rc = gfail(err, MT_REPO_REJECTED,
                   "%s: rejected: %s is locked on the remote (a concurrent update, or a stale "
                   ".lock file)", op, remote_ref);
    } else if (rc < 0) {
        rc = gfail(err, MT_REPO_ERR, "%s: update %s in %s", op, remote_ref, url);
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
        rc = gfail(err, code_of(rc, MT_REPO_ERR), "%s: read %s", op, refname);
        goto out;
    }
    if ((rc = open_remote(r->git, remote, &rem, op, &x, true, err)) < 0) goto out;
    const char *url = git_remote_pushurl(rem) ? git_remote_pushurl(rem) : git_remote_url(rem);
    if (url && (lpath = local_remote_path(url))) {
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
    xfer_end(&x, rc);
    xfer_free(&x);
    free(lpath);
    free(spec);
    free(refname);
    free(op);
    return rc;
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
    int valid = 0, rc;
    memset(&expect, 0, sizeof(expect));

    if ((rc = parse_oid(&id, local_oid_hex, op, err)) < 0) goto out;
    if (has_expect && (rc = parse_oid(&expect, expect_old_hex, op, err)) < 0) goto out;
    if (!remote_ref || strncmp(remote_ref, "refs/", 5) != 0 ||
        git_reference_name_is_valid(&valid, remote_ref) < 0 || !valid) {
        git_error_clear();
        mt_error_set(err, "%s: invalid remote ref name", op);
        rc = MT_REPO_ERR;
        goto out;
    }
    if ((rc = git_commit_lookup(&c, r->git, &id)) < 0) {
        rc = gfail(err, code_of(rc, MT_REPO_ERR), "%s: no such commit here", op);
        goto out;
    }
    if ((rc = open_remote(r->git, remote, &rem, op, &x, true, err)) < 0) goto out;
    const char *url = git_remote_pushurl(rem) ? git_remote_pushurl(rem) : git_remote_url(rem);
    /* libgit2 1.5.1 cannot push a bare object id ("no such reference"): the
     * source of the refspec is a short-lived local ref. */
    src = unique_ref("refs/memtui/push/");
    if (git_reference_create(&srcref, r->git, src, &id, 1, NULL) < 0) {
        rc = gfail(err, MT_REPO_ERR, "%s: create %s", op, src);
        goto out;
    }
    if (url && (lpath = local_remote_path(url))) {
        if (git_repository_open(&rr, lpath) < 0) {
            rc = gfail(err, MT_REPO_UNREACHABLE, "%s: open remote repository %s", op, lpath);
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
    xfer_end(&x, rc);
    xfer_free(&x);
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
    if ((rc = open_remote(r->git, remote, &rem, op, &x, false, err)) < 0) goto out;
    if (git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION) < 0) {
        rc = gfail(err, MT_REPO_ERR, "%s", op);
        goto out;
    }
    set_callbacks(&fo.callbacks, &x);
    fo.follow_redirects = GIT_REMOTE_REDIRECT_NONE;   /* see connect_remote */
    fo.update_fetchhead = 0;
    if (connect_remote(rem, GIT_DIRECTION_FETCH, &fo.callbacks) < 0) {
        rc = gfail(err, MT_REPO_UNREACHABLE, "%s: cannot reach %s", op, git_remote_url(rem));
        goto out;
    }
    if (git_remote_ls(&heads, &nheads, rem) < 0) {
        rc = gfail(err, net_error() ? MT_REPO_UNREACHABLE : MT_REPO_ERR, "%s: list remote refs", op);
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
    oid_hex(oid, tip);
    /* Download over the same connection, so the objects are those of the
     * advertisement just read; no FETCH_HEAD, and the tracking ref is written
     * by us, best effort (processes sharing a clone may contend for it). */
    spec = xasprintf("+%s:refs/remotes/%s/%s", remote_ref, remote, remote_ref + 11);
    git_strarray specs = {&spec, 1};
    if (git_remote_download(rem, &specs, &fo) < 0) {
        rc = gfail(err, net_error() ? MT_REPO_UNREACHABLE : MT_REPO_ERR, "%s", op);
        oid[0] = '\0';
        goto out;
    }
    git_oid id;
    git_oid_cpy(&id, tip);
    if (git_repository_odb(&odb, r->git) < 0 || !git_odb_exists(odb, &id)) {
        rc = gfail(err, MT_REPO_ERR, "%s: the fetched commit %s is not in the local repository", op, oid);
        oid[0] = '\0';
        goto out;
    }
    set_tracking(r, remote, remote_ref, &id);
    rc = 0;
out:
    xfer_end(&x, rc);
    git_odb_free(odb);
    git_remote_free(rem);
    xfer_free(&x);
    free(spec);
    free(op);
    return rc;
}

char *mt_repo_remote_url(struct mt_repo *r, const char *remote)
{
    return remote_config(r->git, remote, "url");
}

/* ---- init ------------------------------------------------------------ */

/* Same remote, allowing a relative vs absolute or file:// spelling of a path. */
static bool same_url(const char *a, const char *b)
{
    if (strcmp(a, b) == 0) return true;
    char *pa = local_remote_path(a), *pb = local_remote_path(b);
    bool same = false;
    if (pa && pb) {
        char *ra = realpath(pa, NULL), *rb = realpath(pb, NULL);
        same = ra && rb && strcmp(ra, rb) == 0;
        free(ra);
        free(rb);
    }
    free(pa);
    free(pb);
    return same;
}

/* 0: dir is already a clone of url (nothing to do); 1: dir is no repository;
 * < 0: dir is some other repository. */
static int existing_clone(const char *url, const char *dir, const char *remote, struct mt_error *err)
{
    git_repository *g = NULL;
    char *have = NULL;
    int rc = git_repository_open_ext(&g, dir, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
    if (rc == GIT_ENOTFOUND) {
        git_error_clear();
        return 1;
    }
    if (rc < 0) return gfail(err, MT_REPO_ERR, "init: open %s", dir);
    if (git_repository_is_bare(g)) {
        mt_error_set(err, "init: %s is a bare repository, not a clone with a work tree", dir);
        rc = MT_REPO_ERR;
    } else if (!(have = remote_config(g, remote, "url"))) {
        mt_error_set(err, "init: %s is a git repository without remote %s", dir, remote);
        rc = MT_REPO_ERR;
    } else if (!same_url(have, url)) {
        mt_error_set(err, "init: %s is a clone of %s, not of %s", dir, have, url);
        rc = MT_REPO_ERR;
    }
    free(have);
    git_repository_free(g);
    return rc;
}

static int dir_is_empty(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    struct dirent *e;
    int empty = 1;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            empty = 0;
            break;
        }
    closedir(d);
    return empty;
}

static bool rm_keep_top;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    if (ftw->level == 0 && rm_keep_top) return 0;
    remove(path);  /* best effort: this only undoes a failed init */
    return 0;
}

/* Undo a failed init: the folder goes back to absent (or empty). */
static void remove_clone(const char *dir, bool created)
{
    rm_keep_top = !created;
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int remote_create_cb(git_remote **out, git_repository *repo, const char *name,
                            const char *url, void *payload)
{
    /* our name, not "origin"; no insteadOf pass (see open_remote) */
    git_remote_create_options o;
    int rc = git_remote_create_options_init(&o, GIT_REMOTE_CREATE_OPTIONS_VERSION);
    if (rc < 0) return rc;
    o.repository = repo;
    o.name = (const char *)payload;
    o.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF;
    if ((rc = git_remote_create_with_opts(out, url, &o)) < 0) return rc;
    /* the config keeps the user's URL; this clone connects through ~/.ssh/config */
    struct mt_ssh_auth *a = mt_ssh_auth_new(url);
    if (a) rc = git_remote_set_instance_url(*out, mt_ssh_auth_url(a));
    mt_ssh_auth_free(a);
    return rc;
}

/* branch.main.remote/merge, so tools (and git pull) know the upstream. */
static int set_upstream(struct mt_repo *r, const char *remote, struct mt_error *err)
{
    git_config *cfg = NULL;
    if (git_repository_config(&cfg, r->git) < 0) return gfail(err, MT_REPO_ERR, "init: open config");
    int rc = 0;
    if (git_config_set_string(cfg, "branch." MAIN_BRANCH ".remote", remote) < 0 ||
        git_config_set_string(cfg, "branch." MAIN_BRANCH ".merge", MAIN_REF) < 0)
        rc = gfail(err, MT_REPO_ERR, "init: set upstream of " MAIN_BRANCH);
    git_config_free(cfg);
    return rc;
}

/* The clone may have recorded an upstream for an unborn default branch
 * ("master") that memtui never uses: drop it so the config tells the truth. */
static void drop_unborn_upstream(struct mt_repo *r)
{
    char *b = mt_repo_branch(r);
    git_config *cfg = NULL;
    if (b && strcmp(b, MAIN_BRANCH) != 0 && git_repository_head_unborn(r->git) == 1 &&
        git_repository_config(&cfg, r->git) == 0) {
        char *k1 = xasprintf("branch.%s.remote", b), *k2 = xasprintf("branch.%s.merge", b);
        git_config_delete_entry(cfg, k1);
        git_config_delete_entry(cfg, k2);
        free(k1);
        free(k2);
    }
    git_error_clear();
    git_config_free(cfg);
    free(b);
}

/* Make local main the remote's main at tip and check it out. */
static int adopt_remote_main(struct mt_repo *r, const git_oid *tip, bool replace, struct mt_error *err)
{
    git_reference *ref = NULL;
    const char *op = "init: check out " MAIN_BRANCH;
    int rc = checkout_commit(r, tip, op, err);
    if (rc < 0) return rc;
    if (git_reference_create(&ref, r->git, MAIN_REF, tip, replace ? 1 : 0,
                             "memtui: init from remote " MAIN_BRANCH) < 0)
        return gfail(err, MT_REPO_ERR, "%s: create %s", op, MAIN_REF);
    git_reference_free(ref);
    if (git_repository_set_head(r->git, MAIN_REF) < 0)
        return gfail(err, MT_REPO_ERR, "%s: set HEAD", op);
    return 0;
}

static bool has_remote_branches(struct mt_repo *r, const char *remote)
{
    git_reference_iterator *it = NULL;
    git_reference *ref = NULL;
    char *glob = xasprintf("refs/remotes/%s/*", remote);
    bool any = false;
    if (git_reference_iterator_glob_new(&it, r->git, glob) == 0) {
        while (!any && git_reference_next(&ref, it) == 0) {
            /* refs/remotes/<r>/HEAD is a pointer, not a branch */
            any = git_reference_type(ref) == GIT_REFERENCE_DIRECT;
            git_reference_free(ref);
        }
    }
    git_error_clear();
    git_reference_iterator_free(it);
    free(glob);
    return any;
}

/* A path or file:// remote made with another default branch: its HEAD
 * goes to main, so a plain `git clone` checks out the data. */
static void point_remote_head(struct mt_repo *r, const char *remote)
{
    char *url = remote_config(r->git, remote, "pushurl");
    if (!url) url = remote_config(r->git, remote, "url");
    char *path = url ? local_remote_path(url) : NULL;
    if (path) mt_remote_head_to_main(path);
    free(path);
    free(url);
}

/* Empty remote: first commit on main with .gitattributes, then push it. */
static int create_main(struct mt_repo *r, const char *remote, struct mt_error *err)
{
    static const char *const paths[] = {ATTR_FILE};
    bool made = false;
    drop_unborn_upstream(r);
    if (git_repository_set_head(r->git, MAIN_REF) < 0)
        return gfail(err, MT_REPO_ERR, "init: point HEAD at " MAIN_REF);
    int rc = mt_file_write_in(r->workdir, ATTR_FILE, ATTR_TEXT, strlen(ATTR_TEXT), 0644, err) ? MT_REPO_ERR : 0;
    if (rc == 0) rc = mt_repo_commit(r, paths, 1, "memtui: create the backup repository", &made, NULL, err);
    if (rc == 0) rc = set_upstream(r, remote, err);
    if (rc == 0) rc = mt_repo_push(r, remote, MAIN_BRANCH, err);
    if (rc == 0) point_remote_head(r, remote);
    if (rc != MT_REPO_REJECTED) return rc;

    /* Another machine created main first: its history wins, ours held only
     * .gitattributes. */
    git_oid tip;
    char *track = xasprintf("refs/remotes/%s/" MAIN_BRANCH, remote);
    struct mt_error e2 = {0};
    if (mt_repo_fetch(r, remote, &e2) == 0 && git_reference_name_to_id(&tip, r->git, track) == 0) {
        rc = adopt_remote_main(r, &tip, true, &e2);
        if (rc == 0) mt_error_clear(err);
        else mt_error_move(err, &e2);
    }
    git_error_clear();
    mt_error_clear(&e2);
    free(track);
    return rc;
}

static int ensure_main(struct mt_repo *r, const char *remote, struct mt_error *err)
{
    char *track = xasprintf("refs/remotes/%s/" MAIN_BRANCH, remote);
    git_oid tip;
    int rc = git_reference_name_to_id(&tip, r->git, track);
    if (rc == 0) {
        char *b = mt_repo_branch(r);
        bool on_main = b && !strcmp(b, MAIN_BRANCH) && git_repository_head_unborn(r->git) == 0;
        free(b);
        if (!on_main) {
            /* the remote's HEAD named another (or no) branch */
            drop_unborn_upstream(r);
            rc = adopt_remote_main(r, &tip, false, err);
        }
        if (rc == 0) rc = set_upstream(r, remote, err);
    } else if (rc != GIT_ENOTFOUND) {
        rc = gfail(err, MT_REPO_ERR, "init: read %s", track);
    } else if (has_remote_branches(r, remote)) {
        /* refuse to guess: an old layout may keep real data elsewhere */
        mt_error_set(err, "init: the remote has branches but no '" MAIN_BRANCH
                     "' (memtui keeps its data on " MAIN_BRANCH ")");
        rc = MT_REPO_ERR;
    } else {
        rc = create_main(r, remote, err);
    }
    free(track);
    return rc;
}

int mt_repo_init(const char *url, const char *dir, const char *remote, struct mt_error *err)
{
    struct stat st;
    bool created;
    int valid = 0;
    if (git_remote_name_is_valid(&valid, remote) < 0 || !valid) {
        git_error_clear();
        mt_error_set(err, "init: invalid remote name '%s'", remote);
        return MT_REPO_ERR;
    }
    if (stat(dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode)) {
            mt_error_set(err, "init: %s exists and is not a directory", dir);
            return MT_REPO_ERR;
        }
        int rc = existing_clone(url, dir, remote, err);
        if (rc <= 0) return rc;
        int empty = dir_is_empty(dir);
        if (empty < 0) {
            mt_error_set(err, "init: read %s: %s", dir, strerror(errno));
            return MT_REPO_ERR;
        }
        if (!empty) {
            mt_error_set(err, "init: %s is not empty and is not a git repository", dir);
            return MT_REPO_ERR;
        }
        created = false;
    } else if (errno == ENOENT) {
        created = true;
    } else {
        mt_error_set(err, "init: stat %s: %s", dir, strerror(errno));
        return MT_REPO_ERR;
    }

    git_clone_options co;
    struct xfer x = {0};
    git_repository *g = NULL;
    if (git_clone_options_init(&co, GIT_CLONE_OPTIONS_VERSION) < 0)
        return gfail(err, MT_REPO_ERR, "init: clone options");
    co.checkout_opts.checkout_strategy = GIT_CHECKOUT_SAFE;
    set_callbacks(&co.fetch_opts.callbacks, &x);
    co.fetch_opts.follow_redirects = GIT_REMOTE_REDIRECT_NONE;   /* see connect_remote */
    co.remote_cb = remote_create_cb;
    co.remote_cb_payload = (void *)remote;
    x.ssh = mt_ssh_auth_new(url);
    if (git_clone(&g, url, dir, &co) < 0) {
        bool down = net_error();
        int rc = gfail(err, MT_REPO_ERR, "init: clone %s", url);
        xfer_end(&x, MT_REPO_UNREACHABLE);  /* nothing stored from a failed clone */
        if (down || remote_unreachable(url)) rc = MT_REPO_UNREACHABLE;
        git_error_clear();
        xfer_free(&x);
        return rc;
    }
    xfer_end(&x, 0);
    xfer_free(&x);
    struct mt_repo *r = wrap(g);
    int rc = ensure_main(r, remote, err);
    mt_repo_close(r);
    if (rc < 0) remove_clone(dir, created);
    return rc;
}
