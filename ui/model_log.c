/* model_log.c: the merge log, read from the manifests in HEAD's
 * first-parent history (curses-free). */
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memtui/ui/model.h"

void mt_ui_log_free(struct mt_ui_log *l, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(l[i].summary);
        mt_manifest_free(&l[i].m);
    }
    free(l);
}

/* Blob id of the manifest in commit c, or zero when absent. */
static bool manifest_id(git_commit *c, git_oid *out)
{
    git_tree *tree;
    if (git_commit_tree(&tree, c)) return false;
    git_tree_entry *e;
    bool ok = git_tree_entry_bypath(&e, tree, MT_MANIFEST_PATH) == 0;
    if (ok) {
        git_oid_cpy(out, git_tree_entry_id(e));
        git_tree_entry_free(e);
    }
    git_tree_free(tree);
    return ok;
}

int mt_ui_log_read(struct mt_repo *r, size_t max, struct mt_ui_log **out, size_t *n, struct mt_error *err)
{
    git_repository *repo = mt_repo_git(r);
    *out = NULL;
    *n = 0;
    size_t cap = 0;
    git_commit *c = NULL;
    git_oid head;
    if (git_reference_name_to_id(&head, repo, "HEAD") || git_commit_lookup(&c, repo, &head)) {
        mt_error_set(err, "HEAD: %s", git_error_last() ? git_error_last()->message : "unreadable");
        return -1;
    }
    /* A commit is a merge when it changed the manifest (every merge
     * rewrites it, exports never touch it). Bounded walk: a long history of
     * exports between merges must not stall the load. */
    for (size_t steps = 0; c && *n < max && steps < 2000; steps++) {
        git_oid mine, theirs;
        bool has = manifest_id(c, &mine);
        git_commit *parent = NULL;
        if (git_commit_parentcount(c) > 0 && git_commit_parent(&parent, c, 0)) parent = NULL;
        bool changed = has && (!parent || !manifest_id(parent, &theirs) || !git_oid_equal(&mine, &theirs));
        if (changed) {
            git_blob *blob;
            if (git_blob_lookup(&blob, repo, &mine) == 0) {
                MT_GROW(*out, cap, *n + 1);
                struct mt_ui_log *l = &(*out)[*n];
                memset(l, 0, sizeof(*l));
                mt_manifest_init(&l->m);
                struct mt_error e = {0};
                if (mt_manifest_parse(git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob), &l->m, &e) == 0) {
                    git_oid_tostr(l->commit, sizeof l->commit, git_commit_id(c));
                    l->time = (long long)git_commit_time(c);
                    l->summary = xstrdup(git_commit_summary(c) ? git_commit_summary(c) : "");
                    (*n)++;
                } else {
                    mt_manifest_free(&l->m);
                }
                mt_error_clear(&e);
                git_blob_free(blob);
            }
        }
        git_commit_free(c);
        c = parent;
    }
    git_commit_free(c);
    return 0;
}

/* A restore of a few named entities lists them; of many, the first few and
 * how many more (the manifest has them all); of everything, the count. */
enum { LOG_NAMES = 5 };

char *mt_ui_log_restore_text(const struct mt_manifest *m)
{
    const struct mt_restore_record *r = m->restore;
    if (!r) return NULL;
    struct mt_buf b;
    mt_buf_init(&b);
    if (r->all)
        mt_buf_addf(&b, "restored every entity (%zu) of %s", r->entities, r->ref);
    else
        mt_buf_addf(&b, "restored %zu %s from %s", r->entities, r->entities == 1 ? "entity" : "entities", r->ref);
    if (r->commit[0]) mt_buf_addf(&b, " (commit %.12s)", r->commit);
    for (size_t i = 0; i < r->nnames && i < LOG_NAMES; i++) mt_buf_addf(&b, "%s%s", i ? ", " : ": ", r->names[i]);
    if (r->nnames > LOG_NAMES) mt_buf_addf(&b, " and %zu more", r->nnames - LOG_NAMES);
    return mt_buf_detach(&b, NULL);
}
