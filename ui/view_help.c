/* view_help.c: the `?` overlay, generated from the action table. */
#include "memtui/ui/app.h"

static void rows(struct mt_app *a, struct mt_rows *out, int width)
{
    (void)a;
    (void)width;
    mt_rows_line(out, MT_ROLE_HEADER, "Keys (Esc or q closes this help)");
    for (size_t i = 0; i < mt_nactions; i++) {
        struct mt_row *r = mt_rows_add(out);
        mt_row_col(r, MT_ROLE_CHANGED, 16, mt_actions[i].keys);
        mt_row_seg(r, MT_ROLE_DEFAULT, "%s", mt_actions[i].help);
    }
    mt_rows_line(out, MT_ROLE_DEFAULT, "%s", "");
    mt_rows_line(out, MT_ROLE_DIM, "In prompts: y confirms, any other key cancels; '/' takes text, Enter applies it.");
}

const struct mt_view_ops mt_view_help = {.name = "Help", .rows = rows};
