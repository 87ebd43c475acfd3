/* mouse.c: clicks and the wheel, hit-tested against the screen as
 * app_screen.c describes it (curses-free: display.c only reads the
 * events); see mt_app_click in ui/app.h. */
#include <stdlib.h>

#include "app_internal.h"
#include "memtui/ui/text.h"

_Static_assert(MT_ACT_PANEL_LOG - MT_ACT_PANEL_ENVS == MT_PANELS - 1, "the panel actions follow the panels");

/* Row 0: the tab under column x opens its panel (the title and an
 * overlay's name do nothing). */
static void click_tab(struct mt_app *a, size_t x)
{
    struct mt_row tabs = {0};
    mt_app_tabs(a, &tabs);
    size_t left = 0, hit = SIZE_MAX;
    for (size_t k = 0; k < tabs.nsegs && hit == SIZE_MAX; k++) {
        size_t w = mt_text_width(tabs.segs[k].text);
        if (x < left + w) hit = k;
        left += w;
    }
    for (size_t k = 0; k < tabs.nsegs; k++) free(tabs.segs[k].text);
    free(tabs.segs);
    if (hit >= 1 && hit <= MT_PANELS) mt_app_action(a, (enum mt_action)(MT_ACT_PANEL_ENVS + (int)hit - 1));
}

/* A body row: the cursor goes there; already there, the row opens. */
static void click_row(struct mt_app *a, size_t row, size_t x)
{
    const struct mt_view_ops *ops = mt_app_view_ops(a->view);
    if (ops->click) {
        ops->click(a, row, x);
        return;
    }
    if (row < ops->header_rows || row >= mt_app_nrows(a)) return;
    if (row == a->cursor[a->view]) mt_app_action(a, MT_ACT_ENTER);
    else a->cursor[a->view] = row;
}

/* The rows move under a cursor that stays on screen; a view without a
 * cursor scrolls by its own keys. */
static void wheel(struct mt_app *a, bool down)
{
    if (mt_app_view_ops(a->view)->click) {
        for (int i = 0; i < MT_WHEEL_ROWS; i++) mt_app_action(a, down ? MT_ACT_DOWN : MT_ACT_UP);
        return;
    }
    size_t n = mt_app_nrows(a), h = a->body_height > 0 ? (size_t)a->body_height : 1;
    size_t *top = &a->top[a->view], *c = &a->cursor[a->view];
    size_t last = n > h ? n - h : 0;
    if (down) *top = *top + MT_WHEEL_ROWS < last ? *top + MT_WHEEL_ROWS : last;
    else *top = *top > MT_WHEEL_ROWS ? *top - MT_WHEEL_ROWS : 0;
    if (*c < *top) *c = *top;
    if (*c >= *top + h) *c = *top + h - 1;
}

void mt_app_click(struct mt_app *a, int y, int x, enum mt_mouse kind)
{
    if (a->input != MT_INPUT_NONE || y < 0 || x < 0) return;
    free(a->message);   /* as a key does */
    a->message = NULL;
    if (kind != MT_MOUSE_CLICK) {
        if (a->snap) wheel(a, kind == MT_MOUSE_WHEEL_DOWN);
    } else if (y == 0) {
        click_tab(a, (size_t)x);
    } else if (a->snap && y <= a->body_height) {
        click_row(a, a->top[a->view] + (size_t)y - 1, (size_t)x);
    }
}
