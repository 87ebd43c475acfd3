/* test_entity_diff.c: the one entity-diff producer (entity_diff.h): its
 * order, text, empty sides, unicode, relation sets; and the backup diff
 * built on it (backup_diff.h), which reports unreadable lines. */
#include <stdlib.h>
#include <string.h>

#include "memtui/merge/entity_diff.h"
#include "memtui/ops/backup_diff.h"
#include "testutil.h"

static struct mt_entity *ent(const char *name, const char *type, const char *const *obs)
{
    struct mt_entity *e = mt_entity_new(name, type);
    for (size_t i = 0; obs && obs[i]; i++) mt_strset_add(&e->obs, obs[i]);
    return e;
}

/* The lines as text, '\n' after each (caller frees). */
static char *text_of(const struct mt_diff_lines *l)
{
    struct mt_buf b;
    mt_buf_init(&b);
    for (size_t i = 0; i < l->n; i++) {
        mt_diff_line_text(&b, &l->v[i]);
        mt_buf_addc(&b, '\n');
    }
    return mt_buf_detach(&b, NULL);
}

/* old -> new as text; also checks that counting agrees with the lines. */
static char *diff_text(const struct mt_entity *old, const struct mt_entity *new_)
{
    struct mt_diff_lines l = {0};
    size_t n = mt_entity_diff(&l, old, new_);
    ck_assert_uint_eq(n, l.n);
    ck_assert_uint_eq(mt_entity_diff(NULL, old, new_), n);
    char *t = text_of(&l);
    mt_diff_lines_free(&l);
    return t;
}

START_TEST(grouped_by_field)
{
    static const char *const o1[] = {"old", "kept", "gone", NULL}, *const o2[] = {"kept", "new", "newer", NULL};
    struct mt_entity *a = ent("Orion", "person", o1), *b = ent("Orion", "project", o2);
    char *t = diff_text(a, b);
    /* type first, '-' before '+'; then observations, '-' before '+', each
     * side in its own order */
    ck_assert_str_eq(t, "- entityType: person\n+ entityType: project\n- old\n- gone\n+ new\n+ newer\n");
    free(t);
    struct mt_diff_lines l = {0};
    mt_entity_diff(&l, a, b);
    ck_assert_int_eq(l.v[0].kind, MT_DIFF_TYPE);
    ck_assert_int_eq(l.v[0].sign, '-');
    ck_assert_int_eq(l.v[2].kind, MT_DIFF_OBS);
    ck_assert_int_eq(l.v[5].sign, '+');
    mt_diff_lines_free(&l);
    mt_entity_free(a);
    mt_entity_free(b);
}
END_TEST

START_TEST(same_type_and_same_entity)
{
    static const char *const o1[] = {"a", "b", NULL}, *const o2[] = {"b", "a", "c", NULL};
    struct mt_entity *a = ent("X", "t", o1), *b = ent("X", "t", o2);
    char *t = diff_text(a, b);
    ck_assert_str_eq(t, "+ c\n");   /* no type lines; order of observations is no change */
    free(t);
    t = diff_text(a, a);
    ck_assert_str_eq(t, "");
    free(t);
    mt_entity_free(a);
    mt_entity_free(b);
}
END_TEST

START_TEST(empty_sides)
{
    static const char *const o[] = {"one", "two", NULL};
    struct mt_entity *a = ent("X", "t", o), *bare = ent("Y", "u", NULL);
    char *t = diff_text(NULL, a);
    ck_assert_str_eq(t, "+ entityType: t\n+ one\n+ two\n");
    free(t);
    t = diff_text(a, NULL);
    ck_assert_str_eq(t, "- entityType: t\n- one\n- two\n");
    free(t);
    t = diff_text(NULL, NULL);
    ck_assert_str_eq(t, "");
    free(t);
    t = diff_text(bare, NULL);   /* no observations: the type alone */
    ck_assert_str_eq(t, "- entityType: u\n");
    free(t);
    mt_entity_free(a);
    mt_entity_free(bare);
}
END_TEST

START_TEST(unicode_kept_as_is)
{
    static const char *const o1[] = {"東京タワー🗼 is tall", NULL}, *const o2[] = {"café ☕", NULL};
    struct mt_entity *a = ent("東京", "都市", o1), *b = ent("東京", "首都", o2);
    char *t = diff_text(a, b);
    ck_assert_str_eq(t, "- entityType: 都市\n+ entityType: 首都\n- 東京タワー🗼 is tall\n+ café ☕\n");
    free(t);
    struct mt_buf h;
    mt_buf_init(&h);
    mt_diff_heading(&h, "東京");
    mt_diff_who(&h, "a, b");
    ck_assert_str_eq(h.data, "@ 東京  [a, b]");
    mt_buf_reset(&h);
    mt_diff_who(&h, "");
    mt_diff_who(&h, NULL);
    ck_assert_uint_eq(h.len, 0);   /* no attribution, no brackets */
    mt_diff_cascade(&h);
    ck_assert_str_eq(h.data, " (end deleted)");
    mt_buf_free(&h);
    mt_entity_free(a);
    mt_entity_free(b);
}
END_TEST

static void rel(struct mt_graph *g, const char *from, const char *type, const char *to)
{
    mt_graph_add_relation(g, mt_relation_new(from, to, type));
}

START_TEST(relation_sets)
{
    struct mt_graph old, new_;
    mt_graph_init(&old);
    mt_graph_init(&new_);
    rel(&old, "A", "knows", "B");
    rel(&old, "B", "near", "C");
    rel(&old, "C", "likes", "A");
    rel(&new_, "C", "likes", "A");
    rel(&new_, "星", "照らす", "A");
    rel(&new_, "A", "knows", "C");
    struct mt_diff_lines l = {0};
    ck_assert_uint_eq(mt_relations_diff(NULL, &old, &new_), 4);
    ck_assert_uint_eq(mt_relations_diff(&l, &old, &new_), 4);
    char *t = text_of(&l);
    ck_assert_str_eq(t, "- A -[knows]-> B\n- B -[near]-> C\n+ 星 -[照らす]-> A\n+ A -[knows]-> C\n");
    free(t);
    ck_assert_int_eq(l.v[0].kind, MT_DIFF_RELATION);
    mt_diff_lines_free(&l);
    ck_assert_uint_eq(mt_relations_diff(&l, &old, &old), 0);
    struct mt_graph empty;
    mt_graph_init(&empty);
    ck_assert_uint_eq(mt_relations_diff(&l, &empty, &old), 3);
    ck_assert_int_eq(l.v[0].sign, '+');
    ck_assert_int_eq(l.v[2].sign, '+');
    mt_diff_lines_free(&l);
    mt_graph_free(&empty);
    mt_graph_free(&old);
    mt_graph_free(&new_);
}
END_TEST

#define E(name, type, obs) "{\"type\":\"entity\",\"name\":\"" name "\",\"entityType\":\"" type "\",\"observations\":[" obs "]}\n"
#define R(from, type, to) "{\"type\":\"relation\",\"from\":\"" from "\",\"to\":\"" to "\",\"relationType\":\"" type "\"}\n"

START_TEST(backup_diff_reports_bad_lines)
{
    /* lines 2 and 4 of the backup do not parse, nor line 2 of HEAD */
    static const char backup[] = E("Same", "t", "\"x\"") "{\"type\":\"entity\",\"name\":\n"
        E("Changed", "t", "\"kept\",\"back\"") "not json\n" E("Gone", "u", "\"g\"") R("Gone", "near", "Same");
    static const char head[] = E("Same", "t", "\"x\"") "{broken\n" E("Changed", "t", "\"kept\",\"new\"")
        E("Fresh", "v", "") R("Same", "near", "Fresh");
    struct mt_backup_diff d;
    mt_backup_diff_texts(backup, strlen(backup), head, strlen(head), &d);
    ck_assert_uint_eq(d.bad_backup.count, 2);
    ck_assert_int_eq(d.bad_backup.first[0], 2);
    ck_assert_int_eq(d.bad_backup.first[1], 4);
    ck_assert_ptr_nonnull(d.bad_backup.what);
    ck_assert_uint_eq(d.bad_head.count, 1);
    ck_assert_int_eq(d.bad_head.first[0], 2);
    struct mt_buf b;
    mt_buf_init(&b);
    mt_unreadable_text(&b, &d.bad_backup);
    ck_assert_msg(strncmp(b.data, "2 unreadable lines skipped (lines 2, 4): ", 41) == 0, "%s", b.data);
    mt_buf_reset(&b);
    mt_unreadable_text(&b, &d.bad_head);
    ck_assert_msg(strncmp(b.data, "1 unreadable line skipped (line 2): ", 36) == 0, "%s", b.data);
    mt_buf_free(&b);
    /* the lines that parse are compared: Changed differs, Gone is missing */
    ck_assert_uint_eq(d.nblocks, 2);
    ck_assert_str_eq(d.blocks[0].backup->name, "Changed");
    ck_assert_ptr_nonnull(d.blocks[0].head);
    char *t = text_of(&d.blocks[0].lines);
    ck_assert_str_eq(t, "- new\n+ back\n");   /* HEAD -> backup */
    free(t);
    ck_assert_str_eq(d.blocks[1].backup->name, "Gone");
    ck_assert_ptr_null(d.blocks[1].head);
    ck_assert_uint_eq(d.same, 1);
    ck_assert_uint_eq(d.only_head, 1);
    t = text_of(&d.relations);
    ck_assert_str_eq(t, "+ Gone -[near]-> Same\n");
    free(t);
    ck_assert_uint_eq(d.rel_only_head, 1);
    mt_backup_diff_free(&d);
}
END_TEST

START_TEST(backup_diff_many_bad_lines_and_unreadable_side)
{
    struct mt_buf text;
    mt_buf_init(&text);
    for (int i = 0; i < 8; i++) mt_buf_adds(&text, "nope\n");
    mt_buf_adds(&text, E("Ok", "t", ""));
    struct mt_backup_diff d;
    mt_backup_diff_texts(text.data, text.len, NULL, 0, &d);
    ck_assert_uint_eq(d.bad_backup.count, 8);
    ck_assert_uint_eq(d.nblocks, 1);   /* HEAD has no graph: Ok is missing at HEAD */
    struct mt_buf b;
    mt_buf_init(&b);
    mt_unreadable_text(&b, &d.bad_backup);
    ck_assert_msg(strncmp(b.data, "8 unreadable lines skipped (lines 1, 2, 3, 4, 5, ...): ", 55) == 0, "%s", b.data);
    mt_buf_reset(&b);
    mt_unreadable_text(&b, &d.bad_head);
    ck_assert_uint_eq(b.len, 0);   /* nothing to report */
    mt_backup_diff_free(&d);
    /* a legacy document that does not parse: the whole side is unreadable */
    static const char legacy[] = "{\"entities\":[{\"name\":";
    mt_backup_diff_texts(legacy, strlen(legacy), NULL, 0, &d);
    ck_assert_uint_eq(d.bad_backup.count, 0);
    ck_assert_ptr_nonnull(d.bad_backup.what);
    mt_unreadable_text(&b, &d.bad_backup);
    ck_assert_msg(strncmp(b.data, "unreadable: ", 12) == 0, "%s", b.data);
    ck_assert_uint_eq(d.nblocks, 0);
    mt_backup_diff_free(&d);
    mt_buf_free(&b);
    mt_buf_free(&text);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("entity_diff");
    TCase *tc = tcase_create("lines");
    tcase_add_test(tc, grouped_by_field);
    tcase_add_test(tc, same_type_and_same_entity);
    tcase_add_test(tc, empty_sides);
    tcase_add_test(tc, unicode_kept_as_is);
    tcase_add_test(tc, relation_sets);
    tcase_add_test(tc, backup_diff_reports_bad_lines);
    tcase_add_test(tc, backup_diff_many_bad_lines_and_unreadable_side);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(make_suite)
