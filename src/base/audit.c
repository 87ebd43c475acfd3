/* audit.c: JSON-lines audit log with a human echo (an event, events.h). */
#include "memtui/base/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "memtui/base/events.h"
#include "memtui/base/safetext.h"
#include "memtui/base/url.h"
#include "memtui/base/util.h"

static int log_fd = -1;
static char *log_env, *log_path;
static bool log_quiet, log_warned;
static long long log_max = MT_AUDIT_MAX_BYTES;

static int open_log(void)
{
    return open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

void mt_audit_open(const char *gitdir, const char *env, bool quiet)
{
    mt_audit_close();
    log_path = xasprintf("%smemtui.log", gitdir);
    log_fd = open_log();
    if (log_fd < 0 && !log_warned) {
        mt_warn("cannot write the audit log %s: %s", log_path, strerror(errno));
        log_warned = true;
    }
    log_env = xstrdup(env ? env : "");
    log_quiet = quiet;
    const char *m = getenv("MEMTUI_LOG_MAX_BYTES");
    char *end = NULL;
    long long v = m && *m ? strtoll(m, &end, 10) : 0;
    log_max = end && *end == '\0' && v > 0 ? v : MT_AUDIT_MAX_BYTES;
}

void mt_audit_close(void)
{
    if (log_fd >= 0) close(log_fd);
    log_fd = -1;
    free(log_env);
    log_env = NULL;
    free(log_path);
    log_path = NULL;
}

/* Rotation. The process whose hard link memtui.log.rotating is created
 * first (link() fails with EEXIST for every other) shifts memtui.log.N-1 to
 * .N, ..., .1 to .2, renames memtui.log to .1 and removes the link; others
 * skip. A line is one O_APPEND write into whichever file its descriptor
 * names, so it is never split; a process that opened memtui.log before the
 * rename finishes its line in memtui.log.1. A process that finds the link
 * taken waits for it to go (a rotation is a few renames), so no writer runs
 * past the limit meanwhile; a link still there after ROTATION_WAIT_MS was
 * left by a crash and is taken back, as it is once the log has grown to
 * twice the limit. */
enum { ROTATION_WAIT_MS = 2000 };

static void wait_for_rotation(const char *lock)
{
    struct stat st;
    for (int ms = 0; ms < ROTATION_WAIT_MS; ms++) {
        if (lstat(lock, &st) != 0) return;
        struct timespec one = {0, 1000 * 1000};
        nanosleep(&one, NULL);
    }
    unlink(lock);
}

static void rotate(const struct stat *mine)
{
    char *lock = xasprintf("%s.rotating", log_path);
    if (link(log_path, lock) != 0) {
        struct stat cur;
        if (errno == EEXIST && stat(log_path, &cur) == 0 && cur.st_size >= 2 * log_max) unlink(lock);
        else if (errno == EEXIST) wait_for_rotation(lock);
        free(lock);
        return;
    }
    struct stat held;
    /* Only the file this process measured: another may have rotated it in between. */
    if (stat(lock, &held) == 0 && held.st_ino == mine->st_ino && held.st_dev == mine->st_dev &&
        held.st_size >= log_max) {
        for (int i = MT_AUDIT_KEEP - 1; i >= 1; i--) {
            char *from = xasprintf("%s.%d", log_path, i), *to = xasprintf("%s.%d", log_path, i + 1);
            rename(from, to);
            free(from);
            free(to);
        }
        char *one = xasprintf("%s.1", log_path);
        rename(log_path, one);
        free(one);
    }
    unlink(lock);
    free(lock);
}

/* Before a line: follow a rotation made by another process, and rotate a
 * log that has reached the limit. */
static void prepare_write(void)
{
    for (int tries = 0; tries < 3; tries++) {
        struct stat mine, named;
        if (fstat(log_fd, &mine) != 0) return;
        if (stat(log_path, &named) != 0 || named.st_ino != mine.st_ino || named.st_dev != mine.st_dev) {
            int fd = open_log();                  /* rotated away: write to the new memtui.log */
            if (fd < 0) return;
            close(log_fd);
            log_fd = fd;
            continue;
        }
        if (mine.st_size < log_max) return;
        rotate(&mine);
    }
}

static void audit_v(bool echo, const char *event, struct json_object *fields, const char *human, va_list ap)
{
    char *safe = mt_safe_vformat(human, ap);   /* the human line shows peers' strings escaped */
    char *msg = mt_url_scrub_text(safe);      /* and a URL's password never */
    free(safe);
    if (echo && !log_quiet) mt_event_post(MT_EVENT_INFO, msg);   /* the same line, to the front end */
    if (log_fd >= 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        char when[40];
        size_t n = strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(when + n, sizeof when - n, ".%03ldZ", ts.tv_nsec / 1000000);
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "time", json_object_new_string(when));
        json_object_object_add(o, "env", json_object_new_string(log_env ? log_env : ""));
        json_object_object_add(o, "pid", json_object_new_int64(getpid()));
        json_object_object_add(o, "event", json_object_new_string(event));
        json_object_object_add(o, "message", json_object_new_string(msg));
        if (fields && json_object_is_type(fields, json_type_object)) {
            json_object_object_foreach(fields, k, v) json_object_object_add(o, k, json_object_get(v));
        } else if (fields) {
            json_object_object_add(o, "detail", json_object_get(fields));
        }
        char *scrubbed = mt_url_scrub_text(json_object_to_json_string_ext(   /* the caller's fields too */
            o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        struct mt_buf line;
        mt_buf_init(&line);
        mt_safe_json_add(&line, scrubbed);
        free(scrubbed);
        mt_buf_addc(&line, '\n');
        prepare_write();
        if (write(log_fd, line.data, line.len) < 0 && !log_warned) {
            mt_warn("cannot write the audit log: %s", strerror(errno));
            log_warned = true;
        }
        mt_buf_free(&line);
        json_object_put(o);
    }
    json_object_put(fields);
    free(msg);
}

void mt_audit(const char *event, struct json_object *fields, const char *human, ...)
{
    va_list ap;
    va_start(ap, human);
    audit_v(true, event, fields, human, ap);
    va_end(ap);
}

void mt_audit_record(const char *event, struct json_object *fields, const char *message, ...)
{
    va_list ap;
    va_start(ap, message);
    audit_v(false, event, fields, message, ap);
    va_end(ap);
}

bool mt_audit_is_open(void)
{
    return log_fd >= 0;
}

void mt_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mt_event_vemit(MT_EVENT_WARNING, fmt, ap);
    va_end(ap);
}
