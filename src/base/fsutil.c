/* fsutil.c: whole-file reads and crash-safe writes; see fsutil.h. */
#include "memtui/base/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Largest single read/write request; Linux moves at most ~2 GiB per call. */
#define IO_CHUNK ((size_t)1 << 30)

static int open_at(int dfd, const char *name, int flags, mode_t mode)
{
    int fd;
    do fd = openat(dfd, name, flags, mode);
    while (fd < 0 && errno == EINTR);
    return fd;
}

/* Read all of fd (closed here); label names the file in errors. */
static int read_fd(int fd, const char *label, char **data, size_t *len, struct mt_error *err)
{
    struct stat st;
    if (fstat(fd, &st) < 0) {
        mt_error_set(err, "cannot read %s: %s", label, strerror(errno));
        close(fd);
        return -1;
    }
    /* Size the buffer from fstat, plus room to see EOF without a realloc;
     * keep growing anyway in case the file grows or is not regular. */
    size_t cap = 8192;
    if (S_ISREG(st.st_mode) && st.st_size > 0 && (uintmax_t)st.st_size < SIZE_MAX - 2)
        cap = (size_t)st.st_size + 2;
    char *buf = xmalloc(cap);
    size_t n = 0;
    for (;;) {
        if (cap - n < 2) {
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        size_t want = cap - n - 1;
        ssize_t r = read(fd, buf + n, want < IO_CHUNK ? want : IO_CHUNK);
        if (r < 0) {
            if (errno == EINTR) continue;
            mt_error_set(err, "cannot read %s: %s", label, strerror(errno));
            free(buf);
            close(fd);
            return -1;
        }
        if (r == 0) break;
        n += (size_t)r;
    }
    close(fd);   /* read-only: nothing to lose on a failed close */
    buf[n] = '\0';
    *data = buf;
    if (len) *len = n;
    return 0;
}

int mt_file_read(const char *path, char **data, size_t *len, bool *missing, struct mt_error *err)
{
    *data = NULL;
    if (len) *len = 0;
    if (missing) *missing = false;

    int fd = open_at(AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0) {
        if (missing) *missing = errno == ENOENT;
        mt_error_set(err, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    return read_fd(fd, path, data, len, err);
}

int mt_file_read_config(const char *path, size_t max, char **data, size_t *len, bool *missing,
                        struct mt_error *err)
{
    *data = NULL;
    if (len) *len = 0;
    if (missing) *missing = false;
    /* O_NONBLOCK: opening a FIFO named like a config file must not hang */
    int fd = open_at(AT_FDCWD, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0);
    if (fd < 0) {
        if (missing) *missing = errno == ENOENT;
        mt_error_set(err, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uintmax_t)st.st_size > max) {
        mt_error_set(err, "%s: not read: %s", path,
                     S_ISREG(st.st_mode) ? "larger than a configuration file can be" : "not a regular file");
        close(fd);
        return -1;
    }
    int rc = read_fd(fd, path, data, len, err);
    if (!rc && len && *len > max) {   /* it grew while read */
        mt_error_set(err, "%s: not read: larger than a configuration file can be", path);
        free(*data);
        *data = NULL;
        *len = 0;
        return -1;
    }
    return rc;
}

/* Folder part of path ("." when there is none); caller frees. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash) return xstrdup(".");
    if (slash == path) return xstrdup("/");
    return xstrndup(path, (size_t)(slash - path));
}

static const char *base_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n < IO_CHUNK ? n : IO_CHUNK);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (w == 0) {   /* no progress and no reason: call it a full disk */
            errno = ENOSPC;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static uint32_t temp_suffix(void)
{
    uint32_t r;
    if (getrandom(&r, sizeof r, GRND_NONBLOCK) == (ssize_t)sizeof r) return r;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    static uint32_t counter;
    return (uint32_t)ts.tv_nsec ^ (uint32_t)ts.tv_sec * 2654435761u ^ ++counter;
}

/* fsync an open folder. EINVAL/ENOTSUP: this file system cannot sync
 * directories at all, which is no lost write; anything else (EIO...) is a
 * real failure. */
static int fsync_folder(int dfd)
{
    int rc = fsync(dfd);
    if (rc < 0 && (errno == EINVAL || errno == ENOTSUP || errno == EOPNOTSUPP)) rc = 0;
    return rc;
}

int mt_fsync_dir_of(const char *path, struct mt_error *err)
{
    char *dir = dir_of(path);
    int fd = open_at(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    if (fd < 0) {
        mt_error_set(err, "cannot open directory %s to fsync it: %s", dir, strerror(errno));
        free(dir);
        return -1;
    }
    int rc = fsync_folder(fd);
    if (rc < 0) mt_error_set(err, "cannot fsync directory %s: %s", dir, strerror(errno));
    close(fd);
    free(dir);
    return rc < 0 ? -1 : 0;
}

/* A file about to be put in place: the open folder it goes in, its name
 * there, and how messages name it and the folder. */
struct placing {
    int dfd;
    const char *base;
    const char *label;   /* the file as the caller named it */
    const char *dir;     /* the folder, for naming the temp file */
    const char *target;  /* plain-path functions: the target's path, renamed
                            onto by path as before (NULL: by dfd) */
    char *tmp;           /* the temp file's name in dfd, once written */
};

static char *tmp_label(const struct placing *pl)
{
    return xasprintf("%s/%s", strcmp(pl->dir, "/") ? pl->dir : "", pl->tmp);
}

/* Write data into a new temp file beside the target, fsynced and closed,
 * with the target's owner and mode when it is a regular file (else mode).
 * Nothing on the way is followed: the temp file is created O_EXCL and
 * O_NOFOLLOW in the open folder. */
static int write_temp(struct placing *pl, const void *data, size_t len, mode_t mode, struct mt_error *err)
{
    struct stat st;
    bool existed = fstatat(pl->dfd, pl->base, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
    if (existed) mode = st.st_mode & 07777;

    int fd = -1;
    for (int tries = 0; fd < 0 && tries < 100; tries++) {
        free(pl->tmp);
        pl->tmp = xasprintf(".%s.tmp-%ld-%08x", pl->base, (long)getpid(), temp_suffix());
        fd = open_at(pl->dfd, pl->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd < 0 && errno != EEXIST) break;
    }
    const char *step = NULL;
    if (fd < 0) {
        int e = errno;
        char *t = tmp_label(pl);
        mt_error_set(err, "cannot write %s: cannot create temp file %s: %s", pl->label, t, strerror(e));
        free(t);
        free(pl->tmp);
        pl->tmp = NULL;
        return -1;
    }
    if (existed) {
        /* Keep the old file's owner where we may (root running cron for a
         * user's file), then its exact mode: O_CREAT applied the umask, and
         * chown may clear set-id bits, so chmod comes last. */
        if ((st.st_uid != geteuid() || st.st_gid != getegid()) &&
            fchown(fd, st.st_uid, st.st_gid) < 0) {
            /* not permitted: the file becomes ours, as any editor would */
        }
        if (fchmod(fd, mode) < 0) {
            step = "chmod";
            goto fail;
        }
    }
    if (write_all(fd, data, len) < 0) {
        step = "write";
        goto fail;
    }
    if (fsync(fd) < 0) {
        step = "fsync";
        goto fail;
    }
    if (close(fd) < 0) {
        fd = -1;   /* closed even on error: never close it twice */
        step = "close";
        goto fail;
    }
    return 0;
fail:;
    int e = errno;
    char *t = tmp_label(pl);
    mt_error_set(err, "cannot write %s: %s of temp file %s failed: %s", pl->label, step, t, strerror(e));
    free(t);
    if (fd >= 0) close(fd);
    unlinkat(pl->dfd, pl->tmp, 0);
    free(pl->tmp);
    pl->tmp = NULL;
    return -1;
}

/* Rename the temp file onto the target (flags: renameat2's). */
static int rename_placed(const struct placing *pl, unsigned int flags)
{
    if (!pl->target) return renameat2(pl->dfd, pl->tmp, pl->dfd, pl->base, flags);
    char *t = tmp_label(pl);
    int rc = flags ? renameat2(AT_FDCWD, t, AT_FDCWD, pl->target, flags) : rename(t, pl->target), e = errno;
    free(t);
    errno = e;
    return rc;
}

/* The new file is in place, but until the folder is synced a crash may
 * bring the old one back: that is not success. */
static int sync_placed(const struct placing *pl, struct mt_error *err)
{
    if (fsync_folder(pl->dfd) == 0) return 0;
    mt_error_set(err, "cannot write %s: renamed into place, but cannot fsync directory %s: %s", pl->label, pl->dir,
                 strerror(errno));
    return -1;
}

/* Temp file, then rename over the target in the same folder (a symlink
 * there is replaced, never written through), then sync the folder. */
static int write_placed(struct placing *pl, const void *data, size_t len, mode_t mode, struct mt_error *err)
{
    if (write_temp(pl, data, len, mode, err)) return -1;
    int rc = 0;
    if (rename_placed(pl, 0) < 0) {
        int e = errno;
        char *t = tmp_label(pl);
        mt_error_set(err, "cannot write %s: rename of temp file %s failed: %s", pl->label, t, strerror(e));
        free(t);
        unlinkat(pl->dfd, pl->tmp, 0);
        rc = -1;
    }
    if (!rc) rc = sync_placed(pl, err);
    free(pl->tmp);
    pl->tmp = NULL;
    return rc;
}

/* Write through a symlink to its target, so the link stays a link. */
static char *resolve_target(const char *path)
{
    char *target = NULL;
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) target = realpath(path, NULL);
    return target ? target : xstrdup(path);
}

/* Open the folder of target for placing it; -1 with err set. */
static int placing_open(struct placing *pl, const char *path, const char *target, char **dir, struct mt_error *err)
{
    *dir = dir_of(target);
    *pl = (struct placing){.dfd = -1, .base = base_of(target), .label = path, .dir = *dir, .target = target};
    pl->dfd = open_at(AT_FDCWD, *dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    if (pl->dfd >= 0) return 0;
    mt_error_set(err, "cannot write %s: cannot create temp file in %s: %s", path, *dir, strerror(errno));
    return -1;
}

int mt_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                         struct mt_error *err)
{
    char *target = resolve_target(path), *dir;
    struct placing pl;
    int rc = placing_open(&pl, path, target, &dir, err);
    if (!rc) {
        rc = write_placed(&pl, data, len, mode, err);
        close(pl.dfd);
    }
    free(dir);
    free(target);
    return rc;
}

/* Put tmp in place of the target and get what was there, in one step: with
 * RENAME_EXCHANGE the old file ends up at tmp, so a write that lands just
 * before is never overwritten unseen. Where there was no file,
 * RENAME_NOREPLACE; a file appearing meanwhile means exchange again. */
static int place_exchange(const struct placing *pl, bool *was_missing)
{
    for (int tries = 0; tries < 1000; tries++) {
        if (rename_placed(pl, RENAME_EXCHANGE) == 0) {
            *was_missing = false;
            return 0;
        }
        if (errno != ENOENT) return -1;
        if (rename_placed(pl, RENAME_NOREPLACE) == 0) {
            *was_missing = true;
            return 0;
        }
        if (errno != EEXIST) return -1;
    }
    errno = EAGAIN;
    return -1;
}

/* After an exchange the temp name holds the file as it was: read it. */
static int read_swapped_out(const struct placing *pl, char **old, size_t *olen, struct mt_error *err)
{
    char *t = tmp_label(pl);
    int fd = open_at(pl->dfd, pl->tmp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0);
    int rc = -1;
    if (fd < 0) mt_error_set(err, "cannot read %s: %s", t, strerror(errno));
    else rc = read_fd(fd, t, old, olen, err);
    free(t);
    return rc;
}

int mt_file_exchange(const char *path, const void *data, size_t len, mode_t mode, char **old, size_t *olen,
                     bool *was_missing, struct mt_error *err)
{
    *old = NULL;
    *olen = 0;
    char *target = resolve_target(path), *dir;
    struct placing pl;
    int rc = placing_open(&pl, path, target, &dir, err);
    if (!rc) rc = write_temp(&pl, data, len, mode, err);
    if (!rc && place_exchange(&pl, was_missing) < 0) {
        int e = errno;
        char *t = tmp_label(&pl);
        mt_error_set(err, "cannot write %s: exchange with temp file %s failed: %s", path, t, strerror(e));
        free(t);
        unlinkat(pl.dfd, pl.tmp, 0);
        rc = -1;
    } else if (!rc && !*was_missing) {
        /* tmp now holds the file as it was: read it before letting it go. */
        if (read_swapped_out(&pl, old, olen, err)) {
            /* the new file is in place; the old one stays at tmp for a person */
            rc = -1;
        } else {
            unlinkat(pl.dfd, pl.tmp, 0);
        }
    }
    if (!rc) rc = sync_placed(&pl, err);
    if (pl.dfd >= 0) close(pl.dfd);
    free(pl.tmp);
    free(dir);
    free(target);
    return rc;
}

/* ---- files under a root that no symlink can redirect --------------------- */

bool mt_rel_path_valid(const char *rel)
{
    if (!*rel || *rel == '/') return false;
    for (const char *s = rel; *s;) {
        size_t n = strcspn(s, "/");
        if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.')) return false;
        s += n;
        if (*s == '/') s++;
    }
    return true;
}

/* Open folder `name` in dfd without following a symlink. With make, a
 * missing one is created, and anything there that is not a real folder (a
 * symlink, a file) is removed first: only the link goes, never what it
 * points to. -1 with errno. */
static int open_folder_in(int dfd, const char *name, bool make)
{
    for (int tries = 0; tries < 3; tries++) {
        int fd = open_at(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
        struct stat st;
        if (fd < 0 && errno == ENOTDIR && fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
            errno = ELOOP;   /* say "symlink", not "not a folder" */
        if (fd >= 0 || !make) return fd;
        if (errno == ELOOP || errno == ENOTDIR) {
            if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT) return -1;
        } else if (errno != ENOENT) {
            return -1;
        }
        if (mkdirat(dfd, name, 0755) < 0 && errno != EEXIST) return -1;
    }
    errno = ELOOP;
    return -1;
}

/* Open root, then each folder of rel but its last part, one component at a
 * time with O_NOFOLLOW (see open_folder_in for make); *base gets the last
 * part. The folder's fd, or -1 with errno. */
static int open_parent_in(const char *root, const char *rel, bool make, const char **base)
{
    int fd = open_at(AT_FDCWD, root, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    const char *s = rel;
    while (fd >= 0) {
        size_t n = strcspn(s, "/");
        if (!s[n]) {
            *base = s;
            return fd;
        }
        char *part = xstrndup(s, n);
        int next = open_folder_in(fd, part, make), e = errno;
        free(part);
        close(fd);
        errno = e;
        fd = next;
        s += n + 1;
    }
    return -1;
}

/* root/rel, for messages (root may end with '/'); caller frees. */
static char *path_in(const char *root, const char *rel)
{
    size_t n = strlen(root);
    return xasprintf("%s%s%s", root, n && root[n - 1] == '/' ? "" : "/", rel);
}

static bool refuse_rel(const char *verb, const char *root, const char *rel, struct mt_error *err)
{
    if (mt_rel_path_valid(rel)) return false;
    mt_error_set(err, "cannot %s '%s': not a plain path inside %s", verb, rel, root);
    return true;
}

int mt_file_write_in(const char *root, const char *rel, const void *data, size_t len, mode_t mode,
                     struct mt_error *err)
{
    if (refuse_rel("write", root, rel, err)) return -1;
    char *label = path_in(root, rel), *dir = dir_of(label);
    struct placing pl = {.dfd = -1, .label = label, .dir = dir};
    pl.dfd = open_parent_in(root, rel, true, &pl.base);
    int rc = -1;
    if (pl.dfd < 0) {
        mt_error_set(err, "cannot write %s: cannot open its folder without following links: %s", label,
                     strerror(errno));
    } else {
        rc = write_placed(&pl, data, len, mode, err);
        close(pl.dfd);
    }
    free(dir);
    free(label);
    return rc;
}

/* root/rel opened for reading: only a regular file reached without
 * following any symlink. The fd (and *st), or -1 with err set. */
static int open_regular_in(const char *root, const char *rel, const char *label, struct stat *st, bool *missing,
                           struct mt_error *err)
{
    const char *base;
    int dfd = open_parent_in(root, rel, false, &base);
    /* O_NONBLOCK: a FIFO put there must not hang the read; it is refused below. */
    int fd = dfd < 0 ? -1 : open_at(dfd, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0), e = errno;
    if (dfd >= 0) close(dfd);
    if (fd < 0) {
        if (missing) *missing = e == ENOENT;
        mt_error_set(err, "cannot read %s: %s", label,
                     e == ELOOP ? "it is a symlink (or lies behind one): never followed" : strerror(e));
        return -1;
    }
    if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
        mt_error_set(err, "cannot read %s: not a regular file: never read", label);
        close(fd);
        return -1;
    }
    return fd;
}

int mt_file_read_in(const char *root, const char *rel, char **data, size_t *len, bool *missing,
                    struct mt_error *err)
{
    *data = NULL;
    if (len) *len = 0;
    if (missing) *missing = false;
    if (refuse_rel("read", root, rel, err)) return -1;
    char *label = path_in(root, rel);
    struct stat st;
    int fd = open_regular_in(root, rel, label, &st, missing, err);
    int rc = fd < 0 ? -1 : read_fd(fd, label, data, len, err);
    free(label);
    return rc;
}

int mt_file_map_in(const char *root, const char *rel, size_t want, struct mt_file_map *m, struct mt_error *err)
{
    memset(m, 0, sizeof(*m));
    if (refuse_rel("read", root, rel, err)) return -1;
    char *label = path_in(root, rel);
    struct stat st;
    int fd = open_regular_in(root, rel, label, &st, NULL, err), rc = -1;
    long page = sysconf(_SC_PAGESIZE);
    if (fd < 0) {
        /* err says why */
    } else if ((size_t)st.st_size != want || want == 0 || (page > 0 && want % (size_t)page == 0)) {
        /* not the size asked for; or no byte after the end to stop a reader that looks one past it */
        mt_error_set(err, "%s: not mapped (%lld bytes, %zu wanted)", label, (long long)st.st_size, want);
        close(fd);
    } else {
        void *p = mmap(NULL, want, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
        close(fd);
        if (p == MAP_FAILED) {
            mt_error_set(err, "cannot map %s: %s", label, strerror(errno));
        } else {
            m->data = p;
            m->len = want;
            rc = 0;
        }
    }
    free(label);
    return rc;
}

void mt_file_unmap(struct mt_file_map *m)
{
    if (m->data) munmap((void *)m->data, m->len);
    memset(m, 0, sizeof(*m));
}

static void unmap_view(void *hold)
{
    mt_file_unmap(hold);
    free(hold);
}

int mt_file_view_in(const char *root, const char *rel, size_t want, bool map, char **data, size_t *len,
                    void (**release)(void *), void **hold, struct mt_error *err)
{
    *release = NULL;
    *hold = NULL;
    struct mt_file_map m;
    struct mt_error e = {0};
    if (map && mt_file_map_in(root, rel, want, &m, &e) == 0) {
        struct mt_file_map *h = xmalloc(sizeof(*h));
        *h = m;
        *data = (char *)m.data;
        *len = m.len;
        *release = unmap_view;
        *hold = h;
        return 0;
    }
    mt_error_clear(&e);
    if (mt_file_read_in(root, rel, data, len, NULL, err)) return -1;
    if (*len == want) return 0;
    char *label = path_in(root, rel);
    mt_error_set(err, "%s has %zu bytes, %zu expected", label, *len, want);
    free(label);
    free(*data);
    *data = NULL;
    return -1;
}

int mt_file_remove_in(const char *root, const char *rel, struct mt_error *err)
{
    if (refuse_rel("remove", root, rel, err)) return -1;
    const char *base;
    int dfd = open_parent_in(root, rel, false, &base);
    if (dfd < 0) {
        /* no folder, or a link in its place: nothing of root's is there */
        int e = errno;
        if (e == ENOENT || e == ENOTDIR || e == ELOOP) return 0;
        char *label = path_in(root, rel);
        mt_error_set(err, "cannot remove %s: %s", label, strerror(e));
        free(label);
        return -1;
    }
    int rc = unlinkat(dfd, base, 0) < 0 && errno != ENOENT ? -1 : 0, e = errno;
    if (rc) {
        char *label = path_in(root, rel);
        mt_error_set(err, "cannot remove %s: %s", label, strerror(e));
        free(label);
    }
    close(dfd);
    return rc;
}

int mt_dir_open_in(const char *root, const char *rel)
{
    if (!mt_rel_path_valid(rel)) {
        errno = EINVAL;
        return -1;
    }
    const char *base;
    int dfd = open_parent_in(root, rel, false, &base);
    if (dfd < 0) return -1;
    int fd = open_folder_in(dfd, base, false), e = errno;
    close(dfd);
    errno = e;
    return fd;
}

int mt_mkdirs(const char *path, mode_t mode, struct mt_error *err)
{
    if (!*path) {
        mt_error_set(err, "cannot create directory: empty path");
        return -1;
    }
    char *p = xstrdup(path);
    int rc = 0;
    /* Each prefix ending before a '/', then the whole path. */
    for (char *s = p + 1;; s++) {
        bool end = *s == '\0';
        if (!end && *s != '/') continue;
        char saved = *s;
        *s = '\0';
        if (mkdir(p, mode) < 0) {
            int e = errno;
            struct stat st;
            if (e == EEXIST && stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
                /* already there */
            } else {
                mt_error_set(err, "cannot create directory %s: %s", p,
                             e == EEXIST ? "a file is in the way" : strerror(e));
                rc = -1;
                break;
            }
        }
        *s = saved;
        if (end) break;
    }
    free(p);
    return rc;
}

bool mt_file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}
