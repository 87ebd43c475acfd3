/* display.c: the only place that talks to the terminal: newterm, the input
 * loop (polling, so background work never freezes it), resize, signals,
 * suspending for $EDITOR, scripted keys and screen dumps for tests. */
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include "memtui/base/audit.h"
#include "memtui/base/events.h"
#include "memtui/base/fsutil.h"
#include "memtui/coord/lock.h"
#include "memtui/ui/ui.h"
#include "memtui/ui/display.h"
#include "memtui/ui/keys.h"

enum { MIN_COLS = 60, MIN_LINES = 10 };

static volatile sig_atomic_t got_signal;
static bool curses_on;
static SCREEN *screen;
static FILE *term_out, *term_in;
static int saved_stderr = -1;
static int stderr_capture = -1;   /* read end of what stderr gets while curses owns the screen */

static void on_signal(int sig)
{
    got_signal = sig;
}

/* Whatever happens, the terminal is given back as it was. */
static void restore_terminal(void)
{
    if (curses_on) {
        endwin();
        curses_on = false;
    }
    if (saved_stderr >= 0) {
        fflush(stderr);
        dup2(saved_stderr, STDERR_FILENO);
        close(saved_stderr);
        saved_stderr = -1;
    }
    if (stderr_capture >= 0) close(stderr_capture);
    stderr_capture = -1;
}

/* The engine reports through the sink (events.h); what else writes to
 * stderr (a credential helper, ssh) must not scribble over the screen: it
 * goes to an unlinked file that drain_stderr reads into the history. */
static void redirect_stderr(void)
{
    const char *dir = getenv("TMPDIR");
    char *path = xasprintf("%s/memtui-ui-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd >= 0) {
        stderr_capture = open(path, O_RDONLY | O_CLOEXEC);
        unlink(path);
    }
    free(path);
    if (fd < 0 || stderr_capture < 0) {
        if (fd >= 0) close(fd);
        return;
    }
    fflush(stderr);
    saved_stderr = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    close(fd);
}

/* Lines written to stderr since the last call, each a warning event (so
 * the message line and the history show it now, not at exit). */
static void drain_stderr(void)
{
    static char part[1024];
    static size_t npart;
    char buf[4096];
    ssize_t got;
    while (stderr_capture >= 0 && (got = read(stderr_capture, buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < got; i++) {
            if (buf[i] != '\n') {
                part[npart++] = buf[i];
                if (npart < sizeof part - 1) continue;   /* a longer line is cut into pieces */
            }
            part[npart] = '\0';
            const char *text = strncmp(part, "memtui: ", 8) == 0 ? part + 8 : part;
            if (*text) mt_event_emit(MT_EVENT_WARNING, "%s", text);
            npart = 0;
        }
    }
}

static int map_key(wint_t ch, int rc)
{
    if (rc == KEY_CODE_YES) {
        switch (ch) {
        case KEY_UP: return MT_KEY_UP;
        case KEY_DOWN: return MT_KEY_DOWN;
        case KEY_LEFT: return MT_KEY_LEFT;
        case KEY_RIGHT: return MT_KEY_RIGHT;
        case KEY_HOME: return MT_KEY_HOME;
        case KEY_END: return MT_KEY_END;
        case KEY_PPAGE: return MT_KEY_PGUP;
        case KEY_NPAGE: return MT_KEY_PGDN;
        case KEY_BTAB: return MT_KEY_BTAB;
        case KEY_ENTER: return MT_KEY_ENTER;
        case KEY_BACKSPACE: return MT_KEY_BACKSPACE;
        case KEY_DC: return MT_KEY_DELETE;
        default: return -1;
        }
    }
    if (ch == '\r' || ch == '\n') return MT_KEY_ENTER;
    if (ch == 127 || ch == 8) return MT_KEY_BACKSPACE;
    return (int)ch;
}

/* ---- MEMTUI_FRAME_LOG=FILE: one line per frame drawn, key handled and job
 * finished, times in ms from the top of main (tests/bench/ui_bench.sh) ---- */

static FILE *frame_log;
static double key_at = -1;   /* when the key being handled was read */
static int key_code;
static bool key_busy;

static double since_start(double t)
{
    return (t - mt_ui_started) * 1e3;
}

static void log_open(void)
{
    const char *p = getenv("MEMTUI_FRAME_LOG");
    if (p && *p && (frame_log = fopen(p, "a"))) setvbuf(frame_log, NULL, _IOLBF, 0);
}

static void log_key_read(struct mt_app *a, int key)
{
    if (!frame_log) return;
    key_at = mt_monotonic();
    key_code = key;
    key_busy = a->job.running;
}

/* After a frame: the key read before it is answered. */
static void log_key_done(struct mt_app *a)
{
    if (!frame_log || key_at < 0) return;
    double now = mt_monotonic();
    char name[32];
    fprintf(frame_log, "key t_ms=%.3f key=%s view=%s busy=%d ms=%.3f\n", since_start(now),
            mt_key_name(key_code, name, sizeof name), mt_app_view_ops(a->view)->name, key_busy, (now - key_at) * 1e3);
    key_at = -1;
}

static void draw_screen(struct mt_app *a, size_t *nbody)
{
    erase();
    if (COLS < MIN_COLS || LINES < MIN_LINES) {
        /* the size needed first: it is what the operator must act on */
        char *m = xasprintf("need %dx%d", MIN_COLS, MIN_LINES);
        char *n = xasprintf("terminal too small: %dx%d", COLS, LINES);
        mvaddnstr(LINES / 2, 0, n, COLS);
        if (LINES > 1) mvaddnstr(LINES / 2 + (LINES / 2 + 1 < LINES ? 1 : -1), 0, m, COLS);
        free(m);
        free(n);
        refresh();
        return;
    }
    a->width = COLS;
    a->body_height = LINES - 3;
    struct mt_screen scr;
    mt_app_screen(a, &scr);
    mt_draw_row(0, &scr.tabs, COLS, false);
    for (int y = 0; y < a->body_height; y++) {
        size_t i = scr.top + (size_t)y;
        if (i >= scr.total || i - scr.first >= scr.body.n) break;
        mt_draw_row(1 + y, &scr.body.v[i - scr.first], COLS, scr.has_cursor && i == scr.cursor);
    }
    int extra = scr.lines.n > 1 ? (int)scr.lines.n - 1 : 0;
    mt_draw_row(LINES - 2 - extra, &scr.status, COLS, false);
    if (extra)
        for (size_t k = 0; k < scr.lines.n; k++) mt_draw_row(LINES - 1 - extra + (int)k, &scr.lines.v[k], COLS, false);
    else
        mt_draw_progress(LINES - 1, &scr.message, COLS, scr.progress_done, scr.progress_total);
    *nbody = scr.total;
    mt_screen_free(&scr);
    refresh();
}

static void draw(struct mt_app *a)
{
    double t0 = frame_log ? mt_monotonic() : 0;
    size_t nbody = 0;
    draw_screen(a, &nbody);
    if (frame_log) {
        double now = mt_monotonic();
        fprintf(frame_log, "frame t_ms=%.3f draw_ms=%.3f view=%s rows=%zu busy=%d\n", since_start(now),
                (now - t0) * 1e3, mt_app_view_ops(a->view)->name, nbody, a->job.running);
    }
}

/* The screen as plain text, trailing blanks dropped (tig's save-display). */
static void save_display(const char *path, struct mt_app *a)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        mt_app_set_message(a, true, "cannot write %s: %s", path, strerror(errno));
        return;
    }
    wchar_t *w = xcalloc((size_t)COLS + 1, sizeof(wchar_t));
    char *mb = xmalloc(((size_t)COLS + 1) * MB_CUR_MAX + 1);
    for (int y = 0; y < LINES; y++) {
        int n = mvinnwstr(y, 0, w, COLS);
        if (n < 0) n = 0;
        w[n] = L'\0';
        size_t len = wcstombs(mb, w, ((size_t)COLS + 1) * MB_CUR_MAX);
        if (len == (size_t)-1) len = 0;
        while (len && mb[len - 1] == ' ') len--;
        fwrite(mb, 1, len, f);
        fputc('\n', f);
    }
    free(w);
    free(mb);
    fclose(f);
}

/* ---- scripts --------------------------------------------------------------- */

struct script {
    char **items;   /* one key name or one :command each */
    size_t n, at;
    size_t loop;    /* the first item of the running :while-busy block */
    bool in_loop;   /* in it, items do not wait for the app to be idle */
    double wake;    /* :sleep: feed nothing before this mt_monotonic() */
};

static int script_load(struct script *s, const char *path)
{
    memset(s, 0, sizeof(*s));
    char *data;
    size_t len, cap = 0;
    struct mt_error err = {0};
    if (mt_file_read(path, &data, &len, NULL, &err)) {
        mt_warn("MEMTUI_SCRIPT: %s", err.msg);
        mt_error_clear(&err);
        return -1;
    }
    for (char *line = strtok(data, "\n"); line; line = strtok(NULL, "\n")) {
        while (*line == ' ' || *line == '\t') line++;
        size_t l = strlen(line);
        while (l && (line[l - 1] == ' ' || line[l - 1] == '\r')) line[--l] = '\0';
        if (!*line || *line == '#') continue;
        if (*line == ':') {
            MT_GROW(s->items, cap, s->n + 1);
            s->items[s->n++] = xstrdup(line);
            continue;
        }
        /* several keys on a line, separated by spaces: "j j Enter" */
        for (char *p = line; *p;) {
            while (*p == ' ') p++;
            size_t k = strcspn(p, " ");
            if (!k) break;
            MT_GROW(s->items, cap, s->n + 1);
            s->items[s->n++] = xstrndup(p, k);
            p += k;
        }
    }
    free(data);
    return 0;
}

static void script_free(struct script *s)
{
    for (size_t i = 0; i < s->n; i++) free(s->items[i]);
    free(s->items);
}

/* Whether the next item waits until no background work runs: not inside a
 * ":while-busy" block (nor ":while-busy" itself). */
static bool script_waits(const struct script *s)
{
    return !s->in_loop && strcmp(s->items[s->at], ":while-busy") != 0;
}

/* One script item; false when it asks to stop. Besides keys: :save-display
 * FILE, :quit, :refresh, :sleep MS (the app polls and draws meanwhile),
 * ":while-busy" ... ":done" (items repeated while background work runs, fed
 * without waiting for it; skipped when none runs), and action names. */
static bool script_step(struct script *s, struct mt_app *a)
{
    const char *it = s->items[s->at++];
    if (it[0] == ':') {
        if (strncmp(it, ":save-display ", 14) == 0) {
            draw(a);
            save_display(it + 14, a);
        } else if (strcmp(it, ":quit") == 0) {
            return false;
        } else if (strcmp(it, ":refresh") == 0) {
            mt_app_refresh(a);
        } else if (strncmp(it, ":sleep ", 7) == 0) {
            s->wake = mt_monotonic() + atof(it + 7) / 1e3;
        } else if (strcmp(it, ":while-busy") == 0) {
            s->loop = s->at;
            s->in_loop = !mt_app_idle(a);
            while (!s->in_loop && s->at < s->n && strcmp(s->items[s->at], ":done") != 0) s->at++;
            if (!s->in_loop && s->at < s->n) s->at++;
        } else if (strcmp(it, ":done") == 0) {
            if (s->in_loop && !mt_app_idle(a)) s->at = s->loop;
            else s->in_loop = false;
        } else {
            enum mt_action act = mt_action_by_name(it + 1);
            if (act != MT_ACT_NONE) mt_app_action(a, act);
            else mt_app_set_message(a, true, "unknown command %s", it);
        }
        return true;
    }
    int key = mt_key_parse(it);
    if (key < 0) {
        mt_app_set_message(a, true, "unknown key %s", it);
    } else {
        log_key_read(a, key);
        mt_app_key(a, key);
    }
    return true;
}

/* The editor again and again while the edit is invalid: the operator ends
 * it with a valid entity or an empty file (or an editor that fails). */
static void run_editor(struct mt_app *a)
{
    while (a->edit_path) {
        def_prog_mode();
        endwin();
        int st = mt_editor_run(a->edit_path);
        reset_prog_mode();
        clearok(curscr, TRUE);
        refresh();
        mt_app_edit_done(a, st);
    }
}

/* Clicks and the wheel as KEY_MOUSE. No interval: a click is reported
 * at once, never held back to see whether a double click follows (a
 * second click on the selected row opens it anyway). */
static void enable_mouse(void)
{
    mmask_t want = BUTTON1_PRESSED | BUTTON4_PRESSED;
#ifdef BUTTON5_PRESSED
    want |= BUTTON5_PRESSED;
#endif
    mousemask(want, NULL);
    mouseinterval(0);
}

/* A KEY_MOUSE event to the app, hit-tested there (mt_app_click). */
static void take_mouse(struct mt_app *a)
{
    MEVENT ev;
    if (getmouse(&ev) != OK) return;
    if (ev.bstate & BUTTON1_PRESSED) mt_app_click(a, ev.y, ev.x, MT_MOUSE_CLICK);
    else if (ev.bstate & BUTTON4_PRESSED) mt_app_click(a, ev.y, ev.x, MT_MOUSE_WHEEL_UP);
#ifdef BUTTON5_PRESSED
    else if (ev.bstate & BUTTON5_PRESSED) mt_app_click(a, ev.y, ev.x, MT_MOUSE_WHEEL_DOWN);
#endif
}

/* newterm on the terminal (or /dev/null headless), signals, stderr away
 * from the screen, input modes, the mouse and colours. */
static int open_terminal(const struct mt_theme *theme, bool headless, bool mouse)
{
    if (headless) {
        term_out = fopen("/dev/null", "w");
        term_in = fopen("/dev/null", "r");
    } else {
        term_out = stdout;
        term_in = stdin;
    }
    const char *term = getenv("TERM");
    screen = newterm(term && *term ? term : "xterm", term_out, term_in);
    if (!screen) {
        mt_warn("cannot start the terminal (TERM=%s)", term ? term : "");
        return MT_EXIT_USAGE;
    }
    curses_on = true;
    atexit(restore_terminal);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    redirect_stderr();
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    timeout(100);   /* poll: background work reports progress between keys */
    if (mouse) enable_mouse();
    const char *nc = getenv("NO_COLOR");
    bool colour = has_colors() && !(nc && *nc) && !(theme->name && strcmp(theme->name, "mono") == 0);
    mt_draw_init_colours(theme, colour);
    return MT_EXIT_OK;
}

/* Collect what background work did, and draw if anything changed. */
static void poll_and_draw(struct mt_app *a, bool *dirty)
{
    drain_stderr();
    bool was_running = a->job.running;
    double polled = frame_log ? mt_monotonic() : 0;
    if (mt_app_poll(a)) *dirty = true;
    if (frame_log && was_running && !a->job.running) {
        double now = mt_monotonic();
        fprintf(frame_log, "job t_ms=%.3f name=%s rc=%d collect_ms=%.3f\n", since_start(now), a->job.name, a->job.rc,
                (now - polled) * 1e3);
    }
    if (*dirty) {
        draw(a);
        log_key_done(a);
        *dirty = false;
    }
}

/* A scripted turn: wait for a :sleep or for the app to be idle, else feed
 * the next item. False when the script is over or asks to stop. */
static bool script_turn(struct script *sc, struct mt_app *a, bool *dirty)
{
    double left = sc->wake - mt_monotonic();
    if (left > 0) {
        napms(left < 0.01 ? (int)(left * 1e3) + 1 : 10);
        return true;
    }
    if ((sc->at >= sc->n || script_waits(sc)) && !mt_app_idle(a)) {
        napms(10);
        return true;
    }
    if (sc->at >= sc->n || !script_step(sc, a)) return false;
    run_editor(a);
    *dirty = true;
    return true;
}

/* An interactive turn: one key (or a resize), if one came within the
 * input timeout. */
static void key_turn(struct mt_app *a, bool *dirty)
{
    wint_t ch;
    int r = get_wch(&ch);
    if (r == ERR) return;
    if (r == KEY_CODE_YES && ch == KEY_RESIZE) {
        *dirty = true;
        return;
    }
    if (r == KEY_CODE_YES && ch == KEY_MOUSE) {
        take_mouse(a);
        run_editor(a);
        *dirty = true;
        return;
    }
    int key = map_key(ch, r);
    if (key < 0) return;
    log_key_read(a, key);
    mt_app_key(a, key);
    run_editor(a);
    *dirty = true;
}

int mt_display_run(const struct mt_config *cfg, const struct mt_theme *theme)
{
    setlocale(LC_ALL, "");
    bool headless = getenv("MEMTUI_NO_DISPLAY") && strcmp(getenv("MEMTUI_NO_DISPLAY"), "1") == 0;
    const char *script_path = getenv("MEMTUI_SCRIPT");
    struct script sc = {0};
    bool scripted = script_path && *script_path;
    if (scripted && script_load(&sc, script_path)) return MT_EXIT_USAGE;
    if (!headless && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
        fprintf(stderr, "memtui: the workstation needs a terminal; use --batch COMMAND (see --help)\n");
        script_free(&sc);
        return MT_EXIT_USAGE;
    }
    if (open_terminal(theme, headless, cfg->mouse)) {
        script_free(&sc);
        return MT_EXIT_USAGE;
    }
    log_open();
    struct mt_app a;
    mt_app_init(&a, cfg);
    bool dirty = true;
    int rc = MT_EXIT_OK;
    while (!a.quit) {
        if (got_signal == SIGINT && mt_app_interrupt(&a)) {
            got_signal = 0;   /* asked as q asks: y leaves, anything else stays */
            dirty = true;
        }
        if (got_signal) {
            rc = 128 + got_signal;
            break;
        }
        poll_and_draw(&a, &dirty);
        if (scripted) {
            if (!script_turn(&sc, &a, &dirty)) break;
        } else {
            key_turn(&a, &dirty);
        }
    }
    if (a.quit && a.job.running && a.confirm == MT_CONFIRM_QUIT) {
        /* asked to leave a running job: do not wait for it (the kernel drops
         * the lock; an unreleased lease ends by its ttl) */
        restore_terminal();
        fflush(NULL);
        _exit(rc);
    }
    restore_terminal();
    if (!a.quit && !got_signal) rc = a.exit_code;
    /* Q or a signal while work runs: leave at once, as promised */
    if (a.job.running && (got_signal || a.quit)) {
        fflush(NULL);
        _exit(rc);
    }
    mt_app_free(&a);
    delscreen(screen);
    if (headless) {
        fclose(term_out);
        fclose(term_in);
    }
    script_free(&sc);
    if (frame_log) fclose(frame_log);
    return rc;
}
