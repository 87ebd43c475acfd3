/* test_config.c: the command line (config.h, DESIGN 4): defaults from the
 * environment and the short host name, every option in both spellings and
 * any position, bad options and values refused with MT_EXIT_USAGE and a
 * message, env names, the batch command and its arguments, repeated
 * --entity, and repeated parsing in one process (getopt keeps global state). */
#include "testutil.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>

#include "memtui/batch/help.h"
#include "memtui/config/config.h"

/* ---- helpers --------------------------------------------------------------- */

/* argv as a real program gets it: separately allocated, writable strings
 * (getopt permutes the array). They are freed right after parsing: the
 * config must hold copies. */
static int parse_v(struct mt_config *c, const char *const *args)
{
    int argc = 0;
    while (args[argc]) argc++;
    char **argv = xcalloc((size_t)argc + 2, sizeof(char *));
    argv[0] = xstrdup("memtui");
    for (int i = 0; i < argc; i++) argv[i + 1] = xstrdup(args[i]);
    char **keep = xcalloc((size_t)argc + 2, sizeof(char *));
    memcpy(keep, argv, ((size_t)argc + 1) * sizeof(char *));
    int rc = mt_config_parse(c, argc + 1, argv);
    for (int i = 0; i <= argc; i++) free(keep[i]);
    free(keep);
    free(argv);
    return rc;
}

#define PARSE(c, ...) parse_v((c), (const char *const[]){__VA_ARGS__, NULL})
#define PARSE0(c) parse_v((c), (const char *const[]){NULL})

/* Same, with stderr captured into *err_text (caller frees). */
static int parse_err(struct mt_config *c, char **err_text, const char *const *args)
{
    fflush(stderr);
    char path[] = "/tmp/memtui-cfg-err-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    int saved = dup(2);
    dup2(fd, 2);
    int rc = parse_v(c, args);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    struct mt_buf b;
    mt_buf_init(&b);
    char chunk[1024];
    ssize_t n;
    lseek(fd, 0, SEEK_SET);
    while ((n = read(fd, chunk, sizeof chunk)) > 0) mt_buf_add(&b, chunk, (size_t)n);
    close(fd);
    unlink(path);
    *err_text = mt_buf_detach(&b, NULL);
    return rc;
}

#define PARSE_ERR(c, e, ...) parse_err((c), (e), (const char *const[]){__VA_ARGS__, NULL})

static char *short_hostname(void)
{
    char h[256] = "";
    ck_assert_int_eq(gethostname(h, sizeof h - 1), 0);
    h[strcspn(h, ".")] = '\0';
    return xstrdup(h[0] ? h : "localhost");
}

static void setup(void)
{
    setenv("HOME", "/home/tester", 1);
    unsetenv("MEMTUI_REPO");
    unsetenv("MEMORY_FILE_PATH");
    unsetenv("XDG_CONFIG_HOME");
    unsetenv("POSIXLY_CORRECT");
}

/* ---- defaults ------------------------------------------------------------- */

START_TEST(test_defaults)
{
    struct mt_config c;
    ck_assert_int_eq(PARSE0(&c), MT_EXIT_OK);
    char *host = short_hostname();
    ck_assert(!c.batch && !c.json && !c.help && !c.version);
    ck_assert_str_eq(c.repo, "/home/tester/.cache/memory-backup-repo");
    ck_assert_ptr_null(c.memory_file);   /* no default: only what names the server's file */
    ck_assert_str_eq(c.env, host);
    ck_assert_str_eq(c.remote, "origin");
    ck_assert_ptr_null(c.lock_file);
    ck_assert(c.lock_timeout == 30.0);
    ck_assert(c.lease_ttl == 60.0);
    ck_assert_ptr_null(c.theme);
    ck_assert_int_eq(c.policy, MT_POLICY_PRESERVE);
    ck_assert(!c.dry_run && !c.no_push && !c.allow_mass_delete);
    ck_assert_ptr_null(c.from);
    ck_assert_ptr_null(c.to);
    ck_assert_uint_eq(c.nentities, 0);
    ck_assert_ptr_null(c.command);
    ck_assert_uint_eq(c.nargs, 0);
    mt_config_free(&c);
    ck_assert_ptr_null(c.repo);
    mt_config_free(&c);                  /* freeing a freed config is harmless */
    free(host);
}
END_TEST

START_TEST(test_defaults_from_environment)
{
    struct mt_config c;
    setenv("MEMTUI_REPO", "/srv/backup-repo", 1);
    setenv("MEMORY_FILE_PATH", "/var/mcp/memory.jsonl", 1);
    ck_assert_int_eq(PARSE(&c, "--batch", "status"), MT_EXIT_OK);
    ck_assert_str_eq(c.repo, "/srv/backup-repo");
    ck_assert_str_eq(c.memory_file, "/var/mcp/memory.jsonl");
    mt_config_free(&c);

    /* Options beat the environment. */
    ck_assert_int_eq(PARSE(&c, "--repo", "/opt/r", "--memory-file", "/opt/m.json"), MT_EXIT_OK);
    ck_assert_str_eq(c.repo, "/opt/r");
    ck_assert_str_eq(c.memory_file, "/opt/m.json");
    mt_config_free(&c);

    /* Empty variables count as unset. */
    setenv("MEMTUI_REPO", "", 1);
    setenv("MEMORY_FILE_PATH", "", 1);
    ck_assert_int_eq(PARSE0(&c), MT_EXIT_OK);
    ck_assert_str_eq(c.repo, "/home/tester/.cache/memory-backup-repo");
    ck_assert_ptr_null(c.memory_file);
    mt_config_free(&c);

    /* Without HOME the paths are relative to the current folder. */
    unsetenv("HOME");
    ck_assert_int_eq(PARSE0(&c), MT_EXIT_OK);
    ck_assert_str_eq(c.repo, "./.cache/memory-backup-repo");
    ck_assert_ptr_null(c.memory_file);
    mt_config_free(&c);
    setenv("HOME", "", 1);
    ck_assert_int_eq(PARSE0(&c), MT_EXIT_OK);
    ck_assert_str_eq(c.repo, "./.cache/memory-backup-repo");
    mt_config_free(&c);
}
END_TEST

/* The default env is the host name up to its first dot. Run in a child with
 * its own UTS namespace so the host name can be set. */
static int env_for_hostname(const char *hostname, char *out, size_t outlen)
{
    int fd[2];
    ck_assert_int_eq(pipe(fd), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(fd[0]);
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 2);
        if (unshare(CLONE_NEWUTS) != 0 || sethostname(hostname, strlen(hostname)) != 0) _exit(100);
        struct mt_config c;
        int rc = PARSE0(&c);
        if (rc == MT_EXIT_OK && write(fd[1], c.env, strlen(c.env)) < 0) _exit(101);
        mt_config_free(&c);
        _exit(rc);
    }
    close(fd[1]);
    ssize_t n = read(fd[0], out, outlen - 1);
    out[n > 0 ? n : 0] = '\0';
    close(fd[0]);
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert(WIFEXITED(st));
    ck_assert_msg(WEXITSTATUS(st) != 100, "cannot set a host name in a new UTS namespace");
    return WEXITSTATUS(st);
}

START_TEST(test_default_env_short_host)
{
    char env[300];
    ck_assert_int_eq(env_for_hostname("box7.lab.example.org", env, sizeof env), MT_EXIT_OK);
    ck_assert_str_eq(env, "box7");
    ck_assert_int_eq(env_for_hostname("plain-host_1", env, sizeof env), MT_EXIT_OK);
    ck_assert_str_eq(env, "plain-host_1");
    ck_assert_int_eq(env_for_hostname("", env, sizeof env), MT_EXIT_OK);
    ck_assert_str_eq(env, "localhost");
    /* A host name that is no valid env name is refused, not used. */
    ck_assert_int_eq(env_for_hostname("bad:name", env, sizeof env), MT_EXIT_USAGE);
}
END_TEST

/* ---- options -------------------------------------------------------------------- */

START_TEST(test_every_option)
{
    struct mt_config c;
    ck_assert_int_eq(PARSE(&c, "--batch", "--repo", "/r", "--env", "lap.top_1-X", "--memory-file", "/m.json",
                           "--remote", "upstream", "--lock-file", "/tmp/l.lock", "--lock-timeout", "2.5",
                           "--lease-ttl", "90", "--json", "--theme", "dark", "--policy", "fail", "--dry-run",
                           "--no-push", "--allow-mass-delete", "--from", "/in.json", "--to", "/out.json",
                           "--entity", "Ada", "merge"),
                     MT_EXIT_OK);
    ck_assert(c.batch);
    ck_assert_str_eq(c.repo, "/r");
    ck_assert_str_eq(c.env, "lap.top_1-X");
    ck_assert_str_eq(c.memory_file, "/m.json");
    ck_assert_str_eq(c.remote, "upstream");
    ck_assert_str_eq(c.lock_file, "/tmp/l.lock");
    ck_assert(c.lock_timeout == 2.5);
    ck_assert(c.lease_ttl == 90.0);
    ck_assert(c.json);
    ck_assert_str_eq(c.theme, "dark");
    ck_assert_int_eq(c.policy, MT_POLICY_FAIL);
    ck_assert(c.dry_run && c.no_push && c.allow_mass_delete);
    ck_assert_str_eq(c.from, "/in.json");
    ck_assert_str_eq(c.to, "/out.json");
    ck_assert_uint_eq(c.nentities, 1);
    ck_assert_str_eq(c.entities[0], "Ada");
    ck_assert_str_eq(c.command, "merge");
    ck_assert_uint_eq(c.nargs, 0);
    ck_assert(!c.help && !c.version);
    mt_config_free(&c);

    /* The --opt=value spelling. */
    ck_assert_int_eq(PARSE(&c, "--batch", "--repo=/r2", "--env=e2", "--memory-file=/m2", "--remote=o2",
                           "--lock-file=/l2", "--lock-timeout=0", "--lease-ttl=1", "--theme=t2",
                           "--policy=preserve", "--from=/f2", "--to=/t2", "--entity=E2", "import"),
                     MT_EXIT_OK);
    ck_assert_str_eq(c.repo, "/r2");
    ck_assert_str_eq(c.env, "e2");
    ck_assert_str_eq(c.memory_file, "/m2");
    ck_assert_str_eq(c.remote, "o2");
    ck_assert_str_eq(c.lock_file, "/l2");
    ck_assert(c.lock_timeout == 0.0);
    ck_assert(c.lease_ttl == 1.0);
    ck_assert_str_eq(c.theme, "t2");
    ck_assert_int_eq(c.policy, MT_POLICY_PRESERVE);
    ck_assert_str_eq(c.from, "/f2");
    ck_assert_str_eq(c.to, "/t2");
    ck_assert_str_eq(c.entities[0], "E2");
    ck_assert(!c.json && !c.dry_run && !c.no_push && !c.allow_mass_delete);
    mt_config_free(&c);

    /* A later value replaces an earlier one (no leak: ASan watches). */
    ck_assert_int_eq(PARSE(&c, "--repo", "/a", "--repo", "/b", "--env", "x", "--env", "y", "--policy", "fail",
                           "--policy", "preserve"),
                     MT_EXIT_OK);
    ck_assert_str_eq(c.repo, "/b");
    ck_assert_str_eq(c.env, "y");
    ck_assert_int_eq(c.policy, MT_POLICY_PRESERVE);
    mt_config_free(&c);

    /* The workstation's options, without --batch. */
    ck_assert_int_eq(PARSE(&c, "--repo", "/w", "--env", "ws", "--theme", "light"), MT_EXIT_OK);
    ck_assert(!c.batch);
    ck_assert_ptr_null(c.command);
    ck_assert_str_eq(c.theme, "light");
    mt_config_free(&c);
}
END_TEST

START_TEST(test_help_and_version)
{
    struct mt_config c;
    ck_assert_int_eq(PARSE(&c, "--help"), MT_EXIT_OK);
    ck_assert(c.help && !c.version);
    mt_config_free(&c);
    ck_assert_int_eq(PARSE(&c, "-h"), MT_EXIT_OK);
    ck_assert(c.help);
    mt_config_free(&c);
    ck_assert_int_eq(PARSE(&c, "--version"), MT_EXIT_OK);
    ck_assert(c.version && !c.help);
    mt_config_free(&c);
    /* --help answers even next to a command given without --batch. */
    ck_assert_int_eq(PARSE(&c, "merge", "--help"), MT_EXIT_OK);
    ck_assert(c.help);
    mt_config_free(&c);
}
END_TEST

/* Options may come before or after the command and between its arguments. */
START_TEST(test_permutation_and_positionals)
{
    struct mt_config c;
    ck_assert_int_eq(PARSE(&c, "merge", "--policy", "fail", "--batch", "--dry-run"), MT_EXIT_OK);
    ck_assert(c.batch && c.dry_run);
    ck_assert_int_eq(c.policy, MT_POLICY_FAIL);
    ck_assert_str_eq(c.command, "merge");
    ck_assert_uint_eq(c.nargs, 0);
    mt_config_free(&c);

    ck_assert_int_eq(PARSE(&c, "--batch", "restore", "memtui/backup/laptop/20261126T041200Z", "--entity",
                           "Ada Lovelace", "--json", "--entity", "Charles Babbage", "--entity", "Ada Lovelace"),
                     MT_EXIT_OK);
    ck_assert_str_eq(c.command, "restore");
    ck_assert_uint_eq(c.nargs, 1);
    ck_assert_str_eq(c.args[0], "memtui/backup/laptop/20261126T041200Z");
    ck_assert_ptr_null(c.args[1]);       /* NULL-terminated */
    ck_assert(c.json);
    /* --entity is repeatable, in order, duplicates included. */
    ck_assert_uint_eq(c.nentities, 3);
    ck_assert_str_eq(c.entities[0], "Ada Lovelace");
    ck_assert_str_eq(c.entities[1], "Charles Babbage");
    ck_assert_str_eq(c.entities[2], "Ada Lovelace");
    mt_config_free(&c);

    ck_assert_int_eq(PARSE(&c, "--batch", "init", "ssh://host/memory.git", "extra", "--no-push"), MT_EXIT_OK);
    ck_assert_str_eq(c.command, "init");
    ck_assert_uint_eq(c.nargs, 2);
    ck_assert_str_eq(c.args[0], "ssh://host/memory.git");
    ck_assert_str_eq(c.args[1], "extra");
    ck_assert(c.no_push);
    mt_config_free(&c);

    /* After "--" everything is positional, even what looks like an option. */
    ck_assert_int_eq(PARSE(&c, "--batch", "restore", "--", "--entity", "-h"), MT_EXIT_OK);
    ck_assert_str_eq(c.command, "restore");
    ck_assert_uint_eq(c.nargs, 2);
    ck_assert_str_eq(c.args[0], "--entity");
    ck_assert_str_eq(c.args[1], "-h");
    ck_assert_uint_eq(c.nentities, 0);
    ck_assert(!c.help);
    mt_config_free(&c);

    /* A command without --batch is a usage error. */
    char *msg;
    ck_assert_int_eq(PARSE_ERR(&c, &msg, "sync"), MT_EXIT_USAGE);
    ck_assert_msg(strstr(msg, "sync") && strstr(msg, "--batch"), "message: %s", msg);
    free(msg);
    mt_config_free(&c);
}
END_TEST

START_TEST(test_bad_options)
{
    static const char *const cases[][3] = {
        {"--bogus", NULL, "--bogus"},
        {"--batch", "--dryrun", "--dryrun"},
        {"-x", NULL, "-x"},
        {"-q", NULL, "-q"},
        {"--repo", NULL, "--repo"},                 /* missing value */
        {"--batch", "--entity", "--entity"},
        {"--json=yes", NULL, "--json"},             /* a flag takes no value */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct mt_config c;
        char *msg;
        const char *args[3] = {cases[i][0], cases[i][1], NULL};
        int rc = parse_err(&c, &msg, args);
        ck_assert_msg(rc == MT_EXIT_USAGE, "case %zu (%s) gave %d", i, cases[i][0], rc);
        ck_assert_msg(strstr(msg, cases[i][2]) != NULL, "case %zu: message does not name %s: %s", i, cases[i][2],
                      msg);
        ck_assert_msg(strstr(msg, "usage:") != NULL, "case %zu: no usage line: %s", i, msg);
        free(msg);
        mt_config_free(&c);               /* whatever was set before the error is freed */
    }
    /* Values set before the bad option are freed by mt_config_free (ASan). */
    struct mt_config c;
    char *msg;
    ck_assert_int_eq(PARSE_ERR(&c, &msg, "--repo", "/x", "--entity", "a", "--bogus"), MT_EXIT_USAGE);
    free(msg);
    mt_config_free(&c);
}
END_TEST

START_TEST(test_lock_timeout_values)
{
    static const char *bad[] = {"abc", "-1", "5s", "", " ", "1e9", "604801", "inf", "-0.5", "30 ",
                                "nan", "NaN", "-nan", "nan(0x1)", "1e400", "-0", "+5", " 5", "0x10",
                                "infinity", "1e-400", "5e", "1.5.2", "604800.5", "\t3"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct mt_config c;
        char *msg;
        int rc = PARSE_ERR(&c, &msg, "--batch", "--lock-timeout", bad[i], "merge");
        ck_assert_msg(rc == MT_EXIT_USAGE, "--lock-timeout '%s' accepted", bad[i]);
        ck_assert_msg(strstr(msg, "--lock-timeout") != NULL && strstr(msg, "604800") != NULL, "message: %s", msg);
        ck_assert_msg(strstr(msg, "usage: memtui") != NULL, "no usage line: %s", msg);
        free(msg);
        mt_config_free(&c);
    }
    static const struct { const char *v; double d; } good[] = {
        {"0", 0}, {"0.25", 0.25}, {"30", 30}, {"604800", 604800}, {"1e2", 100},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        struct mt_config c;
        ck_assert_int_eq(PARSE(&c, "--lock-timeout", good[i].v), MT_EXIT_OK);
        ck_assert_msg(c.lock_timeout == good[i].d, "'%s' gave %g", good[i].v, c.lock_timeout);
        mt_config_free(&c);
    }
}
END_TEST

START_TEST(test_lease_ttl_values)
{
    /* the lease's own bound: a TTL above MT_LEASE_TTL_MAX is one no peer honours */
    static const char *bad[] = {"0", "0.5", "-3", "x", "", "604801", "nan", "inf", "3601", "3600.5", "1e9",
                                "1e400", "-inf", "+60", " 60", "60s", "0x3c", "1e-400", "18446744073709551616"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct mt_config c;
        char *msg;
        ck_assert_msg(PARSE_ERR(&c, &msg, "--lease-ttl", bad[i]) == MT_EXIT_USAGE, "--lease-ttl '%s' accepted",
                      bad[i]);
        ck_assert_msg(strstr(msg, "--lease-ttl") != NULL && strstr(msg, "3600") != NULL, "message: %s", msg);
        ck_assert_msg(strstr(msg, "usage: memtui") != NULL, "no usage line: %s", msg);
        free(msg);
        mt_config_free(&c);
    }
    static const struct { const char *v; double d; } good[] = {
        {"1.5", 1.5}, {"1", 1}, {"3600", 3600}, {"3.6e3", 3600}, {"60.", 60},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        struct mt_config c;
        ck_assert_int_eq(PARSE(&c, "--lease-ttl", good[i].v), MT_EXIT_OK);
        ck_assert_msg(c.lease_ttl == good[i].d, "'%s' gave %g", good[i].v, c.lease_ttl);
        mt_config_free(&c);
    }
}
END_TEST

/* strtod reads "nan" as NaN, and seconds() only rejects d < 0 and d > 7 days,
 * both false for NaN: --lock-timeout nan is accepted, and the lock's
 * deadline (now + NaN) is then never reached (mt_monotonic() >= NaN is
 * false): a wait without end. Same for --lease-ttl (NaN < 1 is false). */
START_TEST(test_nan_seconds_refused)
{
    static const char *nan_spellings[] = {"nan", "NaN", "-nan", "nan(1)"};
    for (size_t i = 0; i < sizeof nan_spellings / sizeof nan_spellings[0]; i++) {
        struct mt_config c;
        char *msg;
        ck_assert_msg(PARSE_ERR(&c, &msg, "--lock-timeout", nan_spellings[i]) == MT_EXIT_USAGE,
                      "--lock-timeout %s accepted", nan_spellings[i]);
        free(msg);
        mt_config_free(&c);
        ck_assert_msg(PARSE_ERR(&c, &msg, "--lease-ttl", nan_spellings[i]) == MT_EXIT_USAGE,
                      "--lease-ttl %s accepted", nan_spellings[i]);
        free(msg);
        mt_config_free(&c);
    }
}
END_TEST

START_TEST(test_policy_values)
{
    static const char *bad[] = {"Preserve", "FAIL", "", "merge", "preserve ", "fai"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct mt_config c;
        char *msg;
        ck_assert_msg(PARSE_ERR(&c, &msg, "--batch", "merge", "--policy", bad[i]) == MT_EXIT_USAGE,
                      "--policy '%s' accepted", bad[i]);
        ck_assert_msg(strstr(msg, "--policy") != NULL, "message: %s", msg);
        free(msg);
        mt_config_free(&c);
    }
    struct mt_config c;
    ck_assert_int_eq(PARSE(&c, "--policy", "fail"), MT_EXIT_OK);
    ck_assert_int_eq(c.policy, MT_POLICY_FAIL);
    mt_config_free(&c);
    ck_assert_int_eq(PARSE(&c, "--policy", "preserve"), MT_EXIT_OK);
    ck_assert_int_eq(c.policy, MT_POLICY_PRESERVE);
    mt_config_free(&c);
}
END_TEST

START_TEST(test_env_names)
{
    char n64[65], n65[66];
    memset(n64, 'a', 64);
    n64[64] = '\0';
    memset(n65, 'b', 65);
    n65[65] = '\0';
    ck_assert(mt_env_name_valid(n64));
    ck_assert(!mt_env_name_valid(n65));
    ck_assert(mt_env_name_valid("a"));
    ck_assert(mt_env_name_valid("Lap.top_01-X"));
    ck_assert(mt_env_name_valid("..."));
    static const char *bad[] = {"", "a/b", "a b", "a:b", "caf\xc3\xa9", "tab\t", "x\n", "a*", "../x", "a\\b", "@"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) ck_assert_msg(!mt_env_name_valid(bad[i]), "'%s'", bad[i]);

    struct mt_config c;
    ck_assert_int_eq(PARSE(&c, "--env", n64), MT_EXIT_OK);
    ck_assert_str_eq(c.env, n64);
    mt_config_free(&c);
    static const char *bad_cli[] = {"a/b", "", "caf\xc3\xa9", "a b"};
    for (size_t i = 0; i < sizeof bad_cli / sizeof bad_cli[0]; i++) {
        char *msg;
        ck_assert_msg(PARSE_ERR(&c, &msg, "--batch", "--env", bad_cli[i], "status") == MT_EXIT_USAGE, "'%s'",
                      bad_cli[i]);
        ck_assert_msg(strstr(msg, "environment name") != NULL, "message: %s", msg);
        free(msg);
        mt_config_free(&c);
    }
    char *msg;
    ck_assert_int_eq(PARSE_ERR(&c, &msg, "--env", n65), MT_EXIT_USAGE);
    ck_assert_msg(strstr(msg, n65) != NULL, "message does not name it: %s", msg);
    free(msg);
    mt_config_free(&c);
}
END_TEST

/* Many parses in one process: each starts from scratch. */
START_TEST(test_repeated_parse)
{
    struct mt_config c;
    ck_assert_int_eq(PARSE(&c, "--batch", "restore", "REF", "--entity", "A"), MT_EXIT_OK);
    mt_config_free(&c);
    ck_assert_int_eq(PARSE(&c, "--batch", "status"), MT_EXIT_OK);
    ck_assert_str_eq(c.command, "status");
    ck_assert_uint_eq(c.nargs, 0);
    ck_assert_uint_eq(c.nentities, 0);
    mt_config_free(&c);
    /* After an error in the middle of the arguments. */
    char *msg;
    ck_assert_int_eq(PARSE_ERR(&c, &msg, "--batch", "--bogus", "merge", "--dry-run"), MT_EXIT_USAGE);
    free(msg);
    mt_config_free(&c);
    ck_assert_int_eq(PARSE(&c, "--batch", "merge", "--no-push"), MT_EXIT_OK);
    ck_assert_str_eq(c.command, "merge");
    ck_assert(c.no_push && !c.dry_run);
    mt_config_free(&c);
    for (int i = 0; i < 50; i++) {
        ck_assert_int_eq(PARSE(&c, "diff", "--batch", "--json"), MT_EXIT_OK);
        ck_assert_str_eq(c.command, "diff");
        ck_assert(c.json);
        mt_config_free(&c);
        ck_assert_int_eq(PARSE0(&c), MT_EXIT_OK);
        ck_assert_ptr_null(c.command);
        ck_assert(!c.json && !c.batch);
        mt_config_free(&c);
    }
}
END_TEST

/* mt_config_parse resets optind to 1, which does not reset glibc getopt's
 * private scan position inside a cluster of short options (only optind = 0
 * does). After "-qh" fails on the unknown -q, getopt still points at the "h"
 * of the previous argv, and the next parse starts there: it gets a --help
 * nobody gave and skips its own first argument ("--batch"). When the old
 * argv has been freed meanwhile, getopt reads freed memory (glibc is not
 * instrumented, so ASan does not see it). */
START_TEST(test_reparse_after_short_cluster_error)
{
    char *a[] = {xstrdup("memtui"), xstrdup("-qh"), NULL};
    char *b[] = {xstrdup("memtui"), xstrdup("--batch"), xstrdup("status"), NULL};
    struct mt_config c;
    FILE *saved = stderr;
    stderr = fopen("/dev/null", "w");
    int rc = mt_config_parse(&c, 2, a);
    fclose(stderr);
    stderr = saved;
    ck_assert_int_eq(rc, MT_EXIT_USAGE);
    mt_config_free(&c);
    ck_assert_int_eq(mt_config_parse(&c, 3, b), MT_EXIT_OK);
    ck_assert_msg(!c.help, "a --help from the previous command line");
    ck_assert_msg(c.batch, "--batch was skipped");
    ck_assert_str_eq(c.command, "status");
    mt_config_free(&c);
    for (int i = 0; a[i]; i++) free(a[i]);
    for (int i = 0; b[i]; i++) free(b[i]);
}
END_TEST

START_TEST(test_usage_and_help_text)
{
    char *u = tu_capture(mt_usage);
    ck_assert_msg(strstr(u, "usage: memtui") && strstr(u, "--batch"), "usage: %s", u);
    free(u);
    char *h = tu_capture(mt_help);
    static const char *must[] = {"usage: memtui", "--repo", "--env", "--memory-file", "--remote", "--lock-file",
                                 "--lock-timeout", "--lease-ttl", "--json", "--help", "--version", "--theme",
                                 "init URL", "export", "--from", "merge", "--policy preserve|fail", "--dry-run",
                                 "--no-push", "--allow-mass-delete", "import", "--to", "sync", "status", "diff",
                                 "verify", "backups", "restore REF", "gc [--dry-run] [--min-age DAYS]", "--entity", "MEMTUI_REPO", "MEMORY_FILE_PATH",
                                 "Exit codes"};
    for (size_t i = 0; i < sizeof must / sizeof must[0]; i++)
        ck_assert_msg(strstr(h, must[i]) != NULL, "help lacks '%s'", must[i]);
    for (int code = 0; code <= 6; code++) {
        char k[8];
        snprintf(k, sizeof k, "%d ", code);
        ck_assert_msg(strstr(h, k) != NULL, "help lacks exit code %d", code);
    }
    free(h);
}
END_TEST

/* gc --min-age: days, a plain decimal number from 0 to 36500; 14 by default. */
START_TEST(test_min_age_values)
{
    struct mt_config c;
    ck_assert_int_eq(PARSE0(&c), MT_EXIT_OK);
    ck_assert(c.min_age_days == 14);
    mt_config_free(&c);
    static const struct { const char *v; double d; } good[] = {{"0", 0}, {"1.5", 1.5}, {"30", 30}, {"36500", 36500}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        ck_assert_int_eq(PARSE(&c, "--batch", "gc", "--min-age", good[i].v), MT_EXIT_OK);
        ck_assert_msg(c.min_age_days == good[i].d, "'%s' gave %g", good[i].v, c.min_age_days);
        mt_config_free(&c);
    }
    static const char *bad[] = {"-3", "x", "", "nan", "inf", "36501", "+1", "1d", "0x10"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *msg;
        ck_assert_msg(PARSE_ERR(&c, &msg, "--min-age", bad[i]) == MT_EXIT_USAGE, "--min-age '%s' accepted", bad[i]);
        ck_assert_msg(strstr(msg, "--min-age") != NULL, "message: %s", msg);
        free(msg);
        mt_config_free(&c);
    }
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_defaults_from_environment);
    tcase_add_test(tc, test_default_env_short_host);
    tcase_add_test(tc, test_every_option);
    tcase_add_test(tc, test_help_and_version);
    tcase_add_test(tc, test_permutation_and_positionals);
    tcase_add_test(tc, test_bad_options);
    tcase_add_test(tc, test_lock_timeout_values);
    tcase_add_test(tc, test_lease_ttl_values);
    tcase_add_test(tc, test_policy_values);
    tcase_add_test(tc, test_env_names);
    tcase_add_test(tc, test_repeated_parse);
    tcase_add_test(tc, test_usage_and_help_text);
    tcase_add_test(tc, test_min_age_values);
    tcase_add_test(tc, test_nan_seconds_refused);
    tcase_add_test(tc, test_reparse_after_short_cluster_error);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(make_suite)
