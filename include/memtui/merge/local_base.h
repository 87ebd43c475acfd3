/* local_base.h: what this machine's local MCP file was built on.
 *
 * The MCP server rewrites the file from the graph it last read, at any
 * instant. After memtui imports a merge into the file, the server's next
 * write is built either on the import or, when it read the file just
 * before the import, on the graph before it. Its edits must count either
 * way, and the import's data must not read as deleted.
 *
 * A state is a short list of pairs (base -> fragment): "if the file was
 * built on graph `base`, the fragment it stands for is `fragment` + the
 * file's diff from `base`". Export picks the pair the file is nearest to
 * (rebase.h). No state means the file stands for itself (export copies it).
 * Graphs are kept by SHA-256 in <state dir>/base/, states as small JSON
 * files there, named by the caller (one per environment, the state to go
 * back to if an import is undone, and one naming the graph an unpublished
 * import put in); a graph no state names is dropped. */
#ifndef MEMTUI_LOCAL_BASE_H
#define MEMTUI_LOCAL_BASE_H

#include <stdbool.h>
#include <stddef.h>

#include "memtui/base/sha256.h"
#include "memtui/base/util.h"

#define MT_BASE_PAIRS 8

struct mt_base_pair {
    char base[MT_SHA256_HEX];
    char fragment[MT_SHA256_HEX];
};

struct mt_local_base {
    struct mt_base_pair pair[MT_BASE_PAIRS];
    size_t n;
};

/* Read state `name` from dir (a missing or damaged state reads as none,
 * which is today's plain copy: never an error). */
void mt_local_base_load(const char *dir, const char *name, struct mt_local_base *lb);
/* Write it (n == 0 removes it), then drop kept graphs no state names. */
int mt_local_base_save(const char *dir, const char *name, const struct mt_local_base *lb, struct mt_error *err);
/* Keep a graph's bytes; sha gets its SHA-256. */
int mt_local_base_put(const char *dir, const char *data, size_t len, char sha[MT_SHA256_HEX], struct mt_error *err);
/* Whether a graph is kept. */
bool mt_local_base_has(const char *dir, const char *sha);
/* Read a kept graph back (checked against its SHA-256). */
int mt_local_base_get(const char *dir, const char *sha, char **data, size_t *len, struct mt_error *err);
/* Append a pair (ignored when full or already there). */
void mt_local_base_add(struct mt_local_base *lb, const char *base, const char *fragment);
/* The fragment a base stands for in lb, or NULL. */
const char *mt_local_base_find(const struct mt_local_base *lb, const char *base);

#endif
