/* Reading and writing graph files (DESIGN 1.1, 1.2): odd but valid forms,
 * the JSON.stringify-exact writer, the bad-input corpus (quarantine with
 * file:line:col, the merge goes on), duplicate names, and diffing without
 * parsing unchanged lines.
 *
 * Expected writer output was computed with node's JSON.stringify and is
 * hard-coded. */
#include "testutil.h"
#include "mergeutil.h"
#include "memtui/merge/delta.h"
#include "memtui/graph/fragment.h"
#include "memtui/graph/graph.h"

#include <json-c/json.h>

/* ---- shared fixtures ---------------------------------------------------- */

#define L_ALICE "{\"type\":\"entity\",\"name\":\"Alice\",\"entityType\":\"person\",\"observations\":[\"likes tea\"]}"
#define L_ALICE2                                                                                  \
    "{\"type\":\"entity\",\"name\":\"Alice\",\"entityType\":\"person\",\"observations\":[\"likes " \
    "tea\",\"likes coffee\"]}"
#define L_BOB "{\"type\":\"entity\",\"name\":\"Bob\",\"entityType\":\"person\",\"observations\":[\"plays chess\"]}"
#define L_KNOWS "{\"type\":\"relation\",\"from\":\"Alice\",\"to\":\"Bob\",\"relationType\":\"knows\"}"
#define L_CAROL "{\"type\":\"entity\",\"name\":\"Carol\",\"entityType\":\"person\",\"observations\":[\"sings\"]}"
#define L_DAVE "{\"type\":\"entity\",\"name\":\"Dave\",\"entityType\":\"person\",\"observations\":[]}"
#define L_ZED "{\"type\":\"entity\",\"name\":\"Zed\",\"entityType\":\"robot\",\"observations\":[\"beeps\"]}"
#define L_CAROL_KNOWS "{\"type\":\"relation\",\"from\":\"Carol\",\"to\":\"Bob\",\"relationType\":\"knows\"}"

/* The canonical JSONL of Alice, Bob and Alice-knows-Bob, as memtui writes it. */
static const char BASE[] = L_ALICE "\n" L_BOB "\n" L_KNOWS "\n";

static const char KNOWS_KEY[] = "Alice\x01" "Bob\x01" "knows";

/* Load text (exactly len bytes, no NUL after them, so ASan sees over-reads). */
static int load_n(struct mt_fragment *f, const char *file, const char *text, size_t len,
                  struct mt_error *err)
{
    char *d = xmalloc(len ? len : 1);
    memcpy(d, text, len);
    return mt_fragment_load(f, file, d, len, err);
}

static void load_ok(struct mt_fragment *f, const char *text, size_t len)
{
    struct mt_error err = {0};
    if (load_n(f, "memory-x.json", text, len, &err)) {
        char *m = mt_error_format(&err);
        ck_abort_msg("load failed: %s", m);
    }
}

static char *key_of(const struct mt_fragment *f, size_t i)
{
    ck_assert_uint_lt(i, f->nlines);
    ck_assert_ptr_nonnull(f->lines[i].key);
    return xstrndup(f->lines[i].key, f->lines[i].key_len);
}

static void assert_key(const struct mt_fragment *f, size_t i, enum mt_line_kind kind, const char *key)
{
    ck_assert_int_eq(f->lines[i].kind, kind);
    char *k = key_of(f, i);
    ck_assert_msg(strcmp(k, key) == 0, "line %zu: key \"%s\", expected \"%s\"", i, k, key);
    free(k);
}

/* Every entity and relation of U is in the result (and the engine's own
 * check agrees). */
static void assert_u_kept(const struct mt_plan *p)
{
    for (size_t i = 0; i < p->base.nents; i++)
        ck_assert_msg(mt_graph_entity(&p->result, p->base.ents[i]->key), "entity %s of U lost",
                      p->base.ents[i]->name);
    for (size_t i = 0; i < p->base.nrels; i++)
        ck_assert_msg(mt_graph_relation(&p->result, p->base.rels[i]->key), "relation of U lost");
    struct mt_error err = {0};
    if (mt_plan_check_nothing_lost(p, &err)) ck_abort_msg("nothing-lost check: %s", err.msg);
}

static const struct mt_env_plan *env_of(const struct mt_plan *p, const char *env)
{
    for (size_t i = 0; i < p->nenvs; i++)
        if (strcmp(p->envs[i].ref.env, env) == 0) return &p->envs[i];
    ck_abort_msg("no env %s", env);
    return NULL;
}

/* Merge text as F_e of a new environment "a" over U; returns the result. */
static char *merge_new(const char *u, const char *ftext)
{
    struct mu_store s = {0};
    struct mt_plan p;
    struct mu_env envs[] = {{"a", NULL, ftext}};
    ck_assert_int_eq(mu_merge(&p, &s, u, envs, 1, MT_POLICY_PRESERVE, false), 0);
    const struct mt_env_plan *e = env_of(&p, "a");
    ck_assert_msg(e->status == MT_FRAG_NEW, "status %s: %s", mt_frag_status_name(e->status),
                  e->reason ? e->reason : "");
    ck_assert_int_eq(p.nconflicts, 0);
    assert_u_kept(&p);
    char *out = mu_result(&p);
    mt_plan_free(&p);
    return out;
}

/* ---- 1. valid odd forms ------------------------------------------------- */

struct odd_case {
    const char *what;
    const char *text;
    bool legacy;
    long linenos[3];   /* JSONL line numbers of Alice, Bob, knows (0: legacy) */
};

#define PRETTY_TYPED                                                                              \
    "{\n  \"entities\": [\n    {\n      \"type\": \"entity\",\n      \"name\": \"Alice\",\n      " \
    "\"entityType\": \"person\",\n      \"observations\": [\n        \"likes tea\"\n      ]\n    " \
    "},\n    {\n      \"type\": \"entity\",\n      \"name\": \"Bob\",\n      \"entityType\": "      \
    "\"person\",\n      \"observations\": [\n        \"plays chess\"\n      ]\n    }\n  ],\n  "    \
    "\"relations\": [\n    {\n      \"type\": \"relation\",\n      \"from\": \"Alice\",\n      "    \
    "\"to\": \"Bob\",\n      \"relationType\": \"knows\"\n    }\n  ]\n}"

#define PRETTY_UNTYPED                                                                            \
    "{\n  \"entities\": [\n    {\n      \"name\": \"Alice\",\n      \"entityType\": \"person\",\n " \
    "     \"observations\": [\n        \"likes tea\"\n      ]\n    },\n    {\n      \"name\": "     \
    "\"Bob\",\n      \"entityType\": \"person\",\n      \"observations\": [\"plays chess\"]\n    "  \
    "}\n  ],\n  \"relations\": [\n    {\n      \"from\": \"Alice\",\n      \"to\": \"Bob\",\n     " \
    " \"relationType\": \"knows\"\n    }\n  ]\n}\n"

static const struct odd_case ODD[] = {
    {"no final newline", L_ALICE "\n" L_BOB "\n" L_KNOWS, false, {1, 2, 3}},
    {"final newline", L_ALICE "\n" L_BOB "\n" L_KNOWS "\n", false, {1, 2, 3}},
    {"CRLF", L_ALICE "\r\n" L_BOB "\r\n" L_KNOWS "\r\n", false, {1, 2, 3}},
    {"CRLF, no final newline", L_ALICE "\r\n" L_BOB "\r\n" L_KNOWS, false, {1, 2, 3}},
    {"mixed LF and CRLF", L_ALICE "\n" L_BOB "\r\n" L_KNOWS "\n", false, {1, 2, 3}},
    {"blank and whitespace-only lines",
     "\n  \n" L_ALICE "\n\t\n \t \r\n\r\n" L_BOB "\n\n" L_KNOWS "\n \n\n", false, {3, 7, 9}},
    {"whitespace around lines", "  " L_ALICE " \t\n\t" L_BOB "\r\n" L_KNOWS "  ", false, {1, 2, 3}},
    {"fields in another order",
     "{\"name\":\"Alice\",\"type\":\"entity\",\"observations\":[\"likes tea\"],\"entityType\":\"person\"}\n"
     "{\"observations\":[\"plays chess\"],\"entityType\":\"person\",\"name\":\"Bob\",\"type\":\"entity\"}\n"
     "{\"relationType\":\"knows\",\"to\":\"Bob\",\"from\":\"Alice\",\"type\":\"relation\"}",
     false, {1, 2, 3}},
    {"escapes that spell the same strings",
     "{\"type\":\"entity\",\"name\":\"\\u0041lice\",\"entityType\":\"person\",\"observations\":[\"likes\\u0020tea\"]}\n"
     "{\"type\":\"entity\",\"name\":\"B\\u006fb\",\"entityType\":\"pers\\u006fn\",\"observations\":[\"plays chess\"]}\n"
     "{\"type\":\"relation\",\"from\":\"Alic\\u0065\",\"to\":\"Bob\",\"relationType\":\"kn\\u006fws\"}\n",
     false, {1, 2, 3}},
    {"legacy pretty-printed with types (JSON.stringify(g, null, 2))", PRETTY_TYPED, true, {0}},
    {"legacy pretty-printed without types", PRETTY_UNTYPED, true, {0}},
    {"legacy pretty-printed, CRLF",
     "{\r\n  \"entities\": [\r\n    {\"name\": \"Alice\", \"entityType\": \"person\", \"observations\": "
     "[\"likes tea\"]},\r\n    {\"name\": \"Bob\", \"entityType\": \"person\", \"observations\": "
     "[\"plays chess\"]}\r\n  ],\r\n  \"relations\": [\r\n    {\"from\": \"Alice\", \"to\": \"Bob\", "
     "\"relationType\": \"knows\"}\r\n  ]\r\n}\r\n",
     true, {0}},
    {"legacy compact without types",
     "{\"entities\":[{\"name\":\"Alice\",\"entityType\":\"person\",\"observations\":[\"likes tea\"]},"
     "{\"name\":\"Bob\",\"entityType\":\"person\",\"observations\":[\"plays chess\"]}],"
     "\"relations\":[{\"from\":\"Alice\",\"to\":\"Bob\",\"relationType\":\"knows\"}]}",
     true, {0}},
    {"legacy with relations listed first",
     "{\"relations\":[{\"from\":\"Alice\",\"to\":\"Bob\",\"relationType\":\"knows\"}],"
     "\"entities\":[{\"name\":\"Alice\",\"entityType\":\"person\",\"observations\":[\"likes tea\"]},"
     "{\"name\":\"Bob\",\"entityType\":\"person\",\"observations\":[\"plays chess\"]}]}\n",
     true, {0}},
    {"bare array, relations first, typed",
     "[" L_KNOWS "," L_ALICE "," L_BOB "]", true, {0}},
    {"bare array, pretty, untyped, relations first",
     "[\n  {\n    \"from\": \"Alice\",\n    \"to\": \"Bob\",\n    \"relationType\": \"knows\"\n  },\n"
     "  {\n    \"name\": \"Alice\",\n    \"entityType\": \"person\",\n    \"observations\": [\"likes tea\"]\n  },\n"
     "  {\n    \"name\": \"Bob\",\n    \"entityType\": \"person\",\n    \"observations\": [\"plays chess\"]\n  }\n]\n",
     true, {0}},
    {"bare array, relation between entities, leading blank lines",
     "\n\n  [" L_ALICE ",\n" L_KNOWS ",\n" L_BOB "]\n", true, {0}},
};
#define N_ODD (sizeof ODD / sizeof ODD[0])

START_TEST(odd_forms_load_and_merge)
{
    const struct odd_case *c = &ODD[_i];
    struct mt_fragment f;
    load_ok(&f, c->text, strlen(c->text));
    ck_assert_msg(f.legacy == c->legacy, "%s: legacy=%d", c->what, f.legacy);
    ck_assert_msg(f.nlines == 3, "%s: %zu lines", c->what, f.nlines);
    assert_key(&f, 0, MT_LINE_ENTITY, "Alice");
    assert_key(&f, 1, MT_LINE_ENTITY, "Bob");
    assert_key(&f, 2, MT_LINE_RELATION, KNOWS_KEY);
    if (!c->legacy)
        for (int i = 0; i < 3; i++)
            ck_assert_msg(f.lines[i].lineno == c->linenos[i], "%s: line %d has lineno %ld, expected %ld",
                          c->what, i, f.lines[i].lineno, c->linenos[i]);
    /* Lines never keep their CR. */
    for (size_t i = 0; i < f.nlines; i++)
        ck_assert(f.lines[i].len == 0 || f.lines[i].p[f.lines[i].len - 1] != '\r');
    mt_fragment_free(&f);

    char *out = merge_new(NULL, c->text);
    ck_assert_msg(strcmp(out, BASE) == 0, "%s: merged to\n%s", c->what, out);
    free(out);
    /* Over a U that already holds the same graph, nothing changes. */
    out = merge_new(BASE, c->text);
    ck_assert_str_eq(out, BASE);
    free(out);
}
END_TEST

/* The same graph as canonical M_e and an odd-form F_e: no delta at all. */
START_TEST(odd_forms_diff_empty)
{
    const struct odd_case *c = &ODD[_i];
    struct mt_fragment m, f;
    load_ok(&m, BASE, strlen(BASE));
    load_ok(&f, c->text, strlen(c->text));
    struct mt_delta d;
    struct mt_error err = {0};
    ck_assert_int_eq(mt_delta_compute(&m, &f, 2, &d, &err), 0);
    ck_assert_msg(d.nents == 0 && d.nrels == 0, "%s: %zu entity and %zu relation changes", c->what,
                  d.nents, d.nrels);
    ck_assert_uint_eq(d.f_entities, 2);
    ck_assert_uint_eq(d.f_relations, 1);
    ck_assert_uint_eq(d.f_observations, 2);
    ck_assert_uint_eq(d.duplicate_lines, 0);
    ck_assert_uint_eq(d.other_lines, 0);
    mt_delta_free(&d);
    mt_fragment_free(&m);
    mt_fragment_free(&f);
}
END_TEST

static const char *const EMPTY_FORMS[] = {
    "", "\n", "\n\n\n", "\r\n\r\n", "  \n\t\n \r\n", "   ",
    "{\"entities\":[],\"relations\":[]}", "[]", "\n[\n]\n", "{\n  \"entities\": []\n}\n",
};
#define N_EMPTY (sizeof EMPTY_FORMS / sizeof EMPTY_FORMS[0])

START_TEST(empty_forms)
{
    const char *text = EMPTY_FORMS[_i];
    struct mt_fragment f;
    load_ok(&f, text, strlen(text));
    ck_assert_msg(f.nlines == 0, "\"%s\": %zu lines", text, f.nlines);
    mt_fragment_free(&f);
    /* Empty file exactly, with no byte at all behind the pointer. */
    struct mt_error err = {0};
    ck_assert_int_eq(mt_fragment_load(&f, "memory-x.json", xmalloc(1), 0, &err), 0);
    ck_assert_uint_eq(f.nlines, 0);
    mt_fragment_free(&f);

    char *out = merge_new(BASE, text);
    ck_assert_str_eq(out, BASE);
    free(out);
    out = merge_new(NULL, text);
    ck_assert_str_eq(out, "");
    free(out);
}
END_TEST

/* Keys: escaped JSON text of the name, equal however the input escaped it,
 * on the fast path (canonical bytes) and the slow one. */
START_TEST(keys_with_escapes)
{
    static const char text[] =
        "{\"type\":\"entity\",\"name\":\"a\\\"b\\\\c/\xc3\xa9\",\"entityType\":\"t\",\"observations\":[]}\n"
        "{\"type\":\"entity\",\"name\":\"a\\u0022b\\\\c\\/\\u00e9\",\"entityType\":\"t\",\"observations\":[]}\n"
        "{\"type\":\"entity\",\"name\":\"tab\\there\\u001f\x7f\",\"entityType\":\"t\",\"observations\":[]}\n"
        "{\"type\":\"entity\",\"name\":\"\xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x99\x82\",\"entityType\":\"t\",\"observations\":[]}\n"
        "{\"type\":\"entity\",\"name\":\"\\u6771\\u4eac \\ud83d\\ude42\",\"entityType\":\"t\",\"observations\":[]}\n"
        "{\"type\":\"relation\",\"from\":\"a\\\"b\",\"to\":\"\\u00e9\",\"relationType\":\"x/y\"}\n"
        "{\"type\":\"relation\",\"from\":\"p\",\"to\":\"q\",\"relationType\":\"r\",\"extra\":1}\n"
        "{\"type\":\"note\",\"text\":\"x\"}\n";
    struct mt_fragment f;
    load_ok(&f, text, strlen(text));
    ck_assert_uint_eq(f.nlines, 8);
    assert_key(&f, 0, MT_LINE_ENTITY, "a\\\"b\\\\c/\xc3\xa9");
    assert_key(&f, 1, MT_LINE_ENTITY, "a\\\"b\\\\c/\xc3\xa9");
    assert_key(&f, 2, MT_LINE_ENTITY, "tab\\there\\u001f\x7f");
    assert_key(&f, 3, MT_LINE_ENTITY, "\xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x99\x82");
    assert_key(&f, 4, MT_LINE_ENTITY, "\xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x99\x82");
    assert_key(&f, 5, MT_LINE_RELATION, "a\\\"b\x01\xc3\xa9\x01x/y");
    assert_key(&f, 6, MT_LINE_RELATION, "p\x01q\x01r");
    ck_assert_int_eq(f.lines[7].kind, MT_LINE_OTHER);
    /* The same keys as graph.h computes from the decoded strings. */
    char *k = mt_entity_key("a\"b\\c/\xc3\xa9");
    ck_assert_str_eq(k, "a\\\"b\\\\c/\xc3\xa9");
    free(k);
    k = mt_relation_key("a\"b", "\xc3\xa9", "x/y");
    ck_assert_str_eq(k, "a\\\"b\x01\xc3\xa9\x01x/y");
    free(k);
    struct mt_fragment_index ix;
    mt_fragment_index_build(&f, &ix);
    ck_assert_uint_eq(ix.entities, 3);
    ck_assert_uint_eq(ix.relations, 2);
    ck_assert_uint_eq(ix.duplicate_lines, 2);
    ck_assert_uint_eq(ix.other_lines, 1);
    mt_fragment_index_free(&ix);
    mt_fragment_free(&f);
}
END_TEST

/* One line of more than 10 MB (a single entity with a huge observation),
 * between two ordinary lines, without a final newline. */
START_TEST(huge_line)
{
    const size_t big = 10u * 1024 * 1024 + 17;
    struct mt_buf obs;
    mt_buf_init(&obs);
    static const char chunk[] = "0123456789abcdef ~\xc3\xa9\xe6\x9d\xb1\xf0\x9f\x99\x82\\\"\\n/";
    while (obs.len < big) mt_buf_add(&obs, chunk, sizeof chunk - 1);
    struct mt_buf line;
    mt_buf_init(&line);
    mt_buf_adds(&line, "{\"type\":\"entity\",\"name\":\"Big\",\"entityType\":\"blob\",\"observations\":[\"");
    mt_buf_add(&line, obs.data, obs.len);
    mt_buf_adds(&line, "\",\"short\"]}");
    struct mt_buf text;
    mt_buf_init(&text);
    mt_buf_adds(&text, L_ALICE "\n");
    mt_buf_add(&text, line.data, line.len);
    mt_buf_adds(&text, "\n" L_KNOWS);

    struct mt_fragment f;
    load_ok(&f, text.data, text.len);
    ck_assert_uint_eq(f.nlines, 3);
    assert_key(&f, 0, MT_LINE_ENTITY, "Alice");
    assert_key(&f, 1, MT_LINE_ENTITY, "Big");
    assert_key(&f, 2, MT_LINE_RELATION, KNOWS_KEY);
    ck_assert_uint_eq(f.lines[1].len, line.len);
    ck_assert_int_eq(f.lines[1].lineno, 2);
    /* Parsed and written back, the huge line is the same bytes. */
    struct mt_item it;
    struct mt_error err = {0};
    ck_assert_int_eq(mt_item_parse(f.lines[1].p, f.lines[1].len, f.file, 2, &it, &err), 0);
    ck_assert_int_eq(it.kind, MT_ITEM_ENTITY);
    ck_assert_uint_eq(it.entity->obs.n, 2);
    struct mt_buf w;
    mt_buf_init(&w);
    mt_entity_write(&w, it.entity);
    ck_assert_uint_eq(w.len, line.len);
    ck_assert(memcmp(w.data, line.data, line.len) == 0);
    mt_buf_free(&w);
    mt_item_clear(&it);
    mt_fragment_free(&f);

    char *out = merge_new(NULL, text.data);
    struct mt_buf exp;
    mt_buf_init(&exp);
    mt_buf_adds(&exp, L_ALICE "\n");
    mt_buf_add(&exp, line.data, line.len);
    mt_buf_adds(&exp, "\n" L_KNOWS "\n");
    ck_assert_uint_eq(strlen(out), exp.len);
    ck_assert(strcmp(out, exp.data) == 0);
    free(out);
    mt_buf_free(&exp);
    mt_buf_free(&obs);
    mt_buf_free(&line);
    mt_buf_free(&text);
}
END_TEST

/* 100k lines: 90k entities then 10k relations. */
#define MANY_E 90000
#define MANY_R 10000

static void many_lines(struct mt_buf *b, bool final_nl)
{
    for (int i = 0; i < MANY_E; i++)
        mt_buf_addf(b, "{\"type\":\"entity\",\"name\":\"E%06d\",\"entityType\":\"t%d\",\"observations\":[\"o%d\"]}\n",
                    i, i % 7, i);
    for (int i = 0; i < MANY_R; i++)
        mt_buf_addf(b, "{\"type\":\"relation\",\"from\":\"E%06d\",\"to\":\"E%06d\",\"relationType\":\"next\"}\n",
                    i, i + 1);
    if (!final_nl) b->data[--b->len] = '\0';
}

START_TEST(hundred_thousand_lines)
{
    struct mt_buf text;
    mt_buf_init(&text);
    many_lines(&text, false);
    struct mt_fragment f;
    load_ok(&f, text.data, text.len);
    ck_assert_uint_eq(f.nlines, MANY_E + MANY_R);
    assert_key(&f, 0, MT_LINE_ENTITY, "E000000");
    assert_key(&f, MANY_E, MT_LINE_RELATION, "E000000\x01" "E000001\x01next");
    char *k = xasprintf("E%06d\x01" "E%06d\x01next", MANY_R - 1, MANY_R);
    assert_key(&f, MANY_E + MANY_R - 1, MT_LINE_RELATION, k);
    free(k);
    for (size_t i = 0; i <= MANY_E; i += 997) {
        size_t at = i < MANY_E ? i : MANY_E - 1;   /* every 997th, and the last */
        k = xasprintf("E%06zu", at);
        assert_key(&f, at, MT_LINE_ENTITY, k);
        free(k);
    }
    ck_assert_int_eq(f.lines[MANY_E + MANY_R - 1].lineno, MANY_E + MANY_R);
    mt_fragment_free(&f);

    char *out = merge_new(NULL, text.data);
    struct mt_buf exp;
    mt_buf_init(&exp);
    many_lines(&exp, true);
    ck_assert_uint_eq(strlen(out), exp.len);
    ck_assert(strcmp(out, exp.data) == 0);
    free(out);
    mt_buf_free(&exp);
    mt_buf_free(&text);
}
END_TEST

/* ---- the index, against a plain reading of what it promises ------------- */

struct ix_order {
    const struct mt_fragment *f;
    bool by_key;
};
static struct ix_order ix_order;

/* Lines in order of their text (or kind and key), then of position. */
static int cmp_lines(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    const struct mt_line *x = &ix_order.f->lines[i], *y = &ix_order.f->lines[j];
    const char *xp = ix_order.by_key ? x->key : x->p, *yp = ix_order.by_key ? y->key : y->p;
    size_t xn = ix_order.by_key ? x->key_len : x->len, yn = ix_order.by_key ? y->key_len : y->len;
    if (ix_order.by_key && x->kind != y->kind) return x->kind < y->kind ? -1 : 1;
    int c = memcmp(xp, yp, xn < yn ? xn : yn);
    if (c) return c;
    if (xn != yn) return xn < yn ? -1 : 1;
    return i < j ? -1 : i > j;
}

static bool same_text(const struct mt_fragment *f, size_t i, size_t j, bool by_key)
{
    const struct mt_line *x = &f->lines[i], *y = &f->lines[j];
    if (by_key)
        return x->kind == y->kind && x->key_len == y->key_len && memcmp(x->key, y->key, x->key_len) == 0;
    return x->len == y->len && memcmp(x->p, y->p, x->len) == 0;
}

/* A file of n lines with every kind of line the index tells apart: entity
 * and relation keys met again, lines met again byte for byte, keys behind
 * escapes (keyed the slow way), other types, lines that do not parse. */
static void mixed_lines(struct mt_buf *b, size_t n)
{
    uint32_t r = 12345;
    for (size_t i = 0; i < n; i++) {
        r = r * 1103515245u + 12345u;
        unsigned v = (r >> 8) % 1000, name = (r >> 4) % 700, other = (r >> 12) % 700;
        if (v < 420)
            mt_buf_addf(b, "{\"type\":\"entity\",\"name\":\"N%u\",\"entityType\":\"t%u\",\"observations\":[\"o%u\"]}\n",
                        name, v % 3, (unsigned)(i % 5));
        else if (v < 470)
            mt_buf_addf(b, "{\"type\":\"entity\",\"name\":\"N\\u0025%u\",\"entityType\":\"t\",\"observations\":[]}\n", name);
        else if (v < 850)
            mt_buf_addf(b, "{\"type\":\"relation\",\"from\":\"N%u\",\"to\":\"N%u\",\"relationType\":\"r%u\"}\n", name,
                        other, v % 2);
        else if (v < 880)
            mt_buf_addf(b, "{\"type\":\"relation\",\"from\":\"N\\\"%u\",\"to\":\"N%u\",\"relationType\":\"r\"}\n", name,
                        other);
        else if (v < 940)
            mt_buf_addf(b, "{\"type\":\"entity\",\"name\":\"N%u\",\"entityType\":\"t0\",\"observations\":[\"o0\"]}\n",
                        name % 40);  /* often the same bytes again */
        else if (v < 970)
            mt_buf_addf(b, "{\"type\":\"note\",\"n\":%u}\n", name % 9);
        else
            mt_buf_addf(b, "not json %u\n", name % 9);
    }
}

static void check_index(size_t n, bool bytes)
{
    struct mt_buf text;
    mt_buf_init(&text);
    mixed_lines(&text, n);
    struct mt_fragment f;
    struct mt_error err = {0};
    char *d = xmalloc(text.len);
    memcpy(d, text.data, text.len);
    ck_assert_int_eq(mt_fragment_load_lazy(&f, "memory-x.json", d, text.len, NULL, NULL, &err), 0);
    ck_assert_uint_eq(f.nlines, n);
    struct mt_fragment_index ix;
    mt_fragment_index_build_by(&f, &ix, bytes);

    /* keys, as keying one line alone gives them */
    size_t ent_lines = 0, rel_lines = 0, other = 0;
    for (size_t i = 0; i < n; i++) {
        struct mt_line alone = f.lines[i];
        alone.kind = MT_LINE_UNKEYED;
        alone.key = NULL;
        alone.key_len = 0;
        mt_fragment_key(&f, &alone);
        ck_assert_int_eq(alone.kind, f.lines[i].kind);
        ck_assert_uint_eq(alone.key_len, f.lines[i].key_len);
        if (alone.key) ck_assert(memcmp(alone.key, f.lines[i].key, alone.key_len) == 0);
        ent_lines += f.lines[i].kind == MT_LINE_ENTITY;
        rel_lines += f.lines[i].kind == MT_LINE_RELATION;
        other += f.lines[i].kind == MT_LINE_OTHER;
    }
    ck_assert_uint_eq(ix.entity_lines, ent_lines);
    ck_assert_uint_eq(ix.relation_lines, rel_lines);
    ck_assert_uint_eq(ix.other_lines, other);
    if (n >= 300) {  /* the mix is there */
        ck_assert_uint_gt(ent_lines, n / 3);
        ck_assert_uint_gt(rel_lines, n / 3);
        ck_assert_uint_gt(other, 0);
    }

    size_t *order = xmalloc(n * sizeof(*order));
    for (int by_key = 0; by_key < 2; by_key++) {
        if (!by_key && !bytes) continue;
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (!by_key || f.lines[i].kind == MT_LINE_ENTITY || f.lines[i].kind == MT_LINE_RELATION) order[m++] = i;
        ix_order = (struct ix_order){&f, by_key};
        qsort(order, m, sizeof(*order), cmp_lines);
        size_t distinct[2] = {0, 0}, dup_entities = 0;
        for (size_t a = 0; a < m;) {
            size_t z = a + 1;
            while (z < m && same_text(&f, order[a], order[z], by_key)) z++;
            size_t first = order[a];  /* the group runs in file order */
            const struct mt_line *l = &f.lines[first];
            size_t at = SIZE_MAX;
            if (by_key) {
                const struct mt_strmap *map = l->kind == MT_LINE_ENTITY ? &ix.ent_keys : &ix.rel_keys;
                ck_assert(mt_strmap_get(map, l->key, l->key_len, &at));
                distinct[l->kind == MT_LINE_RELATION]++;
                if (l->kind == MT_LINE_ENTITY) dup_entities += z - a - 1;
                for (size_t k = a; k < z; k++)
                    ck_assert_uint_eq(ix.next[order[k]], k + 1 < z ? order[k + 1] : SIZE_MAX);
            } else {
                ck_assert(mt_strmap_get(&ix.by_bytes, l->p, l->len, &at));
                for (size_t k = a; k < z; k++) ck_assert_uint_eq(ix.rep[order[k]], first);
            }
            ck_assert_uint_eq(at, first);
            a = z;
        }
        if (by_key) {
            ck_assert_uint_eq(ix.entities, distinct[0]);
            ck_assert_uint_eq(ix.relations, distinct[1]);
            ck_assert_uint_eq(ix.duplicate_lines, dup_entities);
            if (n >= 300) ck_assert_uint_gt(dup_entities, 0);
        }
    }
    if (!bytes) ck_assert_ptr_null(ix.rep);
    free(order);
    mt_fragment_index_free(&ix);
    mt_fragment_free(&f);
    mt_buf_free(&text);
}

/* Small files and large ones (which may be indexed on two threads) alike;
 * by bytes and keys, and by keys alone. */
START_TEST(index_matches_plain_reading)
{
    static const size_t sizes[] = {7, 300, 20000};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        check_index(sizes[s], true);
        check_index(sizes[s], false);
    }
}
END_TEST

/* ---- 2. the writer ------------------------------------------------------ */

static char *write_entity(const struct mt_entity *e)
{
    struct mt_buf b;
    mt_buf_init(&b);
    mt_entity_write(&b, e);
    return mt_buf_detach(&b, NULL);
}

static char *write_relation(const struct mt_relation *r)
{
    struct mt_buf b;
    mt_buf_init(&b);
    mt_relation_write(&b, r);
    return mt_buf_detach(&b, NULL);
}

/* node: JSON.stringify({type:"entity", name:'say "hi" \\ back/slash',
 *   entityType:"ctl\x01\x08\x09\x0a\x0c\x0d\x1f\x7f",
 *   observations:["é 東京 🙂", "\u2028\u2029", "a/b</script>", ""]}) */
START_TEST(writer_entity_escapes)
{
    struct mt_entity *e = mt_entity_new("say \"hi\" \\ back/slash", "ctl\x01\b\t\n\f\r\x1f\x7f");
    mt_strset_add(&e->obs, "\xc3\xa9 \xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x99\x82");
    mt_strset_add(&e->obs, "\xe2\x80\xa8\xe2\x80\xa9");
    mt_strset_add(&e->obs, "a/b</script>");
    mt_strset_add(&e->obs, "");
    char *s = write_entity(e);
    ck_assert_str_eq(s, "{\"type\":\"entity\",\"name\":\"say \\\"hi\\\" \\\\ back/slash\",\"entityType\":"
                        "\"ctl\\u0001\\b\\t\\n\\f\\r\\u001f\x7f\",\"observations\":[\"\xc3\xa9 "
                        "\xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x99\x82\",\"\xe2\x80\xa8\xe2\x80\xa9\","
                        "\"a/b</script>\",\"\"]}");
    free(s);
    mt_entity_free(e);

    /* Every control character, one by one: JSON.stringify's table. */
    static const char *const ctl[32] = {
        "\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005", "\\u0006", "\\u0007",
        "\\b",     "\\t",     "\\n",     "\\u000b", "\\f",     "\\r",     "\\u000e", "\\u000f",
        "\\u0010", "\\u0011", "\\u0012", "\\u0013", "\\u0014", "\\u0015", "\\u0016", "\\u0017",
        "\\u0018", "\\u0019", "\\u001a", "\\u001b", "\\u001c", "\\u001d", "\\u001e", "\\u001f",
    };
    for (int c = 1; c < 32; c++) {
        char name[4] = {'x', (char)c, 'y', 0};
        e = mt_entity_new(name, "t");
        s = write_entity(e);
        char *exp = xasprintf("{\"type\":\"entity\",\"name\":\"x%sy\",\"entityType\":\"t\",\"observations\":[]}",
                              ctl[c]);
        ck_assert_str_eq(s, exp);
        free(exp);
        free(s);
        mt_entity_free(e);
    }
}
END_TEST

/* node: JSON.stringify({type:"relation", from:"東京", to:'🙂"', relationType:"\\\n/"}) */
START_TEST(writer_relation_escapes)
{
    struct mt_relation *r = mt_relation_new("\xe6\x9d\xb1\xe4\xba\xac", "\xf0\x9f\x99\x82\"", "\\\n/");
    char *s = write_relation(r);
    ck_assert_str_eq(s, "{\"type\":\"relation\",\"from\":\"\xe6\x9d\xb1\xe4\xba\xac\",\"to\":\"\xf0\x9f\x99\x82"
                        "\\\"\",\"relationType\":\"\\\\\\n/\"}");
    free(s);
    mt_relation_free(r);
}
END_TEST

static struct mt_item parse_ok(const char *line)
{
    struct mt_item it;
    struct mt_error err = {0};
    if (mt_item_parse(line, strlen(line), "memory-x.json", 1, &it, &err)) {
        char *m = mt_error_format(&err);
        ck_abort_msg("parse failed: %s", m);
    }
    return it;
}

static char *rewrite(const char *line)
{
    struct mt_item it = parse_ok(line);
    char *s = NULL;
    if (it.kind == MT_ITEM_ENTITY) s = write_entity(it.entity);
    else if (it.kind == MT_ITEM_RELATION) s = write_relation(it.relation);
    else ck_abort_msg("not an entity or relation: %s", line);
    mt_item_clear(&it);
    return s;
}

/* node: const {type,name,entityType,observations,...rest} = JSON.parse(line);
 *       JSON.stringify({type,name,entityType,observations,...rest})
 * (the known fields first, then the others in their original order; "\/"
 * unescaped), except that numbers keep the text they were written with
 * (DESIGN 1.1: never re-printed through a double). */
START_TEST(writer_extras_in_order)
{
    char *s = rewrite("{\"type\":\"entity\",\"zeta\":1,\"name\":\"N\",\"entityType\":\"t\",\"observations\":[\"o\"],"
                      "\"alpha\":{\"b\":[1,2.50,\"x\\/y\"],\"c\":null,\"d\":true},"
                      "\"_crdt_metadata\":{\"v\":1e21,\"w\":-0.0,\"x\":1.0,\"y\":12345678901234567890,\"z\":0.1e-6}}");
    ck_assert_str_eq(s, "{\"type\":\"entity\",\"name\":\"N\",\"entityType\":\"t\",\"observations\":[\"o\"],\"zeta\":1,"
                        "\"alpha\":{\"b\":[1,2.50,\"x/y\"],\"c\":null,\"d\":true},"
                        "\"_crdt_metadata\":{\"v\":1e21,\"w\":-0.0,\"x\":1.0,\"y\":12345678901234567890,\"z\":0.1e-6}}");
    free(s);
    s = rewrite("{\"createdAt\":\"2024-01-01T00:00:00.000Z\",\"type\":\"relation\",\"from\":\"\\u00e9\","
                "\"to\":\"\\ud83d\\ude42\",\"relationType\":\"\\u2028\\/\",\"w\":[{\"a\":[]},{}]}");
    ck_assert_str_eq(s, "{\"type\":\"relation\",\"from\":\"\xc3\xa9\",\"to\":\"\xf0\x9f\x99\x82\",\"relationType\":"
                        "\"\xe2\x80\xa8/\",\"createdAt\":\"2024-01-01T00:00:00.000Z\",\"w\":[{\"a\":[]},{}]}");
    free(s);
    /* Observations: duplicates dropped, first occurrence kept. */
    s = rewrite("{\"type\":\"entity\",\"name\":\"N\",\"entityType\":\"t\",\"observations\":[\"b\",\"a\",\"b\",\"c\",\"a\"]}");
    ck_assert_str_eq(s, "{\"type\":\"entity\",\"name\":\"N\",\"entityType\":\"t\",\"observations\":[\"b\",\"a\",\"c\"]}");
    free(s);
}
END_TEST

/* Canonical lines (as the server writes them) read and written back are
 * the same bytes. */
static const char *const CANONICAL[] = {
    L_ALICE,
    L_KNOWS,
    "{\"type\":\"entity\",\"name\":\"say \\\"hi\\\" \\\\ back/slash\",\"entityType\":"
    "\"ctl\\u0001\\b\\t\\n\\f\\r\\u001f\x7f\",\"observations\":[\"\xc3\xa9 "
    "\xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x99\x82\",\"\xe2\x80\xa8\xe2\x80\xa9\",\"a/b</script>\",\"\"]}",
    "{\"type\":\"relation\",\"from\":\"\xe6\x9d\xb1\xe4\xba\xac\",\"to\":\"\xf0\x9f\x99\x82\\\"\","
    "\"relationType\":\"\\\\\\n/\"}",
    "{\"type\":\"entity\",\"name\":\"N\",\"entityType\":\"t\",\"observations\":[\"o\"],\"zeta\":1,"
    "\"alpha\":{\"b\":[1,2.5,\"x/y\"],\"c\":null,\"d\":true},"
    "\"_crdt_metadata\":{\"v\":1e+21,\"w\":0,\"x\":1,\"y\":12345678901234567000,\"z\":1e-7}}",
    "{\"type\":\"relation\",\"from\":\"\xc3\xa9\",\"to\":\"\xf0\x9f\x99\x82\",\"relationType\":"
    "\"\xe2\x80\xa8/\",\"createdAt\":\"2024-01-01T00:00:00.000Z\",\"w\":[{\"a\":[]},{}]}",
    "{\"type\":\"entity\",\"name\":\"z\",\"entityType\":\"\",\"observations\":[\"\"]}",
    "{\"type\":\"entity\",\"name\":\"x\",\"entityType\":\"y\",\"observations\":[],\"n\":-1.5e-300,\"m\":0.000001,"
    "\"s\":\"\\u0000\",\"e\":[],\"o\":{}}",
};
#define N_CANONICAL (sizeof CANONICAL / sizeof CANONICAL[0])

START_TEST(writer_roundtrip_canonical)
{
    const char *line = CANONICAL[_i];
    char *s = rewrite(line);
    ck_assert_str_eq(s, line);
    free(s);
}
END_TEST

/* A whole canonical file merged as a new environment comes out the same,
 * with a final newline. */
START_TEST(writer_roundtrip_file)
{
    struct mt_buf text;
    mt_buf_init(&text);
    for (size_t i = 0; i < N_CANONICAL; i++) {
        const char *l = CANONICAL[i];
        if (strstr(l, "\"type\":\"entity\"")) mt_buf_adds(&text, l), mt_buf_addc(&text, '\n');
    }
    for (size_t i = 0; i < N_CANONICAL; i++) {
        const char *l = CANONICAL[i];
        if (strstr(l, "\"type\":\"relation\"")) mt_buf_adds(&text, l), mt_buf_addc(&text, '\n');
    }
    char *out = merge_new(NULL, text.data);
    ck_assert_str_eq(out, text.data);
    free(out);
    mt_buf_free(&text);
}
END_TEST

/* ---- byte-exact: lone surrogates and number text (DESIGN 1.1) ----------- */

/* Lines as the server writes them: JSON.stringify writes a lone UTF-16
 * surrogate as a lowercase \udxxx escape and a pair as UTF-8 (node:
 * JSON.stringify("\ud83d\ud83d\ude42") is "\ud83d🙂"). Read and written back,
 * through the fast and the slow parser, they are the same bytes. */
static const char *const EXACT_SURROGATES[] = {
    "{\"type\":\"entity\",\"name\":\"cut \\ud83d here\",\"entityType\":\"t\",\"observations\":[\"o\"]}",
    "{\"type\":\"entity\",\"name\":\"A\",\"entityType\":\"t\",\"observations\":[\"cut \\ud83d here\",\"\\ude42 low first\","
    "\"end high \\udbff\",\"\\udc00\",\"\\ude42\\ud83d\",\"\xf0\x9f\x99\x82\\ud83d\",\"\\ud83d\xf0\x9f\x99\x82\","
    "\"\\ud800\\ud800\",\"\xed\x9f\xbf\xee\x80\x80\"]}",
    "{\"type\":\"entity\",\"name\":\"B\",\"entityType\":\"t\\udfff\",\"observations\":[]}",
    "{\"type\":\"relation\",\"from\":\"cut \\ud83d here\",\"to\":\"\\udc00\",\"relationType\":\"r\\ud800\"}",
    "{\"type\":\"entity\",\"name\":\"C\",\"entityType\":\"t\",\"observations\":[],\"\\ud83d key\":\"\\ude42 value\","
    "\"m\":{\"a\":[\"\\udfff\",{\"\\ud800\":1}]}}",
    "{\"type\":\"relation\",\"from\":\"A\",\"to\":\"B\",\"relationType\":\"r\",\"x\":\"\\ud83d\"}",
};
#define N_EXACT_SURROGATES (sizeof EXACT_SURROGATES / sizeof EXACT_SURROGATES[0])

/* Numbers in extra fields keep their text however large or precise:
 * beyond int64 and uint64, beyond 2^53, beyond double precision and range,
 * and in the forms JS would print otherwise (1.0, -0.0, 1E21, 0.1e-6). */
static const char *const EXACT_NUMBERS[] = {
    "{\"type\":\"entity\",\"name\":\"A\",\"entityType\":\"t\",\"observations\":[],\"n\":100000000000000000000,"
    "\"f\":1.2300000000000000000001e29}",
    "{\"type\":\"entity\",\"name\":\"N\",\"entityType\":\"t\",\"observations\":[\"o\"],\"i\":-9223372036854775809,"
    "\"u\":18446744073709551616,\"s\":9007199254740993,\"d\":1.0,\"z\":-0.0,\"e\":1E21,\"g\":0.1e-6,"
    "\"h\":2.50e-400,\"k\":1e400,\"small\":-7}",
    "{\"type\":\"entity\",\"name\":\"N\",\"entityType\":\"t\",\"observations\":[],\"m\":{\"a\":[12345678901234567890123,"
    "{\"b\":[1.10,-0]}],\"c\":{}},\"l\":[[3.14159265358979323846264338327950288]]}",
    "{\"type\":\"relation\",\"from\":\"A\",\"to\":\"B\",\"relationType\":\"r\",\"big\":100000000000000000001,"
    "\"p\":0.30000000000000000000001,\"nest\":{\"q\":[1e-999]}}",
};
#define N_EXACT_NUMBERS (sizeof EXACT_NUMBERS / sizeof EXACT_NUMBERS[0])

static void assert_exact(const char *line)
{
    char *s = rewrite(line);
    ck_assert_str_eq(s, line);
    free(s);
    char *want = xasprintf("%s\n", line);
    char *out = merge_new(NULL, line);
    ck_assert_str_eq(out, want);
    free(out);
    free(want);
}

START_TEST(exact_lone_surrogates)
{
    assert_exact(EXACT_SURROGATES[_i]);
}
END_TEST

START_TEST(exact_number_text)
{
    assert_exact(EXACT_NUMBERS[_i]);
}
END_TEST

/* graph.h: equal names give equal keys however the input escaped them, lone
 * surrogates included (JSON.stringify writes them in lowercase). */
START_TEST(lone_surrogate_keys)
{
    static const char text[] =
        "{\"type\":\"entity\",\"name\":\"cut \\ud83d here\",\"entityType\":\"t\",\"observations\":[\"a\"]}\n"
        "{\"type\":\"entity\",\"name\":\"cut \\uD83D here\",\"entityType\":\"t\",\"observations\":[\"b\"]}\n"
        "{\"type\":\"entity\",\"name\":\"other \\uDC00\",\"entityType\":\"t\",\"observations\":[]}\n"
        "{\"type\":\"entity\",\"name\":\"cut \\ud83e here\",\"entityType\":\"t\",\"observations\":[]}\n"
        "{\"type\":\"relation\",\"from\":\"cut \\uD83D here\",\"to\":\"other \\udc00\",\"relationType\":\"r\"}\n"
        "{\"type\":\"relation\",\"from\":\"cut \\ud83d here\",\"to\":\"other \\uDC00\",\"relationType\":\"r\"}\n";
    struct mt_fragment f;
    load_ok(&f, text, strlen(text));
    ck_assert_uint_eq(f.nlines, 6);
    assert_key(&f, 0, MT_LINE_ENTITY, "cut \\ud83d here");
    assert_key(&f, 1, MT_LINE_ENTITY, "cut \\ud83d here");
    assert_key(&f, 2, MT_LINE_ENTITY, "other \\udc00");
    assert_key(&f, 3, MT_LINE_ENTITY, "cut \\ud83e here");
    assert_key(&f, 4, MT_LINE_RELATION, "cut \\ud83d here\x01other \\udc00\x01r");
    assert_key(&f, 5, MT_LINE_RELATION, "cut \\ud83d here\x01other \\udc00\x01r");
    struct mt_fragment_index ix;
    mt_fragment_index_build(&f, &ix);
    ck_assert_uint_eq(ix.entities, 3);
    ck_assert_uint_eq(ix.relations, 1);
    ck_assert_uint_eq(ix.duplicate_lines, 1);
    mt_fragment_index_free(&ix);
    mt_fragment_free(&f);
    /* The parsed entity's key is the same text graph.h computes. */
    struct mt_item it = parse_ok("{\"type\":\"entity\",\"name\":\"x\\uDBFF\",\"entityType\":\"t\",\"observations\":[]}");
    ck_assert_str_eq(it.entity->key, "x\\udbff");
    char *k = mt_entity_key(it.entity->name);
    ck_assert_str_eq(k, it.entity->key);
    free(k);
    mt_item_clear(&it);
    char *out = merge_new(NULL, text);
    ck_assert_str_eq(out,
                     "{\"type\":\"entity\",\"name\":\"cut \\ud83d here\",\"entityType\":\"t\",\"observations\":[\"a\",\"b\"]}\n"
                     "{\"type\":\"entity\",\"name\":\"other \\udc00\",\"entityType\":\"t\",\"observations\":[]}\n"
                     "{\"type\":\"entity\",\"name\":\"cut \\ud83e here\",\"entityType\":\"t\",\"observations\":[]}\n"
                     "{\"type\":\"relation\",\"from\":\"cut \\ud83d here\",\"to\":\"other \\udc00\",\"relationType\":\"r\"}\n");
    free(out);
}
END_TEST

/* Extra fields in another writer's layout come out as JSON.stringify would
 * write them (compact, "\/" and "\u00e9" unescaped, lone surrogates in
 * lowercase, a repeated key's last value at its first place, array-index
 * keys first), with each number's text as written. */
START_TEST(extras_normalised_numbers_kept)
{
    char *s = rewrite("{\"type\":\"entity\",\"name\":\"N\",\"entityType\":\"t\",\"observations\":[], \"x\" : { \"b\" : "
                      "[ 1.50 , \"\\/\\u00e9\\uD83D\" ] , \"2\":0.0, \"1\":1e5 },\t\"y\":1, \"x2\":true, \"y\":2.0 }");
    ck_assert_str_eq(s, "{\"type\":\"entity\",\"name\":\"N\",\"entityType\":\"t\",\"observations\":[],"
                        "\"x\":{\"1\":1e5,\"2\":0.0,\"b\":[1.50,\"/\xc3\xa9\\ud83d\"]},\"y\":2.0,\"x2\":true}");
    free(s);
}
END_TEST

/* An entity whose observations change is written anew by memtui: its extra
 * fields keep their exact text, as do untouched relations' extra fields. */
#define X_EXTRAS ",\"n\":100000000000000000000,\"f\":1.2300000000000000000001e29,\"m\":{\"a\":[12345678901234567890123,1.0]}}"
#define X_LINE(obs) "{\"type\":\"entity\",\"name\":\"X\",\"entityType\":\"t\",\"observations\":[" obs "]" X_EXTRAS
#define R_LINE "{\"type\":\"relation\",\"from\":\"X\",\"to\":\"Y\",\"relationType\":\"r\",\"big\":100000000000000000001}"
#define Y_LINE "{\"type\":\"entity\",\"name\":\"Y\",\"entityType\":\"t\",\"observations\":[]}"
#define Z_LINE "{\"type\":\"entity\",\"name\":\"Z\",\"entityType\":\"t\",\"observations\":[\"\\ud83d\"]}"
START_TEST(extras_kept_when_entity_changes)
{
    static const char u[] = X_LINE("\"o1\"") "\n" Y_LINE "\n" R_LINE "\n";
    static const char f[] = X_LINE("\"o1\",\"o2\"") "\n" Y_LINE "\n" Z_LINE "\n" R_LINE "\n";
    struct mu_store s = {0};
    struct mt_plan p;
    struct mu_env envs[] = {{"a", u, f}};
    ck_assert_int_eq(mu_merge(&p, &s, u, envs, 1, MT_POLICY_PRESERVE, false), 0);
    ck_assert_int_eq(p.nconflicts, 0);
    char *out = mu_result(&p);
    ck_assert_str_eq(out, X_LINE("\"o1\",\"o2\"") "\n" Y_LINE "\n" Z_LINE "\n" R_LINE "\n");
    free(out);
    mt_plan_free(&p);
}
END_TEST

/* Extra fields nested as deep as a line may be (JSON_CHECK_MAX_DEPTH levels,
 * the line's own object included) come out the same. */
START_TEST(deep_extras_roundtrip)
{
    struct mt_buf b;
    mt_buf_init(&b);
    mt_buf_adds(&b, "{\"type\":\"entity\",\"name\":\"N\",\"entityType\":\"t\",\"observations\":[],\"d\":");
    for (int i = 1; i < 512; i++) mt_buf_adds(&b, i % 2 ? "[" : "{\"k\":");
    mt_buf_adds(&b, "12345678901234567890.5");
    for (int i = 511; i >= 1; i--) mt_buf_adds(&b, i % 2 ? "]" : "}");
    mt_buf_addc(&b, '}');
    assert_exact(b.data);
    mt_buf_free(&b);
}
END_TEST

/* Legacy documents are carried the same way into JSONL. */
START_TEST(legacy_byte_exact)
{
    static const char text[] =
        "{\"entities\": [{\"name\": \"A\\ud800\", \"entityType\": \"p\", \"observations\": [\"\\udfff\"], "
        "\"n\": 100000000000000000000}],\n \"relations\": [{\"from\": \"A\\uD800\", \"to\": \"B\", "
        "\"relationType\": \"r\", \"p\": 1.0}]}\n";
    char *out = merge_new(NULL, text);
    ck_assert_str_eq(out,
                     "{\"type\":\"entity\",\"name\":\"A\\ud800\",\"entityType\":\"p\",\"observations\":[\"\\udfff\"],"
                     "\"n\":100000000000000000000}\n"
                     "{\"type\":\"relation\",\"from\":\"A\\ud800\",\"to\":\"B\",\"relationType\":\"r\",\"p\":1.0}\n");
    free(out);
}
END_TEST

/* ---- 3. the bad-input corpus -------------------------------------------- */

struct bad_case {
    const char *what;
    const char *line;
    long col;          /* the column JSON.parse gives; 1 for a well-formed line
                        * whose fields are wrong */
    bool last;         /* the bad line ends the file (no newline after it) */
};

static const struct bad_case BAD[] = {
    /* bad JSON */
    {"missing opening brace", "\"type\":\"entity\",\"name\":\"Eve\",\"entityType\":\"p\",\"observations\":[]}", 7, false},
    {"missing closing brace", "{\"type\":\"entity\",\"name\":\"Eve\",\"entityType\":\"p\",\"observations\":[]", 65, false},
    {"closing bracket instead of brace",
     "{\"type\":\"entity\",\"name\":\"Eve\",\"entityType\":\"p\",\"observations\":[]]", 65, false},
    {"trailing comma in object", "{\"type\":\"entity\",\"name\":\"Eve\",\"entityType\":\"p\",\"observations\":[],}", 66, false},
    {"trailing comma in list", "{\"type\":\"entity\",\"name\":\"Eve\",\"entityType\":\"p\",\"observations\":[\"a\",]}", 68, false},
    {"single quotes", "{'type':'entity','name':'Eve','entityType':'p','observations':[]}", 2, false},
    {"unquoted keys", "{type:\"entity\",name:\"Eve\",entityType:\"p\",observations:[]}", 2, false},
    {"two objects on a line", L_DAVE L_CAROL, (long)sizeof(L_DAVE), false},
    {"text after the object", L_DAVE " x", (long)sizeof(L_DAVE) + 1, false},
    {"bad escape", "{\"type\":\"entity\",\"name\":\"E\\qve\",\"entityType\":\"p\",\"observations\":[]}", 28, false},
    {"bare word", "hello", 1, false},
    {"\\u escape without hex digits", "{\"type\":\"entity\",\"name\":\"Eve\",\"entityType\":\"p\",\"observations\":[\"a\\uZZZZ\"]}",
     68, false},
    {"bad escape after a lone surrogate", "{\"type\":\"entity\",\"name\":\"E\\ud83d\\uZZZZ\",\"entityType\":\"p\",\"observations\":[]}",
     35, false},
    {"\\u escape cut short", "{\"type\":\"relation\",\"from\":\"\\ud83\",\"to\":\"B\",\"relationType\":\"k\"}", 33, false},
    /* invalid UTF-8, in a name and in an observation */
    {"overlong in name", "{\"type\":\"entity\",\"name\":\"E\xc0\xafve\",\"entityType\":\"p\",\"observations\":[]}", 27, false},
    {"overlong 3-byte in observation",
     "{\"type\":\"entity\",\"name\":\"Eve\",\"entityType\":\"p\",\"observations\":[\"a\xe0\x80\xafz\"]}", 66, false},
    {"lone continuation byte in name", "{\"type\":\"entity\",\"name\":\"E\x80ve\",\"entityType\":\"p\",\"observations\":[]}", 27, false},
    {"lone continuation byte in observation",
     "{\"type\":\"entity\",\"name\":\"Eve\",\"entityType\":\"p\",\"observations\":[\"a\xbfz\"]}", 66, false},
    {"truncated sequence in name", "{\"type\":\"entity\",\"name\":\"E\xe6\x9d\",\"entityType\":\"p\",\"observations\":[]}", 27, false},
    {"truncated sequence in observation",
     "{\"type\":\"entity\",\"name\":\"Eve\",\"entityType\":\"p\",\"observations\":[\"a\xf0\x9f\x99\"]}", 66, false},
    {"surrogate as UTF-8 in name", "{\"type\":\"entity\",\"name\":\"E\xed\xa0\x80ve\",\"entityType\":\"p\",\"observations\":[]}", 27, false},
    {"surrogate as UTF-8 in observation",
     "{\"type\":\"entity\",\"name\":\"Eve\",\"entityType\":\"p\",\"observations\":[\"a\xed\xbf\xbfz\"]}", 66, false},
    {"byte 0xff in a relation", "{\"type\":\"relation\",\"from\":\"Alice\",\"to\":\"B\xff\",\"relationType\":\"knows\"}", 42, false},
    {"invalid UTF-8 in a line of another type", "{\"type\":\"note\",\"text\":\"\xc1\xbf\"}", 24, false},
    /* missing or mistyped fields */
    {"entity without name", "{\"type\":\"entity\",\"entityType\":\"p\",\"observations\":[]}", 1, false},
    {"entity with null name", "{\"type\":\"entity\",\"name\":null,\"entityType\":\"p\",\"observations\":[]}", 1, false},
    {"entity with numeric name", "{\"type\":\"entity\",\"name\":7,\"entityType\":\"p\",\"observations\":[]}", 1, false},
    {"entity without entityType", "{\"type\":\"entity\",\"name\":\"Eve\",\"observations\":[]}", 1, false},
    {"observations a string", "{\"type\":\"entity\",\"name\":\"Eve\",\"entityType\":\"p\",\"observations\":\"sings\"}", 1, false},
    {"observations an object", "{\"type\":\"entity\",\"name\":\"Eve\",\"entityType\":\"p\",\"observations\":{}}", 1, false},
    {"observations holding a number",
     "{\"type\":\"entity\",\"name\":\"Eve\",\"entityType\":\"p\",\"observations\":[\"sings\",3]}", 1, false},
    {"observations holding null",
     "{\"type\":\"entity\",\"name\":\"Eve\",\"entityType\":\"p\",\"observations\":[null]}", 1, false},
    {"relation without from", "{\"type\":\"relation\",\"to\":\"Bob\",\"relationType\":\"knows\"}", 1, false},
    {"relation without to", "{\"type\":\"relation\",\"from\":\"Alice\",\"relationType\":\"knows\"}", 1, false},
    {"relation without relationType", "{\"type\":\"relation\",\"from\":\"Carol\",\"to\":\"Bob\"}", 1, false},
    {"relation with numeric to", "{\"type\":\"relation\",\"from\":\"Carol\",\"to\":2,\"relationType\":\"knows\"}", 1, false},
    {"line is a JSON array", "[1,2,3]", 1, false},
    {"line is an array of entities", "[" L_DAVE "]", 1, false},
    {"line is a number", "42", 1, false},
    {"line is true", "true", 1, false},
    {"line is a string", "\"hello\"", 1, false},
    {"line is null", "null", 1, false},
    {"numeric type", "{\"type\":1,\"name\":\"Eve\",\"entityType\":\"p\",\"observations\":[]}", 1, false},
    {"null type", "{\"type\":null,\"name\":\"Eve\",\"entityType\":\"p\",\"observations\":[]}", 1, false},
    {"array type", "{\"type\":[\"entity\"],\"name\":\"Eve\",\"entityType\":\"p\",\"observations\":[]}", 1, false},
    /* truncated last line (the file ends mid-value) */
    {"truncated last line, in a value", "{\"type\":\"entity\",\"name\":\"Eve\",\"entityType\":\"per", 48, true},
    {"truncated last line, in the name", "{\"type\":\"entity\",\"name\":\"Ev", 28, true},
    {"truncated last line, in observations",
     "{\"type\":\"entity\",\"name\":\"Eve\",\"entityType\":\"p\",\"observations\":[\"sings\",", 72, true},
    {"truncated last relation", "{\"type\":\"relation\",\"from\":\"Carol\",\"to\":\"Bob\",\"rel", 50, true},
    {"truncated after a lone surrogate escape",
     "{\"type\":\"entity\",\"name\":\"Eve\",\"entityType\":\"p\",\"observations\":[\"cut \\ud83d", 75, true},
    {"truncated inside a UTF-8 sequence",
     "{\"type\":\"entity\",\"name\":\"Eve\",\"entityType\":\"p\",\"observations\":[\"\xe6\x9d", 65, true},
};
#define N_BAD (sizeof BAD / sizeof BAD[0])

/* Invalid JSON that json-c accepts (JSON.parse in the server rejects all of
 * these, so the server could not load such a file; the columns are where
 * JSON.parse places the error). */
static const struct bad_case BAD_ACCEPTED[] = {
    {"raw tab inside a string", "{\"type\":\"entity\",\"name\":\"E\tve\",\"entityType\":\"p\",\"observations\":[]}", 27, false},
    {"raw control byte in an observation",
     "{\"type\":\"entity\",\"name\":\"Eve\",\"entityType\":\"p\",\"observations\":[\"a\x01z\"]}", 66, false},
    {"NaN", "{\"type\":\"entity\",\"name\":\"Eve\",\"entityType\":\"p\",\"observations\":[],\"n\":NaN}", 70, false},
    {"Infinity", "{\"type\":\"entity\",\"name\":\"Eve\",\"entityType\":\"p\",\"observations\":[],\"n\":-Infinity}", 71, false},
    {"number ending in a dot", "{\"type\":\"entity\",\"name\":\"Eve\",\"entityType\":\"p\",\"observations\":[],\"n\":1.}", 72, false},
    {"leading zero", "{\"type\":\"entity\",\"name\":\"Eve\",\"entityType\":\"p\",\"observations\":[],\"n\":01}", 71, false},
    {"plus sign", "{\"type\":\"entity\",\"name\":\"Eve\",\"entityType\":\"p\",\"observations\":[],\"n\":+1}", 70, false},
    {"number starting with a dot", "{\"type\":\"entity\",\"name\":\"Eve\",\"entityType\":\"p\",\"observations\":[],\"n\":.5}", 70, false},
    {"exponent without digits", "{\"type\":\"entity\",\"name\":\"Eve\",\"entityType\":\"p\",\"observations\":[],\"n\":1e}", 72, false},
    {"hex number", "{\"type\":\"entity\",\"name\":\"Eve\",\"entityType\":\"p\",\"observations\":[],\"n\":0x1F}", 71, false},
    {"single-quoted value", "{\"type\":\"entity\",\"name\":\"Eve\",\"entityType\":\"p\",\"observations\":[],\"n\":'x'}", 70, false},
    {"trailing comma in an extra field",
     "{\"type\":\"entity\",\"name\":\"Eve\",\"entityType\":\"p\",\"observations\":[],\"x\":{\"a\":[1,],\"b\":2}}", 78, false},
    {"block comment", "{\"type\":\"entity\",\"name\":\"Eve\",\"entityType\":\"p\",\"observations\":[]/* c */}", 65, false},
    {"line comment after the object", "{\"type\":\"entity\",\"name\":\"Eve\",\"entityType\":\"p\",\"observations\":[]}// c", 66, false},
    {"\\x escape", "{\"type\":\"entity\",\"name\":\"E\\x41ve\",\"entityType\":\"p\",\"observations\":[]}", 28, false},
    {"raw unit separator in an observation",
     "{\"type\":\"entity\",\"name\":\"Eve\",\"entityType\":\"p\",\"observations\":[\"a\x1fz\"]}", 66, false},
};
#define N_BAD_ACCEPTED (sizeof BAD_ACCEPTED / sizeof BAD_ACCEPTED[0])

/* The "good" env: Alice gains an observation, Zed is new. */
static const char GOOD_F[] = L_ALICE2 "\n" L_BOB "\n" L_KNOWS "\n" L_ZED "\n";
static const char GOOD_RESULT[] = L_ALICE2 "\n" L_BOB "\n" L_ZED "\n" L_KNOWS "\n";

/* Column of a reason "file:LINE:COL: msg" with the given "file:LINE:" prefix,
 * or -1. */
static long reason_col(const char *reason, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncmp(reason, prefix, n) != 0) return -1;
    char *end;
    long col = strtol(reason + n, &end, 10);
    if (end == reason + n || strncmp(end, ": ", 2) != 0) return -1;
    return col;
}

/* Bad env: U's lines, Carol (new, line 4), the bad line (line 5), Dave (line
 * 6) unless the bad line ends the file. Good env: GOOD_F. */
static void run_bad(const char *what, const char *bad_text, const char *prefix, long col)
{
    for (int m_new = 0; m_new < 2; m_new++) {
        struct mu_store s = {0};
        struct mt_plan p;
        struct mu_env envs[] = {{"good", BASE, GOOD_F}, {"bad", m_new ? NULL : BASE, bad_text}};
        ck_assert_int_eq(mu_merge(&p, &s, BASE, envs, 2, MT_POLICY_PRESERVE, false), 0);
        const struct mt_env_plan *bad = env_of(&p, "bad"), *good = env_of(&p, "good");
        ck_assert_msg(bad->status == MT_FRAG_QUARANTINED, "%s: status %s", what, mt_frag_status_name(bad->status));
        ck_assert_ptr_nonnull(bad->reason);
        long c = reason_col(bad->reason, prefix);
        ck_assert_msg(c > 0, "%s: reason \"%s\" does not start with \"%sCOL: \"", what, bad->reason, prefix);
        ck_assert_msg(c == col, "%s: reason \"%s\": column %ld, expected %ld", what, bad->reason, c, col);
        ck_assert_msg(bad->delta.nents == 0 && bad->delta.nrels == 0, "%s: quarantined delta kept", what);
        ck_assert_int_eq(good->status, MT_FRAG_CHANGED);
        ck_assert(mt_plan_has_quarantine(&p));
        ck_assert_int_eq(p.nconflicts, 0);
        assert_u_kept(&p);
        char *out = mu_result(&p);
        ck_assert_msg(strcmp(out, GOOD_RESULT) == 0, "%s: result\n%s", what, out);
        free(out);
        mt_plan_free(&p);
    }
}

static void bad_case_run(const struct bad_case *c)
{
    char *text = c->last ? xasprintf("%s\n%s\n%s\n%s\n%s", L_ALICE, L_BOB, L_KNOWS, L_CAROL, c->line)
                         : xasprintf("%s\n%s\n%s\n%s\n%s\n%s\n", L_ALICE, L_BOB, L_KNOWS, L_CAROL, c->line, L_DAVE);
    long col = c->col;
    run_bad(c->what, text, "memory-bad.json:5:", col);
    free(text);
}

START_TEST(bad_input_quarantined)
{
    bad_case_run(&BAD[_i]);
}
END_TEST

START_TEST(bad_input_accepted_by_json_c)
{
    bad_case_run(&BAD_ACCEPTED[_i]);
}
END_TEST

/* Line numbers count the file as read: blank lines and CRLF included; the
 * bad line may also be a changed version of an existing entity. */
START_TEST(bad_input_line_numbers)
{
    run_bad("bad first line",
            "{\"type\":\"entity\",\"name\":\"Alice\",\"entityType\":\"person\",\"observations\":[\"likes tea\",\"\xff\"]}\n"
            L_BOB "\n" L_KNOWS "\n",
            "memory-bad.json:1:", 84);
    run_bad("after blank lines and CRLF",
            "\n\r\n" L_ALICE "\r\n  \r\n" L_BOB "\r\n{\"type\":\"entity\",\"name\":\"Eve\"}\r\n" L_KNOWS "\r\n",
            "memory-bad.json:6:", 1);
    run_bad("bad line among unchanged ones, retyping Bob",
            L_ALICE "\n{\"type\":\"entity\",\"name\":\"Bob\",\"entityType\":\"person\",\"observations\":[\"plays chess\",]}\n"
            L_KNOWS "\n",
            "memory-bad.json:2:", 83);
    run_bad("relation missing an end, after many lines",
            L_ALICE "\n" L_BOB "\n" L_CAROL "\n" L_DAVE "\n" L_ZED "\n\n\n" L_KNOWS "\n"
            "{\"type\":\"relation\",\"from\":\"Carol\",\"relationType\":\"knows\"}",
            "memory-bad.json:9:", 1);
    run_bad("duplicate of an entity with a bad observation",
            L_ALICE "\n" L_BOB "\n" L_KNOWS "\n"
            "{\"type\":\"entity\",\"name\":\"Alice\",\"entityType\":\"person\",\"observations\":[1]}\n",
            "memory-bad.json:4:", 1);
}
END_TEST

/* mt_graph_from_text, the one way bytes become a graph: JSONL (duplicates
 * folded, lines of another type skipped, CRLF) and legacy documents give the
 * same graph; bytes that do not parse give -1 naming file and line, and an
 * empty graph. */
static int graph_of(const char *text, struct mt_graph *g, struct mt_error *err)
{
    size_t len = strlen(text);
    char *d = xmalloc(len ? len : 1);
    memcpy(d, text, len);
    return mt_graph_from_text(g, "memory-x.json", d, len, err);
}

START_TEST(graph_from_text)
{
    static const char *same[] = {
        L_ALICE "\r\n{\"type\":\"note\",\"text\":\"x\"}\r\n" L_BOB "\r\n" L_KNOWS "\r\n" L_ALICE2 "\r\n" L_KNOWS,
        "{\"entities\":[" L_ALICE "," L_BOB "," L_ALICE2 "],\"relations\":[" L_KNOWS "]}\n",
        "[" L_ALICE "," L_BOB "," L_KNOWS "," L_ALICE2 "]",
    };
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        struct mt_graph g;
        struct mt_error err = {0};
        ck_assert_msg(graph_of(same[i], &g, &err) == 0, "case %zu: %s", i, err.msg ? err.msg : "");
        ck_assert_uint_eq(mt_graph_count_entities(&g), 2);
        ck_assert_uint_eq(mt_graph_count_relations(&g), 1);
        ck_assert_uint_eq(mt_graph_count_observations(&g), 3);
        char *key = mt_entity_key("Alice");
        const struct mt_entity *a = mt_graph_entity(&g, key);
        free(key);
        ck_assert_ptr_nonnull(a);
        ck_assert_uint_eq(a->obs.n, 2);
        ck_assert_str_eq(a->obs.items[1], "likes coffee");
        ck_assert_ptr_nonnull(mt_graph_relation(&g, KNOWS_KEY));
        mt_graph_free(&g);
    }

    struct mt_graph g;
    struct mt_error err = {0};
    ck_assert_int_eq(graph_of("", &g, &err), 0);
    ck_assert_uint_eq(mt_graph_count_entities(&g), 0);
    mt_graph_free(&g);

    static const struct {
        const char *text, *prefix;
    } bad[] = {
        {L_ALICE "\n" L_BOB "\n{\"type\":\"entity\",\"name\":\"X\"\n" L_KNOWS "\n", "memory-x.json:3:"},
        {L_ALICE "\n{\"type\":\"relation\",\"from\":\"A\"}\n", "memory-x.json:2:"},
        {"{\"entities\":[" L_ALICE ",],\"relations\":[]}\n", "memory-x.json:1:"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(graph_of(bad[i].text, &g, &err), -1);
        char *m = mt_error_format(&err);
        ck_assert_msg(strncmp(m, bad[i].prefix, strlen(bad[i].prefix)) == 0, "case %zu: \"%s\"", i, m);
        free(m);
        mt_error_clear(&err);
        ck_assert_uint_eq(mt_graph_count_entities(&g), 0);
        ck_assert_uint_eq(mt_graph_count_relations(&g), 0);
        mt_graph_free(&g);
    }
}
END_TEST

/* A legacy document that does not parse: mt_fragment_load fails naming the
 * line and column of the error in the document. */
START_TEST(bad_legacy_load)
{
    static const struct {
        const char *text, *prefix;
    } cases[] = {
        {"{\n  \"entities\": [\n    {\"name\": \"Alice\", \"entityType\": \"person\", \"observations\": [\"likes tea\"]},\n"
         "  ],\n  \"relations\": []\n}\n", "memory-bad.json:4:3: "},
        {"{\n  \"entities\": [\n    {\"name\": \"Alice\", \"entityType\": \"person\", \"observations\": [\"likes tea\"]}",
         "memory-bad.json:3:77: "},
        {"[\n" L_ALICE ",\n" L_BOB "\n" L_KNOWS "\n]\n", "memory-bad.json:4:1: "},
        /* what json-c would take, placed where JSON.parse places it */
        {"{\n  \"entities\": [\n    {\"name\": \"A\", \"entityType\": \"p\", \"observations\": [], \"n\": NaN}\n  ]\n}\n",
         "memory-bad.json:3:63: bad JSON document: unexpected character"},
        {"[\n  {\"name\": \"A\", \"entityType\": \"p\", \"observations\": [\"x\ty\"]}\n]\n",
         "memory-bad.json:2:55: bad JSON document: control character in a string"},
        {"{\n  \"entities\": [\n    {\"name\": \"E\xc0\xafve\", \"entityType\": \"person\", \"observations\": []}\n  ]\n}\n",
         "memory-bad.json:3:16: bad JSON document: invalid UTF-8"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct mt_fragment f;
        struct mt_error err = {0};
        ck_assert_int_eq(load_n(&f, "memory-bad.json", cases[i].text, strlen(cases[i].text), &err), -1);
        char *m = mt_error_format(&err);
        ck_assert_msg(strncmp(m, cases[i].prefix, strlen(cases[i].prefix)) == 0, "case %zu: \"%s\"", i, m);
        ck_assert_int_gt(err.col, 0);
        free(m);
        mt_error_clear(&err);
        mt_fragment_free(&f);   /* the fragment owns the bytes even on failure */
    }
}
END_TEST

/* The same through the merge: quarantined, the rest goes on. (plan_load
 * leaks the fragment whose load failed, which LeakSanitizer reports.) */
START_TEST(bad_legacy_syntax)
{
    run_bad("legacy with trailing comma",
            "{\n  \"entities\": [\n    {\"name\": \"Alice\", \"entityType\": \"person\", \"observations\": [\"likes tea\"]},\n"
            "  ],\n  \"relations\": []\n}\n",
            "memory-bad.json:4:", 3);
    run_bad("legacy truncated",
            "{\n  \"entities\": [\n    {\"name\": \"Alice\", \"entityType\": \"person\", \"observations\": [\"likes tea\"]}",
            "memory-bad.json:3:", 77);
}
END_TEST

/* DESIGN 1.2: the error names file, line and column, for legacy documents
 * too: here the bad item is on line 4, from column 5. */
START_TEST(bad_legacy_item_position)
{
    run_bad("legacy item without name",
            "{\n  \"entities\": [\n    {\"name\": \"Alice\", \"entityType\": \"person\", \"observations\": [\"likes tea\"]},\n"
            "    {\"entityType\": \"person\", \"observations\": []}\n  ],\n  \"relations\": []\n}\n",
            "memory-bad.json:4:", 5);
}
END_TEST

/* Invalid UTF-8 inside a legacy document must be refused where it is. */
START_TEST(bad_legacy_utf8)
{
    run_bad("legacy with invalid UTF-8 in a name",
            "{\n  \"entities\": [\n    {\"name\": \"Alice\", \"entityType\": \"person\", \"observations\": [\"likes tea\"]},\n"
            "    {\"name\": \"E\xc0\xafve\", \"entityType\": \"person\", \"observations\": []}\n  ],\n  \"relations\": []\n}\n",
            "memory-bad.json:4:", 16);
}
END_TEST

/* A line of another "type" is not an error: ignored by the merge, counted. */
START_TEST(other_type_lines)
{
    static const char f_text[] = L_ALICE "\n{\"type\":\"note\",\"text\":\"x\"}\n" L_BOB "\n" L_CAROL "\n" L_KNOWS
                                 "\n{\"type\":\"note\",\"text\":\"y\",\"n\":[1]}\n{\"type\":\"\",\"x\":1}\n";
    struct mu_store s = {0};
    struct mt_plan p;
    struct mu_env envs[] = {{"a", BASE, f_text}};
    ck_assert_int_eq(mu_merge(&p, &s, BASE, envs, 1, MT_POLICY_PRESERVE, false), 0);
    const struct mt_env_plan *e = env_of(&p, "a");
    ck_assert_msg(e->status == MT_FRAG_CHANGED, "status %s: %s", mt_frag_status_name(e->status),
                  e->reason ? e->reason : "");
    ck_assert_uint_eq(e->delta.other_lines, 3);
    ck_assert_uint_eq(e->delta.nents, 1);
    ck_assert_uint_eq(e->delta.nrels, 0);
    ck_assert_uint_eq(e->entities, 3);
    ck_assert_uint_eq(e->relations, 1);
    char *out = mu_result(&p);
    ck_assert_str_eq(out, L_ALICE "\n" L_BOB "\n" L_CAROL "\n" L_KNOWS "\n");
    free(out);
    mt_plan_free(&p);

    /* Also when M_e had them (changed or not). */
    struct mt_fragment m, f;
    static const char m_text[] = L_ALICE "\n{\"type\":\"note\",\"text\":\"old\"}\n" L_BOB "\n" L_KNOWS "\n";
    load_ok(&m, m_text, strlen(m_text));
    load_ok(&f, f_text, strlen(f_text));
    ck_assert_int_eq(f.lines[1].kind, MT_LINE_OTHER);
    struct mt_delta d;
    struct mt_error err = {0};
    ck_assert_int_eq(mt_delta_compute(&m, &f, 2, &d, &err), 0);
    ck_assert_uint_eq(d.other_lines, 3);
    ck_assert_uint_eq(d.nents, 1);
    ck_assert_ptr_null(d.ents[0].m);
    ck_assert_str_eq(d.ents[0].f->name, "Carol");
    mt_delta_free(&d);
    mt_fragment_free(&m);
    mt_fragment_free(&f);
}
END_TEST

/* ---- 4. duplicate names inside one file --------------------------------- */

START_TEST(duplicates_folded)
{
    static const char text[] =
        "{\"type\":\"entity\",\"name\":\"A\",\"entityType\":\"t\",\"observations\":[\"x\",\"y\"]}\n"
        "{\"type\":\"entity\",\"name\":\"B\",\"entityType\":\"t\",\"observations\":[\"b\"]}\n"
        "{\"type\":\"relation\",\"from\":\"A\",\"to\":\"B\",\"relationType\":\"r\"}\n"
        "{\"type\":\"entity\",\"name\":\"A\",\"entityType\":\"u\",\"observations\":[\"y\",\"z\",\"x\"]}\n"
        "{\"type\":\"entity\",\"name\":\"\\u0041\",\"entityType\":\"t\",\"observations\":[\"w\"]}\n"
        "{\"type\":\"relation\",\"from\":\"A\",\"to\":\"B\",\"relationType\":\"r\"}\n"
        "{\"type\":\"entity\",\"name\":\"B\",\"entityType\":\"t\",\"observations\":[\"b\"]}\n";
    struct mt_fragment m, f;
    mt_fragment_empty(&m, "m");
    load_ok(&f, text, strlen(text));
    struct mt_fragment_index ix;
    mt_fragment_index_build(&f, &ix);
    ck_assert_uint_eq(ix.entities, 2);
    ck_assert_uint_eq(ix.relations, 1);
    ck_assert_uint_eq(ix.duplicate_lines, 3);
    mt_fragment_index_free(&ix);

    struct mt_delta d;
    struct mt_error err = {0};
    ck_assert_int_eq(mt_delta_compute(&m, &f, 0, &d, &err), 0);
    ck_assert_uint_eq(d.duplicate_lines, 3);
    ck_assert_uint_eq(d.f_entities, 2);
    ck_assert_uint_eq(d.f_relations, 1);
    ck_assert_uint_eq(d.f_observations, 5);
    ck_assert_uint_eq(d.nents, 2);
    ck_assert_uint_eq(d.nrels, 1);
    const struct mt_entity *a = d.ents[0].f;
    ck_assert_str_eq(a->name, "A");
    ck_assert_str_eq(a->type, "t");
    ck_assert_uint_eq(a->obs.n, 4);
    ck_assert_str_eq(a->obs.items[0], "x");
    ck_assert_str_eq(a->obs.items[1], "y");
    ck_assert_str_eq(a->obs.items[2], "z");
    ck_assert_str_eq(a->obs.items[3], "w");
    ck_assert_str_eq(d.ents[1].f->name, "B");
    ck_assert_uint_eq(d.ents[1].f->obs.n, 1);
    mt_delta_free(&d);
    mt_fragment_free(&m);
    mt_fragment_free(&f);

    char *out = merge_new(NULL, text);
    ck_assert_str_eq(out, "{\"type\":\"entity\",\"name\":\"A\",\"entityType\":\"t\",\"observations\":[\"x\",\"y\",\"z\",\"w\"]}\n"
                          "{\"type\":\"entity\",\"name\":\"B\",\"entityType\":\"t\",\"observations\":[\"b\"]}\n"
                          "{\"type\":\"relation\",\"from\":\"A\",\"to\":\"B\",\"relationType\":\"r\"}\n");
    free(out);

    /* Over a U that has A already: the folded version is the delta. */
    static const char u[] = "{\"type\":\"entity\",\"name\":\"A\",\"entityType\":\"t\",\"observations\":[\"x\",\"y\"]}\n";
    struct mu_store s = {0};
    struct mt_plan p;
    struct mu_env envs[] = {{"e", u, text}};
    ck_assert_int_eq(mu_merge(&p, &s, u, envs, 1, MT_POLICY_PRESERVE, false), 0);
    const struct mt_env_plan *e = env_of(&p, "e");
    ck_assert_int_eq(e->status, MT_FRAG_CHANGED);
    ck_assert_uint_eq(e->delta.duplicate_lines, 3);
    out = mu_result(&p);
    ck_assert_str_eq(out, "{\"type\":\"entity\",\"name\":\"A\",\"entityType\":\"t\",\"observations\":[\"x\",\"y\",\"z\",\"w\"]}\n"
                          "{\"type\":\"entity\",\"name\":\"B\",\"entityType\":\"t\",\"observations\":[\"b\"]}\n"
                          "{\"type\":\"relation\",\"from\":\"A\",\"to\":\"B\",\"relationType\":\"r\"}\n");
    free(out);
    mt_plan_free(&p);
}
END_TEST

/* A duplicate line added to F (same name as an unchanged line) is folded:
 * only that name's lines are parsed. */
START_TEST(duplicate_added_to_unchanged)
{
    static const char ftext[] = L_ALICE "\n" L_BOB "\n" L_KNOWS "\n"
        "{\"type\":\"entity\",\"name\":\"Bob\",\"entityType\":\"person\",\"observations\":[\"plays go\",\"plays chess\"]}\n";
    struct mt_fragment m, f;
    load_ok(&m, BASE, strlen(BASE));
    load_ok(&f, ftext, strlen(ftext));
    struct mt_delta d;
    struct mt_error err = {0};
    ck_assert_int_eq(mt_delta_compute(&m, &f, 2, &d, &err), 0);
    ck_assert_uint_eq(d.duplicate_lines, 1);
    ck_assert_uint_eq(d.nents, 1);
    ck_assert_str_eq(d.ents[0].key, "Bob");
    ck_assert_uint_eq(d.ents[0].obs_add.n, 1);
    ck_assert_str_eq(d.ents[0].obs_add.items[0], "plays go");
    ck_assert_uint_eq(d.ents[0].obs_del.n, 0);
    ck_assert_uint_eq(d.f_observations, 3);
    ck_assert_uint_le(d.parsed_lines, 3);
    mt_delta_free(&d);
    mt_fragment_free(&m);
    mt_fragment_free(&f);
}
END_TEST

/* ---- 5. unchanged lines are not parsed ---------------------------------- */

static void thousand(struct mt_buf *b, bool changed)
{
    for (int i = 0; i < 1000; i++) {
        if (changed && i == 10)
            mt_buf_addf(b, "{\"type\":\"entity\",\"name\":\"E%04d\",\"entityType\":\"t\",\"observations\":[\"o%d\",\"new\"]}\n", i, i);
        else if (changed && i == 500)
            mt_buf_addf(b, "{\"type\":\"entity\",\"name\":\"E%04d\",\"entityType\":\"retyped\",\"observations\":[\"o%d\"]}\n", i, i);
        else if (changed && i == 900)
            mt_buf_addf(b, "{\"type\":\"entity\",\"name\":\"N%04d\",\"entityType\":\"t\",\"observations\":[\"fresh\"]}\n", i);
        else
            mt_buf_addf(b, "{\"type\":\"entity\",\"name\":\"E%04d\",\"entityType\":\"t\",\"observations\":[\"o%d\"]}\n", i, i);
    }
    for (int i = 0; i < 999; i += 3)
        mt_buf_addf(b, "{\"type\":\"relation\",\"from\":\"E%04d\",\"to\":\"E%04d\",\"relationType\":\"r\"}\n", i, i + 1);
}

static const struct mt_ent_delta *find_ent(const struct mt_delta *d, const char *key)
{
    for (size_t i = 0; i < d->nents; i++)
        if (strcmp(d->ents[i].key, key) == 0) return &d->ents[i];
    ck_abort_msg("no delta for %s", key);
    return NULL;
}

/* The lines of text, last first. */
static char *reversed_lines(const char *text, size_t len)
{
    struct mt_buf b;
    mt_buf_init(&b);
    for (size_t end = len; end > 0;) {
        size_t start = end - 1;  /* end is just past a '\n' */
        while (start > 0 && text[start - 1] != '\n') start--;
        mt_buf_add(&b, text + start, end - start);
        end = start;
    }
    size_t n;
    return mt_buf_detach(&b, &n);
}

/* The diff finds most unchanged lines by walking F beside M; F in another
 * order, or M with repeated lines, must give the same delta as the index. */
START_TEST(delta_independent_of_line_order)
{
    struct mt_buf mb, fb;
    mt_buf_init(&mb);
    mt_buf_init(&fb);
    thousand(&mb, false);
    thousand(&fb, true);
    /* M repeats a line and an entity name: each is still one thing */
    mt_buf_addf(&mb, "{\"type\":\"entity\",\"name\":\"E%04d\",\"entityType\":\"t\",\"observations\":[\"o%d\"]}\n", 20, 20);
    mt_buf_addf(&mb, "{\"type\":\"entity\",\"name\":\"E%04d\",\"entityType\":\"t\",\"observations\":[\"o%d\"]}\n", 30, 30);
    char *back = reversed_lines(fb.data, fb.len), *mback = reversed_lines(mb.data, mb.len);
    /* F with E0020's line only where M repeats it, further down */
    struct mt_buf moved;
    mt_buf_init(&moved);
    const char *e20 = strstr(fb.data, "{\"type\":\"entity\",\"name\":\"E0020\"");
    const char *after = strchr(e20, '\n') + 1;
    mt_buf_add(&moved, fb.data, (size_t)(e20 - fb.data));
    mt_buf_add(&moved, after, strlen(after));
    const char *tail = mb.data + mb.len;
    for (int nl = 0; nl < 3;) nl += *--tail == '\n';  /* M's last two lines */
    mt_buf_add(&moved, tail + 1, strlen(tail + 1));
    struct mt_fragment m, f;
    load_ok(&m, mb.data, mb.len);
    const char *forms[] = {fb.data, back, moved.data};
    for (int k = 0; k < 3; k++) {
        load_ok(&f, forms[k], strlen(forms[k]));
        struct mt_delta d;
        struct mt_error err = {0};
        ck_assert_int_eq(mt_delta_compute(&m, &f, 1002, &d, &err), 0);
        ck_assert_uint_eq(d.nents, 4);
        ck_assert_uint_eq(d.nrels, 0);
        ck_assert_uint_eq(d.deletions, 1);
        ck_assert_uint_eq(d.f_entities, 1000);
        ck_assert_uint_le(d.parsed_lines, 12);
        ck_assert_uint_eq(find_ent(&d, "E0010")->obs_add.n, 1);
        ck_assert(mt_ent_delta_retypes(find_ent(&d, "E0500")));
        ck_assert_ptr_null(find_ent(&d, "N0900")->m);
        ck_assert_ptr_null(find_ent(&d, "E0900")->f);
        mt_delta_free(&d);
        mt_fragment_free(&f);
    }
    /* M itself, reversed: no change at all */
    load_ok(&f, mback, strlen(mback));
    struct mt_delta d;
    struct mt_error err = {0};
    ck_assert_int_eq(mt_delta_compute(&m, &f, 1002, &d, &err), 0);
    ck_assert_uint_eq(d.nents + d.nrels, 0);
    ck_assert_uint_eq(d.parsed_lines, 0);
    mt_delta_free(&d);
    mt_fragment_free(&f);
    mt_fragment_free(&m);
    free(back);
    free(mback);
    mt_buf_free(&moved);
    mt_buf_free(&mb);
    mt_buf_free(&fb);
}
END_TEST

/* F walked beside M takes its lines as mt_fragment_load splits them: CRLF
 * or LF, one CR before the newline left out, blank and white lines skipped,
 * with or without a final newline. The same graph written these ways is no
 * change and nothing is parsed; a line that differs only by a CR that
 * splitting keeps is a changed line (parsed, still no change). */
START_TEST(delta_walk_line_ends)
{
#define LA "{\"type\":\"entity\",\"name\":\"A\",\"entityType\":\"t\",\"observations\":[\"a\"]}"
#define LB "{\"type\":\"entity\",\"name\":\"B\",\"entityType\":\"t\",\"observations\":[\"b\"]}"
#define LR "{\"type\":\"relation\",\"from\":\"A\",\"to\":\"B\",\"relationType\":\"r\"}"
    static const char M[] = LA "\n" LB "\n" LR "\n";
    static const char *const same[] = {
        LA "\r\n" LB "\r\n" LR "\r\n",
        LA "\n\n  \n\t\r\n" LB "\n" LR,
        LA "\n" LB "\n" LR "\r",
        "\n" LA "\r\n" LB "\n" LR "\n\n",
    };
    struct mt_fragment m, f;
    load_ok(&m, M, strlen(M));
    for (size_t k = 0; k < sizeof same / sizeof *same; k++) {
        load_ok(&f, same[k], strlen(same[k]));
        struct mt_delta d;
        struct mt_error err = {0};
        ck_assert_int_eq(mt_delta_compute(&m, &f, 2, &d, &err), 0);
        ck_assert_msg(d.nents + d.nrels == 0 && d.parsed_lines == 0, "form %zu: %zu changes, %zu parsed", k,
                      d.nents + d.nrels, d.parsed_lines);
        ck_assert_uint_eq(d.f_entities, 2);
        ck_assert_uint_eq(d.f_relations, 1);
        mt_delta_free(&d);
        mt_fragment_free(&f);
    }
    mt_fragment_free(&m);
    /* M's line ends with a CR that splitting kept ("\r\r\n"); F's does not */
    static const char M2[] = LA "\r\r\n" LB "\n";
    static const char F2[] = LA "\r\n" LB "\n";
    load_ok(&m, M2, strlen(M2));
    load_ok(&f, F2, strlen(F2));
    struct mt_delta d;
    struct mt_error err = {0};
    ck_assert_int_eq(mt_delta_compute(&m, &f, 2, &d, &err), 0);
    ck_assert_uint_eq(d.nents + d.nrels, 0);
    ck_assert_uint_ge(d.parsed_lines, 1);
    mt_delta_free(&d);
    mt_fragment_free(&f);
    mt_fragment_free(&m);
#undef LA
#undef LB
#undef LR
}
END_TEST

START_TEST(unchanged_lines_not_parsed)
{
    struct mt_buf mb, fb;
    mt_buf_init(&mb);
    mt_buf_init(&fb);
    thousand(&mb, false);
    thousand(&fb, true);
    struct mt_fragment m, f;
    load_ok(&m, mb.data, mb.len);
    load_ok(&f, fb.data, fb.len);
    struct mt_delta d;
    struct mt_error err = {0};
    ck_assert_int_eq(mt_delta_compute(&m, &f, 1000, &d, &err), 0);
    ck_assert_msg(d.parsed_lines <= 10, "%zu lines parsed", d.parsed_lines);
    ck_assert_uint_eq(d.nents, 4);
    ck_assert_uint_eq(d.m_entities, 1000);
    ck_assert_uint_eq(d.f_entities, 1000);
    ck_assert_uint_eq(d.f_relations, 333);
    ck_assert_uint_eq(d.f_observations, 1001);
    ck_assert_uint_eq(d.deletions, 1);

    const struct mt_ent_delta *e = find_ent(&d, "E0010");
    ck_assert(mt_ent_delta_modifies(e));
    ck_assert(!mt_ent_delta_retypes(e));
    ck_assert_uint_eq(e->obs_add.n, 1);
    ck_assert_str_eq(e->obs_add.items[0], "new");
    ck_assert_uint_eq(e->obs_del.n, 0);
    e = find_ent(&d, "E0500");
    ck_assert(mt_ent_delta_retypes(e));
    ck_assert_str_eq(e->m->type, "t");
    ck_assert_str_eq(e->f->type, "retyped");
    ck_assert_uint_eq(e->obs_add.n + e->obs_del.n, 0);
    e = find_ent(&d, "N0900");
    ck_assert_ptr_null(e->m);
    ck_assert_ptr_nonnull(e->f);
    e = find_ent(&d, "E0900");
    ck_assert_ptr_nonnull(e->m);
    ck_assert_ptr_null(e->f);
    /* No relation line changed (E0900->E0901 goes only in the merge). */
    ck_assert_uint_eq(d.nrels, 0);
    mt_delta_free(&d);

    /* F identical to M: nothing parsed at all. */
    struct mt_fragment f2;
    load_ok(&f2, mb.data, mb.len);
    ck_assert_int_eq(mt_delta_compute(&m, &f2, 1000, &d, &err), 0);
    ck_assert_uint_eq(d.parsed_lines, 0);
    ck_assert_uint_eq(d.nents + d.nrels, 0);
    mt_delta_free(&d);
    mt_fragment_free(&f2);
    mt_fragment_free(&m);
    mt_fragment_free(&f);

    /* Through the merge: the plan reports the same small count. */
    struct mu_store s = {0};
    struct mt_plan p;
    struct mu_env envs[] = {{"a", mb.data, fb.data}};
    ck_assert_int_eq(mu_merge(&p, &s, mb.data, envs, 1, MT_POLICY_PRESERVE, false), 0);
    const struct mt_env_plan *ep = env_of(&p, "a");
    ck_assert_int_eq(ep->status, MT_FRAG_CHANGED);
    ck_assert_uint_le(ep->parsed_lines, 10);
    char *out = mu_result(&p);
    /* Result: E0900 gone (its relation E0900->E0901 too), N0900 appended. */
    struct mt_buf exp;
    mt_buf_init(&exp);
    for (int i = 0; i < 1000; i++) {
        if (i == 900) continue;
        if (i == 10)
            mt_buf_addf(&exp, "{\"type\":\"entity\",\"name\":\"E%04d\",\"entityType\":\"t\",\"observations\":[\"o%d\",\"new\"]}\n", i, i);
        else if (i == 500)
            mt_buf_addf(&exp, "{\"type\":\"entity\",\"name\":\"E%04d\",\"entityType\":\"retyped\",\"observations\":[\"o%d\"]}\n", i, i);
        else
            mt_buf_addf(&exp, "{\"type\":\"entity\",\"name\":\"E%04d\",\"entityType\":\"t\",\"observations\":[\"o%d\"]}\n", i, i);
    }
    mt_buf_adds(&exp, "{\"type\":\"entity\",\"name\":\"N0900\",\"entityType\":\"t\",\"observations\":[\"fresh\"]}\n");
    for (int i = 0; i < 999; i += 3)
        if (i != 900)
            mt_buf_addf(&exp, "{\"type\":\"relation\",\"from\":\"E%04d\",\"to\":\"E%04d\",\"relationType\":\"r\"}\n", i, i + 1);
    ck_assert_str_eq(out, exp.data);
    free(out);
    mt_buf_free(&exp);
    mt_plan_free(&p);
    mt_buf_free(&mb);
    mt_buf_free(&fb);
}
END_TEST

/* A legacy document written compactly on one line with "type" fields
 * (JSON.stringify(graph)) is still a legacy document. */
START_TEST(legacy_compact_typed)
{
    static const char text[] =
        "{\"entities\":[" L_ALICE "," L_BOB "],\"relations\":[" L_KNOWS "]}";
    struct mt_fragment f;
    load_ok(&f, text, strlen(text));
    ck_assert(f.legacy);
    ck_assert_uint_eq(f.nlines, 3);
    mt_fragment_free(&f);
    char *out = merge_new(NULL, text);
    ck_assert_str_eq(out, BASE);
    free(out);
}
END_TEST

/* An empty name is a string like any other (the server keeps it); its key
 * is the empty string. */
START_TEST(empty_name)
{
    static const char line[] = "{\"type\":\"entity\",\"name\":\"\",\"entityType\":\"\",\"observations\":[]}";
    char *s = rewrite(line);
    ck_assert_str_eq(s, line);
    free(s);
    char *out = merge_new(NULL, line);
    ck_assert_str_eq(out, "{\"type\":\"entity\",\"name\":\"\",\"entityType\":\"\",\"observations\":[]}\n");
    free(out);
}
END_TEST

/* A one-line JSONL file whose "type" comes late (another tool's key order)
 * is one entity, not an empty legacy document. */
START_TEST(single_line_type_late)
{
    static const char text[] =
        "{\"name\":\"Alice\",\"entityType\":\"person\",\"observations\":[\"likes tea\"],\"type\":\"entity\"}";
    struct mt_fragment f;
    load_ok(&f, text, strlen(text));
    ck_assert_uint_eq(f.nlines, 1);
    mt_fragment_free(&f);
    char *out = merge_new(NULL, text);
    ck_assert_str_eq(out, L_ALICE "\n");
    free(out);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("reader");
    TCase *tc = tcase_create("odd_forms");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, odd_forms_load_and_merge, 0, (int)N_ODD);
    tcase_add_loop_test(tc, odd_forms_diff_empty, 0, (int)N_ODD);
    tcase_add_loop_test(tc, empty_forms, 0, (int)N_EMPTY);
    tcase_add_test(tc, keys_with_escapes);
    tcase_add_test(tc, huge_line);
    tcase_add_test(tc, hundred_thousand_lines);
    tcase_add_test(tc, legacy_compact_typed);
    tcase_add_test(tc, single_line_type_late);
    suite_add_tcase(s, tc);

    tc = tcase_create("writer");
    tcase_add_test(tc, writer_entity_escapes);
    tcase_add_test(tc, writer_relation_escapes);
    tcase_add_test(tc, writer_extras_in_order);
    tcase_add_loop_test(tc, writer_roundtrip_canonical, 0, (int)N_CANONICAL);
    tcase_add_test(tc, writer_roundtrip_file);
    tcase_add_loop_test(tc, exact_lone_surrogates, 0, (int)N_EXACT_SURROGATES);
    tcase_add_loop_test(tc, exact_number_text, 0, (int)N_EXACT_NUMBERS);
    tcase_add_test(tc, lone_surrogate_keys);
    tcase_add_test(tc, extras_normalised_numbers_kept);
    tcase_add_test(tc, extras_kept_when_entity_changes);
    tcase_add_test(tc, deep_extras_roundtrip);
    tcase_add_test(tc, legacy_byte_exact);
    tcase_add_test(tc, empty_name);
    suite_add_tcase(s, tc);

    tc = tcase_create("bad_input");
    tcase_add_loop_test(tc, bad_input_quarantined, 0, (int)N_BAD);
    tcase_add_test(tc, bad_input_line_numbers);
    tcase_add_test(tc, bad_legacy_load);
    tcase_add_test(tc, graph_from_text);
    tcase_add_loop_test(tc, bad_input_accepted_by_json_c, 0, (int)N_BAD_ACCEPTED);
    tcase_add_test(tc, bad_legacy_syntax);
    tcase_add_test(tc, bad_legacy_item_position);
    tcase_add_test(tc, bad_legacy_utf8);
    tcase_add_test(tc, other_type_lines);
    suite_add_tcase(s, tc);

    tc = tcase_create("duplicates");
    tcase_add_test(tc, index_matches_plain_reading);
    tcase_add_test(tc, duplicates_folded);
    tcase_add_test(tc, duplicate_added_to_unchanged);
    suite_add_tcase(s, tc);

    tc = tcase_create("diff");
    tcase_add_test(tc, unchanged_lines_not_parsed);
    tcase_add_test(tc, delta_independent_of_line_order);
    tcase_add_test(tc, delta_walk_line_ends);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(make_suite)
