/* manifest.h: .memtui/manifest.json, written by every merge (DESIGN 1.3).
 *
 * Promises: what mt_manifest_render writes, mt_manifest_parse reads back
 * (round trip); the text is deterministic for the same plan and run; a
 * missing manifest reads as an empty one (every env new). */
#ifndef MEMTUI_MANIFEST_H
#define MEMTUI_MANIFEST_H

#include <stddef.h>

#include "memtui/merge/plan.h"
#include "memtui/base/util.h"

#define MT_MANIFEST_PATH ".memtui/manifest.json"

struct mt_manifest_conflict {
    char *entity;
    char *kind;
    char **envs;
    size_t nenvs;
    char *resolution;
    char *decided_by;              /* "operator" or "policy"; NULL: not recorded */
};

struct mt_manifest {
    struct mt_frag_ref *frags;     /* as merged: env, blob, sha256, counts (in m_* fields) */
    char **frag_status;            /* per frag: "merged", "quarantined", ... */
    size_t nfrags;
    char out_blob[MT_OID_HEX];
    char out_sha256[MT_SHA256_HEX];
    size_t out_entities, out_relations, out_observations;
    long long lease_token;
    char *policy;
    struct mt_manifest_conflict *conflicts;
    size_t nconflicts;
    char *run_env, *run_host, *run_time;
    long run_pid;
    struct mt_restore_record *restore;   /* NULL: not a restore, or unreadable */
};

/* Who ran the merge, and under which lease. */
struct mt_run_info {
    const char *env;
    const char *host;
    long pid;
    const char *time;              /* ISO 8601 UTC */
    long long lease_token;
    const char *machine;           /* machine id (NULL: not recorded) */
};

void mt_manifest_init(struct mt_manifest *m);
void mt_manifest_free(struct mt_manifest *m);
int mt_manifest_parse(const char *data, size_t len, struct mt_manifest *m, struct mt_error *err);
/* The manifest entry of env, or NULL. */
const struct mt_frag_ref *mt_manifest_find(const struct mt_manifest *m, const char *env);

/* Fragment entries for the merge about to be committed: merged fragments
 * record F_e, quarantined/held/absent ones keep their previous M_e. When
 * own_env is set and own_blob is non-empty, that env's fragment is recorded
 * as own_blob (sync imported the result; DESIGN 2). */
void mt_manifest_render(const struct mt_plan *p, const struct mt_run_info *run,
                        const char *out_blob, const char *out_sha256,
                        const char *own_env, const char *own_blob, const char *own_sha256,
                        struct mt_buf *out);

/* The "restore" object of the manifest (also printed by `restore --json`). */
struct json_object;
struct json_object *mt_restore_record_json(const struct mt_restore_record *r);

/* The message of the commit that carries the manifest: it says the same
 * (a restore names its ref in the subject and in trailers) so that `git
 * log` alone tells a restore from a merge. Caller frees. */
char *mt_merge_commit_message(const struct mt_plan *p, const struct mt_run_info *run);

#endif
