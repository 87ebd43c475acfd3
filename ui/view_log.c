/* view_log.c: panel 6, merges as their manifests recorded them. */
#include <stdio.h>
#include <stdlib.h>

#include "memtui/ui/app.h"

static void rows(struct mt_app *a, struct mt_rows *out, int width)
{
    (void)width;
    struct mt_ui_snap *s = a->snap;
    if (!s || !s->open) return;
    if (!s->nlog) mt_rows_line(out, MT_ROLE_DIM, "no merges yet");
    for (size_t i = 0; i < s->nlog; i++) {
        const struct mt_history_entry *l = &s->log[i];
        char when[32];
        struct mt_row *r = mt_rows_add(out);
        mt_row_seg(r, MT_ROLE_HEADER, "%.10s", l->commit);
        mt_row_seg(r, MT_ROLE_DEFAULT, "  %s  by %s@%s pid %ld  token %lld  %s", l->m.run_time ? l->m.run_time : mt_fmt_time(l->time, when, sizeof when),
                   l->m.run_env ? l->m.run_env : "?", l->m.run_host ? l->m.run_host : "?", l->m.run_pid,
                   l->m.lease_token, l->m.policy ? l->m.policy : "");
        mt_rows_line(out, MT_ROLE_DIM, "    %zu entities, %zu relations, %zu observations; %zu fragments, %zu conflicts",
                     l->m.out_entities, l->m.out_relations, l->m.out_observations, l->m.nfrags, l->m.nconflicts);
        char *restore = mt_ui_log_restore_text(&l->m);
        if (restore) mt_rows_line(out, MT_ROLE_CHANGED, "    %s", restore);
        free(restore);
        for (size_t k = 0; k < l->m.nconflicts; k++) {
            const struct mt_manifest_conflict *c = &l->m.conflicts[k];
            struct mt_row *cr = mt_rows_add(out);
            mt_row_seg(cr, MT_ROLE_CONFLICT, "    %s %s", c->kind ? c->kind : "?", c->entity ? c->entity : "?");
            mt_row_seg(cr, MT_ROLE_DEFAULT, ": %s", c->resolution ? c->resolution : "");
        }
    }
}

const struct mt_view_ops mt_view_log = {.name = "Log", .rows = rows};
