/* The merge rules of DESIGN section 2, one test per rule, then property
 * tests over random graphs edited the way the MCP memory server edits them.
 *
 * Expected values come from DESIGN, not from the engine. */
#include "testutil.h"
#include "mergeutil.h"

#include <json-c/json.h>
#include <stdint.h>

/* ---- lines as the MCP server writes them -------------------------------- */

#define Q(s) "\"" s "\""
#define ENT(n, t, obs) \
    "{\"type\":\"entity\",\"name\":\"" n "\",\"entityType\":\"" t "\",\"observations\":[" obs "]}"
#define REL(f, t, r) "{\"type\":\"relation\",\"from\":\"" f "\",\"to\":\"" t "\",\"relationType\":\"" r "\"}"
#define NL "\n"

/* ---- helpers ------------------------------------------------------------ */

struct run {
    struct mt_plan p;
    struct mu_store s;
    int rc;
    char *out;   /* the result, NULL when not resolved */
};

static void merge(struct run *r, const char *u, const struct mu_env *envs, size_t n, enum mt_policy pol,
                  bool mass)
{
    memset(r, 0, sizeof *r);
    r->rc = mu_merge(&r->p, &r->s, u, envs, n, pol, mass);
    r->out = r->p.resolved ? mu_result(&r->p) : NULL;
}

static void run_free(struct run *r)
{
    free(r->out);
    mt_plan_free(&r->p);
}

/* Lines of the result of one "type" (the result is memtui's own JSONL). */
static size_t lines_of_kind(const char *text, const char *type)
{
    char *prefix = xasprintf("{\"type\":\"%s\",", type);
    size_t n = 0, plen = strlen(prefix);
    for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
        n += strncmp(l, prefix, plen) == 0;
    free(prefix);
    return n;
}

static void assert_lossless(const struct mt_plan *p)
{
    struct mt_error err = {0};
    int rc = mt_plan_check_nothing_lost(p, &err);
    ck_assert_msg(rc == 0, "check_nothing_lost: %s", err.msg ? err.msg : "?");
    mt_error_clear(&err);
}

static const struct mt_env_plan *env_named(const struct mt_plan *p, const char *name)
{
    for (size_t i = 0; i < p->nenvs; i++)
        if (strcmp(p->envs[i].ref.env, name) == 0) return &p->envs[i];
    ck_abort_msg("no env %s in the plan", name);
    return NULL;
}

static const struct mt_conflict *conflict_of(const struct mt_plan *p, const char *name,
                                             enum mt_conflict_kind kind)
{
    for (size_t i = 0; i < p->nconflicts; i++)
        if (strcmp(p->conflicts[i].name, name) == 0 && p->conflicts[i].kind == kind) return &p->conflicts[i];
    return NULL;
}

static bool conflict_has_env(const struct mt_plan *p, const struct mt_conflict *c, const char *env)
{
    for (size_t i = 0; i < c->nenvs; i++)
        if (strcmp(p->envs[c->envs[i]].ref.env, env) == 0) return true;
    return false;
}

/* A conflict as the preserve policy left it: recorded, resolved, not decided. */
static const struct mt_conflict *assert_conflict(const struct mt_plan *p, const char *name,
                                                 enum mt_conflict_kind kind, size_t nenvs)
{
    const struct mt_conflict *c = conflict_of(p, name, kind);
    ck_assert_msg(c != NULL, "no %s conflict on %s", mt_conflict_kind_name(kind), name);
    ck_assert_uint_eq(c->nenvs, nenvs);
    ck_assert_ptr_nonnull(c->resolution);
    ck_assert_uint_gt(strlen(c->resolution), 0);
    ck_assert(!c->decided);
    for (size_t i = 1; i < c->nenvs; i++)   /* sorted by env name */
        ck_assert_int_lt(strcmp(p->envs[c->envs[i - 1]].ref.env, p->envs[c->envs[i]].ref.env), 0);
    return c;
}

/* The same inputs under `fail`: nothing built, the conflict left pending. */
static void assert_pending(const char *u, const struct mu_env *envs, size_t n, const char *name,
                           enum mt_conflict_kind kind)
{
    struct run r;
    merge(&r, u, envs, n, MT_POLICY_FAIL, false);
    ck_assert_int_eq(r.rc, 1);
    ck_assert(!r.p.resolved);
    ck_assert_uint_gt(mt_plan_pending(&r.p), 0);
    ck_assert_uint_eq(mt_plan_pending(&r.p), r.p.nconflicts);
    ck_assert_msg(conflict_of(&r.p, name, kind) != NULL, "no pending %s conflict on %s",
                  mt_conflict_kind_name(kind), name);
    /* pending, each shows what preserve would keep: never a deletion */
    for (size_t i = 0; i < r.p.nconflicts; i++)
        ck_assert_msg(r.p.conflicts[i].preserve != NULL, "%s: no preserve preview", r.p.conflicts[i].name);
    struct mt_error err = {0};
    ck_assert_int_ne(mt_plan_check_nothing_lost(&r.p, &err), 0);
    mt_error_clear(&err);
    run_free(&r);
}

/* Merge under preserve and compare the result byte for byte. */
static void assert_merge(struct run *r, const char *u, const struct mu_env *envs, size_t n,
                         const char *expected)
{
    merge(r, u, envs, n, MT_POLICY_PRESERVE, false);
    ck_assert_int_eq(r->rc, 0);
    ck_assert(r->p.resolved);
    ck_assert_ptr_nonnull(r->out);
    ck_assert_str_eq(r->out, expected);
    assert_lossless(&r->p);
}

/* ---- deltas against M_e -------------------------------------------------- */

START_TEST(delta_creation)
{
    const char *u = ENT("A", "person", Q("a1"));
    const char *f = ENT("A", "person", Q("a1")) NL ENT("B", "project", "");
    struct mu_env envs[] = {{"lap", u, f}};
    struct run r;
    assert_merge(&r, u, envs, 1, ENT("A", "person", Q("a1")) NL ENT("B", "project", "") NL);
    ck_assert_int_eq(env_named(&r.p, "lap")->status, MT_FRAG_CHANGED);
    ck_assert_uint_eq(r.p.nconflicts, 0);
    ck_assert_uint_eq(r.p.entities, 2);
    ck_assert_uint_eq(r.p.relations, 0);
    ck_assert_uint_eq(r.p.observations, 1);
    ck_assert_uint_eq(r.p.nchanges, 1);
    ck_assert_ptr_null(r.p.changes[0].before);
    ck_assert_str_eq(r.p.changes[0].after->name, "B");
    run_free(&r);
}
END_TEST

START_TEST(delta_deletion)
{
    const char *u = ENT("A", "person", Q("a1")) NL ENT("B", "project", Q("b1"));
    const char *f = ENT("A", "person", Q("a1"));
    struct mu_env envs[] = {{"lap", u, f}};
    struct run r;
    assert_merge(&r, u, envs, 1, ENT("A", "person", Q("a1")) NL);
    ck_assert_uint_eq(r.p.nconflicts, 0);
    ck_assert_uint_eq(r.p.entities, 1);
    ck_assert_uint_eq(r.p.observations, 1);
    ck_assert_uint_eq(r.p.nchanges, 1);
    ck_assert_ptr_null(r.p.changes[0].after);
    ck_assert_str_eq(r.p.changes[0].before->name, "B");
    run_free(&r);
}
END_TEST

START_TEST(delta_retype)
{
    const char *u = ENT("A", "person", Q("a1")) NL ENT("B", "project", "");
    const char *f = ENT("A", "robot", Q("a1")) NL ENT("B", "project", "");
    struct mu_env envs[] = {{"lap", u, f}};
    struct run r;
    assert_merge(&r, u, envs, 1, ENT("A", "robot", Q("a1")) NL ENT("B", "project", "") NL);
    ck_assert_uint_eq(r.p.nconflicts, 0);
    run_free(&r);
}
END_TEST

START_TEST(delta_observations)
{
    const char *u = ENT("A", "person", Q("a1") "," Q("a2") "," Q("a3"));
    const char *f = ENT("A", "person", Q("a2") "," Q("a3") "," Q("a4"));
    struct mu_env envs[] = {{"lap", u, f}};
    struct run r;
    assert_merge(&r, u, envs, 1, ENT("A", "person", Q("a2") "," Q("a3") "," Q("a4")) NL);
    ck_assert_uint_eq(r.p.observations, 3);
    ck_assert_uint_eq(r.p.nconflicts, 0);
    run_free(&r);
}
END_TEST

START_TEST(delta_relations)
{
    const char *u = ENT("A", "t", "") NL ENT("B", "t", "") NL ENT("C", "t", "") NL REL("A", "B", "knows") NL
        REL("A", "C", "knows");
    const char *f = ENT("A", "t", "") NL ENT("B", "t", "") NL ENT("C", "t", "") NL REL("A", "C", "knows") NL
        REL("B", "C", "likes");
    struct mu_env envs[] = {{"lap", u, f}};
    struct run r;
    assert_merge(&r, u, envs, 1,
                 ENT("A", "t", "") NL ENT("B", "t", "") NL ENT("C", "t", "") NL REL("A", "C", "knows") NL
                     REL("B", "C", "likes") NL);
    ck_assert_uint_eq(r.p.relations, 2);
    ck_assert_uint_eq(r.p.nconflicts, 0);
    run_free(&r);
}
END_TEST

/* F_e = M_e: no change, and the blobs are not even read (only U is). */
START_TEST(delta_unchanged_not_read)
{
    const char *u = ENT("A", "t", Q("a1")) NL ENT("B", "t", "") NL REL("A", "B", "r");
    /* lap's last merged fragment has C, which U no longer has: still nothing to do. */
    const char *lap = ENT("A", "t", Q("a1")) NL ENT("C", "t", "");
    struct mu_env envs[] = {{"lap", lap, lap}, {"desk", u, u}};
    struct run r;
    assert_merge(&r, u, envs, 2, ENT("A", "t", Q("a1")) NL ENT("B", "t", "") NL REL("A", "B", "r") NL);
    ck_assert_int_eq(r.s.reads, 1);
    ck_assert_int_eq(env_named(&r.p, "lap")->status, MT_FRAG_UNCHANGED);
    ck_assert_int_eq(env_named(&r.p, "desk")->status, MT_FRAG_UNCHANGED);
    ck_assert_uint_eq(env_named(&r.p, "lap")->parsed_lines, 0);
    ck_assert_uint_eq(r.p.nchanges, 0);
    ck_assert_uint_eq(r.p.nrel_changes, 0);
    run_free(&r);

    /* A third env with a delta: its F is read, and its M_e, which is U (one
     * blob, read once); the others still not. */
    const char *f = ENT("A", "t", Q("a1") "," Q("a2")) NL ENT("B", "t", "") NL REL("A", "B", "r");
    struct mu_env envs3[] = {{"lap", lap, lap}, {"desk", u, u}, {"nuc", u, f}};
    assert_merge(&r, u, envs3, 3, ENT("A", "t", Q("a1") "," Q("a2")) NL ENT("B", "t", "") NL REL("A", "B", "r") NL);
    ck_assert_int_eq(r.s.reads, 2);
    ck_assert_int_eq(env_named(&r.p, "nuc")->status, MT_FRAG_CHANGED);
    run_free(&r);
}
END_TEST

/* ---- agreeing deltas, add wins ----------------------------------------- */

START_TEST(agreeing_deltas_applied_once)
{
    const char *u = ENT("A", "p", Q("a1")) NL ENT("B", "p", "") NL ENT("C", "p", "") NL ENT("D", "p", "") NL
        REL("B", "D", "r");
    const char *f = ENT("A", "p", Q("a1") "," Q("a2")) NL ENT("B", "p", "") NL ENT("D", "q", "") NL
        ENT("E", "p", Q("e1")) NL REL("B", "D", "r") NL REL("A", "E", "knows");
    /* Same changes, written in another order by the second machine. */
    const char *g = ENT("E", "p", Q("e1")) NL ENT("D", "q", "") NL ENT("B", "p", "") NL
        ENT("A", "p", Q("a1") "," Q("a2")) NL REL("A", "E", "knows") NL REL("B", "D", "r");
    struct mu_env envs[] = {{"a", u, f}, {"b", u, g}};
    struct run r;
    assert_merge(&r, u, envs, 2,
                 ENT("A", "p", Q("a1") "," Q("a2")) NL ENT("B", "p", "") NL ENT("D", "q", "") NL
                     ENT("E", "p", Q("e1")) NL REL("B", "D", "r") NL REL("A", "E", "knows") NL);
    ck_assert_uint_eq(r.p.nconflicts, 0);
    ck_assert_uint_eq(r.p.entities, 4);
    ck_assert_uint_eq(r.p.relations, 2);
    ck_assert_uint_eq(r.p.observations, 3);
    run_free(&r);
}
END_TEST

START_TEST(add_wins_observation)
{
    const char *u = ENT("A", "p", Q("a1") "," Q("a2"));
    /* a removes a1; b (which had not seen a1) adds it. */
    const char *fa = ENT("A", "p", Q("a2"));
    const char *mb = ENT("A", "p", Q("a2"));
    const char *fb = ENT("A", "p", Q("a2") "," Q("a1"));
    struct mu_env envs[] = {{"a", u, fa}, {"b", mb, fb}};
    struct run r;
    assert_merge(&r, u, envs, 2, ENT("A", "p", Q("a1") "," Q("a2")) NL);
    ck_assert_uint_eq(r.p.nconflicts, 0);
    run_free(&r);
    /* same with the names the other way round */
    struct mu_env envs2[] = {{"b", u, fa}, {"a", mb, fb}};
    assert_merge(&r, u, envs2, 2, ENT("A", "p", Q("a1") "," Q("a2")) NL);
    run_free(&r);
}
END_TEST

START_TEST(add_wins_relation)
{
    const char *u = ENT("A", "p", "") NL ENT("B", "p", "") NL REL("A", "B", "k");
    const char *fa = ENT("A", "p", "") NL ENT("B", "p", "");
    const char *mb = ENT("A", "p", "") NL ENT("B", "p", "");
    const char *fb = ENT("A", "p", "") NL ENT("B", "p", "") NL REL("A", "B", "k");
    struct mu_env envs[] = {{"a", u, fa}, {"b", mb, fb}};
    struct run r;
    assert_merge(&r, u, envs, 2, ENT("A", "p", "") NL ENT("B", "p", "") NL REL("A", "B", "k") NL);
    ck_assert_uint_eq(r.p.nconflicts, 0);
    run_free(&r);
}
END_TEST

/* ---- cascade ------------------------------------------------------------ */

START_TEST(delete_cascades_relations)
{
    /* U has C->B, which lap never had (another env added it): it goes too. */
    const char *u = ENT("A", "t", "") NL ENT("B", "t", "") NL ENT("C", "t", "") NL REL("A", "B", "k") NL
        REL("C", "B", "k") NL REL("A", "C", "k");
    const char *m = ENT("A", "t", "") NL ENT("B", "t", "") NL ENT("C", "t", "") NL REL("A", "B", "k") NL
        REL("A", "C", "k");
    const char *f = ENT("A", "t", "") NL ENT("C", "t", "") NL REL("A", "C", "k");
    struct mu_env envs[] = {{"lap", m, f}};
    struct run r;
    assert_merge(&r, u, envs, 1, ENT("A", "t", "") NL ENT("C", "t", "") NL REL("A", "C", "k") NL);
    ck_assert_uint_eq(r.p.nconflicts, 0);
    ck_assert_uint_eq(r.p.relations, 1);
    ck_assert_uint_eq(r.p.nrel_changes, 2);
    bool cb = false;
    for (size_t i = 0; i < r.p.nrel_changes; i++) {
        ck_assert(!r.p.rel_changes[i].added);
        if (strcmp(r.p.rel_changes[i].rel->from, "C") == 0) {
            cb = true;
            ck_assert(r.p.rel_changes[i].cascade);
        }
    }
    ck_assert(cb);
    run_free(&r);
}
END_TEST

/* ---- TYPE conflicts ----------------------------------------------------- */

START_TEST(type_two_creations)
{
    const char *u = ENT("A", "t", "");
    const char *fz = ENT("A", "t", "") NL ENT("X", "zeta-type", Q("z1") "," Q("both"));
    const char *fa = ENT("A", "t", "") NL ENT("X", "alpha-type", Q("a1") "," Q("both"));
    struct mu_env envs[] = {{"zeta", u, fz}, {"alpha", u, fa}};
    struct run r;
    /* not in U: the proposal of the env sorting first, observations unioned */
    assert_merge(&r, u, envs, 2,
                 ENT("A", "t", "") NL ENT("X", "alpha-type", Q("a1") "," Q("both") "," Q("z1")) NL);
    ck_assert_uint_eq(r.p.nconflicts, 1);
    const struct mt_conflict *c = assert_conflict(&r.p, "X", MT_CONFLICT_TYPE, 2);
    ck_assert(conflict_has_env(&r.p, c, "alpha") && conflict_has_env(&r.p, c, "zeta"));
    ck_assert_ptr_nonnull(c->result);
    ck_assert_str_eq(c->result->type, "alpha-type");
    run_free(&r);
    assert_pending(u, envs, 2, "X", MT_CONFLICT_TYPE);
}
END_TEST

/* Every change names its entity by a key that lives as long as the plan,
 * also for an entity first reached through a relation's end. */
START_TEST(change_keys_outlive_resolve)
{
    const char *u = ENT("Base", "t", "") NL ENT("Star", "t", "") NL ENT("Comet", "rock", Q("o")) NL
        ENT("Dust", "t", "") NL REL("Base", "Star", "orbits");
    const char *fa = ENT("Base", "t", "") NL ENT("Star", "t", "") NL ENT("Comet", "rock", Q("o")) NL
        REL("Comet", "Base", "hits");
    const char *fb = ENT("Base", "t", "") NL ENT("Star", "t", "") NL ENT("Comet", "ice", Q("o")) NL
        ENT("Dust", "t", "") NL REL("Base", "Star", "orbits");
    struct mu_env envs[] = {{"a", u, fa}, {"b", u, fb}};
    struct run r;
    merge(&r, u, envs, 2, MT_POLICY_PRESERVE, false);
    ck_assert(r.p.resolved);
    ck_assert_uint_gt(r.p.nchanges, 0);
    for (size_t i = 0; i < r.p.nchanges; i++) {
        const struct mt_change *c = &r.p.changes[i];
        const struct mt_entity *e = c->after ? c->after : c->before;
        char *want = mt_entity_key(e->name);
        ck_assert_str_eq(c->key, want);
        free(want);
    }
    run_free(&r);
}
END_TEST

START_TEST(type_two_retypes)
{
    const char *u = ENT("X", "t0", Q("o")) NL ENT("Y", "t", "");
    const char *fa = ENT("X", "t1", Q("o") "," Q("a1")) NL ENT("Y", "t", "");
    const char *fb = ENT("X", "t2", Q("o") "," Q("b1")) NL ENT("Y", "t", "");
    struct mu_env envs[] = {{"b", u, fb}, {"a", u, fa}};
    struct run r;
    /* in U: U's type kept, observations of all sides unioned */
    assert_merge(&r, u, envs, 2, ENT("X", "t0", Q("o") "," Q("a1") "," Q("b1")) NL ENT("Y", "t", "") NL);
    ck_assert_uint_eq(r.p.nconflicts, 1);
    assert_conflict(&r.p, "X", MT_CONFLICT_TYPE, 2);
    run_free(&r);
    assert_pending(u, envs, 2, "X", MT_CONFLICT_TYPE);
}
END_TEST

START_TEST(type_retype_while_u_moved)
{
    /* lap started from t0 and retyped to t1; U has meanwhile moved to "moved". */
    const char *u = ENT("X", "moved", Q("o"));
    const char *m = ENT("X", "t0", Q("o"));
    const char *f = ENT("X", "t1", Q("o") "," Q("l1"));
    struct mu_env envs[] = {{"lap", m, f}};
    struct run r;
    assert_merge(&r, u, envs, 1, ENT("X", "moved", Q("o") "," Q("l1")) NL);
    ck_assert_uint_eq(r.p.nconflicts, 1);
    assert_conflict(&r.p, "X", MT_CONFLICT_TYPE, 1);
    run_free(&r);
    assert_pending(u, envs, 1, "X", MT_CONFLICT_TYPE);

    /* No conflict when the proposal is U's type anyway, or U is where lap started. */
    const char *f2 = ENT("X", "moved", Q("o"));
    struct mu_env envs2[] = {{"lap", m, f2}};
    assert_merge(&r, u, envs2, 1, ENT("X", "moved", Q("o")) NL);
    ck_assert_uint_eq(r.p.nconflicts, 0);
    run_free(&r);
    struct mu_env envs3[] = {{"lap", m, f}};
    assert_merge(&r, m, envs3, 1, ENT("X", "t1", Q("o") "," Q("l1")) NL);
    ck_assert_uint_eq(r.p.nconflicts, 0);
    run_free(&r);
}
END_TEST

START_TEST(type_creation_other_than_u)
{
    /* A new env (or one that had never seen X) creates X with another type. */
    const char *u = ENT("X", "t0", Q("o"));
    const char *f = ENT("X", "t1", Q("n1"));
    struct mu_env envs[] = {{"new", NULL, f}};
    struct run r;
    assert_merge(&r, u, envs, 1, ENT("X", "t0", Q("o") "," Q("n1")) NL);
    ck_assert_uint_eq(r.p.nconflicts, 1);
    assert_conflict(&r.p, "X", MT_CONFLICT_TYPE, 1);
    ck_assert_int_eq(env_named(&r.p, "new")->status, MT_FRAG_NEW);
    run_free(&r);
    assert_pending(u, envs, 1, "X", MT_CONFLICT_TYPE);

    /* same type: no conflict, the observations are added */
    const char *g = ENT("X", "t0", Q("n1"));
    struct mu_env envs2[] = {{"new", NULL, g}};
    assert_merge(&r, u, envs2, 1, ENT("X", "t0", Q("o") "," Q("n1")) NL);
    ck_assert_uint_eq(r.p.nconflicts, 0);
    run_free(&r);
}
END_TEST

/* ---- MODIFY/DELETE ------------------------------------------------------ */

/* U: X with relations X->Y (both envs had it) and Y->X (only U has it). */
#define MD_U ENT("X", "t", Q("o1")) NL ENT("Y", "t", "") NL REL("X", "Y", "k") NL REL("Y", "X", "k2")
#define MD_M ENT("X", "t", Q("o1")) NL ENT("Y", "t", "") NL REL("X", "Y", "k")
#define MD_DEL ENT("Y", "t", "")

START_TEST(md_delete_vs_add_observation)
{
    const char *fb = ENT("X", "t", Q("o1") "," Q("o2")) NL ENT("Y", "t", "") NL REL("X", "Y", "k");
    struct mu_env envs[] = {{"a", MD_M, MD_DEL}, {"b", MD_M, fb}};
    struct run r;
    /* X kept with b's observation; the relation a dropped along with X is kept. */
    assert_merge(&r, MD_U, envs, 2,
                 ENT("X", "t", Q("o1") "," Q("o2")) NL ENT("Y", "t", "") NL REL("X", "Y", "k") NL
                     REL("Y", "X", "k2") NL);
    ck_assert_uint_eq(r.p.nconflicts, 1);
    const struct mt_conflict *c = assert_conflict(&r.p, "X", MT_CONFLICT_MODIFY_DELETE, 2);
    ck_assert(conflict_has_env(&r.p, c, "a") && conflict_has_env(&r.p, c, "b"));
    run_free(&r);
    assert_pending(MD_U, envs, 2, "X", MT_CONFLICT_MODIFY_DELETE);
}
END_TEST

START_TEST(md_delete_vs_remove_observation)
{
    const char *u = ENT("X", "t", Q("o1") "," Q("o2")) NL ENT("Y", "t", "") NL REL("X", "Y", "k");
    const char *fb = ENT("X", "t", Q("o2")) NL ENT("Y", "t", "") NL REL("X", "Y", "k");
    struct mu_env envs[] = {{"a", u, MD_DEL}, {"b", u, fb}};
    struct run r;
    assert_merge(&r, u, envs, 2, ENT("X", "t", Q("o2")) NL ENT("Y", "t", "") NL REL("X", "Y", "k") NL);
    assert_conflict(&r.p, "X", MT_CONFLICT_MODIFY_DELETE, 2);
    run_free(&r);
    assert_pending(u, envs, 2, "X", MT_CONFLICT_MODIFY_DELETE);
}
END_TEST

START_TEST(md_delete_vs_retype)
{
    const char *fb = ENT("X", "t2", Q("o1")) NL ENT("Y", "t", "") NL REL("X", "Y", "k");
    struct mu_env envs[] = {{"a", MD_M, MD_DEL}, {"b", MD_M, fb}};
    struct run r;
    assert_merge(&r, MD_U, envs, 2,
                 ENT("X", "t2", Q("o1")) NL ENT("Y", "t", "") NL REL("X", "Y", "k") NL REL("Y", "X", "k2") NL);
    ck_assert_uint_eq(r.p.nconflicts, 1);
    assert_conflict(&r.p, "X", MT_CONFLICT_MODIFY_DELETE, 2);
    run_free(&r);
    assert_pending(MD_U, envs, 2, "X", MT_CONFLICT_MODIFY_DELETE);
}
END_TEST

START_TEST(md_delete_vs_create)
{
    const char *fn = ENT("X", "t", Q("c1"));
    struct mu_env envs[] = {{"a", MD_M, MD_DEL}, {"new", NULL, fn}};
    struct run r;
    assert_merge(&r, MD_U, envs, 2,
                 ENT("X", "t", Q("o1") "," Q("c1")) NL ENT("Y", "t", "") NL REL("X", "Y", "k") NL
                     REL("Y", "X", "k2") NL);
    ck_assert_uint_eq(r.p.nconflicts, 1);
    ck_assert_ptr_null(conflict_of(&r.p, "X", MT_CONFLICT_TYPE));
    assert_conflict(&r.p, "X", MT_CONFLICT_MODIFY_DELETE, 2);
    run_free(&r);
    assert_pending(MD_U, envs, 2, "X", MT_CONFLICT_MODIFY_DELETE);
}
END_TEST

START_TEST(md_delete_vs_relation_add)
{
    const char *fb = MD_M NL REL("Y", "X", "sees");
    struct mu_env envs[] = {{"a", MD_M, MD_DEL}, {"b", MD_M, fb}};
    struct run r;
    assert_merge(&r, MD_U, envs, 2,
                 ENT("X", "t", Q("o1")) NL ENT("Y", "t", "") NL REL("X", "Y", "k") NL REL("Y", "X", "k2") NL
                     REL("Y", "X", "sees") NL);
    ck_assert_uint_eq(r.p.nconflicts, 1);
    const struct mt_conflict *c = assert_conflict(&r.p, "X", MT_CONFLICT_MODIFY_DELETE, 2);
    ck_assert(conflict_has_env(&r.p, c, "a") && conflict_has_env(&r.p, c, "b"));
    run_free(&r);
    assert_pending(MD_U, envs, 2, "X", MT_CONFLICT_MODIFY_DELETE);
}
END_TEST

/* An earlier merge deleted X; two stale envs still modify it. */
START_TEST(md_modify_while_u_lacks)
{
    const char *u = ENT("Y", "t", "");
    const char *mb = ENT("X", "t5", Q("o1")) NL ENT("Y", "t", "");
    const char *fb = ENT("X", "t5", Q("o1") "," Q("o2")) NL ENT("Y", "t", "");
    const char *ma = ENT("X", "t0", Q("o1")) NL ENT("Y", "t", "");
    const char *fa = ENT("X", "t0", Q("o1") "," Q("o3")) NL ENT("Y", "t", "");
    struct mu_env envs[] = {{"b", mb, fb}, {"a", ma, fa}};
    struct run r;
    /* recreated as the union of the modifying fragments' versions, typed by "a" */
    assert_merge(&r, u, envs, 2, ENT("Y", "t", "") NL ENT("X", "t0", Q("o1") "," Q("o3") "," Q("o2")) NL);
    ck_assert_uint_eq(r.p.nconflicts, 1);
    assert_conflict(&r.p, "X", MT_CONFLICT_MODIFY_DELETE, 2);
    run_free(&r);
    assert_pending(u, envs, 2, "X", MT_CONFLICT_MODIFY_DELETE);

    /* one env retyping it */
    const char *fr = ENT("X", "t1", Q("o1")) NL ENT("Y", "t", "");
    struct mu_env envs2[] = {{"a", ma, fr}};
    assert_merge(&r, u, envs2, 1, ENT("Y", "t", "") NL ENT("X", "t1", Q("o1")) NL);
    ck_assert_ptr_nonnull(conflict_of(&r.p, "X", MT_CONFLICT_MODIFY_DELETE));
    run_free(&r);
    assert_pending(u, envs2, 1, "X", MT_CONFLICT_MODIFY_DELETE);
}
END_TEST

/* ---- recreation --------------------------------------------------------- */

START_TEST(recreation)
{
    /* X was deleted by an earlier merge; an env creates it anew: it is back. */
    const char *u = ENT("Y", "t", "");
    const char *f = ENT("Y", "t", "") NL ENT("X", "t", Q("again"));
    struct mu_env envs[] = {{"lap", u, f}};
    struct run r;
    assert_merge(&r, u, envs, 1, ENT("Y", "t", "") NL ENT("X", "t", Q("again")) NL);
    ck_assert_uint_eq(r.p.nconflicts, 0);
    run_free(&r);

    /* Deleted and recreated within one delta (delete_entities then
     * create_entities): a retype with new observations, in U's place; the
     * server dropped X's relation with the deletion, so the delta removes it. */
    const char *u2 = ENT("X", "t", Q("o1")) NL ENT("Y", "t", "") NL REL("X", "Y", "k");
    const char *f2 = ENT("Y", "t", "") NL ENT("X", "t2", Q("n1"));
    struct mu_env envs2[] = {{"lap", u2, f2}};
    assert_merge(&r, u2, envs2, 1, ENT("X", "t2", Q("n1")) NL ENT("Y", "t", "") NL);
    ck_assert_uint_eq(r.p.nconflicts, 0);
    run_free(&r);
}
END_TEST

/* ---- output order ------------------------------------------------------- */

START_TEST(output_order)
{
    /* U's order is not name order, and env "b" is listed first. */
    const char *u = ENT("Zed", "t", Q("z1")) NL ENT("Ann", "t", Q("a1")) NL REL("Zed", "Ann", "r");
    const char *fb = ENT("Zed", "t", Q("z1")) NL ENT("Ann", "t", Q("a1") "," Q("b-new") "," Q("b-2")) NL
        ENT("Bz", "t", "") NL ENT("Ba", "t", "") NL REL("Zed", "Ann", "r") NL REL("Bz", "Ann", "r") NL
        REL("Ba", "Ann", "r");
    const char *fa = ENT("Zed", "t", Q("z1")) NL ENT("Ann", "t", Q("a1") "," Q("a-new")) NL ENT("Az", "t", "") NL
        REL("Zed", "Ann", "r") NL REL("Ann", "Az", "r");
    struct mu_env envs[] = {{"b", u, fb}, {"a", u, fa}};
    struct run r;
    assert_merge(&r, u, envs, 2,
                 ENT("Zed", "t", Q("z1")) NL ENT("Ann", "t", Q("a1") "," Q("a-new") "," Q("b-new") "," Q("b-2")) NL
                     ENT("Az", "t", "") NL ENT("Bz", "t", "") NL ENT("Ba", "t", "") NL REL("Zed", "Ann", "r") NL
                         REL("Ann", "Az", "r") NL REL("Bz", "Ann", "r") NL REL("Ba", "Ann", "r") NL);
    ck_assert_uint_eq(r.p.nconflicts, 0);
    run_free(&r);
}
END_TEST

/* "new ones by env name then fragment order": the engine places a new
 * entity where it first *meets* its key, which may be an earlier env's
 * relation end or deletion, not where the env that adds it has it. */
START_TEST(output_order_new_entity_met_earlier)
{
    /* a adds a relation to Q (the server does not check ends); b creates P then Q. */
    const char *u = ENT("A", "t", "");
    const char *fa = ENT("A", "t", "") NL REL("A", "Q", "r");
    const char *fb = ENT("A", "t", "") NL ENT("P", "t", "") NL ENT("Q", "t", "");
    struct mu_env envs[] = {{"a", u, fa}, {"b", u, fb}};
    struct run r;
    assert_merge(&r, u, envs, 2, ENT("A", "t", "") NL ENT("P", "t", "") NL ENT("Q", "t", "") NL REL("A", "Q", "r") NL);
    run_free(&r);
}
END_TEST

START_TEST(output_order_new_entity_met_in_deletion)
{
    /* a (stale) deletes Q, which U lost already; b creates P then Q. */
    const char *u = ENT("A", "t", "");
    const char *ma = ENT("A", "t", "") NL ENT("Q", "t", "");
    const char *fb = ENT("A", "t", "") NL ENT("P", "t", "") NL ENT("Q", "t", "");
    struct mu_env envs[] = {{"a", ma, u}, {"b", u, fb}};
    struct run r;
    assert_merge(&r, u, envs, 2, ENT("A", "t", "") NL ENT("P", "t", "") NL ENT("Q", "t", "") NL);
    run_free(&r);
}
END_TEST

/* Same for relations: a stale removal by an earlier env fixes the place. */
#define ABC ENT("A", "t", "") NL ENT("B", "t", "") NL ENT("C", "t", "")
START_TEST(output_order_new_relation_met_earlier)
{
    const char *u = ABC;
    const char *ma = ABC NL REL("A", "B", "r1");
    const char *fb = ABC NL REL("B", "C", "r0") NL REL("A", "B", "r1");
    struct mu_env envs[] = {{"a", ma, u}, {"b", u, fb}};
    struct run r;
    assert_merge(&r, u, envs, 2, ENT("A", "t", "") NL ENT("B", "t", "") NL ENT("C", "t", "") NL
                 REL("B", "C", "r0") NL REL("A", "B", "r1") NL);
    run_free(&r);
}
END_TEST

/* ---- safety guards ------------------------------------------------------ */

START_TEST(guard_absent_fragment)
{
    const char *u = ENT("A", "t", "") NL ENT("B", "t", "") NL REL("A", "B", "r");
    struct mu_env envs[] = {{"gone", u, NULL}, {"never", NULL, NULL}};
    struct run r;
    assert_merge(&r, u, envs, 2, ENT("A", "t", "") NL ENT("B", "t", "") NL REL("A", "B", "r") NL);
    ck_assert_int_eq(env_named(&r.p, "gone")->status, MT_FRAG_ABSENT);
    ck_assert_int_eq(env_named(&r.p, "never")->status, MT_FRAG_ABSENT);
    ck_assert_uint_eq(r.p.nchanges, 0);
    ck_assert_int_eq(r.s.reads, 1);
    run_free(&r);
}
END_TEST

/* n entities E00..; the first `skip` left out. */
static char *entities(int n, int skip)
{
    struct mt_buf b;
    mt_buf_init(&b);
    for (int i = skip; i < n; i++) {
        if (b.len) mt_buf_addc(&b, '\n');
        mt_buf_addf(&b, "{\"type\":\"entity\",\"name\":\"E%02d\",\"entityType\":\"t\",\"observations\":[]}", i);
    }
    return mt_buf_detach(&b, NULL);
}

/* An env deletes `del` of its `had` entities; U = M. Returns the status. */
static enum mt_frag_status mass(int had, int del, bool allow)
{
    char *m = entities(had, 0), *f = entities(had, del);
    struct mu_env envs[] = {{"lap", m, f}};
    struct run r;
    merge(&r, m, envs, 1, MT_POLICY_PRESERVE, allow);
    ck_assert_int_eq(r.rc, 0);
    enum mt_frag_status st = env_named(&r.p, "lap")->status;
    if (st == MT_FRAG_HELD) {
        /* held back: changes nothing, says why */
        ck_assert_ptr_nonnull(env_named(&r.p, "lap")->reason);
        ck_assert(mt_plan_has_quarantine(&r.p));
        char *u_out = xasprintf("%s\n", m);
        ck_assert_str_eq(r.out, u_out);
        free(u_out);
    } else {
        char *w = xasprintf("%s%s", f, f[0] ? "\n" : "");
        ck_assert_str_eq(r.out, w);
        free(w);
    }
    assert_lossless(&r.p);
    run_free(&r);
    free(m), free(f);
    return st;
}

START_TEST(guard_mass_deletion)
{
    /* more than half and at least 10: held */
    ck_assert_int_eq(mass(19, 10, false), MT_FRAG_HELD);
    ck_assert_int_eq(mass(12, 10, false), MT_FRAG_HELD);
    ck_assert_int_eq(mass(10, 10, false), MT_FRAG_HELD);
    /* ... unless allowed */
    ck_assert_int_eq(mass(19, 10, true), MT_FRAG_CHANGED);
    /* exactly half is not more than half */
    ck_assert_int_eq(mass(20, 10, false), MT_FRAG_CHANGED);
    /* fewer than 10 is never held, however large the share */
    ck_assert_int_eq(mass(12, 9, false), MT_FRAG_CHANGED);
    ck_assert_int_eq(mass(9, 9, false), MT_FRAG_CHANGED);
}
END_TEST

START_TEST(guard_mass_deletion_confirmed)
{
    char *m = entities(19, 0), *f = entities(19, 10), *want = entities(19, 10);
    struct mu_env envs[] = {{"lap", m, f}};
    struct run r;
    merge(&r, m, envs, 1, MT_POLICY_PRESERVE, false);
    ck_assert_int_eq(env_named(&r.p, "lap")->status, MT_FRAG_HELD);
    mt_plan_confirm_mass_delete(&r.p, 0);
    ck_assert_int_eq(mt_plan_resolve(&r.p), 0);
    ck_assert_int_eq(r.p.envs[0].status, MT_FRAG_CHANGED);
    char *out = mu_result(&r.p);
    char *w = xasprintf("%s\n", want);
    ck_assert_str_eq(out, w);
    ck_assert_uint_eq(r.p.entities, 9);
    assert_lossless(&r.p);
    free(out), free(w);
    run_free(&r);
    free(m), free(f), free(want);
}
END_TEST

START_TEST(guard_quarantine)
{
    const char *u = ENT("A", "t", Q("a1")) NL ENT("B", "t", "");
    static const char *const bad[] = {
        "{\"type\":\"entity\",\"name\":\"Q\",",                                       /* truncated */
        "{\"type\":\"entity\",\"name\":\"Q\",\"observations\":[]}",                  /* no entityType */
        "{\"type\":\"entity\",\"name\":\"Q\",\"entityType\":\"t\",\"observations\":\"x\"}", /* not a list */
        "{\"type\":\"entity\",\"name\":\"Q\",\"entityType\":\"t\",\"observations\":[1]}",   /* not strings */
        "{\"type\":\"entity\",\"name\":\"Q\xff\",\"entityType\":\"t\",\"observations\":[]}", /* bad UTF-8 */
        "{\"type\":\"relation\",\"from\":\"A\",\"relationType\":\"r\"}",            /* no "to" */
        "not json at all",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        /* line 3 is bad; lines 1-2 change A (which must not be applied either) */
        char *f = xasprintf(ENT("A", "t", Q("a1") "," Q("a2")) NL ENT("B", "t", "") NL "%s", bad[i]);
        const char *g = ENT("A", "t", Q("a1")) NL ENT("B", "t", "") NL ENT("C", "t", "");
        struct mu_env envs[] = {{"lap", u, f}, {"desk", u, g}};
        struct run r;
        assert_merge(&r, u, envs, 2, ENT("A", "t", Q("a1")) NL ENT("B", "t", "") NL ENT("C", "t", "") NL);
        const struct mt_env_plan *e = env_named(&r.p, "lap");
        ck_assert_int_eq(e->status, MT_FRAG_QUARANTINED);
        ck_assert_ptr_nonnull(e->reason);
        const char *at = strstr(e->reason, "memory-lap.json:3:");
        ck_assert_msg(at != NULL, "bad line %zu: reason '%s'", i, e->reason);
        at += strlen("memory-lap.json:3:");
        ck_assert_msg(*at >= '1' && *at <= '9', "bad line %zu: no column in '%s'", i, e->reason);
        ck_assert(mt_plan_has_quarantine(&r.p));
        ck_assert_int_eq(env_named(&r.p, "desk")->status, MT_FRAG_CHANGED);
        run_free(&r);
        free(f);
    }
}
END_TEST

/* Lines of another type are ignored by the merge, not a reason to quarantine. */
START_TEST(other_type_lines_ignored)
{
    const char *u = ENT("A", "t", "");
    const char *f = ENT("A", "t", "") NL "{\"type\":\"note\",\"text\":\"hi\"}" NL ENT("B", "t", "");
    struct mu_env envs[] = {{"lap", u, f}};
    struct run r;
    assert_merge(&r, u, envs, 1, ENT("A", "t", "") NL ENT("B", "t", "") NL);
    ck_assert_int_eq(env_named(&r.p, "lap")->status, MT_FRAG_CHANGED);
    ck_assert_uint_eq(env_named(&r.p, "lap")->delta.other_lines, 1);
    run_free(&r);
}
END_TEST

/* ---- extra fields, duplicates ------------------------------------------- */

#define XLINE(obs) \
    "{\"type\":\"entity\",\"name\":\"X\",\"entityType\":\"t\",\"observations\":[" obs "],\"createdAt\":\"2024-01-01\",\"_crdt_metadata\":{\"v\":1,\"by\":[\"lap\"]}}"

START_TEST(extra_fields_survive)
{
    const char *z = "{\"type\":\"entity\",\"name\":\"Z\",\"entityType\":\"t\",\"observations\":[],\"ts\":7}";
    const char *n = "{\"type\":\"entity\",\"name\":\"N\",\"entityType\":\"t\",\"observations\":[\"n\"],\"ts\":3,\"meta\":{\"k\":[1,\"x\"]}}";
    const char *rel = "{\"type\":\"relation\",\"from\":\"X\",\"to\":\"N\",\"relationType\":\"r\",\"since\":\"2025\"}";
    char *u = xasprintf("%s\n%s", XLINE(Q("o1")), z);
    char *f = xasprintf("%s\n%s\n%s\n%s", XLINE(Q("o1") "," Q("o2")), z, n, rel);
    char *want = xasprintf("%s\n%s\n%s\n%s\n", XLINE(Q("o1") "," Q("o2")), z, n, rel);
    struct mu_env envs[] = {{"lap", u, f}};
    struct run r;
    assert_merge(&r, u, envs, 1, want);
    run_free(&r);
    free(f), free(want);

    /* a change of the extra fields alone is carried too */
    const char *x2 = "{\"type\":\"entity\",\"name\":\"X\",\"entityType\":\"t\",\"observations\":[\"o1\"],\"createdAt\":\"2025-02-02\"}";
    f = xasprintf("%s\n%s", x2, z);
    want = xasprintf("%s\n%s\n", x2, z);
    struct mu_env envs2[] = {{"lap", u, f}};
    assert_merge(&r, u, envs2, 1, want);
    run_free(&r);
    free(f), free(want), free(u);
}
END_TEST

START_TEST(duplicates_folded)
{
    /* inside a fragment: first type kept, observations unioned in order */
    const char *f = ENT("X", "t", Q("a")) NL ENT("Y", "t", "") NL ENT("X", "t2", Q("b") "," Q("a"));
    struct mu_env envs[] = {{"lap", NULL, f}};
    struct run r;
    assert_merge(&r, "", envs, 1, ENT("X", "t", Q("a") "," Q("b")) NL ENT("Y", "t", "") NL);
    ck_assert_uint_eq(env_named(&r.p, "lap")->delta.duplicate_lines, 1);
    ck_assert_uint_eq(env_named(&r.p, "lap")->entities, 2);
    ck_assert_uint_eq(r.p.nconflicts, 0);
    run_free(&r);

    /* a duplicate line added to an existing entity adds its observations */
    const char *m = ENT("X", "t", Q("a")) NL ENT("Y", "t", "");
    const char *g = ENT("X", "t", Q("a")) NL ENT("Y", "t", "") NL ENT("X", "t", Q("b"));
    struct mu_env envs2[] = {{"lap", m, g}};
    assert_merge(&r, m, envs2, 1, ENT("X", "t", Q("a") "," Q("b")) NL ENT("Y", "t", "") NL);
    run_free(&r);

    /* in U */
    const char *u = ENT("X", "t", Q("a")) NL ENT("X", "t", Q("b"));
    assert_merge(&r, u, NULL, 0, ENT("X", "t", Q("a") "," Q("b")) NL);
    run_free(&r);
}
END_TEST

/* ---- operator decisions ------------------------------------------------- */

START_TEST(decide_entity)
{
    const char *u = ENT("A", "t", "");
    const char *fz = ENT("A", "t", "") NL ENT("X", "zt", Q("z1"));
    const char *fa = ENT("A", "t", "") NL ENT("X", "at", Q("a1"));
    struct mu_env envs[] = {{"zeta", u, fz}, {"alpha", u, fa}};
    struct run r;
    merge(&r, u, envs, 2, MT_POLICY_FAIL, false);
    ck_assert_int_eq(r.rc, 1);
    ck_assert_uint_eq(mt_plan_pending(&r.p), 1);
    ck_assert_int_eq(r.p.conflicts[0].kind, MT_CONFLICT_TYPE);
    struct mt_entity *e = mt_entity_new("X", "edited");
    mt_strset_add(&e->obs, "z1");
    mt_strset_add(&e->obs, "by hand");
    char *key = xstrdup(r.p.conflicts[0].key);
    mt_plan_decide(&r.p, key, MT_DECIDE_ENTITY, e, "edited by the operator");
    mt_entity_free(e);
    ck_assert_int_eq(mt_plan_resolve(&r.p), 0);
    ck_assert(r.p.resolved);
    ck_assert_uint_eq(mt_plan_pending(&r.p), 0);
    ck_assert_uint_eq(r.p.nconflicts, 1);
    ck_assert(r.p.conflicts[0].decided);
    ck_assert_str_eq(r.p.conflicts[0].resolution, "edited by the operator");
    char *out = mu_result(&r.p);
    ck_assert_str_eq(out, ENT("A", "t", "") NL ENT("X", "edited", Q("z1") "," Q("by hand")) NL);
    free(out);
    assert_lossless(&r.p);
    /* undecided again: pending again */
    mt_plan_decide(&r.p, key, MT_DECIDE_NONE, NULL, NULL);
    ck_assert_int_eq(mt_plan_resolve(&r.p), 1);
    ck_assert(!r.p.resolved);
    free(key);
    run_free(&r);
}
END_TEST

/* The operator's intent is one value: a reload (a fresh plan of the same
 * state) resolved by a copy of it gives the same result, undo puts back
 * exactly what a decision replaced, and a held-back deletion let through
 * for one fragment's bytes is not let through for other bytes. */
START_TEST(intent_survives_reload_and_undo)
{
    const char *u = ENT("A", "t", "");
    const char *fz = ENT("A", "t", "") NL ENT("X", "zt", Q("z1"));
    const char *fa = ENT("A", "t", "") NL ENT("X", "at", Q("a1"));
    struct mu_env envs[] = {{"zeta", u, fz}, {"alpha", u, fa}};
    struct run r, again;
    merge(&r, u, envs, 2, MT_POLICY_FAIL, false);
    ck_assert_int_eq(r.rc, 1);
    char *key = xstrdup(r.p.conflicts[0].key);
    struct mt_entity *first = mt_entity_new("X", "first");
    mt_plan_decide(&r.p, key, MT_DECIDE_ENTITY, first, "first try");
    mt_plan_decide(&r.p, key, MT_DECIDE_DELETE, NULL, "deleted");
    ck_assert_int_eq(mt_plan_resolve(&r.p), 0);
    ck_assert_uint_eq(r.p.intent.nundo, 2);

    merge(&again, u, envs, 2, MT_POLICY_FAIL, false);   /* the reload */
    ck_assert_int_eq(again.rc, 1);
    mt_plan_set_intent(&again.p, &r.p.intent);
    ck_assert_int_eq(mt_plan_resolve(&again.p), 0);
    char *a = mu_result(&again.p), *b = mu_result(&r.p);
    ck_assert_str_eq(a, b);
    ck_assert_str_eq(a, ENT("A", "t", "") NL);
    free(a);
    free(b);

    char *undone = NULL;
    ck_assert(mt_intent_undo(&again.p.intent, &undone));   /* back to "first try" */
    ck_assert_str_eq(undone, key);
    free(undone);
    ck_assert_int_eq(mt_plan_resolve(&again.p), 0);
    a = mu_result(&again.p);
    ck_assert_str_eq(a, ENT("A", "t", "") NL ENT("X", "first", "") NL);
    free(a);
    ck_assert(mt_intent_undo(&again.p.intent, NULL));       /* back to undecided */
    ck_assert(!mt_intent_undo(&again.p.intent, NULL));
    ck_assert_int_eq(mt_plan_resolve(&again.p), 1);
    ck_assert_uint_eq(mt_plan_pending(&again.p), 1);
    /* the copy was deep: the first plan still holds its decision */
    ck_assert_ptr_nonnull(mt_intent_decision(&r.p.intent, key));

    mt_intent_allow_delete(&again.p.intent, "zeta", "00");
    ck_assert(mt_intent_allows_delete(&again.p.intent, "zeta", "00"));
    ck_assert(!mt_intent_allows_delete(&again.p.intent, "zeta", "01"));
    ck_assert(!mt_intent_allows_delete(&again.p.intent, "alpha", "00"));
    mt_entity_free(first);
    free(key);
    run_free(&again);
    run_free(&r);
}
END_TEST

/* "The TUI lets the operator decide each conflict: keep one side, union,
 * or edit ...; then the same engine finishes the merge": keeping one side
 * drops the other side's observations, and the result must still verify. */
START_TEST(decide_keep_one_side_verifies)
{
    const char *u = ENT("A", "t", "");
    const char *fz = ENT("A", "t", "") NL ENT("X", "zt", Q("z1"));
    const char *fa = ENT("A", "t", "") NL ENT("X", "at", Q("a1"));
    struct mu_env envs[] = {{"zeta", u, fz}, {"alpha", u, fa}};
    struct run r;
    merge(&r, u, envs, 2, MT_POLICY_FAIL, false);
    ck_assert_int_eq(r.rc, 1);
    const struct mt_conflict *c = conflict_of(&r.p, "X", MT_CONFLICT_TYPE);
    ck_assert_ptr_nonnull(c);
    const struct mt_entity *zeta = NULL;
    for (size_t i = 0; i < c->nsides; i++)
        if (strcmp(c->sides[i].label, "zeta") == 0) zeta = c->sides[i].entity;
    ck_assert_ptr_nonnull(zeta);
    char *key = xstrdup(c->key);
    mt_plan_decide(&r.p, key, MT_DECIDE_ENTITY, zeta, "kept zeta");
    free(key);
    ck_assert_int_eq(mt_plan_resolve(&r.p), 0);
    char *out = mu_result(&r.p);
    ck_assert_str_eq(out, ENT("A", "t", "") NL ENT("X", "zt", Q("z1")) NL);
    free(out);
    assert_lossless(&r.p);
    run_free(&r);
}
END_TEST

START_TEST(decide_delete)
{
    /* a deletes X; b adds an observation and a relation Z->X; U also has Y->X. */
    const char *u = ENT("X", "t", Q("o1")) NL ENT("Y", "t", "") NL ENT("Z", "t", "") NL REL("X", "Y", "k") NL
        REL("Y", "X", "k2");
    const char *m = ENT("X", "t", Q("o1")) NL ENT("Y", "t", "") NL ENT("Z", "t", "") NL REL("X", "Y", "k");
    const char *fa = ENT("Y", "t", "") NL ENT("Z", "t", "");
    const char *fb = ENT("X", "t", Q("o1") "," Q("o2")) NL ENT("Y", "t", "") NL ENT("Z", "t", "") NL
        REL("X", "Y", "k") NL REL("Z", "X", "new");
    struct mu_env envs[] = {{"a", m, fa}, {"b", m, fb}};
    struct run r;
    merge(&r, u, envs, 2, MT_POLICY_FAIL, false);
    ck_assert_int_eq(r.rc, 1);
    const struct mt_conflict *c = conflict_of(&r.p, "X", MT_CONFLICT_MODIFY_DELETE);
    ck_assert_ptr_nonnull(c);
    char *key = xstrdup(c->key);
    mt_plan_decide(&r.p, key, MT_DECIDE_DELETE, NULL, "took a's deletion");
    free(key);
    ck_assert_int_eq(mt_plan_resolve(&r.p), 0);
    ck_assert(r.p.resolved);
    ck_assert_uint_eq(mt_plan_pending(&r.p), 0);
    char *out = mu_result(&r.p);
    ck_assert_str_eq(out, ENT("Y", "t", "") NL ENT("Z", "t", "") NL);
    free(out);
    ck_assert_uint_eq(r.p.entities, 2);
    ck_assert_uint_eq(r.p.relations, 0);
    assert_lossless(&r.p);
    run_free(&r);
}
END_TEST

/* ---- disagreements found by reading DESIGN closely ---------------------- */


/* Reordering X's observations (delete_observations then add_observations of
 * the same text) adds and removes nothing: it is no delta by DESIGN's
 * definition, so a deletion of X by another env is not a MODIFY/DELETE
 * conflict and X is deleted. */
START_TEST(md_reorder_is_no_modification)
{
    const char *u = ENT("X", "t", Q("o1") "," Q("o2")) NL ENT("Y", "t", "");
    const char *fa = ENT("Y", "t", "");
    const char *fb = ENT("X", "t", Q("o2") "," Q("o1")) NL ENT("Y", "t", "");
    struct mu_env envs[] = {{"a", u, fa}, {"b", u, fb}};
    struct run r;
    assert_merge(&r, u, envs, 2, ENT("Y", "t", "") NL);
    ck_assert_uint_eq(r.p.nconflicts, 0);
    run_free(&r);
}
END_TEST

/* Same when U lost X in an earlier merge: a stale env that only reordered
 * X's observations neither retypes nor changes them, so X stays deleted
 * (no conflict, nothing resurrected). */
START_TEST(md_reorder_does_not_resurrect)
{
    const char *u = ENT("Y", "t", "");
    const char *m = ENT("X", "t", Q("o1") "," Q("o2")) NL ENT("Y", "t", "");
    const char *f = ENT("X", "t", Q("o2") "," Q("o1")) NL ENT("Y", "t", "");
    struct mu_env envs[] = {{"b", m, f}};
    struct run r;
    assert_merge(&r, u, envs, 1, ENT("Y", "t", "") NL);
    ck_assert_uint_eq(r.p.nconflicts, 0);
    run_free(&r);
}
END_TEST

/* An env whose only change to X is an extra field (another tool bumped a
 * timestamp) does not create, retype, add or remove observations, or add a
 * relation: DESIGN's MODIFY/DELETE list does not cover it, so another
 * env's deletion of X applies. */
START_TEST(md_extras_only_is_no_modification)
{
    const char *u = "{\"type\":\"entity\",\"name\":\"X\",\"entityType\":\"t\",\"observations\":[],\"ts\":1}" NL
        ENT("Y", "t", "");
    const char *fa = ENT("Y", "t", "");
    const char *fb = "{\"type\":\"entity\",\"name\":\"X\",\"entityType\":\"t\",\"observations\":[],\"ts\":2}" NL
        ENT("Y", "t", "");
    struct mu_env envs[] = {{"a", u, fa}, {"b", u, fb}};
    struct run r;
    assert_merge(&r, u, envs, 2, ENT("Y", "t", "") NL);
    ck_assert_uint_eq(r.p.nconflicts, 0);
    run_free(&r);
}
END_TEST

/* TYPE under preserve: "observations of all sides are unioned". U's side
 * holds o1; both envs retyped X by delete+create (the only way the MCP
 * server can retype), which dropped o1 from their fragments. */
START_TEST(type_union_keeps_u_observations)
{
    const char *u = ENT("X", "t0", Q("o1"));
    const char *fa = ENT("X", "t1", Q("a1"));
    const char *fb = ENT("X", "t2", Q("b1"));
    struct mu_env envs[] = {{"a", u, fa}, {"b", u, fb}};
    struct run r;
    assert_merge(&r, u, envs, 2, ENT("X", "t0", Q("o1") "," Q("a1") "," Q("b1")) NL);
    assert_conflict(&r.p, "X", MT_CONFLICT_TYPE, 2);
    run_free(&r);
}
END_TEST

/* U lacks X (an earlier merge deleted it); a (stale) deletes X, b adds a
 * relation Y->X. DESIGN: a MODIFY/DELETE conflict; preserve loses no data:
 * X is recreated from b's version and the relation is kept. */
START_TEST(md_relation_to_entity_u_lacks)
{
    const char *u = ENT("Y", "t", "");
    const char *m = ENT("X", "t", Q("o1")) NL ENT("Y", "t", "");
    const char *fb = ENT("X", "t", Q("o1")) NL ENT("Y", "t", "") NL REL("Y", "X", "r");
    struct mu_env envs[] = {{"a", m, u}, {"b", m, fb}};
    struct run r;
    assert_merge(&r, u, envs, 2, ENT("Y", "t", "") NL ENT("X", "t", Q("o1")) NL REL("Y", "X", "r") NL);
    assert_conflict(&r.p, "X", MT_CONFLICT_MODIFY_DELETE, 2);
    run_free(&r);
}
END_TEST

/* ---- property tests: a small model of the MCP server's graph ------------ */

#define GN 48        /* longest name or observation the generator makes, with room */
#define GMAXE 128
#define GMAXO 32
#define GMAXR 192
#define GEN_MAXE 24  /* a generated graph stays this small */
#define GEN_MAXO 5
#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

struct gent {
    char name[GN], type[GN];
    char obs[GMAXO][GN];
    int nobs;
};
struct grel {
    char from[GN], to[GN], rt[GN];
};
struct gg {
    struct gent e[GMAXE];
    int ne;
    struct grel r[GMAXR];
    int nr;
};

struct rng {
    uint64_t s;
};

static uint32_t rnd(struct rng *r)
{
    r->s = r->s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(r->s >> 33);
}

static int rn(struct rng *r, int n)
{
    return (int)(rnd(r) % (uint32_t)n);
}

static const char *const NAME_BASE[] = {"Ada", "Bob", "東京", "Zoë", "quo\"te", "back\\slash", "tab\there",
                                        "new\nline", "😀", "a/b", "ctl\x01", "Ωmega", " sp ", "\\\"", "Ǆ"};
static const char *const TYPES[] = {"person", "project", "città", "ty\"pe", "concept", "org\\x"};
static const char *const OBS_BASE[] = {"likes tea", "born 1815", "日本語", "quote \" here", "back \\ slash",
                                       "line\nbreak", "tab\t", "😀 smile", "ctl \x02", "plain", "</script>",
                                       "\u2028sep"};
static const char *const RTYPES[] = {"knows", "works_at", "likes \"x\"", "参照", "a\\b"};
static const char *const ENV_NAMES[] = {"alpha", "beta", "gamma", "delta.2", "e_5", "Zulu", "mini-pc", "ALPHA"};

static struct gg *g_new(void)
{
    return xcalloc(1, sizeof(struct gg));
}

static struct gg *g_copy(const struct gg *g)
{
    struct gg *c = g_new();
    *c = *g;
    return c;
}

static int g_find(const struct gg *g, const char *name)
{
    for (int i = 0; g && i < g->ne; i++)
        if (strcmp(g->e[i].name, name) == 0) return i;
    return -1;
}

static const struct gent *ent_in(const struct gg *g, const char *name)
{
    int i = g_find(g, name);
    return i < 0 ? NULL : &g->e[i];
}

static bool rel_eq(const struct grel *a, const struct grel *b)
{
    return !strcmp(a->from, b->from) && !strcmp(a->to, b->to) && !strcmp(a->rt, b->rt);
}

static int g_rfind(const struct gg *g, const struct grel *r)
{
    for (int i = 0; g && i < g->nr; i++)
        if (rel_eq(&g->r[i], r)) return i;
    return -1;
}

static bool e_has(const struct gent *e, const char *o)
{
    for (int i = 0; e && i < e->nobs; i++)
        if (strcmp(e->obs[i], o) == 0) return true;
    return false;
}

static void e_add(struct gent *e, const char *o)
{
    if (e_has(e, o)) return;
    ck_assert_int_lt(e->nobs, GMAXO);
    snprintf(e->obs[e->nobs++], GN, "%s", o);
}

static void e_remove(struct gent *e, const char *o)
{
    for (int i = 0; i < e->nobs; i++)
        if (strcmp(e->obs[i], o) == 0) {
            memmove(e->obs[i], e->obs[i + 1], (size_t)(e->nobs - i - 1) * GN);
            e->nobs--;
            return;
        }
}

static bool obs_set_eq(const struct gent *a, const struct gent *b)
{
    if (a->nobs != b->nobs) return false;
    for (int i = 0; i < a->nobs; i++)
        if (!e_has(b, a->obs[i])) return false;
    return true;
}

static bool obs_list_eq(const struct gent *a, const struct gent *b)
{
    if (a->nobs != b->nobs) return false;
    for (int i = 0; i < a->nobs; i++)
        if (strcmp(a->obs[i], b->obs[i])) return false;
    return true;
}

static void rand_name(struct rng *r, char *out)
{
    snprintf(out, GN, "%s%d", NAME_BASE[rn(r, NELEM(NAME_BASE))], rn(r, 6));
}

static void rand_obs(struct rng *r, char *out)
{
    snprintf(out, GN, "%s %d", OBS_BASE[rn(r, NELEM(OBS_BASE))], rn(r, 5));
}

static void g_new_ent(struct rng *r, struct gg *g, const char *name)
{
    ck_assert_int_lt(g->ne, GMAXE);
    struct gent *e = &g->e[g->ne++];
    memset(e, 0, sizeof *e);
    snprintf(e->name, GN, "%s", name);
    snprintf(e->type, GN, "%s", TYPES[rn(r, NELEM(TYPES))]);
    for (int k = rn(r, 4); k > 0; k--) {
        char o[GN];
        rand_obs(r, o);
        e_add(e, o);
    }
}

/* delete_entities: the server drops the relations that touch it too. */
static void g_del_ent(struct gg *g, int i)
{
    const char *name = g->e[i].name;
    int w = 0;
    for (int k = 0; k < g->nr; k++)
        if (strcmp(g->r[k].from, name) && strcmp(g->r[k].to, name)) g->r[w++] = g->r[k];
    g->nr = w;
    memmove(&g->e[i], &g->e[i + 1], (size_t)(g->ne - i - 1) * sizeof g->e[0]);
    g->ne--;
}

static void g_add_rel(struct rng *r, struct gg *g)
{
    if (!g->ne || g->nr >= 40) return;
    struct grel x;
    snprintf(x.from, GN, "%s", g->e[rn(r, g->ne)].name);
    snprintf(x.to, GN, "%s", g->e[rn(r, g->ne)].name);
    snprintf(x.rt, GN, "%s", RTYPES[rn(r, NELEM(RTYPES))]);
    if (g_rfind(g, &x) < 0) g->r[g->nr++] = x;
}

/* Random edits with the MCP server's tools (and an in-place retype, as
 * other tools do it). */
static void g_edit(struct rng *r, struct gg *g, int nops)
{
    for (int k = 0; k < nops; k++) {
        char buf[GN];
        struct gent *e = g->ne ? &g->e[rn(r, g->ne)] : NULL;
        switch (rn(r, 10)) {
        case 0:
        case 1: /* create_entities: existing names are skipped */
            rand_name(r, buf);
            if (g_find(g, buf) < 0 && g->ne < GEN_MAXE) g_new_ent(r, g, buf);
            break;
        case 2: /* delete_entities */
            if (e) g_del_ent(g, (int)(e - g->e));
            break;
        case 3:
        case 4: /* add_observations */
            rand_obs(r, buf);
            if (e && e->nobs < GEN_MAXO) e_add(e, buf);
            break;
        case 5: /* delete_observations, sometimes added again (it moves to the end) */
            if (e && e->nobs) {
                snprintf(buf, GN, "%s", e->obs[rn(r, e->nobs)]);
                e_remove(e, buf);
                if (rn(r, 4) == 0) e_add(e, buf);
            }
            break;
        case 6:
        case 7: /* create_relations */
            g_add_rel(r, g);
            break;
        case 8: /* delete_relations */
            if (g->nr) {
                int i = rn(r, g->nr);
                memmove(&g->r[i], &g->r[i + 1], (size_t)(g->nr - i - 1) * sizeof g->r[0]);
                g->nr--;
            }
            break;
        case 9: /* retype: delete and create again, or in place */
            if (!e) break;
            if (rn(r, 2)) {
                snprintf(buf, GN, "%s", e->name);
                g_del_ent(g, (int)(e - g->e));
                g_new_ent(r, g, buf);
            } else {
                snprintf(e->type, GN, "%s", TYPES[rn(r, NELEM(TYPES))]);
            }
            break;
        }
    }
}

static struct gg *g_random(struct rng *r)
{
    struct gg *g = g_new();
    for (int n = rn(r, 14); n > 0; n--) {
        char buf[GN];
        rand_name(r, buf);
        if (g_find(g, buf) < 0) g_new_ent(r, g, buf);
    }
    for (int n = rn(r, 2 * g->ne + 1); n > 0; n--) g_add_rel(r, g);
    return g;
}

/* JSON.stringify's escaping, written independently of src/graph/jsonw.c. */
static void js_str(struct mt_buf *b, const char *s)
{
    mt_buf_addc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': mt_buf_adds(b, "\\\""); break;
        case '\\': mt_buf_adds(b, "\\\\"); break;
        case '\b': mt_buf_adds(b, "\\b"); break;
        case '\f': mt_buf_adds(b, "\\f"); break;
        case '\n': mt_buf_adds(b, "\\n"); break;
        case '\r': mt_buf_adds(b, "\\r"); break;
        case '\t': mt_buf_adds(b, "\\t"); break;
        default:
            if (*p < 0x20) mt_buf_addf(b, "\\u%04x", *p);
            else mt_buf_addc(b, (char)*p);
        }
    }
    mt_buf_addc(b, '"');
}

/* The graph as the server writes it: no final newline; with final_nl, as
 * memtui writes it. */
static char *g_text(const struct gg *g, bool final_nl)
{
    struct mt_buf b;
    mt_buf_init(&b);
    for (int i = 0; i < g->ne; i++) {
        if (b.len) mt_buf_addc(&b, '\n');
        mt_buf_adds(&b, "{\"type\":\"entity\",\"name\":");
        js_str(&b, g->e[i].name);
        mt_buf_adds(&b, ",\"entityType\":");
        js_str(&b, g->e[i].type);
        mt_buf_adds(&b, ",\"observations\":[");
        for (int k = 0; k < g->e[i].nobs; k++) {
            if (k) mt_buf_addc(&b, ',');
            js_str(&b, g->e[i].obs[k]);
        }
        mt_buf_adds(&b, "]}");
    }
    for (int i = 0; i < g->nr; i++) {
        if (b.len) mt_buf_addc(&b, '\n');
        mt_buf_adds(&b, "{\"type\":\"relation\",\"from\":");
        js_str(&b, g->r[i].from);
        mt_buf_adds(&b, ",\"to\":");
        js_str(&b, g->r[i].to);
        mt_buf_adds(&b, ",\"relationType\":");
        js_str(&b, g->r[i].rt);
        mt_buf_addc(&b, '}');
    }
    if (final_nl && b.len) mt_buf_addc(&b, '\n');
    return mt_buf_detach(&b, NULL);
}

static void copy_field(char *dst, struct json_object *o, const char *k)
{
    struct json_object *v;
    ck_assert(json_object_object_get_ex(o, k, &v));
    const char *s = json_object_get_string(v);
    ck_assert_uint_lt(strlen(s), GN);
    snprintf(dst, GN, "%s", s);
}

/* Read memtui's output back with json-c (not with the engine's reader). */
static struct gg *g_parse(const char *text)
{
    struct gg *g = g_new();
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        ck_assert_msg(nl != NULL, "output without a final newline");
        char *line = xstrndup(p, (size_t)(nl - p));
        struct json_object *o = json_tokener_parse(line);
        ck_assert_msg(o != NULL, "output line is not JSON: %s", line);
        struct json_object *t;
        ck_assert(json_object_object_get_ex(o, "type", &t));
        if (strcmp(json_object_get_string(t), "entity") == 0) {
            ck_assert_int_eq(g->nr, 0);   /* entities first */
            ck_assert_int_lt(g->ne, GMAXE);
            struct gent *e = &g->e[g->ne++];
            memset(e, 0, sizeof *e);
            copy_field(e->name, o, "name");
            copy_field(e->type, o, "entityType");
            struct json_object *obs;
            ck_assert(json_object_object_get_ex(o, "observations", &obs));
            for (size_t i = 0; i < json_object_array_length(obs); i++) {
                const char *s = json_object_get_string(json_object_array_get_idx(obs, i));
                ck_assert_msg(!e_has(e, s), "observation twice in output");
                e_add(e, s);
            }
        } else {
            ck_assert_str_eq(json_object_get_string(t), "relation");
            ck_assert_int_lt(g->nr, GMAXR);
            struct grel *r = &g->r[g->nr++];
            copy_field(r->from, o, "from");
            copy_field(r->to, o, "to");
            copy_field(r->rt, o, "relationType");
        }
        json_object_put(o);
        free(line);
        p = nl + 1;
    }
    return g;
}

/* Same entities (type, observations as sets) and relations, ignoring order. */
static void assert_same_sets(const struct gg *got, const struct gg *want, int seed, const char *what)
{
    ck_assert_msg(got->ne == want->ne, "seed %d (%s): %d entities, want %d", seed, what, got->ne, want->ne);
    for (int i = 0; i < want->ne; i++) {
        const struct gent *g = ent_in(got, want->e[i].name);
        ck_assert_msg(g != NULL, "seed %d (%s): entity '%s' missing", seed, what, want->e[i].name);
        ck_assert_msg(!strcmp(g->type, want->e[i].type), "seed %d (%s): '%s' typed '%s', want '%s'", seed, what,
                      g->name, g->type, want->e[i].type);
        ck_assert_msg(obs_set_eq(g, &want->e[i]), "seed %d (%s): observations of '%s' differ", seed, what,
                      g->name);
    }
    ck_assert_msg(got->nr == want->nr, "seed %d (%s): %d relations, want %d", seed, what, got->nr, want->nr);
    for (int i = 0; i < want->nr; i++)
        ck_assert_msg(g_rfind(got, &want->r[i]) >= 0, "seed %d (%s): relation %s->%s missing", seed, what,
                      want->r[i].from, want->r[i].to);
}

#define NSEEDS 200

/* One env's delta against its own base (U = M_e) gives exactly F_e. */
START_TEST(prop_own_base)
{
    for (int seed = 0; seed < NSEEDS; seed++) {
        struct rng r = {(uint64_t)seed * 7919 + 1};
        struct gg *m = g_random(&r), *f = g_copy(m);
        g_edit(&r, f, rn(&r, 14));
        char *mt = g_text(m, false), *ft = g_text(f, rn(&r, 4) == 0);
        struct mu_env envs[] = {{ENV_NAMES[rn(&r, NELEM(ENV_NAMES))], mt, ft}};
        struct run x;
        merge(&x, mt, envs, 1, MT_POLICY_PRESERVE, true);
        ck_assert_msg(x.rc == 0 && x.p.resolved, "seed %d: rc %d", seed, x.rc);
        ck_assert_msg(x.p.nconflicts == 0, "seed %d: %zu conflicts", seed, x.p.nconflicts);
        struct gg *got = g_parse(x.out);
        assert_same_sets(got, f, seed, "own base");
        ck_assert_uint_eq(x.p.entities, (size_t)f->ne);
        ck_assert_uint_eq(x.p.relations, (size_t)f->nr);
        assert_lossless(&x.p);
        run_free(&x);
        free(got);

        /* a new env on an empty U: exactly its graph, in its order */
        struct mu_env fresh[] = {{"fresh", NULL, ft}};
        merge(&x, "", fresh, 1, MT_POLICY_PRESERVE, true);
        ck_assert_int_eq(x.rc, 0);
        char *want = g_text(f, true);
        ck_assert_msg(strcmp(x.out, want) == 0, "seed %d: new env's graph not copied as is:\n%s\nwant\n%s", seed,
                      x.out, want);
        free(want);
        run_free(&x);
        free(mt), free(ft), free(m), free(f);
    }
}
END_TEST

/* F_e = M_e for every env: the output is U, canonical, and no fragment is read. */
START_TEST(prop_empty_deltas)
{
    for (int seed = 0; seed < NSEEDS; seed++) {
        struct rng r = {(uint64_t)seed * 104729 + 3};
        struct gg *u = g_random(&r);
        char *ut = g_text(u, false);
        int n = 1 + rn(&r, 4);
        char *texts[4];
        struct mu_env envs[4];
        for (int i = 0; i < n; i++) {
            struct gg *m = g_copy(u);
            if (rn(&r, 3)) g_edit(&r, m, 1 + rn(&r, 8));
            texts[i] = g_text(m, false);
            envs[i] = (struct mu_env){ENV_NAMES[i], texts[i], texts[i]};
            free(m);
        }
        struct run x;
        merge(&x, ut, envs, (size_t)n, MT_POLICY_FAIL, false);
        ck_assert_int_eq(x.rc, 0);
        char *want = g_text(u, true);
        ck_assert_msg(strcmp(x.out, want) == 0, "seed %d: output is not U", seed);
        ck_assert_int_eq(x.s.reads, 1);
        ck_assert_uint_eq(x.p.nchanges, 0);
        ck_assert_uint_eq(x.p.nrel_changes, 0);
        for (size_t i = 0; i < x.p.nenvs; i++) ck_assert_int_eq(x.p.envs[i].status, MT_FRAG_UNCHANGED);
        assert_lossless(&x.p);
        run_free(&x);
        free(want), free(ut), free(u);
        for (int i = 0; i < n; i++) free(texts[i]);
    }
}
END_TEST

/* ---- multi-env scenarios and an oracle written from DESIGN -------------- *
 *
 * judge() and check_design() compute, from the fragments alone, the
 * conflicts and the whole preserve result that DESIGN 2 prescribes, and
 * compare them with the engine's. */

struct penv {
    const char *name;
    struct gg *m, *f;    /* m NULL: new env; f NULL: file absent */
    char *mt, *ft;
};

struct scen {
    struct gg *u;
    char *ut;
    int n;
    struct penv e[4];
    int order[4];        /* env indices sorted by name */
};

static void scen_build(struct scen *sc, struct rng *r)
{
    memset(sc, 0, sizeof *sc);
    struct gg *b0 = g_random(r);
    sc->u = g_copy(b0);
    if (rn(r, 2)) g_edit(r, sc->u, 1 + rn(r, 6));   /* earlier merges moved U */
    sc->ut = g_text(sc->u, false);
    sc->n = 1 + rn(r, 4);
    int pick[NELEM(ENV_NAMES)];
    for (int i = 0; i < NELEM(ENV_NAMES); i++) pick[i] = i;
    for (int i = NELEM(ENV_NAMES) - 1; i > 0; i--) {
        int j = rn(r, i + 1), t = pick[i];
        pick[i] = pick[j], pick[j] = t;
    }
    for (int i = 0; i < sc->n; i++) {
        struct penv *e = &sc->e[i];
        e->name = ENV_NAMES[pick[i]];
        int kind = rn(r, 20);
        if (kind == 0) {                 /* its file left the repo */
            e->m = g_copy(b0);
        } else if (kind <= 2) {          /* a new env */
            e->f = rn(r, 2) ? g_copy(b0) : g_random(r);
            g_edit(r, e->f, rn(r, 6));
        } else {
            e->m = g_copy(b0);
            if (kind <= 5) g_edit(r, e->m, 1 + rn(r, 4));   /* merged at another time */
            e->f = g_copy(e->m);
            if (rn(r, 6)) g_edit(r, e->f, 1 + rn(r, 8));
        }
        e->mt = e->m ? g_text(e->m, false) : NULL;
        e->ft = e->f ? g_text(e->f, rn(r, 5) == 0) : NULL;
    }
    for (int i = 0; i < sc->n; i++) sc->order[i] = i;
    for (int i = 1; i < sc->n; i++)
        for (int j = i; j > 0 && strcmp(sc->e[sc->order[j - 1]].name, sc->e[sc->order[j]].name) > 0; j--) {
            int t = sc->order[j];
            sc->order[j] = sc->order[j - 1], sc->order[j - 1] = t;
        }
    free(b0);
}

static void scen_free(struct scen *sc)
{
    for (int i = 0; i < sc->n; i++) {
        free(sc->e[i].m), free(sc->e[i].f), free(sc->e[i].mt), free(sc->e[i].ft);
    }
    free(sc->u), free(sc->ut);
}

/* What one env's delta says about entity `name` (DESIGN 2: created,
 * deleted, retyped, observations added/removed, relations added). */
struct efacts {
    const struct gent *m, *f;
    bool created, deleted, retyped, obs_changed, rel_added;
    bool reordered;   /* same type and observation set, other order: no delta */
};

static struct efacts facts(const struct penv *e, const char *name)
{
    struct efacts x;
    memset(&x, 0, sizeof x);
    if (!e->f) return x;   /* absent: no delta */
    x.m = ent_in(e->m, name);
    x.f = ent_in(e->f, name);
    x.created = !x.m && x.f;
    x.deleted = x.m && !x.f;
    if (x.m && x.f) {
        x.retyped = strcmp(x.m->type, x.f->type) != 0;
        x.obs_changed = !obs_set_eq(x.m, x.f);
        x.reordered = !x.retyped && !x.obs_changed && !obs_list_eq(x.m, x.f);
    }
    for (int i = 0; i < e->f->nr; i++) {
        const struct grel *rl = &e->f->r[i];
        if ((!strcmp(rl->from, name) || !strcmp(rl->to, name)) && g_rfind(e->m, rl) < 0) x.rel_added = true;
    }
    return x;
}

/* The oracle's verdict on one entity. */
struct verdict {
    char name[GN];
    const struct gent *u;
    bool type_c, md_c;
    size_t type_envs, md_envs;
    bool present, gone;         /* gone: was there and this merge deletes it */
    bool skip;                  /* engine known to differ (see below) */
    bool order_skip;            /* place known to differ (output_order_new_entity_met_earlier) */
    bool check_type, loose;
    struct gent want;           /* type and observations (exact, or the lower bound) */
    struct gent hi;             /* upper bound of observations when loose */
    int first_env;              /* sorted position of the env that brings it (new entities) */
};

static void judge(const struct scen *sc, const char *name, struct verdict *v)
{
    memset(v, 0, sizeof *v);
    snprintf(v->name, GN, "%s", name);
    v->u = ent_in(sc->u, name);
    struct efacts f[4];
    const char *ptype = NULL;
    bool two = false, moved = false, any_del = false, any_other = false, any_mod = false, any_rel = false;
    for (int k = 0; k < sc->n; k++) {
        f[k] = facts(&sc->e[sc->order[k]], name);
        const struct efacts *x = &f[k];
        if (x->created || x->retyped) {
            v->type_envs++;
            if (ptype && strcmp(ptype, x->f->type)) two = true;
            if (!ptype) ptype = x->f->type;
            if (v->u && strcmp(x->f->type, v->u->type) && !(x->m && !strcmp(x->m->type, v->u->type))) moved = true;
        }
        any_del |= x->deleted;
        any_other |= x->created || x->retyped || x->obs_changed;
        any_mod |= x->retyped || x->obs_changed;
        any_rel |= x->rel_added && !x->deleted;
        if (x->created || x->deleted || x->retyped || x->obs_changed || x->rel_added) v->md_envs++;
    }
    v->type_c = two || moved;
    v->md_c = (any_del && (any_other || any_rel)) || (!v->u && any_mod);
    v->present = v->u ? (v->md_c || !any_del) : (any_other || (v->md_c && any_rel));
    v->gone = !v->present && (v->u || any_del);
    if (!v->present) return;

    snprintf(v->want.name, GN, "%s", name);
    v->first_env = -1;
    if (v->u) {
        /* U's version, every side's additions appended in env then fragment
         * order, removals applied unless another side adds (add wins). */
        v->check_type = true;
        snprintf(v->want.type, GN, "%s", v->type_c || !ptype ? v->u->type : ptype);
        struct gent adds;
        memset(&adds, 0, sizeof adds);
        v->want.nobs = 0;
        for (int i = 0; i < v->u->nobs; i++) e_add(&v->want, v->u->obs[i]);
        for (int k = 0; k < sc->n; k++) {
            if (!f[k].f) continue;
            for (int i = 0; i < f[k].f->nobs; i++)
                if (f[k].created || !e_has(f[k].m, f[k].f->obs[i])) {
                    e_add(&v->want, f[k].f->obs[i]);
                    e_add(&adds, f[k].f->obs[i]);
                }
        }
        for (int k = 0; k < sc->n; k++) {
            if (!f[k].m || !f[k].f) continue;
            for (int i = 0; i < f[k].m->nobs; i++)
                if (!e_has(f[k].f, f[k].m->obs[i]) && !e_has(&adds, f[k].m->obs[i]))
                    e_remove(&v->want, f[k].m->obs[i]);
        }
        if (v->type_c) {
            /* "observations of all sides are unioned": at least the above,
             * at most everything any side has. */
            v->loose = true;
            memset(&v->hi, 0, sizeof v->hi);
            for (int i = 0; i < v->u->nobs; i++) e_add(&v->hi, v->u->obs[i]);
            for (int k = 0; k < sc->n; k++)
                for (int i = 0; f[k].f && i < f[k].f->nobs; i++) e_add(&v->hi, f[k].f->obs[i]);
        }
        return;
    }
    /* Not in U: the union of the versions of the envs that bring it, typed
     * by the first of them (TYPE: the first proposal). */
    const char *first_prop = NULL;
    for (int k = 0; k < sc->n; k++) {
        bool brings = f[k].created || f[k].retyped || f[k].obs_changed || (v->md_c && f[k].rel_added && f[k].f);
        if (!brings) continue;
        if (v->first_env < 0) {
            v->first_env = k;
            snprintf(v->want.type, GN, "%s", f[k].f->type);
        }
        if (!first_prop && (f[k].created || f[k].retyped)) first_prop = f[k].f->type;
        for (int i = 0; i < f[k].f->nobs; i++) e_add(&v->want, f[k].f->obs[i]);
    }
    v->check_type = !(v->type_c && v->md_c);
    if (v->type_c && first_prop) snprintf(v->want.type, GN, "%s", first_prop);
}

static const struct verdict *verdict_of(const struct verdict *vs, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(vs[i].name, name)) return &vs[i];
    return NULL;
}

/* Is a relation end deleted by this merge? (unknown names: no) */
static bool end_gone(const struct verdict *vs, int n, const char *name)
{
    const struct verdict *v = verdict_of(vs, n, name);
    return v && v->gone;
}

static bool rel_skipped(const struct verdict *vs, int n, const struct grel *rl)
{
    const struct verdict *a = verdict_of(vs, n, rl->from), *b = verdict_of(vs, n, rl->to);
    return (a && a->skip) || (b && b->skip);
}

static void check_entity(const struct gent *g, const struct verdict *v, int seed)
{
    if (v->check_type)
        ck_assert_msg(!strcmp(g->type, v->want.type), "seed %d: '%s' typed '%s', want '%s'", seed, g->name, g->type,
                      v->want.type);
    if (!v->loose) {
        ck_assert_msg(obs_list_eq(g, &v->want), "seed %d: observations of '%s' differ (%d, want %d)", seed, g->name,
                      g->nobs, v->want.nobs);
        return;
    }
    for (int k = 0; k < v->want.nobs; k++)
        ck_assert_msg(e_has(g, v->want.obs[k]), "seed %d: '%s' lost observation '%s'", seed, g->name,
                      v->want.obs[k]);
    for (int k = 0; k < g->nobs; k++)
        ck_assert_msg(e_has(&v->hi, g->obs[k]), "seed %d: '%s' has invented observation '%s'", seed, g->name,
                      g->obs[k]);
}

/* The whole expected result under preserve, checked against the engine's. */
static void check_design(const struct scen *sc, const struct mt_plan *p, const char *out, int seed)
{
    /* every name any side mentions */
    int cap = GMAXE * 10, nv = 0;
    struct verdict *vs = xcalloc((size_t)cap, sizeof *vs);
    const struct gg *graphs[9];
    int ng = 0;
    graphs[ng++] = sc->u;
    for (int i = 0; i < sc->n; i++) graphs[ng++] = sc->e[i].m, graphs[ng++] = sc->e[i].f;
    for (int gi = 0; gi < ng; gi++)
        for (int i = 0; graphs[gi] && i < graphs[gi]->ne; i++) {
            if (verdict_of(vs, nv, graphs[gi]->e[i].name)) continue;
            ck_assert_int_lt(nv, cap);
            judge(sc, graphs[gi]->e[i].name, &vs[nv++]);
        }

    /* conflicts: exactly the ones DESIGN names, with their envs */
    size_t want_conflicts = 0;
    for (int i = 0; i < nv; i++) {
        const struct verdict *v = &vs[i];
        if (v->skip) continue;
        want_conflicts += v->type_c + v->md_c;
        const struct mt_conflict *ct = conflict_of(p, v->name, MT_CONFLICT_TYPE);
        const struct mt_conflict *cm = conflict_of(p, v->name, MT_CONFLICT_MODIFY_DELETE);
        ck_assert_msg(!!ct == v->type_c, "seed %d: TYPE conflict on '%s': engine %d, DESIGN %d", seed, v->name,
                      !!ct, v->type_c);
        ck_assert_msg(!!cm == v->md_c, "seed %d: MODIFY/DELETE conflict on '%s': engine %d, DESIGN %d", seed,
                      v->name, !!cm, v->md_c);
        if (ct) ck_assert_msg(ct->nenvs == v->type_envs, "seed %d: TYPE '%s': %zu envs, want %zu", seed, v->name,
                              ct->nenvs, v->type_envs);
        if (cm) ck_assert_msg(cm->nenvs == v->md_envs, "seed %d: MD '%s': %zu envs, want %zu", seed, v->name,
                              cm->nenvs, v->md_envs);
    }
    size_t skipped_conflicts = 0;
    for (size_t i = 0; i < p->nconflicts; i++) {
        const struct verdict *v = verdict_of(vs, nv, p->conflicts[i].name);
        ck_assert_msg(v != NULL, "seed %d: conflict on unknown '%s'", seed, p->conflicts[i].name);
        skipped_conflicts += v->skip;
        ck_assert_ptr_nonnull(p->conflicts[i].resolution);
    }
    ck_assert_msg(p->nconflicts - skipped_conflicts == want_conflicts, "seed %d: %zu conflicts, want %zu", seed,
                  p->nconflicts - skipped_conflicts, want_conflicts);

    /* entities: U's in U's order, then new ones by env name then fragment order */
    struct gg *got = g_parse(out);
    const struct verdict **want = xcalloc((size_t)cap, sizeof *want);
    int nw = 0;
    for (int i = 0; i < sc->u->ne; i++) {
        const struct verdict *v = verdict_of(vs, nv, sc->u->e[i].name);
        if (v->present && !v->skip) want[nw++] = v;
    }
    for (int k = 0; k < sc->n; k++) {
        const struct gg *fg = sc->e[sc->order[k]].f;
        for (int i = 0; fg && i < fg->ne; i++) {
            const struct verdict *v = verdict_of(vs, nv, fg->e[i].name);
            if (v->u || !v->present || v->skip || v->order_skip || v->first_env > k) continue;
            bool placed = false;
            for (int j = 0; j < nw; j++) placed |= want[j] == v;
            if (!placed) want[nw++] = v;
        }
    }
    int gi = 0;
    for (int i = 0; i < got->ne; i++) {
        const struct gent *g = &got->e[i];
        const struct verdict *v = verdict_of(vs, nv, g->name);
        ck_assert_msg(v != NULL, "seed %d: result has an entity no side has: '%s'", seed, g->name);
        if (v->skip) continue;
        if (v->order_skip) {
            ck_assert_msg(v->present, "seed %d: result has '%s', which DESIGN deletes", seed, g->name);
        } else {
            ck_assert_msg(gi < nw, "seed %d: result has '%s', which DESIGN deletes", seed, g->name);
            ck_assert_msg(want[gi] == v, "seed %d: entity %d is '%s', want '%s'", seed, gi, g->name,
                          want[gi]->name);
            gi++;
        }
        check_entity(g, v, seed);
    }
    for (int i = 0; i < nv; i++)
        if (vs[i].order_skip && vs[i].present && !vs[i].skip)
            ck_assert_msg(g_find(got, vs[i].name) >= 0, "seed %d: result lacks '%s'", seed, vs[i].name);
    ck_assert_msg(gi == nw, "seed %d: result lacks '%s'", seed, gi < nw ? want[gi]->name : "?");

    /* relations: U's (unless removed or an end deleted), then added ones */
    struct grel *wr = xcalloc(GMAXR, sizeof *wr);
    int nr = 0;
    for (int i = 0; i < sc->u->nr; i++) {
        const struct grel *rl = &sc->u->r[i];
        if (rel_skipped(vs, nv, rl)) continue;
        bool added = false, stands = false;
        for (int k = 0; k < sc->n; k++) {
            const struct penv *e = &sc->e[sc->order[k]];
            if (!e->f) continue;
            bool in_m = g_rfind(e->m, rl) >= 0, in_f = g_rfind(e->f, rl) >= 0;
            added |= !in_m && in_f;
            if (in_m && !in_f) {
                /* a removal that only went with a deletion the merge undid does not stand */
                bool undone = false;
                const char *ends[2] = {rl->from, rl->to};
                for (int j = 0; j < 2; j++) {
                    const struct verdict *v = verdict_of(vs, nv, ends[j]);
                    if (ent_in(e->m, ends[j]) && !ent_in(e->f, ends[j]) && v && v->present) undone = true;
                }
                stands |= !undone;
            }
        }
        bool keep = added || !stands;
        if (keep && (end_gone(vs, nv, rl->from) || end_gone(vs, nv, rl->to))) keep = false;
        if (keep) wr[nr++] = *rl;
    }
    struct grel *unordered = xcalloc(GMAXR, sizeof *unordered);
    int nu = 0;
    for (int k = 0; k < sc->n; k++) {
        const struct penv *e = &sc->e[sc->order[k]];
        for (int i = 0; e->f && i < e->f->nr; i++) {
            const struct grel *rl = &e->f->r[i];
            if (g_rfind(e->m, rl) >= 0 || g_rfind(sc->u, rl) >= 0 || rel_skipped(vs, nv, rl)) continue;
            if (end_gone(vs, nv, rl->from) || end_gone(vs, nv, rl->to)) continue;
            bool placed = false;
            for (int j = 0; j < nr; j++) placed |= rel_eq(&wr[j], rl);
            for (int j = 0; j < nu; j++) placed |= rel_eq(&unordered[j], rl);
            if (placed) continue;
            bool met_earlier = false;
            if (met_earlier) unordered[nu++] = *rl;
            else wr[nr++] = *rl;
        }
    }
    for (int j = 0; j < nu; j++)
        ck_assert_msg(g_rfind(got, &unordered[j]) >= 0, "seed %d: missing relation %s -> %s", seed,
                      unordered[j].from, unordered[j].to);
    int ri = 0;
    for (int i = 0; i < got->nr; i++) {
        const struct grel *rl = &got->r[i];
        if (rel_skipped(vs, nv, rl)) continue;
        bool unord = false;
        for (int j = 0; j < nu; j++) unord |= rel_eq(&unordered[j], rl);
        if (unord) continue;
        ck_assert_msg(ri < nr, "seed %d: extra relation %s -> %s", seed, rl->from, rl->to);
        ck_assert_msg(rel_eq(rl, &wr[ri]), "seed %d: relation %d is %s -> %s, want %s -> %s", seed, ri, rl->from,
                      rl->to, wr[ri].from, wr[ri].to);
        ri++;
    }
    ck_assert_msg(ri == nr, "seed %d: missing relation %s -> %s", seed, ri < nr ? wr[ri].from : "?",
                  ri < nr ? wr[ri].to : "?");
    free(wr);
    free(unordered);
    free(want);
    free(got);
    free(vs);
}

static void scen_merge(struct run *x, const struct scen *sc, enum mt_policy pol, bool reverse)
{
    struct mu_env envs[4];
    for (int i = 0; i < sc->n; i++) {
        const struct penv *e = &sc->e[reverse ? sc->n - 1 - i : i];
        envs[i] = (struct mu_env){e->name, e->mt, e->ft};
    }
    merge(x, sc->ut, envs, (size_t)sc->n, pol, true);
}

/* Many envs at once: the result is what DESIGN says, nothing is lost, the
 * merge is deterministic, and `fail` stops exactly when there are conflicts. */
START_TEST(prop_multi_env)
{
    size_t conflicts = 0;
    const char *only = getenv("MERGE_RULES_SEED");   /* run one seed, for debugging */
    for (int seed = only ? atoi(only) : 0; seed < (only ? atoi(only) + 1 : NSEEDS); seed++) {
        struct rng r = {(uint64_t)seed * 2654435761u + 17};
        struct scen sc;
        scen_build(&sc, &r);
        struct run a, b, c;
        scen_merge(&a, &sc, MT_POLICY_PRESERVE, false);
        ck_assert_msg(a.rc == 0 && a.p.resolved, "seed %d: preserve rc %d", seed, a.rc);
        assert_lossless(&a.p);
        ck_assert_uint_eq(a.p.entities, lines_of_kind(a.out, "entity"));
        ck_assert_uint_eq(a.p.relations, lines_of_kind(a.out, "relation"));
        conflicts += a.p.nconflicts;

        /* twice (envs listed the other way round): byte-identical */
        scen_merge(&b, &sc, MT_POLICY_PRESERVE, true);
        ck_assert_msg(strcmp(a.out, b.out) == 0, "seed %d: two runs differ", seed);
        ck_assert_uint_eq(a.p.nconflicts, b.p.nconflicts);
        for (size_t i = 0; i < a.p.nconflicts; i++) {
            ck_assert_str_eq(a.p.conflicts[i].name, b.p.conflicts[i].name);
            ck_assert_int_eq(a.p.conflicts[i].kind, b.p.conflicts[i].kind);
            ck_assert_str_eq(a.p.conflicts[i].resolution, b.p.conflicts[i].resolution);
        }

        /* fail: pending exactly when preserve had to decide something */
        scen_merge(&c, &sc, MT_POLICY_FAIL, false);
        if (a.p.nconflicts) {
            ck_assert_int_eq(c.rc, 1);
            ck_assert(!c.p.resolved);
            ck_assert_uint_eq(mt_plan_pending(&c.p), a.p.nconflicts);
            /* each pending conflict shows exactly what preserve made of it */
            ck_assert_uint_eq(c.p.nconflicts, a.p.nconflicts);
            for (size_t i = 0; i < c.p.nconflicts; i++) {
                const struct mt_conflict *k = &c.p.conflicts[i];
                const struct mt_entity *want = mt_graph_entity(&a.p.result, k->key);
                ck_assert_msg(!want == !k->preserve && (!want || mt_entity_equal(want, k->preserve)),
                              "seed %d: %s's preserve preview differs from preserve's result", seed, k->name);
            }
        } else {
            ck_assert_int_eq(c.rc, 0);
            ck_assert_str_eq(c.out, a.out);
        }

        const char *dump = getenv("MERGE_RULES_DUMP");   /* a seed to print, when a check fails */
        if (dump && atoi(dump) == seed) {
            fprintf(stderr, "== U\n%s\n", sc.ut);
            for (int i = 0; i < sc.n; i++)
                fprintf(stderr, "== %s M\n%s\n== %s F\n%s\n", sc.e[i].name, sc.e[i].mt ? sc.e[i].mt : "(new)",
                        sc.e[i].name, sc.e[i].ft ? sc.e[i].ft : "(absent)");
            fprintf(stderr, "== result\n%s", a.out);
            for (size_t i = 0; i < a.p.nconflicts; i++)
                fprintf(stderr, "== conflict %s %s: %s\n", mt_conflict_kind_name(a.p.conflicts[i].kind),
                        a.p.conflicts[i].name, a.p.conflicts[i].resolution);
        }
        check_design(&sc, &a.p, a.out, seed);
        run_free(&a), run_free(&b), run_free(&c);
        scen_free(&sc);
    }
    /* the generator must actually make conflicts for this to mean much */
    if (!only) ck_assert_uint_gt(conflicts, NSEEDS / 10);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("merge_rules");
    TCase *tc = tcase_create("rules");
    tcase_add_test(tc, delta_creation);
    tcase_add_test(tc, delta_deletion);
    tcase_add_test(tc, delta_retype);
    tcase_add_test(tc, delta_observations);
    tcase_add_test(tc, delta_relations);
    tcase_add_test(tc, delta_unchanged_not_read);
    tcase_add_test(tc, agreeing_deltas_applied_once);
    tcase_add_test(tc, add_wins_observation);
    tcase_add_test(tc, add_wins_relation);
    tcase_add_test(tc, delete_cascades_relations);
    tcase_add_test(tc, type_two_creations);
    tcase_add_test(tc, type_two_retypes);
    tcase_add_test(tc, change_keys_outlive_resolve);
    tcase_add_test(tc, type_retype_while_u_moved);
    tcase_add_test(tc, type_creation_other_than_u);
    tcase_add_test(tc, md_delete_vs_add_observation);
    tcase_add_test(tc, md_delete_vs_remove_observation);
    tcase_add_test(tc, md_delete_vs_retype);
    tcase_add_test(tc, md_delete_vs_create);
    tcase_add_test(tc, md_delete_vs_relation_add);
    tcase_add_test(tc, md_modify_while_u_lacks);
    tcase_add_test(tc, recreation);
    tcase_add_test(tc, output_order);
    tcase_add_test(tc, guard_absent_fragment);
    tcase_add_test(tc, guard_mass_deletion);
    tcase_add_test(tc, guard_mass_deletion_confirmed);
    tcase_add_test(tc, guard_quarantine);
    tcase_add_test(tc, other_type_lines_ignored);
    tcase_add_test(tc, extra_fields_survive);
    tcase_add_test(tc, duplicates_folded);
    tcase_add_test(tc, decide_entity);
    tcase_add_test(tc, decide_delete);
    tcase_add_test(tc, decide_keep_one_side_verifies);
    tcase_add_test(tc, intent_survives_reload_and_undo);
    tcase_add_test(tc, output_order_new_entity_met_earlier);
    tcase_add_test(tc, output_order_new_entity_met_in_deletion);
    tcase_add_test(tc, output_order_new_relation_met_earlier);
    tcase_add_test(tc, md_reorder_is_no_modification);
    tcase_add_test(tc, md_reorder_does_not_resurrect);
    tcase_add_test(tc, md_extras_only_is_no_modification);
    tcase_add_test(tc, type_union_keeps_u_observations);
    tcase_add_test(tc, md_relation_to_entity_u_lacks);
    suite_add_tcase(s, tc);
    TCase *tp = tcase_create("properties");
    tcase_set_timeout(tp, 60);
    tcase_add_test(tp, prop_own_base);
    tcase_add_test(tp, prop_empty_deltas);
    tcase_add_test(tp, prop_multi_env);
    suite_add_tcase(s, tp);
    return s;
}

TU_MAIN(make_suite)
