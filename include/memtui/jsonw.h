/* jsonw.h: JSON text exactly as JavaScript's JSON.stringify writes it.
 *
 * Promises: strings are escaped like JSON.stringify (", \\, \b \f \n \r \t
 * as short escapes, other bytes below 0x20 as \u00xx in lowercase hex,
 * everything else, UTF-8 and U+2028 included, copied as is, never "\/");
 * values are compact (no spaces), objects keep their key order (except
 * that, as in JS, array-index keys like "2" come first in ascending order),
 * numbers are printed as JS prints the double they denote (1.0 -> 1,
 * 1e21 -> 1e+21, integers beyond 2^53 rounded, NaN/Infinity -> null), not
 * as the text json-c kept. The output of memtui is therefore byte-identical
 * to what the MCP server would write. */
#ifndef MEMTUI_JSONW_H
#define MEMTUI_JSONW_H

#include <json-c/json.h>
#include <stddef.h>

#include "memtui/util.h"

/* Append s (n bytes, valid UTF-8) as a quoted JSON string. */
void jsonw_string(struct mt_buf *b, const char *s, size_t n);
/* Append the escaped body only (no quotes). */
void jsonw_string_body(struct mt_buf *b, const char *s, size_t n);
/* Append any json-c value compactly, as JSON.stringify would. NULL is null. */
void jsonw_value(struct mt_buf *b, struct json_object *v);
/* Append a number as JS's Number::toString writes it (shortest round-trip
 * digits; -0 -> 0; NaN and infinities -> null, as JSON.stringify does). */
void jsonw_double(struct mt_buf *b, double d);

#endif
