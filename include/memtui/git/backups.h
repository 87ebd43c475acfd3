/* backups.h: the places old data can be found: stashes, backup branches
 * (memtui/backup/... here, refs/memtui/remote-backups/... as last fetched
 * from the remote: backup_refs.h), and commits; with counts and a
 * comparison to HEAD, for `backups`, `restore` and the workstation's
 * backups panel. */
#ifndef MEMTUI_BACKUPS_H
#define MEMTUI_BACKUPS_H

#include <stdbool.h>
#include <stddef.h>

#include "memtui/git/repo.h"

enum mt_backup_kind {
    MT_BACKUP_STASH,
    MT_BACKUP_BRANCH,          /* memtui/backup/<env>/<time> of this clone */
    MT_BACKUP_REMOTE_BRANCH,   /* a remote-tracking one (refs/remotes/...) */
    MT_BACKUP_REMOTE_BACKUP,   /* only on the remote: refs/memtui/remote-backups/<env>/<time> */
};

/* Where a backup branch is: here only, on the remote only, or both (the
 * same name and commit in both places). Stashes are here. */
enum mt_backup_where { MT_BACKUP_HERE, MT_BACKUP_THERE, MT_BACKUP_BOTH };
const char *mt_backup_where_name(enum mt_backup_where w);   /* "local", "remote", "both" */

struct mt_backup {
    enum mt_backup_kind kind;
    enum mt_backup_where where;
    char *name;              /* stash@{N}, branch, remote branch or full mirror ref name */
    char *env;               /* the machine that made a backup branch; NULL for a stash */
    char *message;           /* stash message or commit summary */
    char oid[MT_OID_HEX];    /* commit */
    long long time;          /* commit time */
    bool has_graph;          /* memory.json present there */
    size_t entities, relations;
    size_t missing_at_head;  /* entities there that HEAD's memory.json lacks */
};

/* All stashes, then the backup branches (here, on the remote, both) by env
 * and newest first. A name on the remote that a local branch has with the
 * same commit is one entry (MT_BACKUP_BOTH). */
int mt_backups_list(struct mt_repo *r, struct mt_backup **out, size_t *n, struct mt_error *err);
void mt_backups_free(struct mt_backup *b, size_t n);

/* The commit a commit-ish names (a commit id, a branch, "stash@{N}"). */
int mt_backup_commit(struct mt_repo *r, const char *rev, char oid[MT_OID_HEX], struct mt_error *err);

/* Read memory.json (or, failing that, the union of every fragment) at a
 * commit-ish (a commit id, a branch, "stash@{N}"). Caller frees *text. */
int mt_backup_graph_text(struct mt_repo *r, const char *rev, char **text, size_t *len, struct mt_error *err);

#endif
