/* job.c: one background job at a time, so the input loop never blocks
 * (curses-free). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memtui/ui/job.h"

#include "memtui/base/util.h"

enum { WRITES = MT_JOB_TAKES_LOCAL_LOCK | MT_JOB_TAKES_LEASE };

/* Reloads, the lease refresh and diffs only read; merge, sync and restore
 * run the operations (ops.h) under the local lock and the lease; a break
 * writes the lease branch only (lease_ops.h takes no local lock). */
static const struct mt_job_kind_info KINDS[MT_JOB_KINDS] = {
    [MT_JOB_LOAD] = {"load", 0, MT_JOB_GIVES_SNAPSHOT, false, false},
    [MT_JOB_FETCH] = {"fetch", 0, MT_JOB_GIVES_SNAPSHOT, true, false},
    [MT_JOB_LEASE] = {"lease", 0, MT_JOB_GIVES_LEASE, false, false},
    [MT_JOB_DIFF] = {"diff", 0, MT_JOB_GIVES_DIFF, false, false},
    [MT_JOB_MERGE] = {"merge", WRITES, MT_JOB_GIVES_EXIT, false, true},
    [MT_JOB_SYNC] = {"sync", WRITES, MT_JOB_GIVES_EXIT, false, false},
    [MT_JOB_RESTORE] = {"restore", WRITES, MT_JOB_GIVES_EXIT, false, false},
    [MT_JOB_BREAK] = {"break", MT_JOB_TAKES_LEASE, MT_JOB_GIVES_EXIT, false, false},
    [MT_JOB_DETAIL] = {"details", 0, MT_JOB_GIVES_PAGE, false, false},
};

const struct mt_job_kind_info *mt_job_kind_info(enum mt_job_kind k)
{
    return &KINDS[k < MT_JOB_KINDS ? k : MT_JOB_LOAD];
}

bool mt_job_kind_reads_only(enum mt_job_kind k)
{
    return mt_job_kind_info(k)->takes == 0;
}

void mt_job_init(struct mt_job *j)
{
    memset(j, 0, sizeof(*j));
    pthread_mutex_init(&j->mu, NULL);
}

void mt_job_destroy(struct mt_job *j)
{
    if (j->running) pthread_join(j->thread, NULL);
    free(j->message);
    pthread_mutex_destroy(&j->mu);
}

static void *trampoline(void *arg)
{
    struct mt_job *j = arg;
    int rc = j->fn(j);
    pthread_mutex_lock(&j->mu);
    j->rc = rc;
    j->finished = true;
    j->gen++;
    pthread_mutex_unlock(&j->mu);
    return NULL;
}

bool mt_job_run(struct mt_job *j, enum mt_job_kind k, int (*fn)(struct mt_job *), void *arg)
{
    if (j->running) return false;
    const char *kind = mt_job_kind_info(k)->name;
    free(j->message);
    j->message = NULL;
    j->result = NULL;
    j->rc = 0;
    j->finished = false;
    j->fn = fn;
    j->arg = arg;
    j->kind = k;
    j->name = kind;
    j->done = j->total = 0;
    snprintf(j->progress, sizeof j->progress, "%s: starting", kind);
    if (pthread_create(&j->thread, NULL, trampoline, j)) {
        j->message = xstrdup("cannot start a thread");
        j->rc = 2;
        return false;
    }
    j->running = true;
    return true;
}


void mt_job_progress(struct mt_job *j, size_t done, size_t total, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&j->mu);
    vsnprintf(j->progress, sizeof j->progress, fmt, ap);
    j->done = done;
    j->total = total;
    j->gen++;
    pthread_mutex_unlock(&j->mu);
    va_end(ap);
}

unsigned mt_job_peek(struct mt_job *j, char *buf, size_t size, size_t *done, size_t *total)
{
    pthread_mutex_lock(&j->mu);
    if (buf) snprintf(buf, size, "%s", j->progress);
    if (done) *done = j->done;
    if (total) *total = j->total;
    unsigned g = j->gen;
    pthread_mutex_unlock(&j->mu);
    return g;
}

bool mt_job_collect(struct mt_job *j)
{
    if (!j->running) return false;
    pthread_mutex_lock(&j->mu);
    bool fin = j->finished;
    pthread_mutex_unlock(&j->mu);
    if (!fin) return false;
    pthread_join(j->thread, NULL);
    j->running = false;
    return true;
}
