/* view_text.c: a read-only page of rows (a backup's diff against HEAD);
 * r restores the backup it shows. */
#include "memtui/ui_app.h"

static void rows(struct mt_app *a, struct mt_rows *out, int width)
{
    (void)width;
    if (a->text_title) mt_rows_line(out, MT_ROLE_HEADER, "%s", a->text_title);
    for (size_t i = 0; i < a->text.n; i++) {
        struct mt_row *r = mt_rows_add(out);
        for (size_t k = 0; k < a->text.v[i].nsegs; k++)
            mt_row_seg(r, a->text.v[i].segs[k].role, "%s", a->text.v[i].segs[k].text);
    }
}

static bool key(struct mt_app *a, enum mt_action act)
{
    if (act != MT_ACT_RESTORE || !a->confirm_arg) return false;
    a->confirm = MT_CONFIRM_RESTORE;
    a->input = MT_INPUT_CONFIRM;
    return true;
}

const struct mt_view_ops mt_view_text = {"Diff", rows, NULL, key, NULL, NULL};
