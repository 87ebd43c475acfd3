/* conflict_body.c: one conflict's sides, result and relations as rows
 * (conflict_body.h). Each column is first a list of wrapped lines; side by
 * side the columns are then zipped row by row, stacked they follow one
 * another. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memtui/base/safetext.h"
#include "memtui/ui/conflict_body.h"
#include "memtui/ui/text.h"

struct cell {
    enum mt_role role;
    char *text;
};

struct column {
    struct cell *v;
    size_t n, cap;
};

static void put(struct column *c, enum mt_role role, char *text)
{
    MT_GROW(c->v, c->cap, c->n + 1);
    c->v[c->n++] = (struct cell){role, text};
}

static void column_free(struct column *c)
{
    for (size_t i = 0; i < c->n; i++) free(c->v[i].text);
    free(c->v);
}

/* How many bytes of s go on a line of room columns: whole characters,
 * cut after the last space when the text goes on, at least one character. */
static size_t line_bytes(const char *s, size_t len, size_t room)
{
    size_t fit = mt_text_fit(s, len, room, NULL);
    if (fit == 0) {
        size_t cols;
        return mt_safe_next(s, len, &cols);
    }
    if (fit < len) {
        size_t sp = fit;
        while (sp > 0 && s[sp - 1] != ' ') sp--;
        if (sp > 0) fit = sp;
    }
    return fit;
}

static void wrap(struct column *c, enum mt_role role, const char *prefix, const char *text, size_t width)
{
    size_t pw = mt_text_width(prefix), len = strlen(text);
    size_t room = width > pw ? width - pw : 1;
    bool first = true;
    do {
        size_t n = line_bytes(text, len, room);
        put(c, role, xasprintf("%*s%.*s", first ? 0 : (int)pw, first ? prefix : "", (int)n, text));
        text += n;
        len -= n;
        first = false;
    } while (len);
}

void mt_rows_wrapped(struct mt_rows *out, enum mt_role role, const char *prefix, const char *text, size_t width)
{
    struct column c = {0};
    wrap(&c, role, prefix, text, width);
    for (size_t i = 0; i < c.n; i++) mt_rows_line(out, c.v[i].role, "%s", c.v[i].text);
    column_free(&c);
}

enum mt_role mt_conflict_side_role(size_t side)
{
    return (enum mt_role)(MT_ROLE_SIDE1 + side % MT_SIDE_ROLES);
}

/* The version a side started from: its env's last merged one (the delta's
 * M) when the env changed the entity, else its own (nothing to mark). */
static const struct mt_entity *started_from(const struct mt_plan *p, const struct mt_conflict *c, size_t side)
{
    const struct mt_side *s = &c->sides[side];
    if (s->env == SIZE_MAX || s->env >= p->nenvs) return s->entity;
    const struct mt_delta *d = &p->envs[s->env].delta;
    for (size_t i = 0; i < d->nents; i++)
        if (strcmp(d->ents[i].key, c->key) == 0) return d->ents[i].m;
    return s->entity;
}

static const struct mt_entity *base_of(const struct mt_conflict *c)
{
    for (size_t i = 0; i < c->nsides; i++)
        if (c->sides[i].env == SIZE_MAX) return c->sides[i].entity;
    return NULL;
}

/* An entity's lines marked against before (marks false: all plain). */
static void entity_lines(struct column *col, const struct mt_entity *before, const struct mt_entity *e, bool marks,
                         enum mt_role role, size_t width)
{
    if (!e) {
        const char *absent = role == MT_ROLE_RESULT ? "(deleted: not written)"
                             : marks && before      ? "(deleted here)"
                                                    : "(deleted / absent)";
        put(col, MT_ROLE_DIM, xstrdup(absent));
    } else if (!marks || (before && strcmp(before->type, e->type) == 0)) {
        wrap(col, role, "type: ", e->type, width);
    } else if (!before) {
        wrap(col, MT_ROLE_ADDED, "+ type: ", e->type, width);
    } else {
        char *t = xasprintf("%s (was %s)", e->type, before->type);
        wrap(col, MT_ROLE_CHANGED, "~ type: ", t, width);
        free(t);
    }
    for (size_t k = 0; e && k < e->obs.n; k++) {
        bool added = marks && !(before && mt_strset_has(&before->obs, e->obs.items[k]));
        wrap(col, added ? MT_ROLE_ADDED : role, added ? "+ " : "* ", e->obs.items[k], width);
    }
    for (size_t k = 0; marks && before && k < before->obs.n; k++)
        if (!e || !mt_strset_has(&e->obs, before->obs.items[k]))
            wrap(col, MT_ROLE_DROPPED, "- ", before->obs.items[k], width);
}

/* Column i: a side (i < c->nsides) or the result, header first. */
static void column_of(struct mt_app *a, const struct mt_conflict *c, const struct mt_conflict_body *b, size_t i,
                      size_t width, struct column *col)
{
    bool sel = i == b->selected, result = i == c->nsides;
    char *name = result ? xstrdup(b->result_title) : mt_app_side_name(a, c, i);
    enum mt_role role = result ? MT_ROLE_RESULT : mt_conflict_side_role(i);
    wrap(col, sel ? MT_ROLE_SELECTION : role, sel ? "> " : "  ", name, width);
    free(name);
    if (result) entity_lines(col, base_of(c), b->result, true, role, width);
    else
        entity_lines(col, started_from(mt_app_plan(a), c, i), c->sides[i].entity, c->sides[i].env != SIZE_MAX, role,
                     width);
}

static void side_by_side(struct column *cols, size_t ncols, size_t colw, struct mt_rows *out)
{
    size_t lines = 0;
    for (size_t i = 0; i < ncols; i++)
        if (cols[i].n > lines) lines = cols[i].n;
    for (size_t k = 0; k < lines; k++) {
        struct mt_row *r = mt_rows_add(out);
        for (size_t i = 0; i < ncols; i++) {
            if (i) mt_row_seg(r, MT_ROLE_DEFAULT, " ");
            const struct cell *cl = k < cols[i].n ? &cols[i].v[k] : NULL;
            mt_row_col(r, cl ? cl->role : MT_ROLE_DEFAULT, colw, cl ? cl->text : "");
        }
    }
}

static bool touches(const struct mt_relation *r, const char *name)
{
    return strcmp(r->from, name) == 0 || strcmp(r->to, name) == 0;
}

/* Did some env's delta remove relation key? Its name, else NULL. */
static const char *removed_by(const struct mt_plan *p, const char *key)
{
    for (size_t e = 0; e < p->nenvs; e++)
        for (size_t i = 0; i < p->envs[e].delta.nrels; i++)
            if (!p->envs[e].delta.rels[i].added && strcmp(p->envs[e].delta.rels[i].rel->key, key) == 0)
                return p->envs[e].ref.env;
    return NULL;
}

static void relation_line(struct mt_rows *out, char sign, const struct mt_relation *r, const char *who,
                          const char *fate, size_t width)
{
    char *t = xasprintf("%s -[%s]-> %s  (%s)%s", r->from, r->rtype, r->to, who, fate);
    char prefix[3] = {sign, ' ', 0};
    mt_rows_wrapped(out, sign == '+' ? MT_ROLE_ADDED : sign == '-' ? MT_ROLE_DROPPED : MT_ROLE_DEFAULT, prefix, t,
                    width);
    free(t);
}

/* memory.json's relations touching the entity, then those each env added
 * or removed; what survives is dropped if the entity is deleted. */
static void relations(const struct mt_plan *p, const struct mt_conflict *c, bool deleted, size_t width,
                      struct mt_rows *out)
{
    const char *fate = deleted ? "  dropped: the entity is deleted" : "  dropped if deleted";
    size_t first = out->n;
    mt_rows_line(out, MT_ROLE_HEADER, "Relations of \"%s\"", c->name);
    for (size_t i = 0; i < p->base.nrels; i++) {
        const struct mt_relation *r = p->base.rels[i];
        if (!r || !touches(r, c->name)) continue;
        const char *by = removed_by(p, r->key);
        char *who = by ? xasprintf("removed by %s", by) : xstrdup("memory.json");
        relation_line(out, by ? '-' : '*', r, who, by ? "" : fate, width);
        free(who);
    }
    for (size_t e = 0; e < p->nenvs; e++)
        for (size_t i = 0; i < p->envs[e].delta.nrels; i++) {
            const struct mt_rel_delta *d = &p->envs[e].delta.rels[i];
            if (!d->added || !touches(d->rel, c->name)) continue;
            char *who = xasprintf("added by %s", p->envs[e].ref.env);
            relation_line(out, '+', d->rel, who, fate, width);
            free(who);
        }
    if (out->n == first + 1) mt_rows_line(out, MT_ROLE_DIM, "  none");
}

/* The columns (every side, then the result) as laid out at width: side
 * by side colw wide with a blank between, or stacked (colw 0). */
static struct column *layout(struct mt_app *a, const struct mt_conflict *c, const struct mt_conflict_body *b,
                             size_t width, size_t *colw)
{
    size_t ncols = c->nsides + 1;
    *colw = width > ncols - 1 ? (width - (ncols - 1)) / ncols : 0;
    if (*colw < MT_CONFLICT_MIN_COLUMN) *colw = 0;
    struct column *cols = xcalloc(ncols, sizeof *cols);
    for (size_t i = 0; i < ncols; i++) column_of(a, c, b, i, *colw ? *colw : width, &cols[i]);
    return cols;
}

static void columns_free(struct column *cols, size_t ncols)
{
    for (size_t i = 0; i < ncols; i++) column_free(&cols[i]);
    free(cols);
}

size_t mt_conflict_body_column_at(struct mt_app *a, const struct mt_conflict *c, const struct mt_conflict_body *b,
                                  size_t width, size_t line, size_t x)
{
    size_t ncols = c->nsides + 1, colw, hit = SIZE_MAX, first = 0;
    struct column *cols = layout(a, c, b, width, &colw);
    for (size_t i = 0; i < ncols && hit == SIZE_MAX; i++) {
        if (colw) {   /* side by side: every column starts on line 0 */
            if (line < cols[i].n && x / (colw + 1) == i && x % (colw + 1) < colw) hit = i;
        } else {      /* stacked: its lines, then a blank */
            if (line >= first && line < first + cols[i].n) hit = i;
            first += cols[i].n + 1;
        }
    }
    columns_free(cols, ncols);
    return hit;
}

void mt_conflict_body_rows(struct mt_app *a, const struct mt_conflict *c, struct mt_conflict_body *b, size_t width,
                           struct mt_rows *out)
{
    size_t ncols = c->nsides + 1, colw;
    struct column *cols = layout(a, c, b, width, &colw);
    bool stacked = !colw;
    b->selected_line = SIZE_MAX;   /* side by side every header is on the first row: nothing to bring in */
    if (stacked) {
        for (size_t i = 0; i < ncols; i++) {
            if (i == b->selected) b->selected_line = out->n;
            for (size_t k = 0; k < cols[i].n; k++) mt_row_col(mt_rows_add(out), cols[i].v[k].role, width, cols[i].v[k].text);
            mt_rows_line(out, MT_ROLE_DEFAULT, "%s", "");
        }
    } else {
        side_by_side(cols, ncols, colw, out);
        mt_rows_line(out, MT_ROLE_DEFAULT, "%s", "");
    }
    columns_free(cols, ncols);
    relations(mt_app_plan(a), c, !b->result, width, out);
}
