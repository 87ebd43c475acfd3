/* test_strmap.c: the open-addressing string map (strmap.h): insert or find,
 * lookups by bytes (embedded NULs, prefixes, the empty key), keys kept by
 * pointer, growth, and distinct keys that share a hash never merging. */
#include "testutil.h"

#include <stdint.h>

#include "memtui/base/strmap.h"
#include "memtui/base/util.h"

START_TEST(test_empty_map)
{
    struct mt_strmap m;
    mt_strmap_init(&m);
    size_t v = 77;
    ck_assert(!mt_strmap_get(&m, "a", 1, &v));
    ck_assert_uint_eq(v, 77);                       /* untouched on a miss */
    ck_assert(!mt_strmap_get(&m, "", 0, NULL));
    ck_assert(!mt_strmap_set(&m, "a", 1, 5));
    ck_assert_uint_eq(m.count, 0);
    mt_strmap_free(&m);
    ck_assert_ptr_null(m.slots);
    ck_assert_uint_eq(m.cap, 0);
    ck_assert_uint_eq(m.count, 0);
}
END_TEST

START_TEST(test_put_get_set)
{
    struct mt_strmap m;
    mt_strmap_init(&m);
    size_t v = 0;
    ck_assert(mt_strmap_put(&m, "alice", 5, 10, &v));
    ck_assert_uint_eq(v, 10);
    ck_assert(mt_strmap_put(&m, "bob", 3, 20, NULL));
    ck_assert_uint_eq(m.count, 2);

    /* Insert-or-find: an existing key keeps its value and reports it. */
    v = 0;
    ck_assert(!mt_strmap_put(&m, "alice", 5, 99, &v));
    ck_assert_uint_eq(v, 10);
    ck_assert(!mt_strmap_put(&m, "bob", 3, 99, NULL));
    ck_assert_uint_eq(m.count, 2);

    ck_assert(mt_strmap_get(&m, "alice", 5, &v));
    ck_assert_uint_eq(v, 10);
    ck_assert(mt_strmap_get(&m, "bob", 3, &v));
    ck_assert_uint_eq(v, 20);
    ck_assert(mt_strmap_get(&m, "bob", 3, NULL));
    ck_assert(!mt_strmap_get(&m, "carol", 5, &v));

    /* set overwrites only existing keys and never inserts. */
    ck_assert(mt_strmap_set(&m, "alice", 5, 11));
    ck_assert(mt_strmap_get(&m, "alice", 5, &v));
    ck_assert_uint_eq(v, 11);
    ck_assert(!mt_strmap_set(&m, "carol", 5, 1));
    ck_assert(!mt_strmap_get(&m, "carol", 5, NULL));
    ck_assert_uint_eq(m.count, 2);

    /* Lookups compare lengths: a key is not found through its prefix or a
     * longer string that starts with it. */
    ck_assert(!mt_strmap_get(&m, "alic", 4, NULL));
    ck_assert(!mt_strmap_get(&m, "alicex", 6, NULL));
    ck_assert(mt_strmap_get(&m, "alicex", 5, &v));  /* same 5 bytes */
    ck_assert_uint_eq(v, 11);
    mt_strmap_free(&m);
}
END_TEST

START_TEST(test_keys_not_copied)
{
    char k1[] = "shared-key";
    struct mt_strmap m;
    mt_strmap_init(&m);
    ck_assert(mt_strmap_put(&m, k1, strlen(k1), 3, NULL));
    const struct mt_strmap_slot *found = NULL;
    for (size_t i = 0; i < m.cap; i++)
        if (m.slots[i].key) found = &m.slots[i];
    ck_assert_ptr_nonnull(found);
    ck_assert_ptr_eq(found->key, k1);           /* the caller's bytes, not a copy */
    ck_assert_uint_eq(found->len, strlen(k1));
    ck_assert(found->hash == mt_hash(k1, strlen(k1)));
    /* Another buffer with the same bytes finds it. */
    char k2[] = "shared-key";
    size_t v = 0;
    ck_assert(mt_strmap_get(&m, k2, strlen(k2), &v));
    ck_assert_uint_eq(v, 3);
    mt_strmap_free(&m);
}
END_TEST

START_TEST(test_binary_keys)
{
    static const char a[] = {'a', 'b', '\0', 'c'};
    static const char b[] = {'a', 'b', '\0', 'd'};
    static const char c[] = {'a', 'b'};
    static const char d[] = {'a', 'b', '\0'};
    struct mt_strmap m;
    mt_strmap_init(&m);
    ck_assert(mt_strmap_put(&m, a, sizeof a, 1, NULL));
    ck_assert(mt_strmap_put(&m, b, sizeof b, 2, NULL));
    ck_assert(mt_strmap_put(&m, c, sizeof c, 3, NULL));
    ck_assert(mt_strmap_put(&m, d, sizeof d, 4, NULL));
    ck_assert(mt_strmap_put(&m, "", 0, 5, NULL));   /* the empty key is a key */
    ck_assert_uint_eq(m.count, 5);
    size_t v;
    ck_assert(mt_strmap_get(&m, a, sizeof a, &v));
    ck_assert_uint_eq(v, 1);
    ck_assert(mt_strmap_get(&m, b, sizeof b, &v));
    ck_assert_uint_eq(v, 2);
    ck_assert(mt_strmap_get(&m, c, sizeof c, &v));
    ck_assert_uint_eq(v, 3);
    ck_assert(mt_strmap_get(&m, d, sizeof d, &v));
    ck_assert_uint_eq(v, 4);
    ck_assert(mt_strmap_get(&m, "", 0, &v));
    ck_assert_uint_eq(v, 5);
    ck_assert(!mt_strmap_put(&m, "", 0, 9, &v));
    ck_assert_uint_eq(v, 5);
    mt_strmap_free(&m);
}
END_TEST

START_TEST(test_growth_many_keys)
{
    enum { N = 50000 };
    char **keys = xcalloc(N, sizeof(char *));
    struct mt_strmap m;
    mt_strmap_init(&m);
    for (size_t i = 0; i < N; i++) {
        keys[i] = xasprintf("key-%zu", i * 7919);
        size_t v = SIZE_MAX;
        ck_assert(mt_strmap_put(&m, keys[i], strlen(keys[i]), i, &v));
        ck_assert_uint_eq(v, i);
        ck_assert_uint_eq(m.count, i + 1);
        /* Capacity stays a power of two with free slots left (probing ends). */
        ck_assert_uint_eq(m.cap & (m.cap - 1), 0);
        ck_assert_uint_lt(m.count, m.cap);
        ck_assert_uint_le(m.count * 4, m.cap * 3);
    }
    /* Every key survives every growth with its own value. */
    for (size_t i = 0; i < N; i++) {
        size_t v = SIZE_MAX;
        ck_assert_msg(mt_strmap_get(&m, keys[i], strlen(keys[i]), &v), "lost %s", keys[i]);
        ck_assert_uint_eq(v, i);
    }
    /* Re-inserting changes nothing; set changes only the value. */
    for (size_t i = 0; i < N; i += 3) {
        size_t v;
        ck_assert(!mt_strmap_put(&m, keys[i], strlen(keys[i]), 0, &v));
        ck_assert_uint_eq(v, i);
        ck_assert(mt_strmap_set(&m, keys[i], strlen(keys[i]), i + N));
    }
    ck_assert_uint_eq(m.count, N);
    for (size_t i = 0; i < N; i++) {
        size_t v;
        ck_assert(mt_strmap_get(&m, keys[i], strlen(keys[i]), &v));
        ck_assert_uint_eq(v, i % 3 == 0 ? i + N : i);
    }
    /* Absent keys stay absent in a full-sized table. */
    for (size_t i = 0; i < 2000; i++) {
        char k[32];
        int n = snprintf(k, sizeof k, "key-%zu", i * 7919 + 1);
        ck_assert(!mt_strmap_get(&m, k, (size_t)n, NULL));
    }
    mt_strmap_free(&m);
    for (size_t i = 0; i < N; i++) free(keys[i]);
    free(keys);
}
END_TEST

/* Distinct keys given the same hash (put_h/get_h) stay distinct: the bytes
 * are compared on every hash match. */
START_TEST(test_same_hash_distinct_keys)
{
    static const char *keys[] = {"x", "y", "zz", "", "x\n", "yy", "a longer key with spaces"};
    enum { K = sizeof keys / sizeof keys[0] };
    struct mt_strmap m;
    mt_strmap_init(&m);
    const uint64_t h = 0x1234;
    for (size_t i = 0; i < K; i++) ck_assert(mt_strmap_put_h(&m, h, keys[i], strlen(keys[i]), 100 + i, NULL));
    ck_assert_uint_eq(m.count, K);
    for (size_t i = 0; i < K; i++) {
        size_t v = 0;
        ck_assert(mt_strmap_get_h(&m, h, keys[i], strlen(keys[i]), &v));
        ck_assert_uint_eq(v, 100 + i);
        size_t old;
        ck_assert(!mt_strmap_put_h(&m, h, keys[i], strlen(keys[i]), 0, &old));
        ck_assert_uint_eq(old, 100 + i);
    }
    ck_assert(!mt_strmap_get_h(&m, h, "w", 1, NULL));
    /* Many colliding keys force long probe runs across growth. */
    enum { C = 3000 };
    char **more = xcalloc(C, sizeof(char *));
    for (size_t i = 0; i < C; i++) {
        more[i] = xasprintf("c%zu", i);
        ck_assert(mt_strmap_put_h(&m, (uint64_t)(i % 5), more[i], strlen(more[i]), i, NULL));
    }
    for (size_t i = 0; i < C; i++) {
        size_t v;
        ck_assert(mt_strmap_get_h(&m, (uint64_t)(i % 5), more[i], strlen(more[i]), &v));
        ck_assert_uint_eq(v, i);
        /* The same bytes under another hash are another lookup and miss. */
        ck_assert(!mt_strmap_get_h(&m, (uint64_t)(i % 5) + 5, more[i], strlen(more[i]), NULL));
    }
    for (size_t i = 0; i < K; i++) ck_assert(mt_strmap_get_h(&m, h, keys[i], strlen(keys[i]), NULL));
    ck_assert_uint_eq(m.count, K + C);
    mt_strmap_free(&m);
    for (size_t i = 0; i < C; i++) free(more[i]);
    free(more);
}
END_TEST

/* put/get (hashing themselves) and put_h/get_h with mt_hash agree. */
START_TEST(test_hashed_and_plain_agree)
{
    struct mt_strmap m;
    mt_strmap_init(&m);
    const char *k = "Ada Lovelace";
    ck_assert(mt_strmap_put_h(&m, mt_hash(k, strlen(k)), k, strlen(k), 42, NULL));
    size_t v = 0;
    ck_assert(mt_strmap_get(&m, k, strlen(k), &v));
    ck_assert_uint_eq(v, 42);
    ck_assert(!mt_strmap_put(&m, k, strlen(k), 1, &v));
    ck_assert_uint_eq(v, 42);
    ck_assert(mt_strmap_put(&m, "Grace", 5, 7, NULL));
    ck_assert(mt_strmap_get_h(&m, mt_hash("Grace", 5), "Grace", 5, &v));
    ck_assert_uint_eq(v, 7);
    mt_strmap_free(&m);
}
END_TEST

START_TEST(test_reuse_after_free)
{
    struct mt_strmap m;
    mt_strmap_init(&m);
    for (int round = 0; round < 3; round++) {
        ck_assert(mt_strmap_put(&m, "k", 1, (size_t)round, NULL));
        size_t v;
        ck_assert(mt_strmap_get(&m, "k", 1, &v));
        ck_assert_uint_eq(v, (size_t)round);
        mt_strmap_free(&m);
        ck_assert(!mt_strmap_get(&m, "k", 1, NULL));
    }
}
END_TEST

/* mt_strmap_put_h stores a NULL key as "" (`key ? key : ""`), so a NULL key
 * with length 0 looks supported; but the next lookup or insert of a NULL key
 * hands NULL to memcmp (strmap.c find), which UBSan reports as undefined
 * behaviour ("null pointer passed as argument 2"). */
START_TEST(test_null_key_twice)
{
    struct mt_strmap m;
    mt_strmap_init(&m);
    size_t v = 0;
    ck_assert(mt_strmap_put(&m, NULL, 0, 1, &v));
    ck_assert(!mt_strmap_put(&m, NULL, 0, 2, &v));
    ck_assert_uint_eq(v, 1);
    ck_assert(mt_strmap_get(&m, NULL, 0, &v));
    ck_assert(mt_strmap_get(&m, "", 0, &v));
    ck_assert_uint_eq(v, 1);
    mt_strmap_free(&m);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("strmap");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_empty_map);
    tcase_add_test(tc, test_put_get_set);
    tcase_add_test(tc, test_keys_not_copied);
    tcase_add_test(tc, test_binary_keys);
    tcase_add_test(tc, test_growth_many_keys);
    tcase_add_test(tc, test_same_hash_distinct_keys);
    tcase_add_test(tc, test_hashed_and_plain_agree);
    tcase_add_test(tc, test_reuse_after_free);
    tcase_add_test(tc, test_null_key_twice);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(make_suite)
