/* backups.h: the places old data can be found: stashes, backup branches
 * (memtui/backup/...), and commits; with counts and a comparison to HEAD,
 * for `backups`, `restore` and the workstation's backups panel. */
#ifndef MEMTUI_BACKUPS_H
#define MEMTUI_BACKUPS_H

#include <stdbool.h>
#include <stddef.h>

#include "memtui/git/repo.h"

enum mt_backup_kind { MT_BACKUP_STASH, MT_BACKUP_BRANCH, MT_BACKUP_REMOTE_BRANCH };

struct mt_backup {
    enum mt_backup_kind kind;
    char *name;              /* stash@{N}, branch or remote branch name */
    char *message;           /* stash message or commit summary */
    char oid[MT_OID_HEX];    /* commit */
    long long time;          /* commit time */
    bool has_graph;          /* memory.json present there */
    size_t entities, relations;
    size_t missing_at_head;  /* entities there that HEAD's memory.json lacks */
};

/* All stashes, then local and remote-tracking backup branches (newest first). */
int mt_backups_list(struct mt_repo *r, struct mt_backup **out, size_t *n, struct mt_error *err);
void mt_backups_free(struct mt_backup *b, size_t n);

/* The commit a commit-ish names (a commit id, a branch, "stash@{N}"). */
int mt_backup_commit(struct mt_repo *r, const char *rev, char oid[MT_OID_HEX], struct mt_error *err);

/* Read memory.json (or, failing that, the union of every fragment) at a
 * commit-ish (a commit id, a branch, "stash@{N}"). Caller frees *text. */
int mt_backup_graph_text(struct mt_repo *r, const char *rev, char **text, size_t *len, struct mt_error *err);

#endif
