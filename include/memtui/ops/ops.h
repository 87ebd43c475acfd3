/* ops.h: the writing operations, one implementation for both front ends.
 *
 * Export, merge, sync, restore and import each take what they need: the
 * local lock, the stash, the remote's main, the lease, the compare-and-swap
 * push and its retries (publish.h, txn.h). Batch parses options and prints
 * the result; the workstation gathers the operator's intent and draws it.
 * Warnings and steps reach the operator through the audit log and the
 * event sink (audit.h), never through a front end's own code.
 *
 * Promises: what mt_op_run commits is what batch's command of the same name
 * commits on the same state, with the request's intent applied; the last
 * plan built stays in the result for reports until mt_op_result_free. */
#ifndef MEMTUI_OPS_H
#define MEMTUI_OPS_H

#include <stdbool.h>
#include <stddef.h>

#include "memtui/merge/intent.h"
#include "memtui/ops/session.h"

enum mt_op_kind {
    MT_OP_EXPORT,     /* the memory file (or `from`) as this env's fragment */
    MT_OP_MERGE,      /* every fragment into memory.json */
    MT_OP_SYNC,       /* export, merge, import into the memory file */
    MT_OP_RESTORE,    /* entities of intent->restore_ref back into memory.json */
    MT_OP_IMPORT,     /* memory.json into the memory file (or `to`) */
};

struct mt_op_request {
    enum mt_op_kind kind;
    enum mt_policy policy;           /* merge, restore; sync merges under preserve */
    bool allow_mass_delete;
    bool dry_run;                    /* merge, restore: build and report, no lock, nothing written */
    bool keep_pending;               /* conflicts left undecided are saved for status (pending.h) */
    const char *from;                /* export: this file instead of the memory file */
    const char *to;                  /* import: this file instead of the memory file */
    const struct mt_intent *intent;  /* decisions, deletions let through, restore; NULL: none */
    /* Progress for displays, both may be NULL: a step of the publishing
     * loop (attempt 0: before the first), and environments read. */
    void (*step)(void *ctx, const char *what, int attempt);
    void (*progress)(void *ctx, size_t done, size_t total, const char *env);
    void *ctx;
};

struct mt_op_result {
    bool has_plan;
    struct mt_plan plan;             /* the last plan built (merge, sync, restore) */
    bool exported, committed, imported, skipped, pushed, idle, stash_kept;
    bool leased;                     /* a lease was held with token */
    long long token;
    int attempts;                    /* pushes tried */
    size_t restored;                 /* entities a restore brought back */
    bool repairing;                  /* the plan was built over a broken HEAD (trust.h) ... */
    struct mt_trust repair;          /* ... that one, as the plan saw it */
    bool memory_file_missing;        /* sync: nothing to export, the result is imported */
    bool handed_off;                 /* sync: the lease was held; the export is published and the */
    char holder[256];                /* merge left to this holder ("" if not known) */
    /* the last build's phases in milliseconds (-1: not reached) */
    long long read_ms, resolve_ms, write_ms;
};

/* Run rq on the open session. Returns an MT_EXIT_* code with err filled
 * when it is not MT_EXIT_OK; MT_EXIT_CONFLICTS leaves the unresolved plan
 * in res. res is always to be freed. */
int mt_op_run(struct mt_session *s, const struct mt_op_request *rq, struct mt_op_result *res, struct mt_error *err);
void mt_op_result_free(struct mt_op_result *res);

/* The operation's name as the command line spells it ("sync"). */
const char *mt_op_name(enum mt_op_kind kind);

#endif
