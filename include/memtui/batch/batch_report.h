/* batch_report.h: a plan rendered as JSON fields and as text. */
#ifndef MEMTUI_BATCH_REPORT_H
#define MEMTUI_BATCH_REPORT_H

#include <json-c/json.h>
#include <stdio.h>

#include "memtui/merge/plan.h"

struct json_object *mt_report_fragments(const struct mt_plan *p);
struct json_object *mt_report_conflicts(const struct mt_plan *p);
struct json_object *mt_report_changes(const struct mt_plan *p);
/* Adds entities, relations, observations, fragments, conflicts to r. */
void mt_report_plan(struct json_object *r, const struct mt_plan *p);
/* Per env status, then "@ entity  [envs]" with its -/+ lines, then
 * "@ relations" and theirs, all as entity_diff.h makes them (the lines the
 * Plan panel shows), then the conflicts. */
void mt_print_plan(FILE *to, const struct mt_plan *p);

#endif
