/* app.c: the workstation's state machine: keys to actions, actions to
 * state, state to a screen description (curses-free; display.c draws). */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_internal.h"
#include "memtui/ui/text.h"
#include "memtui/ui/keys.h"

static const struct mt_view_ops *const VIEWS[MT_VIEW_COUNT] = {
    &mt_view_envs, &mt_view_locks,    &mt_view_plan, &mt_view_conflicts, &mt_view_backups,
    &mt_view_log,  &mt_view_conflict, &mt_view_help, &mt_view_menu,      &mt_view_text, &mt_view_messages,
};

const struct mt_view_ops *mt_app_view_ops(enum mt_view_id v)
{
    return v < MT_VIEW_COUNT ? VIEWS[v] : NULL;
}

struct mt_plan *mt_app_plan(struct mt_app *a)
{
    return a->snap && a->snap->have_plan ? &a->snap->plan : NULL;
}

void mt_app_set_message(struct mt_app *a, bool error, const char *fmt, ...)
{
    free(a->message);
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&a->message, fmt, ap) < 0) a->message = NULL;
    va_end(ap);
    a->message_error = error;
    /* an error stays readable in the history (M), once */
    struct mt_message last = {0};
    size_t n = mt_messages_count(&a->messages);
    bool known = n && mt_messages_get(&a->messages, n - 1, &last) && a->message && strcmp(last.text, a->message) == 0;
    free(last.text);
    if (error && a->message && !known) {
        mt_messages_add(&a->messages, MT_EVENT_WARNING, a->message);
        a->messages_seen = mt_messages_seq(&a->messages);
    }
}

void mt_app_init(struct mt_app *a, const struct mt_config *cfg)
{
    memset(a, 0, sizeof(*a));
    a->cfg = cfg;
    mt_job_init(&a->job);
    a->view = a->panel = a->back = MT_VIEW_ENVS;
    a->width = 80;
    a->body_height = 20;
    mt_messages_init(&a->messages, MT_MESSAGES_KEEP);
    mt_event_set_sink(mt_messages_sink, &a->messages);   /* before the first job emits */
    for (int v = 0; v < MT_VIEW_COUNT; v++)
        if (VIEWS[v]->init) a->state[v] = VIEWS[v]->init();
    mt_app_refresh(a);
}

static void reaped(struct mt_app *a)
{
    if (a->reaping) pthread_join(a->reaper, NULL);
    a->reaping = false;
}

void mt_app_free(struct mt_app *a)
{
    reaped(a);
    mt_job_destroy(&a->job);   /* joined: no job emits any more */
    mt_event_set_sink(NULL, NULL);
    mt_messages_free(&a->messages);
    free(a->job_warning);
    if (a->job.result) {   /* finished, never collected: freed as what it is */
        switch (mt_job_kind_info(a->job.kind)->gives) {
        case MT_JOB_GIVES_DIFF: mt_ui_diff_free(a->job.result); break;
        case MT_JOB_GIVES_PAGE: mt_ui_page_free(a->job.result); break;
        case MT_JOB_GIVES_SNAPSHOT:
        case MT_JOB_GIVES_LEASE: mt_ui_snap_free(a->job.result); break;
        case MT_JOB_GIVES_EXIT: break;
        }
    }
    if (a->queued_args) mt_ui_write_args_free(a->queued_args);
    mt_ui_snap_free(a->snap);
    for (int v = 0; v < MT_VIEW_COUNT; v++)
        if (VIEWS[v]->free) VIEWS[v]->free(a->state[v]);
    free(a->filter);
    free(a->message);
    free(a->confirm_arg);
    free(a->rediff);
    free(a->edit_path);
    free(a->edit_key);
}

void mt_app_refresh(struct mt_app *a)
{
    if (!mt_job_run(&a->job, MT_JOB_LOAD, mt_ui_load_job, (void *)a->cfg))
        mt_app_set_message(a, true, "busy: %s is running", a->job.name);
}

/* R: fetch, then reload (one job: the keys stay live meanwhile). */
static void fetch_and_refresh(struct mt_app *a)
{
    if (!mt_job_run(&a->job, MT_JOB_FETCH, mt_ui_load_job, (void *)a->cfg))
        mt_app_set_message(a, true, "busy: %s is running", a->job.name);
}

bool mt_app_idle(const struct mt_app *a)
{
    return !a->job.running;
}

static void *reap(void *snap)
{
    mt_ui_snap_free(snap);
    return NULL;
}

/* A replaced snapshot (8 x 100k entities: millions of blocks, a tenth of a
 * second and more) is freed on a thread of its own, not by the input loop. */
static void drop_snap(struct mt_app *a, struct mt_ui_snap *old)
{
    if (!old) return;
    reaped(a);
    a->reaping = pthread_create(&a->reaper, NULL, reap, old) == 0;
    if (!a->reaping) mt_ui_snap_free(old);
}

/* A reload keeps the operator's intent: the new plan resolves by it (the
 * engine ignores keys no longer in conflict, and lets a deletion through
 * only for the fragment bytes the operator saw). */
static void adopt(struct mt_app *a, struct mt_ui_snap *s)
{
    struct mt_plan *old = mt_app_plan(a);
    bool changed = old && s->have_plan && (old->intent.ndecisions || old->intent.nallowed || old->intent.nundo);
    if (changed) {
        mt_plan_set_intent(&s->plan, &old->intent);
        mt_plan_resolve(&s->plan);
    }
    struct mt_ui_snap *old_snap = a->snap;
    a->snap = s;
    a->lease_checked = mt_monotonic();   /* the lease was just read too */
    a->gen++;
    mt_view_plan_adopt(a, changed);   /* the old index points into the old plan */
    drop_snap(a, old_snap);
    if (s->error && !s->open && mt_start_first_run(a->cfg->repo))
        mt_app_set_message(a, false, "no backup repo at %s yet: the start screen says how to make one", a->cfg->repo);
    else if (s->error) mt_app_set_message(a, true, "%s", s->error);
}

enum { LEASE_REFRESH_S = 5 };

static void start_write(struct mt_app *a, enum mt_job_kind kind, int (*fn)(struct mt_job *),
                        struct mt_ui_write_args *args);

/* New events: a warning shows on the message line at once; while a job
 * runs it shows beside the job's progress, and stays in the job's last
 * word. True when something new came (the Messages view redraws). */
static bool take_events(struct mt_app *a)
{
    unsigned long seq = mt_messages_seq(&a->messages);
    if (seq == a->messages_seen) return false;
    char *w = mt_messages_warning_since(&a->messages, a->messages_seen);
    a->messages_seen = seq;
    if (w && a->job.running) {
        free(a->job_warning);
        a->job_warning = w;
    } else if (w) {
        mt_app_set_message(a, true, "%s", w);
        free(w);
    }
    return true;
}

/* A finished job's message keeps the newest warning it gave. */
static void job_warning_to_message(struct mt_app *a)
{
    if (!a->job_warning) return;
    char *m = a->message ? xasprintf("%s; %s (M: messages)", a->message, a->job_warning)
                         : xasprintf("%s (M: messages)", a->job_warning);
    free(a->message);
    a->message = m;
    a->message_error = true;
    free(a->job_warning);
    a->job_warning = NULL;
}

bool mt_app_poll(struct mt_app *a)
{
    bool redraw = take_events(a);
    if (mt_job_collect(&a->job)) {
        redraw = true;
        const struct mt_job_kind_info *kind = mt_job_kind_info(a->job.kind);
        switch (kind->gives) {
        case MT_JOB_GIVES_SNAPSHOT:
            adopt(a, a->job.result);
            a->job.result = NULL;
            if (kind->fetches) mt_app_fetch_message(a);
            mt_app_rediff(a);
            break;
        case MT_JOB_GIVES_DIFF:
            mt_app_show_diff(a, a->job.result);
            a->job.result = NULL;
            break;
        case MT_JOB_GIVES_PAGE:
            mt_app_show_page(a, a->job.result);
            a->job.result = NULL;
            break;
        case MT_JOB_GIVES_LEASE:
            if (a->snap) mt_status_take_lease(&a->snap->status, &((struct mt_ui_snap *)a->job.result)->status);
            mt_ui_snap_free(a->job.result);
            a->job.result = NULL;
            break;
        case MT_JOB_GIVES_EXIT: {
            bool ok = a->job.rc == MT_EXIT_OK || a->job.rc == MT_EXIT_DEGRADED;
            mt_app_set_message(a, !ok, "%s (exit %d)", a->job.message ? a->job.message : kind->name, a->job.rc);
            if (ok && kind->commits_decisions && mt_app_plan(a))  /* the decisions are committed */
                mt_intent_drop_decisions(&mt_app_plan(a)->intent);
            char *keep = a->message;
            a->message = NULL;
            mt_app_refresh(a);
            free(a->message);
            a->message = keep;
            break;
        }
        }
        job_warning_to_message(a);
    }
    if (!a->job.running && a->queued) {
        a->queued = false;
        start_write(a, a->queued_kind, a->queued_fn, a->queued_args);
        a->queued_args = NULL;
        redraw = true;
    }
    if (a->job.running) {
        unsigned g = mt_job_peek(&a->job, NULL, 0, NULL, NULL);
        if (g != a->job_gen) redraw = true;
        a->job_gen = g;
    }
    /* The local lock is a file read: cheap enough to keep live. The lease
     * is a fetch: re-read in the background while its panel is shown, and
     * the panel redrawn every second for its countdown. */
    double now = mt_monotonic();
    if (a->view == MT_VIEW_LOCKS && a->snap && a->snap->open) {
        if ((long)now != (long)a->lease_drawn) {
            a->lease_drawn = now;
            redraw = true;
        }
        if (!a->job.running && now - a->lease_checked > LEASE_REFRESH_S) {
            a->lease_checked = now;
            mt_job_run(&a->job, MT_JOB_LEASE, mt_ui_lease_job, (void *)a->cfg);
        }
    }
    if (a->snap && a->snap->status.lock_path && now - a->lock_checked > 1.0) {
        a->lock_checked = now;
        struct mt_lock_holder h;
        memset(&h, 0, sizeof h);
        bool known = mt_lock_holder(a->snap->status.lock_path, &h);
        if (known != a->snap->status.lock_known || memcmp(&h, &a->snap->status.lock, sizeof h)) {
            a->snap->status.lock_known = known;
            a->snap->status.lock = h;
            redraw = true;
        }
    }
    return redraw;
}

void mt_app_body_rows(struct mt_app *a, struct mt_rows *rs)
{
    if (!a->snap) return;
    if (!a->snap->open && a->view < MT_PANELS) {
        mt_start_rows(a, rs, a->width);
        return;
    }
    VIEWS[a->view]->rows(a, rs, a->width);
}

/* A view that builds only the rows shown (count and slice). */
bool mt_app_sliced(struct mt_app *a)
{
    return a->snap && (a->snap->open || a->view >= MT_PANELS) && VIEWS[a->view]->count && VIEWS[a->view]->slice;
}

size_t mt_app_nrows(struct mt_app *a)
{
    if (mt_app_sliced(a)) return VIEWS[a->view]->count(a, a->width);
    struct mt_rows rs = {0};
    mt_app_body_rows(a, &rs);
    size_t n = rs.n;
    mt_rows_clear(&rs);
    return n;
}

/* A job that takes no lock (a reload, the lease refresh, a diff) ends by
 * itself and leaves nothing half done. */
static bool reading_job(const struct mt_job *j)
{
    return mt_job_kind_reads_only(j->kind);
}

static void start_write(struct mt_app *a, enum mt_job_kind kind, int (*fn)(struct mt_job *),
                        struct mt_ui_write_args *args)
{
    const char *name = mt_job_kind_info(kind)->name;
    if (a->job.running && reading_job(&a->job) && !a->queued) {
        /* the operator said yes: the write waits for the read, not refused as busy */
        a->queued = true;
        a->queued_kind = kind;
        a->queued_fn = fn;
        a->queued_args = args;
        mt_app_set_message(a, false, "%s waits for the %s to end", name, a->job.name);
        return;
    }
    if (!mt_job_run(&a->job, kind, fn, args)) {
        mt_app_set_message(a, true, "busy: %s is running", a->job.name);
        mt_ui_write_args_free(args);
        return;
    }
    mt_app_set_message(a, false, "%s started", name);
}

static void confirmed(struct mt_app *a)
{
    struct mt_plan *p = mt_app_plan(a);
    switch (a->confirm) {
    case MT_CONFIRM_MERGE:
        if (a->view == MT_VIEW_MENU) a->view = a->back;
        start_write(a, MT_JOB_MERGE, mt_ui_merge_job, mt_ui_write_args(a->cfg, p));
        break;
    case MT_CONFIRM_SYNC:
        if (a->view == MT_VIEW_MENU) a->view = a->back;
        start_write(a, MT_JOB_SYNC, mt_ui_sync_job, mt_ui_write_args(a->cfg, NULL));
        break;
    case MT_CONFIRM_RESTORE: {
        struct mt_ui_write_args *args = mt_ui_write_args(a->cfg, NULL);
        /* from the backup's diff: only the entities marked there, if any */
        size_t n;
        char **names = mt_view_text_marked(a, &n);
        mt_intent_set_restore(&args->intent, a->confirm_arg ? a->confirm_arg : "", names, n);
        free(names);
        free(a->rediff);   /* the diff shown is made again against the new HEAD */
        a->rediff = a->view == MT_VIEW_TEXT && a->confirm_arg ? xstrdup(a->confirm_arg) : NULL;
        start_write(a, MT_JOB_RESTORE, mt_ui_restore_job, args);
        break;
    }
    case MT_CONFIRM_ABORT:
        if (p) {
            mt_intent_drop_decisions(&p->intent);
            mt_plan_resolve(p);
        }
        a->gen++;
        if (a->view == MT_VIEW_MENU) a->view = a->back;
        mt_app_set_message(a, false, "every decision dropped");
        break;
    case MT_CONFIRM_MASS_DELETE:
        for (size_t i = 0; p && i < p->nenvs; i++) {
            struct mt_env_plan *e = &p->envs[i];
            if (e->synthetic || e->status != MT_FRAG_HELD || strcmp(e->ref.env, a->confirm_arg ? a->confirm_arg : ""))
                continue;
            size_t del = e->delta.deletions;
            mt_plan_confirm_mass_delete(p, i);
            mt_plan_resolve(p);
            a->gen++;
            mt_app_set_message(a, false, "%s: its deletion of %zu entities goes into the merge (m to finish it)",
                               e->ref.env, del);
        }
        break;
    case MT_CONFIRM_QUIT: a->quit = true; break;
    case MT_CONFIRM_DECIDE: mt_app_ask_confirmed(a); break;
    case MT_CONFIRM_BREAK_LEASE: {
        struct mt_ui_write_args *args = mt_ui_write_args(a->cfg, NULL);
        args->break_token = a->confirm_token;
        start_write(a, MT_JOB_BREAK, mt_ui_lease_break_job, args);
        break;
    }
    }
}

size_t mt_app_decided(struct mt_app *a)
{
    struct mt_plan *p = mt_app_plan(a);
    size_t n = 0;
    for (size_t i = 0; p && i < p->nconflicts; i++) n += p->conflicts[i].decided;
    return n;
}

static void search_step(struct mt_app *a, int dir)
{
    if (!a->filter || !*a->filter) {
        mt_app_set_message(a, false, "no search: press / first");
        return;
    }
    /* rs holds rows [first, first + rs.n): all of them, or for a sliced
     * view a chunk at a time, so a near match costs what it reads */
    enum { CHUNK = 512 };
    bool sl = mt_app_sliced(a);
    struct mt_rows rs = {0};
    size_t first = 0;
    if (!sl) mt_app_body_rows(a, &rs);
    size_t n = sl ? mt_app_nrows(a) : rs.n, c = a->cursor[a->view];
    for (size_t k = 1; k <= n; k++) {
        size_t i = (c + n + (size_t)((long)k * dir)) % n;
        if (i < first || i >= first + rs.n) {
            mt_rows_clear(&rs);
            first = dir > 0 ? i : i + 1 >= CHUNK ? i + 1 - CHUNK : 0;
            VIEWS[a->view]->slice(a, &rs, first, CHUNK, a->width);
            if (i < first || i >= first + rs.n) break;
        }
        char *t = mt_row_text(&rs.v[i - first]);
        bool hit = mt_text_match(t, a->filter);
        free(t);
        if (hit) {
            a->cursor[a->view] = i;
            mt_rows_clear(&rs);
            return;
        }
    }
    mt_rows_clear(&rs);
    mt_app_set_message(a, true, "no match for '%s'", a->filter);
}

static void move(struct mt_app *a, long delta, bool absolute)
{
    size_t n = mt_app_nrows(a);
    long c = absolute ? delta : (long)a->cursor[a->view] + delta;
    if (c >= (long)n) c = (long)n - 1;
    long first = (long)VIEWS[a->view]->header_rows;
    if (c < first) c = first;
    if (c < 0) c = 0;
    a->cursor[a->view] = (size_t)c;
}

/* A filter belongs to the panel it was typed in: another panel starts
 * unfiltered (the plan would otherwise show only rows matching a search
 * made in the log). */
static void go_panel(struct mt_app *a, enum mt_view_id v)
{
    if (v != a->panel && a->filter) {
        free(a->filter);
        a->filter = NULL;
    }
    a->panel = a->view = v;
}

/* An overlay opened from itself (help from help's own back) would come
 * back to itself: the panel instead. */
static void close_overlay(struct mt_app *a)
{
    a->view = a->back != a->view ? a->back : a->panel;
}

/* Enter: the view opens the row under the cursor. */
static void open_row(struct mt_app *a)
{
    const struct mt_view_ops *ops = VIEWS[a->view];
    if (!ops->enter || !a->snap) return;
    struct mt_rows rs = {0};
    size_t c = a->cursor[a->view];
    if (mt_app_sliced(a)) {
        ops->slice(a, &rs, c, 1, a->width);
        c = 0;
    } else {
        mt_app_body_rows(a, &rs);
    }
    if (c < rs.n) ops->enter(a, &rs.v[c]);
    mt_rows_clear(&rs);
}

/* z: the last decision goes, Z (C-r) takes back the last undone; the
 * message says whose it was. */
static void undo(struct mt_app *a, bool redo)
{
    char *key = NULL;
    struct mt_plan *p = mt_app_plan(a);
    const char *done = redo ? "redone" : "undone";
    if (p && (redo ? mt_intent_redo : mt_intent_undo)(&p->intent, &key)) {
        mt_plan_resolve(p);
        const char *name = NULL;
        for (size_t i = 0; i < p->nconflicts && !name; i++)
            if (strcmp(p->conflicts[i].key, key) == 0) name = p->conflicts[i].name;
        if (name) mt_app_set_message(a, false, "%s: decision %s (%zu pending)", name, done, mt_plan_pending(p));
        else mt_app_set_message(a, false, "%s (%zu pending)", done, mt_plan_pending(p));
    } else mt_app_set_message(a, false, "nothing to %s", redo ? "redo" : "undo");
    a->gen++;
    free(key);
}

/* Quitting now would lose something: a write half done (reading leaves
 * nothing half done), or the operator's decisions. */
static bool unsaved(struct mt_app *a)
{
    if ((a->job.running && !reading_job(&a->job)) || a->queued) return true;
    return mt_app_plan(a) && mt_app_plan(a)->intent.nundo && mt_app_decided(a);
}

bool mt_app_interrupt(struct mt_app *a)
{
    if (a->input == MT_INPUT_CONFIRM && a->confirm == MT_CONFIRM_QUIT) return false;   /* the second: leave */
    if (!unsaved(a)) return false;
    a->confirm = MT_CONFIRM_QUIT;
    a->input = MT_INPUT_CONFIRM;
    return true;
}

void mt_app_action(struct mt_app *a, enum mt_action act)
{
    const struct mt_view_ops *ops = VIEWS[a->view];
    unsigned r = ops->key && a->snap ? ops->key(a, act) : MT_KEY_IGNORED;
    if (r & MT_KEY_ASK) a->input = MT_INPUT_CONFIRM;
    if (r & MT_KEY_HANDLED) return;
    long half = a->body_height > 2 ? a->body_height / 2 : 1;
    bool overlay = a->view == MT_VIEW_HELP || a->view == MT_VIEW_MENU || a->view == MT_VIEW_TEXT ||
                   a->view == MT_VIEW_MESSAGES;
    switch (act) {
    case MT_ACT_QUIT:
        if (overlay) {
            close_overlay(a);
        } else if (unsaved(a)) {
            a->confirm = MT_CONFIRM_QUIT;
            a->input = MT_INPUT_CONFIRM;
        } else {
            a->quit = true;
        }
        break;
    case MT_ACT_QUIT_NOW: a->quit = true; break;
    case MT_ACT_BACK:
        if (overlay) close_overlay(a);
        else if (a->view == MT_VIEW_CONFLICT) a->view = a->panel;
        else if (a->filter) {
            free(a->filter);
            a->filter = NULL;
        }
        break;
    case MT_ACT_HELP:
        if (a->view != MT_VIEW_HELP) a->back = a->view;
        a->view = MT_VIEW_HELP;
        break;
    case MT_ACT_MESSAGES: mt_app_open_messages(a); break;
    case MT_ACT_DOWN: move(a, 1, false); break;
    case MT_ACT_UP: move(a, -1, false); break;
    case MT_ACT_FIRST: move(a, 0, true); break;
    case MT_ACT_LAST: move(a, 1L << 30, true); break;
    case MT_ACT_PAGE_DOWN: move(a, half, false); break;
    case MT_ACT_PAGE_UP: move(a, -half, false); break;
    case MT_ACT_NEXT_PANEL: go_panel(a, (enum mt_view_id)((a->panel + 1) % MT_PANELS)); break;
    case MT_ACT_PREV_PANEL: go_panel(a, (enum mt_view_id)((a->panel + MT_PANELS - 1) % MT_PANELS)); break;
    case MT_ACT_PANEL_ENVS: go_panel(a, MT_VIEW_ENVS); break;
    case MT_ACT_PANEL_LOCKS: go_panel(a, MT_VIEW_LOCKS); break;
    case MT_ACT_PANEL_PLAN: go_panel(a, MT_VIEW_PLAN); break;
    case MT_ACT_PANEL_CONFLICTS: go_panel(a, MT_VIEW_CONFLICTS); break;
    case MT_ACT_PANEL_BACKUPS: go_panel(a, MT_VIEW_BACKUPS); break;
    case MT_ACT_PANEL_LOG: go_panel(a, MT_VIEW_LOG); break;
    case MT_ACT_ENTER: open_row(a); break;
    case MT_ACT_REFRESH: fetch_and_refresh(a); break;
    case MT_ACT_SEARCH:
        a->input = MT_INPUT_SEARCH;
        a->line_len = 0;
        a->line[0] = '\0';
        break;
    case MT_ACT_SEARCH_NEXT: search_step(a, 1); break;
    case MT_ACT_SEARCH_PREV: search_step(a, -1); break;
    case MT_ACT_UNDO: undo(a, false); break;
    case MT_ACT_REDO: undo(a, true); break;
    case MT_ACT_MERGE_MENU:
        if (a->view != MT_VIEW_MENU) a->back = a->view;
        a->view = MT_VIEW_MENU;
        a->cursor[MT_VIEW_MENU] = 0;
        break;
    case MT_ACT_NEXT_CONFLICT:
    case MT_ACT_PREV_CONFLICT:
        if (mt_app_plan(a) && mt_app_plan(a)->nconflicts) mt_app_open_conflict(a, 0);
        else mt_app_set_message(a, false, "no conflicts");
        break;
    default: {
        const struct mt_action_info *i = mt_action_info(act);
        if (i) mt_app_set_message(a, false, "%s: not in this view", i->keys);
        break;
    }
    }
}

static void put_utf8(struct mt_app *a, int cp)
{
    char buf[8];
    size_t n = 0;
    if (cp < 0x80) buf[n++] = (char)cp;
    else if (cp < 0x800) {
        buf[n++] = (char)(0xc0 | (cp >> 6));
        buf[n++] = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        buf[n++] = (char)(0xe0 | (cp >> 12));
        buf[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        buf[n++] = (char)(0x80 | (cp & 0x3f));
    } else {
        buf[n++] = (char)(0xf0 | (cp >> 18));
        buf[n++] = (char)(0x80 | ((cp >> 12) & 0x3f));
        buf[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        buf[n++] = (char)(0x80 | (cp & 0x3f));
    }
    if (a->line_len + n + 1 > sizeof a->line) return;
    memcpy(a->line + a->line_len, buf, n);
    a->line_len += n;
    a->line[a->line_len] = '\0';
}

void mt_app_key(struct mt_app *a, int key)
{
    if (a->input == MT_INPUT_CONFIRM) {
        a->input = MT_INPUT_NONE;
        if (key == 'y' || key == 'Y') confirmed(a);
        else mt_app_set_message(a, false, "cancelled");
        return;
    }
    if (a->input == MT_INPUT_SEARCH) {
        if (key == MT_KEY_ENTER) {
            a->input = MT_INPUT_NONE;
            free(a->filter);
            a->filter = a->line_len ? xstrdup(a->line) : NULL;
            a->cursor[a->view] = 0;
            if (a->filter && a->view != MT_VIEW_PLAN) search_step(a, 1);
        } else if (key == MT_KEY_ESC) {
            a->input = MT_INPUT_NONE;
        } else if (key == MT_KEY_BACKSPACE) {
            while (a->line_len && ((unsigned char)a->line[a->line_len - 1] & 0xc0) == 0x80) a->line_len--;
            if (a->line_len) a->line_len--;
            a->line[a->line_len] = '\0';
        } else if (key >= 0x20 && key < MT_KEY_SPECIAL) {
            put_utf8(a, key);
        }
        return;
    }
    free(a->message);
    a->message = NULL;
    enum mt_action act = mt_action_for_key(key);
    if (act == MT_ACT_NONE) {
        char name[32];
        mt_app_set_message(a, false, "%s: no action (? for help)", mt_key_name(key, name, sizeof name));
        return;
    }
    mt_app_action(a, act);
}
