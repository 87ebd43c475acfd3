/* line_canon.h: is a line exactly what memtui would write for it?
 *
 * Promises: mt_line_canonical returns true only for a line that
 * mt_item_parse reads without error as an entity or a relation and that
 * mt_entity_write / mt_relation_write would write back byte for byte: the
 * server's field order, no extra fields, strings escaped as JSON.stringify
 * escapes them, valid UTF-8, no NUL, no lone surrogate, observations
 * distinct. A merge may then keep such a line's bytes instead of parsing
 * and rewriting it, and get the same result. False is always safe: the
 * caller parses. For an entity, *observations gets their number. */
#ifndef MEMTUI_LINE_CANON_H
#define MEMTUI_LINE_CANON_H

#include <stdbool.h>
#include <stddef.h>

#include "memtui/graph/fragment.h"

bool mt_line_canonical(const char *line, size_t len, enum mt_line_kind kind, size_t *observations);

#endif
