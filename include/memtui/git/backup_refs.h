/* backup_refs.h: backup branches on the remote (DESIGN 3.3, 3.5).
 *
 * A backup branch refs/heads/memtui/backup/<env>/<time> of this clone is
 * pushed to the remote as refs/memtui/backups/<env>/<time>, a namespace a
 * plain clone does not fetch. What the remote holds there is fetched into
 * this clone as refs/memtui/remote-backups/<env>/<time> (the mirror).
 *
 * Promises:
 * - every push and fetch is best effort: a failure is returned (and said),
 *   never fatal to the caller's run; the local branch stays either way;
 * - a push only creates a remote ref that does not exist (compare-and-swap
 *   against "absent"), never moves or overwrites one;
 * - what the remote holds is untrusted: only names "<env>/<time>" with a
 *   valid env and the time format of mt_backup_branch are taken, at most
 *   MT_BACKUP_REMOTE_MAX (the newest by name), and only tips that are
 *   commits; the others are counted and said without naming them;
 * - a mirror ref the remote no longer lists is removed at the next fetch;
 * - a remote ref is deleted only while it still names the commit gc
 *   checked. */
#ifndef MEMTUI_BACKUP_REFS_H
#define MEMTUI_BACKUP_REFS_H

#include <stdbool.h>
#include <stddef.h>

#include "memtui/git/repo.h"

#define MT_BACKUP_LOCAL_PREFIX "refs/heads/memtui/backup/"
#define MT_BACKUP_REMOTE_PREFIX "refs/memtui/backups/"
#define MT_BACKUP_MIRROR_PREFIX "refs/memtui/remote-backups/"
#define MT_BACKUP_REMOTE_MAX 1000

/* "<env>/<YYYYMMDDTHHMMSSZ>" or with "-N" (1 to 99) after it. */
bool mt_backup_tail_valid(const char *tail);

struct mt_backup_fetch {
    size_t taken;     /* mirror refs now set */
    size_t ignored;   /* names or tips refused */
    size_t dropped;   /* valid ones beyond MT_BACKUP_REMOTE_MAX */
};

/* Push each local backup branch that has no mirror ref yet; each one the
 * remote accepted gets its mirror ref. *pushed counts them. Returns 0, or
 * the code of the first failure (a name the remote refused, or holds
 * already, is tried again at the next run until a fetch mirrors it); stops
 * when the remote cannot be reached. */
int mt_backup_refs_push(struct mt_repo *r, const char *remote, size_t *pushed, struct mt_error *err);

/* The same, a failure said as a warning (mt_warn); how many were pushed. */
size_t mt_backup_refs_push_warn(struct mt_repo *r, const char *remote);

/* Fetch refs/memtui/backups/ into the mirror (only the mirror refs move). */
int mt_backup_refs_fetch(struct mt_repo *r, const char *remote, struct mt_backup_fetch *f, struct mt_error *err);

/* The push (when `push`: `backups`; not the workstation's read-only R),
 * then the fetch: warnings for what was refused or failed go through
 * mt_warn; err says why the fetch failed (then the mirror is as last
 * fetched). */
int mt_backup_refs_sync(struct mt_repo *r, const char *remote, bool push, struct mt_error *err);

/* Delete refs/memtui/backups/<tail> on the remote while it names oid,
 * then the mirror ref. */
int mt_backup_refs_delete(struct mt_repo *r, const char *remote, const char *tail, const char *oid,
                          struct mt_error *err);

#endif
