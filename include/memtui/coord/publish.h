/* publish.h: the one publishing loop every writing command runs, batch and
 * workstation alike (DESIGN 3.3). Under the local lock with the work tree
 * stashed: follow the remote's main, run the steps before the lease
 * (export), take the lease, build (merge, restore), renew the lease, push
 * by compare-and-swap; when the push is rejected, back up, rebuild on the
 * new main and push again until --lock-timeout.
 *
 * The lease is taken after the fetch; when taking it had to wait, main is
 * fetched again before building, since the holder waited for has likely
 * published meanwhile (else the first push would be rejected and the work
 * done twice).
 *
 * Callers say what to build; the protocol lives only here. Offline
 * (--no-push) the loop runs once, without the remote and without a lease. */
#ifndef MEMTUI_PUBLISH_H
#define MEMTUI_PUBLISH_H

#include <stdbool.h>

#include "memtui/ops/session.h"

struct mt_publish_ops {
    void *ctx;
    /* Before the lease, once per attempt (export). May be NULL. */
    int (*prepare)(void *ctx, struct mt_session *s, struct mt_error *err);
    /* Under the lease, on the current HEAD (merge, restore): returns
     * MT_EXIT_OK or MT_EXIT_DEGRADED to publish, anything else stops.
     * lease_token is the lease held (0 offline), for the merge commit.
     * NULL: nothing needs the lease (export alone). */
    int (*build)(void *ctx, struct mt_session *s, long long lease_token, struct mt_error *err);
    /* Before the lease, when nothing local waits to be pushed (HEAD is
     * the remote's main just fetched): sets *idle when the build would
     * change nothing, and then does what is left without the lease (an
     * import) and returns its code; the loop ends there, no lease taken,
     * nothing pushed. A look only: when it says not idle, the lease is
     * taken and the build decides again. May be NULL. */
    int (*idle)(void *ctx, struct mt_session *s, bool *idle, struct mt_error *err);
    /* What the loop is doing now, for progress displays. May be NULL. */
    void (*note)(void *ctx, const char *what, int attempt);
    /* sync: when the lease cannot be taken in time, publish what prepare
     * committed (the export) and leave the merge to the holder (DESIGN
     * 4, exit codes) instead of stopping with MT_EXIT_LOCK. */
    bool hand_off;
};

struct mt_publish_result {
    int attempts;            /* pushes tried */
    bool pushed;
    bool leased;             /* a lease was held; token below */
    long long token;
    bool stash_kept;         /* the stash did not re-apply and was kept */
    bool idle;               /* nothing to build: no lease taken (ops->idle) */
    bool handed_off;         /* the lease was held: the export published, the merge left to the holder */
    char holder[256];        /* when handed off: who held the lease ("" if not known) */
};

/* Returns the build's code (MT_EXIT_OK, MT_EXIT_DEGRADED) when published,
 * else the MT_EXIT_* code of what stopped it, with err filled. */
int mt_publish(struct mt_session *s, const struct mt_publish_ops *ops, struct mt_publish_result *res,
               struct mt_error *err);

#endif
