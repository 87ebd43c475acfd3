/* ui/text.h: fitting UTF-8 text into terminal columns (curses-free).
 *
 * Promises: text is cut by display width (utf8_width), only between whole
 * characters, never in the middle of a UTF-8 sequence; a wide character
 * (東, 🙂) that does not fit is left out whole and replaced by padding.
 * Widths are those of the shown form (safetext.h: a control character or
 * a bad byte takes the columns of its escape), and the text given back is
 * the shown form: nothing from a peer reaches the terminal raw. */
#ifndef MEMTUI_UI_TEXT_H
#define MEMTUI_UI_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "memtui/base/util.h"

/* Columns s takes once shown (NULL: 0). */
size_t mt_text_width(const char *s);
/* How many bytes of s (len bytes) fit in cols columns; *width gets their
 * width (optional). */
size_t mt_text_fit(const char *s, size_t len, size_t cols, size_t *width);
/* Append s, shown, to out in exactly cols columns: cut with a '~' when too long,
 * padded with spaces when short. */
void mt_text_pad(struct mt_buf *out, const char *s, size_t cols);
/* s shown and cut to at most cols columns ('~' marks the cut). */
char *mt_text_trunc(const char *s, size_t cols);

/* Smart case, as in vim and less: a needle with no capital letter matches
 * any case (ASCII letters); one with a capital matches exactly. */
bool mt_text_match(const char *hay, const char *needle);
/* one when n is 1, else many: "1 conflict", "2 conflicts". */
const char *mt_plural(size_t n, const char *one, const char *many);
/* "2 entities, 1 relation, 3 observations" into buf. */
const char *mt_counts_text(char *buf, size_t size, size_t entities, size_t relations, size_t observations);

#endif
