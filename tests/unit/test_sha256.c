/* test_sha256.c: FIPS 180-2 vectors; streaming equals one-shot. */
#include "memtui/base/sha256.h"
#include "testutil.h"

static void check_hex(const char *s, size_t n, const char *want)
{
    char hex[MT_SHA256_HEX];
    mt_sha256_hex(s, n, hex);
    ck_assert_str_eq(hex, want);
}

START_TEST(known_vectors)
{
    check_hex("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    check_hex("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    check_hex(two, strlen(two), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* Bytes after a NUL count too. */
    check_hex("a\0b", 3, "59b271ae1bbcb1d31d41929817f4b16fb439eb4f31520b5ad1d5ce98920a7138");
}
END_TEST

START_TEST(million_a)
{
    size_t n = 1000000;
    char *a = malloc(n);
    memset(a, 'a', n);
    check_hex(a, n, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");

    /* The same bytes streamed in uneven pieces, empty ones included. */
    struct mt_sha256 *c = mt_sha256_new();
    size_t off = 0, step = 0;
    while (off < n) {
        size_t k = (step * 7919) % 4099;   /* 0 .. 4098 */
        if (k > n - off) k = n - off;
        mt_sha256_update(c, a + off, k);
        off += k;
        step++;
    }
    char hex[MT_SHA256_HEX];
    mt_sha256_final(c, hex);
    ck_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(a);
}
END_TEST

START_TEST(streaming_equals_one_shot)
{
    char data[1000];
    for (size_t i = 0; i < sizeof data; i++) data[i] = (char)(i * 31 + 7);
    for (size_t len = 0; len <= sizeof data; len += 37) {
        char one[MT_SHA256_HEX], two[MT_SHA256_HEX];
        mt_sha256_hex(data, len, one);
        ck_assert_uint_eq(strlen(one), 64);
        struct mt_sha256 *c = mt_sha256_new();
        for (size_t i = 0; i < len; i++) mt_sha256_update(c, data + i, 1);
        mt_sha256_update(c, NULL, 0);
        mt_sha256_final(c, two);
        ck_assert_str_eq(one, two);
    }
}
END_TEST

START_TEST(matches_sha256sum)
{
    /* Cross-check against coreutils on a file with every byte value. */
    char *dir = tu_tmpdir();
    char path[4200];
    snprintf(path, sizeof path, "%s/bytes", dir);
    char data[256 * 3];
    for (size_t i = 0; i < sizeof data; i++) data[i] = (char)i;
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, sizeof data, f), sizeof data);
    ck_assert_int_eq(fclose(f), 0);

    char cmd[4300], want[MT_SHA256_HEX] = "";
    snprintf(cmd, sizeof cmd, "sha256sum '%s'", path);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(fscanf(p, "%64s", want), 1);
    pclose(p);

    char got[MT_SHA256_HEX];
    mt_sha256_hex(data, sizeof data, got);
    ck_assert_str_eq(got, want);
    tu_sh("rm -rf '%s'", dir);
    free(dir);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("sha256");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, known_vectors);
    tcase_add_test(tc, million_a);
    tcase_add_test(tc, streaming_equals_one_shot);
    tcase_add_test(tc, matches_sha256sum);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(make_suite)
