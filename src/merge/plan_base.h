/* plan_base.h: U as lines inside the merge (struct mt_plan_u in plan.h). */
#ifndef MEMTUI_PLAN_BASE_H
#define MEMTUI_PLAN_BASE_H

#include "memtui/merge/plan.h"

/* Whether U (f, indexed as ix) can be kept as lines: every line canonical,
 * no key twice. Then counts gets its entities, relations, observations. */
bool mt_plan_u_scan(const struct mt_fragment *f, const struct mt_fragment_index *ix, size_t counts[3]);
/* The plan takes f and ix (moved: the caller's copies are left empty). */
void mt_plan_u_adopt(struct mt_plan *p, struct mt_fragment *f, struct mt_fragment_index *ix,
                     const size_t counts[3]);
/* Make base hold every part of U the deltas of all environments touch. */
void mt_plan_u_cover(struct mt_plan *p);
/* Start making the result's buffer ready on a helper thread (once): the
 * rest of the resolve runs on this one, and the write then finds the pages
 * of its buffer already there. */
void mt_plan_u_prepare_out(struct mt_plan *p);
/* The result: U's lines in order, each kept as it is or replaced by the
 * result's version or left out, then what is new (mt_graph_write's order). */
void mt_plan_u_write(const struct mt_plan *p, struct mt_buf *out);
/* The result's counts into p->entities, relations, observations. */
void mt_plan_count_result(struct mt_plan *p);
void mt_plan_u_free(struct mt_plan *p);

#endif
