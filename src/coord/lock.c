/* lock.c: flock-based local lock with a holder record. */
#include "memtui/coord/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct mt_lock {
    int fd;
    char *path;
};

double mt_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void parse_holder(const char *text, struct mt_lock_holder *h)
{
    struct json_object *o = json_tokener_parse(text), *v;
    if (!o) return;
    if (json_object_object_get_ex(o, "env", &v)) snprintf(h->env, sizeof h->env, "%s", json_object_get_string(v));
    if (json_object_object_get_ex(o, "host", &v)) snprintf(h->host, sizeof h->host, "%s", json_object_get_string(v));
    if (json_object_object_get_ex(o, "pid", &v)) h->pid = (long)json_object_get_int64(v);
    if (json_object_object_get_ex(o, "since", &v)) snprintf(h->since, sizeof h->since, "%s", json_object_get_string(v));
    json_object_put(o);
}

static void read_holder_fd(int fd, struct mt_lock_holder *h)
{
    char buf[1024];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0) return;
    buf[n] = '\0';
    parse_holder(buf, h);
}

/* Never through a symlink; O_NONBLOCK so that a FIFO there cannot hang us,
 * O_NOCTTY so that a terminal there never becomes ours. */
#define LOCK_OPEN_FLAGS (O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)

/* Open path only if it is a regular file. -1 with *other set to its mode
 * when it is something else, with *other 0 and errno set when open fails. */
static int open_regular(const char *path, int flags, mode_t *other)
{
    /* Looked at before opening, so that no device or FIFO is even opened;
     * fstat after it decides (the path may change in between). */
    struct stat st;
    *other = 0;
    if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        *other = st.st_mode;
        return -1;
    }
    int fd = open(path, flags | LOCK_OPEN_FLAGS, 0644);
    if (fd < 0) return -1;
    if (fstat(fd, &st) != 0) st.st_mode = S_IFIFO;   /* cannot tell: not regular */
    if (!S_ISREG(st.st_mode)) {
        *other = st.st_mode;
        close(fd);
        return -1;
    }
    return fd;
}

char *mt_lock_path(const char *lock_file, const char *gitdir)
{
    return lock_file ? xstrdup(lock_file) : xasprintf("%smemtui.lock", gitdir);
}

bool mt_lock_holder(const char *path, struct mt_lock_holder *h)
{
    memset(h, 0, sizeof(*h));
    mode_t other;
    int fd = open_regular(path, O_RDONLY, &other);
    if (fd < 0) return false;
    read_holder_fd(fd, h);
    /* A second open file description conflicts even within one process. */
    if (flock(fd, LOCK_SH | LOCK_NB) == 0) flock(fd, LOCK_UN);
    else h->held = errno == EWOULDBLOCK;
    close(fd);
    return true;
}

static void write_holder(int fd, const char *env, const char *host)
{
    char since[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%SZ", &tm);
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "env", json_object_new_string(env));
    json_object_object_add(o, "host", json_object_new_string(host));
    json_object_object_add(o, "pid", json_object_new_int64(getpid()));
    json_object_object_add(o, "since", json_object_new_string(since));
    /* One write of the whole line after the truncation: a holder killed in
     * between leaves an empty file, which is still recognised as a lock. */
    char *line = xasprintf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    if (ftruncate(fd, 0) == 0 && pwrite(fd, line, strlen(line), 0) < 0) { /* the record is advisory */ }
    free(line);
    json_object_put(o);
}

static bool has_string(struct json_object *o, const char *key)
{
    struct json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string);
}

/* A holder record as write_holder (or an older memtui) writes it: one line
 * holding one JSON object with env, host, pid and since. */
static bool is_holder_record(const char *text, size_t n)
{
    if (n > 0 && text[n - 1] == '\n') n--;
    if (n == 0 || memchr(text, '\n', n) || memchr(text, '\0', n)) return false;
    struct json_tokener *tok = json_tokener_new();
    struct json_object *o = json_tokener_parse_ex(tok, text, (int)n), *pid;
    bool whole = o && (size_t)json_tokener_get_parse_end(tok) == n;
    bool ok = whole && json_object_is_type(o, json_type_object) && has_string(o, "env") &&
              has_string(o, "host") && has_string(o, "since") && json_object_object_get_ex(o, "pid", &pid) &&
              json_object_is_type(pid, json_type_int);
    json_object_put(o);
    json_tokener_free(tok);
    return ok;
}

enum { LOCK_RECORD_MAX = 1024 };

/* May memtui write its holder record into the open file fd? Only into its
 * own lock file: one that is empty (nothing can be lost there; that is also
 * what memtui creates) or holds a holder record. */
static bool is_memtui_lock(int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size > LOCK_RECORD_MAX) return false;
    char buf[LOCK_RECORD_MAX + 1];
    ssize_t n = pread(fd, buf, sizeof buf, 0);
    if (n < 0 || n > LOCK_RECORD_MAX) return false;
    return n == 0 || is_holder_record(buf, (size_t)n);
}

static void refuse_foreign_file(const char *path, struct mt_error *err)
{
    mt_error_set(err, "the lock file %s is not a memtui lock file (it holds something else): refusing to "
                      "overwrite it; point --lock-file at a new file or an empty one", path);
}

static int refuse_kind(const char *path, mode_t mode, struct mt_error *err)
{
    const char *what = S_ISLNK(mode) ? "is a symbolic link: memtui never follows one there"
                       : S_ISDIR(mode) ? "is a directory, not a memtui lock file"
                                       : "is not a regular file, not a memtui lock file";
    mt_error_set(err, "the lock file %s %s", path, what);
    return -1;
}

/* Open (or create) the lock file at path: never through a symlink, never a
 * file that is not memtui's own lock file. -1 with err set when refused. */
static int open_lock_file(const char *path, struct mt_error *err)
{
    mode_t other;
    int fd = open_regular(path, O_RDWR | O_CREAT, &other);
    if (fd < 0 && other) return refuse_kind(path, other, err);
    if (fd < 0) {
        mt_error_set(err, "cannot open lock file %s: %s", path, strerror(errno));
        return -1;
    }
    if (is_memtui_lock(fd)) return fd;
    refuse_foreign_file(path, err);
    close(fd);
    return -1;
}

int mt_lock_acquire(const char *path, double timeout_s, const char *env, const char *host,
                    struct mt_lock **out, struct mt_error *err)
{
    *out = NULL;
    int fd = open_lock_file(path, err);
    if (fd < 0) return MT_LOCK_ERR;
    double deadline = mt_monotonic() + timeout_s;
    long delay_us = 10000;
    while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EINTR) continue;
        if (errno != EWOULDBLOCK) {
            mt_error_set(err, "cannot lock %s: %s", path, strerror(errno));
            close(fd);
            return MT_LOCK_ERR;
        }
        if (mt_monotonic() >= deadline) {
            struct mt_lock_holder h = {0};
            read_holder_fd(fd, &h);
            mt_error_set(err, "timed out after %.1f s waiting for the local lock %s, held by env %s on %s "
                              "(pid %ld) since %s", timeout_s, path, h.env[0] ? h.env : "?",
                         h.host[0] ? h.host : "?", h.pid, h.since[0] ? h.since : "?");
            close(fd);
            return MT_LOCK_TIMEOUT;
        }
        usleep((useconds_t)delay_us);
        if (delay_us < 200000) delay_us *= 2;
    }
    /* Checked again under the flock: no memtui writes the file now, and
     * someone else may have filled it while we waited. */
    if (!is_memtui_lock(fd)) {
        refuse_foreign_file(path, err);
        flock(fd, LOCK_UN);
        close(fd);
        return MT_LOCK_ERR;
    }
    write_holder(fd, env, host);
    struct mt_lock *l = xcalloc(1, sizeof(*l));
    l->fd = fd;
    l->path = xstrdup(path);
    *out = l;
    return MT_LOCK_OK;
}

void mt_lock_release(struct mt_lock *l)
{
    if (!l) return;
    /* The holder record stays (it says who held it last); the flock goes. */
    flock(l->fd, LOCK_UN);
    close(l->fd);
    free(l->path);
    free(l);
}
