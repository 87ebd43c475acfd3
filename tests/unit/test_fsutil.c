/* test_fsutil.c: whole-file reads, atomic writes and their failure paths. */
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>

#include "memtui/base/fsutil.h"
#include "testutil.h"

static char *dir;   /* fresh per test */

static void setup(void)
{
    umask(022);
    dir = tu_tmpdir();
}

static void teardown(void)
{
    tu_sh("chmod -R u+w '%s' 2>/dev/null; rm -rf '%s'", dir, dir);
    free(dir);
}

static char *pathf(const char *name)
{
    return xasprintf("%s/%s", dir, name);
}

/* Files in d whose name contains ".tmp-" (leftover temp files). */
static int count_temps(const char *d)
{
    DIR *dh = opendir(d);
    if (!dh) return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(dh)))
        if (strstr(e->d_name, ".tmp-")) n++;
    closedir(dh);
    return n;
}

static void write_ok(const char *path, const void *data, size_t len, mode_t mode)
{
    struct mt_error err = {0};
    int rc = mt_file_write_atomic(path, data, len, mode, &err);
    ck_assert_msg(rc == 0, "write %s failed: %s", path, err.msg ? err.msg : "?");
    ck_assert_ptr_null(err.msg);
}

static void read_expect(const char *path, const char *want, size_t want_len)
{
    struct mt_error err = {0};
    char *data = NULL;
    size_t len = 99;
    bool missing = true;
    int rc = mt_file_read(path, &data, &len, &missing, &err);
    ck_assert_msg(rc == 0, "read %s failed: %s", path, err.msg ? err.msg : "?");
    ck_assert(!missing);
    ck_assert_uint_eq(len, want_len);
    ck_assert_int_eq(memcmp(data, want, len), 0);
    ck_assert_int_eq(data[len], '\0');
    free(data);
}

static mode_t mode_of(const char *path)
{
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    return st.st_mode & 07777;
}

START_TEST(write_then_read)
{
    char *p = pathf("memory.json");
    const char text[] = "{\"type\":\"entity\",\"name\":\"Alice\"}\n\0tail";
    write_ok(p, text, sizeof text - 1, 0644);
    read_expect(p, text, sizeof text - 1);
    ck_assert_uint_eq(mode_of(p), 0644);
    ck_assert(mt_file_exists(p));
    ck_assert_int_eq(count_temps(dir), 0);
    free(p);
}
END_TEST

START_TEST(empty_file)
{
    char *p = pathf("empty");
    write_ok(p, "", 0, 0600);
    read_expect(p, "", 0);
    ck_assert_uint_eq(mode_of(p), 0600);
    free(p);
}
END_TEST

START_TEST(read_missing)
{
    char *p = pathf("nope.json");
    struct mt_error err = {0};
    char *data = (char *)1;
    bool missing = false;
    ck_assert_int_eq(mt_file_read(p, &data, NULL, &missing, &err), -1);
    ck_assert(missing);
    ck_assert_ptr_null(data);
    char *want = xasprintf("cannot read %s: No such file or directory", p);
    ck_assert_str_eq(err.msg, want);
    ck_assert(!mt_file_exists(p));
    free(want);
    mt_error_clear(&err);
    free(p);
}
END_TEST

START_TEST(read_directory)
{
    struct mt_error err = {0};
    char *data = NULL;
    bool missing = true;
    ck_assert_int_eq(mt_file_read(dir, &data, NULL, &missing, &err), -1);
    ck_assert(!missing);   /* it exists, it just cannot be read */
    ck_assert_ptr_nonnull(strstr(err.msg, dir));
    ck_assert_ptr_nonnull(strstr(err.msg, "Is a directory"));
    mt_error_clear(&err);
}
END_TEST

START_TEST(read_unsized_file)
{
    /* /proc files report size 0 but have content: read to EOF anyway. */
    struct mt_error err = {0};
    char *data = NULL;
    size_t len = 0;
    ck_assert_int_eq(mt_file_read("/proc/self/status", &data, &len, NULL, &err), 0);
    ck_assert_uint_gt(len, 0);
    ck_assert_uint_eq(strlen(data), len);
    ck_assert_ptr_nonnull(strstr(data, "Name:"));
    free(data);
}
END_TEST

START_TEST(overwrite_keeps_mode)
{
    char *p = pathf("memory.json");
    write_ok(p, "old", 3, 0644);
    /* 0664 would be cut to 0644 by the umask if the mode were not kept. */
    ck_assert_int_eq(chmod(p, 0664), 0);
    struct stat before;
    ck_assert_int_eq(stat(p, &before), 0);
    write_ok(p, "new contents", 12, 0600);
    read_expect(p, "new contents", 12);
    ck_assert_uint_eq(mode_of(p), 0664);
    struct stat after;
    ck_assert_int_eq(stat(p, &after), 0);
    ck_assert_uint_ne(before.st_ino, after.st_ino);   /* replaced, not rewritten */

    ck_assert_int_eq(chmod(p, 0400), 0);
    write_ok(p, "third", 5, 0644);
    ck_assert_uint_eq(mode_of(p), 0400);
    read_expect(p, "third", 5);
    ck_assert_int_eq(count_temps(dir), 0);
    free(p);
}
END_TEST

START_TEST(new_file_mode_uses_umask)
{
    char *p = pathf("fresh");
    umask(027);
    write_ok(p, "x", 1, 0666);
    ck_assert_uint_eq(mode_of(p), 0640);
    free(p);
}
END_TEST

START_TEST(missing_directory_fails)
{
    char *p = pathf("no/such/dir/memory.json");
    struct mt_error err = {0};
    ck_assert_int_eq(mt_file_write_atomic(p, "data", 4, 0644, &err), -1);
    ck_assert_ptr_nonnull(err.msg);
    char *prefix = xasprintf("cannot write %s: ", p);
    ck_assert_msg(strncmp(err.msg, prefix, strlen(prefix)) == 0, "message: %s", err.msg);
    ck_assert_ptr_nonnull(strstr(err.msg, "No such file or directory"));
    ck_assert_ptr_nonnull(strstr(err.msg, "temp file"));
    ck_assert(!mt_file_exists(p));
    ck_assert_int_eq(count_temps(dir), 0);
    free(prefix);
    mt_error_clear(&err);
    free(p);
}
END_TEST

START_TEST(parent_is_a_file_fails)
{
    /* Tests run as root, so a read-only folder would not stop us; a parent
     * that is a regular file does. */
    char *f = pathf("plainfile");
    write_ok(f, "keep me", 7, 0644);
    char *p = pathf("plainfile/memory.json");
    struct mt_error err = {0};
    ck_assert_int_eq(mt_file_write_atomic(p, "data", 4, 0644, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, p));
    ck_assert_ptr_nonnull(strstr(err.msg, "Not a directory"));
    read_expect(f, "keep me", 7);
    ck_assert_int_eq(count_temps(dir), 0);
    mt_error_clear(&err);
    free(p);
    free(f);
}
END_TEST

START_TEST(rename_failure_cleans_up)
{
    /* The target is a non-empty folder: the temp file is written, synced,
     * then rename fails. The temp file must go and the folder stay. */
    char *p = pathf("target");
    char *inner = pathf("target/inside");
    ck_assert_int_eq(mkdir(p, 0755), 0);
    write_ok(inner, "inner", 5, 0644);
    struct mt_error err = {0};
    ck_assert_int_eq(mt_file_write_atomic(p, "data", 4, 0644, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, p));
    ck_assert_ptr_nonnull(strstr(err.msg, "rename"));
    read_expect(inner, "inner", 5);
    ck_assert_int_eq(count_temps(dir), 0);
    ck_assert_int_eq(count_temps(p), 0);
    mt_error_clear(&err);
    free(inner);
    free(p);
}
END_TEST

START_TEST(large_round_trip)
{
    size_t n = 20u << 20;
    char *data = malloc(n);
    uint32_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        data[i] = (char)(x >> 16);
    }
    char *p = pathf("big.json");
    write_ok(p, data, n, 0644);
    struct stat st;
    ck_assert_int_eq(stat(p, &st), 0);
    ck_assert_uint_eq((size_t)st.st_size, n);
    read_expect(p, data, n);
    /* And overwrite with something much smaller. */
    write_ok(p, data, 10, 0644);
    read_expect(p, data, 10);
    ck_assert_int_eq(count_temps(dir), 0);
    free(p);
    free(data);
}
END_TEST

START_TEST(write_through_symlink)
{
    char *real = pathf("real.json");
    char *link = pathf("link.json");
    write_ok(real, "one", 3, 0644);
    ck_assert_int_eq(symlink(real, link), 0);
    write_ok(link, "two", 3, 0644);
    struct stat st;
    ck_assert_int_eq(lstat(link, &st), 0);
    ck_assert(S_ISLNK(st.st_mode));
    read_expect(real, "two", 3);
    ck_assert_int_eq(count_temps(dir), 0);
    free(link);
    free(real);
}
END_TEST

START_TEST(relative_path)
{
    char old[4096];
    ck_assert_ptr_nonnull(getcwd(old, sizeof old));
    ck_assert_int_eq(chdir(dir), 0);
    write_ok("plain.json", "rel", 3, 0644);
    read_expect("plain.json", "rel", 3);
    ck_assert_int_eq(count_temps("."), 0);
    ck_assert_int_eq(chdir(old), 0);
}
END_TEST

START_TEST(mkdirs)
{
    struct mt_error err = {0};
    char *p = pathf("a/b//c/");
    ck_assert_int_eq(mt_mkdirs(p, 0755, &err), 0);
    ck_assert_int_eq(mt_mkdirs(p, 0755, &err), 0);   /* exists: fine */
    char *c = pathf("a/b/c");
    struct stat st;
    ck_assert_int_eq(stat(c, &st), 0);
    ck_assert(S_ISDIR(st.st_mode));
    ck_assert_ptr_null(err.msg);

    char *f = pathf("a/file");
    write_ok(f, "x", 1, 0644);
    char *bad = pathf("a/file/sub");
    ck_assert_int_eq(mt_mkdirs(bad, 0755, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "cannot create directory"));
    ck_assert_ptr_nonnull(strstr(err.msg, f));
    mt_error_clear(&err);
    ck_assert_int_eq(mt_mkdirs(f, 0755, &err), -1);   /* a file in the way */
    ck_assert_ptr_nonnull(strstr(err.msg, "a file is in the way"));
    mt_error_clear(&err);
    free(bad);
    free(f);
    free(c);
    free(p);
}
END_TEST

START_TEST(fsync_dir)
{
    struct mt_error err = {0};
    char *p = pathf("whatever");
    ck_assert_int_eq(mt_fsync_dir_of(p, &err), 0);
    char *q = pathf("missing/whatever");
    ck_assert_int_eq(mt_fsync_dir_of(q, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "missing"));
    mt_error_clear(&err);
    free(q);
    free(p);
}
END_TEST


/* ---- under a root, never through a symlink ------------------------------- */

/* root/ and, beside it, outside/secret.json: what no write may touch. */
static char *make_root(char **outside_file)
{
    char *root = pathf("root"), *out = pathf("outside");
    ck_assert_int_eq(mkdir(root, 0755), 0);
    ck_assert_int_eq(mkdir(out, 0755), 0);
    *outside_file = pathf("outside/secret.json");
    write_ok(*outside_file, "secret", 6, 0600);
    free(out);
    return root;
}

START_TEST(write_in_replaces_a_symlink)
{
    char *secret, *root = make_root(&secret), *link = pathf("root/memory.json");
    ck_assert_int_eq(symlink(secret, link), 0);
    struct mt_error err = {0};
    ck_assert_int_eq(mt_file_write_in(root, "memory.json", "merged", 6, 0644, &err), 0);
    read_expect(secret, "secret", 6);
    ck_assert_uint_eq(mode_of(secret), 0600);
    struct stat st;
    ck_assert_int_eq(lstat(link, &st), 0);
    ck_assert(S_ISREG(st.st_mode));
    ck_assert_uint_eq(st.st_mode & 07777, 0644);   /* the link's mode is not taken over */
    read_expect(link, "merged", 6);
    ck_assert_int_eq(count_temps(root), 0);
    free(link);
    free(root);
    free(secret);
}
END_TEST

START_TEST(write_in_replaces_a_symlinked_folder)
{
    char *secret, *root = make_root(&secret), *link = pathf("root/.memtui"), *out = pathf("outside");
    ck_assert_int_eq(symlink(out, link), 0);
    struct mt_error err = {0};
    ck_assert_int_eq(mt_file_write_in(root, ".memtui/secret.json", "manifest", 8, 0644, &err), 0);
    read_expect(secret, "secret", 6);
    ck_assert_int_eq(count_temps(out), 0);
    struct stat st;
    ck_assert_int_eq(lstat(link, &st), 0);
    ck_assert(S_ISDIR(st.st_mode));
    char *in = pathf("root/.memtui/secret.json");
    read_expect(in, "manifest", 8);
    /* and a file where a folder is needed, and folders that are missing */
    ck_assert_int_eq(mt_file_write_in(root, ".memtui/secret.json/x/y", "deep", 4, 0644, &err), 0);
    char *deep = pathf("root/.memtui/secret.json/x/y");
    read_expect(deep, "deep", 4);
    free(deep);
    free(in);
    free(out);
    free(link);
    free(root);
    free(secret);
}
END_TEST

START_TEST(write_in_refuses_paths_that_leave_the_root)
{
    char *secret, *root = make_root(&secret);
    const char *bad[] = {"../outside/secret.json", "/etc/passwd", "a/../b", "./a", "a//b", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct mt_error err = {0};
        ck_assert_int_eq(mt_file_write_in(root, bad[i], "x", 1, 0644, &err), -1);
        ck_assert_ptr_nonnull(strstr(err.msg, "not a plain path"));
        mt_error_clear(&err);
        char *d;
        ck_assert_int_eq(mt_file_read_in(root, bad[i], &d, NULL, NULL, &err), -1);
        mt_error_clear(&err);
    }
    read_expect(secret, "secret", 6);
    free(root);
    free(secret);
}
END_TEST

START_TEST(read_in_never_follows)
{
    char *secret, *root = make_root(&secret), *link = pathf("root/memory-x.json");
    char *dlink = pathf("root/sub"), *out = pathf("outside"), *fifo = pathf("root/fifo.json");
    ck_assert_int_eq(symlink(secret, link), 0);
    ck_assert_int_eq(symlink(out, dlink), 0);
    ck_assert_int_eq(mkfifo(fifo, 0644), 0);
    struct mt_error err = {0};
    char *data = (char *)"x";
    bool missing = true;
    ck_assert_int_eq(mt_file_read_in(root, "memory-x.json", &data, NULL, &missing, &err), -1);
    ck_assert_ptr_null(data);
    ck_assert(!missing);
    ck_assert_ptr_nonnull(strstr(err.msg, "symlink"));
    ck_assert_ptr_nonnull(strstr(err.msg, "memory-x.json"));
    mt_error_clear(&err);
    ck_assert_int_eq(mt_file_read_in(root, "sub/secret.json", &data, NULL, &missing, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "symlink"));
    mt_error_clear(&err);
    /* a FIFO would block a plain open: refused without waiting */
    ck_assert_int_eq(mt_file_read_in(root, "fifo.json", &data, NULL, &missing, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "not a regular file"));
    mt_error_clear(&err);
    ck_assert_int_eq(mt_file_read_in(root, "absent.json", &data, NULL, &missing, &err), -1);
    ck_assert(missing);
    mt_error_clear(&err);
    ck_assert_int_eq(mt_file_write_in(root, "plain.json", "plain", 5, 0644, &err), 0);
    size_t len = 0;
    ck_assert_int_eq(mt_file_read_in(root, "plain.json", &data, &len, &missing, &err), 0);
    ck_assert_uint_eq(len, 5);
    ck_assert_str_eq(data, "plain");
    free(data);
    free(fifo);
    free(out);
    free(dlink);
    free(link);
    free(root);
    free(secret);
}
END_TEST

START_TEST(map_in_takes_what_read_in_takes)
{
    char *secret, *root = make_root(&secret), *link = pathf("root/memory-x.json");
    ck_assert_int_eq(symlink(secret, link), 0);
    struct mt_error err = {0};
    struct mt_file_map m = {(const char *)"x", 1};
    /* a symlink is never followed, whatever the size asked for */
    ck_assert_int_eq(mt_file_map_in(root, "memory-x.json", 6, &m, &err), -1);
    ck_assert_ptr_null(m.data);
    ck_assert_ptr_nonnull(strstr(err.msg, "symlink"));
    mt_error_clear(&err);
    ck_assert_int_eq(mt_file_map_in(root, "../outside/secret.json", 6, &m, &err), -1);
    mt_error_clear(&err);
    /* a plain file of the size asked for: its bytes, mapped */
    const char *text = "{\"type\":\"entity\"}\n";
    ck_assert_int_eq(mt_file_write_in(root, "plain.json", text, strlen(text), 0644, &err), 0);
    ck_assert_int_eq(mt_file_map_in(root, "plain.json", strlen(text), &m, &err), 0);
    ck_assert_uint_eq(m.len, strlen(text));
    ck_assert(memcmp(m.data, text, m.len) == 0);
    ck_assert_int_eq(m.data[m.len], '\0');   /* the page's rest: a reader may look one past the end */
    mt_file_unmap(&m);
    ck_assert_ptr_null(m.data);
    /* another size (a file swapped in since git looked), an empty file, or
     * a whole number of pages (no byte after the last): not mapped */
    ck_assert_int_eq(mt_file_map_in(root, "plain.json", strlen(text) + 1, &m, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "not mapped"));
    mt_error_clear(&err);
    ck_assert_int_eq(mt_file_write_in(root, "empty.json", "", 0, 0644, &err), 0);
    ck_assert_int_eq(mt_file_map_in(root, "empty.json", 0, &m, &err), -1);
    mt_error_clear(&err);
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    char *pages = xmalloc(page);
    memset(pages, 'x', page);
    ck_assert_int_eq(mt_file_write_in(root, "page.json", pages, page, 0644, &err), 0);
    ck_assert_int_eq(mt_file_map_in(root, "page.json", page, &m, &err), -1);
    ck_assert_ptr_null(m.data);
    mt_error_clear(&err);
    /* mt_file_view_in: mapped where it can be, read where not, and a file
     * of another size is an error either way */
    char *d = NULL;
    size_t n = 0;
    void (*release)(void *) = NULL;
    void *hold = NULL;
    ck_assert_int_eq(mt_file_view_in(root, "plain.json", strlen(text), true, &d, &n, &release, &hold, &err), 0);
    ck_assert_ptr_nonnull(release);
    ck_assert(n == strlen(text) && memcmp(d, text, n) == 0);
    release(hold);
    /* not allowed to map: read */
    ck_assert_int_eq(mt_file_view_in(root, "plain.json", strlen(text), false, &d, &n, &release, &hold, &err), 0);
    ck_assert_ptr_null(release);
    ck_assert(n == strlen(text) && memcmp(d, text, n) == 0);
    free(d);
    ck_assert_int_eq(mt_file_view_in(root, "page.json", page, true, &d, &n, &release, &hold, &err), 0);
    ck_assert_ptr_null(release);
    ck_assert(n == page && d[0] == 'x' && d[page - 1] == 'x');
    free(d);
    ck_assert_int_eq(mt_file_view_in(root, "page.json", page - 1, true, &d, &n, &release, &hold, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "expected"));
    mt_error_clear(&err);
    ck_assert_int_eq(mt_file_view_in(root, "memory-x.json", 6, true, &d, &n, &release, &hold, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "symlink"));
    mt_error_clear(&err);
    free(pages);
    free(link);
    free(root);
    free(secret);
}
END_TEST

START_TEST(remove_in_removes_only_the_link)
{
    char *secret, *root = make_root(&secret), *link = pathf("root/memory.json");
    char *dlink = pathf("root/.memtui"), *out = pathf("outside");
    ck_assert_int_eq(symlink(secret, link), 0);
    ck_assert_int_eq(symlink(out, dlink), 0);
    struct mt_error err = {0};
    ck_assert_int_eq(mt_file_remove_in(root, "memory.json", &err), 0);
    ck_assert_int_eq(mt_file_remove_in(root, ".memtui/secret.json", &err), 0);
    ck_assert_int_eq(mt_file_remove_in(root, "never-there.json", &err), 0);
    ck_assert_ptr_null(err.msg);
    struct stat st;
    ck_assert_int_eq(lstat(link, &st), -1);
    read_expect(secret, "secret", 6);
    ck_assert_int_eq(mt_dir_open_in(root, ".memtui"), -1);
    int fd = mt_dir_open_in(root, "..") ;
    ck_assert_int_eq(fd, -1);
    free(out);
    free(dlink);
    free(link);
    free(root);
    free(secret);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("fsutil");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, write_then_read);
    tcase_add_test(tc, empty_file);
    tcase_add_test(tc, read_missing);
    tcase_add_test(tc, read_directory);
    tcase_add_test(tc, read_unsized_file);
    tcase_add_test(tc, overwrite_keeps_mode);
    tcase_add_test(tc, new_file_mode_uses_umask);
    tcase_add_test(tc, missing_directory_fails);
    tcase_add_test(tc, parent_is_a_file_fails);
    tcase_add_test(tc, rename_failure_cleans_up);
    tcase_add_test(tc, large_round_trip);
    tcase_add_test(tc, write_through_symlink);
    tcase_add_test(tc, relative_path);
    tcase_add_test(tc, mkdirs);
    tcase_add_test(tc, fsync_dir);
    tcase_add_test(tc, write_in_replaces_a_symlink);
    tcase_add_test(tc, write_in_replaces_a_symlinked_folder);
    tcase_add_test(tc, write_in_refuses_paths_that_leave_the_root);
    tcase_add_test(tc, read_in_never_follows);
    tcase_add_test(tc, map_in_takes_what_read_in_takes);
    tcase_add_test(tc, remove_in_removes_only_the_link);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(make_suite)
