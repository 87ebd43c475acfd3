/* ui/model.h: what the workstation shows, loaded off the input loop
 * (curses-free).
 *
 * One background job at a time (job.h): loading a snapshot of the
 * repo (session, plan with MT_POLICY_FAIL so conflicts stay pending, lock,
 * lease and its chain, backups, the merge log), or a writing run (finish
 * the merge with the operator's decisions, a fresh sync, a restore). Each
 * job opens its own session, so the main thread and the job never share a
 * libgit2 handle; the finished snapshot is handed to the main thread. */
#ifndef MEMTUI_UI_MODEL_H
#define MEMTUI_UI_MODEL_H

#include <stdbool.h>

#include "memtui/git/backups.h"
#include "memtui/config/config.h"
#include "memtui/coord/lease.h"
#include "memtui/coord/lock.h"
#include "memtui/git/remote_view.h"
#include "memtui/ops/history.h"
#include "memtui/ops/session.h"
#include "memtui/ops/status.h"
#include "memtui/ui/job.h"

struct mt_ui_snap {
    struct mt_session s;
    bool open;
    char *error;                     /* why the repo could not be read */
    struct mt_plan plan;
    bool have_plan;
    char *branch;
    char (*export_commit)[MT_OID_HEX];   /* per plan env: last change of its fragment */
    long long *export_time;
    char u_commit[MT_OID_HEX];       /* last change of memory.json */
    char **bad_line;                 /* per plan env: a quarantined fragment's offending
                                        line (cut to 400 bytes), NULL when none */
    bool dirty;                      /* tracked files of the clone differ from HEAD */
    struct mt_status status;         /* the local lock, the git lease and its chain */
    struct mt_backup *backups;
    size_t nbackups;
    char *backups_error;
    struct mt_history_entry *log;    /* the merge log (mt_history_read) */
    size_t nlog;
    double loaded_at;                /* mt_monotonic() */
    struct mt_plan_rows *plan_rows;  /* the plan view's rows, counted by the job */
    bool have_remote;                /* R: fetched (or tried to) before loading */
    struct mt_remote_view remote;
    size_t fetch_received, fetch_total;   /* objects, as the fetch last reported */
};

/* The plan view's index (view_plan.c): every entity and relation change of
 * the plan with the rows it shows, counted off the input loop by the load
 * job, so that the view builds only the rows on screen. */
struct mt_plan_rows;
struct mt_plan_rows *mt_plan_rows_count(const struct mt_plan *p);
void mt_plan_rows_free(struct mt_plan_rows *x);

/* The lease job, for the Locks panel to stay live: arg is the config
 * (borrowed), result a struct mt_ui_snap with only its status's lease part
 * set; mt_status_take_lease moves it into the shown snapshot. */
int mt_ui_lease_job(struct mt_job *j);

/* The load job: arg is the config (borrowed), result a struct mt_ui_snap.
 * Started as MT_JOB_FETCH (R), it first fetches the remote (remote-tracking
 * refs only, objects received shown as progress) and fills snap->remote. */
int mt_ui_load_job(struct mt_job *j);
void mt_ui_fetch_remote(struct mt_job *j, struct mt_ui_snap *s, const struct mt_config *cfg);
void mt_ui_snap_free(struct mt_ui_snap *s);

/* The Log panel's line for a merge that was a restore (what came back from
 * where), or NULL for a plain merge. Caller frees. */
char *mt_ui_log_restore_text(const struct mt_manifest *m);

/* Writing jobs (arg made by mt_ui_write_args; freed by the job). */
struct mt_ui_write_args {
    const struct mt_config *cfg;
    struct mt_intent intent;      /* merge: the plan's; restore: the ref and names */
    uint64_t break_token;         /* lease break: the token the operator saw */
};
/* A copy of the plan's intent (none when p is NULL) for a writing job. */
struct mt_ui_write_args *mt_ui_write_args(const struct mt_config *cfg, const struct mt_plan *p);
void mt_ui_write_args_free(struct mt_ui_write_args *a);   /* when no job took it */
/* The operations batch runs (ops.h), with the operator's intent: finish
 * the merge (a fresh plan resolved by the intent), sync, restore. */
int mt_ui_merge_job(struct mt_job *j);
/* A fresh sync (export, merge with --policy preserve, import). */
int mt_ui_sync_job(struct mt_job *j);
int mt_ui_restore_job(struct mt_job *j);
/* Break the git lease if it is still held with args->break_token, as
 * `memtui --batch lease break --token` does (lease_ops.h, logged). */
int mt_ui_lease_break_job(struct mt_job *j);

#endif
