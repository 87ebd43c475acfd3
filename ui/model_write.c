/* model_write.c: the workstation's writing runs, off the input loop
 * (curses-free). They follow batch's publish() step by step (lock, remote,
 * lease, build, commit, compare-and-swap push with retries) through the
 * same engine calls, so a merge finished here is one batch could have made,
 * only with the operator's decisions applied by entity key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memtui/audit.h"
#include "memtui/fragment.h"
#include "memtui/fsutil.h"
#include "memtui/txn.h"
#include "memtui/ui_model.h"

enum { STEP_EXPORT = 1, STEP_MERGE = 2, STEP_SYNC = 4, STEP_RESTORE = 8 };

struct mt_ui_write_args *mt_ui_write_args(const struct mt_config *cfg, const struct mt_plan *p)
{
    struct mt_ui_write_args *a = xcalloc(1, sizeof(*a));
    a->cfg = cfg;
    if (!p) return a;
    a->dec = xcalloc(p->ndecisions + 1, sizeof(*a->dec));
    for (size_t i = 0; i < p->ndecisions; i++) {
        if (p->decisions[i].kind == MT_DECIDE_NONE) continue;
        struct mt_ui_decision *d = &a->dec[a->ndec++];
        d->key = xstrdup(p->decision_keys[i]);
        d->kind = p->decisions[i].kind;
        d->entity = p->decisions[i].entity ? mt_entity_clone(p->decisions[i].entity) : NULL;
        d->label = p->decisions[i].label ? xstrdup(p->decisions[i].label) : NULL;
    }
    return a;
}

static void args_free(struct mt_ui_write_args *a)
{
    for (size_t i = 0; i < a->ndec; i++) {
        free(a->dec[i].key);
        mt_entity_free(a->dec[i].entity);
        free(a->dec[i].label);
    }
    free(a->dec);
    free(a->restore_ref);
    free(a);
}

static void plan_progress(void *ctx, size_t done, size_t total, const char *env)
{
    mt_job_progress(ctx, done, total, "reading fragments: %zu/%zu (%s)", done, total, env ? env : "");
}

/* The merge proper on the current HEAD: a fresh plan, the decisions again. */
static int merge_step(struct mt_job *j, struct mt_session *s, const struct mt_ui_write_args *a, bool sync,
                      struct mt_error *err)
{
    struct mt_plan p;
    struct mt_plan_options opt = {.policy = sync ? MT_POLICY_PRESERVE : MT_POLICY_FAIL,
                                  .allow_mass_delete = a->cfg->allow_mass_delete,
                                  .progress = plan_progress, .progress_ctx = j};
    int rc = mt_session_plan_load(s, &p, &opt, err);
    if (rc) return rc;
    for (size_t i = 0; i < a->ndec; i++)
        mt_plan_decide(&p, a->dec[i].key, a->dec[i].kind, a->dec[i].entity, a->dec[i].label);
    mt_plan_resolve(&p);
    if (!p.resolved) {
        mt_error_set(err, "%zu conflicts are undecided in the newest plan (the remote moved?): refresh with R "
                          "and decide them", mt_plan_pending(&p));
        mt_plan_free(&p);
        return MT_EXIT_CONFLICTS;
    }
    mt_job_progress(j, 0, 0, "writing, verifying and committing");
    bool imported = false, committed = false;
    struct mt_merge_opts mo = {.import_own = sync, .imported = &imported, .committed = &committed};
    rc = mt_session_commit_merge(s, &p, &mo, err);
    if (!rc) {
        char *pending = mt_session_state_path(s, "pending.json");
        unlink(pending);
        free(pending);
        free(j->message);
        j->message = xasprintf("%s: %zu entities, %zu relations, %zu conflicts resolved",
                               committed ? "merged" : "nothing new to merge", p.entities, p.relations, p.nconflicts);
        if (mt_plan_has_quarantine(&p)) rc = MT_EXIT_DEGRADED;
        if (sync && !imported) {
            bool skipped = false;
            int irc = mt_session_import(s, NULL, &skipped, err);
            if (irc) rc = irc;
        }
    }
    mt_plan_free(&p);
    return rc;
}

static int restore_step(struct mt_job *j, struct mt_session *s, const struct mt_ui_write_args *a,
                        struct mt_error *err)
{
    char *text;
    size_t len;
    mt_job_progress(j, 0, 0, "reading %s", a->restore_ref);
    if (mt_backup_graph_text(s->repo, a->restore_ref, &text, &len, err)) return MT_EXIT_USAGE;
    struct mt_plan p;
    struct mt_plan_options opt = {.policy = MT_POLICY_PRESERVE, .progress = plan_progress, .progress_ctx = j};
    int rc = mt_session_plan_load(s, &p, &opt, err);
    if (rc) {
        free(text);
        return rc;
    }
    char *label = xasprintf("restore:%s", a->restore_ref);
    char **names = NULL;
    size_t nnames = 0;
    struct mt_graph all;
    mt_graph_init(&all);
    struct mt_fragment f;
    if (mt_fragment_load(&f, label, xstrndup(text, len), len, err) == 0) {
        names = xcalloc(f.nlines + 1, sizeof(char *));
        for (size_t i = 0; i < f.nlines; i++) {
            struct mt_item it;
            if (f.lines[i].kind != MT_LINE_ENTITY ||
                mt_item_parse(f.lines[i].p, f.lines[i].len, label, f.lines[i].lineno, &it, err))
                continue;
            if (!mt_graph_entity(&all, it.entity->key)) names[nnames++] = xstrdup(it.entity->name);
            mt_graph_add_entity(&all, it.entity);
            it.entity = NULL;
            mt_item_clear(&it);
        }
        mt_error_clear(err);
        mt_fragment_free(&f);
    }
    rc = mt_plan_add_restore(&p, label, text, len, names, nnames, err) ? MT_EXIT_USAGE : MT_EXIT_OK;
    for (size_t i = 0; i < nnames; i++) free(names[i]);
    free(names);
    mt_graph_free(&all);
    free(text);
    free(label);
    if (!rc) {
        mt_plan_resolve(&p);
        bool committed = false;
        struct mt_merge_opts mo = {.committed = &committed};
        mt_job_progress(j, 0, 0, "writing, verifying and committing");
        rc = mt_session_commit_merge(s, &p, &mo, err);
        if (!rc) {
            free(j->message);
            j->message = xasprintf(committed ? "restored from %s: memory.json has %zu entities"
                                             : "nothing to restore from %s: HEAD has it all (%zu entities)",
                                   a->restore_ref, p.entities);
            mt_audit("restore", NULL, "restored %zu entities from %s (workstation)", nnames, a->restore_ref);
        }
    }
    mt_plan_free(&p);
    return rc;
}

static int publish(struct mt_job *j, int steps)
{
    struct mt_ui_write_args *a = j->arg;
    const struct mt_config *cfg = a->cfg;
    struct mt_session s;
    struct mt_error err = {0};
    mt_job_progress(j, 0, 0, "%s: taking the local lock", j->kind);
    int rc = mt_session_open(&s, cfg, &err);
    struct mt_txn t;
    bool began = false, audit = false;
    if (!rc) {
        audit = true;
        /* quiet: the audit log is written, but nothing goes to the screen's stderr */
        mt_audit_open(mt_repo_gitdir(s.repo), cfg->env, true);
        rc = mt_txn_begin(&t, &s, &err);
        began = rc == 0;
    }
    bool online = !cfg->no_push;
    while (began) {
        if (online) {
            mt_job_progress(j, 0, 0, "%s: fetching %s", j->kind, cfg->remote);
            if ((rc = mt_txn_follow_remote(&t, &err))) break;
        }
        if (steps & STEP_EXPORT) {
            bool exported = false;
            mt_job_progress(j, 0, 0, "%s: exporting %s", j->kind, cfg->memory_file);
            if (mt_file_exists(cfg->memory_file) && (rc = mt_session_export(&s, NULL, &exported, &err))) break;
        }
        if (online) {
            mt_job_progress(j, 0, 0, "%s: taking the lease (attempt %d)", j->kind, t.attempts + 1);
            if ((rc = mt_txn_lease(&t, &err))) break;
        }
        if (steps & STEP_MERGE) rc = merge_step(j, &s, a, steps & STEP_SYNC, &err);
        if (steps & STEP_RESTORE) rc = restore_step(j, &s, a, &err);
        if (rc != MT_EXIT_OK && rc != MT_EXIT_DEGRADED) break;
        if (!online) break;
        int built = rc;
        if (t.lease && (rc = mt_txn_lease(&t, &err))) break;  /* renew before publishing */
        mt_job_progress(j, 0, 0, "%s: pushing (attempt %d)", j->kind, t.attempts + 1);
        rc = mt_txn_push(&t, &err);
        if (rc == MT_EXIT_OK) {
            rc = built;
            break;
        }
        if (rc != 1) break;
        mt_job_progress(j, 0, 0, "%s: the push was rejected, retrying", j->kind);
        if (!mt_txn_backoff(&t)) {
            mt_error_set(&err, "the push of main was still rejected after %d attempts; every attempt is kept on a "
                               "memtui/backup/%s/... branch", t.attempts, cfg->env);
            rc = MT_EXIT_REMOTE;
            break;
        }
    }
    if (began) {
        int erc = mt_txn_end(&t);
        if (rc == MT_EXIT_OK && erc) rc = erc;
    }
    if (err.msg) {
        free(j->message);
        char *m = mt_error_format(&err);
        j->message = xasprintf("%s failed: %s", j->kind, m);
        free(m);
    }
    mt_error_clear(&err);
    if (audit) mt_audit_close();
    mt_session_close(&s);
    args_free(a);
    return rc;
}

int mt_ui_merge_job(struct mt_job *j)
{
    return publish(j, STEP_MERGE);
}

int mt_ui_sync_job(struct mt_job *j)
{
    return publish(j, STEP_EXPORT | STEP_MERGE | STEP_SYNC);
}

int mt_ui_restore_job(struct mt_job *j)
{
    return publish(j, STEP_RESTORE);
}
