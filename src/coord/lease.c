/* lease.c: the distributed lease as a chain of commits on a branch of the
 * shared remote: shared helpers, holding (renew, release), reading, breaking
 * and the operator's view. Acquiring is in lease_acquire.c, one entry's
 * lease.json in lease_entry.c, the chain below a tip in lease_chain.c.
 * Only libgit2 (through repo.c and its git_repository). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "memtui/coord/lease.h"
#include "memtui/git/git_error.h"

#include <errno.h>
#include <git2.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "memtui/base/fsutil.h"
#include "memtui/config/machine.h"
#include "memtui/coord/lock.h"
#include "lease_internal.h"

/* ---- small helpers --------------------------------------------------- */

static mt_lease_log_fn log_fn;
static void *log_ctx;

void mt_lease_set_log(mt_lease_log_fn fn, void *ctx)
{
    log_fn = fn;
    log_ctx = ctx;
}

void lease_log(const char *event, const char *fmt, ...)
{
    if (!log_fn) return;
    va_list ap;
    char *s = NULL;
    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0) s = NULL;
    va_end(ap);
    log_fn(log_ctx, event, s ? s : event);
    free(s);
}

static void sleep_s(double s)
{
    if (!(s > 0)) return;
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* xorshift64*, seeded per call site so that forked processes differ. */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

uint64_t lease_rng_seed(void)
{
    uint64_t s = (uint64_t)(mt_monotonic() * 1e9) ^ ((uint64_t)getpid() << 32) ^ (uint64_t)time(NULL);
    s ^= (uint64_t)(uintptr_t)&s;
    return s ? s : 0x9E3779B97F4A7C15ULL;
}

/* Sleep *backoff +-50 %, but at most `limit` seconds; then double *backoff
 * (up to BACKOFF_MAX). */
void lease_backoff_sleep(double *backoff, uint64_t *rng, double limit)
{
    double s = *backoff * (0.5 + (double)(rng_next(rng) >> 11) / (double)(1ULL << 53));
    sleep_s(s < limit ? s : limit);
    *backoff = *backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : *backoff * 2;
}

double mt_lease_margin(long ttl_seconds)
{
    double m = (double)ttl_seconds / 10.0;
    return m > 2.0 ? m : 2.0;
}

double lease_takeover_wait(long ttl)
{
    return (double)ttl + mt_lease_margin(ttl);
}

/* How long an entry counts as held: its ttl, at most MT_LEASE_TTL_MAX; an
 * unreadable entry may hide any holder, so it counts as the most. */
long lease_held_for(const struct mt_lease_info *c)
{
    return c->valid && c->ttl < MT_LEASE_TTL_MAX ? c->ttl : MT_LEASE_TTL_MAX;
}

/* ---- sightings: how long this machine has seen a tip unchanged ------------
 * Runs are shorter than a TTL (cron, --lock-timeout 30 s, TTL 60 s), so a
 * lease abandoned by a crashed machine would never be seen unchanged long
 * enough by any single run. The first sighting of a tip is kept in
 * <git dir>/memtui/lease-seen with the boot id: CLOCK_MONOTONIC is one clock
 * for every process of one boot, so later runs measure from it, still never
 * comparing another machine's clock. After a reboot it starts over. */

bool lease_boot_id(char out[64])
{
    FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
    if (!f) return false;
    bool ok = fgets(out, 64, f) != NULL;
    fclose(f);
    if (ok) out[strcspn(out, "\n")] = '\0';
    return ok && *out;
}

/* This process's PID namespace, as /proc/self/ns/pid names it. */
bool lease_pid_namespace(char out[64])
{
    ssize_t n = readlink("/proc/self/ns/pid", out, 63);
    if (n <= 0) return false;
    out[n] = '\0';
    return true;
}

static char *sighting_path(struct mt_repo *repo, const char *refname)
{
    const char *slash = strrchr(refname, '/');
    return xasprintf("%smemtui/lease-seen-%s", mt_repo_gitdir(repo), slash ? slash + 1 : refname);
}

/* When this machine first saw tip (monotonic seconds), or now when it is
 * new to it (then noted for the next run). */
double lease_first_sighting(struct mt_repo *repo, const char *refname, const char *tip, double now)
{
    char boot[64], line[256];
    if (!lease_boot_id(boot)) return now;
    char *path = sighting_path(repo, refname);
    double since = now;
    bool known = false;
    FILE *f = fopen(path, "r");
    if (f) {
        char fboot[64], ftip[MT_OID_HEX];
        double t;
        if (fgets(line, sizeof line, f) && sscanf(line, "%63s %40s %lf", fboot, ftip, &t) == 3 &&
            strcmp(fboot, boot) == 0 && strcmp(ftip, tip) == 0 && t <= now) {
            since = t;
            known = true;
        }
        fclose(f);
    }
    if (!known) {
        char *text = xasprintf("%s %s %.3f\n", boot, tip, now);
        struct mt_error e = {0};
        mt_file_write_atomic(path, text, strlen(text), 0600, &e);  /* best effort: only speeds takeover */
        mt_error_clear(&e);
        free(text);
    }
    free(path);
    return since;
}

/* False, err set, unless env matches [A-Za-z0-9._-]{1,64}. */
bool lease_check_env(const char *env, const char *op, struct mt_error *err)
{
    size_t n = env ? strlen(env) : 0;
    bool ok = n >= 1 && n <= 64;
    for (size_t i = 0; ok && i < n; i++) {
        char c = env[i];
        ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
             c == '_' || c == '-';
    }
    if (!ok) mt_error_set(err, "%s: invalid env name '%s' (expected [A-Za-z0-9._-]{1,64})", op, env ? env : "");
    return ok;
}

/* host, or this host's name when host is NULL or "". */
char *lease_writer_host(const char *host)
{
    char h[256];
    if (host && *host) return xstrdup(host);
    if (gethostname(h, sizeof(h)) != 0 || !h[0]) return xstrdup("localhost");
    h[sizeof(h) - 1] = '\0';
    return xstrdup(h);
}

/* "refs/heads/<branch>" or NULL (err set) for a bad name. */
char *lease_ref(const char *branch, const char *op, struct mt_error *err)
{
    char *ref = xasprintf("refs/heads/%s", branch ? branch : MT_LEASE_BRANCH);
    int valid = 0;
    if (git_reference_name_is_valid(&valid, ref) < 0 || !valid) {
        git_error_clear();
        mt_error_set(err, "%s: invalid lease branch name '%s'", op, branch ? branch : "");
        free(ref);
        return NULL;
    }
    return ref;
}

/* ---- holders and tips --------------------------------------------------- */

static bool same_text(const char *recorded, const char *ours)
{
    return recorded && *recorded && strcmp(recorded, ours) == 0;
}

/* True when the holder's pid is one of this PID namespace, this boot, this
 * machine, and is gone. A host name says none of that: containers and VMs
 * share names, and a live holder elsewhere must never look dead. */
bool lease_holder_dead_here(const struct mt_lease_info *c)
{
    char boot[64], ns[64];
    if (!c->valid || c->pid <= 0 || !lease_boot_id(boot) || !lease_pid_namespace(ns)) return false;
    if (!same_text(c->machine, mt_machine_id()) || !same_text(c->boot, boot) || !same_text(c->pidns, ns))
        return false;
    if (c->pid == (long)getpid()) return false;  /* that is us: alive */
    return kill((pid_t)c->pid, 0) == -1 && errno == ESRCH;
}

static void free_lease(struct mt_lease *l)
{
    if (!l) return;
    free(l->remote);
    free(l->branch);
    free(l->refname);
    free(l->env);
    free(l->host);
    free(l);
}

/* Fetch the tip; MT_REPO_NOTFOUND leaves tip "". */
int lease_fetch_tip(struct mt_repo *repo, const char *remote, const char *refname,
                     char tip[MT_OID_HEX], struct mt_error *err)
{
    int rc = mt_repo_remote_ref(repo, remote, refname, tip, err);
    if (rc == MT_REPO_NOTFOUND) {
        mt_error_clear(err);
        tip[0] = '\0';
        return 0;
    }
    return rc;
}

char *lease_holder_str(const struct mt_lease_info *c)
{
    if (!c->valid) return xasprintf("an unreadable entry %.12s", c->tip);
    return xasprintf("%s@%s pid %ld token %" PRIu64, c->env, c->host, c->pid, c->token);
}

/* ---- holding ------------------------------------------------------------- */

bool mt_lease_valid(const struct mt_lease *l)
{
    return l && !l->lost && mt_monotonic() < l->deadline;
}

double mt_lease_remaining(const struct mt_lease *l)
{
    if (!l || l->lost) return 0;
    double left = l->deadline - mt_monotonic();
    return left > 0 ? left : 0;
}

uint64_t mt_lease_token(const struct mt_lease *l) { return l ? l->token : 0; }
long mt_lease_ttl(const struct mt_lease *l) { return l ? l->ttl : 0; }
const char *mt_lease_tip(const struct mt_lease *l) { return l ? l->tip : ""; }

/* A previous push whose outcome was unknown may have landed: if the remote
 * tip is that commit, it is ours (the deadline stays the older, safer one). */
static void settle_pending(struct mt_lease *l)
{
    char tip[MT_OID_HEX];
    struct mt_error e = {0};
    if (!l->pending[0]) return;
    if (lease_fetch_tip(l->repo, l->remote, l->refname, tip, &e) == 0) {
        if (strcmp(tip, l->pending) == 0) snprintf(l->tip, sizeof(l->tip), "%s", tip);
        l->pending[0] = '\0';
    }
    mt_error_clear(&e);
}

/* Push one entry as a child of our tip. */
static int push_entry(struct mt_lease *l, enum mt_lease_state state, const char *what,
                      double *push_start, struct mt_error *err)
{
    struct lease_entry ent = {l->env, l->host, l->pid, l->token, l->ttl, state, NULL, NULL};
    char commit[MT_OID_HEX];
    char *msg = xasprintf("lease: %s by %s@%s pid %ld token %" PRIu64, what, l->env, l->host, l->pid,
                          l->token);
    int rc = lease_make_entry(l->repo, l->tip, &ent, msg, commit, err);
    free(msg);
    if (rc < 0) return rc;
    *push_start = mt_monotonic();
    rc = mt_repo_push_cas(l->repo, l->remote, commit, l->refname, l->tip, err);
    if (rc == 0) {
        snprintf(l->tip, sizeof(l->tip), "%s", commit);
        l->pending[0] = '\0';
    } else if (rc != MT_REPO_REJECTED) {
        snprintf(l->pending, sizeof(l->pending), "%s", commit);
    }
    return rc;
}

int mt_lease_renew(struct mt_lease *l, struct mt_error *err)
{
    if (!l) {
        mt_error_set(err, "lease: renew: no lease");
        return MT_REPO_ERR;
    }
    if (l->lost) {
        mt_error_set(err, "lease %s: renew: the lease (token %" PRIu64 ") was already lost", l->branch,
                     l->token);
        return MT_LEASE_LOST;
    }
    double now = mt_monotonic();
    if (now >= l->deadline) {
        l->lost = true;
        mt_error_set(err, "lease %s: renew: too late, the local deadline passed %.1f s ago (ttl %ld s); "
                     "token %" PRIu64 " is lost", l->branch, now - l->deadline,
                     l->ttl, l->token);
        lease_log("lost", "%s", err->msg);
        return MT_LEASE_LOST;
    }
    settle_pending(l);
    struct mt_error e = {0};
    double push_start = 0;
    int rc = push_entry(l, MT_LEASE_HELD, "renewed", &push_start, &e);
    if (rc == 0) {
        l->deadline = push_start + (double)l->ttl;
        lease_log("renewed", "lease %s: token %" PRIu64 " renewed for %ld s", l->branch, l->token, l->ttl);
    } else if (rc == MT_REPO_REJECTED) {
        l->lost = true;
        rc = MT_LEASE_LOST;
        mt_error_set(err, "lease %s: renew: token %" PRIu64 " is lost, someone else changed the lease (%s)",
                     l->branch, l->token, e.msg ? e.msg : "rejected");
        lease_log("lost", "%s", err->msg);
    } else {
        mt_error_move(err, &e);
    }
    mt_error_clear(&e);
    return rc;
}

/* A lease left held stops every other machine for its ttl, so a release
 * the network failed on is pushed again a few times (about 2 s in all).
 * A try whose answer was lost may have landed: a tip that is one of ours
 * means released. */
#define RELEASE_TRIES 4
static int push_release(struct mt_lease *l, struct mt_error *err)
{
    char sent[RELEASE_TRIES][MT_OID_HEX];
    int nsent = 0;
    double push_start = 0, pause = 0.25;
    settle_pending(l);
    int rc = push_entry(l, MT_LEASE_RELEASED, "released", &push_start, err);
    for (int i = 1; i < RELEASE_TRIES && rc == MT_REPO_UNREACHABLE; i++) {
        if (l->pending[0]) snprintf(sent[nsent++], MT_OID_HEX, "%s", l->pending);
        sleep_s(pause);
        pause *= 2;
        char tip[MT_OID_HEX];
        struct mt_error e = {0};
        if ((rc = lease_fetch_tip(l->repo, l->remote, l->refname, tip, &e)) < 0) {
            mt_error_move(err, &e);
            continue;
        }
        for (int k = 0; k < nsent; k++) {
            if (strcmp(tip, sent[k]) == 0) {
                snprintf(l->tip, sizeof(l->tip), "%s", tip);
                l->pending[0] = '\0';
                mt_error_clear(err);
                return 0;
            }
        }
        mt_error_clear(err);
        rc = push_entry(l, MT_LEASE_RELEASED, "released", &push_start, err);
    }
    return rc;
}

int mt_lease_release(struct mt_lease *l, struct mt_error *err)
{
    if (!l) return 0;
    int rc;
    if (l->lost) {
        mt_error_set(err, "lease %s: release: token %" PRIu64 " was already lost; no release entry written",
                     l->branch, l->token);
        rc = MT_LEASE_LOST;
    } else {
        struct mt_error e = {0};
        rc = push_release(l, &e);
        if (rc == 0) {
            lease_log("released", "lease %s: token %" PRIu64 " released", l->branch, l->token);
        } else if (rc == MT_REPO_REJECTED) {
            rc = MT_LEASE_LOST;
            mt_error_set(err, "lease %s: release: token %" PRIu64 " was taken over before the release (%s); "
                         "no release entry written", l->branch, l->token, e.msg ? e.msg : "rejected");
            lease_log("lost", "%s", err->msg);
        } else {
            mt_error_move(err, &e);
        }
        mt_error_clear(&e);
    }
    free_lease(l);
    return rc;
}

void mt_lease_abandon(struct mt_lease *l)
{
    free_lease(l);
}

/* ---- reading --------------------------------------------------------------- */

int mt_lease_read(struct mt_repo *repo, const char *remote, const char *branch,
                  struct mt_lease_info *info, struct mt_error *err)
{
    char tip[MT_OID_HEX];
    char *op = xasprintf("lease %s: read", branch ? branch : MT_LEASE_BRANCH);
    char *ref = lease_ref(branch, op, err);
    int rc = MT_REPO_ERR;
    memset(info, 0, sizeof(*info));
    if (!ref) goto out;
    if ((rc = lease_fetch_tip(repo, remote, ref, tip, err)) < 0) goto out;
    if (!*tip) {
        mt_error_set(err, "%s: the remote has no lease branch yet", op);
        rc = MT_REPO_NOTFOUND;
        goto out;
    }
    rc = lease_read_entry(repo, tip, info, err);
out:
    free(ref);
    free(op);
    return rc;
}

void mt_lease_chain_free(struct mt_lease_info *entries, size_t n)
{
    for (size_t i = 0; i < n; i++) mt_lease_info_clear(&entries[i]);
    free(entries);
}

int mt_lease_chain(struct mt_repo *repo, const char *remote, const char *branch, size_t max,
                   struct mt_lease_info **entries, size_t *n, struct mt_error *err)
{
    char tip[MT_OID_HEX];
    char *op = xasprintf("lease %s: chain", branch ? branch : MT_LEASE_BRANCH);
    char *ref = lease_ref(branch, op, err);
    struct mt_lease_info *v = NULL;
    size_t k = 0, cap = 0;
    int rc = MT_REPO_ERR;
    *entries = NULL;
    *n = 0;
    if (!ref) goto out;
    if ((rc = lease_fetch_tip(repo, remote, ref, tip, err)) < 0) goto out;
    while (*tip && k < max) {
        MT_GROW(v, cap, k + 1);
        memset(&v[k], 0, sizeof(v[k]));
        if ((rc = lease_read_entry(repo, tip, &v[k], err)) < 0) goto out;
        k++;
        if (lease_first_parent(repo, tip) < 0) {
            mt_error_set(err, "%s: read commit %.12s: %s", op, tip, mt_git_reason("libgit2 error"));
            git_error_clear();
            rc = MT_REPO_ERR;
            goto out;
        }
    }
    rc = 0;
out:
    if (rc < 0) {
        mt_lease_chain_free(v, k);
    } else {
        *entries = v;
        *n = k;
    }
    free(ref);
    free(op);
    return rc;
}

int mt_lease_break(struct mt_repo *repo, const char *remote, const char *branch, const char *env,
                   const char *host, long pid, uint64_t expect, struct mt_lease_info *broken,
                   struct mt_lease_info *written, struct mt_error *err)
{
    const char *bname = branch ? branch : MT_LEASE_BRANCH;
    char *op = xasprintf("lease %s: break", bname);
    char *ref = NULL, *myhost = NULL;
    struct mt_lease_info cur = {0};
    struct mt_error e = {0};
    char tip[MT_OID_HEX], commit[MT_OID_HEX] = "";
    uint64_t rng = lease_rng_seed();
    double backoff = BACKOFF_MIN;
    int rc = MT_REPO_ERR;
    if (broken) memset(broken, 0, sizeof(*broken));
    if (written) memset(written, 0, sizeof(*written));
    if (!lease_check_env(env, op, err) || !(ref = lease_ref(branch, op, err))) goto out;
    myhost = lease_writer_host(host);
    if (pid <= 0) pid = (long)getpid();

    for (int attempt = 0;; attempt++) {
        mt_error_clear(&e);
        commit[0] = '\0';
        if ((rc = lease_fetch_tip(repo, remote, ref, tip, err)) < 0) goto out;
        if (!*tip) {
            mt_error_set(err, "%s: the remote has no lease branch: nothing to break", op);
            rc = MT_REPO_NOTFOUND;
            goto out;
        }
        if ((rc = lease_read_entry(repo, tip, &cur, err)) < 0) goto out;
        if (cur.valid && cur.state == MT_LEASE_RELEASED) {
            lease_log("broken", "%s: nothing to do, the lease is released (token %" PRIu64 ")", op, cur.token);
            rc = 0;
            break;
        }
        uint64_t token = cur.valid ? cur.token : lease_last_good_token(repo, tip);
        char *h = lease_holder_str(&cur);
        if (expect && token != expect) {
            mt_error_set(err, "%s: the lease is held by %s, not with token %" PRIu64 " (it changed hands "
                         "since, or the token is wrong): nothing broken", op, h, expect);
            free(h);
            rc = MT_LEASE_CHANGED;
            goto out;
        }
        long ttl = cur.valid ? cur.ttl : 1;
        char *was = cur.valid ? xstrdup(h) : xasprintf("unreadable entry %.12s", tip);
        struct lease_entry ent = {env, myhost, pid, token + 1, ttl, MT_LEASE_RELEASED, was, NULL};
        char *msg = xasprintf("lease: broken by %s@%s pid %ld token %" PRIu64 " (was held by %s)", env, myhost,
                              pid, token + 1, h);
        rc = lease_make_entry(repo, tip, &ent, msg, commit, err);
        free(msg);
        if (rc == 0) rc = mt_repo_push_cas(repo, remote, commit, ref, tip, &e);
        if (rc == 0)
            lease_log("broken", "%s by %s@%s pid %ld, token %" PRIu64 ": was held by %s", op, env, myhost, pid,
                      token + 1, h);
        free(was);
        free(h);
        if (rc == 0) break;
        if (rc != MT_REPO_REJECTED || attempt + 1 >= BREAK_TRIES) {
            if (e.msg) mt_error_move(err, &e);
            goto out;
        }
        lease_backoff_sleep(&backoff, &rng, 1e9);  /* no limit */
    }
    if (written && commit[0]) {
        if (lease_read_entry(repo, commit, written, &e) < 0) mt_lease_info_clear(written);
        snprintf(written->tip, sizeof(written->tip), "%s", commit);  /* pushed, whatever the read said */
    }
    if (broken) {
        *broken = cur;
        memset(&cur, 0, sizeof(cur));
    }
out:
    mt_lease_info_clear(&cur);
    mt_error_clear(&e);
    free(myhost);
    free(ref);
    free(op);
    return rc;
}

/* ---- the operator's view ---------------------------------------------- */

void mt_lease_sighting(struct mt_repo *repo, const char *branch, const struct mt_lease_info *tip,
                       struct mt_lease_sighting *out)
{
    char *ref = xasprintf("refs/heads/%s", branch ? branch : MT_LEASE_BRANCH);
    double now = mt_monotonic();
    memset(out, 0, sizeof(*out));
    out->seen_for = now - lease_first_sighting(repo, ref, tip->tip, now);
    /* The same rules as acquire: an unreadable entry counts as held for the
     * maximum ttl, a readable one for its ttl bounded by it. */
    if (!tip->valid || tip->state == MT_LEASE_HELD) {
        out->holder_gone = lease_holder_dead_here(tip);
        double wait = lease_takeover_wait(lease_held_for(tip)) - out->seen_for;
        out->takeover_in = out->holder_gone || wait < 0 ? 0 : wait;
    }
    free(ref);
}

char *mt_lease_describe(const struct mt_lease_info *info)
{
    return lease_holder_str(info);
}
