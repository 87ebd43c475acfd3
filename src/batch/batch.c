/* batch.c: the headless commands of DESIGN 4 over the shared engine. */
#include "memtui/batch/batch.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "memtui/base/audit.h"
#include "memtui/git/backups.h"
#include "memtui/batch/batch_report.h"
#include "memtui/batch/commands.h"
#include "memtui/graph/fragment.h"
#include "memtui/base/fsutil.h"
#include "memtui/coord/lease.h"
#include "memtui/coord/lock.h"
#include "memtui/coord/pending.h"
#include "memtui/coord/publish.h"
#include "memtui/git/remote_view.h"
#include "memtui/base/safetext.h"
#include "memtui/ops/ops.h"
#include "memtui/ops/status.h"
#include "memtui/ops/session.h"
#include "memtui/config/settings.h"
#include "memtui/coord/txn.h"
#include "memtui/base/url.h"

struct run {
    const struct mt_config *cfg;
    struct mt_session s;
    struct json_object *r;     /* the --json result */
    struct mt_error err;
    bool repairing;            /* the last plan was built over a broken HEAD (trust.h) */
    bool repair_said;
};

static void say(const struct run *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const struct run *x, const char *fmt, ...)
{
    if (x->cfg->json) return;
    va_list ap;
    va_start(ap, fmt);
    mt_safe_vprintf(stdout, fmt, ap);   /* peers' strings shown escaped */
    va_end(ap);
}

static void put_int(struct json_object *o, const char *k, long long v)
{
    json_object_object_add(o, k, json_object_new_int64(v));
}

static void put_bool(struct json_object *o, const char *k, bool v)
{
    json_object_object_add(o, k, json_object_new_boolean(v));
}

static struct mt_plan_options plan_options(const struct mt_config *cfg)
{
    struct mt_plan_options o = {.policy = cfg->policy, .allow_mass_delete = cfg->allow_mass_delete};
    return o;
}

static int degraded_or_ok(const struct run *x, const struct mt_plan *p)
{
    return mt_plan_has_quarantine(p) || x->repairing ? MT_EXIT_DEGRADED : MT_EXIT_OK;
}

/* ---- a memory.json or manifest at HEAD that a peer broke (trust.h) ------- */

static struct json_object *repair_json(const struct mt_trust *t, bool rebuilt)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "memory_json", json_object_new_string(t->memory_bad ? "corrupt" : "ok"));
    json_object_object_add(o, "manifest", json_object_new_string(t->manifest_bad ? "invalid" : "ok"));
    json_object_object_add(o, "reason", json_object_new_string(t->why ? t->why : ""));
    json_object_object_add(o, "bad_commit", json_object_new_string(t->bad_commit));
    json_object_object_add(o, "verified_commit", t->base_commit[0] ? json_object_new_string(t->base_commit) : NULL);
    json_object_object_add(o, "rebuilt", json_object_new_boolean(rebuilt));
    return o;
}

/* Read-only commands on a broken HEAD: said on stderr and in --json. */
static void note_repair(struct run *x)
{
    const struct mt_trust *t = &x->s.trust;
    x->repairing = !mt_trust_head_ok(t);
    if (!x->repairing) return;
    json_object_object_add(x->r, "repair", repair_json(t, false));
    if (x->repair_said) return;
    x->repair_said = true;
    const char *what = t->memory_bad && t->manifest_bad ? "memory.json and the manifest at HEAD are corrupt"
                       : t->memory_bad                  ? "memory.json at HEAD is corrupt"
                                                        : "the manifest at HEAD is invalid";
    char *from = t->base_commit[0] ? xasprintf("the last verified merge (as commit %.12s holds it)", t->base_commit)
                                   : xstrdup("nothing (no verified merge in the history)");
    if (t->memory_bad)
        mt_warn("warning: %s (commit %.12s: %s): memory.json will be rebuilt from %s and the fragments", what,
                t->bad_commit, t->why, from);
    else
        mt_warn("warning: %s (commit %.12s: %s): the manifest of %s stands in; the next merge writes a valid one",
                what, t->bad_commit, t->why, from);
    free(from);
}

/* ---- the writing commands: one operation each (ops.h) ---------------------- */

static void add_lease_and_lock(struct run *x, const char *offline);

/* A big plan takes a tenth of a second to free piece by piece, just before
 * the process exits and the system takes it all back at once: batch runs
 * keep the last result instead (still reachable, so leak checkers do not
 * count it). */
static void result_done(struct mt_op_result *res)
{
    static struct mt_op_result kept;
    mt_op_result_free(&kept);
    kept = *res;
    memset(res, 0, sizeof(*res));
}

static struct mt_op_request request(const struct run *x, enum mt_op_kind kind, const struct mt_intent *in)
{
    struct mt_op_request rq = {.kind = kind, .policy = x->cfg->policy, .allow_mass_delete = x->cfg->allow_mass_delete,
                               .dry_run = x->cfg->dry_run, .keep_pending = true, .from = x->cfg->from,
                               .to = x->cfg->to, .intent = in};
    return rq;
}

static void report_timing(struct run *x, const struct mt_op_result *res)
{
    if (res->read_ms < 0) return;
    struct json_object *timing = json_object_new_object();
    put_int(timing, "read_and_diff_ms", res->read_ms);
    put_int(timing, "resolve_ms", res->resolve_ms);
    if (res->write_ms >= 0) put_int(timing, "write_verify_commit_ms", res->write_ms);
    json_object_object_add(x->r, "timing", timing);
}

/* What the publishing loop did, in --json. */
static void report_publish(struct run *x, const struct mt_op_result *res, bool builds)
{
    if (x->cfg->dry_run) return;
    if (res->pushed) put_bool(x->r, "pushed", true);
    put_int(x->r, "push_attempts", res->attempts);
    if (builds) {
        struct json_object *l = json_object_new_object();
        json_object_object_add(l, "holder", res->leased ? json_object_new_string(x->cfg->env) : NULL);
        put_int(l, "token", res->leased ? res->token : x->s.manifest.lease_token);
        put_bool(l, "taken", res->leased);
        json_object_object_add(l, "expires", NULL);
        json_object_object_add(x->r, "lease", l);
    }
    if (res->stash_kept) put_bool(x->r, "stash_kept", true);
}

/* The plan's part of the report; on a broken HEAD, what was done about it. */
static void report_plan(struct run *x, const struct mt_op_result *res)
{
    if (!res->has_plan) return;
    report_timing(x, res);
    mt_report_plan(x->r, &res->plan);
    x->repairing = res->repairing;
    if (res->repairing) json_object_object_add(x->r, "repair", repair_json(&res->repair, res->committed));
}

static int merge_result(struct run *x, int rc, const struct mt_op_result *res, bool sync)
{
    const struct mt_plan *p = &res->plan;
    report_plan(x, res);
    if (sync) put_bool(x->r, "exported", res->exported);
    if (rc == MT_EXIT_CONFLICTS && res->has_plan) {
        mt_error_clear(&x->err);
        mt_error_set(&x->err, "%zu conflict%s left pending (--policy fail): resolve %s in the workstation "
                              "or merge with --policy preserve", mt_plan_pending(p), mt_plan_pending(p) == 1 ? "" : "s",
                     mt_plan_pending(p) == 1 ? "it" : "them");
        if (!x->cfg->json) mt_print_plan(stdout, p);
        return rc;
    }
    if (res->handed_off) {
        say(x, "%s; the lease is held%s%s: its holder's merge (or the next one) folds it in, and the import "
               "follows at the next run\n", res->pushed ? "exported and published" : "nothing new to export",
            res->holder[0] ? " by " : "", res->holder);
        put_bool(x->r, "handed_off", true);
        json_object_object_add(x->r, "handed_to", res->holder[0] ? json_object_new_string(res->holder) : NULL);
    } else if (res->idle) {
        say(x, "nothing to merge: %zu entities, %zu relations, %zu observations; the lease was not needed\n",
            p->entities, p->relations, p->observations);
        put_bool(x->r, "nothing_to_merge", true);
    } else if (x->cfg->dry_run && res->has_plan) {
        if (!x->cfg->json) mt_print_plan(stdout, p);
        put_bool(x->r, "dry_run", true);
        return rc;
    } else if ((rc == MT_EXIT_OK || rc == MT_EXIT_DEGRADED) && res->has_plan) {
        say(x, "%s: %zu entities, %zu relations, %zu observations; %zu conflict%s resolved (%s)\n",
            res->committed ? "merged" : "nothing new to merge", p->entities, p->relations, p->observations,
            p->nconflicts, p->nconflicts == 1 ? "" : "s", p->opt.policy == MT_POLICY_FAIL ? "fail" : "preserve");
    }
    if (res->has_plan) put_bool(x->r, "committed", res->committed);
    if ((rc == MT_EXIT_OK || rc == MT_EXIT_DEGRADED) && res->has_plan)
        json_object_object_add(x->r, "commit", json_object_new_string(x->s.head));
    if (sync && res->has_plan) put_bool(x->r, "imported", res->imported);
    return rc;
}

static int cmd_merge(struct run *x)
{
    if (x->cfg->dry_run) add_lease_and_lock(x, NULL);   /* read-only: no lock, no lease, nothing written */
    struct mt_op_request rq = request(x, MT_OP_MERGE, NULL);
    struct mt_op_result res;
    int rc = mt_op_run(&x->s, &rq, &res, &x->err);
    report_publish(x, &res, true);
    rc = merge_result(x, rc, &res, false);
    result_done(&res);
    if (rc == MT_EXIT_OK && !x->cfg->dry_run) mt_batch_gc_auto(x->cfg, &x->s, x->r);
    return rc;
}

static int cmd_sync(struct run *x)
{
    struct mt_op_request rq = request(x, MT_OP_SYNC, NULL);
    struct mt_op_result res;
    int rc = mt_op_run(&x->s, &rq, &res, &x->err);
    report_publish(x, &res, true);
    rc = merge_result(x, rc, &res, true);
    result_done(&res);
    if (rc == MT_EXIT_OK) mt_batch_gc_auto(x->cfg, &x->s, x->r);
    return rc;
}

static int cmd_export(struct run *x)
{
    struct mt_op_request rq = request(x, MT_OP_EXPORT, NULL);
    struct mt_op_result res;
    int rc = mt_op_run(&x->s, &rq, &res, &x->err);
    report_publish(x, &res, false);
    put_bool(x->r, "committed", res.exported);
    if (rc == MT_EXIT_OK)
        say(x, res.exported ? "exported memory-%s.json\n" : "memory-%s.json is already up to date\n", x->cfg->env);
    mt_op_result_free(&res);
    return rc;
}

static int cmd_import(struct run *x)
{
    struct mt_op_request rq = request(x, MT_OP_IMPORT, NULL);
    struct mt_op_result res;
    int rc = mt_op_run(&x->s, &rq, &res, &x->err);
    put_bool(x->r, "imported", res.imported);
    put_bool(x->r, "skipped", res.skipped);
    if (res.imported) say(x, "imported memory.json into %s\n", x->cfg->to ? x->cfg->to : x->cfg->memory_file);
    mt_op_result_free(&res);
    return rc;
}

/* ---- status, diff --------------------------------------------------------- */

/* Who holds the local lock and the git lease (status.h; the lease is
 * fetched, unless `offline` says why not). */
static void add_lease_and_lock(struct run *x, const char *offline)
{
    struct mt_status st;
    mt_status_init(&st);
    mt_status_read_lock(&x->s, &st);
    if (st.lock_known && st.lock.held) {
        struct json_object *l = json_object_new_object();
        json_object_object_add(l, "env", json_object_new_string(st.lock.env));
        json_object_object_add(l, "host", json_object_new_string(st.lock.host));
        put_int(l, "pid", st.lock.pid);
        json_object_object_add(l, "since", json_object_new_string(st.lock.since));
        json_object_object_add(x->r, "lock", l);
        say(x, "local lock: held by %s on %s (pid %ld) since %s\n", st.lock.env, st.lock.host, st.lock.pid,
            st.lock.since);
    } else {
        json_object_object_add(x->r, "lock", NULL);
        say(x, "local lock: free\n");
    }
    struct json_object *lease = json_object_new_object();
    json_object_object_add(x->r, "lease", lease);
    if (offline) {
        json_object_object_add(lease, "holder", NULL);
        put_int(lease, "token", x->s.manifest.lease_token);
        json_object_object_add(lease, "expires", NULL);
        json_object_object_add(lease, "error", json_object_new_string(offline));
        say(x, "lease: not read (%s)\n", offline);
        mt_status_free(&st);
        return;
    }
    mt_status_read_lease(&x->s, x->cfg->remote, 0, &st);
    const struct mt_lease_info *li = &st.lease;
    if (st.lease_rc == 0 && li->valid) {
        bool held = li->state == MT_LEASE_HELD;
        json_object_object_add(lease, "holder", held ? json_object_new_string(li->env) : NULL);
        json_object_object_add(lease, "host", json_object_new_string(li->host ? li->host : ""));
        put_int(lease, "pid", li->pid);
        put_int(lease, "token", (long long)li->token);
        json_object_object_add(lease, "state", json_object_new_string(held ? "held" : "released"));
        json_object_object_add(lease, "time", json_object_new_string(li->time ? li->time : ""));
        put_int(lease, "ttl", li->ttl);
        char exp[32] = "";
        long long when;
        if (held && mt_lease_expiry(li, &when)) {
            time_t t = (time_t)when;
            struct tm tm;
            gmtime_r(&t, &tm);
            strftime(exp, sizeof exp, "%Y-%m-%dT%H:%M:%SZ", &tm);
        }
        json_object_object_add(lease, "expires", exp[0] ? json_object_new_string(exp) : NULL);
        say(x, "lease: %s, token %llu%s%s\n", held ? li->env : "free", (unsigned long long)li->token,
            exp[0] ? ", expires " : "", exp);
    } else {
        bool never = st.lease_rc == MT_REPO_NOTFOUND;
        json_object_object_add(lease, "holder", NULL);
        put_int(lease, "token", never ? 0 : x->s.manifest.lease_token);
        json_object_object_add(lease, "expires", NULL);
        if (st.lease_rc && !never)
            json_object_object_add(lease, "error", json_object_new_string(st.lease_error ? st.lease_error : "?"));
        say(x, "lease: %s\n", never ? "never taken" : "unknown (remote unreachable?)");
    }
    mt_status_free(&st);
}

static int cmd_status(struct run *x, bool diff)
{
    /* status fetches first (remote-tracking refs only); diff is the plan
     * of the local clone and never fetches main */
    struct mt_remote_view rv = {0};
    bool stale = false;
    if (!diff && x->cfg->offline) mt_remote_view_read(x->s.repo, x->cfg->remote, &rv);
    else if (!diff) stale = mt_remote_view_fetch(x->s.repo, x->cfg->remote, NULL, NULL, &rv) != 0;
    struct mt_plan p;
    struct mt_plan_options opt = plan_options(x->cfg);
    int rc = mt_session_plan(&x->s, &p, &opt, &x->err);
    if (rc) {
        mt_remote_view_free(&rv);
        return rc;
    }
    note_repair(x);
    mt_pending_mark(&x->s, &p);   /* left by --policy fail: no resolution to show */
    mt_report_plan(x->r, &p);
    json_object_object_add(x->r, "changes", mt_report_changes(&p));
    json_object_object_add(x->r, "head", json_object_new_string(x->s.head));
    add_lease_and_lock(x, x->cfg->offline ? "--offline" : stale ? "the remote could not be fetched" : NULL);
    if (!diff) json_object_object_add(x->r, "remote", mt_remote_view_json(&rv));
    if (!diff) {
        struct json_object *frs = json_object_object_get(x->r, "fragments");
        for (size_t i = 0; i < p.nenvs; i++) {
            char oid[MT_OID_HEX], *name = xasprintf("memory-%s.json", p.envs[i].ref.env);
            long long when = 0;
            struct mt_error e = {0};
            struct json_object *fo = json_object_array_get_idx(frs, i);
            if (mt_repo_last_change(x->s.repo, NULL, name, oid, &when, &e) == 0) {
                json_object_object_add(fo, "last_export_commit", json_object_new_string(oid));
                put_int(fo, "last_export_time", when);
            }
            mt_error_clear(&e);
            free(name);
        }
    }
    if (!x->cfg->json) {
        if (!diff)
            mt_safe_printf(stdout, "repo %s  env %s  head %.12s\n", x->cfg->repo, x->cfg->env,
                           x->s.head[0] ? x->s.head : "(none)");
        mt_batch_memory_file(x->cfg, x->r, !diff);
        if (!diff) mt_remote_view_print(stdout, &rv);
        mt_print_plan(stdout, &p);
    } else {
        mt_batch_memory_file(x->cfg, x->r, false);
    }
    rc = degraded_or_ok(x, &p);
    mt_plan_free(&p);
    /* the local report stands; a script tells it is stale by exit 5 */
    if (stale) {
        mt_error_clear(&x->err);
        mt_error_set(&x->err, "status: the view of %s may be stale (this is the local clone as last fetched): %s",
                     x->cfg->remote, rv.error ? rv.error : "fetch failed");
        rc = MT_EXIT_REMOTE;
    }
    mt_remote_view_free(&rv);
    return rc;
}

/* ---- verify --------------------------------------------------------------- */

static int count_blob(struct run *x, const char *blob, const char *name, char sha[MT_SHA256_HEX], size_t *ents,
                      size_t *rels, size_t *obs)
{
    char *data;
    size_t len;
    if (mt_repo_blob_read(x->s.repo, blob, &data, &len, &x->err)) return -1;
    mt_sha256_hex(data, len, sha);
    struct mt_graph g;
    int rc = mt_graph_from_text(&g, name, data, len, &x->err);
    *ents = mt_graph_count_entities(&g);
    *rels = mt_graph_count_relations(&g);
    *obs = mt_graph_count_observations(&g);
    mt_graph_free(&g);
    return rc;
}

static bool check_one(struct run *x, struct json_object *list, const char *what, const char *blob,
                      const char *want_sha, size_t we, size_t wr, size_t wo)
{
    char sha[MT_SHA256_HEX] = "";
    size_t e = 0, r = 0, o = 0;
    struct json_object *it = json_object_new_object();
    json_object_object_add(it, "file", json_object_new_string(what));
    bool ok = count_blob(x, blob, what, sha, &e, &r, &o) == 0;
    if (!ok) {
        json_object_object_add(it, "error", json_object_new_string(x->err.msg ? x->err.msg : "unreadable"));
        mt_warn("verify: %s: %s", what, x->err.msg);
        mt_error_clear(&x->err);
    } else {
        bool sha_ok = strcmp(sha, want_sha) == 0, counts_ok = e == we && r == wr && o == wo;
        ok = sha_ok && counts_ok;
        json_object_object_add(it, "sha256", json_object_new_string(sha));
        put_bool(it, "sha256_ok", sha_ok);
        put_bool(it, "counts_ok", counts_ok);
        if (!sha_ok) mt_warn("verify: %s: SHA-256 %s, the manifest says %s", what, sha, want_sha);
        if (!counts_ok)
            mt_warn("verify: %s: %zu/%zu/%zu entities/relations/observations, the manifest says %zu/%zu/%zu", what,
                    e, r, o, we, wr, wo);
    }
    put_bool(it, "ok", ok);
    json_object_array_add(list, it);
    say(x, "%-4s %s\n", ok ? "ok" : "BAD", what);
    return ok;
}

static int cmd_verify(struct run *x)
{
    const struct mt_manifest *m = &x->s.manifest;
    if (!mt_trust_head_ok(&x->s.trust)) {
        note_repair(x);
        mt_error_set(&x->err, "verification failed: HEAD does not hold a verified merge");
        return MT_EXIT_VERIFY;
    }
    if (!x->s.head[0] || !m->out_blob[0]) {
        say(x, "no merge has been committed yet: nothing to verify\n");
        return MT_EXIT_OK;
    }
    struct json_object *list = json_object_new_array();
    json_object_object_add(x->r, "checked", list);
    bool ok = true;
    char head_blob[MT_OID_HEX] = "";
    if (mt_repo_blob_id(x->s.repo, NULL, "memory.json", head_blob, &x->err)) mt_error_clear(&x->err);
    if (strcmp(head_blob, m->out_blob)) {
        mt_warn("verify: memory.json at HEAD is blob %s, the manifest recorded %s", head_blob[0] ? head_blob : "(none)",
                m->out_blob);
        ok = false;
    }
    ok &= check_one(x, list, "memory.json", m->out_blob, m->out_sha256, m->out_entities, m->out_relations,
                    m->out_observations);
    for (size_t i = 0; i < m->nfrags; i++) {
        const struct mt_frag_ref *f = &m->frags[i];
        if (!f->m_blob[0]) continue;
        char *name = xasprintf("memory-%s.json", f->env);
        ok &= check_one(x, list, name, f->m_blob, f->m_sha256, f->m_entities, f->m_relations, f->m_observations);
        free(name);
    }
    put_int(x->r, "entities", (long long)m->out_entities);
    put_int(x->r, "relations", (long long)m->out_relations);
    if (!ok) mt_error_set(&x->err, "verification failed");
    return ok ? MT_EXIT_OK : MT_EXIT_VERIFY;
}

/* ---- restore -------------------------------------------------------- */

static int cmd_restore(struct run *x)
{
    if (x->cfg->nargs != 1) {
        mt_error_set(&x->err, "usage: memtui --batch restore REF [--entity NAME]...");
        return MT_EXIT_USAGE;
    }
    const char *ref = x->cfg->args[0];
    struct mt_intent in;
    mt_intent_init(&in);
    mt_intent_set_restore(&in, ref, x->cfg->entities, x->cfg->nentities);
    struct mt_op_request rq = request(x, MT_OP_RESTORE, &in);
    struct mt_op_result res;
    int rc = mt_op_run(&x->s, &rq, &res, &x->err);
    report_publish(x, &res, true);
    report_plan(x, &res);
    if (res.has_plan) json_object_object_add(x->r, "restore", mt_restore_record_json(res.plan.restore));
    if (x->cfg->dry_run) {
        if (res.has_plan && !x->cfg->json) mt_print_plan(stdout, &res.plan);
    } else if (res.has_plan) {
        put_bool(x->r, "committed", res.committed);
        if (rc == MT_EXIT_OK || rc == MT_EXIT_DEGRADED)
            say(x, res.committed ? "restored from %s; memory.json now has %zu entities\n"
                                 : "nothing to restore from %s: HEAD already has it all (%zu entities)\n",
                ref, res.plan.entities);
    }
    mt_op_result_free(&res);
    mt_intent_free(&in);
    return rc;
}

/* ---- init ------------------------------------------------------------------ */

static int cmd_init(struct run *x)
{
    if (x->cfg->nargs != 1) {
        mt_error_set(&x->err, "usage: memtui --batch [--repo DIR] init URL");
        return MT_EXIT_USAGE;
    }
    int rc = mt_repo_init(x->cfg->args[0], x->cfg->repo, x->cfg->remote, &x->err);
    if (rc == MT_REPO_UNREACHABLE) return MT_EXIT_REMOTE;
    if (rc) return MT_EXIT_USAGE;
    json_object_object_add(x->r, "repo", json_object_new_string(x->cfg->repo));
    say(x, "backup repo ready at %s\n", x->cfg->repo);
    return MT_EXIT_OK;
}

/* ---- the table's handlers (commands.h) ---------------------------------------- */

/* What a handler of the table gets: the run the cmd_ functions above work on. */
struct mt_batch_run {
    struct run *x;
};

int mt_cmd_init(struct mt_batch_run *b) { return cmd_init(b->x); }
int mt_cmd_export(struct mt_batch_run *b) { return cmd_export(b->x); }
int mt_cmd_merge(struct mt_batch_run *b) { return cmd_merge(b->x); }
int mt_cmd_import(struct mt_batch_run *b) { return cmd_import(b->x); }
int mt_cmd_sync(struct mt_batch_run *b) { return cmd_sync(b->x); }
int mt_cmd_status(struct mt_batch_run *b) { return cmd_status(b->x, false); }
int mt_cmd_diff(struct mt_batch_run *b) { return cmd_status(b->x, true); }
int mt_cmd_verify(struct mt_batch_run *b) { return cmd_verify(b->x); }
int mt_cmd_backups(struct mt_batch_run *b) { return mt_batch_backups(b->x->cfg, &b->x->s, b->x->r, &b->x->err); }
int mt_cmd_restore(struct mt_batch_run *b) { return cmd_restore(b->x); }
int mt_cmd_lease(struct mt_batch_run *b) { return mt_batch_lease(b->x->cfg, &b->x->s, b->x->r, &b->x->err); }
int mt_cmd_gc(struct mt_batch_run *b) { return mt_batch_gc(b->x->cfg, &b->x->s, b->x->r, &b->x->err); }
/* schedule writes units at most: no session */
int mt_cmd_schedule(struct mt_batch_run *b) { return mt_batch_schedule(b->x->cfg, b->x->r, &b->x->err); }
int mt_cmd_config(struct mt_batch_run *b) { return mt_batch_config(b->x->cfg, b->x->r); }

/* ---- what the table says a command line must not do ------------------------- */

/* A command line the table refuses, before the repo opens: the reason in
 * err and MT_EXIT_USAGE, else MT_EXIT_OK. */
static int refuse_before_running(const struct mt_config *cfg, const struct mt_command *command,
                                 struct mt_error *err)
{
    char offline_ok[128];
    mt_commands_with(MT_CMD_OFFLINE_OK, offline_ok, sizeof offline_ok);
    if (!cfg->command) mt_error_set(err, "no command given (try memtui --help)");
    else if (!command) mt_error_set(err, "unknown command '%s' (try memtui --help)", cfg->command);
    else if (cfg->offline && !mt_command_has(command, MT_CMD_OFFLINE_OK))
        mt_error_set(err, "--offline is for %s only", offline_ok);
    else if (cfg->nargs && !mt_command_has(command, MT_CMD_TAKES_ARGS))
        mt_error_set(err, "%s takes no arguments", command->name);
    /* sync, export without --from and import without --to read or write the
     * memory file: with none known they refuse rather than make one no MCP
     * server reads. */
    else if (!cfg->memory_file && mt_command_needs_memory_file(command, cfg))
        mt_error_set(err, "%s", cfg->settings->no_memory_file);
    else return MT_EXIT_OK;
    return MT_EXIT_USAGE;
}

/* ---- the run's start and end in the log --------------------------------------- */

/* Opens the repo's log when the repo opens, before the command looks at
 * anything else; a run whose repo never opens logs nothing. */
static bool open_run_log(const struct mt_config *cfg)
{
    struct mt_repo *r = NULL;
    struct mt_error e = {0};
    if (!cfg->repo || mt_repo_open(cfg->repo, &r, &e)) {
        mt_error_clear(&e);
        return false;
    }
    mt_audit_open(mt_repo_gitdir(r), cfg->env, false);
    mt_repo_close(r);
    return mt_audit_is_open();
}

static void log_run_start(const struct mt_config *cfg, const char *cmd)
{
    struct json_object *f = json_object_new_object(), *args = json_object_new_array();
    struct mt_buf all;
    mt_buf_init(&all);
    for (size_t i = 0; i < cfg->nargs; i++) {
        char *a = mt_url_scrub_text(cfg->args[i]);   /* a URL's user-info never reaches the log */
        json_object_array_add(args, json_object_new_string(a));
        mt_buf_addc(&all, ' ');
        mt_buf_add(&all, a, strlen(a));
        free(a);
    }
    mt_buf_addc(&all, '\0');
    json_object_object_add(f, "phase", json_object_new_string("start"));
    json_object_object_add(f, "command", json_object_new_string(cmd));
    json_object_object_add(f, "args", args);
    mt_audit_record("run", f, "run %s%s started", cmd, all.data);
    mt_buf_free(&all);
}

static void log_run_end(const char *cmd, int rc, const struct timespec *t0, const char *reason)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long long ms = (long long)(t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
    struct json_object *f = json_object_new_object();
    json_object_object_add(f, "phase", json_object_new_string("end"));
    json_object_object_add(f, "command", json_object_new_string(cmd));
    json_object_object_add(f, "exit_code", json_object_new_int(rc));
    json_object_object_add(f, "ok", json_object_new_boolean(rc == MT_EXIT_OK));
    json_object_object_add(f, "duration_ms", json_object_new_int64(ms));
    if (reason) json_object_object_add(f, "error", json_object_new_string(reason));
    if (reason) mt_audit_record("run", f, "run %s ended: exit %d: %s", cmd, rc, reason);
    else mt_audit_record("run", f, "run %s ended: exit %d", cmd, rc);
}

int mt_batch_run(const struct mt_config *cfg)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct run x = {.cfg = cfg};
    struct mt_batch_run b = {&x};   /* what the table's handlers get */
    x.r = json_object_new_object();
    const char *cmd = cfg->command ? cfg->command : "";
    json_object_object_add(x.r, "command", json_object_new_string(cmd));
    const struct mt_command *command = mt_command_find(cfg->command);
    int rc;
    mt_trace("start");
    mt_repo_global_init();
    bool logged = open_run_log(cfg);
    if (logged) log_run_start(cfg, cmd);
    rc = refuse_before_running(cfg, command, &x.err);
    if (rc == MT_EXIT_OK && mt_command_has(command, MT_CMD_NO_SESSION)) {
        rc = command->run(&b);
    } else if (rc == MT_EXIT_OK && (rc = mt_session_open(&x.s, cfg, &x.err)) == MT_EXIT_OK) {
        json_object_object_add(x.r, "env", json_object_new_string(cfg->env));
        if (!mt_audit_is_open()) mt_audit_open(mt_repo_gitdir(x.s.repo), cfg->env, false);
        if (!logged && mt_audit_is_open()) log_run_start(cfg, cmd);
        logged = mt_audit_is_open();
        mt_trace("session open");
        rc = command->run(&b);
    }
    /* init made the repo: its first run is logged there too. */
    if (!logged && (logged = open_run_log(cfg))) log_run_start(cfg, cmd);
    char *reason = NULL;
    if (x.err.msg) {
        reason = mt_error_format(&x.err);
        mt_warn("%s", reason);
        json_object_object_add(x.r, "error", json_object_new_string(reason));
    }
    /* The one place a run ends: every exit, usage errors included. */
    if (logged) log_run_end(cmd, rc, &t0, rc == MT_EXIT_OK ? NULL : reason);
    free(reason);
    mt_trace("command done");
    json_object_object_add(x.r, "ok", json_object_new_boolean(rc == MT_EXIT_OK));
    put_int(x.r, "exit_code", rc);
    if (cfg->json) {
        struct mt_buf out;
        mt_buf_init(&out);
        mt_safe_json_add(&out, json_object_to_json_string_ext(x.r, JSON_C_TO_STRING_PLAIN |
                                                                       JSON_C_TO_STRING_NOSLASHESCAPE));
        mt_buf_addc(&out, '\n');
        fwrite(out.data, 1, out.len, stdout);
        mt_buf_free(&out);
    }
    json_object_put(x.r);
    mt_error_clear(&x.err);
    mt_session_close(&x.s);
    mt_audit_close();
    mt_trace("end");
    mt_repo_global_shutdown();
    return rc;
}
