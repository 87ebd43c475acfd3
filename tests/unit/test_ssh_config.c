/* test_ssh_config.c: ~/.ssh/config as OpenSSH's client reads it
 * (ssh_config.h): Host patterns and negation, first value wins, keyword
 * case and `=`, quoting, tokens, Include, Match skipped with a note. */
#include "testutil.h"

#include "memtui/auth/auth_ssh.h"
#include "memtui/auth/ssh_config.h"
#include "memtui/base/util.h"

static char notes[4096];
static int nnotes;

/* Keeps the notes' text while it fits, and counts them all. */
static void on_note(void *ctx, const char *msg)
{
    (void)ctx;
    nnotes++;
    size_t used = strlen(notes);
    if (used + strlen(msg) + 2 > sizeof(notes)) return;
    strcat(notes, msg);
    strcat(notes, "\n");
}

static void parse(const char *text, const char *alias, struct mt_ssh_host *h)
{
    notes[0] = '\0';
    mt_ssh_host_init(h);
    mt_ssh_config_parse(text, "config", alias, "/home/me", h, on_note, NULL);
}

START_TEST(test_patterns)
{
    ck_assert(mt_ssh_host_matches("*", "anything"));
    ck_assert(mt_ssh_host_matches("git?ub", "github"));
    ck_assert(!mt_ssh_host_matches("git?ub", "gitub"));
    ck_assert(mt_ssh_host_matches("*.example.com", "a.b.example.com"));
    ck_assert(!mt_ssh_host_matches("*.example.com", "example.com"));
    ck_assert(mt_ssh_host_matches("foo bar baz", "bar"));
    ck_assert(mt_ssh_host_matches("GitHub", "github"));  /* host names have no case */
    /* a negated match rules the line out, alone it matches nothing */
    ck_assert(!mt_ssh_host_matches("*.corp !secret.corp", "secret.corp"));
    ck_assert(mt_ssh_host_matches("*.corp !secret.corp", "open.corp"));
    ck_assert(!mt_ssh_host_matches("!secret", "other"));
    ck_assert(mt_ssh_host_matches("a*b*c", "aXXbYYc"));
    ck_assert(!mt_ssh_host_matches("a*b*c", "aXXbYY"));
}
END_TEST

START_TEST(test_first_value_wins)
{
    struct mt_ssh_host h;
    parse("# comment\n"
          "Host backup\n"
          "  HostName 127.0.0.1\n"
          "  Port 2222\n"
          "  IdentityFile ~/.ssh/backup_key\n"
          "Host *\n"
          "  HostName ignored.example\n"
          "  User everyone\n"
          "  Port 22\n"
          "  IdentityFile ~/.ssh/all_key\n"
          "  IdentitiesOnly yes\n",
          "backup", &h);
    ck_assert_str_eq(h.hostname, "127.0.0.1");
    ck_assert_int_eq(h.port, 2222);
    ck_assert_str_eq(h.user, "everyone");  /* first obtained, from Host * */
    ck_assert_uint_eq(h.n_identity, 2);    /* IdentityFile entries add up */
    ck_assert_str_eq(h.identity[0], "~/.ssh/backup_key");
    ck_assert_str_eq(h.identity[1], "~/.ssh/all_key");
    ck_assert_int_eq(h.identities_only, 1);
    mt_ssh_host_free(&h);

    parse("Host backup\n  Port 2222\n", "other", &h);
    ck_assert_int_eq(h.port, 0);
    ck_assert_ptr_null(h.hostname);
    ck_assert_int_eq(h.identities_only, -1);
    mt_ssh_host_free(&h);

    /* lines before any Host apply to every host */
    parse("User early\nHost x\n User late\n", "x", &h);
    ck_assert_str_eq(h.user, "early");
    mt_ssh_host_free(&h);
}
END_TEST

START_TEST(test_keyword_forms_and_quotes)
{
    struct mt_ssh_host h;
    parse("HOST a\n"
          "\thostname=h1\n"
          "PORT = 2200\n"
          "user\t\"my user\"\n"
          "IdentityFile \"/keys/with space\" # trailing comment\n"
          "identityfile='/keys/single'\n"
          "IdentitiesOnly no\n",
          "a", &h);
    ck_assert_str_eq(h.hostname, "h1");
    ck_assert_int_eq(h.port, 2200);
    ck_assert_str_eq(h.user, "my user");
    ck_assert_uint_eq(h.n_identity, 2);
    ck_assert_str_eq(h.identity[0], "/keys/with space");
    ck_assert_str_eq(h.identity[1], "/keys/single");
    ck_assert_int_eq(h.identities_only, 0);
    mt_ssh_host_free(&h);

    /* bad values are noted and leave the field unset for a later line */
    parse("Host a\n Port 99999\n Port 2201\n User \"open\n User ok\n", "a", &h);
    ck_assert_int_eq(h.port, 2201);
    ck_assert_str_eq(h.user, "ok");
    ck_assert_ptr_nonnull(strstr(notes, "bad Port"));
    ck_assert_ptr_nonnull(strstr(notes, "unterminated quote"));
    mt_ssh_host_free(&h);
}
END_TEST

START_TEST(test_negation_in_blocks)
{
    struct mt_ssh_host h;
    const char *cfg = "Host *.corp !jump.corp\n  User staff\n"
                      "Host *\n  User fallback\n";
    parse(cfg, "jump.corp", &h);
    ck_assert_str_eq(h.user, "fallback");
    mt_ssh_host_free(&h);
    parse(cfg, "db.corp", &h);
    ck_assert_str_eq(h.user, "staff");
    mt_ssh_host_free(&h);
}
END_TEST

START_TEST(test_match_skipped)
{
    struct mt_ssh_host h;
    parse("Match host a exec \"true\"\n"
          "  User from_match\n"
          "  Port 1\n"
          "Host a\n"
          "  User from_host\n",
          "a", &h);
    ck_assert_str_eq(h.user, "from_host");
    ck_assert_int_eq(h.port, 0);
    ck_assert_ptr_nonnull(strstr(notes, "config:1: Match"));
    mt_ssh_host_free(&h);
}
END_TEST

START_TEST(test_tokens)
{
    struct mt_ssh_tokens t = {.home = "/home/me", .local = "me", .host = "127.0.0.1",
                              .user = "git", .alias = "backup", .port = 2222};
    char *s = mt_ssh_expand("~/.ssh/%r@%h-%n:%p", &t);
    ck_assert_str_eq(s, "/home/me/.ssh/git@127.0.0.1-backup:2222");
    free(s);
    s = mt_ssh_expand("%d/keys/%u_100%%", &t);
    ck_assert_str_eq(s, "/home/me/keys/me_100%");
    free(s);
    /* an unknown token and ~user stay as written */
    s = mt_ssh_expand("~other/%z", &t);
    ck_assert_str_eq(s, "~other/%z");
    free(s);
    s = mt_ssh_expand("%h.internal", &(struct mt_ssh_tokens){.host = "db"});
    ck_assert_str_eq(s, "db.internal");
    free(s);
}
END_TEST

START_TEST(test_include)
{
    char *dir = tu_tmpdir();
    tu_sh("mkdir -p '%s/.ssh/conf.d' && "
          "printf 'Host a\\n  Port 2301\\n' >'%s/.ssh/conf.d/10-a.conf' && "
          "printf 'Host *\\n  User included\\n' >'%s/.ssh/conf.d/20-all.conf' && "
          "printf 'Host a\\n  HostName abs\\n' >'%s/abs.conf'",
          dir, dir, dir, dir);
    char *cfg = xasprintf("Include conf.d/*.conf %s/abs.conf\n"
                          "Host a\n  Port 9\n  User late\n",
                          dir);
    struct mt_ssh_host h;
    notes[0] = '\0';
    mt_ssh_host_init(&h);
    mt_ssh_config_parse(cfg, "config", "a", dir, &h, on_note, NULL);
    ck_assert_int_eq(h.port, 2301);
    ck_assert_str_eq(h.user, "included");
    ck_assert_str_eq(h.hostname, "abs");
    mt_ssh_host_free(&h);
    /* an Include inside a Host block that does not match is not read */
    mt_ssh_host_init(&h);
    mt_ssh_config_parse("Host other\n  Include conf.d/*\n", "config", "a", dir, &h, on_note, NULL);
    ck_assert_int_eq(h.port, 0);
    mt_ssh_host_free(&h);
    /* a file reading itself ends */
    tu_sh("printf 'Include %s/loop.conf\\nPort 7\\n' >'%s/loop.conf'", dir, dir);
    mt_ssh_host_init(&h);
    char *loop = xasprintf("%s/loop.conf", dir);
    mt_ssh_config_read(loop, "a", dir, &h, on_note, NULL);
    ck_assert_int_eq(h.port, 7);
    ck_assert_ptr_nonnull(strstr(notes, "too deeply"));
    mt_ssh_host_free(&h);
    /* one reading itself twice: not 2^16 reads, a bounded number */
    tu_sh("printf 'Include %s/fan.conf\\nInclude %s/fan.conf\\nPort 9\\n' >'%s/fan.conf'", dir, dir, dir);
    mt_ssh_host_init(&h);
    char *fan = xasprintf("%s/fan.conf", dir);
    notes[0] = '\0';
    nnotes = 0;
    mt_ssh_config_read(fan, "a", dir, &h, on_note, NULL);
    ck_assert_int_eq(h.port, 9);
    ck_assert_msg(nnotes < 400, "%d notes: files read without bound", nnotes);
    mt_ssh_host_free(&h);
    free(fan);
    tu_sh("rm -rf '%s'", dir);
    free(loop);
    free(cfg);
    free(dir);
}
END_TEST

static void expect_url(const char *url, const char *want)
{
    struct mt_ssh_auth *a = mt_ssh_auth_new(url);
    ck_assert_msg(a != NULL, "%s is not taken for ssh", url);
    ck_assert_msg(strcmp(mt_ssh_auth_url(a), want) == 0, "%s resolves to %s, want %s", url,
                  mt_ssh_auth_url(a), want);
    mt_ssh_auth_free(a);
}

/* The URL libgit2 is given (auth_ssh.h), from a real ~/.ssh/config. */
START_TEST(test_effective_url)
{
    char *dir = tu_tmpdir();
    tu_sh("mkdir -p '%s/.ssh' && printf 'Host backup\n HostName 127.0.0.1\n Port 2222\n User me\n"
          "Host named\n HostName %%%%h.example.com\nHost v6\n HostName ::1\n' >'%s/.ssh/config'",
          dir, dir);
    char *old = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    setenv("HOME", dir, 1);
    /* scp-like paths are relative to the login's home */
    expect_url("backup:repo.git", "ssh://me@127.0.0.1:2222/~/repo.git");
    expect_url("backup:/srv/repo.git", "ssh://me@127.0.0.1:2222/srv/repo.git");
    expect_url("backup:~/repo.git", "ssh://me@127.0.0.1:2222/~/repo.git");
    expect_url("ssh://backup/srv/r.git", "ssh://me@127.0.0.1:2222/srv/r.git");
    expect_url("git+ssh://backup/~/r.git", "ssh://me@127.0.0.1:2222/~/r.git");
    /* the URL's own user and port win, as on ssh's command line */
    expect_url("deploy@backup:r.git", "ssh://deploy@127.0.0.1:2222/~/r.git");
    expect_url("ssh://deploy@backup:2200/r.git", "ssh://deploy@127.0.0.1:2200/r.git");
    expect_url("named:r.git", "ssh://git@named.example.com/~/r.git");
    expect_url("v6:r.git", "ssh://git@[::1]/~/r.git");
    /* no Host block for it: the user's URL as it is */
    expect_url("git@github.com:o/r.git", "git@github.com:o/r.git");
    expect_url("ssh://git@example.org:2022/r.git", "ssh://git@example.org:2022/r.git");
    ck_assert_ptr_null(mt_ssh_auth_new("https://backup/r.git"));
    ck_assert_ptr_null(mt_ssh_auth_new("/srv/r.git"));
    if (old) setenv("HOME", old, 1);
    free(old);
    tu_sh("rm -rf '%s'", dir);
    free(dir);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("ssh_config");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_patterns);
    tcase_add_test(tc, test_first_value_wins);
    tcase_add_test(tc, test_keyword_forms_and_quotes);
    tcase_add_test(tc, test_negation_in_blocks);
    tcase_add_test(tc, test_match_skipped);
    tcase_add_test(tc, test_tokens);
    tcase_add_test(tc, test_include);
    tcase_add_test(tc, test_effective_url);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(make_suite)
