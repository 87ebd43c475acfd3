/* test_commands.c: the batch commands' table (commands.h): lookup, the
 * flags the dispatcher checks, and the --help lines made from it. */
#include "testutil.h"

#include "memtui/batch/batch.h"
#include "memtui/batch/commands.h"

static const char *const NAMES[] = {"init",    "export",  "merge", "import", "sync",     "status", "diff",
                                    "verify",  "backups", "config", "restore", "lease", "schedule", "gc"};
#define NNAMES (sizeof NAMES / sizeof NAMES[0])

static size_t table_size(void)
{
    size_t n = 0;
    while (MT_COMMANDS[n].name) n++;
    return n;
}

START_TEST(test_find_every_command)
{
    ck_assert_uint_eq(table_size(), NNAMES);
    for (size_t i = 0; i < NNAMES; i++) {
        const struct mt_command *c = mt_command_find(NAMES[i]);
        ck_assert_msg(c != NULL, "%s not found", NAMES[i]);
        ck_assert_str_eq(c->name, NAMES[i]);
        ck_assert_ptr_eq(c, &MT_COMMANDS[i]);   /* --help's order */
        ck_assert_msg(c->run != NULL, "%s has no handler", NAMES[i]);
        ck_assert_msg(c->forms[0].synopsis && c->forms[0].help && *c->forms[0].help, "%s has no help", NAMES[i]);
        for (size_t j = 0; j < i; j++) ck_assert_msg(MT_COMMANDS[j].run != c->run, "%s shares a handler", NAMES[i]);
    }
}
END_TEST

START_TEST(test_find_refuses_other_names)
{
    static const char *const other[] = {"", "frobnicate", "Merge", "stat", "statuss", "lease show", "-h", "help"};
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
        ck_assert_msg(mt_command_find(other[i]) == NULL, "'%s' found", other[i]);
    ck_assert_ptr_null(mt_command_find(NULL));
}
END_TEST

/* The names of the commands with flag, in table order, space separated. */
static void names_with(enum mt_command_flag flag, char *out, size_t size)
{
    out[0] = '\0';
    for (const struct mt_command *c = MT_COMMANDS; c->name; c++)
        if (mt_command_has(c, flag)) snprintf(out + strlen(out), size - strlen(out), "%s%s", *out ? " " : "", c->name);
}

START_TEST(test_flags)
{
    static const struct {
        enum mt_command_flag flag;
        const char *names, *said;   /* names_with, mt_commands_with */
    } want[] = {
        {MT_CMD_OFFLINE_OK, "status diff backups", "status, diff and backups"},
        {MT_CMD_TAKES_ARGS, "init restore lease", "init, restore and lease"},
        {MT_CMD_NO_SESSION, "init config schedule", "init, config and schedule"},
        {MT_CMD_READ_ONLY, "status diff verify config", "status, diff, verify and config"},
    };
    char got[256];
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        names_with(want[i].flag, got, sizeof got);
        ck_assert_str_eq(got, want[i].names);
        mt_commands_with(want[i].flag, got, sizeof got);
        ck_assert_str_eq(got, want[i].said);
    }
    mt_commands_with(MT_CMD_TAKES_ARGS, got, 8);   /* cut, still a string */
    ck_assert_str_eq(got, "init, r");
}
END_TEST

START_TEST(test_memory_file_rules)
{
    struct mt_config cfg = {0};
    char from[] = "f.json", to[] = "t.json";
    ck_assert(mt_command_needs_memory_file(mt_command_find("sync"), &cfg));
    ck_assert(mt_command_needs_memory_file(mt_command_find("export"), &cfg));
    ck_assert(mt_command_needs_memory_file(mt_command_find("import"), &cfg));
    ck_assert(!mt_command_needs_memory_file(mt_command_find("merge"), &cfg));
    ck_assert(!mt_command_needs_memory_file(mt_command_find("status"), &cfg));
    cfg.from = from;
    ck_assert(!mt_command_needs_memory_file(mt_command_find("export"), &cfg));
    ck_assert(mt_command_needs_memory_file(mt_command_find("import"), &cfg));
    cfg.to = to;
    ck_assert(!mt_command_needs_memory_file(mt_command_find("import"), &cfg));
    ck_assert(mt_command_needs_memory_file(mt_command_find("sync"), &cfg));
}
END_TEST

/* Every form starts a line "  NAME SYNOPSIS", in table order; a description
 * starts at column 25, beside a short synopsis or under a long one. */
START_TEST(test_help_lines)
{
    char *text = tu_capture(mt_commands_help), *h;
    ck_assert_int_ge(asprintf(&h, "\n%s", text), 0);   /* every line after a newline */
    free(text);
    const char *at = h;
    for (const struct mt_command *c = MT_COMMANDS; c->name; c++)
        for (int i = 0; i < MT_COMMAND_FORMS && c->forms[i].help; i++) {
            char head[128];
            snprintf(head, sizeof head, "\n  %s%s%.*s", c->name, *c->forms[i].synopsis ? " " : "",
                     (int)strcspn(c->forms[i].synopsis, "\n"), c->forms[i].synopsis);
            const char *hit = strstr(at, head);
            ck_assert_msg(hit != NULL, "help lacks '%s' after its predecessors:%s", head + 1, h);
            at = hit + 1;
        }
    ck_assert_msg(strstr(h, "\n  lease show [--limit N] the git lease") != NULL, "%s", h);
    ck_assert_msg(strstr(h, "\n  diff [--offline]       what a merge") != NULL, "%s", h);
    ck_assert_msg(strstr(h, "\n  gc [--dry-run] [--min-age DAYS]\n                         prune") != NULL, "%s", h);
    ck_assert_msg(strstr(h, "\n           [--force]     the units") != NULL, "%s", h);
    free(h);
}
END_TEST

/* The dispatcher refuses from the table, before any repo is looked at. */
START_TEST(test_dispatch_refusals)
{
    char *args[] = {"extra", NULL};
    struct mt_config cfg = {.batch = true};
    cfg.command = "frobnicate";
    ck_assert_int_eq(mt_batch_run(&cfg), MT_EXIT_USAGE);
    cfg.command = NULL;
    ck_assert_int_eq(mt_batch_run(&cfg), MT_EXIT_USAGE);
    cfg.command = "merge";
    cfg.offline = true;
    ck_assert_int_eq(mt_batch_run(&cfg), MT_EXIT_USAGE);
    cfg.command = "init";
    ck_assert_int_eq(mt_batch_run(&cfg), MT_EXIT_USAGE);
    cfg.offline = false;
    cfg.command = "verify";
    cfg.args = args;
    cfg.nargs = 1;
    ck_assert_int_eq(mt_batch_run(&cfg), MT_EXIT_USAGE);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("commands");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_find_every_command);
    tcase_add_test(tc, test_find_refuses_other_names);
    tcase_add_test(tc, test_flags);
    tcase_add_test(tc, test_memory_file_rules);
    tcase_add_test(tc, test_help_lines);
    tcase_add_test(tc, test_dispatch_refusals);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(make_suite)
