/* repo_fastread.c: reading a fragment's bytes as cheaply as is safe.
 * A blob that is also a clean regular file in the work tree (same blob at
 * HEAD, git's status says the file matches, no symlink on the way, same
 * size) is mapped from the file: no inflating, no copy. Otherwise the bytes
 * are lent straight from libgit2's blob, without a copy. */
#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memtui/base/fsutil.h"
#include "memtui/git/git_error.h"
#include "memtui/git/repo_fastread.h"

static void free_blob(void *hold)
{
    git_blob_free(hold);
}

static bool clean_in_worktree(struct mt_repo *r, const char *blob, const char *path)
{
    char head_blob[MT_OID_HEX];
    struct mt_error e = {0};
    bool same = mt_repo_blob_id(r, NULL, path, head_blob, &e) == 0 && strcmp(head_blob, blob) == 0;
    mt_error_clear(&e);
    if (!same) return false;
    unsigned int flags = 0;
    return git_status_file(&flags, mt_repo_git(r), path) == 0 && flags == GIT_STATUS_CURRENT;
}

bool mt_repo_blob_size(struct mt_repo *r, const char *blob, size_t *size)
{
    git_odb *odb = NULL;
    git_oid id;
    git_object_t type;
    *size = 0;
    bool sized = git_oid_fromstr(&id, blob) == 0 && git_repository_odb(&odb, mt_repo_git(r)) == 0 &&
                 git_odb_read_header(size, &type, odb, &id) == 0 && type == GIT_OBJECT_BLOB;
    git_odb_free(odb);
    git_error_clear();
    return sized;
}

/* rel under root, taken only as a regular file reached without following a
 * symlink, and only if it has the blob's size (a file swapped in since git
 * looked is not taken for the blob). Mapped, not copied, where it may and
 * can be. */
static bool file_bytes(struct mt_repo *r, const char *blob, const char *root, const char *rel, bool may_map,
                       char **data, size_t *len, void (**release)(void *), void **hold)
{
    size_t want;
    struct mt_error e = {0};
    bool ok = mt_repo_blob_size(r, blob, &want) &&
              mt_file_view_in(root, rel, want, may_map, data, len, release, hold, &e) == 0;
    mt_error_clear(&e);
    return ok;
}

bool mt_repo_blob_read_copy(struct mt_repo *r, const char *blob, const char *dir, bool may_map, char **data,
                            size_t *len, void (**release)(void *), void **hold)
{
    *release = NULL;
    *hold = NULL;
    return file_bytes(r, blob, dir, blob, may_map, data, len, release, hold);
}

int mt_repo_blob_read_fast(struct mt_repo *r, const char *blob, const char *path, bool may_map, char **data,
                           size_t *len, void (**release)(void *), void **hold, struct mt_error *err)
{
    *release = NULL;
    *hold = NULL;
    if (path && git_repository_workdir(mt_repo_git(r)) && clean_in_worktree(r, blob, path) &&
        file_bytes(r, blob, mt_repo_workdir(r), path, may_map, data, len, release, hold))
        return 0;
    git_oid id;
    git_blob *b;
    if (git_oid_fromstr(&id, blob) || git_blob_lookup(&b, mt_repo_git(r), &id)) {
        mt_error_set(err, "read blob %s: %s", blob, mt_git_reason("not found"));
        return MT_REPO_NOTFOUND;
    }
    *data = (char *)git_blob_rawcontent(b);
    *len = (size_t)git_blob_rawsize(b);
    *release = free_blob;
    *hold = b;
    return 0;
}
