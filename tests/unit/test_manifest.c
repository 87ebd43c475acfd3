/* test_manifest.c: .memtui/manifest.json (manifest.h): what is rendered from
 * a real plan (every fragment status, a conflict, the run) parses back to the
 * same values; fragments that were not merged keep their previous M_e; sync's
 * own fragment; determinism; missing and malformed fields; mt_manifest_find.
 *
 * Expected values come from the inputs (blob ids, SHA-256 of the texts,
 * counts written by hand), not from the renderer. */
#include "testutil.h"
#include "mergeutil.h"

#include <json-c/json.h>

#include "memtui/graph/manifest.h"

#define ENT(n, t, obs) \
    "{\"type\":\"entity\",\"name\":\"" n "\",\"entityType\":\"" t "\",\"observations\":[" obs "]}"
#define REL(f, t, r) "{\"type\":\"relation\",\"from\":\"" f "\",\"to\":\"" t "\",\"relationType\":\"" r "\"}"
#define NL "\n"

/* A name that needs escaping, for the conflict entry. */
#define NB "B\\/\\u00e9 \\\"q\\\""
#define NB_TEXT "B/\xc3\xa9 \"q\""

static const char U[] = ENT("A", "person", "\"a1\"") NL ENT(NB, "person", "") NL REL("A", NB, "knows") NL;
/* alpha: an observation, a new entity and relation, and retypes B. */
static const char F_ALPHA[] = ENT("A", "person", "\"a1\",\"a2\"") NL ENT(NB, "robot", "") NL
    ENT("C", "thing", "\"c1\"") NL REL("A", NB, "knows") NL REL("A", "C", "owns") NL;
/* beta: retypes B differently (a TYPE conflict with alpha). */
static const char F_BETA[] = ENT("A", "person", "\"a1\"") NL ENT(NB, "android", "") NL REL("A", NB, "knows") NL;
/* delta: a new environment. */
static const char F_DELTA[] = ENT("D", "place", "\"d1\",\"d2\"") NL;
/* gamma: a truncated line: quarantined. */
static const char F_GAMMA[] = ENT("A", "person", "\"a1\"") NL "{\"type\":\"entity\",\"name\":\"X\"" NL;

static char *zeta_m;   /* 12 entities */
static const char F_ZETA[] = ENT("Z0", "z", "") NL;   /* deletes 11 of 12: held */

struct fixture {
    struct mu_store s;
    struct mt_plan p;
    struct mt_frag_ref refs[8];
    size_t nrefs;
    char sha_u[MT_SHA256_HEX], sha_alpha[MT_SHA256_HEX], sha_beta[MT_SHA256_HEX], sha_delta[MT_SHA256_HEX];
    char sha_zeta_m[MT_SHA256_HEX];
    const char *id_u, *id_alpha, *id_beta, *id_delta, *id_gamma, *id_zeta_m, *id_zeta_f;
};

static void add_ref(struct fixture *fx, const char *env, const char *f_id, const char *m_id, const char *m_sha,
                    size_t me, size_t mr, size_t mo)
{
    struct mt_frag_ref *r = &fx->refs[fx->nrefs++];
    memset(r, 0, sizeof *r);
    snprintf(r->env, sizeof r->env, "%s", env);
    snprintf(r->blob, sizeof r->blob, "%s", f_id);
    snprintf(r->m_blob, sizeof r->m_blob, "%s", m_id);
    snprintf(r->m_sha256, sizeof r->m_sha256, "%s", m_sha);
    r->m_entities = me;
    r->m_relations = mr;
    r->m_observations = mo;
}

static void sha(const char *t, char out[MT_SHA256_HEX])
{
    mt_sha256_hex(t, strlen(t), out);
}

/* Seven environments, one of each status, given in unsorted order. */
static void load_fixture(struct fixture *fx, enum mt_policy policy)
{
    memset(fx, 0, sizeof *fx);
    if (!zeta_m) {
        struct mt_buf b;
        mt_buf_init(&b);
        for (int i = 0; i < 12; i++) mt_buf_addf(&b, ENT("Z%d", "z", "") NL, i);
        zeta_m = mt_buf_detach(&b, NULL);
    }
    fx->id_u = mu_put(&fx->s, U);
    fx->id_alpha = mu_put(&fx->s, F_ALPHA);
    fx->id_beta = mu_put(&fx->s, F_BETA);
    fx->id_delta = mu_put(&fx->s, F_DELTA);
    fx->id_gamma = mu_put(&fx->s, F_GAMMA);
    fx->id_zeta_m = mu_put(&fx->s, zeta_m);
    fx->id_zeta_f = mu_put(&fx->s, F_ZETA);
    sha(U, fx->sha_u);
    sha(F_ALPHA, fx->sha_alpha);
    sha(F_BETA, fx->sha_beta);
    sha(F_DELTA, fx->sha_delta);
    sha(zeta_m, fx->sha_zeta_m);
    add_ref(fx, "zeta", fx->id_zeta_f, fx->id_zeta_m, fx->sha_zeta_m, 12, 0, 0);
    add_ref(fx, "omega", "", fx->id_u, fx->sha_u, 2, 1, 1);          /* file gone: absent */
    add_ref(fx, "gamma", fx->id_gamma, fx->id_u, fx->sha_u, 2, 1, 1); /* quarantined */
    add_ref(fx, "eps", fx->id_u, fx->id_u, fx->sha_u, 2, 1, 1);       /* unchanged */
    add_ref(fx, "delta", fx->id_delta, "", "", 0, 0, 0);              /* new */
    add_ref(fx, "beta", fx->id_beta, fx->id_u, fx->sha_u, 2, 1, 1);   /* changed */
    add_ref(fx, "alpha", fx->id_alpha, fx->id_u, fx->sha_u, 2, 1, 1); /* changed */
    struct mt_plan_options opt = {.policy = policy};
    struct mt_blob_source src = {mu_read, &fx->s, NULL};
    struct mt_error err = {0};
    int rc = mt_plan_load(&fx->p, fx->id_u, fx->refs, fx->nrefs, &opt, &src, &err);
    ck_assert_msg(rc == 0, "plan load: %s", err.msg);
}

static const struct mt_run_info RUN = {
    .env = "laptop", .host = "host-1.example", .pid = 4242, .time = "2026-11-26T04:12:00Z", .lease_token = 17,
};
#define OUT_BLOB "0123456789abcdef0123456789abcdef01234567"
#define OUT_SHA "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"

static char *render(const struct mt_plan *p, const struct mt_run_info *run, const char *own_env,
                    const char *own_blob, const char *own_sha)
{
    struct mt_buf b;
    mt_buf_init(&b);
    mt_manifest_render(p, run, OUT_BLOB, OUT_SHA, own_env, own_blob, own_sha, &b);
    return mt_buf_detach(&b, NULL);
}

static void parse_ok(const char *text, struct mt_manifest *m)
{
    struct mt_error err = {0};
    int rc = mt_manifest_parse(text, strlen(text), m, &err);
    ck_assert_msg(rc == 0, "parse: %s", err.msg ? err.msg : "?");
    ck_assert_ptr_null(err.msg);
}

static const char *status_of(const struct mt_manifest *m, const char *env)
{
    const struct mt_frag_ref *r = mt_manifest_find(m, env);
    ck_assert_msg(r != NULL, "no entry for %s", env);
    return m->frag_status[r - m->frags];
}

static void assert_frag(const struct mt_manifest *m, const char *env, const char *blob, const char *sha256,
                        size_t e, size_t r, size_t o, const char *status)
{
    const struct mt_frag_ref *f = mt_manifest_find(m, env);
    ck_assert_msg(f != NULL, "no entry for %s", env);
    ck_assert_str_eq(f->env, env);
    ck_assert_str_eq(f->m_blob, blob);
    ck_assert_str_eq(f->m_sha256, sha256);
    ck_assert_uint_eq(f->m_entities, e);
    ck_assert_uint_eq(f->m_relations, r);
    ck_assert_uint_eq(f->m_observations, o);
    ck_assert_str_eq(status_of(m, env), status);
}

/* A field of the fragments[] entry of env in the raw JSON ("" when absent
 * or null). */
static char *raw_frag_field(const char *text, const char *env, const char *field)
{
    struct json_object *root = json_tokener_parse(text), *frags, *v;
    ck_assert_ptr_nonnull(root);
    ck_assert(json_object_object_get_ex(root, "fragments", &frags));
    char *out = NULL;
    for (size_t i = 0; i < json_object_array_length(frags); i++) {
        struct json_object *f = json_object_array_get_idx(frags, i), *e;
        if (json_object_object_get_ex(f, "env", &e) && strcmp(json_object_get_string(e), env) == 0)
            out = xstrdup(json_object_object_get_ex(f, field, &v) && v ? json_object_get_string(v) : "");
    }
    json_object_put(root);
    ck_assert_msg(out != NULL, "no raw entry for %s", env);
    return out;
}

/* ---- round trip -------------------------------------------------------------- */

START_TEST(test_round_trip_every_status)
{
    struct fixture fx;
    load_fixture(&fx, MT_POLICY_PRESERVE);
    ck_assert_int_eq(mt_plan_resolve(&fx.p), 0);
    /* The plan is what the fixture says (so the manifest has something to show). */
    ck_assert_uint_eq(fx.p.nconflicts, 1);
    ck_assert_uint_eq(fx.p.entities, 4);      /* A, B, C, D */
    ck_assert_uint_eq(fx.p.relations, 2);
    ck_assert_uint_eq(fx.p.observations, 5);  /* a1 a2 c1 d1 d2 */

    char *text = render(&fx.p, &RUN, NULL, NULL, NULL);
    struct mt_manifest m;
    parse_ok(text, &m);

    ck_assert_uint_eq(m.nfrags, 7);
    /* Sorted by env name, as the plan keeps them. */
    static const char *order[] = {"alpha", "beta", "delta", "eps", "gamma", "omega", "zeta"};
    for (size_t i = 0; i < 7; i++) ck_assert_str_eq(m.frags[i].env, order[i]);

    /* Merged fragments record F_e: its blob, SHA-256 and counts. */
    assert_frag(&m, "alpha", fx.id_alpha, fx.sha_alpha, 3, 2, 3, "merged");
    assert_frag(&m, "beta", fx.id_beta, fx.sha_beta, 2, 1, 1, "merged");
    assert_frag(&m, "delta", fx.id_delta, fx.sha_delta, 1, 0, 2, "merged");
    assert_frag(&m, "eps", fx.id_u, fx.sha_u, 2, 1, 1, "merged");
    /* The others keep the M_e that was merged last time. */
    assert_frag(&m, "gamma", fx.id_u, fx.sha_u, 2, 1, 1, "quarantined");
    assert_frag(&m, "omega", fx.id_u, fx.sha_u, 2, 1, 1, "absent");
    assert_frag(&m, "zeta", fx.id_zeta_m, fx.sha_zeta_m, 12, 0, 0, "held");

    /* Output, lease, policy. */
    ck_assert_str_eq(m.out_blob, OUT_BLOB);
    ck_assert_str_eq(m.out_sha256, OUT_SHA);
    ck_assert_uint_eq(m.out_entities, 4);
    ck_assert_uint_eq(m.out_relations, 2);
    ck_assert_uint_eq(m.out_observations, 5);
    ck_assert_int_eq(m.lease_token, 17);
    ck_assert_str_eq(m.policy, "preserve");

    /* The conflict, with its escaped name intact. */
    ck_assert_uint_eq(m.nconflicts, 1);
    ck_assert_str_eq(m.conflicts[0].entity, NB_TEXT);
    ck_assert_str_eq(m.conflicts[0].kind, "type");
    ck_assert_uint_eq(m.conflicts[0].nenvs, 2);
    ck_assert_str_eq(m.conflicts[0].envs[0], "alpha");
    ck_assert_str_eq(m.conflicts[0].envs[1], "beta");
    ck_assert_str_eq(m.conflicts[0].resolution, fx.p.conflicts[0].resolution);
    ck_assert_uint_gt(strlen(m.conflicts[0].resolution), 0);

    /* Who ran it. */
    ck_assert_str_eq(m.run_env, "laptop");
    ck_assert_str_eq(m.run_host, "host-1.example");
    ck_assert_int_eq(m.run_pid, 4242);
    ck_assert_str_eq(m.run_time, "2026-11-26T04:12:00Z");

    /* Reasons are written for the fragments that were left out. */
    char *why = raw_frag_field(text, "gamma", "reason");
    ck_assert_msg(strstr(why, "memory-gamma.json") != NULL, "reason: %s", why);
    free(why);
    why = raw_frag_field(text, "zeta", "reason");
    ck_assert_msg(strstr(why, "held back") != NULL, "reason: %s", why);
    free(why);
    why = raw_frag_field(text, "alpha", "reason");
    ck_assert_str_eq(why, "");
    free(why);

    /* The text ends with a newline and is one JSON object with version 1
     * and who decided each conflict. */
    ck_assert_int_eq(text[strlen(text) - 1], '\n');
    struct json_object *root = json_tokener_parse(text), *v, *cs;
    ck_assert_ptr_nonnull(root);
    ck_assert(json_object_object_get_ex(root, "version", &v));
    ck_assert_int_eq(json_object_get_int(v), 1);
    ck_assert(json_object_object_get_ex(root, "conflicts", &cs));
    ck_assert(json_object_object_get_ex(json_object_array_get_idx(cs, 0), "decided_by", &v));
    ck_assert_str_eq(json_object_get_string(v), "policy");
    json_object_put(root);
    /* No "\/" in the text (the name has a slash). */
    ck_assert_ptr_null(strstr(text, "\\/"));

    mt_manifest_free(&m);
    ck_assert_uint_eq(m.nfrags, 0);
    ck_assert_ptr_null(m.policy);
    free(text);
    mt_plan_free(&fx.p);
}
END_TEST

START_TEST(test_deterministic)
{
    struct fixture a, b;
    load_fixture(&a, MT_POLICY_PRESERVE);
    ck_assert_int_eq(mt_plan_resolve(&a.p), 0);
    load_fixture(&b, MT_POLICY_PRESERVE);
    ck_assert_int_eq(mt_plan_resolve(&b.p), 0);
    char *t1 = render(&a.p, &RUN, NULL, NULL, NULL);
    char *t2 = render(&a.p, &RUN, NULL, NULL, NULL);
    char *t3 = render(&b.p, &RUN, NULL, NULL, NULL);
    ck_assert_str_eq(t1, t2);
    ck_assert_str_eq(t1, t3);
    /* ... and depends on the run: another token is another text. */
    struct mt_run_info other = RUN;
    other.lease_token = 18;
    char *t4 = render(&a.p, &other, NULL, NULL, NULL);
    ck_assert_str_ne(t1, t4);
    /* Rendering what was parsed is stable too: parse(t1) == parse(t3). */
    struct mt_manifest m1, m3;
    parse_ok(t1, &m1);
    parse_ok(t3, &m3);
    ck_assert_uint_eq(m1.nfrags, m3.nfrags);
    for (size_t i = 0; i < m1.nfrags; i++) ck_assert_int_eq(memcmp(&m1.frags[i], &m3.frags[i], sizeof m1.frags[i]), 0);
    mt_manifest_free(&m1);
    mt_manifest_free(&m3);
    free(t1);
    free(t2);
    free(t3);
    free(t4);
    mt_plan_free(&a.p);
    mt_plan_free(&b.p);
}
END_TEST

/* sync imported the result: the own env's fragment is recorded as the result
 * (own_blob, own_sha256, the result's counts); others are unaffected. */
START_TEST(test_own_fragment)
{
    struct fixture fx;
    load_fixture(&fx, MT_POLICY_PRESERVE);
    ck_assert_int_eq(mt_plan_resolve(&fx.p), 0);
    const char *own_blob = "1111111111111111111111111111111111111111";
    const char *own_sha = "2222222222222222222222222222222222222222222222222222222222222222";
    char *text = render(&fx.p, &RUN, "alpha", own_blob, own_sha);
    struct mt_manifest m;
    parse_ok(text, &m);
    assert_frag(&m, "alpha", own_blob, own_sha, 4, 2, 5, "merged");
    assert_frag(&m, "beta", fx.id_beta, fx.sha_beta, 2, 1, 1, "merged");
    mt_manifest_free(&m);
    free(text);

    /* A quarantined own env is not claimed to hold the result. */
    text = render(&fx.p, &RUN, "gamma", own_blob, own_sha);
    parse_ok(text, &m);
    assert_frag(&m, "gamma", fx.id_u, fx.sha_u, 2, 1, 1, "quarantined");
    mt_manifest_free(&m);
    free(text);

    /* No own blob: nothing is overridden. */
    text = render(&fx.p, &RUN, "alpha", "", "");
    parse_ok(text, &m);
    assert_frag(&m, "alpha", fx.id_alpha, fx.sha_alpha, 3, 2, 3, "merged");
    mt_manifest_free(&m);
    free(text);
    mt_plan_free(&fx.p);
}
END_TEST

/* Restored entities are a synthetic environment: not a fragment, so not in
 * the manifest's fragments. */
START_TEST(test_restore_not_listed)
{
    struct fixture fx;
    load_fixture(&fx, MT_POLICY_PRESERVE);
    static const char old[] = ENT("Old", "ghost", "\"o1\"") NL;
    char *names[] = {"Old"};
    struct mt_error err = {0};
    ck_assert_int_eq(mt_plan_add_restore(&fx.p, "restore-abc", old, strlen(old), names, 1, NULL, &err), 0);
    ck_assert_int_eq(mt_plan_resolve(&fx.p), 0);
    ck_assert_uint_eq(fx.p.entities, 5);
    char *text = render(&fx.p, &RUN, NULL, NULL, NULL);
    struct mt_manifest m;
    parse_ok(text, &m);
    ck_assert_uint_eq(m.nfrags, 7);
    ck_assert_ptr_null(mt_manifest_find(&m, "restore-abc"));
    ck_assert_uint_eq(m.out_entities, 5);
    mt_manifest_free(&m);
    free(text);
    mt_plan_free(&fx.p);
}
END_TEST

/* A restore is recorded as one: ref, the commit it resolved to, the names
 * asked for and how many came back; a plain merge records none. */
START_TEST(test_restore_record)
{
    struct fixture fx;
    load_fixture(&fx, MT_POLICY_PRESERVE);
    static const char old[] = ENT("Old", "ghost", "\"o1\"") NL ENT("Older", "ghost", "") NL;
    char *names[] = {"Old", "Older"};
    struct mt_error err = {0};
    ck_assert_int_eq(mt_plan_add_restore(&fx.p, "restore:stash@{1}", old, strlen(old), names, 2, NULL, &err), 0);
    mt_plan_set_restore(&fx.p, "stash@{1}", OUT_BLOB, names, 2, 2);
    ck_assert_int_eq(mt_plan_resolve(&fx.p), 0);
    char *text = render(&fx.p, &RUN, NULL, NULL, NULL);
    struct mt_manifest m;
    parse_ok(text, &m);
    ck_assert_ptr_nonnull(m.restore);
    ck_assert_str_eq(m.restore->ref, "stash@{1}");
    ck_assert_str_eq(m.restore->commit, OUT_BLOB);
    ck_assert(!m.restore->all);
    ck_assert_uint_eq(m.restore->entities, 2);
    ck_assert_uint_eq(m.restore->nnames, 2);
    ck_assert_str_eq(m.restore->names[0], "Old");
    ck_assert_str_eq(m.restore->names[1], "Older");
    /* the raw JSON, as other tools read it */
    struct json_object *root = json_tokener_parse(text), *r, *v;
    ck_assert(json_object_object_get_ex(root, "restore", &r));
    ck_assert(json_object_object_get_ex(r, "ref", &v));
    ck_assert_str_eq(json_object_get_string(v), "stash@{1}");
    ck_assert(json_object_object_get_ex(r, "entities", &v));
    ck_assert_int_eq(json_object_get_int64(v), 2);
    json_object_put(root);
    mt_manifest_free(&m);
    ck_assert_ptr_null(m.restore);
    free(text);

    /* every entity of the ref: no names, "all" */
    mt_plan_set_restore(&fx.p, "memtui/backup/a/20260101T000000Z", "", NULL, 0, 7);
    text = render(&fx.p, &RUN, NULL, NULL, NULL);
    parse_ok(text, &m);
    ck_assert_ptr_nonnull(m.restore);
    ck_assert(m.restore->all);
    ck_assert_uint_eq(m.restore->nnames, 0);
    ck_assert_uint_eq(m.restore->entities, 7);
    ck_assert_str_eq(m.restore->commit, "");
    mt_manifest_free(&m);
    free(text);
    mt_plan_free(&fx.p);

    /* a plain merge: no restore field at all */
    load_fixture(&fx, MT_POLICY_PRESERVE);
    mt_plan_resolve(&fx.p);
    text = render(&fx.p, &RUN, NULL, NULL, NULL);
    ck_assert_ptr_null(strstr(text, "\"restore\""));
    parse_ok(text, &m);
    ck_assert_ptr_null(m.restore);
    mt_manifest_free(&m);
    free(text);
    mt_plan_free(&fx.p);
}
END_TEST

/* A peer may push anything: a restore record that is not one is read as
 * absent, bad parts of a good one are dropped, and nothing else suffers. */
START_TEST(test_restore_record_garbage)
{
    static const char *absent[] = {
        "{\"policy\":\"fail\",\"restore\":null}",
        "{\"policy\":\"fail\",\"restore\":\"stash@{0}\"}",
        "{\"policy\":\"fail\",\"restore\":[\"ref\",\"x\"]}",
        "{\"policy\":\"fail\",\"restore\":{}}",
        "{\"policy\":\"fail\",\"restore\":{\"ref\":42,\"entities\":1}}",
        "{\"policy\":\"fail\",\"restore\":{\"ref\":null}}",
    };
    for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++) {
        struct mt_manifest m;
        parse_ok(absent[i], &m);
        ck_assert_msg(m.restore == NULL, "a restore read from %s", absent[i]);
        ck_assert_str_eq(m.policy, "fail");
        mt_manifest_free(&m);
    }
    struct mt_manifest m;
    /* a commit that is not 40 hex digits, names that are not strings,
     * counts that are not counts, "all" that is not a boolean */
    parse_ok("{\"restore\":{\"ref\":\"HEAD~2\",\"commit\":\"../../etc/passwd\",\"all\":\"yes\","
             "\"names\":[\"A\",7,null,{\"x\":1},\"B\"],\"entities\":-5}}", &m);
    ck_assert_ptr_nonnull(m.restore);
    ck_assert_str_eq(m.restore->ref, "HEAD~2");
    ck_assert_str_eq(m.restore->commit, "");
    ck_assert(!m.restore->all);
    ck_assert_uint_eq(m.restore->nnames, 2);
    ck_assert_str_eq(m.restore->names[1], "B");
    ck_assert_uint_eq(m.restore->entities, 2);   /* the names counted instead */
    mt_manifest_free(&m);
    parse_ok("{\"restore\":{\"ref\":\"x\",\"commit\":\"0123456789abcdef0123456789abcdef0123456789\","
             "\"names\":\"A\",\"entities\":\"12\"}}", &m);
    ck_assert_ptr_nonnull(m.restore);
    ck_assert_str_eq(m.restore->commit, "");     /* 42 digits: not an id */
    ck_assert_uint_eq(m.restore->nnames, 0);
    ck_assert_uint_eq(m.restore->entities, 0);
    mt_manifest_free(&m);
    parse_ok("{\"restore\":{\"ref\":\"x\",\"commit\":\"0123456789ABCDEF0123456789abcdef01234567\","
             "\"entities\":1e300}}", &m);
    ck_assert_str_eq(m.restore->commit, "0123456789abcdef0123456789abcdef01234567");
    ck_assert_uint_eq(m.restore->entities, 0);
    mt_manifest_free(&m);
}
END_TEST

/* The merge commit says what the manifest says: a restore's subject and
 * trailers name the ref; a merge keeps its usual subject. Operator input
 * cannot add lines (trailers) to the message. */
START_TEST(test_commit_message)
{
    struct fixture fx;
    load_fixture(&fx, MT_POLICY_PRESERVE);
    mt_plan_resolve(&fx.p);
    char *msg = mt_merge_commit_message(&fx.p, &RUN);
    ck_assert_msg(strncmp(msg, "memtui merge: ", 14) == 0, "%s", msg);
    ck_assert_ptr_nonnull(strstr(msg, "\nMemtui-Env: laptop\nMemtui-Host: host-1.example\nMemtui-Lease-Token: 17\n"));
    ck_assert_ptr_null(strstr(msg, "Memtui-Restore"));
    free(msg);
    char *one[] = {"Old"};
    mt_plan_set_restore(&fx.p, "stash@{0}", OUT_BLOB, one, 1, 1);
    msg = mt_merge_commit_message(&fx.p, &RUN);
    ck_assert_msg(strncmp(msg, "memtui restore: 1 entity from stash@{0}\n\n", 41) == 0, "%s", msg);
    ck_assert_ptr_nonnull(strstr(msg, "\n\nMemtui-Restore: stash@{0}\nMemtui-Restore-Commit: " OUT_BLOB "\n"
                                      "Memtui-Env: laptop\nMemtui-Host: host-1.example\nMemtui-Lease-Token: 17\n"));
    free(msg);
    mt_plan_set_restore(&fx.p, "evil\nMemtui-Lease-Token: 999", "", NULL, 0, 3);
    msg = mt_merge_commit_message(&fx.p, &RUN);
    ck_assert_msg(strncmp(msg, "memtui restore: 3 entities from evil?Memtui-Lease-Token: 999\n", 61) == 0, "%s", msg);
    ck_assert_ptr_null(strstr(msg, "\nMemtui-Lease-Token: 999"));
    ck_assert_ptr_null(strstr(msg, "Memtui-Restore-Commit"));
    free(msg);
    mt_plan_free(&fx.p);
}
END_TEST

/* An operator's decision is recorded as such, with its label. */
START_TEST(test_operator_decision)
{
    struct fixture fx;
    load_fixture(&fx, MT_POLICY_FAIL);
    ck_assert_int_eq(mt_plan_resolve(&fx.p), 1);   /* the TYPE conflict is pending */
    ck_assert_uint_eq(fx.p.nconflicts, 1);
    struct mt_entity *e = mt_entity_new(NB_TEXT, "robot");
    mt_plan_decide(&fx.p, fx.p.conflicts[0].key, MT_DECIDE_ENTITY, e, "kept alpha's type");
    mt_entity_free(e);
    ck_assert_int_eq(mt_plan_resolve(&fx.p), 0);
    char *text = render(&fx.p, &RUN, NULL, NULL, NULL);
    struct mt_manifest m;
    parse_ok(text, &m);
    ck_assert_str_eq(m.policy, "fail");
    ck_assert_uint_eq(m.nconflicts, 1);
    ck_assert_msg(strstr(m.conflicts[0].resolution, "kept alpha's type") != NULL, "resolution: %s",
                  m.conflicts[0].resolution);
    struct json_object *root = json_tokener_parse(text), *cs, *v;
    ck_assert(json_object_object_get_ex(root, "conflicts", &cs));
    ck_assert(json_object_object_get_ex(json_object_array_get_idx(cs, 0), "decided_by", &v));
    ck_assert_str_eq(json_object_get_string(v), "operator");
    json_object_put(root);
    mt_manifest_free(&m);
    free(text);
    mt_plan_free(&fx.p);
}
END_TEST

/* An empty plan (first merge of an empty repo) renders and reads back. */
START_TEST(test_empty_plan)
{
    struct mu_store s = {0};
    struct mt_plan p;
    ck_assert_int_eq(mu_merge(&p, &s, NULL, NULL, 0, MT_POLICY_PRESERVE, false), 0);
    struct mt_run_info run = {.env = "e", .host = "h", .pid = 1, .time = "t", .lease_token = 0};
    struct mt_buf b;
    mt_buf_init(&b);
    mt_manifest_render(&p, &run, "", "", NULL, NULL, NULL, &b);
    struct mt_manifest m;
    parse_ok(b.data, &m);
    ck_assert_uint_eq(m.nfrags, 0);
    ck_assert_uint_eq(m.nconflicts, 0);
    ck_assert_uint_eq(m.out_entities, 0);
    ck_assert_str_eq(m.out_blob, "");
    ck_assert_str_eq(m.policy, "preserve");
    ck_assert_ptr_null(mt_manifest_find(&m, "e"));
    mt_manifest_free(&m);
    mt_buf_free(&b);
    mt_plan_free(&p);
}
END_TEST

/* ---- parsing what others wrote ------------------------------------------------ */

START_TEST(test_parse_missing_fields)
{
    struct mt_manifest m;
    parse_ok("{}", &m);
    ck_assert_uint_eq(m.nfrags, 0);
    ck_assert_str_eq(m.out_blob, "");
    ck_assert_str_eq(m.out_sha256, "");
    ck_assert_uint_eq(m.out_entities, 0);
    ck_assert_int_eq(m.lease_token, 0);
    ck_assert_ptr_null(m.policy);
    ck_assert_uint_eq(m.nconflicts, 0);
    ck_assert_ptr_null(m.run_env);
    ck_assert_ptr_null(m.run_host);
    ck_assert_ptr_null(m.run_time);
    ck_assert_int_eq(m.run_pid, 0);
    ck_assert_ptr_null(mt_manifest_find(&m, "laptop"));
    mt_manifest_free(&m);

    /* Fragment entries: without env they are skipped; without status they
     * count as merged; null or missing blob/sha read as ""; counts as 0. */
    static const char t[] =
        "{\"fragments\":[{\"blob\":\"b0\"},"
        "{\"env\":\"laptop\",\"blob\":\"aaaa\",\"sha256\":\"ssss\",\"entities\":3,\"relations\":2,\"observations\":9},"
        "{\"env\":\"server\",\"blob\":null,\"status\":\"absent\"},"
        "{\"env\":7},"
        "\"not an object\","
        "{\"env\":\"pi\"}],"
        "\"conflicts\":[{\"entity\":\"X\"},{\"kind\":\"type\",\"envs\":[\"a\",\"b\"],\"resolution\":\"r\"}],"
        "\"output\":{\"entities\":5},\"run\":{\"env\":\"laptop\"}}";
    parse_ok(t, &m);
    ck_assert_uint_eq(m.nfrags, 3);
    assert_frag(&m, "laptop", "aaaa", "ssss", 3, 2, 9, "merged");
    assert_frag(&m, "server", "", "", 0, 0, 0, "absent");
    assert_frag(&m, "pi", "", "", 0, 0, 0, "merged");
    ck_assert_uint_eq(m.out_entities, 5);
    ck_assert_str_eq(m.out_blob, "");
    ck_assert_uint_eq(m.nconflicts, 2);
    ck_assert_str_eq(m.conflicts[0].entity, "X");
    ck_assert_str_eq(m.conflicts[0].kind, "");
    ck_assert_str_eq(m.conflicts[0].resolution, "");
    ck_assert_uint_eq(m.conflicts[0].nenvs, 0);
    ck_assert_str_eq(m.conflicts[1].entity, "");
    ck_assert_uint_eq(m.conflicts[1].nenvs, 2);
    ck_assert_str_eq(m.conflicts[1].envs[1], "b");
    ck_assert_str_eq(m.run_env, "laptop");
    ck_assert_ptr_null(m.run_host);
    mt_manifest_free(&m);

    /* Fields of the wrong type read as missing. */
    parse_ok("{\"fragments\":{},\"conflicts\":\"x\",\"policy\":3,\"run\":[1],\"output\":\"o\"}", &m);
    ck_assert_uint_eq(m.nfrags, 0);
    ck_assert_uint_eq(m.nconflicts, 0);
    ck_assert_ptr_null(m.policy);
    ck_assert_ptr_null(m.run_env);
    ck_assert_str_eq(m.out_blob, "");
    mt_manifest_free(&m);
}
END_TEST

START_TEST(test_parse_rejects_non_objects)
{
    static const char *bad[] = {"", "not json", "[1,2,3]", "\"str\"", "42", "{\"fragments\":[",
                                "{\"a\":1", "null"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct mt_manifest m;
        struct mt_error err = {0};
        ck_assert_msg(mt_manifest_parse(bad[i], strlen(bad[i]), &m, &err) == -1, "accepted '%s'", bad[i]);
        ck_assert_ptr_nonnull(err.msg);
        ck_assert_msg(strstr(err.msg, MT_MANIFEST_PATH) != NULL, "error: %s", err.msg);
        ck_assert_uint_eq(m.nfrags, 0);   /* left empty, safe to free */
        mt_manifest_free(&m);
        mt_error_clear(&err);
    }
}
END_TEST

/* Only len bytes are read: what follows in memory does not count. */
START_TEST(test_parse_uses_len)
{
    static const char t[] = "{\"policy\":\"fail\"}{\"policy\":\"preserve\"}garbage";
    struct mt_manifest m;
    struct mt_error err = {0};
    ck_assert_int_eq(mt_manifest_parse(t, 17, &m, &err), 0);
    ck_assert_str_eq(m.policy, "fail");
    mt_manifest_free(&m);
    /* A prefix that stops inside the object is incomplete. */
    ck_assert_int_eq(mt_manifest_parse(t, 10, &m, &err), -1);
    mt_manifest_free(&m);
    mt_error_clear(&err);
}
END_TEST

START_TEST(test_find)
{
    struct mt_manifest m;
    parse_ok("{\"fragments\":[{\"env\":\"alpha\",\"blob\":\"1\"},{\"env\":\"alpha.b\",\"blob\":\"2\"},"
             "{\"env\":\"Alpha\",\"blob\":\"3\"}]}",
             &m);
    const struct mt_frag_ref *r = mt_manifest_find(&m, "alpha");
    ck_assert_ptr_nonnull(r);
    ck_assert_str_eq(r->m_blob, "1");
    r = mt_manifest_find(&m, "alpha.b");
    ck_assert_ptr_nonnull(r);
    ck_assert_str_eq(r->m_blob, "2");
    r = mt_manifest_find(&m, "Alpha");              /* case matters */
    ck_assert_ptr_nonnull(r);
    ck_assert_str_eq(r->m_blob, "3");
    ck_assert_ptr_null(mt_manifest_find(&m, "alp"));  /* no prefix matches */
    ck_assert_ptr_null(mt_manifest_find(&m, "alphax"));
    ck_assert_ptr_null(mt_manifest_find(&m, ""));
    mt_manifest_free(&m);
    /* An initialised (missing) manifest finds nothing. */
    mt_manifest_init(&m);
    ck_assert_ptr_null(mt_manifest_find(&m, "alpha"));
    mt_manifest_free(&m);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("manifest");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_round_trip_every_status);
    tcase_add_test(tc, test_deterministic);
    tcase_add_test(tc, test_own_fragment);
    tcase_add_test(tc, test_restore_not_listed);
    tcase_add_test(tc, test_restore_record);
    tcase_add_test(tc, test_restore_record_garbage);
    tcase_add_test(tc, test_commit_message);
    tcase_add_test(tc, test_operator_decision);
    tcase_add_test(tc, test_empty_plan);
    tcase_add_test(tc, test_parse_missing_fields);
    tcase_add_test(tc, test_parse_rejects_non_objects);
    tcase_add_test(tc, test_parse_uses_len);
    tcase_add_test(tc, test_find);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(make_suite)
