/* backup_diff.c: a backup against HEAD (backup_diff.h), through the one
 * entity-diff producer; unreadable lines are reported, never dropped. */
#include "memtui/ops/backup_diff.h"

#include <stdlib.h>
#include <string.h>

#include "memtui/git/backups.h"
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

int mt_backup_diff(const struct mt_config *cfg, const char *ref, struct mt_backup_diff *d, struct mt_error *err)
{
    struct mt_session s;
    char *bt = NULL, *ht = NULL;
    size_t bl = 0, hl = 0;
    char blob[MT_OID_HEX];
    struct mt_error head_err = {0};
    if (mt_session_open(&s, cfg, err) || mt_backup_graph_text(s.repo, ref, &bt, &bl, err)) {
        mt_session_close(&s);
        free(bt);
        init(d);
        return MT_EXIT_USAGE;
    }
    bool head_read = s.head[0] && !mt_repo_read_path(s.repo, NULL, "memory.json", &ht, &hl, blob, &head_err);
    mt_session_close(&s);
    mt_backup_diff_texts(bt, bl, head_read ? ht : NULL, hl, d);
    if (head_err.msg) d->bad_head.what = xasprintf("HEAD's memory.json: %s", head_err.msg);
    mt_error_clear(&head_err);
    free(bt);
    free(ht);
    return MT_EXIT_OK;
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
