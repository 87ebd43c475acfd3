/* view_envs.c: panel 1, one row per fragment. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void rows(struct mt_app *a, struct mt_rows *out, int width)
{
    (void)width;
    struct mt_plan *p = mt_app_plan(a);
    if (!p) return;
    /* the status says most: the name column is only as wide as the names */
    int envw = 5;
    for (size_t i = 0; i < p->nenvs; i++) {
        size_t w;
        mt_text_fit(p->envs[i].ref.env, strlen(p->envs[i].ref.env), SIZE_MAX, &w);
        if ((int)w + 2 > envw) envw = w + 2 > 20 ? 20 : (int)w + 2;
    }
    struct mt_row *h = mt_rows_add(out);
    h->idx = SIZE_MAX;
    mt_row_col(h, MT_ROLE_HEADER, envw, "ENV");
    mt_row_col(h, MT_ROLE_HEADER, 9, "ENTITIES");
    mt_row_col(h, MT_ROLE_HEADER, 10, "RELATIONS");
    mt_row_col(h, MT_ROLE_HEADER, 8, "OBS");
    mt_row_col(h, MT_ROLE_HEADER, 25, "LAST EXPORT");
    mt_row_col(h, MT_ROLE_HEADER, 14, "SHA-256");
    mt_row_seg(h, MT_ROLE_HEADER, "STATUS");
    for (size_t i = 0; i < p->nenvs; i++) {
        const struct mt_env_plan *e = &p->envs[i];
        if (e->synthetic) continue;
        struct mt_row *r = mt_rows_add(out);
        r->idx = i;
        char n[32], t[64], when[32];
        mt_row_col(r, MT_ROLE_DEFAULT, envw, e->ref.env);
        bool known = e->status != MT_FRAG_QUARANTINED && e->status != MT_FRAG_ABSENT;
        /* an unchanged fragment is not read: its counts are the manifest's */
        size_t ne = e->status == MT_FRAG_UNCHANGED ? e->ref.m_entities : e->entities;
        size_t nr = e->status == MT_FRAG_UNCHANGED ? e->ref.m_relations : e->relations;
        size_t no = e->status == MT_FRAG_UNCHANGED ? e->ref.m_observations : e->observations;
        snprintf(n, sizeof n, "%zu", ne);
        mt_row_col(r, MT_ROLE_DEFAULT, 9, known ? n : "-");
        snprintf(n, sizeof n, "%zu", nr);
        mt_row_col(r, MT_ROLE_DEFAULT, 10, known ? n : "-");
        snprintf(n, sizeof n, "%zu", no);
        mt_row_col(r, MT_ROLE_DEFAULT, 8, known ? n : "-");
        const char *commit = a->snap->export_commit ? a->snap->export_commit[i] : "";
        snprintf(t, sizeof t, "%s %.7s", mt_fmt_time(a->snap->export_time ? a->snap->export_time[i] : 0, when, sizeof when),
                 commit);
        mt_row_col(r, MT_ROLE_DIM, 25, t);
        const char *sha = e->sha256[0] ? e->sha256 : e->ref.m_sha256;
        snprintf(t, sizeof t, "%.12s", sha[0] ? sha : "-");
        mt_row_col(r, MT_ROLE_DIM, 14, t);
        mt_row_seg(r, status_role(e->status), "%s%s", status_text(e->status),
                   e->confirmed ? " (mass deletion let through)" : "");
        if (e->reason) mt_rows_line(out, MT_ROLE_DANGER, "    %s", e->reason)->idx = i;
    }
    if (!p->nenvs) mt_rows_line(out, MT_ROLE_DIM, "no fragments yet: run memtui --batch export on each machine");
    mt_envs_remote_rows(a, out);
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

const struct mt_view_ops mt_view_envs = {.name = "Environments", .rows = rows, .key = key};
