/* test_events.c: the event sink (events.h): an installed sink gets every
 * event with its kind, the text made safe and its URL's password redacted;
 * mt_warn and the audit's human line are events (one audit call writes
 * the log line and emits the event); the default sink prints warnings and
 * info as "memtui: <text>" on stderr and keeps steps off it; and a NULL
 * sink puts the default back. */
#include "testutil.h"

#include "memtui/base/audit.h"
#include "memtui/base/events.h"
#include "memtui/base/fsutil.h"
#include "memtui/base/util.h"

struct seen {
    enum mt_event_kind kind[8];
    char *text[8];
    size_t n;
};

static void record(void *ctx, enum mt_event_kind kind, const char *text)
{
    struct seen *s = ctx;
    ck_assert_uint_lt(s->n, 8);
    s->kind[s->n] = kind;
    s->text[s->n++] = xstrdup(text);
}

static void seen_free(struct seen *s)
{
    for (size_t i = 0; i < s->n; i++) free(s->text[i]);
    mt_event_set_sink(NULL, NULL);
}

START_TEST(test_sink_gets_events)
{
    struct seen s = {0};
    mt_event_set_sink(record, &s);
    mt_warn("cannot read %s", "x.json");
    mt_event_emit(MT_EVENT_STEP, "fetching (attempt %d)", 2);
    mt_event_post(MT_EVENT_INFO, "lock: taken");
    ck_assert_uint_eq(s.n, 3);
    ck_assert_int_eq(s.kind[0], MT_EVENT_WARNING);
    ck_assert_str_eq(s.text[0], "cannot read x.json");
    ck_assert_int_eq(s.kind[1], MT_EVENT_STEP);
    ck_assert_str_eq(s.text[1], "fetching (attempt 2)");
    ck_assert_int_eq(s.kind[2], MT_EVENT_INFO);
    ck_assert_str_eq(s.text[2], "lock: taken");
    seen_free(&s);
}
END_TEST

START_TEST(test_text_is_safe_and_scrubbed)
{
    struct seen s = {0};
    mt_event_set_sink(record, &s);
    mt_warn("peer said %s", "a\x1b[2Jb\nc");
    mt_warn("fetch from %s failed", "https://user:S3CRET@example.com/r.git");
    ck_assert_uint_eq(s.n, 2);
    ck_assert_ptr_null(strchr(s.text[0], '\x1b'));
    ck_assert_ptr_null(strchr(s.text[0], '\n'));
    ck_assert_ptr_null(strstr(s.text[1], "S3CRET"));
    ck_assert_ptr_nonnull(strstr(s.text[1], "example.com"));
    seen_free(&s);
}
END_TEST

/* One audit call: the log line and the event. Quiet: the log line only. */
START_TEST(test_audit_is_an_event)
{
    char *dir = tu_tmpdir(), *gitdir = xasprintf("%s/", dir);
    struct seen s = {0};
    mt_event_set_sink(record, &s);
    mt_audit_open(gitdir, "a", false);
    mt_audit("lock", NULL, "lock %s taken", "memtui.lock");
    mt_audit_record("lock", NULL, "not an event");
    mt_audit_close();
    mt_audit_open(gitdir, "a", true);
    mt_audit("lock", NULL, "quiet: not an event either");
    mt_audit_close();
    ck_assert_uint_eq(s.n, 1);
    ck_assert_int_eq(s.kind[0], MT_EVENT_INFO);
    ck_assert_str_eq(s.text[0], "lock memtui.lock taken");
    char *path = xasprintf("%smemtui.log", gitdir), *log = NULL;
    size_t len = 0;
    ck_assert_int_eq(mt_file_read(path, &log, &len, NULL, NULL), 0);
    ck_assert_ptr_nonnull(strstr(log, "lock memtui.lock taken"));
    ck_assert_ptr_nonnull(strstr(log, "quiet: not an event either"));
    seen_free(&s);
    free(log);
    free(path);
    tu_sh("rm -rf '%s'", dir);
    free(gitdir);
    free(dir);
}
END_TEST

static void emit_some(void)
{
    mt_warn("a warning: %d", 1);
    mt_event_emit(MT_EVENT_STEP, "a step");
    mt_event_emit(MT_EVENT_PROGRESS, "3/4");
    mt_event_post(MT_EVENT_INFO, "an audit line");
}

START_TEST(test_default_prints)
{
    char *err = tu_capture_stderr(emit_some);
    ck_assert_str_eq(err, "memtui: a warning: 1\nmemtui: an audit line\n");
    free(err);
}
END_TEST

START_TEST(test_null_sink_restores_default)
{
    struct seen s = {0};
    mt_event_set_sink(record, &s);
    mt_event_set_sink(NULL, NULL);
    char *err = tu_capture_stderr(emit_some);
    ck_assert_uint_eq(s.n, 0);
    ck_assert_str_eq(err, "memtui: a warning: 1\nmemtui: an audit line\n");
    free(err);
}
END_TEST

START_TEST(test_kind_names)
{
    ck_assert_str_eq(mt_event_kind_name(MT_EVENT_WARNING), "warning");
    ck_assert_str_eq(mt_event_kind_name(MT_EVENT_INFO), "info");
    ck_assert_str_eq(mt_event_kind_name(MT_EVENT_STEP), "step");
    ck_assert_str_eq(mt_event_kind_name(MT_EVENT_PROGRESS), "progress");
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("events");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_sink_gets_events);
    tcase_add_test(tc, test_text_is_safe_and_scrubbed);
    tcase_add_test(tc, test_audit_is_an_event);
    tcase_add_test(tc, test_default_prints);
    tcase_add_test(tc, test_null_sink_restores_default);
    tcase_add_test(tc, test_kind_names);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(make_suite)
