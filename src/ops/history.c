/* history.c: the merges along HEAD's first-parent history, found by the
 * commits that changed the manifest. */
#include "memtui/ops/history.h"

#include <git2.h>
#include <stdlib.h>
#include <string.h>

#include "memtui/git/git_error.h"

/* Commits looked at, at most, whatever max is. */
enum { HISTORY_MAX_STEPS = 2000 };

void mt_history_free(struct mt_history_entry *h, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(h[i].summary);
        mt_manifest_free(&h[i].m);
    }
    free(h);
}

/* Blob id of the manifest in commit c, or false when absent. */
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

/* Append commit c's merge (manifest blob id) to out; a manifest that cannot
 * be read or parsed adds nothing. */
static void add_entry(git_repository *repo, git_commit *c, const git_oid *id, struct mt_history_entry **out,
                      size_t *n, size_t *cap)
{
    git_blob *blob;
    if (git_blob_lookup(&blob, repo, id)) return;
    MT_GROW(*out, *cap, *n + 1);
    struct mt_history_entry *h = &(*out)[*n];
    memset(h, 0, sizeof(*h));
    mt_manifest_init(&h->m);
    struct mt_error e = {0};
    if (mt_manifest_parse(git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob), &h->m, &e) == 0) {
        git_oid_tostr(h->commit, sizeof h->commit, git_commit_id(c));
        h->time = (long long)git_commit_time(c);
        h->summary = xstrdup(git_commit_summary(c) ? git_commit_summary(c) : "");
        (*n)++;
    } else {
        mt_manifest_free(&h->m);
    }
    mt_error_clear(&e);
    git_blob_free(blob);
}

int mt_history_read(struct mt_repo *r, size_t max, struct mt_history_entry **out, size_t *n,
                    struct mt_error *err)
{
    git_repository *repo = mt_repo_git(r);
    *out = NULL;
    *n = 0;
    size_t cap = 0;
    git_commit *c = NULL;
    git_oid head;
    if (git_reference_name_to_id(&head, repo, "HEAD") || git_commit_lookup(&c, repo, &head)) {
        mt_error_set(err, "HEAD: %s", mt_git_reason("unreadable"));
        return -1;
    }
    for (size_t steps = 0; c && *n < max && steps < HISTORY_MAX_STEPS; steps++) {
        git_oid mine, theirs;
        bool has = manifest_id(c, &mine);
        git_commit *parent = NULL;
        if (git_commit_parentcount(c) > 0 && git_commit_parent(&parent, c, 0)) parent = NULL;
        bool changed = has && (!parent || !manifest_id(parent, &theirs) || !git_oid_equal(&mine, &theirs));
        if (changed) add_entry(repo, c, &mine, out, n, &cap);
        git_commit_free(c);
        c = parent;
    }
    git_commit_free(c);
    return 0;
}
