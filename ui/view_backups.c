/* view_backups.c: panel 5, stashes and backup branches (here, on the
 * remote, both); Enter shows an entity-level diff of each graph file
 * against HEAD (where Space marks entities), r restores through the
 * engine, and the diff shown is made again once the restore is in. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memtui/ops/backup_diff.h"
#include "memtui/ui/app.h"

enum { RECENT_MERGES = 10 };

static const char *kind(enum mt_backup_kind k)
{
    return k == MT_BACKUP_STASH ? "stash" : k == MT_BACKUP_BRANCH ? "branch" : k == MT_BACKUP_REMOTE_BRANCH ? "tracking" : "remote";
}

static void rows(struct mt_app *a, struct mt_rows *out, int width)
{
    (void)width;
    struct mt_ui_snap *s = a->snap;
    if (!s || !s->open) return;
    if (s->backups_error) mt_rows_line(out, MT_ROLE_DANGER, "%s", s->backups_error);
    if (!s->nbackups) mt_rows_line(out, MT_ROLE_DIM, "no stashes and no backup branches");
    int namew = 12;  /* as wide as the longest name, so the counts stay in view */
    for (size_t i = 0; i < s->nbackups; i++) {
        int w = (int)strlen(s->backups[i].name) + 2;
        if (w > namew) namew = w > 60 ? 60 : w;
    }
    for (size_t i = 0; i < s->nbackups; i++) {
        const struct mt_backup *b = &s->backups[i];
        struct mt_row *r = mt_rows_add(out);
        r->idx = i;
        r->ref = xstrdup(b->name);
        char when[32], n[64];
        mt_row_col(r, MT_ROLE_DIM, 9, kind(b->kind));
        /* where it is: a backup only here is lost with this machine */
        mt_row_col(r, b->where == MT_BACKUP_HERE && b->kind != MT_BACKUP_STASH ? MT_ROLE_CHANGED : MT_ROLE_DIM, 8,
                   b->kind == MT_BACKUP_STASH ? "" : mt_backup_where_name(b->where));
        mt_row_col(r, MT_ROLE_HEADER, namew, b->name);
        mt_row_seg(r, MT_ROLE_DIM, "%.10s %s  ", b->oid, mt_fmt_time(b->time, when, sizeof when));
        snprintf(n, sizeof n, "%zu entities, %zu relations", b->entities, b->relations);
        mt_row_col(r, MT_ROLE_DEFAULT, 28, b->has_graph ? n : "no graph");
        mt_row_seg(r, b->missing_at_head ? MT_ROLE_CHANGED : MT_ROLE_OK, "%zu not at HEAD", b->missing_at_head);
        if (b->message && *b->message) mt_rows_line(out, MT_ROLE_DIM, "        %s", b->message)->ref = xstrdup(b->name);
    }
    /* Older merges are backups too: any of them can be diffed and restored. */
    size_t shown = 0;
    for (size_t i = 0; i < s->nlog && shown < RECENT_MERGES; i++) {
        const struct mt_history_entry *l = &s->log[i];
        if (strcmp(l->commit, s->s.head) == 0) continue;  /* HEAD: nothing to bring back */
        if (!shown++) {
            mt_rows_line(out, MT_ROLE_DEFAULT, "%s", "");
            mt_rows_line(out, MT_ROLE_HEADER, "Recent merge commits (Enter: what HEAD no longer has)");
        }
        char when[32], n[64];
        struct mt_row *r = mt_rows_add(out);
        r->ref = xstrdup(l->commit);
        mt_row_col(r, MT_ROLE_DIM, 7, l->m.restore ? "restore" : "merge");
        mt_row_seg(r, MT_ROLE_DIM, "%.10s %s  ", l->commit, mt_fmt_time(l->time, when, sizeof when));
        snprintf(n, sizeof n, "%zu entities, %zu relations", l->m.out_entities, l->m.out_relations);
        mt_row_col(r, MT_ROLE_DEFAULT, 28, n);
        mt_row_seg(r, MT_ROLE_DIM, "token %lld by %s", l->m.lease_token, l->m.run_env ? l->m.run_env : "?");
    }
}

/* A side's unreadable lines, above the blocks: the operator must know the
 * diff leaves them out. */
static void unreadable_row(struct mt_rows *rows, const char *side, const struct mt_unreadable *u)
{
    struct mt_buf b;
    mt_buf_init(&b);
    mt_unreadable_text(&b, u);
    if (b.len) mt_rows_line(rows, MT_ROLE_DANGER, "%s: %s", side, b.data)->idx = SIZE_MAX;
    mt_buf_free(&b);
}

/* The restore marks go by entity: one name found in several files of the
 * backup is one block index. */
static size_t block_of(struct mt_ui_diff *d, const char *name)
{
    for (size_t i = 0; i < d->nblocks; i++)
        if (strcmp(d->names[i], name) == 0) return i;
    d->names = xrealloc(d->names, (d->nblocks + 1) * sizeof(char *));
    d->names[d->nblocks] = xstrdup(name);
    return d->nblocks++;
}

/* The producer's lines (entity_diff.h) with their sign said in words: a
 * '+' is only in the backup (a restore brings it back), a '-' only at HEAD. */
static void labelled_lines(struct mt_rows *rows, const struct mt_diff_lines *l, size_t idx)
{
    struct mt_buf b;
    mt_buf_init(&b);
    for (size_t i = 0; i < l->n; i++) {
        mt_buf_reset(&b);
        mt_diff_line_text(&b, &l->v[i]);
        bool backup = l->v[i].sign == '+';
        mt_rows_line(rows, backup ? MT_ROLE_ADDED : MT_ROLE_REMOVED, "  %s: %s",
                     backup ? "only in the backup" : "only at HEAD", b.len > 2 ? b.data + 2 : "")->idx = idx;
    }
    mt_buf_free(&b);
}

static void part_rows(struct mt_ui_diff *d, const struct mt_backup_part *p)
{
    const struct mt_backup_diff *bd = &p->d;
    mt_rows_line(&d->rows, MT_ROLE_HEADER, "== %s of the backup, against HEAD's %s%s", p->path, p->against,
                 strcmp(p->path, p->against) ? " (HEAD has no such file)" : "")->idx = SIZE_MAX;
    char *side = xasprintf("%s:%s", d->ref, p->path);   /* git's REV:PATH */
    unreadable_row(&d->rows, side, &bd->bad_backup);
    free(side);
    unreadable_row(&d->rows, "HEAD", &bd->bad_head);
    struct mt_buf b;
    mt_buf_init(&b);
    for (size_t i = 0; i < bd->nblocks; i++) {
        const struct mt_backup_block *bb = &bd->blocks[i];
        size_t idx = block_of(d, bb->backup->name);
        mt_buf_reset(&b);
        mt_diff_heading(&b, bb->backup->name);
        mt_diff_who(&b, bb->head ? "differs" : "only in the backup");
        mt_rows_line(&d->rows, MT_ROLE_HEADER, "%s", b.data)->idx = idx;
        labelled_lines(&d->rows, &bb->lines, idx);
    }
    mt_buf_free(&b);
    if (bd->relations.n) mt_rows_line(&d->rows, MT_ROLE_HEADER, "@ relations  [only in the backup]")->idx = SIZE_MAX;
    labelled_lines(&d->rows, &bd->relations, SIZE_MAX);
    mt_rows_line(&d->rows, MT_ROLE_DIM, "%zu entities identical at HEAD, %zu only at HEAD; %zu relations only at HEAD",
                 bd->same, bd->only_head, bd->rel_only_head)->idx = SIZE_MAX;
}

/* The engine compares (backup_diff.h); this job makes the rows. A job of
 * its own: a backup can hold 100k entities, and the screen must not freeze
 * while they are read and compared. */
int mt_ui_diff_job(struct mt_job *j)
{
    struct mt_ui_diff *d = j->arg;
    struct mt_backup_diffs bd;
    struct mt_error err = {0};
    j->result = d;
    d->names = xcalloc(1, sizeof(char *));
    mt_job_progress(j, 0, 0, "comparing %s with HEAD", d->ref);
    if (mt_backup_diff(d->cfg, d->ref, &bd, &err)) {
        d->error = xasprintf("%s: %s", d->ref, err.msg ? err.msg : "unreadable");
        mt_error_clear(&err);
        mt_backup_diffs_free(&bd);
        return MT_EXIT_USAGE;
    }
    d->title = xasprintf("%s against HEAD (Space marks an entity, r restores the marked ones or all)", d->ref);
    for (size_t i = 0; i < bd.n; i++) part_rows(d, &bd.parts[i]);
    mt_backup_diffs_free(&bd);
    return MT_EXIT_OK;
}

void mt_ui_diff_free(struct mt_ui_diff *d)
{
    if (!d) return;
    free(d->ref);
    free(d->error);
    free(d->title);
    mt_rows_clear(&d->rows);
    for (size_t i = 0; i < d->nblocks; i++) free(d->names[i]);
    free(d->names);
    free(d);
}

static void start_diff(struct mt_app *a, const char *ref)
{
    struct mt_ui_diff *d = xcalloc(1, sizeof(*d));
    d->cfg = a->cfg;
    d->ref = xstrdup(ref);
    if (!mt_job_run(&a->job, MT_JOB_DIFF, mt_ui_diff_job, d)) {
        mt_app_set_message(a, true, "busy: %s is running", a->job.name);
        mt_ui_diff_free(d);
    }
}

static void enter(struct mt_app *a, const struct mt_row *r)
{
    if (!r->ref || !a->snap || !a->snap->open) return;
    start_diff(a, r->ref);
}

void mt_app_rediff(struct mt_app *a)
{
    char *ref = a->rediff;
    a->rediff = NULL;
    if (ref && a->snap && a->snap->open && a->view == MT_VIEW_TEXT) start_diff(a, ref);
    free(ref);
}

/* The finished diff becomes the text view. */
void mt_app_show_diff(struct mt_app *a, struct mt_ui_diff *d)
{
    if (d->error) {
        mt_app_set_message(a, true, "%s", d->error);
        mt_ui_diff_free(d);
        return;
    }
    mt_view_text_show(a, d->title, &d->rows, d->names, d->nblocks);
    d->title = NULL;
    d->names = NULL;
    d->nblocks = 0;
    free(a->confirm_arg);
    a->confirm_arg = d->ref;
    d->ref = NULL;
    mt_ui_diff_free(d);
    if (a->view != MT_VIEW_TEXT) a->back = a->view;
    a->view = MT_VIEW_TEXT;
    a->cursor[MT_VIEW_TEXT] = a->top[MT_VIEW_TEXT] = 0;
}

static unsigned key(struct mt_app *a, enum mt_action act)
{
    if (act != MT_ACT_RESTORE) return MT_KEY_IGNORED;
    struct mt_ui_snap *s = a->snap;
    if (!s || !s->open) return MT_KEY_HANDLED;
    /* the ref of the selected row (its message row names it too) */
    struct mt_rows rs = {0};
    rows(a, &rs, a->width);
    size_t c = a->cursor[MT_VIEW_BACKUPS];
    unsigned r = MT_KEY_HANDLED;
    if (c < rs.n && rs.v[c].ref) {
        free(a->confirm_arg);
        a->confirm_arg = xstrdup(rs.v[c].ref);
        a->confirm = MT_CONFIRM_RESTORE;
        r |= MT_KEY_ASK;
    }
    mt_rows_clear(&rs);
    return r;
}

const struct mt_view_ops mt_view_backups = {.name = "Backups", .rows = rows, .enter = enter, .key = key};
