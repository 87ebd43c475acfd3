/* repo.h: the backup repository, through libgit2 only (no git CLI, no shell).
 *
 * Promises: every function returns 0 on success or a negative MT_REPO_* code
 * with err set to a message that names the operation and the libgit2 reason;
 * libgit2's fsync of the git dir is on (mt_repo_global_init); files are read
 * from commits, never guessed from the work tree; a push is reported as
 * accepted only when libgit2 returned 0 AND the push_update_reference
 * callback saw a NULL status for the ref (a rejected push still returns 0). */
#ifndef MEMTUI_REPO_H
#define MEMTUI_REPO_H

#include <stdbool.h>
#include <stddef.h>

#include "memtui/base/util.h"

#define MT_OID_HEX 41  /* 40 hex digits and a NUL */

enum {
    MT_REPO_OK = 0,
    MT_REPO_ERR = -1,          /* local failure */
    MT_REPO_UNREACHABLE = -2,  /* remote could not be reached */
    MT_REPO_REJECTED = -3,     /* remote refused the update (not a fast-forward, or moved) */
    MT_REPO_NOTFOUND = -4,     /* path, ref or object missing */
};

struct mt_repo;

/* Once per process: libgit2 init and GIT_OPT_ENABLE_FSYNC_GITDIR. */
void mt_repo_global_init(void);
void mt_repo_global_shutdown(void);

/* Open an existing non-bare repository with a work tree at dir. */
int mt_repo_open(const char *dir, struct mt_repo **out, struct mt_error *err);
void mt_repo_close(struct mt_repo *r);

/* `init URL`: clone url into dir (remote named `remote`, branch main). If the
 * remote has no branches yet, create `main` locally with a first commit
 * holding `.gitattributes` ("memory.json -merge\n") and push it. If dir is
 * already a clone whose remote `remote` has this url, succeed without change.
 * A dir that exists and is not empty (and is not such a clone) is an error. */
int mt_repo_init(const char *url, const char *dir, const char *remote, struct mt_error *err);

const char *mt_repo_workdir(const struct mt_repo *r);  /* ends with '/' */
const char *mt_repo_gitdir(const struct mt_repo *r);   /* ends with '/' */
struct git_repository *mt_repo_git(struct mt_repo *r); /* for modules that need more */

/* HEAD commit id. Returns MT_REPO_NOTFOUND (oid set to "") when HEAD is unborn. */
int mt_repo_head(struct mt_repo *r, char oid[MT_OID_HEX], struct mt_error *err);
/* Name of the branch HEAD points to ("main"), caller frees; NULL if detached. */
char *mt_repo_branch(struct mt_repo *r);

/* Blob id of `path` in the tree of commit-ish `rev` (NULL = HEAD). Returns
 * MT_REPO_NOTFOUND when the path (or an unborn HEAD) has none, and when it
 * is not a regular file: a symlink (mode 120000: its blob is the name of
 * what it points to), a folder or a submodule is never read as a file, here
 * or by mt_repo_read_path. */
int mt_repo_blob_id(struct mt_repo *r, const char *rev, const char *path,
                    char blob[MT_OID_HEX], struct mt_error *err);
/* What `path` is in the tree of `rev` (NULL = HEAD); an unborn HEAD or an
 * unknown rev has nothing (MT_PATH_ABSENT). */
enum mt_path_kind { MT_PATH_ABSENT, MT_PATH_FILE, MT_PATH_SYMLINK, MT_PATH_FOLDER, MT_PATH_SUBMODULE, MT_PATH_ODD };
enum mt_path_kind mt_repo_path_kind(struct mt_repo *r, const char *rev, const char *path);
/* In words, for messages: "a symlink (git mode 120000)", ... (static text). */
const char *mt_path_kind_name(enum mt_path_kind k);
/* When `path` at `rev` (NULL = HEAD) is there but is not a regular file:
 * what it is, in words ("a symlink (git mode 120000)", "a folder (git mode
 * 040000)", "a submodule (git mode 160000)"); NULL otherwise. */
const char *mt_repo_not_regular(struct mt_repo *r, const char *rev, const char *path);
/* Bytes of a blob by id; *data is NUL-terminated, caller frees. */
int mt_repo_blob_read(struct mt_repo *r, const char *blob, char **data, size_t *len,
                      struct mt_error *err);
/* Both in one: bytes and blob id of `path` at `rev` (NULL = HEAD). */
int mt_repo_read_path(struct mt_repo *r, const char *rev, const char *path, char **data,
                      size_t *len, char blob[MT_OID_HEX], struct mt_error *err);
/* Blob id the bytes would get (git hash-object), without writing anything. */
int mt_repo_hash_bytes(const void *data, size_t len, char blob[MT_OID_HEX], struct mt_error *err);

/* Names of the top-level entries of `rev`'s tree (NULL = HEAD), whatever
 * they are (files, symlinks, folders, submodules: mt_repo_not_regular
 * tells), sorted by byte order; an unborn HEAD gives an empty list. Caller
 * frees each and the array. */
int mt_repo_list_top(struct mt_repo *r, const char *rev, char ***names, size_t *n,
                     struct mt_error *err);

/* Commit on the current branch: stage the given work-tree paths (relative to
 * the work tree; a path whose file is gone is removed from the index), write
 * the index, and create a commit whose parent is HEAD (none if unborn). When
 * the resulting tree equals HEAD's tree nothing is committed and *made is
 * false. commit (optional) receives the new (or current) HEAD id. The author
 * and committer are "memtui <env@host>" unless the repo config says otherwise. */
int mt_repo_commit(struct mt_repo *r, const char *const *paths, size_t npaths,
                   const char *message, bool *made, char commit[MT_OID_HEX],
                   struct mt_error *err);

/* The env named in the fallback identity "memtui <env@host>" (used when
 * user.name/user.email are not configured); default "memtui". */
void mt_repo_set_env(struct mt_repo *r, const char *env);

/* Write a blob in the background (its own libgit2 handle on the same
 * repository), so compressing a large file overlaps other work; a later
 * mt_repo_commit of a file with these bytes then finds the object written.
 * data must stay alive until mt_repo_blob_job_wait, which must be called. */
struct mt_blob_job;
struct mt_blob_job *mt_repo_blob_job_start(struct mt_repo *r, const void *data, size_t len);
/* 0 with the blob id, or MT_REPO_ERR (the commit then writes it itself). */
int mt_repo_blob_job_wait(struct mt_blob_job *job, char blob[MT_OID_HEX]);

/* Same, for files whose blobs are already written (mt_repo_blob_job_*):
 * blobs[i] is the id of paths[i]'s bytes as on disk (NULL or "": hash the
 * file as usual). The caller promises the file holds exactly those bytes. */
int mt_repo_commit_known(struct mt_repo *r, const char *const *paths, const char *const *blobs, size_t npaths,
                         const char *message, bool *made, char commit[MT_OID_HEX], struct mt_error *err);

/* Fetch `remote` (all heads into refs/remotes/<remote>/...). */
int mt_repo_fetch(struct mt_repo *r, const char *remote, struct mt_error *err);
/* Same, with progress (objects received of total, as libgit2 reports
 * them; progress may be NULL) and, when read_only, no tags and no
 * FETCH_HEAD: only the remote-tracking refs move (status, the workstation's R). */
typedef void (*mt_fetch_progress_fn)(void *ctx, size_t received, size_t total);
int mt_repo_fetch_tracking(struct mt_repo *r, const char *remote, bool read_only, mt_fetch_progress_fn progress,
                           void *ctx, struct mt_error *err);

enum mt_ff_state {
    MT_FF_UP_TO_DATE,   /* local == remote-tracking, or remote has no branch */
    MT_FF_FORWARDED,    /* local was behind: moved forward, work tree updated */
    MT_FF_AHEAD,        /* local has commits the remote lacks (nothing done) */
    MT_FF_DIVERGED,     /* both have commits the other lacks (nothing done) */
};
/* After a fetch: compare the current branch with refs/remotes/<remote>/<branch>
 * and fast-forward (safe checkout: refuses to overwrite local changes). */
int mt_repo_fast_forward(struct mt_repo *r, const char *remote, enum mt_ff_state *state,
                         struct mt_error *err);

/* Push local branch `branch` to the same name on `remote` (never forced).
 * MT_REPO_REJECTED when the remote refused it, MT_REPO_UNREACHABLE when it
 * could not be reached. Over a plain path or file:// the final ref update is
 * the compare-and-swap of mt_repo_push_cas against the value the remote had
 * when the push began, so a concurrent update is never overwritten. On
 * success refs/remotes/<remote>/<branch> is set to the pushed commit. */
int mt_repo_push(struct mt_repo *r, const char *remote, const char *branch, struct mt_error *err);

/* Compare-and-swap push: set `remote_ref` ("refs/...") on `remote` to the
 * local commit `local_oid_hex`, only if the remote ref is now
 * `expect_old_hex` ("" or NULL: only if the ref does not exist), and only as
 * a fast-forward of it (never forced). Returns
 *   MT_REPO_OK           the remote ref now is local_oid_hex (also when it
 *                        already was and expect_old_hex named it);
 *   MT_REPO_REJECTED     the remote ref was not at expect_old_hex, moved
 *                        during the push, is locked by a concurrent update,
 *                        or the update is not a fast-forward: the remote ref
 *                        is left as it was;
 *   MT_REPO_UNREACHABLE  the remote could not be reached;
 *   MT_REPO_NOTFOUND     no such remote, or no such commit locally;
 *   MT_REPO_ERR          anything else.
 * How it holds on each transport:
 *   git://, ssh://, http(s)://: push_negotiation compares the advertised
 *     value with the expected one; the server then updates the ref only if
 *     it still has that advertised value (receive-pack's own check).
 *   plain path, file:// (a bare repository): libgit2's local transport would
 *     overwrite the ref, so the objects go to a temporary ref
 *     refs/memtui/tmp/<unique> (deleted afterwards) and the ref itself is
 *     moved with git_reference_create_matching on the opened remote, under
 *     the ref's lock file.
 * A short-lived local ref refs/memtui/push/<unique> names the commit during
 * the push (libgit2 1.5.1 cannot push a bare object id). On success, for a
 * refs/heads/X ref, refs/remotes/<remote>/X is set to the commit (best
 * effort: the remote is the truth). */
int mt_repo_push_cas(struct mt_repo *r, const char *remote, const char *local_oid_hex,
                     const char *remote_ref, const char *expect_old_hex, struct mt_error *err);
/* The same compare-and-swap, except that local_oid_hex need not descend
 * from expect_old_hex (a forced push, still only from that old value): for
 * the lease chain's restart (lease.h). A server that refuses non-fast-
 * forward updates (receive.denyNonFastForwards) answers MT_REPO_REJECTED. */
int mt_repo_push_cas_rewrite(struct mt_repo *r, const char *remote, const char *local_oid_hex,
                             const char *remote_ref, const char *expect_old_hex, struct mt_error *err);

/* Delete `remote_ref` ("refs/...") on `remote`, only while it names
 * `expect_old_hex` (over the network: push negotiation and the server's
 * own old-value check; over a plain path: under the ref's lock). 0 also
 * when the ref is gone already; MT_REPO_REJECTED when it names something
 * else; MT_REPO_UNREACHABLE, MT_REPO_ERR as above. */
int mt_repo_push_delete(struct mt_repo *r, const char *remote, const char *remote_ref, const char *expect_old_hex,
                        struct mt_error *err);

/* Fetch one branch: the current tip of `remote_ref` ("refs/heads/X") on
 * `remote`, with its objects in the local repository, and
 * refs/remotes/<remote>/X set to it (best effort). MT_REPO_NOTFOUND with oid
 * "" when the remote has no such ref (the tracking ref is then removed).
 * FETCH_HEAD is not written. */
int mt_repo_remote_ref(struct mt_repo *r, const char *remote, const char *remote_ref,
                       char oid[MT_OID_HEX], struct mt_error *err);

/* True when tracked files in the work tree or index differ from HEAD
 * (untracked files do not count). */
int mt_repo_is_dirty(struct mt_repo *r, bool *dirty, struct mt_error *err);

/* URL of a remote, caller frees; NULL if absent. */
char *mt_repo_remote_url(struct mt_repo *r, const char *remote);

/* Commit metadata of `rev` (NULL = HEAD): time (unix seconds), summary, id. */
int mt_repo_commit_info(struct mt_repo *r, const char *rev, long long *when, char **summary,
                        char oid[MT_OID_HEX], struct mt_error *err);
/* The commits reachable from `rev` (NULL = HEAD) that changed `path`,
 * newest first: at most max of them, looking at most max_walk commits (0:
 * no bound); MT_REPO_NOTFOUND when none did. */
struct mt_path_change {
    char commit[MT_OID_HEX];
    long long time;          /* committer time */
    char *summary;           /* the message's first line */
};
int mt_repo_path_changes(struct mt_repo *r, const char *rev, const char *path, size_t max, size_t max_walk,
                         struct mt_path_change **out, size_t *n, struct mt_error *err);
void mt_path_changes_free(struct mt_path_change *c, size_t n);
/* Most recent commit reachable from `rev` (NULL = HEAD) that changed `path`;
 * MT_REPO_NOTFOUND if none. */
int mt_repo_last_change(struct mt_repo *r, const char *rev, const char *path,
                        char oid[MT_OID_HEX], long long *when, struct mt_error *err);

#endif
