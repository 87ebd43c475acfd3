/* plan_base.c: U indexed by line, parsed only where the deltas touch it.
 * After a sync memory.json is memtui's own output, so its lines are the
 * bytes the writer would print again; the ones no delta touches go into
 * the result as they are. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memtui/base/audit.h"
#include "memtui/base/prefault.h"
#include "memtui/base/side_by_side.h"
#include "memtui/graph/line_canon.h"
#include "plan_base.h"

bool mt_plan_u_scan(const struct mt_fragment *f, const struct mt_fragment_index *ix, size_t counts[3])
{
    if (f->legacy || ix->other_lines || ix->entity_lines + ix->relation_lines != f->nlines ||
        ix->entities != ix->entity_lines || ix->relations != ix->relation_lines)
        return false;
    size_t obs = 0;
    for (size_t i = 0; i < f->nlines; i++) {
        size_t n;
        if (!mt_line_canonical(f->lines[i].p, f->lines[i].len, f->lines[i].kind, &n)) return false;
        obs += n;
    }
    counts[0] = ix->entities;
    counts[1] = ix->relations;
    counts[2] = obs;
    return true;
}

void mt_plan_u_adopt(struct mt_plan *p, struct mt_fragment *f, struct mt_fragment_index *ix, const size_t counts[3])
{
    struct mt_plan_u *u = xcalloc(1, sizeof(*u));
    u->f = *f;
    u->ix = *ix;
    memset(f, 0, sizeof(*f));
    memset(ix, 0, sizeof(*ix));
    u->entities = counts[0];
    u->relations = counts[1];
    u->observations = counts[2];
    u->covered = SIZE_MAX;  /* nothing covered yet */
    p->u = u;
}

void mt_plan_u_free(struct mt_plan *p)
{
    if (!p->u) return;
    mt_fragment_index_free(&p->u->ix);
    mt_fragment_free(&p->u->f);
    mt_prefault_drop(p->u->out_pages);
    free(p->u->in_base);
    free(p->u);
    p->u = NULL;
}

/* The ends of a relation key: from and to, as entity keys (slices). */
static void rel_ends(const char *key, size_t len, const char *end[2], size_t elen[2])
{
    const char *a = memchr(key, '\x01', len);
    const char *b = a ? memchr(a + 1, '\x01', len - (size_t)(a + 1 - key)) : NULL;
    end[0] = key;
    elen[0] = a ? (size_t)(a - key) : len;
    end[1] = a ? a + 1 : key + len;
    elen[1] = b ? (size_t)(b - a - 1) : 0;
}

/* Entities named by a delta (changed, deleted, or an end of a relation it
 * adds) and relations it adds or removes: marked in want. The entities a
 * delta deletes or retypes go into cut too: U's relations that touch them
 * may be cut with them, and the workstation shows them beside a conflict
 * (a conflict always has a deletion or a retyping in it). */
static void mark_touched(const struct mt_plan *p, unsigned char *want, struct mt_strmap *cut)
{
    const struct mt_plan_u *u = p->u;
    size_t at;
    for (size_t e = 0; e < p->nenvs; e++) {
        const struct mt_delta *d = &p->envs[e].delta;
        for (size_t i = 0; i < d->nents; i++) {
            const char *k = d->ents[i].key;
            size_t n = strlen(k);
            if (!d->ents[i].f || mt_ent_delta_retypes(&d->ents[i])) mt_strmap_put(cut, k, n, 0, NULL);
            if (mt_strmap_get(&u->ix.ent_keys, k, n, &at)) want[at] = 1;
        }
        for (size_t i = 0; i < d->nrels; i++) {
            const char *k = d->rels[i].rel->key;
            size_t n = strlen(k);
            if (mt_strmap_get(&u->ix.rel_keys, k, n, &at)) want[at] = 1;
            if (!d->rels[i].added) continue;
            const char *end[2];
            size_t elen[2];
            rel_ends(k, n, end, elen);
            for (int j = 0; j < 2; j++)
                if (mt_strmap_get(&u->ix.ent_keys, end[j], elen[j], &at)) want[at] = 1;
        }
    }
}

/* Wanted lines at[0..n) of f, parsed into items (a share of the cover's
 * parsing: the two halves run side by side). */
struct parse_share {
    const struct mt_fragment *f;
    const size_t *at;
    size_t n;
    struct mt_item *items;
};

static void *parse_share(void *arg)
{
    struct parse_share *sh = arg;
    for (size_t k = 0; k < sh->n; k++) {
        const struct mt_line *l = &sh->f->lines[sh->at[k]];
        struct mt_error err = {0};
        /* The scan found the line canonical: it reads (fuzz_memory holds
         * line_canon.h to that). */
        if (mt_item_parse(l->p, l->len, sh->f->file, l->lineno, &sh->items[k], &err)) {
            mt_warn("bug: memory.json line %ld passed the canonical check but does not read: %s", l->lineno,
                    err.msg);
            abort();  /* nothing is written yet: stopping loses nothing, going on could */
        }
    }
    return NULL;
}

void mt_plan_u_cover(struct mt_plan *p)
{
    struct mt_plan_u *u = p->u;
    if (u->covered == p->nenvs) return;
    const struct mt_fragment *f = &u->f;
    unsigned char *want = xcalloc(f->nlines ? f->nlines : 1, 1);
    struct mt_strmap cut;
    mt_strmap_init(&cut);
    mark_touched(p, want, &cut);
    size_t n = 0;
    for (size_t i = 0; i < f->nlines; i++) {
        const struct mt_line *l = &f->lines[i];
        if (cut.count && l->kind == MT_LINE_RELATION && !want[i]) {
            const char *end[2];
            size_t elen[2];
            rel_ends(l->key, l->key_len, end, elen);
            want[i] = mt_strmap_get(&cut, end[0], elen[0], NULL) || mt_strmap_get(&cut, end[1], elen[1], NULL);
        }
        n += want[i];
    }
    mt_strmap_free(&cut);
    size_t *at = xmalloc((n ? n : 1) * sizeof(*at)), k = 0;
    for (size_t i = 0; i < f->nlines; i++)
        if (want[i]) at[k++] = i;
    struct mt_item *items = xmalloc((n ? n : 1) * sizeof(*items));
    struct parse_share half[2] = {{f, at, n / 2, items}, {f, at + n / 2, n - n / 2, items + n / 2}};
    mt_side_by_side(parse_share, &half[0], parse_share, &half[1]);
    mt_graph_free(&p->base);
    mt_graph_init(&p->base);
    for (k = 0; k < n; k++) {
        struct mt_item *it = &items[k];
        if (it->kind == MT_ITEM_ENTITY) mt_graph_add_entity(&p->base, it->entity);
        else mt_graph_add_relation(&p->base, it->relation);
        it->entity = NULL;
        it->relation = NULL;
        mt_item_clear(it);
    }
    free(items);
    free(at);
    free(u->in_base);
    u->in_base = want;
    u->covered = p->nenvs;
}

static void put_line(struct mt_buf *out, const struct mt_line *l)
{
    mt_buf_add(out, l->p, l->len);
    mt_buf_addc(out, '\n');
}

/* One kind of the result (entities or relations): U's lines of that kind
 * in order, each kept as it is or replaced by the result's version or left
 * out, then the result's new ones. */
static void write_part(const struct mt_plan *p, enum mt_line_kind kind, struct mt_buf *out)
{
    const struct mt_fragment *f = &p->u->f;
    const unsigned char *in_base = p->u->in_base;
    const struct mt_graph *b = &p->base, *r = &p->result;
    bool ents = kind == MT_LINE_ENTITY;
    const struct mt_strmap *rix = ents ? &r->ent_index : &r->rel_index, *bix = ents ? &b->ent_index : &b->rel_index;
    size_t at, n = ents ? r->nents : r->nrels;
    for (size_t i = 0; i < f->nlines; i++) {
        const struct mt_line *l = &f->lines[i];
        if (l->kind != kind) continue;
        if (!in_base || !in_base[i]) {  /* not covered yet: base is empty */
            put_line(out, l);
            continue;
        }
        if (!mt_strmap_get(rix, l->key, l->key_len, &at)) continue;  /* removed */
        if (ents) mt_entity_write(out, r->ents[at]);
        else mt_relation_write(out, r->rels[at]);
        mt_buf_addc(out, '\n');
    }
    for (size_t i = 0; i < n; i++) {
        const char *k = ents ? r->ents[i]->key : r->rels[i]->key;
        if (mt_strmap_get(bix, k, strlen(k), NULL)) continue;
        if (ents) mt_entity_write(out, r->ents[i]);
        else mt_relation_write(out, r->rels[i]);
        mt_buf_addc(out, '\n');
    }
}

/* Room for the result: U's size and an eighth more. */
static size_t out_room(const struct mt_plan_u *u)
{
    return u->f.size + u->f.size / 8 + 1;
}

void mt_plan_u_prepare_out(struct mt_plan *p)
{
    if (!p->u->out_pages) p->u->out_pages = mt_prefault_start(out_room(p->u));
}

void mt_plan_u_write(const struct mt_plan *p, struct mt_buf *out)
{
    if (p->u->out_pages && !out->data) {
        out->data = mt_prefault_take(p->u->out_pages, &out->cap);
        out->len = 0;
        out->data[0] = '\0';
        p->u->out_pages = NULL;
    }
    mt_buf_reserve(out, out_room(p->u) - 1);
    write_part(p, MT_LINE_ENTITY, out);
    write_part(p, MT_LINE_RELATION, out);
}

void mt_plan_count_result(struct mt_plan *p)
{
    p->entities = mt_graph_count_entities(&p->result);
    p->relations = mt_graph_count_relations(&p->result);
    p->observations = mt_graph_count_observations(&p->result);
    if (!p->u) return;
    /* the lines kept as they were: all of U but the part in base */
    p->entities += p->u->entities - mt_graph_count_entities(&p->base);
    p->relations += p->u->relations - mt_graph_count_relations(&p->base);
    p->observations += p->u->observations - mt_graph_count_observations(&p->base);
}

void mt_plan_u_counts(const struct mt_plan *p, size_t *entities, size_t *relations, size_t *observations)
{
    if (p->u) {
        *entities = p->u->entities;
        *relations = p->u->relations;
        *observations = p->u->observations;
        return;
    }
    *entities = mt_graph_count_entities(&p->base);
    *relations = mt_graph_count_relations(&p->base);
    *observations = mt_graph_count_observations(&p->base);
}
