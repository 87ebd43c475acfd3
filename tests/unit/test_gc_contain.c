/* test_gc_contain.c: gc's containment check (gc.h, mt_gc_missing): a
 * backup's graph counts as held by main only when main has each of its
 * entities with the same type and extra fields, each observation and each
 * relation (with its extra fields); order,
 * escapes and duplicate lines do not matter; unreadable text is never
 * "held". */
#include "testutil.h"

#include "memtui/graph/fragment.h"
#include "memtui/ops/gc.h"
#include "memtui/base/util.h"

#define E(n, t, o) "{\"type\":\"entity\",\"name\":\"" n "\",\"entityType\":\"" t "\",\"observations\":[" o "]}\n"
#define R(f, t, r) "{\"type\":\"relation\",\"from\":\"" f "\",\"to\":\"" t "\",\"relationType\":\"" r "\"}\n"

static const char MAIN[] = E("Alice", "person", "\"likes tea\",\"lives in Oslo\"") E("Bob", "person", "\"plays chess\"")
    R("Alice", "Bob", "knows");

static void load_main(struct mt_graph *g)
{
    struct mt_fragment f;
    struct mt_error err = {0};
    mt_graph_init(g);
    ck_assert_int_eq(mt_fragment_load(&f, "memory.json", xstrdup(MAIN), strlen(MAIN), &err), 0);
    ck_assert_int_eq(mt_fragment_to_graph(&f, g, &err), 0);
    mt_fragment_free(&f);
}

/* mt_gc_missing on text; *why kept for the caller to check (may be NULL). */
static int check(const char *text, char **why)
{
    struct mt_graph g;
    load_main(&g);
    int rc = mt_gc_missing(&g, "memory-x.json", xstrdup(text), strlen(text), why);
    mt_graph_free(&g);
    return rc;
}

static void expect_missing(const char *text, int want, const char *needle)
{
    char *why = NULL;
    ck_assert_int_eq(check(text, &why), want);
    if (want == 0) {
        ck_assert_ptr_null(why);
    } else {
        ck_assert_ptr_nonnull(why);
        ck_assert_msg(strstr(why, needle), "reason \"%s\" lacks \"%s\"", why, needle);
        ck_assert_msg(strstr(why, "memory-x.json"), "reason \"%s\" does not name the file", why);
    }
    free(why);
}

START_TEST(test_subset_in_any_order_is_held)
{
    expect_missing(R("Alice", "Bob", "knows") E("Bob", "person", "\"plays chess\"") E("Alice", "person", "\"lives in Oslo\""),
                   0, NULL);
    expect_missing("", 0, NULL);
    expect_missing(MAIN, 0, NULL);
}
END_TEST

START_TEST(test_escapes_and_duplicates_fold)
{
    /* \u0041lice is Alice; two lines of one entity fold into one */
    expect_missing(E("\\u0041lice", "person", "\"likes tea\"") E("Alice", "person", "\"lives in Oslo\""), 0, NULL);
    expect_missing(E("Alice", "person", "\"likes tea\"") E("Alice", "person", "\"likes coffee\""), 1, "likes coffee");
}
END_TEST

START_TEST(test_one_observation_more_is_not_held)
{
    expect_missing(E("Alice", "person", "\"likes tea\",\"only here\""), 1, "only here");
    expect_missing(E("Alice", "person", "\"likes tea\",\"only here\""), 1, "Alice");
}
END_TEST

START_TEST(test_entity_relation_or_type_main_lacks)
{
    expect_missing(E("Carol", "person", ""), 1, "Carol");
    expect_missing(R("Bob", "Alice", "knows"), 1, "not in main");
    expect_missing(R("Alice", "Bob", "trusts"), 1, "trusts");
    expect_missing(E("Bob", "robot", "\"plays chess\""), 1, "robot");
}
END_TEST

START_TEST(test_legacy_document_is_read)
{
    expect_missing("{\"entities\":[{\"name\":\"Bob\",\"entityType\":\"person\",\"observations\":[\"plays chess\"]}],"
                   "\"relations\":[]}",
                   0, NULL);
    expect_missing("{\"entities\":[{\"name\":\"Dan\",\"entityType\":\"person\",\"observations\":[]}],\"relations\":[]}",
                   1, "Dan");
}
END_TEST

START_TEST(test_unreadable_is_never_held)
{
    expect_missing(E("Alice", "person", "\"likes tea\"") "{not json\n", -1, "cannot be read");
    expect_missing("[{\"entities\": oops", -1, "cannot be read");
}
END_TEST

/* A peer's huge observation is cut in the reason, never inside a character. */
START_TEST(test_reason_is_short)
{
    struct mt_buf b;
    mt_buf_init(&b);
    const char *head = "{\"type\":\"entity\",\"name\":\"Alice\",\"entityType\":\"person\",\"observations\":[\"";
    mt_buf_add(&b, head, strlen(head));
    for (int i = 0; i < 5000; i++) mt_buf_add(&b, "\xc3\xa9", 2);   /* é */
    mt_buf_add(&b, "\"]}\n", 4);
    mt_buf_addc(&b, '\0');
    char *why = NULL;
    ck_assert_int_eq(check(b.data, &why), 1);
    ck_assert_uint_lt(strlen(why), 300);
    const char *q = strstr(why, "\"");   /* the observation starts after the first quote */
    ck_assert_ptr_nonnull(q);
    const char *end = strstr(q + 1, "\" of");
    ck_assert_ptr_nonnull(end);
    ck_assert_int_eq((end - (q + 1)) % 2, 0);   /* whole two-byte characters only */
    free(why);
    mt_buf_free(&b);
}
END_TEST

/* Fields beyond the MCP ones are the user's data too: the merge carries
 * them, so a backup whose only difference is such a field still holds
 * something main lacks. */
START_TEST(test_extra_fields_are_data)
{
    expect_missing("{\"type\":\"entity\",\"name\":\"Bob\",\"entityType\":\"person\",\"observations\":"
                   "[\"plays chess\"],\"source\":\"only here\"}\n",
                   1, "Bob");
    expect_missing("{\"type\":\"relation\",\"from\":\"Alice\",\"to\":\"Bob\",\"relationType\":\"knows\","
                   "\"since\":2019}\n",
                   1, "knows");
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("gc_contain");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_subset_in_any_order_is_held);
    tcase_add_test(tc, test_extra_fields_are_data);
    tcase_add_test(tc, test_escapes_and_duplicates_fold);
    tcase_add_test(tc, test_one_observation_more_is_not_held);
    tcase_add_test(tc, test_entity_relation_or_type_main_lacks);
    tcase_add_test(tc, test_legacy_document_is_read);
    tcase_add_test(tc, test_unreadable_is_never_held);
    tcase_add_test(tc, test_reason_is_short);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(make_suite)
