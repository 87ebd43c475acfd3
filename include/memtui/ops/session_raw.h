/* session_raw.h: the fragments as last merged, kept unpacked.
 *
 * A merge diffs every environment that changed against its fragment as last
 * merged (M_e). Unless that environment imported since (then M_e is
 * memory.json, a clean file of the work tree), M_e is an older blob, and
 * inflating it from git costs more than the rest of that environment's
 * load. So after a merge, each fragment the manifest now names as merged is
 * kept in <git dir>/memtui/raw/<blob id>: a hard link to its work-tree file
 * (no copy; memtui replaces that file by a new one when it writes it, so the
 * link keeps the bytes as merged). Only blobs the manifest names and that
 * are not memory.json are kept; the rest is removed.
 *
 * Promises: a kept file is used only when it is a regular file of the
 * blob's size whose bytes hash to the SHA-256 the digest cache has for the
 * blob (digests.h), or, without one, to the blob id itself. Anything else
 * (cut short, rewritten in place, a symlink) is removed and the blob read
 * from git. The files are a cache: removing them costs only time. */
#ifndef MEMTUI_SESSION_RAW_H
#define MEMTUI_SESSION_RAW_H

#include <stdbool.h>
#include <stddef.h>

#include "memtui/ops/session.h"

/* The bytes of blob from its kept copy; false when there is none that holds. */
bool mt_session_raw_read(struct mt_session *s, const char *blob, bool may_map, char **data, size_t *len,
                         void (**release)(void *), void **hold);
/* After a merge was committed (s refreshed): keep the fragments the
 * manifest names, drop the rest. Errors are not reported: a cache. */
void mt_session_raw_keep(struct mt_session *s);

#endif
