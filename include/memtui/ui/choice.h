/* ui/choice.h: what an operator's choice in the conflict view keeps and
 * what it loses (curses-free, unit-tested).
 *
 * Promises (DESIGN 2): choosing a side's type keeps the observations the
 * engine's preserve rule keeps (the union of every side's, in the engine's
 * order); only taking a side exactly as it is, or deleting the entity,
 * loses anything, and the questions built here name what. */
#ifndef MEMTUI_UI_CHOICE_H
#define MEMTUI_UI_CHOICE_H

#include <stddef.h>

#include "memtui/merge/plan.h"

/* X with side's type and everything else of keep (the conflict's preserve
 * result): a new entity, NULL when either is NULL. */
struct mt_entity *mt_choice_type_of(const struct mt_entity *keep, const struct mt_entity *side);
/* Into out (initialised here): the observations that taking side `side`
 * of c exactly as it is would lose: those of the preserve result and of
 * every other side, in that order, that the side lacks. */
void mt_choice_dropped(const struct mt_conflict *c, size_t side, struct mt_strset *out);
/* The y/n question for taking who's version of name exactly: the dropped
 * observations counted, then listed in quotes as far as cols columns allow
 * ("... (+N more)"); cols 0: no limit. */
char *mt_choice_drop_question(const char *who, const char *name, const struct mt_strset *dropped, size_t cols);
/* The y/n question for deleting the entity name (keep: what the preserve
 * result would have kept of it, may be NULL). */
char *mt_choice_delete_question(const char *name, const struct mt_entity *keep);

#endif
