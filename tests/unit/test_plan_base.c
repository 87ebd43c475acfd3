/* U kept as lines (plan_base.c, line_canon.c): a canonical memory.json is
 * indexed instead of parsed, only the touched part becomes the base, and
 * the result is what parsing it whole gives. */
#include "testutil.h"
#include "mergeutil.h"
#include "memtui/graph/line_canon.h"

#define Q(s) "\"" s "\""
#define ENT(n, t, obs) "{\"type\":\"entity\",\"name\":\"" n "\",\"entityType\":\"" t "\",\"observations\":[" obs "]}"
#define REL(f, t, r) "{\"type\":\"relation\",\"from\":\"" f "\",\"to\":\"" t "\",\"relationType\":\"" r "\"}"
#define NL "\n"

static bool canon(const char *line, enum mt_line_kind kind, size_t *nobs)
{
    size_t n;
    bool ok = mt_line_canonical(line, strlen(line), kind, nobs ? nobs : &n);
    return ok;
}

START_TEST(canonical_lines_taken)
{
    size_t n = 99;
    ck_assert(canon(ENT("A", "t", ""), MT_LINE_ENTITY, &n));
    ck_assert_uint_eq(n, 0);
    ck_assert(canon(ENT("A", "t", Q("x") "," Q("y") "," Q("z")), MT_LINE_ENTITY, &n));
    ck_assert_uint_eq(n, 3);
    /* the escapes JSON.stringify writes, and UTF-8 as is */
    ck_assert(canon(ENT("a\\\"b\\\\c\\nd\\te\\u001f", "caf\xc3\xa9", Q("\\b\\f\\r")), MT_LINE_ENTITY, NULL));
    ck_assert(canon(REL("A", "B", "knows"), MT_LINE_RELATION, NULL));
    ck_assert(canon(ENT("", "", Q("")), MT_LINE_ENTITY, NULL));
}
END_TEST

START_TEST(other_lines_refused)
{
    const char *ents[] = {
        ENT("a\\/b", "t", ""),                 /* an escape the writer does not make */
        ENT("\\u00e9", "t", ""),               /* a letter escaped */
        ENT("\\u001F", "t", ""),               /* uppercase hex */
        ENT("\\u000a", "t", ""),               /* \n has a short form */
        ENT("\\u0000", "t", ""),               /* NUL: the reader refuses it */
        ENT("\\ud800", "t", ""),               /* a lone surrogate */
        ENT("\\ud83d\\ude00", "t", ""),        /* a pair escaped */
        ENT("A", "t", Q("x") "," Q("x")),      /* an observation twice */
        ENT("a\tb", "t", ""),                  /* a raw control character */
        ENT("a\xff", "t", ""),                 /* not UTF-8 */
        ENT("a\xed\xa0\x80", "t", ""),         /* a surrogate in UTF-8 form */
        "{\"type\":\"entity\",\"name\":\"A\",\"entityType\":\"t\",\"observations\":[],\"x\":1}",
        "{\"type\":\"entity\",\"name\": \"A\",\"entityType\":\"t\",\"observations\":[]}",
        "{\"type\":\"entity\",\"entityType\":\"t\",\"name\":\"A\",\"observations\":[]}",
        ENT("A", "t", "") " ",
        ENT("A", "t", Q("x") ","),
        "{\"type\":\"entity\",\"name\":\"A\"",
    };
    for (size_t i = 0; i < sizeof ents / sizeof *ents; i++)
        ck_assert_msg(!canon(ents[i], MT_LINE_ENTITY, NULL), "taken: %s", ents[i]);
    ck_assert(!canon(REL("A", "B", "r"), MT_LINE_ENTITY, NULL));   /* not what the key says */
    ck_assert(!canon(ENT("A", "t", ""), MT_LINE_RELATION, NULL));
    ck_assert(!canon("{\"type\":\"relation\",\"from\":\"A\",\"to\":\"B\",\"relationType\":\"r\",\"w\":2}",
                     MT_LINE_RELATION, NULL));
    ck_assert(!canon(ENT("A", "t", ""), MT_LINE_OTHER, NULL));
}
END_TEST

static const char *U3 = ENT("A", "t", Q("a1")) NL ENT("B", "t", Q("b1")) NL ENT("C", "t", Q("c1")) NL
    REL("A", "B", "r") NL REL("B", "C", "r") NL;

/* One env adds to B and deletes C: base holds B, C and the relation that
 * touches C (it may be cut with C), not A nor A->B; the result keeps A's
 * line and A->B as they were. */
START_TEST(u_kept_as_lines)
{
    const char *f = ENT("A", "t", Q("a1")) NL ENT("B", "t", Q("b1") "," Q("b2")) NL REL("A", "B", "r") NL;
    struct mu_env envs[] = {{"lap", U3, f}};
    struct mu_store s = {0};
    struct mt_plan p;
    ck_assert_int_eq(mu_merge(&p, &s, U3, envs, 1, MT_POLICY_PRESERVE, false), 0);
    ck_assert_ptr_nonnull(p.u);
    ck_assert_uint_eq(p.u->entities, 3);
    ck_assert_uint_eq(p.u->relations, 2);
    ck_assert_uint_eq(p.u->observations, 3);
    ck_assert_ptr_null(mt_graph_entity(&p.base, "A"));
    ck_assert_ptr_nonnull(mt_graph_entity(&p.base, "B"));
    ck_assert_ptr_nonnull(mt_graph_entity(&p.base, "C"));
    ck_assert_uint_eq(p.base.nrels, 1);
    ck_assert_ptr_nonnull(mt_graph_relation(&p.base, "B\x01" "C\x01" "r"));
    char *out = mu_result(&p);
    ck_assert_str_eq(out, ENT("A", "t", Q("a1")) NL ENT("B", "t", Q("b1") "," Q("b2")) NL REL("A", "B", "r") NL);
    ck_assert_uint_eq(p.entities, 2);
    ck_assert_uint_eq(p.relations, 1);
    ck_assert_uint_eq(p.observations, 3);
    struct mt_error err = {0};
    ck_assert_int_eq(mt_plan_check_nothing_lost(&p, &err), 0);
    free(out);
    mt_plan_free(&p);

    /* another env retypes A: A->B comes into base too (the workstation
     * shows it beside a type conflict) */
    const char *g = ENT("A", "u", Q("a1")) NL ENT("B", "t", Q("b1")) NL ENT("C", "t", Q("c1")) NL
        REL("A", "B", "r") NL REL("B", "C", "r") NL;
    struct mu_env two[] = {{"lap", U3, f}, {"desk", U3, g}};
    struct mu_store s2 = {0};
    ck_assert_int_eq(mu_merge(&p, &s2, U3, two, 2, MT_POLICY_PRESERVE, false), 0);
    ck_assert_ptr_nonnull(p.u);
    ck_assert_uint_eq(p.base.nrels, 2);
    ck_assert_ptr_nonnull(mt_graph_relation(&p.base, "A\x01" "B\x01" "r"));
    mt_plan_free(&p);
}
END_TEST

/* A memory.json with a line memtui would write differently is parsed
 * whole, as before: the result is written the canonical way. */
START_TEST(odd_u_parsed_whole)
{
    const char *u = ENT("A", "t", Q("a\\/1")) NL ENT("B", "t", "") NL;
    const char *f = ENT("A", "t", Q("a/1")) NL ENT("B", "t", Q("b1")) NL;
    struct mu_env envs[] = {{"lap", u, f}};
    struct mu_store s = {0};
    struct mt_plan p;
    ck_assert_int_eq(mu_merge(&p, &s, u, envs, 1, MT_POLICY_PRESERVE, false), 0);
    ck_assert_ptr_null(p.u);
    char *out = mu_result(&p);
    ck_assert_str_eq(out, ENT("A", "t", Q("a/1")) NL ENT("B", "t", Q("b1")) NL);
    free(out);
    mt_plan_free(&p);

    /* a name twice: folded by the parse, so not kept as lines */
    const char *dup = ENT("A", "t", Q("a1")) NL ENT("A", "t", Q("a2")) NL ENT("B", "t", "") NL;
    const char *g = ENT("A", "t", Q("a1") "," Q("a2")) NL ENT("B", "t", Q("b1")) NL;
    struct mu_env envs2[] = {{"lap", g, g}, {"desk", dup, ENT("A", "t", Q("a1")) NL ENT("B", "t", "") NL}};
    struct mu_store s2 = {0};
    ck_assert_int_eq(mu_merge(&p, &s2, dup, envs2, 2, MT_POLICY_PRESERVE, false), 0);
    ck_assert_ptr_null(p.u);
    out = mu_result(&p);
    ck_assert_str_eq(out, ENT("A", "t", Q("a1")) NL ENT("B", "t", "") NL);
    free(out);
    mt_plan_free(&p);
}
END_TEST

/* The check on the written result sees a kept line that is not there. */
START_TEST(lost_kept_line_caught)
{
    const char *f = ENT("A", "t", Q("a1")) NL ENT("B", "t", Q("b1")) NL ENT("C", "t", Q("c1") "," Q("c2")) NL
        REL("A", "B", "r") NL REL("B", "C", "r") NL;
    struct mu_env envs[] = {{"lap", U3, f}};
    struct mu_store s = {0};
    struct mt_plan p;
    ck_assert_int_eq(mu_merge(&p, &s, U3, envs, 1, MT_POLICY_PRESERVE, false), 0);
    ck_assert_ptr_nonnull(p.u);
    char *out = mu_result(&p);
    struct mt_fragment whole, cut;
    struct mt_error err = {0};
    ck_assert_int_eq(mt_fragment_load(&whole, "memory.json", xstrdup(out), strlen(out), &err), 0);
    ck_assert_int_eq(mt_plan_check_u_kept(&p, &whole, &err), 0);
    const char *a_line = strstr(out, ENT("A", "t", Q("a1")) NL);
    ck_assert_ptr_nonnull(a_line);
    char *without = xasprintf("%.*s%s", (int)(a_line - out), out, a_line + strlen(ENT("A", "t", Q("a1")) NL));
    ck_assert_int_eq(mt_fragment_load(&cut, "memory.json", without, strlen(without), &err), 0);
    ck_assert_int_ne(mt_plan_check_u_kept(&p, &cut, &err), 0);
    ck_assert_msg(strstr(err.msg, "entity \"A\"") != NULL, "%s", err.msg);
    mt_error_clear(&err);
    mt_fragment_free(&whole);
    mt_fragment_free(&cut);
    free(out);
    mt_plan_free(&p);
}
END_TEST

/* A restore added after the load touches an entity no delta named: the
 * base grows to cover it at the next resolve. */
START_TEST(restore_after_load_covered)
{
    const char *f = ENT("A", "t", Q("a1")) NL ENT("B", "t", Q("b1") "," Q("b2")) NL ENT("C", "t", Q("c1")) NL
        REL("A", "B", "r") NL REL("B", "C", "r") NL;
    struct mu_env envs[] = {{"lap", U3, f}};
    struct mu_store s = {0};
    struct mt_plan p;
    ck_assert_int_eq(mu_merge(&p, &s, U3, envs, 1, MT_POLICY_PRESERVE, false), 0);
    ck_assert_ptr_nonnull(p.u);
    ck_assert_ptr_null(mt_graph_entity(&p.base, "A"));
    const char *old = ENT("A", "t", Q("a0")) NL;
    struct mt_error err = {0};
    ck_assert_int_eq(mt_plan_add_restore(&p, "restore", old, strlen(old), NULL, 0, NULL, &err), 0);
    ck_assert_int_eq(mt_plan_resolve(&p), 0);
    ck_assert_ptr_nonnull(mt_graph_entity(&p.base, "A"));
    char *out = mu_result(&p);
    ck_assert_str_eq(out, ENT("A", "t", Q("a1") "," Q("a0")) NL ENT("B", "t", Q("b1") "," Q("b2")) NL
                              ENT("C", "t", Q("c1")) NL REL("A", "B", "r") NL REL("B", "C", "r") NL);
    ck_assert_uint_eq(p.observations, 5);
    free(out);
    mt_plan_free(&p);
}
END_TEST

/* A large U with half its entities changed, one deleted with its
 * relations, one added: the result is U's order, every change in its place,
 * the untouched lines as they were. */
START_TEST(large_u_half_changed)
{
    enum { N = 6000, R = 3000 };
    struct mt_buf u, f, want;
    mt_buf_init(&u);
    mt_buf_init(&f);
    mt_buf_init(&want);
    for (int i = 0; i < N; i++) {
        mt_buf_addf(&u, ENT("E%d", "t", Q("o")) NL, i);
        if (i == 1) continue;  /* F deletes E1, and with it E0->E1 and E1->E2 */
        if (i % 2 == 0) {
            mt_buf_addf(&f, ENT("E%d", "t", Q("o") "," Q("x")) NL, i);
            mt_buf_addf(&want, ENT("E%d", "t", Q("o") "," Q("x")) NL, i);
        } else {
            mt_buf_addf(&f, ENT("E%d", "t", Q("o")) NL, i);
            mt_buf_addf(&want, ENT("E%d", "t", Q("o")) NL, i);
        }
    }
    mt_buf_addf(&f, ENT("New", "t", "") NL);
    mt_buf_addf(&want, ENT("New", "t", "") NL);
    for (int i = 0; i < R; i++) {
        mt_buf_addf(&u, REL("E%d", "E%d", "next") NL, i, i + 1);
        if (i == 0 || i == 1) continue;
        mt_buf_addf(&f, REL("E%d", "E%d", "next") NL, i, i + 1);
        mt_buf_addf(&want, REL("E%d", "E%d", "next") NL, i, i + 1);
    }
    mt_buf_addf(&f, REL("New", "E0", "first") NL);
    mt_buf_addf(&want, REL("New", "E0", "first") NL);
    struct mu_env envs[] = {{"lap", u.data, f.data}};
    struct mu_store s = {0};
    struct mt_plan p;
    ck_assert_int_eq(mu_merge(&p, &s, u.data, envs, 1, MT_POLICY_PRESERVE, false), 0);
    ck_assert_ptr_nonnull(p.u);
    ck_assert_uint_ge(p.base.nents, N / 2);   /* the changed half, parsed */
    char *out = mu_result(&p);
    ck_assert_str_eq(out, want.data);
    struct mt_error err = {0};
    ck_assert_int_eq(mt_plan_check_nothing_lost(&p, &err), 0);
    free(out);
    mt_plan_free(&p);
    mt_buf_free(&u);
    mt_buf_free(&f);
    mt_buf_free(&want);
}
END_TEST

/* The result's buffer is made ready while the plan resolves and taken by
 * the first write, also when the result outgrows it; a plan left with a
 * conflict pending prepares none. */
START_TEST(result_buffer_prepared)
{
    struct mt_buf f;
    mt_buf_init(&f);
    mt_buf_adds(&f, U3);
    for (int i = 0; i < 200; i++) mt_buf_addf(&f, ENT("New%d", "t", Q("a long observation, to outgrow memory.json")) NL, i);
    struct mu_env envs[] = {{"lap", U3, f.data}};
    struct mu_store s = {0};
    struct mt_plan p;
    ck_assert_int_eq(mu_merge(&p, &s, U3, envs, 1, MT_POLICY_PRESERVE, false), 0);
    ck_assert_ptr_nonnull(p.u);
    ck_assert_ptr_nonnull(p.u->out_pages);
    char *first = mu_result(&p);
    ck_assert_ptr_null(p.u->out_pages);
    char *again = mu_result(&p);  /* a buffer of its own this time */
    ck_assert_str_eq(first, again);
    ck_assert_uint_gt(strlen(first), strlen(U3) * 2);
    ck_assert(strstr(first, "New199") != NULL);
    free(first);
    free(again);
    mt_plan_free(&p);

    /* both envs retype A, differently: a conflict, left pending */
    const char *a = ENT("A", "u", Q("a1")) NL ENT("B", "t", Q("b1")) NL ENT("C", "t", Q("c1")) NL;
    const char *b = ENT("A", "v", Q("a1")) NL ENT("B", "t", Q("b1")) NL ENT("C", "t", Q("c1")) NL;
    struct mu_env two[] = {{"lap", U3, a}, {"desk", U3, b}};
    struct mu_store s2 = {0};
    ck_assert_int_eq(mu_merge(&p, &s2, U3, two, 2, MT_POLICY_FAIL, false), 1);
    ck_assert_ptr_nonnull(p.u);
    ck_assert_ptr_null(p.u->out_pages);
    mt_plan_free(&p);
    mt_buf_free(&f);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("plan_base");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, canonical_lines_taken);
    tcase_add_test(tc, other_lines_refused);
    tcase_add_test(tc, u_kept_as_lines);
    tcase_add_test(tc, odd_u_parsed_whole);
    tcase_add_test(tc, lost_kept_line_caught);
    tcase_add_test(tc, restore_after_load_covered);
    tcase_add_test(tc, large_u_half_changed);
    tcase_add_test(tc, result_buffer_prepared);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(make_suite)
