/* model_write.c: the workstation's writing runs, off the input loop
 * (curses-free). They run the operations batch runs (ops.h: lock, remote,
 * lease, build, compare-and-swap push with retries), so a merge finished
 * here is one batch could have made, only with the operator's intent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memtui/base/audit.h"
#include "memtui/graph/fragment.h"
#include "memtui/base/fsutil.h"
#include "memtui/coord/lease_ops.h"
#include "memtui/coord/pending.h"
#include "memtui/ops/ops.h"
#include "memtui/config/settings.h"
#include "memtui/ui/model.h"

struct mt_ui_write_args *mt_ui_write_args(const struct mt_config *cfg, const struct mt_plan *p)
{
    struct mt_ui_write_args *a = xcalloc(1, sizeof(*a));
    a->cfg = cfg;
    mt_intent_copy(&a->intent, p ? &p->intent : NULL);
    return a;
}

void mt_ui_write_args_free(struct mt_ui_write_args *a)
{
    mt_intent_free(&a->intent);
    free(a);
}

static void plan_progress(void *ctx, size_t done, size_t total, const char *env)
{
    mt_job_progress(ctx, done, total, "reading fragments: %zu/%zu (%s)", done, total, env ? env : "");
}

static void step(void *ctx, const char *what, int attempt)
{
    struct mt_job *j = ctx;
    if (attempt > 1) mt_job_progress(j, 0, 0, "%s: %s (attempt %d)", j->name, what, attempt);
    else mt_job_progress(j, 0, 0, "%s: %s", j->name, what);
}

/* What went wrong, if anything, is the job's message (err is cleared). */
static void job_failed(struct mt_job *j, struct mt_error *err)
{
    if (err->msg) {
        free(j->message);
        char *m = mt_error_format(err);
        j->message = xasprintf("%s failed: %s", j->name, m);
        free(m);
    }
    mt_error_clear(err);
}

/* The job's message from what the operation did. */
static void say_done(struct mt_job *j, const struct mt_ui_write_args *a, enum mt_op_kind kind, int rc,
                     const struct mt_op_result *res, struct mt_error *err)
{
    const struct mt_plan *p = &res->plan;
    if (res->stash_kept && !err->msg)
        mt_error_set(err, "the work tree's changes did not re-apply: they are kept in the stash");
    if (rc == MT_EXIT_CONFLICTS && res->has_plan) {
        mt_error_clear(err);
        mt_error_set(err, "%zu conflict%s undecided in the newest plan (the remote moved?): refresh with R "
                          "and decide", mt_plan_pending(p), mt_plan_pending(p) == 1 ? " is" : "s are");
    }
    if (rc == MT_EXIT_OK && res->handed_off) {
        free(j->message);
        j->message = xasprintf("%s; the lease is held%s%s, whose merge folds it in; import at the next sync",
                               res->pushed ? "export published" : "nothing new to export",
                               res->holder[0] ? " by " : "", res->holder);
        return;
    }
    if ((rc != MT_EXIT_OK && rc != MT_EXIT_DEGRADED) || !res->has_plan) return;
    free(j->message);
    if (kind == MT_OP_RESTORE)
        j->message = xasprintf(res->committed ? "restored from %s: memory.json has %zu entities"
                                              : "nothing to restore from %s: HEAD has it all (%zu entities)",
                               a->intent.restore_ref, p->entities);
    else
        j->message = xasprintf("%s: %zu entities, %zu relations, %zu conflict%s resolved",
                               res->committed ? "merged" : "nothing new to merge", p->entities, p->relations,
                               p->nconflicts, p->nconflicts == 1 ? "" : "s");
}

/* An operation (ops.h) as batch runs it, with the operator's intent. */
static int run_op(struct mt_job *j, enum mt_op_kind kind, enum mt_policy policy)
{
    struct mt_ui_write_args *a = j->arg;
    struct mt_session s;
    struct mt_error err = {0};
    mt_job_progress(j, 0, 0, "%s: opening the repo", j->name);
    int rc = mt_session_open(&s, a->cfg, &err);
    if (!rc) {
        /* its human lines are events: the workstation's sink shows them */
        mt_audit_open(mt_repo_gitdir(s.repo), a->cfg->env, false);
        struct mt_op_request rq = {.kind = kind, .policy = policy, .allow_mass_delete = a->cfg->allow_mass_delete,
                                   .intent = &a->intent, .step = step, .progress = plan_progress, .ctx = j};
        struct mt_op_result res;
        rc = mt_op_run(&s, &rq, &res, &err);
        say_done(j, a, kind, rc, &res, &err);
        mt_op_result_free(&res);
        mt_audit_close();
    }
    mt_session_close(&s);  /* also after a failed open: it frees what open made */
    job_failed(j, &err);
    mt_ui_write_args_free(a);
    return rc;
}

int mt_ui_merge_job(struct mt_job *j)
{
    return run_op(j, MT_OP_MERGE, MT_POLICY_FAIL);
}

int mt_ui_sync_job(struct mt_job *j)
{
    struct mt_ui_write_args *a = j->arg;
    if (!a->cfg->memory_file) {   /* as batch sync: no file is made that no MCP server reads */
        free(j->message);
        j->message = xasprintf("sync refused: %s", a->cfg->settings->no_memory_file);
        mt_ui_write_args_free(a);
        return MT_EXIT_USAGE;
    }
    return run_op(j, MT_OP_SYNC, MT_POLICY_PRESERVE);
}

int mt_ui_restore_job(struct mt_job *j)
{
    return run_op(j, MT_OP_RESTORE, MT_POLICY_PRESERVE);
}

/* The break itself is lease_ops.c's, so batch and the workstation log it
 * alike; the reload that follows the job shows the new chain entry. */
int mt_ui_lease_break_job(struct mt_job *j)
{
    struct mt_ui_write_args *a = j->arg;
    struct mt_session s;
    struct mt_error err = {0};
    mt_job_progress(j, 0, 0, "break: breaking the lease held with token %llu", (unsigned long long)a->break_token);
    int rc = mt_session_open(&s, a->cfg, &err);
    if (!rc) {
        mt_audit_open(mt_repo_gitdir(s.repo), a->cfg->env, false);
        struct mt_lease_info broken, written;
        bool did = false;
        rc = mt_lease_ops_break(&s, a->break_token, &did, &broken, &written, &err);
        if (!rc) {
            char *was = mt_lease_describe(&broken);
            free(j->message);
            j->message = did ? xasprintf("broke the lease held by %s: entry %.10s, token %llu", was, written.tip,
                                         (unsigned long long)written.token)
                             : xasprintf("nothing to break: the lease is already released (%s)", was);
            free(was);
            mt_lease_info_clear(&broken);
            mt_lease_info_clear(&written);
        }
        mt_audit_close();
    }
    mt_session_close(&s);
    job_failed(j, &err);
    mt_ui_write_args_free(a);
    return rc;
}
