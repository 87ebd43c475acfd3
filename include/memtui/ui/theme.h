/* ui/theme.h: colour themes by role (curses-free).
 *
 * A theme file has one line per role, '#' comments:
 *     role = FG BG [bold] [reverse] [underline] [dim]
 * colours: default, black, red, green, yellow, blue, magenta, cyan, white,
 * bright-<colour> (8-15) or a number 0-255. Roles not named keep the
 * built-in default. A line "background = light" (or dark, the default)
 * says which terminal background the theme is made for: its "default"
 * colours rely on it. display.c turns styles into curses pairs, folding
 * colours above 7 on 8-colour terminals and keeping only attributes on
 * monochrome ones or under NO_COLOR. */
#ifndef MEMTUI_UI_THEME_H
#define MEMTUI_UI_THEME_H

#include <stdbool.h>

#include "memtui/base/util.h"

#define MT_UI_ROLES(R)     \
    R(DEFAULT, "default")  \
    R(TITLE, "title")      \
    R(TAB, "tab")          \
    R(TAB_ACTIVE, "tab_active") \
    R(STATUS, "status")    \
    R(SELECTION, "selection") \
    R(HEADER, "header")    \
    R(OURS, "ours")        \
    R(THEIRS, "theirs")    \
    R(BASE, "base")        \
    R(RESULT, "result")    \
    R(ADDED, "added")      \
    R(REMOVED, "removed")  \
    R(CHANGED, "changed")  \
    R(CONFLICT, "conflict") \
    R(LOCK_HELD, "lock_held") \
    R(LOCK_STALE, "lock_stale") \
    R(LOCK_FREE, "lock_free") \
    R(DANGER, "danger")    \
    R(OK, "ok")            \
    R(DIM, "dim")          \
    R(SEARCH, "search")    \
    R(DROPPED, "dropped")  \
    R(SIDE1, "side1")      \
    R(SIDE2, "side2")      \
    R(SIDE3, "side3")      \
    R(SIDE4, "side4")      \
    R(SIDE5, "side5")      \
    R(SIDE6, "side6")

/* The conflict view's sides each get their own role (dropped: what a side
 * removed), cycling after six; no two of the six share a colour. */
#define MT_SIDE_ROLES 6

enum mt_role {
#define MT_UI_ROLE_ENUM(name, text) MT_ROLE_##name,
    MT_UI_ROLES(MT_UI_ROLE_ENUM)
#undef MT_UI_ROLE_ENUM
    MT_ROLE_COUNT
};

enum { MT_ATTR_BOLD = 1, MT_ATTR_REVERSE = 2, MT_ATTR_UNDERLINE = 4, MT_ATTR_DIM = 8 };

struct mt_style {
    short fg, bg;          /* -1: the terminal's default; 0-255 */
    unsigned attrs;        /* MT_ATTR_* */
};

struct mt_theme {
    char *name;
    bool light;            /* made for a light background (dark text) */
    struct mt_style role[MT_ROLE_COUNT];
};

const char *mt_role_name(enum mt_role r);
/* The built-in default (used when no file is found, and under every file). */
void mt_theme_builtin(struct mt_theme *t);
/* Parse theme text over what t holds; err names file:line on a bad line. */
int mt_theme_parse(struct mt_theme *t, const char *text, const char *file, struct mt_error *err);
/* Load NAME: $MEMTUI_THEMES/NAME.theme, then the themes/ folder of the
 * source tree (compiled in), then the built-in default for "default". An
 * unknown name is an error. */
int mt_theme_load(struct mt_theme *t, const char *name, struct mt_error *err);
void mt_theme_free(struct mt_theme *t);

/* A 16- or 256-colour number folded onto the 8 basic colours by hue (red
 * 1, green 2, blue 4 as bits): a cube colour keeps the components at least
 * half as strong as its strongest (124 dark red: red, 28 dark green:
 * green), greys become black or white. */
short mt_theme_fold8(short c);
/* c as a terminal of that many colours shows it: the default (-1) and
 * what it has stay, the rest folded onto the first 8. */
short mt_theme_fold(short c, int colours);

#endif
