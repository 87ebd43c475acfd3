/* test_ui_pure.c: the curses-free parts of the workstation: action table
 * and key names, width-aware truncation, theme parsing,
 * plan-to-rows formatting, what a conflict choice keeps and loses. */
#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "memtui/base/fsutil.h"
#include "memtui/base/safetext.h"
#include "memtui/ui/actions.h"
#include "memtui/ui/app.h"
#include "memtui/ui/choice.h"
#include "memtui/ui/keys.h"
#include "memtui/ui/text.h"
#include "memtui/ui/theme.h"
#include "memtui/base/utf8.h"
#include "testutil.h"

START_TEST(key_names)
{
    ck_assert_int_eq(mt_key_parse("j"), 'j');
    ck_assert_int_eq(mt_key_parse("C-d"), 4);
    ck_assert_int_eq(mt_key_parse("^U"), 21);
    ck_assert_int_eq(mt_key_parse("S-Tab"), MT_KEY_BTAB);
    ck_assert_int_eq(mt_key_parse("Tab"), 9);
    ck_assert_int_eq(mt_key_parse("Esc"), 27);
    ck_assert_int_eq(mt_key_parse("<Enter>"), MT_KEY_ENTER);
    ck_assert_int_eq(mt_key_parse("enter"), MT_KEY_ENTER);
    ck_assert_int_eq(mt_key_parse("Space"), ' ');
    ck_assert_int_eq(mt_key_parse("東"), 0x6771);
    ck_assert_int_eq(mt_key_parse("<"), '<');
    ck_assert_int_eq(mt_key_parse("nope"), -1);
    ck_assert_int_eq(mt_key_parse("C-1"), -1);
    char b[16];
    ck_assert_str_eq(mt_key_name(4, b, sizeof b), "C-d");
    ck_assert_str_eq(mt_key_name(MT_KEY_BTAB, b, sizeof b), "S-Tab");
    ck_assert_str_eq(mt_key_name(0x6771, b, sizeof b), "東");
}
END_TEST

START_TEST(action_table)
{
    ck_assert_uint_eq(mt_nactions, MT_ACT_COUNT - 1);
    ck_assert_int_eq(mt_action_for_key('q'), MT_ACT_QUIT);
    ck_assert_int_eq(mt_action_for_key('Q'), MT_ACT_QUIT_NOW);
    ck_assert_int_eq(mt_action_for_key(4), MT_ACT_PAGE_DOWN);
    ck_assert_int_eq(mt_action_for_key(MT_KEY_PGDN), MT_ACT_PAGE_DOWN);
    ck_assert_int_eq(mt_action_for_key(MT_KEY_BTAB), MT_ACT_PREV_PANEL);
    ck_assert_int_eq(mt_action_for_key(' '), MT_ACT_TAKE);
    ck_assert_int_eq(mt_action_for_key('6'), MT_ACT_PANEL_LOG);
    ck_assert_int_eq(mt_action_for_key('x'), MT_ACT_TAKE_EXACT);
    ck_assert_int_eq(mt_action_for_key('d'), MT_ACT_DELETE_ENTITY);
    ck_assert_int_eq(mt_action_for_key('y'), MT_ACT_NONE);
    ck_assert_int_eq(mt_action_by_name("next-panel"), MT_ACT_NEXT_PANEL);
    ck_assert_int_eq(mt_action_by_name("MERGE_MENU"), MT_ACT_MERGE_MENU);
    /* every key of the table parses, and no key is bound twice */
    for (size_t i = 0; i < mt_nactions; i++) {
        ck_assert_ptr_nonnull(mt_actions[i].help);
        char *keys = strdup(mt_actions[i].keys);
        for (char *w = strtok(keys, " "); w; w = strtok(NULL, " ")) {
            int k = mt_key_parse(w);
            ck_assert_msg(k >= 0, "key %s of %s does not parse", w, mt_actions[i].name);
            ck_assert_msg(mt_action_for_key(k) == mt_actions[i].action, "key %s bound twice", w);
        }
        free(keys);
    }
}
END_TEST

START_TEST(truncation_by_width)
{
    char *t = mt_text_trunc("東京タワー", 5);
    ck_assert_str_eq(t, "東京~");          /* 4 columns + marker, never half a character */
    ck_assert_uint_eq(utf8_width(t, strlen(t)), 5);
    free(t);
    t = mt_text_trunc("東京タワー", 4);
    ck_assert_str_eq(t, "東~");            /* 京 would need columns 3-4 plus the marker */
    free(t);
    t = mt_text_trunc("ab🙂cd", 5);
    ck_assert_str_eq(t, "ab🙂~");
    free(t);
    t = mt_text_trunc("ab🙂cd", 4);
    ck_assert_str_eq(t, "ab~");         /* the emoji would need columns 3-4 and the marker 5 */
    free(t);
    t = mt_text_trunc("short", 10);
    ck_assert_str_eq(t, "short");
    free(t);
    struct mt_buf b;
    mt_buf_init(&b);
    mt_text_pad(&b, "東京", 7);
    ck_assert_str_eq(b.data, "東京   ");
    ck_assert_uint_eq(utf8_width(b.data, b.len), 7);
    mt_buf_reset(&b);
    mt_text_pad(&b, "東京タワー", 5);
    ck_assert_uint_eq(utf8_width(b.data, b.len), 5);
    ck_assert(utf8_valid(b.data, b.len, NULL));
    mt_buf_free(&b);
    size_t w;
    ck_assert_uint_eq(mt_text_fit("é東", strlen("é東"), 2, &w), 2);   /* é is 2 bytes, 1 column */
    ck_assert_uint_eq(w, 1);
}
END_TEST

/* A peer's control characters are measured and cut as their escapes, and
 * what pad and trunc give back is the escaped form. */
START_TEST(truncation_of_controls)
{
    struct mt_buf b;
    mt_buf_init(&b);
    mt_text_pad(&b, "a\x1b[2J", 9);
    ck_assert_str_eq(b.data, "a\\x1b[2J ");
    mt_buf_reset(&b);
    mt_text_pad(&b, "\x1b]0;PWNED\x07", 8);
    ck_assert_str_eq(b.data, "\\x1b]0;~");
    mt_buf_free(&b);
    char *t = mt_text_trunc("x\xc2\x9b東", 9);
    ck_assert_str_eq(t, "x\\u009b東");
    free(t);
    t = mt_text_trunc("x\xc2\x9b東", 8);
    ck_assert_str_eq(t, "x\\u009b~");
    free(t);
    size_t w;
    ck_assert_uint_eq(mt_text_fit("\x1bX", 2, 3, &w), 0);   /* the escape needs 4 columns */
    ck_assert_uint_eq(w, 0);
    ck_assert_uint_eq(mt_text_width("\x7f東\xff"), 10);
    /* a question quoting hostile observations fits once shown */
    struct mt_strset d;
    mt_strset_init(&d);
    for (int i = 0; i < 5; i++) {
        char obs[64];
        snprintf(obs, sizeof obs, "note %d \x1b]0;PWNED\x07\x1b[2J", i);
        mt_strset_add(&d, obs);
    }
    char *q = mt_choice_drop_question("a", "Ev\x1bil", &d, 100);
    char *shown = mt_safe_text(q);
    ck_assert_uint_le(utf8_width(shown, strlen(shown)), 100);
    ck_assert_uint_eq(utf8_width(shown, strlen(shown)), mt_text_width(q));
    ck_assert_ptr_nonnull(strstr(shown, "\"Ev\\x1bil\" exactly"));
    free(shown);
    free(q);
    mt_strset_free(&d);
}
END_TEST

START_TEST(theme_parsing)
{
    struct mt_theme t;
    mt_theme_builtin(&t);
    struct mt_error err = {0};
    ck_assert_int_eq(mt_theme_parse(&t, "# comment\nconflict = bright-red default bold underline\n"
                                        "ours = 22 black\n\nselected = default default reverse\n", "x", &err), 0);
    ck_assert_int_eq(t.role[MT_ROLE_CONFLICT].fg, 9);
    ck_assert_int_eq(t.role[MT_ROLE_CONFLICT].bg, -1);
    ck_assert_uint_eq(t.role[MT_ROLE_CONFLICT].attrs, MT_ATTR_BOLD | MT_ATTR_UNDERLINE);
    ck_assert_int_eq(t.role[MT_ROLE_OURS].fg, 22);
    ck_assert_int_eq(t.role[MT_ROLE_OURS].bg, 0);
    ck_assert_uint_eq(t.role[MT_ROLE_SELECTION].attrs, MT_ATTR_REVERSE);
    /* the background a theme is made for: dark unless it says light */
    ck_assert(!t.light);
    ck_assert_int_eq(mt_theme_parse(&t, "background = light\n", "x", &err), 0);
    ck_assert(t.light);
    ck_assert_int_eq(mt_theme_parse(&t, "background = dark\n", "x", &err), 0);
    ck_assert(!t.light);
    ck_assert_int_eq(mt_theme_parse(&t, "background = grey\n", "f.theme", &err), -1);
    mt_error_clear(&err);
    ck_assert_int_eq(mt_theme_parse(&t, "ours = green\nnosuch = red red\n", "f.theme", &err), -1);
    ck_assert_int_eq(err.line, 2);
    mt_error_clear(&err);
    ck_assert_int_eq(mt_theme_parse(&t, "ours = purple\n", "f.theme", &err), -1);
    mt_error_clear(&err);
    ck_assert_int_eq(mt_theme_parse(&t, "ours green\n", "f.theme", &err), -1);
    mt_error_clear(&err);
    mt_theme_free(&t);
    /* the shipped themes parse, and an unknown name is an error (this
     * binary lives in build/san/tests: point it at the tree's themes/) */
    const char *td = getenv("TESTS_DIR");
    char *themes = td ? xasprintf("%s/../themes", td) : xstrdup("themes");
    setenv("MEMTUI_THEMES", themes, 1);
    const char *names[] = {"default", "light", "mono"};
    for (int i = 0; i < 3; i++) {
        ck_assert_msg(mt_theme_load(&t, names[i], &err) == 0, "%s: %s", names[i], err.msg);
        mt_theme_free(&t);
    }
    ck_assert_int_eq(mt_theme_load(&t, "nosuch", &err), -1);
    ck_assert_msg(strstr(err.msg, themes) != NULL, "%s", err.msg);  /* says where it looked */
    ck_assert_msg(strstr(err.msg, "share/memtui/themes") != NULL, "%s", err.msg);
    mt_error_clear(&err);
    unsetenv("MEMTUI_THEMES");
    free(themes);
    mt_theme_free(&t);
    ck_assert_str_eq(mt_role_name(MT_ROLE_LOCK_STALE), "lock_stale");
}
END_TEST

/* A colour as a terminal of depth colours shows it, the default (-1)
 * taken as the theme means it: light text on a dark background, or black
 * on a light one for a light theme. Bright and plain look alike. */
static short shown(short c, bool fg, bool light, int depth)
{
    if (c < 0) c = fg != light ? 7 : 0;
    c = mt_theme_fold(c, depth);
    return c < 16 ? (short)(c % 8) : c;
}

static bool same_look(const struct mt_style *a, const struct mt_style *b, bool light, int depth)
{
    return shown(a->fg, true, light, depth) == shown(b->fg, true, light, depth) &&
           shown(a->bg, false, light, depth) == shown(b->bg, false, light, depth) && a->attrs == b->attrs;
}

/* Every theme file in themes/, on 8 and on 256 colours: no role draws its
 * text in its background's colour (the default background being the one
 * the theme says it is made for), the cursor never looks like plain text,
 * and two sides of a conflict never share a colour within six (mono:
 * never the same attributes). */
START_TEST(themes_legible)
{
    const char *td = getenv("TESTS_DIR");
    char *themes = td ? xasprintf("%s/../themes", td) : xstrdup("themes");
    setenv("MEMTUI_THEMES", themes, 1);
    DIR *d = opendir(themes);
    ck_assert_ptr_nonnull(d);
    int nthemes = 0;
    for (struct dirent *de; (de = readdir(d));) {
        size_t len = strlen(de->d_name);
        if (len < 7 || strcmp(de->d_name + len - 6, ".theme") != 0) continue;
        char *name = xstrndup(de->d_name, len - 6);
        struct mt_theme t;
        struct mt_error err = {0};
        ck_assert_msg(mt_theme_load(&t, name, &err) == 0, "%s: %s", name, err.msg);
        for (int depth = 8; depth <= 256; depth *= 32) {
            for (int r = 0; r < MT_ROLE_COUNT; r++) {
                const struct mt_style *s = &t.role[r];
                ck_assert_msg(shown(s->fg, true, t.light, depth) != shown(s->bg, false, t.light, depth),
                              "%s on %d colours: %s has its text in its background's colour", name, depth,
                              mt_role_name((enum mt_role)r));
            }
            ck_assert_msg(!same_look(&t.role[MT_ROLE_SELECTION], &t.role[MT_ROLE_DEFAULT], t.light, depth),
                          "%s on %d colours: the cursor looks like plain text", name, depth);
            for (int i = 0; i < MT_SIDE_ROLES; i++)
                for (int j = i + 1; j < MT_SIDE_ROLES; j++) {
                    const struct mt_style *a = &t.role[MT_ROLE_SIDE1 + i], *b = &t.role[MT_ROLE_SIDE1 + j];
                    bool same = a->fg >= 0 && b->fg >= 0
                                    ? shown(a->fg, true, t.light, depth) == shown(b->fg, true, t.light, depth)
                                    : a->fg == b->fg && a->attrs == b->attrs;
                    ck_assert_msg(!same, "%s on %d colours: side%d and side%d look the same", name, depth, i + 1,
                                  j + 1);
                }
        }
        mt_theme_free(&t);
        free(name);
        nthemes++;
    }
    closedir(d);
    ck_assert_int_ge(nthemes, 3);
    unsetenv("MEMTUI_THEMES");
    free(themes);
}
END_TEST

/* 256-colour themes on 8-colour terminals keep their hue. */
START_TEST(colour_folding)
{
    ck_assert_int_eq(mt_theme_fold8(1), 1);     /* basic colours stay */
    ck_assert_int_eq(mt_theme_fold8(9), 1);     /* bright red: red */
    ck_assert_int_eq(mt_theme_fold8(124), 1);   /* dark red */
    ck_assert_int_eq(mt_theme_fold8(160), 1);
    ck_assert_int_eq(mt_theme_fold8(28), 2);    /* dark green */
    ck_assert_int_eq(mt_theme_fold8(34), 2);
    ck_assert_int_eq(mt_theme_fold8(21), 4);    /* blue */
    ck_assert_int_eq(mt_theme_fold8(33), 4);    /* sky blue */
    ck_assert_int_eq(mt_theme_fold8(226), 3);   /* yellow */
    ck_assert_int_eq(mt_theme_fold8(231), 7);   /* white */
    ck_assert_int_eq(mt_theme_fold8(16), 0);    /* black */
    ck_assert_int_eq(mt_theme_fold8(235), 0);   /* dark grey */
    ck_assert_int_eq(mt_theme_fold8(252), 7);   /* light grey */
    /* folded only where the terminal lacks the colour */
    ck_assert_int_eq(mt_theme_fold(124, 256), 124);
    ck_assert_int_eq(mt_theme_fold(124, 8), 1);
    ck_assert_int_eq(mt_theme_fold(12, 16), 12);
    ck_assert_int_eq(mt_theme_fold(-1, 8), -1);
}
END_TEST

static char *row_text(const struct mt_rows *rs, size_t i)
{
    return mt_row_text(&rs->v[i]);
}

START_TEST(plan_rows)
{
    struct mt_entity *before = mt_entity_new("東京", "city");
    mt_strset_add(&before->obs, "old");
    mt_strset_add(&before->obs, "kept");
    struct mt_entity *after = mt_entity_new("東京", "capital");
    mt_strset_add(&after->obs, "kept");
    mt_strset_add(&after->obs, "new");
    struct mt_rows rs = {0};
    mt_rows_entity_diff(&rs, "東京", before, after, "a, b", "k");
    const char *want[] = {"@ 東京  [a, b]", "- entityType: city", "+ entityType: capital", "- old", "+ new"};
    ck_assert_uint_eq(rs.n, 5);
    for (size_t i = 0; i < 5; i++) {
        char *t = row_text(&rs, i);
        ck_assert_str_eq(t, want[i]);
        free(t);
        ck_assert_str_eq(rs.v[i].ref, "k");
    }
    ck_assert_int_eq(rs.v[3].segs[0].role, MT_ROLE_REMOVED);
    ck_assert_int_eq(rs.v[4].segs[0].role, MT_ROLE_ADDED);
    mt_rows_clear(&rs);
    mt_rows_entity_diff(&rs, "東京", NULL, after, "a", NULL);   /* added: everything '+' */
    ck_assert_uint_eq(rs.n, 4);
    char *t = row_text(&rs, 1);
    ck_assert_str_eq(t, "+ entityType: capital");
    free(t);
    mt_rows_clear(&rs);
    struct mt_row *r = mt_rows_add(&rs);
    mt_row_col(r, MT_ROLE_DEFAULT, 6, "東京タワー");
    mt_row_seg(r, MT_ROLE_DIM, "|");
    t = row_text(&rs, 0);
    ck_assert_str_eq(t, "東京~ |");
    free(t);
    mt_rows_clear(&rs);
    mt_entity_free(before);
    mt_entity_free(after);
}
END_TEST

static struct mt_entity *ent(const char *name, const char *type, const char *const *obs)
{
    struct mt_entity *e = mt_entity_new(name, type);
    for (; obs && *obs; obs++) mt_strset_add(&e->obs, *obs);
    return e;
}

/* Orion created by a (person) and b (project): memory.json has none. */
struct orion {
    struct mt_entity *a, *b, *keep;
    struct mt_side sides[3];
    struct mt_conflict c;
};

static void orion_make(struct orion *o)
{
    memset(o, 0, sizeof *o);
    o->a = ent("Orion", "person", (const char *const[]){"added on a", "both", NULL});
    o->b = ent("Orion", "project", (const char *const[]){"added on b", "both", "b2", NULL});
    o->keep = ent("Orion", "person", (const char *const[]){"added on a", "both", "added on b", "b2", NULL});
    o->sides[0] = (struct mt_side){"memory.json", SIZE_MAX, NULL};
    o->sides[1] = (struct mt_side){"a", 0, o->a};
    o->sides[2] = (struct mt_side){"b", 1, o->b};
    o->c.name = "Orion";
    o->c.key = "Orion";
    o->c.sides = o->sides;
    o->c.nsides = 3;
    o->c.preserve = o->keep;
}

static void orion_free(struct orion *o)
{
    mt_entity_free(o->a);
    mt_entity_free(o->b);
    mt_entity_free(o->keep);
}

/* Choosing a side's type keeps every observation, in the engine's order. */
START_TEST(choice_type_keeps_observations)
{
    struct orion o;
    orion_make(&o);
    struct mt_entity *e = mt_choice_type_of(o.keep, o.b);
    ck_assert_str_eq(e->type, "project");
    ck_assert_str_eq(e->name, "Orion");
    ck_assert_uint_eq(e->obs.n, 4);
    const char *want[] = {"added on a", "both", "added on b", "b2"};
    for (size_t i = 0; i < 4; i++) ck_assert_str_eq(e->obs.items[i], want[i]);
    ck_assert_str_eq(o.keep->type, "person");   /* the plan's entity is left alone */
    mt_entity_free(e);
    ck_assert_ptr_null(mt_choice_type_of(o.keep, NULL));   /* an absent side has no type */
    ck_assert_ptr_null(mt_choice_type_of(NULL, o.a));
    orion_free(&o);
}
END_TEST

/* Taking a side exactly loses what only the others (or the preserve
 * result) hold, and the question names each of them. */
START_TEST(choice_drop_question)
{
    struct orion o;
    orion_make(&o);
    struct mt_strset d;
    mt_choice_dropped(&o.c, 1, &d);
    ck_assert_uint_eq(d.n, 2);
    ck_assert_str_eq(d.items[0], "added on b");
    ck_assert_str_eq(d.items[1], "b2");
    char *q = mt_choice_drop_question("a", "Orion", &d, 0);
    ck_assert_str_eq(q, "Take a's \"Orion\" exactly as it is, dropping 2 observations: \"added on b\", \"b2\"? [y/N]");
    free(q);
    mt_strset_free(&d);
    mt_choice_dropped(&o.c, 0, &d);   /* absent: nothing to take */
    ck_assert_uint_eq(d.n, 0);
    mt_strset_free(&d);
    mt_choice_dropped(&o.c, 2, &d);
    ck_assert_uint_eq(d.n, 1);
    q = mt_choice_drop_question("b", "Orion", &d, 0);
    ck_assert_str_eq(q, "Take b's \"Orion\" exactly as it is, dropping 1 observation: \"added on a\"? [y/N]");
    free(q);
    mt_strset_free(&d);
    orion_free(&o);
}
END_TEST

/* A long list is cut to the width, by display columns, and counted. */
START_TEST(choice_drop_question_fits)
{
    struct mt_strset d;
    mt_strset_init(&d);
    char buf[64];
    for (int i = 0; i < 30; i++) {
        snprintf(buf, sizeof buf, "東京 observation %d", i);
        mt_strset_add(&d, buf);
    }
    char *q = mt_choice_drop_question("a", "Orion", &d, 120);
    ck_assert_uint_le(utf8_width(q, strlen(q)), 120);
    ck_assert(utf8_valid(q, strlen(q), NULL));
    ck_assert_ptr_nonnull(strstr(q, "dropping 30 observations: \"東京 observation 0\", "));
    ck_assert_ptr_nonnull(strstr(q, " more)? [y/N]"));
    free(q);
    mt_strset_free(&d);
    /* one observation longer than the line: cut, never left out */
    mt_strset_init(&d);
    mt_strset_add(&d, "an observation far too long to fit on one line of the message row, as notes sometimes are");
    mt_strset_add(&d, "short");
    q = mt_choice_drop_question("a", "Orion", &d, 100);
    ck_assert_uint_le(utf8_width(q, strlen(q)), 100);
    ck_assert_ptr_nonnull(strstr(q, ": \"an observation"));
    ck_assert_ptr_nonnull(strstr(q, "~, \"short\"? [y/N]"));   /* the rest still fits */
    free(q);
    mt_strset_free(&d);
}
END_TEST

START_TEST(choice_delete_question)
{
    struct orion o;
    orion_make(&o);
    char *q = mt_choice_delete_question("Orion", o.keep);
    ck_assert_str_eq(q, "Delete the entity \"Orion\" (type person, 4 observations) and the relations that touch it? [y/N]");
    free(q);
    q = mt_choice_delete_question("Orion", NULL);
    ck_assert_str_eq(q, "Delete the entity \"Orion\" and the relations that touch it? [y/N]");
    free(q);
    orion_free(&o);
}
END_TEST

/* The Log panel's line for a restore, from the manifest as a peer wrote it:
 * none for a plain merge; the names (a few, then how many more); every
 * entity; an unknown commit left out. */
START_TEST(log_restore_line)
{
    struct mt_manifest m;
    mt_manifest_init(&m);
    ck_assert_ptr_null(mt_ui_log_restore_text(&m));
    static const char one[] = "{\"restore\":{\"ref\":\"stash@{0}\",\"commit\":\"0123456789abcdef0123456789abcdef01234567\","
                              "\"names\":[\"Gamma\"],\"entities\":1}}";
    struct mt_error err = {0};
    ck_assert_int_eq(mt_manifest_parse(one, strlen(one), &m, &err), 0);
    char *t = mt_ui_log_restore_text(&m);
    ck_assert_str_eq(t, "restored 1 entity from stash@{0} (commit 0123456789ab): Gamma");
    free(t);
    mt_manifest_free(&m);
    static const char many[] = "{\"restore\":{\"ref\":\"HEAD~3\",\"names\":[\"A\",\"B\",\"C\",\"D\",\"E\",\"F\",\"G\"],"
                               "\"entities\":7}}";
    ck_assert_int_eq(mt_manifest_parse(many, strlen(many), &m, &err), 0);
    t = mt_ui_log_restore_text(&m);
    ck_assert_str_eq(t, "restored 7 entities from HEAD~3: A, B, C, D, E and 2 more");
    free(t);
    mt_manifest_free(&m);
    static const char all[] = "{\"restore\":{\"ref\":\"memtui/backup/a/x\",\"all\":true,\"entities\":12}}";
    ck_assert_int_eq(mt_manifest_parse(all, strlen(all), &m, &err), 0);
    t = mt_ui_log_restore_text(&m);
    ck_assert_str_eq(t, "restored every entity (12) of memtui/backup/a/x");
    free(t);
    mt_manifest_free(&m);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("ui");
    TCase *tc = tcase_create("pure");
    tcase_add_test(tc, key_names);
    tcase_add_test(tc, action_table);
    tcase_add_test(tc, truncation_by_width);
    tcase_add_test(tc, truncation_of_controls);
    tcase_add_test(tc, theme_parsing);
    tcase_add_test(tc, colour_folding);
    tcase_add_test(tc, themes_legible);
    tcase_add_test(tc, plan_rows);
    tcase_add_test(tc, choice_type_keeps_observations);
    tcase_add_test(tc, choice_drop_question);
    tcase_add_test(tc, choice_drop_question_fits);
    tcase_add_test(tc, choice_delete_question);
    tcase_add_test(tc, log_restore_line);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(make_suite)
