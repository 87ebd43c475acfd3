/* safetext.h: untrusted text made safe to show to a person.
 *
 * Names, types, observations, relation fields, env names, lease and lock
 * holders, commit messages and the errors that quote them come from peers:
 * a terminal must never receive their control characters raw (ESC ] 0;...
 * BEL retitles it, ESC [ 2J clears it, a newline forges a line).
 *
 * Promises: the shown form of a string escapes every C0 control (TAB, LF
 * and CR included), ESC and DEL as \xNN, every C1 control (U+0080..U+009F)
 * as \u00NN, and every byte that is not part of well-formed UTF-8 as \xNN
 * (lower-case hex); everything else, printable UTF-8 of any width,
 * is kept byte for byte. A backslash is kept as it is, so showing text
 * twice changes nothing. Widths are terminal columns of the shown form.
 * The printing helpers show every %s and %c argument this way and copy the
 * format itself (trusted, with its newlines) as it is. */
#ifndef MEMTUI_SAFETEXT_H
#define MEMTUI_SAFETEXT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "memtui/base/util.h"

/* Bytes of the character (or lone bad byte) at s, n > 0 bytes left;
 * *cols (optional) gets the columns its shown form takes. */
size_t mt_safe_next(const char *s, size_t n, size_t *cols);
/* Columns the shown form of s (n bytes) takes. */
size_t mt_safe_width(const char *s, size_t n);
/* True when the shown form of s (n bytes) is s itself. */
bool mt_safe_clean(const char *s, size_t n);
/* Append the shown form of s (n bytes) to out. */
void mt_safe_add(struct mt_buf *out, const char *s, size_t n);
/* The shown form of s (NULL: ""); caller frees. */
char *mt_safe_text(const char *s);

/* printf-like, every %s and %c argument shown safe (%-20s pads by
 * columns); caller frees. Conversions: d i u o x X c s p e f g a and %%. */
char *mt_safe_vformat(const char *fmt, va_list ap);
char *mt_safe_format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void mt_safe_printf(FILE *to, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mt_safe_vprintf(FILE *to, const char *fmt, va_list ap);

/* Append JSON text (as json-c writes it: C0 already escaped) with DEL and
 * the C1 controls written as \u escapes too: the same strings once parsed,
 * and no raw control byte for a terminal or a log viewer. A byte that
 * starts no well-formed UTF-8 character becomes \ufffd, so the result is
 * valid JSON whatever bytes a peer put in a string. */
void mt_safe_json_add(struct mt_buf *out, const char *json);

#endif
