/* batch.c: the headless commands of DESIGN 4 over the shared engine. */
#include "memtui/batch.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memtui/backups.h"
#include "memtui/batch_report.h"
#include "memtui/fragment.h"
#include "memtui/fsutil.h"
#include "memtui/lock.h"
#include "memtui/session.h"

struct run {
    const struct mt_config *cfg;
    struct mt_session s;
    struct json_object *r;     /* the --json result */
    struct mt_error err;
};

static void say(const struct run *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const struct run *x, const char *fmt, ...)
{
    if (x->cfg->json) return;
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
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

static int degraded_or_ok(const struct mt_plan *p)
{
    return mt_plan_has_quarantine(p) ? MT_EXIT_DEGRADED : MT_EXIT_OK;
}

static void warn_quarantine(const struct run *x, const struct mt_plan *p)
{
    for (size_t i = 0; i < p->nenvs; i++)
        if (p->envs[i].reason)
            fprintf(stderr, "memtui: %s %s: %s\n", p->envs[i].ref.env, mt_frag_status_name(p->envs[i].status),
                    p->envs[i].reason);
    (void)x;
}

/* Conflicts left for an operator (`--policy fail`): kept in the git dir so
 * the workstation can pick them up; cleared by the next merge that commits. */
static void save_pending(struct run *x, const struct mt_plan *p)
{
    char *path = mt_session_state_path(&x->s, "pending.json");
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "head", json_object_new_string(x->s.head));
    json_object_object_add(o, "time", json_object_new_string(mt_utc_now()));
    json_object_object_add(o, "conflicts", mt_report_conflicts(p));
    const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
    struct mt_error err = {0};
    if (mt_file_write_atomic(path, text, strlen(text), 0600, &err)) fprintf(stderr, "memtui: %s\n", err.msg);
    mt_error_clear(&err);
    json_object_put(o);
    free(path);
}

static void clear_pending(struct run *x)
{
    char *path = mt_session_state_path(&x->s, "pending.json");
    unlink(path);
    free(path);
}

/* ---- merge and sync ------------------------------------------------------ */

static int do_merge(struct run *x, bool sync, bool *committed)
{
    struct mt_plan p;
    struct mt_plan_options opt = plan_options(x->cfg);
    double t0 = mt_monotonic();
    int rc = mt_session_plan_load(&x->s, &p, &opt, &x->err);
    if (rc) return rc;
    double t1 = mt_monotonic();
    mt_plan_resolve(&p);
    double t2 = mt_monotonic();
    struct json_object *timing = json_object_new_object();
    put_int(timing, "read_and_diff_ms", (long long)((t1 - t0) * 1000));
    put_int(timing, "resolve_ms", (long long)((t2 - t1) * 1000));
    json_object_object_add(x->r, "timing", timing);
    mt_report_plan(x->r, &p);
    warn_quarantine(x, &p);
    if (!p.resolved) {
        save_pending(x, &p);
        mt_error_set(&x->err, "%zu conflicts left pending (--policy fail): resolve them in the workstation "
                              "or merge with --policy preserve", mt_plan_pending(&p));
        if (!x->cfg->json) mt_print_plan(stdout, &p);
        mt_plan_free(&p);
        return MT_EXIT_CONFLICTS;
    }
    if (x->cfg->dry_run) {
        if (!x->cfg->json) mt_print_plan(stdout, &p);
        put_bool(x->r, "dry_run", true);
        rc = degraded_or_ok(&p);
        mt_plan_free(&p);
        return rc;
    }
    bool imported = false;
    struct mt_merge_opts mo = {.import_own = sync, .imported = &imported, .committed = committed};
    rc = mt_session_commit_merge(&x->s, &p, &mo, &x->err);
    put_int(timing, "write_verify_commit_ms", (long long)((mt_monotonic() - t2) * 1000));
    put_bool(x->r, "committed", *committed);
    if (sync) put_bool(x->r, "imported", imported);
    if (!rc) {
        clear_pending(x);
        say(x, "%s: %zu entities, %zu relations, %zu observations; %zu conflicts resolved (%s)\n",
            *committed ? "merged" : "nothing new to merge", p.entities, p.relations, p.observations, p.nconflicts,
            p.opt.policy == MT_POLICY_FAIL ? "fail" : "preserve");
        json_object_object_add(x->r, "commit", json_object_new_string(x->s.head));
        rc = degraded_or_ok(&p);
        if (sync && !imported) {
            bool skipped = false;
            int irc = mt_session_import(&x->s, NULL, &skipped, &x->err);
            if (irc) rc = irc;
            put_bool(x->r, "imported", !skipped && !irc);
        }
    }
    mt_plan_free(&p);
    return rc;
}

static int cmd_merge(struct run *x)
{
    if (!x->cfg->no_push && !x->cfg->dry_run) {
        int rc = mt_session_pull(&x->s, &x->err);
        if (rc) return rc;
    }
    bool committed = false;
    int rc = do_merge(x, false, &committed);
    /* Push even without a new commit: an earlier --no-push may have left one. */
    if ((rc == MT_EXIT_OK || rc == MT_EXIT_DEGRADED) && !x->cfg->no_push && !x->cfg->dry_run) {
        int prc = mt_session_push(&x->s, &x->err);
        put_bool(x->r, "pushed", prc == 0);
        if (prc) return prc;
    }
    return rc;
}

static int cmd_sync(struct run *x)
{
    int rc;
    if (!x->cfg->no_push && (rc = mt_session_pull(&x->s, &x->err))) return rc;
    bool exported = false, committed = false;
    if (!mt_file_exists(x->cfg->memory_file)) {
        fprintf(stderr, "memtui: %s does not exist: nothing to export; the merged graph will be imported\n",
                x->cfg->memory_file);
    } else if ((rc = mt_session_export(&x->s, NULL, &exported, &x->err))) {
        return rc;
    }
    put_bool(x->r, "exported", exported);
    rc = do_merge(x, true, &committed);
    if ((rc == MT_EXIT_OK || rc == MT_EXIT_DEGRADED) && !x->cfg->no_push) {
        int prc = mt_session_push(&x->s, &x->err);
        put_bool(x->r, "pushed", prc == 0);
        if (prc) return prc;
    }
    return rc;
}

/* ---- export, import ------------------------------------------------------ */

static int cmd_export(struct run *x)
{
    int rc;
    if (!x->cfg->no_push && (rc = mt_session_pull(&x->s, &x->err))) return rc;
    bool committed = false;
    if ((rc = mt_session_export(&x->s, x->cfg->from, &committed, &x->err))) return rc;
    put_bool(x->r, "committed", committed);
    say(x, committed ? "exported memory-%s.json\n" : "memory-%s.json is already up to date\n", x->cfg->env);
    if (!x->cfg->no_push) {
        rc = mt_session_push(&x->s, &x->err);
        put_bool(x->r, "pushed", rc == 0);
    }
    return rc;
}

static int cmd_import(struct run *x)
{
    bool skipped = false;
    int rc = mt_session_import(&x->s, x->cfg->to, &skipped, &x->err);
    put_bool(x->r, "imported", !rc && !skipped);
    put_bool(x->r, "skipped", skipped);
    if (!rc && !skipped) say(x, "imported memory.json into %s\n", x->cfg->to ? x->cfg->to : x->cfg->memory_file);
    return rc;
}

/* ---- status, diff --------------------------------------------------------- */

static void add_lease_and_lock(struct run *x)
{
    struct json_object *lease = json_object_new_object();
    json_object_object_add(lease, "holder", NULL);
    put_int(lease, "token", x->s.manifest.lease_token);
    json_object_object_add(lease, "expires", NULL);
    json_object_object_add(x->r, "lease", lease);
    json_object_object_add(x->r, "lock", NULL);
}

static int cmd_status(struct run *x, bool diff)
{
    struct mt_plan p;
    struct mt_plan_options opt = plan_options(x->cfg);
    int rc = mt_session_plan(&x->s, &p, &opt, &x->err);
    if (rc) return rc;
    mt_report_plan(x->r, &p);
    json_object_object_add(x->r, "changes", mt_report_changes(&p));
    json_object_object_add(x->r, "head", json_object_new_string(x->s.head));
    if (!diff) {
        add_lease_and_lock(x);
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
        if (!diff) printf("repo %s  env %s  head %.12s\n", x->cfg->repo, x->cfg->env, x->s.head[0] ? x->s.head : "(none)");
        mt_print_plan(stdout, &p);
    }
    rc = degraded_or_ok(&p);
    mt_plan_free(&p);
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
    struct mt_fragment f;
    if (mt_fragment_load(&f, name, data, len, &x->err)) return -1;
    struct mt_graph g;
    mt_graph_init(&g);
    int rc = 0;
    for (size_t i = 0; i < f.nlines && !rc; i++) {
        struct mt_item it;
        rc = mt_item_parse(f.lines[i].p, f.lines[i].len, name, f.lines[i].lineno, &it, &x->err);
        if (rc) break;
        if (it.entity) mt_graph_add_entity(&g, it.entity);
        if (it.relation) mt_graph_add_relation(&g, it.relation);
        it.entity = NULL;
        it.relation = NULL;
        mt_item_clear(&it);
    }
    *ents = mt_graph_count_entities(&g);
    *rels = mt_graph_count_relations(&g);
    *obs = mt_graph_count_observations(&g);
    mt_graph_free(&g);
    mt_fragment_free(&f);
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
        fprintf(stderr, "memtui: verify: %s: %s\n", what, x->err.msg);
        mt_error_clear(&x->err);
    } else {
        bool sha_ok = strcmp(sha, want_sha) == 0, counts_ok = e == we && r == wr && o == wo;
        ok = sha_ok && counts_ok;
        json_object_object_add(it, "sha256", json_object_new_string(sha));
        put_bool(it, "sha256_ok", sha_ok);
        put_bool(it, "counts_ok", counts_ok);
        if (!sha_ok) fprintf(stderr, "memtui: verify: %s: SHA-256 %s, the manifest says %s\n", what, sha, want_sha);
        if (!counts_ok)
            fprintf(stderr, "memtui: verify: %s: %zu/%zu/%zu entities/relations/observations, the manifest says "
                            "%zu/%zu/%zu\n", what, e, r, o, we, wr, wo);
    }
    put_bool(it, "ok", ok);
    json_object_array_add(list, it);
    say(x, "%-4s %s\n", ok ? "ok" : "BAD", what);
    return ok;
}

static int cmd_verify(struct run *x)
{
    const struct mt_manifest *m = &x->s.manifest;
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
        fprintf(stderr, "memtui: verify: memory.json at HEAD is blob %s, the manifest recorded %s\n",
                head_blob[0] ? head_blob : "(none)", m->out_blob);
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

/* ---- backups, restore -------------------------------------------------------- */

static const char *backup_kind(enum mt_backup_kind k)
{
    return k == MT_BACKUP_STASH ? "stash" : k == MT_BACKUP_BRANCH ? "branch" : "remote-branch";
}

static int cmd_backups(struct run *x)
{
    struct mt_backup *b;
    size_t n;
    if (mt_backups_list(x->s.repo, &b, &n, &x->err)) return MT_EXIT_VERIFY;
    struct json_object *list = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "kind", json_object_new_string(backup_kind(b[i].kind)));
        json_object_object_add(o, "name", json_object_new_string(b[i].name));
        json_object_object_add(o, "commit", json_object_new_string(b[i].oid));
        json_object_object_add(o, "message", json_object_new_string(b[i].message ? b[i].message : ""));
        put_int(o, "time", b[i].time);
        put_int(o, "entities", (long long)b[i].entities);
        put_int(o, "relations", (long long)b[i].relations);
        put_int(o, "missing_at_head", (long long)b[i].missing_at_head);
        json_object_array_add(list, o);
        say(x, "%-13s %-48s %.12s  %zu entities, %zu relations, %zu not at HEAD\n    %s\n", backup_kind(b[i].kind),
            b[i].name, b[i].oid, b[i].entities, b[i].relations, b[i].missing_at_head, b[i].message ? b[i].message : "");
    }
    if (!n) say(x, "no stashes and no backup branches\n");
    json_object_object_add(x->r, "backups", list);
    mt_backups_free(b, n);
    return MT_EXIT_OK;
}

/* Entities come back through the engine: a normal verified merge commit. */
static int cmd_restore(struct run *x)
{
    if (x->cfg->nargs != 1) {
        mt_error_set(&x->err, "usage: memtui --batch restore REF [--entity NAME]...");
        return MT_EXIT_USAGE;
    }
    const char *ref = x->cfg->args[0];
    int rc;
    if (!x->cfg->no_push && (rc = mt_session_pull(&x->s, &x->err))) return rc;
    char *text;
    size_t len;
    if (mt_backup_graph_text(x->s.repo, ref, &text, &len, &x->err)) return MT_EXIT_USAGE;
    struct mt_plan p;
    struct mt_plan_options opt = plan_options(x->cfg);
    opt.policy = MT_POLICY_PRESERVE;
    if ((rc = mt_session_plan_load(&x->s, &p, &opt, &x->err))) {
        free(text);
        return rc;
    }
    char *label = xasprintf("restore:%s", ref);
    char **names = x->cfg->entities;
    size_t nnames = x->cfg->nentities;
    struct mt_graph all;
    mt_graph_init(&all);
    if (!nnames) {  /* no --entity: everything the ref holds */
        struct mt_fragment f;
        if (mt_fragment_load(&f, label, xstrndup(text, len), len, &x->err) == 0) {
            names = xcalloc(f.nlines + 1, sizeof(char *));
            for (size_t i = 0; i < f.nlines; i++) {
                struct mt_item it;
                if (f.lines[i].kind != MT_LINE_ENTITY ||
                    mt_item_parse(f.lines[i].p, f.lines[i].len, label, f.lines[i].lineno, &it, &x->err))
                    continue;
                if (!mt_graph_entity(&all, it.entity->key)) names[nnames++] = xstrdup(it.entity->name);
                mt_graph_add_entity(&all, it.entity);
                it.entity = NULL;
                mt_item_clear(&it);
            }
            mt_error_clear(&x->err);
            mt_fragment_free(&f);
        }
    }
    rc = mt_plan_add_restore(&p, label, text, len, names, nnames, &x->err) ? MT_EXIT_USAGE : MT_EXIT_OK;
    if (names != x->cfg->entities) {
        for (size_t i = 0; i < nnames; i++) free(names[i]);
        free(names);
    }
    mt_graph_free(&all);
    free(text);
    free(label);
    if (!rc) {
        mt_plan_resolve(&p);
        mt_report_plan(x->r, &p);
        bool committed = false;
        struct mt_merge_opts mo = {.committed = &committed};
        if (x->cfg->dry_run) {
            if (!x->cfg->json) mt_print_plan(stdout, &p);
        } else {
            rc = mt_session_commit_merge(&x->s, &p, &mo, &x->err);
            put_bool(x->r, "committed", committed);
            if (!rc) say(x, committed ? "restored from %s; memory.json now has %zu entities\n"
                                      : "nothing to restore from %s: HEAD already has it all (%zu entities)\n",
                         ref, p.entities);
            if (!rc && !x->cfg->no_push) rc = mt_session_push(&x->s, &x->err);
        }
    }
    mt_plan_free(&p);
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

/* ---- dispatch ---------------------------------------------------------------- */

static const char *const COMMANDS[] = {"init", "export", "merge", "import", "sync", "status", "diff", "verify",
                                       "backups", "restore", NULL};

int mt_batch_run(const struct mt_config *cfg)
{
    struct run x = {.cfg = cfg};
    x.r = json_object_new_object();
    const char *cmd = cfg->command ? cfg->command : "";
    json_object_object_add(x.r, "command", json_object_new_string(cmd));
    bool known = false;
    for (const char *const *c = COMMANDS; *c; c++) known |= strcmp(*c, cmd) == 0;
    int rc;
    mt_repo_global_init();
    if (!cfg->command) {
        mt_error_set(&x.err, "no command given (try memtui --help)");
        rc = MT_EXIT_USAGE;
    } else if (!known) {
        mt_error_set(&x.err, "unknown command '%s' (try memtui --help)", cmd);
        rc = MT_EXIT_USAGE;
    } else if (strcmp(cmd, "init") == 0) {
        rc = cmd_init(&x);
    } else if (strcmp(cmd, "restore") != 0 && cfg->nargs) {
        mt_error_set(&x.err, "%s takes no arguments", cmd);
        rc = MT_EXIT_USAGE;
    } else if ((rc = mt_session_open(&x.s, cfg, &x.err)) == MT_EXIT_OK) {
        json_object_object_add(x.r, "env", json_object_new_string(cfg->env));
        if (strcmp(cmd, "export") == 0) rc = cmd_export(&x);
        else if (strcmp(cmd, "merge") == 0) rc = cmd_merge(&x);
        else if (strcmp(cmd, "import") == 0) rc = cmd_import(&x);
        else if (strcmp(cmd, "sync") == 0) rc = cmd_sync(&x);
        else if (strcmp(cmd, "status") == 0) rc = cmd_status(&x, false);
        else if (strcmp(cmd, "diff") == 0) rc = cmd_status(&x, true);
        else if (strcmp(cmd, "backups") == 0) rc = cmd_backups(&x);
        else if (strcmp(cmd, "restore") == 0) rc = cmd_restore(&x);
        else rc = cmd_verify(&x);
    }
    if (x.err.msg) {
        char *m = mt_error_format(&x.err);
        fprintf(stderr, "memtui: %s\n", m);
        json_object_object_add(x.r, "error", json_object_new_string(m));
        free(m);
    }
    json_object_object_add(x.r, "ok", json_object_new_boolean(rc == MT_EXIT_OK));
    put_int(x.r, "exit_code", rc);
    if (cfg->json)
        printf("%s\n", json_object_to_json_string_ext(x.r, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(x.r);
    mt_error_clear(&x.err);
    mt_session_close(&x.s);
    mt_repo_global_shutdown();
    return rc;
}
