/* publish.c: the publishing loop shared by every writing command. */
#include "memtui/coord/publish.h"

#include <json-c/json.h>
#include <string.h>

#include "memtui/base/audit.h"
#include "memtui/coord/txn.h"

static void note(const struct mt_publish_ops *ops, const char *what, int attempt)
{
    if (ops->note) ops->note(ops->ctx, what, attempt);
}

/* HEAD is the remote's main as just fetched: this run has no commit of
 * its own to publish (an export that changed nothing commits nothing). */
static bool nothing_to_push(const struct mt_txn *t)
{
    char head[MT_OID_HEX] = "";
    struct mt_error e = {0};
    bool same = t->remote_known && t->remote_tip[0] && mt_repo_head(t->s->repo, head, &e) == 0 &&
                strcmp(head, t->remote_tip) == 0;
    mt_error_clear(&e);
    return same;
}

/* How long a handed-off sync keeps trying to land its export on a main
 * that others keep moving, beyond --lock-timeout. */
#define HAND_OFF_SECONDS 10.0

/* sync could not take the lease in time. Its part is its export: publish
 * that (compare-and-swap; on rejection follow the remote, export again and
 * retry) and leave the merge to the holder. MT_EXIT_OK when the export is
 * on the remote (or there was none to publish); else the lease timeout,
 * err saying why the export did not land either. */
static int hand_off(struct mt_txn *t, const struct mt_publish_ops *ops, struct mt_publish_result *res,
                    struct mt_error *err)
{
    struct mt_error why = {0};
    mt_error_move(&why, err);
    snprintf(res->holder, sizeof res->holder, "%s", t->holder ? t->holder : "");
    double until = mt_monotonic() + HAND_OFF_SECONDS;
    int rc = MT_EXIT_OK;
    while (!nothing_to_push(t)) {
        note(ops, "the lease is held: publishing the export alone", t->attempts + 1);
        rc = mt_txn_push(t, err);
        if (rc == MT_EXIT_OK) {
            res->pushed = true;
            break;
        }
        if (rc != 1) break;
        if (mt_monotonic() >= until) {
            mt_error_set(err, "main kept moving for %.0f s", HAND_OFF_SECONDS);
            break;
        }
        mt_txn_backoff_for(t, until);
        if ((rc = mt_txn_follow_remote(t, err)) || (ops->prepare && (rc = ops->prepare(ops->ctx, t->s, err))))
            break;
    }
    if (rc == MT_EXIT_OK) {
        res->handed_off = true;
        mt_audit("lease", NULL, "%s; the export is on the remote, and the merge is left to the lease holder "
                 "(or the next merge); the import follows at the next run", why.msg ? why.msg : "the lease is held");
        mt_error_clear(&why);
        return MT_EXIT_OK;
    }
    mt_error_set(&why, "%s; the export could not be published either: %s", why.msg ? why.msg : "lease timeout",
                 err->msg ? err->msg : "?");
    mt_error_clear(err);
    mt_error_move(err, &why);
    return MT_EXIT_LOCK;
}

int mt_publish(struct mt_session *s, const struct mt_publish_ops *ops, struct mt_publish_result *res,
               struct mt_error *err)
{
    const struct mt_config *cfg = s->cfg;
    memset(res, 0, sizeof(*res));
    struct mt_txn t;
    note(ops, "taking the local lock", 0);
    int rc = mt_txn_begin(&t, s, err);
    if (rc) return rc;
    bool online = !cfg->no_push, refetch = false;
    for (;;) {
        if (online) {
            note(ops, refetch ? "the lease was held: fetching main again" : "fetching main", t.attempts + 1);
            if ((rc = mt_txn_follow_remote(&t, err))) break;
            if (refetch)
                mt_audit("lease", json_object_new_string("refetched"), "waited for the lease: main fetched again "
                         "before building, at %.12s", t.remote_tip[0] ? t.remote_tip : "(none)");
            refetch = false;
        }
        if (ops->prepare && (rc = ops->prepare(ops->ctx, s, err))) break;
        if (online && ops->build && ops->idle && nothing_to_push(&t)) {
            note(ops, "looking for something to merge", t.attempts + 1);
            rc = ops->idle(ops->ctx, s, &res->idle, err);
            if (rc != MT_EXIT_OK && rc != MT_EXIT_DEGRADED) break;
            if (res->idle) break;
        }
        if (!ops->build) {
            rc = MT_EXIT_OK;
        } else {
            /* The lease guards merges; offline there is nobody to fence. */
            if (online) {
                bool taking = t.lease == NULL;
                note(ops, "taking the lease", t.attempts + 1);
                rc = mt_txn_lease(&t, err);
                if (rc == MT_EXIT_LOCK && taking && ops->hand_off) {
                    rc = hand_off(&t, ops, res, err);
                    break;
                }
                if (rc) break;
                if (taking && t.lease_waited) {
                    refetch = true;
                    continue;
                }
            }
            note(ops, "building", t.attempts + 1);
            mt_error_clear(err);  /* a degraded earlier attempt's message is not this one's */
            rc = ops->build(ops->ctx, s, t.lease ? (long long)mt_lease_token(t.lease) : 0, err);
            if (rc != MT_EXIT_OK && rc != MT_EXIT_DEGRADED) break;
        }
        if (!online) break;
        int built = rc;
        if ((rc = mt_txn_lease_confirm(&t, err))) break;  /* still ours: not broken, not taken over */
        note(ops, "pushing", t.attempts + 1);
        rc = mt_txn_push(&t, err);
        if (rc == MT_EXIT_OK) {
            rc = built;
            res->pushed = true;
            break;
        }
        if (rc != 1) break;
        note(ops, "the push was rejected: waiting to rebuild on the new main", t.attempts);
        if (!mt_txn_backoff(&t)) {
            mt_error_set(err, "the push of main was still rejected after %d attempts in %.0f s; every attempt is "
                              "kept on a memtui/backup/%s/... branch", t.attempts, cfg->lock_timeout, cfg->env);
            rc = MT_EXIT_REMOTE;
            break;
        }
    }
    res->attempts = t.attempts;
    res->leased = t.lease != NULL;
    res->token = t.lease ? (long long)mt_lease_token(t.lease) : 0;
    int erc = mt_txn_end(&t);
    res->stash_kept = t.stash_kept;
    if (rc == MT_EXIT_OK && erc) rc = erc;
    return rc;
}
