/* backup_refs.c: backup branches pushed to the remote and fetched back
 * into a mirror of their own (backup_refs.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "memtui/git/backup_refs.h"

#include <stdlib.h>
#include <string.h>

#include "memtui/base/audit.h"
#include "memtui/config/config.h"
#include "repo_internal.h"

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}

/* YYYYMMDDTHHMMSSZ, then nothing or "-N" with N from 1 to 99. */
static bool stamp_valid(const char *t)
{
    if (strlen(t) < 16 || !digits(t, 8) || t[8] != 'T' || !digits(t + 9, 6) || t[15] != 'Z') return false;
    const char *rest = t + 16;
    if (!*rest) return true;
    size_t n = strlen(rest + 1);
    return rest[0] == '-' && n >= 1 && n <= 2 && rest[1] != '0' && digits(rest + 1, n);
}

bool mt_backup_tail_valid(const char *tail)
{
    const char *slash = strchr(tail, '/');
    if (!slash || slash - tail > 64) return false;
    char env[65];
    memcpy(env, tail, (size_t)(slash - tail));
    env[slash - tail] = '\0';
    /* "." and ".." pass the env rule but are no ref name component */
    return mt_env_name_valid(env) && strcmp(env, ".") != 0 && strcmp(env, "..") != 0 && env[0] != '.' &&
           stamp_valid(slash + 1);
}

/* ---- the local side ------------------------------------------------- */

struct names {
    char **v;
    size_t n, cap;
};

static int collect_cb(const char *name, void *payload)
{
    struct names *l = ((void **)payload)[0];
    const char *prefix = ((void **)payload)[1];
    if (strncmp(name, prefix, strlen(prefix)) != 0 || !mt_backup_tail_valid(name + strlen(prefix))) return 0;
    MT_GROW(l->v, l->cap, l->n + 1);
    l->v[l->n++] = xstrdup(name + strlen(prefix));
    return 0;
}

/* The tails of this clone's refs under prefix. */
static void list_tails(git_repository *g, const char *prefix, struct names *out)
{
    memset(out, 0, sizeof(*out));
    void *payload[2] = {out, (void *)prefix};
    git_reference_foreach_name(g, collect_cb, payload);
    git_error_clear();
}

static void names_free(struct names *l)
{
    for (size_t i = 0; i < l->n; i++) free(l->v[i]);
    free(l->v);
}

static bool ref_id(git_repository *g, const char *prefix, const char *tail, git_oid *id)
{
    char *name = xasprintf("%s%s", prefix, tail);
    bool ok = git_reference_name_to_id(id, g, name) == 0;
    git_error_clear();
    free(name);
    return ok;
}

static void set_mirror(git_repository *g, const char *tail, const git_oid *id)
{
    git_oid cur;
    if (ref_id(g, MT_BACKUP_MIRROR_PREFIX, tail, &cur) && git_oid_equal(&cur, id)) return;
    char *name = xasprintf("%s%s", MT_BACKUP_MIRROR_PREFIX, tail);
    git_reference *ref = NULL;
    git_reference_create(&ref, g, name, id, 1, "memtui: backup on the remote");
    git_reference_free(ref);
    git_error_clear();
    free(name);
}

int mt_backup_refs_push(struct mt_repo *r, const char *remote, size_t *pushed, struct mt_error *err)
{
    git_repository *g = r->git;
    struct names local;
    int rc = 0;
    *pushed = 0;
    list_tails(g, MT_BACKUP_LOCAL_PREFIX, &local);
    for (size_t i = 0; i < local.n && rc != MT_REPO_UNREACHABLE; i++) {
        git_oid id, m;
        char hex[MT_OID_HEX];
        if (!ref_id(g, MT_BACKUP_LOCAL_PREFIX, local.v[i], &id) || ref_id(g, MT_BACKUP_MIRROR_PREFIX, local.v[i], &m))
            continue;
        repo_oid_hex(hex, &id);
        char *dst = xasprintf("%s%s", MT_BACKUP_REMOTE_PREFIX, local.v[i]);
        struct mt_error e = {0};
        int prc = mt_repo_push_cas(r, remote, hex, dst, "", &e);
        if (prc == 0) {
            (*pushed)++;
            set_mirror(g, local.v[i], &id);
            mt_audit("backup", NULL, "pushed backup branch memtui/backup/%s to %s as %s", local.v[i], remote, dst);
        } else if (!rc) {   /* the first failure is said; a refused name is tried again next time */
            rc = prc;
            mt_error_set(err, "%s", e.msg ? e.msg : "push failed");
        }
        mt_error_clear(&e);
        free(dst);
    }
    names_free(&local);
    return rc;
}

/* ---- the remote side ------------------------------------------------ */

struct wanted {
    const char *tail;   /* into the remote's listing */
    git_oid id;
};

/* Newest first: by the time after the env, then by env. */
static int newest_first(const void *a, const void *b)
{
    const char *x = ((const struct wanted *)a)->tail, *y = ((const struct wanted *)b)->tail;
    int c = strcmp(strchr(y, '/'), strchr(x, '/'));
    return c ? c : strcmp(x, y);
}

static int by_tail(const void *a, const void *b)
{
    return strcmp(((const struct wanted *)a)->tail, ((const struct wanted *)b)->tail);
}

/* Mirror refs whose name the remote no longer lists (w sorted by tail). */
static void drop_stale_mirrors(git_repository *g, const struct wanted *w, size_t n)
{
    struct names have;
    list_tails(g, MT_BACKUP_MIRROR_PREFIX, &have);
    for (size_t i = 0; i < have.n; i++) {
        struct wanted key = {have.v[i], {{0}}};
        if (bsearch(&key, w, n, sizeof *w, by_tail)) continue;
        char *name = xasprintf("%s%s", MT_BACKUP_MIRROR_PREFIX, have.v[i]);
        git_reference_remove(g, name);
        git_error_clear();
        free(name);
    }
    names_free(&have);
}

/* Download the objects of the tips not here yet, over the connection the
 * listing came from. */
static int download(git_remote *rem, git_repository *g, const struct wanted *w, size_t n, git_fetch_options *fo,
                    const char *op, struct mt_error *err)
{
    git_odb *odb = NULL;
    if (git_repository_odb(&odb, g) < 0) return mt_git_fail(err, MT_REPO_ERR, "%s: open odb", op);
    char **specs = xcalloc(n + 1, sizeof(char *));
    size_t ns = 0;
    for (size_t i = 0; i < n; i++)
        if (!git_odb_exists(odb, &w[i].id))
            specs[ns++] = xasprintf("%s%s:%s%s", MT_BACKUP_REMOTE_PREFIX, w[i].tail, MT_BACKUP_MIRROR_PREFIX,
                                    w[i].tail);
    git_odb_free(odb);
    int rc = 0;
    git_strarray sa = {specs, ns};
    if (ns && git_remote_download(rem, &sa, fo) < 0)
        rc = mt_git_fail(err, repo_net_error() ? MT_REPO_UNREACHABLE : MT_REPO_ERR, "%s", op);
    for (size_t i = 0; i < ns; i++) free(specs[i]);
    free(specs);
    return rc;
}

/* The remote's valid names, newest first, at most MT_BACKUP_REMOTE_MAX. */
static struct wanted *pick(const git_remote_head **heads, size_t nheads, size_t *n, struct mt_backup_fetch *f)
{
    struct wanted *w = xcalloc(nheads + 1, sizeof(*w));
    size_t plen = strlen(MT_BACKUP_REMOTE_PREFIX);
    *n = 0;
    for (size_t i = 0; i < nheads; i++) {
        const char *name = heads[i]->name;
        if (strncmp(name, MT_BACKUP_REMOTE_PREFIX, plen) != 0) continue;
        if (!mt_backup_tail_valid(name + plen)) {
            f->ignored++;
            continue;
        }
        w[*n].tail = name + plen;
        git_oid_cpy(&w[(*n)++].id, &heads[i]->oid);
    }
    qsort(w, *n, sizeof(*w), newest_first);
    if (*n > MT_BACKUP_REMOTE_MAX) {
        f->dropped = *n - MT_BACKUP_REMOTE_MAX;
        *n = MT_BACKUP_REMOTE_MAX;
    }
    return w;
}

/* Mirror refs for the tips that are commits; the rest counts as ignored. */
static void take(git_repository *g, struct wanted *w, size_t *n, struct mt_backup_fetch *f)
{
    size_t kept = 0;
    for (size_t i = 0; i < *n; i++) {
        git_object *o = NULL;
        bool commit = git_object_lookup(&o, g, &w[i].id, GIT_OBJECT_ANY) == 0 && git_object_type(o) == GIT_OBJECT_COMMIT;
        git_object_free(o);
        git_error_clear();
        if (!commit) {
            f->ignored++;
            continue;
        }
        set_mirror(g, w[i].tail, &w[i].id);
        w[kept++] = w[i];
    }
    *n = kept;
    f->taken = kept;
}

int mt_backup_refs_fetch(struct mt_repo *r, const char *remote, struct mt_backup_fetch *f, struct mt_error *err)
{
    git_remote *rem = NULL;
    git_fetch_options fo;
    struct xfer x = {.git = r->git};
    const git_remote_head **heads = NULL;
    size_t nheads = 0, n = 0;
    struct wanted *w = NULL;
    char *op = xasprintf("fetch %s* from %s", MT_BACKUP_REMOTE_PREFIX, remote);
    memset(f, 0, sizeof(*f));
    int rc = repo_fetch_connect(r->git, remote, &rem, &fo, &x, op, err);
    if (rc < 0) goto out;
    if (git_remote_ls(&heads, &nheads, rem) < 0) {
        rc = mt_git_fail(err, repo_net_error() ? MT_REPO_UNREACHABLE : MT_REPO_ERR, "%s: list remote refs", op);
        goto out;
    }
    w = pick(heads, nheads, &n, f);
    if ((rc = download(rem, r->git, w, n, &fo, op, err)) < 0) goto out;
    take(r->git, w, &n, f);
    qsort(w, n, sizeof(*w), by_tail);
    drop_stale_mirrors(r->git, w, n);
out:
    repo_xfer_end(&x, rc);
    free(w);   /* its names point into the listing: freed with the remote */
    git_remote_free(rem);
    repo_xfer_free(&x);
    free(op);
    return rc;
}

size_t mt_backup_refs_push_warn(struct mt_repo *r, const char *remote)
{
    size_t pushed = 0;
    struct mt_error e = {0};
    if (mt_backup_refs_push(r, remote, &pushed, &e))
        mt_warn("backup branches not pushed to %s (they stay here; a later run pushes them): %s", remote,
                e.msg ? e.msg : "?");
    mt_error_clear(&e);
    return pushed;
}

int mt_backup_refs_sync(struct mt_repo *r, const char *remote, bool push, struct mt_error *err)
{
    if (push) mt_backup_refs_push_warn(r, remote);
    struct mt_backup_fetch f;
    int rc = mt_backup_refs_fetch(r, remote, &f, err);
    if (f.ignored)
        mt_warn("ignored %zu refs under %s on %s: not <env>/<time> names, or not commits", f.ignored,
                MT_BACKUP_REMOTE_PREFIX, remote);
    if (f.dropped)
        mt_warn("%s holds %zu more backup refs than the %d newest taken", remote, f.dropped, MT_BACKUP_REMOTE_MAX);
    return rc;
}

int mt_backup_refs_delete(struct mt_repo *r, const char *remote, const char *tail, const char *oid,
                          struct mt_error *err)
{
    if (!mt_backup_tail_valid(tail)) {
        mt_error_set(err, "not a backup name: %s", tail);
        return MT_REPO_ERR;
    }
    char *dst = xasprintf("%s%s", MT_BACKUP_REMOTE_PREFIX, tail);
    int rc = mt_repo_push_delete(r, remote, dst, oid, err);
    free(dst);
    if (rc) return rc;
    char *mirror = xasprintf("%s%s", MT_BACKUP_MIRROR_PREFIX, tail);
    git_reference_remove(r->git, mirror);
    git_error_clear();
    free(mirror);
    return 0;
}
