/* intent.h: what an operator wants of a merge, as one value.
 *
 * The decisions taken on conflicts (by entity key), the held-back mass
 * deletions let through (by environment and the fragment bytes seen), and
 * the entities a restore brings back. A plan owns one (plan.h) and resolves
 * by it; a writing job gets a copy and builds its fresh plan with it, so
 * nothing is re-applied by hand and nothing mirrors it.
 *
 * Undo is part of the value: every decision first records what it
 * replaced, and mt_intent_undo puts exactly that back; what it took away
 * waits for mt_intent_redo until a new decision is taken. */
#ifndef MEMTUI_INTENT_H
#define MEMTUI_INTENT_H

#include <stdbool.h>
#include <stddef.h>

#include "memtui/base/sha256.h"
#include "memtui/base/strmap.h"
#include "memtui/graph/graph.h"

enum mt_decision_kind {
    MT_DECIDE_NONE,       /* the policy decides (preserve rule) */
    MT_DECIDE_ENTITY,     /* the operator gave the final entity */
    MT_DECIDE_DELETE,     /* the operator took the deleting side */
};

struct mt_decision {
    enum mt_decision_kind kind;
    struct mt_entity *entity;    /* MT_DECIDE_ENTITY, owned */
    char *label;                 /* how it was decided, for the manifest */
};

/* A held-back mass deletion let through: only for the fragment bytes the
 * operator saw (a newer export is held back again). */
struct mt_intent_allow {
    char env[72];
    char sha256[MT_SHA256_HEX];
};

/* A decision with its entity key: an undo entry (what the key held
 * before: kind MT_DECIDE_NONE when nothing), or one asked about. */
struct mt_keyed_decision {
    char *key;
    struct mt_decision d;
};

struct mt_intent {
    struct mt_strmap index;      /* entity key -> index into decisions */
    char **keys;
    struct mt_decision *decisions;
    size_t ndecisions, cap;
    struct mt_intent_allow *allowed;
    size_t nallowed, allowed_cap;
    struct mt_keyed_decision *undo;   /* newest last */
    size_t nundo, undo_cap;
    struct mt_keyed_decision *redo;   /* what undo took away, newest last */
    size_t nredo, redo_cap;
    char *restore_ref;           /* NULL: no restore */
    char **restore_names;        /* none: every entity of restore_ref */
    size_t nrestore_names;
};

void mt_intent_init(struct mt_intent *in);
void mt_intent_free(struct mt_intent *in);
/* dst (not initialised, or freed) becomes a deep copy of src (NULL: empty). */
void mt_intent_copy(struct mt_intent *dst, const struct mt_intent *src);

/* Decide key (kind MT_DECIDE_NONE: back to the policy), remembering the
 * decision it replaces for undo; nothing undone can be redone after it. */
void mt_intent_decide(struct mt_intent *in, const char *key, enum mt_decision_kind kind,
                      const struct mt_entity *entity, const char *label);
/* The newest decision undone; false when there is none. The key undone
 * goes to *key (caller frees) when key is not NULL. */
bool mt_intent_undo(struct mt_intent *in, char **key);
/* The newest undone decision taken again (and undoable again); false when
 * there is none. The key goes to *key as for undo. */
bool mt_intent_redo(struct mt_intent *in, char **key);
/* Every decision dropped, and their undo and redo with them (abort, or committed). */
void mt_intent_drop_decisions(struct mt_intent *in);
/* The decision for key, NULL when the policy decides. */
const struct mt_decision *mt_intent_decision(const struct mt_intent *in, const char *key);

void mt_intent_allow_delete(struct mt_intent *in, const char *env, const char *sha256);
bool mt_intent_allows_delete(const struct mt_intent *in, const char *env, const char *sha256);

/* A restore of ref: the named entities (nnames 0: every one). */
void mt_intent_set_restore(struct mt_intent *in, const char *ref, char *const *names, size_t nnames);

#endif
