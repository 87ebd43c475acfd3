/* test_lock.c: the local lock (lock.h, DESIGN 3.1) with real processes:
 * acquire and release, the holder record, a second acquire that times out
 * and names the holder, waiting until a release, mutual exclusion among
 * many processes, close-on-exec, a killed holder freeing it at once, and
 * the refusal of any file that is not memtui's own lock file. */
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "memtui/coord/lock.h"

static char *T;
static char *L;   /* the lock file */

static void setup(void)
{
    T = tu_tmpdir();
    L = xasprintf("%s/memtui.lock", T);
}

static void teardown(void)
{
    tu_sh("rm -rf '%s'", T);
    free(L);
    free(T);
}

/* ---- helpers ---------------------------------------------------------------- */

static struct mt_lock *acquire_ok(const char *env, const char *host, double timeout)
{
    struct mt_lock *l = NULL;
    struct mt_error err = {0};
    int rc = mt_lock_acquire(L, timeout, env, host, &l, &err);
    ck_assert_msg(rc == MT_LOCK_OK, "acquire: %d %s", rc, err.msg ? err.msg : "");
    ck_assert_ptr_nonnull(l);
    ck_assert_ptr_null(err.msg);
    return l;
}

/* The descriptor of this process that has `path` open, or -1. */
static int fd_of(const char *path)
{
    char *real = realpath(path, NULL);
    ck_assert_ptr_nonnull(real);
    int found = -1;
    DIR *d = opendir("/proc/self/fd");
    ck_assert_ptr_nonnull(d);
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        char link[300], target[4096];
        snprintf(link, sizeof link, "/proc/self/fd/%s", de->d_name);
        ssize_t n = readlink(link, target, sizeof target - 1);
        if (n <= 0) continue;
        target[n] = '\0';
        if (strcmp(target, real) == 0) found = atoi(de->d_name);
    }
    closedir(d);
    free(real);
    return found;
}

/* A child that takes the lock (env "child-env", host "child-host"), writes
 * one byte to `ready`, holds it for hold_s (forever if < 0), releases and
 * exits 0; exits 1 if it could not take it. */
static pid_t spawn_holder(double hold_s, int *ready_fd)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(p[0]);
        struct mt_lock *l = NULL;
        struct mt_error err = {0};
        if (mt_lock_acquire(L, 5, "child-env", "child-host", &l, &err) != MT_LOCK_OK) _exit(1);
        if (write(p[1], "x", 1) != 1) _exit(2);
        if (hold_s < 0)
            for (;;) pause();
        struct timespec ts = {(time_t)hold_s, (long)((hold_s - (double)(time_t)hold_s) * 1e9)};
        nanosleep(&ts, NULL);
        mt_lock_release(l);
        _exit(0);
    }
    close(p[1]);
    char c;
    ck_assert_int_eq(read(p[0], &c, 1), 1);   /* the child holds it now */
    if (ready_fd) *ready_fd = p[0];
    else close(p[0]);
    return pid;
}

static int wait_exit(pid_t pid)
{
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert_msg(WIFEXITED(st), "child died by signal %d", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    return WEXITSTATUS(st);
}

static bool iso_utc(const char *s)
{
    /* YYYY-MM-DDTHH:MM:SSZ */
    if (strlen(s) != 20) return false;
    for (int i = 0; i < 20; i++) {
        char c = s[i];
        bool ok = (i == 4 || i == 7) ? c == '-' : i == 10 ? c == 'T' : (i == 13 || i == 16) ? c == ':'
                  : i == 19                  ? c == 'Z'
                                             : (c >= '0' && c <= '9');
        if (!ok) return false;
    }
    return true;
}

/* ---- tests ----------------------------------------------------------------- */

START_TEST(test_acquire_release_holder)
{
    struct mt_lock_holder h;
    ck_assert(!mt_lock_holder(L, &h));              /* no file yet */

    time_t before = time(NULL);
    struct mt_lock *l = acquire_ok("laptop", "host-a.example", 1);
    ck_assert(mt_lock_holder(L, &h));
    ck_assert_str_eq(h.env, "laptop");
    ck_assert_str_eq(h.host, "host-a.example");
    ck_assert_int_eq(h.pid, getpid());
    ck_assert(h.held);
    ck_assert_msg(iso_utc(h.since), "since: '%s'", h.since);
    struct tm tm = {0};
    ck_assert_ptr_nonnull(strptime(h.since, "%Y-%m-%dT%H:%M:%SZ", &tm));
    time_t since = timegm(&tm);
    ck_assert(since >= before - 1 && since <= time(NULL) + 1);
    /* The record is one JSON line in the file. */
    FILE *f = fopen(L, "r");
    char line[1024] = "";
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    fclose(f);
    ck_assert_msg(strstr(line, "\"laptop\"") && line[strlen(line) - 1] == '\n', "record: %s", line);

    mt_lock_release(l);
    /* The record stays (who held it last); the flock is gone. */
    ck_assert(mt_lock_holder(L, &h));
    ck_assert(!h.held);
    ck_assert_str_eq(h.env, "laptop");
    ck_assert_int_eq(h.pid, getpid());

    /* Taken again by someone else: a shorter record replaces the longer
     * one completely. */
    l = acquire_ok("e", "h", 1);
    ck_assert(mt_lock_holder(L, &h));
    ck_assert_str_eq(h.env, "e");
    ck_assert_str_eq(h.host, "h");
    ck_assert(h.held);
    mt_lock_release(l);
    mt_lock_release(NULL);                           /* harmless */
}
END_TEST

/* A second open of the same file conflicts even inside one process. */
START_TEST(test_second_acquire_same_process)
{
    struct mt_lock *l = acquire_ok("one", "h1", 1);
    struct mt_lock *l2 = (struct mt_lock *)0x1;
    struct mt_error err = {0};
    double t0 = mt_monotonic();
    ck_assert_int_eq(mt_lock_acquire(L, 0, "two", "h2", &l2, &err), MT_LOCK_TIMEOUT);
    ck_assert(mt_monotonic() - t0 < 1.0);            /* timeout 0: at once */
    ck_assert_ptr_null(l2);
    ck_assert_ptr_nonnull(err.msg);
    mt_error_clear(&err);
    /* The failed attempt did not overwrite the holder record. */
    struct mt_lock_holder h;
    ck_assert(mt_lock_holder(L, &h));
    ck_assert_str_eq(h.env, "one");
    mt_lock_release(l);
    l = acquire_ok("two", "h2", 0);                  /* free again: at once */
    mt_lock_release(l);
}
END_TEST

/* A second acquire from another process times out after about the timeout,
 * with MT_LOCK_TIMEOUT and a message naming the holder. */
START_TEST(test_timeout_names_holder)
{
    struct mt_lock *l = acquire_ok("laptop", "host-a.example", 1);
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(p[0]);
        struct mt_lock *l2 = NULL;
        struct mt_error err = {0};
        double t0 = mt_monotonic();
        int rc = mt_lock_acquire(L, 0.6, "server", "host-b", &l2, &err);
        double waited = mt_monotonic() - t0;
        char *report = xasprintf("%d %.3f %s", rc, waited, err.msg ? err.msg : "(none)");
        ssize_t w = write(p[1], report, strlen(report));
        _exit(w > 0 && l2 == NULL ? 0 : 1);
    }
    close(p[1]);
    char buf[2048];
    ssize_t n = read(p[0], buf, sizeof buf - 1);
    close(p[0]);
    ck_assert_int_gt(n, 0);
    buf[n] = '\0';
    ck_assert_int_eq(wait_exit(pid), 0);
    int rc;
    double waited;
    int off = 0;
    ck_assert_int_eq(sscanf(buf, "%d %lf %n", &rc, &waited, &off), 2);
    const char *msg = buf + off;
    ck_assert_int_eq(rc, MT_LOCK_TIMEOUT);
    ck_assert_msg(waited >= 0.55 && waited < 3.0, "waited %.3f s", waited);
    char pidtxt[32];
    snprintf(pidtxt, sizeof pidtxt, "%ld", (long)getpid());
    ck_assert_msg(strstr(msg, "laptop") && strstr(msg, "host-a.example") && strstr(msg, pidtxt),
                  "message does not name the holder: %s", msg);
    ck_assert_msg(strstr(msg, L) != NULL, "message does not name the lock file: %s", msg);
    /* Still ours. */
    struct mt_lock_holder h;
    ck_assert(mt_lock_holder(L, &h));
    ck_assert(h.held);
    ck_assert_int_eq(h.pid, getpid());
    mt_lock_release(l);
}
END_TEST

/* A waiter gets the lock as soon as the holder lets go, within its timeout. */
START_TEST(test_wait_until_released)
{
    pid_t holder = spawn_holder(0.5, NULL);
    struct mt_lock_holder h;
    ck_assert(mt_lock_holder(L, &h));
    ck_assert(h.held);
    ck_assert_int_eq(h.pid, holder);
    ck_assert_str_eq(h.env, "child-env");
    double t0 = mt_monotonic();
    struct mt_lock *l = acquire_ok("waiter", "w", 10);
    double waited = mt_monotonic() - t0;
    ck_assert_msg(waited > 0.2 && waited < 3.0, "waited %.3f s", waited);
    ck_assert_int_eq(wait_exit(holder), 0);
    ck_assert(mt_lock_holder(L, &h));
    ck_assert_str_eq(h.env, "waiter");
    ck_assert_int_eq(h.pid, getpid());
    mt_lock_release(l);
}
END_TEST

/* A holder killed with SIGKILL frees the lock at once. */
START_TEST(test_killed_holder_frees_it)
{
    pid_t holder = spawn_holder(-1, NULL);
    struct mt_lock_holder h;
    ck_assert(mt_lock_holder(L, &h));
    ck_assert(h.held);
    ck_assert_int_eq(h.pid, holder);
    struct mt_lock *l = NULL;
    struct mt_error err = {0};
    ck_assert_int_eq(mt_lock_acquire(L, 0.1, "x", "y", &l, &err), MT_LOCK_TIMEOUT);
    mt_error_clear(&err);
    ck_assert_int_eq(kill(holder, SIGKILL), 0);
    int st;
    ck_assert_int_eq(waitpid(holder, &st, 0), holder);
    ck_assert(WIFSIGNALED(st));
    /* The dead holder's record is still there, but nobody holds the flock. */
    ck_assert(mt_lock_holder(L, &h));
    ck_assert(!h.held);
    ck_assert_int_eq(h.pid, holder);
    double t0 = mt_monotonic();
    l = acquire_ok("after", "z", 0);
    ck_assert(mt_monotonic() - t0 < 0.5);
    mt_lock_release(l);
}
END_TEST

/* Mutual exclusion: 6 processes x 15 increments of a counter file, each a
 * read, pause, write under the lock: no increment is lost. */
START_TEST(test_mutual_exclusion)
{
    enum { P = 6, K = 15 };
    char *counter = xasprintf("%s/counter", T);
    FILE *f = fopen(counter, "w");
    fputs("0\n", f);
    fclose(f);
    pid_t pids[P];
    for (int i = 0; i < P; i++) {
        pids[i] = fork();
        ck_assert_int_ge(pids[i], 0);
        if (pids[i] == 0) {
            for (int k = 0; k < K; k++) {
                struct mt_lock *l = NULL;
                struct mt_error err = {0};
                if (mt_lock_acquire(L, 30, "worker", "h", &l, &err) != MT_LOCK_OK) _exit(1);
                FILE *c = fopen(counter, "r");
                long v = -1;
                if (!c || fscanf(c, "%ld", &v) != 1) _exit(2);
                fclose(c);
                struct timespec ts = {0, 2000000};
                nanosleep(&ts, NULL);
                c = fopen(counter, "w");
                fprintf(c, "%ld\n", v + 1);
                fclose(c);
                mt_lock_release(l);
            }
            _exit(0);
        }
    }
    for (int i = 0; i < P; i++) ck_assert_int_eq(wait_exit(pids[i]), 0);
    f = fopen(counter, "r");
    long v = 0;
    ck_assert_int_eq(fscanf(f, "%ld", &v), 1);
    fclose(f);
    ck_assert_int_eq(v, P * K);
    free(counter);
}
END_TEST

/* The lock's descriptor is close-on-exec: a program the holder runs does
 * not inherit it (and so cannot keep the lock alive after the holder). */
START_TEST(test_close_on_exec)
{
    struct mt_lock *l = acquire_ok("laptop", "h", 1);
    int fd = fd_of(L);
    ck_assert_msg(fd >= 0, "the lock file is not open in this process");
    int flags = fcntl(fd, F_GETFD);
    ck_assert_int_ge(flags, 0);
    ck_assert_msg(flags & FD_CLOEXEC, "lock fd %d is not close-on-exec", fd);

    /* An exec'd child lists its descriptors: the lock file is not among them,
     * while a control file opened without O_CLOEXEC is (so the listing works). */
    char *ctl = xasprintf("%s/control", T);
    int ctl_fd = open(ctl, O_RDWR | O_CREAT, 0644);
    ck_assert_int_ge(ctl_fd, 0);
    char *out = xasprintf("%s/fds.txt", T);
    ck_assert_int_eq(tu_sh("sh -c 'for f in /proc/$$/fd/*; do readlink \"$f\" || true; done' > '%s' 2>/dev/null", out), 0);
    FILE *f = fopen(out, "r");
    ck_assert_ptr_nonnull(f);
    char line[4096];
    bool saw_ctl = false, saw_lock = false;
    char *real = realpath(L, NULL);
    char *real_ctl = realpath(ctl, NULL);
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (strcmp(line, real) == 0) saw_lock = true;
        if (strcmp(line, real_ctl) == 0) saw_ctl = true;
    }
    fclose(f);
    close(ctl_fd);
    ck_assert_msg(saw_ctl, "the child's listing is not working");
    ck_assert_msg(!saw_lock, "an exec'd child inherited the lock fd");
    free(real);
    free(real_ctl);
    free(ctl);
    free(out);

    /* And while an exec'd child runs, after we release, the lock is free. */
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        execl("/bin/sleep", "sleep", "5", (char *)NULL);
        _exit(127);
    }
    mt_lock_release(l);
    struct mt_lock_holder h;
    ck_assert(mt_lock_holder(L, &h));
    ck_assert_msg(!h.held, "the exec'd child still holds the lock");
    l = acquire_ok("other", "h", 0);
    mt_lock_release(l);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}
END_TEST

START_TEST(test_open_error)
{
    char *bad = xasprintf("%s/no/such/dir/memtui.lock", T);
    struct mt_lock *l = (struct mt_lock *)0x1;
    struct mt_error err = {0};
    ck_assert_int_eq(mt_lock_acquire(bad, 1, "e", "h", &l, &err), MT_LOCK_ERR);
    ck_assert_ptr_null(l);
    ck_assert_msg(err.msg && strstr(err.msg, bad), "error: %s", err.msg ? err.msg : "(none)");
    mt_error_clear(&err);
    struct mt_lock_holder h;
    ck_assert(!mt_lock_holder(bad, &h));
    free(bad);
}
END_TEST

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static char *slurp(const char *path)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_ge(getdelim(&text, &len, '\0', f), 0);
    fclose(f);
    return text;
}

/* mt_lock_acquire on path is refused with MT_LOCK_ERR, and err says why. */
static void expect_refused(const char *path, const char *why)
{
    struct mt_lock *l = (struct mt_lock *)0x1;
    struct mt_error err = {0};
    ck_assert_int_eq(mt_lock_acquire(path, 1, "e", "h", &l, &err), MT_LOCK_ERR);
    ck_assert_ptr_null(l);
    ck_assert_msg(err.msg && strstr(err.msg, path) && strstr(err.msg, why), "error: %s",
                  err.msg ? err.msg : "(none)");
    mt_error_clear(&err);
}

/* A file that is not a holder record (the memory file given as --lock-file,
 * any text) is refused and left byte for byte; status reads no holder. */
START_TEST(test_foreign_file_refused)
{
    const char *foreign[] = {"not json at all",
                             "{\"type\":\"entity\",\"name\":\"A\",\"entityType\":\"t\",\"observations\":[]}\n",
                             "{\"env\":\"a\",\"host\":\"h\",\"pid\":1,\"since\":\"x\"}\nsecond line\n",
                             "{\"env\":\"a\",\"host\":\"h\",\"pid\":\"1\",\"since\":\"x\"}\n",
                             "{\"env\":\"a\",\"host\":\"h\",\"pid\":1,\"since\":\"x\"} trailing\n",
                             "\n", NULL};
    for (int i = 0; foreign[i]; i++) {
        write_file(L, foreign[i]);
        expect_refused(L, "not a memtui lock file");
        char *now = slurp(L);
        ck_assert_str_eq(now, foreign[i]);
        free(now);
    }
    /* too big to be a record, whatever it holds */
    char *big = xmalloc(5000);
    memset(big, ' ', 4999);
    big[4999] = '\0';
    write_file(L, big);
    expect_refused(L, "not a memtui lock file");
    char *now = slurp(L);
    ck_assert_str_eq(now, big);
    free(now);
    free(big);
}
END_TEST

/* A symlink is never followed (not even to a lock file), a directory and a
 * FIFO are refused; nothing is created or changed behind them. */
START_TEST(test_special_files_refused)
{
    char *target = xasprintf("%s/memory.json", T);
    write_file(target, "{\"type\":\"entity\"}\n");
    ck_assert_int_eq(symlink(target, L), 0);
    expect_refused(L, "symbolic link");
    char *now = slurp(target);
    ck_assert_str_eq(now, "{\"type\":\"entity\"}\n");
    free(now);
    struct mt_lock_holder h;
    ck_assert(!mt_lock_holder(L, &h));
    /* a dangling link: nothing is created at its target */
    char *dangling = xasprintf("%s/dangling.lock", T), *nowhere = xasprintf("%s/nowhere", T);
    ck_assert_int_eq(symlink(nowhere, dangling), 0);
    expect_refused(dangling, "symbolic link");
    ck_assert_int_ne(access(nowhere, F_OK), 0);

    char *dir = xasprintf("%s/dir.lock", T);
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    expect_refused(dir, "directory");
    char *fifo = xasprintf("%s/fifo.lock", T);
    ck_assert_int_eq(mkfifo(fifo, 0644), 0);
    expect_refused(fifo, "not a regular file");
    ck_assert(!mt_lock_holder(fifo, &h));   /* and reading it never hangs */
    free(target);
    free(dangling);
    free(nowhere);
    free(dir);
    free(fifo);
}
END_TEST

/* An empty file (nothing to lose) and a record another holder left are
 * memtui lock files: taken, and the record rewritten. */
START_TEST(test_empty_and_record_reused)
{
    write_file(L, "");
    struct mt_lock *l = acquire_ok("fresh", "h", 0);
    struct mt_lock_holder h;
    ck_assert(mt_lock_holder(L, &h));
    ck_assert_str_eq(h.env, "fresh");
    mt_lock_release(l);
    /* a record as another writer spaces it (Python's json.dumps) */
    write_file(L, "{\"env\": \"py\", \"host\": \"h\", \"pid\": 7, \"since\": \"2024-01-01T00:00:00Z\"}\n");
    l = acquire_ok("again", "h", 0);
    ck_assert(mt_lock_holder(L, &h));
    ck_assert_str_eq(h.env, "again");
    ck_assert_int_eq(h.pid, getpid());
    mt_lock_release(l);
    /* and memtui's own record, many times over */
    for (int i = 0; i < 3; i++) mt_lock_release(acquire_ok("loop", "h", 0));
    char *now = slurp(L);
    ck_assert_ptr_nonnull(strstr(now, "\"env\":\"loop\""));
    ck_assert_ptr_eq(strchr(now, '\n'), now + strlen(now) - 1);   /* one line */
    free(now);
}
END_TEST

START_TEST(test_monotonic)
{
    double a = mt_monotonic();
    struct timespec ts = {0, 50000000};
    nanosleep(&ts, NULL);
    double b = mt_monotonic();
    ck_assert(b - a >= 0.045 && b - a < 2.0);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("lock");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_acquire_release_holder);
    tcase_add_test(tc, test_second_acquire_same_process);
    tcase_add_test(tc, test_timeout_names_holder);
    tcase_add_test(tc, test_wait_until_released);
    tcase_add_test(tc, test_killed_holder_frees_it);
    tcase_add_test(tc, test_mutual_exclusion);
    tcase_add_test(tc, test_close_on_exec);
    tcase_add_test(tc, test_open_error);
    tcase_add_test(tc, test_foreign_file_refused);
    tcase_add_test(tc, test_special_files_refused);
    tcase_add_test(tc, test_empty_and_record_reused);
    tcase_add_test(tc, test_monotonic);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(make_suite)
