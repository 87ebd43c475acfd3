/* ui/conflict_body.h: what the conflict view shows of one conflict
 * (curses-free).
 *
 * Promises: every observation is there in full, wrapped by display width
 * (CJK and emoji take two columns, a line breaks after a space when it
 * can, never inside a character); each side is marked against what it
 * started from (the env's last merged version, else memory.json): "+ " it
 * added, "- " it removed (role dropped), "~ type: X (was Y)" it retyped,
 * "* " unchanged; the result column is exactly what would be written.
 * Sides sit side by side, each in its own colour role, unless a column
 * would be narrower than MT_CONFLICT_MIN_COLUMN: then they are stacked,
 * full width. The relations touching the entity follow, those a deletion
 * of it would drop marked so. */
#ifndef MEMTUI_UI_CONFLICT_BODY_H
#define MEMTUI_UI_CONFLICT_BODY_H

#include <stddef.h>

#include "memtui/merge/plan.h"
#include "memtui/ui/app.h"

#define MT_CONFLICT_MIN_COLUMN 24

struct mt_conflict_body {
    size_t selected;                  /* a side, or c->nsides: the result */
    const struct mt_entity *result;   /* what would be written (NULL: deleted) */
    const char *result_title;         /* "result (preserve rule)" ... */
    size_t selected_line;             /* out: the row of the selected column's header
                                         when stacked, else SIZE_MAX */
};

/* The side's own role: side1 .. side6, cycling after six. */
enum mt_role mt_conflict_side_role(size_t side);
/* Append c's body at width columns to out (b->selected_line set). */
void mt_conflict_body_rows(struct mt_app *a, const struct mt_conflict *c, struct mt_conflict_body *b, size_t width,
                           struct mt_rows *out);
/* The column (a side, or c->nsides: the result) that body line `line`
 * shows at column x, laid out at width as mt_conflict_body_rows does;
 * SIZE_MAX for none (between columns, below them, the relations). */
size_t mt_conflict_body_column_at(struct mt_app *a, const struct mt_conflict *c, const struct mt_conflict_body *b,
                                  size_t width, size_t line, size_t x);
/* Append text wrapped in width columns, as one row per line: prefix on
 * the first, blanks of its width on the next ones. */
void mt_rows_wrapped(struct mt_rows *out, enum mt_role role, const char *prefix, const char *text, size_t width);

#endif
