/* strmap.h: open-addressing hash map from byte strings to size_t.
 *
 * Promises: keys are NOT copied (the caller keeps them alive as long as the
 * map); lookups compare the stored 64-bit hash first and the bytes only on a
 * hash match, so equal keys are always found and distinct keys never merge. */
#ifndef MEMTUI_STRMAP_H
#define MEMTUI_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mt_strmap_slot {
    uint64_t hash;
    const char *key;     /* NULL: empty slot */
    size_t len;
    size_t value;
};

struct mt_strmap {
    struct mt_strmap_slot *slots;
    size_t cap;          /* power of two, or 0 */
    size_t count;
};

void mt_strmap_init(struct mt_strmap *m);
void mt_strmap_free(struct mt_strmap *m);
/* Insert or find. Returns true if the key was new; *value then is set to v,
 * else *value holds the existing value. `value` may be NULL. */
bool mt_strmap_put(struct mt_strmap *m, const char *key, size_t len, size_t v, size_t *value);
/* Same with a hash the caller already has (must be mt_hash(key, len)). */
bool mt_strmap_put_h(struct mt_strmap *m, uint64_t h, const char *key, size_t len, size_t v,
                     size_t *value);
bool mt_strmap_get(const struct mt_strmap *m, const char *key, size_t len, size_t *value);
bool mt_strmap_get_h(const struct mt_strmap *m, uint64_t h, const char *key, size_t len,
                     size_t *value);
/* Start loading the slot where a key hashing to h would be probed first:
 * lookups or inserts issued a few keys ahead of their use overlap their
 * memory waits (a large table misses the cache on almost every key). */
static inline void mt_strmap_prefetch(const struct mt_strmap *m, uint64_t h)
{
    if (m->cap) __builtin_prefetch(&m->slots[(size_t)h & (m->cap - 1)], 1);
}
/* Overwrite the value of an existing key; false if absent. */
bool mt_strmap_set(struct mt_strmap *m, const char *key, size_t len, size_t v);

#endif
