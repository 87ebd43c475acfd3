/* choice.c: what a choice in the conflict view keeps and loses, and the
 * questions that name it (curses-free). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "memtui/ui/choice.h"
#include "memtui/ui/text.h"

struct mt_entity *mt_choice_type_of(const struct mt_entity *keep, const struct mt_entity *side)
{
    if (!keep || !side) return NULL;
    struct mt_entity *e = mt_entity_clone(keep);
    free(e->type);
    e->type = xstrdup(side->type);
    return e;
}

static void add_missing(struct mt_strset *out, const struct mt_entity *from, const struct mt_entity *side)
{
    for (size_t i = 0; from && i < from->obs.n; i++)
        if (!mt_strset_has(&side->obs, from->obs.items[i])) mt_strset_add(out, from->obs.items[i]);
}

void mt_choice_dropped(const struct mt_conflict *c, size_t side, struct mt_strset *out)
{
    mt_strset_init(out);
    const struct mt_entity *s = side < c->nsides ? c->sides[side].entity : NULL;
    if (!s) return;
    add_missing(out, c->preserve, s);
    for (size_t i = 0; i < c->nsides; i++)
        if (i != side) add_missing(out, c->sides[i].entity, s);
}

/* ", … (+N more)" (without the comma first), "" for none. */
static char *more_text(size_t n, bool comma)
{
    return n ? xasprintf("%s… (+%zu more)", comma ? ", " : "", n) : xstrdup("");
}

/* The quoted observations that fit in budget columns, the rest counted:
 * "a", "b", … (+3 more). A first one too long is cut rather than left
 * out, so the list shows something of what is lost whenever it can. */
static void list_fitting(struct mt_buf *b, const struct mt_strset *obs, size_t budget)
{
    enum { MIN_CUT = 8 };
    size_t used = 0;
    for (size_t i = 0; i < obs->n; i++) {
        char *item = xasprintf("%s\"%s\"", i ? ", " : "", obs->items[i]);
        char *more = more_text(obs->n - i - 1, true);
        size_t mw = mt_text_width(more);
        bool fits = used + mt_text_width(item) + mw <= budget;
        if (!fits && i == 0 && budget >= mw + MIN_CUT) {
            char *cut = mt_text_trunc(item, budget - mw);
            free(item);
            item = cut;
            fits = true;
        }
        free(more);
        if (!fits) {   /* the previous item left room for exactly this */
            more = more_text(obs->n - i, i > 0);
            mt_buf_adds(b, more);
            free(more);
            free(item);
            return;
        }
        mt_buf_adds(b, item);
        used += mt_text_width(item);
        free(item);
    }
}

char *mt_choice_drop_question(const char *who, const char *name, const struct mt_strset *dropped, size_t cols)
{
    struct mt_buf b;
    mt_buf_init(&b);
    mt_buf_addf(&b, "Take %s's \"%s\" exactly as it is, dropping %zu observation%s: ", who, name, dropped->n,
                dropped->n == 1 ? "" : "s");
    const char *tail = "? [y/N]";
    size_t head = mt_text_width(b.data), need = head + mt_text_width(tail);
    list_fitting(&b, dropped, cols == 0 ? SIZE_MAX : cols > need ? cols - need : 0);
    mt_buf_adds(&b, tail);
    return mt_buf_detach(&b, NULL);
}

char *mt_choice_delete_question(const char *name, const struct mt_entity *keep)
{
    if (!keep) return xasprintf("Delete the entity \"%s\" and the relations that touch it? [y/N]", name);
    return xasprintf("Delete the entity \"%s\" (type %s, %zu observation%s) and the relations that touch it? [y/N]",
                     name, keep->type, keep->obs.n, keep->obs.n == 1 ? "" : "s");
}
