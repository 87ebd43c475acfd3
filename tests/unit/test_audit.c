/* test_audit.c: the audit log (audit.h): one JSON object a line with the
 * standard fields and the caller's fields merged in, the human echo on
 * stderr (or not, when quiet), appending across opens, logging that never
 * fails the caller, concurrent writers whose lines never interleave, and
 * rotation at a size (MEMTUI_LOG_MAX_BYTES) that keeps MT_AUDIT_KEEP old
 * files and loses or splits no line, with several writers at once. */
#include "testutil.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "memtui/base/audit.h"
#include "memtui/base/util.h"

static char *T;      /* the "git dir", with its trailing slash */
static char *LOG;

static void setup(void)
{
    char *t = tu_tmpdir();
    T = xasprintf("%s/", t);
    free(t);
    LOG = xasprintf("%smemtui.log", T);
}

static void teardown(void)
{
    mt_audit_close();
    unsetenv("MEMTUI_LOG_MAX_BYTES");
    tu_sh("rm -rf '%s'", T);
    free(LOG);
    free(T);
}

/* ---- helpers ----------------------------------------------------------------- */

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    struct mt_buf b;
    mt_buf_init(&b);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) mt_buf_add(&b, chunk, n);
    fclose(f);
    return mt_buf_detach(&b, len);
}

/* The log's lines, each parsed (the test fails on a line that is not one
 * JSON object). */
static struct json_object **lines_of(const char *path, size_t *n)
{
    size_t len;
    char *text = slurp(path, &len);
    ck_assert_ptr_nonnull(text);
    ck_assert_msg(len == 0 || text[len - 1] == '\n', "log does not end with a newline");
    struct json_object **out = NULL;
    size_t cap = 0;
    *n = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        struct json_tokener *tok = json_tokener_new();
        struct json_object *o = json_tokener_parse_ex(tok, line, (int)strlen(line));
        bool whole = o && json_tokener_get_parse_end(tok) == strlen(line);
        json_tokener_free(tok);
        ck_assert_msg(whole && json_object_is_type(o, json_type_object), "line %zu is not one JSON object: %.200s",
                      *n + 1, line);
        MT_GROW(out, cap, *n + 1);
        out[(*n)++] = o;
    }
    free(text);
    return out;
}

static struct json_object **log_lines(size_t *n)
{
    return lines_of(LOG, n);
}

static void free_lines(struct json_object **l, size_t n)
{
    for (size_t i = 0; i < n; i++) json_object_put(l[i]);
    free(l);
}

static const char *sget(struct json_object *o, const char *k)
{
    struct json_object *v;
    ck_assert_msg(json_object_object_get_ex(o, k, &v), "no field %s", k);
    return json_object_get_string(v);
}

static long long iget(struct json_object *o, const char *k)
{
    struct json_object *v;
    ck_assert_msg(json_object_object_get_ex(o, k, &v), "no field %s", k);
    return json_object_get_int64(v);
}

/* ---- tests -------------------------------------------------------------------- */

static void log_one(void)
{
    struct json_object *f = json_object_new_object();
    json_object_object_add(f, "token", json_object_new_int64(42));
    json_object_object_add(f, "branch", json_object_new_string("memtui/backup/laptop/20261126T041200Z"));
    struct json_object *arr = json_object_new_array();
    json_object_array_add(arr, json_object_new_string("a"));
    json_object_object_add(f, "envs", arr);
    mt_audit("lease", f, "took the lease (token %d) from %s", 42, "server");
}

START_TEST(test_line_fields)
{
    mt_audit_open(T, "laptop", false);
    struct timespec t0;
    clock_gettime(CLOCK_REALTIME, &t0);
    char *err = tu_capture_stderr(log_one);
    ck_assert_str_eq(err, "memtui: took the lease (token 42) from server\n");
    free(err);
    mt_audit_close();

    size_t n;
    struct json_object **l = log_lines(&n);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(sget(l[0], "event"), "lease");
    ck_assert_str_eq(sget(l[0], "env"), "laptop");
    ck_assert_int_eq(iget(l[0], "pid"), getpid());
    ck_assert_str_eq(sget(l[0], "message"), "took the lease (token 42) from server");
    /* The caller's fields are merged in, types kept. */
    ck_assert_int_eq(iget(l[0], "token"), 42);
    ck_assert_str_eq(sget(l[0], "branch"), "memtui/backup/laptop/20261126T041200Z");
    struct json_object *envs;
    ck_assert(json_object_object_get_ex(l[0], "envs", &envs));
    ck_assert(json_object_is_type(envs, json_type_array));
    ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(envs, 0)), "a");
    /* time: UTC with milliseconds, close to now. */
    const char *when = sget(l[0], "time");
    ck_assert_uint_eq(strlen(when), 24);
    ck_assert_int_eq(when[10], 'T');
    ck_assert_int_eq(when[19], '.');
    ck_assert_int_eq(when[23], 'Z');
    struct tm tm = {0};
    ck_assert_ptr_nonnull(strptime(when, "%Y-%m-%dT%H:%M:%S", &tm));
    time_t t = timegm(&tm);
    ck_assert(t >= t0.tv_sec - 1 && t <= t0.tv_sec + 2);
    free_lines(l, n);

    /* The raw line: slashes are not escaped. */
    char *raw = slurp(LOG, NULL);
    ck_assert_ptr_null(strstr(raw, "\\/"));
    ck_assert_ptr_nonnull(strstr(raw, "memtui/backup/laptop"));
    free(raw);
}
END_TEST

static void log_quiet(void)
{
    mt_audit("lock", NULL, "waiting for the lock");
}

START_TEST(test_quiet_and_null_fields)
{
    mt_audit_open(T, "e1", true);
    char *err = tu_capture_stderr(log_quiet);
    ck_assert_str_eq(err, "");                  /* quiet: no human line */
    free(err);
    /* A non-object fields value is kept under "detail". */
    mt_audit("backup", json_object_new_string("memtui/backup/e1/x"), "kept %s", "it");
    struct json_object *arr = json_object_new_array();
    json_object_array_add(arr, json_object_new_int(1));
    mt_audit("retry", arr, "retry");
    mt_audit_close();
    size_t n;
    struct json_object **l = log_lines(&n);
    ck_assert_uint_eq(n, 3);
    ck_assert_str_eq(sget(l[0], "event"), "lock");
    ck_assert_str_eq(sget(l[0], "message"), "waiting for the lock");
    ck_assert(!json_object_object_get_ex(l[0], "detail", NULL));
    ck_assert_str_eq(sget(l[1], "event"), "backup");
    ck_assert_str_eq(sget(l[1], "detail"), "memtui/backup/e1/x");
    ck_assert_str_eq(sget(l[1], "message"), "kept it");
    struct json_object *d;
    ck_assert(json_object_object_get_ex(l[2], "detail", &d));
    ck_assert(json_object_is_type(d, json_type_array));
    free_lines(l, n);
}
END_TEST

/* Messages with newlines, quotes, control characters and UTF-8 stay on
 * one line: the human line shows the controls escaped (safetext.h), the
 * fields keep the exact strings, and the line holds no raw control byte. */
START_TEST(test_awkward_message)
{
    mt_audit_open(T, "e", true);
    const char *m = "two\nlines \"quoted\" tab\there \x01 caf\xc3\xa9 back\\slash \x1b]0;T\x07\x7f\xc2\x9b";
    mt_audit("verify", json_object_new_string(m), "%s", m);
    mt_audit_close();
    size_t len;
    char *raw = slurp(LOG, &len);
    size_t newlines = 0;
    for (size_t i = 0; i < len; i++) newlines += raw[i] == '\n';
    ck_assert_uint_eq(newlines, 1);
    for (size_t i = 0; i + 1 < len; i++) {
        unsigned char c = (unsigned char)raw[i];
        ck_assert_msg(c >= 0x20 && c != 0x7f && !(c == 0xc2 && (unsigned char)raw[i + 1] < 0xa0),
                      "raw control byte 0x%02x at %zu", c, i);
    }
    free(raw);
    size_t n;
    struct json_object **l = log_lines(&n);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(sget(l[0], "message"), "two\\x0alines \"quoted\" tab\\x09here \\x01 caf\xc3\xa9 back\\slash "
                                            "\\x1b]0;T\\x07\\x7f\\u009b");
    ck_assert_str_eq(sget(l[0], "detail"), m);
    free_lines(l, n);
}
END_TEST

START_TEST(test_appends_across_opens)
{
    mt_audit_open(T, "first", true);
    mt_audit("a", NULL, "one");
    mt_audit("b", NULL, "two");
    mt_audit_close();
    mt_audit_open(T, "second", true);
    mt_audit_open(T, "third", true);            /* reopening closes the previous */
    mt_audit("c", NULL, "three");
    mt_audit_close();
    mt_audit_close();                           /* twice is harmless */
    mt_audit("d", NULL, "after close: not in the file");
    size_t n;
    struct json_object **l = log_lines(&n);
    ck_assert_uint_eq(n, 3);
    ck_assert_str_eq(sget(l[0], "message"), "one");
    ck_assert_str_eq(sget(l[0], "env"), "first");
    ck_assert_str_eq(sget(l[1], "message"), "two");
    ck_assert_str_eq(sget(l[2], "message"), "three");
    ck_assert_str_eq(sget(l[2], "env"), "third");
    free_lines(l, n);
}
END_TEST

static void log_unwritable(void)
{
    mt_audit_open("/nonexistent-memtui-dir/x/", "e", true);
    mt_audit("a", json_object_new_string("consumed even without a log"), "one");
    mt_audit_open("/nonexistent-memtui-dir/x/", "e", true);
    mt_audit("b", NULL, "two");
    mt_audit_close();
}

/* A log that cannot be written is reported once, and never fails the caller. */
START_TEST(test_unwritable_log)
{
    char *err = tu_capture_stderr(log_unwritable);
    const char *first = strstr(err, "cannot write the audit log");
    ck_assert_msg(first != NULL, "stderr: %s", err);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent-memtui-dir/x/memtui.log"));
    ck_assert_msg(strstr(first + 1, "cannot write the audit log") == NULL, "reported twice: %s", err);
    free(err);
}
END_TEST

static void log_unopened(void)
{
    mt_audit("lock", json_object_new_int(3), "no log opened: %s", "stderr only");
}

START_TEST(test_without_open)
{
    char *err = tu_capture_stderr(log_unopened);
    ck_assert_str_eq(err, "memtui: no log opened: stderr only\n");
    free(err);
    ck_assert_int_ne(access(LOG, F_OK), 0);
}
END_TEST

/* 4 processes x 500 lines of 1.5 to 6 KB each at once, through their own
 * descriptors and through one inherited descriptor: every line is whole. */
static void concurrent(bool inherited)
{
    enum { P = 4, N = 500 };
    setenv("MEMTUI_LOG_MAX_BYTES", "1000000000", 1);   /* about 7.5 MB: one file, no rotation here */
    if (inherited) mt_audit_open(T, "parent", true);
    pid_t pids[P];
    for (int i = 0; i < P; i++) {
        pids[i] = fork();
        ck_assert_int_ge(pids[i], 0);
        if (pids[i] == 0) {
            if (!inherited) {
                char env[16];
                snprintf(env, sizeof env, "w%d", i);
                mt_audit_open(T, env, true);
            }
            size_t size = 1500 + (size_t)i * 1500;
            char *pad = xmalloc(size + 1);
            memset(pad, 'a' + i, size);
            pad[size] = '\0';
            for (int k = 0; k < N; k++) {
                struct json_object *f = json_object_new_object();
                json_object_object_add(f, "writer", json_object_new_int(i));
                json_object_object_add(f, "seq", json_object_new_int(k));
                json_object_object_add(f, "pad", json_object_new_string(pad));
                mt_audit("stress", f, "writer %d line %d", i, k);
            }
            free(pad);
            mt_audit_close();
            _exit(0);
        }
    }
    if (inherited) mt_audit_close();
    for (int i = 0; i < P; i++) {
        int st;
        ck_assert_int_eq(waitpid(pids[i], &st, 0), pids[i]);
        ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    size_t n;
    struct json_object **l = log_lines(&n);
    ck_assert_uint_eq(n, P * N);
    int next[P] = {0};
    for (size_t j = 0; j < n; j++) {
        int w = (int)iget(l[j], "writer"), seq = (int)iget(l[j], "seq");
        ck_assert(w >= 0 && w < P);
        ck_assert_int_eq(seq, next[w]);          /* each writer's lines in order */
        next[w]++;
        const char *pad = sget(l[j], "pad");
        ck_assert_uint_eq(strlen(pad), 1500 + (size_t)w * 1500);
        for (const char *p = pad; *p; p++) ck_assert_int_eq(*p, 'a' + w);
        ck_assert_int_eq(iget(l[j], "pid"), pids[w]);
        char want[64];
        snprintf(want, sizeof want, "writer %d line %d", w, seq);
        ck_assert_str_eq(sget(l[j], "message"), want);
    }
    for (int i = 0; i < P; i++) ck_assert_int_eq(next[i], N);
    free_lines(l, n);
}

START_TEST(test_concurrent_writers)
{
    concurrent(false);
}
END_TEST

START_TEST(test_concurrent_writers_shared_fd)
{
    concurrent(true);
}
END_TEST

/* The log descriptor is not inherited by programs memtui runs. */
START_TEST(test_log_fd_cloexec)
{
    mt_audit_open(T, "e", true);
    int fds = 0;
    char link[64], target[4096];
    char *real_dir = realpath(T, NULL);
    char *want = xasprintf("%s/memtui.log", real_dir);
    for (int fd = 0; fd < 1024; fd++) {
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t k = readlink(link, target, sizeof target - 1);
        if (k <= 0) continue;
        target[k] = '\0';
        if (strcmp(target, want) == 0) {
            fds++;
            ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
            ck_assert(fcntl(fd, F_GETFL) & O_APPEND);
        }
    }
    ck_assert_int_eq(fds, 1);
    free(want);
    free(real_dir);
    mt_audit_close();
}
END_TEST

/* ---- rotation ---------------------------------------------------------------- */

static char *rotated(int i)
{
    return i ? xasprintf("%s.%d", LOG, i) : xstrdup(LOG);
}

static off_t size_at(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_size : -1;
}

/* All lines, oldest file first: memtui.log.KEEP .. memtui.log.1, memtui.log;
 * files[] gets how many lines each holds. */
static struct json_object **all_lines(size_t *n, size_t files[MT_AUDIT_KEEP + 1])
{
    struct json_object **out = NULL;
    size_t cap = 0;
    *n = 0;
    for (int i = MT_AUDIT_KEEP; i >= 0; i--) {
        char *path = rotated(i);
        files[i] = 0;
        if (access(path, F_OK) == 0) {
            size_t k;
            struct json_object **l = lines_of(path, &k);
            for (size_t j = 0; j < k; j++) {
                MT_GROW(out, cap, *n + 1);
                out[(*n)++] = l[j];
            }
            free(l);
            files[i] = k;
        }
        free(path);
    }
    return out;
}

/* One writer, many rotations: memtui.log and exactly MT_AUDIT_KEEP older
 * files remain, each near the limit, holding the newest lines in order
 * with none missing between them. */
START_TEST(test_rotation_keeps_files)
{
    enum { MAX = 2000, N = 300 };
    setenv("MEMTUI_LOG_MAX_BYTES", "2000", 1);
    mt_audit_open(T, "e", true);
    for (int k = 0; k < N; k++) {
        struct json_object *f = json_object_new_object();
        json_object_object_add(f, "seq", json_object_new_int(k));
        mt_audit("stress", f, "line %d", k);
    }
    mt_audit_close();
    for (int i = 0; i <= MT_AUDIT_KEEP + 1; i++) {
        char *path = rotated(i);
        off_t sz = size_at(path);
        if (i <= MT_AUDIT_KEEP) {
            ck_assert_msg(sz > 0, "%s missing", path);
            ck_assert_msg(sz < MAX + 400, "%s has %lld bytes", path, (long long)sz);   /* one line over at most */
            if (i) ck_assert_msg(sz >= MAX, "%s rotated early at %lld bytes", path, (long long)sz);
        } else {
            ck_assert_msg(sz < 0, "%s kept: more than %d old files", path, MT_AUDIT_KEEP);
        }
        free(path);
    }
    char *lock = xasprintf("%s.rotating", LOG);
    ck_assert_int_ne(access(lock, F_OK), 0);
    free(lock);
    size_t n, files[MT_AUDIT_KEEP + 1], longest = 0;
    struct json_object **l = all_lines(&n, files);
    ck_assert_uint_gt(n, 0);
    for (size_t j = 0; j < n; j++) {
        ck_assert_int_eq(iget(l[j], "seq"), N - (int)n + (int)j);   /* the newest lines, consecutive */
        size_t len = strlen(json_object_to_json_string(l[j]));
        if (len > longest) longest = len;
    }
    ck_assert_uint_lt(longest, 400);
    free_lines(l, n);
}
END_TEST

/* Two processes writing at once through a small limit: several rotations,
 * and every line of both is whole, in order, in some kept file. */
START_TEST(test_rotation_two_writers)
{
    enum { P = 2, N = 400, MAX = 60000 };   /* about 2 x 400 x 240 bytes: 3 rotations at most, none dropped */
    setenv("MEMTUI_LOG_MAX_BYTES", "60000", 1);
    pid_t pids[P];
    for (int i = 0; i < P; i++) {
        pids[i] = fork();
        ck_assert_int_ge(pids[i], 0);
        if (pids[i] == 0) {
            mt_audit_open(T, i ? "w1" : "w0", true);
            char pad[101];
            memset(pad, 'a' + i, 100);
            pad[100] = '\0';
            for (int k = 0; k < N; k++) {
                struct json_object *f = json_object_new_object();
                json_object_object_add(f, "writer", json_object_new_int(i));
                json_object_object_add(f, "seq", json_object_new_int(k));
                json_object_object_add(f, "pad", json_object_new_string(pad));
                mt_audit("stress", f, "writer %d line %d", i, k);
            }
            mt_audit_close();
            _exit(0);
        }
    }
    for (int i = 0; i < P; i++) {
        int st;
        ck_assert_int_eq(waitpid(pids[i], &st, 0), pids[i]);
        ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    size_t n, files[MT_AUDIT_KEEP + 1];
    struct json_object **l = all_lines(&n, files);
    ck_assert_uint_eq(n, P * N);                       /* no line lost (each parsed whole) */
    ck_assert_uint_gt(files[1], 0);                    /* it did rotate */
    for (int i = 0; i <= MT_AUDIT_KEEP; i++) {
        char *path = rotated(i);
        off_t sz = size_at(path);
        ck_assert_msg(sz < MAX + P * 400, "%s has %lld bytes", path, (long long)sz);
        free(path);
    }
    int next[P] = {0};
    for (size_t j = 0; j < n; j++) {
        int w = (int)iget(l[j], "writer");
        ck_assert(w >= 0 && w < P);
        ck_assert_int_eq(iget(l[j], "seq"), next[w]);  /* each writer's lines in order, across files */
        next[w]++;
        ck_assert_uint_eq(strlen(sget(l[j], "pad")), 100);
    }
    free_lines(l, n);
}
END_TEST

/* A writer that finds the log at its limit while another process holds
 * memtui.log.rotating waits for that rotation instead of writing past the
 * limit; when the holder lets go it follows (or makes) the rotation. */
START_TEST(test_rotation_waits_for_rotator)
{
    setenv("MEMTUI_LOG_MAX_BYTES", "1000", 1);
    int fd = open(LOG, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    char full[1200];
    memset(full, 'x', sizeof full - 1);
    full[sizeof full - 1] = '\n';
    ck_assert_int_eq(write(fd, full, sizeof full), (ssize_t)sizeof full);
    close(fd);
    char *lock = xasprintf("%s.rotating", LOG);
    ck_assert_int_eq(link(LOG, lock), 0);            /* a rotator at work */
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        mt_audit_open(T, "w", true);
        mt_audit("stress", NULL, "after the limit");
        mt_audit_close();
        _exit(0);
    }
    usleep(300 * 1000);
    ck_assert_int_eq(size_at(LOG), (off_t)sizeof full);   /* it waited */
    ck_assert_int_eq(unlink(lock), 0);
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    char *one = rotated(1);
    ck_assert_int_eq(size_at(one), (off_t)sizeof full);   /* the full log moved away whole */
    ck_assert_int_lt(size_at(LOG), 1000);                  /* the line went to a fresh log */
    ck_assert_int_gt(size_at(LOG), 0);
    free(one);
    free(lock);
}
END_TEST

/* A bad MEMTUI_LOG_MAX_BYTES keeps the documented 1 MiB. */
START_TEST(test_rotation_bad_limit)
{
    setenv("MEMTUI_LOG_MAX_BYTES", "10k", 1);
    mt_audit_open(T, "e", true);
    for (int k = 0; k < 200; k++) mt_audit("stress", NULL, "line %d", k);
    mt_audit_close();
    char *one = rotated(1);
    ck_assert_int_ne(access(one, F_OK), 0);
    free(one);
    size_t n;
    struct json_object **l = log_lines(&n);
    ck_assert_uint_eq(n, 200);
    free_lines(l, n);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("audit");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_line_fields);
    tcase_add_test(tc, test_quiet_and_null_fields);
    tcase_add_test(tc, test_awkward_message);
    tcase_add_test(tc, test_appends_across_opens);
    tcase_add_test(tc, test_unwritable_log);
    tcase_add_test(tc, test_without_open);
    tcase_add_test(tc, test_concurrent_writers);
    tcase_add_test(tc, test_concurrent_writers_shared_fd);
    tcase_add_test(tc, test_log_fd_cloexec);
    tcase_add_test(tc, test_rotation_keeps_files);
    tcase_add_test(tc, test_rotation_two_writers);
    tcase_add_test(tc, test_rotation_waits_for_rotator);
    tcase_add_test(tc, test_rotation_bad_limit);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(make_suite)
