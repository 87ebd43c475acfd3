/* view_envs.c: panel 1, one row per fragment. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memtui/ops/session.h"
#include "memtui/ui/app.h"
#include "memtui/ui/text.h"

static enum mt_role status_role(enum mt_frag_status s)
{
    switch (s) {
    case MT_FRAG_QUARANTINED:
    case MT_FRAG_HELD: return MT_ROLE_DANGER;
    case MT_FRAG_CHANGED:
    case MT_FRAG_NEW: return MT_ROLE_CHANGED;
    case MT_FRAG_ABSENT: return MT_ROLE_DIM;
    default: return MT_ROLE_OK;
    }
}

static const char *status_text(enum mt_frag_status s)
{
    switch (s) {
    case MT_FRAG_UNCHANGED: return "merged";
    case MT_FRAG_CHANGED: return "changed since last merge";
    case MT_FRAG_NEW: return "new (never merged)";
    case MT_FRAG_QUARANTINED: return "quarantined";
    case MT_FRAG_HELD: return "held back: mass deletion";
    case MT_FRAG_ABSENT: return "left the repo (data kept)";
    }
    return "?";
}

/* Columns after ENV, in the order they are given up when the screen is
 * narrow: the checksum first, the status never. */
enum col { C_ENTITIES, C_RELATIONS, C_OBS, C_EXPORT, C_SHA, NCOLS };
static const struct {
    const char *title;
    int width;
} COLS[NCOLS] = {{"ENTITIES", 9}, {"RELATIONS", 10}, {"OBS", 8}, {"LAST EXPORT", 25}, {"SHA-256", 14}};
static const enum col DROP_ORDER[NCOLS] = {C_SHA, C_OBS, C_RELATIONS, C_EXPORT, C_ENTITIES};
enum { STATUS_MIN = 26 };

static void pick_columns(int width, int envw, bool shown[NCOLS])
{
    int used = envw + STATUS_MIN;
    for (int c = 0; c < NCOLS; c++) {
        shown[c] = true;
        used += COLS[c].width;
    }
    for (int k = 0; k < NCOLS && used > width; k++) {
        shown[DROP_ORDER[k]] = false;
        used -= COLS[DROP_ORDER[k]].width;
    }
}

static int env_width(const struct mt_plan *p)
{
    /* the status says most: the name column is only as wide as the names */
    int envw = 5;
    for (size_t i = 0; i < p->nenvs; i++) {
        size_t w;
        mt_text_fit(p->envs[i].ref.env, strlen(p->envs[i].ref.env), SIZE_MAX, &w);
        if ((int)w + 2 > envw) envw = w + 2 > 20 ? 20 : (int)w + 2;
    }
    return envw;
}

/* An unchanged fragment is not read: its counts are the manifest's. */
static void counts(const struct mt_env_plan *e, size_t n[3])
{
    bool same = e->status == MT_FRAG_UNCHANGED;
    n[0] = same ? e->ref.m_entities : e->entities;
    n[1] = same ? e->ref.m_relations : e->relations;
    n[2] = same ? e->ref.m_observations : e->observations;
}

static void env_row(struct mt_app *a, struct mt_rows *out, size_t i, int envw, const bool shown[NCOLS])
{
    const struct mt_env_plan *e = &mt_app_plan(a)->envs[i];
    struct mt_row *r = mt_rows_add(out);
    r->idx = i;
    char t[64], when[32];
    mt_row_col(r, MT_ROLE_DEFAULT, envw, e->ref.env);
    bool known = e->status != MT_FRAG_QUARANTINED && e->status != MT_FRAG_ABSENT;
    size_t n[3];
    counts(e, n);
    for (int c = C_ENTITIES; c <= C_OBS; c++) {
        snprintf(t, sizeof t, "%zu", n[c]);
        if (shown[c]) mt_row_col(r, MT_ROLE_DEFAULT, COLS[c].width, known ? t : "-");
    }
    const char *commit = a->snap->export_commit ? a->snap->export_commit[i] : "";
    snprintf(t, sizeof t, "%s %.7s", mt_fmt_time(a->snap->export_time ? a->snap->export_time[i] : 0, when, sizeof when),
             commit);
    if (shown[C_EXPORT]) mt_row_col(r, MT_ROLE_DIM, COLS[C_EXPORT].width, t);
    const char *sha = e->sha256[0] ? e->sha256 : e->ref.m_sha256;
    snprintf(t, sizeof t, "%.12s", sha[0] ? sha : "-");
    if (shown[C_SHA]) mt_row_col(r, MT_ROLE_DIM, COLS[C_SHA].width, t);
    mt_row_seg(r, status_role(e->status), "%s%s", status_text(e->status),
               e->confirmed ? " (mass deletion let through)" : "");
    if (e->reason) mt_rows_line(out, MT_ROLE_DANGER, "    %s", e->reason)->idx = i;
}

static void rows(struct mt_app *a, struct mt_rows *out, int width)
{
    struct mt_plan *p = mt_app_plan(a);
    if (!p) return;
    int envw = env_width(p);
    bool shown[NCOLS];
    pick_columns(width, envw, shown);
    struct mt_row *h = mt_rows_add(out);
    h->idx = SIZE_MAX;
    mt_row_col(h, MT_ROLE_HEADER, envw, "ENV");
    for (int c = 0; c < NCOLS; c++)
        if (shown[c]) mt_row_col(h, MT_ROLE_HEADER, COLS[c].width, COLS[c].title);
    mt_row_seg(h, MT_ROLE_HEADER, "STATUS");
    for (size_t i = 0; i < p->nenvs; i++)
        if (!p->envs[i].synthetic) env_row(a, out, i, envw, shown);
    if (!p->nenvs) mt_rows_line(out, MT_ROLE_DIM, "no fragments yet: run memtui --batch export on each machine");
    if (a->snap->dirty)
        mt_rows_line(out, MT_ROLE_CHANGED, "the clone %s has uncommitted changes: memtui stashes them before it "
                     "writes and puts them back after (memtui --batch backups lists the stashes)", a->cfg->repo)->idx =
            SIZE_MAX;
    mt_envs_remote_rows(a, out);
}

/* The commits that changed the fragment (its exports), read by a job. */
static int exports_job(struct mt_job *j)
{
    enum { EXPORTS = 20, LOOK_AT = 2000 };
    struct mt_ui_page *pg = j->arg;
    j->result = pg;
    mt_job_progress(j, 0, 0, "reading the exports of %s", pg->subject);
    struct mt_session s;
    struct mt_error err = {0};
    struct mt_path_change *c = NULL;
    size_t n = 0;
    int rc = mt_session_open(&s, pg->cfg, &err);
    if (!rc) rc = mt_repo_path_changes(s.repo, NULL, pg->subject, EXPORTS, LOOK_AT, &c, &n, &err);
    mt_session_close(&s);
    mt_rows_line(&pg->rows, MT_ROLE_HEADER, "Commits that changed it (its exports), newest first");
    char when[32];
    for (size_t i = 0; i < n; i++)
        mt_rows_line(&pg->rows, MT_ROLE_DEFAULT, "%s  %.10s  %s", mt_fmt_time(c[i].time, when, sizeof when), c[i].commit,
                     c[i].summary);
    bool failed = rc && rc != MT_REPO_NOTFOUND;
    if (!n) mt_rows_line(&pg->rows, failed ? MT_ROLE_DANGER : MT_ROLE_DIM, "none found in the last %d commits%s%s",
                         LOOK_AT, failed ? ": " : "", failed && err.msg ? err.msg : "");
    mt_path_changes_free(c, n);
    mt_error_clear(&err);
    return MT_EXIT_OK;
}

/* Enter: the fragment in full: what it holds, why it is quarantined (with
 * the offending line), and every merge that read it, newest first, with the
 * checksum it had then. */
static void enter(struct mt_app *a, const struct mt_row *row)
{
    struct mt_plan *p = mt_app_plan(a);
    if (!p || row->idx >= p->nenvs) return;
    size_t i = row->idx;
    const struct mt_env_plan *e = &p->envs[i];
    struct mt_rows rs = {0};
    char when[32], cnt[96];
    size_t n[3];
    counts(e, n);
    mt_rows_line(&rs, status_role(e->status), "status: %s%s", status_text(e->status),
                 e->confirmed ? " (mass deletion let through)" : "");
    if (e->reason) mt_rows_line(&rs, MT_ROLE_DANGER, "why: %s", e->reason);
    if (a->snap->bad_line && a->snap->bad_line[i]) mt_rows_line(&rs, MT_ROLE_DANGER, "the line: %s", a->snap->bad_line[i]);
    if (e->status != MT_FRAG_QUARANTINED && e->status != MT_FRAG_ABSENT)
        mt_rows_line(&rs, MT_ROLE_DEFAULT, "holds: %s", mt_counts_text(cnt, sizeof cnt, n[0], n[1], n[2]));
    if (e->sha256[0]) mt_rows_line(&rs, MT_ROLE_DEFAULT, "sha-256 now: %s", e->sha256);
    if (e->ref.m_sha256[0]) mt_rows_line(&rs, MT_ROLE_DEFAULT, "sha-256 at the last merge: %s", e->ref.m_sha256);
    if (a->snap->export_commit && a->snap->export_commit[i][0])
        mt_rows_line(&rs, MT_ROLE_DEFAULT, "last export: %s, commit %s",
                     mt_fmt_time(a->snap->export_time[i], when, sizeof when), a->snap->export_commit[i]);
    if (e->delta.deletions)
        mt_rows_line(&rs, MT_ROLE_DEFAULT, "since the last merge: %zu entities deleted", e->delta.deletions);
    mt_rows_line(&rs, MT_ROLE_HEADER, "Merges that read it, newest first (checksum and counts as merged)");
    size_t seen = 0;
    for (size_t k = 0; k < a->snap->nlog; k++) {
        const struct mt_history_entry *h = &a->snap->log[k];
        const struct mt_frag_ref *f = mt_manifest_find(&h->m, e->ref.env);
        if (!f) continue;
        const char *st = h->m.frag_status ? h->m.frag_status[f - h->m.frags] : "merged";
        mt_rows_line(&rs, MT_ROLE_DEFAULT, "%s  %.10s  %.12s  %s  %s", mt_fmt_time(h->time, when, sizeof when),
                     h->commit, f->m_sha256[0] ? f->m_sha256 : "-",
                     mt_counts_text(cnt, sizeof cnt, f->m_entities, f->m_relations, f->m_observations), st);
        seen++;
    }
    if (!seen) mt_rows_line(&rs, MT_ROLE_DIM, "no merge has read it yet");
    struct mt_ui_page *pg = xcalloc(1, sizeof(*pg));
    pg->cfg = a->cfg;
    pg->subject = xasprintf("memory-%s.json", e->ref.env);
    pg->title = xasprintf("Fragment memory-%s.json (env %s)", e->ref.env, e->ref.env);
    pg->rows = rs;
    mt_app_page_job(a, pg, exports_job);
}

/* D on a held-back environment: its mass deletion, once confirmed, goes
 * into the plan (and into the merge, for these fragment bytes only). */
static unsigned key(struct mt_app *a, enum mt_action act)
{
    if (act != MT_ACT_ALLOW_DELETE) return MT_KEY_IGNORED;
    struct mt_plan *p = mt_app_plan(a);
    struct mt_rows rs = {0};
    rows(a, &rs, a->width);
    size_t c = a->cursor[MT_VIEW_ENVS], i = c < rs.n ? rs.v[c].idx : SIZE_MAX;
    mt_rows_clear(&rs);
    if (!p || i >= p->nenvs || p->envs[i].status != MT_FRAG_HELD) {
        mt_app_set_message(a, true, "D: select an environment held back by the mass-deletion guard");
        return MT_KEY_HANDLED;
    }
    free(a->confirm_arg);
    a->confirm_arg = xstrdup(p->envs[i].ref.env);
    a->confirm = MT_CONFIRM_MASS_DELETE;
    return MT_KEY_HANDLED | MT_KEY_ASK;
}

const struct mt_view_ops mt_view_envs = {
    .name = "Environments", .rows = rows, .enter = enter, .key = key, .header_rows = 1};
