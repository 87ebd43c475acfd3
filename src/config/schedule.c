/* schedule.c: the systemd, launchd and cron units of `schedule` (schedule.h). */
#include "memtui/config/schedule.h"

#include <stdlib.h>
#include <string.h>

#define UNIT_NAME "memtui-sync"
#define LAUNCHD_LABEL "dev.memtui.sync"

bool mt_sched_kind_parse(const char *name, enum mt_sched_kind *out)
{
    static const char *const NAMES[] = {"systemd", "launchd", "cron"};
    for (size_t i = 0; i < 3; i++)
        if (strcmp(name, NAMES[i]) == 0) {
            *out = (enum mt_sched_kind)i;
            return true;
        }
    return false;
}

const char *mt_sched_kind_name(enum mt_sched_kind k)
{
    return k == MT_SCHED_SYSTEMD ? "systemd" : k == MT_SCHED_LAUNCHD ? "launchd" : "cron";
}

enum mt_sched_kind mt_sched_kind_default(void)
{
#ifdef __APPLE__
    return MT_SCHED_LAUNCHD;
#else
    return MT_SCHED_SYSTEMD;
#endif
}

bool mt_sched_every_ok(unsigned m)
{
    return (m >= 1 && m <= 60 && 60 % m == 0) || (m % 60 == 0 && m > 0 && 1440 % m == 0);
}

/* ---- escaping ------------------------------------------------------------------ */

char *mt_sched_systemd_word(const char *s)
{
    struct mt_buf b;
    mt_buf_init(&b);
    mt_buf_addc(&b, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') mt_buf_addc(&b, '\\');
        else if (*s == '%' || *s == '$') mt_buf_addc(&b, *s);   /* %% and $$: literal */
        mt_buf_addc(&b, *s);
    }
    mt_buf_adds(&b, "\"");
    mt_buf_addc(&b, '\0');
    return mt_buf_detach(&b, NULL);
}

char *mt_sched_xml_text(const char *s)
{
    struct mt_buf b;
    mt_buf_init(&b);
    for (; *s; s++) {
        switch (*s) {
        case '&': mt_buf_adds(&b, "&amp;"); break;
        case '<': mt_buf_adds(&b, "&lt;"); break;
        case '>': mt_buf_adds(&b, "&gt;"); break;
        case '"': mt_buf_adds(&b, "&quot;"); break;
        case '\'': mt_buf_adds(&b, "&apos;"); break;
        default: mt_buf_addc(&b, *s);
        }
    }
    mt_buf_addc(&b, '\0');
    return mt_buf_detach(&b, NULL);
}

char *mt_sched_sh_word(const char *s)
{
    /* words of these bytes alone mean themselves to sh: left bare, readable */
    if (*s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./-+,:@=") == strlen(s))
        return xstrdup(s);
    struct mt_buf b;
    mt_buf_init(&b);
    mt_buf_addc(&b, '\'');
    for (; *s; s++) {
        if (*s == '\'') mt_buf_adds(&b, "'\\''");
        else mt_buf_addc(&b, *s);
    }
    mt_buf_adds(&b, "'");
    mt_buf_addc(&b, '\0');
    return mt_buf_detach(&b, NULL);
}

char *mt_sched_cron_text(const char *s)
{
    struct mt_buf b;
    mt_buf_init(&b);
    for (; *s; s++) {
        if (*s == '%') mt_buf_addc(&b, '\\');
        mt_buf_addc(&b, *s);
    }
    mt_buf_addc(&b, '\0');
    return mt_buf_detach(&b, NULL);
}

/* ---- the command ----------------------------------------------------------------- */

/* A unit line ends at a newline and a crontab line too: no format carries a
 * control character inside a value. */
static bool value_ok(const char *what, const char *v, struct mt_error *err)
{
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if (*p < 0x20 || *p == 0x7f) {
            mt_error_set(err, "the %s holds a control character, which a scheduler's file cannot carry: %s", what,
                         v);
            return false;
        }
    return true;
}

static bool has_memory_file(const struct mt_sched_job *j)
{
    return j->memory_file && *j->memory_file;
}

/* The sync command as argv (NULL-terminated; the strings are the job's). */
static size_t sync_argv(const struct mt_sched_job *j, const char *argv[12])
{
    size_t n = 0;
    argv[n++] = j->binary;
    argv[n++] = "--batch";
    argv[n++] = "--repo";
    argv[n++] = j->repo;
    argv[n++] = "--env";
    argv[n++] = j->env;
    if (has_memory_file(j)) {
        argv[n++] = "--memory-file";
        argv[n++] = j->memory_file;
    }
    if (j->remote && *j->remote && strcmp(j->remote, "origin") != 0) {
        argv[n++] = "--remote";
        argv[n++] = j->remote;
    }
    argv[n++] = "sync";
    argv[n] = NULL;
    return n;
}

static const char NO_MEMORY_FILE[] =
    "no memory file is configured: memtui looks for it in the MCP client's\n"
    "configuration at each run; to name it, add --memory-file PATH before sync.\n";

/* Each line of text, prefixed (comments in every format). */
static void add_prefixed(struct mt_buf *b, const char *prefix, const char *text, const char *suffix)
{
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, "\n");
        mt_buf_adds(b, prefix);
        mt_buf_add(b, p, n);
        mt_buf_adds(b, suffix);
        mt_buf_addc(b, '\n');
        p += n + (p[n] == '\n');
    }
}

static char *detach(struct mt_buf *b)
{
    mt_buf_addc(b, '\0');
    return mt_buf_detach(b, NULL);
}

static char *period_text(unsigned every)
{
    if (every % 60 == 0) return every == 60 ? xstrdup("hour") : xasprintf("%u hours", every / 60);
    return every == 1 ? xstrdup("minute") : xasprintf("%u minutes", every);
}

static void systemd_units(const struct mt_sched_job *j, struct mt_sched_unit out[2])
{
    const char *base = j->xdg_config_home && *j->xdg_config_home ? j->xdg_config_home : NULL;
    char *dir = base ? xasprintf("%s/systemd/user", base) : xasprintf("%s/.config/systemd/user", j->home);
    char *period = period_text(j->every);
    const char *argv[12];
    sync_argv(j, argv);

    struct mt_buf b;
    mt_buf_init(&b);
    mt_buf_adds(&b, "# " UNIT_NAME ".service: one `memtui --batch sync`, started by " UNIT_NAME ".timer.\n"
                    "# memtui takes its own lock: runs never overlap. Output: journalctl --user -u " UNIT_NAME "\n"
                    "[Unit]\n"
                    "Description=memtui: sync the MCP memory graph with its backup repo\n"
                    "\n"
                    "[Service]\n"
                    "Type=oneshot\n");
    if (!has_memory_file(j)) add_prefixed(&b, "# ", NO_MEMORY_FILE, "");
    mt_buf_adds(&b, "ExecStart=");
    for (size_t i = 0; argv[i]; i++) {
        char *w = mt_sched_systemd_word(argv[i]);
        mt_buf_addf(&b, "%s%s", i ? " " : "", w);
        free(w);
    }
    mt_buf_addc(&b, '\n');
    out[0].path = xasprintf("%s/" UNIT_NAME ".service", dir);
    out[0].content = detach(&b);

    /* On the clock (OnCalendar), so Persistent= catches up a run missed while
     * the machine slept; the random delay spreads a fleet's pushes. */
    char *when = j->every % 60 == 0 ? xasprintf("*-*-* 0/%u:00:00", j->every / 60) : xasprintf("*:0/%u", j->every);
    unsigned spread = j->every * 60 / 5 < 300 ? j->every * 60 / 5 : 300;
    mt_buf_init(&b);
    mt_buf_addf(&b,
                "# " UNIT_NAME ".timer: runs " UNIT_NAME ".service every %s.\n"
                "[Unit]\n"
                "Description=memtui: sync the MCP memory graph every %s\n"
                "\n"
                "[Timer]\n"
                "OnCalendar=%s\n"
                "Persistent=true\n"
                "RandomizedDelaySec=%u\n"
                "Unit=" UNIT_NAME ".service\n"
                "\n"
                "[Install]\n"
                "WantedBy=timers.target\n",
                period, period, when, spread);
    out[1].path = xasprintf("%s/" UNIT_NAME ".timer", dir);
    out[1].content = detach(&b);
    free(when);
    free(period);
    free(dir);
}

static void launchd_unit(const struct mt_sched_job *j, struct mt_sched_unit *out)
{
    const char *argv[12];
    sync_argv(j, argv);
    char *log = xasprintf("%s/Library/Logs/memtui-sync.log", j->home);
    char *xlog = mt_sched_xml_text(log);
    struct mt_buf b;
    mt_buf_init(&b);
    mt_buf_adds(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
                    "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
                    "<!-- " LAUNCHD_LABEL ": memtui sync, run by launchd (memtui takes its own lock). -->\n");
    if (!has_memory_file(j)) add_prefixed(&b, "<!-- ", NO_MEMORY_FILE, " -->");
    mt_buf_adds(&b, "<plist version=\"1.0\">\n<dict>\n"
                    "  <key>Label</key>\n  <string>" LAUNCHD_LABEL "</string>\n"
                    "  <key>ProgramArguments</key>\n  <array>\n");
    for (size_t i = 0; argv[i]; i++) {
        char *x = mt_sched_xml_text(argv[i]);
        mt_buf_addf(&b, "    <string>%s</string>\n", x);
        free(x);
    }
    mt_buf_addf(&b,
                "  </array>\n"
                "  <key>StartInterval</key>\n  <integer>%u</integer>\n"
                "  <key>RunAtLoad</key>\n  <true/>\n"
                "  <key>ProcessType</key>\n  <string>Background</string>\n"
                "  <key>StandardOutPath</key>\n  <string>%s</string>\n"
                "  <key>StandardErrorPath</key>\n  <string>%s</string>\n"
                "</dict>\n</plist>\n",
                j->every * 60, xlog, xlog);
    out->path = xasprintf("%s/Library/LaunchAgents/" LAUNCHD_LABEL ".plist", j->home);
    out->content = detach(&b);
    free(xlog);
    free(log);
}

static void cron_line(const struct mt_sched_job *j, struct mt_sched_unit *out)
{
    const char *argv[12];
    sync_argv(j, argv);
    char *log = xasprintf("%s/.cache/memtui-sync.log", j->home);
    char *period = period_text(j->every);
    struct mt_buf cmd;
    mt_buf_init(&cmd);
    for (size_t i = 0; argv[i]; i++) {
        char *w = mt_sched_sh_word(argv[i]);
        mt_buf_addf(&cmd, "%s ", w);
        free(w);
    }
    char *wlog = mt_sched_sh_word(log);
    mt_buf_addf(&cmd, ">>%s 2>&1", wlog);
    free(wlog);
    char *shell = detach(&cmd);
    char *line = mt_sched_cron_text(shell);   /* after the shell quoting: cron reads the line first */

    struct mt_buf b;
    mt_buf_init(&b);
    mt_buf_addf(&b,
                "# memtui: sync every %s (crontab -e). Absolute paths: cron's PATH is minimal\n"
                "# and it sees neither $MEMTUI_REPO nor the MCP client's MEMORY_FILE_PATH.\n"
                "# memtui takes its own lock (no flock needed); output goes to the log named\n"
                "# below (its folder must exist).\n",
                period);
    if (!has_memory_file(j)) add_prefixed(&b, "# ", NO_MEMORY_FILE, "");
    if (j->every % 60 == 0) mt_buf_addf(&b, "0 */%u * * * %s\n", j->every / 60, line);
    else mt_buf_addf(&b, "*/%u * * * * %s\n", j->every, line);
    out->path = NULL;
    out->content = detach(&b);
    free(line);
    free(shell);
    free(period);
    free(log);
}

size_t mt_sched_build(enum mt_sched_kind kind, const struct mt_sched_job *j, struct mt_sched_unit out[2],
                      struct mt_error *err)
{
    if (!mt_sched_every_ok(j->every)) {
        mt_error_set(err, "--every %u: use minutes that divide an hour (1 to 60) or whole hours that divide a day",
                     j->every);
        return 0;
    }
    if (!value_ok("binary path", j->binary, err) || !value_ok("repo path", j->repo, err) ||
        !value_ok("env name", j->env, err) || (has_memory_file(j) && !value_ok("memory file", j->memory_file, err)) ||
        (j->remote && !value_ok("remote name", j->remote, err)) || !value_ok("home folder", j->home, err) ||
        (j->xdg_config_home && !value_ok("XDG_CONFIG_HOME", j->xdg_config_home, err)))
        return 0;
    memset(out, 0, 2 * sizeof(*out));
    if (kind == MT_SCHED_SYSTEMD) {
        systemd_units(j, out);
        return 2;
    }
    if (kind == MT_SCHED_LAUNCHD) launchd_unit(j, out);
    else cron_line(j, out);
    return 1;
}

void mt_sched_units_free(struct mt_sched_unit *u, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(u[i].path);
        free(u[i].content);
        u[i].path = u[i].content = NULL;
    }
}

char *mt_sched_next_step(enum mt_sched_kind kind, const struct mt_sched_unit *u, size_t n)
{
    if (kind == MT_SCHED_SYSTEMD) return xstrdup("systemctl --user daemon-reload && systemctl --user enable --now " UNIT_NAME ".timer");
    if (kind != MT_SCHED_LAUNCHD || n < 1) return NULL;
    char *p = mt_sched_sh_word(u[0].path);
    char *s = xasprintf("launchctl load -w %s", p);
    free(p);
    return s;
}
