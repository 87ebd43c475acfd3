/* app_screen.c: the workstation's state as a screen description: the tab
 * line, the body rows in view, the status bar and the message line (what
 * display.c draws; curses-free). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_internal.h"
#include "memtui/ui/text.h"

static const char *confirm_question(struct mt_app *a, char *buf, size_t size)
{
    switch (a->confirm) {
    case MT_CONFIRM_MERGE:
    {
        /* what y does, in numbers: what is decided, what changes, where it goes */
        struct mt_plan *p = mt_app_plan(a);
        size_t d = mt_app_decided(a), ents = p ? p->nchanges : 0, rels = p ? p->nrel_changes : 0;
        snprintf(buf, size, "Finish the merge: %zu %s, %zu %s and %zu relation %s; verify, commit, push %s to %s? [y/N]", d,
                 mt_plural(d, "decision", "decisions"), ents, mt_plural(ents, "entity changes", "entities change"), rels,
                 mt_plural(rels, "change", "changes"), a->snap && a->snap->branch ? a->snap->branch : "main",
                 a->cfg->remote);
        break;
    }
    case MT_CONFIRM_ABORT: snprintf(buf, size, "Drop every decision taken here? [y/N]"); break;
    case MT_CONFIRM_SYNC: snprintf(buf, size, "Run a fresh sync (export, merge, import, push)? [y/N]"); break;
    case MT_CONFIRM_RESTORE: {
        size_t marked;
        free(mt_view_text_marked(a, &marked));
        if (marked)
            snprintf(buf, size, "Restore the %zu marked entities of %s through a merge commit? [y/N]", marked,
                     a->confirm_arg ? a->confirm_arg : "?");
        else
            snprintf(buf, size, "Restore every entity of %s through a merge commit? [y/N]",
                     a->confirm_arg ? a->confirm_arg : "?");
        break;
    }
    case MT_CONFIRM_MASS_DELETE:
        snprintf(buf, size, "Let %s delete what its fragment deletes (held back by the mass-deletion guard)? [y/N]",
                 a->confirm_arg ? a->confirm_arg : "?");
        break;
    case MT_CONFIRM_QUIT:
        if (a->job.running) snprintf(buf, size, "A %s is running: quit anyway? [y/N]", a->job.name);
        else snprintf(buf, size, "Quit and lose %zu %s? [y/N]", mt_app_decided(a),
                      mt_plural(mt_app_decided(a), "decision", "decisions"));
        break;
    case MT_CONFIRM_BREAK_LEASE:
        snprintf(buf, size, "Break the git lease held by %s? Its holder then publishes nothing. [y/N]",
                 a->confirm_arg ? a->confirm_arg : "?");
        break;
    case MT_CONFIRM_DECIDE:   /* made to fit the width when asked: not cut here */
        return mt_app_ask_question(a) ? mt_app_ask_question(a) : "?";
    }
    return buf;
}

/* The repo path gets what the rest of the status bar leaves, cut from the
 * left ("…/clone-a"): the end of a path names it best. */
static char *repo_tail(const char *repo, size_t cols)
{
    size_t len = strlen(repo), w;
    mt_text_fit(repo, len, SIZE_MAX, &w);
    if (w <= cols) return xstrdup(repo);
    if (cols < 2) return xstrdup("");
    for (size_t o = 1; o < len; o++) {
        if (((unsigned char)repo[o] & 0xC0) == 0x80) continue;  /* inside a character */
        mt_text_fit(repo + o, len - o, SIZE_MAX, &w);
        if (w <= cols - 1) return xasprintf("\u2026%s", repo + o);
    }
    return xstrdup("\u2026");
}

static void status_row(struct mt_app *a, struct mt_row *r)
{
    struct mt_ui_snap *s = a->snap;
    char lock[160], lease[160], pend[64] = "", counts[96] = "";
    const struct mt_status *st = s ? &s->status : NULL;
    bool held = st && st->lock_known && st->lock.held;
    if (held) snprintf(lock, sizeof lock, "lock: %s pid %ld", st->lock.env, st->lock.pid);
    else snprintf(lock, sizeof lock, "lock: free");
    bool leased = st && st->lease_rc == 0 && st->lease.valid && st->lease.state == MT_LEASE_HELD;
    if (leased) snprintf(lease, sizeof lease, "  lease: %s #%llu", st->lease.env, (unsigned long long)st->lease.token);
    else snprintf(lease, sizeof lease, "  lease: free");
    struct mt_plan *p = mt_app_plan(a);
    size_t pending = p ? mt_plan_pending(p) : 0;
    if (p) {
        snprintf(pend, sizeof pend, "  pending: %zu %s", pending, mt_plural(pending, "conflict", "conflicts"));
        snprintf(counts, sizeof counts, ", %zu decided, %zu changes ", mt_app_decided(a), p->resolved ? p->nchanges : 0);
    }
    char *rest = xasprintf("  env %s  branch %s  %s%s%s%s", a->cfg->env, s && s->branch ? s->branch : "?", lock,
                           lease, pend, counts);
    size_t w;
    mt_text_fit(rest, strlen(rest), SIZE_MAX, &w);
    free(rest);
    char *repo;
    if (a->width > (int)w + 12) {
        repo = repo_tail(a->cfg->repo, (size_t)a->width - w - 1);
    } else {  /* no room: the clone's folder name alone */
        const char *slash = strrchr(a->cfg->repo, '/');
        repo = xstrdup(slash && slash[1] ? slash + 1 : a->cfg->repo);
    }
    mt_row_seg(r, MT_ROLE_STATUS, " %s  env %s  branch %s  ", repo, a->cfg->env, s && s->branch ? s->branch : "?");
    free(repo);
    mt_row_seg(r, held ? MT_ROLE_LOCK_HELD : MT_ROLE_STATUS, "%s", lock);
    mt_row_seg(r, leased ? MT_ROLE_LOCK_HELD : MT_ROLE_STATUS, "%s", lease);
    if (p) {
        mt_row_seg(r, pending ? MT_ROLE_CONFLICT : MT_ROLE_STATUS, "%s", pend);
        mt_row_seg(r, MT_ROLE_STATUS, "%s", counts);
    }
}

/* The message line: what is typed, asked, running or said. Too long for
 * one line, it wraps onto up to MESSAGE_LINES, which the body gives up;
 * the history (M) keeps every word. */
enum { MESSAGE_LINES = 3 };
static void message_rows(struct mt_app *a, struct mt_screen *scr)
{
    char buf[512];
    if (a->input == MT_INPUT_SEARCH) {
        mt_row_seg(&scr->message, MT_ROLE_SEARCH, "/%s", a->line);
    } else if (a->input == MT_INPUT_CONFIRM) {
        mt_row_seg(&scr->message, MT_ROLE_DANGER, "%s", confirm_question(a, buf, sizeof buf));
    } else if (a->job.running) {
        mt_job_peek(&a->job, buf, sizeof buf, &scr->progress_done, &scr->progress_total);
        mt_row_seg(&scr->message, MT_ROLE_CHANGED, "%s", buf);
        if (a->job_warning) mt_row_seg(&scr->message, MT_ROLE_DANGER, "  %s", a->job_warning);
    } else if (a->message) {
        mt_row_seg(&scr->message, a->message_error ? MT_ROLE_DANGER : MT_ROLE_DEFAULT, "%s", a->message);
    }
    size_t w = a->width > 0 ? (size_t)a->width : 80;
    char *text = mt_row_text(&scr->message);
    bool wraps = !scr->progress_total && mt_text_width(text) > w;
    free(text);
    if (wraps) mt_row_wrap(&scr->lines, &scr->message, w, MESSAGE_LINES, 0);
    if (scr->lines.n > 1 && a->body_height > (int)scr->lines.n) a->body_height -= (int)scr->lines.n - 1;
}

void mt_app_tabs(struct mt_app *a, struct mt_row *tabs)
{
    mt_row_seg(tabs, MT_ROLE_TITLE, " memtui ");
    for (int i = 0; i < MT_PANELS; i++)
        mt_row_seg(tabs, i == (int)a->panel ? MT_ROLE_TAB_ACTIVE : MT_ROLE_TAB, " %d %s ", i + 1, mt_app_view_ops(i)->name);
    if (a->view >= MT_PANELS) mt_row_seg(tabs, MT_ROLE_TITLE, " > %s ", mt_app_view_ops(a->view)->name);
}

void mt_app_screen(struct mt_app *a, struct mt_screen *scr)
{
    memset(scr, 0, sizeof(*scr));
    message_rows(a, scr);
    mt_app_tabs(a, &scr->tabs);
    bool slices = mt_app_sliced(a);
    if (!a->snap) {
        char prog[256];
        mt_job_peek(&a->job, prog, sizeof prog, NULL, NULL);
        mt_rows_line(&scr->body, MT_ROLE_DIM, "loading %s: %s", a->cfg->repo, prog);
        scr->total = scr->body.n;
    } else if (slices) {
        scr->total = mt_app_view_ops(a->view)->count(a, a->width);
    } else {
        mt_app_body_rows(a, &scr->body);
        scr->total = scr->body.n;
    }
    scr->has_cursor = a->snap && a->view != MT_VIEW_CONFLICT && scr->total;
    size_t *c = &a->cursor[a->view], *top = &a->top[a->view];
    if (*c >= scr->total) *c = scr->total ? scr->total - 1 : 0;
    size_t heading = mt_app_view_ops(a->view)->header_rows;
    if (*c < heading && scr->total > heading) *c = heading;
    size_t h = a->body_height > 0 ? (size_t)a->body_height : 1;
    if (*c < *top) *top = *c;
    if (*c >= *top + h) *top = *c - h + 1;
    if (!scr->has_cursor) *top = 0;
    scr->top = *top;
    scr->cursor = *c;
    if (slices) {
        /* only the rows on screen are built */
        mt_app_view_ops(a->view)->slice(a, &scr->body, *top, h, a->width);
        scr->first = *top;
    }
    status_row(a, &scr->status);
}

void mt_screen_free(struct mt_screen *scr)
{
    for (size_t k = 0; k < scr->tabs.nsegs; k++) free(scr->tabs.segs[k].text);
    free(scr->tabs.segs);
    for (size_t k = 0; k < scr->status.nsegs; k++) free(scr->status.segs[k].text);
    free(scr->status.segs);
    for (size_t k = 0; k < scr->message.nsegs; k++) free(scr->message.segs[k].text);
    free(scr->message.segs);
    mt_rows_clear(&scr->body);
    mt_rows_clear(&scr->lines);
}
