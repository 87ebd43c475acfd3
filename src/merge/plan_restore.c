/* plan_restore.c: restored entities enter the plan as a synthetic delta. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memtui/merge/plan.h"

int mt_plan_add_restore(struct mt_plan *p, const char *label, const char *graph_text, size_t len,
                        char *const *names, size_t nnames, size_t *restored, struct mt_error *err)
{
    struct mt_graph g;
    int rc = mt_graph_from_text(&g, label, xstrndup(graph_text, len), len, err);
    struct mt_buf text;
    mt_buf_init(&text);
    struct mt_strmap wanted;
    mt_strmap_init(&wanted);
    bool all = nnames == 0;  /* no names: every entity the old graph holds */
    if (all) nnames = g.nents;
    char **keys = xcalloc(nnames + 1, sizeof(char *));
    for (size_t i = 0; i < nnames && !rc; i++) {
        keys[i] = all ? xstrdup(g.ents[i]->key) : mt_entity_key(names[i]);
        struct mt_entity *e = mt_graph_entity(&g, keys[i]);
        if (!e) {
            mt_error_set(err, "entity \"%s\" is not in %s", names[i], label);
            rc = -1;
            break;
        }
        mt_strmap_put(&wanted, keys[i], strlen(keys[i]), i, NULL);
        mt_entity_write(&text, e);
        mt_buf_addc(&text, '\n');
    }
    /* Relations that touch a restored entity come back with it. */
    for (size_t i = 0; i < g.nrels && !rc; i++) {
        struct mt_relation *r = g.rels[i];
        char *from = mt_entity_key(r->from), *to = mt_entity_key(r->to);
        if (mt_strmap_get(&wanted, from, strlen(from), NULL) || mt_strmap_get(&wanted, to, strlen(to), NULL)) {
            mt_relation_write(&text, r);
            mt_buf_addc(&text, '\n');
        }
        free(from);
        free(to);
    }
    for (size_t i = 0; i < nnames; i++) free(keys[i]);
    free(keys);
    mt_strmap_free(&wanted);
    mt_graph_free(&g);
    if (rc) {
        mt_buf_free(&text);
        return -1;
    }
    if (restored) *restored = nnames;
    struct mt_fragment m, f;
    mt_fragment_empty(&m, label);
    size_t flen;
    char *fdata = mt_buf_detach(&text, &flen);
    if (mt_fragment_load(&f, label, fdata, flen, err)) {
        mt_fragment_free(&m);
        return -1;
    }
    p->envs = xrealloc(p->envs, (p->nenvs + 1) * sizeof(*p->envs));
    struct mt_env_plan *e = &p->envs[p->nenvs];
    memset(e, 0, sizeof(*e));
    snprintf(e->ref.env, sizeof e->ref.env, "%s", label);
    e->synthetic = true;
    rc = mt_delta_compute(&m, &f, 0, &e->delta, err);
    mt_fragment_free(&m);
    mt_fragment_free(&f);
    if (rc) return -1;
    e->status = MT_FRAG_NEW;
    e->entities = e->delta.f_entities;
    e->relations = e->delta.f_relations;
    e->observations = e->delta.f_observations;
    p->nenvs++;
    return 0;
}

void mt_restore_record_free(struct mt_restore_record *r)
{
    if (!r) return;
    free(r->ref);
    for (size_t i = 0; i < r->nnames; i++) free(r->names[i]);
    free(r->names);
    free(r);
}

void mt_plan_set_restore(struct mt_plan *p, const char *ref, const char *commit, char *const *names,
                         size_t nnames, size_t entities)
{
    struct mt_restore_record *r = xcalloc(1, sizeof(*r));
    r->ref = xstrdup(ref ? ref : "");
    snprintf(r->commit, sizeof r->commit, "%s", commit ? commit : "");
    r->all = nnames == 0;
    r->names = xcalloc(nnames + 1, sizeof(char *));
    for (size_t i = 0; i < nnames; i++) r->names[r->nnames++] = xstrdup(names[i]);
    r->entities = entities;
    mt_restore_record_free(p->restore);
    p->restore = r;
}
