/* session.h: one batch or workstation run against the backup repo: the
 * repo, the manifest at HEAD, and the plan built from them. The engine's
 * entry points that both front ends call live here.
 *
 * Promises: every function returns an MT_EXIT_* code and fills err; nothing
 * is written to the repo unless the merge verified; a failed verification
 * puts memory.json and the manifest back as they were. */
#ifndef MEMTUI_SESSION_H
#define MEMTUI_SESSION_H

#include <json-c/json.h>
#include <stdbool.h>

#include "memtui/base/digests.h"
#include "memtui/config/config.h"
#include "memtui/graph/manifest.h"
#include "memtui/merge/plan.h"
#include "memtui/git/repo.h"
#include "memtui/git/trust.h"

struct mt_session {
    const struct mt_config *cfg;
    struct mt_repo *repo;
    char head[MT_OID_HEX];        /* "" when unborn */
    struct mt_manifest manifest;  /* at HEAD, or the verified one standing in (trust) */
    struct mt_trust trust;        /* whether HEAD's memory.json and manifest hold up */
    char *host;
    struct json_object *report;   /* the --json result being built */
    /* The last import into the local file in this run (settle below). */
    double imported_at;           /* mt_monotonic(); 0: none */
    char imported_sha[MT_SHA256_HEX];
    size_t imported_len;
    unsigned long long imported_ino, imported_mtime_ns;
    /* This process holds the clone's local lock (txn.h): no other memtui
     * writes its work tree meanwhile, so clean files may be mapped. */
    bool clone_locked;
    /* SHA-256 of blobs hashed before (by an export or a merge): a fragment
     * or memory.json is not hashed again (<git dir>/memtui/digests). */
    struct mt_digests digests;
};

int mt_session_open(struct mt_session *s, const struct mt_config *cfg, struct mt_error *err);
void mt_session_close(struct mt_session *s);
/* Re-read HEAD and the manifest (after a commit or a fast-forward). A
 * memory.json or manifest at HEAD that does not hold up is no error: the
 * newest verified merge stands in (trust.h) and s->trust says so. */
int mt_session_refresh(struct mt_session *s, struct mt_error *err);

/* The environments at HEAD with what the manifest says was merged. */
int mt_session_frag_refs(struct mt_session *s, struct mt_frag_ref **refs, size_t *n, struct mt_error *err);
/* Load (and resolve) the plan for HEAD. U is s->trust's: when it turns out
 * not to be what its manifest recorded (or does not parse), an older
 * verified merge stands in and s->trust says so. */
int mt_session_plan(struct mt_session *s, struct mt_plan *p, const struct mt_plan_options *opt,
                    struct mt_error *err);
/* Load only (the caller adds restores or decisions, then resolves). */
int mt_session_plan_load(struct mt_session *s, struct mt_plan *p, const struct mt_plan_options *opt,
                         struct mt_error *err);

/* A restore: the plan for HEAD with the entities of `ref` (a commit, a
 * branch, stash@{N}) added (all of them when nnames is 0) and resolved under
 * the preserve policy, with p->restore saying so (for the manifest and the
 * commit message). MT_EXIT_USAGE when the ref or a name is not found;
 * MT_EXIT_CONFLICTS when conflicts left for an operator by --policy fail are
 * still pending (pending.h): a restore never decides them (nothing to free
 * on either); *restored gets the number of entities. */
int mt_session_plan_restore(struct mt_session *s, struct mt_plan *p, const struct mt_plan_options *opt,
                            const char *ref, char *const *names, size_t nnames, size_t *restored,
                            struct mt_error *err);

/* Where memtui keeps its own state: <git dir>/memtui/. */
char *mt_session_state_path(const struct mt_session *s, const char *name);

/* The merge proper, on a resolved plan: write memory.json and the manifest,
 * verify (re-read from disk), optionally import into the local file for
 * own_env (sync), commit. *committed tells whether a commit was made. */
struct mt_merge_opts {
    bool import_own;              /* sync: import into the local file if unchanged */
    bool *imported;               /* out: the import happened */
    bool *committed;              /* out */
    long long lease_token;        /* the git lease this merge is made under (0: none) */
};
int mt_session_commit_merge(struct mt_session *s, struct mt_plan *p, const struct mt_merge_opts *mo,
                            struct mt_error *err);

/* True when mt_session_commit_merge would commit nothing on this resolved
 * plan (import_own as for sync): no fragment delta, memory.json and the
 * manifest at HEAD hold up and are the result, no conflict left for an
 * operator, and the env's fragment already is the result. A look only: a
 * run that writes decides again under the lease. */
bool mt_session_merge_idle(struct mt_session *s, const struct mt_plan *p, bool import_own);

/* Two machines with one env name would overwrite each other's fragment at
 * every sync: the last commit that wrote memory-<env>.json names its
 * machine (trailer Memtui-Machine); another machine's is refused
 * (MT_EXIT_USAGE naming both) unless cfg->claim_env; *other_machine
 * (may be NULL) tells that the name is being taken over. */
int mt_session_check_env_owner(struct mt_session *s, bool *other_machine, struct mt_error *err);

/* Export the local file into memory-<env>.json and commit (no push). */
int mt_session_export(struct mt_session *s, const char *from, bool *committed, struct mt_error *err);
/* Import HEAD's memory.json into `to` (keeping a backup); *skipped when the
 * file has changes that were never exported. */
int mt_session_import(struct mt_session *s, const char *to, bool *skipped, struct mt_error *err);

/* After a sync's merge that did not import (nothing to commit, or the
 * env's fragment already the result): import memory.json, unless this
 * env's own edits are held back or quarantined (the file holds edits the
 * merge has not taken: importing would undo them). */
int mt_session_import_after_merge(struct mt_session *s, const struct mt_plan *p, bool *imported,
                                  struct mt_error *err);

/* An MCP server call that read the file just before the import may still
 * write after it. Watch the file for a moment after the import (longer for
 * bigger graphs): if the server writes, judge once, from that first write,
 * whether it was built on the graph before the import or on the import;
 * if it does not, the file is built on the import. The verdict is kept for
 * the next export (local_base.h). Takes the local lock briefly. */
int mt_session_settle_import(struct mt_session *s, struct mt_error *err);

/* sync imports its merge into the local file before the commit; until the
 * commit is on the remote, what the file held before is kept. Undo puts it
 * back (when the file still holds the import) because the merge was not
 * published; published forgets it. Both are no-ops when nothing is kept. */
int mt_session_import_undo(struct mt_session *s, struct mt_error *err);
void mt_session_import_published(struct mt_session *s);

/* After a killed run (call holding the local lock): memtui's own files it
 * had begun to write go back to HEAD, and its dead temp files are removed,
 * so a half-finished run is neither mistaken for user changes nor kept. */
int mt_session_recover(struct mt_session *s, struct mt_error *err);
/* Before libgit2 stashes or checks out (call holding the local lock): a
 * symlink on disk where memtui's own files go (memory.json, a fragment,
 * .memtui, the manifest) that git does not know as a link is removed
 * (never followed) and its path put back as HEAD has it, and said:
 * libgit2 would write through it. */
void mt_session_unlink_foreign_links(struct mt_session *s);
/* Note which work-tree files are about to be written ("*": the work tree
 * is about to move to another commit), and clear the note when done. */
void mt_session_wip_begin(struct mt_session *s, const char *const *paths, size_t n);
void mt_session_wip_end(struct mt_session *s);

/* Write <work tree>/rel atomically, never through a symlink and never
 * outside the work tree (mt_file_write_in): every write into the work
 * tree goes through here. */
int mt_session_work_write(const struct mt_session *s, const char *rel, const void *data, size_t len,
                          struct mt_error *err);

/* Current UTC time as ISO 8601 (static buffer). */
const char *mt_utc_now(void);

#endif
