/* settings_file.c: reading the config file (settings_file.h). */
#include "memtui/config/settings_file.h"

#include <stdlib.h>
#include <string.h>

#include "memtui/config/config.h"
#include "memtui/base/fsutil.h"
#include "memtui/coord/lease.h"

static const char *const NAMES[MT_SET_COUNT] = {"repo", "env", "memory-file", "remote", "theme", "lock-timeout",
                                                "lease-ttl", "mouse"};

const char *mt_setting_name(enum mt_setting k)
{
    return k < MT_SET_COUNT ? NAMES[k] : "?";
}

char *mt_settings_file_path(void)
{
    const char *x = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    /* the XDG spec ignores a relative XDG_CONFIG_HOME */
    if (x && x[0] == '/') return xasprintf("%s/memtui/config", x);
    return xasprintf("%s/.config/memtui/config", home && *home ? home : ".");
}

char *mt_expand_home(const char *path)
{
    const char *home = getenv("HOME");
    if (path[0] == '~' && (path[1] == '/' || path[1] == '\0'))
        return xasprintf("%s%s", home && *home ? home : ".", path + 1);
    return xstrdup(path);
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) s[--n] = '\0';
    return s;
}

/* The same checks as the options' (config.c): NULL when v is good. */
static char *check(enum mt_setting k, const char *v, double *seconds)
{
    switch (k) {
    case MT_SET_ENV:
        return mt_env_name_valid(v) ? NULL
                                    : xasprintf("invalid environment name '%s': use 1 to 64 of A-Z a-z 0-9 . _ -", v);
    case MT_SET_LOCK_TIMEOUT:
        return mt_seconds_parse(v, 0, MT_LOCK_TIMEOUT_MAX, seconds)
                   ? NULL
                   : xasprintf("lock-timeout wants seconds from 0 to 604800, not '%s'", v);
    case MT_SET_LEASE_TTL:
        return mt_seconds_parse(v, 1, (double)MT_LEASE_TTL_MAX + 0.49, seconds)
                   ? NULL
                   : xasprintf("lease-ttl wants seconds from 1 to 3600, not '%s'", v);
    case MT_SET_MOUSE:
        return strcmp(v, "yes") == 0 || strcmp(v, "no") == 0 ? NULL : xasprintf("mouse is yes or no, not '%s'", v);
    default:
        return *v ? NULL : xasprintf("%s wants a value", NAMES[k]);
    }
}

int mt_settings_file_parse(const char *path, const char *text, struct mt_settings_file *f, struct mt_error *err)
{
    char *copy = xstrdup(text), *next = copy;
    int lineno = 0, rc = 0;
    while (next && !rc) {
        char *line = next;
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        lineno++;
        char *s = trim(line);
        if (!*s || *s == '#') continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            mt_error_set(err, "%s:%d: expected 'key = value', not '%s'", path, lineno, s);
            rc = MT_EXIT_USAGE;
            break;
        }
        *eq = '\0';
        char *key = trim(s), *val = trim(eq + 1);
        int k = 0;
        while (k < MT_SET_COUNT && strcmp(NAMES[k], key) != 0) k++;
        char *why = NULL;
        if (k == MT_SET_COUNT)
            why = xasprintf("unknown key '%s' (known: repo, env, memory-file, remote, theme, lock-timeout, "
                            "lease-ttl, mouse)", key);
        else if (f->value[k])
            why = xasprintf("%s given twice (first at line %d)", key, f->line[k]);
        else
            why = check((enum mt_setting)k, val, &f->seconds[k]);
        if (why) {
            mt_error_set(err, "%s:%d: %s", path, lineno, why);
            free(why);
            rc = MT_EXIT_USAGE;
            break;
        }
        bool is_path = k == MT_SET_REPO || k == MT_SET_MEMORY_FILE;
        f->value[k] = is_path ? mt_expand_home(val) : xstrdup(val);
        f->line[k] = lineno;
    }
    free(copy);
    return rc;
}

int mt_settings_file_read(const char *path, struct mt_settings_file *f, struct mt_error *err)
{
    memset(f, 0, sizeof(*f));
    f->path = xstrdup(path);
    char *data;
    size_t len;
    bool missing = false;
    struct mt_error e = {0};
    if (mt_file_read_config(path, (size_t)1 << 20, &data, &len, &missing, &e)) {
        if (missing) {
            mt_error_clear(&e);
            return 0;
        }
        mt_error_set(err, "%s", e.msg);   /* it names the path */
        mt_error_clear(&e);
        return MT_EXIT_USAGE;
    }
    f->exists = true;
    int rc = strlen(data) != len ? (mt_error_set(err, "%s: a NUL byte in the file", path), MT_EXIT_USAGE)
                                 : mt_settings_file_parse(path, data, f, err);
    free(data);
    return rc;
}

void mt_settings_file_free(struct mt_settings_file *f)
{
    free(f->path);
    for (int k = 0; k < MT_SET_COUNT; k++) free(f->value[k]);
    memset(f, 0, sizeof(*f));
}
