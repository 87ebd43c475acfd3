/* lease.h: the distributed lease kept in the shared git remote (DESIGN 3.2).
 *
 * The lease lives on a branch of the remote (default memtui/lease) whose
 * commits form a chain: every change is a child commit of the tip it
 * replaces, pushed with mt_repo_push_cas expecting exactly that tip, so the
 * chain is also the audit log. Each commit's tree holds one file, lease.json:
 *
 *   {"env":"a","host":"h","pid":42,"token":7,"ttl":60,"state":"held",
 *    "time":"2024-05-01T12:00:00Z","machine":"0f3a...","boot":"6c1e...",
 *    "pidns":"pid:[4026531836]"}
 *
 * env/host/pid name the process that wrote the entry; token is the fencing
 * token (it grows by one on every acquisition and on every break, never
 * otherwise); ttl is the writer's time to live in seconds; state is "held"
 * or "released"; time is the writer's UTC wall time, for people only: no
 * decision ever compares another machine's wall clock. machine
 * (mt_machine_id), boot (the kernel's boot id) and pidns (/proc/self/ns/pid)
 * say where pid lives; entries of older versions lack them. An entry written
 * by mt_lease_break also has "broke":"<env>@<host> pid <pid> token <n>"
 * naming the holder it removed (and carries token n + 1).
 * Readers ignore keys they do not know.
 *
 * Nothing read from the branch is trusted beyond these bounds:
 * - a ttl above MT_LEASE_TTL_MAX counts as MT_LEASE_TTL_MAX;
 * - an entry that cannot be read (not JSON, wrong types, a field missing,
 *   lease.json a symlink or a tree, a token above MT_LEASE_TOKEN_MAX, or a
 *   token more than one above the newest readable entry below it: one
 *   commit cannot make the token jump) counts as held with MT_LEASE_TTL_MAX,
 *   so it is taken over once seen unchanged for that long, with the token
 *   of the newest readable entry below it + 1;
 * - tokens never overflow: at MT_LEASE_TOKEN_MAX (only reachable by a peer
 *   forging a chain of entries) the next token restarts above the entry
 *   below the newest jump.
 * A peer that keeps writing entries can hold the lease as long as it
 * writes (the branch has no authentication); no single entry can.
 *
 * Promises:
 * - At most one holder per token: a lease is granted only by a
 *   compare-and-swap push that replaced the tip the grantee had read, so two
 *   processes racing from the same tip cannot both win, on any transport.
 * - A `held` lease is taken over only after this process has seen the same
 *   tip, unchanged, for the holder's ttl + mt_lease_margin(ttl) on its own
 *   CLOCK_MONOTONIC; or at once when the holder ran in this very PID
 *   namespace of this boot of this machine (machine, boot and pidns all
 *   recorded and equal to ours: never judged by host name) and its pid no
 *   longer exists.
 * - The holder's own deadline (mt_lease_valid) runs from the moment it
 *   started the push that acquired or renewed the lease, plus its ttl: it
 *   always ends before any other process may take over (by at least the
 *   margin), so a holder that checks mt_lease_valid before publishing never
 *   overlaps with a successor. Fencing on the data itself (the token in the
 *   merge commit and a compare-and-swap push of main) covers the rest.
 * - Functions return 0, a negative MT_REPO_* code (repo.h), MT_LEASE_TIMEOUT
 *   or MT_LEASE_LOST, with err set to a message on failure.
 * - The struct mt_repo given to these functions must outlive any lease
 *   obtained from it; none of this touches the work tree, the index or HEAD
 *   (only objects, refs/remotes/<remote>/<branch> and short-lived refs under
 *   refs/memtui/). Not thread-safe on one struct mt_repo. */
#ifndef MEMTUI_LEASE_H
#define MEMTUI_LEASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "memtui/git/repo.h"
#include "memtui/base/util.h"

#define MT_LEASE_BRANCH "memtui/lease"
#define MT_LEASE_FILE "lease.json"
#define MT_LEASE_TTL_MAX 3600L                     /* seconds: --lease-ttl's upper bound too */
#define MT_LEASE_TOKEN_MAX 9007199254740991ULL     /* 2^53 - 1: exact as a JSON number */

enum {
    MT_LEASE_TIMEOUT = -10,  /* acquire gave up: err names the holder (env@host pid token) */
    MT_LEASE_LOST = -11,     /* renew/release: the lease is no longer ours (taken, broken,
                                or our local deadline passed) */
    MT_LEASE_CHANGED = -12,  /* break: the tip holds another token than the one named */
};

enum mt_lease_state { MT_LEASE_HELD, MT_LEASE_RELEASED };

/* One entry of the chain, as read from the remote. */
struct mt_lease_info {
    char tip[MT_OID_HEX];      /* the commit holding this entry */
    long long commit_time;     /* its committer time (unix seconds; informational) */
    bool valid;                /* lease.json was read and understood */
    char *error;               /* why not, when !valid */
    char *env;                 /* the fields of lease.json (NULL/0 when !valid) */
    char *host;
    long pid;
    uint64_t token;
    long ttl;
    enum mt_lease_state state;
    char *time;                /* UTC ISO 8601, as written */
    char *broke;               /* set on entries written by mt_lease_break */
    char *machine;             /* where pid lives; NULL in entries of older versions */
    char *boot;
    char *pidns;
    bool root;                 /* a parentless commit: the chain starts here */
    /* A root that restarted the chain ("chain" in lease.json): the tip it
     * replaced, that chain's number of entries, its first and last entry's
     * time, and its holders ("env@host, ..."). NULL/0 on other entries. */
    char *chain_previous;
    uint64_t chain_entries;
    char *chain_first, *chain_last, *chain_holders;
};
void mt_lease_info_clear(struct mt_lease_info *info);
/* "env@host pid P token T", or "an unreadable entry <commit>" (caller frees). */
char *mt_lease_describe(const struct mt_lease_info *info);

/* Read the text of a lease.json (untrusted: any bytes, not NUL-terminated)
 * into info, which is overwritten (tip and commit_time stay empty), as
 * strictly as the chain is read: 0, or -1 with info->error saying why. The
 * token's jump check needs the chain and is done by the readers. Free with
 * mt_lease_info_clear. */
int mt_lease_parse(const char *data, size_t len, struct mt_lease_info *info);

struct mt_lease;

/* The extra wait, beyond a holder's ttl, before a held lease may be taken
 * over: max(2 s, ttl / 10), in seconds. */
double mt_lease_margin(long ttl_seconds);

/* Who takes which lease, and how long they wait for it. */
struct mt_lease_acquire_opts {
    const char *remote;
    const char *branch;      /* NULL: MT_LEASE_BRANCH */
    const char *env;         /* must match [A-Za-z0-9._-]{1,64} */
    const char *host;        /* NULL or "": this host's name */
    long pid;                /* 0: this process */
    long ttl_seconds;        /* 1 to MT_LEASE_TTL_MAX */
    double timeout_seconds;  /* 0: one attempt */
    /* Outputs, each may be NULL. *waited: the lease was seen held by
     * another or a race for it was lost, so others may have published
     * meanwhile. *holder (to free): on MT_LEASE_TIMEOUT, who holds it, as
     * mt_lease_describe says it; NULL when that is not known. */
    bool *waited;
    char **holder;
};

/* Take the lease on opts->branch of opts->remote, as env/host/pid.
 *
 * Fetches the lease branch; takes the lease when the branch is absent (a
 * root commit, token 1) or its tip is `released` (a child commit, token + 1);
 * waits while the tip is `held`, polling with jittered exponential backoff
 * (50 ms doubling to 0.4 s, +-50 %), and takes it over once this process has
 * seen that same tip unchanged for the holder's ttl (at most
 * MT_LEASE_TTL_MAX; an unreadable tip counts as that) + margin, or at once
 * if the holder's process is gone (see above). A lost race (the push
 * was rejected) means: fetch again and retry, with the same backoff.
 * Returns 0 and *out on success; MT_LEASE_TIMEOUT when timeout_seconds (0:
 * one attempt) passed first, err naming the current holder; MT_REPO_UNREACHABLE
 * when the remote could not be reached until the timeout; MT_REPO_ERR for bad
 * arguments. */
int mt_lease_acquire(struct mt_repo *repo, const struct mt_lease_acquire_opts *opts, struct mt_lease **out,
                     struct mt_error *err);

/* Push a child of our last tip (same token, new time), expecting that tip.
 * Call it every ttl/3 during long work. MT_LEASE_LOST, and the lease is
 * marked lost for good, when the local deadline had already passed (nothing
 * is pushed then) or the push was rejected (someone took it over or broke
 * it). A network failure returns MT_REPO_UNREACHABLE and leaves the lease
 * valid until its deadline, so the caller may try again. */
int mt_lease_renew(struct mt_lease *lease, struct mt_error *err);

/* True while not lost and before the local monotonic deadline (start of the
 * last successful acquire or renew push + ttl). Check it before publishing. */
bool mt_lease_valid(const struct mt_lease *lease);
/* Seconds left before the local deadline; 0 when lost or past it. */
double mt_lease_remaining(const struct mt_lease *lease);
uint64_t mt_lease_token(const struct mt_lease *lease);
long mt_lease_ttl(const struct mt_lease *lease);
/* The commit of our last accepted entry. */
const char *mt_lease_tip(const struct mt_lease *lease);

/* Push a `released` child of our tip, expecting it, and free the lease
 * (always, whatever the result). MT_LEASE_LOST when it was lost already or
 * the push was rejected: then no release entry was written (what the holder
 * published before stays published). A release after the local deadline
 * still goes through if nobody has taken the lease since. A push the
 * network fails on is tried again for about 2 s; after that
 * MT_REPO_UNREACHABLE, and the entry stays held until its ttl runs out. */
int mt_lease_release(struct mt_lease *lease, struct mt_error *err);
/* Free without publishing anything (as a crash would): the lease then ends
 * by its ttl, or at once for a successor on this host once this process has
 * exited. */
void mt_lease_abandon(struct mt_lease *lease);

/* Fetch the lease branch and describe its tip. MT_REPO_NOTFOUND when there
 * is no lease branch yet. When the tip's lease.json is unreadable the call
 * still returns 0 with info->valid false and info->error set. */
int mt_lease_read(struct mt_repo *repo, const char *remote, const char *branch,
                  struct mt_lease_info *info, struct mt_error *err);

/* Fetch and return the last `max` entries of the chain (first parents from
 * the tip), newest first; *n may be 0 when there is no lease branch. Free
 * with mt_lease_chain_free. */
int mt_lease_chain(struct mt_repo *repo, const char *remote, const char *branch, size_t max,
                   struct mt_lease_info **entries, size_t *n, struct mt_error *err);
void mt_lease_chain_free(struct mt_lease_info *entries, size_t n);

/* Operator action: break the lease held with token `expect` (0: whatever
 * holds it) by pushing a `released` child of the tip with the next token
 * (token + 1, so the next holder gets token + 2 and a merge fenced by the
 * broken token is always older than the next one), written as env/host/pid
 * and naming the holder it broke in "broke". The push expects that tip:
 * while the tip keeps moving with the same token (a holder renewing) it
 * retries, a few times, then returns MT_REPO_REJECTED. broken (optional)
 * receives the entry that was replaced, written (optional) the break entry.
 * A tip that is already released is left alone (0, broken describes it,
 * written stays cleared). MT_LEASE_CHANGED, nothing written, when the tip
 * is held with another token than expect (the lease changed hands).
 * MT_REPO_NOTFOUND when there is no lease branch. An unreadable tip is
 * broken too, counting as the token of the newest readable entry below it. */
int mt_lease_break(struct mt_repo *repo, const char *remote, const char *branch, const char *env,
                   const char *host, long pid, uint64_t expect, struct mt_lease_info *broken,
                   struct mt_lease_info *written, struct mt_error *err);

/* How this machine sees the entry `tip` (read from `branch`, NULL:
 * MT_LEASE_BRANCH): how long it has seen that tip unchanged (its first
 * sighting is kept across runs, as acquire keeps it; this call counts as
 * one) and how long until a waiter here may take it over (0: now, because
 * it is released, expired, or held by a process of this host that is
 * gone; -1: never by waiting, as for an unreadable entry that acquire
 * refuses). Nothing is fetched. */
struct mt_lease_sighting {
    double seen_for;        /* seconds */
    double takeover_in;     /* seconds until a waiter here may take it over */
    bool holder_gone;       /* held by a process of this machine, boot and PID namespace
                               that no longer exists */
};
void mt_lease_sighting(struct mt_repo *repo, const char *branch, const struct mt_lease_info *tip,
                       struct mt_lease_sighting *out);

/* Optional observer of lease events ("wait", "acquired", "race-lost",
 * "unsure" (acquire gave up after a push whose outcome it never learnt),
 * "renewed", "lost", "released", "broken"), e.g. for the audit log. One per
 * process; NULL turns it off. detail is a human sentence. */
typedef void (*mt_lease_log_fn)(void *ctx, const char *event, const char *detail);
void mt_lease_set_log(mt_lease_log_fn fn, void *ctx);

#endif
