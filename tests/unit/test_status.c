/* test_status.c: the lock and lease status both front ends show (status.h). */
#include "testutil.h"

#include "memtui/base/util.h"
#include "memtui/git/repo.h"
#include "memtui/ops/status.h"

START_TEST(lock_path_default_and_given)
{
    char *p = mt_lock_path(NULL, "/r/.git/");
    ck_assert_str_eq(p, "/r/.git/memtui.lock");
    free(p);
    p = mt_lock_path("/elsewhere/x.lock", "/r/.git/");
    ck_assert_str_eq(p, "/elsewhere/x.lock");
    free(p);
}
END_TEST

START_TEST(expiry_is_holder_time_plus_ttl)
{
    struct mt_lease_info l = {0};
    long long when = -1;
    ck_assert(!mt_lease_expiry(&l, &when));              /* no time: unknown */
    l.time = "2026-12-07T10:00:00Z";
    l.ttl = 90;
    ck_assert(mt_lease_expiry(&l, &when));
    ck_assert_int_eq(when, 1796637600LL + 90);
    l.time = "yesterday";
    ck_assert(!mt_lease_expiry(&l, &when));
}
END_TEST

START_TEST(take_lease_moves_and_empties)
{
    struct mt_status to, from;
    mt_status_init(&to);
    mt_status_init(&from);
    ck_assert_int_eq(to.lease_rc, MT_REPO_NOTFOUND);
    to.lease_error = xstrdup("old reason");
    from.lease_rc = 7;
    from.lease_error = xstrdup("unreachable");
    mt_status_take_lease(&to, &from);
    ck_assert_int_eq(to.lease_rc, 7);
    ck_assert_str_eq(to.lease_error, "unreachable");
    ck_assert_int_eq(from.lease_rc, MT_REPO_NOTFOUND);
    ck_assert_ptr_null(from.lease_error);
    mt_status_free(&to);
    mt_status_free(&from);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("status");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, lock_path_default_and_given);
    tcase_add_test(tc, expiry_is_holder_time_plus_ttl);
    tcase_add_test(tc, take_lease_moves_and_empties);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(make_suite)
