/* entity_diff.h: the one producer of entity and relation diff lines, shared
 * by batch `diff`, the workstation's Plan panel and the backup diff.
 *
 * Promises (DESIGN 4, "Diff lines"):
 * - An entity's lines come grouped by field: "- entityType: OLD" then
 *   "+ entityType: NEW" (only when the type differs or a side is absent),
 *   then "- OBS" for each observation only the old version has, then
 *   "+ OBS" for each only the new one has, each in its version's order.
 *   An absent side (NULL) contributes nothing: an added entity is all '+'.
 * - A relation's line is "- FROM -[TYPE]-> TO" or "+ ...". Two relation
 *   sets give their '-' lines (only in the old set, in its order), then
 *   their '+' lines (only in the new set, in its order).
 * - A block's heading is "@ NAME", followed by "  [WHO]" when it is
 *   attributed (envs, or a note such as "missing at HEAD"), and, for a
 *   change a merge makes, by what happens to the entity in a word:
 *   "  created", "  deleted" or "  retyped" (nothing for a change of
 *   observations alone).
 * - Lines borrow their strings from the entities and relations given; they
 *   stay valid as long as those do. Counting (out NULL) allocates nothing. */
#ifndef MEMTUI_ENTITY_DIFF_H
#define MEMTUI_ENTITY_DIFF_H

#include <stddef.h>

#include "memtui/graph/graph.h"

enum mt_diff_kind {
    MT_DIFF_TYPE,       /* text: an entityType */
    MT_DIFF_OBS,        /* text: an observation */
    MT_DIFF_RELATION,   /* rel: the relation */
};

struct mt_diff_line {
    char sign;                      /* '-': only the old side has it; '+': only the new */
    enum mt_diff_kind kind;
    const char *text;               /* MT_DIFF_TYPE, MT_DIFF_OBS (borrowed) */
    const struct mt_relation *rel;  /* MT_DIFF_RELATION (borrowed) */
};

struct mt_diff_lines {
    struct mt_diff_line *v;
    size_t n, cap;
};

void mt_diff_lines_free(struct mt_diff_lines *l);

/* Appends the lines of old -> new (either may be NULL) to out and returns
 * how many; with out NULL only counts them. */
size_t mt_entity_diff(struct mt_diff_lines *out, const struct mt_entity *old, const struct mt_entity *new_);
/* Appends one relation's line. */
void mt_relation_diff(struct mt_diff_lines *out, char sign, const struct mt_relation *r);
/* Appends the lines of two relation sets (graphs' relations, by key) and
 * returns how many. */
size_t mt_relations_diff(struct mt_diff_lines *out, const struct mt_graph *old, const struct mt_graph *new_);

/* The line as text, sign first ("- entityType: city"), appended to b. */
void mt_diff_line_text(struct mt_buf *b, const struct mt_diff_line *l);
/* A block's heading, "@ NAME", and its attribution, "  [WHO]" (nothing for
 * a NULL or empty who), appended to b. */
void mt_diff_heading(struct mt_buf *b, const char *name);
void mt_diff_who(struct mt_buf *b, const char *who);
/* "  created", "  deleted", "  retyped" for old -> new (either NULL),
 * appended to b; nothing when the type stays. */
void mt_diff_change_word(struct mt_buf *b, const struct mt_entity *old, const struct mt_entity *new_);
/* The note after a relation removed because an end was deleted. */
void mt_diff_cascade(struct mt_buf *b);

#endif
