/* session_local.h: what the session's two writing halves share (internal
 * to src/ops/session_local.c and src/ops/session_write.c; front ends use
 * session.h). */
#ifndef MEMTUI_SESSION_LOCAL_H
#define MEMTUI_SESSION_LOCAL_H

#include <stdbool.h>
#include <stddef.h>

#include "memtui/ops/session.h"

/* The export record: the SHA-256 of what the local file held when memtui
 * last exported or imported it. */
void mt_session_record_write(const struct mt_session *s, const char sha[MT_SHA256_HEX]);
/* Is the local file as memtui last left it (or already also_sha)? A
 * missing file counts as unchanged. */
bool mt_session_local_unchanged(const struct mt_session *s, const char *path, const char *also_sha);
/* Keep a version of the local file as <file>.bak-<UTC> (logged on failure). */
void mt_session_keep_version(const char *path, const char *data, size_t len);
/* <git dir>/memtui/import-undo (caller frees). */
char *mt_session_undo_path(const struct mt_session *s);
/* Put a work-tree file back as HEAD has it, in the index too. */
void mt_session_restore_from_head(struct mt_session *s, const char *rel);

struct mt_import_result {
    struct mt_buf final;       /* what the file holds now */
    int carried;               /* server writes carried in */
    bool skipped;              /* the file changed since export: nothing done */
};
/* Swap graph into the local file at path next to a live server (DESIGN
 * 3.4): writes that land meanwhile are carried in; afterwards the file
 * stands for `fragment`. NULL: for what it holds, because the merge commit
 * makes that the fragment; the import is then undoable until published
 * (import-undo note). */
int mt_session_import_live(struct mt_session *s, const char *path, const char *graph, size_t glen,
                           const char *fragment, size_t flen, struct mt_import_result *res, struct mt_error *err);

#endif
