/* remote_view.c: the remote's main against the local clone, read from
 * remote-tracking refs through the repo's safe readers. */
#include "memtui/git/remote_view.h"

#include <git2.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "memtui/config/config.h"
#include "memtui/graph/fragment.h"
#include "memtui/graph/graph.h"
#include "memtui/graph/manifest.h"
#include "memtui/base/safetext.h"

const char *mt_remote_state_name(enum mt_remote_state s)
{
    switch (s) {
    case MT_REMOTE_SAME: return "same";
    case MT_REMOTE_NEW: return "new";
    case MT_REMOTE_CHANGED: return "changed";
    case MT_REMOTE_GONE: return "gone";
    }
    return "?";
}

/* "memory-<env>.json" with a valid env: the env, else NULL. Caller frees. */
static char *fragment_env(const char *name)
{
    size_t n = strlen(name);
    if (n <= 12 || strncmp(name, "memory-", 7) != 0 || strcmp(name + n - 5, ".json") != 0) return NULL;
    char *env = xstrndup(name + 7, n - 12);
    if (!mt_env_name_valid(env)) {
        free(env);
        return NULL;
    }
    return env;
}

static struct mt_remote_frag *add_frag(struct mt_remote_view *v, const char *env)
{
    v->frags = xrealloc(v->frags, (v->nfrags + 1) * sizeof(*v->frags));
    struct mt_remote_frag *f = &v->frags[v->nfrags++];
    memset(f, 0, sizeof(*f));
    snprintf(f->env, sizeof f->env, "%s", env);
    f->entities = f->relations = -1;
    return f;
}

/* Checksum and counts of the remote's fragment; a problem says why not.
 * Bytes the remote's manifest recorded as merged (same blob and SHA-256)
 * take its counts, so a large unchanged fragment is not parsed again. */
static void read_remote_frag(struct mt_repo *r, const char *tip, const char *name, const struct mt_manifest *m,
                             struct mt_remote_frag *f)
{
    const char *odd = mt_repo_not_regular(r, tip, name);
    if (odd) {
        f->problem = xasprintf("%s on the remote is %s: not read", name, odd);
        return;
    }
    char *data = NULL, blob[MT_OID_HEX];
    size_t len = 0;
    struct mt_error e = {0};
    if (mt_repo_read_path(r, tip, name, &data, &len, blob, &e)) {
        f->problem = mt_error_format(&e);
        mt_error_clear(&e);
        return;
    }
    mt_sha256_hex(data, len, f->sha256);
    const struct mt_frag_ref *ref = m ? mt_manifest_find(m, f->env) : NULL;
    if (ref && strcmp(ref->m_blob, blob) == 0 && strcmp(ref->m_sha256, f->sha256) == 0) {
        f->entities = (long long)ref->m_entities;
        f->relations = (long long)ref->m_relations;
        free(data);
        return;
    }
    struct mt_graph g;
    if (mt_graph_from_text(&g, name, data, len, &e) == 0) {   /* takes data */
        f->entities = (long long)mt_graph_count_entities(&g);
        f->relations = (long long)mt_graph_count_relations(&g);
    }
    if (e.msg) f->problem = mt_error_format(&e);
    mt_error_clear(&e);
    mt_graph_free(&g);
}

static enum mt_remote_state compare(struct mt_repo *r, const char *tip, const char *name)
{
    if (mt_repo_path_kind(r, NULL, name) == MT_PATH_ABSENT) return MT_REMOTE_NEW;
    char lb[MT_OID_HEX], rb[MT_OID_HEX];
    struct mt_error e = {0};
    bool same = mt_repo_blob_id(r, NULL, name, lb, &e) == 0 && mt_repo_blob_id(r, tip, name, rb, &e) == 0 &&
                strcmp(lb, rb) == 0;
    mt_error_clear(&e);
    return same ? MT_REMOTE_SAME : MT_REMOTE_CHANGED;
}

static bool listed(char **names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0) return true;
    return false;
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
}

static void read_counts(struct mt_repo *r, struct mt_remote_view *v)
{
    git_repository *g = mt_repo_git(r);
    git_oid tip, head;
    if (git_oid_fromstr(&tip, v->tip) < 0) return;
    if (git_reference_name_to_id(&head, g, "HEAD") < 0) {
        /* unborn HEAD: every commit of the tip is missing here */
        git_revwalk *w = NULL;
        git_oid id;
        if (git_revwalk_new(&w, g) == 0 && git_revwalk_push(w, &tip) == 0)
            while (git_revwalk_next(&id, w) == 0) v->behind++;
        git_revwalk_free(w);
        return;
    }
    if (git_graph_ahead_behind(&v->ahead, &v->behind, g, &head, &tip) < 0) v->ahead = v->behind = 0;
}

void mt_remote_view_read(struct mt_repo *r, const char *remote, struct mt_remote_view *v)
{
    if (!v->remote) v->remote = xstrdup(remote);
    git_oid id;
    char *track = xasprintf("refs/remotes/%s/main", remote);
    v->have_tip = git_reference_name_to_id(&id, mt_repo_git(r), track) == 0;
    free(track);
    git_error_clear();
    if (!v->have_tip) return;
    git_oid_tostr(v->tip, sizeof v->tip, &id);
    read_counts(r, v);
    git_error_clear();

    char **rn = NULL, **ln = NULL;
    size_t nr = 0, nl = 0;
    struct mt_error e = {0};
    /* the remote's manifest, when it parses (peer data: only a shortcut) */
    struct mt_manifest m;
    bool have_m = false;
    char *md = NULL, mblob[MT_OID_HEX];
    size_t mlen = 0;
    mt_manifest_init(&m);
    if (mt_repo_read_path(r, v->tip, MT_MANIFEST_PATH, &md, &mlen, mblob, &e) == 0)
        have_m = mt_manifest_parse(md, mlen, &m, &e) == 0;
    mt_error_clear(&e);
    free(md);
    if (mt_repo_list_top(r, v->tip, &rn, &nr, &e)) mt_error_clear(&e);
    if (mt_repo_list_top(r, NULL, &ln, &nl, &e)) mt_error_clear(&e);
    for (size_t i = 0; i < nr; i++) {   /* sorted by name, so by env */
        char *env = fragment_env(rn[i]);
        if (!env) continue;
        struct mt_remote_frag *f = add_frag(v, env);
        f->state = compare(r, v->tip, rn[i]);
        read_remote_frag(r, v->tip, rn[i], have_m ? &m : NULL, f);
        free(env);
    }
    for (size_t i = 0; i < nl; i++) {
        char *env = fragment_env(ln[i]);
        if (env && !listed(rn, nr, ln[i])) add_frag(v, env)->state = MT_REMOTE_GONE;
        free(env);
    }
    free_names(rn, nr);
    free_names(ln, nl);
    mt_manifest_free(&m);
}

int mt_remote_view_fetch(struct mt_repo *r, const char *remote, mt_fetch_progress_fn progress, void *ctx,
                         struct mt_remote_view *v)
{
    struct mt_error e = {0};
    int rc = mt_repo_fetch_tracking(r, remote, true, progress, ctx, &e);
    v->fetched = rc == 0;
    if (rc) v->error = mt_error_format(&e);
    mt_error_clear(&e);
    mt_remote_view_read(r, remote, v);
    return rc;
}

void mt_remote_view_free(struct mt_remote_view *v)
{
    for (size_t i = 0; i < v->nfrags; i++) free(v->frags[i].problem);
    free(v->frags);
    free(v->error);
    free(v->remote);
    memset(v, 0, sizeof(*v));
}

static struct json_object *count_or_null(long long n)
{
    return n < 0 ? NULL : json_object_new_int64(n);
}

struct json_object *mt_remote_view_json(const struct mt_remote_view *v)
{
    struct json_object *o = json_object_new_object(), *fs = json_object_new_array();
    json_object_object_add(o, "name", json_object_new_string(v->remote ? v->remote : ""));
    json_object_object_add(o, "fetched", json_object_new_boolean(v->fetched));
    json_object_object_add(o, "error", v->error ? json_object_new_string(v->error) : NULL);
    json_object_object_add(o, "tip", v->have_tip ? json_object_new_string(v->tip) : NULL);
    json_object_object_add(o, "behind", json_object_new_int64((int64_t)v->behind));
    json_object_object_add(o, "ahead", json_object_new_int64((int64_t)v->ahead));
    for (size_t i = 0; i < v->nfrags; i++) {
        const struct mt_remote_frag *f = &v->frags[i];
        struct json_object *fo = json_object_new_object();
        json_object_object_add(fo, "env", json_object_new_string(f->env));
        json_object_object_add(fo, "state", json_object_new_string(mt_remote_state_name(f->state)));
        json_object_object_add(fo, "entities", count_or_null(f->entities));
        json_object_object_add(fo, "relations", count_or_null(f->relations));
        json_object_object_add(fo, "sha256", f->sha256[0] ? json_object_new_string(f->sha256) : NULL);
        if (f->problem) json_object_object_add(fo, "problem", json_object_new_string(f->problem));
        json_object_array_add(fs, fo);
    }
    json_object_object_add(o, "fragments", fs);
    return o;
}

const char *mt_remote_state_words(enum mt_remote_state s)
{
    switch (s) {
    case MT_REMOTE_SAME: return "as here";
    case MT_REMOTE_NEW: return "new on the remote";
    case MT_REMOTE_CHANGED: return "changed on the remote";
    case MT_REMOTE_GONE: return "removed on the remote";
    }
    return "?";
}

void mt_remote_view_print(FILE *to, const struct mt_remote_view *v)
{
    if (!v->have_tip) {
        mt_safe_printf(to, "%s/main: none%s\n", v->remote, v->fetched ? "" : " known (not fetched)");
        return;
    }
    mt_safe_printf(to, "%s/main: %zu behind, %zu ahead (tip %.12s%s)\n", v->remote, v->behind, v->ahead, v->tip,
                   v->fetched ? ", just fetched" : ", as last fetched");
    for (size_t i = 0; i < v->nfrags; i++) {
        const struct mt_remote_frag *f = &v->frags[i];
        if (f->state == MT_REMOTE_GONE)
            mt_safe_printf(to, "  %-12s %s\n", f->env, mt_remote_state_words(f->state));
        else if (f->entities >= 0)
            mt_safe_printf(to, "  %-12s %lld entities, %lld relations, sha256 %.12s, %s\n", f->env, f->entities,
                           f->relations, f->sha256, mt_remote_state_words(f->state));
        else
            mt_safe_printf(to, "  %-12s %s: %s\n", f->env, mt_remote_state_words(f->state), f->problem ? f->problem : "not read");
    }
}
