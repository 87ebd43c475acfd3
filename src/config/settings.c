/* settings.c: option, environment, config file, discovery, default
 * (settings.h). */
#include "memtui/config/settings.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memtui/base/audit.h"
#include "memtui/config/mcp_discover.h"

static const char *const SOURCES[] = {"default", "option", "environment", "config file", "discovered", "none"};

const char *mt_source_name(enum mt_source s)
{
    return s <= MT_SOURCE_NONE ? SOURCES[s] : "?";
}

static const char *home(void)
{
    const char *h = getenv("HOME");
    return h && *h ? h : ".";
}

static char *short_host(void)
{
    char h[256] = "";
    if (gethostname(h, sizeof h - 1) != 0 || !h[0]) return xstrdup("localhost");
    h[strcspn(h, ".")] = '\0';
    return xstrdup(h);
}

static void mark(struct mt_settings *s, enum mt_setting k, enum mt_source src, char *detail)
{
    s->source[k] = src;
    free(s->detail[k]);
    s->detail[k] = detail;
}

/* A string setting not given as an option: environment, file, default. */
static void fill(struct mt_settings *s, const struct mt_settings_file *f, enum mt_setting k, char **dst,
                 const char *var, char *dflt)
{
    const char *v = var ? getenv(var) : NULL;
    if (*dst) {
        mark(s, k, MT_SOURCE_OPTION, NULL);
    } else if (v && *v) {
        *dst = xstrdup(v);
        mark(s, k, MT_SOURCE_ENVIRONMENT, xasprintf("$%s", var));
    } else if (f->value[k]) {
        *dst = xstrdup(f->value[k]);
        mark(s, k, MT_SOURCE_FILE, xasprintf("%s:%d", f->path, f->line[k]));
    } else {
        *dst = dflt;
        mark(s, k, *dst ? MT_SOURCE_DEFAULT : MT_SOURCE_NONE, NULL);
        return;
    }
    free(dflt);
}

static void fill_seconds(struct mt_settings *s, const struct mt_settings_file *f, enum mt_setting k, double *dst,
                         double dflt)
{
    if (*dst >= 0) mark(s, k, MT_SOURCE_OPTION, NULL);
    else if (f->value[k]) {
        *dst = f->seconds[k];
        mark(s, k, MT_SOURCE_FILE, xasprintf("%s:%d", f->path, f->line[k]));
    } else {
        *dst = dflt;
        mark(s, k, MT_SOURCE_DEFAULT, NULL);
    }
}

/* On unless --no-mouse or "mouse = no" turns it off. */
static void fill_mouse(struct mt_settings *s, const struct mt_settings_file *f, struct mt_config *c)
{
    const char *v = f->value[MT_SET_MOUSE];
    c->mouse = !c->no_mouse && (!v || strcmp(v, "yes") == 0);
    if (c->no_mouse) mark(s, MT_SET_MOUSE, MT_SOURCE_OPTION, NULL);
    else if (v) mark(s, MT_SET_MOUSE, MT_SOURCE_FILE, xasprintf("%s:%d", f->path, f->line[MT_SET_MOUSE]));
    else mark(s, MT_SET_MOUSE, MT_SOURCE_DEFAULT, NULL);
}

/* Nothing else names the memory file: the MCP clients' configurations. */
static void discover(struct mt_config *c, struct mt_settings *s)
{
    char cwd[PATH_MAX];
    struct mt_mcp_discovery d;
    mt_mcp_discover(home(), getcwd(cwd, sizeof cwd) ? cwd : NULL, &d);
    for (size_t i = 0; i < d.nskipped; i++) {
        mt_warn("skipped %s", d.skipped[i]);
        s->skipped = xrealloc(s->skipped, (s->nskipped + 1) * sizeof(char *));
        s->skipped[s->nskipped++] = xstrdup(d.skipped[i]);
    }
    const struct mt_mcp_entry *from;
    char *why = NULL;
    c->memory_file = mt_mcp_discovery_result(&d, &from, &why);
    if (c->memory_file) {
        mark(s, MT_SET_MEMORY_FILE, MT_SOURCE_DISCOVERED, xasprintf("%s (%s)", from->client_file, from->where));
    } else {
        mark(s, MT_SET_MEMORY_FILE, MT_SOURCE_NONE, NULL);
        s->no_memory_file = xasprintf("no memory file known: no --memory-file, no $MEMORY_FILE_PATH, no "
                                      "memory-file in %s; %s",
                                      s->file, why);
    }
    free(why);
    mt_mcp_discovery_free(&d);
}

int mt_settings_resolve(struct mt_config *c, struct mt_error *err)
{
    struct mt_settings *s = c->settings = xcalloc(1, sizeof(*s));
    s->file = mt_settings_file_path();
    struct mt_settings_file f;
    int rc = mt_settings_file_read(s->file, &f, err);
    s->file_exists = f.exists;
    if (rc) {
        mt_settings_file_free(&f);
        return rc;
    }
    fill(s, &f, MT_SET_REPO, &c->repo, "MEMTUI_REPO", xasprintf("%s/.cache/memory-backup-repo", home()));
    fill(s, &f, MT_SET_ENV, &c->env, NULL, short_host());
    fill(s, &f, MT_SET_REMOTE, &c->remote, NULL, xstrdup("origin"));
    fill(s, &f, MT_SET_THEME, &c->theme, NULL, NULL);   /* NULL: the built-in default theme */
    if (s->source[MT_SET_THEME] == MT_SOURCE_NONE) s->source[MT_SET_THEME] = MT_SOURCE_DEFAULT;
    fill_seconds(s, &f, MT_SET_LOCK_TIMEOUT, &c->lock_timeout, 30);
    fill_seconds(s, &f, MT_SET_LEASE_TTL, &c->lease_ttl, 60);
    fill_mouse(s, &f, c);
    fill(s, &f, MT_SET_MEMORY_FILE, &c->memory_file, "MEMORY_FILE_PATH", NULL);
    if (!c->memory_file) discover(c, s);
    mt_settings_file_free(&f);
    return MT_EXIT_OK;
}

void mt_settings_free(struct mt_settings *s)
{
    if (!s) return;
    free(s->file);
    for (int k = 0; k < MT_SET_COUNT; k++) free(s->detail[k]);
    free(s->no_memory_file);
    for (size_t i = 0; i < s->nskipped; i++) free(s->skipped[i]);
    free(s->skipped);
    free(s);
}

char *mt_settings_source_text(const struct mt_settings *s, enum mt_setting k)
{
    enum mt_source src = s->source[k];
    const char *d = s->detail[k];
    if (src == MT_SOURCE_DISCOVERED) return xasprintf("discovered: %s", d ? d : "?");
    if (d) return xasprintf("%s %s", mt_source_name(src), d);
    return xstrdup(mt_source_name(src));
}
