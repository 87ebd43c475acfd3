/* test_url.c: URL user-info redaction, alone and inside messages (url.h),
 * and the two boundaries that apply it: every mt_error message and every
 * audit log line. */
#include "testutil.h"

#include "memtui/base/audit.h"
#include "memtui/base/url.h"
#include "memtui/base/util.h"

static void expect_redact(const char *url, const char *want)
{
    char *got = mt_url_redact(url);
    ck_assert_msg(strcmp(got, want) == 0, "redact(%s) = %s, want %s", url, got, want);
    free(got);
}

static void expect_scrub(const char *text, const char *want)
{
    char *got = mt_url_scrub_text(text);
    ck_assert_msg(strcmp(got, want) == 0, "scrub(%s) = %s, want %s", text, got, want);
    free(got);
}

START_TEST(test_https_hides_all_user_info)
{
    expect_redact("https://user:s3cret@example.com/r.git", "https://***@example.com/r.git");
    /* a lone user part can be a token */
    expect_redact("https://ghp_TOKEN@github.com/o/r.git", "https://***@github.com/o/r.git");
    expect_redact("http://u:p@127.0.0.1:8080/git/r.git", "http://***@127.0.0.1:8080/git/r.git");
    expect_redact("HTTPS://u:p@h", "HTTPS://***@h");
    /* an '@' in the password (unescaped): the last one before the path */
    expect_redact("https://u:p@ss@h/r", "https://***@h/r");
    /* a raw '/' in the password still counts as password */
    expect_redact("https://u:pa/ss@h/r", "https://***@h/r");
    /* other schemes: the same, the whole user-info goes */
    expect_redact("git://tok@h/r", "git://***@h/r");
    expect_redact("file://u:p@localhost/srv/r.git", "file://***@localhost/srv/r.git");
}
END_TEST

START_TEST(test_ssh_keeps_the_account_name)
{
    expect_redact("ssh://git@example.com/r.git", "ssh://git@example.com/r.git");
    expect_redact("ssh://git:pw@example.com:22/r.git", "ssh://git:***@example.com:22/r.git");
    expect_redact("git+ssh://deploy:pw@h/r", "git+ssh://deploy:***@h/r");
    expect_redact("ssh+git://deploy@h/r", "ssh+git://deploy@h/r");
    /* scp-like */
    expect_redact("git@github.com:o/r.git", "git@github.com:o/r.git");
    expect_redact("git:pw@github.com:o/r.git", "git:***@github.com:o/r.git");
    expect_redact("git:pa/ss@h:r", "git:***@h:r");
    expect_redact("git@h:path/with@at", "git@h:path/with@at");
}
END_TEST

START_TEST(test_urls_without_user_info_unchanged)
{
    const char *same[] = {"https://example.com/r.git", "http://127.0.0.1:1/git/r.git", "/srv/git/r.git",
                          "file:///srv/r.git", "git://h/r", "h:r.git", "", "https://", "://x@y",
                          "https://h/@scope/pkg", "/srv/a@b/r.git", NULL};
    for (int i = 0; same[i]; i++) expect_redact(same[i], same[i]);
}
END_TEST

START_TEST(test_scrub_text)
{
    expect_scrub("init: clone https://u:tok@h/r.git: unexpected http status code: 401",
                 "init: clone https://***@h/r.git: unexpected http status code: 401");
    expect_scrub("failed to reach 'https://tok@h/r' and \"http://a:b@c/d\"",
                 "failed to reach 'https://***@h/r' and \"http://***@c/d\"");
    expect_scrub("(https://tok@h)", "(https://***@h)");
    expect_scrub("url=https://tok@h/x,ssh://git:pw@h/y", "url=https://***@h/x,ssh://git:***@h/y");
    expect_scrub("cannot reach git:pw@h:r over ssh", "cannot reach git:***@h:r over ssh");
    /* no URL: the text is kept byte for byte, mail addresses too */
    expect_scrub("merge: 3 entities\tmail alice@example.com\n", "merge: 3 entities\tmail alice@example.com\n");
    expect_scrub("", "");
    expect_scrub("https://tok@h/a https://tok@h/b", "https://***@h/a https://***@h/b");
}
END_TEST

/* Peers' data reaches messages: text of any shape is scrubbed in linear
 * time (a quadratic scan of these 4 MB would take hours, not the timeout). */
START_TEST(test_scrub_is_linear)
{
    const char *units[] = {"a://", "@", "x:@", "h://u@", "a:@/", NULL};
    for (int i = 0; units[i]; i++) {
        size_t ulen = strlen(units[i]), n = (4u << 20) / ulen;
        char *text = xmalloc(n * ulen + 1);
        for (size_t k = 0; k < n; k++) memcpy(text + k * ulen, units[i], ulen);
        text[n * ulen] = '\0';
        char *out = mt_url_scrub_text(text);
        ck_assert_ptr_nonnull(out);
        free(out);
        free(text);
    }
}
END_TEST

/* Errors are scrubbed where they are made: libgit2's text and a URL
 * formatted into a message alike. */
START_TEST(test_errors_never_hold_secrets)
{
    struct mt_error err = {0};
    mt_error_set(&err, "fetch: cannot reach %s: %s", "https://u:s3cret@h/r.git",
                 "failed for 'http://tok@h:8080/x'");
    ck_assert_str_eq(err.msg, "fetch: cannot reach https://***@h/r.git: failed for 'http://***@h:8080/x'");
    mt_error_at(&err, "f.json", 1, 2, "%s", "ssh://git:pw@h/r");
    ck_assert_str_eq(err.msg, "ssh://git:***@h/r");
    mt_error_clear(&err);
}
END_TEST

/* The audit log: the human message and the JSON line alike. */
START_TEST(test_audit_never_holds_secrets)
{
    char *dir = tu_tmpdir();
    char *gitdir = xasprintf("%s/", dir);
    mt_audit_open(gitdir, "e", true);
    struct json_object *fields = json_object_new_object();
    json_object_object_add(fields, "remote", json_object_new_string("ssh://git:s3cret@h/r"));
    mt_audit("push", fields, "push to %s failed", "https://tok:s3cret@h/r.git");
    mt_audit_close();
    char *log = xasprintf("%smemtui.log", gitdir);
    FILE *f = fopen(log, "r");
    ck_assert_ptr_nonnull(f);
    char line[4096];
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    fclose(f);
    ck_assert_msg(strstr(line, "push to https://***@h/r.git failed") && strstr(line, "ssh://git:***@h/r") &&
                  !strstr(line, "s3cret") && !strstr(line, "tok"), "log line: %s", line);
    tu_sh("rm -rf '%s'", dir);
    free(log);
    free(gitdir);
    free(dir);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("url");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_https_hides_all_user_info);
    tcase_add_test(tc, test_ssh_keeps_the_account_name);
    tcase_add_test(tc, test_urls_without_user_info_unchanged);
    tcase_add_test(tc, test_scrub_text);
    tcase_add_test(tc, test_scrub_is_linear);
    tcase_add_test(tc, test_errors_never_hold_secrets);
    tcase_add_test(tc, test_audit_never_holds_secrets);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(make_suite)
