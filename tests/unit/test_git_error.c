/* test_git_error.c: libgit2's last error as the reason in memtui's messages. */
#include "testutil.h"

#include <git2.h>

#include "memtui/git/git_error.h"

static char *T;

static void setup(void)
{
    T = tu_tmpdir();
    git_libgit2_init();
    git_error_clear();
}

static void teardown(void)
{
    git_error_clear();
    git_libgit2_shutdown();
    tu_sh("rm -rf '%s'", T);
    free(T);
}

/* Make libgit2 record a real error: open a folder that is no repository. */
static void provoke_libgit2_error(void)
{
    git_repository *g = NULL;
    ck_assert_int_lt(git_repository_open_ext(&g, T, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL), 0);
    const git_error *e = git_error_last();
    ck_assert_ptr_nonnull(e);
    ck_assert_ptr_nonnull(e->message);
}

START_TEST(test_reason_is_libgit2_message)
{
    provoke_libgit2_error();
    char *want = xstrdup(git_error_last()->message);
    ck_assert_str_eq(mt_git_reason("fallback"), want);
    free(want);
}
END_TEST

START_TEST(test_reason_falls_back_without_error)
{
    ck_assert_str_eq(mt_git_reason("nothing recorded"), "nothing recorded");
}
END_TEST

START_TEST(test_fail_names_operation_and_reason)
{
    provoke_libgit2_error();
    char *want = xasprintf("open repository %s: %s", T, git_error_last()->message);
    struct mt_error err = {0};
    ck_assert_int_eq(mt_git_fail(&err, -4, "open repository %s", T), -4);
    ck_assert_str_eq(err.msg, want);
    /* The error was consumed: the next failure does not repeat it. */
    ck_assert_str_eq(mt_git_reason("cleared"), "cleared");
    mt_error_clear(&err);
    free(want);
}
END_TEST

START_TEST(test_fail_without_libgit2_error)
{
    struct mt_error err = {0};
    ck_assert_int_eq(mt_git_fail(&err, -1, "status"), -1);
    ck_assert_str_eq(err.msg, "status: unknown libgit2 error");
    mt_error_clear(&err);
}
END_TEST

START_TEST(test_fail_without_target_still_clears)
{
    provoke_libgit2_error();
    ck_assert_int_eq(mt_git_fail(NULL, -2, "fetch %s", "origin"), -2);
    ck_assert_str_eq(mt_git_reason("cleared"), "cleared");
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("git_error");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_reason_is_libgit2_message);
    tcase_add_test(tc, test_reason_falls_back_without_error);
    tcase_add_test(tc, test_fail_names_operation_and_reason);
    tcase_add_test(tc, test_fail_without_libgit2_error);
    tcase_add_test(tc, test_fail_without_target_still_clears);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(make_suite)
