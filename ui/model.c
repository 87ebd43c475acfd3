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
    for (size_t i = 0; s->bad_line && i < s->plan.nenvs; i++) free(s->bad_line[i]);   /* before the plan goes */
    free(s->bad_line);
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

/* The line a quarantine reason points at ("memory-x.json:LINE:COL: ..."),
 * read from the fragment's blob, so the operator sees what is wrong. */
static char *offending_line(struct mt_repo *r, const struct mt_env_plan *e)
{
    const char *at = e->reason ? strstr(e->reason, ".json:") : NULL;
    long line = at ? strtol(at + 6, NULL, 10) : 0;
    char *data = NULL, *out = NULL;
    size_t len = 0;
    struct mt_error err = {0};
    if (line <= 0 || !e->ref.blob[0] || e->ref.not_regular || mt_repo_blob_read(r, e->ref.blob, &data, &len, &err)) {
        mt_error_clear(&err);
        return NULL;
    }
    const char *p = data, *end = data + len;
    for (long k = 1; k < line && p; k++) {
        p = memchr(p, '\n', (size_t)(end - p));
        if (p) p++;
    }
    if (p && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)((nl ? nl : end) - p);
        out = xasprintf("%.*s%s", (int)(n > 400 ? 400 : n), p, n > 400 ? " ..." : "");
    }
    free(data);
    return out;
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
        s->bad_line = xcalloc(s->plan.nenvs + 1, sizeof(char *));
        for (size_t i = 0; i < s->plan.nenvs; i++)
            if (s->plan.envs[i].status == MT_FRAG_QUARANTINED) s->bad_line[i] = offending_line(s->s.repo, &s->plan.envs[i]);
        long long t;
        if (s->s.head[0] && mt_repo_last_change(s->s.repo, NULL, "memory.json", s->u_commit, &t, &err))
            mt_error_clear(&err);
    } else {
        s->error = mt_error_format(&err);
        mt_error_clear(&err);
    }
    if (mt_repo_is_dirty(s->s.repo, &s->dirty, &err)) mt_error_clear(&err);
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
