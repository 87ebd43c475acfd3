/* ops.c: export, merge, sync, restore and import, for batch and the
 * workstation alike (ops.h). The publishing protocol is publish.h's; this
 * file says what each operation builds inside it. */
#include "memtui/ops/ops.h"

#include <stdlib.h>
#include <string.h>

#include "memtui/base/audit.h"
#include "memtui/base/events.h"
#include "memtui/base/fsutil.h"
#include "memtui/base/util.h"
#include "memtui/config/settings.h"
#include "memtui/git/backup_refs.h"
#include "memtui/coord/pending.h"
#include "memtui/coord/publish.h"
#include "memtui/coord/txn.h"

struct op {
    struct mt_session *s;
    const struct mt_op_request *rq;
    struct mt_op_result *res;
    bool repair_said;
};

const char *mt_op_name(enum mt_op_kind kind)
{
    static const char *const names[] = {
        [MT_OP_EXPORT] = "export", [MT_OP_MERGE] = "merge", [MT_OP_SYNC] = "sync",
        [MT_OP_RESTORE] = "restore", [MT_OP_IMPORT] = "import",
    };
    return kind <= MT_OP_IMPORT ? names[kind] : "?";
}

static void step(const struct op *o, const char *what, int attempt)
{
    if (attempt > 1) mt_event_emit(MT_EVENT_STEP, "%s (attempt %d)", what, attempt);
    else mt_event_emit(MT_EVENT_STEP, "%s", what);
    if (o->rq->step) o->rq->step(o->rq->ctx, what, attempt);
}

/* The plan kept for reports: the newest replaces the one before. */
static void keep_plan(struct op *o, struct mt_plan *p)
{
    if (o->res->has_plan) mt_plan_free(&o->res->plan);
    o->res->plan = *p;
    o->res->has_plan = true;
    memset(p, 0, sizeof(*p));
}

static int degraded_or_ok(const struct op *o, const struct mt_plan *p)
{
    return mt_plan_has_quarantine(p) || o->res->repairing ? MT_EXIT_DEGRADED : MT_EXIT_OK;
}

/* ---- what the plan says, once said ----------------------------------------- */

static char *repair_text(const struct mt_trust *t, bool writing)
{
    const char *what = t->memory_bad && t->manifest_bad ? "memory.json and the manifest at HEAD are corrupt"
                       : t->memory_bad                  ? "memory.json at HEAD is corrupt"
                                                        : "the manifest at HEAD is invalid";
    char *from = t->base_commit[0] ? xasprintf("the last verified merge (as commit %.12s holds it)", t->base_commit)
                                   : xstrdup("nothing (no verified merge in the history)");
    char *text;
    if (t->memory_bad)
        text = xasprintf("%s (commit %.12s: %s): memory.json %s rebuilt from %s and the fragments", what,
                         t->bad_commit, t->why, writing ? "is" : "will be", from);
    else
        text = xasprintf("%s (commit %.12s: %s): the manifest of %s stands in; %s merge writes a valid one", what,
                         t->bad_commit, t->why, from, writing ? "this" : "the next");
    free(from);
    return text;
}

/* HEAD holds what is not used (trust.h): said once an operation, in the
 * audit log when it writes, else as a warning. */
static void note_repair(struct op *o)
{
    const struct mt_trust *t = &o->s->trust;
    o->res->repairing = !mt_trust_head_ok(t);
    if (!o->res->repairing || o->repair_said) return;
    o->repair_said = true;
    o->res->repair = *t;   /* the commit that follows makes HEAD good again */
    o->res->repair.why = t->why ? xstrdup(t->why) : NULL;
    bool writing = !o->rq->dry_run;
    char *text = repair_text(t, writing);
    if (writing) {
        struct json_object *f = json_object_new_object();
        json_object_object_add(f, "bad_commit", json_object_new_string(t->bad_commit));
        json_object_object_add(f, "verified_commit", json_object_new_string(t->base_commit));
        mt_audit("repair", f, "warning: %s", text);
    } else {
        mt_warn("warning: %s", text);
    }
    free(text);
}

static void warn_quarantine(const struct mt_plan *p)
{
    for (size_t i = 0; i < p->nenvs; i++)
        if (p->envs[i].reason) {
            struct json_object *f = json_object_new_object();
            json_object_object_add(f, "fragment_env", json_object_new_string(p->envs[i].ref.env));
            json_object_object_add(f, "status", json_object_new_string(mt_frag_status_name(p->envs[i].status)));
            mt_audit("quarantine", f, "%s %s: %s", p->envs[i].ref.env, mt_frag_status_name(p->envs[i].status),
                     p->envs[i].reason);
        }
}

/* ---- building on the current HEAD ------------------------------------------- */

static struct mt_plan_options plan_options(const struct op *o)
{
    struct mt_plan_options opt = {.policy = o->rq->policy, .allow_mass_delete = o->rq->allow_mass_delete,
                                  .progress = o->rq->progress, .progress_ctx = o->rq->ctx,
                                  .intent = o->rq->intent};
    return opt;
}

/* The plan for HEAD, resolved with the request's intent, timed. */
static int load_plan(struct op *o, struct mt_plan *p, struct mt_error *err)
{
    struct mt_plan_options opt = plan_options(o);
    double t0 = mt_monotonic();
    int rc = mt_session_plan_load(o->s, p, &opt, err);
    if (rc) return rc;
    note_repair(o);
    double t1 = mt_monotonic();
    mt_trace("plan loaded");
    mt_plan_resolve(p);
    mt_trace("plan resolved");
    o->res->read_ms = (long long)((t1 - t0) * 1000);
    o->res->resolve_ms = (long long)((mt_monotonic() - t1) * 1000);
    o->res->write_ms = -1;
    return MT_EXIT_OK;
}

/* Conflicts no one decided: the plan is kept for the report, and with
 * keep_pending saved for status and restore (pending.h). */
static int undecided(struct op *o, struct mt_plan *p, struct mt_error *err)
{
    if (o->rq->keep_pending) {
        struct mt_error e = {0};
        if (mt_pending_save(o->s, p, &e)) mt_warn("%s", e.msg);
        mt_error_clear(&e);
    }
    mt_error_set(err, "%zu conflicts are undecided", mt_plan_pending(p));
    keep_plan(o, p);
    return MT_EXIT_CONFLICTS;
}

static int commit(struct op *o, struct mt_plan *p, bool sync, long long token, struct mt_error *err)
{
    double t0 = mt_monotonic();
    bool imported = false, committed = false;
    struct mt_merge_opts mo = {.import_own = sync, .imported = &imported, .committed = &committed,
                               .lease_token = token};
    step(o, "writing, verifying and committing", 0);
    int rc = mt_session_commit_merge(o->s, p, &mo, err);
    o->res->write_ms = (long long)((mt_monotonic() - t0) * 1000);
    mt_trace("merge committed");
    o->res->committed = committed;
    o->res->imported = imported;
    return rc;
}

static int merge_build(struct op *o, long long token, struct mt_error *err)
{
    bool sync = o->rq->kind == MT_OP_SYNC;
    struct mt_plan p;
    int rc = load_plan(o, &p, err);
    if (rc) return rc;
    warn_quarantine(&p);
    if (!p.resolved) return undecided(o, &p, err);
    if (o->rq->dry_run) {
        rc = degraded_or_ok(o, &p);
        keep_plan(o, &p);
        return rc;
    }
    rc = commit(o, &p, sync, token, err);
    if (!rc) {
        mt_pending_clear(o->s);
        rc = degraded_or_ok(o, &p);
        if (sync && !o->res->imported) {
            int irc = mt_session_import_after_merge(o->s, &p, &o->res->imported, err);
            if (irc) rc = irc;
        }
    }
    keep_plan(o, &p);
    return rc;
}

/* The restore's log fields: the names asked for (the first RESTORE_LOG_NAMES
 * of them; none given: every entity of ref, "all") and how many came back. */
enum { RESTORE_LOG_NAMES = 50 };
static struct json_object *restore_fields(const struct mt_intent *in, size_t restored)
{
    struct json_object *f = json_object_new_object(), *names = json_object_new_array();
    for (size_t i = 0; i < in->nrestore_names && i < RESTORE_LOG_NAMES; i++)
        json_object_array_add(names, json_object_new_string(in->restore_names[i]));
    size_t omitted = in->nrestore_names > RESTORE_LOG_NAMES ? in->nrestore_names - RESTORE_LOG_NAMES : 0;
    json_object_object_add(f, "ref", json_object_new_string(in->restore_ref));
    json_object_object_add(f, "all", json_object_new_boolean(in->nrestore_names == 0));
    json_object_object_add(f, "entities", names);
    json_object_object_add(f, "names_omitted", json_object_new_int64((int64_t)omitted));
    json_object_object_add(f, "restored", json_object_new_int64((int64_t)restored));
    return f;
}

/* Entities come back through the engine: a normal verified merge commit. */
static int restore_build(struct op *o, long long token, struct mt_error *err)
{
    const struct mt_intent *in = o->rq->intent;
    struct mt_plan p;
    struct mt_plan_options opt = plan_options(o);
    opt.intent = NULL;   /* a restore decides nothing of its own */
    char msg[256];
    snprintf(msg, sizeof msg, "reading %s", in->restore_ref);
    step(o, msg, 0);
    int rc = mt_session_plan_restore(o->s, &p, &opt, in->restore_ref, in->restore_names, in->nrestore_names,
                                     &o->res->restored, err);
    if (rc) return rc;
    note_repair(o);
    if (!o->rq->dry_run) {
        rc = commit(o, &p, false, token, err);
        if (!rc)
            mt_audit("restore", restore_fields(in, o->res->restored), "restored %zu entities from %s",
                     o->res->restored, in->restore_ref);
    }
    keep_plan(o, &p);
    return rc;
}

/* ---- the publishing loop's steps (publish.h) -------------------------------- */

static int prepare(void *ctx, struct mt_session *s, struct mt_error *err)
{
    struct op *o = ctx;
    enum mt_op_kind k = o->rq->kind;
    if (k != MT_OP_EXPORT && k != MT_OP_SYNC) return MT_EXIT_OK;
    const char *file = k == MT_OP_SYNC ? s->cfg->memory_file : o->rq->from ? o->rq->from : s->cfg->memory_file;
    if (k == MT_OP_SYNC && !mt_file_exists(file)) {
        if (!o->res->memory_file_missing)
            mt_warn("%s does not exist: nothing to export; the merged graph will be imported", file);
        o->res->memory_file_missing = true;
        return MT_EXIT_OK;
    }
    char msg[512];
    snprintf(msg, sizeof msg, "exporting %s", file);
    step(o, msg, 0);
    bool exported = false;
    int rc = mt_session_export(s, k == MT_OP_SYNC ? NULL : o->rq->from, &exported, err);
    o->res->exported |= exported;
    return rc;
}

static int build(void *ctx, struct mt_session *s, long long token, struct mt_error *err)
{
    (void)s;
    struct op *o = ctx;
    return o->rq->kind == MT_OP_RESTORE ? restore_build(o, token, err) : merge_build(o, token, err);
}

/* sync: the local file is memory.json at HEAD, byte for byte. Anything
 * else (an import due, the server's write since the export) needs the
 * whole merge, and the look for an idle one is not even made: it would
 * only widen the window between the export and the import. */
static bool local_is_head(struct mt_session *s)
{
    char *head = NULL, *local = NULL;
    size_t hlen = 0, llen = 0;
    struct mt_error e = {0};
    bool same = s->cfg->memory_file && mt_repo_read_path(s->repo, NULL, "memory.json", &head, &hlen, NULL, &e) == 0 &&
                mt_file_read(s->cfg->memory_file, &local, &llen, NULL, NULL) == 0 && hlen == llen &&
                memcmp(head, local, hlen) == 0;
    mt_error_clear(&e);
    free(head);
    free(local);
    return same;
}

/* Before the lease: a merge with nothing to do (mt_session_merge_idle) is
 * done here, and for sync the import that may still be due. */
static int idle_look(void *ctx, struct mt_session *s, bool *idle, struct mt_error *err)
{
    struct op *o = ctx;
    bool sync = o->rq->kind == MT_OP_SYNC;
    *idle = false;
    if (o->rq->kind == MT_OP_RESTORE || (sync && !local_is_head(s))) return MT_EXIT_OK;
    struct mt_plan p;
    int rc = load_plan(o, &p, err);
    if (rc) return rc;
    if (!(*idle = mt_session_merge_idle(s, &p, sync))) {
        mt_plan_free(&p);
        return MT_EXIT_OK;
    }
    warn_quarantine(&p);
    o->res->idle = true;
    rc = degraded_or_ok(o, &p);
    if (sync) {
        int irc = mt_session_import_after_merge(s, &p, &o->res->imported, err);
        if (irc) rc = irc;
    }
    keep_plan(o, &p);
    return rc;
}

static void note(void *ctx, const char *what, int attempt)
{
    step(ctx, what, attempt);
}

static int publish(struct op *o, struct mt_error *err)
{
    bool builds = o->rq->kind != MT_OP_EXPORT;
    struct mt_publish_ops ops = {.ctx = o, .prepare = prepare, .build = builds ? build : NULL,
                                 .idle = idle_look, .note = note, .hand_off = o->rq->kind == MT_OP_SYNC};
    struct mt_publish_result pr;
    int rc = mt_publish(o->s, &ops, &pr, err);
    o->res->pushed = pr.pushed;
    o->res->attempts = pr.attempts;
    o->res->leased = pr.leased;
    o->res->token = pr.token;
    o->res->stash_kept = pr.stash_kept;
    o->res->handed_off = pr.handed_off;
    snprintf(o->res->holder, sizeof o->res->holder, "%s", pr.holder);
    return rc;
}

/* ---- the operations ------------------------------------------------------- */

static int import_op(struct op *o, struct mt_error *err)
{
    struct mt_session *s = o->s;
    struct mt_txn t;
    int rc = mt_txn_begin(&t, s, err);
    if (rc) return rc;
    rc = mt_session_import(s, o->rq->to, &o->res->skipped, err);
    o->res->imported = !rc && !o->res->skipped;
    if (o->res->imported)
        mt_audit("import", NULL, "imported memory.json into %s", o->rq->to ? o->rq->to : s->cfg->memory_file);
    int erc = mt_txn_end(&t);
    return rc ? rc : erc;
}

/* After an import into the live file: the server's next write is judged
 * (mt_session_settle_import); a problem there is logged, not fatal. */
static void settle(struct mt_session *s)
{
    struct mt_error e = {0};
    if (mt_session_settle_import(s, &e)) mt_audit("import", NULL, "%s", e.msg);
    mt_error_clear(&e);
}

/* Backup branches this clone made (now or in an earlier run) go to the
 * remote after the run, best effort: the run's result and exit code stay
 * as they are, a failure is a warning and the branch stays here. */
static void push_backups(struct mt_session *s, const struct mt_op_request *rq, int rc)
{
    if (rq->kind == MT_OP_IMPORT || rq->dry_run || s->cfg->no_push || (rc != MT_EXIT_OK && rc != MT_EXIT_DEGRADED))
        return;
    mt_backup_refs_push_warn(s->repo, s->cfg->remote);
}

static int run_op(struct mt_session *s, const struct mt_op_request *rq, struct mt_op_result *res,
                  struct mt_error *err)
{
    memset(res, 0, sizeof(*res));
    res->read_ms = res->resolve_ms = res->write_ms = -1;
    struct op o = {s, rq, res, false};
    bool needs_file = rq->kind == MT_OP_SYNC || (rq->kind == MT_OP_EXPORT && !rq->from) ||
                      (rq->kind == MT_OP_IMPORT && !rq->to);
    if (needs_file && !s->cfg->memory_file) {   /* no file is made that no MCP server reads */
        mt_error_set(err, "%s", s->cfg->settings->no_memory_file);
        return MT_EXIT_USAGE;
    }
    if (rq->kind == MT_OP_RESTORE && (!rq->intent || !rq->intent->restore_ref)) {
        mt_error_set(err, "restore: no ref to restore from");
        return MT_EXIT_USAGE;
    }
    int rc;
    switch (rq->kind) {
    case MT_OP_IMPORT:
        rc = import_op(&o, err);
        settle(s);
        return rc;
    case MT_OP_MERGE:
    case MT_OP_RESTORE:
        if (rq->dry_run) return build(&o, s, 0, err);   /* read-only: no lock, no lease */
        return publish(&o, err);
    case MT_OP_SYNC:
        rc = publish(&o, err);
        settle(s);
        return rc;
    case MT_OP_EXPORT:
    default:
        return publish(&o, err);
    }
}

int mt_op_run(struct mt_session *s, const struct mt_op_request *rq, struct mt_op_result *res, struct mt_error *err)
{
    int rc = run_op(s, rq, res, err);
    push_backups(s, rq, rc);
    return rc;
}

void mt_op_result_free(struct mt_op_result *res)
{
    if (res->has_plan) mt_plan_free(&res->plan);
    mt_trust_clear(&res->repair);
    memset(res, 0, sizeof(*res));
}
