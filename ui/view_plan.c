/* view_plan.c: panel 3, what the next merge would do, entity by entity
 * ("@ entity" then -/+ lines), filtered with '/'. */
#include <stdio.h>
#include <string.h>

#include "memtui/ui_app.h"

static bool wanted(const struct mt_app *a, const char *name)
{
    return !a->filter || !*a->filter || strstr(name, a->filter);
}

static void envs_text(const struct mt_plan *p, const size_t *envs, size_t n, struct mt_buf *b)
{
    for (size_t i = 0; i < n; i++) {
        if (i) mt_buf_adds(b, ", ");
        mt_buf_adds(b, p->envs[envs[i]].ref.env);
    }
}

/* With conflicts pending the engine builds no result: show each env's
 * delta instead, so the operator still sees what is coming. */
static void deltas(struct mt_app *a, const struct mt_plan *p, struct mt_rows *out)
{
    for (size_t e = 0; e < p->nenvs; e++) {
        const struct mt_delta *d = &p->envs[e].delta;
        for (size_t k = 0; k < d->nents; k++) {
            const struct mt_ent_delta *x = &d->ents[k];
            const struct mt_entity *any = x->f ? x->f : x->m;
            if (!wanted(a, any->name)) continue;
            mt_rows_entity_diff(out, any->name, x->m, x->f, p->envs[e].ref.env, x->key);
        }
    }
}

static void rows(struct mt_app *a, struct mt_rows *out, int width)
{
    (void)width;
    struct mt_plan *p = mt_app_plan(a);
    if (!p) return;
    if (a->filter && *a->filter) mt_rows_line(out, MT_ROLE_SEARCH, "filter: %s", a->filter);
    if (!p->resolved) {
        mt_rows_line(out, MT_ROLE_CONFLICT, "%zu conflicts pending: decide them (panel 4) to see the result; "
                                            "changes by environment:", mt_plan_pending(p));
        deltas(a, p, out);
        return;
    }
    mt_rows_line(out, MT_ROLE_DIM, "result: %zu entities, %zu relations, %zu observations; %zu entities change",
                 p->entities, p->relations, p->observations, p->nchanges);
    for (size_t i = 0; i < p->nchanges; i++) {
        const struct mt_change *c = &p->changes[i];
        const struct mt_entity *any = c->after ? c->after : c->before;
        if (!any || !wanted(a, any->name)) continue;
        struct mt_buf who;
        mt_buf_init(&who);
        envs_text(p, c->envs, c->nenvs, &who);
        mt_rows_entity_diff(out, any->name, c->before, c->after, who.data, c->key);
        mt_buf_free(&who);
    }
    bool head = false;
    for (size_t i = 0; i < p->nrel_changes; i++) {
        const struct mt_rel_change *r = &p->rel_changes[i];
        if (!wanted(a, r->rel->from) && !wanted(a, r->rel->to)) continue;
        if (!head) mt_rows_line(out, MT_ROLE_HEADER, "@ relations");
        head = true;
        struct mt_buf who;
        mt_buf_init(&who);
        envs_text(p, r->envs, r->nenvs, &who);
        struct mt_row *row = mt_rows_add(out);
        mt_row_seg(row, r->added ? MT_ROLE_ADDED : MT_ROLE_REMOVED, "%c %s -[%s]-> %s", r->added ? '+' : '-',
                   r->rel->from, r->rel->rtype, r->rel->to);
        mt_row_seg(row, MT_ROLE_DIM, "  [%s]%s", who.data ? who.data : "", r->cascade ? " (end deleted)" : "");
        mt_buf_free(&who);
    }
    if (!p->nchanges && !p->nrel_changes) mt_rows_line(out, MT_ROLE_OK, "nothing to merge: memory.json is up to date");
}

/* Enter on an entity in conflict opens the conflict view. */
static void enter(struct mt_app *a, const struct mt_row *r)
{
    struct mt_plan *p = mt_app_plan(a);
    if (!p || !r->ref) return;
    for (size_t i = 0; i < p->nconflicts; i++)
        if (strcmp(p->conflicts[i].key, r->ref) == 0) {
            mt_app_open_conflict(a, i);
            return;
        }
    mt_app_set_message(a, false, "no conflict on this entity");
}

const struct mt_view_ops mt_view_plan = {"Plan", rows, enter, NULL};
