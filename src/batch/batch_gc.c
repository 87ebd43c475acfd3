/* batch_gc.c: `memtui --batch gc [--dry-run] [--min-age DAYS]`, and the
 * housekeeping a sync or merge does by itself once a day (DESIGN 4). */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "memtui/base/audit.h"
#include "memtui/batch/batch.h"
#include "memtui/ops/gc.h"
#include "memtui/coord/lock.h"
#include "memtui/base/safetext.h"

static int take_lock(const struct mt_config *cfg, struct mt_session *s, double timeout, struct mt_lock **l,
                     struct mt_error *err)
{
    char *path = mt_lock_path(cfg->lock_file, mt_repo_gitdir(s->repo));
    int rc = mt_lock_acquire(path, timeout, cfg->env, s->host, l, err);
    free(path);
    return rc == MT_LOCK_TIMEOUT ? MT_EXIT_LOCK : rc ? MT_EXIT_USAGE : MT_EXIT_OK;
}

static size_t count(struct json_object *r, const char *k)
{
    struct json_object *a;
    return json_object_object_get_ex(r, k, &a) ? json_object_array_length(a) : 0;
}

static long long num(struct json_object *o, const char *k)
{
    struct json_object *v;
    return json_object_object_get_ex(o, k, &v) ? json_object_get_int64(v) : 0;
}

static const char *str(struct json_object *o, const char *k)
{
    struct json_object *v;
    return json_object_object_get_ex(o, k, &v) && v ? json_object_get_string(v) : "";
}

static void print_remote(struct json_object *rb, const char *would)
{
    struct json_object *a;
    if (json_object_object_get_ex(rb, "pruned", &a))
        for (size_t i = 0; i < json_object_array_length(a); i++) {
            struct json_object *o = json_object_array_get_idx(a, i);
            mt_safe_printf(stdout, "%spruned on the remote: %s (%s): main holds all it held\n", would,
                           str(o, "ref"), str(o, "commit"));
        }
    if (json_object_object_get_ex(rb, "kept", &a))
        for (size_t i = 0; i < json_object_array_length(a); i++) {
            struct json_object *o = json_object_array_get_idx(a, i);
            mt_safe_printf(stdout, "kept on the remote: %s: %s\n", str(o, "ref"), str(o, "reason"));
        }
    if (*str(rb, "error")) mt_safe_printf(stdout, "backups on the remote: not pruned: %s\n", str(rb, "error"));
}

static void print_report(struct json_object *r)
{
    struct json_object *a, *rp;
    bool dry = json_object_get_boolean(json_object_object_get(r, "dry_run"));
    const char *would = dry ? "would be " : "";
    if (json_object_object_get_ex(r, "leftovers", &a))
        for (size_t i = 0; i < json_object_array_length(a); i++) {
            struct json_object *o = json_object_array_get_idx(a, i);
            mt_safe_printf(stdout, "%sremoved %s (%.12s), left by a killed push%s%s\n", dry ? "would be " : "",
                           str(o, "ref"), str(o, "commit"), *str(o, "kept_on") ? "; its commit kept on " : "",
                           str(o, "kept_on"));
        }
    if (json_object_object_get_ex(r, "pruned", &a))
        for (size_t i = 0; i < json_object_array_length(a); i++) {
            struct json_object *o = json_object_array_get_idx(a, i);
            mt_safe_printf(stdout, "%spruned %s (%s): main holds all it held\n", would, str(o, "branch"),
                           str(o, "commit"));
        }
    if (json_object_object_get_ex(r, "kept", &a))
        for (size_t i = 0; i < json_object_array_length(a); i++) {
            struct json_object *o = json_object_array_get_idx(a, i);
            mt_safe_printf(stdout, "kept %s: %s\n", str(o, "branch"), str(o, "reason"));
        }
    if (json_object_object_get_ex(r, "remote_backups", &rp)) print_remote(rp, would);
    if (json_object_object_get_ex(r, "repack", &rp)) {
        if (json_object_get_boolean(json_object_object_get(rp, "ran")))
            mt_safe_printf(stdout, "repacked: %lld loose objects and %lld packs before, %lld and %lld after\n",
                           num(rp, "loose_before"), num(rp, "packs_before"), num(rp, "loose_after"),
                           num(rp, "packs_after"));
        else
            mt_safe_printf(stdout, "%s: %lld loose objects (limit %lld), %lld packs (limit %lld)\n",
                           json_object_get_boolean(json_object_object_get(rp, "due")) ? "would repack" : "no repack",
                           num(rp, "loose_before"), num(rp, "loose_max"), num(rp, "packs_before"),
                           num(rp, "packs_max"));
    }
    if (!dry) mt_safe_printf(stdout, "pruned tips stay in the object store; memtui.log names each one\n");
    mt_safe_printf(stdout, "the remote is not repacked\n");
}

int mt_batch_gc(const struct mt_config *cfg, struct mt_session *s, struct json_object *r, struct mt_error *err)
{
    struct mt_lock *l = NULL;
    int rc = take_lock(cfg, s, cfg->lock_timeout, &l, err);
    if (rc) return rc;
    struct mt_gc_options o = {.dry_run = cfg->dry_run, .min_age_days = cfg->min_age_days, .repack = true,
                              .remote = cfg->remote};
    struct json_object *rep = json_object_new_object();
    int grc = mt_gc_run(s->repo, cfg->env, &o, rep, err);
    mt_lock_release(l);
    json_object_object_foreach(rep, k, v) json_object_object_add(r, k, json_object_get(v));
    if (!cfg->json) print_report(rep);
    json_object_put(rep);
    return grc ? MT_EXIT_VERIFY : MT_EXIT_OK;
}

/* ---- once a day, after a sync or merge ------------------------------------- */

/* The last automatic run's time: the mtime of <git dir>/memtui-gc.last. A
 * time ahead of ours (a clock set back) does not hold the next run off. */
static bool ran_lately(const char *stamp)
{
    struct stat st;
    if (stat(stamp, &st)) return false;
    time_t now = time(NULL);
    return st.st_mtime <= now && now - st.st_mtime < MT_GC_AUTO_EVERY_S;
}

static void touch(const char *stamp)
{
    int fd = open(stamp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        mt_warn("housekeeping: cannot record its run in %s: %s", stamp, strerror(errno));
        return;
    }
    char line[32];
    int n = snprintf(line, sizeof line, "%lld\n", (long long)time(NULL));
    if (write(fd, line, (size_t)n) != n) mt_warn("housekeeping: cannot record its run in %s", stamp);
    close(fd);
}

void mt_batch_gc_auto(const struct mt_config *cfg, struct mt_session *s, struct json_object *r)
{
    char *stamp = xasprintf("%smemtui-gc.last", mt_repo_gitdir(s->repo));
    struct mt_gc_counts c;
    if (ran_lately(stamp)) goto out;
    mt_gc_count_objects(s->repo, &c);
    bool due = mt_gc_count_backups(s->repo) > mt_gc_limit("MEMTUI_GC_BACKUPS_MAX", MT_GC_BACKUPS_MAX) ||
               c.loose > mt_gc_limit("MEMTUI_GC_LOOSE_MAX", MT_GC_LOOSE_MAX) ||
               c.packs > mt_gc_limit("MEMTUI_GC_PACKS_MAX", MT_GC_PACKS_MAX);
    if (!due) goto out;
    struct mt_lock *l = NULL;
    struct mt_error err = {0};
    if (take_lock(cfg, s, 0, &l, &err)) {   /* another run has it: next time */
        mt_error_clear(&err);
        goto out;
    }
    struct mt_gc_options o = {.min_age_days = MT_GC_MIN_AGE_DAYS, .budget_s = MT_GC_AUTO_BUDGET_S, .repack = true};
    struct json_object *rep = json_object_new_object();
    if (mt_gc_run(s->repo, cfg->env, &o, rep, &err)) mt_warn("housekeeping: %s", err.msg ? err.msg : "failed");
    mt_error_clear(&err);
    touch(stamp);
    mt_lock_release(l);
    struct json_object *rp = json_object_object_get(rep, "repack");
    bool packed = json_object_get_boolean(json_object_object_get(rp, "ran"));
    char *line = xasprintf("housekeeping: pruned %zu backup branches (%zu kept), removed %zu leftover push refs, %s",
                           count(rep, "pruned"), count(rep, "kept"), count(rep, "leftovers"),
                           packed ? "repacked the clone" : "no repack needed");
    mt_audit_record("gc", NULL, "%s", line);
    if (!cfg->json) mt_safe_printf(stdout, "%s (memtui --batch gc says more)\n", line);
    free(line);
    json_object_object_add(r, "gc", rep);
out:
    free(stamp);
}
