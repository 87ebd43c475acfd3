/* test_repo.c: the libgit2 layer against real repositories. The git CLI is
 * used here only to set up and inspect (the library itself never runs it). */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include <git2.h>

#include "gitd.h"
#include "memtui/git/repo.h"

#define ATTR "memory.json -merge\n"

static char *T;           /* this test's temporary folder */
static int other_seq;     /* numbers the set-up clones */

static void setup(void)
{
    /* No git identity anywhere: the library must cope; the CLI gets env vars. */
    T = tu_tmpdir();
    tu_git_env(T);
    atexit(gitd_stop);  /* a failed assertion exits the test process */
    mt_repo_global_init();
}

static void teardown(void)
{
    gitd_stop();
    mt_repo_global_shutdown();
    tu_sh("rm -rf '%s'", T);
    free(T);
}

/* ---- helpers --------------------------------------------------------- */

/* Output of a set-up shell command, trailing newlines removed. */
static char *sh_out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *sh_out(const char *fmt, ...)
{
    char *cmd;
    va_list ap;
    va_start(ap, fmt);
    ck_assert_int_ge(vasprintf(&cmd, fmt, ap), 0);
    va_end(ap);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    struct mt_buf b;
    mt_buf_init(&b);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0) mt_buf_add(&b, chunk, n);
    pclose(p);
    free(cmd);
    char *s = mt_buf_detach(&b, &n);
    while (n && s[n - 1] == '\n') s[--n] = '\0';
    return s;
}

static void assert_out(const char *want, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void assert_out(const char *want, const char *fmt, ...)
{
    char *cmd;
    va_list ap;
    va_start(ap, fmt);
    ck_assert_int_ge(vasprintf(&cmd, fmt, ap), 0);
    va_end(ap);
    char *got = sh_out("%s", cmd);
    ck_assert_str_eq(got, want);
    free(got);
    free(cmd);
}

static void write_file(const char *dir, const char *name, const void *data, size_t len)
{
    char *p = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
    free(p);
}

static void write_str(const char *dir, const char *name, const char *s)
{
    write_file(dir, name, s, strlen(s));
}

static char *read_str(const char *dir, const char *name)
{
    return sh_out("cat '%s/%s'", dir, name);
}

static char *bare(const char *name)
{
    char *p = xasprintf("%s/%s", T, name);
    ck_assert_int_eq(tu_sh("git init -q --bare '%s'", p), 0);
    return p;
}

static char *rev(const char *gitdir, const char *what)
{
    return sh_out("git --git-dir='%s' rev-parse --verify -q '%s'", gitdir, what);
}

/* Another machine: clone the remote, write one file on main, push. Returns
 * the pushed commit id. */
static char *other_push(const char *remote, const char *file, const char *content)
{
    char *d = xasprintf("%s/other%d", T, other_seq++);
    ck_assert_int_eq(tu_sh("git clone -q '%s' '%s' 2>/dev/null && git -C '%s' checkout -q main",
                           remote, d, d), 0);
    write_str(d, file, content);
    ck_assert_int_eq(tu_sh("cd '%s' && git add -A && git commit -qm 'other: %s' && "
                           "git push -q origin main 2>/dev/null", d, file), 0);
    char *id = sh_out("git -C '%s' rev-parse HEAD", d);
    free(d);
    return id;
}

static struct mt_repo *init_open(const char *url, const char *dir)
{
    struct mt_error e = {0};
    int rc = mt_repo_init(url, dir, "origin", &e);
    ck_assert_msg(rc == 0, "init: %s", e.msg);
    struct mt_repo *r = NULL;
    rc = mt_repo_open(dir, &r, &e);
    ck_assert_msg(rc == 0, "open: %s", e.msg);
    mt_error_clear(&e);
    return r;
}

static void commit_file(struct mt_repo *r, const char *name, const char *content,
                        char id[MT_OID_HEX])
{
    struct mt_error e = {0};
    const char *paths[] = {name};
    bool made = false;
    write_str(mt_repo_workdir(r), name, content);
    int rc = mt_repo_commit(r, paths, 1, name, &made, id, &e);
    ck_assert_msg(rc == 0, "commit: %s", e.msg);
    ck_assert(made);
}

static void head_of(struct mt_repo *r, char id[MT_OID_HEX])
{
    struct mt_error e = {0};
    ck_assert_int_eq(mt_repo_head(r, id, &e), 0);
}

/* ---- init ------------------------------------------------------------ */

START_TEST(test_init_empty_remote)
{
    char *R = bare("r.git");  /* HEAD -> unborn master, no branches */
    char *D = xasprintf("%s/w", T);
    struct mt_repo *r = init_open(R, D);
    char head[MT_OID_HEX], blob[MT_OID_HEX];
    struct mt_error e = {0};

    assert_out("memory.json -merge", "git --git-dir='%s' show main:.gitattributes", R);
    char *branch = mt_repo_branch(r);
    ck_assert_str_eq(branch, "main");
    free(branch);
    head_of(r, head);
    char *rm = rev(R, "refs/heads/main");
    ck_assert_str_eq(rm, head);
    free(rm);
    char *tracking = sh_out("git -C '%s' rev-parse origin/main", D);
    ck_assert_str_eq(tracking, head);
    free(tracking);

    char *data = NULL;
    size_t len = 0;
    ck_assert_int_eq(mt_repo_read_path(r, NULL, ".gitattributes", &data, &len, blob, &e), 0);
    ck_assert_uint_eq(len, strlen(ATTR));
    ck_assert_str_eq(data, ATTR);
    free(data);

    char *cfg = sh_out("git -C '%s' config branch.main.remote; git -C '%s' config branch.main.merge",
                       D, D);
    ck_assert_str_eq(cfg, "origin\nrefs/heads/main");
    free(cfg);
    cfg = sh_out("git -C '%s' config --get-regexp '^branch\\.master\\.' || true", D);
    ck_assert_str_eq(cfg, "");
    free(cfg);
    cfg = sh_out("git -C '%s' status --porcelain; git -C '%s' log -1 --format=%%an", D, D);
    ck_assert_str_eq(cfg, "memtui");  /* clean tree; fallback identity */
    free(cfg);
    ck_assert_str_eq(mt_repo_workdir(r) + strlen(mt_repo_workdir(r)) - 1, "/");
    ck_assert_str_eq(mt_repo_gitdir(r) + strlen(mt_repo_gitdir(r)) - 1, "/");

    mt_repo_close(r);
    mt_error_clear(&e);
    free(R);
    free(D);
}
END_TEST

START_TEST(test_init_again_is_noop)
{
    char *R = bare("r.git");
    char *D = xasprintf("%s/w", T);
    struct mt_repo *r = init_open(R, D);
    struct mt_error e = {0};
    char h1[MT_OID_HEX], h2[MT_OID_HEX];
    head_of(r, h1);
    mt_repo_close(r);

    ck_assert_int_eq(mt_repo_init(R, D, "origin", &e), 0);
    char *furl = xasprintf("file://%s", R);
    ck_assert_int_eq(mt_repo_init(furl, D, "origin", &e), 0);  /* same place, other spelling */
    ck_assert_int_eq(mt_repo_open(D, &r, &e), 0);
    head_of(r, h2);
    ck_assert_str_eq(h1, h2);
    char *commits = sh_out("git --git-dir='%s' rev-list --count main", R);
    ck_assert_str_eq(commits, "1");
    free(commits);
    mt_repo_close(r);

    /* A clone of something else is not silently reused. */
    char *R2 = bare("r2.git");
    ck_assert_int_eq(mt_repo_init(R2, D, "origin", &e), MT_REPO_ERR);
    ck_assert_ptr_nonnull(strstr(e.msg, "not of"));
    ck_assert_int_eq(mt_repo_init(R, D, "upstream", &e), MT_REPO_ERR);

    mt_error_clear(&e);
    free(furl);
    free(R2);
    free(R);
    free(D);
}
END_TEST

START_TEST(test_init_non_empty_dir_fails)
{
    char *R = bare("r.git");
    char *D = xasprintf("%s/w", T);
    struct mt_error e = {0};
    ck_assert_int_eq(mkdir(D, 0755), 0);
    write_str(D, "notes.txt", "mine");
    ck_assert_int_eq(mt_repo_init(R, D, "origin", &e), MT_REPO_ERR);
    ck_assert_ptr_nonnull(e.msg);
    char *s = read_str(D, "notes.txt");
    ck_assert_str_eq(s, "mine");
    free(s);
    s = sh_out("ls -A '%s'", D);
    ck_assert_str_eq(s, "notes.txt");
    free(s);
    s = sh_out("git --git-dir='%s' for-each-ref", R);
    ck_assert_str_eq(s, "");  /* nothing pushed */
    free(s);

    /* An existing but empty folder is fine. */
    char *D2 = xasprintf("%s/empty", T);
    ck_assert_int_eq(mkdir(D2, 0755), 0);
    ck_assert_int_eq(mt_repo_init(R, D2, "origin", &e), 0);
    mt_error_clear(&e);
    free(D2);
    free(R);
    free(D);
}
END_TEST

START_TEST(test_init_clones_existing_main)
{
    /* Remote HEAD names unborn master while main holds the data. */
    char *R = bare("r.git");
    char *S = xasprintf("%s/seed", T);
    ck_assert_int_eq(tu_sh("git clone -q '%s' '%s' 2>/dev/null && cd '%s' && git checkout -q -b main && "
                           "printf 'data' > memory.json && printf '%s' > .gitattributes && "
                           "git add -A && git commit -qm seed && git push -q origin main 2>/dev/null",
                           R, S, S, ATTR), 0);
    char *D = xasprintf("%s/w", T);
    struct mt_error e = {0};
    ck_assert_int_eq(mt_repo_init(R, D, "backup", &e), 0);
    struct mt_repo *r = NULL;
    ck_assert_int_eq(mt_repo_open(D, &r, &e), 0);
    char *b = mt_repo_branch(r);
    ck_assert_str_eq(b, "main");
    free(b);
    char *s = read_str(D, "memory.json");
    ck_assert_str_eq(s, "data");
    free(s);
    s = sh_out("git -C '%s' config branch.main.remote; git -C '%s' status --porcelain; "
               "git -C '%s' config --get-regexp '^branch\\.master\\.' || true", D, D, D);
    ck_assert_str_eq(s, "backup");
    free(s);
    char *url = mt_repo_remote_url(r, "backup");
    ck_assert_ptr_nonnull(url);
    free(url);
    ck_assert_ptr_null(mt_repo_remote_url(r, "origin"));
    mt_repo_close(r);

    /* Remote whose HEAD is main: plain clone of main. */
    char *R2 = bare("r2.git");
    ck_assert_int_eq(tu_sh("git --git-dir='%s' symbolic-ref HEAD refs/heads/main && "
                           "git -C '%s' push -q '%s' main 2>/dev/null", R2, S, R2), 0);
    char *D2 = xasprintf("%s/w2", T);
    r = init_open(R2, D2);
    b = mt_repo_branch(r);
    ck_assert_str_eq(b, "main");
    free(b);
    s = read_str(D2, "memory.json");
    ck_assert_str_eq(s, "data");
    free(s);
    mt_repo_close(r);

    /* Remote whose HEAD is another branch with data: main is still chosen. */
    char *R3 = bare("r3.git");
    ck_assert_int_eq(tu_sh("cd '%s' && git push -q '%s' main 2>/dev/null && git checkout -q -b master && "
                           "echo old > old.txt && git add -A && git commit -qm old && "
                           "git push -q '%s' master 2>/dev/null", S, R3, R3), 0);
    char *D3 = xasprintf("%s/w3", T);
    r = init_open(R3, D3);
    b = mt_repo_branch(r);
    ck_assert_str_eq(b, "main");
    free(b);
    char *want = rev(R3, "refs/heads/main");
    char head[MT_OID_HEX];
    head_of(r, head);
    ck_assert_str_eq(head, want);
    free(want);
    s = sh_out("cd '%s' && ls -A | grep -v '^.git$'; git status --porcelain", D3);
    ck_assert_str_eq(s, ".gitattributes\nmemory.json");  /* old.txt gone, tree clean */
    free(s);
    mt_repo_close(r);

    mt_error_clear(&e);
    free(R3);
    free(D3);
    free(R2);
    free(D2);
    free(R);
    free(S);
    free(D);
}
END_TEST

START_TEST(test_init_refuses_remote_without_main)
{
    char *R = bare("r.git");
    char *S = xasprintf("%s/seed", T);
    ck_assert_int_eq(tu_sh("git clone -q '%s' '%s' 2>/dev/null && cd '%s' && git checkout -q -b master && "
                           "echo x > f && git add -A && git commit -qm seed && "
                           "git push -q origin master 2>/dev/null", R, S, S), 0);
    char *D = xasprintf("%s/w", T);
    struct mt_error e = {0};
    ck_assert_int_eq(mt_repo_init(R, D, "origin", &e), MT_REPO_ERR);
    ck_assert_ptr_nonnull(strstr(e.msg, "no 'main'"));
    struct stat st;
    ck_assert_int_eq(stat(D, &st), -1);  /* the failed clone was removed */
    char *s = sh_out("git --git-dir='%s' for-each-ref --format='%%(refname)'", R);
    ck_assert_str_eq(s, "refs/heads/master");
    free(s);
    mt_error_clear(&e);
    free(R);
    free(S);
    free(D);
}
END_TEST

START_TEST(test_init_unreachable)
{
    char *D = xasprintf("%s/w", T);
    struct mt_error e = {0};
    ck_assert_int_eq(mt_repo_init("git://127.0.0.1:1/x", D, "origin", &e), MT_REPO_UNREACHABLE);
    ck_assert_ptr_nonnull(e.msg);
    struct stat st;
    ck_assert_int_eq(stat(D, &st), -1);
    ck_assert_int_eq(mt_repo_init("git://127.0.0.1:1/x", D, "bad name", &e), MT_REPO_ERR);
    mt_error_clear(&e);
    free(D);
}
END_TEST

START_TEST(test_open_errors)
{
    struct mt_error e = {0};
    struct mt_repo *r = NULL;
    char *R = bare("r.git");
    ck_assert_int_eq(mt_repo_open(T, &r, &e), MT_REPO_NOTFOUND);
    ck_assert_ptr_null(r);
    ck_assert_int_eq(mt_repo_open(R, &r, &e), MT_REPO_ERR);
    ck_assert_ptr_nonnull(strstr(e.msg, "bare"));
    mt_error_clear(&e);
    free(R);
}
END_TEST

/* ---- reading and committing ------------------------------------------ */

START_TEST(test_unborn_repo)
{
    char *D = xasprintf("%s/u", T);
    ck_assert_int_eq(tu_sh("git init -q '%s'", D), 0);
    struct mt_error e = {0};
    struct mt_repo *r = NULL;
    ck_assert_int_eq(mt_repo_open(D, &r, &e), 0);
    char id[MT_OID_HEX] = "x";
    ck_assert_int_eq(mt_repo_head(r, id, &e), MT_REPO_NOTFOUND);
    ck_assert_str_eq(id, "");
    ck_assert_int_eq(mt_repo_blob_id(r, NULL, "memory.json", id, &e), MT_REPO_NOTFOUND);
    char **names = NULL;
    size_t n = 9;
    ck_assert_int_eq(mt_repo_list_top(r, NULL, &names, &n, &e), 0);
    ck_assert_uint_eq(n, 0);
    free(names);
    bool dirty = true, made = true;
    ck_assert_int_eq(mt_repo_is_dirty(r, &dirty, &e), 0);
    ck_assert(!dirty);
    /* Nothing staged: no empty first commit. */
    ck_assert_int_eq(mt_repo_commit(r, NULL, 0, "nothing", &made, id, &e), 0);
    ck_assert(!made);
    ck_assert_str_eq(id, "");
    /* First commit has no parent. */
    const char *p[] = {"a.json"};
    write_str(D, "a.json", "A");
    ck_assert_int_eq(mt_repo_commit(r, p, 1, "first", &made, id, &e), 0);
    ck_assert(made);
    char *cnt = sh_out("git -C '%s' rev-list --count HEAD", D);
    ck_assert_str_eq(cnt, "1");
    free(cnt);
    mt_repo_close(r);
    mt_error_clear(&e);
    free(D);
}
END_TEST

START_TEST(test_commit_read_roundtrip)
{
    char *R = bare("r.git");
    char *D = xasprintf("%s/w", T);
    struct mt_repo *r = init_open(R, D);
    struct mt_error e = {0};
    char c1[MT_OID_HEX], head[MT_OID_HEX], blob[MT_OID_HEX], blob2[MT_OID_HEX], h[MT_OID_HEX];
    const char *content = "{\"type\":\"entity\",\"name\":\"A\",\"entityType\":\"x\",\"observations\":[]}\n";

    commit_file(r, "memory-a.json", content, c1);
    head_of(r, head);
    ck_assert_str_eq(head, c1);

    char *data = NULL;
    size_t len = 0;
    ck_assert_int_eq(mt_repo_read_path(r, NULL, "memory-a.json", &data, &len, blob, &e), 0);
    ck_assert_uint_eq(len, strlen(content));
    ck_assert_mem_eq(data, content, len);
    ck_assert_int_eq(data[len], '\0');
    free(data);
    ck_assert_int_eq(mt_repo_blob_id(r, c1, "memory-a.json", blob2, &e), 0);
    ck_assert_str_eq(blob, blob2);
    ck_assert_int_eq(mt_repo_blob_read(r, blob, &data, &len, &e), 0);
    ck_assert_mem_eq(data, content, len);
    free(data);
    ck_assert_int_eq(mt_repo_hash_bytes(content, strlen(content), h, &e), 0);
    ck_assert_str_eq(h, blob);
    char *cli = sh_out("git -C '%s' rev-parse HEAD:memory-a.json", D);
    ck_assert_str_eq(cli, blob);
    free(cli);

    /* Missing things. */
    ck_assert_int_eq(mt_repo_blob_id(r, NULL, "nope.json", blob2, &e), MT_REPO_NOTFOUND);
    ck_assert_ptr_nonnull(strstr(e.msg, "nope.json"));
    ck_assert_int_eq(mt_repo_read_path(r, "no-such-branch", "memory-a.json", &data, &len, blob2, &e),
                     MT_REPO_NOTFOUND);
    ck_assert_ptr_null(data);
    ck_assert_int_eq(mt_repo_blob_read(r, "0123456789012345678901234567890123456789", &data, &len, &e),
                     MT_REPO_NOTFOUND);
    ck_assert_int_eq(mt_repo_blob_read(r, "zz", &data, &len, &e), MT_REPO_ERR);

    /* Same bytes again: no commit. */
    bool made = true;
    const char *p[] = {"memory-a.json"};
    char c2[MT_OID_HEX];
    ck_assert_int_eq(mt_repo_commit(r, p, 1, "again", &made, c2, &e), 0);
    ck_assert(!made);
    ck_assert_str_eq(c2, c1);

    /* A file that is gone is removed. */
    char *fp = xasprintf("%s/memory-a.json", D);
    ck_assert_int_eq(unlink(fp), 0);
    free(fp);
    ck_assert_int_eq(mt_repo_commit(r, p, 1, "drop a", &made, c2, &e), 0);
    ck_assert(made);
    ck_assert_str_ne(c2, c1);
    ck_assert_int_eq(mt_repo_blob_id(r, NULL, "memory-a.json", blob2, &e), MT_REPO_NOTFOUND);
    ck_assert_int_eq(mt_repo_blob_id(r, c1, "memory-a.json", blob2, &e), 0);  /* history kept */
    char *parent = sh_out("git -C '%s' rev-parse HEAD~1", D);
    ck_assert_str_eq(parent, c1);
    free(parent);

    /* Paths outside the work tree are refused. */
    const char *bad[] = {"../evil"};
    ck_assert_int_eq(mt_repo_commit(r, bad, 1, "x", &made, c2, &e), MT_REPO_ERR);

    /* A large blob reads back whole. */
    size_t big = 8u << 20;
    char *buf = malloc(big);
    for (size_t i = 0; i < big; i++) buf[i] = (char)('a' + i % 26);
    write_file(D, "big.json", buf, big);
    const char *pb[] = {"big.json"};
    ck_assert_int_eq(mt_repo_commit(r, pb, 1, "big", &made, c2, &e), 0);
    ck_assert_int_eq(mt_repo_read_path(r, NULL, "big.json", &data, &len, blob, &e), 0);
    ck_assert_uint_eq(len, big);
    ck_assert(memcmp(data, buf, big) == 0);
    free(data);
    free(buf);

    mt_repo_close(r);
    mt_error_clear(&e);
    free(R);
    free(D);
}
END_TEST

START_TEST(test_list_top_sorted)
{
    char *R = bare("r.git");
    char *D = xasprintf("%s/w", T);
    struct mt_repo *r = init_open(R, D);
    struct mt_error e = {0};
    char id[MT_OID_HEX];
    bool made;
    ck_assert_int_eq(tu_sh("mkdir -p '%s/d' '%s/.memtui'", D, D), 0);
    const char *names_in[] = {"b", "a", "B", "_x", "a.b", "d/e", ".memtui/manifest.json"};
    for (size_t i = 0; i < 7; i++) write_str(D, names_in[i], names_in[i]);
    ck_assert_int_eq(mt_repo_commit(r, names_in, 7, "files", &made, id, &e), 0);
    char **names = NULL;
    size_t n = 0;
    ck_assert_int_eq(mt_repo_list_top(r, NULL, &names, &n, &e), 0);
    /* every entry, folders too: what each is, mt_repo_path_kind says */
    const char *want[] = {".gitattributes", ".memtui", "B", "_x", "a", "a.b", "b", "d"};
    ck_assert_uint_eq(n, 8);
    for (size_t i = 0; i < n; i++) {
        ck_assert_str_eq(names[i], want[i]);
        free(names[i]);
    }
    free(names);
    ck_assert_int_eq(mt_repo_blob_id(r, NULL, ".memtui/manifest.json", id, &e), 0);
    ck_assert_int_eq(mt_repo_blob_id(r, NULL, "d", id, &e), MT_REPO_NOTFOUND);  /* a folder */
    ck_assert_int_eq(mt_repo_path_kind(r, NULL, "d"), MT_PATH_FOLDER);
    ck_assert_str_eq(mt_repo_not_regular(r, NULL, "d"), "a folder (git mode 040000)");
    ck_assert_int_eq(mt_repo_path_kind(r, NULL, "a"), MT_PATH_FILE);
    ck_assert_ptr_null(mt_repo_not_regular(r, NULL, "a"));
    ck_assert_int_eq(mt_repo_path_kind(r, NULL, "absent"), MT_PATH_ABSENT);
    ck_assert_ptr_null(mt_repo_not_regular(r, NULL, "absent"));
    ck_assert_int_eq(mt_repo_list_top(r, "nope", &names, &n, &e), MT_REPO_NOTFOUND);
    mt_error_clear(&e);
    /* a symlink's blob is the name of what it points to: never read as a file */
    ck_assert_int_eq(tu_sh("ln -s /etc/hostname '%s/memory-x.json'", D), 0);
    const char *link[] = {"memory-x.json"};
    ck_assert_int_eq(mt_repo_commit(r, link, 1, "a link", &made, id, &e), 0);
    ck_assert_int_eq(mt_repo_path_kind(r, NULL, "memory-x.json"), MT_PATH_SYMLINK);
    ck_assert_int_eq(mt_repo_blob_id(r, NULL, "memory-x.json", id, &e), MT_REPO_NOTFOUND);
    ck_assert_ptr_nonnull(strstr(e.msg, "a symlink (git mode 120000), not a regular file"));
    mt_error_clear(&e);
    char *data = NULL;
    size_t len = 0;
    ck_assert_int_eq(mt_repo_read_path(r, NULL, "memory-x.json", &data, &len, NULL, &e), MT_REPO_NOTFOUND);
    ck_assert_ptr_null(data);
    mt_repo_close(r);
    mt_error_clear(&e);
    free(R);
    free(D);
}
END_TEST

START_TEST(test_history_queries)
{
    char *R = bare("r.git");
    char *D = xasprintf("%s/w", T);
    struct mt_repo *r = init_open(R, D);
    struct mt_error e = {0};
    char c0[MT_OID_HEX], a1[MT_OID_HEX], b1[MT_OID_HEX], a2[MT_OID_HEX], b2[MT_OID_HEX];
    char got[MT_OID_HEX];
    long long when = 0;
    head_of(r, c0);
    commit_file(r, "a.json", "1", a1);
    commit_file(r, "b.json", "1", b1);
    commit_file(r, "a.json", "2", a2);
    commit_file(r, "b.json", "2", b2);

    ck_assert_int_eq(mt_repo_last_change(r, NULL, "a.json", got, &when, &e), 0);
    ck_assert_str_eq(got, a2);
    ck_assert_int_gt(when, 1000000000LL);
    ck_assert_int_eq(mt_repo_last_change(r, NULL, "b.json", got, NULL, &e), 0);
    ck_assert_str_eq(got, b2);
    ck_assert_int_eq(mt_repo_last_change(r, b1, "a.json", got, NULL, &e), 0);
    ck_assert_str_eq(got, a1);
    ck_assert_int_eq(mt_repo_last_change(r, NULL, ".gitattributes", got, NULL, &e), 0);
    ck_assert_str_eq(got, c0);
    ck_assert_int_eq(mt_repo_last_change(r, NULL, "nope.json", got, NULL, &e), MT_REPO_NOTFOUND);
    ck_assert_str_eq(got, "");

    char *fp = xasprintf("%s/a.json", D);
    unlink(fp);
    free(fp);
    const char *p[] = {"a.json"};
    bool made;
    char del[MT_OID_HEX];
    ck_assert_int_eq(mt_repo_commit(r, p, 1, "remove a\n\nbody text", &made, del, &e), 0);
    ck_assert_int_eq(mt_repo_last_change(r, NULL, "a.json", got, NULL, &e), 0);
    ck_assert_str_eq(got, del);

    char *summary = NULL;
    ck_assert_int_eq(mt_repo_commit_info(r, NULL, &when, &summary, got, &e), 0);
    ck_assert_str_eq(summary, "remove a");
    ck_assert_str_eq(got, del);
    ck_assert_int_gt(when, 1000000000LL);
    free(summary);
    mt_repo_set_env(r, "laptop");
    commit_file(r, "c.json", "1", got);
    char *who = sh_out("git -C '%s' log -1 --format='%%an <%%ae>|%%cn' | sed 's/@[^>]*>/@H>/'", D);
    ck_assert_str_eq(who, "memtui <laptop@H>|memtui");
    free(who);
    ck_assert_int_eq(tu_sh("git -C '%s' config user.name 'Op Erator' && "
                           "git -C '%s' config user.email op@example.invalid", D, D), 0);
    commit_file(r, "c.json", "2", got);
    who = sh_out("git -C '%s' log -1 --format='%%an <%%ae>'", D);
    ck_assert_str_eq(who, "Op Erator <op@example.invalid>");
    free(who);
    ck_assert_int_eq(mt_repo_commit_info(r, "main~3", NULL, &summary, got, &e), 0);
    ck_assert_str_eq(summary, "b.json");
    ck_assert_str_eq(got, b2);
    free(summary);
    char *msg = sh_out("git -C '%s' log -1 --format=%%B %s", D, del);
    ck_assert_str_eq(msg, "remove a\n\nbody text");
    free(msg);

    mt_repo_close(r);
    mt_error_clear(&e);
    free(R);
    free(D);
}
END_TEST

START_TEST(test_is_dirty)
{
    char *R = bare("r.git");
    char *D = xasprintf("%s/w", T);
    struct mt_repo *r = init_open(R, D);
    struct mt_error e = {0};
    char id[MT_OID_HEX];
    bool dirty = true;
    commit_file(r, "a.json", "1", id);
    ck_assert_int_eq(mt_repo_is_dirty(r, &dirty, &e), 0);
    ck_assert(!dirty);
    write_str(D, "untracked.txt", "u");
    ck_assert_int_eq(mt_repo_is_dirty(r, &dirty, &e), 0);
    ck_assert(!dirty);
    write_str(D, "a.json", "changed");
    ck_assert_int_eq(mt_repo_is_dirty(r, &dirty, &e), 0);
    ck_assert(dirty);
    write_str(D, "a.json", "1");
    ck_assert_int_eq(mt_repo_is_dirty(r, &dirty, &e), 0);
    ck_assert(!dirty);
    ck_assert_int_eq(tu_sh("git -C '%s' add untracked.txt", D), 0);  /* staged only */
    ck_assert_int_eq(mt_repo_is_dirty(r, &dirty, &e), 0);
    ck_assert(dirty);
    mt_repo_close(r);
    mt_error_clear(&e);
    free(R);
    free(D);
}
END_TEST

START_TEST(test_hash_bytes)
{
    struct mt_error e = {0};
    char id[MT_OID_HEX];
    struct {
        const char *name;
        const char *data;
        size_t len;
    } cases[] = {
        {"empty", "", 0},
        {"text", "hello\n", 6},
        {"nul", "a\0b\r\n\xff", 6},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        write_file(T, cases[i].name, cases[i].data, cases[i].len);
        char *want = sh_out("git hash-object '%s/%s'", T, cases[i].name);
        ck_assert_int_eq(mt_repo_hash_bytes(cases[i].data, cases[i].len, id, &e), 0);
        ck_assert_str_eq(id, want);
        free(want);
    }
    ck_assert_int_eq(mt_repo_hash_bytes(NULL, 0, id, &e), 0);
    ck_assert_str_eq(id, "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
}
END_TEST

/* ---- fetch, fast-forward, push ---------------------------------------- */

static enum mt_ff_state fetch_ff(struct mt_repo *r)
{
    struct mt_error e = {0};
    enum mt_ff_state st = MT_FF_DIVERGED + 1;
    int rc = mt_repo_fetch(r, "origin", &e);
    ck_assert_msg(rc == 0, "fetch: %s", e.msg);
    rc = mt_repo_fast_forward(r, "origin", &st, &e);
    ck_assert_msg(rc == 0, "ff: %s", e.msg);
    return st;
}

START_TEST(test_fetch_fast_forward_states)
{
    char *R = bare("r.git");
    char *D = xasprintf("%s/w", T);
    struct mt_repo *r = init_open(R, D);
    struct mt_error e = {0};
    char before[MT_OID_HEX], after[MT_OID_HEX], mine[MT_OID_HEX];
    bool dirty = true;

    ck_assert_int_eq(fetch_ff(r), MT_FF_UP_TO_DATE);

    char *theirs = other_push(R, "memory-b.json", "B1");
    ck_assert_int_eq(fetch_ff(r), MT_FF_FORWARDED);
    head_of(r, after);
    ck_assert_str_eq(after, theirs);
    char *s = read_str(D, "memory-b.json");
    ck_assert_str_eq(s, "B1");
    free(s);
    ck_assert_int_eq(mt_repo_is_dirty(r, &dirty, &e), 0);
    ck_assert(!dirty);
    free(theirs);

    commit_file(r, "memory-a.json", "A1", mine);
    ck_assert_int_eq(fetch_ff(r), MT_FF_AHEAD);
    head_of(r, after);
    ck_assert_str_eq(after, mine);

    theirs = other_push(R, "memory-c.json", "C1");
    head_of(r, before);
    ck_assert_int_eq(fetch_ff(r), MT_FF_DIVERGED);
    head_of(r, after);
    ck_assert_str_eq(after, before);
    struct stat st;
    char *cp = xasprintf("%s/memory-c.json", D);
    ck_assert_int_eq(stat(cp, &st), -1);  /* work tree untouched */
    free(cp);
    char *tracking = sh_out("git -C '%s' rev-parse refs/remotes/origin/main", D);
    ck_assert_str_eq(tracking, theirs);
    free(tracking);
    free(theirs);

    mt_repo_close(r);
    mt_error_clear(&e);
    free(R);
    free(D);
}
END_TEST

/* A peer's push leaves short-lived refs on a path remote (refs/memtui/tmp/
 * and the like, created and deleted in a moment). A fetch that lists the
 * remote's refs while one goes away must still succeed: it asked only for
 * the heads. */
START_TEST(test_fetch_while_peer_churns_refs)
{
    char *R = bare("r.git");
    char *D = xasprintf("%s/w", T);
    struct mt_repo *r = init_open(R, D);
    char *theirs = other_push(R, "memory-b.json", "B1");
    pid_t peer = fork();
    ck_assert_int_ge(peer, 0);
    if (peer == 0) {
        git_libgit2_init();
        git_repository *g;
        git_oid id;
        if (git_repository_open(&g, R) || git_oid_fromstr(&id, theirs)) _exit(2);
        for (unsigned i = 0;; i++) {
            char name[64];
            snprintf(name, sizeof name, "refs/memtui/tmp/peer-%u", i % 64);
            git_reference *ref;
            if (git_reference_create(&ref, g, name, &id, 1, "tmp") == 0) {
                git_reference_delete(ref);
                git_reference_free(ref);
            }
        }
    }
    /* The fetches run in a child that leaves by _exit: libgit2 1.5 leaks
     * the refs it had listed each time a listing breaks off, which is not
     * memtui's to free (tests/lib.sh, suppress_libgit2_leaks). */
    char *why = xasprintf("%s/why", T);
    pid_t fetcher = fork();
    ck_assert_int_ge(fetcher, 0);
    if (fetcher == 0) {
        struct mt_error e = {0};
        int failed = 0;
        for (int k = 0; k < 150; k++) {
            if (mt_repo_fetch(r, "origin", &e) != 0 && failed++ == 0) write_str(T, "why", e.msg ? e.msg : "?");
            mt_error_clear(&e);
        }
        _exit(failed ? 1 : 0);
    }
    int st;
    ck_assert_int_eq(waitpid(fetcher, &st, 0), fetcher);
    kill(peer, SIGKILL);
    waitpid(peer, NULL, 0);
    char *first = access(why, F_OK) == 0 ? read_str(T, "why") : xstrdup("");
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a fetch failed: %s", first);
    free(first);
    free(why);
    mt_repo_close(r);
    free(theirs);
    free(R);
    free(D);
}
END_TEST

START_TEST(test_fast_forward_refuses_local_changes)
{
    char *R = bare("r.git");
    char *D = xasprintf("%s/w", T);
    struct mt_repo *r = init_open(R, D);
    struct mt_error e = {0};
    char c1[MT_OID_HEX], after[MT_OID_HEX];
    enum mt_ff_state st;
    commit_file(r, "memory-a.json", "A1", c1);
    ck_assert_int_eq(mt_repo_push(r, "origin", "main", &e), 0);
    char *theirs = other_push(R, "memory-a.json", "A2");

    write_str(D, "memory-a.json", "LOCAL");  /* uncommitted edit */
    ck_assert_int_eq(mt_repo_fetch(r, "origin", &e), 0);
    ck_assert_int_eq(mt_repo_fast_forward(r, "origin", &st, &e), MT_REPO_ERR);
    ck_assert_ptr_nonnull(strstr(e.msg, "local changes"));
    head_of(r, after);
    ck_assert_str_eq(after, c1);
    char *s = read_str(D, "memory-a.json");
    ck_assert_str_eq(s, "LOCAL");
    free(s);

    /* An untracked file in the way of a new one blocks it too. */
    write_str(D, "memory-a.json", "A1");
    free(theirs);
    theirs = other_push(R, "memory-n.json", "NEW");
    write_str(D, "memory-n.json", "mine, untracked");
    ck_assert_int_eq(mt_repo_fetch(r, "origin", &e), 0);
    ck_assert_int_eq(mt_repo_fast_forward(r, "origin", &st, &e), MT_REPO_ERR);
    head_of(r, after);
    ck_assert_str_eq(after, c1);
    s = read_str(D, "memory-n.json");
    ck_assert_str_eq(s, "mine, untracked");
    free(s);

    /* Once out of the way, it goes through. */
    char *np = xasprintf("%s/memory-n.json", D);
    unlink(np);
    free(np);
    ck_assert_int_eq(mt_repo_fast_forward(r, "origin", &st, &e), 0);
    ck_assert_int_eq(st, MT_FF_FORWARDED);
    head_of(r, after);
    ck_assert_str_eq(after, theirs);
    s = read_str(D, "memory-a.json");
    ck_assert_str_eq(s, "A2");
    free(s);

    free(theirs);
    mt_repo_close(r);
    mt_error_clear(&e);
    free(R);
    free(D);
}
END_TEST

START_TEST(test_push_accepted)
{
    char *R = bare("r.git");
    char *D = xasprintf("%s/w", T);
    struct mt_repo *r = init_open(R, D);
    struct mt_error e = {0};
    char c1[MT_OID_HEX];
    commit_file(r, "memory-a.json", "A1", c1);
    int rc = mt_repo_push(r, "origin", "main", &e);
    ck_assert_msg(rc == 0, "push: %s", e.msg);
    char *rm = rev(R, "refs/heads/main");
    ck_assert_str_eq(rm, c1);
    free(rm);
    /* Nothing new: still accepted. */
    rc = mt_repo_push(r, "origin", "main", &e);
    ck_assert_msg(rc == 0, "push again: %s", e.msg);
    /* A new branch. */
    ck_assert_int_eq(tu_sh("git -C '%s' branch memtui/backup/a/now", D), 0);
    ck_assert_int_eq(mt_repo_push(r, "origin", "memtui/backup/a/now", &e), 0);
    rm = rev(R, "refs/heads/memtui/backup/a/now");
    ck_assert_str_eq(rm, c1);
    free(rm);
    ck_assert_int_eq(mt_repo_push(r, "origin", "no-such", &e), MT_REPO_NOTFOUND);
    ck_assert_int_eq(mt_repo_push(r, "nowhere", "main", &e), MT_REPO_NOTFOUND);
    mt_repo_close(r);
    mt_error_clear(&e);
    free(R);
    free(D);
}
END_TEST

/* The remote moved: the push must be refused and the remote left as it was. */
static void check_rejected(const char *url_prefix)
{
    char *R = bare("r.git");
    char *url = xasprintf("%s%s", url_prefix, R);
    char *D = xasprintf("%s/w", T);
    struct mt_repo *r = init_open(url, D);
    struct mt_error e = {0};
    char c1[MT_OID_HEX];
    char *theirs = other_push(R, "memory-b.json", "B1");
    commit_file(r, "memory-a.json", "A1", c1);

    ck_assert_int_eq(mt_repo_push(r, "origin", "main", &e), MT_REPO_REJECTED);
    ck_assert_ptr_nonnull(strstr(e.msg, "remote branch moved"));  /* our own check */
    char *rm = rev(R, "refs/heads/main");
    ck_assert_str_eq(rm, theirs);
    free(rm);

    /* Fetched but not merged: still refused. */
    ck_assert_int_eq(mt_repo_fetch(r, "origin", &e), 0);
    ck_assert_int_eq(mt_repo_push(r, "origin", "main", &e), MT_REPO_REJECTED);
    rm = rev(R, "refs/heads/main");
    ck_assert_str_eq(rm, theirs);
    free(rm);

    free(theirs);
    mt_repo_close(r);
    mt_error_clear(&e);
    free(url);
    free(R);
    free(D);
}

START_TEST(test_push_rejected_path)
{
    check_rejected("");
}
END_TEST

START_TEST(test_push_rejected_file_url)
{
    check_rejected("file://");
}
END_TEST

START_TEST(test_unreachable_remote)
{
    char *R = bare("r.git");
    char *D = xasprintf("%s/w", T);
    struct mt_repo *r = init_open(R, D);
    struct mt_error e = {0};
    char c1[MT_OID_HEX];
    enum mt_ff_state st;
    commit_file(r, "memory-a.json", "A1", c1);
    ck_assert_int_eq(tu_sh("git -C '%s' remote set-url origin git://127.0.0.1:1/x", D), 0);
    ck_assert_int_eq(mt_repo_push(r, "origin", "main", &e), MT_REPO_UNREACHABLE);
    ck_assert_ptr_nonnull(strstr(e.msg, "push main to origin"));
    ck_assert_int_eq(mt_repo_fetch(r, "origin", &e), MT_REPO_UNREACHABLE);
    ck_assert_ptr_nonnull(strstr(e.msg, "fetch origin"));
    ck_assert_int_eq(mt_repo_fast_forward(r, "origin", &st, &e), 0);
    ck_assert_int_eq(st, MT_FF_AHEAD);
    char *gone = xasprintf("%s/missing.git", T);
    ck_assert_int_eq(tu_sh("git -C '%s' remote set-url origin '%s'", D, gone), 0);
    ck_assert_int_eq(mt_repo_push(r, "origin", "main", &e), MT_REPO_UNREACHABLE);
    ck_assert_int_eq(mt_repo_fetch(r, "origin", &e), MT_REPO_UNREACHABLE);
    free(gone);
    mt_repo_close(r);
    mt_error_clear(&e);
    free(R);
    free(D);
}
END_TEST

/* ---- git:// against a real git daemon --------------------------------- */

START_TEST(test_git_daemon)
{
    char *base = xasprintf("%s/srv", T);
    ck_assert_int_eq(mkdir(base, 0755), 0);
    char *R = xasprintf("%s/r.git", base);
    ck_assert_int_eq(tu_sh("git init -q --bare '%s'", R), 0);
    int port = gitd_free_port();
    gitd_start(base, port);
    char *url = xasprintf("git://127.0.0.1:%d/r.git", port);
    char *D = xasprintf("%s/w", T);
    struct mt_error e = {0};
    char c1[MT_OID_HEX], after[MT_OID_HEX];

    /* Create main on an empty remote over the git protocol. */
    struct mt_repo *r = init_open(url, D);
    assert_out("memory.json -merge", "git --git-dir='%s' show main:.gitattributes", R);

    commit_file(r, "memory-a.json", "A1", c1);
    int rc = mt_repo_push(r, "origin", "main", &e);
    ck_assert_msg(rc == 0, "push: %s", e.msg);
    char *rm = rev(R, "refs/heads/main");
    ck_assert_str_eq(rm, c1);
    free(rm);

    /* Someone else pushes: we fast-forward over git://. */
    char *theirs = other_push(R, "memory-b.json", "B1");
    ck_assert_int_eq(fetch_ff(r), MT_FF_FORWARDED);
    head_of(r, after);
    ck_assert_str_eq(after, theirs);
    free(theirs);
    rc = mt_repo_push(r, "origin", "main", &e);  /* nothing new */
    ck_assert_msg(rc == 0, "push up to date: %s", e.msg);

    /* The server refuses the ref (a hook here): libgit2 returns 0 and only
     * the push_update_reference status says so. */
    commit_file(r, "memory-a.json", "hooked", c1);
    ck_assert_int_eq(tu_sh("printf '#!/bin/sh\nexit 1\n' > '%s/hooks/pre-receive' && "
                           "chmod +x '%s/hooks/pre-receive'", R, R), 0);
    ck_assert_int_eq(mt_repo_push(r, "origin", "main", &e), MT_REPO_REJECTED);
    ck_assert_ptr_nonnull(strstr(e.msg, "rejected by the remote"));
    rm = rev(R, "refs/heads/main");
    ck_assert_str_eq(rm, after);
    free(rm);
    ck_assert_int_eq(tu_sh("rm '%s/hooks/pre-receive'", R), 0);
    rc = mt_repo_push(r, "origin", "main", &e);
    ck_assert_msg(rc == 0, "push after hook: %s", e.msg);

    /* The remote moves again while we commit: refused, remote unchanged. */
    theirs = other_push(R, "memory-c.json", "C1");
    commit_file(r, "memory-a.json", "A2", c1);
    ck_assert_int_eq(mt_repo_push(r, "origin", "main", &e), MT_REPO_REJECTED);
    rm = rev(R, "refs/heads/main");
    ck_assert_str_eq(rm, theirs);
    free(rm);
    ck_assert_int_eq(fetch_ff(r), MT_FF_DIVERGED);
    ck_assert_int_eq(mt_repo_push(r, "origin", "main", &e), MT_REPO_REJECTED);
    rm = rev(R, "refs/heads/main");
    ck_assert_str_eq(rm, theirs);
    free(rm);
    free(theirs);

    /* A second init of the same URL elsewhere clones main. */
    char *D2 = xasprintf("%s/w2", T);
    struct mt_repo *r2 = init_open(url, D2);
    char *s = read_str(D2, "memory-c.json");
    ck_assert_str_eq(s, "C1");
    free(s);
    mt_repo_close(r2);

    gitd_stop();
    ck_assert_int_eq(mt_repo_fetch(r, "origin", &e), MT_REPO_UNREACHABLE);

    mt_repo_close(r);
    mt_error_clear(&e);
    free(D2);
    free(D);
    free(url);
    free(R);
    free(base);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("repo");
    TCase *tc = tcase_create("repo");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_init_empty_remote);
    tcase_add_test(tc, test_init_again_is_noop);
    tcase_add_test(tc, test_init_non_empty_dir_fails);
    tcase_add_test(tc, test_init_clones_existing_main);
    tcase_add_test(tc, test_init_refuses_remote_without_main);
    tcase_add_test(tc, test_init_unreachable);
    tcase_add_test(tc, test_open_errors);
    tcase_add_test(tc, test_unborn_repo);
    tcase_add_test(tc, test_commit_read_roundtrip);
    tcase_add_test(tc, test_list_top_sorted);
    tcase_add_test(tc, test_history_queries);
    tcase_add_test(tc, test_is_dirty);
    tcase_add_test(tc, test_hash_bytes);
    tcase_add_test(tc, test_fetch_fast_forward_states);
    tcase_add_test(tc, test_fetch_while_peer_churns_refs);
    tcase_add_test(tc, test_fast_forward_refuses_local_changes);
    tcase_add_test(tc, test_push_accepted);
    tcase_add_test(tc, test_push_rejected_path);
    tcase_add_test(tc, test_push_rejected_file_url);
    tcase_add_test(tc, test_unreachable_remote);
    tcase_add_test(tc, test_git_daemon);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(make_suite)
