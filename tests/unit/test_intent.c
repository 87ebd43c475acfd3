/* test_intent.c: the operator's intent as one value (intent.h): undo puts
 * back what a decision replaced, redo takes the undone decision again, a new
 * decision forgets what could be redone, and a copy carries both stacks. */
#include "testutil.h"

#include "memtui/base/util.h"
#include "memtui/merge/intent.h"

/* The entity type key holds, "" when the policy decides, "(deleted)". */
static const char *held(const struct mt_intent *in, const char *key)
{
    const struct mt_decision *d = mt_intent_decision(in, key);
    if (!d) return "";
    return d->kind == MT_DECIDE_DELETE ? "(deleted)" : d->entity->type;
}

static void decide_type(struct mt_intent *in, const char *key, const char *type)
{
    struct mt_entity *e = mt_entity_new(key, type);
    mt_intent_decide(in, key, MT_DECIDE_ENTITY, e, type);
    mt_entity_free(e);
}

START_TEST(redo_takes_back_what_undo_undid)
{
    struct mt_intent in;
    mt_intent_init(&in);
    ck_assert(!mt_intent_redo(&in, NULL));                  /* nothing undone yet */
    decide_type(&in, "X", "first");
    mt_intent_decide(&in, "X", MT_DECIDE_DELETE, NULL, "deleted");
    decide_type(&in, "Y", "why");
    ck_assert(mt_intent_undo(&in, NULL));
    ck_assert(mt_intent_undo(&in, NULL));
    ck_assert_str_eq(held(&in, "X"), "first");
    ck_assert_str_eq(held(&in, "Y"), "");
    char *key = NULL;
    ck_assert(mt_intent_redo(&in, &key));                   /* the delete of X again */
    ck_assert_str_eq(key, "X");
    free(key);
    ck_assert_str_eq(held(&in, "X"), "(deleted)");
    ck_assert_str_eq(mt_intent_decision(&in, "X")->label, "deleted");
    ck_assert(mt_intent_redo(&in, NULL));
    ck_assert_str_eq(held(&in, "Y"), "why");
    ck_assert(!mt_intent_redo(&in, NULL));                  /* all redone */
    ck_assert(mt_intent_undo(&in, NULL));                   /* a redo is undone like any decision */
    ck_assert_str_eq(held(&in, "Y"), "");
    ck_assert(mt_intent_undo(&in, NULL));
    ck_assert(mt_intent_undo(&in, NULL));
    ck_assert(!mt_intent_undo(&in, NULL));
    ck_assert_str_eq(held(&in, "X"), "");
    mt_intent_free(&in);
}
END_TEST

START_TEST(a_new_decision_clears_redo)
{
    struct mt_intent in, copy;
    mt_intent_init(&in);
    decide_type(&in, "X", "first");
    decide_type(&in, "X", "second");
    ck_assert(mt_intent_undo(&in, NULL));
    mt_intent_copy(&copy, &in);                             /* a reload keeps what can be redone */
    ck_assert(mt_intent_redo(&copy, NULL));
    ck_assert_str_eq(held(&copy, "X"), "second");
    ck_assert_str_eq(held(&in, "X"), "first");              /* the copy was deep */
    decide_type(&in, "Y", "other");
    ck_assert(!mt_intent_redo(&in, NULL));
    ck_assert_str_eq(held(&in, "X"), "first");
    mt_intent_drop_decisions(&copy);
    ck_assert(!mt_intent_redo(&copy, NULL));
    ck_assert(!mt_intent_undo(&copy, NULL));
    mt_intent_free(&copy);
    mt_intent_free(&in);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("intent");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, redo_takes_back_what_undo_undid);
    tcase_add_test(tc, a_new_decision_clears_redo);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(make_suite)
