/* fsutil.h: file reading and crash-safe file writing.
 *
 * Promises: mt_file_write_atomic writes a temp file in the same folder,
 * fsyncs it, renames it over the target and fsyncs the folder, so a crash
 * leaves either the old file or the new one, never a mix; on any failure
 * (write, fsync, rename) it removes the temp file, leaves the old file as it
 * was and reports the error; it never reports success after a failed fsync.
 * mt_file_read reads any size (no fixed buffers). The plain-path functions
 * follow symlinks (the user's own files are where the user points them);
 * the *_in functions below never do. */
#ifndef MEMTUI_FSUTIL_H
#define MEMTUI_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "memtui/base/util.h"

/* Read the whole file; *data is NUL-terminated and owned by the caller.
 * Returns 0, or -1 with err set (errno-style message naming the path);
 * *missing (optional) is set when the file does not exist. */
int mt_file_read(const char *path, char **data, size_t *len, bool *missing, struct mt_error *err);
/* Like mt_file_read for a small file of the user's (an MCP client's JSON, a
 * config file): only a regular file (symlinks followed) of at most max
 * bytes is read; a FIFO, a device or a folder is an error, never a hang. */
int mt_file_read_config(const char *path, size_t max, char **data, size_t *len, bool *missing,
                        struct mt_error *err);
/* mode: permissions for a new file (an existing file's mode is kept). */
int mt_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                         struct mt_error *err);
/* Like mt_file_write_atomic, but the old file is swapped out in the same
 * step (renameat2 RENAME_EXCHANGE) and handed back in *old (NULL and
 * *was_missing when there was none): a file another program renames into
 * place at any instant is either seen here or lands after, never lost
 * between a check and a rename. On failure after the swap, *old may be set
 * and the new file is in place. */
int mt_file_exchange(const char *path, const void *data, size_t len, mode_t mode, char **old, size_t *olen,
                     bool *was_missing, struct mt_error *err);
int mt_fsync_dir_of(const char *path, struct mt_error *err);

/* Files under a root folder (the backup repo's work tree, whose content
 * comes from untrusted peers) that no symlink can redirect. rel must be a
 * plain relative path ("a/b", no "." or ".." parts: mt_rel_path_valid);
 * it is resolved from a descriptor of root one component at a time with
 * O_NOFOLLOW, so nothing is read or written outside root. root itself is
 * the caller's choice and is opened as named. */
bool mt_rel_path_valid(const char *rel);
/* Like mt_file_write_atomic (temp file beside the target, fsync, rename,
 * fsync the folder), but a symlink at rel is replaced by the new regular
 * file, never written through; a missing folder on the way is created, and
 * a symlink or file where a folder is needed is replaced by a real folder
 * (only the link goes, never what it points to). */
int mt_file_write_in(const char *root, const char *rel, const void *data, size_t len, mode_t mode,
                     struct mt_error *err);
/* Like mt_file_read, but only a regular file reached without following any
 * symlink is read; a symlink (at rel or on the way) or anything else is an
 * error naming the path. */
int mt_file_read_in(const char *root, const char *rel, char **data, size_t *len, bool *missing,
                    struct mt_error *err);
/* A regular file under root, taken as mt_file_read_in takes it, mapped
 * read-only instead of read, when it has exactly `want` bytes (0: never).
 * For large files memtui alone writes, under its lock, and only ever by
 * renaming a new file into place: a file cut short in place by another
 * process while mapped would fault, as it would for git. A size that is a
 * multiple of the page size is not mapped (nothing would follow the last
 * byte): the caller reads instead. */
struct mt_file_map {
    const char *data;
    size_t len;
};
int mt_file_map_in(const char *root, const char *rel, size_t want, struct mt_file_map *m, struct mt_error *err);
void mt_file_unmap(struct mt_file_map *m);
/* root/rel's `want` bytes: mapped (mt_file_map_in) when `map` allows it and
 * it can be, else read (mt_file_read_in); a file of another size is an
 * error. The bytes are let go with release(hold) (NULL: free(data)). */
int mt_file_view_in(const char *root, const char *rel, size_t want, bool map, char **data, size_t *len,
                    void (**release)(void *), void **hold, struct mt_error *err);
/* Remove the file or symlink at rel (never what a link points to); nothing
 * there, or a symlink in place of a folder on the way, is no error. */
int mt_file_remove_in(const char *root, const char *rel, struct mt_error *err);
/* A descriptor of the folder at rel (O_DIRECTORY), reached without
 * following symlinks; -1 with errno. */
int mt_dir_open_in(const char *root, const char *rel);
/* mkdir -p; 0 or -1 with err. */
int mt_mkdirs(const char *path, mode_t mode, struct mt_error *err);
bool mt_file_exists(const char *path);

#endif
