/* Carrying a local file's own edits onto another graph (rebase.h) and the
 * pairs that say what the file was built on (local_base.h). */
#include "testutil.h"
#include "memtui/base/fsutil.h"
#include "memtui/merge/local_base.h"
#include "memtui/merge/rebase.h"

#define E(n, t, o) "{\"type\":\"entity\",\"name\":\"" n "\",\"entityType\":\"" t "\",\"observations\":[" o "]}"
#define R(a, b) "{\"type\":\"relation\",\"from\":\"" a "\",\"to\":\"" b "\",\"relationType\":\"knows\"}"

static char *apply(const char *onto, const char *base, const char *local)
{
    struct mt_buf b;
    struct mt_error err = {0};
    mt_buf_init(&b);
    if (mt_rebase_apply(onto, strlen(onto), base, strlen(base), local, strlen(local), &b, &err))
        ck_abort_msg("rebase: %s", err.msg);
    char *s = mt_buf_detach(&b, NULL);
    return s ? s : strdup("");
}

static bool before(const char *b, const char *a, const char *l)
{
    bool yes = true;
    struct mt_error err = {0};
    if (mt_rebase_built_on_before(b, strlen(b), a, strlen(a), l, strlen(l), &yes, &err))
        ck_abort_msg("built_on_before: %s", err.msg);
    return yes;
}

/* The server's write built on the graph before an import: its own edit
 * lands on the import, nothing the import brought is lost. */
START_TEST(carry_edit_onto_import)
{
    const char *pre = E("A", "t", "\"a\"");
    const char *imported = E("A", "t", "\"a\"") "\n" E("B", "t", "\"b\"") "\n" R("A", "B") "\n";
    const char *clobber = E("A", "t", "\"a\",\"new\"") "\n" E("C", "t", "\"c\"");
    char *out = apply(imported, pre, clobber);
    ck_assert_str_eq(out, E("A", "t", "\"a\",\"new\"") "\n" E("B", "t", "\"b\"") "\n" E("C", "t", "\"c\"") "\n"
                          R("A", "B") "\n");
    free(out);
}
END_TEST

/* Deletions carry too (an entity the server deleted, and its relations),
 * and carrying the same edit twice changes nothing. */
START_TEST(carry_deletion_idempotent)
{
    const char *pre = E("A", "t", "\"a\"") "\n" E("D", "t", "\"d\"");
    const char *imported = E("A", "t", "\"a\"") "\n" E("D", "t", "\"d\"") "\n" E("B", "t", "\"b\"") "\n" R("D", "B");
    const char *local = E("A", "t", "\"a\"");
    char *once = apply(imported, pre, local);
    ck_assert_str_eq(once, E("A", "t", "\"a\"") "\n" E("B", "t", "\"b\"") "\n");
    char *twice = apply(once, pre, local);
    ck_assert_str_eq(twice, once);
    free(once);
    free(twice);
}
END_TEST

START_TEST(which_graph_the_file_was_built_on)
{
    const char *pre = E("A", "t", "\"a\"") "\n" E("Gone", "t", "\"g\"");
    const char *imp = E("A", "t", "\"a\"") "\n" E("B", "t", "\"b\"");
    /* built on the graph before: none of what the import changed */
    ck_assert(before(pre, imp, E("A", "t", "\"a\"") "\n" E("Gone", "t", "\"g\"") "\n" E("New", "t", "\"n\"")));
    ck_assert(before(pre, imp, E("A", "t", "\"a\",\"x\"") "\n" E("Gone", "t", "\"g\"")));
    /* built on the import: what it changed is there */
    ck_assert(!before(pre, imp, imp));
    ck_assert(!before(pre, imp, E("A", "t", "\"a\"") "\n" E("B", "t", "\"b\"") "\n" E("New", "t", "\"n\"")));
    /* the agent touched what the import brought: built on the import */
    ck_assert(!before(pre, imp, E("A", "t", "\"a\"") "\n" E("B", "t", "\"b\",\"more\"")));
    /* built on the graph before, and the agent's edit touches an entity
     * the import also changed: most of what the import changed is still
     * as it was before */
    const char *pre2 = E("A", "t", "\"a\"") "\n" E("X", "t", "\"x\"");
    const char *imp2 = E("A", "t", "\"a\",\"merged\"") "\n" E("X", "t", "\"x\"") "\n" E("B1", "t", "\"b\"") "\n"
        E("B2", "t", "\"b\"") "\n" E("B3", "t", "\"b\"");
    ck_assert(before(pre2, imp2, E("A", "t", "\"a\",\"mine\"") "\n" E("X", "t", "\"x\"") "\n" E("N", "t", "\"n\"")));
    /* built on the import, the agent deleting one of the entities it brought */
    ck_assert(!before(pre2, imp2, E("A", "t", "\"a\",\"merged\"") "\n" E("X", "t", "\"x\"") "\n" E("B1", "t", "\"b\"") "\n"
                                      E("B2", "t", "\"b\"")));
    /* nothing changed by the import: never "before" */
    ck_assert(!before(pre, pre, E("A", "t", "\"a\"")));
}
END_TEST

/* A write that landed during an import was carried onto the merged graph U
 * (fin = U + X); the server's next call read U in the moment it was in
 * the file and wrote W = U + n after the import. Judged against the graph
 * before the import, W looks built on the import (it has U's changes), so
 * exporting it as it is would drop X; against U it is built on U, and
 * carrying it onto fin keeps X. Hence the import records U as a base too. */
START_TEST(write_built_on_a_graph_put_in_for_a_moment)
{
    const char *e = E("A", "t", "\"a\"") "\n" E("B", "t", "\"b\"") "\n";
    const char *u = E("A", "t", "\"a\"") "\n" E("B", "t", "\"b\"") "\n" E("Beta9", "t", "\"from beta\"") "\n"
        R("Beta9", "A") "\n";
    const char *fin = E("A", "t", "\"a\"") "\n" E("B", "t", "\"b\"") "\n" E("Beta9", "t", "\"from beta\"") "\n"
        R("A", "B") "\n" R("Beta9", "A") "\n";
    const char *w = E("A", "t", "\"a\"") "\n" E("B", "t", "\"b\"") "\n" E("Beta9", "t", "\"from beta\"") "\n"
        E("N", "t", "\"new\"") "\n" R("Beta9", "A") "\n";
    ck_assert(!before(e, fin, w));   /* why the pairs (E, fin), (fin, fin) alone lose X */
    ck_assert(before(u, fin, w));
    char *out = apply(fin, u, w);
    ck_assert_ptr_nonnull(strstr(out, R("A", "B")));
    ck_assert_ptr_nonnull(strstr(out, "\"N\""));
    ck_assert_ptr_nonnull(strstr(out, "\"Beta9\""));
    free(out);
}
END_TEST

START_TEST(pairs_saved_loaded_pruned)
{
    char *dir = tu_tmpdir();
    struct mt_error err = {0};
    char a[MT_SHA256_HEX], b[MT_SHA256_HEX], c[MT_SHA256_HEX];
    ck_assert_int_eq(mt_local_base_put(dir, "graph a", 7, a, &err), 0);
    ck_assert_int_eq(mt_local_base_put(dir, "graph b", 7, b, &err), 0);
    ck_assert_int_eq(mt_local_base_put(dir, "graph c", 7, c, &err), 0);
    struct mt_local_base lb = {0};
    mt_local_base_add(&lb, a, b);
    mt_local_base_add(&lb, a, b);           /* twice: once */
    mt_local_base_add(&lb, "not a sha", b); /* refused */
    ck_assert_int_eq(lb.n, 1);
    ck_assert_int_eq(mt_local_base_save(dir, "pairs-x", &lb, &err), 0);
    struct mt_local_base got;
    mt_local_base_load(dir, "pairs-x", &got);
    ck_assert_int_eq(got.n, 1);
    ck_assert_str_eq(mt_local_base_find(&got, a), b);
    ck_assert_ptr_null(mt_local_base_find(&got, c));
    char *data;
    size_t len;
    ck_assert_int_eq(mt_local_base_get(dir, b, &data, &len, &err), 0);
    ck_assert_str_eq(data, "graph b");
    free(data);
    /* c is named by no state: pruned */
    ck_assert_int_ne(mt_local_base_get(dir, c, &data, &len, &err), 0);
    mt_error_clear(&err);
    /* a damaged state reads as none; a damaged graph is refused */
    char *p = xasprintf("%s/base/pairs-x.json", dir);
    ck_assert_int_eq(mt_file_write_atomic(p, "{\"pairs\":[{\"base\":1}", 20, 0600, &err), 0);
    mt_local_base_load(dir, "pairs-x", &got);
    ck_assert_int_eq(got.n, 0);
    free(p);
    p = xasprintf("%s/base/%s.jsonl", dir, a);
    ck_assert_int_eq(mt_file_write_atomic(p, "tampered", 8, 0600, &err), 0);
    ck_assert_int_ne(mt_local_base_get(dir, a, &data, &len, &err), 0);
    mt_error_clear(&err);
    free(p);
    ck_assert_int_eq(tu_sh("rm -rf '%s'", dir), 0);
    free(dir);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("rebase");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, carry_edit_onto_import);
    tcase_add_test(tc, carry_deletion_idempotent);
    tcase_add_test(tc, which_graph_the_file_was_built_on);
    tcase_add_test(tc, write_built_on_a_graph_put_in_for_a_moment);
    tcase_add_test(tc, pairs_saved_loaded_pruned);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(make_suite)
