/* json_check.h: a strict RFC 8259 validator for one JSON text.
 *
 * Promises: accepts exactly what JavaScript's JSON.parse accepts (one value,
 * optionally surrounded by space, tab, CR and LF; no NaN, Infinity, leading
 * zeros, '+', bare '.', comments, single quotes, trailing commas, \x escapes
 * or raw control characters in strings), except for two things that plain
 * C strings cannot hold and so are refused unless the caller says it keeps
 * them: lone UTF-16 surrogate escapes (a \uD800-\uDBFF not followed by a
 * \uDC00-\uDFFF escape, or a lone \uDC00-\uDFFF; JSON_CHECK_ALLOW_LONE_SURROGATES),
 * and the escape \u0000 (JSON_CHECK_ALLOW_NUL). Nesting deeper than
 * JSON_CHECK_MAX_DEPTH arrays and objects is refused too.
 *
 * It does not check UTF-8 (bytes >= 0x80 are taken as they are): callers
 * run utf8_valid first. It allocates nothing, does not recurse, and reads
 * exactly n bytes (s need not be NUL-terminated).
 *
 * On failure, *err_offset is the byte offset of the first problem (the
 * offset JSON.parse reports for it where it reports one; n when the text ends
 * too early; the backslash of the escape for a lone surrogate or \u0000) and
 * *err_msg a short static English message. Either pointer may be NULL. */
#ifndef MEMTUI_JSON_CHECK_H
#define MEMTUI_JSON_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#define JSON_CHECK_MAX_DEPTH 512

/* Accept \u0000 (for callers that keep such strings exactly, as byte
 * strings with a length). */
#define JSON_CHECK_ALLOW_NUL 1u
/* Accept lone surrogate escapes (for callers that keep them exactly, as
 * jsontext.h does). An escape that is not 4 hex digits is still refused. */
#define JSON_CHECK_ALLOW_LONE_SURROGATES 2u

bool json_check(const char *s, size_t n, size_t *err_offset, const char **err_msg);
bool json_check_flags(const char *s, size_t n, unsigned flags, size_t *err_offset,
                      const char **err_msg);

#endif
