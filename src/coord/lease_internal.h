/* lease_internal.h: what the pieces of the lease (lease.c, lease_entry.c,
 * lease_chain.c, lease_acquire.c) share; nothing outside src/coord/lease*.c
 * includes it. The promises to the rest of memtui are in
 * include/memtui/coord/lease.h. */
#ifndef MEMTUI_COORD_LEASE_INTERNAL_H
#define MEMTUI_COORD_LEASE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "memtui/coord/lease.h"

#define BACKOFF_MIN 0.05  /* seconds */
#define BACKOFF_MAX 0.4   /* waiters poll often enough to get a turn */
#define BREAK_TRIES 8
#define LEASE_FILE_MAX 65536  /* bytes: what memtui writes is a few hundred */

struct mt_lease {
    struct mt_repo *repo;
    char *remote;
    char *branch;
    char *refname;
    char *env;
    char *host;
    long pid;
    long ttl;
    uint64_t token;
    char tip[MT_OID_HEX];      /* our last accepted entry */
    char pending[MT_OID_HEX];  /* pushed with an unknown outcome, "" if none */
    double deadline;           /* mt_monotonic() seconds */
    bool lost;
};

/* One lease.json to write. */
struct lease_entry {
    const char *env, *host;
    long pid;
    uint64_t token;
    long ttl;
    enum mt_lease_state state;
    const char *broke;  /* NULL unless written by a break */
    const char *chain;  /* the summary object (JSON text) of a chain root, else NULL */
};

/* ---- lease.c: helpers --------------------------------------------------- */

/* Report an event to the sink set by mt_lease_set_log, if any. */
void lease_log(const char *event, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
uint64_t lease_rng_seed(void);
/* Sleep *backoff +-50 %, but at most `limit` seconds; then double *backoff
 * (up to BACKOFF_MAX). */
void lease_backoff_sleep(double *backoff, uint64_t *rng, double limit);
/* A holder's ttl + mt_lease_margin. */
double lease_takeover_wait(long ttl);
/* How long an entry counts as held (unreadable: MT_LEASE_TTL_MAX). */
long lease_held_for(const struct mt_lease_info *c);
/* This boot's id and this process's PID namespace; false when unknown. */
bool lease_boot_id(char out[64]);
bool lease_pid_namespace(char out[64]);
/* When this machine first saw tip (monotonic seconds), or now when new. */
double lease_first_sighting(struct mt_repo *repo, const char *refname, const char *tip, double now);
/* False, err set, unless env matches [A-Za-z0-9._-]{1,64}. */
bool lease_check_env(const char *env, const char *op, struct mt_error *err);
/* host, or this host's name when host is NULL or "". */
char *lease_writer_host(const char *host);
/* "refs/heads/<branch>" or NULL (err set) for a bad name. */
char *lease_ref(const char *branch, const char *op, struct mt_error *err);
/* True when the holder's pid is provably gone (same machine, boot, PID
 * namespace). */
bool lease_holder_dead_here(const struct mt_lease_info *c);
/* Fetch the tip; MT_REPO_NOTFOUND leaves tip "" and returns 0. */
int lease_fetch_tip(struct mt_repo *repo, const char *remote, const char *refname, char tip[MT_OID_HEX],
                    struct mt_error *err);
/* "env@host pid N token T", or the unreadable entry's commit. */
char *lease_holder_str(const struct mt_lease_info *c);

/* ---- lease_entry.c: one entry ---------------------------------------------- */

/* Forget what was read of info, keeping which commit it is; why (owned)
 * becomes info->error. */
void lease_set_unreadable(struct mt_lease_info *info, char *why);
/* Describe the entry in commit tip as its lease.json reads, without looking
 * at the chain below it (info->valid says whether it could be read). */
int lease_load_entry(struct mt_repo *repo, const char *tip, struct mt_lease_info *info, struct mt_error *err);
/* Create (locally, no ref moved) a commit holding e, child of parent ("" for
 * a root commit). */
int lease_make_entry(struct mt_repo *repo, const char *parent, const struct lease_entry *e,
                     const char *message, char out[MT_OID_HEX], struct mt_error *err);

/* ---- lease_chain.c: the chain of entries ------------------------------------ */

/* Replace tip by its first parent ("" at a root); -1 (libgit2 error left
 * set) when the commit cannot be read. */
int lease_first_parent(struct mt_repo *repo, char tip[MT_OID_HEX]);
/* lease_load_entry, then the checks against the chain below (token jumps,
 * chain roots). */
int lease_read_entry(struct mt_repo *repo, const char *tip, struct mt_lease_info *info, struct mt_error *err);
/* The token for whoever takes the lease over from cur (the entry at tip). */
uint64_t lease_next_token(struct mt_repo *repo, const char *tip, const struct mt_lease_info *cur);
/* Token of the newest readable entry at or below tip (0 if none). */
uint64_t lease_last_good_token(struct mt_repo *repo, const char *tip);
/* The chain's bound: MEMTUI_LEASE_CHAIN_MAX, else the default. */
size_t lease_chain_max(void);
/* Make the entry to push over tip: its child, or (restart allowed, chain
 * near its bound) the child of a new root; *restarted says which. */
int lease_make_acquire_entry(struct mt_repo *repo, const char *tip, const struct lease_entry *ent, bool restart,
                             char commit[MT_OID_HEX], bool *restarted, struct mt_error *err);

#endif
