/* gc.h: housekeeping of the local clone (DESIGN 4, `gc`).
 *
 * Promises:
 * - a backup branch (refs/heads/memtui/backup/...) is pruned only when its
 *   tip's committer time is at least min_age_days old and not in the future,
 *   and main's memory.json (refs/heads/main) holds every entity (same type and extra fields),
 *   observation and relation of the branch's memory.json and of each of its
 *   memory-<env>.json fragments; anything unreadable there keeps it. Each
 *   pruned branch is logged (event "gc") with its tip, which stays in the
 *   object store: gc never deletes an object.
 * - refs/memtui/push/... and refs/memtui/tmp/... of this clone (temporaries of a
 *   push a killed run left) are removed, unless the process their name
 *   holds is alive (a lease break pushes without the lock); one whose
 *   commit no other ref reaches is first kept on a backup branch.
 * - repack: when loose objects or packs pass their limits, every object of
 *   the clone (reachable ones first) goes into one new pack; a loose object
 *   or an old pack is deleted only once the new pack's index holds each of
 *   its objects; .keep packs stay. Remotes are never repacked (another
 *   machine may push into one at the same time).
 * - with a remote: the backup branches the remote lacks are pushed
 *   (backup_refs.h), its refs/memtui/backups/ fetched, and each one pruned
 *   there (its deletion pushed, only while it names the commit checked;
 *   then the mirror ref) when the same checks as above pass; a fetch that
 *   fails prunes nothing there. --dry-run pushes and deletes nothing.
 * Call with the local lock held. Remote-tracking backup branches are left. */
#ifndef MEMTUI_GC_H
#define MEMTUI_GC_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "memtui/graph/graph.h"
#include "memtui/git/repo.h"

#define MT_GC_MIN_AGE_DAYS 14
#define MT_GC_LOOSE_MAX 1000   /* MEMTUI_GC_LOOSE_MAX overrides */
#define MT_GC_PACKS_MAX 20     /* MEMTUI_GC_PACKS_MAX overrides */
#define MT_GC_BACKUPS_MAX 20   /* MEMTUI_GC_BACKUPS_MAX: when a sync prunes by itself */
#define MT_GC_AUTO_EVERY_S 86400
#define MT_GC_AUTO_BUDGET_S 20.0

/* Does `main` hold everything of the graph text (`file` names it in the
 * reason)? 0 yes; 1 no, *why names the first thing missing; -1 the text
 * cannot be read as a graph, *why says so. Takes ownership of data
 * (malloc'd). Caller frees *why. */
int mt_gc_missing(const struct mt_graph *main, const char *file, char *data, size_t len, char **why);

struct mt_gc_options {
    bool dry_run;
    double min_age_days;
    double budget_s;          /* 0: none; else stop pruning once spent */
    bool repack;              /* repack when a limit is passed */
    bool force_repack;        /* repack whatever the counts */
    const char *remote;       /* NULL: the clone only; else its backups too */
};

struct mt_gc_counts {
    size_t loose, packs, keep_packs;
};

/* The whole of gc; the report goes into r (pruned, kept, leftovers, repack).
 * Returns 0, or -1 when main cannot be read (nothing pruned, err says why;
 * leftovers and repack still ran). */
int mt_gc_run(struct mt_repo *r, const char *env, const struct mt_gc_options *o, struct json_object *report,
              struct mt_error *err);

/* Parts of it. */
int mt_gc_prune_backups(struct mt_repo *r, const struct mt_gc_options *o, struct json_object *pruned,
                        struct json_object *kept, struct mt_error *err);
size_t mt_gc_count_backups(struct mt_repo *r);
/* The remote's part: {remote, fetched, pushed, ignored, error, pruned, kept}
 * (entries: branch "<env>/<time>", ref, commit, reason). */
struct json_object *mt_gc_prune_remote_backups(struct mt_repo *r, const struct mt_gc_options *o);
int mt_gc_leftover_refs(struct mt_repo *r, const char *env, bool dry_run, struct json_object *removed,
                        size_t *count);
void mt_gc_count_objects(struct mt_repo *r, struct mt_gc_counts *c);
/* Repack as promised above; report gets the counts before and after. */
int mt_gc_repack(struct mt_repo *r, struct json_object *report, struct mt_error *err);
/* A limit from the environment (a test and operations knob), else dflt. */
size_t mt_gc_limit(const char *var, size_t dflt);

#endif
