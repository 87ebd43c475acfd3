/* ui/job.h: the workstation's one background job at a time, so the input
 * loop never blocks (curses-free).
 *
 * Promises: a job's kind is one of enum mt_job_kind, and everything the
 * workstation decides by kind (what the job locks, hence whether a write
 * may queue behind it; what collecting it hands over; whether it fetches
 * first; whether its success commits the operator's decisions) is read from
 * one table (mt_job_kind_info), never from its name. */
#ifndef MEMTUI_UI_JOB_H
#define MEMTUI_UI_JOB_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

enum mt_job_kind {
    MT_JOB_LOAD,      /* a snapshot of the repo */
    MT_JOB_FETCH,     /* R: fetch the remote, then the snapshot */
    MT_JOB_LEASE,     /* the Locks panel's lease refresh */
    MT_JOB_DIFF,      /* a backup against HEAD */
    MT_JOB_MERGE,     /* finish the merge with the operator's decisions */
    MT_JOB_SYNC,      /* export, merge, import */
    MT_JOB_RESTORE,   /* entities of a backup back into memory.json */
    MT_JOB_BREAK,     /* break the git lease */
    MT_JOB_DETAIL,    /* a page of details that needs the repo read (a merge's diff) */
    MT_JOB_KINDS
};

/* What a job takes (bits); a job that takes nothing only reads, ends by
 * itself and leaves nothing half done, so a write may wait for it. */
enum {
    MT_JOB_TAKES_LOCAL_LOCK = 1,
    MT_JOB_TAKES_LEASE = 2,
};

/* What collecting a finished job hands to the main thread. */
enum mt_job_gives {
    MT_JOB_GIVES_SNAPSHOT,   /* result: a struct mt_ui_snap to show */
    MT_JOB_GIVES_LEASE,      /* result: a struct mt_ui_snap with the lease fields */
    MT_JOB_GIVES_DIFF,       /* result: the diff to show */
    MT_JOB_GIVES_EXIT,       /* rc and message of a write; then a reload */
    MT_JOB_GIVES_PAGE,       /* result: a struct mt_ui_page to show (read-only) */
};

struct mt_job_kind_info {
    const char *name;        /* in messages: "merge started", "busy: load is running" */
    unsigned takes;          /* MT_JOB_TAKES_* */
    enum mt_job_gives gives;
    bool fetches;            /* fetches the remote before loading */
    bool commits_decisions;  /* its success commits the operator's decisions */
};

const struct mt_job_kind_info *mt_job_kind_info(enum mt_job_kind k);
/* True for a job that takes no lock and no lease. */
bool mt_job_kind_reads_only(enum mt_job_kind k);

struct mt_job {
    pthread_t thread;
    pthread_mutex_t mu;
    bool running;                /* started and not yet collected */
    bool finished;               /* set by the worker (under mu) */
    unsigned gen;                /* grows with every progress report */
    char progress[256];
    size_t done, total;          /* for a progress bar (total 0: none) */
    int (*fn)(struct mt_job *j);
    void *arg;                   /* the job's input, owned by the job */
    void *result;                /* its output, handed over when collected */
    int rc;                      /* MT_EXIT_* */
    char *message;               /* what to tell the operator */
    enum mt_job_kind kind;       /* what the job is */
    const char *name;            /* its name (mt_job_kind_info(kind)->name) */
};

void mt_job_init(struct mt_job *j);
void mt_job_destroy(struct mt_job *j);
/* Start fn on a thread as a job of kind k; false when a job is already
 * running. */
bool mt_job_run(struct mt_job *j, enum mt_job_kind k, int (*fn)(struct mt_job *), void *arg);
/* From the worker: a progress line (and a fraction when total > 0). */
void mt_job_progress(struct mt_job *j, size_t done, size_t total, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Snapshot of the progress for drawing; returns gen. */
unsigned mt_job_peek(struct mt_job *j, char *buf, size_t size, size_t *done, size_t *total);
/* When the worker finished: join it and return true (result, rc, message
 * are then the main thread's). */
bool mt_job_collect(struct mt_job *j);

#endif
