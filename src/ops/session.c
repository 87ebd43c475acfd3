/* session.c: open the repo, read the manifest, build the plan from HEAD. */
#include "memtui/ops/session.h"
#include "memtui/ops/session_raw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "memtui/base/audit.h"
#include "memtui/git/backups.h"
#include "memtui/base/fsutil.h"
#include "memtui/coord/pending.h"
#include "memtui/git/repo_fastread.h"

const char *mt_utc_now(void)
{
    static char buf[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

char *mt_session_state_path(const struct mt_session *s, const char *name)
{
    return xasprintf("%smemtui/%s", mt_repo_gitdir(s->repo), name);
}

int mt_session_refresh(struct mt_session *s, struct mt_error *err)
{
    mt_manifest_free(&s->manifest);
    int rc = mt_repo_head(s->repo, s->head, err);
    if (rc == MT_REPO_NOTFOUND) {
        s->head[0] = '\0';
        mt_error_clear(err);
    } else if (rc) {
        return MT_EXIT_USAGE;
    }
    mt_trust_head(s->repo, s->head, &s->manifest, &s->trust);
    return MT_EXIT_OK;
}

int mt_session_open(struct mt_session *s, const struct mt_config *cfg, struct mt_error *err)
{
    memset(s, 0, sizeof(*s));
    s->cfg = cfg;
    mt_manifest_init(&s->manifest);
    char h[256] = "";
    gethostname(h, sizeof h - 1);
    s->host = xstrdup(h[0] ? h : "localhost");
    if (mt_repo_open(cfg->repo, &s->repo, err)) {
        char *m = xasprintf("%s (create it with: memtui --batch --repo %s init URL)", err->msg, cfg->repo);
        mt_error_set(err, "%s", m);
        free(m);
        return MT_EXIT_USAGE;
    }
    mt_repo_set_env(s->repo, cfg->env);
    /* memtui commits to main and pushes main: a clone left on another
     * branch, or with a detached HEAD, would take commits that never reach
     * the remote while every run says all is well. */
    char *branch = mt_repo_branch(s->repo);
    if (!branch || strcmp(branch, "main") != 0) {
        mt_error_set(err, "the backup repo %s is %s%s%s, but memtui works on main: switch back with "
                          "git -C %s checkout main (commits made there are kept on that branch)",
                     cfg->repo, branch ? "on branch '" : "on a detached HEAD", branch ? branch : "",
                     branch ? "'" : "", cfg->repo);
        free(branch);
        return MT_EXIT_USAGE;
    }
    free(branch);
    char *dir = mt_session_state_path(s, "");
    mt_mkdirs(dir, 0700, NULL);
    mt_digests_load(&s->digests, dir, "digests");
    free(dir);
    return mt_session_refresh(s, err);
}

void mt_session_close(struct mt_session *s)
{
    mt_manifest_free(&s->manifest);
    mt_trust_clear(&s->trust);
    mt_digests_save(&s->digests, NULL);  /* a cache: if it cannot be saved, blobs are hashed again */
    mt_digests_free(&s->digests);
    if (s->repo) mt_repo_close(s->repo);
    free(s->host);
    memset(s, 0, sizeof(*s));
}

/* memory-<env>.json with a valid env name; other files are not fragments. */
static bool fragment_env(const char *name, char env[72])
{
    size_t n = strlen(name);
    if (n <= 12 || strncmp(name, "memory-", 7) || strcmp(name + n - 5, ".json")) return false;
    size_t len = n - 12;
    if (len > 64) return false;
    memcpy(env, name + 7, len);
    env[len] = '\0';
    return mt_env_name_valid(env);
}

int mt_session_frag_refs(struct mt_session *s, struct mt_frag_ref **refs, size_t *n, struct mt_error *err)
{
    char **names = NULL;
    size_t nn = 0;
    *refs = NULL;
    *n = 0;
    if (s->head[0] && mt_repo_list_top(s->repo, NULL, &names, &nn, err)) return MT_EXIT_USAGE;
    *refs = xcalloc(nn + s->manifest.nfrags + 1, sizeof(**refs));
    for (size_t i = 0; i < nn; i++) {
        char env[72];
        if (fragment_env(names[i], env)) {
            struct mt_frag_ref *r = &(*refs)[(*n)++];
            snprintf(r->env, sizeof r->env, "%s", env);
            r->not_regular = mt_repo_not_regular(s->repo, NULL, names[i]);
            if (r->not_regular || mt_repo_blob_id(s->repo, NULL, names[i], r->blob, err)) r->blob[0] = '\0';
            mt_error_clear(err);
            const struct mt_frag_ref *m = mt_manifest_find(&s->manifest, env);
            if (m) {
                memcpy(r->m_blob, m->m_blob, sizeof r->m_blob);
                memcpy(r->m_sha256, m->m_sha256, sizeof r->m_sha256);
                r->m_entities = m->m_entities;
                r->m_relations = m->m_relations;
                r->m_observations = m->m_observations;
            }
        }
        free(names[i]);
    }
    free(names);
    /* Environments that left the repo: their data stays in memory.json. */
    for (size_t i = 0; i < s->manifest.nfrags; i++) {
        bool seen = false;
        for (size_t j = 0; j < *n && !seen; j++) seen = strcmp((*refs)[j].env, s->manifest.frags[i].env) == 0;
        if (!seen) (*refs)[(*n)++] = s->manifest.frags[i];
        if (!seen) (*refs)[*n - 1].blob[0] = '\0';
    }
    return MT_EXIT_OK;
}

/* The repo as the plan's blob source; U's bytes are hashed on the way,
 * to be checked against the manifest. */
struct u_reader {
    struct mt_session *s;
    bool may_map;           /* the clone is locked: clean work-tree files may be mapped */
    const char *u_blob;
    char u_sha[MT_SHA256_HEX];
};

static int repo_blob_read(void *ctx, const char *blob, const char *path, char **data, size_t *len,
                          void (**release)(void *), void **hold, struct mt_error *err)
{
    struct u_reader *u = ctx;
    /* memory.json is in the work tree; an older fragment may be kept unpacked */
    bool is_u = strcmp(blob, u->u_blob) == 0;
    if ((is_u || !mt_session_raw_read(u->s, blob, u->may_map, data, len, release, hold)) &&
        mt_repo_blob_read_fast(u->s->repo, blob, path, u->may_map, data, len, release, hold, err))
        return -1;
    if (!u->u_sha[0] && is_u) mt_digests_sha256(&u->s->digests, blob, *data, *len, u->u_sha);
    return 0;
}

/* memory.json and the manifest are derived data: where HEAD has anything
 * else than what memtui writes there (a peer's symlink, say), it is never
 * read or followed, and the merge writes the real thing in its place. */
static bool derived_odd(struct mt_session *s, const char *path, enum mt_path_kind want, const char *consequence)
{
    enum mt_path_kind k = mt_repo_path_kind(s->repo, NULL, path);
    if (k == MT_PATH_ABSENT || k == want) return false;
    mt_audit("quarantine", NULL, "%s at HEAD is %s, not %s: never read or followed; %s", path, mt_path_kind_name(k),
             mt_path_kind_name(want), consequence);
    return true;
}

/* Says so when memory.json, .memtui or the manifest at HEAD is not what
 * memtui writes there (trust.h then counts it as corrupt: rebuilt). */
static void report_odd_derived(struct mt_session *s)
{
    if (!derived_odd(s, ".memtui", MT_PATH_FOLDER, "the merge writes a real folder in its place"))
        derived_odd(s, MT_MANIFEST_PATH, MT_PATH_FILE, "the merge writes a regular file in its place");
    derived_odd(s, "memory.json", MT_PATH_FILE,
                "the merge starts from the last verified merge and writes a regular file in its place");
}

int mt_session_plan(struct mt_session *s, struct mt_plan *p, const struct mt_plan_options *opt,
                    struct mt_error *err)
{
    int rc = mt_session_plan_load(s, p, opt, err);
    if (!rc) mt_plan_resolve(p);
    return rc;
}

/* Why U, as the plan read it, cannot be the base: it does not parse, or
 * it is not what its manifest recorded. NULL: it is. */
static char *base_wanting(const struct mt_session *s, const struct mt_plan *p, int load_rc,
                          const struct u_reader *u, const struct mt_error *err)
{
    if (load_rc)  /* only U makes the load fail by its content */
        return err->file && strcmp(err->file, "memory.json") == 0 ? mt_error_format(err) : NULL;
    if (!p->u_blob[0]) return NULL;
    size_t e, r, o;
    mt_plan_u_counts(p, &e, &r, &o);
    return mt_trust_check_u(&s->manifest, u->u_sha, e, r, o);
}

int mt_session_plan_load(struct mt_session *s, struct mt_plan *p, const struct mt_plan_options *opt,
                         struct mt_error *err)
{
    if (s->head[0]) report_odd_derived(s);
    for (;;) {
        struct mt_frag_ref *refs;
        size_t n;
        int rc = mt_session_frag_refs(s, &refs, &n, err);
        if (rc) return rc;
        struct u_reader u = {.s = s, .may_map = s->clone_locked, .u_blob = s->trust.u_blob};
        struct mt_blob_source src = {repo_blob_read, &u, &s->digests};
        rc = mt_plan_load(p, s->trust.u_blob, refs, n, opt, &src, err);
        free(refs);
        char *why = base_wanting(s, p, rc, &u, err);
        if (!why || !s->trust.u_blob[0]) {
            free(why);
            return rc ? MT_EXIT_VERIFY : MT_EXIT_OK;
        }
        /* a peer's memory.json: an older verified merge stands in */
        mt_plan_free(p);
        mt_error_clear(err);
        mt_trust_fall_back(s->repo, s->head, why, rc != 0, &s->manifest, &s->trust);
        free(why);
    }
}

int mt_session_plan_restore(struct mt_session *s, struct mt_plan *p, const struct mt_plan_options *opt,
                            const char *ref, char *const *names, size_t nnames, size_t *restored,
                            struct mt_error *err)
{
    char commit[MT_OID_HEX], *text;
    size_t len, n = 0;
    if (mt_backup_commit(s->repo, ref, commit, err) || mt_backup_graph_text(s->repo, commit, &text, &len, err))
        return MT_EXIT_USAGE;
    struct mt_plan_options o = *opt;
    o.policy = MT_POLICY_PRESERVE;  /* a restore decides nothing by itself */
    int rc = mt_session_plan_load(s, p, &o, err);
    if (!rc) {
        char *label = xasprintf("restore:%s", ref);
        if (mt_plan_add_restore(p, label, text, len, names, nnames, &n, err)) {
            mt_plan_free(p);
            rc = MT_EXIT_USAGE;
        } else {
            mt_plan_resolve(p);
            mt_plan_set_restore(p, ref, commit, names, nnames, n);
            if (restored) *restored = n;
            /* ... nor what an operator was asked to decide (DESIGN 2) */
            rc = mt_pending_refuse(s, p, "restore", err);
            if (rc) mt_plan_free(p);
        }
        free(label);
    }
    free(text);
    return rc;
}
