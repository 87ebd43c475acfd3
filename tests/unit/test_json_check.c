/* json_check (DESIGN 1.2): a table of valid and invalid JSON texts with the
 * byte offset of the first problem. The truth comes from node 20's JSON.parse
 * (whether it accepts the text, and the position it names, converted from
 * UTF-16 units to bytes; for its "Unexpected token" messages, the offset of
 * that token), hard-coded here. JSON.parse accepts lone surrogate escapes and
 * \u0000; json_check refuses them unless the caller keeps them
 * (JSON_CHECK_ALLOW_LONE_SURROGATES, JSON_CHECK_ALLOW_NUL). */
#include "testutil.h"
#include "memtui/graph/json_check.h"

#include <stdbool.h>

#define T(s) s, sizeof(s) - 1

struct row {
    const char *text;
    size_t len;
    int node_ok;       /* JSON.parse accepts it */
    long off;          /* -1: valid; else the offset of the first problem */
    const char *msg;   /* part of the expected message */
};

static const struct row ROWS[] = {
    {T("0"), 1, -1, NULL},
    {T("-0"), 1, -1, NULL},
    {T("1"), 1, -1, NULL},
    {T("-12.5e+3"), 1, -1, NULL},
    {T("0.0E-0"), 1, -1, NULL},
    {T("1E5"), 1, -1, NULL},
    {T("1e999"), 1, -1, NULL},
    {T("123456789012345678901234567890"), 1, -1, NULL},
    {T("true"), 1, -1, NULL},
    {T("false"), 1, -1, NULL},
    {T("null"), 1, -1, NULL},
    {T("\"\""), 1, -1, NULL},
    {T("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\""), 1, -1, NULL},
    {T("\"\\u00e9\\u00E9\""), 1, -1, NULL},
    {T("\"\\ud83d\\ude42\""), 1, -1, NULL},
    {T("\"\\uD83D\\uDE42\""), 1, -1, NULL},
    {T("\"\\udbff\\udfff\""), 1, -1, NULL},
    {T("\"\\ud7ff\\ue000\\uffff\""), 1, -1, NULL},
    {T("\"\303\251 \346\235\261\344\272\254 \360\237\231\202\""), 1, -1, NULL},
    {T("\"\177\""), 1, -1, NULL},
    {T("\"\342\200\250\342\200\251\""), 1, -1, NULL},
    {T("\"\\u0001\\u001f\""), 1, -1, NULL},
    {T("[]"), 1, -1, NULL},
    {T("{}"), 1, -1, NULL},
    {T(" \011\015\012[ 1 , 2 ]\012"), 1, -1, NULL},
    {T("{\"a\":1,\"a\":2}"), 1, -1, NULL},
    {T("{\"\":\"\"}"), 1, -1, NULL},
    {T("[[[[[]]]]]"), 1, -1, NULL},
    {T("[0,-0,0e0,0.5,1E-7]"), 1, -1, NULL},
    {T("{\"type\":\"entity\",\"name\":\"Alice\",\"entityType\":\"person\",\"observations\":[\"likes tea\"]}"), 1, -1, NULL},
    {T("{ \"a\" : [ true , false , null , { } , [ ] , \"x\" , -1 ] }"), 1, -1, NULL},
    {T("{\"a\":{\"b\":{\"c\":[{\"d\":[]}]}},\"e\":\"\\/\"}"), 1, -1, NULL},
    {T(""), 0, 0, "end of input"},
    {T("   "), 0, 3, "end of input"},
    {T("{"), 0, 1, "end of input"},
    {T("["), 0, 1, "end of input"},
    {T("[1"), 0, 2, "end of input"},
    {T("[1,"), 0, 3, "end of input"},
    {T("{\"a\""), 0, 4, "end of input"},
    {T("{\"a\":"), 0, 5, "end of input"},
    {T("{\"a\":1"), 0, 6, "end of input"},
    {T("tru"), 0, 3, "end of input"},
    {T("nul"), 0, 3, "end of input"},
    {T("\"abc"), 0, 4, "unterminated string"},
    {T("\"\\"), 0, 2, "unterminated string"},
    {T("\"\\u12"), 0, 5, "unterminated string"},
    {T("\"\\u12g4\""), 0, 5, "invalid \\u escape"},
    {T("\"\\x41\""), 0, 2, "invalid escape"},
    {T("\"\\U0041\""), 0, 2, "invalid escape"},
    {T("\"\\'\""), 0, 2, "invalid escape"},
    {T("\"\\a\""), 0, 2, "invalid escape"},
    {T("\"a\011b\""), 0, 2, "control character"},
    {T("\"a\001b\""), 0, 2, "control character"},
    {T("\"a\012b\""), 0, 2, "control character"},
    {T("\"\037\""), 0, 1, "control character"},
    {T("\"a\000b\""), 0, 2, "control character"},
    {T("\"\303\251\001\""), 0, 3, "control character"},
    {T("01"), 0, 1, "leading zero"},
    {T("-01"), 0, 2, "leading zero"},
    {T("[01]"), 0, 2, "leading zero"},
    {T("00"), 0, 1, "leading zero"},
    {T("+1"), 0, 0, "unexpected character"},
    {T(".5"), 0, 0, "unexpected character"},
    {T("1."), 0, 2, "no digit after '.'"},
    {T("1.e5"), 0, 2, "no digit after '.'"},
    {T("[1.]"), 0, 3, "no digit after '.'"},
    {T("1e"), 0, 2, "exponent"},
    {T("1e+"), 0, 3, "exponent"},
    {T("[1.5e]"), 0, 5, "exponent"},
    {T("1E-x"), 0, 3, "exponent"},
    {T("-"), 0, 1, "no digit after '-'"},
    {T("-a"), 0, 1, "no digit after '-'"},
    {T("[-]"), 0, 2, "no digit after '-'"},
    {T("-Infinity"), 0, 1, "no digit after '-'"},
    {T("Infinity"), 0, 0, "unexpected character"},
    {T("NaN"), 0, 0, "unexpected character"},
    {T("{\"a\":NaN}"), 0, 5, "unexpected character"},
    {T("0x10"), 0, 1, "text after"},
    {T("1e5.5"), 0, 3, "text after"},
    {T("truex"), 0, 4, "text after"},
    {T("trux"), 0, 3, "unexpected character"},
    {T("[tru]"), 0, 4, "unexpected character"},
    {T("True"), 0, 0, "unexpected character"},
    {T("nulL"), 0, 3, "unexpected character"},
    {T("1 2"), 0, 2, "text after"},
    {T("{'a':1}"), 0, 1, "single quotes"},
    {T("['a']"), 0, 1, "single quotes"},
    {T("{\"a\":'b'}"), 0, 5, "single quotes"},
    {T("[1,]"), 0, 3, "trailing comma"},
    {T("[1, ]"), 0, 4, "trailing comma"},
    {T("{\"a\":1,}"), 0, 7, "trailing comma"},
    {T("{\"a\":1, }"), 0, 8, "trailing comma"},
    {T("[\"a\",\012]"), 0, 6, "trailing comma"},
    {T("[,1]"), 0, 1, "unexpected character"},
    {T("[1,,2]"), 0, 3, "unexpected character"},
    {T("{,}"), 0, 1, "property name"},
    {T("{\"a\" 1}"), 0, 5, "expected ':'"},
    {T("{\"a\"=1}"), 0, 4, "expected ':'"},
    {T("{\"a\":}"), 0, 5, "unexpected character"},
    {T("{\"a\":1 \"b\":2}"), 0, 7, "expected ',' or '}'"},
    {T("[1 2]"), 0, 3, "expected ',' or ']'"},
    {T("[1}"), 0, 2, "expected ',' or ']'"},
    {T("{\"a\":1]"), 0, 6, "expected ',' or '}'"},
    {T("{1:2}"), 0, 1, "property name"},
    {T("{a:1}"), 0, 1, "property name"},
    {T("[1]//"), 0, 3, "text after"},
    {T("/*x*/1"), 0, 0, "comment"},
    {T("[1/*x*/]"), 0, 2, "comment"},
    {T("{\"a\":1}}"), 0, 7, "text after"},
    {T("[]]"), 0, 2, "text after"},
    {T("\0141"), 0, 0, "unexpected character"},
    {T("\0131"), 0, 0, "unexpected character"},
    {T("\302\2401"), 0, 0, "unexpected character"},
    {T("\357\273\2771"), 0, 0, "unexpected character"},
    {T("[1\302\240]"), 0, 2, "expected ',' or ']'"},
    {T("{\"type\":\"entity\",\"name\":\"E\011ve\",\"entityType\":\"p\",\"observations\":[]}"), 0, 26, "control character"},
    {T("\"\\ud800\""), 1, 1, "lone surrogate"},
    {T("\"\\ud800x\""), 1, 1, "lone surrogate"},
    {T("\"a\\udc00\""), 1, 2, "lone surrogate"},
    {T("\"\\ud800\\u0041\""), 1, 1, "lone surrogate"},
    {T("\"\\udbff\\ud800\""), 1, 1, "lone surrogate"},
    {T("\"\\ud800\\n\""), 1, 1, "lone surrogate"},
    {T("[\"ok\",\"\\udfff\"]"), 1, 7, "lone surrogate"},
    {T("\"\\uDE42\\uD83D\""), 1, 1, "lone surrogate"},
    {T("\"\\u0000\""), 1, 1, "NUL"},
    {T("{\"s\":\"a\\u0000\"}"), 1, 7, "NUL"},
    {T("\"\\ud800"), 0, 7, "unterminated string"},
    {T("\"\\ud800\\"), 0, 8, "unterminated string"},
    {T("\"\\ud800\\u12"), 0, 11, "unterminated string"},
    {T("\"\\ud800\\uZZZZ\""), 0, 9, "invalid \\u escape"},
};
#define N_ROWS (sizeof ROWS / sizeof ROWS[0])

/* The text in a buffer of exactly its size, so ASan sees any over-read. */
static char *exact_copy(const char *s, size_t n)
{
    char *b = malloc(n ? n : 1);
    ck_assert_ptr_nonnull(b);
    memcpy(b, s, n);
    return b;
}

static bool is_unstorable(const char *msg)
{
    return strstr(msg, "lone surrogate") || strstr(msg, "NUL character");
}

START_TEST(table)
{
    const struct row *r = &ROWS[_i];
    char *b = exact_copy(r->text, r->len);
    size_t off = (size_t)-1;
    const char *msg = NULL;
    bool ok = json_check(b, r->len, &off, &msg);
    if (r->off < 0) {
        ck_assert_msg(ok, "row %d: refused at %zu (%s)", _i, off, msg ? msg : "?");
        ck_assert_msg(r->node_ok, "row %d: valid but JSON.parse refuses it", _i);
    } else {
        ck_assert_msg(!ok, "row %d: accepted", _i);
        ck_assert_msg(off == (size_t)r->off, "row %d: offset %zu, expected %ld (%s)", _i, off, r->off, msg);
        ck_assert_ptr_nonnull(msg);
        ck_assert_msg(strstr(msg, r->msg), "row %d: message \"%s\" lacks \"%s\"", _i, msg, r->msg);
        /* Only what cannot be stored is refused beyond what JSON.parse refuses. */
        if (r->node_ok) ck_assert_msg(is_unstorable(msg), "row %d: JSON.parse accepts it: %s", _i, msg);
    }
    /* Null out-pointers are allowed. */
    ck_assert_int_eq(json_check(b, r->len, NULL, NULL), ok);
    /* JSON_CHECK_ALLOW_NUL changes only the \u0000 rows. */
    size_t off2 = (size_t)-1;
    const char *msg2 = NULL;
    bool ok2 = json_check_flags(b, r->len, JSON_CHECK_ALLOW_NUL, &off2, &msg2);
    if (!ok && strstr(msg, "NUL character")) {
        ck_assert_msg(ok2, "row %d: refused with ALLOW_NUL at %zu (%s)", _i, off2, msg2);
    } else {
        ck_assert_int_eq(ok2, ok);
        if (!ok) ck_assert_uint_eq(off2, off);
    }
    /* JSON_CHECK_ALLOW_LONE_SURROGATES changes only the lone surrogate rows. */
    bool ok3 = json_check_flags(b, r->len, JSON_CHECK_ALLOW_LONE_SURROGATES, &off2, &msg2);
    if (!ok && strstr(msg, "lone surrogate")) {
        ck_assert_msg(ok3, "row %d: refused with ALLOW_LONE_SURROGATES at %zu (%s)", _i, off2, msg2);
    } else {
        ck_assert_int_eq(ok3, ok);
        if (!ok) ck_assert_uint_eq(off2, off);
    }
    free(b);
}
END_TEST

/* Every proper prefix of a valid text is either valid itself or refused at
 * its end: a truncated text is always reported where it stops (mt_item_parse
 * relies on this to say "truncated?"). */
START_TEST(prefixes_fail_at_the_end)
{
    const struct row *r = &ROWS[_i];
    if (r->off >= 0) return;
    for (size_t n = 0; n < r->len; n++) {
        char *b = exact_copy(r->text, n);
        size_t off = (size_t)-1;
        const char *msg = NULL;
        if (!json_check(b, n, &off, &msg))
            ck_assert_msg(off == n, "row %d, first %zu bytes: offset %zu (%s)", _i, n, off, msg);
        free(b);
    }
}
END_TEST

/* n levels of nesting: "[[[...]]]" or, with objects, [{"a":[{"a":...}]}]. */
static char *nested(size_t n, bool objects, size_t *len)
{
    char *b = malloc(n * 6 + 2), *w = b;
    for (size_t i = 0; i < n; i++) {
        if (objects && i % 2) w += sprintf(w, "{\"a\":");
        else *w++ = '[';
    }
    *w++ = '1';
    for (size_t i = n; i-- > 0;) *w++ = objects && i % 2 ? '}' : ']';
    *len = (size_t)(w - b);
    return b;
}

START_TEST(depth_limit)
{
    for (int objects = 0; objects < 2; objects++) {
        size_t len, off;
        const char *msg;
        char *b = nested(JSON_CHECK_MAX_DEPTH, objects, &len);
        ck_assert_msg(json_check(b, len, &off, &msg), "depth 512 refused at %zu: %s", off, msg);
        free(b);
        b = nested(JSON_CHECK_MAX_DEPTH + 1, objects, &len);
        ck_assert(!json_check(b, len, &off, &msg));
        /* the opening bracket of level 513 */
        size_t at = objects ? (JSON_CHECK_MAX_DEPTH / 2) * 6 : JSON_CHECK_MAX_DEPTH;
        ck_assert_uint_eq(off, at);
        ck_assert_str_eq(msg, "nested too deep (more than 512 levels)");
        free(b);
    }
}
END_TEST

/* The container stack keeps each level's kind: a wrong closer deep inside
 * is found where it is. */
START_TEST(deep_wrong_closer)
{
    size_t len;
    char *b = nested(300, true, &len);
    /* the closers start at len - 300; swap the 100th one to the other kind */
    size_t k = len - 300 + 99;
    b[k] = b[k] == ']' ? '}' : ']';
    size_t off;
    const char *msg;
    ck_assert(!json_check(b, len, &off, &msg));
    ck_assert_uint_eq(off, k);
    ck_assert_msg(strstr(msg, "expected ','"), "%s", msg);
    free(b);
}
END_TEST

/* A long canonical graph line with many escapes, and a long valid document
 * (the validator is linear and allocation-free). */
START_TEST(long_texts)
{
    size_t n = 1 << 20, i = 0;
    char *b = malloc(n + 64);
    i += (size_t)sprintf(b, "{\"observations\":[");
    while (i < n) i += (size_t)sprintf(b + i, "\"x\\u00e9\\ud83d\\ude42\\n\",");
    b[i - 1] = ']';
    b[i++] = '}';
    size_t off;
    const char *msg;
    ck_assert_msg(json_check(b, i, &off, &msg), "refused at %zu: %s", off, msg);
    b[i - 3] = '\x01';   /* a control byte in the last string */
    ck_assert(!json_check(b, i, &off, &msg));
    ck_assert_uint_eq(off, i - 3);
    free(b);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("json_check");
    TCase *tc = tcase_create("table");
    tcase_add_loop_test(tc, table, 0, (int)N_ROWS);
    tcase_add_loop_test(tc, prefixes_fail_at_the_end, 0, (int)N_ROWS);
    suite_add_tcase(s, tc);
    tc = tcase_create("limits");
    tcase_add_test(tc, depth_limit);
    tcase_add_test(tc, deep_wrong_closer);
    tcase_add_test(tc, long_texts);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(make_suite)
