/* view_messages.c: the `M` overlay: the message history (messages.h),
 * oldest first, scrolled like any view; what the message line showed only
 * for a moment stays readable here. */
#include <stdlib.h>
#include <time.h>

#include "memtui/ui/app.h"

static enum mt_role role_of(enum mt_event_kind kind)
{
    switch (kind) {
    case MT_EVENT_WARNING: return MT_ROLE_DANGER;
    case MT_EVENT_STEP:
    case MT_EVENT_PROGRESS: return MT_ROLE_DIM;
    default: return MT_ROLE_DEFAULT;
    }
}

enum { INDENT = 18 };   /* "12:34:56 " and the 9-column kind */

static void rows(struct mt_app *a, struct mt_rows *out, int width)
{
    size_t n = mt_messages_count(&a->messages);
    mt_rows_line(out, MT_ROLE_HEADER, "Messages: %zu, newest last (Esc or q closes)", n);
    if (!n) mt_rows_line(out, MT_ROLE_DIM, "%s", "nothing reported yet");
    struct mt_message m;
    for (size_t i = 0; mt_messages_get(&a->messages, i, &m); i++) {
        struct tm tm;
        char when[16];
        localtime_r(&m.when, &tm);
        strftime(when, sizeof when, "%H:%M:%S", &tm);
        /* in full: a long message wraps under its text, never cut */
        struct mt_rows lines = {0};
        mt_text_wrap(&lines, role_of(m.kind), m.text, width > INDENT + 20 ? (size_t)(width - INDENT) : 20, 50);
        for (size_t k = 0; k < lines.n; k++) {
            struct mt_row *r = mt_rows_add(out);
            if (k) {
                mt_row_seg(r, MT_ROLE_DIM, "%*s", INDENT, "");
            } else {
                mt_row_seg(r, MT_ROLE_DIM, "%s ", when);
                mt_row_col(r, role_of(m.kind), 9, mt_event_kind_name(m.kind));
            }
            mt_row_seg(r, lines.v[k].segs[0].role, "%s", lines.v[k].segs[0].text);
        }
        mt_rows_clear(&lines);
        free(m.text);
    }
}

const struct mt_view_ops mt_view_messages = {.name = "Messages", .rows = rows};

void mt_app_open_messages(struct mt_app *a)
{
    if (a->view != MT_VIEW_MESSAGES) a->back = a->view;
    a->view = MT_VIEW_MESSAGES;
    a->cursor[MT_VIEW_MESSAGES] = mt_messages_count(&a->messages);   /* the newest; the screen clamps */
}
