/* view_menu.c: the merge menu (`m`): finish the merge with the decisions,
 * abort them, or run a fresh sync. Each item asks for confirmation. */
#include "memtui/ui/app.h"
#include "memtui/ui/text.h"

enum { ITEM_FINISH, ITEM_ABORT, ITEM_SYNC, ITEM_COUNT };

static void rows(struct mt_app *a, struct mt_rows *out, int width)
{
    (void)width;
    struct mt_plan *p = mt_app_plan(a);
    size_t pending = p ? mt_plan_pending(p) : 0;
    struct mt_row *r = mt_rows_line(out, pending ? MT_ROLE_DIM : MT_ROLE_HEADER,
                                    "Finish the merge with the decisions (verify, commit, push under lock and lease)");
    r->idx = ITEM_FINISH;
    if (pending) mt_row_seg(r, MT_ROLE_CONFLICT, "  [%zu %s undecided]", pending, mt_plural(pending, "conflict", "conflicts"));
    mt_rows_line(out, MT_ROLE_DEFAULT, "Abort: forget every decision taken here")->idx = ITEM_ABORT;
    mt_rows_line(out, MT_ROLE_DEFAULT, "Run a fresh sync (export, merge with --policy preserve, import)")->idx = ITEM_SYNC;
    mt_rows_line(out, MT_ROLE_DEFAULT, "%s", "")->idx = ITEM_COUNT;
    mt_rows_line(out, MT_ROLE_DIM, "Enter chooses, Esc closes")->idx = ITEM_COUNT;
}

static void enter(struct mt_app *a, const struct mt_row *r)
{
    struct mt_plan *p = mt_app_plan(a);
    if (r->idx == ITEM_FINISH) {
        if (!p) return;
        if (mt_plan_pending(p)) {
            mt_app_set_message(a, true, "%zu %s undecided: the merge cannot be finished yet", mt_plan_pending(p),
                               mt_plural(mt_plan_pending(p), "conflict is", "conflicts are"));
            return;
        }
        a->confirm = MT_CONFIRM_MERGE;
    } else if (r->idx == ITEM_ABORT) {
        a->confirm = MT_CONFIRM_ABORT;
    } else if (r->idx == ITEM_SYNC) {
        a->confirm = MT_CONFIRM_SYNC;
    } else {
        return;
    }
    a->input = MT_INPUT_CONFIRM;
}

const struct mt_view_ops mt_view_menu = {.name = "Merge", .rows = rows, .enter = enter};
