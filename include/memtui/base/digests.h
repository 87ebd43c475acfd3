/* digests.h: the SHA-256 of blobs this clone has already hashed, by git
 * blob id, so a merge does not hash a fragment the export just hashed.
 *
 * Promises: a blob's bytes never change, so an entry can go wrong only by
 * corruption. Each record carries a check of its own; a record that does
 * not parse or fails its check is dropped, counted in `dropped`, and the
 * file is rewritten without it at the next save. A lookup also wants the
 * blob's size to match. Entries are put only by callers that know the blob
 * id of the very bytes they hashed. The newest MT_DIGESTS_MAX entries are
 * kept. The table is safe to use from several threads. The file is a cache:
 * losing it, or a save that loses a race with another process, costs only
 * hashing again. */
#ifndef MEMTUI_DIGESTS_H
#define MEMTUI_DIGESTS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "memtui/base/sha256.h"
#include "memtui/base/util.h"

#define MT_DIGESTS_MAX 512

struct mt_digest {
    char blob[41];
    size_t size;
    char sha[MT_SHA256_HEX];
};

struct mt_digests {
    char *dir, *name;        /* the file: name in dir */
    struct mt_digest *v;     /* oldest first */
    size_t n, cap;
    size_t dropped;          /* records of the file that were corrupt */
    bool dirty;
    pthread_mutex_t mu;
};

/* Reads the file name in dir if it is there. Anything else (missing,
 * unreadable, a symlink, a folder) is an empty table; a save then puts a
 * regular file in its place (mt_file_write_in: never through a symlink). */
void mt_digests_load(struct mt_digests *d, const char *dir, const char *name);
bool mt_digests_get(struct mt_digests *d, const char *blob, size_t size, char sha[MT_SHA256_HEX]);
void mt_digests_put(struct mt_digests *d, const char *blob, size_t size, const char sha[MT_SHA256_HEX]);
/* The SHA-256 of data, the bytes of blob: from the table, else hashed (and
 * not put: the caller may not know that data is exactly blob's bytes). */
void mt_digests_sha256(struct mt_digests *d, const char *blob, const void *data, size_t size,
                       char sha[MT_SHA256_HEX]);
/* Writes the file (atomically) when something changed or was dropped. */
int mt_digests_save(struct mt_digests *d, struct mt_error *err);
void mt_digests_free(struct mt_digests *d);

#endif
