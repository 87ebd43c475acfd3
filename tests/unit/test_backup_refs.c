/* test_backup_refs.c: which names under refs/memtui/backups/ a peer may
 * hand memtui (backup_refs.h): <env>/<time> with a valid env and the time
 * format of mt_backup_branch, nothing else. */
#include "testutil.h"

#include "memtui/git/backup_refs.h"

START_TEST(test_taken_names)
{
    static const char *const ok[] = {
        "a/20261207T153000Z", "a/20261207T153000Z-1", "a/20261207T153000Z-99", "my.host_1-x/20000101T000000Z",
        "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee/20261207T153000Z",   /* 64 */
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) ck_assert_msg(mt_backup_tail_valid(ok[i]), "%s refused", ok[i]);
}
END_TEST

START_TEST(test_refused_names)
{
    static const char *const bad[] = {
        "../../heads/main", "a/../../heads/main", "../20261207T153000Z", "./20261207T153000Z",
        ".hidden/20261207T153000Z", "a/20261207T153000Z/deeper", "a/20261207T153000Z-0", "a/20261207T153000Z-07",
        "a/20261207T153000Z-100", "a/20261207T153000Z-", "a/20261207T153000", "a/2026120T153000Z",
        "a/20261207X153000Z", "a/notatime", "HEAD", "", "/20261207T153000Z", "a b/20261207T153000Z",
        "a\n/20261207T153000Z", "a/20261207T153000Z\n",
        "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee/20261207T153000Z",   /* 65 */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(!mt_backup_tail_valid(bad[i]), "'%s' taken", bad[i]);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("backup_refs");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_taken_names);
    tcase_add_test(tc, test_refused_names);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(make_suite)
