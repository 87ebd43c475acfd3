/* view_text.c: a read-only page of rows (a backup's diff against HEAD);
 * Space marks the entity under the cursor, r restores the marked entities
 * of the backup it shows (every entity when none is marked). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "memtui/ui/app.h"

struct text_state {
    char *title;
    struct mt_rows rows;              /* row idx: its entity's block, SIZE_MAX: none */
    char **names;                     /* per block: the entity's name ... */
    bool *marked;                     /* ... and whether Space marked it for restore */
    size_t nblocks;
    bool page;                        /* read-only: details, not a backup's diff */
};

static struct text_state *state(struct mt_app *a)
{
    return a->state[MT_VIEW_TEXT];
}

static void clear(struct text_state *t)
{
    mt_rows_clear(&t->rows);
    free(t->title);
    for (size_t i = 0; i < t->nblocks; i++) free(t->names[i]);
    free(t->names);
    free(t->marked);
    memset(t, 0, sizeof(*t));
}

static void *init(void)
{
    return xcalloc(1, sizeof(struct text_state));
}

static void release(void *st)
{
    clear(st);
    free(st);
}

void mt_view_text_show(struct mt_app *a, char *title, struct mt_rows *rows, char **names, size_t nblocks)
{
    struct text_state *t = state(a);
    clear(t);
    t->title = title;
    t->rows = *rows;
    memset(rows, 0, sizeof(*rows));
    t->names = names;
    t->nblocks = nblocks;
    t->marked = xcalloc(nblocks + 1, sizeof(bool));
}

void mt_view_text_page(struct mt_app *a, char *title, struct mt_rows *rows)
{
    mt_view_text_show(a, title, rows, NULL, 0);
    state(a)->page = true;
    if (a->view != MT_VIEW_TEXT) a->back = a->view;
    a->view = MT_VIEW_TEXT;
    a->cursor[MT_VIEW_TEXT] = a->top[MT_VIEW_TEXT] = 0;
}

void mt_ui_page_free(struct mt_ui_page *pg)
{
    if (!pg) return;
    free(pg->subject);
    free(pg->title);
    free(pg->error);
    mt_rows_clear(&pg->rows);
    free(pg);
}

void mt_app_page_job(struct mt_app *a, struct mt_ui_page *pg, int (*fn)(struct mt_job *))
{
    if (!mt_job_run(&a->job, MT_JOB_DETAIL, fn, pg)) {
        mt_app_set_message(a, true, "busy: %s is running", a->job.name);
        mt_ui_page_free(pg);
    }
}

void mt_app_show_page(struct mt_app *a, struct mt_ui_page *pg)
{
    if (pg->error) mt_app_set_message(a, true, "%s", pg->error);
    else {
        mt_view_text_page(a, pg->title, &pg->rows);
        pg->title = NULL;
    }
    mt_ui_page_free(pg);
}

char **mt_view_text_marked(struct mt_app *a, size_t *n)
{
    struct text_state *t = state(a);
    char **names = xcalloc(t->nblocks + 1, sizeof(char *));
    *n = 0;
    for (size_t i = 0; a->view == MT_VIEW_TEXT && i < t->nblocks; i++)
        if (t->marked[i]) names[(*n)++] = t->names[i];
    return names;
}

static void rows(struct mt_app *a, struct mt_rows *out, int width)
{
    const struct text_state *st = state(a);
    if (st->title) mt_rows_line(out, MT_ROLE_HEADER, "%s", st->title)->idx = SIZE_MAX;
    if (st->page) {   /* details are read in full: long lines wrap */
        for (size_t i = 0; i < st->rows.n; i++) {
            const struct mt_row *r = &st->rows.v[i];
            const char *t = r->nsegs ? r->segs[0].text : "";
            size_t lead = strspn(t, " ");   /* a continuation sits under its line's text */
            mt_row_wrap(out, r, width > 20 ? (size_t)width : 80, 64, lead + 2);
        }
        return;
    }
    for (size_t i = 0; i < st->rows.n; i++) {
        const struct mt_row *t = &st->rows.v[i];
        struct mt_row *r = mt_rows_add(out);
        r->idx = t->idx;
        bool head = t->idx < st->nblocks && (i == 0 || st->rows.v[i - 1].idx != t->idx);
        if (head) mt_row_seg(r, st->marked[t->idx] ? MT_ROLE_CHANGED : MT_ROLE_DIM, "%s",
                             st->marked[t->idx] ? "[x] " : "[ ] ");
        for (size_t k = 0; k < t->nsegs; k++) mt_row_seg(r, t->segs[k].role, "%s", t->segs[k].text);
    }
}

static unsigned key(struct mt_app *a, enum mt_action act)
{
    if (state(a)->page) return act == MT_ACT_TAKE || act == MT_ACT_RESTORE ? MT_KEY_HANDLED : MT_KEY_IGNORED;
    if (act == MT_ACT_TAKE) {
        /* the cursor counts the title row first */
        struct text_state *st = state(a);
        size_t c = a->cursor[MT_VIEW_TEXT], off = st->title ? 1 : 0;
        size_t i = c >= off && c - off < st->rows.n ? st->rows.v[c - off].idx : SIZE_MAX;
        if (i < st->nblocks) {
            st->marked[i] = !st->marked[i];
            size_t n = 0;
            for (size_t k = 0; k < st->nblocks; k++) n += st->marked[k];
            mt_app_set_message(a, false, "%s %s: %zu marked; r restores %s", st->marked[i] ? "marked" : "unmarked",
                               st->names[i], n, n ? "the marked entities" : "every entity");
        }
        return MT_KEY_HANDLED;
    }
    if (act != MT_ACT_RESTORE || !a->confirm_arg) return MT_KEY_IGNORED;
    a->confirm = MT_CONFIRM_RESTORE;
    return MT_KEY_HANDLED | MT_KEY_ASK;
}

const struct mt_view_ops mt_view_text = {.name = "Details", .rows = rows, .key = key, .init = init, .free = release};
