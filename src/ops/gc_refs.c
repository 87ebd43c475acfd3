/* gc_refs.c: the temporaries of a push that a killed run left in this
 * clone, refs/memtui/push/... and refs/memtui/tmp/... (repo_push.c names them).
 * Called under the local lock; a ref whose named process is alive stays. */
#include <errno.h>
#include <git2.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "memtui/base/audit.h"
#include "memtui/ops/gc.h"
#include "memtui/git/safety.h"

struct names {
    char **tmp;        /* temporaries */
    size_t ntmp, tcap;
    git_oid *tips;     /* commits every other ref names */
    size_t ntips, cap;
};

static bool is_temporary(const char *name)
{
    return strncmp(name, "refs/memtui/push/", 17) == 0 || strncmp(name, "refs/memtui/tmp/", 16) == 0;
}

/* repo_push.c names them <prefix><pid>-<time>-<seq>. Not every push holds the
 * local lock (lease break does not): a ref whose process still lives here
 * may be in use, and stays. */
static bool owner_alive(const char *name)
{
    const char *p = strrchr(name, '/') + 1;
    char *end;
    errno = 0;
    long pid = strtol(p, &end, 10);
    if (end == p || *end != '-' || errno || pid <= 0) return false;
    return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

static int sort_ref(const char *name, void *payload)
{
    struct names *l = payload;
    if (is_temporary(name) && !owner_alive(name)) {
        MT_GROW(l->tmp, l->tcap, l->ntmp + 1);
        l->tmp[l->ntmp++] = xstrdup(name);
    }
    return 0;
}

/* The commit each other ref (and HEAD) peels to. */
static void other_tips(git_repository *g, struct names *l)
{
    git_reference_iterator *it;
    git_reference *ref;
    if (git_reference_iterator_new(&it, g)) return;
    while (git_reference_next(&ref, it) == 0) {
        git_object *c;
        if (!is_temporary(git_reference_name(ref)) && git_reference_peel(&c, ref, GIT_OBJECT_COMMIT) == 0) {
            MT_GROW(l->tips, l->cap, l->ntips + 1);
            git_oid_cpy(&l->tips[l->ntips++], git_object_id(c));
            git_object_free(c);
        }
        git_reference_free(ref);
    }
    git_reference_iterator_free(it);
    git_error_clear();
}

int mt_gc_leftover_refs(struct mt_repo *r, const char *env, bool dry_run, struct json_object *removed,
                        size_t *count)
{
    git_repository *g = mt_repo_git(r);
    struct names l = {0};
    git_reference_foreach_name(g, sort_ref, &l);
    git_error_clear();
    if (l.ntmp) other_tips(g, &l);
    *count = 0;
    for (size_t i = 0; i < l.ntmp; i++) {
        git_oid id;
        char oid[MT_OID_HEX] = "";
        char *kept_on = NULL;
        bool ok = git_reference_name_to_id(&id, g, l.tmp[i]) == 0;
        if (ok) git_oid_tostr(oid, sizeof oid, &id);
        /* The only ref to a commit: keep the commit on a backup branch first
         * (gc prunes that too once main holds everything in it). */
        int reached = ok && l.ntips ? git_graph_reachable_from_any(g, &id, l.tips, l.ntips) : 0;
        if (ok && reached != 1 && !dry_run) {
            struct mt_error e = {0};
            if (mt_backup_branch(r, env, oid, &kept_on, &e)) {
                mt_warn("gc: %s kept: %s", l.tmp[i], e.msg ? e.msg : "?");
                mt_error_clear(&e);
                free(l.tmp[i]);
                continue;
            }
        }
        git_error_clear();
        if (!dry_run) {
            git_reference *ref;
            if (git_reference_lookup(&ref, g, l.tmp[i]) == 0) {
                int rc = git_reference_delete(ref);
                git_reference_free(ref);
                if (rc) {
                    mt_warn("gc: could not remove %s", l.tmp[i]);
                    git_error_clear();
                    free(kept_on);
                    free(l.tmp[i]);
                    continue;
                }
            }
            struct json_object *f = json_object_new_object();
            json_object_object_add(f, "ref", json_object_new_string(l.tmp[i]));
            json_object_object_add(f, "commit", json_object_new_string(oid));
            if (kept_on) json_object_object_add(f, "kept_on", json_object_new_string(kept_on));
            mt_audit_record("gc", f, "removed %s (%s) a killed push left%s%s", l.tmp[i], oid,
                            kept_on ? ", its commit kept on " : "", kept_on ? kept_on : "");
        }
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "ref", json_object_new_string(l.tmp[i]));
        json_object_object_add(o, "commit", json_object_new_string(oid));
        json_object_object_add(o, "kept_on", kept_on ? json_object_new_string(kept_on) : NULL);
        json_object_array_add(removed, o);
        (*count)++;
        free(kept_on);
        free(l.tmp[i]);
    }
    free(l.tmp);
    free(l.tips);
    return 0;
}
