/* The worked example written by the real MCP server (tests/fixtures/mcp-real). */
#include "testutil.h"
#include "mergeutil.h"
#include "memtui/base/fsutil.h"

static char *fixture(const char *name)
{
    const char *dir = getenv("TESTS_DIR");
    char *path = xasprintf("%s/fixtures/mcp-real/%s", dir ? dir : "tests", name);
    char *data;
    size_t len;
    struct mt_error err = {0};
    if (mt_file_read(path, &data, &len, NULL, &err)) ck_abort_msg("%s", err.msg);
    free(path);
    return data;
}

START_TEST(fixture_preserve)
{
    char *base = fixture("base.json"), *laptop = fixture("laptop.json"), *desktop = fixture("desktop.json");
    char *expected = fixture("expected-memory.json");
    struct mu_store s = {0};
    struct mt_plan p;
    struct mu_env envs[] = {{"laptop", base, laptop}, {"desktop", base, desktop}};
    ck_assert_int_eq(mu_merge(&p, &s, base, envs, 2, MT_POLICY_PRESERVE, false), 0);
    char *out = mu_result(&p);
    ck_assert_str_eq(out, expected);
    ck_assert_int_eq(p.nconflicts, 1);
    ck_assert_str_eq(p.conflicts[0].name, "Orion");
    ck_assert_int_eq(p.conflicts[0].kind, MT_CONFLICT_TYPE);
    ck_assert_int_eq(p.entities, 3);
    ck_assert_int_eq(p.relations, 0);
    struct mt_error err = {0};
    ck_assert_int_eq(mt_plan_check_nothing_lost(&p, &err), 0);
    mt_plan_free(&p);
    free(out);
    free(base), free(laptop), free(desktop), free(expected);
}
END_TEST

START_TEST(fixture_fail_policy)
{
    char *base = fixture("base.json"), *laptop = fixture("laptop.json"), *desktop = fixture("desktop.json");
    struct mu_store s = {0};
    struct mt_plan p;
    struct mu_env envs[] = {{"laptop", base, laptop}, {"desktop", base, desktop}};
    ck_assert_int_eq(mu_merge(&p, &s, base, envs, 2, MT_POLICY_FAIL, false), 1);
    ck_assert_int_eq(mt_plan_pending(&p), 1);
    ck_assert(!p.resolved);
    mt_plan_free(&p);
    free(base), free(laptop), free(desktop);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("merge_fixture");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, fixture_preserve);
    tcase_add_test(tc, fixture_fail_policy);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(make_suite)
