/* lease_chain.c: the chain of lease entries below a tip: walking it, the
 * token rules (a token grows by one; chain roots), and its bound (a chain
 * near it is restarted under a summary). */
#include <git2.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memtui/graph/jsonw.h"
#include "lease_internal.h"

/* Replace tip by its first parent ("" at a root commit); -1 (libgit2 error
 * left set, tip unchanged) when the commit cannot be read. */
int lease_first_parent(struct mt_repo *repo, char tip[MT_OID_HEX])
{
    git_commit *c = NULL;
    git_oid id;
    if (git_oid_fromstr(&id, tip) < 0 || git_commit_lookup(&c, mt_repo_git(repo), &id) < 0) return -1;
    if (git_commit_parentcount(c) > 0) git_oid_tostr(tip, MT_OID_HEX, git_commit_parent_id(c, 0));
    else tip[0] = '\0';
    git_commit_free(c);
    return 0;
}

/* Call fn on the entries from commit `from` down its first parents (each
 * checked by lease_read_entry when `checked`, else only parsed) until it returns
 * true: 1 then, 0 at the end of the chain, -1 when the chain cannot be read. */
typedef bool (*entry_fn)(struct mt_repo *repo, const struct mt_lease_info *info, void *ctx);
static int walk_chain(struct mt_repo *repo, const char *from, bool checked, entry_fn fn, void *ctx)
{
    char at[MT_OID_HEX];
    struct mt_lease_info info = {0};
    struct mt_error e = {0};
    int rc = 0;
    snprintf(at, sizeof(at), "%s", from);
    while (*at) {
        if ((checked ? lease_read_entry(repo, at, &info, &e) : lease_load_entry(repo, at, &info, &e)) < 0) {
            rc = -1;
            break;
        }
        if (fn(repo, &info, ctx)) {
            rc = 1;
            break;
        }
        if (lease_first_parent(repo, at) < 0) {
            rc = -1;
            break;
        }
    }
    git_error_clear();
    mt_lease_info_clear(&info);
    mt_error_clear(&e);
    return rc;
}

/* An entry_fn: the first readable entry's token into *(uint64_t *)ctx. */
static bool take_token(struct mt_repo *repo, const struct mt_lease_info *info, void *ctx)
{
    (void)repo;
    if (info->valid) *(uint64_t *)ctx = info->token;
    return info->valid;
}

/* Token of the newest entry strictly below tip that parses (0 below a
 * root); -1 when the chain cannot be read. */
static long long token_below(struct mt_repo *repo, const char *tip)
{
    char parent[MT_OID_HEX];
    uint64_t token = 0;
    snprintf(parent, sizeof(parent), "%s", tip);
    if (lease_first_parent(repo, parent) < 0) {
        git_error_clear();
        return -1;
    }
    return walk_chain(repo, parent, false, take_token, &token) < 0 ? -1 : (long long)token;
}

/* A root that restarted the chain carries the token of the tip it
 * replaced (the jump rule's entry below, which is no longer on the branch);
 * the next holder's entry, its child, adds one. Only a root, and only
 * released, may carry a summary; where this repository has the tip it
 * names, the token must be that entry's (or, unreadable, the newest
 * readable below it): a summary that lies there is unreadable. Where it has
 * not, the token is taken as written, as for a branch started over (the
 * compare-and-swap of every push still fences: at worst tokens start
 * again lower, as after a forged jump). */
static int check_restart(struct mt_repo *repo, struct mt_lease_info *info)
{
    const char *why = !info->root ? "only a chain root carries a chain summary"
                      : info->state != MT_LEASE_RELEASED ? "a chain root is written released"
                                                          : NULL;
    git_oid id;
    git_commit *c = NULL;
    if (!why && git_oid_fromstr(&id, info->chain_previous) == 0 &&
        git_commit_lookup(&c, mt_repo_git(repo), &id) == 0) {
        /* The tip named may itself be a root whose summary names another:
         * only this first step is checked, the rest read as written, so a
         * peer's chain of roots cannot recurse without end. */
        static _Thread_local bool nested;
        uint64_t was = 0;
        if (nested) {
            walk_chain(repo, info->chain_previous, false, take_token, &was);
        } else {
            nested = true;
            was = lease_last_good_token(repo, info->chain_previous);
            nested = false;
        }
        if (was != info->token)
            lease_set_unreadable(info, xasprintf("lease entry %.12s: " MT_LEASE_FILE " is unreadable: the chain root "
                                           "carries token %" PRIu64 " but the tip it names, %.12s, has %" PRIu64,
                                           info->tip, info->token, info->chain_previous, was));
    }
    git_commit_free(c);
    git_error_clear();
    if (why) lease_set_unreadable(info, xasprintf("lease entry %.12s: " MT_LEASE_FILE " is unreadable: %s", info->tip, why));
    return 0;
}

/* Describe the entry in commit `tip` (already in the local repository). An
 * unreadable lease.json is not an error here: info->valid says so. Every
 * writer sets at most the token below + 1, so a higher one is a forgery
 * (one commit that would spend the token space). */
int lease_read_entry(struct mt_repo *repo, const char *tip, struct mt_lease_info *info,
                      struct mt_error *err)
{
    int rc = lease_load_entry(repo, tip, info, err);
    if (rc < 0 || !info->valid) return rc;
    if (info->chain_previous) return check_restart(repo, info);
    long long below = token_below(repo, tip);
    if (below >= 0 && info->token > (uint64_t)below + 1)
        lease_set_unreadable(info, xasprintf("lease entry %.12s: " MT_LEASE_FILE " is unreadable: token %" PRIu64
                                       " jumps from %lld (a token grows by one)", tip, info->token, below));
    return 0;
}

/* An entry_fn: true at an entry whose token jumps from the one below it,
 * whose token goes into *(uint64_t *)ctx. */
static bool find_jump(struct mt_repo *repo, const struct mt_lease_info *info, void *ctx)
{
    long long below = info->valid ? token_below(repo, info->tip) : -1;
    if (below < 0 || info->token <= (uint64_t)below + 1) return false;
    *(uint64_t *)ctx = (uint64_t)below;
    return true;
}

/* Token of the entry below the newest jump in the chain from tip (0 when
 * none): where tokens start again once a forged chain reached the top. */
static uint64_t token_before_jump(struct mt_repo *repo, const char *tip)
{
    uint64_t token = 0;
    walk_chain(repo, tip, false, find_jump, &token);
    return token;
}


/* The token for whoever takes the lease over from cur (the entry at tip):
 * one more than the newest readable one, never past MT_LEASE_TOKEN_MAX. */
uint64_t lease_next_token(struct mt_repo *repo, const char *tip, const struct mt_lease_info *cur)
{
    uint64_t base = cur->valid ? cur->token : lease_last_good_token(repo, tip);
    if (base < MT_LEASE_TOKEN_MAX) return base + 1;
    return token_before_jump(repo, tip) + 1;
}


/* ---- the chain's bound ------------------------------------------------------
 * Every acquisition adds entries, forever; when its own entries
 * (HOLDER_ENTRIES) would take the chain past lease_chain_max(), the acquirer
 * starts a new chain instead: a parentless released entry carrying
 * the old tip's token and a summary of the old chain (its tip, length,
 * first and last time, holders), with the new held entry as its child. The
 * summary and the audit log are the old chain's record; its commits are
 * left to git's garbage collection. */

#define CHAIN_MAX_DEFAULT 1000
#define HOLDER_ENTRIES 3   /* what one merge adds: its entry, the renewal before its push, the release */
#define SUMMARY_HOLDERS 16  /* distinct env@host named in a summary */

/* The bound: MEMTUI_LEASE_CHAIN_MAX (2 to 1000000), else CHAIN_MAX_DEFAULT. */
size_t lease_chain_max(void)
{
    const char *v = getenv("MEMTUI_LEASE_CHAIN_MAX");
    char *end = NULL;
    unsigned long n = v && *v ? strtoul(v, &end, 10) : 0;
    return end && !*end && n >= 2 && n <= 1000000 ? (size_t)n : CHAIN_MAX_DEFAULT;
}

/* Entries from tip down to the chain's root, counting at most limit. */
static size_t chain_length(struct mt_repo *repo, const char *tip, size_t limit)
{
    char at[MT_OID_HEX];
    size_t n = 0;
    snprintf(at, sizeof(at), "%s", tip);
    while (*at && n < limit && lease_first_parent(repo, at) == 0) n++;
    git_error_clear();
    return n;
}

struct summary {
    struct mt_buf holders;
    size_t nholders, entries;
    char *first, *last;
};

/* An entry_fn gathering the summary (newest first). */
static bool summarise(struct mt_repo *repo, const struct mt_lease_info *info, void *ctx)
{
    (void)repo;
    struct summary *sm = ctx;
    sm->entries++;
    if (!info->valid) return false;
    if (!sm->last) sm->last = xstrdup(info->time);
    free(sm->first);
    sm->first = xstrdup(info->time);
    char *who = xasprintf("%s@%s", info->env, info->host);
    struct mt_buf q;
    mt_buf_init(&q);
    jsonw_string(&q, who, strlen(who));
    mt_buf_adds(&q, "");
    bool known = sm->holders.data && strstr(sm->holders.data, q.data) != NULL;
    if (!known && sm->nholders < SUMMARY_HOLDERS) {
        mt_buf_adds(&sm->holders, sm->nholders++ ? "," : "");
        mt_buf_adds(&sm->holders, q.data);
    }
    mt_buf_free(&q);
    free(who);
    return false;
}

/* The "chain" object of a root replacing the chain at tip (JSON text). */
static char *chain_summary(struct mt_repo *repo, const char *tip)
{
    struct summary sm = {0};
    mt_buf_init(&sm.holders);
    walk_chain(repo, tip, false, summarise, &sm);
    struct mt_buf b;
    mt_buf_init(&b);
    mt_buf_addf(&b, "{\"previous\":\"%s\",\"entries\":%zu,\"first\":", tip, sm.entries ? sm.entries : 1);
    jsonw_string(&b, sm.first ? sm.first : "", sm.first ? strlen(sm.first) : 0);
    mt_buf_adds(&b, ",\"last\":");
    jsonw_string(&b, sm.last ? sm.last : "", sm.last ? strlen(sm.last) : 0);
    mt_buf_addf(&b, ",\"holders\":[%s]}", sm.holders.data ? sm.holders.data : "");
    mt_buf_free(&sm.holders);
    free(sm.first);
    free(sm.last);
    size_t len;
    return mt_buf_detach(&b, &len);
}

/* Make the entry `ent` to push over tip: a child of tip, or, once the chain
 * is long enough (and restart allowed), the child of a new root carrying
 * the summary; *restarted says which. */
int lease_make_acquire_entry(struct mt_repo *repo, const char *tip, const struct lease_entry *ent, bool restart,
                              char commit[MT_OID_HEX], bool *restarted, struct mt_error *err)
{
    char root[MT_OID_HEX] = "";
    size_t max = lease_chain_max();
    /* The root repeats the token below the new one, as the jump rule reads it. */
    *restarted = restart && *tip && ent->token >= 1 && chain_length(repo, tip, max) + HOLDER_ENTRIES > max &&
                 lease_last_good_token(repo, tip) == ent->token - 1;
    if (*restarted) {
        char *sum = chain_summary(repo, tip);
        struct lease_entry r = {ent->env, ent->host, ent->pid, ent->token - 1, ent->ttl, MT_LEASE_RELEASED, NULL, sum};
        char *msg = xasprintf("lease: chain restarted by %s@%s pid %ld at token %" PRIu64 "\n\n%s", ent->env,
                              ent->host, ent->pid, ent->token - 1, sum);
        int rc = lease_make_entry(repo, "", &r, msg, root, err);
        free(msg);
        free(sum);
        if (rc < 0) return rc;
    }
    char *msg = xasprintf("lease: held by %s@%s pid %ld token %" PRIu64, ent->env, ent->host, ent->pid, ent->token);
    int rc = lease_make_entry(repo, *restarted ? root : tip, ent, msg, commit, err);
    free(msg);
    return rc;
}

/* ---- the newest good token ------------------------------------------------ */

/* Token of the newest readable entry at or below `tip` (0 if none). */
uint64_t lease_last_good_token(struct mt_repo *repo, const char *tip)
{
    uint64_t token = 0;
    walk_chain(repo, tip, true, take_token, &token);
    return token;
}

