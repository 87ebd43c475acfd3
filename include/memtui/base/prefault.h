/* prefault.h: a block of memory made ready on a helper thread ahead of the
 * work that fills it.
 *
 * A page is costly the first time it is written (the kernel finds and
 * zeroes it; under a virtual machine the host may have to back it too):
 * filling a fresh 50 MB buffer can take longer than what is written into
 * it. When the size is known early and a core is idle, a helper writes
 * every page of the block while this thread works on, and the filler then
 * finds them ready.
 *
 * Promises: mt_prefault_take waits for the helper and hands over a block
 * of exactly the size asked, every byte zero; without a thread (creation
 * failed) it allocates the block itself, so the caller never needs a
 * second path. mt_prefault_drop waits and frees. Either ends the handle;
 * NULL is accepted by both (take then returns NULL). */
#ifndef MEMTUI_PREFAULT_H
#define MEMTUI_PREFAULT_H

#include <stddef.h>

struct mt_prefault;

struct mt_prefault *mt_prefault_start(size_t size);
void *mt_prefault_take(struct mt_prefault *pf, size_t *size);
void mt_prefault_drop(struct mt_prefault *pf);

#endif
