/* rebase.h: carry a local file's own edits onto another graph.
 *
 * The MCP server rewrites its whole file from the graph it read. When
 * memtui replaces the file under it (an import), a write the server based
 * on the file as it was before lands on top of the import, and one that
 * lands just before the import is swapped out by it. Either way the edits
 * are "what the server changed relative to the graph it read", and they
 * are carried onto the graph that should hold them by the merge engine
 * itself: a one-environment plan with U = the target graph, M = the graph
 * the file was built on, F = the file (preserve policy, nothing held back:
 * a deletion is judged again when the fragment is merged).
 *
 * Promises: pure functions of their byte inputs; inputs must be valid
 * graph files (callers validate the local file first). */
#ifndef MEMTUI_REBASE_H
#define MEMTUI_REBASE_H

#include <stdbool.h>
#include <stddef.h>

#include "memtui/base/util.h"

/* out = onto + diff(base, local), as JSONL in the engine's order. */
int mt_rebase_apply(const char *onto, size_t onto_len, const char *base, size_t base_len, const char *local,
                    size_t local_len, struct mt_buf *out, struct mt_error *err);

/* Was local built on `before` rather than on `after` (memtui replaced
 * before with after)? The server rewrites the whole graph it read, so a
 * file built on `before` keeps, of every entity and relation that `after`
 * changed, the version `before` had, except the few its own edits touched;
 * one built on `after` keeps after's versions. *yes when more of them are
 * as `before` had them than as `after` has them (never when after changed
 * nothing). */
int mt_rebase_built_on_before(const char *before, size_t blen, const char *after, size_t alen, const char *local,
                              size_t llen, bool *yes, struct mt_error *err);

#endif
