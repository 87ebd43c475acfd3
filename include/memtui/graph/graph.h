/* graph.h: the MCP knowledge graph: entities, relations, and their text.
 *
 * Promises:
 * - mt_item_parse reads one JSONL line strictly (valid UTF-8, valid JSON,
 *   the fields the MCP server needs, of the right types) and on failure sets
 *   err with the file, line and byte column and what is wrong.
 * - What the server writes is carried byte-exact (DESIGN 1.1): strings keep
 *   lone surrogate escapes (held as described in jsontext.h), and extra
 *   fields keep each number's exact text.
 * - mt_entity_write / mt_relation_write produce the exact bytes the MCP
 *   server writes (JSON.stringify, keys type/name/entityType/observations or
 *   type/from/to/relationType, then any extra fields in their original order,
 *   compact, with their numbers as written; see jsonw_text).
 * - Keys: an entity's key is its name as escaped JSON text (no quotes); a
 *   relation's key is from, to and relationType escaped and joined by 0x01.
 *   Equal names give equal keys however the input escaped them (a lone
 *   surrogate escape is always \udxxx in lowercase).
 * - struct mt_graph keeps entities and relations in order with an index by
 *   key; observations are an ordered set (first occurrence kept). */
#ifndef MEMTUI_GRAPH_H
#define MEMTUI_GRAPH_H

#include <stdbool.h>
#include <stddef.h>

#include "memtui/base/strmap.h"
#include "memtui/base/util.h"

struct mt_strset {           /* ordered set of strings */
    char **items;
    size_t n, cap;
    struct mt_strmap index;  /* item -> position */
};

void mt_strset_init(struct mt_strset *s);
void mt_strset_free(struct mt_strset *s);
/* Adds a copy of str if absent; returns true if it was added. */
bool mt_strset_add(struct mt_strset *s, const char *str);
bool mt_strset_has(const struct mt_strset *s, const char *str);
/* Removes str if present (keeps order of the rest). */
bool mt_strset_remove(struct mt_strset *s, const char *str);
void mt_strset_copy(struct mt_strset *dst, const struct mt_strset *src);

/* Entities and relations are reference-counted so a merge result can share
 * the untouched ones with the base graph instead of copying them. */
struct mt_entity {
    int refs;
    char *key;               /* escaped name (see above) */
    char *name;
    char *type;
    struct mt_strset obs;
    char *extras;            /* extra fields as ',"k":v...' text, or NULL */
};

struct mt_relation {
    int refs;
    char *key;
    char *from, *to, *rtype;
    char *extras;
};

enum mt_item_kind { MT_ITEM_ENTITY, MT_ITEM_RELATION, MT_ITEM_OTHER };

struct mt_item {
    enum mt_item_kind kind;
    struct mt_entity *entity;     /* when MT_ITEM_ENTITY, owned */
    struct mt_relation *relation; /* when MT_ITEM_RELATION, owned */
    char *other_type;             /* when MT_ITEM_OTHER: the "type" seen */
};

/* Parse one line (without its newline). lineno is 1-based, for errors. */
int mt_item_parse(const char *line, size_t len, const char *file, long lineno,
                  struct mt_item *out, struct mt_error *err);
/* Same for the object whose text starts at offset at of s (an element of a
 * legacy document; s already checked as mt_item_parse checks a line). Without
 * need_type, an object with no "type" is told by its fields. */
int mt_item_parse_at(const char *s, size_t n, size_t at, bool need_type, const char *file, long lineno,
                     long col, struct mt_item *out, struct mt_error *err);
void mt_item_clear(struct mt_item *it);

struct mt_entity *mt_entity_new(const char *name, const char *type);
struct mt_entity *mt_entity_clone(const struct mt_entity *e);
struct mt_entity *mt_entity_ref(struct mt_entity *e);
void mt_entity_free(struct mt_entity *e);   /* drops one reference */
/* Fold b into a (duplicate names): observations unioned in order; a keeps its
 * type and extras. */
void mt_entity_fold(struct mt_entity *a, const struct mt_entity *b);
bool mt_entity_equal(const struct mt_entity *a, const struct mt_entity *b);
/* Same, with observations compared as sets (their order is no change). */
bool mt_entity_same(const struct mt_entity *a, const struct mt_entity *b);
struct mt_relation *mt_relation_new(const char *from, const char *to, const char *rtype);
struct mt_relation *mt_relation_clone(const struct mt_relation *r);
struct mt_relation *mt_relation_ref(struct mt_relation *r);
void mt_relation_free(struct mt_relation *r);

void mt_entity_write(struct mt_buf *b, const struct mt_entity *e);
void mt_relation_write(struct mt_buf *b, const struct mt_relation *r);
/* Key text of a name / of a relation triple (caller frees). */
char *mt_entity_key(const char *name);
char *mt_relation_key(const char *from, const char *to, const char *rtype);

/* An ordered, append-only graph (a merge builds a new one). */
struct mt_graph {
    struct mt_entity **ents;
    size_t nents, ents_cap;
    struct mt_relation **rels;
    size_t nrels, rels_cap;
    struct mt_strmap ent_index;   /* key -> slot */
    struct mt_strmap rel_index;   /* key -> slot */
};

void mt_graph_init(struct mt_graph *g);
void mt_graph_free(struct mt_graph *g);
/* Append (takes ownership). An entity whose key exists is folded into the
 * existing one and freed; returns false then. Same for a relation (dropped). */
bool mt_graph_add_entity(struct mt_graph *g, struct mt_entity *e);
bool mt_graph_add_relation(struct mt_graph *g, struct mt_relation *r);
struct mt_entity *mt_graph_entity(const struct mt_graph *g, const char *key);
struct mt_relation *mt_graph_relation(const struct mt_graph *g, const char *key);
size_t mt_graph_count_entities(const struct mt_graph *g);
size_t mt_graph_count_relations(const struct mt_graph *g);
size_t mt_graph_count_observations(const struct mt_graph *g);
/* JSONL of the whole graph: entities, then relations, '\n' after each line. */
void mt_graph_write(struct mt_buf *b, const struct mt_graph *g);

#endif
