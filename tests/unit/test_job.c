/* test_job.c: the workstation's background job (ui/job.h): the kind table
 * says what each kind takes, hands over and does, and a job runs on its own
 * thread as the kind it was started as. */
#include "testutil.h"

#include <pthread.h>

#include "memtui/ui/job.h"

START_TEST(kind_table)
{
    static const char *names[MT_JOB_KINDS] = {
        [MT_JOB_LOAD] = "load",   [MT_JOB_FETCH] = "fetch", [MT_JOB_LEASE] = "lease",     [MT_JOB_DIFF] = "diff",
        [MT_JOB_MERGE] = "merge", [MT_JOB_SYNC] = "sync",   [MT_JOB_RESTORE] = "restore", [MT_JOB_BREAK] = "break",
        [MT_JOB_DETAIL] = "details",
    };
    for (int k = 0; k < MT_JOB_KINDS; k++) {
        const struct mt_job_kind_info *i = mt_job_kind_info((enum mt_job_kind)k);
        ck_assert_str_eq(i->name, names[k]);
    }
}
END_TEST

/* A write may queue only behind a job that takes nothing. */
START_TEST(kind_locks)
{
    enum mt_job_kind readers[] = {MT_JOB_LOAD, MT_JOB_FETCH, MT_JOB_LEASE, MT_JOB_DIFF, MT_JOB_DETAIL};
    for (size_t i = 0; i < sizeof readers / sizeof readers[0]; i++) {
        ck_assert_uint_eq(mt_job_kind_info(readers[i])->takes, 0);
        ck_assert(mt_job_kind_reads_only(readers[i]));
    }
    enum mt_job_kind writers[] = {MT_JOB_MERGE, MT_JOB_SYNC, MT_JOB_RESTORE};
    for (size_t i = 0; i < sizeof writers / sizeof writers[0]; i++) {
        ck_assert_uint_eq(mt_job_kind_info(writers[i])->takes, MT_JOB_TAKES_LOCAL_LOCK | MT_JOB_TAKES_LEASE);
        ck_assert(!mt_job_kind_reads_only(writers[i]));
    }
    ck_assert_uint_eq(mt_job_kind_info(MT_JOB_BREAK)->takes, MT_JOB_TAKES_LEASE);
    ck_assert(!mt_job_kind_reads_only(MT_JOB_BREAK));
}
END_TEST

/* What collecting hands over, and the kinds' own steps. */
START_TEST(kind_outcomes)
{
    ck_assert_int_eq(mt_job_kind_info(MT_JOB_LOAD)->gives, MT_JOB_GIVES_SNAPSHOT);
    ck_assert_int_eq(mt_job_kind_info(MT_JOB_FETCH)->gives, MT_JOB_GIVES_SNAPSHOT);
    ck_assert_int_eq(mt_job_kind_info(MT_JOB_LEASE)->gives, MT_JOB_GIVES_LEASE);
    ck_assert_int_eq(mt_job_kind_info(MT_JOB_DIFF)->gives, MT_JOB_GIVES_DIFF);
    for (int k = MT_JOB_MERGE; k <= MT_JOB_BREAK; k++)
        ck_assert_int_eq(mt_job_kind_info((enum mt_job_kind)k)->gives, MT_JOB_GIVES_EXIT);
    for (int k = 0; k < MT_JOB_KINDS; k++) {
        const struct mt_job_kind_info *i = mt_job_kind_info((enum mt_job_kind)k);
        ck_assert_msg(i->fetches == (k == MT_JOB_FETCH), "%s fetches", i->name);
        ck_assert_msg(i->commits_decisions == (k == MT_JOB_MERGE), "%s commits decisions", i->name);
    }
}
END_TEST

/* ---- a job on its thread ----------------------------------------------- */

static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static bool gate_open;

static int held_job(struct mt_job *j)
{
    pthread_mutex_lock(&gate_mu);
    while (!gate_open) pthread_cond_wait(&gate_cv, &gate_mu);
    pthread_mutex_unlock(&gate_mu);
    mt_job_progress(j, 1, 2, "%s: half", j->name);
    j->result = j->arg;
    return 3;
}

static void open_gate(void)
{
    pthread_mutex_lock(&gate_mu);
    gate_open = true;
    pthread_cond_broadcast(&gate_cv);
    pthread_mutex_unlock(&gate_mu);
}

static void wait_collect(struct mt_job *j)
{
    for (int i = 0; i < 2000 && !mt_job_collect(j); i++) usleep(5000);
    ck_assert(!j->running);
}

START_TEST(job_runs_as_its_kind)
{
    struct mt_job j;
    mt_job_init(&j);
    gate_open = false;
    static int input;
    ck_assert(mt_job_run(&j, MT_JOB_RESTORE, held_job, &input));
    ck_assert_int_eq(j.kind, MT_JOB_RESTORE);
    ck_assert_str_eq(j.name, "restore");
    char buf[64];
    mt_job_peek(&j, buf, sizeof buf, NULL, NULL);
    ck_assert_str_eq(buf, "restore: starting");
    /* one job at a time: a second is refused and the first keeps its kind */
    ck_assert(!mt_job_run(&j, MT_JOB_LOAD, held_job, NULL));
    ck_assert_int_eq(j.kind, MT_JOB_RESTORE);
    ck_assert(!mt_job_collect(&j));
    open_gate();
    wait_collect(&j);
    ck_assert_int_eq(j.rc, 3);
    ck_assert_ptr_eq(j.result, &input);
    size_t done, total;
    mt_job_peek(&j, buf, sizeof buf, &done, &total);
    ck_assert_str_eq(buf, "restore: half");
    ck_assert_uint_eq(done, 1);
    ck_assert_uint_eq(total, 2);

    /* the next job takes its own kind and name */
    ck_assert(mt_job_run(&j, MT_JOB_DIFF, held_job, NULL));
    ck_assert_int_eq(j.kind, MT_JOB_DIFF);
    ck_assert_str_eq(j.name, "diff");
    wait_collect(&j);
    mt_job_destroy(&j);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("job");
    TCase *tc = tcase_create("job");
    tcase_add_test(tc, kind_table);
    tcase_add_test(tc, kind_locks);
    tcase_add_test(tc, kind_outcomes);
    tcase_add_test(tc, job_runs_as_its_kind);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(make_suite)
