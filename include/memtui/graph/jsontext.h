/* jsontext.h: reading JSON straight from its text, without a tree, so that
 * nothing the MCP server wrote is lost on the way (DESIGN 1.1).
 *
 * Promises:
 * - The text must have passed json_check_flags with JSON_CHECK_ALLOW_NUL
 *   and JSON_CHECK_ALLOW_LONE_SURROGATES (so it is well formed and these
 *   functions need not check it again); offsets are byte offsets into it,
 *   and nothing reads past its n bytes.
 * - Strings decode to UTF-8, with one extension: a lone surrogate escape
 *   (\uD800-\uDFFF without its pair) becomes the 3-byte form of its code
 *   point, ED A0-BF 80-BF, which jsonw writes back as the same escape in
 *   lowercase, as JSON.stringify does. A pair of escapes becomes its
 *   character. \u0000 becomes a NUL byte: decoded lengths count it.
 * - Objects are read as JavaScript does: a repeated key keeps its first
 *   place and takes its last value.
 * - Numbers are never converted: callers copy their text (see jsonw_text). */
#ifndef MEMTUI_JSONTEXT_H
#define MEMTUI_JSONTEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "memtui/base/util.h"

/* Offset of the first byte at or after i that is not JSON white space. */
size_t jsontext_ws(const char *s, size_t n, size_t i);
/* Offset just after the value that starts at i. */
size_t jsontext_skip(const char *s, size_t n, size_t i);
/* Append the decoded string that starts at i (its opening quote) to out;
 * returns the offset just after its closing quote. */
size_t jsontext_string(const char *s, size_t n, size_t i, struct mt_buf *out);
/* True if the string at i holds no escape (its bytes are its value). */
bool jsontext_plain_string(const char *s, size_t n, size_t i);

struct jsontext_member {
    size_t key, key_len;     /* decoded key: at keys.data + key */
    size_t val, val_end;     /* the value's bytes in the text */
};

struct jsontext_object {
    struct jsontext_member *m;
    size_t n, cap;
    struct mt_buf keys;      /* the decoded keys, one after the other */
};

/* The members of the object that starts at i (its '{'), in order, repeated
 * keys folded; returns the offset just after its '}'. o is (re)filled. */
size_t jsontext_object(const char *s, size_t n, size_t i, struct jsontext_object *o);
void jsontext_object_init(struct jsontext_object *o);
void jsontext_object_free(struct jsontext_object *o);
static inline const char *jsontext_key(const struct jsontext_object *o, size_t k)
{
    return o->keys.data + o->m[k].key;
}
/* Index of the member named key (NUL-terminated), or -1. */
long jsontext_find(const struct jsontext_object *o, const char *key);

#endif
