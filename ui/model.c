/* model.c: the load job: everything the panels show, read in the
 * background with progress (curses-free). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memtui/ui/model.h"

static void plan_progress(void *ctx, size_t done, size_t total, const char *env)
{
    mt_job_progress(ctx, done, total, "reading fragments: %zu/%zu (%s)", done, total, env ? env : "");
}

void mt_ui_snap_free(struct mt_ui_snap *s)
{
    if (!s) return;
    mt_plan_rows_free(s->plan_rows);
    if (s->have_plan) mt_plan_free(&s->plan);
    if (s->open) mt_session_close(&s->s);
    free(s->error);
    free(s->branch);
    free(s->export_commit);
    free(s->export_time);
    mt_status_free(&s->status);
    mt_backups_free(s->backups, s->nbackups);
    free(s->backups_error);
    mt_history_free(s->log, s->nlog);
    mt_remote_view_free(&s->remote);
    free(s);
}

static void load_local(struct mt_job *j, struct mt_ui_snap *s, const struct mt_config *cfg)
{
    struct mt_error err = {0};
    s->branch = mt_repo_branch(s->s.repo);
    mt_status_read_lock(&s->s, &s->status);   /* a file read, instant */
    mt_job_progress(j, 0, 0, "reading the plan");
    struct mt_plan_options opt = {.policy = MT_POLICY_FAIL, .allow_mass_delete = cfg->allow_mass_delete,
                                  .progress = plan_progress, .progress_ctx = j};
    if (mt_session_plan_load(&s->s, &s->plan, &opt, &err) == 0) {
        s->have_plan = true;
        mt_job_progress(j, 0, 0, "resolving the plan");
        mt_plan_resolve(&s->plan);
        s->plan_rows = mt_plan_rows_count(&s->plan);
        s->export_commit = xcalloc(s->plan.nenvs + 1, sizeof(*s->export_commit));
        s->export_time = xcalloc(s->plan.nenvs + 1, sizeof(*s->export_time));
        for (size_t i = 0; i < s->plan.nenvs && s->s.head[0]; i++) {
            char *name = xasprintf("memory-%s.json", s->plan.envs[i].ref.env);
            if (!s->plan.envs[i].synthetic &&
                mt_repo_last_change(s->s.repo, NULL, name, s->export_commit[i], &s->export_time[i], &err))
                mt_error_clear(&err);
            free(name);
        }
        long long t;
        if (s->s.head[0] && mt_repo_last_change(s->s.repo, NULL, "memory.json", s->u_commit, &t, &err))
            mt_error_clear(&err);
    } else {
        s->error = mt_error_format(&err);
        mt_error_clear(&err);
    }
    mt_job_progress(j, 0, 0, "reading backups");
    if (mt_backups_list(s->s.repo, &s->backups, &s->nbackups, &err)) {
        s->backups_error = mt_error_format(&err);
        mt_error_clear(&err);
    }
    mt_job_progress(j, 0, 0, "reading the merge log");
    if (s->s.head[0] && mt_history_read(s->s.repo, 50, &s->log, &s->nlog, &err)) mt_error_clear(&err);
}

/* The lease lives on the remote: a fetch, so last and never blocking. */
static void load_lease(struct mt_job *j, struct mt_ui_snap *s, const struct mt_config *cfg)
{
    mt_job_progress(j, 0, 0, "fetching the lease from %s", cfg->remote);
    mt_status_read_lease(&s->s, cfg->remote, 10, &s->status);
}

int mt_ui_lease_job(struct mt_job *j)
{
    const struct mt_config *cfg = j->arg;
    struct mt_ui_snap *s = xcalloc(1, sizeof(*s));
    mt_status_init(&s->status);
    struct mt_error err = {0};
    int rc = mt_session_open(&s->s, cfg, &err);
    if (!rc) load_lease(j, s, cfg);
    else s->status.lease_error = mt_error_format(&err);
    mt_error_clear(&err);
    mt_session_close(&s->s);
    j->result = s;
    return rc;
}

int mt_ui_load_job(struct mt_job *j)
{
    const struct mt_config *cfg = j->arg;
    struct mt_ui_snap *s = xcalloc(1, sizeof(*s));
    mt_status_init(&s->status);
    struct mt_error err = {0};
    mt_job_progress(j, 0, 0, "opening %s", cfg->repo);
    int rc = mt_session_open(&s->s, cfg, &err);
    if (rc) {
        s->error = mt_error_format(&err);
        mt_error_clear(&err);
        mt_session_close(&s->s);
    } else {
        s->open = true;
        if (mt_job_kind_info(j->kind)->fetches) mt_ui_fetch_remote(j, s, cfg);
        load_local(j, s, cfg);
        load_lease(j, s, cfg);
    }
    s->loaded_at = mt_monotonic();
    j->result = s;
    return rc;
}
