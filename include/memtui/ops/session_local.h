/* session_local.h: what the session's writing halves share (internal to
 * src/ops/session_local.c, session_export.c, session_import_live.c,
 * session_bases.c and session_write.c; front ends use session.h). */
#ifndef MEMTUI_SESSION_LOCAL_H
#define MEMTUI_SESSION_LOCAL_H

#include <stdbool.h>
#include <stddef.h>

#include "memtui/merge/local_base.h"
#include "memtui/ops/session.h"

/* The export record: the SHA-256 of what the local file held when memtui
 * last exported or imported it. */
void mt_session_record_write(const struct mt_session *s, const char sha[MT_SHA256_HEX]);
/* The recorded SHA-256 into sha; false when there is no record. */
bool mt_session_record_read(const struct mt_session *s, char sha[MT_SHA256_HEX]);
/* Is the local file as memtui last left it (or already also_sha)? A
 * missing file counts as unchanged. */
bool mt_session_local_unchanged(const struct mt_session *s, const char *path, const char *also_sha);
/* Keep a version of the local file as <file>.bak-<UTC> (logged on failure). */
void mt_session_keep_version(const char *path, const char *data, size_t len);
/* <git dir>/memtui/import-undo (caller frees). */
char *mt_session_undo_path(const struct mt_session *s);
/* Write the import-undo note: the graph imported (its SHA-256) and what
 * the file held before (old; NULL: there was no file). */
int mt_session_undo_note(const struct mt_session *s, const char *imported_sha, const char *old, size_t olen,
                         struct mt_error *err);

/* What the local file was built on (local_base.h), kept in the session's
 * state folder; kind names a set of pairs ("pairs", "undo", "unpublished"). */
void mt_session_base_load(const struct mt_session *s, const char *kind, struct mt_local_base *lb);
int mt_session_base_save(const struct mt_session *s, const char *kind, const struct mt_local_base *lb,
                         struct mt_error *err);
int mt_session_base_put(const struct mt_session *s, const char *data, size_t len, char sha[MT_SHA256_HEX],
                        struct mt_error *err);
bool mt_session_base_has(const struct mt_session *s, const char *sha);
int mt_session_base_get(const struct mt_session *s, const char *sha, char **data, size_t *len, struct mt_error *err);
/* Which pair of lb the file (data) was built on: an index into lb->pair,
 * or -1 on failure. */
int mt_session_choose_pair(struct mt_session *s, const struct mt_local_base *lb, const char *data, size_t len,
                           struct mt_error *err);
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
