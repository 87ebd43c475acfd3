/* view_locks.c: panel 2, the local lock and the git lease with its chain. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "memtui/coord/lease_ops.h"
#include "memtui/ui/app.h"

/* Seconds until the holder's wall time + ttl: for people only (status.h). */
static long long expires_in(const struct mt_lease_info *l)
{
    long long when;
    return mt_lease_expiry(l, &when) ? when - (long long)time(NULL) : 0;
}

static void rows(struct mt_app *a, struct mt_rows *out, int width)
{
    (void)width;
    struct mt_ui_snap *s = a->snap;
    if (!s || !s->open) return;
    const struct mt_status *st = &s->status;
    mt_rows_line(out, MT_ROLE_HEADER, "Local lock  %s", st->lock_path);
    if (st->lock_known && st->lock.held)
        mt_rows_line(out, MT_ROLE_LOCK_HELD, "  held by %s on %s (pid %ld) since %s", st->lock.env, st->lock.host,
                     st->lock.pid, st->lock.since);
    else if (st->lock_known)
        mt_rows_line(out, MT_ROLE_LOCK_FREE, "  free (last held by %s on %s, pid %ld, since %s)", st->lock.env,
                     st->lock.host, st->lock.pid, st->lock.since);
    else mt_rows_line(out, MT_ROLE_LOCK_FREE, "  free (never taken)");
    mt_rows_line(out, MT_ROLE_DEFAULT, "%s", "");
    mt_rows_line(out, MT_ROLE_HEADER, "Git lease  %s on %s", MT_LEASE_BRANCH, a->cfg->remote);
    if (st->lease_rc == MT_REPO_NOTFOUND && !st->lease_error) {
        mt_rows_line(out, MT_ROLE_LOCK_FREE, "  never taken");
    } else if (st->lease_rc) {
        mt_rows_line(out, MT_ROLE_LOCK_STALE, "  unknown: %s", st->lease_error ? st->lease_error : "remote unreachable");
    } else if (!st->lease.valid) {
        mt_rows_line(out, MT_ROLE_DANGER, "  unreadable: %s", st->lease.error ? st->lease.error : "?");
    } else if (st->lease.state == MT_LEASE_HELD) {
        long long left = expires_in(&st->lease);
        mt_rows_line(out, left > 0 ? MT_ROLE_LOCK_HELD : MT_ROLE_LOCK_STALE,
                     "  held by %s on %s (pid %ld), token %llu, ttl %lds, %s %llds (holder's clock)", st->lease.env,
                     st->lease.host ? st->lease.host : "?", st->lease.pid, (unsigned long long)st->lease.token,
                     st->lease.ttl, left > 0 ? "expires in" : "STALE: expired", left > 0 ? left : -left);
    } else {
        mt_rows_line(out, MT_ROLE_LOCK_FREE, "  free (released by %s), token %llu", st->lease.env,
                     (unsigned long long)st->lease.token);
    }
    if (st->nchain) {
        mt_rows_line(out, MT_ROLE_DEFAULT, "%s", "");
        mt_rows_line(out, MT_ROLE_HEADER, "Recent lease chain (newest first)");
    }
    for (size_t i = 0; i < st->nchain; i++) {
        const struct mt_lease_info *l = &st->chain[i];
        if (!l->valid) {
            mt_rows_line(out, MT_ROLE_DANGER, "  %.10s unreadable", l->tip);
            continue;
        }
        mt_rows_line(out, l->state == MT_LEASE_HELD ? MT_ROLE_LOCK_HELD : MT_ROLE_DIM,
                     "  %.10s  %-8s token %-4llu %s@%s pid %ld  %s%s%s", l->tip,
                     l->state == MT_LEASE_HELD ? "held" : "released", (unsigned long long)l->token, l->env,
                     l->host ? l->host : "?", l->pid, l->time ? l->time : "", l->broke ? "  broke " : "",
                     l->broke ? l->broke : "");
    }
}

/* B: break the lease shown, once the operator confirms a question naming
 * its holder; the break names the token seen here, so a lease that changed
 * hands since is left alone. */
static unsigned key(struct mt_app *a, enum mt_action act)
{
    if (act != MT_ACT_BREAK_LEASE) return MT_KEY_IGNORED;
    struct mt_ui_snap *s = a->snap;
    if (!s->open || s->status.lease_rc || (s->status.lease.valid && s->status.lease.state != MT_LEASE_HELD)) {
        mt_app_set_message(a, true, "B: the git lease is not held (or could not be read): nothing to break");
        return MT_KEY_HANDLED;
    }
    uint64_t token = s->status.lease.valid ? s->status.lease.token : mt_lease_ops_token(s->status.chain, s->status.nchain);
    if (!token) {
        mt_app_set_message(a, true, "B: no readable entry in the lease chain names a token: use memtui --batch "
                                    "lease show --limit N");
        return MT_KEY_HANDLED;
    }
    free(a->confirm_arg);
    char *who = mt_lease_describe(&s->status.lease);
    a->confirm_arg = s->status.lease.valid ? who : xasprintf("%s (counted as token %llu)", who, (unsigned long long)token);
    if (!s->status.lease.valid) free(who);
    a->confirm_token = token;
    a->confirm = MT_CONFIRM_BREAK_LEASE;
    return MT_KEY_HANDLED | MT_KEY_ASK;
}

const struct mt_view_ops mt_view_locks = {.name = "Locks", .rows = rows, .key = key};
