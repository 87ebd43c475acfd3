/* undo.c: the operator's decisions with undo (curses-free). */
#include <stdlib.h>
#include <string.h>

#include "memtui/ui/undo.h"

void mt_undo_init(struct mt_undo *u)
{
    memset(u, 0, sizeof(*u));
}

void mt_undo_entry_clear(struct mt_undo_entry *e)
{
    free(e->key);
    mt_entity_free(e->entity);
    free(e->label);
    memset(e, 0, sizeof(*e));
}

void mt_undo_free(struct mt_undo *u)
{
    for (size_t i = 0; i < u->n; i++) mt_undo_entry_clear(&u->v[i]);
    free(u->v);
    memset(u, 0, sizeof(*u));
}

void mt_undo_push(struct mt_undo *u, const char *key, enum mt_decision_kind kind, const struct mt_entity *e,
                  const char *label)
{
    MT_GROW(u->v, u->cap, u->n + 1);
    struct mt_undo_entry *x = &u->v[u->n++];
    x->key = xstrdup(key);
    x->kind = kind;
    x->entity = e ? mt_entity_clone(e) : NULL;
    x->label = label ? xstrdup(label) : NULL;
}

bool mt_undo_pop(struct mt_undo *u, struct mt_undo_entry *out)
{
    if (!u->n) return false;
    *out = u->v[--u->n];
    return true;
}

/* The decision the plan holds for key now, or NULL. */
static const struct mt_decision *current(const struct mt_plan *p, const char *key)
{
    for (size_t i = 0; i < p->ndecisions; i++)
        if (strcmp(p->decision_keys[i], key) == 0) return &p->decisions[i];
    return NULL;
}

void mt_ui_decide(struct mt_plan *p, struct mt_undo *u, const char *key, enum mt_decision_kind kind,
                  const struct mt_entity *e, const char *label)
{
    const struct mt_decision *d = current(p, key);
    if (d) mt_undo_push(u, key, d->kind, d->entity, d->label);
    else mt_undo_push(u, key, MT_DECIDE_NONE, NULL, NULL);
    mt_plan_decide(p, key, kind, e, label);
    mt_plan_resolve(p);
}

bool mt_ui_undo(struct mt_plan *p, struct mt_undo *u, char **key)
{
    struct mt_undo_entry e;
    if (!mt_undo_pop(u, &e)) return false;
    if (e.kind == MT_DECIDE_NONE) mt_plan_undecide(p, e.key);
    else mt_plan_decide(p, e.key, e.kind, e.entity, e.label);
    mt_plan_resolve(p);
    if (key) {
        *key = e.key;
        e.key = NULL;
    }
    mt_undo_entry_clear(&e);
    return true;
}
