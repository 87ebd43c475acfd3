/* test_digests.c: the blob id -> SHA-256 cache keeps what was put, drops
 * what is corrupt (and rewrites the file without it), and stays bounded. */
#include "memtui/base/digests.h"
#include "memtui/base/fsutil.h"
#include "testutil.h"

#define BLOB_A "0123456789abcdef0123456789abcdef01234567"
#define BLOB_B "fedcba9876543210fedcba9876543210fedcba98"

static char *file_in(const char *dir)
{
    char *p = malloc(4096);
    snprintf(p, 4096, "%s/digests", dir);
    return p;
}

static void load(struct mt_digests *d, const char *dir)
{
    mt_digests_load(d, dir, "digests");
}

static char *slurp(const char *path)
{
    char *data;
    size_t len;
    ck_assert_int_eq(mt_file_read(path, &data, &len, NULL, NULL), 0);
    return data;
}

static void spit(const char *path, const char *text)
{
    ck_assert_int_eq(mt_file_write_atomic(path, text, strlen(text), 0600, NULL), 0);
}

static void sha_of(const char *s, char out[MT_SHA256_HEX])
{
    mt_sha256_hex(s, strlen(s), out);
}

START_TEST(put_save_load)
{
    char *dir = tu_tmpdir(), *path = file_in(dir), a[MT_SHA256_HEX], b[MT_SHA256_HEX], got[MT_SHA256_HEX];
    sha_of("a", a);
    sha_of("b", b);
    struct mt_digests d;
    load(&d, dir);  /* no file yet: empty */
    ck_assert_uint_eq(d.n + d.dropped, 0);
    ck_assert(!mt_digests_get(&d, BLOB_A, 1, got));
    mt_digests_put(&d, BLOB_A, 1, a);
    mt_digests_put(&d, BLOB_B, 12345, b);
    mt_digests_put(&d, "not-a-blob-id", 1, a);  /* refused */
    ck_assert_int_eq(mt_digests_save(&d, NULL), 0);
    mt_digests_free(&d);

    load(&d, dir);
    ck_assert_uint_eq(d.n, 2);
    ck_assert_uint_eq(d.dropped, 0);
    ck_assert(mt_digests_get(&d, BLOB_A, 1, got));
    ck_assert_str_eq(got, a);
    ck_assert(mt_digests_get(&d, BLOB_B, 12345, got));
    ck_assert_str_eq(got, b);
    ck_assert(!mt_digests_get(&d, BLOB_B, 12346, got));  /* the size must match too */
    /* a hit is used as it is; a miss, or no table, is hashed */
    char sha[MT_SHA256_HEX];
    mt_digests_sha256(&d, BLOB_A, "z", 1, sha);
    ck_assert_str_eq(sha, a);
    mt_digests_sha256(&d, BLOB_A, "abcde", 5, sha);
    sha_of("abcde", got);
    ck_assert_str_eq(sha, got);
    mt_digests_sha256(NULL, BLOB_A, "abcde", 5, sha);
    ck_assert_str_eq(sha, got);
    mt_digests_free(&d);
    tu_sh("rm -rf '%s'", dir);
    free(path);
    free(dir);
}
END_TEST

/* Each way a record can be damaged: dropped, counted, never returned, and
 * the file rewritten without it; the good record stays. */
START_TEST(corrupt_records_dropped)
{
    char *dir = tu_tmpdir(), *path = file_in(dir), a[MT_SHA256_HEX], got[MT_SHA256_HEX];
    sha_of("a", a);
    struct mt_digests d;
    load(&d, dir);
    mt_digests_put(&d, BLOB_A, 1, a);
    mt_digests_put(&d, BLOB_B, 7, a);
    ck_assert_int_eq(mt_digests_save(&d, NULL), 0);
    mt_digests_free(&d);
    char *good = slurp(path);
    char *second = strchr(good, '\n') + 1;
    size_t len = strlen(second);
    ck_assert_uint_gt(len, 100);
    const char *damage[] = {
        "sha", "size", "check", "blob", "upper", "zero", "cut", "blank", "garbage", "long", "nul",
    };
    for (size_t k = 0; k < sizeof damage / sizeof *damage; k++) {
        char *bad = strdup(second);
        const char *how = damage[k];
        if (!strcmp(how, "sha")) bad[41 + 2] ^= 1;            /* a digit of the SHA-256: "7 " then 64 hex */
        else if (!strcmp(how, "size")) bad[41] = '8';          /* another size */
        else if (!strcmp(how, "check")) bad[len - 2] = bad[len - 2] == '0' ? '1' : '0';
        else if (!strcmp(how, "blob")) bad[3] = bad[3] == 'a' ? 'b' : 'a';
        else if (!strcmp(how, "upper")) for (char *p = bad; *p; p++) *p = (char)(*p >= 'a' && *p <= 'f' ? *p - 32 : *p);
        else if (!strcmp(how, "cut")) bad[len - 1] = '\0';     /* no newline: a write cut short */
        else if (!strcmp(how, "blank")) strcpy(bad, "\n");
        else if (!strcmp(how, "garbage")) strcpy(bad, "<<<<<<< HEAD\n");
        size_t n = strlen(bad);
        if (!strcmp(how, "zero") || !strcmp(how, "long") || !strcmp(how, "nul")) {
            free(bad);
            struct mt_buf b;
            mt_buf_init(&b);
            if (!strcmp(how, "zero")) mt_buf_addf(&b, "%s 07 %s 0123456789abcdef\n", BLOB_B, a);  /* 7, spelled otherwise */
            else if (!strcmp(how, "long")) mt_buf_addf(&b, "%s 7 %s 0123456789abcdef0\n", BLOB_B, a);
            else mt_buf_addf(&b, "%s 7 %s 0123456789abcdef\n", BLOB_B, a), b.data[45] = '\0';
            bad = mt_buf_detach(&b, &n);
        }
        struct mt_buf all;
        mt_buf_init(&all);
        mt_buf_add(&all, good, (size_t)(second - good));
        mt_buf_add(&all, bad, n);
        ck_assert_int_eq(mt_file_write_atomic(path, all.data, all.len, 0600, NULL), 0);
        mt_buf_free(&all);
        free(bad);
        load(&d, dir);
        ck_assert_msg(d.dropped == 1, "%s: %zu dropped", how, d.dropped);
        ck_assert_msg(d.n == 1, "%s: %zu kept", how, d.n);
        ck_assert(mt_digests_get(&d, BLOB_A, 1, got));
        ck_assert(!mt_digests_get(&d, BLOB_B, 7, got) && !mt_digests_get(&d, BLOB_B, 8, got));
        ck_assert_int_eq(mt_digests_save(&d, NULL), 0);  /* rewritten without it */
        mt_digests_free(&d);
        char *now = slurp(path);
        ck_assert_uint_eq(strlen(now), (size_t)(second - good));
        ck_assert_int_eq(memcmp(now, good, strlen(now)), 0);
        free(now);
        spit(path, good);
    }
    free(good);
    tu_sh("rm -rf '%s'", dir);
    free(path);
    free(dir);
}
END_TEST

START_TEST(newest_kept)
{
    char *dir = tu_tmpdir(), *path = file_in(dir), sha[MT_SHA256_HEX], got[MT_SHA256_HEX];
    sha_of("x", sha);
    struct mt_digests d;
    load(&d, dir);
    char blob[41];
    for (int i = 0; i < MT_DIGESTS_MAX + 88; i++) {
        snprintf(blob, sizeof blob, "%040x", i);
        mt_digests_put(&d, blob, (size_t)i, sha);
    }
    /* 88 .. MAX+87 are kept; 90 put again becomes the newest, so three
     * more push out 88, 89 and 91 */
    snprintf(blob, sizeof blob, "%040x", 90);
    mt_digests_put(&d, blob, 90, sha);
    for (int i = MT_DIGESTS_MAX + 88; i < MT_DIGESTS_MAX + 91; i++) {
        snprintf(blob, sizeof blob, "%040x", i);
        mt_digests_put(&d, blob, (size_t)i, sha);
    }
    ck_assert_int_eq(mt_digests_save(&d, NULL), 0);
    mt_digests_free(&d);
    load(&d, dir);
    ck_assert_uint_eq(d.n, MT_DIGESTS_MAX);
    ck_assert_uint_eq(d.dropped, 0);
    int gone[] = {0, 88, 89, 91}, kept[] = {90, 92, MT_DIGESTS_MAX + 90};
    for (size_t k = 0; k < 4; k++) {
        snprintf(blob, sizeof blob, "%040x", gone[k]);
        ck_assert_msg(!mt_digests_get(&d, blob, (size_t)gone[k], got), "%d kept", gone[k]);
    }
    for (size_t k = 0; k < 3; k++) {
        snprintf(blob, sizeof blob, "%040x", kept[k]);
        ck_assert_msg(mt_digests_get(&d, blob, (size_t)kept[k], got), "%d gone", kept[k]);
    }
    mt_digests_free(&d);
    tu_sh("rm -rf '%s'", dir);
    free(path);
    free(dir);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("digests");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, put_save_load);
    tcase_add_test(tc, corrupt_records_dropped);
    tcase_add_test(tc, newest_kept);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(make_suite)
