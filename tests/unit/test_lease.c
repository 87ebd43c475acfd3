/* test_lease.c: the compare-and-swap push and the distributed lease, against
 * real bare repositories (plain path, file://) and a real git daemon, with
 * real concurrent processes. The git CLI is used only to set up and inspect. */
#include "testutil.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "gitd.h"
#include "memtui/coord/lease.h"
#include "memtui/config/machine.h"
#include "memtui/git/repo.h"

/* The options of an acquire on remote "origin", lease branch and pid left
 * to their defaults. */
#define OPTS(env_, host_, ttl_, timeout_)                                                                 \
    (&(struct mt_lease_acquire_opts){.remote = "origin", .env = (env_), .host = (host_), .ttl_seconds = (ttl_), \
                                     .timeout_seconds = (timeout_)})

#define LREF "refs/heads/memtui/lease"

static char *T;       /* this test's temporary folder */
static int clone_seq;

static void setup(void)
{
    T = tu_tmpdir();
    tu_git_env(T);
    atexit(gitd_stop);  /* a failed assertion exits the test process */
    mt_repo_global_init();
}

static void teardown(void)
{
    gitd_stop();
    mt_lease_set_log(NULL, NULL);
    mt_repo_global_shutdown();
    tu_sh("rm -rf '%s'", T);
    free(T);
}

/* ---- helpers --------------------------------------------------------- */

static char *sh_out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *sh_out(const char *fmt, ...)
{
    char *cmd;
    va_list ap;
    va_start(ap, fmt);
    ck_assert_int_ge(vasprintf(&cmd, fmt, ap), 0);
    va_end(ap);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    struct mt_buf b;
    mt_buf_init(&b);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0) mt_buf_add(&b, chunk, n);
    pclose(p);
    free(cmd);
    char *s = mt_buf_detach(&b, &n);
    while (n && s[n - 1] == '\n') s[--n] = '\0';
    return s;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void nap(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

/* A bare repository under base (T when NULL). */
static char *bare_in(const char *base, const char *name)
{
    char *p = xasprintf("%s/%s", base ? base : T, name);
    ck_assert_int_eq(tu_sh("git init -q --bare '%s'", p), 0);
    return p;
}

/* A fresh repository with remote origin = url (another machine). */
static char *clone_dir(const char *url)
{
    char *d = xasprintf("%s/c%d", T, clone_seq++);
    ck_assert_int_eq(tu_sh("git init -q '%s' && git -C '%s' remote add origin '%s'", d, d, url), 0);
    return d;
}

static struct mt_repo *open_clone(const char *url)
{
    char *d = clone_dir(url);
    struct mt_repo *r = NULL;
    struct mt_error e = {0};
    int rc = mt_repo_open(d, &r, &e);
    ck_assert_msg(rc == 0, "open: %s", e.msg);
    free(d);
    return r;
}

/* Value of a ref in a bare repository, "" when absent. */
static char *rev(const char *gitdir, const char *ref)
{
    return sh_out("git --git-dir='%s' rev-parse --verify -q '%s' 2>/dev/null", gitdir, ref);
}

static char *lease_json(const char *gitdir)
{
    return sh_out("git --git-dir='%s' show %s:lease.json", gitdir, LREF);
}

static struct mt_lease *acquire_ok(struct mt_repo *r, const char *env, const char *host, long pid,
                                   long ttl, double timeout)
{
    struct mt_lease *l = NULL;
    struct mt_error e = {0};
    struct mt_lease_acquire_opts o = {
        .remote = "origin", .env = env, .host = host, .pid = pid, .ttl_seconds = ttl, .timeout_seconds = timeout};
    int rc = mt_lease_acquire(r, &o, &l, &e);
    ck_assert_msg(rc == 0, "acquire as %s@%s: %d %s", env, host, rc, e.msg);
    ck_assert_ptr_nonnull(l);
    mt_error_clear(&e);
    return l;
}

static bool has(const char *hay, const char *needle)
{
    return hay && strstr(hay, needle) != NULL;
}

/* This boot's id and this process's PID namespace, as the lease records them. */
static void here(char boot[64], char ns[64])
{
    FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(fgets(boot, 64, f));
    fclose(f);
    boot[strcspn(boot, "\n")] = '\0';
    ssize_t n = readlink("/proc/self/ns/pid", ns, 63);
    ck_assert_int_gt(n, 0);
    ns[n] = '\0';
}

/* ---- acquire, release, read, chain --------------------------------- */

START_TEST(test_acquire_release_chain)
{
    char *R = bare_in(NULL, "r.git");
    struct mt_repo *r = open_clone(R);
    struct mt_error e = {0};
    struct mt_lease_info info;

    ck_assert_int_eq(mt_lease_read(r, "origin", NULL, &info, &e), MT_REPO_NOTFOUND);

    struct mt_lease *l = acquire_ok(r, "alpha", "hostA", 0, 30, 2);
    ck_assert_uint_eq(mt_lease_token(l), 1);
    ck_assert(mt_lease_valid(l));
    ck_assert(mt_lease_remaining(l) > 29 && mt_lease_remaining(l) <= 30);
    char *tip = rev(R, LREF);
    ck_assert_str_eq(tip, mt_lease_tip(l));
    free(tip);
    char *j = lease_json(R);
    char *want = xasprintf("{\"env\":\"alpha\",\"host\":\"hostA\",\"pid\":%ld,\"token\":1,\"ttl\":30,"
                           "\"state\":\"held\",\"time\":\"", (long)getpid());
    ck_assert_msg(strncmp(j, want, strlen(want)) == 0, "lease.json: %s", j);
    free(want);
    char boot[64], ns[64];
    here(boot, ns);
    want = xasprintf("Z\",\"machine\":\"%s\",\"boot\":\"%s\",\"pidns\":\"%s\"}", mt_machine_id(), boot, ns);
    ck_assert_msg(has(j, want), "lease.json: %s", j);
    free(want);
    free(j);
    char *s = sh_out("git --git-dir='%s' rev-list --count %s; git --git-dir='%s' log -1 --format=%%s %s; "
                     "git --git-dir='%s' ls-tree --name-only %s", R, LREF, R, LREF, R, LREF);
    want = xasprintf("1\nlease: held by alpha@hostA pid %ld token 1\nlease.json", (long)getpid());
    ck_assert_str_eq(s, want);  /* a root commit with one file */
    free(want);
    free(s);
    /* The local tracking ref follows; no temporary refs stay anywhere. */
    s = sh_out("git -C '%s' rev-parse refs/remotes/origin/memtui/lease", mt_repo_workdir(r));
    ck_assert_str_eq(s, mt_lease_tip(l));
    free(s);
    s = sh_out("git --git-dir='%s' for-each-ref refs/memtui; git -C '%s' for-each-ref refs/memtui", R,
               mt_repo_workdir(r));
    ck_assert_str_eq(s, "");
    free(s);

    ck_assert_int_eq(mt_lease_read(r, "origin", NULL, &info, &e), 0);
    ck_assert(info.valid);
    ck_assert_str_eq(info.env, "alpha");
    ck_assert_str_eq(info.host, "hostA");
    ck_assert_int_eq(info.pid, (long)getpid());
    ck_assert_uint_eq(info.token, 1);
    ck_assert_int_eq(info.ttl, 30);
    ck_assert_int_eq(info.state, MT_LEASE_HELD);
    ck_assert_ptr_null(info.broke);
    ck_assert_str_eq(info.tip, mt_lease_tip(l));
    ck_assert_str_eq(info.machine, mt_machine_id());
    ck_assert_str_eq(info.boot, boot);
    ck_assert_str_eq(info.pidns, ns);
    mt_lease_info_clear(&info);

    ck_assert_int_eq(mt_lease_renew(l, &e), 0);
    ck_assert_uint_eq(mt_lease_token(l), 1);
    ck_assert_int_eq(mt_lease_release(l, &e), 0);
    ck_assert_int_eq(mt_lease_read(r, "origin", NULL, &info, &e), 0);
    ck_assert_int_eq(info.state, MT_LEASE_RELEASED);
    ck_assert_uint_eq(info.token, 1);
    mt_lease_info_clear(&info);

    /* Release then acquire: token 2, a child of the released entry. */
    struct mt_repo *r2 = open_clone(R);
    l = acquire_ok(r2, "beta", "hostB", 77, 60, 2);
    ck_assert_uint_eq(mt_lease_token(l), 2);
    s = sh_out("git --git-dir='%s' rev-list --count %s; git --git-dir='%s' rev-list --merges --count %s",
               R, LREF, R, LREF);
    ck_assert_str_eq(s, "4\n0");  /* held, renewed, released, held: one line */
    free(s);

    struct mt_lease_info *chain = NULL;
    size_t n = 0;
    ck_assert_int_eq(mt_lease_chain(r, "origin", NULL, 10, &chain, &n, &e), 0);
    ck_assert_uint_eq(n, 4);
    ck_assert_str_eq(chain[0].env, "beta");
    ck_assert_uint_eq(chain[0].token, 2);
    ck_assert_int_eq(chain[0].state, MT_LEASE_HELD);
    ck_assert_int_eq(chain[1].state, MT_LEASE_RELEASED);
    ck_assert_int_eq(chain[2].state, MT_LEASE_HELD);
    ck_assert_int_eq(chain[3].state, MT_LEASE_HELD);
    for (size_t i = 0; i < n; i++) ck_assert(chain[i].valid);
    ck_assert_uint_eq(chain[3].token, 1);
    mt_lease_chain_free(chain, n);
    ck_assert_int_eq(mt_lease_chain(r, "origin", NULL, 2, &chain, &n, &e), 0);
    ck_assert_uint_eq(n, 2);
    mt_lease_chain_free(chain, n);

    ck_assert_int_eq(mt_lease_release(l, &e), 0);
    /* Another branch name is another lease. */
    l = acquire_ok(r, "alpha", "hostA", 0, 30, 2);
    mt_lease_abandon(l);
    struct mt_lease_acquire_opts o = *OPTS("alpha", "hostA", 30, 1);
    o.branch = "memtui/other";
    ck_assert_int_eq(mt_lease_acquire(r, &o, &l, &e), 0);
    ck_assert_uint_eq(mt_lease_token(l), 1);
    ck_assert_int_eq(mt_lease_release(l, &e), 0);

    /* Bad arguments. */
    ck_assert_int_eq(mt_lease_acquire(r, OPTS("bad env", "h", 30, 1), &l, &e), MT_REPO_ERR);
    ck_assert_ptr_null(l);
    ck_assert_int_eq(mt_lease_acquire(r, OPTS("a", "h", 0, 1), &l, &e), MT_REPO_ERR);
    o = *OPTS("a", "h", 5, 1);
    o.branch = "bad..name";
    ck_assert_int_eq(mt_lease_acquire(r, &o, &l, &e), MT_REPO_ERR);
    o = *OPTS("a", "h", 5, 1);
    o.remote = "nowhere";
    ck_assert_int_eq(mt_lease_acquire(r, &o, &l, &e), MT_REPO_NOTFOUND);

    mt_repo_close(r2);
    mt_repo_close(r);
    mt_error_clear(&e);
    free(R);
}
END_TEST

/* ---- waiting, timing out, taking over ------------------------------- */

static char *events;
static void collect(void *ctx, const char *event, const char *detail)
{
    char *old = events;
    events = xasprintf("%s%s: %s\n", old ? old : "", event, detail);
    free(old);
}

START_TEST(test_timeout_names_holder)
{
    char *R = bare_in(NULL, "r.git");
    struct mt_repo *a = open_clone(R), *b = open_clone(R);
    struct mt_error e = {0};
    /* pid 1 is alive in every PID namespace */
    struct mt_lease *l = acquire_ok(a, "alpha", "hostA", 1, 30, 2), *l2 = NULL;
    mt_lease_set_log(collect, NULL);

    double t0 = now_s();
    ck_assert_int_eq(mt_lease_acquire(b, OPTS("beta", "hostB", 30, 0.3), &l2, &e),
                     MT_LEASE_TIMEOUT);
    double took = now_s() - t0;
    ck_assert_ptr_null(l2);
    ck_assert_msg(has(e.msg, "held by alpha@hostA pid 1 token 1"), "%s", e.msg);
    ck_assert_msg(took >= 0.29 && took < 2.0, "took %.2f s", took);
    ck_assert_msg(has(events, "wait: ") && has(events, "alpha@hostA"), "%s", events);

    /* timeout 0: one look; the outputs say it waited and for whom */
    t0 = now_s();
    bool waited = false;
    char *holder = NULL;
    struct mt_lease_acquire_opts o = *OPTS("beta", "hostB", 30, 0);
    o.waited = &waited;
    o.holder = &holder;
    ck_assert_int_eq(mt_lease_acquire(b, &o, &l2, &e), MT_LEASE_TIMEOUT);
    ck_assert(now_s() - t0 < 1.0);
    ck_assert(waited);
    ck_assert_str_eq(holder, "alpha@hostA pid 1 token 1");
    free(holder);

    /* The holder's pid is alive on the acquirer's host: it waits too. */
    ck_assert_int_eq(mt_lease_release(l, &e), 0);
    l = acquire_ok(a, "alpha", "box", 0, 30, 2);
    ck_assert_int_eq(mt_lease_acquire(b, OPTS("beta", "box", 30, 0.3), &l2, &e),
                     MT_LEASE_TIMEOUT);
    char *want = xasprintf("alpha@box pid %ld", (long)getpid());
    ck_assert_msg(has(e.msg, want), "%s", e.msg);
    free(want);
    /* The remote is untouched by the waiting. */
    char *tip = rev(R, LREF);
    ck_assert_str_eq(tip, mt_lease_tip(l));
    free(tip);
    ck_assert_int_eq(mt_lease_release(l, &e), 0);
    /* released: taken at once, without waiting, and no holder named */
    char sentinel[] = "left from before";
    waited = true;
    holder = sentinel;
    o = *OPTS("beta", "hostB", 30, 2);
    o.waited = &waited;
    o.holder = &holder;
    ck_assert_int_eq(mt_lease_acquire(b, &o, &l2, &e), 0);
    ck_assert(!waited);
    ck_assert_ptr_null(holder);
    ck_assert_int_eq(mt_lease_release(l2, &e), 0);

    free(events);
    events = NULL;
    mt_repo_close(a);
    mt_repo_close(b);
    mt_error_clear(&e);
    free(R);
}
END_TEST

START_TEST(test_takeover_after_ttl)
{
    char *R = bare_in(NULL, "r.git");
    struct mt_repo *a = open_clone(R), *b = open_clone(R);
    struct mt_error e = {0};
    ck_assert(mt_lease_margin(1) == 2.0 && mt_lease_margin(60) == 6.0);

    struct mt_lease *la = acquire_ok(a, "alpha", "hostA", 1, 1, 2);  /* pid 1: alive */
    double t0 = now_s();
    /* alpha stops renewing: beta waits ttl (1 s) + margin (2 s), then takes it. */
    struct mt_lease *lb = acquire_ok(b, "beta", "hostB", 0, 30, 10);
    double took = now_s() - t0;
    ck_assert_msg(took >= 3.0 && took < 5.5, "took %.2f s", took);
    ck_assert_uint_eq(mt_lease_token(lb), 2);
    char *j = lease_json(R);
    ck_assert_msg(has(j, "\"env\":\"beta\"") && has(j, "\"token\":2") && has(j, "\"state\":\"held\""), "%s", j);
    free(j);

    /* alpha's deadline has passed: it knows, renews nothing, publishes nothing. */
    ck_assert(!mt_lease_valid(la));
    ck_assert(mt_lease_remaining(la) == 0);
    ck_assert_int_eq(mt_lease_renew(la, &e), MT_LEASE_LOST);
    ck_assert_msg(has(e.msg, "deadline"), "%s", e.msg);
    ck_assert_int_eq(mt_lease_release(la, &e), MT_LEASE_LOST);
    char *tip = rev(R, LREF);
    ck_assert_str_eq(tip, mt_lease_tip(lb));
    free(tip);
    ck_assert_int_eq(mt_lease_release(lb, &e), 0);

    mt_repo_close(a);
    mt_repo_close(b);
    mt_error_clear(&e);
    free(R);
}
END_TEST

static void put_lease_json(const char *R, const char *json);

/* A held entry of token `token` for `pid` on host "box", with the given
 * whereabouts (NULL: the key is left out, as older versions wrote). */
static void put_holder(const char *R, uint64_t token, long pid, const char *machine, const char *boot,
                       const char *ns)
{
    char *m = machine ? xasprintf(",\"machine\":\"%s\"", machine) : xstrdup("");
    char *b = boot ? xasprintf(",\"boot\":\"%s\"", boot) : xstrdup("");
    char *n = ns ? xasprintf(",\"pidns\":\"%s\"", ns) : xstrdup("");
    char *j = xasprintf("{\"env\":\"alpha\",\"host\":\"box\",\"pid\":%ld,\"token\":%" PRIu64 ",\"ttl\":30,"
                        "\"state\":\"held\",\"time\":\"t\"%s%s%s}", pid, token, m, b, n);
    put_lease_json(R, j);
    free(j);
    free(n);
    free(b);
    free(m);
}

/* "The holder's process is gone" is believed only for a pid of this PID
 * namespace of this boot of this machine: containers and VMs named alike
 * each have their own, and a live holder there must not look dead here. */
START_TEST(test_dead_pid_same_host)
{
    char *R = bare_in(NULL, "r.git");
    struct mt_repo *b = open_clone(R);
    struct mt_error e = {0};
    struct mt_lease *l2 = NULL;
    char boot[64], ns[64];
    here(boot, ns);
    pid_t dead = fork();
    ck_assert_int_ge(dead, 0);
    if (dead == 0) _exit(0);
    ck_assert_int_eq(waitpid(dead, NULL, 0), dead);
    const char *me = mt_machine_id();

    static const struct {
        int machine, boot, ns;  /* 1: ours, 0: another, -1: not recorded */
    } elsewhere[] = {
        {0, 1, 1}, {1, 0, 1}, {1, 1, 0}, {-1, -1, -1}, {1, 1, -1}, {-1, 1, 1},
    };
    uint64_t token = 1;
    for (size_t i = 0; i < sizeof elsewhere / sizeof elsewhere[0]; i++, token++) {
#define PICK(k, ours) (elsewhere[i].k > 0 ? (ours) : elsewhere[i].k == 0 ? "other-" #k : NULL)
        put_holder(R, token, dead, PICK(machine, me), PICK(boot, boot), PICK(ns, ns));
#undef PICK
        ck_assert_msg(mt_lease_acquire(b, OPTS("beta", "box", 30, 0.3), &l2, &e) == MT_LEASE_TIMEOUT,
                      "case %zu: a holder elsewhere was judged dead here", i);
    }

    /* All three ours and the pid gone: replaced at once. */
    put_holder(R, token, dead, me, boot, ns);
    mt_lease_set_log(collect, NULL);
    double t0 = now_s();
    l2 = acquire_ok(b, "beta", "elsewhere", 0, 30, 5);
    ck_assert_msg(now_s() - t0 < 1.5, "took %.2f s", now_s() - t0);
    ck_assert_uint_eq(mt_lease_token(l2), token + 1);
    ck_assert_msg(has(events, "holder process gone"), "%s", events);
    ck_assert_int_eq(mt_lease_release(l2, &e), 0);
    /* ... but a live one is waited for. */
    put_holder(R, token + 1, (long)getppid(), me, boot, ns);
    ck_assert_int_eq(mt_lease_acquire(b, OPTS("beta", "box", 30, 0.3), &l2, &e), MT_LEASE_TIMEOUT);

    free(events);
    events = NULL;
    mt_repo_close(b);
    mt_error_clear(&e);
    free(R);
}
END_TEST

/* A renewing holder keeps the lease while another process waits longer
 * than ttl + margin. */
START_TEST(test_renew_keeps_it)
{
    char *R = bare_in(NULL, "r.git");
    struct mt_repo *a = open_clone(R);
    char *bdir = clone_dir(R);
    struct mt_error e = {0};
    struct mt_lease *l = acquire_ok(a, "alpha", "hostA", 0, 1, 2);

    pid_t child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        struct mt_repo *b = NULL;
        struct mt_lease *lb = NULL;
        struct mt_error ce = {0};
        int code = 3;
        if (mt_repo_open(bdir, &b, &ce) == 0) {
            int rc = mt_lease_acquire(b, OPTS("beta", "hostB", 1, 4.0), &lb, &ce);
            code = rc == MT_LEASE_TIMEOUT && has(ce.msg, "alpha@hostA") ? 0 : rc == 0 ? 1 : 2;
        }
        _exit(code);
    }
    int status = 0, renewals = 0;
    double t0 = now_s();
    while (waitpid(child, &status, WNOHANG) == 0) {
        ck_assert_msg(now_s() - t0 < 20, "the waiting process never ended");
        nap(0.3);  /* < ttl/3 */
        int rc = mt_lease_renew(l, &e);
        ck_assert_msg(rc == 0, "renew: %s", e.msg);
        ck_assert(mt_lease_valid(l));
        renewals++;
    }
    ck_assert(WIFEXITED(status));
    ck_assert_msg(WEXITSTATUS(status) == 0, "the other process got %d", WEXITSTATUS(status));
    ck_assert_int_ge(renewals, 8);
    ck_assert_uint_eq(mt_lease_token(l), 1);
    char *j = lease_json(R);
    ck_assert_msg(has(j, "\"env\":\"alpha\"") && has(j, "\"token\":1"), "%s", j);
    free(j);
    ck_assert_int_eq(mt_lease_release(l, &e), 0);

    mt_repo_close(a);
    mt_error_clear(&e);
    free(bdir);
    free(R);
}
END_TEST

/* Someone else changed the lease (here an operator broke it): the holder's
 * next renew is rejected, the lease is lost for good, nothing is published.
 * The break names the token it ends and carries the next one. */
START_TEST(test_renew_after_break_is_lost)
{
    char *R = bare_in(NULL, "r.git");
    struct mt_repo *a = open_clone(R), *ops = open_clone(R);
    struct mt_error e = {0};
    struct mt_lease_info broken, written;
    struct mt_lease *l = acquire_ok(a, "alpha", "hostA", 4242, 30, 2);
    char *before = rev(R, LREF);

    /* A token that is not the holder's breaks nothing. */
    ck_assert_int_eq(mt_lease_break(ops, "origin", NULL, "ops", "console", 99, 2, &broken, &written, &e),
                     MT_LEASE_CHANGED);
    ck_assert_msg(has(e.msg, "alpha@hostA pid 4242 token 1") && has(e.msg, "not with token 2"), "%s", e.msg);
    mt_error_clear(&e);
    char *tip = rev(R, LREF);
    ck_assert_str_eq(tip, before);
    free(tip);
    free(before);

    ck_assert_int_eq(mt_lease_break(ops, "origin", NULL, "ops", "console", 99, 1, &broken, &written, &e), 0);
    ck_assert_str_eq(broken.env, "alpha");
    ck_assert_uint_eq(broken.token, 1);
    mt_lease_info_clear(&broken);
    char *after_break = rev(R, LREF);
    ck_assert_str_eq(written.tip, after_break);
    ck_assert(written.valid && written.state == MT_LEASE_RELEASED);
    ck_assert_uint_eq(written.token, 2);
    ck_assert_str_eq(written.broke, "alpha@hostA pid 4242 token 1");
    mt_lease_info_clear(&written);
    char *s = sh_out("git --git-dir='%s' log -1 --format=%%s %s", R, LREF);
    ck_assert_str_eq(s, "lease: broken by ops@console pid 99 token 2 (was held by alpha@hostA pid 4242 token 1)");
    free(s);
    char *j = lease_json(R);
    ck_assert_msg(has(j, "\"env\":\"ops\"") && has(j, "\"state\":\"released\"") && has(j, "\"token\":2") &&
                  has(j, "\"broke\":\"alpha@hostA pid 4242 token 1\""), "%s", j);
    free(j);

    ck_assert(mt_lease_valid(l));  /* it cannot know yet */
    ck_assert_int_eq(mt_lease_renew(l, &e), MT_LEASE_LOST);
    ck_assert(!mt_lease_valid(l));
    ck_assert_int_eq(mt_lease_renew(l, &e), MT_LEASE_LOST);
    tip = rev(R, LREF);
    ck_assert_str_eq(tip, after_break);
    free(tip);
    ck_assert_int_eq(mt_lease_release(l, &e), MT_LEASE_LOST);
    tip = rev(R, LREF);
    ck_assert_str_eq(tip, after_break);
    free(tip);

    /* Breaking a released lease changes nothing, whatever the token; the
     * next holder gets token 3, above the break's. */
    ck_assert_int_eq(mt_lease_break(ops, "origin", NULL, "ops", "console", 99, 1, &broken, &written, &e), 0);
    ck_assert_int_eq(broken.state, MT_LEASE_RELEASED);
    ck_assert_str_eq(written.tip, "");
    mt_lease_info_clear(&broken);
    tip = rev(R, LREF);
    ck_assert_str_eq(tip, after_break);
    free(tip);
    l = acquire_ok(a, "alpha", "hostA", 0, 30, 2);
    ck_assert_uint_eq(mt_lease_token(l), 3);
    mt_lease_abandon(l);

    struct mt_lease_info *chain = NULL;
    size_t n = 0;
    ck_assert_int_eq(mt_lease_chain(ops, "origin", NULL, 100, &chain, &n, &e), 0);
    ck_assert_uint_eq(n, 3);
    ck_assert_str_eq(chain[1].broke, "alpha@hostA pid 4242 token 1");
    mt_lease_chain_free(chain, n);

    free(after_break);
    mt_repo_close(a);
    mt_repo_close(ops);
    mt_error_clear(&e);
    free(R);
}
END_TEST

/* A tip whose lease.json is garbage: acquire waits and says why (it counts
 * as held for MT_LEASE_TTL_MAX), read describes it, break repairs it with
 * the last good token. */
START_TEST(test_unreadable_tip)
{
    char *R = bare_in(NULL, "r.git");
    struct mt_repo *a = open_clone(R);
    struct mt_error e = {0};
    struct mt_lease_info info;
    struct mt_lease *l = acquire_ok(a, "alpha", "hostA", 0, 30, 2);
    for (int i = 0; i < 4; i++) ck_assert_int_eq(mt_lease_renew(l, &e), 0);
    ck_assert_int_eq(mt_lease_release(l, &e), 0);
    l = acquire_ok(a, "alpha", "hostA", 0, 30, 2);
    ck_assert_uint_eq(mt_lease_token(l), 2);
    mt_lease_abandon(l);
    char *S = xasprintf("%s/scratch", T);
    ck_assert_int_eq(tu_sh("git clone -q '%s' '%s' 2>/dev/null && cd '%s' && git checkout -q memtui/lease && "
                           "printf '{\"env\":\"x\",' > lease.json && git commit -qam broken && "
                           "git push -q origin HEAD:memtui/lease 2>/dev/null", R, S, S), 0);

    ck_assert_int_eq(mt_lease_acquire(a, OPTS("beta", "hostB", 30, 1), &l, &e), MT_LEASE_TIMEOUT);
    ck_assert_msg(has(e.msg, "unreadable") && has(e.msg, "ttl 3600 s"), "%s", e.msg);
    ck_assert_int_eq(mt_lease_read(a, "origin", NULL, &info, &e), 0);
    ck_assert(!info.valid);
    ck_assert_ptr_nonnull(info.error);
    mt_lease_info_clear(&info);
    ck_assert_int_eq(mt_lease_break(a, "origin", NULL, "ops", "console", 0, 3, NULL, NULL, &e), MT_LEASE_CHANGED);
    mt_error_clear(&e);
    ck_assert_int_eq(mt_lease_break(a, "origin", NULL, "ops", "console", 0, 2, NULL, NULL, &e), 0);
    l = acquire_ok(a, "beta", "hostB", 0, 30, 2);
    ck_assert_uint_eq(mt_lease_token(l), 4);
    ck_assert_int_eq(mt_lease_release(l, &e), 0);

    free(S);
    mt_repo_close(a);
    mt_error_clear(&e);
    free(R);
}
END_TEST

/* Point the lease branch of bare R at a new commit (a child of its tip, if
 * any) whose lease.json holds exactly `json`. */
static void put_lease_json(const char *R, const char *json)
{
    char *f = xasprintf("%s/lease-in.json", T);
    FILE *fp = fopen(f, "w");
    ck_assert_ptr_nonnull(fp);
    fputs(json, fp);
    fclose(fp);
    ck_assert_int_eq(tu_sh("cd '%s' && b=$(git hash-object -w '%s') && "
                           "t=$(printf '100644 blob %%s\\tlease.json\\n' $b | git mktree) && "
                           "p=$(git rev-parse -q --verify %s); "
                           "c=$(git commit-tree $t ${p:+-p $p} -m test) && git update-ref %s $c",
                           R, f, LREF, LREF), 0);
    free(f);
}

/* lease.json is strict JSON: anything but an object with the fields of the
 * right types, and nothing after it, is reported through info.valid. */
START_TEST(test_malformed_json)
{
    char *R = bare_in(NULL, "r.git");
    struct mt_repo *a = open_clone(R);
    struct mt_error e = {0};
    struct mt_lease_info info;
#define FIELDS "\"env\":\"a\",\"host\":\"h\",\"pid\":1,\"state\":\"held\",\"time\":\"t\""
    static const struct {
        const char *json, *why;
    } bad[] = {
        {"[1]\n", "not a JSON object"},
        {"\"held\"", "not a JSON object"},
        {"42", "not a JSON object"},
        {"{" FIELDS ",\"token\":\"7\",\"ttl\":9}", "non-negative integer"},
        {"{" FIELDS ",\"token\":7,\"ttl\":-3}", "non-negative integer"},
        {"{" FIELDS ",\"token\":7,\"ttl\":1.5}", "non-negative integer"},
        {"{" FIELDS ",\"token\":1e3,\"ttl\":9}", "non-negative integer"},
        {"{" FIELDS ",\"token\":7,\"ttl\":null}", "non-negative integer"},
        {"{" FIELDS ",\"token\":18446744073709551616,\"ttl\":9}", "too large"},
        {"{" FIELDS ",\"token\":18446744073709551615,\"ttl\":9}", "too large"},
        {"{" FIELDS ",\"token\":9223372036854775808,\"ttl\":9}", "token out of range"},
        {"{" FIELDS ",\"token\":9007199254740992,\"ttl\":9}", "token out of range"},
        {"{" FIELDS ",\"token\":-9223372036854775808,\"ttl\":9}", "non-negative integer"},
        {"{" FIELDS ",\"token\":-1,\"ttl\":9}", "non-negative integer"},
        {"{" FIELDS ",\"token\":7.0,\"ttl\":9}", "non-negative integer"},
        {"{" FIELDS ",\"token\":7,\"ttl\":9,\"machine\":[]}", "expected a string"},
        {"{" FIELDS ",\"token\":7,\"ttl\":9} x", ""},
        {"{" FIELDS ",\"token\":7,\"ttl\":9}{}", ""},
        {"{" FIELDS ",\"token\":7,\"ttl\":9,}", ""},
        {"{" FIELDS ",\"token\":7,\"ttl\":9", ""},
        {"{" FIELDS ",\"token\":7,\"ttl\":0}", "ttl must be at least 1"},
        {"{" FIELDS ",\"token\":7}", "a field is missing"},
        {"{" FIELDS ",\"token\":7,\"ttl\":9,\"env\":5}", "expected a string"},
        {"{" FIELDS ",\"token\":7,\"ttl\":9,\"host\":\"x\\u0000y\"}", "NUL"},
        {"{" FIELDS ",\"token\":7,\"ttl\":9,\"state\":\"gone\"}", "neither"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        put_lease_json(R, bad[i].json);
        ck_assert_int_eq(mt_lease_read(a, "origin", NULL, &info, &e), 0);
        ck_assert_msg(!info.valid, "accepted: %s", bad[i].json);
        ck_assert_msg(has(info.error, "unreadable") && has(info.error, bad[i].why), "%s: %s", bad[i].json,
                      info.error);
        ck_assert(!info.env && !info.host && !info.time && !info.broke && info.token == 0);
        char *tip = rev(R, LREF);
        ck_assert_str_eq(info.tip, tip);
        free(tip);
        mt_lease_info_clear(&info);
    }

    /* Unknown keys (nested too), JSON escapes, duplicates (the last wins)
     * and white space around are fine; the token is at most one above the
     * entry below it (itself a jump from nothing, so unreadable). */
    put_lease_json(R, "{" FIELDS ",\"token\":9007199254740990,\"ttl\":9}");
    ck_assert_int_eq(mt_lease_read(a, "origin", NULL, &info, &e), 0);
    ck_assert_msg(!info.valid && has(info.error, "jumps from 0"), "%s", info.error);
    mt_lease_info_clear(&info);
    put_lease_json(R, " {\"x\":{\"y\":[1,{\"z\":\"}]\"}],\"w\":null},\"env\":\"b\",\"host\":\"h\\u00e9\\/\","
                      "\"pid\":12,\"token\":7,\"token\":9007199254740991,\"ttl\":9,\"state\":\"released\","
                      "\"time\":\"t\",\"broke\":\"q\\\"\\n\",\"more\":[true,false,-1.5e3]}\r\n\t ");
    ck_assert_int_eq(mt_lease_read(a, "origin", NULL, &info, &e), 0);
    ck_assert_msg(info.valid, "%s", info.error);
    ck_assert_str_eq(info.env, "b");
    ck_assert_str_eq(info.host, "h\xc3\xa9/");
    ck_assert_int_eq(info.pid, 12);
    ck_assert_uint_eq(info.token, MT_LEASE_TOKEN_MAX);
    ck_assert_int_eq(info.ttl, 9);
    ck_assert_int_eq(info.state, MT_LEASE_RELEASED);
    ck_assert_str_eq(info.broke, "q\"\n");
    mt_lease_info_clear(&info);

    /* What memtui writes is escaped as JSON.stringify does, and reads back. */
    put_lease_json(R, "{" FIELDS ",\"token\":1,\"ttl\":9,\"state\":\"released\"}");
    put_lease_json(R, "{" FIELDS ",\"token\":2,\"ttl\":9,\"state\":\"released\"}");
    struct mt_lease *l = acquire_ok(a, "gamma", "q\"b\\s\t\x01\xc3\xa9", 5, 20, 2);
    ck_assert_uint_eq(mt_lease_token(l), 3);
    char *j = lease_json(R);
    const char *want = "{\"env\":\"gamma\",\"host\":\"q\\\"b\\\\s\\t\\u0001\xc3\xa9\",\"pid\":5,\"token\":3,"
                       "\"ttl\":20,\"state\":\"held\",\"time\":\"";
    ck_assert_msg(strncmp(j, want, strlen(want)) == 0, "lease.json: %s", j);
    free(j);
    ck_assert_int_eq(mt_lease_read(a, "origin", NULL, &info, &e), 0);
    ck_assert_msg(info.valid, "%s", info.error);
    ck_assert_str_eq(info.host, "q\"b\\s\t\x01\xc3\xa9");
    mt_lease_info_clear(&info);
    mt_lease_abandon(l);
#undef FIELDS

    mt_repo_close(a);
    mt_error_clear(&e);
    free(R);
}
END_TEST

/* mt_lease_parse alone (the fuzzer's entry point): no NUL needed after the
 * text, none inside, a size bound, the error in info. */
START_TEST(test_parse_entry_point)
{
    struct mt_lease_info info = {0};
    const char *good = "{\"env\":\"a\",\"host\":\"h\",\"pid\":1,\"token\":9007199254740991,\"ttl\":4000000000,"
                       "\"state\":\"held\",\"time\":\"t\"}xyz";
    ck_assert_int_eq(mt_lease_parse(good, strlen(good) - 3, &info), 0);
    ck_assert_uint_eq(info.token, MT_LEASE_TOKEN_MAX);
    ck_assert_int_eq(info.ttl, 1000000000L);  /* as written, bounded; a holder counts it as 3600 */
    ck_assert(!info.valid && !info.error && !info.machine);
    mt_lease_info_clear(&info);
    ck_assert_int_eq(mt_lease_parse(good, strlen(good), &info), -1);
    ck_assert_ptr_nonnull(info.error);
    mt_lease_info_clear(&info);
    ck_assert_int_eq(mt_lease_parse("{\"a\":1}\0{}", 10, &info), -1);
    ck_assert_msg(has(info.error, "NUL"), "%s", info.error);
    mt_lease_info_clear(&info);
    ck_assert_int_eq(mt_lease_parse("", 0, &info), -1);
    ck_assert_ptr_nonnull(info.error);
    mt_lease_info_clear(&info);
    size_t big = 70000;
    char *pad = xcalloc(1, big + 1);
    memset(pad, ' ', big);
    pad[0] = '{';
    pad[big - 1] = '}';
    ck_assert_int_eq(mt_lease_parse(pad, big, &info), -1);
    ck_assert_msg(has(info.error, "too large"), "%s", info.error);
    mt_lease_info_clear(&info);
    free(pad);
}
END_TEST

/* Tokens cannot be made to overflow: one commit cannot jump them, and a
 * forged chain that reaches MT_LEASE_TOKEN_MAX makes the next holder start
 * again above the entry below the jump, not wrap or stop. */
START_TEST(test_token_bounds)
{
    char *R = bare_in(NULL, "r.git");
    struct mt_repo *a = open_clone(R);
    struct mt_error e = {0};
    struct mt_lease_info info;
    struct mt_lease *l = acquire_ok(a, "alpha", "hostA", 0, 30, 2);
    ck_assert_int_eq(mt_lease_release(l, &e), 0);
#define REL(tok) "{\"env\":\"x\",\"host\":\"h\",\"pid\":1,\"token\":" tok ",\"ttl\":9,\"state\":\"released\",\"time\":\"t\"}"
    /* one forged entry: unreadable, so it is waited for like a held one */
    put_lease_json(R, REL("9007199254740990"));
    ck_assert_int_eq(mt_lease_read(a, "origin", NULL, &info, &e), 0);
    ck_assert_msg(!info.valid && has(info.error, "jumps from 1"), "%s", info.error);
    mt_lease_info_clear(&info);
    ck_assert_int_eq(mt_lease_acquire(a, OPTS("beta", "hostB", 30, 0.3), &l, &e), MT_LEASE_TIMEOUT);
    /* a second one on top reads (one above the first), and gives the last token */
    put_lease_json(R, REL("9007199254740990"));
    l = acquire_ok(a, "beta", "hostB", 0, 30, 2);
    ck_assert_uint_eq(mt_lease_token(l), MT_LEASE_TOKEN_MAX);
    ck_assert_int_eq(mt_lease_release(l, &e), 0);
    /* then the count starts again above the entry below the jump */
    l = acquire_ok(a, "gamma", "hostC", 0, 30, 2);
    ck_assert_uint_eq(mt_lease_token(l), 2);
    ck_assert_int_eq(mt_lease_read(a, "origin", NULL, &info, &e), 0);
    ck_assert_msg(info.valid && info.token == 2, "%s", info.error);
    mt_lease_info_clear(&info);
    ck_assert_int_eq(mt_lease_release(l, &e), 0);
    /* a root (a rewritten branch) starts at token 1 at most */
    ck_assert_int_eq(tu_sh("git --git-dir='%s' update-ref -d %s", R, LREF), 0);
    put_lease_json(R, REL("5"));
    ck_assert_int_eq(mt_lease_read(a, "origin", NULL, &info, &e), 0);
    ck_assert_msg(!info.valid && has(info.error, "jumps from 0"), "%s", info.error);
    mt_lease_info_clear(&info);
#undef REL
    mt_repo_close(a);
    mt_error_clear(&e);
    free(R);
}
END_TEST

/* This machine saw the lease branch's tip unchanged since `ago` seconds
 * (what earlier runs record), so that waits of an hour take no hour here.
 * False when the machine has not been up that long. */
/* (On a machine up for less than `ago`, the time written is before its boot:
 * CLOCK_MONOTONIC goes negative there, and the sighting reads it the same way.) */
static void seen_since(struct mt_repo *r, const char *R, double ago)
{
    char boot[64], ns[64];
    here(boot, ns);
    char *tip = rev(R, LREF);
    char *dir = xasprintf("%smemtui", mt_repo_gitdir(r));
    mkdir(dir, 0755);
    char *path = xasprintf("%s/lease-seen-lease", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "%s %s %.3f\n", boot, tip, now_s() - ago);
    fclose(f);
    free(path);
    free(dir);
    free(tip);
}

/* A held entry with a huge ttl, or an unreadable one, counts as held for
 * MT_LEASE_TTL_MAX (+ margin) at most: not a second less, not forever. */
START_TEST(test_ttl_bounded)
{
    char *R = bare_in(NULL, "r.git");
    struct mt_repo *a = open_clone(R);
    struct mt_error e = {0};
    struct mt_lease *l = NULL;
    double wait = MT_LEASE_TTL_MAX + mt_lease_margin(MT_LEASE_TTL_MAX);
    ck_assert_int_eq(mt_lease_acquire(a, OPTS("a", "h", MT_LEASE_TTL_MAX + 1, 1), &l, &e),
                     MT_REPO_ERR);
    static const char *tips[] = {
        "{\"env\":\"x\",\"host\":\"h\",\"pid\":1,\"token\":1,\"ttl\":1000000000,\"state\":\"held\",\"time\":\"t\"}",
        "{\"env\":\"x\",\"host\":\"h\",\"pid\":1,\"token\":2,\"ttl\":18446744073709551615,\"state\":\"held\",\"time\":\"t\"}",
        "garbage",
    };
    for (size_t i = 0; i < sizeof tips / sizeof tips[0]; i++) {
        put_lease_json(R, tips[i]);
        seen_since(a, R, wait - 30);
        ck_assert_msg(mt_lease_acquire(a, OPTS("b", "h", 30, 0.3), &l, &e) == MT_LEASE_TIMEOUT,
                      "case %zu taken before its time", i);
        ck_assert_msg(has(e.msg, "ttl 3600 s"), "%s", e.msg);
        seen_since(a, R, wait + 1);
        l = acquire_ok(a, "b", "h", 0, 30, 2);
        ck_assert_uint_eq(mt_lease_token(l), i + 2);
        mt_lease_abandon(l);
    }
    mt_repo_close(a);
    mt_error_clear(&e);
    free(R);
}
END_TEST

START_TEST(test_unreachable)
{
    char *D = clone_dir("git://127.0.0.1:1/x.git");
    struct mt_repo *r = NULL;
    struct mt_lease *l = NULL;
    struct mt_error e = {0};
    ck_assert_int_eq(mt_repo_open(D, &r, &e), 0);
    double t0 = now_s();
    ck_assert_int_eq(mt_lease_acquire(r, OPTS("a", "h", 30, 0.3), &l, &e), MT_REPO_UNREACHABLE);
    ck_assert(now_s() - t0 < 3);
    ck_assert_ptr_null(l);
    char oid[MT_OID_HEX];
    ck_assert_int_eq(mt_repo_remote_ref(r, "origin", LREF, oid, &e), MT_REPO_UNREACHABLE);
    mt_repo_close(r);
    mt_error_clear(&e);
    free(D);
}
END_TEST

/* ---- compare-and-swap push ------------------------------------------ */

/* Commits c1 <- c2 <- c3 and an unrelated root x, in the clone at dir. */
static void make_commits(const char *dir, char ids[4][MT_OID_HEX])
{
    ck_assert_int_eq(tu_sh("cd '%s' && git checkout -q -b work && git commit -q --allow-empty -m c1 && "
                           "git commit -q --allow-empty -m c2 && git commit -q --allow-empty -m c3 && "
                           "git checkout -q --orphan other && git commit -q --allow-empty -m x", dir), 0);
    const char *names[4] = {"work~2", "work~1", "work", "other"};
    for (int i = 0; i < 4; i++) {
        char *s = sh_out("git -C '%s' rev-parse %s", dir, names[i]);
        ck_assert_uint_eq(strlen(s), 40);
        memcpy(ids[i], s, MT_OID_HEX);
        free(s);
    }
}

static void check_cas(const char *url, const char *R)
{
    char *D = clone_dir(url);
    struct mt_repo *r = NULL;
    struct mt_error e = {0};
    char c[4][MT_OID_HEX];
    const char *ref = "refs/heads/t";
    ck_assert_int_eq(mt_repo_open(D, &r, &e), 0);
    make_commits(D, c);

#define REMOTE_IS(want)                                                       \
    do {                                                                      \
        char *v_ = rev(R, ref);                                               \
        ck_assert_str_eq(v_, want);                                           \
        free(v_);                                                             \
    } while (0)

    char oid[MT_OID_HEX] = "x";
    ck_assert_int_eq(mt_repo_remote_ref(r, "origin", ref, oid, &e), MT_REPO_NOTFOUND);
    ck_assert_str_eq(oid, "");

    /* must not exist: created */
    int rc = mt_repo_push_cas(r, "origin", c[0], ref, "", &e);
    ck_assert_msg(rc == 0, "create: %s", e.msg);
    REMOTE_IS(c[0]);
    char *s = sh_out("git -C '%s' rev-parse refs/remotes/origin/t", D);
    ck_assert_str_eq(s, c[0]);
    free(s);
    /* must not exist, but it does: rejected */
    ck_assert_int_eq(mt_repo_push_cas(r, "origin", c[1], ref, NULL, &e), MT_REPO_REJECTED);
    REMOTE_IS(c[0]);
    /* expected the wrong value: rejected */
    ck_assert_int_eq(mt_repo_push_cas(r, "origin", c[1], ref, c[2], &e), MT_REPO_REJECTED);
    ck_assert_msg(has(e.msg, "expected"), "%s", e.msg);
    REMOTE_IS(c[0]);
    /* the right value: swapped */
    rc = mt_repo_push_cas(r, "origin", c[1], ref, c[0], &e);
    ck_assert_msg(rc == 0, "swap: %s", e.msg);
    REMOTE_IS(c[1]);
    /* stale expectation (the value we saw before): rejected, unchanged */
    ck_assert_int_eq(mt_repo_push_cas(r, "origin", c[2], ref, c[0], &e), MT_REPO_REJECTED);
    REMOTE_IS(c[1]);
    /* right value but not a fast-forward: rejected */
    ck_assert_int_eq(mt_repo_push_cas(r, "origin", c[3], ref, c[1], &e), MT_REPO_REJECTED);
    REMOTE_IS(c[1]);
    /* no-op */
    ck_assert_int_eq(mt_repo_push_cas(r, "origin", c[1], ref, c[1], &e), 0);
    REMOTE_IS(c[1]);

    /* Another machine moves it to a commit we have never seen. */
    char *O = xasprintf("%s/mover", T);
    ck_assert_int_eq(tu_sh("git clone -q '%s' '%s' 2>/dev/null && cd '%s' && git checkout -q t && "
                           "git commit -q --allow-empty -m theirs && git push -q origin t 2>/dev/null",
                           R, O, O), 0);
    char *theirs = sh_out("git -C '%s' rev-parse HEAD", O);
    ck_assert_int_eq(mt_repo_push_cas(r, "origin", c[2], ref, c[1], &e), MT_REPO_REJECTED);
    REMOTE_IS(theirs);
    ck_assert_int_eq(mt_repo_remote_ref(r, "origin", ref, oid, &e), 0);
    ck_assert_str_eq(oid, theirs);
    s = sh_out("git -C '%s' cat-file -t %s", D, theirs);  /* fetched */
    ck_assert_str_eq(s, "commit");
    free(s);

    /* Errors. */
    ck_assert_int_eq(mt_repo_push_cas(r, "origin", "0123456789012345678901234567890123456789", ref, "", &e),
                     MT_REPO_NOTFOUND);
    ck_assert_int_eq(mt_repo_push_cas(r, "origin", c[2], ref, "nope", &e), MT_REPO_ERR);
    ck_assert_int_eq(mt_repo_push_cas(r, "origin", c[2], "t", "", &e), MT_REPO_ERR);
    ck_assert_int_eq(mt_repo_push_cas(r, "nowhere", c[2], ref, "", &e), MT_REPO_NOTFOUND);
    REMOTE_IS(theirs);
    s = sh_out("git --git-dir='%s' for-each-ref refs/memtui; git -C '%s' for-each-ref refs/memtui", R, D);
    ck_assert_str_eq(s, "");
    free(s);
    s = sh_out("git --git-dir='%s' fsck --no-progress 2>&1 | grep -Ev '^(dangling|notice)' || true", R);
    ck_assert_str_eq(s, "");
    free(s);
#undef REMOTE_IS

    free(theirs);
    free(O);
    mt_repo_close(r);
    mt_error_clear(&e);
    free(D);
}

START_TEST(test_cas_path)
{
    char *R = bare_in(NULL, "r.git");
    check_cas(R, R);
    free(R);
}
END_TEST

START_TEST(test_cas_file_url)
{
    char *R = bare_in(NULL, "r.git");
    char *url = xasprintf("file://%s", R);
    check_cas(url, R);
    free(url);
    free(R);
}
END_TEST

static char *start_daemon_repo(char **R)
{
    char *base = xasprintf("%s/srv", T);
    ck_assert_int_eq(mkdir(base, 0755), 0);
    *R = bare_in(base, "r.git");
    int port = gitd_free_port();
    gitd_start(base, port);
    free(base);
    return xasprintf("git://127.0.0.1:%d/r.git", port);
}

START_TEST(test_cas_git_daemon)
{
    char *R = NULL;
    char *url = start_daemon_repo(&R);
    check_cas(url, R);

    /* A server-side refusal (hook) is a rejection too, though libgit2 returns 0. */
    char *D = clone_dir(url);
    struct mt_repo *r = NULL;
    struct mt_error e = {0};
    ck_assert_int_eq(mt_repo_open(D, &r, &e), 0);
    char c[4][MT_OID_HEX];
    make_commits(D, c);
    ck_assert_int_eq(tu_sh("printf '#!/bin/sh\\nexit 1\\n' > '%s/hooks/pre-receive' && "
                           "chmod +x '%s/hooks/pre-receive'", R, R), 0);
    ck_assert_int_eq(mt_repo_push_cas(r, "origin", c[0], "refs/heads/u", "", &e), MT_REPO_REJECTED);
    ck_assert_msg(has(e.msg, "rejected by the remote"), "%s", e.msg);
    char *v = rev(R, "refs/heads/u");
    ck_assert_str_eq(v, "");
    free(v);
    ck_assert_int_eq(tu_sh("rm '%s/hooks/pre-receive'", R), 0);
    ck_assert_int_eq(mt_repo_push_cas(r, "origin", c[0], "refs/heads/u", "", &e), 0);

    /* The lease works over git:// too. */
    struct mt_lease *l = acquire_ok(r, "alpha", "hostA", 0, 30, 2), *l2 = NULL;
    ck_assert_uint_eq(mt_lease_token(l), 1);
    ck_assert_int_eq(mt_lease_renew(l, &e), 0);
    ck_assert_int_eq(mt_lease_acquire(r, OPTS("beta", "hostB", 30, 0.2), &l2, &e),
                     MT_LEASE_TIMEOUT);
    ck_assert_int_eq(mt_lease_release(l, &e), 0);
    l = acquire_ok(r, "beta", "hostB", 0, 30, 2);
    ck_assert_uint_eq(mt_lease_token(l), 2);
    ck_assert_int_eq(mt_lease_release(l, &e), 0);

    gitd_stop();
    ck_assert_int_eq(mt_repo_push_cas(r, "origin", c[1], "refs/heads/u", c[0], &e), MT_REPO_UNREACHABLE);

    mt_repo_close(r);
    mt_error_clear(&e);
    free(D);
    free(url);
    free(R);
}
END_TEST

/* ---- the race ---------------------------------------------------------- */

#define RACERS 8
#define ROUNDS 10

struct result {
    int rc;
    int won;
    uint64_t token;
};

static void xwrite(int fd, const void *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) _exit(9);
        p = (const char *)p + w;
        n -= (size_t)w;
    }
}

static void racer(const char *dir, int id, int round, int go_fd, int res_fd, int hold_fd)
{
    struct mt_repo *r = NULL;
    struct mt_lease *l = NULL;
    struct mt_error e = {0};
    struct result res = {MT_REPO_ERR, 0, 0};
    char c;
    char env[16];
    snprintf(env, sizeof(env), "racer%d", id);
    if (mt_repo_open(dir, &r, &e) != 0) _exit(3);
    while (read(go_fd, &c, 1) < 0 && errno == EINTR) {
    }
    res.rc = mt_lease_acquire(r, OPTS(env, "racehost", 30, 0.5), &l, &e);
    if (res.rc == 0) {
        res.won = 1;
        res.token = mt_lease_token(l);
    }
    xwrite(res_fd, &res, sizeof(res));
    /* Everyone is done before the winner lets go (or dies holding it). */
    while (read(hold_fd, &c, 1) < 0 && errno == EINTR) {
    }
    if (l && round % 2 == 0) {
        if (mt_lease_release(l, &e) != 0) _exit(4);
    } else {
        mt_lease_abandon(l);
    }
    _exit(0);
}

static void race(const char *url, const char *R)
{
    char *dirs[RACERS];
    for (int i = 0; i < RACERS; i++) dirs[i] = clone_dir(url);
    for (int round = 0; round < ROUNDS; round++) {
        int go[2], res[2], hold[2];
        pid_t pids[RACERS];
        ck_assert_int_eq(pipe(go), 0);
        ck_assert_int_eq(pipe(res), 0);
        ck_assert_int_eq(pipe(hold), 0);
        for (int i = 0; i < RACERS; i++) {
            pids[i] = fork();
            ck_assert_int_ge(pids[i], 0);
            if (pids[i] == 0) {
                close(go[1]);
                close(res[0]);
                close(hold[1]);
                racer(dirs[i], i, round, go[0], res[1], hold[0]);
            }
        }
        close(go[0]);
        close(res[1]);
        close(hold[0]);
        nap(0.05);       /* let them open their repositories */
        close(go[1]);    /* ... and go */
        int winners = 0, timeouts = 0;
        uint64_t token = 0;
        char bad[256] = "";
        for (int i = 0; i < RACERS; i++) {
            struct result rs;
            ssize_t n = read(res[0], &rs, sizeof(rs));
            ck_assert_int_eq(n, (ssize_t)sizeof(rs));
            if (rs.won) {
                winners++;
                token = rs.token;
            } else if (rs.rc == MT_LEASE_TIMEOUT) {
                timeouts++;
            } else {
                snprintf(bad, sizeof(bad), "a racer failed with %d", rs.rc);
            }
        }
        close(hold[1]);
        for (int i = 0; i < RACERS; i++) {
            int st = 0;
            ck_assert_int_eq(waitpid(pids[i], &st, 0), pids[i]);
            ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "round %d: racer exit status %d", round, st);
        }
        close(res[0]);
        ck_assert_msg(!bad[0], "round %d: %s", round, bad);
        ck_assert_msg(winners == 1, "round %d: %d winners", round, winners);
        ck_assert_int_eq(timeouts, RACERS - 1);
        ck_assert_msg(token == (uint64_t)round + 1, "round %d: token %" PRIu64, round, token);
    }
    /* The chain: one entry per win, plus a release every other round. */
    char *s = sh_out("git --git-dir='%s' rev-list --count %s; git --git-dir='%s' rev-list --merges --count %s",
                     R, LREF, R, LREF);
    char *want = xasprintf("%d\n0", ROUNDS + ROUNDS / 2);
    ck_assert_str_eq(s, want);
    free(want);
    free(s);
    s = sh_out("git --git-dir='%s' for-each-ref refs/memtui; "
               "git --git-dir='%s' fsck --no-progress 2>&1 | grep -Ev '^(dangling|notice)' || true", R, R);
    ck_assert_str_eq(s, "");  /* no temporary refs left, nothing broken */
    free(s);
    for (int i = 0; i < RACERS; i++) free(dirs[i]);
}

START_TEST(test_race_path)
{
    char *R = bare_in(NULL, "r.git");
    race(R, R);
    free(R);
}
END_TEST

START_TEST(test_race_git_daemon)
{
    char *R = NULL;
    char *url = start_daemon_repo(&R);
    race(url, R);
    free(url);
    free(R);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("lease");
    TCase *tc = tcase_create("lease");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_acquire_release_chain);
    tcase_add_test(tc, test_timeout_names_holder);
    tcase_add_test(tc, test_takeover_after_ttl);
    tcase_add_test(tc, test_dead_pid_same_host);
    tcase_add_test(tc, test_renew_keeps_it);
    tcase_add_test(tc, test_renew_after_break_is_lost);
    tcase_add_test(tc, test_unreadable_tip);
    tcase_add_test(tc, test_malformed_json);
    tcase_add_test(tc, test_parse_entry_point);
    tcase_add_test(tc, test_token_bounds);
    tcase_add_test(tc, test_ttl_bounded);
    tcase_add_test(tc, test_unreachable);
    tcase_add_test(tc, test_cas_path);
    tcase_add_test(tc, test_cas_file_url);
    tcase_add_test(tc, test_cas_git_daemon);
    tcase_add_test(tc, test_race_path);
    tcase_add_test(tc, test_race_git_daemon);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(make_suite)
