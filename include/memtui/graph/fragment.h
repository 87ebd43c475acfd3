/* fragment.h: a graph file indexed by line, for diffing without parsing.
 *
 * Promises: mt_fragment_load splits the bytes into non-blank lines (LF or
 * CRLF, with or without a final newline) and finds each
 * line's key (see graph.h) straight from the bytes when the line has the
 * server's canonical shape, parsing JSON only for lines that do not. Legacy
 * JSON documents ({"entities":[...],"relations":[...]} or a bare array) are
 * parsed once and turned into canonical lines, so everything downstream sees
 * JSONL. The fragment owns its bytes; lines point into them. */
#ifndef MEMTUI_FRAGMENT_H
#define MEMTUI_FRAGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "memtui/base/strmap.h"

struct mt_arena;
struct mt_graph;
#include "memtui/base/util.h"

enum mt_line_kind {
    MT_LINE_ENTITY,
    MT_LINE_RELATION,
    MT_LINE_OTHER,      /* a valid line of another "type": ignored by the merge */
    MT_LINE_BAD,        /* could not be keyed: parse it to get the error */
    MT_LINE_UNKEYED,    /* not keyed yet (lazy load): see mt_fragment_key_line */
};

struct mt_line {
    const char *p;      /* bytes, without CR/LF */
    size_t len;
    uint64_t hash;      /* mt_hash of the bytes, once indexed by them (else 0) */
    const char *key;    /* for ENTITY/RELATION (not NUL-terminated) */
    size_t key_len;
    long lineno;        /* 1-based line in the file as read */
    enum mt_line_kind kind;
};

struct mt_fragment {
    char *file;              /* name used in messages */
    char *data;              /* owned bytes */
    size_t size;
    bool legacy;             /* was a JSON document, converted */
    struct mt_line *lines;
    size_t nlines;
    struct mt_arena *keys;   /* keys that are not a slice of a line */
    /* When set, data belongs to someone else (e.g. a libgit2 blob): call
     * release(hold) instead of free(data). */
    void (*release)(void *hold);
    void *hold;
};

/* Takes ownership of data (malloc'd). On a legacy document that does not
 * parse, returns -1 with err naming file, line and column. JSONL lines that
 * do not parse are kept as MT_LINE_BAD (only changed lines matter). */
int mt_fragment_load(struct mt_fragment *f, const char *file, char *data, size_t size,
                     struct mt_error *err);
/* An empty fragment (a new environment's base, an absent memory.json). */
/* Same, but lines are only split: keys are found on demand with
 * mt_fragment_key_line (a delta needs them for changed lines only). data is
 * not copied; release(hold) is called when the fragment is freed (NULL
 * release: data is free()d). */
int mt_fragment_load_lazy(struct mt_fragment *f, const char *file, char *data, size_t size,
                          void (*release)(void *hold), void *hold, struct mt_error *err);
/* Same, but the lines are not split either (nlines is 0): for a reader
 * that walks data itself (delta.c). Legacy documents are converted. */
int mt_fragment_load_text(struct mt_fragment *f, const char *file, char *data, size_t size,
                          void (*release)(void *hold), void *hold, struct mt_error *err);
/* Key line i if it is not keyed yet. A key is a slice of the line when the
 * line has the canonical shape, else it lives in an arena whose blocks never
 * move, so key pointers stay valid. */
void mt_fragment_key_line(struct mt_fragment *f, size_t i);
/* The same for a line of f's bytes that is not in f->lines. */
void mt_fragment_key(struct mt_fragment *f, struct mt_line *l);
void mt_fragment_empty(struct mt_fragment *f, const char *file);
/* Parse every line of f into g (duplicate names fold, lines of another
 * type are skipped); -1 with err at the first bad line. */
int mt_fragment_to_graph(const struct mt_fragment *f, struct mt_graph *g, struct mt_error *err);
/* The one way a graph file's bytes (a fragment, memory.json, a backup's
 * graph; JSONL or legacy) become a graph: mt_fragment_load, then
 * mt_fragment_to_graph. Takes data (malloc'd); g is initialised here. -1
 * with err naming file and line when the bytes do not parse; g is then
 * empty. */
int mt_graph_from_text(struct mt_graph *g, const char *file, char *data, size_t len, struct mt_error *err);
void mt_fragment_free(struct mt_fragment *f);

/* line -> index by exact bytes; key -> first line with that key, and a chain
 * (next[i]) through the other lines with the same key. */
struct mt_fragment_index {
    struct mt_strmap by_bytes;
    struct mt_strmap ent_keys;
    struct mt_strmap rel_keys;
    size_t *next;            /* next line with the same key, or SIZE_MAX */
    size_t *rep;             /* first line with the same bytes as line i */
    size_t entity_lines, relation_lines;
    size_t entities;         /* distinct entity keys */
    size_t relations;        /* distinct relation keys */
    size_t duplicate_lines;  /* entity lines whose key was seen before */
    size_t other_lines;
};

/* Keys every line that is not keyed yet, then indexes. */
void mt_fragment_index_build(struct mt_fragment *f, struct mt_fragment_index *ix);
/* The same; without bytes, by_bytes stays empty and rep NULL (a file only
 * ever looked up by key: memory.json when no environment diffs against it). */
void mt_fragment_index_build_by(struct mt_fragment *f, struct mt_fragment_index *ix, bool bytes);
void mt_fragment_index_free(struct mt_fragment_index *ix);

#endif
