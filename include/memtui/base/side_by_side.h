/* side_by_side.h: two pieces of work at once, one on a helper thread.
 *
 * Promises: both have run when it returns. b runs on a helper thread while
 * a runs on the caller's; when no thread can be started, b runs after a on
 * the caller's. Callers split work so that a and b write nothing the other
 * reads, and join their results in a fixed order: the outcome is then the
 * same either way. */
#ifndef MEMTUI_SIDE_BY_SIDE_H
#define MEMTUI_SIDE_BY_SIDE_H

void mt_side_by_side(void *(*run_a)(void *), void *a, void *(*run_b)(void *), void *b);

#endif
