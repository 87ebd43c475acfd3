/* test_safetext.c: untrusted text shown safe: escapes, widths, printing. */
#include "memtui/base/audit.h"
#include "memtui/base/safetext.h"
#include "memtui/base/utf8.h"
#include "testutil.h"

/* The shown form of n bytes (they may hold NULs). */
static char *shown(const char *s, size_t n)
{
    struct mt_buf b;
    mt_buf_init(&b);
    mt_safe_add(&b, s, n);
    return mt_buf_detach(&b, NULL);
}

static void check_shown(const char *s, size_t n, const char *want)
{
    char *got = shown(s, n);
    ck_assert_str_eq(got, want);
    /* the promise the callers build on: no raw control, width as measured */
    ck_assert(mt_safe_clean(got, strlen(got)));
    ck_assert_uint_eq(mt_safe_width(s, n), utf8_width(got, strlen(got)));
    ck_assert_int_eq(mt_safe_clean(s, n), strcmp(got, s) == 0 && strlen(s) == n);
    /* shown twice is shown once */
    char *again = shown(got, strlen(got));
    ck_assert_str_eq(again, got);
    free(again);
    free(got);
}

#define S(lit, want) check_shown(lit, sizeof(lit) - 1, want)

START_TEST(c0_controls)
{
    S("", "");
    S("plain text", "plain text");
    S("a\tb\nc\rd", "a\\x09b\\x0ac\\x0dd");
    S("\x01\x1f", "\\x01\\x1f");
    S("nul\0end", "nul\\x00end");
    S("back\\slash", "back\\slash");   /* kept: shown text is shown again unchanged */
}
END_TEST

START_TEST(esc_sequences)
{
    S("\x1b]0;PWNED\x07", "\\x1b]0;PWNED\\x07");        /* sets the title */
    S("\x1b[2J\x1b[H", "\\x1b[2J\\x1b[H");              /* clears the screen */
    S("\x1bP1$r\x1b\\", "\\x1bP1$r\\x1b\\");            /* DCS ... ST */
}
END_TEST

START_TEST(del_and_c1)
{
    S("\x7f", "\\x7f");
    S("\xc2\x80", "\\u0080");                          /* U+0080 */
    S("\xc2\x9b" "31m", "\\u009b31m");                 /* C1 CSI as UTF-8 */
    S("\xc2\x9f", "\\u009f");
    S("\xc2\xa0", "\xc2\xa0");                         /* NBSP: printable */
}
END_TEST

START_TEST(lone_bytes)
{
    S("\x80", "\\x80");
    S("\x9b", "\\x9b");                                /* 8-bit CSI byte */
    S("\xff\xfe", "\\xff\\xfe");
    S("\xc0\x80", "\\xc0\\x80");                       /* overlong NUL */
    S("\xed\xa0\xbd", "\\xed\\xa0\\xbd");              /* a surrogate */
    S("\xf5\x80\x80\x80", "\\xf5\\x80\\x80\\x80");     /* above U+10FFFF */
}
END_TEST

START_TEST(truncated_sequences)
{
    S("\xe6\x9d", "\\xe6\\x9d");                       /* 東 without its last byte */
    S("\xf0\x9f\x99", "\\xf0\\x9f\\x99");              /* 🙂 cut short */
    S("\xe6\x9d" "x", "\\xe6\\x9dx");
    S("\xc3", "\\xc3");
}
END_TEST

START_TEST(printable_utf8_untouched)
{
    S("café", "café");
    S("東京タワー🗼", "東京タワー🗼");
    S("e\xcc\x81", "e\xcc\x81");                       /* combining accent */
    S("🙂 and 東 with \x1b!", "🙂 and 東 with \\x1b!");
    ck_assert_uint_eq(mt_safe_width("東京", 6), 4);
    ck_assert_uint_eq(mt_safe_width("\x1b", 1), 4);
    ck_assert_uint_eq(mt_safe_width("\xc2\x9b", 2), 6);
    size_t cols;
    ck_assert_uint_eq(mt_safe_next("東x", 4, &cols), 3);
    ck_assert_uint_eq(cols, 2);
    ck_assert_uint_eq(mt_safe_next("\xe6\x9d", 2, &cols), 1);
    ck_assert_uint_eq(cols, 4);
}
END_TEST

START_TEST(text_copy)
{
    char *s = mt_safe_text(NULL);
    ck_assert_str_eq(s, "");
    free(s);
    s = mt_safe_text("x\x1by");
    ck_assert_str_eq(s, "x\\x1by");
    free(s);
}
END_TEST

START_TEST(format_escapes_arguments_only)
{
    char *s = mt_safe_format("@ %s\n+ %s: %d %zu %llu %ld %c%%\n", "Evil\x1b]0;X\x07", "a\nb", -3, (size_t)7,
                             18446744073709551615ULL, -9L, '\x7f');
    ck_assert_str_eq(s, "@ Evil\\x1b]0;X\\x07\n+ a\\x0ab: -3 7 18446744073709551615 -9 \\x7f%\n");
    free(s);
    s = mt_safe_format("[%-6s|%6s|%.3s|%.12s]", "a\x1b", "東", "abcdef", "0123456789abcdef");
    ck_assert_str_eq(s, "[a\\x1b |    東|abc|0123456789ab]");
    free(s);
    s = mt_safe_format("%*s|%-*s|%.*s|%05.1f|%x|%#o|%+i|%hhu|%p", 3, "x", 3, "y", 2, "abc", 3.14159, 255u, 8u, 4,
                       (unsigned char)200, (void *)NULL);
    char want[128];
    snprintf(want, sizeof want, "  x|y  |ab|003.1|ff|010|+4|200|%p", (void *)NULL);
    ck_assert_str_eq(s, want);
    free(s);
}
END_TEST

START_TEST(printf_and_warn)
{
    char *path = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&path, &len);
    mt_safe_printf(f, "%s %s\n", "t\x1b[2J", "ok");
    fclose(f);
    ck_assert_str_eq(path, "t\\x1b[2J ok\n");
    free(path);

    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    char tmpl[] = "/tmp/memtui-warn-XXXXXX";
    int fd = mkstemp(tmpl);
    ck_assert_int_ge(fd, 0);
    dup2(fd, STDERR_FILENO);
    mt_warn("quarantined %s: %s", "b", "entity \"\x1b]0;PWNED\x07\"");
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    char buf[256] = "";
    ck_assert_int_gt(pread(fd, buf, sizeof buf - 1, 0), 0);
    close(fd);
    unlink(tmpl);
    ck_assert_str_eq(buf, "memtui: quarantined b: entity \"\\x1b]0;PWNED\\x07\"\n");
}
END_TEST

static char *json_shown(const char *json)
{
    struct mt_buf b;
    mt_buf_init(&b);
    mt_safe_json_add(&b, json);
    return mt_buf_detach(&b, NULL);
}

START_TEST(json_keeps_strings)
{
    /* json-c leaves DEL and C1 raw; the text keeps the strings as escapes */
    char *s = json_shown("{\"n\":\"a\x7f" "b\xc2\x9b" "c\xc2\xa0" "d\\u001b\"}");
    ck_assert_str_eq(s, "{\"n\":\"a\\u007fb\\u009bc\xc2\xa0" "d\\u001b\"}");
    free(s);
    s = json_shown("");
    ck_assert_str_eq(s, "");
    free(s);
    s = json_shown("\x7f\xc2\x80\xc2");   /* at the edges, and a 0xc2 cut short */
    ck_assert_str_eq(s, "\\u007f\\u0080\\ufffd");
    free(s);
}
END_TEST

START_TEST(json_invalid_utf8_replaced)
{
    /* a peer's Latin-1 commit message: json-c copies the bytes; the text
     * must stay valid JSON, so each bad byte becomes U+FFFD */
    char *s = json_shown("{\"m\":\"caf\xe9 \xff\xfe ok \xe2\x82\xac \xed\xa0\x80 \xf0\x9f\x98\x80\"}");
    ck_assert_str_eq(s, "{\"m\":\"caf\\ufffd \\ufffd\\ufffd ok \xe2\x82\xac \\ufffd\\ufffd\\ufffd \xf0\x9f\x98\x80\"}");
    free(s);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("safetext");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, c0_controls);
    tcase_add_test(tc, esc_sequences);
    tcase_add_test(tc, del_and_c1);
    tcase_add_test(tc, lone_bytes);
    tcase_add_test(tc, truncated_sequences);
    tcase_add_test(tc, printable_utf8_untouched);
    tcase_add_test(tc, text_copy);
    tcase_add_test(tc, format_escapes_arguments_only);
    tcase_add_test(tc, printf_and_warn);
    tcase_add_test(tc, json_keeps_strings);
    tcase_add_test(tc, json_invalid_utf8_replaced);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(make_suite)
