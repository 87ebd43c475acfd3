/* backup_diff.h: a backup (a stash, a backup branch, an older merge)
 * against HEAD, entity by entity, for the workstation's Backups panel.
 *
 * Promises:
 * - Every graph file the backup holds is compared: its memory.json and each
 *   of its memory-<env>.json fragments (an export backup keeps its data in
 *   the fragment), one part each, memory.json first; each against HEAD's
 *   file of the same name, or HEAD's memory.json when HEAD has no such
 *   fragment (a restore brings entities back into memory.json). A file of
 *   the backup that is not a regular file is named and not read.
 * - Blocks come in the backup's order, one per entity the backup holds and
 *   HEAD lacks or holds otherwise (observations compared as sets), with the
 *   lines of entity_diff.h from HEAD's version to the backup's: '+' is what
 *   a restore brings back. Entities only at HEAD and identical ones are
 *   counted, not listed.
 * - Relations the backup has and HEAD lacks are listed ('+' lines, in the
 *   backup's order); those only at HEAD are counted.
 * - Nothing unreadable is skipped silently: lines of either side that do
 *   not parse are counted, with the first line numbers and the first error,
 *   and a side that cannot be read at all says why. Only a ref that names
 *   no backup, or a repo that does not open, is an error (MT_EXIT_USAGE).
 * - Opens and closes its own session: it may run in a background job. */
#ifndef MEMTUI_BACKUP_DIFF_H
#define MEMTUI_BACKUP_DIFF_H

#include <stddef.h>

#include "memtui/config/config.h"
#include "memtui/graph/graph.h"
#include "memtui/merge/entity_diff.h"

enum { MT_UNREADABLE_KEPT = 5 };

struct mt_unreadable {               /* what of one side could not be read */
    size_t count;                    /* lines that do not parse */
    long first[MT_UNREADABLE_KEPT];  /* the first ones' line numbers (min(count, KEPT) of them) */
    char *what;                      /* the first error (a line's, or the whole side's), or NULL */
};

struct mt_backup_block {
    const struct mt_entity *backup;  /* borrowed from the diff's graphs */
    const struct mt_entity *head;    /* NULL: missing at HEAD */
    struct mt_diff_lines lines;
};

struct mt_backup_diff {
    struct mt_graph backup, head;
    struct mt_backup_block *blocks;
    size_t nblocks, cap;
    size_t same, only_head;           /* entities identical at HEAD, only at HEAD */
    struct mt_diff_lines relations;   /* '+': relations the backup has and HEAD lacks */
    size_t rel_only_head;
    struct mt_unreadable bad_backup, bad_head;
};

struct mt_backup_part {
    char *path;       /* the backup's file */
    char *against;    /* HEAD's file it is compared with */
    struct mt_backup_diff d;
};

struct mt_backup_diffs {
    struct mt_backup_part *parts;
    size_t n;
};

int mt_backup_diff(const struct mt_config *cfg, const char *ref, struct mt_backup_diffs *out, struct mt_error *err);
void mt_backup_diffs_free(struct mt_backup_diffs *d);
/* The same on texts already read (head_text NULL: HEAD has no graph). */
void mt_backup_diff_texts(const char *backup_text, size_t backup_len, const char *head_text, size_t head_len,
                          struct mt_backup_diff *d);
void mt_backup_diff_free(struct mt_backup_diff *d);
/* "3 unreadable lines skipped (lines 2, 5, 9): FIRST ERROR" into b, nothing
 * when all was read. */
void mt_unreadable_text(struct mt_buf *b, const struct mt_unreadable *u);

#endif
