/* lease_acquire.c: taking the lease: wait for the holder, take it over
 * when released, gone or expired, push our entry by compare-and-swap. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memtui/coord/lock.h"
#include "lease_internal.h"

static struct mt_lease *new_lease(struct mt_repo *repo, const char *remote, const char *branch,
                                  const char *refname, const char *env, const char *host,
                                  long pid, long ttl)
{
    struct mt_lease *l = xcalloc(1, sizeof(*l));
    l->repo = repo;
    l->remote = xstrdup(remote);
    l->branch = xstrdup(branch ? branch : MT_LEASE_BRANCH);
    l->refname = xstrdup(refname);
    l->env = xstrdup(env);
    l->host = xstrdup(host);
    l->pid = pid;
    l->ttl = ttl;
    return l;
}

int mt_lease_acquire(struct mt_repo *repo, const char *remote, const char *branch,
                     const char *env, const char *host, long pid, long ttl_seconds,
                     double timeout_seconds, struct mt_lease **out, struct mt_error *err)
{
    const char *bname = branch ? branch : MT_LEASE_BRANCH;
    char *op = xasprintf("lease %s: acquire", bname);
    char *refname = NULL, *myhost = NULL;
    struct mt_lease_info cur = {0};
    struct mt_error e = {0};
    char tip[MT_OID_HEX], seen[MT_OID_HEX] = "", commit[MT_OID_HEX];
    char *waited_for = NULL;  /* the holder last reported as waited for */
    char unsure[MT_OID_HEX] = "";  /* our entry whose push failed on the network */
    double unsure_start = 0;
    uint64_t unsure_token = 0;
    char refused[MT_OID_HEX] = "";  /* a tip our restart of the chain was rejected at */
    bool no_restart = false;
    double start = mt_monotonic(), seen_since = 0;
    double backoff = BACKOFF_MIN;
    uint64_t rng = lease_rng_seed();
    bool seen_any = false;
    int rc;
    *out = NULL;

    if (!lease_check_env(env, op, err)) {
        rc = MT_REPO_ERR;
        goto done;
    }
    if (ttl_seconds < 1 || ttl_seconds > MT_LEASE_TTL_MAX || !(timeout_seconds >= 0)) {
        mt_error_set(err, "%s: ttl must be 1 to %ld s and the timeout not negative", op, MT_LEASE_TTL_MAX);
        rc = MT_REPO_ERR;
        goto done;
    }
    if (!(refname = lease_ref(branch, op, err))) {
        rc = MT_REPO_ERR;
        goto done;
    }
    myhost = lease_writer_host(host);
    if (pid <= 0) pid = (long)getpid();
    if (timeout_seconds > 1e8) timeout_seconds = 1e8;  /* "forever", without overflow */
    const double deadline = start + timeout_seconds;

    for (;;) {
        mt_error_clear(&e);
        rc = lease_fetch_tip(repo, remote, refname, tip, &e);
        double now = mt_monotonic();
        if (rc < 0) {
            if (rc == MT_REPO_UNREACHABLE && now < deadline) {
                lease_backoff_sleep(&backoff, &rng, deadline - now);
                continue;
            }
            mt_error_move(err, &e);
            goto done;
        }
        /* The first observation of a tip counts from after the fetch that
         * returned it: never earlier than the push that put it there. */
        if (!seen_any || strcmp(tip, seen) != 0) {
            snprintf(seen, sizeof(seen), "%s", tip);
            seen_since = *tip ? lease_first_sighting(repo, refname, tip, now) : now;
            seen_any = true;
        }
        if (*unsure && strcmp(tip, unsure) == 0) {
            /* The push the network failed on had landed: the lease is ours. */
            struct mt_lease *l = new_lease(repo, remote, branch, refname, env, myhost, pid, ttl_seconds);
            l->token = unsure_token;
            snprintf(l->tip, sizeof(l->tip), "%s", unsure);
            l->deadline = unsure_start + (double)ttl_seconds;
            *out = l;
            lease_log("acquired", "%s: token %" PRIu64 " (the push reported as failed had landed)", op,
                      unsure_token);
            rc = 0;
            goto done;
        }
        uint64_t token = 1;
        const char *how = "free";
        if (*tip) {
            if ((rc = lease_read_entry(repo, tip, &cur, err)) < 0) goto done;
            if (cur.valid && cur.state == MT_LEASE_RELEASED) {
                how = "released";
            } else if (lease_holder_dead_here(&cur)) {
                how = "holder process gone";
            } else if (now - seen_since >= lease_takeover_wait(lease_held_for(&cur))) {
                how = cur.valid ? "expired" : "unreadable entry expired";
            } else {
                how = NULL;
            }
            token = lease_next_token(repo, tip, &cur);
        }
        if (!how) {
            /* Held: wait, unless the time is up. */
            char *h = lease_holder_str(&cur);
            if (!waited_for || strcmp(waited_for, h) != 0) {  /* not on every renewal */
                lease_log("wait", "%s: held by %s, ttl %ld s%s%s", op, h, lease_held_for(&cur),
                          cur.valid ? "" : ": ", cur.valid ? "" : cur.error);
                free(waited_for);
                waited_for = h;
            } else {
                free(h);
            }
            if (now >= deadline) {
                if (cur.valid)
                    mt_error_set(err, "%s: timed out after %.1f s: held by %s (since %s, ttl %ld s)", op,
                                 now - start, waited_for, cur.time, lease_held_for(&cur));
                else
                    mt_error_set(err, "%s: timed out after %.1f s: held by %s (counts as held for ttl %ld s "
                                 "from this machine's first sighting; %s)", op, now - start, waited_for,
                                 lease_held_for(&cur), cur.error);
                rc = MT_LEASE_TIMEOUT;
                goto done;
            }
            double until_takeover = seen_since + lease_takeover_wait(lease_held_for(&cur)) - now;
            lease_backoff_sleep(&backoff, &rng, until_takeover < deadline - now ? until_takeover : deadline - now);
            continue;
        }

        struct lease_entry ent = {env, myhost, pid, token, ttl_seconds, MT_LEASE_HELD, NULL, NULL};
        bool restarted = false;
        if (*refused && strcmp(refused, tip) == 0 && !no_restart) {
            no_restart = true;  /* the server kept this tip: it refuses non-fast-forward updates */
            lease_log("restart-refused", "%s: the remote refused to restart the chain at %.12s (a non-fast-forward "
                      "update); the chain grows on", op, tip);
        }
        rc = lease_make_acquire_entry(repo, tip, &ent, !no_restart, commit, &restarted, err);
        if (rc < 0) goto done;
        double push_start = mt_monotonic();
        rc = restarted ? mt_repo_push_cas_rewrite(repo, remote, commit, refname, tip, &e)
                       : mt_repo_push_cas(repo, remote, commit, refname, tip, &e);
        if (restarted && rc == MT_REPO_REJECTED) snprintf(refused, sizeof(refused), "%s", tip);
        if (rc == 0 && restarted)
            lease_log("restarted", "%s: the chain at %.12s was near its bound (%zu entries): a new root carries "
                      "token %" PRIu64 " and its summary", op, tip, lease_chain_max(), token - 1);
        if (rc == 0) {
            struct mt_lease *l = new_lease(repo, remote, branch, refname, env, myhost, pid, ttl_seconds);
            l->token = token;
            snprintf(l->tip, sizeof(l->tip), "%s", commit);
            l->deadline = push_start + (double)ttl_seconds;
            *out = l;
            if (*tip) {
                char *h = lease_holder_str(&cur);
                lease_log("acquired", "%s: token %" PRIu64 " (%s; previous entry: %s, %s)", op, token, how, h,
                          !cur.valid ? "unreadable" : cur.state == MT_LEASE_HELD ? "held" : "released");
                free(h);
            } else {
                lease_log("acquired", "%s: token %" PRIu64 " (first lease on the remote)", op, token);
            }
            goto done;
        }
        if (rc != MT_REPO_REJECTED && !(rc == MT_REPO_UNREACHABLE && mt_monotonic() < deadline)) {
            mt_error_move(err, &e);
            goto done;
        }
        if (rc == MT_REPO_REJECTED) {
            lease_log("race-lost", "%s: %s", op, e.msg ? e.msg : "rejected");
        } else {
            snprintf(unsure, sizeof(unsure), "%s", commit);
            unsure_start = push_start;
            unsure_token = token;
        }
        now = mt_monotonic();
        if (now >= deadline) {
            /* Name whoever holds it now, for the operator. */
            char *h = NULL;
            struct mt_error e2 = {0};
            if (lease_fetch_tip(repo, remote, refname, tip, &e2) == 0 && *tip &&
                lease_read_entry(repo, tip, &cur, &e2) == 0 && cur.valid) {
                char *who = lease_holder_str(&cur);
                h = xasprintf("%s by %s", cur.state == MT_LEASE_HELD ? "held" : "last released", who);
                free(who);
            }
            mt_error_clear(&e2);
            mt_error_set(err, "%s: timed out after %.1f s: lost the race for it (%s)", op,
                         now - start, h ? h : e.msg ? e.msg : "rejected");
            free(h);
            rc = MT_LEASE_TIMEOUT;
            goto done;
        }
        lease_backoff_sleep(&backoff, &rng, deadline - now);
    }
done:
    if (rc != 0 && *unsure)  /* never silently: a landed push holds the lease */
        lease_log("unsure", "%s: gave up while the push of token %" PRIu64 " (%.12s) had an unknown outcome; "
                  "if it landed, the lease stays held by this process until its ttl (%ld s) runs out",
                  op, unsure_token, unsure, ttl_seconds);
    mt_lease_info_clear(&cur);
    mt_error_clear(&e);
    free(waited_for);
    free(myhost);
    free(refname);
    free(op);
    return rc;
}

