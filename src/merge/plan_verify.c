/* plan_verify.c: an independent check that the result lost nothing.
 * It reads the result back through the key indexes only, so a mistake in
 * the resolve code cannot hide itself. */
#include <stdlib.h>
#include <string.h>

#include "memtui/merge/plan.h"

static bool removed(const struct mt_plan *p, const char *key)
{
    return mt_strmap_get(&p->removed, key, strlen(key), NULL);
}

/* What the operator decided is the result by definition. */
static bool decided(const struct mt_plan *p, const char *key)
{
    return mt_intent_decision(&p->intent, key) != NULL;
}

static int missing(struct mt_error *err, const char *what, const char *key, const char *who)
{
    mt_error_set(err, "verification failed: %s \"%s\" (%s) is missing from the result", what, key, who);
    return -1;
}

int mt_plan_check_nothing_lost(const struct mt_plan *p, struct mt_error *err)
{
    if (!p->resolved) {
        mt_error_set(err, "verification failed: the plan has no result (conflicts pending)");
        return -1;
    }
    for (size_t i = 0; i < p->base.nents; i++) {
        const char *k = p->base.ents[i]->key;
        if (!mt_graph_entity(&p->result, k) && !removed(p, k)) return missing(err, "entity", k, "memory.json");
    }
    for (size_t i = 0; i < p->base.nrels; i++) {
        const char *k = p->base.rels[i]->key;
        if (!mt_graph_relation(&p->result, k) && !removed(p, k)) return missing(err, "relation", k, "memory.json");
    }
    for (size_t e = 0; e < p->nenvs; e++) {
        const struct mt_env_plan *ep = &p->envs[e];
        if (ep->status != MT_FRAG_CHANGED && ep->status != MT_FRAG_NEW) continue;
        const struct mt_delta *d = &ep->delta;
        for (size_t i = 0; i < d->nents; i++) {
            const struct mt_ent_delta *x = &d->ents[i];
            if (!x->f || decided(p, x->key)) continue;
            const struct mt_entity *r = mt_graph_entity(&p->result, x->key);
            if (!r) {
                if (removed(p, x->key)) continue;
                return missing(err, "entity", x->key, ep->ref.env);
            }
            const struct mt_strset *added = x->m ? &x->obs_add : &x->f->obs;
            for (size_t k = 0; k < added->n; k++)
                if (!mt_strset_has(&r->obs, added->items[k])) {
                    mt_error_set(err, "verification failed: observation \"%s\" added by %s to \"%s\" is missing",
                                 added->items[k], ep->ref.env, x->key);
                    return -1;
                }
        }
        for (size_t i = 0; i < d->nrels; i++) {
            const struct mt_rel_delta *x = &d->rels[i];
            if (x->added && !mt_graph_relation(&p->result, x->rel->key) && !removed(p, x->rel->key))
                return missing(err, "relation", x->rel->key, ep->ref.env);
        }
    }
    size_t kept_e = 0, kept_r = 0;   /* U's lines the result kept as they were */
    if (p->u) {
        kept_e = p->u->entities - mt_graph_count_entities(&p->base);
        kept_r = p->u->relations - mt_graph_count_relations(&p->base);
    }
    if (p->entities != kept_e + mt_graph_count_entities(&p->result) ||
        p->relations != kept_r + mt_graph_count_relations(&p->result)) {
        mt_error_set(err, "verification failed: counts differ from the plan");
        return -1;
    }
    return 0;
}

int mt_plan_check_u_kept(const struct mt_plan *p, const struct mt_fragment *out, struct mt_error *err)
{
    if (!p->u) return 0;
    const struct mt_fragment *u = &p->u->f;
    const struct mt_fragment_index *ix = &p->u->ix;
    unsigned char *seen = xcalloc(u->nlines ? u->nlines : 1, 1);
    for (size_t i = 0; i < out->nlines; i++) {
        const struct mt_line *l = &out->lines[i];
        size_t at;
        const struct mt_strmap *keys = l->kind == MT_LINE_ENTITY ? &ix->ent_keys
                                     : l->kind == MT_LINE_RELATION ? &ix->rel_keys : NULL;
        if (keys && mt_strmap_get(keys, l->key, l->key_len, &at)) seen[at] = 1;
    }
    int rc = 0;
    for (size_t i = 0; i < u->nlines && !rc; i++) {
        const struct mt_line *l = &u->lines[i];
        if (seen[i] || mt_strmap_get(&p->removed, l->key, l->key_len, NULL)) continue;
        char *k = xstrndup(l->key, l->key_len);
        rc = missing(err, l->kind == MT_LINE_ENTITY ? "entity" : "relation", k, "memory.json");
        free(k);
    }
    free(seen);
    return rc;
}
