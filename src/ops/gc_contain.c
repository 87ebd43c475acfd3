/* gc_contain.c: does main's graph hold everything a backup's graph holds?
 * (gc.h) Pure: no repo, no I/O. */
#include "memtui/ops/gc.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "memtui/graph/fragment.h"

/* A peer's string, cut for a reason line (at a UTF-8 character boundary). */
enum { SHOWN_MAX = 120 };
static int shown(const char *s)
{
    size_t n = strlen(s);
    if (n <= SHOWN_MAX) return (int)n;
    n = SHOWN_MAX;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    return (int)n;
}

/* Fields beyond the MCP ones (extras) are carried by the merge: a backup's
 * must be in main as they are. */
static bool extras_held(const char *mine, const char *main)
{
    return !mine || (main && strcmp(mine, main) == 0);
}

static int missing_in(const struct mt_graph *main, const struct mt_graph *g, const char *file, char **why)
{
    for (size_t i = 0; i < g->nents; i++) {
        const struct mt_entity *e = g->ents[i];
        const struct mt_entity *m = mt_graph_entity(main, e->key);
        if (!m) {
            *why = xasprintf("%s: entity \"%.*s\" is not in main", file, shown(e->name), e->name);
            return 1;
        }
        /* A type main resolved otherwise is still something main lacks. */
        if (strcmp(m->type, e->type) != 0) {
            *why = xasprintf("%s: entity \"%.*s\" has type \"%.*s\" there, \"%.*s\" in main", file, shown(e->name),
                             e->name, shown(e->type), e->type, shown(m->type), m->type);
            return 1;
        }
        if (!extras_held(e->extras, m->extras)) {
            *why = xasprintf("%s: entity \"%.*s\" has fields main lacks", file, shown(e->name), e->name);
            return 1;
        }
        for (size_t k = 0; k < e->obs.n; k++) {
            if (!mt_strset_has(&m->obs, e->obs.items[k])) {
                *why = xasprintf("%s: observation \"%.*s\" of \"%.*s\" is not in main", file, shown(e->obs.items[k]),
                                 e->obs.items[k], shown(e->name), e->name);
                return 1;
            }
        }
    }
    for (size_t i = 0; i < g->nrels; i++) {
        const struct mt_relation *rl = g->rels[i];
        const struct mt_relation *mr = mt_graph_relation(main, rl->key);
        if (!mr || !extras_held(rl->extras, mr->extras)) {
            *why = xasprintf("%s: relation \"%.*s\" -%.*s-> \"%.*s\" is not in main%s", file, shown(rl->from), rl->from,
                             shown(rl->rtype), rl->rtype, shown(rl->to), rl->to,
                             mr ? " with the same fields" : "");
            return 1;
        }
    }
    return 0;
}

int mt_gc_missing(const struct mt_graph *main, const char *file, char *data, size_t len, char **why)
{
    struct mt_graph g;
    struct mt_error err = {0};
    *why = NULL;
    int rc = 0;
    if (mt_graph_from_text(&g, file, data, len, &err)) {
        *why = xasprintf("%s cannot be read: %s", file, err.msg ? err.msg : "?");
        rc = -1;
    } else {
        rc = missing_in(main, &g, file, why);
    }
    mt_error_clear(&err);
    mt_graph_free(&g);
    return rc;
}
