/* test_settings_file.c: the config file (settings_file.h) and the order in
 * which settings are taken (settings.h): option, environment, config file,
 * discovery, default; bad lines refused naming PATH:LINE. */
#include "testutil.h"

#include "memtui/config/config.h"
#include "memtui/config/settings.h"
#include "memtui/config/settings_file.h"

static int parse_text(const char *text, struct mt_settings_file *f, struct mt_error *e)
{
    memset(f, 0, sizeof(*f));
    return mt_settings_file_parse("cfg", text, f, e);
}

static char *tmp;

static void setup(void)
{
    tmp = tu_tmpdir();
    setenv("HOME", tmp, 1);
    unsetenv("XDG_CONFIG_HOME");
    unsetenv("MEMTUI_REPO");
    unsetenv("MEMORY_FILE_PATH");
    ck_assert_int_eq(chdir(tmp), 0);   /* no project's .mcp.json */
}

static void teardown(void)
{
    tu_sh("rm -rf '%s'", tmp);
    free(tmp);
}

static void write_file(const char *rel, const char *text)
{
    char *p = xasprintf("%s/%s", tmp, rel);
    tu_sh("mkdir -p \"$(dirname '%s')\"", p);
    FILE *f = fopen(p, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    free(p);
}

START_TEST(test_parses_keys_comments_blank_lines)
{
    struct mt_settings_file f;
    struct mt_error e = {0};
    ck_assert_int_eq(parse_text("# a comment\n\n  repo = ~/backup  \nenv=laptop\r\nmemory-file = /m.jsonl\n"
                                "remote = upstream\ntheme = light\n\tlock-timeout = 2.5\nlease-ttl = 90\n# end",
                                &f, &e),
                     0);
    char *want = xasprintf("%s/backup", tmp);
    ck_assert_str_eq(f.value[MT_SET_REPO], want);
    ck_assert_int_eq(f.line[MT_SET_REPO], 3);
    ck_assert_str_eq(f.value[MT_SET_ENV], "laptop");
    ck_assert_str_eq(f.value[MT_SET_MEMORY_FILE], "/m.jsonl");
    ck_assert_str_eq(f.value[MT_SET_REMOTE], "upstream");
    ck_assert_str_eq(f.value[MT_SET_THEME], "light");
    ck_assert(f.seconds[MT_SET_LOCK_TIMEOUT] == 2.5);
    ck_assert(f.seconds[MT_SET_LEASE_TTL] == 90);
    ck_assert_int_eq(f.line[MT_SET_LEASE_TTL], 9);
    free(want);
    mt_settings_file_free(&f);
}
END_TEST

START_TEST(test_bad_lines_name_the_line)
{
    static const struct {
        const char *text, *want;
    } CASES[] = {
        {"repo = /r\ncolour = red\n", "cfg:2: unknown key 'colour'"},
        {"\n\njust words\n", "cfg:3: expected 'key = value'"},
        {"lock-timeout = 1e9\n", "cfg:1: lock-timeout wants seconds from 0 to 604800"},
        {"lock-timeout = -1\n", "cfg:1: lock-timeout"},
        {"lock-timeout = nan\n", "cfg:1: lock-timeout"},
        {"lease-ttl = 0\n", "cfg:1: lease-ttl wants seconds from 1 to 3600"},
        {"lease-ttl = 3601\n", "cfg:1: lease-ttl"},
        {"env = a/b\n", "cfg:1: invalid environment name 'a/b'"},
        {"env =\n", "cfg:1: invalid environment name"},
        {"memory-file =\n", "cfg:1: memory-file wants a value"},
        {"# x\nremote = a\nremote = b\n", "cfg:3: remote given twice (first at line 2)"},
        {"lock-file = /x\n", "cfg:1: unknown key 'lock-file'"},
        {"mouse = maybe\n", "cfg:1: mouse is yes or no, not 'maybe'"},
    };
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        struct mt_settings_file f;
        struct mt_error e = {0};
        ck_assert_int_eq(parse_text(CASES[i].text, &f, &e), MT_EXIT_USAGE);
        ck_assert_msg(e.msg && strstr(e.msg, CASES[i].want), "%s: got %s", CASES[i].want, e.msg);
        mt_error_clear(&e);
        mt_settings_file_free(&f);
    }
}
END_TEST

START_TEST(test_path_follows_xdg)
{
    char *p = mt_settings_file_path(), *want = xasprintf("%s/.config/memtui/config", tmp);
    ck_assert_str_eq(p, want);
    free(p);
    free(want);
    setenv("XDG_CONFIG_HOME", "/etc/xdg-test", 1);
    p = mt_settings_file_path();
    ck_assert_str_eq(p, "/etc/xdg-test/memtui/config");
    free(p);
    setenv("XDG_CONFIG_HOME", "relative", 1);   /* ignored, as the spec says */
    p = mt_settings_file_path();
    ck_assert_ptr_nonnull(strstr(p, "/.config/memtui/config"));
    free(p);
    struct mt_settings_file f;
    struct mt_error e = {0};
    ck_assert_int_eq(mt_settings_file_read("/nonexistent/memtui/config", &f, &e), 0);   /* missing: no error */
    ck_assert(!f.exists);
    mt_settings_file_free(&f);
}
END_TEST

static int parse_argv(struct mt_config *c, const char *a1, const char *a2)
{
    char *argv[] = {xstrdup("memtui"), a1 ? xstrdup(a1) : NULL, a2 ? xstrdup(a2) : NULL, NULL};
    int argc = a2 ? 3 : a1 ? 2 : 1;
    char *keep[3] = {argv[0], argv[1], argv[2]};
    int rc = mt_config_parse(c, argc, argv);
    for (int i = 0; i < 3; i++) free(keep[i]);
    return rc;
}

START_TEST(test_precedence)
{
    write_file(".config/memtui/config", "memory-file = ~/file.jsonl\nrepo = /file-repo\nlease-ttl = 20\n");
    write_file(".claude.json", "{\"mcpServers\": {\"m\": {\"command\": \"npx\", \"args\": "
                               "[\"-y\", \"@modelcontextprotocol/server-memory\"], \"env\": "
                               "{\"MEMORY_FILE_PATH\": \"/found.jsonl\"}}}}");
    struct mt_config c;
    /* the config file beats discovery and defaults */
    ck_assert_int_eq(parse_argv(&c, NULL, NULL), 0);
    char *want = xasprintf("%s/file.jsonl", tmp), *at = xasprintf("%s/.config/memtui/config:1", tmp);
    ck_assert_str_eq(c.memory_file, want);
    ck_assert_int_eq(c.settings->source[MT_SET_MEMORY_FILE], MT_SOURCE_FILE);
    ck_assert_str_eq(c.settings->detail[MT_SET_MEMORY_FILE], at);
    ck_assert_str_eq(c.repo, "/file-repo");
    ck_assert(c.lease_ttl == 20);
    ck_assert_int_eq(c.settings->source[MT_SET_LEASE_TTL], MT_SOURCE_FILE);
    ck_assert(c.lock_timeout == 30);
    ck_assert_int_eq(c.settings->source[MT_SET_LOCK_TIMEOUT], MT_SOURCE_DEFAULT);
    ck_assert(c.mouse);   /* on unless turned off */
    ck_assert_int_eq(c.settings->source[MT_SET_MOUSE], MT_SOURCE_DEFAULT);
    ck_assert_int_eq(c.settings->source[MT_SET_REMOTE], MT_SOURCE_DEFAULT);
    mt_config_free(&c);
    /* the environment beats the config file */
    setenv("MEMORY_FILE_PATH", "/env.jsonl", 1);
    setenv("MEMTUI_REPO", "/env-repo", 1);
    ck_assert_int_eq(parse_argv(&c, NULL, NULL), 0);
    ck_assert_str_eq(c.memory_file, "/env.jsonl");
    ck_assert_int_eq(c.settings->source[MT_SET_MEMORY_FILE], MT_SOURCE_ENVIRONMENT);
    ck_assert_str_eq(c.settings->detail[MT_SET_MEMORY_FILE], "$MEMORY_FILE_PATH");
    ck_assert_str_eq(c.repo, "/env-repo");
    mt_config_free(&c);
    /* the option beats the environment */
    ck_assert_int_eq(parse_argv(&c, "--memory-file=/opt.jsonl", "--lease-ttl=5"), 0);
    ck_assert_str_eq(c.memory_file, "/opt.jsonl");
    ck_assert_int_eq(c.settings->source[MT_SET_MEMORY_FILE], MT_SOURCE_OPTION);
    ck_assert(c.lease_ttl == 5);
    ck_assert_int_eq(c.settings->source[MT_SET_LEASE_TTL], MT_SOURCE_OPTION);
    mt_config_free(&c);
    /* the mouse: off in the file, and off by --no-mouse over a file that wants it */
    write_file(".config/memtui/config", "mouse = no\n");
    ck_assert_int_eq(parse_argv(&c, NULL, NULL), 0);
    ck_assert(!c.mouse);
    ck_assert_int_eq(c.settings->source[MT_SET_MOUSE], MT_SOURCE_FILE);
    mt_config_free(&c);
    write_file(".config/memtui/config", "mouse = yes\n");
    ck_assert_int_eq(parse_argv(&c, "--no-mouse", NULL), 0);
    ck_assert(!c.mouse);
    ck_assert_int_eq(c.settings->source[MT_SET_MOUSE], MT_SOURCE_OPTION);
    mt_config_free(&c);
    /* with neither, discovery */
    unsetenv("MEMORY_FILE_PATH");
    write_file(".config/memtui/config", "# nothing\n");
    ck_assert_int_eq(parse_argv(&c, NULL, NULL), 0);
    ck_assert_str_eq(c.memory_file, "/found.jsonl");
    ck_assert_int_eq(c.settings->source[MT_SET_MEMORY_FILE], MT_SOURCE_DISCOVERED);
    ck_assert_ptr_nonnull(strstr(c.settings->detail[MT_SET_MEMORY_FILE], ".claude.json"));
    mt_config_free(&c);
    /* with nothing: none, and why */
    write_file(".claude.json", "{}");
    ck_assert_int_eq(parse_argv(&c, NULL, NULL), 0);
    ck_assert_ptr_null(c.memory_file);
    ck_assert_int_eq(c.settings->source[MT_SET_MEMORY_FILE], MT_SOURCE_NONE);
    ck_assert_ptr_nonnull(strstr(c.settings->no_memory_file, ".cursor/mcp.json"));
    mt_config_free(&c);
    /* a bad config file is a usage error */
    write_file(".config/memtui/config", "repo = /r\nlease-ttl = forever\n");
    ck_assert_int_eq(parse_argv(&c, NULL, NULL), MT_EXIT_USAGE);
    mt_config_free(&c);
    free(want);
    free(at);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("settings_file");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_parses_keys_comments_blank_lines);
    tcase_add_test(tc, test_bad_lines_name_the_line);
    tcase_add_test(tc, test_path_follows_xdg);
    tcase_add_test(tc, test_precedence);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(make_suite)
