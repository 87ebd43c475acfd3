/* merge_diff.c: a commit's memory.json against its first parent's
 * (merge_diff.h). */
#include "memtui/ops/merge_diff.h"

#include <stdlib.h>
#include <string.h>

#include "memtui/graph/fragment.h"
#include "memtui/ops/session.h"

/* memory.json at rev into g (not initialised); an absent file (or no
 * such commit: the parent of a root) is an empty graph. */
static int read_side(struct mt_repo *r, const char *rev, struct mt_graph *g, struct mt_error *err)
{
    if (mt_repo_path_kind(r, rev, "memory.json") == MT_PATH_ABSENT) {
        mt_graph_init(g);
        return 0;
    }
    char *data = NULL, blob[MT_OID_HEX];
    size_t len = 0;
    if (mt_repo_read_path(r, rev, "memory.json", &data, &len, blob, err)) {
        mt_graph_init(g);
        return -1;
    }
    char *label = xasprintf("%.12s:memory.json", rev);
    int rc = mt_graph_from_text(g, label, data, len, err);
    free(label);
    return rc;
}

static void add(struct mt_commit_diff *d, const struct mt_entity *before, const struct mt_entity *after)
{
    MT_GROW(d->changes, d->cap, d->nchanges + 1);
    d->changes[d->nchanges++] = (struct mt_commit_change){before, after};
}

int mt_commit_diff(const struct mt_config *cfg, const char *commit, struct mt_commit_diff *d, struct mt_error *err)
{
    memset(d, 0, sizeof(*d));
    mt_graph_init(&d->before);
    mt_graph_init(&d->after);
    struct mt_session s;
    if (mt_session_open(&s, cfg, err)) {
        mt_session_close(&s);
        return MT_EXIT_USAGE;
    }
    char *parent = xasprintf("%s^", commit);
    mt_graph_free(&d->after);
    mt_graph_free(&d->before);
    int rc = read_side(s.repo, commit, &d->after, err);
    if (rc) mt_graph_init(&d->before);
    else rc = read_side(s.repo, parent, &d->before, err);
    free(parent);
    mt_session_close(&s);
    if (rc) return MT_EXIT_VERIFY;
    for (size_t i = 0; i < d->after.nents; i++) {
        const struct mt_entity *a = d->after.ents[i], *b = mt_graph_entity(&d->before, a->key);
        if (!b || !mt_entity_same(a, b)) add(d, b, a);
    }
    for (size_t i = 0; i < d->before.nents; i++)
        if (!mt_graph_entity(&d->after, d->before.ents[i]->key)) add(d, d->before.ents[i], NULL);
    mt_relations_diff(&d->relations, &d->before, &d->after);
    return MT_EXIT_OK;
}

void mt_commit_diff_free(struct mt_commit_diff *d)
{
    free(d->changes);
    mt_diff_lines_free(&d->relations);
    mt_graph_free(&d->before);
    mt_graph_free(&d->after);
    memset(d, 0, sizeof(*d));
}
