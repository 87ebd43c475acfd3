/* test_history.c: the merges along HEAD's first parents (ops/history.h) on
 * real repositories set up with the git CLI: only commits that changed the
 * manifest count, newest first, second parents are not walked, a manifest
 * that does not parse is skipped, max and the 2000-commit bound hold, and
 * a repository without HEAD is an error. */
#include "testutil.h"

#include "memtui/git/repo.h"
#include "memtui/ops/history.h"

static char *T;

static void setup(void)
{
    T = tu_tmpdir();
    tu_git_env(T);
    mt_repo_global_init();
    ck_assert_int_eq(tu_sh("git init -q '%s/r'", T), 0);
}

static void teardown(void)
{
    mt_repo_global_shutdown();
    tu_sh("rm -rf '%s'", T);
    free(T);
}

/* Write path (relative to the clone) with text, commit it as summary. */
static void commit_file(const char *path, const char *text, const char *summary)
{
    char *full;
    ck_assert_int_ge(asprintf(&full, "%s/r/%s", T, path), 0);
    ck_assert_int_eq(tu_sh("mkdir -p \"$(dirname '%s')\"", full), 0);
    FILE *f = fopen(full, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    free(full);
    ck_assert_int_eq(tu_sh("cd '%s/r' && git add -A && git commit -qm '%s'", T, summary), 0);
}

/* A merge: a manifest recording lease token `token`. */
static void commit_merge(long long token, const char *summary)
{
    char text[128];
    snprintf(text, sizeof text, "{\"policy\":\"fail\",\"lease_token\":%lld}\n", token);
    commit_file(MT_MANIFEST_PATH, text, summary);
}

/* An export: a fragment changes, the manifest does not. */
static void commit_export(const char *text)
{
    commit_file("memory-a.json", text, "export a");
}

static char *rev(const char *what)
{
    char *cmd, line[128] = "";
    ck_assert_int_ge(asprintf(&cmd, "git -C '%s/r' rev-parse %s", T, what), 0);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_nonnull(fgets(line, sizeof line, p));
    pclose(p);
    free(cmd);
    line[strcspn(line, "\n")] = '\0';
    return strdup(line);
}

static struct mt_repo *open_clone(void)
{
    struct mt_repo *r;
    struct mt_error err = {0};
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/r", T);
    ck_assert_msg(mt_repo_open(dir, &r, &err) == 0, "%s", err.msg ? err.msg : "");
    return r;
}

static size_t read_history(size_t max, struct mt_history_entry **h)
{
    struct mt_repo *r = open_clone();
    struct mt_error err = {0};
    size_t n = 99;
    ck_assert_int_eq(mt_history_read(r, max, h, &n, &err), 0);
    ck_assert_ptr_null(err.msg);
    mt_repo_close(r);
    return n;
}

START_TEST(test_history_merges_only)
{
    commit_export("{}\n");                 /* no manifest yet */
    commit_merge(1, "merge one");
    char *first = rev("HEAD");
    commit_export("{\"x\":1}\n");
    commit_merge(2, "merge two");
    char *second = rev("HEAD");
    commit_file(MT_MANIFEST_PATH, "not json", "broken manifest");   /* changed, unreadable: skipped */
    commit_export("{\"x\":2}\n");
    /* a side branch's merge reaches main only as a second parent that
     * leaves main's tree alone: neither commit is one of main's merges */
    ck_assert_int_eq(tu_sh("cd '%s/r' && git checkout -q -b side HEAD~3", T), 0);
    commit_merge(9, "side merge");
    ck_assert_int_eq(tu_sh("cd '%s/r' && git checkout -q - && git merge -q -s ours -m joined side", T), 0);

    struct mt_history_entry *h;
    size_t n = read_history(50, &h);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(h[0].commit, second);
    ck_assert_str_eq(h[0].summary, "merge two");
    ck_assert_int_eq(h[0].m.lease_token, 2);
    ck_assert_str_eq(h[0].m.policy, "fail");
    ck_assert_int_gt(h[0].time, 0);
    ck_assert_str_eq(h[1].commit, first);
    ck_assert_str_eq(h[1].summary, "merge one");
    ck_assert_int_eq(h[1].m.lease_token, 1);
    mt_history_free(h, n);

    n = read_history(1, &h);               /* max: the newest only */
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(h[0].commit, second);
    mt_history_free(h, n);
    free(first);
    free(second);
}
END_TEST

/* The root commit is a merge when it has a manifest (no parent to compare
 * with); it is found 1999 exports back, not 2000. */
START_TEST(test_history_bounded_walk)
{
    commit_merge(7, "root merge");
    /* 1999 exports on top, written in one go by fast-import */
    ck_assert_int_eq(tu_sh("cd '%s/r' && b=$(git symbolic-ref HEAD) && i=0 &&"
                           "{ while [ $i -lt 1999 ]; do i=$((i+1));"
                           "  printf 'commit %%s\\ncommitter S <s@x.invalid> 1700000000 +0000\\ndata 6\\nexport\\n' \"$b\";"
                           "  if [ $i -eq 1 ]; then printf 'from %%s^0\\n' \"$b\"; fi;"
                           "  printf 'M 644 inline memory-a.json\\ndata %%d\\n%%d\\n\\n' $((${#i}+1)) $i;"
                           "done; } | git fast-import --quiet",
                           T),
                     0);
    struct mt_history_entry *h;
    size_t n = read_history(50, &h);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(h[0].m.lease_token, 7);
    ck_assert_str_eq(h[0].summary, "root merge");
    mt_history_free(h, n);

    commit_export("one more\n");
    n = read_history(50, &h);
    ck_assert_uint_eq(n, 0);
    ck_assert_ptr_null(h);
}
END_TEST

START_TEST(test_history_no_head)
{
    struct mt_repo *r = open_clone();
    struct mt_history_entry *h = (void *)1;
    size_t n = 5;
    struct mt_error err = {0};
    ck_assert_int_eq(mt_history_read(r, 50, &h, &n, &err), -1);
    ck_assert_ptr_null(h);
    ck_assert_uint_eq(n, 0);
    ck_assert_ptr_nonnull(err.msg);
    ck_assert_ptr_nonnull(strstr(err.msg, "HEAD"));
    mt_error_clear(&err);
    mt_repo_close(r);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("history");
    TCase *tc = tcase_create("history");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_history_merges_only);
    tcase_add_test(tc, test_history_bounded_walk);
    tcase_add_test(tc, test_history_no_head);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(make_suite)
