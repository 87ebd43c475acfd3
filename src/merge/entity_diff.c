/* entity_diff.c: entity and relation diff lines, in the one order every
 * front end shows (see entity_diff.h). */
#include "memtui/merge/entity_diff.h"

#include <stdlib.h>
#include <string.h>

static void add(struct mt_diff_lines *out, char sign, enum mt_diff_kind kind, const char *text,
                const struct mt_relation *rel)
{
    MT_GROW(out->v, out->cap, out->n + 1);
    out->v[out->n++] = (struct mt_diff_line){sign, kind, text, rel};
}

void mt_diff_lines_free(struct mt_diff_lines *l)
{
    free(l->v);
    memset(l, 0, sizeof(*l));
}

/* Observations of from that in lacks (all of them when in is absent). */
static size_t obs_lines(struct mt_diff_lines *out, char sign, const struct mt_entity *from,
                        const struct mt_entity *in)
{
    size_t n = 0;
    if (!from) return 0;
    for (size_t i = 0; i < from->obs.n; i++) {
        if (in && mt_strset_has(&in->obs, from->obs.items[i])) continue;
        n++;
        if (out) add(out, sign, MT_DIFF_OBS, from->obs.items[i], NULL);
    }
    return n;
}

size_t mt_entity_diff(struct mt_diff_lines *out, const struct mt_entity *old, const struct mt_entity *new_)
{
    size_t n = 0;
    const char *ot = old ? old->type : NULL, *nt = new_ ? new_->type : NULL;
    bool retyped = !ot || !nt || strcmp(ot, nt) != 0;
    if (ot && retyped) {
        n++;
        if (out) add(out, '-', MT_DIFF_TYPE, ot, NULL);
    }
    if (nt && retyped) {
        n++;
        if (out) add(out, '+', MT_DIFF_TYPE, nt, NULL);
    }
    n += obs_lines(out, '-', old, new_);
    n += obs_lines(out, '+', new_, old);
    return n;
}

void mt_relation_diff(struct mt_diff_lines *out, char sign, const struct mt_relation *r)
{
    add(out, sign, MT_DIFF_RELATION, NULL, r);
}

/* Relations of from whose key in lacks. */
static size_t rel_lines(struct mt_diff_lines *out, char sign, const struct mt_graph *from, const struct mt_graph *in)
{
    size_t n = 0;
    for (size_t i = 0; i < from->nrels; i++) {
        if (mt_graph_relation(in, from->rels[i]->key)) continue;
        n++;
        if (out) mt_relation_diff(out, sign, from->rels[i]);
    }
    return n;
}

size_t mt_relations_diff(struct mt_diff_lines *out, const struct mt_graph *old, const struct mt_graph *new_)
{
    return rel_lines(out, '-', old, new_) + rel_lines(out, '+', new_, old);
}

void mt_diff_line_text(struct mt_buf *b, const struct mt_diff_line *l)
{
    switch (l->kind) {
    case MT_DIFF_TYPE: mt_buf_addf(b, "%c entityType: %s", l->sign, l->text); break;
    case MT_DIFF_OBS: mt_buf_addf(b, "%c %s", l->sign, l->text); break;
    case MT_DIFF_RELATION:
        mt_buf_addf(b, "%c %s -[%s]-> %s", l->sign, l->rel->from, l->rel->rtype, l->rel->to);
        break;
    }
}

void mt_diff_heading(struct mt_buf *b, const char *name)
{
    mt_buf_addf(b, "@ %s", name);
}

void mt_diff_who(struct mt_buf *b, const char *who)
{
    if (who && *who) mt_buf_addf(b, "  [%s]", who);
}

void mt_diff_change_word(struct mt_buf *b, const struct mt_entity *old, const struct mt_entity *new_)
{
    if (!old && new_) mt_buf_adds(b, "  created");
    else if (old && !new_) mt_buf_adds(b, "  deleted");
    else if (old && new_ && strcmp(old->type, new_->type)) mt_buf_adds(b, "  retyped");
}

void mt_diff_cascade(struct mt_buf *b)
{
    mt_buf_adds(b, " (end deleted)");
}
