/* test_jsonw.c: jsonw output against what node's JSON.stringify prints
 * (expected strings below were produced by node 20 and pasted in). */
#include <math.h>

#include "memtui/graph/jsonw.h"
#include "testutil.h"

/* Serialize v (consumed) and compare with the expected text. */
static void check_value(struct json_object *v, const char *want)
{
    struct mt_buf b;
    mt_buf_init(&b);
    jsonw_value(&b, v);
    ck_assert_str_eq(b.data, want);
    ck_assert_uint_eq(b.len, strlen(want));
    mt_buf_free(&b);
    json_object_put(v);
}

/* Parse JSON text with json-c, then serialize it. */
static void check_text(const char *in, const char *want)
{
    struct json_object *v = json_tokener_parse(in);
    ck_assert_msg(v != NULL || strcmp(in, "null") == 0, "json-c cannot parse %s", in);
    check_value(v, want);
}

static void check_double(double d, const char *want)
{
    check_value(json_object_new_double(d), want);
}

START_TEST(control_chars)
{
    /* node: let s=""; for (i=0;i<32;i++) s+=String.fromCharCode(i); JSON.stringify(s) */
    char in[32];
    for (int i = 0; i < 32; i++) in[i] = (char)i;
    struct mt_buf b;
    mt_buf_init(&b);
    jsonw_string(&b, in, sizeof in);
    ck_assert_str_eq(b.data,
                     "\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n"
                     "\\u000b\\f\\r\\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015"
                     "\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f\"");
    mt_buf_free(&b);
}
END_TEST

START_TEST(quotes_and_unicode)
{
    /* node: JSON.stringify("q\"b\\s/d\x7fé東京🙂\u2028\u2029end"): only the quote
     * and the backslash change; "/", DEL, UTF-8, U+2028/9 stay raw. */
    const char *in = "q\"b\\s/d\x7f" "é東京🙂\xe2\x80\xa8\xe2\x80\xa9" "end";
    const char *want = "\"q\\\"b\\\\s/d\x7f" "é東京🙂\xe2\x80\xa8\xe2\x80\xa9" "end\"";
    struct mt_buf b;
    mt_buf_init(&b);
    jsonw_string(&b, in, strlen(in));
    ck_assert_str_eq(b.data, want);
    /* The body form is the same without the quotes. */
    mt_buf_reset(&b);
    jsonw_string_body(&b, in, strlen(in));
    ck_assert_uint_eq(b.len, strlen(want) - 2);
    ck_assert_int_eq(memcmp(b.data, want + 1, b.len), 0);
    mt_buf_free(&b);
    check_value(json_object_new_string(in), want);
}
END_TEST

START_TEST(embedded_nul_and_empty)
{
    check_value(json_object_new_string_len("a\0b", 3), "\"a\\u0000b\"");
    check_value(json_object_new_string(""), "\"\"");
}
END_TEST

START_TEST(escapes_at_every_offset)
{
    /* The 8-byte fast path must not skip a special byte in any position
     * or in the tail. */
    for (size_t len = 1; len <= 24; len++) {
        for (size_t at = 0; at < len; at++) {
            char in[32], want[64];
            memset(in, 'x', len);
            in[at] = '"';
            size_t w = 0;
            want[w++] = '"';
            for (size_t i = 0; i < len; i++) {
                if (i == at) want[w++] = '\\';
                want[w++] = in[i];
            }
            want[w++] = '"';
            want[w] = '\0';
            struct mt_buf b;
            mt_buf_init(&b);
            jsonw_string(&b, in, len);
            ck_assert_str_eq(b.data, want);
            mt_buf_free(&b);
        }
    }
}
END_TEST

/* A lone surrogate cannot be UTF-8; memtui keeps it as the 3-byte form of
 * its code point (ED A0-BF xx, "WTF-8"), which the writer turns back into
 * the escape JSON.stringify writes (node: JSON.stringify("\ud83d") is
 * "\ud83d", lowercase). Other ED sequences (U+D000-U+D7FF) stay raw. */
START_TEST(lone_surrogates)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"\xed\xa0\xbd", "\"\\ud83d\""},
        {"cut \xed\xa0\xbd here", "\"cut \\ud83d here\""},
        {"\xed\xa0\x80\xed\xaf\xbf\xed\xb0\x80\xed\xbf\xbf", "\"\\ud800\\udbff\\udc00\\udfff\""},
        {"\xed\xb9\x82\xed\xa0\xbd", "\"\\ude42\\ud83d\""},
        {"\xed\x80\x80\xed\x9f\xbf\xee\x80\x80", "\"\xed\x80\x80\xed\x9f\xbf\xee\x80\x80\""},
        {"\xf0\x9f\x99\x82\xed\xa0\xbd\n", "\"\xf0\x9f\x99\x82\\ud83d\\n\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct mt_buf b;
        mt_buf_init(&b);
        jsonw_string(&b, cases[i].in, strlen(cases[i].in));
        ck_assert_str_eq(b.data, cases[i].want);
        mt_buf_free(&b);
    }
    /* At every offset of longer strings (the 8-byte fast path). */
    static const char XS[] = "xxxxxxxxxxxxxxxxxxxxxxxx";
    for (size_t len = 3; len <= 24; len++) {
        for (size_t at = 0; at + 3 <= len; at++) {
            char in[32];
            memset(in, 'x', len);
            memcpy(in + at, "\xed\xbf\xbf", 3);
            char *want = xasprintf("\"%.*s\\udfff%.*s\"", (int)at, XS, (int)(len - at - 3), XS);
            struct mt_buf b;
            mt_buf_init(&b);
            jsonw_string(&b, in, len);
            ck_assert_str_eq(b.data, want);
            mt_buf_free(&b);
            free(want);
        }
    }
}
END_TEST

START_TEST(large_string)
{
    /* 8 MB of text with a newline every 1000 bytes: one escape each. */
    size_t n = 8u << 20;
    char *s = malloc(n);
    for (size_t i = 0; i < n; i++) s[i] = (i % 1000 == 999) ? '\n' : (char)('a' + i % 26);
    struct mt_buf b;
    mt_buf_init(&b);
    jsonw_string(&b, s, n);
    ck_assert_uint_eq(b.len, n + 2 + n / 1000);
    ck_assert_int_eq(b.data[0], '"');
    ck_assert_int_eq(memcmp(b.data + 1000, "\\n", 2), 0);
    mt_buf_free(&b);
    free(s);
}
END_TEST

START_TEST(doubles)
{
    /* node: JSON.stringify(x) for each x */
    check_double(1.0, "1");
    check_double(0.1, "0.1");
    check_double(1e21, "1e+21");
    check_double(1e20, "100000000000000000000");
    check_double(1e-7, "1e-7");
    check_double(-1e-7, "-1e-7");
    check_double(0.000001, "0.000001");
    check_double(-0.0, "0");
    check_double(123456789012345678901234567890.0, "1.2345678901234568e+29");
    check_double(5e-324, "5e-324");
    check_double(1.5e300, "1.5e+300");
    check_double(1.7976931348623157e308, "1.7976931348623157e+308");
    check_double(0x1p-1017, "7.120236347223045e-307");   /* power of two */
    check_double(-2.5, "-2.5");
    check_double(0.1 + 0.2, "0.30000000000000004");
    check_double(123.456, "123.456");
    check_double(100.0, "100");
    check_double(NAN, "null");
    check_double(INFINITY, "null");
    check_double(-INFINITY, "null");
}
END_TEST

START_TEST(numbers_from_text)
{
    /* node: JSON.stringify(JSON.parse(text)): the value, not the literal. */
    check_text("1.0", "1");
    check_text("[1.50,2.000e1,1E21,-0.0,100e-2]", "[1.5,20,1e+21,0,1]");
    check_text("1E400", "null");
    check_text("-0", "0");
    check_text("9007199254740993", "9007199254740992");     /* beyond 2^53 */
    check_text("-9007199254740993", "-9007199254740992");
    check_text("9007199254740992", "9007199254740992");
    check_text("12345678901234567890", "12345678901234567000"); /* uint64 */
    check_text("9223372036854775807", "9223372036854776000");
    check_text("[0,-1,42,-42]", "[0,-1,42,-42]");
}
END_TEST

START_TEST(ints_built)
{
    check_value(json_object_new_int64(INT64_MIN), "-9223372036854776000");
    check_value(json_object_new_int64(-9007199254740992LL), "-9007199254740992");
    check_value(json_object_new_uint64(UINT64_MAX), "18446744073709552000");
    check_value(json_object_new_int(7), "7");
}
END_TEST

START_TEST(scalars)
{
    check_value(json_object_new_boolean(1), "true");
    check_value(json_object_new_boolean(0), "false");
    check_value(NULL, "null");
}
END_TEST

START_TEST(nested_key_order)
{
    check_text("{\"type\":\"entity\",\"name\":\"A\",\"entityType\":\"p\","
               "\"observations\":[\"x\",\"y\"],"
               "\"meta\":{\"z\":1,\"a\":[1,2.50,{\"k\":null,\"b\":true,\"a\":false}],\"m\":{}},"
               "\"e\":[]}",
               "{\"type\":\"entity\",\"name\":\"A\",\"entityType\":\"p\","
               "\"observations\":[\"x\",\"y\"],"
               "\"meta\":{\"z\":1,\"a\":[1,2.5,{\"k\":null,\"b\":true,\"a\":false}],\"m\":{}},"
               "\"e\":[]}");
    /* Built in code, keys added out of alphabetical order. */
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "to", json_object_new_string("B"));
    json_object_object_add(o, "from", json_object_new_string("A/\"x\""));
    struct json_object *a = json_object_new_array();
    json_object_array_add(a, json_object_new_array());
    json_object_array_add(a, json_object_new_object());
    json_object_array_add(a, NULL);
    json_object_object_add(o, "list", a);
    check_value(o, "{\"to\":\"B\",\"from\":\"A/\\\"x\\\"\",\"list\":[[],{},null]}");
}
END_TEST

START_TEST(index_keys_first)
{
    /* JS lists array-index keys first, ascending; "01", "-1" and 2^32-1
     * are not indices and keep their place. */
    check_text("{\"b\":1,\"10\":2,\"a\":3,\"2\":4,\"01\":5,\"4294967295\":6,\"4294967294\":7,"
               "\"-1\":8,\"0\":9}",
               "{\"0\":9,\"2\":4,\"10\":2,\"4294967294\":7,\"b\":1,\"a\":3,\"01\":5,"
               "\"4294967295\":6,\"-1\":8}");
    /* Duplicate keys: the last value, at the first key's place. */
    check_text("{\"b\":1,\"2\":2,\"a\":3,\"1\":4,\"b\":5}", "{\"1\":4,\"2\":2,\"b\":5,\"a\":3}");
}
END_TEST

/* jsonw_text: JSON.stringify(JSON.parse(text)) but for numbers, which keep
 * their text (DESIGN 1.1); strings, key order and repeated keys as node. */
static void check_json_text(const char *in, const char *want)
{
    struct mt_buf b;
    mt_buf_init(&b);
    jsonw_text(&b, in, strlen(in));
    ck_assert_str_eq(b.data, want);
    mt_buf_free(&b);
}

START_TEST(text_values)
{
    check_json_text(" 1.0 ", "1.0");
    check_json_text("[1.50,2.000e1,1E21,-0.0,100e-2,1E400,9007199254740993]",
                    "[1.50,2.000e1,1E21,-0.0,100e-2,1E400,9007199254740993]");
    check_json_text("{ \"a\" : [ ] , \"b\" : { } ,\"c\":[ true,false , null ]}",
                    "{\"a\":[],\"b\":{},\"c\":[true,false,null]}");
    check_json_text("\"\\/\\u00e9\\uD83D\\uDE42\\uDE42\\u0000\\u001F\\u2028\"",
                    "\"/\xc3\xa9\xf0\x9f\x99\x82\\ude42\\u0000\\u001f\xe2\x80\xa8\"");
    check_json_text("{\"b\":1,\"10\":2.0,\"a\":3,\"2\":4,\"01\":5,\"b\":6e0}",
                    "{\"2\":4,\"10\":2.0,\"b\":6e0,\"a\":3,\"01\":5}");
    check_json_text("{\"\\u0032\":1,\"2\":2,\"\\ud800\":[{\"x\\u0000y\":-0}]}",
                    "{\"2\":2,\"\\ud800\":[{\"x\\u0000y\":-0}]}");
    /* many members: repeated keys found through a map */
    struct mt_buf in, want;
    mt_buf_init(&in);
    mt_buf_init(&want);
    mt_buf_addc(&in, '{');
    for (int i = 0; i < 40; i++) mt_buf_addf(&in, "%s\"k%d\":%d", i ? "," : "", i, i);
    for (int i = 0; i < 40; i += 2) mt_buf_addf(&in, ",\"k%d\":%d.0", i, i);
    mt_buf_addc(&in, '}');
    mt_buf_addc(&want, '{');
    for (int i = 0; i < 40; i++) mt_buf_addf(&want, "%s\"k%d\":%d%s", i ? "," : "", i, i, i % 2 ? "" : ".0");
    mt_buf_addc(&want, '}');
    check_json_text(in.data, want.data);
    mt_buf_free(&in);
    mt_buf_free(&want);
}
END_TEST

/* Graph text in memtui's own JSON documents stays valid UTF-8. */
START_TEST(graph_string_in_json_c)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "entity", jsonw_graph_string("cut \xed\xa0\xbd here/\t\xc3\xa9"));
    ck_assert_str_eq(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
                     "{\"entity\":\"cut \\ud83d here/\\t\xc3\xa9\"}");
    ck_assert_str_eq(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED),
                     "{\n  \"entity\": \"cut \\ud83d here/\\t\xc3\xa9\"\n}");
    json_object_put(o);
}
END_TEST

START_TEST(appends_to_existing)
{
    struct mt_buf b;
    mt_buf_init(&b);
    mt_buf_adds(&b, "x=");
    jsonw_double(&b, 0.5);
    mt_buf_addc(&b, ',');
    jsonw_string(&b, "\t", 1);
    ck_assert_str_eq(b.data, "x=0.5,\"\\t\"");
    mt_buf_free(&b);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("jsonw");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, control_chars);
    tcase_add_test(tc, quotes_and_unicode);
    tcase_add_test(tc, embedded_nul_and_empty);
    tcase_add_test(tc, escapes_at_every_offset);
    tcase_add_test(tc, lone_surrogates);
    tcase_add_test(tc, large_string);
    tcase_add_test(tc, doubles);
    tcase_add_test(tc, numbers_from_text);
    tcase_add_test(tc, ints_built);
    tcase_add_test(tc, scalars);
    tcase_add_test(tc, nested_key_order);
    tcase_add_test(tc, index_keys_first);
    tcase_add_test(tc, text_values);
    tcase_add_test(tc, graph_string_in_json_c);
    tcase_add_test(tc, appends_to_existing);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(make_suite)
