/* pending.h: conflicts an operator was asked to decide (`--policy fail`),
 * kept in <git dir>/memtui/pending.json until a merge commits (DESIGN 2:
 * they stay pending until an operator decides them; `status` reports them
 * as pending and `restore` never resolves them by a policy).
 *
 * Promises: a saved conflict still counts as pending while no merge has
 * been committed since it was saved (HEAD's manifest is the one it was
 * saved against: an export moves HEAD and leaves the manifest alone, every
 * merge, here or on another machine, rewrites it) and the plan still has a
 * conflict of the same kind on the same entity. A missing, unreadable or
 * outdated file means nothing is pending. Batch and workstation both go
 * through these functions. */
#ifndef MEMTUI_PENDING_H
#define MEMTUI_PENDING_H

#include "memtui/ops/session.h"

/* Save the conflicts of a plan that --policy fail left unresolved. */
int mt_pending_save(struct mt_session *s, const struct mt_plan *p, struct mt_error *err);
/* A merge was committed: what was pending has been decided. */
void mt_pending_clear(struct mt_session *s);
/* Mark (c->left_pending) the undecided conflicts of p that are still
 * pending; returns how many. */
size_t mt_pending_mark(struct mt_session *s, struct mt_plan *p);
/* For a plan that would resolve conflicts by a policy on its own (a
 * restore): MT_EXIT_CONFLICTS, with err saying which conflicts and what to
 * do, when any of them is still pending; else MT_EXIT_OK. */
int mt_pending_refuse(struct mt_session *s, struct mt_plan *p, const char *what, struct mt_error *err);

#endif
