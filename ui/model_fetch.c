/* model_fetch.c: R's fetch, in the load job (curses-free): remote-tracking
 * refs, with libgit2's objects received/total as the job's progress; then
 * the backups on the remote into their mirror (backup_refs.h). */
#include <stdio.h>
#include <string.h>

#include "memtui/base/audit.h"
#include "memtui/git/backup_refs.h"
#include "memtui/ui/app.h"
#include "memtui/ui/model.h"

struct fetch_ctx {
    struct mt_job *j;
    struct mt_ui_snap *s;
    const char *remote;
};

static void on_progress(void *ctx, size_t received, size_t total)
{
    struct fetch_ctx *c = ctx;
    c->s->fetch_received = received;
    c->s->fetch_total = total;
    mt_job_progress(c->j, received, total, "fetching %s: %zu/%zu objects", c->remote, received, total);
}

void mt_ui_fetch_remote(struct mt_job *j, struct mt_ui_snap *s, const struct mt_config *cfg)
{
    struct fetch_ctx c = {j, s, cfg->remote};
    mt_job_progress(j, 0, 0, "fetching %s", cfg->remote);
    s->have_remote = true;
    if (mt_remote_view_fetch(s->s.repo, cfg->remote, on_progress, &c, &s->remote)) return;
    mt_job_progress(j, 0, 0, "fetching the backups on %s", cfg->remote);
    struct mt_error e = {0};
    if (mt_backup_refs_sync(s->s.repo, cfg->remote, false, &e))
        mt_warn("backups on %s not fetched (the panel shows them as last fetched): %s", cfg->remote,
                e.msg ? e.msg : "?");
    mt_error_clear(&e);
}

void mt_app_fetch_message(struct mt_app *a)
{
    const struct mt_ui_snap *s = a->snap;
    if (!s || !s->open || !s->have_remote) return;   /* the repo's own error is shown */
    const struct mt_remote_view *v = &s->remote;
    if (v->error)
        mt_app_set_message(a, true, "fetch failed, the view may be stale: %s", v->error);
    else if (!v->have_tip)
        mt_app_set_message(a, false, "fetched %s: it has no main yet", v->remote);
    else
        mt_app_set_message(a, false, "fetched %s: %zu/%zu objects; %zu behind, %zu ahead", v->remote,
                           s->fetch_received, s->fetch_total, v->behind, v->ahead);
}
