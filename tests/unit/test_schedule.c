/* test_schedule.c: each format's escaping, and the units built from a job. */
#include "memtui/config/schedule.h"
#include "testutil.h"

static void check(char *(*esc)(const char *), const char *in, const char *want)
{
    char *got = esc(in);
    ck_assert_str_eq(got, want);
    free(got);
}

START_TEST(systemd_words)
{
    check(mt_sched_systemd_word, "sync", "\"sync\"");
    check(mt_sched_systemd_word, "", "\"\"");
    check(mt_sched_systemd_word, "/my repo", "\"/my repo\"");
    check(mt_sched_systemd_word, "100%", "\"100%%\"");             /* not a specifier */
    check(mt_sched_systemd_word, "$HOME/${x}", "\"$$HOME/$${x}\"");  /* not a variable */
    check(mt_sched_systemd_word, "a\"b\\c", "\"a\\\"b\\\\c\"");
    check(mt_sched_systemd_word, "it's", "\"it's\"");
    check(mt_sched_systemd_word, ";", "\";\"");
}
END_TEST

START_TEST(xml_text)
{
    check(mt_sched_xml_text, "plain/path", "plain/path");
    check(mt_sched_xml_text, "a&b<c>d\"e'f", "a&amp;b&lt;c&gt;d&quot;e&apos;f");
    check(mt_sched_xml_text, "&amp;", "&amp;amp;");
    check(mt_sched_xml_text, "50% $x \xc3\xa9", "50% $x \xc3\xa9");
}
END_TEST

START_TEST(sh_words)
{
    check(mt_sched_sh_word, "/usr/bin/memtui", "/usr/bin/memtui");
    check(mt_sched_sh_word, "--memory-file", "--memory-file");
    check(mt_sched_sh_word, "", "''");
    check(mt_sched_sh_word, "/my repo", "'/my repo'");
    check(mt_sched_sh_word, "it's", "'it'\\''s'");
    check(mt_sched_sh_word, "$HOME`x`*", "'$HOME`x`*'");
    check(mt_sched_sh_word, "~/x", "'~/x'");   /* no tilde expansion */
}
END_TEST

/* What sh makes of the quoted word is the word itself. */
START_TEST(sh_words_round_trip)
{
    static const char *const WORDS[] = {"a b", "it's", "$HOME", "`id`", "a\\b", "\"q\"", "50%", "*", "", "~", "x;y|z&"};
    for (size_t i = 0; i < sizeof WORDS / sizeof *WORDS; i++) {
        char *w = mt_sched_sh_word(WORDS[i]);
        char *cmd = xasprintf("printf '%%s' %s", w);
        FILE *p = popen(cmd, "r");
        ck_assert_ptr_nonnull(p);
        char out[256] = "";
        size_t n = fread(out, 1, sizeof out - 1, p);
        out[n] = '\0';
        ck_assert_int_eq(pclose(p), 0);
        ck_assert_str_eq(out, WORDS[i]);
        free(cmd);
        free(w);
    }
}
END_TEST

START_TEST(cron_percent)
{
    check(mt_sched_cron_text, "no percent", "no percent");
    check(mt_sched_cron_text, "'a 100%' %%", "'a 100\\%' \\%\\%");
}
END_TEST

START_TEST(periods_and_kinds)
{
    static const unsigned OK[] = {1, 2, 5, 15, 30, 60, 120, 180, 360, 720, 1440};
    static const unsigned BAD[] = {0, 7, 45, 90, 100, 300, 1441, 2880};
    for (size_t i = 0; i < sizeof OK / sizeof *OK; i++) ck_assert_msg(mt_sched_every_ok(OK[i]), "%u", OK[i]);
    for (size_t i = 0; i < sizeof BAD / sizeof *BAD; i++) ck_assert_msg(!mt_sched_every_ok(BAD[i]), "%u", BAD[i]);
    enum mt_sched_kind k;
    ck_assert(mt_sched_kind_parse("cron", &k) && k == MT_SCHED_CRON);
    ck_assert(mt_sched_kind_parse("launchd", &k) && k == MT_SCHED_LAUNCHD);
    ck_assert(mt_sched_kind_parse("systemd", &k) && k == MT_SCHED_SYSTEMD);
    ck_assert(!mt_sched_kind_parse("Systemd", &k) && !mt_sched_kind_parse("", &k));
}
END_TEST

static struct mt_sched_job job(void)
{
    return (struct mt_sched_job){.binary = "/opt/mt/memtui", .repo = "/h/my repo 100%", .env = "box",
                                 .memory_file = "/h/mem.json", .remote = "origin", .every = 15, .home = "/h"};
}

START_TEST(systemd_units)
{
    struct mt_sched_job j = job();
    struct mt_sched_unit u[2];
    struct mt_error e = {0};
    ck_assert_uint_eq(mt_sched_build(MT_SCHED_SYSTEMD, &j, u, &e), 2);
    ck_assert_str_eq(u[0].path, "/h/.config/systemd/user/memtui-sync.service");
    ck_assert_str_eq(u[1].path, "/h/.config/systemd/user/memtui-sync.timer");
    ck_assert_ptr_nonnull(strstr(u[0].content, "\nExecStart=\"/opt/mt/memtui\" \"--batch\" \"--repo\" \"/h/my repo 100%%\" "
                                               "\"--env\" \"box\" \"--memory-file\" \"/h/mem.json\" \"sync\"\n"));
    ck_assert_ptr_nonnull(strstr(u[0].content, "\nType=oneshot\n"));
    ck_assert_ptr_null(strstr(u[0].content, "--remote"));   /* origin is the default */
    ck_assert_ptr_nonnull(strstr(u[1].content, "\nOnCalendar=*:0/15\nPersistent=true\n"));
    mt_sched_units_free(u, 2);

    j.every = 120;
    j.xdg_config_home = "/x";
    j.remote = "backup";
    ck_assert_uint_eq(mt_sched_build(MT_SCHED_SYSTEMD, &j, u, &e), 2);
    ck_assert_str_eq(u[1].path, "/x/systemd/user/memtui-sync.timer");
    ck_assert_ptr_nonnull(strstr(u[0].content, "\"--remote\" \"backup\" \"sync\"\n"));
    ck_assert_ptr_nonnull(strstr(u[1].content, "\nOnCalendar=*-*-* 0/2:00:00\n"));
    char *next = mt_sched_next_step(MT_SCHED_SYSTEMD, u, 2);
    ck_assert_str_eq(next, "systemctl --user daemon-reload && systemctl --user enable --now memtui-sync.timer");
    free(next);
    mt_sched_units_free(u, 2);
}
END_TEST

/* No memory file configured: the option is left out and a comment says why. */
START_TEST(no_memory_file)
{
    struct mt_sched_job j = job();
    j.memory_file = "";
    struct mt_sched_unit u[2];
    struct mt_error e = {0};
    for (int k = MT_SCHED_SYSTEMD; k <= MT_SCHED_CRON; k++) {
        size_t n = mt_sched_build((enum mt_sched_kind)k, &j, u, &e);
        ck_assert_uint_ge(n, 1);
        /* named once, in the comment: never as an option with an empty value */
        const char *first = strstr(u[0].content, "--memory-file");
        ck_assert_ptr_nonnull(first);
        ck_assert_ptr_null(strstr(first + 1, "--memory-file"));
        ck_assert_ptr_nonnull(strstr(u[0].content, "no memory file is configured"));
        ck_assert_ptr_nonnull(strstr(u[0].content, "--memory-file PATH"));
        mt_sched_units_free(u, n);
    }
}
END_TEST

START_TEST(cron_and_launchd)
{
    struct mt_sched_job j = job();
    j.repo = "/h/it's 100%";
    struct mt_sched_unit u[2];
    struct mt_error e = {0};
    ck_assert_uint_eq(mt_sched_build(MT_SCHED_CRON, &j, u, &e), 1);
    ck_assert_ptr_null(u[0].path);
    ck_assert_ptr_nonnull(strstr(u[0].content, "\n*/15 * * * * /opt/mt/memtui --batch --repo '/h/it'\\''s 100\\%' "
                                               "--env box --memory-file /h/mem.json sync >>/h/.cache/memtui-sync.log 2>&1\n"));
    ck_assert_ptr_null(mt_sched_next_step(MT_SCHED_CRON, u, 1));
    mt_sched_units_free(u, 1);

    j.every = 60;
    ck_assert_uint_eq(mt_sched_build(MT_SCHED_CRON, &j, u, &e), 1);
    ck_assert_ptr_nonnull(strstr(u[0].content, "\n0 */1 * * * /opt/mt/memtui "));
    mt_sched_units_free(u, 1);

    j.repo = "/h/a&b <c>";
    ck_assert_uint_eq(mt_sched_build(MT_SCHED_LAUNCHD, &j, u, &e), 1);
    ck_assert_str_eq(u[0].path, "/h/Library/LaunchAgents/dev.memtui.sync.plist");
    ck_assert_ptr_nonnull(strstr(u[0].content, "<string>/h/a&amp;b &lt;c&gt;</string>\n"));
    ck_assert_ptr_nonnull(strstr(u[0].content, "<integer>3600</integer>"));
    char *next = mt_sched_next_step(MT_SCHED_LAUNCHD, u, 1);
    ck_assert_str_eq(next, "launchctl load -w /h/Library/LaunchAgents/dev.memtui.sync.plist");
    free(next);
    mt_sched_units_free(u, 1);
}
END_TEST

START_TEST(refusals)
{
    struct mt_sched_unit u[2];
    struct mt_error e = {0};
    struct mt_sched_job j = job();
    j.repo = "/h/a\nb";                      /* would end the line: refused in every format */
    for (int k = MT_SCHED_SYSTEMD; k <= MT_SCHED_CRON; k++) {
        ck_assert_uint_eq(mt_sched_build((enum mt_sched_kind)k, &j, u, &e), 0);
        ck_assert_ptr_nonnull(strstr(e.msg, "control character"));
        mt_error_clear(&e);
    }
    j = job();
    j.memory_file = "/h/m\x7f";
    ck_assert_uint_eq(mt_sched_build(MT_SCHED_CRON, &j, u, &e), 0);
    mt_error_clear(&e);
    j = job();
    j.every = 45;
    ck_assert_uint_eq(mt_sched_build(MT_SCHED_LAUNCHD, &j, u, &e), 0);
    ck_assert_ptr_nonnull(strstr(e.msg, "--every 45"));
    mt_error_clear(&e);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("schedule");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, systemd_words);
    tcase_add_test(tc, xml_text);
    tcase_add_test(tc, sh_words);
    tcase_add_test(tc, sh_words_round_trip);
    tcase_add_test(tc, cron_percent);
    tcase_add_test(tc, periods_and_kinds);
    tcase_add_test(tc, systemd_units);
    tcase_add_test(tc, no_memory_file);
    tcase_add_test(tc, cron_and_launchd);
    tcase_add_test(tc, refusals);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(make_suite)
