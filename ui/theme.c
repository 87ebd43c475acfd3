/* theme.c: theme files by role (curses-free); see ui/theme.h. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "memtui/base/fsutil.h"
#include "memtui/ui/theme.h"

#ifndef MEMTUI_THEME_DIR
#define MEMTUI_THEME_DIR "/usr/local/share/memtui/themes"
#endif

static const char *const ROLE_NAMES[] = {
#define MT_UI_ROLE_NAME(name, text) text,
    MT_UI_ROLES(MT_UI_ROLE_NAME)
#undef MT_UI_ROLE_NAME
};

const char *mt_role_name(enum mt_role r)
{
    return r < MT_ROLE_COUNT ? ROLE_NAMES[r] : "?";
}

static const char *const COLOURS[] = {"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"};

/* Colour word to -1..255; -2 when unknown. */
static int colour(const char *w)
{
    if (strcasecmp(w, "default") == 0 || strcmp(w, "-") == 0) return -1;
    int base = 0;
    if (strncasecmp(w, "bright-", 7) == 0) {
        base = 8;
        w += 7;
    }
    for (int i = 0; i < 8; i++)
        if (strcasecmp(w, COLOURS[i]) == 0) return base + i;
    if (base) return -2;
    char *end;
    long v = strtol(w, &end, 10);
    if (*w && !*end && v >= 0 && v <= 255) return (int)v;
    return -2;
}

static int attr(const char *w)
{
    if (strcasecmp(w, "bold") == 0) return MT_ATTR_BOLD;
    if (strcasecmp(w, "reverse") == 0) return MT_ATTR_REVERSE;
    if (strcasecmp(w, "underline") == 0) return MT_ATTR_UNDERLINE;
    if (strcasecmp(w, "dim") == 0) return MT_ATTR_DIM;
    return -1;
}

/* Built in so that a lost themes/ folder still gives a usable screen. */
static const char BUILTIN[] =
    "default = default default\n"
    "title = white blue bold\n"
    "tab = white blue\n"
    "tab_active = black cyan bold\n"
    "status = black white\n"
    "selection = black cyan bold\n"
    "header = default default bold underline\n"
    "ours = green default\n"
    "theirs = magenta default\n"
    "base = blue default\n"
    "result = cyan default bold\n"
    "added = green default\n"
    "removed = red default\n"
    "changed = yellow default\n"
    "conflict = red default bold\n"
    "lock_held = yellow default bold\n"
    "lock_stale = red default bold\n"
    "lock_free = green default\n"
    "danger = white red bold\n"
    "ok = green default\n"
    "dim = default default dim\n"
    "search = black yellow\n"
    "dropped = red default dim\n"
    "side1 = bright-blue default bold\n"
    "side2 = green default\n"
    "side3 = magenta default\n"
    "side4 = yellow default\n"
    "side5 = cyan default\n"
    "side6 = red default\n";

void mt_theme_builtin(struct mt_theme *t)
{
    memset(t, 0, sizeof(*t));
    for (int i = 0; i < MT_ROLE_COUNT; i++) t->role[i] = (struct mt_style){-1, -1, 0};
    t->name = xstrdup("built-in");
    struct mt_error e = {0};
    mt_theme_parse(t, BUILTIN, "built-in", &e);
    mt_error_clear(&e);
}

int mt_theme_parse(struct mt_theme *t, const char *text, const char *file, struct mt_error *err)
{
    long lineno = 0;
    const char *p = text;
    while (*p) {
        lineno++;
        size_t n = strcspn(p, "\n");
        char *line = xstrndup(p, n);
        p += n + (p[n] == '\n');
        char *hash = strchr(line, '#');
        if (hash) *hash = '\0';
        char *eq = strchr(line, '=');
        char *s = line;
        while (isspace((unsigned char)*s)) s++;
        if (!*s) {
            free(line);
            continue;
        }
        if (!eq) {
            mt_error_at(err, file, lineno, 0, "expected: role = fg bg [bold|reverse|underline|dim]");
            free(line);
            return -1;
        }
        *eq = '\0';
        char *name = strtok(s, " \t");
        if (name && strcmp(name, "background") == 0) {
            char *v = strtok(eq + 1, " \t\r");
            if (!v || (strcmp(v, "light") != 0 && strcmp(v, "dark") != 0) || strtok(NULL, " \t\r")) {
                mt_error_at(err, file, lineno, 0, "expected: background = light|dark");
                free(line);
                return -1;
            }
            t->light = strcmp(v, "light") == 0;
            free(line);
            continue;
        }
        int role = -1;
        for (int i = 0; name && i < MT_ROLE_COUNT; i++)
            if (strcmp(name, ROLE_NAMES[i]) == 0) role = i;
        /* "selected" is what STYLE.md calls the selection role */
        if (name && strcmp(name, "selected") == 0) role = MT_ROLE_SELECTION;
        if (role < 0) {
            mt_error_at(err, file, lineno, 0, "unknown role '%s'", name ? name : "");
            free(line);
            return -1;
        }
        struct mt_style st = {-1, -1, 0};
        int nwords = 0;
        for (char *w = strtok(eq + 1, " \t\r"); w; w = strtok(NULL, " \t\r"), nwords++) {
            int a = attr(w);
            if (a > 0) {
                st.attrs |= (unsigned)a;
                continue;
            }
            int c = colour(w);
            if (c == -2 || nwords >= 2) {
                mt_error_at(err, file, lineno, 0, "bad colour or attribute '%s'", w);
                free(line);
                return -1;
            }
            if (nwords == 0) st.fg = (short)c;
            else st.bg = (short)c;
        }
        t->role[role] = st;
        free(line);
    }
    return 0;
}

static int load_file(struct mt_theme *t, const char *path, struct mt_error *err)
{
    char *data;
    size_t len;
    if (mt_file_read(path, &data, &len, NULL, err)) return -1;
    int rc = mt_theme_parse(t, data, path, err);
    free(data);
    return rc;
}

/* The folder holding the running binary (from /proc/self/exe), or NULL. */
static char *exe_dir(void)
{
    char buf[4096];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    if (n <= 0 || (size_t)n >= sizeof(buf) - 1) return NULL;
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (!slash) return NULL;
    *slash = '\0';
    return xstrdup(*buf ? buf : "/");
}

/* Where themes are looked for, in order: $MEMTUI_THEMES; themes/ beside
 * the binary (a source checkout: ./memtui and ./themes); ../share/memtui/
 * themes from the binary (an installed tree, wherever it was moved); the
 * install prefix baked in at build time. Never a build-tree path. */
enum { THEME_DIRS = 4 };
static void theme_dirs(char *dirs[THEME_DIRS])
{
    const char *env = getenv("MEMTUI_THEMES");
    char *exe = exe_dir();
    dirs[0] = env && *env ? xstrdup(env) : NULL;
    dirs[1] = exe ? xasprintf("%s/themes", exe) : NULL;
    char *up = exe ? strrchr(exe, '/') : NULL;  /* <bindir>/.. without the ".." */
    dirs[2] = up ? xasprintf("%.*s/share/memtui/themes", (int)(up - exe), exe) : NULL;
    dirs[3] = xstrdup(MEMTUI_THEME_DIR);
    free(exe);
}

int mt_theme_load(struct mt_theme *t, const char *name, struct mt_error *err)
{
    mt_theme_builtin(t);
    if (!name || !*name) name = "default";
    if (strchr(name, '/')) {
        mt_error_set(err, "theme '%s': a theme is a name, not a path (see $MEMTUI_THEMES)", name);
        return -1;
    }
    char *dirs[THEME_DIRS];
    theme_dirs(dirs);
    int rc = 1;
    for (int i = 0; i < THEME_DIRS && rc == 1; i++) {
        if (!dirs[i]) continue;
        char *path = xasprintf("%s/%s.theme", dirs[i], name);
        if (mt_file_exists(path)) {
            rc = load_file(t, path, err);
            free(t->name);
            t->name = xstrdup(name);
        }
        free(path);
    }
    if (rc == 1 && strcmp(name, "default") == 0) rc = 0;  /* the built-in one */
    if (rc == 1) {
        char *where = xstrdup(dirs[0] ? "" : "$MEMTUI_THEMES (unset)");
        for (int i = 0; i < THEME_DIRS; i++) {
            if (!dirs[i]) continue;
            char *w = xasprintf("%s%s%s", where, *where ? ", " : "", dirs[i]);
            free(where);
            where = w;
        }
        mt_error_set(err, "no theme '%s' in %s", name, where);
        free(where);
        rc = -1;
    }
    for (int i = 0; i < THEME_DIRS; i++) free(dirs[i]);
    return rc;
}

void mt_theme_free(struct mt_theme *t)
{
    free(t->name);
    t->name = NULL;
}

short mt_theme_fold8(short c)
{
    if (c < 8) return c;
    if (c < 16) return (short)(c - 8);
    if (c >= 232) return c < 244 ? 0 : 7;  /* greys: black or white */
    int i = c - 16, r = i / 36, g = (i / 6) % 6, b = i % 6;
    int m = r > g ? (r > b ? r : b) : (g > b ? g : b);
    if (m == 0) return 0;
    return (short)((2 * r >= m + 1 ? 1 : 0) | (2 * g >= m + 1 ? 2 : 0) | (2 * b >= m + 1 ? 4 : 0));
}

short mt_theme_fold(short c, int colours)
{
    return c < 0 || c < colours ? c : mt_theme_fold8(c);
}
