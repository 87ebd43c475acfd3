/* backups.c: stashes and backup branches, with counts. */
#include "memtui/git/backups.h"

#include <git2.h>
#include <stdlib.h>
#include <string.h>

#include "memtui/git/backup_refs.h"
#include "memtui/git/git_error.h"
#include "memtui/graph/fragment.h"

struct list {
    struct mt_backup *items;
    size_t n, cap;
};

static struct mt_backup *push(struct list *l)
{
    MT_GROW(l->items, l->cap, l->n + 1);
    struct mt_backup *b = &l->items[l->n++];
    memset(b, 0, sizeof(*b));
    return b;
}

static int stash_cb(size_t index, const char *message, const git_oid *id, void *payload)
{
    struct mt_backup *b = push(payload);
    b->kind = MT_BACKUP_STASH;
    b->name = xasprintf("stash@{%zu}", index);
    b->message = xstrdup(message ? message : "");
    git_oid_tostr(b->oid, sizeof b->oid, id);
    return 0;
}

static void add_branches(git_repository *g, struct list *l, git_branch_t type, const char *prefix)
{
    git_branch_iterator *it;
    if (git_branch_iterator_new(&it, g, type)) return;
    git_reference *ref;
    git_branch_t t;
    while (git_branch_next(&ref, &t, it) == 0) {
        const char *name = NULL;
        git_branch_name(&name, ref);
        const char *slash = type == GIT_BRANCH_REMOTE && name ? strchr(name, '/') : NULL;
        const char *bare = slash ? slash + 1 : name;
        if (name && bare && strncmp(bare, prefix, strlen(prefix)) == 0 && git_reference_target(ref)) {
            struct mt_backup *b = push(l);
            b->kind = type == GIT_BRANCH_REMOTE ? MT_BACKUP_REMOTE_BRANCH : MT_BACKUP_BRANCH;
            b->name = xstrdup(name);
            const char *tail = bare + strlen(prefix), *s = strchr(tail, '/');
            b->env = s ? xstrndup(tail, (size_t)(s - tail)) : NULL;
            git_oid_tostr(b->oid, sizeof b->oid, git_reference_target(ref));
        }
        git_reference_free(ref);
    }
    git_branch_iterator_free(it);
}

const char *mt_backup_where_name(enum mt_backup_where w)
{
    return w == MT_BACKUP_THERE ? "remote" : w == MT_BACKUP_BOTH ? "both" : "local";
}

/* The local branch of the same name tail, or NULL. */
static struct mt_backup *local_twin(struct list *l, const char *tail)
{
    size_t plen = strlen("memtui/backup/");
    for (size_t i = 0; i < l->n; i++)
        if (l->items[i].kind == MT_BACKUP_BRANCH && strcmp(l->items[i].name + plen, tail) == 0) return &l->items[i];
    return NULL;
}

static int mirror_cb(const char *name, void *payload)
{
    struct list *l = payload;
    size_t plen = strlen(MT_BACKUP_MIRROR_PREFIX);
    if (strncmp(name, MT_BACKUP_MIRROR_PREFIX, plen) != 0 || !mt_backup_tail_valid(name + plen)) return 0;
    struct mt_backup *b = push(l);
    b->kind = MT_BACKUP_REMOTE_BACKUP;
    b->where = MT_BACKUP_THERE;
    b->name = xstrdup(name);
    b->env = xstrndup(name + plen, (size_t)(strchr(name + plen, '/') - (name + plen)));
    return 0;
}

/* The mirror refs (as last fetched); one that a local branch has with the
 * same commit marks that branch as on both sides instead. */
static void add_mirrors(git_repository *g, struct list *l)
{
    size_t first = l->n, plen = strlen(MT_BACKUP_MIRROR_PREFIX);
    git_reference_foreach_name(g, mirror_cb, l);
    git_error_clear();
    size_t kept = first;
    for (size_t i = first; i < l->n; i++) {
        struct mt_backup *b = &l->items[i], *twin;
        git_oid id;
        if (git_reference_name_to_id(&id, g, b->name) == 0) git_oid_tostr(b->oid, sizeof b->oid, &id);
        git_error_clear();
        if (b->oid[0] && (twin = local_twin(l, b->name + plen)) && strcmp(twin->oid, b->oid) == 0) {
            twin->where = MT_BACKUP_BOTH;
            free(b->name);
            free(b->env);
            continue;
        }
        l->items[kept++] = *b;
    }
    l->n = kept;
}

/* Backup branches by env, then newest first (the time is in the name). */
static int by_env_newest(const void *a, const void *b)
{
    const struct mt_backup *x = a, *y = b;
    int c = strcmp(x->env ? x->env : "", y->env ? y->env : "");
    if (c) return c;
    const char *tx = strrchr(x->name, '/'), *ty = strrchr(y->name, '/');
    c = strcmp(ty ? ty : "", tx ? tx : "");
    return c ? c : (int)x->kind - (int)y->kind;
}

/* Counts of an earlier entry with the same commit (a peer may point
 * many names at one commit: it is read once). */
static bool same_commit_counted(const struct list *l, size_t i)
{
    for (size_t k = 0; k < i; k++) {
        const struct mt_backup *o = &l->items[k];
        if (strcmp(o->oid, l->items[i].oid) != 0) continue;
        l->items[i].has_graph = o->has_graph;
        l->items[i].entities = o->entities;
        l->items[i].relations = o->relations;
        l->items[i].missing_at_head = o->missing_at_head;
        return true;
    }
    return false;
}

static void count_graph(struct mt_repo *r, struct mt_backup *b, const struct mt_fragment_index *head)
{
    char *text;
    size_t len;
    struct mt_error err = {0};
    if (mt_backup_graph_text(r, b->oid, &text, &len, &err)) {
        mt_error_clear(&err);
        return;
    }
    struct mt_fragment f;
    if (mt_fragment_load(&f, b->name, text, len, &err) == 0) {
        struct mt_fragment_index ix;
        mt_fragment_index_build(&f, &ix);
        b->has_graph = true;
        b->entities = ix.entities;
        b->relations = ix.relations;
        for (size_t i = 0; i < f.nlines; i++) {
            const struct mt_line *l = &f.lines[i];
            size_t first;
            if (l->kind != MT_LINE_ENTITY) continue;
            mt_strmap_get(&ix.ent_keys, l->key, l->key_len, &first);
            if (first == i && (!head || !mt_strmap_get(&head->ent_keys, l->key, l->key_len, NULL))) b->missing_at_head++;
        }
        mt_fragment_index_free(&ix);
    }
    mt_fragment_free(&f);
    mt_error_clear(&err);
}

int mt_backups_list(struct mt_repo *r, struct mt_backup **out, size_t *n, struct mt_error *err)
{
    git_repository *g = mt_repo_git(r);
    struct list l = {0};
    if (git_stash_foreach(g, stash_cb, &l) < 0 && git_error_last() && git_error_last()->klass != GIT_ERROR_NONE) {
        /* no stash is not an error */
    }
    size_t nstash = l.n;   /* they stay first, in git's order */
    add_branches(g, &l, GIT_BRANCH_LOCAL, "memtui/backup/");
    add_branches(g, &l, GIT_BRANCH_REMOTE, "memtui/backup/");
    add_mirrors(g, &l);
    if (l.n > nstash) qsort(l.items + nstash, l.n - nstash, sizeof(*l.items), by_env_newest);
    /* HEAD's graph, to tell what each backup holds that HEAD lacks. */
    char *text = NULL;
    size_t len = 0;
    struct mt_fragment head;
    struct mt_fragment_index hix;
    bool have_head = false;
    struct mt_error e2 = {0};
    if (mt_backup_graph_text(r, "HEAD", &text, &len, &e2) == 0 && mt_fragment_load(&head, "HEAD", text, len, &e2) == 0) {
        mt_fragment_index_build(&head, &hix);
        have_head = true;
    }
    mt_error_clear(&e2);
    for (size_t i = 0; i < l.n; i++) {
        struct mt_backup *b = &l.items[i];
        git_oid id;
        git_commit *c;
        if (git_oid_fromstr(&id, b->oid) == 0 && git_commit_lookup(&c, g, &id) == 0) {
            b->time = (long long)git_commit_time(c);
            if (!b->message) b->message = xstrdup(git_commit_summary(c) ? git_commit_summary(c) : "");
            git_commit_free(c);
        }
        if (!same_commit_counted(&l, i)) count_graph(r, b, have_head ? &hix : NULL);
    }
    if (have_head) {
        mt_fragment_index_free(&hix);
        mt_fragment_free(&head);
    }
    *out = l.items;
    *n = l.n;
    (void)err;
    return 0;
}

void mt_backups_free(struct mt_backup *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(b[i].name);
        free(b[i].env);
        free(b[i].message);
    }
    free(b);
}

int mt_backup_commit(struct mt_repo *r, const char *rev, char oid[MT_OID_HEX], struct mt_error *err)
{
    git_repository *g = mt_repo_git(r);
    git_object *obj;
    if (git_revparse_single(&obj, g, rev)) return mt_git_fail(err, -1, "%s", rev);
    git_commit *c;
    int rc = git_commit_lookup(&c, g, git_object_id(obj));
    git_object_free(obj);
    if (rc) return mt_git_fail(err, -1, "%s", rev);
    git_oid_tostr(oid, MT_OID_HEX, git_commit_id(c));
    git_commit_free(c);
    return 0;
}

int mt_backup_graph_text(struct mt_repo *r, const char *rev, char **text, size_t *len, struct mt_error *err)
{
    char oid[MT_OID_HEX];
    if (mt_backup_commit(r, rev, oid, err)) return -1;
    char blob[MT_OID_HEX];
    int rc = mt_repo_read_path(r, oid, "memory.json", text, len, blob, err);
    if (rc != MT_REPO_NOTFOUND) return rc ? -1 : 0;
    mt_error_clear(err);
    /* No merged graph there: the fragments, one after the other, still
     * hold every entity (duplicates fold when read). */
    char **names;
    size_t n;
    if (mt_repo_list_top(r, oid, &names, &n, err)) return -1;
    struct mt_buf all;
    mt_buf_init(&all);
    for (size_t i = 0; i < n; i++) {
        size_t nl = strlen(names[i]);
        if (strncmp(names[i], "memory-", 7) == 0 && nl > 12 && strcmp(names[i] + nl - 5, ".json") == 0) {
            char *d;
            size_t dl;
            if (mt_repo_read_path(r, oid, names[i], &d, &dl, blob, err) == 0) {
                mt_buf_add(&all, d, dl);
                mt_buf_addc(&all, '\n');
                free(d);
            }
            mt_error_clear(err);
        }
        free(names[i]);
    }
    free(names);
    *text = mt_buf_detach(&all, len);
    return 0;
}
