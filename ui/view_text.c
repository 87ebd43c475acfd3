/* view_text.c: a read-only page of rows (a backup's diff against HEAD);
 * Space marks the entity under the cursor, r restores the marked entities
 * of the backup it shows (every entity when none is marked). */
#include <stdint.h>
#include <stdlib.h>

#include "memtui/ui/app.h"

void mt_app_text_clear(struct mt_app *a)
{
    mt_rows_clear(&a->text);
    free(a->text_title);
    a->text_title = NULL;
    for (size_t i = 0; i < a->text_nblocks; i++) free(a->text_names[i]);
    free(a->text_names);
    free(a->text_marked);
    a->text_names = NULL;
    a->text_marked = NULL;
    a->text_nblocks = 0;
}

static void rows(struct mt_app *a, struct mt_rows *out, int width)
{
    (void)width;
    if (a->text_title) mt_rows_line(out, MT_ROLE_HEADER, "%s", a->text_title)->idx = SIZE_MAX;
    for (size_t i = 0; i < a->text.n; i++) {
        const struct mt_row *t = &a->text.v[i];
        struct mt_row *r = mt_rows_add(out);
        r->idx = t->idx;
        bool head = t->idx < a->text_nblocks && (i == 0 || a->text.v[i - 1].idx != t->idx);
        if (head) mt_row_seg(r, a->text_marked[t->idx] ? MT_ROLE_CHANGED : MT_ROLE_DIM, "%s",
                             a->text_marked[t->idx] ? "[x] " : "[ ] ");
        for (size_t k = 0; k < t->nsegs; k++) mt_row_seg(r, t->segs[k].role, "%s", t->segs[k].text);
    }
}

static unsigned key(struct mt_app *a, enum mt_action act)
{
    if (act == MT_ACT_TAKE) {
        /* the cursor counts the title row first */
        size_t c = a->cursor[MT_VIEW_TEXT], off = a->text_title ? 1 : 0;
        size_t i = c >= off && c - off < a->text.n ? a->text.v[c - off].idx : SIZE_MAX;
        if (i < a->text_nblocks) {
            a->text_marked[i] = !a->text_marked[i];
            size_t n = 0;
            for (size_t k = 0; k < a->text_nblocks; k++) n += a->text_marked[k];
            mt_app_set_message(a, false, "%s %s: %zu marked; r restores %s", a->text_marked[i] ? "marked" : "unmarked",
                               a->text_names[i], n, n ? "the marked entities" : "every entity");
        }
        return MT_KEY_HANDLED;
    }
    if (act != MT_ACT_RESTORE || !a->confirm_arg) return MT_KEY_IGNORED;
    a->confirm = MT_CONFIRM_RESTORE;
    return MT_KEY_HANDLED | MT_KEY_ASK;
}

const struct mt_view_ops mt_view_text = {"Diff", rows, NULL, key, NULL, NULL};
