/* txn.h: how a writing command runs against the backup repo (DESIGN 3):
 * under the local lock, with the work tree stashed, on top of the remote's
 * newest main (a diverged local tip is first kept on a backup branch), with
 * the git lease for merges, and published with a compare-and-swap push of
 * main that is retried (fetch, rebuild, verify, push) until the timeout.
 *
 * Promises: nothing is ever reset or overwritten that is not on a ref or in
 * a stash first; a stash that does not re-apply is kept and reported; the
 * lease is released (or abandoned to expire) and the lock dropped on every
 * path; a merge is never published once the lease is lost. */
#ifndef MEMTUI_TXN_H
#define MEMTUI_TXN_H

#include <stdbool.h>

#include "memtui/coord/lease.h"
#include "memtui/coord/lock.h"
#include "memtui/ops/session.h"

struct mt_txn {
    struct mt_session *s;
    struct mt_lock *lock;
    struct mt_lease *lease;
    bool stashed;
    char stash_oid[MT_OID_HEX];
    char remote_tip[MT_OID_HEX];   /* main on the remote as last fetched ("" if none) */
    bool remote_known;             /* remote_tip was fetched */
    double start;                  /* monotonic */
    int attempts;
    bool stash_kept;               /* re-applying failed: the stash stays */
    char published[MT_OID_HEX];    /* what the push put on main ("" if nothing) */
    bool lease_waited;             /* taking the lease waited: main may have moved since the fetch */
    char *holder;                  /* after MT_EXIT_LOCK from mt_txn_lease: who holds it (or NULL) */
};

/* Take the local lock (timeout --lock-timeout), clear stale git lock files,
 * stash local changes. MT_EXIT_LOCK on timeout. */
int mt_txn_begin(struct mt_txn *t, struct mt_session *s, struct mt_error *err);
/* Fetch main; fast-forward when behind; when diverged keep the local tip on
 * a backup branch and move to the remote's main. MT_EXIT_REMOTE when the
 * remote cannot be reached. */
int mt_txn_follow_remote(struct mt_txn *t, struct mt_error *err);
/* Take (or renew) the git lease within what is left of --lock-timeout
 * (its token: mt_lease_token(t->lease), for the merge commit). Sets
 * t->lease_waited when taking it had to wait for another holder; on
 * MT_EXIT_LOCK, t->holder names who holds it when that is known. */
int mt_txn_lease(struct mt_txn *t, struct mt_error *err);
/* Just before publishing: renew the lease whatever time is left, so that
 * a lease broken by an operator or taken over meanwhile is found lost (the
 * renewal's compare-and-swap is rejected) and nothing is pushed:
 * MT_EXIT_LOCK, err naming who has the lease now. MT_EXIT_OK without a
 * lease. */
int mt_txn_lease_confirm(struct mt_txn *t, struct mt_error *err);
/* Compare-and-swap push of the current branch to the remote, expecting the
 * tip seen by the last follow_remote. MT_EXIT_OK; 1 when rejected (the
 * caller rebuilds and calls again after mt_txn_backoff); MT_EXIT_REMOTE when
 * unreachable; MT_EXIT_LOCK when the lease was lost (this merge not
 * published), which includes main's newest memtui merge carrying a higher
 * lease token while the lease chain no longer has our entry at its tip (a
 * higher token with our entry still there was granted by nobody: ignored). */
int mt_txn_push(struct mt_txn *t, struct mt_error *err);
/* Sleep a jittered, growing delay; false when the push deadline passed. */
bool mt_txn_backoff(struct mt_txn *t);
/* The same, against another monotonic deadline. */
bool mt_txn_backoff_for(struct mt_txn *t, double deadline);
/* Release the lease, re-apply the stash, drop the lock. Returns
 * MT_EXIT_DEGRADED when the stash could not be re-applied (it is kept). */
int mt_txn_end(struct mt_txn *t);

#endif
