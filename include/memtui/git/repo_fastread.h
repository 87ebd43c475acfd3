/* repo_fastread.h: lend a blob's bytes without copying, or read them from a
 * clean work-tree file when the blob is what HEAD has at `path` (no
 * inflating): only a regular file of the blob's size, reached without
 * following a symlink, is taken. It is mapped (mt_file_map_in) only when
 * may_map says no other process writes the work tree meanwhile (the
 * caller holds the clone's local lock); a workstation reading beside a
 * running sync reads, since a file cut short under a mapping would fault. The bytes are let go with release(hold)
 * (NULL: free(data)). */
#ifndef MEMTUI_REPO_FASTREAD_H
#define MEMTUI_REPO_FASTREAD_H

#include "memtui/git/repo.h"

int mt_repo_blob_read_fast(struct mt_repo *r, const char *blob, const char *path, bool may_map, char **data,
                           size_t *len,
                           void (**release)(void *), void **hold, struct mt_error *err);
/* The size of blob, from its header (no inflating); false when it is not a
 * blob of this repo. */
bool mt_repo_blob_size(struct mt_repo *r, const char *blob, size_t *size);
/* The bytes of dir/<blob id>, a copy of the blob kept outside git: taken
 * the same way (a regular file of the blob's size, no symlink followed,
 * mapped when may_map). Not checked further: the caller hashes them. */
bool mt_repo_blob_read_copy(struct mt_repo *r, const char *blob, const char *dir, bool may_map, char **data,
                            size_t *len, void (**release)(void *), void **hold);

#endif
