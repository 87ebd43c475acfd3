/* ui_text.h: fitting UTF-8 text into terminal columns (curses-free).
 *
 * Promises: text is cut by display width (utf8_width), only between whole
 * characters, never in the middle of a UTF-8 sequence; a wide character
 * (東, 🙂) that does not fit is left out whole and replaced by padding. */
#ifndef MEMTUI_UI_TEXT_H
#define MEMTUI_UI_TEXT_H

#include <stddef.h>

#include "memtui/util.h"

/* How many bytes of s (len bytes) fit in cols columns; *width gets their
 * width (optional). */
size_t mt_text_fit(const char *s, size_t len, size_t cols, size_t *width);
/* Append s to out in exactly cols columns: cut with a '~' when too long,
 * padded with spaces when short. */
void mt_text_pad(struct mt_buf *out, const char *s, size_t cols);
/* A copy of s cut to at most cols columns ('~' marks the cut). */
char *mt_text_trunc(const char *s, size_t cols);

#endif
