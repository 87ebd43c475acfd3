/* manifest.c: read and write .memtui/manifest.json. */
#include "memtui/graph/manifest.h"

#include <ctype.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memtui/graph/jsonw.h"

void mt_manifest_init(struct mt_manifest *m)
{
    memset(m, 0, sizeof(*m));
}

void mt_manifest_free(struct mt_manifest *m)
{
    for (size_t i = 0; i < m->nfrags; i++) free(m->frag_status[i]);
    free(m->frags);
    free(m->frag_status);
    for (size_t i = 0; i < m->nconflicts; i++) {
        struct mt_manifest_conflict *c = &m->conflicts[i];
        free(c->entity);
        free(c->kind);
        for (size_t j = 0; j < c->nenvs; j++) free(c->envs[j]);
        free(c->envs);
        free(c->resolution);
        free(c->decided_by);
    }
    free(m->conflicts);
    free(m->policy);
    free(m->run_env);
    free(m->run_host);
    free(m->run_time);
    mt_restore_record_free(m->restore);
    mt_manifest_init(m);
}

static const char *jstr(struct json_object *o, const char *k)
{
    struct json_object *v;
    if (!o || !json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_string)) return NULL;
    return json_object_get_string(v);
}

static long long jint(struct json_object *o, const char *k)
{
    struct json_object *v;
    if (!o || !json_object_object_get_ex(o, k, &v)) return 0;
    return json_object_get_int64(v);
}

static void copy_to(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src ? src : "");
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

/* A full commit id (40 hex digits), as memtui writes it, in lower case. */
static bool copy_oid(char dst[MT_OID_HEX], const char *src)
{
    dst[0] = '\0';
    if (!src || strlen(src) != MT_OID_HEX - 1) return false;
    for (size_t i = 0; i < MT_OID_HEX - 1; i++)
        if (!isxdigit((unsigned char)src[i])) return false;
    for (size_t i = 0; i < MT_OID_HEX; i++) dst[i] = (char)tolower((unsigned char)src[i]);
    return true;
}

/* The restore record is written by peers too: without a string ref it is
 * no record at all; a bad commit reads as unknown, names that are not
 * strings are skipped, and a count that is not a count is the names'. */
static struct mt_restore_record *parse_restore(struct json_object *root)
{
    struct json_object *o, *names, *v;
    if (!json_object_object_get_ex(root, "restore", &o) || !json_object_is_type(o, json_type_object)) return NULL;
    const char *ref = jstr(o, "ref");
    if (!ref) return NULL;
    struct mt_restore_record *r = xcalloc(1, sizeof(*r));
    r->ref = xstrdup(ref);
    copy_oid(r->commit, jstr(o, "commit"));
    r->all = json_object_object_get_ex(o, "all", &v) && json_object_is_type(v, json_type_boolean) &&
             json_object_get_boolean(v);
    size_t n = json_object_object_get_ex(o, "names", &names) && json_object_is_type(names, json_type_array)
                   ? json_object_array_length(names) : 0;
    r->names = xcalloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        struct json_object *x = json_object_array_get_idx(names, i);
        if (json_object_is_type(x, json_type_string)) r->names[r->nnames++] = xstrdup(json_object_get_string(x));
    }
    r->entities = r->nnames;
    if (json_object_object_get_ex(o, "entities", &v) && json_object_is_type(v, json_type_int) &&
        json_object_get_int64(v) >= 0)
        r->entities = (size_t)json_object_get_int64(v);
    return r;
}

int mt_manifest_parse(const char *data, size_t len, struct mt_manifest *m, struct mt_error *err)
{
    mt_manifest_init(m);
    struct json_tokener *tok = json_tokener_new();
    struct json_object *root = json_tokener_parse_ex(tok, data, (int)len);
    json_tokener_free(tok);
    if (!root || !json_object_is_type(root, json_type_object)) {
        json_object_put(root);
        mt_error_set(err, "%s: not a JSON object", MT_MANIFEST_PATH);
        return -1;
    }
    struct json_object *frags, *out = NULL, *confl, *run = NULL;
    if (json_object_object_get_ex(root, "fragments", &frags) && json_object_is_type(frags, json_type_array)) {
        size_t n = json_object_array_length(frags);
        m->frags = xcalloc(n + 1, sizeof(*m->frags));
        m->frag_status = xcalloc(n + 1, sizeof(char *));
        for (size_t i = 0; i < n; i++) {
            struct json_object *f = json_object_array_get_idx(frags, i);
            struct mt_frag_ref *r = &m->frags[m->nfrags];
            const char *env = jstr(f, "env");
            if (!env) continue;
            copy_to(r->env, sizeof r->env, env);
            copy_to(r->m_blob, sizeof r->m_blob, jstr(f, "blob"));
            copy_to(r->m_sha256, sizeof r->m_sha256, jstr(f, "sha256"));
            r->m_entities = (size_t)jint(f, "entities");
            r->m_relations = (size_t)jint(f, "relations");
            r->m_observations = (size_t)jint(f, "observations");
            m->frag_status[m->nfrags] = xstrdup(jstr(f, "status") ? jstr(f, "status") : "merged");
            m->nfrags++;
        }
    }
    json_object_object_get_ex(root, "output", &out);
    copy_to(m->out_blob, sizeof m->out_blob, jstr(out, "blob"));
    copy_to(m->out_sha256, sizeof m->out_sha256, jstr(out, "sha256"));
    m->out_entities = (size_t)jint(out, "entities");
    m->out_relations = (size_t)jint(out, "relations");
    m->out_observations = (size_t)jint(out, "observations");
    m->lease_token = jint(root, "lease_token");
    m->policy = dup_or_null(jstr(root, "policy"));
    if (json_object_object_get_ex(root, "conflicts", &confl) && json_object_is_type(confl, json_type_array)) {
        size_t n = json_object_array_length(confl);
        m->conflicts = xcalloc(n + 1, sizeof(*m->conflicts));
        for (size_t i = 0; i < n; i++) {
            struct json_object *c = json_object_array_get_idx(confl, i), *envs;
            struct mt_manifest_conflict *mc = &m->conflicts[m->nconflicts++];
            mc->entity = xstrdup(jstr(c, "entity") ? jstr(c, "entity") : "");
            mc->kind = xstrdup(jstr(c, "kind") ? jstr(c, "kind") : "");
            mc->resolution = xstrdup(jstr(c, "resolution") ? jstr(c, "resolution") : "");
            mc->decided_by = dup_or_null(jstr(c, "decided_by"));
            if (json_object_object_get_ex(c, "envs", &envs) && json_object_is_type(envs, json_type_array)) {
                size_t k = json_object_array_length(envs);
                mc->envs = xcalloc(k + 1, sizeof(char *));
                for (size_t j = 0; j < k; j++) {
                    const char *s = json_object_get_string(json_object_array_get_idx(envs, j));
                    mc->envs[mc->nenvs++] = xstrdup(s ? s : "");
                }
            }
        }
    }
    json_object_object_get_ex(root, "run", &run);
    m->run_env = dup_or_null(jstr(run, "env"));
    m->run_host = dup_or_null(jstr(run, "host"));
    m->run_time = dup_or_null(jstr(run, "time"));
    m->run_pid = (long)jint(run, "pid");
    m->restore = parse_restore(root);
    json_object_put(root);
    return 0;
}

const struct mt_frag_ref *mt_manifest_find(const struct mt_manifest *m, const char *env)
{
    for (size_t i = 0; i < m->nfrags; i++)
        if (strcmp(m->frags[i].env, env) == 0) return &m->frags[i];
    return NULL;
}

static struct json_object *frag_json(const char *env, const char *blob, const char *sha, size_t ents,
                                     size_t rels, size_t obs, const char *status, const char *reason)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "env", json_object_new_string(env));
    json_object_object_add(o, "blob", blob[0] ? json_object_new_string(blob) : NULL);
    json_object_object_add(o, "sha256", sha[0] ? json_object_new_string(sha) : NULL);
    json_object_object_add(o, "entities", json_object_new_int64((int64_t)ents));
    json_object_object_add(o, "relations", json_object_new_int64((int64_t)rels));
    json_object_object_add(o, "observations", json_object_new_int64((int64_t)obs));
    json_object_object_add(o, "status", json_object_new_string(status));
    if (reason) json_object_object_add(o, "reason", json_object_new_string(reason));
    return o;
}

void mt_manifest_render(const struct mt_plan *p, const struct mt_run_info *run,
                        const char *out_blob, const char *out_sha256,
                        const char *own_env, const char *own_blob, const char *own_sha256,
                        struct mt_buf *out)
{
    struct json_object *root = json_object_new_object();
    json_object_object_add(root, "version", json_object_new_int(1));
    struct json_object *frags = json_object_new_array();
    bool own_seen = false;
    for (size_t i = 0; i < p->nenvs; i++) {
        const struct mt_env_plan *e = &p->envs[i];
        const struct mt_frag_ref *r = &e->ref;
        if (e->synthetic) continue;
        bool merged = e->status == MT_FRAG_CHANGED || e->status == MT_FRAG_NEW || e->status == MT_FRAG_UNCHANGED;
        struct json_object *o;
        if (merged && own_env && own_blob && own_blob[0] && strcmp(own_env, r->env) == 0)
            o = frag_json(r->env, own_blob, own_sha256, p->entities, p->relations, p->observations, "merged", NULL);
        else if (merged)
            o = frag_json(r->env, r->blob, e->sha256, e->entities, e->relations, e->observations, "merged", NULL);
        else  /* its previous merged version still counts */
            o = frag_json(r->env, r->m_blob, r->m_sha256, r->m_entities, r->m_relations, r->m_observations,
                          mt_frag_status_name(e->status), e->reason);
        json_object_array_add(frags, o);
        own_seen |= own_env && strcmp(own_env, r->env) == 0;
    }
    /* A machine that joined with no local file: the result is its fragment. */
    if (!own_seen && own_env && own_blob && own_blob[0])
        json_object_array_add(frags, frag_json(own_env, own_blob, own_sha256, p->entities, p->relations,
                                               p->observations, "merged", NULL));
    json_object_object_add(root, "fragments", frags);
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "blob", json_object_new_string(out_blob));
    json_object_object_add(o, "sha256", json_object_new_string(out_sha256));
    json_object_object_add(o, "entities", json_object_new_int64((int64_t)p->entities));
    json_object_object_add(o, "relations", json_object_new_int64((int64_t)p->relations));
    json_object_object_add(o, "observations", json_object_new_int64((int64_t)p->observations));
    json_object_object_add(root, "output", o);
    json_object_object_add(root, "lease_token", json_object_new_int64(run->lease_token));
    json_object_object_add(root, "policy",
                           json_object_new_string(p->opt.policy == MT_POLICY_FAIL ? "fail" : "preserve"));
    struct json_object *cs = json_object_new_array();
    for (size_t i = 0; i < p->nconflicts; i++) {
        const struct mt_conflict *c = &p->conflicts[i];
        struct json_object *co = json_object_new_object();
        json_object_object_add(co, "entity", jsonw_graph_string(c->name));
        json_object_object_add(co, "kind", json_object_new_string(mt_conflict_kind_name(c->kind)));
        struct json_object *envs = json_object_new_array();
        for (size_t j = 0; j < c->nenvs; j++)
            json_object_array_add(envs, json_object_new_string(p->envs[c->envs[j]].ref.env));
        json_object_object_add(co, "envs", envs);
        json_object_object_add(co, "resolution", json_object_new_string(c->resolution ? c->resolution : ""));
        json_object_object_add(co, "decided_by", json_object_new_string(c->decided ? "operator" : "policy"));
        json_object_array_add(cs, co);
    }
    json_object_object_add(root, "conflicts", cs);
    struct json_object *r = json_object_new_object();
    json_object_object_add(r, "env", json_object_new_string(run->env));
    json_object_object_add(r, "host", json_object_new_string(run->host));
    json_object_object_add(r, "pid", json_object_new_int64(run->pid));
    json_object_object_add(r, "time", json_object_new_string(run->time));
    json_object_object_add(root, "run", r);
    if (p->restore) json_object_object_add(root, "restore", mt_restore_record_json(p->restore));
    mt_buf_adds(out, json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                              JSON_C_TO_STRING_NOSLASHESCAPE));
    mt_buf_addc(out, '\n');
    json_object_put(root);
}

struct json_object *mt_restore_record_json(const struct mt_restore_record *r)
{
    struct json_object *o = json_object_new_object(), *names = json_object_new_array();
    json_object_object_add(o, "ref", json_object_new_string(r->ref));
    json_object_object_add(o, "commit", r->commit[0] ? json_object_new_string(r->commit) : NULL);
    json_object_object_add(o, "all", json_object_new_boolean(r->all));
    for (size_t i = 0; i < r->nnames; i++) json_object_array_add(names, json_object_new_string(r->names[i]));
    json_object_object_add(o, "names", names);
    json_object_object_add(o, "entities", json_object_new_int64((int64_t)r->entities));
    return o;
}

/* Text from the command line goes into a message whose lines are read as
 * trailers: control characters (a newline would add a trailer) become '?'. */
static char *one_line(const char *s)
{
    char *t = xstrdup(s);
    for (char *c = t; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f) *c = '?';
    return t;
}

char *mt_merge_commit_message(const struct mt_plan *p, const struct mt_run_info *run)
{
    char *trailers = xasprintf("Memtui-Env: %s\nMemtui-Host: %s\n%s%s%sMemtui-Lease-Token: %lld\n", run->env, run->host,
                               run->machine ? "Memtui-Machine: " : "", run->machine ? run->machine : "",
                               run->machine ? "\n" : "", run->lease_token);
    char *msg;
    if (!p->restore) {
        msg = xasprintf("memtui merge: %zu entities, %zu relations, %zu conflicts\n\n%s", p->entities, p->relations,
                        p->nconflicts, trailers);
    } else {
        const struct mt_restore_record *r = p->restore;
        char *ref = one_line(r->ref);
        char *commit = r->commit[0] ? xasprintf("Memtui-Restore-Commit: %s\n", r->commit) : xstrdup("");
        msg = xasprintf("memtui restore: %zu %s from %s\n\nmemory.json: %zu entities, %zu relations, %zu conflicts\n\n"
                        "Memtui-Restore: %s\n%s%s",
                        r->entities, r->entities == 1 ? "entity" : "entities", ref, p->entities, p->relations,
                        p->nconflicts, ref, commit, trailers);
        free(ref);
        free(commit);
    }
    free(trailers);
    return msg;
}
