/* utf8.h: strict UTF-8 validation.
 *
 * Promises: accepts exactly the well-formed UTF-8 of RFC 3629 (no overlong
 * forms, no surrogates, nothing above U+10FFFF); on failure tells the byte
 * offset of the first bad sequence so errors can name the column. */
#ifndef MEMTUI_UTF8_H
#define MEMTUI_UTF8_H

#include <stdbool.h>
#include <stddef.h>

bool utf8_valid(const char *s, size_t n, size_t *bad_offset);
/* Number of terminal columns the UTF-8 text takes (wcwidth rules, ASCII
 * fast path); invalid bytes count as one column each. */
size_t utf8_width(const char *s, size_t n);

#endif
