/* jsonw.h: JSON text exactly as JavaScript's JSON.stringify writes it.
 *
 * Promises: strings are escaped like JSON.stringify (", \\, \b \f \n \r \t
 * as short escapes, other bytes below 0x20 as \u00xx in lowercase hex,
 * everything else, UTF-8 and U+2028 included, copied as is, never "\/");
 * values are compact (no spaces), objects keep their key order (except
 * that, as in JS, array-index keys like "2" come first in ascending order),
 * json-c numbers are printed as JS prints the double they denote (1.0 -> 1,
 * 1e21 -> 1e+21, integers beyond 2^53 rounded, NaN/Infinity -> null), not
 * as the text json-c kept; values given as text (jsonw_text) keep each
 * number's text as written instead (DESIGN 1.1). The output of memtui is
 * therefore byte-identical to what the MCP server would write.
 *
 * A lone surrogate, which UTF-8 cannot hold, is kept in memtui's strings
 * as the 3-byte form of its code point (ED A0-BF 80-BF, see jsontext.h);
 * the string writers turn it back into the escape JSON.stringify writes,
 * \u and four lowercase hex digits ("\ud83d"). */
#ifndef MEMTUI_JSONW_H
#define MEMTUI_JSONW_H

#include <json-c/json.h>
#include <stddef.h>

#include "memtui/base/util.h"

/* Append s (n bytes, valid UTF-8 but for lone surrogates as above) as a
 * quoted JSON string. */
void jsonw_string(struct mt_buf *b, const char *s, size_t n);
/* Append the escaped body only (no quotes). */
void jsonw_string_body(struct mt_buf *b, const char *s, size_t n);
/* Append any json-c value compactly, as JSON.stringify would. NULL is null. */
void jsonw_value(struct mt_buf *b, struct json_object *v);
/* Append the JSON value whose text is s (n bytes: valid UTF-8 that
 * json_check_flags accepts with JSON_CHECK_ALLOW_NUL and
 * JSON_CHECK_ALLOW_LONE_SURROGATES) as JSON.stringify(JSON.parse(s)) would
 * write it: compact, strings escaped as above, object keys in JS order and
 * a repeated key's last value at its first place; except that numbers keep
 * their exact text, however large or precise. */
void jsonw_text(struct mt_buf *b, const char *s, size_t n);
/* A json-c string for text from the graph (a name, an end, a type) in
 * memtui's own JSON documents (manifest, reports): written as jsonw_string
 * writes it, so a lone surrogate comes out as its escape and never as
 * bytes that are not UTF-8. */
struct json_object *jsonw_graph_string(const char *s);
/* Append a number as JS's Number::toString writes it (shortest round-trip
 * digits; -0 -> 0; NaN and infinities -> null, as JSON.stringify does). */
void jsonw_double(struct mt_buf *b, double d);

#endif
