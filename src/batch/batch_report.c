/* batch_report.c: the plan as JSON and as text, shared by merge, diff,
 * status and sync. The text shows peers' strings through safetext. */
#include "memtui/batch/batch_report.h"

#include <stdio.h>
#include <string.h>

#include "memtui/graph/jsonw.h"
#include "memtui/base/safetext.h"
#include "memtui/base/strmap.h"

static struct json_object *str_or_null(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

/* A conflict left for an operator has no resolution yet, whatever the
 * policy would have made of it. */
static bool conflict_pending(const struct mt_plan *p, const struct mt_conflict *c)
{
    return (!p->resolved && !c->decided) || c->left_pending;
}

/* Keys of the entities whose conflict is left pending (borrowed). */
static void pending_keys(const struct mt_plan *p, struct mt_strmap *m)
{
    mt_strmap_init(m);
    for (size_t i = 0; i < p->nconflicts; i++)
        if (p->conflicts[i].left_pending) mt_strmap_put(m, p->conflicts[i].key, strlen(p->conflicts[i].key), i, NULL);
}

static bool change_pending(const struct mt_strmap *m, const struct mt_change *c)
{
    return m->count && mt_strmap_get(m, c->key, strlen(c->key), NULL);
}

struct json_object *mt_report_fragments(const struct mt_plan *p)
{
    struct json_object *a = json_object_new_array();
    for (size_t i = 0; i < p->nenvs; i++) {
        const struct mt_env_plan *e = &p->envs[i];
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "env", json_object_new_string(e->ref.env));
        bool have = e->status != MT_FRAG_ABSENT && e->status != MT_FRAG_QUARANTINED;
        json_object_object_add(o, "entities", have ? json_object_new_int64((int64_t)e->entities) : NULL);
        json_object_object_add(o, "relations", have ? json_object_new_int64((int64_t)e->relations) : NULL);
        json_object_object_add(o, "observations", have ? json_object_new_int64((int64_t)e->observations) : NULL);
        json_object_object_add(o, "sha256", e->sha256[0] ? json_object_new_string(e->sha256) : NULL);
        json_object_object_add(o, "blob", e->ref.blob[0] ? json_object_new_string(e->ref.blob) : NULL);
        json_object_object_add(o, "merged_blob", e->ref.m_blob[0] ? json_object_new_string(e->ref.m_blob) : NULL);
        json_object_object_add(o, "status", json_object_new_string(mt_frag_status_name(e->status)));
        json_object_object_add(o, "reason", str_or_null(e->reason));
        json_object_array_add(a, o);
    }
    return a;
}

struct json_object *mt_report_conflicts(const struct mt_plan *p)
{
    struct json_object *a = json_object_new_array();
    for (size_t i = 0; i < p->nconflicts; i++) {
        const struct mt_conflict *c = &p->conflicts[i];
        struct json_object *o = json_object_new_object(), *envs = json_object_new_array();
        json_object_object_add(o, "entity", jsonw_graph_string(c->name));
        json_object_object_add(o, "kind", json_object_new_string(mt_conflict_kind_name(c->kind)));
        for (size_t j = 0; j < c->nenvs; j++) json_object_array_add(envs, json_object_new_string(p->envs[c->envs[j]].ref.env));
        json_object_object_add(o, "envs", envs);
        bool pending = conflict_pending(p, c);
        json_object_object_add(o, "resolution", pending || !p->resolved ? NULL : str_or_null(c->resolution));
        json_object_object_add(o, "pending", json_object_new_boolean(pending));
        json_object_array_add(a, o);
    }
    return a;
}

static struct json_object *env_list(const struct mt_plan *p, const size_t *envs, size_t n)
{
    struct json_object *a = json_object_new_array();
    for (size_t i = 0; i < n; i++) json_object_array_add(a, json_object_new_string(p->envs[envs[i]].ref.env));
    return a;
}

struct json_object *mt_report_changes(const struct mt_plan *p)
{
    struct json_object *o = json_object_new_object();
    struct json_object *ents = json_object_new_array(), *rels = json_object_new_array();
    struct mt_strmap pending;
    pending_keys(p, &pending);
    for (size_t i = 0; i < p->nchanges; i++) {
        const struct mt_change *c = &p->changes[i];
        struct json_object *x = json_object_new_object();
        const char *kind = !c->before ? "added" : !c->after ? "removed"
                         : strcmp(c->before->type, c->after->type) ? "retyped" : "changed";
        json_object_object_add(x, "entity", jsonw_graph_string((c->after ? c->after : c->before)->name));
        json_object_object_add(x, "change", json_object_new_string(kind));
        json_object_object_add(x, "envs", env_list(p, c->envs, c->nenvs));
        if (change_pending(&pending, c)) json_object_object_add(x, "pending", json_object_new_boolean(true));
        json_object_array_add(ents, x);
    }
    mt_strmap_free(&pending);
    for (size_t i = 0; i < p->nrel_changes; i++) {
        const struct mt_rel_change *c = &p->rel_changes[i];
        struct json_object *x = json_object_new_object();
        json_object_object_add(x, "from", jsonw_graph_string(c->rel->from));
        json_object_object_add(x, "to", jsonw_graph_string(c->rel->to));
        json_object_object_add(x, "relationType", jsonw_graph_string(c->rel->rtype));
        json_object_object_add(x, "change", json_object_new_string(c->added ? "added" : c->cascade ? "cascade" : "removed"));
        json_object_object_add(x, "envs", env_list(p, c->envs, c->nenvs));
        json_object_array_add(rels, x);
    }
    json_object_object_add(o, "entities", ents);
    json_object_object_add(o, "relations", rels);
    return o;
}

void mt_report_plan(struct json_object *r, const struct mt_plan *p)
{
    size_t pending = mt_plan_unresolved(p);
    bool decided = p->resolved && !pending;   /* else the counts would be a guess */
    json_object_object_add(r, "entities", decided ? json_object_new_int64((int64_t)p->entities) : NULL);
    json_object_object_add(r, "relations", decided ? json_object_new_int64((int64_t)p->relations) : NULL);
    json_object_object_add(r, "observations", decided ? json_object_new_int64((int64_t)p->observations) : NULL);
    json_object_object_add(r, "pending_conflicts", json_object_new_int64((int64_t)pending));
    json_object_object_add(r, "fragments", mt_report_fragments(p));
    json_object_object_add(r, "conflicts", mt_report_conflicts(p));
}

static void print_entity_lines(FILE *to, char sign, const struct mt_entity *e, const struct mt_entity *other)
{
    if (!other || strcmp(e->type, other->type)) mt_safe_printf(to, "%c entityType: %s\n", sign, e->type);
    for (size_t i = 0; i < e->obs.n; i++)
        if (!other || !mt_strset_has(&other->obs, e->obs.items[i]))
            mt_safe_printf(to, "%c %s\n", sign, e->obs.items[i]);
}

void mt_print_plan(FILE *to, const struct mt_plan *p)
{
    struct mt_strmap pending;
    pending_keys(p, &pending);
    for (size_t i = 0; i < p->nenvs; i++) {
        const struct mt_env_plan *e = &p->envs[i];
        mt_safe_printf(to, "%-20s %-12s", e->ref.env, mt_frag_status_name(e->status));
        if (e->status != MT_FRAG_ABSENT && e->status != MT_FRAG_QUARANTINED)
            mt_safe_printf(to, " %zu entities, %zu relations, %zu observations", e->entities, e->relations,
                           e->observations);
        if (e->reason) mt_safe_printf(to, "\n    %s", e->reason);
        fputc('\n', to);
    }
    for (size_t i = 0; i < p->nchanges; i++) {
        const struct mt_change *c = &p->changes[i];
        mt_safe_printf(to, "@ %s", (c->after ? c->after : c->before)->name);
        for (size_t j = 0; j < c->nenvs; j++) mt_safe_printf(to, "%s%s", j ? ", " : "  (", p->envs[c->envs[j]].ref.env);
        fputs(c->nenvs ? ")" : "", to);
        if (change_pending(&pending, c)) {   /* its -/+ lines would show a resolution nobody chose */
            fputs("  [conflict pending: an operator decides]\n", to);
            continue;
        }
        fputc('\n', to);
        if (c->before) print_entity_lines(to, '-', c->before, c->after);
        if (c->after) print_entity_lines(to, '+', c->after, c->before);
    }
    for (size_t i = 0; i < p->nrel_changes; i++) {
        const struct mt_rel_change *c = &p->rel_changes[i];
        mt_safe_printf(to, "%c relation %s -[%s]-> %s%s\n", c->added ? '+' : '-', c->rel->from, c->rel->rtype,
                       c->rel->to, c->cascade ? "  (an end was deleted)" : "");
    }
    for (size_t i = 0; i < p->nconflicts; i++) {
        const struct mt_conflict *c = &p->conflicts[i];
        mt_safe_printf(to, "conflict %s on \"%s\" (", mt_conflict_kind_name(c->kind), c->name);
        for (size_t j = 0; j < c->nenvs; j++) mt_safe_printf(to, "%s%s", j ? ", " : "", p->envs[c->envs[j]].ref.env);
        mt_safe_printf(to, "): %s\n",
                       !conflict_pending(p, c) && p->resolved && c->resolution ? c->resolution : "pending");
    }
    size_t unresolved = mt_plan_unresolved(p);
    if (p->resolved && !unresolved)
        mt_safe_printf(to, "result: %zu entities, %zu relations, %zu observations\n", p->entities, p->relations,
                       p->observations);
    else if (unresolved)
        mt_safe_printf(to, "result: none until the %zu pending %s decided (in the workstation, or by a merge with "
                           "--policy preserve)\n", unresolved, unresolved == 1 ? "conflict is" : "conflicts are");
    mt_strmap_free(&pending);
}
