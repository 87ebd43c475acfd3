/* lock.c: flock-based local lock with a holder record. */
#include "memtui/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
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

bool mt_lock_holder(const char *path, struct mt_lock_holder *h)
{
    memset(h, 0, sizeof(*h));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
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
    const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
    if (ftruncate(fd, 0) == 0 && pwrite(fd, s, strlen(s), 0) < 0) { /* the record is advisory */ }
    if (pwrite(fd, "\n", 1, (off_t)strlen(s)) < 0) { /* advisory too */ }
    json_object_put(o);
}

int mt_lock_acquire(const char *path, double timeout_s, const char *env, const char *host,
                    struct mt_lock **out, struct mt_error *err)
{
    *out = NULL;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        mt_error_set(err, "cannot open lock file %s: %s", path, strerror(errno));
        return MT_LOCK_ERR;
    }
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
