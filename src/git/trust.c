/* trust.c: find the merge the next one starts from (trust.h). */
#include "memtui/git/trust.h"

#include <ctype.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memtui/config/config.h"
#include "memtui/graph/fragment.h"

void mt_trust_clear(struct mt_trust *t)
{
    free(t->why);
    memset(t, 0, sizeof(*t));
}

bool mt_trust_head_ok(const struct mt_trust *t)
{
    return !t->memory_bad && !t->manifest_bad;
}

/* What one commit holds of a merge: the blob ids of its two files. */
struct merge_files {
    char commit[MT_OID_HEX];
    char memory[MT_OID_HEX];     /* "" absent */
    char manifest[MT_OID_HEX];   /* "" absent */
};

static void read_merge_files(struct mt_repo *r, const char *commit, struct merge_files *f)
{
    struct mt_error e = {0};
    snprintf(f->commit, sizeof f->commit, "%s", commit);
    if (mt_repo_blob_id(r, commit, "memory.json", f->memory, &e)) f->memory[0] = '\0';
    mt_error_clear(&e);
    if (mt_repo_blob_id(r, commit, MT_MANIFEST_PATH, f->manifest, &e)) f->manifest[0] = '\0';
    mt_error_clear(&e);
}

static bool is_hex(const char *s, size_t n)
{
    if (strlen(s) != n) return false;
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i])) return false;
    return true;
}

static bool blob_exists(struct mt_repo *r, const char *blob)
{
    git_oid id;
    git_odb *odb = NULL;
    if (git_oid_fromstr(&id, blob) < 0 || git_repository_odb(&odb, mt_repo_git(r)) < 0) {
        git_error_clear();
        return false;
    }
    bool found = git_odb_exists(odb, &id) == 1;
    git_odb_free(odb);
    return found;
}

/* Each fragment entry names a blob that exists, with a digest of the right
 * shape; one that names memory.json's blob records memory.json's digest. */
static char *check_fragments(struct mt_repo *r, const struct mt_manifest *m)
{
    for (size_t i = 0; i < m->nfrags; i++) {
        const struct mt_frag_ref *f = &m->frags[i];
        if (!mt_env_name_valid(f->env)) return xstrdup("the manifest names an environment whose name is not valid");
        if (!f->m_blob[0]) continue;
        if (!is_hex(f->m_blob, MT_OID_HEX - 1))  /* peer text: not echoed */
            return xasprintf("the manifest's blob id for memory-%s.json is not a blob id", f->env);
        if (!blob_exists(r, f->m_blob))
            return xasprintf("the manifest names blob %s for memory-%s.json, and no such blob exists", f->m_blob,
                             f->env);
        if (!is_hex(f->m_sha256, MT_SHA256_HEX - 1) ||
            (strcmp(f->m_blob, m->out_blob) == 0 && strcmp(f->m_sha256, m->out_sha256) != 0))
            return xasprintf("the manifest's SHA-256 of memory-%s.json is not that blob's", f->env);
    }
    return NULL;
}

/* The checks that read no file content: the manifest parses, records an
 * output that is memory.json's blob, and names fragment blobs that exist.
 * NULL when they pass (m filled), else why not (m empty). */
static char *check_cheap(struct mt_repo *r, const struct merge_files *f, struct mt_manifest *m)
{
    mt_manifest_init(m);
    if (!f->manifest[0]) return f->memory[0] ? xstrdup("there is no manifest") : NULL;
    char *data, *why = NULL;
    size_t len;
    struct mt_error e = {0};
    if (mt_repo_blob_read(r, f->manifest, &data, &len, &e)) {
        why = xasprintf("the manifest cannot be read: %s", e.msg);
        mt_error_clear(&e);
        return why;
    }
    if (mt_manifest_parse(data, len, m, &e)) {
        why = len ? xasprintf("the manifest is not valid: %s", e.msg) : xstrdup("the manifest is empty");
        mt_error_clear(&e);
    } else if (!is_hex(m->out_blob, MT_OID_HEX - 1) || !is_hex(m->out_sha256, MT_SHA256_HEX - 1)) {
        why = xstrdup("the manifest records no output");
    } else if (strcmp(f->memory, m->out_blob) != 0) {
        why = f->memory[0] ? xasprintf("memory.json is blob %.12s, the manifest recorded %.12s", f->memory, m->out_blob)
                           : xstrdup("memory.json is missing");
    } else {
        why = check_fragments(r, m);
    }
    free(data);
    if (why) mt_manifest_free(m);
    return why;
}

/* U's bytes parsed into a graph; -1 with err when they do not parse. */
static int read_graph(struct mt_repo *r, const char *blob, char sha[MT_SHA256_HEX], struct mt_graph *g,
                      struct mt_error *err)
{
    char *data;
    size_t len;
    mt_graph_init(g);
    if (mt_repo_blob_read(r, blob, &data, &len, err)) return -1;
    mt_sha256_hex(data, len, sha);
    return mt_graph_from_text(g, "memory.json", data, len, err);
}

char *mt_trust_check_u(const struct mt_manifest *m, const char u_sha[MT_SHA256_HEX], size_t e, size_t rl, size_t o)
{
    if (!m->out_sha256[0]) return NULL;
    if (strcmp(u_sha, m->out_sha256) != 0)
        return xasprintf("memory.json's SHA-256 is %.16s..., the manifest recorded %.16s...", u_sha, m->out_sha256);
    if (e != m->out_entities || rl != m->out_relations || o != m->out_observations)
        return xasprintf("memory.json holds %zu/%zu/%zu entities/relations/observations, the manifest recorded "
                         "%zu/%zu/%zu", e, rl, o, m->out_entities, m->out_relations, m->out_observations);
    return NULL;
}

/* Every check, reading memory.json: NULL when commit f holds a verified
 * merge (m filled), else why not (m empty). */
static char *check_full(struct mt_repo *r, const struct merge_files *f, struct mt_manifest *m)
{
    char *why = check_cheap(r, f, m);
    if (why || !f->manifest[0]) return why ? why : xstrdup("there is no merge");
    char sha[MT_SHA256_HEX];
    struct mt_graph g;
    struct mt_error e = {0};
    if (read_graph(r, f->memory, sha, &g, &e)) {
        why = xasprintf("memory.json does not parse: %s", e.msg);
        mt_error_clear(&e);
    } else {
        why = mt_trust_check_u(m, sha, mt_graph_count_entities(&g), mt_graph_count_relations(&g),
                               mt_graph_count_observations(&g));
    }
    mt_graph_free(&g);
    if (why) mt_manifest_free(m);
    return why;
}

/* The first parent of commit (in place); false at a root. */
static bool first_parent(struct mt_repo *r, char commit[MT_OID_HEX])
{
    git_oid id;
    git_commit *c = NULL;
    bool found = git_oid_fromstr(&id, commit) == 0 && git_commit_lookup(&c, mt_repo_git(r), &id) == 0 &&
                 git_commit_parentcount(c) > 0;
    if (found) git_oid_tostr(commit, MT_OID_HEX, git_commit_parent_id(c, 0));
    git_commit_free(c);
    git_error_clear();
    return found;
}

/* The newest commit below `from` on HEAD's first-parent line that holds a
 * verified merge (base->commit "" when none), with its manifest in m. */
static void find_verified(struct mt_repo *r, const char *head, const char *from, struct merge_files *base,
                          struct mt_manifest *m)
{
    char at[MT_OID_HEX];
    snprintf(at, sizeof at, "%s", head);
    bool below_from = strcmp(at, from) == 0;
    memset(base, 0, sizeof(*base));
    mt_manifest_init(m);
    while (first_parent(r, at)) {
        if (!below_from) {
            below_from = strcmp(at, from) == 0;
            continue;
        }
        struct merge_files f;
        read_merge_files(r, at, &f);
        char *why = check_full(r, &f, m);
        free(why);
        if (!why) {
            *base = f;
            return;
        }
    }
}

/* The commit that brought HEAD's memory.json (or manifest): back from
 * HEAD on the first-parent line, the oldest commit where it is still as
 * HEAD has it. */
static void find_bringer(struct mt_repo *r, const struct merge_files *head, bool memory, char out[MT_OID_HEX])
{
    const char *want = memory ? head->memory : head->manifest;
    char at[MT_OID_HEX];
    snprintf(at, sizeof at, "%s", head->commit);
    snprintf(out, MT_OID_HEX, "%s", at);
    while (first_parent(r, at)) {
        struct merge_files f;
        read_merge_files(r, at, &f);
        if (strcmp(memory ? f.memory : f.manifest, want) != 0) return;
        snprintf(out, MT_OID_HEX, "%s", at);
    }
}

void mt_trust_fall_back(struct mt_repo *r, const char *head, const char *why, bool u_unreadable,
                        struct mt_manifest *m, struct mt_trust *t)
{
    struct merge_files h, base;
    read_merge_files(r, head, &h);
    memset(&base, 0, sizeof base);
    /* HEAD's memory.json is dropped once it did not parse */
    bool drop_head_memory = u_unreadable || t->memory_bad;
    mt_manifest_free(m);
    if (t->base_commit[0])  /* the search goes on below the base found wanting */
        find_verified(r, head, t->base_commit, &base, m);
    char *reason = xstrdup(why);
    mt_trust_clear(t);
    snprintf(t->base_commit, sizeof t->base_commit, "%s", base.commit);
    if (base.commit[0]) {
        t->memory_bad = strcmp(h.memory, base.memory) != 0;
        t->manifest_bad = strcmp(h.manifest, base.manifest) != 0;
        snprintf(t->u_blob, sizeof t->u_blob, "%s", base.memory);
    } else {  /* no verified merge in history: HEAD's memory.json unless it cannot be read */
        t->memory_bad = drop_head_memory && h.memory[0];
        t->manifest_bad = h.manifest[0] != '\0';
        if (!drop_head_memory) snprintf(t->u_blob, sizeof t->u_blob, "%s", h.memory);
    }
    if (mt_trust_head_ok(t)) {
        free(reason);  /* a repo from before manifests: nothing to repair */
        return;
    }
    t->why = reason;
    find_bringer(r, &h, t->memory_bad, t->bad_commit);
}

void mt_trust_head(struct mt_repo *r, const char *head, struct mt_manifest *m, struct mt_trust *t)
{
    mt_trust_clear(t);
    mt_manifest_init(m);
    if (!head[0]) return;
    struct merge_files h;
    read_merge_files(r, head, &h);
    snprintf(t->base_commit, sizeof t->base_commit, "%s", head);
    snprintf(t->u_blob, sizeof t->u_blob, "%s", h.memory);
    char *why = check_cheap(r, &h, m);
    if (why) mt_trust_fall_back(r, head, why, false, m, t);
    free(why);
}
