/* view_conflict.c: one conflict, every side side by side with its real
 * name, and the result; the operator's decisions go to the engine
 * (mt_plan_decide, then mt_plan_resolve), with undo.
 *
 * Nothing is lost by a plain choice (DESIGN 2): the selection starts on
 * the result, which is the preserve rule's until decided; Space or Enter
 * there keeps it, on a side takes that side's type with the observations
 * of every side. Taking a side exactly (x) or deleting the entity (d)
 * loses something, so each asks first, naming what. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memtui/base/fsutil.h"
#include "memtui/ui/app.h"
#include "memtui/ui/choice.h"
#include "memtui/ui/conflict_body.h"
#include "memtui/ui/entity_edit.h"
#include "memtui/ui/text.h"

char *mt_app_side_name(struct mt_app *a, const struct mt_conflict *c, size_t side)
{
    const struct mt_side *s = &c->sides[side];
    const char *commit = "";
    if (s->env == SIZE_MAX) commit = a->snap->u_commit;
    else if (a->snap->export_commit) commit = a->snap->export_commit[s->env];
    if (!commit[0]) return xstrdup(s->label);
    return xasprintf("%s @ %.7s", s->env == SIZE_MAX ? "memory.json" : s->label, commit);
}

/* The view's own state (mt_view_ops.init): which conflict, which column,
 * and a decision that loses something, taken only once the operator says y
 * to the question that names what is lost. */
struct conflict_state {
    size_t conflict, side;   /* side: a side, or nsides (and above): the result column */
    size_t scroll;           /* the first body line shown */
    size_t max_scroll, page; /* as the last frame found them (max SIZE_MAX: none yet) */
    bool reveal;             /* the next frame scrolls the selected column's header into view */
    struct mt_keyed_decision ask;
    char *question;
};

static struct conflict_state *cs(struct mt_app *a)
{
    return a->state[MT_VIEW_CONFLICT];
}

void mt_app_open_conflict(struct mt_app *a, size_t index)
{
    cs(a)->conflict = index;
    cs(a)->side = SIZE_MAX;   /* the result column: the first selection is the preserve result */
    cs(a)->scroll = 0;
    cs(a)->max_scroll = SIZE_MAX;
    a->view = MT_VIEW_CONFLICT;
}

const char *mt_app_ask_question(struct mt_app *a)
{
    return cs(a)->question;
}

static struct mt_conflict *current(struct mt_app *a)
{
    struct mt_plan *p = mt_app_plan(a);
    if (!p || !p->nconflicts) return NULL;
    if (cs(a)->conflict >= p->nconflicts) cs(a)->conflict = p->nconflicts - 1;
    return &p->conflicts[cs(a)->conflict];
}

/* The selected column: a side, or c->nsides for the result (where every
 * conflict opens). */
static size_t selected(struct mt_app *a, const struct mt_conflict *c)
{
    if (cs(a)->side > c->nsides) cs(a)->side = c->nsides;
    return cs(a)->side;
}

/* What the result column shows: the decision, else the preserve rule's. */
static const struct mt_entity *shown_result(const struct mt_conflict *c)
{
    return c->decided ? c->result : c->preserve;
}

/* What the body shows of c: the selected column and the result. */
static struct mt_conflict_body body_of(struct mt_app *a, const struct mt_conflict *c)
{
    return (struct mt_conflict_body){.selected = selected(a, c), .result = shown_result(c),
                                     .result_title = c->decided ? "result (decided)" : "result (preserve rule)"};
}

/* Rows [from, from + n) of body go to out, the rest is freed. */
static void move_rows(struct mt_rows *out, struct mt_rows *body, size_t from, size_t n)
{
    for (size_t i = 0; i < body->n; i++) {
        if (i >= from && i - from < n) {
            *mt_rows_add(out) = body->v[i];
            memset(&body->v[i], 0, sizeof body->v[i]);
        }
    }
    mt_rows_clear(body);
}

static const char *const HINTS[] = {
    "h/l side", "j/k scroll", "Space/Enter keep the result, or a side's type with all observations",
    "x exact side, d delete (both ask)", "u union", "e edit", "z/Z undo/redo", "[/] prev/next", "Esc back",
    "m menu"};

/* The hints packed into lines of width columns, never split inside one. */
static void hint_rows(struct mt_rows *out, size_t width)
{
    struct mt_buf b;
    mt_buf_init(&b);
    for (size_t i = 0; i < sizeof HINTS / sizeof HINTS[0]; i++) {
        if (b.len && mt_text_width(b.data) + 2 + mt_text_width(HINTS[i]) > width) {
            mt_rows_line(out, MT_ROLE_DIM, "%s", b.data);
            mt_buf_reset(&b);
        }
        if (b.len) mt_buf_adds(&b, "  ");
        mt_buf_adds(&b, HINTS[i]);
    }
    if (b.len) mt_rows_line(out, MT_ROLE_DIM, "%s", b.data);
    mt_buf_free(&b);
}

/* The title and the hints stay; the sides, result and relations between
 * them scroll. */
static void rows(struct mt_app *a, struct mt_rows *out, int width)
{
    struct mt_conflict *c = current(a);
    if (!c) {
        mt_rows_line(out, MT_ROLE_OK, "no conflicts left");
        return;
    }
    struct mt_plan *p = mt_app_plan(a);
    size_t w = width > 0 ? (size_t)width : 80;
    struct mt_conflict_body b = body_of(a, c);
    struct mt_rows body = {0}, hints = {0};
    mt_conflict_body_rows(a, c, &b, w, &body);
    hint_rows(&hints, w);
    struct conflict_state *st = cs(a);
    size_t room = a->body_height > 0 ? (size_t)a->body_height : SIZE_MAX;
    size_t page = room > 2 + hints.n + 1 ? room - 2 - hints.n : 1;   /* title, blank, hints */
    st->page = page;
    st->max_scroll = body.n > page ? body.n - page : 0;
    if (st->reveal && b.selected_line != SIZE_MAX &&
        (b.selected_line < st->scroll || b.selected_line >= st->scroll + page))
        st->scroll = b.selected_line;
    st->reveal = false;
    if (st->scroll > st->max_scroll) st->scroll = st->max_scroll;
    struct mt_row *t = mt_rows_line(out, c->decided ? MT_ROLE_OK : MT_ROLE_CONFLICT, "Conflict %zu/%zu: %s on \"%s\": %s",
                                    st->conflict + 1, p->nconflicts, mt_conflict_kind_name(c->kind), c->name,
                                    c->decided ? c->resolution : "PENDING");
    size_t shown = body.n - st->scroll < page ? body.n - st->scroll : page;
    if (body.n > page)
        mt_row_seg(t, MT_ROLE_DIM, "  lines %zu-%zu of %zu", st->scroll + 1, st->scroll + shown, body.n);
    move_rows(out, &body, st->scroll, shown);
    mt_rows_line(out, MT_ROLE_DEFAULT, "%s", "");
    move_rows(out, &hints, 0, hints.n);
}

static void find_key(struct mt_app *a, const char *key)
{
    struct mt_plan *p = mt_app_plan(a);
    for (size_t i = 0; p && i < p->nconflicts; i++)
        if (strcmp(p->conflicts[i].key, key) == 0) cs(a)->conflict = i;
}

static void decide_key(struct mt_app *a, const char *key, const char *name, enum mt_decision_kind kind,
                       const struct mt_entity *e, const char *label)
{
    mt_plan_decide(mt_app_plan(a), key, kind, e, label);
    mt_plan_resolve(mt_app_plan(a));
    a->gen++;   /* the plan changed */
    find_key(a, key);
    mt_app_set_message(a, false, "%s: %s (%zu pending)", name, label, mt_plan_pending(mt_app_plan(a)));
}

static void decide(struct mt_app *a, struct mt_conflict *c, enum mt_decision_kind kind, const struct mt_entity *e,
                   const char *label)
{
    /* deciding resolves the plan again, which frees c */
    char *key = xstrdup(c->key), *name = xstrdup(c->name);
    decide_key(a, key, name, kind, e, label);
    free(key);
    free(name);
}

/* Union of all sides: the first present side's type (U's when U has X),
 * every side's observations in side order. */
static struct mt_entity *union_of(const struct mt_conflict *c)
{
    struct mt_entity *u = NULL;
    for (size_t i = 0; i < c->nsides; i++) {
        const struct mt_entity *e = c->sides[i].entity;
        if (!e) continue;
        if (!u) u = mt_entity_clone(e);
        else mt_entity_fold(u, e);
    }
    return u;
}

/* What Space would decide for the selection (a new entity, NULL when the
 * selected side has none): the result as shown, or the side's type over
 * everything the preserve rule keeps. */
static struct mt_entity *chosen(struct mt_app *a, const struct mt_conflict *c)
{
    size_t sel = selected(a, c);
    if (sel == c->nsides) return shown_result(c) ? mt_entity_clone(shown_result(c)) : NULL;
    const struct mt_entity *keep = c->preserve;
    struct mt_entity *u = keep ? NULL : union_of(c);
    struct mt_entity *e = mt_choice_type_of(keep ? keep : u, c->sides[sel].entity);
    mt_entity_free(u);
    return e;
}

static const char *side_label(const struct mt_side *s)
{
    return s->env == SIZE_MAX ? "memory.json" : s->label;
}

/* A side without the entity gives nothing to take: deleting is d's job. */
static bool refuse_absent(struct mt_app *a, const struct mt_conflict *c, size_t sel)
{
    if (sel >= c->nsides || c->sides[sel].entity) return false;
    mt_app_set_message(a, true, "%s has no \"%s\": d deletes it (asks first); Space on the result or on a side "
                                "that has it keeps it", side_label(&c->sides[sel]), c->name);
    return true;
}

static void take(struct mt_app *a, struct mt_conflict *c)
{
    size_t sel = selected(a, c);
    if (refuse_absent(a, c, sel)) return;
    if (sel == c->nsides && c->decided) {
        mt_app_set_message(a, false, "%s: already decided (%s); z undoes it", c->name, c->resolution);
        return;
    }
    struct mt_entity *e = chosen(a, c);
    if (!e) {   /* the preserve rule never deletes a conflicting entity: kept as a guard */
        mt_app_set_message(a, true, "%s: no result to keep; d deletes it (asks first)", c->name);
        return;
    }
    char *label = sel == c->nsides
                      ? xstrdup("operator: preserve rule")
                      : xasprintf("operator: type of %s, observations of all sides kept", side_label(&c->sides[sel]));
    decide(a, c, MT_DECIDE_ENTITY, e, label);
    free(label);
    mt_entity_free(e);
}

static void ask_clear(struct conflict_state *c)
{
    free(c->ask.key);
    mt_entity_free(c->ask.d.entity);
    free(c->ask.d.label);
    free(c->question);
    memset(&c->ask, 0, sizeof c->ask);
    c->question = NULL;
}

static void *init(void)
{
    struct conflict_state *st = xcalloc(1, sizeof *st);
    st->max_scroll = SIZE_MAX;
    return st;
}

static void release(void *st)
{
    ask_clear(st);
    free(st);
}

/* Ask y/n before a decision that loses something; question names what. */
static void ask(struct mt_app *a, const struct mt_conflict *c, enum mt_decision_kind kind, const struct mt_entity *e,
                char *label, char *question)
{
    ask_clear(cs(a));
    cs(a)->ask.key = xstrdup(c->key);
    cs(a)->ask.d.kind = kind;
    cs(a)->ask.d.entity = e ? mt_entity_clone(e) : NULL;
    cs(a)->ask.d.label = label;
    cs(a)->question = question;
    a->confirm = MT_CONFIRM_DECIDE;
    a->input = MT_INPUT_CONFIRM;
}

void mt_app_ask_confirmed(struct mt_app *a)
{
    if (!cs(a)->ask.key || !mt_app_plan(a)) return;
    /* the plan may have been reloaded meanwhile: the decision goes by key */
    find_key(a, cs(a)->ask.key);
    const struct mt_conflict *c = current(a);
    char *name = xstrdup(c && strcmp(c->key, cs(a)->ask.key) == 0 ? c->name : cs(a)->ask.key);
    decide_key(a, cs(a)->ask.key, name, cs(a)->ask.d.kind, cs(a)->ask.d.entity, cs(a)->ask.d.label);
    free(name);
    ask_clear(cs(a));
}

/* x: the selected side exactly as it is; what only other sides hold is
 * dropped, so it asks, listing that. */
static void take_exact(struct mt_app *a, struct mt_conflict *c)
{
    size_t sel = selected(a, c);
    if (sel == c->nsides) {
        mt_app_set_message(a, true, "x takes a side exactly as it is: select a side first (h)");
        return;
    }
    if (refuse_absent(a, c, sel)) return;
    const char *who = side_label(&c->sides[sel]);
    struct mt_strset lost;
    mt_choice_dropped(c, sel, &lost);
    if (!lost.n) {   /* nothing is lost: no need to ask */
        char *label = xasprintf("operator: took %s exactly, nothing dropped", who);
        decide(a, c, MT_DECIDE_ENTITY, c->sides[sel].entity, label);
        free(label);
    } else {
        ask(a, c, MT_DECIDE_ENTITY, c->sides[sel].entity,
            xasprintf("operator: took %s exactly, dropped %zu observation%s", who, lost.n, lost.n == 1 ? "" : "s"),
            mt_choice_drop_question(who, c->name, &lost, a->width > 0 ? (size_t)a->width : 0));
    }
    mt_strset_free(&lost);
}

/* The edit file holds text: false (and a message) when it cannot. */
static bool write_edit(struct mt_app *a, const char *path, int fd, const struct mt_buf *text)
{
    if (fd < 0) fd = open(path, O_WRONLY | O_TRUNC);
    bool ok = fd >= 0 && write(fd, text->data, text->len) == (ssize_t)text->len;
    if (fd >= 0) close(fd);
    if (!ok) mt_app_set_message(a, true, "cannot write %s", path);
    return ok;
}

/* e: the result as it stands (the decision so far, or the preserve rule's;
 * the union when there is none) goes to $EDITOR, pretty-printed. */
static void edit(struct mt_app *a, struct mt_conflict *c)
{
    struct mt_entity *e = shown_result(c) ? mt_entity_clone(shown_result(c)) : union_of(c);
    if (!e) {
        mt_app_set_message(a, true, "nothing to edit: every side deleted it");
        return;
    }
    struct mt_buf b;
    mt_buf_init(&b);
    mt_entity_edit_text(&b, e);
    mt_entity_free(e);
    const char *dir = getenv("TMPDIR");
    char *path = xasprintf("%s/memtui-edit-XXXXXX.json", dir && *dir ? dir : "/tmp");
    if (!write_edit(a, path, mkstemps(path, 5), &b)) {
        free(path);
        mt_buf_free(&b);
        return;
    }
    mt_buf_free(&b);
    free(a->edit_path);
    free(a->edit_key);
    a->edit_path = path;
    a->edit_key = xstrdup(c->key);
}

/* What the editor left: the decision, a cancel (empty), or the file once
 * more with what is wrong on top (as many times as it takes). */
void mt_app_edit_done(struct mt_app *a, int status)
{
    char *path = a->edit_path, *key = a->edit_key;
    a->edit_path = a->edit_key = NULL;
    char *data = NULL, *why = NULL;
    size_t len = 0;
    struct mt_error err = {0};
    struct mt_entity *e = NULL;
    int rc;
    if (status != 0) {
        mt_app_set_message(a, true, "the editor failed (status %d): nothing decided", status);
    } else if (mt_file_read(path, &data, &len, NULL, &err)) {
        mt_app_set_message(a, true, "%s", err.msg);
    } else if ((rc = mt_entity_edit_parse(data, len, key, &e, &why)) == 1) {
        mt_app_set_message(a, false, "empty file: edit cancelled, nothing decided");
    } else if (rc < 0) {
        struct mt_buf b;
        mt_buf_init(&b);
        mt_entity_edit_retry(&b, data, len, why);
        mt_app_set_message(a, true, "invalid: %s (save an empty file to cancel)", why);
        if (write_edit(a, path, -1, &b)) {   /* display runs the editor again */
            a->edit_path = path;
            a->edit_key = key;
            path = key = NULL;
        }
        mt_buf_free(&b);
    } else {
        find_key(a, key);
        struct mt_conflict *c = current(a);
        if (c && strcmp(c->key, key) == 0) decide(a, c, MT_DECIDE_ENTITY, e, "operator: edited in $EDITOR");
        else mt_app_set_message(a, true, "the conflict is gone meanwhile: nothing decided");
    }
    mt_entity_free(e);
    mt_error_clear(&err);
    free(why);
    free(data);
    if (path) unlink(path);
    free(path);
    free(key);
}

/* h/l: the next column left or right, stopping at either end; the
 * message names it, for a stacked layout that shows one at a time. */
static void select_side(struct mt_app *a, const struct mt_conflict *c, bool right)
{
    size_t sel = selected(a, c);
    if (right ? sel == c->nsides : sel == 0) {
        mt_app_set_message(a, false, "%s", right ? "the result is the last column" : "the first side");
        return;
    }
    cs(a)->side = right ? sel + 1 : sel - 1;
    cs(a)->reveal = true;
}

/* A click on a side's column (or its lines, stacked) selects it as h/l
 * do; row 0 is the title, the body's lines follow from the scroll. */
static void click(struct mt_app *a, size_t row, size_t x)
{
    struct mt_conflict *c = current(a);
    struct conflict_state *st = cs(a);
    if (!c || row == 0 || row > st->page) return;
    struct mt_conflict_body b = body_of(a, c);
    size_t col = mt_conflict_body_column_at(a, c, &b, a->width > 0 ? (size_t)a->width : 80, st->scroll + row - 1, x);
    if (col == SIZE_MAX) return;
    st->side = col;   /* in view already: nothing to reveal */
}

/* j/k and pages: by lines, within what the last frame had. */
static void scroll(struct mt_app *a, long by)
{
    struct conflict_state *st = cs(a);
    if (by < 0) st->scroll = (size_t)-by > st->scroll ? 0 : st->scroll - (size_t)-by;
    else if (st->scroll >= st->max_scroll || (size_t)by > st->max_scroll - st->scroll) st->scroll = st->max_scroll;
    else st->scroll += (size_t)by;
}

static unsigned key(struct mt_app *a, enum mt_action act)
{
    struct mt_conflict *c = current(a);
    struct mt_plan *p = mt_app_plan(a);
    switch (act) {
    case MT_ACT_LEFT:
    case MT_ACT_RIGHT:
        if (c) select_side(a, c, act == MT_ACT_RIGHT);
        return MT_KEY_HANDLED;
    case MT_ACT_DOWN: scroll(a, 1); return MT_KEY_HANDLED;
    case MT_ACT_UP: scroll(a, -1); return MT_KEY_HANDLED;
    case MT_ACT_PAGE_DOWN: scroll(a, (long)(cs(a)->page / 2 ? cs(a)->page / 2 : 1)); return MT_KEY_HANDLED;
    case MT_ACT_PAGE_UP: scroll(a, -(long)(cs(a)->page / 2 ? cs(a)->page / 2 : 1)); return MT_KEY_HANDLED;
    case MT_ACT_FIRST: scroll(a, -(1L << 30)); return MT_KEY_HANDLED;
    case MT_ACT_LAST: scroll(a, 1L << 30); return MT_KEY_HANDLED;
    case MT_ACT_NEXT_CONFLICT:   /* another conflict opens on its result too */
        if (p && cs(a)->conflict + 1 < p->nconflicts) mt_app_open_conflict(a, cs(a)->conflict + 1);
        else mt_app_set_message(a, false, "last conflict");
        return MT_KEY_HANDLED;
    case MT_ACT_PREV_CONFLICT:
        if (cs(a)->conflict) mt_app_open_conflict(a, cs(a)->conflict - 1);
        else mt_app_set_message(a, false, "first conflict");
        return MT_KEY_HANDLED;
    case MT_ACT_TAKE:
    case MT_ACT_ENTER:
        if (c) take(a, c);
        return MT_KEY_HANDLED;
    case MT_ACT_TAKE_EXACT:
        if (c) take_exact(a, c);
        return MT_KEY_HANDLED;
    case MT_ACT_DELETE_ENTITY:
        if (c)
            ask(a, c, MT_DECIDE_DELETE, NULL, xstrdup("operator: deleted the entity"),
                mt_choice_delete_question(c->name, shown_result(c)));
        return MT_KEY_HANDLED;
    case MT_ACT_UNION:
        if (c) {
            struct mt_entity *u = union_of(c);
            if (u) decide(a, c, MT_DECIDE_ENTITY, u, "operator: union of all sides");
            else mt_app_set_message(a, true, "nothing to union: no side has \"%s\"", c->name);
            mt_entity_free(u);
        }
        return MT_KEY_HANDLED;
    case MT_ACT_EDIT:
        if (c) edit(a, c);
        return MT_KEY_HANDLED;
    default: return MT_KEY_IGNORED;
    }
}

const struct mt_view_ops mt_view_conflict = {
    .name = "Conflict", .rows = rows, .key = key, .click = click, .init = init, .free = release};
