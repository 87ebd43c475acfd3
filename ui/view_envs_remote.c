/* view_envs_remote.c: the Envs panel's rows for the remote after R: how
 * far the clone is behind or ahead, and the remote's fragments that are
 * new, changed or gone there. */
#include <stdint.h>
#include <stdio.h>

#include "memtui/ui/app.h"

static enum mt_role state_role(const struct mt_remote_frag *f)
{
    if (f->problem) return MT_ROLE_DANGER;
    return f->state == MT_REMOTE_SAME ? MT_ROLE_DIM : MT_ROLE_CHANGED;
}

void mt_envs_remote_rows(struct mt_app *a, struct mt_rows *out)
{
    if (!a->snap || !a->snap->have_remote) return;
    const struct mt_remote_view *v = &a->snap->remote;
    mt_rows_line(out, MT_ROLE_DEFAULT, "%s", "")->idx = SIZE_MAX;
    if (v->error) mt_rows_line(out, MT_ROLE_DANGER, "fetch failed, the view may be stale: %s", v->error)->idx = SIZE_MAX;
    if (!v->have_tip) {
        mt_rows_line(out, MT_ROLE_DIM, "%s/main: none", v->remote)->idx = SIZE_MAX;
        return;
    }
    mt_rows_line(out, v->behind || v->ahead ? MT_ROLE_CHANGED : MT_ROLE_OK, "%s/main: %zu behind, %zu ahead (tip %.12s)",
                 v->remote, v->behind, v->ahead, v->tip)->idx = SIZE_MAX;
    for (size_t i = 0; i < v->nfrags; i++) {
        const struct mt_remote_frag *f = &v->frags[i];
        if (f->state == MT_REMOTE_SAME && !f->problem) continue;
        struct mt_row *r = mt_rows_add(out);
        r->idx = SIZE_MAX;
        mt_row_col(r, MT_ROLE_DEFAULT, 22, f->env);
        if (f->entities >= 0)
            mt_row_seg(r, MT_ROLE_DEFAULT, "%lld entities, %lld relations  ", f->entities, f->relations);
        mt_row_seg(r, state_role(f), "%s%s%s", mt_remote_state_words(f->state), f->problem ? ": " : "", f->problem ? f->problem : "");
    }
}
