/* utf8.h: strict UTF-8 validation.
 *
 * Promises: accepts exactly the well-formed UTF-8 of RFC 3629 (no overlong
 * forms, no surrogates, nothing above U+10FFFF); on failure tells the byte
 * offset of the first bad sequence so errors can name the column. */
#ifndef MEMTUI_UTF8_H
#define MEMTUI_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool utf8_valid(const char *s, size_t n, size_t *bad_offset);
/* Number of terminal columns the UTF-8 text takes (wcwidth rules, ASCII
 * fast path); invalid bytes count as one column each. */
size_t utf8_width(const char *s, size_t n);
/* Decode the well-formed character at s (n > 0 bytes left) into *cp;
 * returns its length in bytes, or 0 when the bytes at s start none. */
size_t utf8_decode(const char *s, size_t n, uint32_t *cp);
/* Columns a code point takes (wcwidth rules; controls take 0). */
size_t utf8_cp_width(uint32_t cp);

#endif
