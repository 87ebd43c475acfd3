/* test_auth_https.c: the pieces of http(s) authentication that need no
 * server: URLs as git's credential code sees them and credential.<url>
 * matching (cred_url.h), credential config, helper command lines and the
 * helper protocol (cred_helper.h), and running a helper with a time limit
 * (cred_proc.h). */
#include "testutil.h"

#include <git2.h>
#include <git2/sys/credential.h>
#include <sys/stat.h>

#include "memtui/auth/auth_https.h"
#include "memtui/auth/cred_helper.h"
#include "memtui/auth/cred_proc.h"
#include "memtui/auth/cred_url.h"
#include "memtui/coord/lock.h"
#include "memtui/base/util.h"

static struct mt_cred_url parsed(const char *url)
{
    struct mt_cred_url u;
    ck_assert_msg(mt_cred_url_parse(url, &u) == 0, "parse(%s)", url);
    return u;
}

START_TEST(test_parse)
{
    struct mt_cred_url u = parsed("HTTPS://al%40ice:s3cret@Example.COM:8443/o/r%20x.git?q#f");
    ck_assert_str_eq(u.protocol, "https");
    ck_assert_str_eq(u.user, "al@ice");
    ck_assert_str_eq(u.host, "Example.COM:8443");
    ck_assert_str_eq(u.hostname, "example.com");
    ck_assert_str_eq(u.port, "8443");
    ck_assert_str_eq(u.path, "o/r x.git");
    mt_cred_url_free(&u);
    /* a raw '@' in the password: the user-info ends at the last one */
    u = parsed("https://tok@en:p@ss@h/r");
    ck_assert_str_eq(u.user, "tok@en");
    ck_assert_str_eq(u.host, "h");
    ck_assert_ptr_null(u.port);
    mt_cred_url_free(&u);
    u = parsed("http://h");
    ck_assert_ptr_null(u.user);
    ck_assert_str_eq(u.path, "");
    mt_cred_url_free(&u);
    struct mt_cred_url bad;
    ck_assert_int_eq(mt_cred_url_parse("h:r.git", &bad), -1);
    ck_assert_int_eq(mt_cred_url_parse("https:///r.git", &bad), -1);
    ck_assert_int_eq(mt_cred_url_parse("https://u@/r.git", &bad), -1);
    ck_assert_int_eq(mt_cred_url_parse("://h/r", &bad), -1);
    ck_assert_int_eq(mt_cred_url_parse(NULL, &bad), -1);
}
END_TEST

static void expect_match(const char *pattern, const char *url, bool want)
{
    struct mt_cred_url u = parsed(url);
    ck_assert_msg(mt_cred_url_matches(pattern, &u) == want, "%s vs %s: want %d", pattern, url, want);
    mt_cred_url_free(&u);
}

START_TEST(test_match)
{
    expect_match("https://example.com", "https://example.com/o/r.git", true);
    expect_match("https://EXAMPLE.com/", "https://example.COM/o/r.git", true);
    expect_match("http://example.com", "https://example.com/o/r.git", false);
    expect_match("https://example.org", "https://example.com/o/r.git", false);
    /* default ports */
    expect_match("https://example.com:443", "https://example.com/r", true);
    expect_match("https://example.com", "https://example.com:443/r", true);
    expect_match("https://example.com:8443", "https://example.com/r", false);
    expect_match("http://127.0.0.1:8080/git", "http://127.0.0.1:8080/git/r.git", true);
    /* paths: a prefix that ends at a '/' */
    expect_match("https://h/o", "https://h/o/r.git", true);
    expect_match("https://h/o/", "https://h/o/r.git", true);
    expect_match("https://h/o/r.git", "https://h/o/r.git", true);
    expect_match("https://h/o", "https://h/other/r.git", false);
    expect_match("https://h/o/r.git/x", "https://h/o/r.git", false);
    /* '*' is one label */
    expect_match("https://*.example.com", "https://git.example.com/r", true);
    expect_match("https://*.example.com", "https://example.com/r", false);
    expect_match("https://*.example.com", "https://a.b.example.com/r", false);
    /* a user in the pattern must be the URL's */
    expect_match("https://alice@h", "https://alice@h/r", true);
    expect_match("https://alice@h", "https://bob@h/r", false);
    expect_match("https://alice@h", "https://h/r", false);
    expect_match("https://h", "https://alice:pw@h/r", true);
    /* no scheme: a host (and port) */
    expect_match("example.com", "https://example.com/r", true);
    expect_match("example.com", "https://example.com:8443/r", false);
    expect_match("example.com:8443", "https://example.com:8443/r", true);
    expect_match("not a url://", "https://h/r", false);
}
END_TEST

START_TEST(test_config)
{
    struct mt_cred_url u = parsed("https://git.example.com/team/r.git");
    struct mt_cred_config c = {0};
    mt_cred_config_apply(&c, &u, "credential.helper", "cache --timeout 60");
    mt_cred_config_apply(&c, &u, "credential.helper", "");  /* resets */
    mt_cred_config_apply(&c, &u, "credential.helper", "store");
    mt_cred_config_apply(&c, &u, "credential.https://git.example.com/team.helper", "/opt/h one");
    mt_cred_config_apply(&c, &u, "credential.https://other.example.com.helper", "/opt/never");
    mt_cred_config_apply(&c, &u, "credential.https://git.example.com/other.helper", "/opt/never");
    mt_cred_config_apply(&c, &u, "credential.https://*.example.com.username", "alice");
    mt_cred_config_apply(&c, &u, "credential.http://git.example.com.username", "mallory");
    mt_cred_config_apply(&c, &u, "credential.usehttppath", "true");
    mt_cred_config_apply(&c, &u, "core.askpass", "/opt/x");
    mt_cred_config_apply(&c, &u, "credentialx.helper", "/opt/x");
    ck_assert_uint_eq(c.nhelpers, 2);
    ck_assert_str_eq(c.helpers[0], "store");
    ck_assert_str_eq(c.helpers[1], "/opt/h one");
    ck_assert_str_eq(c.username, "alice");
    ck_assert(c.use_http_path);
    mt_cred_config_apply(&c, &u, "credential.useHttpPath", "false");
    ck_assert(!c.use_http_path);
    mt_cred_config_free(&c);
    mt_cred_url_free(&u);
}
END_TEST

START_TEST(test_helper_argv)
{
    const char *why = NULL;
    ck_assert_ptr_null(mt_cred_helper_argv("!f() { echo password=x; }; f", "get", &why));
    ck_assert_str_eq(why, "it is a shell command, which memtui does not run");
    ck_assert_ptr_null(mt_cred_helper_argv("  !cmd", "get", &why));
    ck_assert_ptr_null(mt_cred_helper_argv("rel/prog", "get", &why));
    ck_assert_ptr_null(mt_cred_helper_argv("/nonexistent/prog", "get", &why));
    ck_assert_ptr_null(mt_cred_helper_argv("memtui-no-such-helper", "get", &why));
    ck_assert_ptr_null(mt_cred_helper_argv("   ", "get", &why));

    char **argv = mt_cred_helper_argv("/bin/true  --file /x\ty", "store", &why);
    ck_assert_ptr_nonnull(argv);
    const char *want[] = {"/bin/true", "--file", "/x", "y", "store", NULL};
    for (int i = 0; want[i]; i++) ck_assert_str_eq(argv[i], want[i]);
    ck_assert_ptr_null(argv[5]);
    mt_cred_argv_free(argv);

    /* a name: git-credential-<name>, found in PATH when not in git's exec path */
    char *dir = tu_tmpdir(), *prog = xasprintf("%s/git-credential-memtuitest", dir);
    ck_assert_int_eq(tu_sh("printf '#!/bin/sh\\n' >'%s' && chmod +x '%s'", prog, prog), 0);
    char *old = getenv("PATH") ? xstrdup(getenv("PATH")) : NULL;
    char *path = xasprintf("/nonexistent:%s", dir);
    setenv("PATH", path, 1);
    argv = mt_cred_helper_argv("memtuitest --x", "erase", &why);
    ck_assert_ptr_nonnull(argv);
    ck_assert_str_eq(argv[0], prog);
    ck_assert_str_eq(argv[1], "--x");
    ck_assert_str_eq(argv[2], "erase");
    mt_cred_argv_free(argv);
    char *name = mt_cred_helper_name("  memtuitest --x");
    ck_assert_str_eq(name, "memtuitest");
    free(name);
    if (old) setenv("PATH", old, 1);
    tu_sh("rm -rf '%s'", dir);
    free(old);
    free(path);
    free(prog);
    free(dir);
}
END_TEST

START_TEST(test_request)
{
    struct mt_cred_url u = parsed("https://tok@h:8443/o/r.git");
    char *r = mt_cred_request(&u, false, NULL, NULL);
    ck_assert_str_eq(r, "protocol=https\nhost=h:8443\n\n");
    free(r);
    r = mt_cred_request(&u, true, "alice", "pw");
    ck_assert_str_eq(r, "protocol=https\nhost=h:8443\npath=o/r.git\nusername=alice\npassword=pw\n\n");
    free(r);
    /* a newline in a value would let it add keys: refused */
    ck_assert_ptr_null(mt_cred_request(&u, false, "alice\npassword=x", NULL));
    ck_assert_ptr_null(mt_cred_request(&u, false, "alice", "p\nw"));
    mt_cred_url_free(&u);
}
END_TEST

static void parse_text(const char *text, size_t len, struct mt_cred_reply *r)
{
    mt_cred_reply_parse(text, len, r);
}

START_TEST(test_reply)
{
    struct mt_cred_reply r;
    const char *t = "protocol=https\r\nusername=alice\r\npassword=p=w\r\nextra=1\n";
    parse_text(t, strlen(t), &r);
    ck_assert_str_eq(r.username, "alice");
    ck_assert_str_eq(r.password, "p=w");
    ck_assert(!r.quit);
    mt_cred_reply_free(&r);
    /* a blank line ends it; the last value of a key wins; no final newline */
    t = "password=one\npassword=two\nusername=bob";
    parse_text(t, strlen(t), &r);
    ck_assert_str_eq(r.password, "two");
    ck_assert_str_eq(r.username, "bob");
    mt_cred_reply_free(&r);
    t = "username=a\n\npassword=after\n";
    parse_text(t, strlen(t), &r);
    ck_assert_str_eq(r.username, "a");
    ck_assert_ptr_null(r.password);
    mt_cred_reply_free(&r);
    t = "quit=1\n";
    parse_text(t, strlen(t), &r);
    ck_assert(r.quit);
    mt_cred_reply_free(&r);
    t = "quit=0\nquit=false\n";
    parse_text(t, strlen(t), &r);
    ck_assert(!r.quit);
    mt_cred_reply_free(&r);
    /* a line with a NUL byte is ignored; nothing past len is read */
    const char bin[] = "password=a\0b\nusername=u\npassword=c";
    parse_text(bin, sizeof(bin) - 3, &r);
    ck_assert_str_eq(r.username, "u");
    ck_assert_ptr_null(r.password);
    mt_cred_reply_free(&r);
    parse_text("", 0, &r);
    ck_assert_ptr_null(r.username);
    ck_assert_ptr_null(r.password);
    mt_cred_reply_free(&r);
}
END_TEST

START_TEST(test_run)
{
    char *out = NULL;
    size_t len = 0;
    const char *why = NULL;
    char *cat[] = {"/bin/cat", NULL};
    ck_assert_int_eq(mt_cred_run(cat, "protocol=https\n\n", 5, &out, &len, &why), 0);
    ck_assert_str_eq(out, "protocol=https\n\n");
    ck_assert_uint_eq(len, 16);
    mt_secret_free(out);

    /* with stdin and stdout closed (cron), the pipes still land on 0 and 1 */
    int saved0 = dup(0), saved1 = dup(1);
    close(0);
    close(1);
    int rc = mt_cred_run(cat, "x\n", 5, &out, &len, &why);
    dup2(saved0, 0);
    dup2(saved1, 1);
    close(saved0);
    close(saved1);
    ck_assert_int_eq(rc, 0);
    ck_assert_str_eq(out, "x\n");
    mt_secret_free(out);

    char *no_tty[] = {"/bin/sh", "-c", "(exec 3</dev/tty) 2>/dev/null && echo tty || echo none", NULL};
    ck_assert_int_eq(mt_cred_run(no_tty, "", 5, &out, &len, &why), 0);
    ck_assert_str_eq(out, "none\n");
    mt_secret_free(out);

    char *failing[] = {"/bin/sh", "-c", "echo password=x; exit 3", NULL};
    ck_assert_int_eq(mt_cred_run(failing, "", 5, &out, &len, &why), -1);
    ck_assert_ptr_null(out);
    ck_assert_str_eq(why, "failed");

    char *missing[] = {"/nonexistent/helper", NULL};
    ck_assert_int_eq(mt_cred_run(missing, "", 5, &out, &len, &why), -1);
    ck_assert_str_eq(why, "could not be started");

    /* a hung helper, and the child it left holding the pipe, are killed */
    char *hung[] = {"/bin/sh", "-c", "sleep 30 & sleep 30", NULL};
    double t0 = mt_monotonic();
    ck_assert_int_eq(mt_cred_run(hung, "", 0.5, &out, &len, &why), -1);
    ck_assert_str_eq(why, "timed out");
    ck_assert_msg(mt_monotonic() - t0 < 5, "took %.1f s", mt_monotonic() - t0);

    /* it exits, a child it left keeps stdout open: what it printed counts */
    char *left[] = {"/bin/sh", "-c", "echo password=x; sleep 8 &", NULL};
    t0 = mt_monotonic();
    ck_assert_int_eq(mt_cred_run(left, "", 10, &out, &len, &why), 0);
    ck_assert_str_eq(out, "password=x\n");
    ck_assert_msg(mt_monotonic() - t0 < 5, "took %.1f s", mt_monotonic() - t0);
    mt_secret_free(out);

    /* output past MT_CRED_OUT_MAX is no answer (never a spliced one) */
    char *big[] = {"/bin/sh", "-c", "head -c 200000 /dev/zero | tr '\\0' a", NULL};
    ck_assert_int_eq(mt_cred_run(big, "", 10, &out, &len, &why), -1);
    ck_assert_str_eq(why, "answered more than a credential can be");

    /* the token is for the remote, not for the programs memtui runs */
    setenv("MEMTUI_GIT_TOKEN", "s3cr3t", 1);
    char *env[] = {"/bin/sh", "-c", "echo \"t=${MEMTUI_GIT_TOKEN:-none} h=${HOME:+set}\"", NULL};
    ck_assert_int_eq(mt_cred_run(env, "", 10, &out, &len, &why), 0);
    ck_assert_str_eq(out, "t=none h=set\n");
    mt_secret_free(out);
    unsetenv("MEMTUI_GIT_TOKEN");

    /* it closes its stdout and goes on (waiting on a keyring): the
     * deadline still holds */
    char *closed[] = {"/bin/sh", "-c", "exec >&-; sleep 30", NULL};
    t0 = mt_monotonic();
    ck_assert_int_eq(mt_cred_run(closed, "", 0.5, &out, &len, &why), -1);
    ck_assert_str_eq(why, "timed out");
    ck_assert_msg(mt_monotonic() - t0 < 5, "took %.1f s", mt_monotonic() - t0);
}
END_TEST

static void expect_userpass(git_credential *c, const char *user, const char *password)
{
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(c->credtype, GIT_CREDENTIAL_USERPASS_PLAINTEXT);
    git_credential_userpass_plaintext *up = (git_credential_userpass_plaintext *)c;
    ck_assert_str_eq(up->username, user);
    ck_assert_str_eq(up->password, password);
    git_credential_free(c);
}

/* The sources in order, each once, then GIT_EAUTH naming them and no
 * secret. No git config here: the search paths point at an empty folder. */
START_TEST(test_sources_in_order)
{
    char *dir = tu_tmpdir(), *ask = xasprintf("%s/askpass", dir);
    ck_assert_int_eq(tu_sh("printf '#!/bin/sh\\necho \"$1\" >>%s/prompts\\n"
                           "case \"$1\" in Username*) echo bob ;; *) echo S3cretpw ;; esac\\n' >'%s' && chmod +x '%s'",
                           dir, ask, ask), 0);
    git_libgit2_init();
    for (int level = GIT_CONFIG_LEVEL_SYSTEM; level <= GIT_CONFIG_LEVEL_GLOBAL; level++)
        ck_assert_int_eq(git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, level, dir), 0);
    setenv("MEMTUI_GIT_TOKEN", "T0kenval", 1);
    setenv("GIT_ASKPASS", ask, 1);
    unsetenv("SSH_ASKPASS");

    struct mt_https_auth *st = NULL;
    git_credential *c = NULL;
    const unsigned allowed = GIT_CREDENTIAL_USERPASS_PLAINTEXT;
    /* ssh-only kinds are not ours */
    ck_assert_int_eq(mt_https_auth_cred(&st, NULL, &c, "https://h/r", NULL, GIT_CREDENTIAL_SSH_KEY),
                     GIT_PASSTHROUGH);
    ck_assert_int_eq(mt_https_auth_cred(&st, NULL, &c, "https://h:8443/r", NULL, allowed), 0);
    expect_userpass(c, "x-access-token", "T0kenval");
    ck_assert_int_eq(mt_https_auth_cred(&st, NULL, &c, "https://h:8443/r", NULL, allowed), 0);
    expect_userpass(c, "bob", "S3cretpw");
    ck_assert_int_eq(mt_https_auth_cred(&st, NULL, &c, "https://h:8443/r", NULL, allowed), GIT_EAUTH);
    const git_error *e = git_error_last();
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(e->klass, GIT_ERROR_HTTP);
    ck_assert_msg(strstr(e->message, "https://h:8443") && strstr(e->message, "MEMTUI_GIT_TOKEN") &&
                  strstr(e->message, "askpass") && !strstr(e->message, "T0kenval") &&
                  !strstr(e->message, "S3cretpw"), "%s", e->message);
    /* and it stays refused: no source is asked twice */
    ck_assert_int_eq(mt_https_auth_cred(&st, NULL, &c, "https://h:8443/r", NULL, allowed), GIT_EAUTH);
    mt_https_auth_done(&st, false);
    ck_assert_ptr_null(st);
    char *prompts = xasprintf("%s/prompts", dir);
    FILE *f = fopen(prompts, "r");
    ck_assert_ptr_nonnull(f);
    char line[256];
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    ck_assert_str_eq(line, "Username for 'https://h:8443': \n");
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    ck_assert_str_eq(line, "Password for 'https://bob@h:8443': \n");
    ck_assert_ptr_null(fgets(line, sizeof line, f));
    fclose(f);

    /* plain http to another machine: the token is not sent (this machine's
     * own address is fine; a name starting with 127. is not an address) */
    unlink(prompts);
    ck_assert_int_eq(mt_https_auth_cred(&st, NULL, &c, "http://127.evil.example/r", NULL, allowed), 0);
    expect_userpass(c, "bob", "S3cretpw");
    mt_https_auth_done(&st, false);
    ck_assert_int_eq(mt_https_auth_cred(&st, NULL, &c, "http://127.0.0.1:8080/r", NULL, allowed), 0);
    expect_userpass(c, "x-access-token", "T0kenval");
    mt_https_auth_done(&st, false);

    /* the URL's user goes with the token; askpass then asks the password only */
    unsetenv("MEMTUI_GIT_TOKEN");
    unlink(prompts);
    ck_assert_int_eq(mt_https_auth_cred(&st, NULL, &c, "https://carol@h/r", "carol", allowed), 0);
    expect_userpass(c, "carol", "S3cretpw");
    mt_https_auth_done(&st, true);
    f = fopen(prompts, "r");
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    ck_assert_str_eq(line, "Password for 'https://carol@h': \n");
    fclose(f);

    /* nothing at all: says where it looked */
    unsetenv("GIT_ASKPASS");
    ck_assert_int_eq(mt_https_auth_cred(&st, NULL, &c, "https://h/r", NULL, allowed), GIT_EAUTH);
    ck_assert_msg(strstr(git_error_last()->message, "no credentials found"), "%s", git_error_last()->message);
    mt_https_auth_done(&st, false);
    git_libgit2_shutdown();
    tu_sh("rm -rf '%s'", dir);
    free(prompts);
    free(ask);
    free(dir);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("auth_https");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_parse);
    tcase_add_test(tc, test_match);
    tcase_add_test(tc, test_config);
    tcase_add_test(tc, test_helper_argv);
    tcase_add_test(tc, test_request);
    tcase_add_test(tc, test_reply);
    tcase_add_test(tc, test_run);
    tcase_add_test(tc, test_sources_in_order);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(make_suite)
