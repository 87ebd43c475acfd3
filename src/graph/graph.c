/* graph.c: entities, relations, ordered sets, and the ordered graph. */
#include "memtui/graph/graph.h"

#include <stdlib.h>
#include <string.h>

#include "memtui/graph/jsonw.h"

void mt_strset_init(struct mt_strset *s)
{
    s->items = NULL;
    s->n = s->cap = 0;
    mt_strmap_init(&s->index);
}

void mt_strset_free(struct mt_strset *s)
{
    for (size_t i = 0; i < s->n; i++) free(s->items[i]);
    free(s->items);
    mt_strmap_free(&s->index);
    mt_strset_init(s);
}

/* Small sets (the usual few observations) are searched linearly; the index
 * is built only once a set grows, so most entities never allocate one. */
#define STRSET_INDEX_AT 16

static void strset_reindex(struct mt_strset *s)
{
    mt_strmap_free(&s->index);
    for (size_t i = 0; i < s->n; i++) mt_strmap_put(&s->index, s->items[i], strlen(s->items[i]), i, NULL);
}

static long strset_find(const struct mt_strset *s, const char *str)
{
    if (s->n >= STRSET_INDEX_AT) {
        size_t v;
        return mt_strmap_get(&s->index, str, strlen(str), &v) ? (long)v : -1;
    }
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->items[i], str) == 0) return (long)i;
    return -1;
}

bool mt_strset_has(const struct mt_strset *s, const char *str)
{
    return strset_find(s, str) >= 0;
}

bool mt_strset_add(struct mt_strset *s, const char *str)
{
    if (strset_find(s, str) >= 0) return false;
    MT_GROW(s->items, s->cap, s->n + 1);
    s->items[s->n] = xstrdup(str);
    if (s->n + 1 == STRSET_INDEX_AT) {
        s->n++;
        strset_reindex(s);
        return true;
    }
    if (s->n >= STRSET_INDEX_AT)
        mt_strmap_put(&s->index, s->items[s->n], strlen(s->items[s->n]), s->n, NULL);
    s->n++;
    return true;
}

bool mt_strset_remove(struct mt_strset *s, const char *str)
{
    long i = strset_find(s, str);
    if (i < 0) return false;
    free(s->items[i]);
    memmove(&s->items[i], &s->items[i + 1], (s->n - (size_t)i - 1) * sizeof(char *));
    s->n--;
    if (s->n >= STRSET_INDEX_AT) strset_reindex(s);
    else mt_strmap_free(&s->index);
    return true;
}

void mt_strset_copy(struct mt_strset *dst, const struct mt_strset *src)
{
    mt_strset_init(dst);
    for (size_t i = 0; i < src->n; i++) mt_strset_add(dst, src->items[i]);
}

char *mt_entity_key(const char *name)
{
    struct mt_buf b;
    mt_buf_init(&b);
    jsonw_string_body(&b, name, strlen(name));
    return mt_buf_detach(&b, NULL);
}

char *mt_relation_key(const char *from, const char *to, const char *rtype)
{
    struct mt_buf b;
    mt_buf_init(&b);
    jsonw_string_body(&b, from, strlen(from));
    mt_buf_addc(&b, '\x01');
    jsonw_string_body(&b, to, strlen(to));
    mt_buf_addc(&b, '\x01');
    jsonw_string_body(&b, rtype, strlen(rtype));
    return mt_buf_detach(&b, NULL);
}

struct mt_entity *mt_entity_new(const char *name, const char *type)
{
    struct mt_entity *e = xcalloc(1, sizeof(*e));
    e->refs = 1;
    e->name = xstrdup(name);
    e->key = mt_entity_key(name);
    e->type = xstrdup(type);
    mt_strset_init(&e->obs);
    return e;
}

struct mt_entity *mt_entity_clone(const struct mt_entity *e)
{
    struct mt_entity *c = xcalloc(1, sizeof(*c));
    c->refs = 1;
    c->name = xstrdup(e->name);
    c->key = xstrdup(e->key);
    c->type = xstrdup(e->type);
    mt_strset_copy(&c->obs, &e->obs);
    c->extras = e->extras ? xstrdup(e->extras) : NULL;
    return c;
}

struct mt_entity *mt_entity_ref(struct mt_entity *e)
{
    e->refs++;
    return e;
}

void mt_entity_free(struct mt_entity *e)
{
    if (!e || --e->refs > 0) return;
    free(e->key);
    free(e->name);
    free(e->type);
    mt_strset_free(&e->obs);
    free(e->extras);
    free(e);
}

void mt_entity_fold(struct mt_entity *a, const struct mt_entity *b)
{
    for (size_t i = 0; i < b->obs.n; i++) mt_strset_add(&a->obs, b->obs.items[i]);
}

bool mt_entity_equal(const struct mt_entity *a, const struct mt_entity *b)
{
    if (strcmp(a->name, b->name) || strcmp(a->type, b->type) || a->obs.n != b->obs.n) return false;
    for (size_t i = 0; i < a->obs.n; i++)
        if (strcmp(a->obs.items[i], b->obs.items[i])) return false;
    if (!a->extras != !b->extras) return false;
    return !a->extras || strcmp(a->extras, b->extras) == 0;
}

bool mt_entity_same(const struct mt_entity *a, const struct mt_entity *b)
{
    if (strcmp(a->name, b->name) || strcmp(a->type, b->type) || a->obs.n != b->obs.n) return false;
    for (size_t i = 0; i < a->obs.n; i++)
        if (!mt_strset_has(&b->obs, a->obs.items[i])) return false;
    if (!a->extras != !b->extras) return false;
    return !a->extras || strcmp(a->extras, b->extras) == 0;
}

struct mt_relation *mt_relation_new(const char *from, const char *to, const char *rtype)
{
    struct mt_relation *r = xcalloc(1, sizeof(*r));
    r->refs = 1;
    r->from = xstrdup(from);
    r->to = xstrdup(to);
    r->rtype = xstrdup(rtype);
    r->key = mt_relation_key(from, to, rtype);
    return r;
}

struct mt_relation *mt_relation_clone(const struct mt_relation *r)
{
    struct mt_relation *c = mt_relation_new(r->from, r->to, r->rtype);
    c->extras = r->extras ? xstrdup(r->extras) : NULL;
    return c;
}

struct mt_relation *mt_relation_ref(struct mt_relation *r)
{
    r->refs++;
    return r;
}

void mt_relation_free(struct mt_relation *r)
{
    if (!r || --r->refs > 0) return;
    free(r->key);
    free(r->from);
    free(r->to);
    free(r->rtype);
    free(r->extras);
    free(r);
}

void mt_item_clear(struct mt_item *it)
{
    mt_entity_free(it->entity);
    mt_relation_free(it->relation);
    free(it->other_type);
    memset(it, 0, sizeof(*it));
}

static void write_str(struct mt_buf *b, const char *s)
{
    jsonw_string(b, s, strlen(s));
}

void mt_entity_write(struct mt_buf *b, const struct mt_entity *e)
{
    mt_buf_adds(b, "{\"type\":\"entity\",\"name\":\"");
    mt_buf_adds(b, e->key);
    mt_buf_adds(b, "\",\"entityType\":");
    write_str(b, e->type);
    mt_buf_adds(b, ",\"observations\":[");
    for (size_t i = 0; i < e->obs.n; i++) {
        if (i) mt_buf_addc(b, ',');
        write_str(b, e->obs.items[i]);
    }
    mt_buf_addc(b, ']');
    if (e->extras) mt_buf_adds(b, e->extras);
    mt_buf_addc(b, '}');
}

void mt_relation_write(struct mt_buf *b, const struct mt_relation *r)
{
    mt_buf_adds(b, "{\"type\":\"relation\",\"from\":");
    write_str(b, r->from);
    mt_buf_adds(b, ",\"to\":");
    write_str(b, r->to);
    mt_buf_adds(b, ",\"relationType\":");
    write_str(b, r->rtype);
    if (r->extras) mt_buf_adds(b, r->extras);
    mt_buf_addc(b, '}');
}

void mt_graph_init(struct mt_graph *g)
{
    memset(g, 0, sizeof(*g));
    mt_strmap_init(&g->ent_index);
    mt_strmap_init(&g->rel_index);
}

void mt_graph_free(struct mt_graph *g)
{
    for (size_t i = 0; i < g->nents; i++) mt_entity_free(g->ents[i]);
    for (size_t i = 0; i < g->nrels; i++) mt_relation_free(g->rels[i]);
    free(g->ents);
    free(g->rels);
    mt_strmap_free(&g->ent_index);
    mt_strmap_free(&g->rel_index);
    mt_graph_init(g);
}

bool mt_graph_add_entity(struct mt_graph *g, struct mt_entity *e)
{
    size_t at;
    if (!mt_strmap_put(&g->ent_index, e->key, strlen(e->key), g->nents, &at)) {
        mt_entity_fold(g->ents[at], e);
        mt_entity_free(e);
        return false;
    }
    MT_GROW(g->ents, g->ents_cap, g->nents + 1);
    g->ents[g->nents++] = e;
    return true;
}

bool mt_graph_add_relation(struct mt_graph *g, struct mt_relation *r)
{
    if (!mt_strmap_put(&g->rel_index, r->key, strlen(r->key), g->nrels, NULL)) {
        mt_relation_free(r);
        return false;
    }
    MT_GROW(g->rels, g->rels_cap, g->nrels + 1);
    g->rels[g->nrels++] = r;
    return true;
}

struct mt_entity *mt_graph_entity(const struct mt_graph *g, const char *key)
{
    size_t at;
    return mt_strmap_get(&g->ent_index, key, strlen(key), &at) ? g->ents[at] : NULL;
}

struct mt_relation *mt_graph_relation(const struct mt_graph *g, const char *key)
{
    size_t at;
    return mt_strmap_get(&g->rel_index, key, strlen(key), &at) ? g->rels[at] : NULL;
}

size_t mt_graph_count_entities(const struct mt_graph *g)
{
    return g->nents;
}

size_t mt_graph_count_relations(const struct mt_graph *g)
{
    return g->nrels;
}

size_t mt_graph_count_observations(const struct mt_graph *g)
{
    size_t n = 0;
    for (size_t i = 0; i < g->nents; i++) n += g->ents[i]->obs.n;
    return n;
}

void mt_graph_write(struct mt_buf *b, const struct mt_graph *g)
{
    for (size_t i = 0; i < g->nents; i++) {
        mt_entity_write(b, g->ents[i]);
        mt_buf_addc(b, '\n');
    }
    for (size_t i = 0; i < g->nrels; i++) {
        mt_relation_write(b, g->rels[i]);
        mt_buf_addc(b, '\n');
    }
}
