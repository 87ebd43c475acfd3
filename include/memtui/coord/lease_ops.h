/* lease_ops.h: the operator's actions on the git lease (DESIGN 3.2, 4, 5),
 * shared by `memtui --batch lease show|break` and the workstation's Locks
 * panel, so that both name the same token, log a break the same way and
 * end with the same exit codes.
 *
 * Promises: a break names the token it expects to end (the lease may have
 * changed hands since the operator looked: then nothing is written); every
 * break that wrote an entry leaves one audit line (event "lease", detail
 * "broken") naming who broke which holder, with the new entry's token and
 * commit; results are MT_EXIT_* codes. */
#ifndef MEMTUI_LEASE_OPS_H
#define MEMTUI_LEASE_OPS_H

#include <stdbool.h>
#include <stdint.h>

#include "memtui/coord/lease.h"
#include "memtui/ops/session.h"

/* The token a break of the chain's tip must name: the tip's own, or for an
 * unreadable tip the newest readable entry's below it (0: none in chain). */
uint64_t mt_lease_ops_token(const struct mt_lease_info *chain, size_t n);

/* An mt_lease_* or MT_REPO_* code of reading or breaking as an exit code:
 * MT_EXIT_USAGE (no lease branch), MT_EXIT_LOCK (the lease changed hands),
 * MT_EXIT_REMOTE (unreachable, or the tip kept moving), MT_EXIT_VERIFY
 * (anything else). */
int mt_lease_ops_exit(int rc);

/* Break the lease on the session's remote if it is held with token expect
 * (mt_lease_break), as the session's env and host and this process.
 * MT_EXIT_OK when it was broken (*did_break true; broken and written
 * describe the old and the new entry) or was already released (*did_break
 * false); otherwise the code of mt_lease_ops_exit, err saying why. */
int mt_lease_ops_break(struct mt_session *s, uint64_t expect, bool *did_break, struct mt_lease_info *broken,
                       struct mt_lease_info *written, struct mt_error *err);

#endif
