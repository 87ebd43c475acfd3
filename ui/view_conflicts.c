/* view_conflicts.c: panel 4, the pending conflicts; Enter opens one. */
#include <stdio.h>

#include "memtui/ui/app.h"

/* One row per conflict: a frame builds only those on screen. */
static size_t count(struct mt_app *a, int width)
{
    (void)width;
    struct mt_plan *p = mt_app_plan(a);
    return !p ? 0 : p->nconflicts ? p->nconflicts : 1;
}

static void slice(struct mt_app *a, struct mt_rows *out, size_t from, size_t n, int width)
{
    (void)width;
    struct mt_plan *p = mt_app_plan(a);
    if (!p) return;
    if (!p->nconflicts) {
        if (from == 0 && n) mt_rows_line(out, MT_ROLE_OK, "no conflicts");
        return;
    }
    for (size_t i = from; i < p->nconflicts && i - from < n; i++) {
        const struct mt_conflict *c = &p->conflicts[i];
        struct mt_row *r = mt_rows_add(out);
        r->idx = i;
        mt_row_seg(r, c->decided ? MT_ROLE_OK : MT_ROLE_CONFLICT, "%s ", c->decided ? "decided" : "PENDING");
        mt_row_col(r, MT_ROLE_DEFAULT, 14, mt_conflict_kind_name(c->kind));
        mt_row_col(r, MT_ROLE_HEADER, 28, c->name);
        struct mt_buf b;
        mt_buf_init(&b);
        for (size_t k = 0; k < c->nenvs; k++) {
            if (k) mt_buf_adds(&b, ", ");
            mt_buf_adds(&b, p->envs[c->envs[k]].ref.env);
        }
        mt_row_col(r, MT_ROLE_DIM, 24, b.data ? b.data : "");
        mt_buf_free(&b);
        mt_row_seg(r, MT_ROLE_DIM, "%s", c->resolution ? c->resolution : "");
    }
}

static void rows(struct mt_app *a, struct mt_rows *out, int width)
{
    slice(a, out, 0, count(a, width), width);
}

static void enter(struct mt_app *a, const struct mt_row *r)
{
    struct mt_plan *p = mt_app_plan(a);
    if (p && r->idx < p->nconflicts) mt_app_open_conflict(a, r->idx);
}

const struct mt_view_ops mt_view_conflicts = {
    .name = "Conflicts", .rows = rows, .enter = enter, .count = count, .slice = slice};
