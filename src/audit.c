/* audit.c: JSON-lines audit log with a human echo. */
#include "memtui/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "memtui/safetext.h"
#include "memtui/url.h"
#include "memtui/util.h"

static int log_fd = -1;
static char *log_env;
static bool log_quiet, log_warned;

void mt_audit_open(const char *gitdir, const char *env, bool quiet)
{
    mt_audit_close();
    char *path = xasprintf("%smemtui.log", gitdir);
    log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0 && !log_warned) {
        mt_warn("cannot write the audit log %s: %s", path, strerror(errno));
        log_warned = true;
    }
    free(path);
    log_env = xstrdup(env ? env : "");
    log_quiet = quiet;
}

void mt_audit_close(void)
{
    if (log_fd >= 0) close(log_fd);
    log_fd = -1;
    free(log_env);
    log_env = NULL;
}

void mt_audit(const char *event, struct json_object *fields, const char *human, ...)
{
    va_list ap;
    va_start(ap, human);
    char *safe = mt_safe_vformat(human, ap);   /* the human line shows peers' strings escaped */
    char *msg = mt_url_scrub_text(safe);      /* and a URL's password never */
    free(safe);
    va_end(ap);
    if (!log_quiet) fprintf(stderr, "memtui: %s\n", msg);
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

void mt_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *safe = mt_safe_vformat(fmt, ap);
    va_end(ap);
    char *s = mt_url_scrub_text(safe);
    free(safe);
    fprintf(stderr, "memtui: %s\n", s);   /* one line, one write */
    free(s);
}
