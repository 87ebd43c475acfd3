/* safety.h: what memtui does before it touches the backup repo's history or
 * work tree, so nothing is ever lost (DESIGN 3.3):
 * - uncommitted changes (and untracked files) are stashed with a message
 *   naming env and time, and re-applied afterwards; a stash that does not
 *   re-apply cleanly is kept, never dropped;
 * - a local tip that is about to be replaced is first kept on a branch
 *   memtui/backup/<env>/<UTC time>;
 * - stale index.lock / ref .lock files left by a killed run are removed only
 *   when provably stale (older than any live memtui under our own lock).
 * Everything through libgit2. */
#ifndef MEMTUI_SAFETY_H
#define MEMTUI_SAFETY_H

#include <stdbool.h>

#include "memtui/git/repo.h"

/* Stash the work tree if it has changes; *stashed tells whether it did.
 * A symlink on disk where git has a file (or on the way to one) is refused
 * (-1, naming it, nothing touched): libgit2 would write through it. */
int mt_stash_push(struct mt_repo *r, const char *env, bool *stashed, char oid[MT_OID_HEX], struct mt_error *err);
/* Re-apply the stash made by mt_stash_push (found by its id) and drop it.
 * Returns 0; 1 when it did not apply cleanly (the stash is kept, err says
 * so); -1 on failure. */
int mt_stash_pop(struct mt_repo *r, const char *oid, struct mt_error *err);

/* Keep `oid` on memtui/backup/<env>/<UTC time>; name receives the branch. */
int mt_backup_branch(struct mt_repo *r, const char *env, const char *oid, char **name, struct mt_error *err);

/* Move the current branch to `oid` and make the work tree match. Only call
 * after the old tip is on a ref and the work tree is stashed. */
int mt_reset_to(struct mt_repo *r, const char *oid, struct mt_error *err);

/* Remove lock files a killed run left behind (call holding the local lock):
 * <git dir>/index.lock and any ref lock under refs/ older than `older_than_s` seconds.
 * Reports each one through the audit log. */
void mt_clear_stale_git_locks(struct mt_repo *r, double older_than_s);
/* Does any process on this machine hold the file open? (/proc) */
bool mt_file_in_use(const char *path);

#endif
