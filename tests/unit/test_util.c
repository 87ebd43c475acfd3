/* test_util.c: allocation helpers, growable buffers, error reports, the
 * stable hash and the trace switch (util.h). */
#include "testutil.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/wait.h>

#include "memtui/base/prefault.h"
#include "memtui/base/util.h"

/* ---- allocation ----------------------------------------------------------- */

START_TEST(test_alloc)
{
    void *p = xmalloc(0);                 /* never NULL, even for 0 bytes */
    ck_assert_ptr_nonnull(p);
    free(p);

    unsigned char *z = xcalloc(1000, 3);
    for (size_t i = 0; i < 3000; i++) ck_assert_uint_eq(z[i], 0);
    free(z);
    p = xcalloc(0, 0);
    ck_assert_ptr_nonnull(p);
    free(p);

    char *r = xmalloc(4);
    memcpy(r, "abc", 4);
    r = xrealloc(r, 1 << 20);             /* contents kept across the move */
    ck_assert_str_eq(r, "abc");
    r[(1 << 20) - 1] = 'x';
    r = xrealloc(r, 0);                   /* 0 bytes: still a live pointer */
    ck_assert_ptr_nonnull(r);
    free(r);
    r = xrealloc(NULL, 10);
    ck_assert_ptr_nonnull(r);
    free(r);

    char *d = xstrdup("héllo");
    ck_assert_str_eq(d, "héllo");
    free(d);
    d = xstrdup("");
    ck_assert_str_eq(d, "");
    free(d);
    d = xstrndup("abcdef", 3);
    ck_assert_str_eq(d, "abc");
    free(d);
    /* xstrndup copies exactly n bytes, NULs included, and terminates. */
    static const char bin[] = {'a', '\0', 'b'};
    d = xstrndup(bin, 3);
    ck_assert_int_eq(memcmp(d, bin, 3), 0);
    ck_assert_int_eq(d[3], '\0');
    free(d);
}
END_TEST

START_TEST(test_xasprintf)
{
    char *s = xasprintf("%s-%d-%05.1f-%zu", "env", -7, 3.14159, (size_t)42);
    ck_assert_str_eq(s, "env--7-003.1-42");
    free(s);
    s = xasprintf("%s", "");
    ck_assert_str_eq(s, "");
    free(s);
    /* No fixed-size buffer: a 200 KB result comes out whole. */
    char *big = xmalloc(200001);
    memset(big, 'q', 200000);
    big[200000] = '\0';
    s = xasprintf("<%s>", big);
    ck_assert_uint_eq(strlen(s), 200002);
    ck_assert_int_eq(s[0], '<');
    ck_assert_int_eq(s[200001], '>');
    ck_assert_int_eq(memcmp(s + 1, big, 200000), 0);
    free(s);
    free(big);
}
END_TEST

START_TEST(test_grow_macro)
{
    int *a = NULL;
    size_t cap = 0;
    for (size_t i = 0; i < 1000; i++) {
        MT_GROW(a, cap, i + 1);
        ck_assert_uint_ge(cap, i + 1);
        a[i] = (int)i;
    }
    for (size_t i = 0; i < 1000; i++) ck_assert_int_eq(a[i], (int)i);
    size_t before = cap;
    MT_GROW(a, cap, 5);                   /* already big enough: no change */
    ck_assert_uint_eq(cap, before);
    MT_GROW(a, cap, before * 5 + 1);      /* a big jump at once */
    ck_assert_uint_ge(cap, before * 5 + 1);
    a[before * 5] = -1;
    ck_assert_int_eq(a[999], 999);
    free(a);
}
END_TEST

/* ---- mt_buf ----------------------------------------------------------------- */

START_TEST(test_buf_basics)
{
    struct mt_buf b;
    mt_buf_init(&b);
    ck_assert_ptr_null(b.data);
    ck_assert_uint_eq(b.len, 0);

    mt_buf_adds(&b, "abc");
    ck_assert_str_eq(b.data, "abc");
    ck_assert_uint_eq(b.len, 3);
    mt_buf_addc(&b, '!');
    ck_assert_str_eq(b.data, "abc!");
    mt_buf_add(&b, "\0x\0", 3);           /* bytes, NULs included */
    ck_assert_uint_eq(b.len, 7);
    ck_assert_int_eq(memcmp(b.data, "abc!\0x\0", 7), 0);
    ck_assert_int_eq(b.data[7], '\0');    /* terminated after the bytes */
    mt_buf_add(&b, NULL, 0);              /* nothing to add */
    ck_assert_uint_eq(b.len, 7);
    mt_buf_addf(&b, "[%d|%s]", 12, "z");
    ck_assert_uint_eq(b.len, 7 + 6);
    ck_assert_int_eq(memcmp(b.data + 7, "[12|z]", 7), 0);
    ck_assert_uint_gt(b.cap, b.len);

    size_t cap = b.cap;
    mt_buf_reset(&b);                     /* empty, capacity kept */
    ck_assert_uint_eq(b.len, 0);
    ck_assert_str_eq(b.data, "");
    ck_assert_uint_eq(b.cap, cap);
    mt_buf_adds(&b, "again");
    ck_assert_str_eq(b.data, "again");
    mt_buf_free(&b);
    ck_assert_ptr_null(b.data);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_uint_eq(b.cap, 0);
    mt_buf_reset(&b);                     /* safe on an empty buffer */
    ck_assert_ptr_null(b.data);
}
END_TEST

START_TEST(test_buf_reserve)
{
    struct mt_buf b;
    mt_buf_init(&b);
    mt_buf_reserve(&b, 0);
    ck_assert_ptr_nonnull(b.data);        /* a string at once, even empty */
    ck_assert_str_eq(b.data, "");
    mt_buf_reserve(&b, 10000);
    ck_assert_uint_ge(b.cap, 10001);
    ck_assert_str_eq(b.data, "");
    char *before = b.data;
    for (int i = 0; i < 10000; i++) mt_buf_addc(&b, 'a');
    ck_assert_ptr_eq(b.data, before);     /* reserved: no move */
    ck_assert_uint_eq(b.len, 10000);
    ck_assert_uint_eq(strlen(b.data), 10000);
    mt_buf_free(&b);
}
END_TEST

START_TEST(test_buf_grows_without_bound)
{
    struct mt_buf b;
    mt_buf_init(&b);
    /* 4 MB in odd-sized pieces, plus a formatted piece far bigger than any
     * initial capacity. */
    char piece[997];
    for (size_t i = 0; i < sizeof piece; i++) piece[i] = (char)('a' + i % 26);
    size_t total = 0;
    while (total < 4u << 20) {
        mt_buf_add(&b, piece, sizeof piece);
        total += sizeof piece;
    }
    ck_assert_uint_eq(b.len, total);
    for (size_t i = 0; i < total; i += 4099) ck_assert_int_eq(b.data[i], 'a' + (int)((i % sizeof piece) % 26));
    ck_assert_int_eq(b.data[total], '\0');
    mt_buf_reset(&b);
    char *big = xmalloc(100001);
    memset(big, 'Z', 100000);
    big[100000] = '\0';
    mt_buf_addf(&b, "%s%s", big, "end");
    ck_assert_uint_eq(b.len, 100003);
    ck_assert_str_eq(b.data + 100000, "end");
    free(big);
    mt_buf_free(&b);
}
END_TEST

START_TEST(test_buf_addf_empty)
{
    struct mt_buf b;
    mt_buf_init(&b);
    mt_buf_addf(&b, "%s", "");
    ck_assert_uint_eq(b.len, 0);
    ck_assert(b.data == NULL || b.data[0] == '\0');
    mt_buf_adds(&b, "x");
    mt_buf_addf(&b, "%s", "");
    ck_assert_str_eq(b.data, "x");
    mt_buf_free(&b);
}
END_TEST

START_TEST(test_buf_detach)
{
    struct mt_buf b;
    mt_buf_init(&b);
    size_t len = 99;
    char *s = mt_buf_detach(&b, &len);    /* never NULL, even when empty */
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s, "");
    ck_assert_uint_eq(len, 0);
    free(s);

    mt_buf_add(&b, "a\0b", 3);
    s = mt_buf_detach(&b, &len);
    ck_assert_uint_eq(len, 3);
    ck_assert_int_eq(memcmp(s, "a\0b", 4), 0);
    /* b is empty and independent of the detached bytes. */
    ck_assert_ptr_null(b.data);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_uint_eq(b.cap, 0);
    mt_buf_adds(&b, "new");
    ck_assert_int_eq(s[0], 'a');
    free(s);
    s = mt_buf_detach(&b, NULL);
    ck_assert_str_eq(s, "new");
    free(s);
    mt_buf_free(&b);
}
END_TEST

/* ---- mt_error ------------------------------------------------------------------ */

START_TEST(test_error_set_and_format)
{
    struct mt_error e = {0};
    char *f = mt_error_format(&e);
    ck_assert_str_eq(f, "unknown error");
    free(f);

    mt_error_set(&e, "bad %s at %d", "thing", 3);
    ck_assert_str_eq(e.msg, "bad thing at 3");
    ck_assert_ptr_null(e.file);
    f = mt_error_format(&e);
    ck_assert_str_eq(f, "bad thing at 3");
    free(f);

    /* A second set replaces the first (and frees it: ASan would see a leak). */
    mt_error_set(&e, "second");
    ck_assert_str_eq(e.msg, "second");

    mt_error_at(&e, "memory-laptop.json", 12, 7, "bad JSON: %s", "unexpected ]");
    ck_assert_str_eq(e.file, "memory-laptop.json");
    ck_assert_int_eq(e.line, 12);
    ck_assert_int_eq(e.col, 7);
    f = mt_error_format(&e);
    ck_assert_str_eq(f, "memory-laptop.json:12:7: bad JSON: unexpected ]");
    free(f);

    mt_error_at(&e, "f.json", 4, 0, "no column");
    f = mt_error_format(&e);
    ck_assert_str_eq(f, "f.json:4: no column");
    free(f);
    mt_error_at(&e, "f.json", 0, 0, "no line");
    f = mt_error_format(&e);
    ck_assert_str_eq(f, "f.json: no line");
    free(f);
    mt_error_at(&e, NULL, 5, 6, "no file");
    ck_assert_ptr_null(e.file);
    f = mt_error_format(&e);
    ck_assert_str_eq(f, "no file");
    free(f);

    /* The message is copied: changing the caller's text later does not show. */
    char tmp[] = "original";
    mt_error_at(&e, tmp, 1, 1, "%s", tmp);
    tmp[0] = 'X';
    ck_assert_str_eq(e.file, "original");
    ck_assert_str_eq(e.msg, "original");

    mt_error_clear(&e);
    ck_assert_ptr_null(e.msg);
    ck_assert_ptr_null(e.file);
    ck_assert_int_eq(e.line, 0);
    ck_assert_int_eq(e.col, 0);
    mt_error_clear(&e);                   /* twice is fine */
}
END_TEST

START_TEST(test_error_null_target)
{
    /* Callers that do not want the error pass NULL. */
    mt_error_set(NULL, "ignored %d", 1);
    mt_error_at(NULL, "f", 1, 2, "ignored");
    mt_error_clear(NULL);
}
END_TEST

static void setv_helper(struct mt_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void setv_helper(struct mt_error *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mt_error_setv(e, fmt, ap);
    va_end(ap);
}

START_TEST(test_error_setv_and_move)
{
    struct mt_error a = {0}, b = {0};
    setv_helper(&a, "%s/%d", "x", 9);
    ck_assert_str_eq(a.msg, "x/9");
    mt_error_at(&b, "old", 1, 1, "old message");
    mt_error_at(&a, "new.json", 3, 4, "moved");
    mt_error_move(&b, &a);                /* b's old contents are freed */
    ck_assert_str_eq(b.msg, "moved");
    ck_assert_str_eq(b.file, "new.json");
    ck_assert_int_eq(b.line, 3);
    ck_assert_int_eq(b.col, 4);
    ck_assert_ptr_null(a.msg);
    ck_assert_ptr_null(a.file);
    ck_assert_int_eq(a.line, 0);
    ck_assert_int_eq(a.col, 0);
    mt_error_move(&b, &a);                /* moving "no error" clears */
    ck_assert_ptr_null(b.msg);
    ck_assert_ptr_null(b.file);
    mt_error_clear(&a);
    mt_error_clear(&b);
}
END_TEST

/* ---- mt_hash ---------------------------------------------------------------------- */

START_TEST(test_hash_stable)
{
    /* Equal bytes hash equal wherever they sit in memory (no alignment or
     * pointer dependence). */
    const char *text = "The quick brown fox jumps over the lazy dog";
    size_t n = strlen(text);
    char *buf = xmalloc(n + 16);
    for (size_t off = 0; off < 8; off++) {
        memcpy(buf + off, text, n);
        ck_assert(mt_hash(buf + off, n) == mt_hash(text, n));
    }
    free(buf);
    ck_assert(mt_hash("", 0) == mt_hash(NULL, 0));
    /* A child process (a fork: the same start) agrees. */
    int fd[2];
    ck_assert_int_eq(pipe(fd), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        uint64_t h = mt_hash(text, n);
        ssize_t w = write(fd[1], &h, sizeof h);
        _exit(w == (ssize_t)sizeof h ? 0 : 1);
    }
    uint64_t h;
    ck_assert_int_eq(read(fd[0], &h, sizeof h), (ssize_t)sizeof h);
    int st;
    waitpid(pid, &st, 0);
    close(fd[0]);
    close(fd[1]);
    ck_assert(h == mt_hash(text, n));
}
END_TEST

START_TEST(test_hash_sensitive)
{
    /* Every single-bit change of a 37-byte input (both the 8-byte words and
     * the tail) changes the hash. */
    unsigned char in[37];
    for (size_t i = 0; i < sizeof in; i++) in[i] = (unsigned char)(i * 31 + 7);
    uint64_t base = mt_hash(in, sizeof in);
    for (size_t i = 0; i < sizeof in; i++)
        for (int bit = 0; bit < 8; bit++) {
            in[i] ^= (unsigned char)(1u << bit);
            ck_assert_msg(mt_hash(in, sizeof in) != base, "flip byte %zu bit %d", i, bit);
            in[i] ^= (unsigned char)(1u << bit);
        }
    /* The length counts: runs of zero bytes of every length differ. */
    unsigned char zeros[64] = {0};
    for (size_t a = 0; a <= 64; a++)
        for (size_t b = a + 1; b <= 64; b++) ck_assert(mt_hash(zeros, a) != mt_hash(zeros, b));
}
END_TEST

/* The hash as it would be with a start everybody knows (the FNV offset
 * basis): a peer could then build lines that collide. */
static uint64_t known_start_state(const unsigned char *p, size_t words, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ (n * 0x9e3779b97f4a7c15ULL);
    for (size_t i = 0; i < words; i++) {
        uint64_t w;
        memcpy(&w, p + 8 * i, 8);
        h = (h ^ w) * 0x100000001b3ULL;
        h ^= h >> 29;
    }
    return h;
}

/* Two 16-byte inputs built to collide for a known start: the second word
 * of b cancels the difference the first word made. A fleet's peer writes
 * the lines memtui hashes into its tables; were such pairs possible, it
 * could make every lookup walk one long chain and stall the merge. With a
 * start drawn at random in each process they do not collide. */
START_TEST(test_hash_unpredictable)
{
    unsigned char a[16], b[16];
    memcpy(a, "entity-A""payload!", 16);
    memcpy(b, "entity-B""payload!", 16);
    uint64_t ha = known_start_state(a, 1, 16), hb = known_start_state(b, 1, 16), w;
    memcpy(&w, b + 8, 8);
    w ^= ha ^ hb;
    memcpy(b + 8, &w, 8);
    ck_assert(known_start_state(a, 2, 16) == known_start_state(b, 2, 16));  /* the pair is real */
    ck_assert(memcmp(a, b, 16) != 0);
    ck_assert(mt_hash(a, 16) != mt_hash(b, 16));
}
END_TEST

START_TEST(test_hash_spread)
{
    /* 200000 similar keys: no 64-bit collision, and the low bits (what a
     * power-of-two table uses) fill 4096 buckets evenly. */
    enum { N = 200000, B = 4096 };
    uint64_t *h = xmalloc(N * sizeof *h);
    unsigned *bucket = xcalloc(B, sizeof *bucket);
    for (size_t i = 0; i < N; i++) {
        char k[32];
        int n = snprintf(k, sizeof k, "entity-%zu", i);
        h[i] = mt_hash(k, (size_t)n);
        bucket[h[i] & (B - 1)]++;
    }
    for (size_t i = 0; i < B; i++) {
        /* mean 48.8, sd ~7: 5 sd either way */
        ck_assert_msg(bucket[i] > 13 && bucket[i] < 85, "bucket %zu has %u", i, bucket[i]);
    }
    /* Sort-free duplicate check through an open-addressed set of hashes. */
    size_t cap = 1u << 19;
    uint64_t *set = xcalloc(cap, sizeof *set);
    for (size_t i = 0; i < N; i++) {
        ck_assert(h[i] != 0);
        size_t j = (size_t)(h[i] >> 20) & (cap - 1);
        while (set[j]) {
            ck_assert_msg(set[j] != h[i], "collision at key %zu", i);
            j = (j + 1) & (cap - 1);
        }
        set[j] = h[i];
    }
    free(set);
    free(bucket);
    free(h);
}
END_TEST

/* ---- mt_trace ------------------------------------------------------------------------ */

/* stderr of a child that sets MEMTUI_TRACE (or not) and traces twice. */
static char *trace_in_child(bool on)
{
    int fd[2];
    ck_assert_int_eq(pipe(fd), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(fd[1], 2);
        close(fd[0]);
        if (on) setenv("MEMTUI_TRACE", "1", 1);
        else unsetenv("MEMTUI_TRACE");
        mt_trace("first step");
        mt_trace("second step");
        fflush(stderr);
        _exit(0);
    }
    close(fd[1]);
    struct mt_buf b;
    mt_buf_init(&b);
    char chunk[512];
    ssize_t n;
    while ((n = read(fd[0], chunk, sizeof chunk)) > 0) mt_buf_add(&b, chunk, (size_t)n);
    close(fd[0]);
    int st;
    waitpid(pid, &st, 0);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    return mt_buf_detach(&b, NULL);
}

/* A block made ready on a helper: the size asked, all zero, the caller's
 * to write and free; dropped unused, or a NULL handle, without harm. */
START_TEST(test_prefault)
{
    static const size_t sizes[] = {0, 1, 4095, 4096, (size_t)9 << 20};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        struct mt_prefault *pf = mt_prefault_start(sizes[i]);
        ck_assert_ptr_nonnull(pf);
        size_t got = 0;
        unsigned char *b = mt_prefault_take(pf, &got);
        ck_assert_ptr_nonnull(b);
        ck_assert_uint_eq(got, sizes[i] ? sizes[i] : 1);
        for (size_t k = 0; k < got; k++)
            if (b[k]) ck_abort_msg("byte %zu of %zu is %u", k, got, b[k]);
        memset(b, 0xab, got);  /* every byte is the caller's */
        free(b);
    }
    mt_prefault_drop(mt_prefault_start((size_t)5 << 20));
    mt_prefault_drop(NULL);
    ck_assert_ptr_null(mt_prefault_take(NULL, NULL));
}
END_TEST

START_TEST(test_hex_name)
{
    ck_assert(mt_hex_name("0123456789abcdef", 16));
    ck_assert(mt_hex_name("", 0));
    ck_assert(!mt_hex_name("0123456789abcdeF", 16));   /* lower case only */
    ck_assert(!mt_hex_name("0123456789abcdef0", 16));  /* longer */
    ck_assert(!mt_hex_name("0123456789abcde", 16));    /* shorter */
    ck_assert(!mt_hex_name("../../etc/passwd", 16));
    ck_assert(!mt_hex_name("01234567/9abcdef", 16));
}
END_TEST

START_TEST(test_trace)
{
    char *off = trace_in_child(false);
    ck_assert_str_eq(off, "");
    free(off);
    char *on = trace_in_child(true);
    double t1, t2;
    char w1[32], w2[32], w3[32], w4[32];
    ck_assert_msg(sscanf(on, "trace: %lf %31s %31s\ntrace: %lf %31s %31s\n", &t1, w1, w2, &t2, w3, w4) == 6,
                  "trace output: %s", on);
    ck_assert_str_eq(w1, "first");
    ck_assert_str_eq(w2, "step");
    ck_assert_str_eq(w3, "second");
    ck_assert_str_eq(w4, "step");
    ck_assert(t1 >= 0 && t1 < 5);
    ck_assert(t2 >= t1);
    /* exactly two lines */
    size_t lines = 0;
    for (const char *p = on; *p; p++) lines += *p == '\n';
    ck_assert_uint_eq(lines, 2);
    free(on);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("util");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_alloc);
    tcase_add_test(tc, test_xasprintf);
    tcase_add_test(tc, test_grow_macro);
    tcase_add_test(tc, test_buf_basics);
    tcase_add_test(tc, test_buf_reserve);
    tcase_add_test(tc, test_buf_grows_without_bound);
    tcase_add_test(tc, test_buf_addf_empty);
    tcase_add_test(tc, test_buf_detach);
    tcase_add_test(tc, test_error_set_and_format);
    tcase_add_test(tc, test_error_null_target);
    tcase_add_test(tc, test_error_setv_and_move);
    tcase_add_test(tc, test_hash_stable);
    tcase_add_test(tc, test_hash_sensitive);
    tcase_add_test(tc, test_hash_unpredictable);
    tcase_add_test(tc, test_hash_spread);
    tcase_add_test(tc, test_trace);
    tcase_add_test(tc, test_prefault);
    tcase_add_test(tc, test_hex_name);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(make_suite)
