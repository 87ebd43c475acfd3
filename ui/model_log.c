/* model_log.c: the Log panel's words for a merge (curses-free); the merges
 * themselves come from ops/history.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memtui/ui/model.h"

/* A restore of a few named entities lists them; of many, the first few and
 * how many more (the manifest has them all); of everything, the count. */
enum { LOG_NAMES = 5 };

char *mt_ui_log_restore_text(const struct mt_manifest *m)
{
    const struct mt_restore_record *r = m->restore;
    if (!r) return NULL;
    struct mt_buf b;
    mt_buf_init(&b);
    if (r->all)
        mt_buf_addf(&b, "restored every entity (%zu) of %s", r->entities, r->ref);
    else
        mt_buf_addf(&b, "restored %zu %s from %s", r->entities, r->entities == 1 ? "entity" : "entities", r->ref);
    if (r->commit[0]) mt_buf_addf(&b, " (commit %.12s)", r->commit);
    for (size_t i = 0; i < r->nnames && i < LOG_NAMES; i++) mt_buf_addf(&b, "%s%s", i ? ", " : ": ", r->names[i]);
    if (r->nnames > LOG_NAMES) mt_buf_addf(&b, " and %zu more", r->nnames - LOG_NAMES);
    return mt_buf_detach(&b, NULL);
}
