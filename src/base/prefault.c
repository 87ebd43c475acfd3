/* prefault.c: a block whose pages a helper thread writes first; see
 * prefault.h. */
#include "memtui/base/prefault.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "memtui/base/util.h"

struct mt_prefault {
    pthread_t helper;
    bool started;
    size_t size;
    void *block;
};

/* xmalloc, not calloc: calloc may skip pages it knows are zero, and
 * those are the very pages to write now. */
static void *touch_block(void *arg)
{
    struct mt_prefault *pf = arg;
    pf->block = memset(xmalloc(pf->size), 0, pf->size);
    return NULL;
}

struct mt_prefault *mt_prefault_start(size_t size)
{
    struct mt_prefault *pf = xcalloc(1, sizeof(*pf));
    pf->size = size ? size : 1;
    pf->started = pthread_create(&pf->helper, NULL, touch_block, pf) == 0;
    return pf;
}

void *mt_prefault_take(struct mt_prefault *pf, size_t *size)
{
    if (!pf) return NULL;
    if (pf->started) pthread_join(pf->helper, NULL);
    else touch_block(pf);
    void *block = pf->block;
    if (size) *size = pf->size;
    free(pf);
    return block;
}

void mt_prefault_drop(struct mt_prefault *pf)
{
    if (!pf) return;
    if (pf->started) {
        pthread_join(pf->helper, NULL);
        free(pf->block);
    }
    free(pf);
}
