/* status.h: who holds the local lock and the git lease, read once for
 * every front end (`status`, the Locks panel, the wait message of a run).
 *
 * Promises: reading never takes the lock or the lease and never writes;
 * the lease is read from the remote (a fetch of its branch only), the
 * lock from its file; every field is filled even when a read fails, with
 * the reason in lease_error. Expiry is the holder's wall time plus its ttl:
 * for people to read, never for a decision (no clock of another machine
 * decides anything). */
#ifndef MEMTUI_OPS_STATUS_H
#define MEMTUI_OPS_STATUS_H

#include <stdbool.h>
#include <stddef.h>

#include "memtui/coord/lease.h"
#include "memtui/coord/lock.h"
#include "memtui/ops/session.h"

struct mt_status {
    char *lock_path;
    bool lock_known;                 /* the lock file exists and names a holder */
    struct mt_lock_holder lock;
    int lease_rc;                    /* mt_lease_read's: 0, MT_REPO_NOTFOUND (never taken), or unknown */
    struct mt_lease_info lease;      /* when lease_rc is 0 */
    char *lease_error;               /* why the lease is unknown (NULL: no reason given) */
    struct mt_lease_info *chain;     /* newest first, when asked for */
    size_t nchain;
};

/* An empty status: lock unknown, lease never taken. */
void mt_status_init(struct mt_status *st);
/* The lock holder, from the lock file (instant). */
void mt_status_read_lock(const struct mt_session *s, struct mt_status *st);
/* The lease from the remote, and up to chain_max entries of its chain. */
void mt_status_read_lease(const struct mt_session *s, const char *remote, size_t chain_max, struct mt_status *st);
/* Move the lease part (lease_rc, lease, lease_error, chain) from one status
 * to another, freeing what `to` had; `from` is left empty. */
void mt_status_take_lease(struct mt_status *to, struct mt_status *from);
void mt_status_free(struct mt_status *st);
/* The holder's wall time plus ttl, in seconds since the epoch; false when
 * the lease's time is unreadable. */
bool mt_lease_expiry(const struct mt_lease_info *l, long long *when);

#endif
