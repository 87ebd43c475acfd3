/* gc_repack.c: loose objects and packs of the local clone into one pack,
 * the way git repack -a -d does, but nothing is ever dropped: every object
 * goes into the new pack (the reachable ones first, for locality), and a
 * loose object or an old pack is deleted only once the new pack's own
 * index answers for each of its objects. libgit2 has no gc; this is built
 * on git_packbuilder and git_odb_backend_one_pack. */
#include <dirent.h>
#include <git2.h>
#include <git2/sys/odb_backend.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memtui/base/audit.h"
#include "memtui/git/git_error.h"
#include "memtui/ops/gc.h"

size_t mt_gc_limit(const char *var, size_t dflt)
{
    const char *v = getenv(var);
    char *end;
    if (!v || *v < '0' || *v > '9') return dflt;
    unsigned long long n = strtoull(v, &end, 10);
    return *end ? dflt : (size_t)n;
}

/* Calls fn(path, oid hex) for each loose object file. */
static void each_loose(const char *objdir, void (*fn)(const char *path, const char *hex, void *), void *ctx)
{
    for (int d = 0; d < 256; d++) {
        char *dir = xasprintf("%s%02x", objdir, d);
        DIR *dh = opendir(dir);
        if (dh) {
            struct dirent *de;
            while ((de = readdir(dh))) {
                if (!mt_hex_name(de->d_name, 38)) continue;
                char hex[41];
                snprintf(hex, sizeof hex, "%02x%.38s", d, de->d_name);
                char *path = xasprintf("%s/%s", dir, de->d_name);
                fn(path, hex, ctx);
                free(path);
            }
            closedir(dh);
        }
        free(dir);
    }
}

/* Pack files by base name ("pack-<hex>"), and whether a .keep marks it. */
struct packs {
    char **base;
    bool *keep;
    size_t n, cap, kcap;
};

static void list_packs(const char *packdir, struct packs *p)
{
    memset(p, 0, sizeof(*p));
    DIR *dh = opendir(packdir);
    if (!dh) return;
    struct dirent *de;
    while ((de = readdir(dh))) {
        size_t n = strlen(de->d_name);
        if (n < 10 || strncmp(de->d_name, "pack-", 5) != 0 || strcmp(de->d_name + n - 5, ".pack") != 0) continue;
        MT_GROW(p->base, p->cap, p->n + 1);
        MT_GROW(p->keep, p->kcap, p->n + 1);
        p->base[p->n] = xasprintf("%.*s", (int)(n - 5), de->d_name);
        char *keep = xasprintf("%s%s.keep", packdir, p->base[p->n]);
        p->keep[p->n] = access(keep, F_OK) == 0;
        free(keep);
        p->n++;
    }
    closedir(dh);
}

static void free_packs(struct packs *p)
{
    for (size_t i = 0; i < p->n; i++) free(p->base[i]);
    free(p->base);
    free(p->keep);
}

static void count_one(const char *path, const char *hex, void *ctx)
{
    (void)path, (void)hex;
    (*(size_t *)ctx)++;
}

void mt_gc_count_objects(struct mt_repo *r, struct mt_gc_counts *c)
{
    memset(c, 0, sizeof(*c));
    char *objdir = xasprintf("%sobjects/", mt_repo_gitdir(r));
    char *packdir = xasprintf("%spack/", objdir);
    each_loose(objdir, count_one, &c->loose);
    struct packs p;
    list_packs(packdir, &p);
    c->packs = p.n;
    for (size_t i = 0; i < p.n; i++) c->keep_packs += p.keep[i];
    free_packs(&p);
    free(packdir);
    free(objdir);
}

/* ---- what goes in --------------------------------------------------------- */

static void push_id(git_repository *g, git_revwalk *w, git_packbuilder *pb, const git_oid *id)
{
    git_object *o;
    if (git_oid_is_zero(id) || git_object_lookup(&o, g, id, GIT_OBJECT_ANY)) {
        git_error_clear();
        return;
    }
    if (git_object_type(o) == GIT_OBJECT_COMMIT) git_revwalk_push(w, id);
    else git_packbuilder_insert_recur(pb, id, NULL);
    git_object_free(o);
    git_error_clear();
}

/* Every ref and every id in its reflog (stashes live in refs/stash's). */
static void add_refs(git_repository *g, git_revwalk *w, git_packbuilder *pb)
{
    git_reference_iterator *it;
    git_reference *ref;
    if (git_reference_iterator_new(&it, g) == 0) {
        while (git_reference_next(&ref, it) == 0) {
            if (git_reference_target(ref)) push_id(g, w, pb, git_reference_target(ref));
            git_reflog *log;
            if (git_reflog_read(&log, g, git_reference_name(ref)) == 0) {
                for (size_t i = 0; i < git_reflog_entrycount(log); i++) {
                    const git_reflog_entry *e = git_reflog_entry_byindex(log, i);
                    push_id(g, w, pb, git_reflog_entry_id_old(e));
                    push_id(g, w, pb, git_reflog_entry_id_new(e));
                }
                git_reflog_free(log);
            }
            git_reference_free(ref);
        }
        git_reference_iterator_free(it);
    }
    git_reference *head;
    if (git_reference_lookup(&head, g, "HEAD") == 0) {
        git_reference *res;
        if (git_reference_resolve(&res, head) == 0) {
            push_id(g, w, pb, git_reference_target(res));
            git_reference_free(res);
        }
        git_reference_free(head);
    }
    git_error_clear();
}

static void add_index(git_repository *g, git_packbuilder *pb, git_odb *odb)
{
    git_index *ix;
    if (git_repository_index(&ix, g)) {
        git_error_clear();
        return;
    }
    for (size_t i = 0; i < git_index_entrycount(ix); i++) {
        const git_index_entry *e = git_index_get_byindex(ix, i);
        if (e && git_odb_exists(odb, &e->id)) git_packbuilder_insert(pb, &e->id, e->path);
    }
    git_index_free(ix);
    git_error_clear();
}

/* Then every other object the clone has: nothing is dropped. */
static int add_any(const git_oid *id, void *payload)
{
    git_packbuilder_insert(payload, id, NULL);
    git_error_clear();
    return 0;
}

/* ---- what may go ----------------------------------------------------------- */

struct sweep {
    git_odb *fresh;     /* the new pack alone */
    size_t deleted, kept;
    bool all_in;
};

static void drop_loose(const char *path, const char *hex, void *ctx)
{
    struct sweep *s = ctx;
    git_oid id;
    if (git_oid_fromstr(&id, hex) == 0 && git_odb_exists(s->fresh, &id) && unlink(path) == 0) s->deleted++;
    else s->kept++;
    git_error_clear();
}

static int in_fresh(const git_oid *id, void *payload)
{
    struct sweep *s = payload;
    if (!git_odb_exists(s->fresh, id)) {
        s->all_in = false;
        return 1;   /* stop: this pack stays */
    }
    return 0;
}

static git_odb *one_pack_odb(const char *idx)
{
    git_odb *odb = NULL;
    git_odb_backend *be = NULL;
    if (git_odb_new(&odb) || git_odb_backend_one_pack(&be, idx) || git_odb_add_backend(odb, be, 1)) {
        if (be && odb) be->free(be);
        git_odb_free(odb);
        git_error_clear();
        return NULL;
    }
    return odb;
}

/* Every object of the old pack is in the new one. */
static bool pack_covered(struct sweep *s, const char *idx)
{
    git_odb *old = one_pack_odb(idx);
    if (!old) return false;
    s->all_in = true;
    int rc = git_odb_foreach(old, in_fresh, s);
    git_error_clear();
    git_odb_free(old);
    return rc == 0 && s->all_in;
}

static void remove_pack(const char *packdir, const char *base)
{
    /* the .idx goes last: a reader that finds it finds the pack */
    static const char *const ext[] = {".bitmap", ".rev", ".pack", ".idx"};
    for (size_t i = 0; i < sizeof ext / sizeof *ext; i++) {
        char *p = xasprintf("%s%s%s", packdir, base, ext[i]);
        unlink(p);
        free(p);
    }
}

static void put_counts(struct json_object *o, const char *when, const struct mt_gc_counts *c)
{
    char *k = xasprintf("loose_%s", when);
    json_object_object_add(o, k, json_object_new_int64((int64_t)c->loose));
    free(k);
    k = xasprintf("packs_%s", when);
    json_object_object_add(o, k, json_object_new_int64((int64_t)c->packs));
    free(k);
}

int mt_gc_repack(struct mt_repo *r, struct json_object *report, struct mt_error *err)
{
    git_repository *g = mt_repo_git(r);
    struct mt_gc_counts before, after;
    mt_gc_count_objects(r, &before);
    put_counts(report, "before", &before);
    char *objdir = xasprintf("%sobjects/", mt_repo_gitdir(r));
    char *packdir = xasprintf("%spack/", objdir);
    git_packbuilder *pb = NULL;
    git_revwalk *w = NULL;
    git_odb *odb = NULL;
    struct sweep s = {0};
    int rc = -1;
    /* A multi-pack index names packs; deleting one under it would break
     * git there. It is git's own maintenance: leave such a clone to git. */
    char *midx = xasprintf("%smulti-pack-index", packdir);
    bool has_midx = access(midx, F_OK) == 0;
    free(midx);
    if (has_midx) {
        mt_error_set(err, "repack skipped: the clone has a multi-pack-index (git's own maintenance runs there)");
        goto done;
    }
    if (git_repository_odb(&odb, g) || git_packbuilder_new(&pb, g) || git_revwalk_new(&w, g)) goto fail;
    git_packbuilder_set_threads(pb, 1);
    add_refs(g, w, pb);
    if (git_packbuilder_insert_walk(pb, w)) goto fail;
    add_index(g, pb, odb);
    if (git_odb_foreach(odb, add_any, pb)) goto fail;
    if (git_packbuilder_object_count(pb) == 0) {
        rc = 0;
        goto done;
    }
    mkdir(packdir, 0755);
    if (git_packbuilder_write(pb, packdir, 0, NULL, NULL)) goto fail;
    const char *name = git_packbuilder_name(pb);
    char *fresh_base = xasprintf("pack-%s", name);
    char *fresh_idx = xasprintf("%s%s.idx", packdir, fresh_base);
    s.fresh = one_pack_odb(fresh_idx);
    if (!s.fresh) {
        mt_error_set(err, "repack: the new pack %s cannot be read back; nothing deleted", fresh_idx);
        free(fresh_base);
        free(fresh_idx);
        goto done;
    }
    each_loose(objdir, drop_loose, &s);
    struct packs p;
    list_packs(packdir, &p);
    size_t packs_deleted = 0, packs_kept = 0;
    for (size_t i = 0; i < p.n; i++) {
        if (p.keep[i] || strcmp(p.base[i], fresh_base) == 0) continue;
        char *idx = xasprintf("%s%s.idx", packdir, p.base[i]);
        if (pack_covered(&s, idx)) {
            remove_pack(packdir, p.base[i]);
            packs_deleted++;
        } else {
            packs_kept++;
        }
        free(idx);
    }
    free_packs(&p);
    for (int d = 0; d < 256; d++) {   /* empty fan-out folders, as git leaves none */
        char *dir = xasprintf("%s%02x", objdir, d);
        rmdir(dir);
        free(dir);
    }
    git_odb_refresh(odb);
    json_object_object_add(report, "pack", json_object_new_string(fresh_base));
    json_object_object_add(report, "objects", json_object_new_int64((int64_t)git_packbuilder_object_count(pb)));
    json_object_object_add(report, "loose_kept", json_object_new_int64((int64_t)s.kept));
    json_object_object_add(report, "packs_kept", json_object_new_int64((int64_t)packs_kept));
    mt_audit_record("gc", NULL, "repacked %zu objects into %s: %zu loose objects and %zu packs deleted, every "
                    "object of each in the new pack",
                    git_packbuilder_object_count(pb), fresh_base, s.deleted, packs_deleted);
    free(fresh_base);
    free(fresh_idx);
    rc = 0;
    goto done;
fail:
    mt_error_set(err, "repack: %s", mt_git_reason("libgit2 failed"));
    git_error_clear();
done:
    mt_gc_count_objects(r, &after);
    put_counts(report, "after", &after);
    git_odb_free(s.fresh);
    git_revwalk_free(w);
    git_packbuilder_free(pb);
    git_odb_free(odb);
    free(packdir);
    free(objdir);
    return rc;
}
