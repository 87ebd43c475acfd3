/* test_ui_messages.c: the workstation's message history (ui/messages.h):
 * arrival order, the bound (the oldest dropped, seq still counting), the
 * newest warning since a point, the sink that fills it from
 * mt_event_emit, writers on several threads losing nothing, and the
 * app's side: a warning on the message line at once, beside a running
 * job's progress, and kept in the job's last word. */
#include "testutil.h"

#include <pthread.h>

#include "memtui/base/audit.h"
#include "memtui/base/util.h"
#include "memtui/ui/app.h"
#include "memtui/ui/messages.h"

static char *text_at(struct mt_messages *m, size_t i)
{
    struct mt_message x;
    ck_assert(mt_messages_get(m, i, &x));
    return x.text;
}

START_TEST(test_order_and_kinds)
{
    struct mt_messages m;
    mt_messages_init(&m, 10);
    time_t before = time(NULL);
    mt_messages_add(&m, MT_EVENT_STEP, "one");
    mt_messages_add(&m, MT_EVENT_WARNING, "two");
    mt_messages_add(&m, MT_EVENT_INFO, "three");
    ck_assert_uint_eq(mt_messages_count(&m), 3);
    ck_assert_uint_eq(mt_messages_seq(&m), 3);
    const char *want[] = {"one", "two", "three"};
    enum mt_event_kind kinds[] = {MT_EVENT_STEP, MT_EVENT_WARNING, MT_EVENT_INFO};
    for (size_t i = 0; i < 3; i++) {
        struct mt_message x;
        ck_assert(mt_messages_get(&m, i, &x));
        ck_assert_str_eq(x.text, want[i]);
        ck_assert_int_eq(x.kind, kinds[i]);
        ck_assert(x.when >= before && x.when <= time(NULL));
        free(x.text);
    }
    struct mt_message x;
    ck_assert(!mt_messages_get(&m, 3, &x));
    mt_messages_free(&m);
}
END_TEST

START_TEST(test_bound_drops_oldest)
{
    struct mt_messages m;
    mt_messages_init(&m, MT_MESSAGES_KEEP);
    for (int i = 0; i < MT_MESSAGES_KEEP + 25; i++) {
        char t[16];
        snprintf(t, sizeof t, "m%d", i);
        mt_messages_add(&m, MT_EVENT_INFO, t);
    }
    ck_assert_uint_eq(mt_messages_count(&m), MT_MESSAGES_KEEP);
    ck_assert_uint_eq(mt_messages_seq(&m), MT_MESSAGES_KEEP + 25);
    char *first = text_at(&m, 0), *last = text_at(&m, MT_MESSAGES_KEEP - 1);
    ck_assert_str_eq(first, "m25");
    char want[16];
    snprintf(want, sizeof want, "m%d", MT_MESSAGES_KEEP + 24);
    ck_assert_str_eq(last, want);
    free(first);
    free(last);
    mt_messages_free(&m);
}
END_TEST

START_TEST(test_warning_since)
{
    struct mt_messages m;
    mt_messages_init(&m, 4);
    ck_assert_ptr_null(mt_messages_warning_since(&m, 0));
    mt_messages_add(&m, MT_EVENT_WARNING, "old warning");
    unsigned long seen = mt_messages_seq(&m);
    mt_messages_add(&m, MT_EVENT_STEP, "a step");
    ck_assert_ptr_null(mt_messages_warning_since(&m, seen));   /* the warning was seen */
    mt_messages_add(&m, MT_EVENT_WARNING, "first new");
    mt_messages_add(&m, MT_EVENT_WARNING, "newest");
    mt_messages_add(&m, MT_EVENT_INFO, "after it");
    char *w = mt_messages_warning_since(&m, seen);
    ck_assert_str_eq(w, "newest");
    free(w);
    /* more new events than are kept: only the kept ones count */
    for (int i = 0; i < 6; i++) mt_messages_add(&m, MT_EVENT_STEP, "s");
    ck_assert_ptr_null(mt_messages_warning_since(&m, seen));
    mt_messages_free(&m);
}
END_TEST

START_TEST(test_sink_fills_history)
{
    struct mt_messages m;
    mt_messages_init(&m, 8);
    mt_event_set_sink(mt_messages_sink, &m);
    mt_warn("cannot read %s", "x.json");
    mt_event_emit(MT_EVENT_STEP, "fetching");
    mt_event_set_sink(NULL, NULL);
    ck_assert_uint_eq(mt_messages_count(&m), 2);
    struct mt_message x;
    ck_assert(mt_messages_get(&m, 0, &x));
    ck_assert_int_eq(x.kind, MT_EVENT_WARNING);
    ck_assert_str_eq(x.text, "cannot read x.json");
    free(x.text);
    mt_messages_free(&m);
}
END_TEST

enum { WRITERS = 4, EACH = 300 };

static void *writer(void *arg)
{
    for (int i = 0; i < EACH; i++) mt_messages_add(arg, MT_EVENT_INFO, "x");
    return NULL;
}

START_TEST(test_threads)
{
    struct mt_messages m;
    mt_messages_init(&m, 100);
    pthread_t t[WRITERS];
    for (int i = 0; i < WRITERS; i++) ck_assert_int_eq(pthread_create(&t[i], NULL, writer, &m), 0);
    for (int i = 0; i < WRITERS; i++) pthread_join(t[i], NULL);
    ck_assert_uint_eq(mt_messages_seq(&m), WRITERS * EACH);
    ck_assert_uint_eq(mt_messages_count(&m), 100);
    mt_messages_free(&m);
}
END_TEST

/* An app with no snapshot and no job started: only what poll and the
 * screen do with events is exercised. */
static void app_open(struct mt_app *a, struct mt_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->repo = "/nowhere/clone";
    cfg->env = "a";
    memset(a, 0, sizeof(*a));
    a->cfg = cfg;
    a->width = 120;
    mt_job_init(&a->job);
    mt_messages_init(&a->messages, 16);
    mt_event_set_sink(mt_messages_sink, &a->messages);
}

static void app_close(struct mt_app *a)
{
    mt_event_set_sink(NULL, NULL);
    mt_messages_free(&a->messages);
    mt_job_destroy(&a->job);
    free(a->message);
    free(a->job_warning);
}

static char *message_line(struct mt_app *a)
{
    struct mt_screen scr;
    mt_app_screen(a, &scr);
    char *t = mt_row_text(&scr.message);
    mt_screen_free(&scr);
    return t;
}

START_TEST(test_app_shows_warning_at_once)
{
    struct mt_app a;
    struct mt_config cfg;
    app_open(&a, &cfg);
    ck_assert(!mt_app_poll(&a));                /* nothing new: nothing to redraw */
    mt_event_emit(MT_EVENT_STEP, "a step");
    ck_assert(mt_app_poll(&a));                 /* new events: the history view redraws */
    ck_assert_ptr_null(a.message);              /* a step is no warning */
    mt_warn("cannot read %s", "x.json");
    ck_assert(mt_app_poll(&a));
    ck_assert_str_eq(a.message, "cannot read x.json");
    ck_assert(a.message_error);
    char *line = message_line(&a);
    ck_assert_str_eq(line, "cannot read x.json");
    free(line);
    app_close(&a);
}
END_TEST

START_TEST(test_app_warning_beside_job)
{
    struct mt_app a;
    struct mt_config cfg;
    app_open(&a, &cfg);
    a.job.running = true;                       /* as if a job ran: its progress owns the line */
    mt_job_progress(&a.job, 0, 0, "sync: building");
    mt_warn("skipped %s", "b.json");
    ck_assert(mt_app_poll(&a));
    char *line = message_line(&a);
    ck_assert_str_eq(line, "sync: building  skipped b.json");
    free(line);
    a.job.running = false;
    app_close(&a);
}
END_TEST

static int warning_job(struct mt_job *j)
{
    (void)j;
    mt_warn("the lease is %s", "odd");
    return 0;
}

/* A job that warned and ended: the message line keeps its newest warning. */
START_TEST(test_app_job_warning_kept)
{
    struct mt_app a;
    struct mt_config cfg;
    app_open(&a, &cfg);
    a.message = xstrdup("earlier");
    ck_assert(mt_job_run(&a.job, MT_JOB_LEASE, warning_job, NULL));
    for (int i = 0; i < 500 && a.job.running; i++) {
        mt_app_poll(&a);
        usleep(10000);
    }
    ck_assert(!a.job.running);
    ck_assert_ptr_null(a.job_warning);
    ck_assert_str_eq(a.message, "earlier; the lease is odd (M: messages)");
    ck_assert(a.message_error);
    app_close(&a);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("ui_messages");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_order_and_kinds);
    tcase_add_test(tc, test_bound_drops_oldest);
    tcase_add_test(tc, test_warning_since);
    tcase_add_test(tc, test_sink_fills_history);
    tcase_add_test(tc, test_threads);
    tcase_add_test(tc, test_app_shows_warning_at_once);
    tcase_add_test(tc, test_app_warning_beside_job);
    tcase_add_test(tc, test_app_job_warning_kept);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(make_suite)
