/* test_ui_app.c: the workstation's state machine without curses: keys in,
 * state and messages out, on a real repo with a real TYPE conflict (Orion,
 * a person on a and a project on b) that the load job reads. */
#include "testutil.h"
#include <sys/stat.h>
#include <time.h>

#include "memtui/batch/batch.h"
#include "memtui/config/config.h"
#include "memtui/git/repo.h"
#include "memtui/merge/intent.h"
#include "memtui/merge/plan.h"
#include "memtui/ui/app.h"
#include "memtui/ui/keys.h"

static char *T;

static void overwrite(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static void write_file(const char *name, const char *text)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", T, name);
    overwrite(path, text);
}

/* One batch run as env E, its output out of the way. */
static void batch(const char *env, const char *a1, const char *a2)
{
    char repo[4096], mem[4096];
    snprintf(repo, sizeof repo, "%s/clone-%s", T, env);
    snprintf(mem, sizeof mem, "%s/%s.json", T, env);
    char *argv[] = {"memtui", "--batch", "--repo", repo, "--env", (char *)env, "--memory-file", mem,
                    (char *)a1, (char *)a2, NULL};
    int argc = a2 ? 10 : 9;
    struct mt_config c;
    ck_assert_int_eq(mt_config_parse(&c, argc, argv), 0);
    fflush(stdout);
    int saved = dup(1);
    FILE *null = freopen("/dev/null", "w", stdout);
    ck_assert_ptr_nonnull(null);
    int rc = mt_batch_run(&c);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    mt_config_free(&c);
    ck_assert_msg(rc == 0, "%s %s: exit %d", env, a1, rc);
}

#define ENT(n, t, o) "{\"type\":\"entity\",\"name\":\"" n "\",\"entityType\":\"" t "\",\"observations\":[\"" o "\"]}\n"

static void setup(void)
{
    T = tu_tmpdir();
    setenv("HOME", T, 1);
    setenv("XDG_CONFIG_HOME", T, 1);
    setenv("TMPDIR", T, 1);   /* edit files, left behind by a failing test, stay in T */
    setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
    ck_assert_int_eq(tu_sh("git init -q --bare -b main %s/remote.git", T), 0);
    char remote[4096];
    snprintf(remote, sizeof remote, "%s/remote.git", T);
    write_file("a.json", ENT("Base", "thing", "one"));
    write_file("b.json", ENT("Base", "thing", "one"));
    batch("a", "init", remote);
    batch("b", "init", remote);
    batch("a", "sync", NULL);
    batch("b", "sync", NULL);
    batch("a", "sync", NULL);
    write_file("a.json", ENT("Base", "thing", "one") ENT("Orion", "person", "added on a"));
    write_file("b.json", ENT("Base", "thing", "one") ENT("Orion", "project", "added on b"));
    batch("a", "export", NULL);
    batch("b", "export", NULL);
    batch("a", "export", NULL);
}

static void teardown(void)
{
    tu_sh("rm -rf '%s'", T);
    free(T);
}

struct ws {
    struct mt_config cfg;
    struct mt_app app;
};

/* Until the background job ends (a minute at most). */
static void settle(struct mt_app *a)
{
    for (int i = 0; i < 6000 && !mt_app_idle(a); i++) {
        mt_app_poll(a);
        struct timespec ten = {0, 10 * 1000 * 1000};
        nanosleep(&ten, NULL);
    }
    mt_app_poll(a);
    ck_assert_msg(mt_app_idle(a), "the job never ended");
}

static void open_ws(struct ws *w)
{
    char repo[4096], mem[4096];
    snprintf(repo, sizeof repo, "%s/clone-a", T);
    snprintf(mem, sizeof mem, "%s/a.json", T);
    char *argv[] = {"memtui", "--repo", repo, "--env", "a", "--memory-file", mem, NULL};
    ck_assert_int_eq(mt_config_parse(&w->cfg, 7, argv), 0);
    mt_repo_global_init();   /* as the workstation's entry point does */
    mt_app_init(&w->app, &w->cfg);
    w->app.body_height = 20;
    w->app.width = 100;
    settle(&w->app);
    ck_assert_ptr_nonnull(w->app.snap);
}

static void close_ws(struct ws *w)
{
    mt_app_free(&w->app);
    mt_repo_global_shutdown();
    mt_config_free(&w->cfg);
}

static void press(struct mt_app *a, const char *name)
{
    int key = mt_key_parse(name);
    ck_assert_msg(key >= 0, "no key %s", name);
    mt_app_key(a, key);
}

/* Text typed at a prompt, a key a character. */
static void type(struct mt_app *a, const char *text)
{
    for (const char *c = text; *c; c++) mt_app_key(a, *c);
}

START_TEST(panels_and_overlays)
{
    struct ws w;
    open_ws(&w);
    struct mt_app *a = &w.app;
    ck_assert_int_eq(a->view, MT_VIEW_ENVS);
    const char *keys = "123456";
    for (int i = 0; keys[i]; i++) {
        char k[2] = {keys[i], 0};
        press(a, k);
        ck_assert_int_eq(a->view, MT_VIEW_ENVS + i);
        ck_assert_int_eq(a->panel, MT_VIEW_ENVS + i);
    }
    press(a, "Tab");
    ck_assert_int_eq(a->view, MT_VIEW_ENVS);                /* Tab wraps */
    press(a, "?");
    ck_assert_int_eq(a->view, MT_VIEW_HELP);
    press(a, "Esc");
    ck_assert_int_eq(a->view, MT_VIEW_ENVS);                /* back where it was */
    press(a, "m");
    ck_assert_int_eq(a->view, MT_VIEW_MENU);
    press(a, "Esc");
    ck_assert_int_eq(a->view, MT_VIEW_ENVS);
    press(a, "2");                                          /* a view's own key, refused: a message, no question */
    press(a, "B");
    ck_assert_int_eq(a->input, MT_INPUT_NONE);
    ck_assert_ptr_nonnull(strstr(a->message, "not held"));
    press(a, "1");
    press(a, "D");
    ck_assert_int_eq(a->input, MT_INPUT_NONE);
    ck_assert_ptr_nonnull(strstr(a->message, "held back"));
    press(a, "q");
    ck_assert(a->quit);                                     /* nothing unsaved: no question */
    close_ws(&w);
}
END_TEST

START_TEST(decide_and_undo)
{
    struct ws w;
    open_ws(&w);
    struct mt_app *a = &w.app;
    struct mt_plan *p = mt_app_plan(a);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq(p->nconflicts, 1);
    char *key = strdup(p->conflicts[0].key);   /* a resolve rebuilds the conflicts */
    press(a, "4");
    press(a, "Enter");
    ck_assert_int_eq(a->view, MT_VIEW_CONFLICT);
    ck_assert_ptr_null(mt_intent_decision(&p->intent, key));
    press(a, "Space");                                      /* keep the result: loses nothing, no question */
    const struct mt_decision *d = mt_intent_decision(&mt_app_plan(a)->intent, key);
    ck_assert_ptr_nonnull(d);
    unsigned gen = a->gen;
    press(a, "z");
    ck_assert_ptr_null(mt_intent_decision(&mt_app_plan(a)->intent, key));
    ck_assert_uint_ne(a->gen, gen);                         /* the plan view recounts */
    ck_assert_ptr_nonnull(a->message);                      /* the undo says what it undid */
    ck_assert_ptr_nonnull(strstr(a->message, "Orion"));
    press(a, "d");                                          /* delete asks first, naming Orion */
    ck_assert_int_eq(a->input, MT_INPUT_CONFIRM);
    ck_assert_ptr_nonnull(mt_app_ask_question(a));
    ck_assert_ptr_nonnull(strstr(mt_app_ask_question(a), "Orion"));
    press(a, "n");
    ck_assert_int_eq(a->input, MT_INPUT_NONE);
    ck_assert_ptr_null(mt_intent_decision(&mt_app_plan(a)->intent, key));   /* n: still pending */
    press(a, "d");
    press(a, "y");
    d = mt_intent_decision(&mt_app_plan(a)->intent, key);
    ck_assert_ptr_nonnull(d);
    ck_assert_int_eq(d->kind, MT_DECIDE_DELETE);
    press(a, "q");                                          /* an unsaved decision: q asks */
    ck_assert(!a->quit);
    ck_assert_int_eq(a->input, MT_INPUT_CONFIRM);
    ck_assert_int_eq(a->confirm, MT_CONFIRM_QUIT);
    press(a, "y");
    ck_assert(a->quit);
    free(key);
    close_ws(&w);
}
END_TEST

/* The workstation open on Orion's conflict; its key (caller frees). */
static char *open_conflict(struct ws *w)
{
    open_ws(w);
    char *key = strdup(mt_app_plan(&w->app)->conflicts[0].key);
    press(&w->app, "4");
    press(&w->app, "Enter");
    ck_assert_int_eq(w->app.view, MT_VIEW_CONFLICT);
    return key;
}

/* The body of the screen as text, one row a line. */
static char *screen_text(struct mt_app *a)
{
    struct mt_screen scr;
    mt_app_screen(a, &scr);
    struct mt_buf b;
    mt_buf_init(&b);
    for (size_t i = 0; i < scr.body.n; i++) {
        char *t = mt_row_text(&scr.body.v[i]);
        mt_buf_adds(&b, t);
        mt_buf_addc(&b, '\n');
        free(t);
    }
    mt_screen_free(&scr);
    return mt_buf_detach(&b, NULL);
}

static void screen_has(struct mt_app *a, const char *want)
{
    char *t = screen_text(a);
    ck_assert_msg(strstr(t, want) != NULL, "no '%s' on:\n%s", want, t);
    free(t);
}

/* h/l select sides (stopping at either end), j/k and G/g scroll lines
 * under the fixed title, Z and C-r redo what z undid. */
START_TEST(conflict_sides_scroll_redo)
{
    struct ws w;
    char *key = open_conflict(&w);
    struct mt_app *a = &w.app;
    screen_has(a, "> result (preserve rule)");
    press(a, "l");                                          /* the result is the last column */
    screen_has(a, "> result (preserve rule)");
    press(a, "h");
    screen_has(a, "> b @ ");
    press(a, "Left");
    screen_has(a, "> a @ ");
    press(a, "h");
    press(a, "h");                                          /* stops at memory.json */
    screen_has(a, "> memory.json");
    press(a, "Right");
    screen_has(a, "> a @ ");
    a->body_height = 8;                                     /* a page of 4 body lines out of 7 */
    screen_has(a, "lines 1-4 of 7");
    press(a, "j");
    screen_has(a, "lines 2-5 of 7");
    press(a, "G");
    screen_has(a, "lines 4-7 of 7");
    press(a, "j");                                          /* stays at the end */
    screen_has(a, "lines 4-7 of 7");
    screen_has(a, "Relations of \"Orion\"");
    press(a, "k");
    screen_has(a, "lines 3-6 of 7");
    press(a, "g");
    screen_has(a, "lines 1-4 of 7");
    a->body_height = 20;
    press(a, "Space");                                      /* a's type, every observation */
    const struct mt_decision *d = mt_intent_decision(&mt_app_plan(a)->intent, key);
    ck_assert_ptr_nonnull(d);
    ck_assert_str_eq(d->entity->type, "person");
    press(a, "Z");
    ck_assert_ptr_nonnull(strstr(a->message, "nothing to redo"));
    press(a, "z");
    ck_assert_ptr_null(mt_intent_decision(&mt_app_plan(a)->intent, key));
    unsigned gen = a->gen;
    press(a, "Z");
    ck_assert_uint_ne(a->gen, gen);
    d = mt_intent_decision(&mt_app_plan(a)->intent, key);
    ck_assert_ptr_nonnull(d);
    ck_assert_str_eq(d->entity->type, "person");
    ck_assert_ptr_nonnull(strstr(a->message, "Orion: decision redone"));
    press(a, "z");
    press(a, "C-r");
    ck_assert_ptr_nonnull(mt_intent_decision(&mt_app_plan(a)->intent, key));
    free(key);
    close_ws(&w);
}
END_TEST

/* A frame: what display does before it draws (cursor and top settle). */
static void frame(struct mt_app *a)
{
    struct mt_screen scr;
    mt_app_screen(a, &scr);
    mt_screen_free(&scr);
}

/* The mouse on the tab line and on rows: a tab opens its panel, a row gets
 * the cursor (never the heading row), a click on the selected row opens
 * it; the wheel scrolls three rows a notch, the cursor kept on screen;
 * nothing is clicked while a question waits. */
START_TEST(mouse_tabs_rows_wheel)
{
    struct ws w;
    open_ws(&w);
    struct mt_app *a = &w.app;
    frame(a);
    /* " memtui " then " 1 Environments " " 2 Locks " " 3 Plan " ... */
    mt_app_click(a, 0, 35, MT_MOUSE_CLICK);
    ck_assert_int_eq(a->view, MT_VIEW_PLAN);
    mt_app_click(a, 0, 2, MT_MOUSE_CLICK);                  /* the title: nothing */
    ck_assert_int_eq(a->view, MT_VIEW_PLAN);
    mt_app_click(a, 0, 8, MT_MOUSE_CLICK);
    ck_assert_int_eq(a->view, MT_VIEW_ENVS);
    frame(a);
    mt_app_click(a, 1, 3, MT_MOUSE_CLICK);                  /* the column titles */
    ck_assert_uint_eq(a->cursor[MT_VIEW_ENVS], 1);
    mt_app_click(a, 15, 3, MT_MOUSE_CLICK);                 /* below the last row */
    ck_assert_uint_eq(a->cursor[MT_VIEW_ENVS], 1);
    /* the merge menu: a click moves, a second one on that row chooses */
    mt_app_key(a, 'm');
    frame(a);
    mt_app_click(a, 2, 5, MT_MOUSE_CLICK);
    ck_assert_uint_eq(a->cursor[MT_VIEW_MENU], 1);
    ck_assert_int_eq(a->input, MT_INPUT_NONE);
    frame(a);
    mt_app_click(a, 2, 5, MT_MOUSE_CLICK);
    ck_assert_int_eq(a->input, MT_INPUT_CONFIRM);
    ck_assert_int_eq(a->confirm, MT_CONFIRM_ABORT);
    mt_app_click(a, 0, 35, MT_MOUSE_CLICK);                 /* the question waits for y/N */
    ck_assert_int_eq(a->view, MT_VIEW_MENU);
    ck_assert_int_eq(a->input, MT_INPUT_CONFIRM);
    press(a, "n");
    /* the wheel, in the help overlay: rows scroll by three */
    press(a, "?");
    a->body_height = 5;
    frame(a);
    mt_app_click(a, 3, 5, MT_MOUSE_CLICK);
    ck_assert_uint_eq(a->cursor[MT_VIEW_HELP], 2);
    mt_app_click(a, 3, 5, MT_MOUSE_WHEEL_DOWN);
    frame(a);
    ck_assert_uint_eq(a->top[MT_VIEW_HELP], 3);
    ck_assert_uint_eq(a->cursor[MT_VIEW_HELP], 3);            /* dragged onto the screen */
    mt_app_click(a, 3, 5, MT_MOUSE_WHEEL_DOWN);
    frame(a);
    ck_assert_uint_eq(a->top[MT_VIEW_HELP], 6);
    mt_app_click(a, 5, 5, MT_MOUSE_CLICK);
    ck_assert_uint_eq(a->cursor[MT_VIEW_HELP], 10);
    mt_app_click(a, 3, 5, MT_MOUSE_WHEEL_UP);
    frame(a);
    ck_assert_uint_eq(a->top[MT_VIEW_HELP], 3);
    ck_assert_uint_eq(a->cursor[MT_VIEW_HELP], 7);            /* the bottom row */
    for (int i = 0; i < 5; i++) mt_app_click(a, 3, 5, MT_MOUSE_WHEEL_UP);
    frame(a);
    ck_assert_uint_eq(a->top[MT_VIEW_HELP], 0);
    struct mt_screen scr;
    mt_app_screen(a, &scr);
    size_t total = scr.total;
    mt_screen_free(&scr);
    for (size_t i = 0; i < total; i++) mt_app_click(a, 3, 5, MT_MOUSE_WHEEL_DOWN);
    frame(a);
    ck_assert_uint_eq(a->top[MT_VIEW_HELP], total - 5);       /* the last page, no further */
    /* a click on the one conflict (already selected) opens it */
    a->body_height = 20;
    press(a, "4");
    frame(a);
    mt_app_click(a, 1, 5, MT_MOUSE_CLICK);
    ck_assert_int_eq(a->view, MT_VIEW_CONFLICT);
    close_ws(&w);
}
END_TEST

/* The conflict view: a click on a side's column selects it, side by side
 * (columns of 24 at width 100: memory.json, a, b, the result) and stacked;
 * the wheel scrolls its lines. */
START_TEST(mouse_conflict_sides)
{
    struct ws w;
    char *key = open_conflict(&w);
    struct mt_app *a = &w.app;
    frame(a);
    screen_has(a, "> result (preserve rule)");
    mt_app_click(a, 2, 30, MT_MOUSE_CLICK);                 /* the second column, a */
    screen_has(a, "> a @ ");
    mt_app_click(a, 3, 55, MT_MOUSE_CLICK);
    screen_has(a, "> b @ ");
    mt_app_click(a, 2, 49, MT_MOUSE_CLICK);                 /* between two columns: nothing */
    screen_has(a, "> b @ ");
    mt_app_click(a, 2, 2, MT_MOUSE_CLICK);
    screen_has(a, "> memory.json");
    mt_app_click(a, 1, 30, MT_MOUSE_CLICK);                 /* the title: nothing */
    screen_has(a, "> memory.json");
    ck_assert_ptr_null(mt_intent_decision(&mt_app_plan(a)->intent, key));   /* a click never decides */
    a->body_height = 8;                                     /* a page of 4 body lines out of 7 */
    screen_has(a, "lines 1-4 of 7");
    mt_app_click(a, 3, 5, MT_MOUSE_WHEEL_DOWN);
    screen_has(a, "lines 4-7 of 7");
    mt_app_click(a, 3, 5, MT_MOUSE_WHEEL_UP);
    screen_has(a, "lines 1-4 of 7");
    /* stacked at width 60: memory.json's lines first, then a's ... */
    a->width = 60;
    a->body_height = 40;
    frame(a);
    char *t = screen_text(a);
    const char *b_at = strstr(t, "  b @ ");
    ck_assert_ptr_nonnull(b_at);
    int line = 0;
    for (const char *q = t; q < b_at; q++) line += *q == '\n';
    free(t);
    mt_app_click(a, 1 + line, 50, MT_MOUSE_CLICK);          /* b's header line */
    screen_has(a, "> b @ ");
    free(key);
    close_ws(&w);
}
END_TEST

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    struct mt_buf b;
    mt_buf_init(&b);
    int ch;
    while ((ch = fgetc(f)) != EOF) mt_buf_addc(&b, (char)ch);
    fclose(f);
    return mt_buf_detach(&b, NULL);
}

/* e: the edit file waits for the editor; its path (caller frees). */
static char *start_edit(struct mt_app *a)
{
    press(a, "e");
    ck_assert_ptr_nonnull(a->edit_path);
    return strdup(a->edit_path);
}

/* e: the result pretty-printed, one observation a line; invalid JSON comes
 * back with json-c's reason on top as // memtui: lines (any number of
 * times), which are stripped; the valid edit is the decision. */
START_TEST(conflict_edit_invalid_then_valid)
{
    struct ws w;
    char *key = open_conflict(&w);
    struct mt_app *a = &w.app;
    char *path = start_edit(a);
    char *text = slurp(path);
    ck_assert_msg(strstr(text, "\"observations\": [\n    \"added on a\",\n    \"added on b\"\n  ]") != NULL, "%s",
                  text);
    ck_assert_ptr_nonnull(strstr(text, "\n  \"entityType\": \"person\",\n"));
    free(text);
    for (int i = 0; i < 12; i++) {                          /* no limit of tries */
        overwrite(path, "{\n  \"type\": \"entity\",\n  \"name\": \"Orion\",\n  \"entityType\": \n");
        mt_app_edit_done(a, 0);
        ck_assert_ptr_nonnull(a->edit_path);                /* re-opened */
        text = slurp(a->edit_path);
        ck_assert_msg(strncmp(text, "// memtui: ", 11) == 0, "%s", text);
        ck_assert_msg(strstr(text, "line ") != NULL, "%s", text);
        ck_assert_ptr_nonnull(strstr(text, "\"entityType\": \n"));   /* the operator's text kept */
        free(text);
    }
    ck_assert_ptr_null(mt_intent_decision(&mt_app_plan(a)->intent, key));
    overwrite(a->edit_path, "// memtui: an old complaint\n{\"type\": \"entity\", \"name\": \"Orion\",\n"
                            " \"entityType\": \"star\",\n \"observations\": [\"edited\", \"東京\"]}\n");
    mt_app_edit_done(a, 0);
    ck_assert_ptr_null(a->edit_path);
    const struct mt_decision *d = mt_intent_decision(&mt_app_plan(a)->intent, key);
    ck_assert_ptr_nonnull(d);
    ck_assert_str_eq(d->entity->type, "star");
    ck_assert_uint_eq(d->entity->obs.n, 2);
    ck_assert_str_eq(d->entity->obs.items[1], "東京");
    ck_assert_int_eq(access(path, F_OK), -1);               /* the edit file is gone */
    free(path);
    free(key);
    close_ws(&w);
}
END_TEST

/* An edit left empty (or only comments and blanks) decides nothing. */
START_TEST(conflict_edit_empty_aborts)
{
    struct ws w;
    char *key = open_conflict(&w);
    struct mt_app *a = &w.app;
    char *path = start_edit(a);
    overwrite(path, "// memtui: fix it\n   \n\t\n");
    mt_app_edit_done(a, 0);
    ck_assert_ptr_null(a->edit_path);
    ck_assert_ptr_null(mt_intent_decision(&mt_app_plan(a)->intent, key));
    ck_assert_ptr_nonnull(strstr(a->message, "edit cancelled"));
    ck_assert_int_eq(access(path, F_OK), -1);
    free(path);
    free(key);
    close_ws(&w);
}
END_TEST

/* Environments: the cursor starts on the first environment (never the
 * column titles, even after g and k); Enter opens the fragment's details,
 * read-only (Space and r do nothing there); Esc comes back. */
START_TEST(envs_keys)
{
    struct ws w;
    open_ws(&w);
    struct mt_app *a = &w.app;
    press(a, "g");
    press(a, "k");
    press(a, "Enter");
    settle(a);                                              /* its exports are read by a job */
    ck_assert_int_eq(a->view, MT_VIEW_TEXT);
    screen_has(a, "Fragment memory-a.json (env a)");
    screen_has(a, "status: changed since last merge");
    screen_has(a, "Merges that read it");
    press(a, "r");
    ck_assert_int_eq(a->input, MT_INPUT_NONE);              /* a details page restores nothing */
    press(a, "Esc");
    ck_assert_int_eq(a->view, MT_VIEW_ENVS);
    press(a, "j");
    press(a, "Enter");
    settle(a);
    screen_has(a, "Fragment memory-b.json (env b)");
    screen_has(a, "Commits that changed it (its exports)");
    close_ws(&w);
}
END_TEST

/* Plan: the heading says what happens; / is smart-case and says when
 * nothing matches; Enter on a conflicted entity opens its conflict. */
START_TEST(plan_keys)
{
    struct ws w;
    open_ws(&w);
    struct mt_app *a = &w.app;
    press(a, "3");
    screen_has(a, "@ Orion  [a]  created");
    press(a, "/");
    type(a, "orion");
    press(a, "Enter");
    screen_has(a, "filter: orion");
    screen_has(a, "@ Orion  [b]  created");
    press(a, "Esc");
    press(a, "/");
    type(a, "ORION");
    press(a, "Enter");
    screen_has(a, "no match for 'ORION'");
    press(a, "Esc");
    press(a, "g");
    for (int i = 0; i < 3; i++) press(a, "j");              /* summary lines, then "@ Orion  [a]" */
    press(a, "Enter");
    ck_assert_int_eq(a->view, MT_VIEW_CONFLICT);
    close_ws(&w);
}
END_TEST

/* Log: Enter reads what the merge changed in a job, then shows it. */
START_TEST(log_keys)
{
    struct ws w;
    open_ws(&w);
    struct mt_app *a = &w.app;
    press(a, "6");
    screen_has(a, "merge  ");
    screen_has(a, "no conflicts");
    press(a, "G");
    press(a, "Enter");
    settle(a);
    ck_assert_int_eq(a->view, MT_VIEW_TEXT);
    screen_has(a, "Fragments as merged");
    screen_has(a, "What it changed in memory.json: 1 entity");
    screen_has(a, "@ Base  created");
    close_ws(&w);
}
END_TEST

/* ? puts the view's own keys first; an error goes to the history; Ctrl-C
 * asks only when decisions would be lost, and a second one leaves. */
START_TEST(help_messages_interrupt)
{
    struct ws w;
    open_ws(&w);
    struct mt_app *a = &w.app;
    press(a, "?");
    char *t = screen_text(a);
    ck_assert_msg(strncmp(t, "Keys of Environments", 20) == 0, "%s", t);
    char *own = strchr(t, '\n');
    ck_assert_ptr_nonnull(own);
    ck_assert_msg(strncmp(own + 1, "D ", 2) == 0, "the view's own key is not first:\n%s", t);
    free(t);
    press(a, "Esc");
    ck_assert(!mt_app_interrupt(a));                        /* nothing to lose: leave */
    press(a, "2");
    press(a, "B");                                          /* refused: an error message */
    size_t n = mt_messages_count(&a->messages);
    struct mt_message m = {0};
    ck_assert(n && mt_messages_get(&a->messages, n - 1, &m));
    ck_assert_ptr_nonnull(strstr(m.text, "not held"));
    free(m.text);
    press(a, "4");
    press(a, "Enter");
    press(a, "Space");
    ck_assert(mt_app_interrupt(a));                         /* a decision: asked as q asks */
    ck_assert_int_eq(a->confirm, MT_CONFIRM_QUIT);
    ck_assert_int_eq(a->input, MT_INPUT_CONFIRM);
    ck_assert(!mt_app_interrupt(a));                        /* the second Ctrl-C leaves */
    close_ws(&w);
}
END_TEST

/* Backups: Enter on an older merge diffs it against HEAD in a job; r asks
 * before a restore, n keeps everything. The merge menu will not finish
 * with a conflict undecided, and says so. */
START_TEST(backups_and_menu_keys)
{
    struct ws w;
    open_ws(&w);
    struct mt_app *a = &w.app;
    press(a, "5");
    screen_has(a, "Recent merge commits");
    press(a, "G");
    press(a, "Enter");
    settle(a);
    ck_assert_int_eq(a->view, MT_VIEW_TEXT);
    screen_has(a, "against HEAD");
    press(a, "r");
    ck_assert_int_eq(a->input, MT_INPUT_CONFIRM);
    ck_assert_int_eq(a->confirm, MT_CONFIRM_RESTORE);
    press(a, "n");
    ck_assert_int_eq(a->input, MT_INPUT_NONE);
    ck_assert(mt_app_idle(a));                              /* n: no restore started */
    press(a, "Esc");
    press(a, "m");
    ck_assert_int_eq(a->view, MT_VIEW_MENU);
    press(a, "Enter");                                      /* finish the merge: refused, a conflict is open */
    ck_assert_int_eq(a->input, MT_INPUT_NONE);
    ck_assert_ptr_nonnull(strstr(a->message, "1 conflict is undecided"));
    close_ws(&w);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("ui_app");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, panels_and_overlays);
    tcase_add_test(tc, decide_and_undo);
    tcase_add_test(tc, conflict_sides_scroll_redo);
    tcase_add_test(tc, mouse_tabs_rows_wheel);
    tcase_add_test(tc, mouse_conflict_sides);
    tcase_add_test(tc, conflict_edit_invalid_then_valid);
    tcase_add_test(tc, conflict_edit_empty_aborts);
    tcase_add_test(tc, envs_keys);
    tcase_add_test(tc, plan_keys);
    tcase_add_test(tc, log_keys);
    tcase_add_test(tc, help_messages_interrupt);
    tcase_add_test(tc, backups_and_menu_keys);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(make_suite)
