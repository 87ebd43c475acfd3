/* batch.h: `memtui --batch COMMAND`: the headless front end.
 *
 * Promises: runs one command of DESIGN 4 and returns its exit code; with
 * --json prints exactly one JSON object on stdout (ok, command, exit_code
 * and the command's fields), human text otherwise; messages go to stderr. */
#ifndef MEMTUI_BATCH_H
#define MEMTUI_BATCH_H

#include <json-c/json.h>

#include "memtui/config/config.h"
#include "memtui/ops/session.h"

int mt_batch_run(const struct mt_config *cfg);

/* `lease show [--limit N]` and `lease break --token N` on an open session
 * (batch_lease.c): adds its fields to r, returns the exit code. */
int mt_batch_lease(const struct mt_config *cfg, struct mt_session *s, struct json_object *r, struct mt_error *err);

/* `schedule --print|--install [--every MINUTES] [--kind K] [--force]`
 * (batch_schedule.c): needs no repo; adds kind, every, units, installed and
 * next to r, returns the exit code. */
int mt_batch_schedule(const struct mt_config *cfg, struct json_object *r, struct mt_error *err);
/* `config`: every effective setting and its source into r (and on stdout
 * without --json); needs no repo (batch_config.c). */
int mt_batch_config(const struct mt_config *cfg, struct json_object *r);
/* The memory file and its source, for status: memory_file,
 * memory_file_source, memory_file_detail in r; a line on stdout when print. */
void mt_batch_memory_file(const struct mt_config *cfg, struct json_object *r, bool print);
/* `backups [--offline]` (batch_backups.c): pushes the backup branches the
 * remote lacks and fetches those it has (not with --offline; a fetch that
 * fails still lists, with exit 5), then lists stashes and backup branches
 * into r ("backups", "remote") and on stdout. */
int mt_batch_backups(const struct mt_config *cfg, struct mt_session *s, struct json_object *r, struct mt_error *err);
/* `gc [--dry-run] [--min-age DAYS]` under the local lock (batch_gc.c). */
int mt_batch_gc(const struct mt_config *cfg, struct mt_session *s, struct json_object *r, struct mt_error *err);
/* After a sync or merge that succeeded: gc's cheap parts when a limit is
 * passed, at most once a day, within a time budget; one line says so.
 * Never fails the run: problems are warnings. */
void mt_batch_gc_auto(const struct mt_config *cfg, struct mt_session *s, struct json_object *r);

#endif
