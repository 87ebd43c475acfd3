/* batch_schedule.c: `memtui --batch schedule --print|--install` (DESIGN 4).
 * Writes unit files at most; never runs systemctl, launchctl or crontab. */
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __APPLE__
#include <mach-o/dyld.h>
#endif

#include "memtui/batch/batch.h"
#include "memtui/base/fsutil.h"
#include "memtui/base/safetext.h"
#include "memtui/config/schedule.h"

/* The running binary, absolute and resolved: what the scheduler must start. */
static char *self_path(void)
{
#ifdef __APPLE__
    char raw[PATH_MAX];
    uint32_t n = sizeof raw;
    if (_NSGetExecutablePath(raw, &n) != 0) return NULL;
    return realpath(raw, NULL);
#else
    return realpath("/proc/self/exe", NULL);
#endif
}

/* path made absolute by the current folder, not resolved: a memory file or
 * repo reached through a symlink stays where the user points it. */
static char *absolute(const char *path)
{
    char cwd[PATH_MAX];
    if (path[0] == '/') return xstrdup(path);
    return getcwd(cwd, sizeof cwd) ? xasprintf("%s/%s", cwd, path) : NULL;
}

/* Each line through the escaping printer: a value never reaches the
 * terminal raw. */
static void print_lines(const char *text)
{
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, "\n");
        mt_safe_printf(stdout, "%.*s\n", (int)n, p);
        p += n + (p[n] == '\n');
    }
}

/* Refuses (nothing written) when any unit would replace other content. */
static int install(const struct mt_sched_unit *u, size_t n, bool force, struct json_object *list, bool json,
                   struct mt_error *err)
{
    bool same[2] = {false, false};
    for (size_t i = 0; i < n; i++) {
        char *old = NULL;
        size_t len = 0;
        bool missing = false;
        struct mt_error e = {0};
        if (mt_file_read(u[i].path, &old, &len, &missing, &e) != 0 && !missing) {
            mt_error_move(err, &e);
            return MT_EXIT_USAGE;
        }
        mt_error_clear(&e);   /* a missing file is set too: nothing to keep */
        same[i] = old && len == strlen(u[i].content) && memcmp(old, u[i].content, len) == 0;
        free(old);
        if (!missing && !same[i] && !force) {
            mt_error_set(err, "%s exists with other content: --force replaces it", u[i].path);
            return MT_EXIT_USAGE;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (!same[i]) {
            char *dir = xstrdup(u[i].path);
            *strrchr(dir, '/') = '\0';
            int rc = mt_mkdirs(dir, 0755, err);
            free(dir);
            if (rc || mt_file_write_atomic(u[i].path, u[i].content, strlen(u[i].content), 0644, err))
                return MT_EXIT_USAGE;
        }
        json_object_object_add(json_object_array_get_idx(list, i), "written", json_object_new_boolean(!same[i]));
        if (!json) mt_safe_printf(stdout, same[i] ? "%s is already up to date\n" : "wrote %s\n", u[i].path);
    }
    return MT_EXIT_OK;
}

int mt_batch_schedule(const struct mt_config *cfg, struct json_object *r, struct mt_error *err)
{
    enum mt_sched_kind kind = mt_sched_kind_default();
    if (cfg->nargs) {
        mt_error_set(err, "schedule takes no arguments");
        return MT_EXIT_USAGE;
    }
    if (cfg->print && cfg->install) {
        mt_error_set(err, "schedule: --print or --install, not both");
        return MT_EXIT_USAGE;
    }
    if (cfg->kind && !mt_sched_kind_parse(cfg->kind, &kind)) {
        mt_error_set(err, "--kind is systemd, launchd or cron, not '%s'", cfg->kind);
        return MT_EXIT_USAGE;
    }
    if (cfg->install && kind == MT_SCHED_CRON) {
        mt_error_set(err, "cron has no file memtui may write: add the line of `schedule --print --kind cron` "
                          "with crontab -e");
        return MT_EXIT_USAGE;
    }
    const char *home = getenv("HOME");
    if (!home || home[0] != '/') {
        mt_error_set(err, "schedule needs $HOME (an absolute path) to place the units");
        return MT_EXIT_USAGE;
    }
    char *binary = self_path();
    if (!binary) {
        mt_error_set(err, "cannot find the path of the running memtui: %s", strerror(errno));
        return MT_EXIT_USAGE;
    }
    char *repo = absolute(cfg->repo);
    char *mem = cfg->memory_file && *cfg->memory_file ? absolute(cfg->memory_file) : NULL;
    if (!repo || (cfg->memory_file && *cfg->memory_file && !mem)) {
        mt_error_set(err, "cannot name the repo or memory file by an absolute path: %s", strerror(errno));
        free(repo);
        free(mem);
        free(binary);
        return MT_EXIT_USAGE;
    }
    struct mt_sched_job job = {
        .binary = binary, .repo = repo, .env = cfg->env, .memory_file = mem, .remote = cfg->remote,
        .every = cfg->every ? cfg->every : 15, .home = home, .xdg_config_home = getenv("XDG_CONFIG_HOME"),
    };
    /* XDG says a relative XDG_CONFIG_HOME is to be ignored */
    if (job.xdg_config_home && job.xdg_config_home[0] != '/') job.xdg_config_home = NULL;
    struct mt_sched_unit u[2];
    size_t n = mt_sched_build(kind, &job, u, err);
    int rc = n ? MT_EXIT_OK : MT_EXIT_USAGE;
    char *next = n ? mt_sched_next_step(kind, u, n) : NULL;
    if (n) {
        struct json_object *list = json_object_new_array();
        for (size_t i = 0; i < n; i++) {
            struct json_object *o = json_object_new_object();
            json_object_object_add(o, "path", u[i].path ? json_object_new_string(u[i].path) : NULL);
            json_object_object_add(o, "content", json_object_new_string(u[i].content));
            json_object_array_add(list, o);
        }
        json_object_object_add(r, "kind", json_object_new_string(mt_sched_kind_name(kind)));
        json_object_object_add(r, "every", json_object_new_int((int)job.every));
        json_object_object_add(r, "units", list);
        json_object_object_add(r, "installed", json_object_new_boolean(cfg->install));
        json_object_object_add(r, "next", next ? json_object_new_string(next) : NULL);
        if (cfg->install) {
            rc = install(u, n, cfg->force, list, cfg->json, err);
            if (rc == MT_EXIT_OK && !cfg->json) mt_safe_printf(stdout, "now run: %s\n", next);
        } else if (!cfg->json) {
            for (size_t i = 0; i < n; i++) {
                if (i) mt_safe_printf(stdout, "\n");
                if (u[i].path) mt_safe_printf(stdout, "# file: %s\n", u[i].path);
                print_lines(u[i].content);
            }
            if (next) mt_safe_printf(stdout, "\n# install with: memtui --batch schedule --install; then: %s\n", next);
        }
    }
    mt_sched_units_free(u, n);
    free(next);
    free(mem);
    free(repo);
    free(binary);
    return rc;
}
