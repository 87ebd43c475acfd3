/* item_fast.h: the fast path of mt_item_parse. Promises: returns true and
 * fills out only for a line in the exact canonical shape, with the same
 * result the general reader gives; false (out untouched but kind) otherwise
 * (lone surrogate escapes, for one, are left to the general reader). The
 * caller has already checked the line is valid UTF-8. */
#ifndef MEMTUI_ITEM_FAST_H
#define MEMTUI_ITEM_FAST_H

#include <stdbool.h>
#include <stddef.h>

struct mt_item;
bool mt_item_parse_canonical(const char *line, size_t len, struct mt_item *out);

#endif
