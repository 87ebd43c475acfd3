/* plan.h: the merge plan: every delta, every conflict, the result (DESIGN 2).
 *
 * Promises: the plan is a pure function of its inputs (U, and per
 * environment M_e and F_e as blobs): computing it twice gives the same
 * result byte for byte. It is computed in two steps so that the workstation
 * can hand decisions back: mt_plan_load reads and diffs everything (reading
 * one environment's blobs at a time, and not at all when F_e is the blob
 * already merged); mt_plan_resolve applies the deltas to U under a policy and
 * the decisions taken so far, filling the conflicts, the changes and the
 * result. Resolve can be called again after mt_plan_decide. */
#ifndef MEMTUI_PLAN_H
#define MEMTUI_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "memtui/merge/delta.h"
#include "memtui/merge/intent.h"
#include "memtui/graph/graph.h"
#include "memtui/git/repo.h"
#include "memtui/base/digests.h"
#include "memtui/base/sha256.h"

enum mt_policy { MT_POLICY_PRESERVE, MT_POLICY_FAIL };

enum mt_frag_status {
    MT_FRAG_UNCHANGED,    /* F_e is the blob merged last time: not read */
    MT_FRAG_CHANGED,      /* has a delta */
    MT_FRAG_NEW,          /* first merge of this env */
    MT_FRAG_QUARANTINED,  /* invalid: its changes are left out */
    MT_FRAG_HELD,         /* mass deletion held back until confirmed */
    MT_FRAG_ABSENT,       /* the file left the repo: its data stays */
};
const char *mt_frag_status_name(enum mt_frag_status s);

/* Reads blobs by id: the repo in the program, memory in unit tests.
 * path is where the blob sits at HEAD (a hint: the source may read a clean
 * work-tree file instead of inflating the blob). The bytes are let go with
 * release(hold), or free(data) when release is NULL. */
struct mt_blob_source {
    int (*read)(void *ctx, const char *blob, const char *path, char **data, size_t *len,
                void (**release)(void *hold), void **hold, struct mt_error *err);
    void *ctx;
    struct mt_digests *digests;  /* SHA-256 known by blob id; NULL: hash every F */
};

/* One environment as the repo and the manifest know it. */
struct mt_frag_ref {
    char env[72];
    char blob[MT_OID_HEX];      /* F_e at HEAD; "" when the file is absent */
    const char *not_regular;    /* F_e is there but is not a regular file: what it is
                                   (static text, mt_repo_not_regular); it is quarantined */
    char m_blob[MT_OID_HEX];    /* M_e from the manifest; "" when new */
    char m_sha256[MT_SHA256_HEX];
    size_t m_entities, m_relations, m_observations;
};

struct mt_env_plan {
    struct mt_frag_ref ref;
    enum mt_frag_status status;
    char *reason;                 /* why quarantined or held (file:line:col: ...) */
    char sha256[MT_SHA256_HEX];   /* of F_e's bytes */
    size_t entities, relations, observations;   /* of F_e */
    struct mt_delta delta;        /* empty unless CHANGED/NEW (or HELD, kept for display) */
    size_t parsed_lines;          /* how many lines had to be JSON-parsed */
    bool confirmed;               /* an operator let a held deletion through */
    bool synthetic;               /* not a fragment: entities being restored */
};

enum mt_conflict_kind { MT_CONFLICT_TYPE, MT_CONFLICT_MODIFY_DELETE };
const char *mt_conflict_kind_name(enum mt_conflict_kind k);

/* One side of a conflict as it stands: U's version, or an env's F version
 * (NULL when that env deleted the entity). */
struct mt_side {
    const char *label;           /* "memory.json" or the env name */
    size_t env;                  /* index into envs, SIZE_MAX for U */
    struct mt_entity *entity;    /* borrowed; NULL = absent/deleted */
};

struct mt_conflict {
    char *key;
    char *name;
    enum mt_conflict_kind kind;
    size_t *envs;                /* indices into plan->envs, sorted by name */
    size_t nenvs;
    struct mt_side *sides;       /* U first, then each env involved */
    size_t nsides;
    struct mt_entity *result;    /* what the resolution gives (NULL: deleted) */
    struct mt_entity *preserve;  /* what the preserve rule gives (NULL: deleted),
                                    also while pending and once decided */
    char *resolution;            /* text for the manifest and screens */
    bool decided;                /* the operator decided it (vs the policy) */
    bool left_pending;           /* saved for an operator by --policy fail and
                                    still undecided (pending.h): reports show
                                    no resolution for it */
};

/* One entity the merge changes: U's version and the result's. */
struct mt_change {
    const char *key;
    struct mt_entity *before;    /* NULL: added */
    struct mt_entity *after;     /* NULL: removed */
    size_t *envs;                /* who changed it */
    size_t nenvs;
};

struct mt_rel_change {
    struct mt_relation *rel;
    bool added;
    bool cascade;                /* removed because an end was deleted */
    size_t *envs;
    size_t nenvs;
};

/* What a restore brings back: recorded in the manifest, the commit message
 * and the reports, so that a restore is never mistaken for a plain merge. */
struct mt_restore_record {
    char *ref;                   /* as the operator named it */
    char commit[MT_OID_HEX];     /* what it resolved to ("" unknown) */
    bool all;                    /* every entity of ref (no names given) */
    char **names;                /* the names asked for */
    size_t nnames;
    size_t entities;             /* how many entities came back */
};

struct mt_plan_options {
    enum mt_policy policy;
    bool allow_mass_delete;
    /* Called after each environment is read, for progress displays. */
    void (*progress)(void *ctx, size_t done, size_t total, const char *env);
    void *progress_ctx;
    /* The operator's intent (copied into the plan), NULL: none. */
    const struct mt_intent *intent;
};

/* U indexed by line instead of parsed (plan_base.c). When every line of
 * memory.json is one memtui would write back byte for byte (line_canon.h)
 * and no key repeats, the plan's base holds only the entities and
 * relations the deltas touch (and the relations that touch those), and the
 * result keeps the bytes of every other line: a merge then costs what
 * changed, not the size of memory.json. */
struct mt_prefault;

struct mt_plan_u {
    struct mt_fragment f;
    struct mt_fragment_index ix;
    size_t entities, relations, observations;   /* of all of U */
    size_t covered;                     /* environments whose keys base holds */
    unsigned char *in_base;             /* per line of f: parsed into base (NULL: none yet) */
    struct mt_prefault *out_pages;      /* the result's buffer, made ready as the plan resolves */
};

struct mt_plan {
    struct mt_plan_options opt;
    char u_blob[MT_OID_HEX];
    struct mt_graph base;                /* U, or the part the deltas touch when u is set */
    struct mt_plan_u *u;                 /* NULL: base holds all of U */
    struct mt_env_plan *envs;            /* sorted by env name */
    size_t nenvs;
    struct mt_intent intent;             /* decisions, deletions let through */
    /* Filled by resolve: */
    struct mt_conflict *conflicts;
    size_t nconflicts;
    struct mt_change *changes;
    size_t nchanges;
    struct mt_rel_change *rel_changes;
    size_t nrel_changes;
    struct mt_graph result;
    size_t entities, relations, observations;   /* of the result */
    struct mt_strmap removed;            /* keys a delta removed (entities, relations) */
    bool resolved;
    struct mt_restore_record *restore;   /* NULL: a plain merge */
};

/* Read U and every environment (frags sorted or not; the plan sorts them by
 * env name). Quarantine and held-back fragments are not errors: they are
 * reported in envs[i].status. Returns -1 only when U or a blob cannot be
 * read at all. */
int mt_plan_load(struct mt_plan *p, const char *u_blob, const struct mt_frag_ref *frags,
                 size_t nfrags, const struct mt_plan_options *opt,
                 const struct mt_blob_source *src, struct mt_error *err);
/* Apply the deltas under the policy and decisions. Always fills conflicts;
 * with MT_POLICY_FAIL and conflicts left undecided, the result is not built
 * and it returns 1; else 0. */
int mt_plan_resolve(struct mt_plan *p);
void mt_plan_free(struct mt_plan *p);

/* Bring entities back from an old graph (a commit, a stash, a backup
 * branch): the named entities of graph_text (all of them when nnames is 0),
 * with the relations that touch them, enter the plan as if an extra
 * environment `label` had created them, so the usual rules apply (an entity
 * still present gains the observations it lost; a type that differs is a
 * TYPE conflict). Call before resolve. Fails when a name is not in
 * graph_text. *restored (may be NULL) gets the number of entities. */
int mt_plan_add_restore(struct mt_plan *p, const char *label, const char *graph_text, size_t len,
                        char *const *names, size_t nnames, size_t *restored, struct mt_error *err);

/* Record what the restore added by mt_plan_add_restore is (replacing any
 * earlier record): ref as named, the commit it resolved to, the names asked
 * for (none: every entity) and how many entities came back. */
void mt_plan_set_restore(struct mt_plan *p, const char *ref, const char *commit, char *const *names,
                         size_t nnames, size_t entities);
void mt_restore_record_free(struct mt_restore_record *r);

/* An operator decision into the plan's intent (intent.h), then
 * mt_plan_resolve again. */
void mt_plan_decide(struct mt_plan *p, const char *key, enum mt_decision_kind kind,
                    const struct mt_entity *entity, const char *label);
/* An operator confirms a held-back mass deletion of env i (recorded in
 * the plan's intent for these fragment bytes). */
void mt_plan_confirm_mass_delete(struct mt_plan *p, size_t env);
/* The plan's intent becomes a copy of in (a reload keeps what the operator
 * decided); the deletions it lets through are let through. Resolve again. */
void mt_plan_set_intent(struct mt_plan *p, const struct mt_intent *in);

/* Counts of undecided conflicts. */
size_t mt_plan_pending(const struct mt_plan *p);
/* Conflicts without a resolution: the undecided ones of a plan left
 * unresolved, the ones marked left_pending of a resolved one. While any
 * remain, the plan's result is nobody's decision. */
size_t mt_plan_unresolved(const struct mt_plan *p);
bool mt_plan_has_quarantine(const struct mt_plan *p);   /* quarantined or held */
/* The result as JSONL. The first write into an empty out takes the buffer
 * the resolve made ready (u->out_pages), so a plan is written from one
 * thread at a time. */
void mt_plan_write_result(const struct mt_plan *p, struct mt_buf *out);
/* How many entities, relations and observations U holds. */
void mt_plan_u_counts(const struct mt_plan *p, size_t *entities, size_t *relations, size_t *observations);
/* Verification (DESIGN 2), recomputed independently of resolve: every
 * entity and relation of U, and every one a valid delta created or added,
 * is in the result unless a delta removed it, and every observation a delta
 * added is on its entity. Returns 0, or -1 with err naming what is missing. */
int mt_plan_check_nothing_lost(const struct mt_plan *p, struct mt_error *err);
/* The same for the lines of U the result kept as they were, read off the
 * result as written (out, every line keyed): every key of U is in out
 * unless a delta removed it. Nothing to do when U was parsed whole. */
int mt_plan_check_u_kept(const struct mt_plan *p, const struct mt_fragment *out, struct mt_error *err);

#endif
