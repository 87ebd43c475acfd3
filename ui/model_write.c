/* model_write.c: the workstation's writing runs, off the input loop
 * (curses-free). They run the one publishing loop batch runs (publish.h:
 * lock, remote, lease, build, compare-and-swap push with retries), so a
 * merge finished here is one batch could have made, only with the
 * operator's decisions applied by entity key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memtui/base/audit.h"
#include "memtui/graph/fragment.h"
#include "memtui/base/fsutil.h"
#include "memtui/coord/lease_ops.h"
#include "memtui/coord/pending.h"
#include "memtui/coord/publish.h"
#include "memtui/config/settings.h"
#include "memtui/ui/model.h"

enum { STEP_EXPORT = 1, STEP_MERGE = 2, STEP_SYNC = 4, STEP_RESTORE = 8 };

bool mt_ui_allow_deletes(struct mt_plan *p, const struct mt_ui_allowed *allowed, size_t n)
{
    bool changed = false;
    for (size_t k = 0; k < n; k++)
        for (size_t i = 0; i < p->nenvs; i++) {
            struct mt_env_plan *e = &p->envs[i];
            if (e->status == MT_FRAG_HELD && !e->synthetic && strcmp(e->ref.env, allowed[k].env) == 0 &&
                strcmp(e->sha256, allowed[k].sha256) == 0) {
                mt_plan_confirm_mass_delete(p, i);
                changed = true;
            }
        }
    return changed;
}

struct mt_ui_write_args *mt_ui_write_args(const struct mt_config *cfg, const struct mt_plan *p)
{
    struct mt_ui_write_args *a = xcalloc(1, sizeof(*a));
    a->cfg = cfg;
    if (!p) return a;
    a->allowed = xcalloc(p->nenvs + 1, sizeof(*a->allowed));
    for (size_t i = 0; i < p->nenvs; i++)
        if (p->envs[i].confirmed) {
            struct mt_ui_allowed *x = &a->allowed[a->nallowed++];
            snprintf(x->env, sizeof x->env, "%s", p->envs[i].ref.env);
            snprintf(x->sha256, sizeof x->sha256, "%s", p->envs[i].sha256);
        }
    a->dec = xcalloc(p->ndecisions + 1, sizeof(*a->dec));
    for (size_t i = 0; i < p->ndecisions; i++) {
        if (p->decisions[i].kind == MT_DECIDE_NONE) continue;
        struct mt_ui_decision *d = &a->dec[a->ndec++];
        d->key = xstrdup(p->decision_keys[i]);
        d->kind = p->decisions[i].kind;
        d->entity = p->decisions[i].entity ? mt_entity_clone(p->decisions[i].entity) : NULL;
        d->label = p->decisions[i].label ? xstrdup(p->decisions[i].label) : NULL;
    }
    return a;
}

void mt_ui_write_args_free(struct mt_ui_write_args *a)
{
    for (size_t i = 0; i < a->ndec; i++) {
        free(a->dec[i].key);
        mt_entity_free(a->dec[i].entity);
        free(a->dec[i].label);
    }
    free(a->dec);
    free(a->allowed);
    free(a->restore_ref);
    for (size_t i = 0; i < a->nrestore_names; i++) free(a->restore_names[i]);
    free(a->restore_names);
    free(a);
}

static void plan_progress(void *ctx, size_t done, size_t total, const char *env)
{
    mt_job_progress(ctx, done, total, "reading fragments: %zu/%zu (%s)", done, total, env ? env : "");
}

/* The merge proper on the current HEAD: a fresh plan, the decisions again. */
static int merge_step(struct mt_job *j, struct mt_session *s, const struct mt_ui_write_args *a, bool sync,
                      struct mt_error *err)
{
    struct mt_plan p;
    struct mt_plan_options opt = {.policy = sync ? MT_POLICY_PRESERVE : MT_POLICY_FAIL,
                                  .allow_mass_delete = a->cfg->allow_mass_delete,
                                  .progress = plan_progress, .progress_ctx = j};
    int rc = mt_session_plan_load(s, &p, &opt, err);
    if (rc) return rc;
    mt_ui_allow_deletes(&p, a->allowed, a->nallowed);
    for (size_t i = 0; i < a->ndec; i++)
        mt_plan_decide(&p, a->dec[i].key, a->dec[i].kind, a->dec[i].entity, a->dec[i].label);
    mt_plan_resolve(&p);
    if (!p.resolved) {
        mt_error_set(err, "%zu conflicts are undecided in the newest plan (the remote moved?): refresh with R "
                          "and decide them", mt_plan_pending(&p));
        mt_plan_free(&p);
        return MT_EXIT_CONFLICTS;
    }
    mt_job_progress(j, 0, 0, "writing, verifying and committing");
    bool imported = false, committed = false;
    struct mt_merge_opts mo = {.import_own = sync, .imported = &imported, .committed = &committed};
    rc = mt_session_commit_merge(s, &p, &mo, err);
    if (!rc) {
        mt_pending_clear(s);
        free(j->message);
        j->message = xasprintf("%s: %zu entities, %zu relations, %zu conflicts resolved",
                               committed ? "merged" : "nothing new to merge", p.entities, p.relations, p.nconflicts);
        if (mt_plan_has_quarantine(&p)) rc = MT_EXIT_DEGRADED;
        if (sync && !imported) {
            int irc = mt_session_import_after_merge(s, &p, &imported, err);
            if (irc) rc = irc;
        }
    }
    mt_plan_free(&p);
    return rc;
}

static int restore_step(struct mt_job *j, struct mt_session *s, const struct mt_ui_write_args *a,
                        struct mt_error *err)
{
    struct mt_plan p;
    struct mt_plan_options opt = {.progress = plan_progress, .progress_ctx = j};
    size_t restored = 0;
    mt_job_progress(j, 0, 0, "reading %s", a->restore_ref);
    int rc = mt_session_plan_restore(s, &p, &opt, a->restore_ref, a->restore_names, a->nrestore_names, &restored,
                                     err);
    if (rc) return rc;
    bool committed = false;
    struct mt_merge_opts mo = {.committed = &committed};
    mt_job_progress(j, 0, 0, "writing, verifying and committing");
    rc = mt_session_commit_merge(s, &p, &mo, err);
    if (!rc) {
        free(j->message);
        j->message = xasprintf(committed ? "restored from %s: memory.json has %zu entities"
                                         : "nothing to restore from %s: HEAD has it all (%zu entities)",
                               a->restore_ref, p.entities);
        mt_audit("restore", NULL, "restored %zu entities from %s (workstation)", restored, a->restore_ref);
    }
    mt_plan_free(&p);
    return rc;
}

struct run {
    struct mt_job *j;
    const struct mt_ui_write_args *a;
    int steps;
};

static int prepare(void *ctx, struct mt_session *s, struct mt_error *err)
{
    struct run *r = ctx;
    bool exported = false;
    if (!(r->steps & STEP_EXPORT) || !mt_file_exists(r->a->cfg->memory_file)) return MT_EXIT_OK;
    mt_job_progress(r->j, 0, 0, "%s: exporting %s", r->j->kind, r->a->cfg->memory_file);
    return mt_session_export(s, NULL, &exported, err);
}

static int build(void *ctx, struct mt_session *s, struct mt_error *err)
{
    struct run *r = ctx;
    if (r->steps & STEP_RESTORE) return restore_step(r->j, s, r->a, err);
    return merge_step(r->j, s, r->a, r->steps & STEP_SYNC, err);
}

static void note(void *ctx, const char *what, int attempt)
{
    struct run *r = ctx;
    if (attempt > 1) mt_job_progress(r->j, 0, 0, "%s: %s (attempt %d)", r->j->kind, what, attempt);
    else mt_job_progress(r->j, 0, 0, "%s: %s", r->j->kind, what);
}

/* What went wrong, if anything, is the job's message (err is cleared). */
static void job_failed(struct mt_job *j, struct mt_error *err)
{
    if (err->msg) {
        free(j->message);
        char *m = mt_error_format(err);
        j->message = xasprintf("%s failed: %s", j->kind, m);
        free(m);
    }
    mt_error_clear(err);
}

/* The shared publishing loop (publish.h) with the workstation's steps. */
static int publish(struct mt_job *j, int steps)
{
    struct mt_ui_write_args *a = j->arg;
    struct mt_session s;
    struct mt_error err = {0};
    mt_job_progress(j, 0, 0, "%s: opening the repo", j->kind);
    int rc = mt_session_open(&s, a->cfg, &err);
    if (!rc) {
        /* quiet: the audit log is written, but nothing goes to the screen's stderr */
        mt_audit_open(mt_repo_gitdir(s.repo), a->cfg->env, true);
        struct run r = {j, a, steps};
        struct mt_publish_ops ops = {.ctx = &r, .prepare = prepare, .build = build, .note = note};
        struct mt_publish_result res;
        rc = mt_publish(&s, &ops, &res, &err);
        if (res.stash_kept && !err.msg)
            mt_error_set(&err, "the work tree's changes did not re-apply: they are kept in the stash");
        mt_audit_close();
    }
    mt_session_close(&s);  /* also after a failed open: it frees what open made */
    job_failed(j, &err);
    mt_ui_write_args_free(a);
    return rc;
}

int mt_ui_merge_job(struct mt_job *j)
{
    return publish(j, STEP_MERGE);
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
    return publish(j, STEP_EXPORT | STEP_MERGE | STEP_SYNC);
}

int mt_ui_restore_job(struct mt_job *j)
{
    return publish(j, STEP_RESTORE);
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
        mt_audit_open(mt_repo_gitdir(s.repo), a->cfg->env, true);
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
