/* ui/messages.h: the workstation's message history: the engine's events
 * (base/events.h) as they come, newest last, at most a bound of them (the
 * oldest dropped). Curses-free; safe to add to from any thread (jobs emit
 * on their own), read by the input loop.
 *
 * Promises: order is arrival order; the count never exceeds the bound;
 * seq grows by one per event added, also past the bound, so a reader can
 * tell what is new since it last looked. */
#ifndef MEMTUI_UI_MESSAGES_H
#define MEMTUI_UI_MESSAGES_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "memtui/base/events.h"

#define MT_MESSAGES_KEEP 500

struct mt_message {
    time_t when;
    enum mt_event_kind kind;
    char *text;
};

struct mt_messages {
    pthread_mutex_t mu;
    struct mt_message *ring;
    size_t keep, first, n;   /* ring[(first + i) % keep], i < n: oldest first */
    unsigned long seq;       /* events ever added */
};

void mt_messages_init(struct mt_messages *m, size_t keep);
void mt_messages_free(struct mt_messages *m);
void mt_messages_add(struct mt_messages *m, enum mt_event_kind kind, const char *text);
/* The events.h sink that adds to the history given as ctx. */
void mt_messages_sink(void *ctx, enum mt_event_kind kind, const char *text);
size_t mt_messages_count(struct mt_messages *m);
unsigned long mt_messages_seq(struct mt_messages *m);
/* The i-th kept message, oldest first: a copy (free out->text); false past the end. */
bool mt_messages_get(struct mt_messages *m, size_t i, struct mt_message *out);
/* The newest warning added after event number seq (a copy, caller frees),
 * or NULL. */
char *mt_messages_warning_since(struct mt_messages *m, unsigned long seq);

#endif
