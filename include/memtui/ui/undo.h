/* ui/undo.h: the conflict view's undo stack (curses-free).
 *
 * Every operator decision first records what the plan held for that
 * entity before (a decision or none); undo puts exactly that back. */
#ifndef MEMTUI_UI_UNDO_H
#define MEMTUI_UI_UNDO_H

#include <stdbool.h>
#include <stddef.h>

#include "memtui/merge/plan.h"

struct mt_undo_entry {
    char *key;                     /* entity key */
    enum mt_decision_kind kind;    /* MT_DECIDE_NONE: there was no decision */
    struct mt_entity *entity;      /* owned clone, or NULL */
    char *label;
};

struct mt_undo {
    struct mt_undo_entry *v;
    size_t n, cap;
};

void mt_undo_init(struct mt_undo *u);
void mt_undo_free(struct mt_undo *u);
void mt_undo_push(struct mt_undo *u, const char *key, enum mt_decision_kind kind, const struct mt_entity *e,
                  const char *label);
/* Pop the newest entry into *out (the caller clears it). */
bool mt_undo_pop(struct mt_undo *u, struct mt_undo_entry *out);
void mt_undo_entry_clear(struct mt_undo_entry *e);

/* Decide through the engine, remembering the previous state for undo,
 * then resolve again. */
void mt_ui_decide(struct mt_plan *p, struct mt_undo *u, const char *key, enum mt_decision_kind kind,
                  const struct mt_entity *e, const char *label);
/* Undo the newest decision (and resolve); false when there is none. The
 * key undone goes to *key (caller frees) when key is not NULL. */
bool mt_ui_undo(struct mt_plan *p, struct mt_undo *u, char **key);

#endif
