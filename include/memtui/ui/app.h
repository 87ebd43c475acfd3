/* ui/app.h: the workstation's state, views and key handling, without
 * curses. Views build rows of (text, role) segments; display.c only draws
 * them and feeds keys, so everything here is testable headless.
 *
 * Like tig's view_ops, each view is a small table of functions in its own
 * file (view_*.c); handlers change state and never draw. */
#ifndef MEMTUI_UI_APP_H
#define MEMTUI_UI_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "memtui/ui/actions.h"
#include "memtui/ui/messages.h"
#include "memtui/ui/model.h"
#include "memtui/ui/theme.h"

struct mt_row_seg {
    char *text;
    enum mt_role role;
};

struct mt_row {
    struct mt_row_seg *segs;
    size_t nsegs, cap;
    char *ref;          /* what Enter opens: an entity key, a ref name ... */
    size_t idx;         /* an index the view understands */
};

struct mt_rows {
    struct mt_row *v;
    size_t n, cap;
};

struct mt_row *mt_rows_add(struct mt_rows *rs);
struct mt_app;

/* A backup's entity-level diff against HEAD, made by a job (view_backups.c)
 * and shown by mt_app_show_diff, which takes it over. */
struct mt_job;
struct mt_config;
struct mt_ui_diff {
    const struct mt_config *cfg;
    char *ref, *error, *title;
    struct mt_rows rows;          /* row idx: the block of its entity */
    char **names;                 /* per block: the entity's name */
    size_t nblocks;
};
int mt_ui_diff_job(struct mt_job *j);
void mt_ui_diff_free(struct mt_ui_diff *d);
void mt_app_show_diff(struct mt_app *a, struct mt_ui_diff *d);
/* A page of details made by a job (MT_JOB_GIVES_PAGE): shown read-only
 * by mt_app_show_page, which takes it over; error set: only a message. */
struct mt_ui_page {
    const struct mt_config *cfg;
    char *subject;                /* what the page is about: a commit, a file */
    char *title, *error;
    struct mt_rows rows;
};
void mt_ui_page_free(struct mt_ui_page *pg);
/* Run fn as the details job on pg (its rows so far, what the job adds
 * after); busy: a message, and pg is freed. */
void mt_app_page_job(struct mt_app *a, struct mt_ui_page *pg, int (*fn)(struct mt_job *));
void mt_app_show_page(struct mt_app *a, struct mt_ui_page *pg);
/* After a reload: the diff a->rediff names is made again (against the new
 * HEAD), once; nothing without it. */
void mt_app_rediff(struct mt_app *a);
/* Append a segment to a row (printf-style). */
void mt_row_seg(struct mt_row *r, enum mt_role role, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Append a segment cut or padded to exactly cols columns. */
void mt_row_col(struct mt_row *r, enum mt_role role, size_t cols, const char *text);
/* One row with one segment. */
struct mt_row *mt_rows_line(struct mt_rows *rs, enum mt_role role, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void mt_rows_clear(struct mt_rows *rs);
/* r wrapped into rows of at most width columns (shown form), breaking
 * between words where it can, segments' roles kept; at most max_lines rows
 * (the last keeps the rest, cut when drawn); rows after the first start
 * with indent spaces. Returns how many. */
size_t mt_row_wrap(struct mt_rows *out, const struct mt_row *r, size_t width, size_t max_lines, size_t indent);
/* The same for plain text in one role: rows of one segment each. */
size_t mt_text_wrap(struct mt_rows *out, enum mt_role role, const char *text, size_t width, size_t max_lines);
/* The row's text, segments joined (caller frees). */
char *mt_row_text(const struct mt_row *r);

/* Plan-to-rows: an entity's structural diff, "@ name  [envs]" then the
 * -/+ lines of the engine's producer (entity_diff.h), coloured by sign.
 * Returns how many rows; with rs NULL only counts them. */
size_t mt_rows_entity_diff(struct mt_rows *rs, const char *name, const struct mt_entity *before,
                           const struct mt_entity *after, const char *who, const char *ref);
/* The same for a change a merge makes: the heading also says "created",
 * "deleted" or "retyped" (mt_diff_change_word). */
size_t mt_rows_change_diff(struct mt_rows *rs, const char *name, const struct mt_entity *before,
                           const struct mt_entity *after, const char *who, const char *ref);
/* One relation's row, "+ from -[type]-> to  [envs]" (entity_diff.h). */
struct mt_relation;
struct mt_row *mt_rows_relation_diff(struct mt_rows *rs, bool added, const struct mt_relation *rel,
                                     const char *who, bool cascade);

enum mt_view_id {
    MT_VIEW_ENVS, MT_VIEW_LOCKS, MT_VIEW_PLAN, MT_VIEW_CONFLICTS, MT_VIEW_BACKUPS, MT_VIEW_LOG,
    MT_PANELS,                       /* the numbered panels end here */
    MT_VIEW_CONFLICT = MT_PANELS, MT_VIEW_HELP, MT_VIEW_MENU, MT_VIEW_TEXT, MT_VIEW_MESSAGES,
    MT_VIEW_COUNT
};

struct mt_app;
/* What a view's key handler tells the app, as bits (htop's HandlerResult):
 * a handler changes state and never draws; the app acts on the bits. */
enum mt_key_result {
    MT_KEY_IGNORED = 0,        /* not the view's key: the app's own actions take it */
    MT_KEY_HANDLED = 1u << 0,  /* the view took it */
    MT_KEY_ASK = 1u << 1,      /* the view set a->confirm: the app asks y/N */
};
struct mt_view_ops {
    const char *name;
    void (*rows)(struct mt_app *a, struct mt_rows *out, int width);
    void (*enter)(struct mt_app *a, const struct mt_row *r);        /* optional */
    unsigned (*key)(struct mt_app *a, enum mt_action act);           /* optional: enum mt_key_result bits */
    /* Optional, for views of very many rows (the plan: 100k and more): how
     * many rows rows() would build, and only rows [from, from + n) of them,
     * so that a frame or a key costs what the screen shows. */
    size_t (*count)(struct mt_app *a, int width);
    void (*slice)(struct mt_app *a, struct mt_rows *out, size_t from, size_t n, int width);
    /* Optional: the view's own state (a->state[view]), made when the app
     * starts and freed when it ends; only the view's file looks inside. */
    void *(*init)(void);
    void (*free)(void *state);
    /* Leading rows that head the view (column titles): the cursor never
     * rests on them. */
    size_t header_rows;
    /* Optional, for a view without a cursor (the conflict view): a click
     * on row `row` of what rows() built, at column x. */
    void (*click)(struct mt_app *a, size_t row, size_t x);
};
extern const struct mt_view_ops mt_view_envs, mt_view_locks, mt_view_plan, mt_view_conflicts, mt_view_backups,
    mt_view_log, mt_view_conflict, mt_view_help, mt_view_menu, mt_view_text, mt_view_messages;

enum mt_input { MT_INPUT_NONE, MT_INPUT_SEARCH, MT_INPUT_CONFIRM };
enum mt_confirm {
    MT_CONFIRM_MERGE,
    MT_CONFIRM_ABORT,
    MT_CONFIRM_SYNC,
    MT_CONFIRM_RESTORE,
    MT_CONFIRM_MASS_DELETE,   /* confirm_arg: the env */
    MT_CONFIRM_QUIT,
    MT_CONFIRM_DECIDE,        /* conflict view: its decision waiting for y (mt_app_ask_question) */
    MT_CONFIRM_BREAK_LEASE    /* confirm_arg: the holder; confirm_token: its token */
};

struct mt_app {
    const struct mt_config *cfg;
    struct mt_ui_snap *snap;          /* the newest snapshot (NULL until loaded) */
    struct mt_job job;
    unsigned job_gen;                 /* progress already drawn */
    /* A write asked for while a reading job runs, started when it ends. */
    bool queued;
    enum mt_job_kind queued_kind;
    int (*queued_fn)(struct mt_job *j);
    struct mt_ui_write_args *queued_args;
    enum mt_view_id view;             /* what the body shows */
    enum mt_view_id back;             /* where Esc goes from an overlay */
    enum mt_view_id panel;            /* the current numbered panel */
    size_t cursor[MT_VIEW_COUNT], top[MT_VIEW_COUNT];
    char *filter;                     /* plan filter, and the search text of n/N */
    enum mt_input input;
    char line[256];                   /* text being typed after '/' */
    size_t line_len;
    enum mt_confirm confirm;
    char *confirm_arg;
    char *rediff;                     /* a backup whose diff is made again when the reload after its restore ends */
    uint64_t confirm_token;
    char *message;
    bool message_error;
    /* The engine's events (events.h), as they come: app init installs the
     * sink that fills the history; poll shows each new warning. */
    struct mt_messages messages;
    unsigned long messages_seen;      /* events already looked at */
    char *job_warning;                /* the newest warning of the running job */
    void *state[MT_VIEW_COUNT];       /* each view's own (mt_view_ops.init) */
    char *edit_path;                  /* set: display must run $EDITOR on it */
    char *edit_key;
    bool quit;
    int exit_code;
    int body_height, width;           /* set by display before each frame */
    double lock_checked;
    double lease_checked, lease_drawn;   /* the Locks panel's live lease */
    unsigned gen;                     /* grows whenever the plan changes (new snapshot, a
                                         decision, undo): the plan view recounts its rows */
    pthread_t reaper;                 /* frees a replaced snapshot off the input loop */
    bool reaping;
};

void mt_app_init(struct mt_app *a, const struct mt_config *cfg);
void mt_app_free(struct mt_app *a);
/* Reload everything in the background (keeps the operator's decisions). */
void mt_app_refresh(struct mt_app *a);
/* After R's fetch: what it brought (objects, behind/ahead) or why it failed. */
void mt_app_fetch_message(struct mt_app *a);
/* The Envs panel's view of the remote after R (view_envs_remote.c). */
struct mt_rows;
void mt_envs_remote_rows(struct mt_app *a, struct mt_rows *out);
/* Call often: collects a finished job, re-reads the lock file now and then.
 * True when the screen should be redrawn. */
bool mt_app_poll(struct mt_app *a);
/* No background work running (scripts feed the next key only then). */
bool mt_app_idle(const struct mt_app *a);
void mt_app_key(struct mt_app *a, int key);
/* Ctrl-C: true when the app asks first (decisions or a write would be
 * lost, as q asks); false when it should end now (nothing to lose, or the
 * question was already up). */
bool mt_app_interrupt(struct mt_app *a);
void mt_app_action(struct mt_app *a, enum mt_action act);
void mt_app_set_message(struct mt_app *a, bool error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The editor ran on a->edit_path (status: its exit status, -1 if it could
 * not start): validate and decide, or ask again. */
void mt_app_edit_done(struct mt_app *a, int status);
/* M: the message history overlay (view_messages.c), at its newest line. */
void mt_app_open_messages(struct mt_app *a);
/* The conflict view's question waiting for y/N (NULL: none), and its y:
 * the decision asked about is taken. */
const char *mt_app_ask_question(struct mt_app *a);
void mt_app_ask_confirmed(struct mt_app *a);

/* The mouse (ui/mouse.c), at screen row y and column x as display draws
 * the screen (tabs on row 0, the body from row 1): a click on a tab opens
 * that panel; on a body row it moves the cursor there, or opens the row
 * as Enter does when the cursor is already on it (so a double click
 * opens); the view's own click otherwise (the conflict view selects the
 * side clicked). The wheel scrolls WHEEL_ROWS a notch. Ignored while a
 * question or a search is being typed. */
enum mt_mouse { MT_MOUSE_CLICK, MT_MOUSE_WHEEL_UP, MT_MOUSE_WHEEL_DOWN };
#define MT_WHEEL_ROWS 3
void mt_app_click(struct mt_app *a, int y, int x, enum mt_mouse kind);

/* What display draws: the tab line, the body (scrolled), status, message. */
struct mt_screen {
    struct mt_row tabs;
    struct mt_rows body;              /* rows [first, first + body.n) of total */
    size_t first, total;
    size_t top, cursor;
    bool has_cursor;
    struct mt_row status;
    struct mt_row message;
    struct mt_rows lines;             /* the message wrapped (2 or 3 rows) when too long for
                                         one; body_height was cut to leave them room */
    size_t progress_done, progress_total;
};
void mt_app_screen(struct mt_app *a, struct mt_screen *scr);
void mt_screen_free(struct mt_screen *scr);

/* Views' shared helpers. */
/* A new snapshot: take the rows its load job counted, unless the plan was
 * changed since (the operator's decisions re-applied). */
void mt_view_plan_adopt(struct mt_app *a, bool plan_changed);
const struct mt_view_ops *mt_app_view_ops(enum mt_view_id v);
/* The panels when the repo does not open (start.c): a start screen with
 * the exact init line on a first run, else the reason, wrapped. */
void mt_start_rows(struct mt_app *a, struct mt_rows *out, int width);
/* No folder at repo, or one that is not a clone: nothing set up yet. */
bool mt_start_first_run(const char *repo);
/* The text view (view_text.c): show a page, taking title, rows and the
 * per-block entity names; the names Space marked there (a NULL-terminated
 * array of borrowed strings, the caller frees the array; none unless the
 * text view is open). */
void mt_view_text_show(struct mt_app *a, char *title, struct mt_rows *rows, char **names, size_t nblocks);
char **mt_view_text_marked(struct mt_app *a, size_t *n);
/* Open the text view as a read-only page (details on Enter): no marks,
 * no restore; Esc goes back. Takes title and rows. */
void mt_view_text_page(struct mt_app *a, char *title, struct mt_rows *rows);
struct mt_plan *mt_app_plan(struct mt_app *a);
void mt_app_open_conflict(struct mt_app *a, size_t index);
/* "memory.json @ abc123", "env @ def456": a side's real name. */
char *mt_app_side_name(struct mt_app *a, const struct mt_conflict *c, size_t side);
const char *mt_fmt_time(long long t, char *buf, size_t size);

/* Editor (curses-free): split $EDITOR (or $VISUAL, else vi) on spaces and
 * fork/exec it with path, never through a shell; returns the exit status. */
int mt_editor_run(const char *path);

#endif
