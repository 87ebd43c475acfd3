/* backup_diff.c: a backup against HEAD (backup_diff.h), through the one
 * entity-diff producer; unreadable lines are reported, never dropped. */
#include "memtui/ops/backup_diff.h"

#include <stdlib.h>
#include <string.h>

#include "memtui/git/backups.h"
#include "memtui/git/repo.h"
#include "memtui/graph/fragment.h"
#include "memtui/ops/session.h"

static void note_bad(struct mt_unreadable *u, long lineno, struct mt_error *err)
{
    if (u->count < MT_UNREADABLE_KEPT) u->first[u->count] = lineno;
    if (!u->what) u->what = xstrdup(err->msg ? err->msg : "unreadable");
    u->count++;
    mt_error_clear(err);
}

/* Every line that parses into g; the others into u. */
static void read_graph(const char *label, const char *text, size_t len, struct mt_graph *g, struct mt_unreadable *u)
{
    struct mt_fragment f;
    struct mt_error err = {0};
    if (mt_fragment_load(&f, label, xstrndup(text, len), len, &err)) {
        u->what = xstrdup(err.msg ? err.msg : "unreadable");
        mt_error_clear(&err);
        return;
    }
    for (size_t i = 0; i < f.nlines; i++) {
        struct mt_item it;
        if (mt_item_parse(f.lines[i].p, f.lines[i].len, label, f.lines[i].lineno, &it, &err)) {
            note_bad(u, f.lines[i].lineno, &err);
            continue;
        }
        if (it.entity) mt_graph_add_entity(g, it.entity);
        if (it.relation) mt_graph_add_relation(g, it.relation);
        it.entity = NULL;
        it.relation = NULL;
        mt_item_clear(&it);
    }
    mt_fragment_free(&f);
}

static void compare(struct mt_backup_diff *d)
{
    for (size_t i = 0; i < d->backup.nents; i++) {
        const struct mt_entity *e = d->backup.ents[i], *h = mt_graph_entity(&d->head, e->key);
        if (h && mt_entity_same(e, h)) {
            d->same++;
            continue;
        }
        MT_GROW(d->blocks, d->cap, d->nblocks + 1);
        struct mt_backup_block *b = &d->blocks[d->nblocks++];
        *b = (struct mt_backup_block){e, h, {0}};
        mt_entity_diff(&b->lines, h, e);   /* HEAD -> backup: '+' is what a restore brings back */
    }
    for (size_t i = 0; i < d->head.nents; i++) d->only_head += mt_graph_entity(&d->backup, d->head.ents[i]->key) == NULL;
    struct mt_diff_lines rels = {0};
    mt_relations_diff(&rels, &d->head, &d->backup);
    for (size_t i = 0; i < rels.n; i++) {
        if (rels.v[i].sign == '+') mt_relation_diff(&d->relations, '+', rels.v[i].rel);
        else d->rel_only_head++;
    }
    mt_diff_lines_free(&rels);
}

static void init(struct mt_backup_diff *d)
{
    memset(d, 0, sizeof(*d));
    mt_graph_init(&d->backup);
    mt_graph_init(&d->head);
}

void mt_backup_diff_texts(const char *backup_text, size_t backup_len, const char *head_text, size_t head_len,
                          struct mt_backup_diff *d)
{
    init(d);
    read_graph("backup", backup_text, backup_len, &d->backup, &d->bad_backup);
    if (head_text) read_graph("HEAD:memory.json", head_text, head_len, &d->head, &d->bad_head);
    compare(d);
}

static bool is_fragment(const char *name)
{
    size_t n = strlen(name);
    return strncmp(name, "memory-", 7) == 0 && n > 12 && strcmp(name + n - 5, ".json") == 0;
}

/* One file of the backup against HEAD's file of that name (memory.json
 * when HEAD has none: the fragment's data goes there on a restore). */
static void add_part(struct mt_repo *r, const char *oid, bool have_head, const char *name,
                     struct mt_backup_diffs *out)
{
    out->parts = xrealloc(out->parts, (out->n + 1) * sizeof(*out->parts));
    struct mt_backup_part *p = &out->parts[out->n++];
    char blob[MT_OID_HEX], *bt = NULL, *ht = NULL;
    size_t bl = 0, hl = 0;
    struct mt_error be = {0}, he = {0};
    p->path = xstrdup(name);
    bool head_has = have_head && mt_repo_path_kind(r, NULL, name) != MT_PATH_ABSENT;
    p->against = xstrdup(head_has ? name : "memory.json");
    const char *odd = mt_repo_not_regular(r, oid, name);
    bool backup_read = !odd && mt_repo_read_path(r, oid, name, &bt, &bl, blob, &be) == 0;
    bool head_read = have_head && mt_repo_read_path(r, NULL, p->against, &ht, &hl, blob, &he) == 0;
    mt_backup_diff_texts(backup_read ? bt : "", backup_read ? bl : 0, head_read ? ht : NULL, hl, &p->d);
    if (odd) p->d.bad_backup.what = xasprintf("%s is %s: not read", name, odd);
    else if (be.msg) p->d.bad_backup.what = xasprintf("%s: %s", name, be.msg);
    if (he.msg && !mt_repo_not_regular(r, NULL, p->against)) p->d.bad_head.what = xasprintf("HEAD's %s: %s", p->against, he.msg);
    mt_error_clear(&be);
    mt_error_clear(&he);
    free(bt);
    free(ht);
}

int mt_backup_diff(const struct mt_config *cfg, const char *ref, struct mt_backup_diffs *out, struct mt_error *err)
{
    struct mt_session s;
    char oid[MT_OID_HEX];
    char **names = NULL;
    size_t n = 0;
    memset(out, 0, sizeof(*out));
    if (mt_session_open(&s, cfg, err)) return MT_EXIT_USAGE;
    if (mt_backup_commit(s.repo, ref, oid, err) || mt_repo_list_top(s.repo, oid, &names, &n, err)) {
        mt_session_close(&s);
        return MT_EXIT_USAGE;
    }
    bool have_head = s.head[0] != '\0';
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], "memory.json") == 0) add_part(s.repo, oid, have_head, names[i], out);
    for (size_t i = 0; i < n; i++)
        if (is_fragment(names[i])) add_part(s.repo, oid, have_head, names[i], out);
    if (!out->n) {   /* nothing to compare: said, not an empty screen */
        add_part(s.repo, oid, have_head, "memory.json", out);
        free(out->parts[0].d.bad_backup.what);
        out->parts[0].d.bad_backup.what = xstrdup("the backup holds no memory.json and no memory-<env>.json");
    }
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    mt_session_close(&s);
    return MT_EXIT_OK;
}

void mt_backup_diffs_free(struct mt_backup_diffs *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->parts[i].path);
        free(d->parts[i].against);
        mt_backup_diff_free(&d->parts[i].d);
    }
    free(d->parts);
    memset(d, 0, sizeof(*d));
}

static void unreadable_free(struct mt_unreadable *u)
{
    free(u->what);
}

void mt_backup_diff_free(struct mt_backup_diff *d)
{
    for (size_t i = 0; i < d->nblocks; i++) mt_diff_lines_free(&d->blocks[i].lines);
    free(d->blocks);
    mt_diff_lines_free(&d->relations);
    unreadable_free(&d->bad_backup);
    unreadable_free(&d->bad_head);
    mt_graph_free(&d->backup);
    mt_graph_free(&d->head);
    memset(d, 0, sizeof(*d));
}

void mt_unreadable_text(struct mt_buf *b, const struct mt_unreadable *u)
{
    if (!u->count) {
        if (u->what) mt_buf_addf(b, "unreadable: %s", u->what);
        return;
    }
    mt_buf_addf(b, "%zu unreadable %s skipped (line", u->count, u->count == 1 ? "line" : "lines");
    size_t kept = u->count < MT_UNREADABLE_KEPT ? u->count : MT_UNREADABLE_KEPT;
    for (size_t i = 0; i < kept; i++) mt_buf_addf(b, "%s %ld", i ? "," : kept > 1 ? "s" : "", u->first[i]);
    mt_buf_addf(b, "%s): %s", u->count > kept ? ", ..." : "", u->what);
}
