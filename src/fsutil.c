/* fsutil.c: whole-file reads and crash-safe writes; see fsutil.h. */
#include "memtui/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Largest single read/write request; Linux moves at most ~2 GiB per call. */
#define IO_CHUNK ((size_t)1 << 30)

static int open_retry(const char *path, int flags, mode_t mode)
{
    int fd;
    do fd = open(path, flags, mode);
    while (fd < 0 && errno == EINTR);
    return fd;
}

int mt_file_read(const char *path, char **data, size_t *len, bool *missing, struct mt_error *err)
{
    *data = NULL;
    if (len) *len = 0;
    if (missing) *missing = false;

    int fd = open_retry(path, O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0) {
        if (missing) *missing = errno == ENOENT;
        mt_error_set(err, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        mt_error_set(err, "cannot read %s: %s", path, strerror(errno));
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
            mt_error_set(err, "cannot read %s: %s", path, strerror(errno));
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

/* Folder part of path ("." when there is none); caller frees. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash) return xstrdup(".");
    if (slash == path) return xstrdup("/");
    return xstrndup(path, (size_t)(slash - path));
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

int mt_fsync_dir_of(const char *path, struct mt_error *err)
{
    char *dir = dir_of(path);
    int fd = open_retry(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    if (fd < 0) {
        mt_error_set(err, "cannot open directory %s to fsync it: %s", dir, strerror(errno));
        free(dir);
        return -1;
    }
    int rc = fsync(fd);
    /* EINVAL/ENOTSUP: this file system cannot sync directories at all, which
     * is no lost write; anything else (EIO...) is a real failure. */
    if (rc < 0 && (errno == EINVAL || errno == ENOTSUP || errno == EOPNOTSUPP)) rc = 0;
    if (rc < 0) mt_error_set(err, "cannot fsync directory %s: %s", dir, strerror(errno));
    close(fd);
    free(dir);
    return rc < 0 ? -1 : 0;
}

/* Write data into a new temp file beside target, fsynced and closed, with
 * target's owner and mode when it exists (else mode). *tmp gets its path. */
static int write_temp(const char *path, const char *target, const void *data, size_t len, mode_t mode,
                      char **tmp_out, struct mt_error *err)
{
    struct stat st;
    bool existed = stat(target, &st) == 0 && S_ISREG(st.st_mode);
    if (existed) mode = st.st_mode & 07777;

    char *dir = dir_of(target);
    const char *slash = strrchr(target, '/');
    const char *base = slash ? slash + 1 : target;
    char *tmp = NULL;
    int fd = -1;
    for (int tries = 0; fd < 0 && tries < 100; tries++) {
        free(tmp);
        tmp = xasprintf("%s/.%s.tmp-%ld-%08x", strcmp(dir, "/") ? dir : "", base,
                        (long)getpid(), temp_suffix());
        fd = open_retry(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        if (fd < 0 && errno != EEXIST) break;
    }
    free(dir);
    const char *step = NULL;
    if (fd < 0) {
        mt_error_set(err, "cannot write %s: cannot create temp file %s: %s", path, tmp,
                     strerror(errno));
        free(tmp);
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
    *tmp_out = tmp;
    return 0;
fail:
    mt_error_set(err, "cannot write %s: %s of temp file %s failed: %s", path, step, tmp,
                 strerror(errno));
    if (fd >= 0) close(fd);
    unlink(tmp);
    free(tmp);
    return -1;
}

/* Write through a symlink to its target, so the link stays a link. */
static char *resolve_target(const char *path)
{
    char *target = NULL;
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) target = realpath(path, NULL);
    return target ? target : xstrdup(path);
}

/* The new file is in place, but until the folder is synced a crash may
 * bring the old one back: that is not success. */
static int sync_placed(const char *path, const char *target, struct mt_error *err)
{
    struct mt_error derr = {0};
    if (mt_fsync_dir_of(target, &derr) == 0) return 0;
    mt_error_set(err, "cannot write %s: renamed into place, but %s", path, derr.msg);
    mt_error_clear(&derr);
    return -1;
}

int mt_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                         struct mt_error *err)
{
    char *target = resolve_target(path), *tmp;
    if (write_temp(path, target, data, len, mode, &tmp, err)) {
        free(target);
        return -1;
    }
    int rc = 0;
    if (rename(tmp, target) < 0) {
        mt_error_set(err, "cannot write %s: rename of temp file %s failed: %s", path, tmp, strerror(errno));
        unlink(tmp);
        rc = -1;
    }
    if (!rc) rc = sync_placed(path, target, err);
    free(tmp);
    free(target);
    return rc;
}

/* Put tmp in place of target and get what was there, in one step: with
 * RENAME_EXCHANGE the old file ends up at tmp, so a write that lands just
 * before is never overwritten unseen. Where there was no file,
 * RENAME_NOREPLACE; a file appearing meanwhile means exchange again. */
static int place_exchange(const char *tmp, const char *target, bool *was_missing)
{
    for (int tries = 0; tries < 1000; tries++) {
        if (renameat2(AT_FDCWD, tmp, AT_FDCWD, target, RENAME_EXCHANGE) == 0) {
            *was_missing = false;
            return 0;
        }
        if (errno != ENOENT) return -1;
        if (renameat2(AT_FDCWD, tmp, AT_FDCWD, target, RENAME_NOREPLACE) == 0) {
            *was_missing = true;
            return 0;
        }
        if (errno != EEXIST) return -1;
    }
    errno = EAGAIN;
    return -1;
}

int mt_file_exchange(const char *path, const void *data, size_t len, mode_t mode, char **old, size_t *olen,
                     bool *was_missing, struct mt_error *err)
{
    *old = NULL;
    *olen = 0;
    char *target = resolve_target(path), *tmp;
    if (write_temp(path, target, data, len, mode, &tmp, err)) {
        free(target);
        return -1;
    }
    int rc = 0;
    if (place_exchange(tmp, target, was_missing) < 0) {
        mt_error_set(err, "cannot write %s: exchange with temp file %s failed: %s", path, tmp, strerror(errno));
        unlink(tmp);
        rc = -1;
    } else if (!*was_missing) {
        /* tmp now holds the file as it was: read it before letting it go. */
        if (mt_file_read(tmp, old, olen, NULL, err)) {
            /* the new file is in place; the old one stays at tmp for a person */
            rc = -1;
        } else {
            unlink(tmp);
        }
    }
    if (!rc) rc = sync_placed(path, target, err);
    free(tmp);
    free(target);
    return rc;
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
