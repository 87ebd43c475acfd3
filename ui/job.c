/* job.c: one background job at a time, so the input loop never blocks
 * (curses-free). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memtui/ui/model.h"

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

bool mt_job_start(struct mt_job *j, const char *kind, int (*fn)(struct mt_job *), void *arg)
{
    if (j->running) return false;
    free(j->message);
    j->message = NULL;
    j->result = NULL;
    j->rc = 0;
    j->finished = false;
    j->fn = fn;
    j->arg = arg;
    j->kind = kind;
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
