/* batch_report.c: the plan as JSON and as text, shared by merge, diff,
 * status and sync. The text shows peers' strings through safetext. */
#include "memtui/batch/batch_report.h"

#include <stdio.h>
#include <string.h>

#include "memtui/graph/jsonw.h"
#include "memtui/merge/entity_diff.h"
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

/* The envs a change names, as the attribution of its lines. */
static void envs_text(struct mt_buf *b, const struct mt_plan *p, const size_t *envs, size_t n)
{
    for (size_t j = 0; j < n; j++) mt_buf_addf(b, "%s%s", j ? ", " : "", p->envs[envs[j]].ref.env);
}

static void print_diff_lines(FILE *to, const struct mt_diff_lines *l, const char *note)
{
    struct mt_buf b;
    mt_buf_init(&b);
    for (size_t i = 0; i < l->n; i++) {
        mt_buf_reset(&b);
        mt_diff_line_text(&b, &l->v[i]);
        mt_safe_printf(to, "%s%s\n", b.data, note);
    }
    mt_buf_free(&b);
}

/* "@ entity  [envs]" and the producer's -/+ lines, as the Plan panel shows
 * them; a change whose conflict is pending shows none (they would show a
 * resolution nobody chose). */
static void print_change(FILE *to, const struct mt_plan *p, const struct mt_change *c, bool pending)
{
    struct mt_buf b;
    mt_buf_init(&b);
    mt_diff_heading(&b, (c->after ? c->after : c->before)->name);
    struct mt_buf who;
    mt_buf_init(&who);
    envs_text(&who, p, c->envs, c->nenvs);
    mt_diff_who(&b, who.data);
    mt_buf_free(&who);
    if (!pending) mt_diff_change_word(&b, c->before, c->after);
    mt_safe_printf(to, "%s%s\n", b.data, pending ? "  [conflict pending: an operator decides]" : "");
    mt_buf_free(&b);
    if (pending) return;
    struct mt_diff_lines l = {0};
    mt_entity_diff(&l, c->before, c->after);
    print_diff_lines(to, &l, "");
    mt_diff_lines_free(&l);
}

static void print_rel_change(FILE *to, const struct mt_plan *p, const struct mt_rel_change *c)
{
    struct mt_buf note;
    mt_buf_init(&note);
    struct mt_buf who;
    mt_buf_init(&who);
    envs_text(&who, p, c->envs, c->nenvs);
    mt_diff_who(&note, who.data);
    mt_buf_free(&who);
    if (c->cascade) mt_diff_cascade(&note);
    struct mt_diff_lines l = {0};
    mt_relation_diff(&l, c->added ? '+' : '-', c->rel);
    print_diff_lines(to, &l, note.data ? note.data : "");
    mt_diff_lines_free(&l);
    mt_buf_free(&note);
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
    for (size_t i = 0; i < p->nchanges; i++)
        print_change(to, p, &p->changes[i], change_pending(&pending, &p->changes[i]));
    if (p->nrel_changes) mt_safe_printf(to, "@ relations\n");
    for (size_t i = 0; i < p->nrel_changes; i++) print_rel_change(to, p, &p->rel_changes[i]);
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
