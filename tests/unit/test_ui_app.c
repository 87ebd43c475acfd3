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

static void write_file(const char *name, const char *text)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", T, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
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

static Suite *make_suite(void)
{
    Suite *s = suite_create("ui_app");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, panels_and_overlays);
    tcase_add_test(tc, decide_and_undo);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(make_suite)
