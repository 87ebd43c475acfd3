/* session_raw.c: the fragments as last merged, kept unpacked; see
 * session_raw.h. */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memtui/base/fsutil.h"
#include "memtui/config/config.h"
#include "memtui/git/repo_fastread.h"
#include "memtui/ops/session_raw.h"

#define RAW_DIR "memtui/raw"

/* Do the bytes hash to what blob is? By the digest this clone recorded for
 * it (exact by construction), else by git's own id. */
static bool bytes_are(struct mt_session *s, const char *blob, const char *data, size_t len)
{
    char want[MT_SHA256_HEX], got[MT_SHA256_HEX], id[MT_OID_HEX];
    if (mt_digests_get(&s->digests, blob, len, want)) {
        mt_sha256_hex(data, len, got);
        return strcmp(got, want) == 0;
    }
    return mt_repo_hash_bytes(data, len, id, NULL) == 0 && strcmp(id, blob) == 0;
}

static bool something_at(const char *dir, const char *name)
{
    char *path = xasprintf("%s/%s", dir, name);
    struct stat st;
    bool there = lstat(path, &st) == 0;
    free(path);
    return there;
}

bool mt_session_raw_read(struct mt_session *s, const char *blob, bool may_map, char **data, size_t *len,
                         void (**release)(void *), void **hold)
{
    if (!mt_hex_name(blob, MT_OID_HEX - 1)) return false;  /* a peer's manifest names it: never a path */
    char *dir = mt_session_state_path(s, "raw");
    if (!something_at(dir, blob)) {  /* the usual case for a fragment being merged */
        free(dir);
        return false;
    }
    bool ok = mt_repo_blob_read_copy(s->repo, blob, dir, may_map, data, len, release, hold);
    if (ok && !bytes_are(s, blob, *data, *len)) {
        if (*release) (*release)(*hold);
        else free(*data);
        *data = NULL;
        *release = NULL;
        *hold = NULL;
        ok = false;
    }
    if (!ok) {  /* not the blob (any more): never used again */
        mt_file_remove_in(dir, blob, NULL);
        mt_trace("a kept fragment did not hold: removed");
    } else {
        mt_trace("a fragment as last merged read from its kept copy");
    }
    free(dir);
    return ok;
}

/* Is name one of the n blobs in keep? */
static bool kept(char (*keep)[MT_OID_HEX], size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(keep[i], name) == 0) return true;
    return false;
}

/* Link the work-tree fragment of env into the raw folder as blob, when it
 * is a regular file of the blob's size (it is checked again when read). */
static void link_fragment(struct mt_session *s, int wfd, int rfd, const char *env, const char *blob)
{
    struct stat st;
    size_t size;
    if (!mt_env_name_valid(env)) return;  /* a peer's manifest names it: never a path */
    if (fstatat(rfd, blob, &st, AT_SYMLINK_NOFOLLOW) == 0) return;  /* kept already */
    char *name = xasprintf("memory-%s.json", env);
    if (fstatat(wfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
        mt_repo_blob_size(s->repo, blob, &size) && (size_t)st.st_size == size)
        (void)linkat(wfd, name, rfd, blob, 0);  /* a cache: no link, no harm */
    free(name);
}

void mt_session_raw_keep(struct mt_session *s)
{
    const struct mt_manifest *m = &s->manifest;
    char (*keep)[MT_OID_HEX] = xcalloc(m->nfrags + 1, sizeof(*keep));
    size_t n = 0;
    for (size_t i = 0; i < m->nfrags; i++) {
        const char *b = m->frags[i].m_blob;
        if (mt_hex_name(b, MT_OID_HEX - 1) && strcmp(b, m->out_blob) != 0 && !kept(keep, n, b)) snprintf(keep[n++], MT_OID_HEX, "%s", b);
    }
    char *dir = mt_session_state_path(s, "raw");
    mt_mkdirs(dir, 0700, NULL);
    free(dir);
    int rfd = mt_dir_open_in(mt_repo_gitdir(s->repo), RAW_DIR);
    int wfd = open(mt_repo_workdir(s->repo), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rfd >= 0 && wfd >= 0)
        for (size_t i = 0; i < m->nfrags; i++)
            if (kept(keep, n, m->frags[i].m_blob)) link_fragment(s, wfd, rfd, m->frags[i].env, m->frags[i].m_blob);
    int dfd = rfd >= 0 ? dup(rfd) : -1;
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (!d && dfd >= 0) close(dfd);
    for (struct dirent *e; d && (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && !kept(keep, n, e->d_name))
            (void)unlinkat(rfd, e->d_name, 0);  /* a folder stays: unlinkat refuses it */
    if (d) closedir(d);
    if (rfd >= 0) close(rfd);
    if (wfd >= 0) close(wfd);
    free(keep);
}
