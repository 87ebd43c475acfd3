/* test_utf8.c: strict validation with offsets, and display widths. */
#include "memtui/base/utf8.h"
#include "testutil.h"

/* n explicit so strings may hold NULs; "bad" is the expected offset, or -1
 * for valid input. */
static void check_valid(const char *s, size_t n, long bad)
{
    size_t off = 12345;
    bool ok = utf8_valid(s, n, &off);
    if (bad < 0) {
        ck_assert_msg(ok, "valid input rejected at %zu", off);
        ck_assert_uint_eq(off, 12345);   /* untouched */
    } else {
        ck_assert_msg(!ok, "invalid input accepted (want offset %ld)", bad);
        ck_assert_uint_eq(off, (size_t)bad);
    }
    ck_assert_int_eq(utf8_valid(s, n, NULL), ok);   /* offset is optional */
}

#define V(lit) check_valid(lit, sizeof(lit) - 1, -1)
#define BAD(lit, off) check_valid(lit, sizeof(lit) - 1, off)

START_TEST(valid_forms)
{
    V("");
    V("plain ascii, with a NUL \0 and DEL \x7f");
    V("\xc2\x80");                  /* U+0080, smallest 2-byte */
    V("\xc3\xa9");                  /* é */
    V("\xdf\xbf");                  /* U+07FF */
    V("\xe0\xa0\x80");              /* U+0800, smallest 3-byte */
    V("東京");
    V("\xed\x9f\xbf");              /* U+D7FF, just below the surrogates */
    V("\xee\x80\x80");              /* U+E000, just above */
    V("\xe2\x80\xa8");              /* U+2028 */
    V("\xef\xbf\xbf");              /* U+FFFF */
    V("\xf0\x90\x80\x80");          /* U+10000, smallest 4-byte */
    V("🙂");
    V("\xf4\x8f\xbf\xbf");          /* U+10FFFF, the largest */
    V("mixed é 東京 🙂 text that is long enough for the 8-byte path");
}
END_TEST

START_TEST(stray_continuation)
{
    BAD("\x80", 0);
    BAD("ab\xbf", 2);
    BAD("\xc3\xa9\xa9", 2);         /* one continuation too many */
}
END_TEST

START_TEST(overlong)
{
    BAD("\xc0\x80", 0);             /* NUL in 2 bytes */
    BAD("x\xc1\xbf", 1);            /* U+007F in 2 bytes */
    BAD("\xe0\x80\x80", 0);
    BAD("xy\xe0\x9f\xbf", 2);       /* U+07FF in 3 bytes */
    BAD("\xf0\x80\x80\x80", 0);
    BAD("\xf0\x8f\xbf\xbf", 0);     /* U+FFFF in 4 bytes */
}
END_TEST

START_TEST(surrogates)
{
    BAD("\xed\xa0\x80", 0);         /* U+D800 */
    BAD("a\xed\xbf\xbf", 1);        /* U+DFFF */
    BAD("\xed\xa0\xbd\xed\xb8\x82", 0);   /* CESU-8 pair for 🙂 */
}
END_TEST

START_TEST(too_large)
{
    BAD("\xf4\x90\x80\x80", 0);     /* U+110000 */
    BAD("ok\xf5\x80\x80\x80", 2);
    BAD("\xf8\x88\x80\x80\x80", 0); /* old 5-byte form */
    BAD("\xfe", 0);
    BAD("\xff", 0);
}
END_TEST

START_TEST(truncated)
{
    BAD("x\xc3", 1);                /* at the end */
    BAD("x\xe6\x9d", 1);
    BAD("\xf0\x9f\x99", 0);
    BAD("\xe6\x9dx", 0);            /* cut short by ASCII */
    BAD("\xf0\x9f\x99\x41", 0);
    BAD("\xc3\xc3\xa9", 0);         /* lead byte where a continuation belongs */
    /* A sequence cut by the length argument, not by a NUL. */
    check_valid("東京", 5, 3);
}
END_TEST

START_TEST(offset_after_long_runs)
{
    /* The 8-byte ASCII path must still report the exact offset. */
    char buf[64];
    for (size_t at = 0; at < 40; at++) {
        memset(buf, 'a', sizeof buf);
        buf[at] = (char)0xff;
        check_valid(buf, sizeof buf, (long)at);
    }
    BAD("\xc3\xa9\xc3\xa9 aaaaaaaaaaaaaaaa \xe6\x9d\xb1 bbbbbbbbbbb\xed\xa0\x80", 37);
}
END_TEST

static size_t W(const char *s)
{
    return utf8_width(s, strlen(s));
}

START_TEST(widths)
{
    ck_assert_uint_eq(W(""), 0);
    ck_assert_uint_eq(W("hello world 12345"), 17);
    ck_assert_uint_eq(W("東京"), 4);
    ck_assert_uint_eq(W("\xc3\xa9"), 1);          /* é precomposed */
    ck_assert_uint_eq(W("e\xcc\x81"), 1);         /* e + U+0301 */
    ck_assert_uint_eq(W("🙂"), 2);
    ck_assert_uint_eq(W("a東🙂é"), 6);
    ck_assert_uint_eq(W("🚀"), 2);                /* U+1F680 */
    ck_assert_uint_eq(W("\xe2\x9a\xa1"), 2);      /* U+26A1 ⚡ */
    ck_assert_uint_eq(W("한국어"), 6);
    ck_assert_uint_eq(W("\xef\xbc\xa1"), 2);      /* U+FF21 fullwidth A */
    ck_assert_uint_eq(W("\xe3\x80\xbf"), 1);      /* U+303F, the exception */
    ck_assert_uint_eq(W("\xf0\xa0\x80\x80"), 2);  /* U+20000 */
    ck_assert_uint_eq(W("a\xe2\x80\x8b" "b"), 2); /* U+200B zero width space */
    ck_assert_uint_eq(W("\xe2\x9d\xa4\xef\xb8\x8f"), 1);   /* U+2764 + VS16 */
    ck_assert_uint_eq(W("x\xe2\x83\x97"), 1);     /* U+20D7 combining */
    ck_assert_uint_eq(W("\t\n\x7f"), 0);          /* controls */
    ck_assert_uint_eq(W("\xc2\x85"), 0);          /* U+0085, C1 control */
    ck_assert_uint_eq(W("\xe2\x80\xa8"), 1);      /* U+2028 */
}
END_TEST

START_TEST(widths_invalid_and_long)
{
    ck_assert_uint_eq(W("\xff\xfe"), 2);          /* one column per bad byte */
    ck_assert_uint_eq(W("x\xe6\x9d"), 3);         /* truncated: 2 bad bytes */
    ck_assert_uint_eq(W("\xed\xa0\x80"), 3);      /* surrogate: 3 bad bytes */
    ck_assert_uint_eq(utf8_width("ab\0cd", 5), 4);

    char buf[1000];
    memset(buf, 'x', sizeof buf);
    ck_assert_uint_eq(utf8_width(buf, sizeof buf), 1000);
    buf[501] = '\x7f';   /* a control inside an 8-byte block */
    buf[999] = '\t';
    ck_assert_uint_eq(utf8_width(buf, sizeof buf), 998);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("utf8");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, valid_forms);
    tcase_add_test(tc, stray_continuation);
    tcase_add_test(tc, overlong);
    tcase_add_test(tc, surrogates);
    tcase_add_test(tc, too_large);
    tcase_add_test(tc, truncated);
    tcase_add_test(tc, offset_after_long_runs);
    tcase_add_test(tc, widths);
    tcase_add_test(tc, widths_invalid_and_long);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(make_suite)
