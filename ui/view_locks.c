/* view_locks.c: panel 2, the local lock and the git lease with its chain. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "memtui/coord/lease_ops.h"
#include "memtui/ui/app.h"

/* Seconds until the holder's wall time + ttl: for people only (no decision
 * is ever taken on another machine's clock). */
static long long expires_in(const struct mt_lease_info *l)
{
    struct tm tm = {0};
    if (!l->time || !strptime(l->time, "%Y-%m-%dT%H:%M:%SZ", &tm)) return 0;
    return (long long)(timegm(&tm) + l->ttl - time(NULL));
}

static void rows(struct mt_app *a, struct mt_rows *out, int width)
{
    (void)width;
    struct mt_ui_snap *s = a->snap;
    if (!s || !s->open) return;
    mt_rows_line(out, MT_ROLE_HEADER, "Local lock  %s", s->lock_path);
    if (s->lock_known && s->lock.held)
        mt_rows_line(out, MT_ROLE_LOCK_HELD, "  held by %s on %s (pid %ld) since %s", s->lock.env, s->lock.host,
                     s->lock.pid, s->lock.since);
    else if (s->lock_known)
        mt_rows_line(out, MT_ROLE_LOCK_FREE, "  free (last held by %s on %s, pid %ld, since %s)", s->lock.env,
                     s->lock.host, s->lock.pid, s->lock.since);
    else mt_rows_line(out, MT_ROLE_LOCK_FREE, "  free (never taken)");
    mt_rows_line(out, MT_ROLE_DEFAULT, "%s", "");
    mt_rows_line(out, MT_ROLE_HEADER, "Git lease  %s on %s", MT_LEASE_BRANCH, a->cfg->remote);
    if (s->lease_rc == MT_REPO_NOTFOUND && !s->lease_error) {
        mt_rows_line(out, MT_ROLE_LOCK_FREE, "  never taken");
    } else if (s->lease_rc) {
        mt_rows_line(out, MT_ROLE_LOCK_STALE, "  unknown: %s", s->lease_error ? s->lease_error : "remote unreachable");
    } else if (!s->lease.valid) {
        mt_rows_line(out, MT_ROLE_DANGER, "  unreadable: %s", s->lease.error ? s->lease.error : "?");
    } else if (s->lease.state == MT_LEASE_HELD) {
        long long left = expires_in(&s->lease);
        mt_rows_line(out, left > 0 ? MT_ROLE_LOCK_HELD : MT_ROLE_LOCK_STALE,
                     "  held by %s on %s (pid %ld), token %llu, ttl %lds, %s %llds (holder's clock)", s->lease.env,
                     s->lease.host ? s->lease.host : "?", s->lease.pid, (unsigned long long)s->lease.token,
                     s->lease.ttl, left > 0 ? "expires in" : "STALE: expired", left > 0 ? left : -left);
    } else {
        mt_rows_line(out, MT_ROLE_LOCK_FREE, "  free (released by %s), token %llu", s->lease.env,
                     (unsigned long long)s->lease.token);
    }
    if (s->nchain) {
        mt_rows_line(out, MT_ROLE_DEFAULT, "%s", "");
        mt_rows_line(out, MT_ROLE_HEADER, "Recent lease chain (newest first)");
    }
    for (size_t i = 0; i < s->nchain; i++) {
        const struct mt_lease_info *l = &s->chain[i];
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
static bool key(struct mt_app *a, enum mt_action act)
{
    if (act != MT_ACT_BREAK_LEASE) return false;
    struct mt_ui_snap *s = a->snap;
    if (!s->open || s->lease_rc || (s->lease.valid && s->lease.state != MT_LEASE_HELD)) {
        mt_app_set_message(a, true, "B: the git lease is not held (or could not be read): nothing to break");
        return true;
    }
    uint64_t token = s->lease.valid ? s->lease.token : mt_lease_ops_token(s->chain, s->nchain);
    if (!token) {
        mt_app_set_message(a, true, "B: no readable entry in the lease chain names a token: use memtui --batch "
                                    "lease show --limit N");
        return true;
    }
    free(a->confirm_arg);
    char *who = mt_lease_describe(&s->lease);
    a->confirm_arg = s->lease.valid ? who : xasprintf("%s (counted as token %llu)", who, (unsigned long long)token);
    if (!s->lease.valid) free(who);
    a->confirm_token = token;
    a->confirm = MT_CONFIRM_BREAK_LEASE;
    a->input = MT_INPUT_CONFIRM;
    return true;
}

const struct mt_view_ops mt_view_locks = {"Locks", rows, NULL, key, NULL, NULL};
