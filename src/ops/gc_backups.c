/* gc_backups.c: prune backup branches whose every entity, observation and
 * relation main already holds, once they are old enough (gc.h). */
#include <git2.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "memtui/base/audit.h"
#include "memtui/git/backup_refs.h"
#include "memtui/git/backups.h"
#include "memtui/git/git_error.h"
#include "memtui/graph/fragment.h"
#include "memtui/base/sha256.h"
#include "memtui/git/trust.h"
#include "memtui/ops/gc.h"
#include "memtui/coord/lock.h"

#define BACKUP_PREFIX "refs/heads/memtui/backup/"

struct branch {
    char *ref;
    git_oid id;
};

struct branches {
    struct branch *items;
    size_t n, cap;
    const char *prefix;
};

static int collect(const char *name, void *payload)
{
    struct branches *l = payload;
    if (strncmp(name, l->prefix, strlen(l->prefix)) != 0) return 0;
    MT_GROW(l->items, l->cap, l->n + 1);
    l->items[l->n].ref = xstrdup(name);
    memset(&l->items[l->n].id, 0, sizeof(git_oid));
    l->n++;
    return 0;
}

static size_t list_refs(git_repository *g, const char *prefix, struct branch **out)
{
    struct branches l = {.prefix = prefix};
    git_reference_foreach_name(g, collect, &l);
    git_error_clear();
    *out = l.items;
    return l.n;
}

static size_t list_branches(git_repository *g, struct branch **out)
{
    return list_refs(g, BACKUP_PREFIX, out);
}

static void free_refs(struct branch *b, size_t n)
{
    for (size_t i = 0; i < n; i++) free(b[i].ref);
    free(b);
}

size_t mt_gc_count_backups(struct mt_repo *r)
{
    struct branch *b;
    size_t n = list_branches(mt_repo_git(r), &b);
    free_refs(b, n);
    return n;
}

static bool is_fragment_name(const char *s)
{
    size_t n = strlen(s);
    return strncmp(s, "memory-", 7) == 0 && n > 12 && strcmp(s + n - 5, ".json") == 0;
}

/* main's memory.json as a graph; -1 when it is not there or not readable. */
static int main_graph(struct mt_repo *r, struct mt_graph *g, struct mt_error *err)
{
    char oid[MT_OID_HEX], blob[MT_OID_HEX];
    char *text;
    size_t len;
    if (mt_backup_commit(r, "refs/heads/main", oid, err)) return -1;
    const char *odd = mt_repo_not_regular(r, oid, "memory.json");
    if (odd) {
        mt_error_set(err, "memory.json on main is %s", odd);
        return -1;
    }
    /* Only a memory.json that holds up (trust.h) says what main has: one a
     * peer broke is rebuilt by the next merge, maybe without what a
     * backup still holds. */
    struct mt_manifest m;
    struct mt_trust t = {0};
    mt_trust_head(r, oid, &m, &t);
    if (!mt_trust_head_ok(&t)) {
        mt_error_set(err, "memory.json on main waits for its repair by the next merge (%s)", t.why ? t.why : "?");
        mt_manifest_free(&m);
        mt_trust_clear(&t);
        return -1;
    }
    int rc = mt_repo_read_path(r, oid, "memory.json", &text, &len, blob, err);
    if (rc == MT_REPO_NOTFOUND) {
        mt_error_clear(err);
        mt_graph_init(g);
        rc = 0;
        goto out;
    }
    if (rc) {
        rc = -1;
        goto out;
    }
    char sha[MT_SHA256_HEX];
    mt_sha256_hex(text, len, sha);
    if (mt_graph_from_text(g, "memory.json", text, len, err)) {
        rc = -1;
        goto out;
    }
    char *why = rc ? NULL
                   : mt_trust_check_u(&m, sha, mt_graph_count_entities(g), mt_graph_count_relations(g),
                                      mt_graph_count_observations(g));
    if (why) {
        mt_error_set(err, "memory.json on main waits for its repair by the next merge (%s)", why);
        free(why);
        rc = -1;
    }
    if (rc) mt_graph_free(g);
out:
    mt_manifest_free(&m);
    mt_trust_clear(&t);
    return rc;
}

/* One file of the backup's tip: NULL when main holds all of it, else why not. */
static char *file_missing(struct mt_repo *r, const struct mt_graph *main, const char *oid, const char *path)
{
    const char *odd = mt_repo_not_regular(r, oid, path);
    if (odd) return xasprintf("%s is %s: not checked", path, odd);
    char *text, *why = NULL;
    size_t len;
    char blob[MT_OID_HEX];
    struct mt_error e = {0};
    int rc = mt_repo_read_path(r, oid, path, &text, &len, blob, &e);
    if (rc == MT_REPO_NOTFOUND) {
        mt_error_clear(&e);
        return NULL;
    }
    if (rc) {
        why = xasprintf("%s cannot be read: %s", path, e.msg ? e.msg : "?");
        mt_error_clear(&e);
        return why;
    }
    mt_gc_missing(main, path, text, len, &why);
    return why;
}

/* Files memtui rebuilds or checks by content (above): memory.json, the
 * fragments and the manifest. */
static bool graph_path(const char *p)
{
    return strcmp(p, "memory.json") == 0 || (!strchr(p, '/') && is_fragment_name(p)) ||
           strncmp(p, ".memtui/", 8) == 0;
}

/* Any other file of the tip (an operator's note committed by hand) must be
 * in main as it is there, byte for byte: NULL, else which one is not. */
static char *other_files_missing(git_repository *g, const char *oid)
{
    git_oid id, mid;
    git_commit *c = NULL, *m = NULL;
    git_tree *tc = NULL, *tm = NULL;
    git_diff *d = NULL;
    char *why = NULL;
    if (git_oid_fromstr(&id, oid) || git_reference_name_to_id(&mid, g, "refs/heads/main") ||
        git_commit_lookup(&c, g, &id) || git_commit_lookup(&m, g, &mid) || git_commit_tree(&tc, c) ||
        git_commit_tree(&tm, m) || git_diff_tree_to_tree(&d, g, tc, tm, NULL)) {
        why = xasprintf("its files cannot be compared with main: %s", mt_git_reason("?"));
    }
    for (size_t i = 0; !why && d && i < git_diff_num_deltas(d); i++) {
        const git_diff_delta *dl = git_diff_get_delta(d, i);
        if (dl->status == GIT_DELTA_ADDED || graph_path(dl->old_file.path)) continue;
        why = xasprintf("%s is not in main as it is there", dl->old_file.path);
    }
    git_error_clear();
    git_diff_free(d);
    git_tree_free(tm);
    git_tree_free(tc);
    git_commit_free(m);
    git_commit_free(c);
    return why;
}

/* NULL when main holds every entity, observation and relation of the
 * commit's memory.json and fragments; else the first thing it lacks. */
static char *commit_missing(struct mt_repo *r, const struct mt_graph *main, const char *oid)
{
    char *why = file_missing(r, main, oid, "memory.json");
    if (why) return why;
    char **names;
    size_t n;
    struct mt_error e = {0};
    if (mt_repo_list_top(r, oid, &names, &n, &e)) {
        why = xasprintf("its tree cannot be read: %s", e.msg ? e.msg : "?");
        mt_error_clear(&e);
        return why;
    }
    for (size_t i = 0; i < n; i++) {
        if (!why && is_fragment_name(names[i])) why = file_missing(r, main, oid, names[i]);
        free(names[i]);
    }
    free(names);
    return why;
}

/* Why the branch is too young to go (NULL: old enough). The time was
 * written by whoever made the commit: a time ahead of ours counts as young. */
static char *too_young(git_commit *c, double min_age_days)
{
    const git_signature *s = git_commit_committer(c);
    long long t = s ? (long long)s->when.time : (long long)git_commit_time(c);
    long long now = (long long)time(NULL);
    if (t > now) return xasprintf("dated in the future (committer time %lld, now %lld)", t, now);
    double days = (double)(now - t) / 86400.0;
    if (days < min_age_days) return xasprintf("younger than %g days (%.1f days old)", min_age_days, days);
    return NULL;
}

static struct json_object *entry(const char *branch, const char *oid, const char *reason)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "branch", json_object_new_string(branch));
    json_object_object_add(o, "commit", json_object_new_string(oid));
    if (reason) json_object_object_add(o, "reason", json_object_new_string(reason));
    return o;
}

/* Delete ref only if it still names id (under the lock nothing should move
 * it; the check costs nothing). */
static int delete_if_at(git_repository *g, const char *ref, const git_oid *id)
{
    git_reference *rf;
    if (git_reference_lookup(&rf, g, ref)) return -1;
    int rc = -1;
    if (git_reference_target(rf) && git_oid_equal(git_reference_target(rf), id)) rc = git_reference_delete(rf);
    git_reference_free(rf);
    return rc;
}

/* Why the backup at ref must stay (NULL: it may go); oid receives its tip. */
static char *judge(struct mt_repo *r, const struct mt_graph *main, const char *ref, git_oid *id,
                   char oid[MT_OID_HEX], const struct mt_gc_options *o, double start)
{
    git_repository *g = mt_repo_git(r);
    git_commit *c = NULL;
    char *why = NULL;
    if (git_reference_name_to_id(id, g, ref) || git_commit_lookup(&c, g, id)) {
        git_error_clear();
        why = xstrdup("its tip is not a readable commit");
    } else {
        git_oid_tostr(oid, MT_OID_HEX, id);
    }
    if (!why && o->budget_s > 0 && mt_monotonic() - start > o->budget_s) why = xstrdup("not checked: time budget spent");
    if (!why) why = too_young(c, o->min_age_days);
    if (!why) why = commit_missing(r, main, oid);
    if (!why) why = other_files_missing(g, oid);
    git_commit_free(c);
    return why;
}

int mt_gc_prune_backups(struct mt_repo *r, const struct mt_gc_options *o, struct json_object *pruned,
                        struct json_object *kept, struct mt_error *err)
{
    git_repository *g = mt_repo_git(r);
    struct branch *b;
    size_t n = list_branches(g, &b);
    struct mt_graph main;
    if (!n) {
        free(b);
        return 0;
    }
    if (main_graph(r, &main, err)) {
        free_refs(b, n);
        char *m = mt_error_format(err);
        mt_error_clear(err);
        mt_error_set(err, "main's memory.json cannot be read, so no backup branch is pruned: %s", m);
        free(m);
        return -1;
    }
    double start = mt_monotonic();
    for (size_t i = 0; i < n; i++) {
        const char *name = b[i].ref + strlen("refs/heads/");
        char oid[MT_OID_HEX] = "";
        char *why = judge(r, &main, b[i].ref, &b[i].id, oid, o, start);
        if (why) {
            json_object_array_add(kept, entry(name, oid, why));
            free(why);
            continue;
        }
        if (!o->dry_run) {
            if (delete_if_at(g, b[i].ref, &b[i].id)) {
                why = xasprintf("could not delete: %s", mt_git_reason("it moved"));
                git_error_clear();
                json_object_array_add(kept, entry(name, oid, why));
                free(why);
                continue;
            }
            struct json_object *f = json_object_new_object();
            json_object_object_add(f, "branch", json_object_new_string(name));
            json_object_object_add(f, "commit", json_object_new_string(oid));
            mt_audit_record("gc", f,
                            "pruned backup branch %s at %s: main holds all it held (the commit stays in the "
                            "object store; recover with git branch %s %s)",
                            name, oid, name, oid);
        }
        json_object_array_add(pruned, entry(name, oid, NULL));
    }
    free_refs(b, n);
    mt_graph_free(&main);
    return 0;
}

/* ---- backups on the remote -------------------------------------------- */

static struct json_object *remote_entry(const char *tail, const char *oid, const char *reason)
{
    struct json_object *o = entry(tail, oid, reason);
    char *ref = xasprintf("%s%s", MT_BACKUP_REMOTE_PREFIX, tail);
    json_object_object_add(o, "ref", json_object_new_string(ref));
    free(ref);
    return o;
}

/* Prune one mirrored backup: the same checks as a local branch, then its
 * deletion pushed (only while the remote still has that commit). */
static void prune_remote_one(struct mt_repo *r, const struct mt_graph *main, const struct mt_gc_options *o,
                             struct branch *b, double start, struct json_object *pruned, struct json_object *kept)
{
    const char *tail = b->ref + strlen(MT_BACKUP_MIRROR_PREFIX);
    char oid[MT_OID_HEX] = "";
    char *why = judge(r, main, b->ref, &b->id, oid, o, start);
    struct mt_error e = {0};
    if (!why && !o->dry_run && mt_backup_refs_delete(r, o->remote, tail, oid, &e))
        why = xasprintf("could not delete it on %s: %s", o->remote, e.msg ? e.msg : "?");
    mt_error_clear(&e);
    if (why) {
        json_object_array_add(kept, remote_entry(tail, oid, why));
        free(why);
        return;
    }
    if (!o->dry_run) {
        struct json_object *f = json_object_new_object();
        json_object_object_add(f, "ref", json_object_new_string(b->ref + strlen("refs/memtui/remote-")));
        json_object_object_add(f, "commit", json_object_new_string(oid));
        mt_audit_record("gc", f,
                        "pruned backup %s%s on %s at %s: main holds all it held (the commit stays in this "
                        "clone's object store)", MT_BACKUP_REMOTE_PREFIX, tail, o->remote, oid);
    }
    json_object_array_add(pruned, remote_entry(tail, oid, NULL));
}

struct json_object *mt_gc_prune_remote_backups(struct mt_repo *r, const struct mt_gc_options *o)
{
    struct json_object *rep = json_object_new_object(), *pruned = json_object_new_array(),
                       *kept = json_object_new_array();
    struct mt_error e = {0};
    size_t pushed = o->dry_run ? 0 : mt_backup_refs_push_warn(r, o->remote);
    struct mt_backup_fetch f;
    bool fetched = mt_backup_refs_fetch(r, o->remote, &f, &e) == 0;
    json_object_object_add(rep, "remote", json_object_new_string(o->remote));
    json_object_object_add(rep, "fetched", json_object_new_boolean(fetched));
    json_object_object_add(rep, "pushed", json_object_new_int64((int64_t)pushed));
    json_object_object_add(rep, "ignored", json_object_new_int64((int64_t)f.ignored));
    struct mt_graph main;
    if (fetched && main_graph(r, &main, &e) == 0) {
        struct branch *b;
        size_t n = list_refs(mt_repo_git(r), MT_BACKUP_MIRROR_PREFIX, &b);
        double start = mt_monotonic();
        for (size_t i = 0; i < n; i++) prune_remote_one(r, &main, o, &b[i], start, pruned, kept);
        free_refs(b, n);
        mt_graph_free(&main);
    }
    if (e.msg) mt_warn("no backup on %s is pruned: %s", o->remote, e.msg);
    json_object_object_add(rep, "error", e.msg ? json_object_new_string(e.msg) : NULL);
    json_object_object_add(rep, "pruned", pruned);
    json_object_object_add(rep, "kept", kept);
    mt_error_clear(&e);
    return rep;
}
