/* gc.c: the parts of housekeeping in the order they run (gc.h): leftover
 * push refs first (a leftover may become a backup branch), then backup
 * branches, then the repack of whatever the clone has. */
#include "memtui/ops/gc.h"

#include <stdlib.h>

#include "memtui/base/audit.h"

int mt_gc_run(struct mt_repo *r, const char *env, const struct mt_gc_options *o, struct json_object *report,
              struct mt_error *err)
{
    struct json_object *left = json_object_new_array(), *pruned = json_object_new_array(),
                       *kept = json_object_new_array(), *repack = json_object_new_object();
    size_t nleft = 0;
    mt_gc_leftover_refs(r, env, o->dry_run, left, &nleft);
    int rc = mt_gc_prune_backups(r, o, pruned, kept, err);
    json_object_object_add(report, "dry_run", json_object_new_boolean(o->dry_run));
    json_object_object_add(report, "min_age_days", json_object_new_double(o->min_age_days));
    json_object_object_add(report, "leftovers", left);
    json_object_object_add(report, "pruned", pruned);
    json_object_object_add(report, "kept", kept);
    if (o->remote && rc == 0) json_object_object_add(report, "remote_backups", mt_gc_prune_remote_backups(r, o));

    struct mt_gc_counts c;
    mt_gc_count_objects(r, &c);
    size_t loose_max = mt_gc_limit("MEMTUI_GC_LOOSE_MAX", MT_GC_LOOSE_MAX);
    size_t packs_max = mt_gc_limit("MEMTUI_GC_PACKS_MAX", MT_GC_PACKS_MAX);
    bool due = c.loose > loose_max || c.packs > packs_max;
    json_object_object_add(repack, "loose_max", json_object_new_int64((int64_t)loose_max));
    json_object_object_add(repack, "packs_max", json_object_new_int64((int64_t)packs_max));
    bool ran = false;
    if (o->repack && (due || o->force_repack) && !o->dry_run) {
        struct mt_error e = {0};
        ran = mt_gc_repack(r, repack, &e) == 0;
        if (e.msg) {
            json_object_object_add(repack, "error", json_object_new_string(e.msg));
            mt_warn("%s", e.msg);
            mt_error_clear(&e);
        }
    } else {
        json_object_object_add(repack, "loose_before", json_object_new_int64((int64_t)c.loose));
        json_object_object_add(repack, "packs_before", json_object_new_int64((int64_t)c.packs));
    }
    json_object_object_add(repack, "due", json_object_new_boolean(due));
    json_object_object_add(repack, "ran", json_object_new_boolean(ran));
    json_object_object_add(repack, "remote", json_object_new_string("not repacked: other machines push into it"));
    json_object_object_add(report, "repack", repack);
    return rc;
}
