/* messages.c: the bounded, thread-safe message history (curses-free). */
#include "memtui/ui/messages.h"

#include <stdlib.h>
#include <string.h>

#include "memtui/base/util.h"

void mt_messages_init(struct mt_messages *m, size_t keep)
{
    memset(m, 0, sizeof(*m));
    pthread_mutex_init(&m->mu, NULL);
    m->keep = keep ? keep : 1;
    m->ring = xcalloc(m->keep, sizeof(*m->ring));
}

void mt_messages_free(struct mt_messages *m)
{
    for (size_t i = 0; i < m->n; i++) free(m->ring[(m->first + i) % m->keep].text);
    free(m->ring);
    pthread_mutex_destroy(&m->mu);
    memset(m, 0, sizeof(*m));
}

void mt_messages_add(struct mt_messages *m, enum mt_event_kind kind, const char *text)
{
    char *copy = xstrdup(text ? text : "");
    pthread_mutex_lock(&m->mu);
    struct mt_message *slot;
    if (m->n == m->keep) {   /* full: the oldest makes room */
        slot = &m->ring[m->first];
        free(slot->text);
        m->first = (m->first + 1) % m->keep;
    } else {
        slot = &m->ring[(m->first + m->n++) % m->keep];
    }
    slot->when = time(NULL);
    slot->kind = kind;
    slot->text = copy;
    m->seq++;
    pthread_mutex_unlock(&m->mu);
}

void mt_messages_sink(void *ctx, enum mt_event_kind kind, const char *text)
{
    mt_messages_add(ctx, kind, text);
}

size_t mt_messages_count(struct mt_messages *m)
{
    pthread_mutex_lock(&m->mu);
    size_t n = m->n;
    pthread_mutex_unlock(&m->mu);
    return n;
}

unsigned long mt_messages_seq(struct mt_messages *m)
{
    pthread_mutex_lock(&m->mu);
    unsigned long s = m->seq;
    pthread_mutex_unlock(&m->mu);
    return s;
}

bool mt_messages_get(struct mt_messages *m, size_t i, struct mt_message *out)
{
    pthread_mutex_lock(&m->mu);
    bool ok = i < m->n;
    if (ok) {
        *out = m->ring[(m->first + i) % m->keep];
        out->text = xstrdup(out->text);
    }
    pthread_mutex_unlock(&m->mu);
    return ok;
}

char *mt_messages_warning_since(struct mt_messages *m, unsigned long seq)
{
    char *found = NULL;
    pthread_mutex_lock(&m->mu);
    size_t fresh = m->seq - seq < m->n ? (size_t)(m->seq - seq) : m->n;   /* the last `fresh` are new */
    for (size_t k = 0; k < fresh && !found; k++) {
        const struct mt_message *x = &m->ring[(m->first + m->n - 1 - k) % m->keep];
        if (x->kind == MT_EVENT_WARNING) found = xstrdup(x->text);
    }
    pthread_mutex_unlock(&m->mu);
    return found;
}
