/* delta.h: what one environment changed: diff(M_e, F_e) (DESIGN 2).
 *
 * Promises: lines whose bytes are identical in M and F are recognised by
 * their bytes and never parsed; only changed lines (and the lines that share a key
 * with them, to fold duplicate names) are parsed. Every changed line of F is
 * validated: if one is bad, mt_delta_compute fails with err naming the file,
 * line and column, and F's changes must not be used (quarantine). */
#ifndef MEMTUI_DELTA_H
#define MEMTUI_DELTA_H

#include <stdbool.h>
#include <stddef.h>

#include "memtui/graph/fragment.h"
#include "memtui/graph/graph.h"

struct mt_ent_delta {
    const char *key;          /* = (f ? f : m)->key */
    struct mt_entity *m;      /* M_e's version (folded), NULL if absent */
    struct mt_entity *f;      /* F_e's version (folded), NULL if absent */
    struct mt_strset obs_add; /* in f, not in m (f's order) */
    struct mt_strset obs_del; /* in m, not in f */
};

struct mt_rel_delta {
    struct mt_relation *rel;
    bool added;               /* else removed */
};

struct mt_delta {
    struct mt_ent_delta *ents;    /* creations in F order first, then the rest */
    size_t nents, ents_cap;
    struct mt_rel_delta *rels;    /* additions in F order, then removals */
    size_t nrels, rels_cap;
    /* Counts of F (observations: M's count adjusted by the changes). */
    size_t f_entities, f_relations, f_observations;
    size_t m_entities;
    size_t deletions;             /* entities in M and not in F */
    size_t duplicate_lines;       /* entity lines of F folded into an earlier one */
    size_t other_lines;           /* lines of another "type" in F */
    size_t parsed_lines;          /* lines that had to be JSON-parsed */
    /* F's versions of the ends of added relations that the delta does not
     * otherwise carry: if a merge must recreate such an entity (someone
     * deleted it), this is the version to bring back. */
    struct mt_entity **context;
    size_t ncontext, context_cap;
};

void mt_delta_init(struct mt_delta *d);
void mt_delta_free(struct mt_delta *d);
/* m_observations: M's observation count (from the manifest); used to get F's
 * count without parsing unchanged lines. Indexes M and F (convenient for
 * small inputs and tests; also counts F's duplicate and other lines). */
int mt_delta_compute(const struct mt_fragment *m, const struct mt_fragment *f,
                     size_t m_observations, struct mt_delta *d, struct mt_error *err);
/* The fast path: M already indexed with its bytes (and shareable between
 * environments); F's bytes are walked beside M's lines, so F need not be
 * split (mt_fragment_load_text): only its changed lines are split off and
 * keyed. f->lines is not used. */
int mt_delta_compute_ix(const struct mt_fragment *m, const struct mt_fragment_index *mx,
                        struct mt_fragment *f, size_t m_observations, struct mt_delta *d,
                        struct mt_error *err);
/* Does this entity delta change anything beyond creating/deleting? */
bool mt_ent_delta_retypes(const struct mt_ent_delta *d);
bool mt_ent_delta_modifies(const struct mt_ent_delta *d);
/* Creates, retypes or changes observations (what DESIGN counts as a
 * modification; extra fields alone are not). */
bool mt_ent_delta_substantive(const struct mt_ent_delta *d);
/* F's version of an entity this env has (from the delta or the context). */
const struct mt_entity *mt_delta_version(const struct mt_delta *d, const char *key);

#endif
