/* merge_diff.h: what one commit did to memory.json, entity by entity (the
 * workstation's Log details: the merge that deleted an entity shows it).
 *
 * Promises:
 * - Compares memory.json at the commit's first parent (absent, or a root
 *   commit: an empty graph) with memory.json at the commit.
 * - One change per entity created, deleted or changed (observations as
 *   sets, type, extra fields), in the commit's order, then the deleted ones
 *   in the parent's order; relations through entity_diff.h's producer.
 * - Either side not parsing is an error naming the file and line; the repo
 *   is only read; it opens and closes its own session (a background job). */
#ifndef MEMTUI_OPS_MERGE_DIFF_H
#define MEMTUI_OPS_MERGE_DIFF_H

#include <stddef.h>

#include "memtui/config/config.h"
#include "memtui/graph/graph.h"
#include "memtui/merge/entity_diff.h"

struct mt_commit_change {
    const struct mt_entity *before, *after;   /* borrowed from the graphs; NULL: absent */
};

struct mt_commit_diff {
    struct mt_graph before, after;
    struct mt_commit_change *changes;
    size_t nchanges, cap;
    struct mt_diff_lines relations;   /* '-' then '+' */
};

int mt_commit_diff(const struct mt_config *cfg, const char *commit, struct mt_commit_diff *d, struct mt_error *err);
void mt_commit_diff_free(struct mt_commit_diff *d);

#endif
