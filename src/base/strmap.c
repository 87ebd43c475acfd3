/* strmap.c: linear-probing hash map; see strmap.h. */
#include "memtui/base/strmap.h"

#include <stdlib.h>
#include <string.h>

#include "memtui/base/util.h"

void mt_strmap_init(struct mt_strmap *m)
{
    m->slots = NULL;
    m->cap = m->count = 0;
}

void mt_strmap_free(struct mt_strmap *m)
{
    free(m->slots);
    mt_strmap_init(m);
}

static struct mt_strmap_slot *find(const struct mt_strmap *m, uint64_t h, const char *key,
                                   size_t len)
{
    size_t mask = m->cap - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        struct mt_strmap_slot *s = &m->slots[i];
        if (!s->key) return s;
        /* len 0: key may be NULL, which memcmp must never see */
        if (s->hash == h && s->len == len && (len == 0 || memcmp(s->key, key, len) == 0)) return s;
    }
}

static void grow(struct mt_strmap *m)
{
    struct mt_strmap old = *m;
    m->cap = old.cap ? old.cap * 2 : 16;
    m->slots = xcalloc(m->cap, sizeof(*m->slots));
    for (size_t i = 0; i < old.cap; i++) {
        if (!old.slots[i].key) continue;
        *find(m, old.slots[i].hash, old.slots[i].key, old.slots[i].len) = old.slots[i];
    }
    free(old.slots);
}

bool mt_strmap_put_h(struct mt_strmap *m, uint64_t h, const char *key, size_t len, size_t v,
                     size_t *value)
{
    if ((m->count + 1) * 4 >= m->cap * 3) grow(m);
    struct mt_strmap_slot *s = find(m, h, key, len);
    if (s->key) {
        if (value) *value = s->value;
        return false;
    }
    s->hash = h;
    s->key = key ? key : "";
    s->len = len;
    s->value = v;
    m->count++;
    if (value) *value = v;
    return true;
}

bool mt_strmap_put(struct mt_strmap *m, const char *key, size_t len, size_t v, size_t *value)
{
    return mt_strmap_put_h(m, mt_hash(key, len), key, len, v, value);
}

bool mt_strmap_get_h(const struct mt_strmap *m, uint64_t h, const char *key, size_t len,
                     size_t *value)
{
    if (!m->cap) return false;
    struct mt_strmap_slot *s = find(m, h, key, len);
    if (!s->key) return false;
    if (value) *value = s->value;
    return true;
}

bool mt_strmap_get(const struct mt_strmap *m, const char *key, size_t len, size_t *value)
{
    return mt_strmap_get_h(m, mt_hash(key, len), key, len, value);
}

bool mt_strmap_set(struct mt_strmap *m, const char *key, size_t len, size_t v)
{
    if (!m->cap) return false;
    struct mt_strmap_slot *s = find(m, mt_hash(key, len), key, len);
    if (!s->key) return false;
    s->value = v;
    return true;
}
