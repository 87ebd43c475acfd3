/* history.h: the merges recorded along HEAD's first-parent history (the
 * workstation's Log panel and the merge commits it offers as backups).
 *
 * Promises:
 * - a commit is a merge when its manifest (MT_MANIFEST_PATH) differs from
 *   its first parent's, or the parent has none (every merge rewrites the
 *   manifest, exports never touch it);
 * - the walk is bounded: at most max merges, and at most 2000 commits
 *   looked at, so a long run of exports between merges cannot stall it;
 * - a manifest that does not parse is skipped, never an error;
 * - entries come newest first; the repository is only read. */
#ifndef MEMTUI_OPS_HISTORY_H
#define MEMTUI_OPS_HISTORY_H

#include <stddef.h>

#include "memtui/git/repo.h"
#include "memtui/graph/manifest.h"

/* One merge recorded by a manifest in HEAD's first-parent history. */
struct mt_history_entry {
    char commit[MT_OID_HEX];
    long long time;      /* committer time */
    char *summary;       /* the commit's first line */
    struct mt_manifest m;
};

/* The merges along HEAD's first parents; -1 (err set, nothing returned)
 * only when HEAD cannot be read. */
int mt_history_read(struct mt_repo *r, size_t max, struct mt_history_entry **out, size_t *n,
                    struct mt_error *err);
void mt_history_free(struct mt_history_entry *h, size_t n);

#endif
