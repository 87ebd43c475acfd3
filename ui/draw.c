/* draw.c: the drawing helpers: theme roles to curses attributes, rows cut
 * by display width (never by bytes). */
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "memtui/base/safetext.h"
#include "memtui/ui/display.h"
#include "memtui/ui/text.h"

static attr_t role_attr[MT_ROLE_COUNT];

static attr_t attrs_of(unsigned a)
{
    attr_t r = A_NORMAL;
    if (a & MT_ATTR_BOLD) r |= A_BOLD;
    if (a & MT_ATTR_REVERSE) r |= A_REVERSE;
    if (a & MT_ATTR_UNDERLINE) r |= A_UNDERLINE;
    if (a & MT_ATTR_DIM) r |= A_DIM;
    return r;
}

void mt_draw_init_colours(const struct mt_theme *theme, bool colour)
{
    if (colour) {
        start_color();
        use_default_colors();
    }
    for (int i = 0; i < MT_ROLE_COUNT; i++) {
        const struct mt_style *s = &theme->role[i];
        role_attr[i] = attrs_of(s->attrs);
        if (colour && i + 1 < COLOR_PAIRS) {
            init_pair((short)(i + 1), mt_theme_fold(s->fg, COLORS), mt_theme_fold(s->bg, COLORS));
            role_attr[i] |= COLOR_PAIR(i + 1);
        } else if (!colour && i == MT_ROLE_SELECTION && !(s->attrs & MT_ATTR_REVERSE)) {
            role_attr[i] |= A_REVERSE;   /* the cursor must show without colour */
        }
    }
}

/* Put text in at most cols columns; returns the columns used. Every
 * string on screen passes here: it is shown escaped (safetext.h), so no
 * control character from a peer ever reaches the terminal. */
static int put(const char *s, int cols, attr_t attr)
{
    char *escaped = mt_safe_clean(s, strlen(s)) ? NULL : mt_safe_text(s);
    const char *t = escaped ? escaped : s;
    size_t w;
    size_t n = mt_text_fit(t, strlen(t), cols > 0 ? (size_t)cols : 0, &w);
    attrset(attr);
    addnstr(t, (int)n);
    free(escaped);
    return (int)w;
}

void mt_draw_row(int y, const struct mt_row *r, int width, bool selected)
{
    move(y, 0);
    int x = 0;
    attr_t sel = role_attr[MT_ROLE_SELECTION];
    for (size_t k = 0; r && k < r->nsegs && x < width; k++)
        x += put(r->segs[k].text, width - x, selected ? sel : role_attr[r->segs[k].role]);
    /* the rest of the line keeps the row's look (status bars, selection) */
    attr_t fill = selected ? sel : r && r->nsegs ? role_attr[r->segs[r->nsegs - 1].role] : A_NORMAL;
    if (!selected && r && r->nsegs && r->segs[r->nsegs - 1].role != MT_ROLE_STATUS &&
        r->segs[r->nsegs - 1].role != MT_ROLE_TITLE && r->segs[r->nsegs - 1].role != MT_ROLE_TAB &&
        r->segs[r->nsegs - 1].role != MT_ROLE_TAB_ACTIVE)
        fill = A_NORMAL;
    attrset(fill);
    for (; x < width; x++) addch(' ');
    attrset(A_NORMAL);
}

void mt_draw_progress(int y, const struct mt_row *r, int width, size_t done, size_t total)
{
    if (!total || width < 30) {
        mt_draw_row(y, r, width, false);
        return;
    }
    move(y, 0);
    int bar = 20, fill = (int)(done * (size_t)bar / total);
    attrset(role_attr[MT_ROLE_CHANGED]);
    addch('[');
    for (int i = 0; i < bar; i++) addch(i < fill ? '#' : ' ');
    addstr("] ");
    int x = bar + 3;
    for (size_t k = 0; r && k < r->nsegs && x < width; k++) x += put(r->segs[k].text, width - x, role_attr[r->segs[k].role]);
    attrset(A_NORMAL);
    for (; x < width; x++) addch(' ');
}
