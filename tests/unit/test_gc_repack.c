/* test_gc_repack.c: gc's repack (gc.h) on real repositories set up with the
 * git CLI: every object the clone had before is there after (unreachable
 * ones and those only a reflog or the index names included), loose objects
 * and old packs go, a .keep pack stays, refs do not move, fsck is clean; the
 * counts it reports are git's; a clone with a multi-pack index is left. */
#include "testutil.h"

#include <json-c/json.h>
#include <sys/stat.h>

#include "memtui/ops/gc.h"
#include "memtui/git/repo.h"

static char *T;

static void setup(void)
{
    T = tu_tmpdir();
    tu_git_env(T);
    mt_repo_global_init();
}

static void teardown(void)
{
    mt_repo_global_shutdown();
    tu_sh("rm -rf '%s'", T);
    free(T);
}

static long git_count(const char *key)
{
    char *cmd;
    ck_assert_int_ge(asprintf(&cmd, "git -C '%s/r' count-objects -v | awk '/^%s:/{print $2}'", T, key), 0);
    FILE *p = popen(cmd, "r");
    long v = -1;
    ck_assert_int_eq(fscanf(p, "%ld", &v), 1);
    pclose(p);
    free(cmd);
    return v;
}

/* A repo with packs, loose objects, a commit only a reflog names, a blob only
 * the index names, and a blob nothing names. */
static void make_repo(void)
{
    ck_assert_int_eq(tu_sh("set -e; cd '%s'; git init -q r; cd r;"
                           "for i in 1 2 3 4 5; do echo $i >f$i; git add f$i; git commit -qm c$i;"
                           "  git repack -q; done;"                                     /* 5 packs */
                           "for i in 6 7 8; do echo $i >f$i; git add f$i; git commit -qm c$i; done;" /* loose */
                           "git commit -q --amend -m amended;"          /* old tip: only the reflog has it */
                           "echo staged >s; git add s;"                 /* only the index has it */
                           "echo nobody | git hash-object -w --stdin >/dev/null;"  /* unreachable */
                           "git cat-file --batch-all-objects --batch-check | sort >../before;"
                           "git for-each-ref | sort >../refs.before",
                           T),
                     0);
}

START_TEST(test_repack_keeps_every_object)
{
    make_repo();
    /* one pack marked .keep */
    ck_assert_int_eq(tu_sh("cd '%s/r/.git/objects/pack' && p=$(ls *.pack | head -n 1) && touch ${p%%.pack}.keep", T), 0);
    long loose = git_count("count"), packs = git_count("packs");
    ck_assert_int_gt(loose, 10);
    ck_assert_int_eq(packs, 5);

    struct mt_repo *r;
    struct mt_error err = {0};
    char *dir;
    ck_assert_int_ge(asprintf(&dir, "%s/r", T), 0);
    ck_assert_int_eq(mt_repo_open(dir, &r, &err), 0);
    struct mt_gc_counts c;
    mt_gc_count_objects(r, &c);
    ck_assert_int_eq((long)c.loose, loose);
    ck_assert_int_eq((long)c.packs, packs);
    ck_assert_int_eq((long)c.keep_packs, 1);

    struct json_object *rep = json_object_new_object();
    ck_assert_int_eq(mt_gc_repack(r, rep, &err), 0);
    ck_assert_ptr_null(err.msg);
    ck_assert_int_eq(json_object_get_int64(json_object_object_get(rep, "loose_after")), 0);
    ck_assert_int_eq(json_object_get_int64(json_object_object_get(rep, "packs_after")), 2);
    json_object_put(rep);
    mt_repo_close(r);
    free(dir);

    ck_assert_int_eq(git_count("count"), 0);
    ck_assert_int_eq(git_count("packs"), 2);
    /* the .keep pack is still there, every object too, refs did not move */
    ck_assert_int_eq(tu_sh("set -e; cd '%s/r'; ls .git/objects/pack/*.keep >/dev/null;"
                           "git cat-file --batch-all-objects --batch-check | sort >../after;"
                           "cmp -s ../before ../after;"
                           "git for-each-ref | sort >../refs.after; cmp -s ../refs.before ../refs.after;"
                           "git fsck --full --no-dangling --no-progress 2>&1 | (! grep .)",
                           T),
                     0);
}
END_TEST

START_TEST(test_repack_twice_is_stable)
{
    make_repo();
    struct mt_repo *r;
    struct mt_error err = {0};
    char *dir;
    ck_assert_int_ge(asprintf(&dir, "%s/r", T), 0);
    ck_assert_int_eq(mt_repo_open(dir, &r, &err), 0);
    for (int i = 0; i < 2; i++) {
        struct json_object *rep = json_object_new_object();
        ck_assert_int_eq(mt_gc_repack(r, rep, &err), 0);
        json_object_put(rep);
        ck_assert_int_eq(git_count("packs"), 1);
        ck_assert_int_eq(git_count("count"), 0);
    }
    mt_repo_close(r);
    free(dir);
    ck_assert_int_eq(tu_sh("set -e; cd '%s/r';"
                           "git cat-file --batch-all-objects --batch-check | sort >../after;"
                           "cmp -s ../before ../after",
                           T),
                     0);
}
END_TEST

/* A clone with a multi-pack index is git's to maintain: nothing is touched. */
START_TEST(test_repack_leaves_a_multi_pack_index_alone)
{
    make_repo();
    ck_assert_int_eq(tu_sh("cd '%s/r' && git multi-pack-index write", T), 0);
    long loose = git_count("count"), packs = git_count("packs");
    struct mt_repo *r;
    struct mt_error err = {0};
    char *dir;
    ck_assert_int_ge(asprintf(&dir, "%s/r", T), 0);
    ck_assert_int_eq(mt_repo_open(dir, &r, &err), 0);
    struct json_object *rep = json_object_new_object();
    ck_assert_int_eq(mt_gc_repack(r, rep, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "multi-pack-index"));
    mt_error_clear(&err);
    json_object_put(rep);
    mt_repo_close(r);
    free(dir);
    ck_assert_int_eq(git_count("count"), loose);
    ck_assert_int_eq(git_count("packs"), packs);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("gc_repack");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_repack_keeps_every_object);
    tcase_add_test(tc, test_repack_twice_is_stable);
    tcase_add_test(tc, test_repack_leaves_a_multi_pack_index_alone);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(make_suite)
