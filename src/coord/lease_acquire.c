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

/* What one acquisition carries from one try to the next. */
struct acquire {
    struct mt_repo *repo;
    const struct mt_lease_acquire_opts *o;
    char *op, *refname, *host;
    long pid;
    double start, deadline;
    struct mt_lease_info cur;  /* the entry at tip */
    struct mt_error e;         /* the last fetch's or push's error */
    char tip[MT_OID_HEX], commit[MT_OID_HEX];
    char seen[MT_OID_HEX];     /* the tip observed since seen_since */
    double seen_since;
    bool seen_any;
    char *waited_for;          /* the holder last reported as waited for */
    char unsure[MT_OID_HEX];   /* our entry whose push failed on the network */
    double unsure_start;
    uint64_t unsure_token;
    char refused[MT_OID_HEX];  /* a tip our restart of the chain was rejected at */
    bool no_restart;
    double backoff;
    uint64_t rng;
};

#define AGAIN 1  /* a step's answer: fetch again and retry */

/* Check the options and set a up: 0, or MT_REPO_ERR with err set. */
static int acquire_begin(struct acquire *a, struct mt_repo *repo, const struct mt_lease_acquire_opts *o,
                         struct mt_error *err)
{
    memset(a, 0, sizeof(*a));
    a->repo = repo;
    a->o = o;
    a->op = xasprintf("lease %s: acquire", o->branch ? o->branch : MT_LEASE_BRANCH);
    a->start = mt_monotonic();
    a->backoff = BACKOFF_MIN;
    a->rng = lease_rng_seed();
    if (!lease_check_env(o->env, a->op, err)) return MT_REPO_ERR;
    if (o->ttl_seconds < 1 || o->ttl_seconds > MT_LEASE_TTL_MAX || !(o->timeout_seconds >= 0)) {
        mt_error_set(err, "%s: ttl must be 1 to %ld s and the timeout not negative", a->op, MT_LEASE_TTL_MAX);
        return MT_REPO_ERR;
    }
    if (!(a->refname = lease_ref(o->branch, a->op, err))) return MT_REPO_ERR;
    a->host = lease_writer_host(o->host);
    a->pid = o->pid > 0 ? o->pid : (long)getpid();
    /* A timeout above 1e8 s means "forever", without overflow. */
    a->deadline = a->start + (o->timeout_seconds > 1e8 ? 1e8 : o->timeout_seconds);
    return 0;
}

/* Fetch the tip into a->tip and note when it was first seen: 0 (*now set),
 * AGAIN after waiting out an unreachable remote, or the error. */
static int observe_tip(struct acquire *a, double *now, struct mt_error *err)
{
    mt_error_clear(&a->e);
    int rc = lease_fetch_tip(a->repo, a->o->remote, a->refname, a->tip, &a->e);
    *now = mt_monotonic();
    if (rc < 0) {
        if (rc == MT_REPO_UNREACHABLE && *now < a->deadline) {
            lease_backoff_sleep(&a->backoff, &a->rng, a->deadline - *now);
            return AGAIN;
        }
        mt_error_move(err, &a->e);
        return rc;
    }
    /* The first observation of a tip counts from after the fetch that
     * returned it: never earlier than the push that put it there. */
    if (!a->seen_any || strcmp(a->tip, a->seen) != 0) {
        snprintf(a->seen, sizeof(a->seen), "%s", a->tip);
        a->seen_since = *a->tip ? lease_first_sighting(a->repo, a->refname, a->tip, *now) : *now;
        a->seen_any = true;
    }
    return 0;
}

/* The lease won with entry `tip`, token, pushed from push_start. */
static struct mt_lease *grant(const struct acquire *a, uint64_t token, const char *tip, double push_start)
{
    struct mt_lease *l = new_lease(a->repo, a->o->remote, a->o->branch, a->refname, a->o->env, a->host, a->pid,
                                   a->o->ttl_seconds);
    l->token = token;
    snprintf(l->tip, sizeof(l->tip), "%s", tip);
    l->deadline = push_start + (double)a->o->ttl_seconds;
    return l;
}

/* Whether the tip may be taken: *how says why ("free", "released", ...) or
 * is NULL while it is held; *token is the one to take it with. */
static int judge_tip(struct acquire *a, double now, const char **how, uint64_t *token, struct mt_error *err)
{
    struct mt_lease_info *cur = &a->cur;
    *token = 1;
    *how = "free";
    if (!*a->tip) return 0;
    int rc = lease_read_entry(a->repo, a->tip, cur, err);
    if (rc < 0) return rc;
    if (cur->valid && cur->state == MT_LEASE_RELEASED)
        *how = "released";
    else if (lease_holder_dead_here(cur))
        *how = "holder process gone";
    else if (now - a->seen_since >= lease_takeover_wait(lease_held_for(cur)))
        *how = cur->valid ? "expired" : "unreadable entry expired";
    else
        *how = NULL;
    *token = lease_next_token(a->repo, a->tip, cur);
    return 0;
}

/* Held: report the holder (once per holder, not on every renewal), then
 * wait (AGAIN), unless the time is up (MT_LEASE_TIMEOUT). */
static int wait_for_holder(struct acquire *a, double now, struct mt_error *err)
{
    const struct mt_lease_info *cur = &a->cur;
    char *h = lease_holder_str(cur);
    if (a->o->waited) *a->o->waited = true;
    if (!a->waited_for || strcmp(a->waited_for, h) != 0) {
        lease_log("wait", "%s: held by %s, ttl %ld s%s%s", a->op, h, lease_held_for(cur), cur->valid ? "" : ": ",
                  cur->valid ? "" : cur->error);
        free(a->waited_for);
        a->waited_for = h;
    } else {
        free(h);
    }
    if (now >= a->deadline) {
        if (a->o->holder) *a->o->holder = xstrdup(a->waited_for);
        if (cur->valid)
            mt_error_set(err, "%s: timed out after %.1f s: held by %s (since %s, ttl %ld s)", a->op,
                         now - a->start, a->waited_for, cur->time, lease_held_for(cur));
        else
            mt_error_set(err, "%s: timed out after %.1f s: held by %s (counts as held for ttl %ld s "
                         "from this machine's first sighting; %s)", a->op, now - a->start, a->waited_for,
                         lease_held_for(cur), cur->error);
        return MT_LEASE_TIMEOUT;
    }
    double until_takeover = a->seen_since + lease_takeover_wait(lease_held_for(cur)) - now;
    lease_backoff_sleep(&a->backoff, &a->rng, until_takeover < a->deadline - now ? until_takeover : a->deadline - now);
    return AGAIN;
}

static void log_acquired(const struct acquire *a, uint64_t token, const char *how)
{
    if (!*a->tip) {
        lease_log("acquired", "%s: token %" PRIu64 " (first lease on the remote)", a->op, token);
        return;
    }
    char *h = lease_holder_str(&a->cur);
    lease_log("acquired", "%s: token %" PRIu64 " (%s; previous entry: %s, %s)", a->op, token, how, h,
              !a->cur.valid ? "unreadable" : a->cur.state == MT_LEASE_HELD ? "held" : "released");
    free(h);
}

/* The push of our entry failed with rc: give up (the error), or note a lost
 * race or an unknown outcome and wait for another try (AGAIN), unless the
 * time is up (MT_LEASE_TIMEOUT, naming whoever holds it now). */
static int after_failed_push(struct acquire *a, int rc, uint64_t token, double push_start, struct mt_error *err)
{
    if (rc != MT_REPO_REJECTED && !(rc == MT_REPO_UNREACHABLE && mt_monotonic() < a->deadline)) {
        mt_error_move(err, &a->e);
        return rc;
    }
    if (a->o->waited) *a->o->waited = true;
    if (rc == MT_REPO_REJECTED) {
        lease_log("race-lost", "%s: %s", a->op, a->e.msg ? a->e.msg : "rejected");
    } else {
        snprintf(a->unsure, sizeof(a->unsure), "%s", a->commit);
        a->unsure_start = push_start;
        a->unsure_token = token;
    }
    double now = mt_monotonic();
    if (now < a->deadline) {
        lease_backoff_sleep(&a->backoff, &a->rng, a->deadline - now);
        return AGAIN;
    }
    char *h = NULL;
    struct mt_error e2 = {0};
    if (lease_fetch_tip(a->repo, a->o->remote, a->refname, a->tip, &e2) == 0 && *a->tip &&
        lease_read_entry(a->repo, a->tip, &a->cur, &e2) == 0 && a->cur.valid) {
        char *who = lease_holder_str(&a->cur);
        h = xasprintf("%s by %s", a->cur.state == MT_LEASE_HELD ? "held" : "last released", who);
        if (a->o->holder && a->cur.state == MT_LEASE_HELD) *a->o->holder = xstrdup(who);
        free(who);
    }
    mt_error_clear(&e2);
    mt_error_set(err, "%s: timed out after %.1f s: lost the race for it (%s)", a->op, now - a->start,
                 h ? h : a->e.msg ? a->e.msg : "rejected");
    free(h);
    return MT_LEASE_TIMEOUT;
}

/* Push our entry over the tip, restarting the chain near its bound unless
 * the remote refused that here before: 0 and *out when it landed. */
static int push_claim(struct acquire *a, uint64_t token, const char *how, struct mt_lease **out,
                      struct mt_error *err)
{
    struct lease_entry ent = {a->o->env, a->host, a->pid, token, a->o->ttl_seconds, MT_LEASE_HELD, NULL, NULL};
    bool restarted = false;
    if (*a->refused && strcmp(a->refused, a->tip) == 0 && !a->no_restart) {
        a->no_restart = true;  /* the server kept this tip: it refuses non-fast-forward updates */
        lease_log("restart-refused", "%s: the remote refused to restart the chain at %.12s (a non-fast-forward "
                  "update); the chain grows on", a->op, a->tip);
    }
    int rc = lease_make_acquire_entry(a->repo, a->tip, &ent, !a->no_restart, a->commit, &restarted, err);
    if (rc < 0) return rc;
    double push_start = mt_monotonic();
    rc = restarted ? mt_repo_push_cas_rewrite(a->repo, a->o->remote, a->commit, a->refname, a->tip, &a->e)
                   : mt_repo_push_cas(a->repo, a->o->remote, a->commit, a->refname, a->tip, &a->e);
    if (restarted && rc == MT_REPO_REJECTED) snprintf(a->refused, sizeof(a->refused), "%s", a->tip);
    if (rc != 0) return after_failed_push(a, rc, token, push_start, err);
    if (restarted)
        lease_log("restarted", "%s: the chain at %.12s was near its bound (%zu entries): a new root carries "
                  "token %" PRIu64 " and its summary", a->op, a->tip, lease_chain_max(), token - 1);
    *out = grant(a, token, a->commit, push_start);
    log_acquired(a, token, how);
    return 0;
}

/* One try: 0 and *out when the lease is ours, AGAIN to try again, or the
 * error. */
static int acquire_try(struct acquire *a, struct mt_lease **out, struct mt_error *err)
{
    double now;
    const char *how;
    uint64_t token;
    int rc = observe_tip(a, &now, err);
    if (rc != 0) return rc;
    if (*a->unsure && strcmp(a->tip, a->unsure) == 0) {
        /* The push the network failed on had landed: the lease is ours. */
        *out = grant(a, a->unsure_token, a->unsure, a->unsure_start);
        lease_log("acquired", "%s: token %" PRIu64 " (the push reported as failed had landed)", a->op,
                  a->unsure_token);
        return 0;
    }
    if ((rc = judge_tip(a, now, &how, &token, err)) < 0) return rc;
    if (!how) return wait_for_holder(a, now, err);
    return push_claim(a, token, how, out, err);
}

static void acquire_end(struct acquire *a, int rc)
{
    if (rc != 0 && *a->unsure)  /* never silently: a landed push holds the lease */
        lease_log("unsure", "%s: gave up while the push of token %" PRIu64 " (%.12s) had an unknown outcome; "
                  "if it landed, the lease stays held by this process until its ttl (%ld s) runs out",
                  a->op, a->unsure_token, a->unsure, a->o->ttl_seconds);
    mt_lease_info_clear(&a->cur);
    mt_error_clear(&a->e);
    free(a->waited_for);
    free(a->host);
    free(a->refname);
    free(a->op);
}

int mt_lease_acquire(struct mt_repo *repo, const struct mt_lease_acquire_opts *opts, struct mt_lease **out,
                     struct mt_error *err)
{
    struct acquire a;
    *out = NULL;
    if (opts->waited) *opts->waited = false;
    if (opts->holder) *opts->holder = NULL;
    int rc = acquire_begin(&a, repo, opts, err);
    if (rc == 0) {
        do rc = acquire_try(&a, out, err);
        while (rc == AGAIN);
    }
    acquire_end(&a, rc);
    return rc;
}
