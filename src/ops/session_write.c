/* session_write.c: the merge commit and the recovery of killed runs.
 * Each file is written atomically; the merge is verified from disk before
 * anything is committed, and rolled back if verification fails. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <signal.h>
#include <json-c/json.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memtui/base/audit.h"
#include "memtui/base/fsutil.h"
#include "memtui/git/git_error.h"
#include "memtui/graph/fragment.h"
#include "memtui/config/machine.h"
#include "memtui/ops/session.h"

#include "memtui/ops/session_local.h"
#include "memtui/ops/session_raw.h"

/* ---- the merge commit ---------------------------------------------------- */

/* Re-read memory.json from disk: it must hash to what was written and hold
 * the counts the plan promised. */
static int verify_written(struct mt_session *s, const char *want_sha, size_t want_len, const struct mt_plan *p,
                          struct mt_error *err)
{
    const char *path = "memory.json";
    char *data;
    size_t len;
    void (*release)(void *) = NULL;
    void *hold = NULL;
    struct mt_error e = {0};
    if (mt_file_view_in(mt_repo_workdir(s->repo), path, want_len, s->clone_locked, &data, &len, &release, &hold,
                        &e)) {
        mt_error_set(err, "verification failed: %s", e.msg ? e.msg : "memory.json cannot be read back");
        mt_error_clear(&e);
        return -1;
    }
    char sha[MT_SHA256_HEX];
    mt_sha256_hex(data, len, sha);
    if (strcmp(sha, want_sha)) {
        if (release) release(hold);
        else free(data);
        mt_error_set(err, "verification failed: %s does not hash to what was written", path);
        return -1;
    }
    /* The bytes are what was written from the result graph (its keys are
     * distinct), so counting the lines of each kind checks the counts. */
    struct mt_fragment f;
    if (mt_fragment_load_lazy(&f, path, data, len, release, hold, err)) return -1;  /* it let go of data */
    size_t ents = 0, rels = 0;
    for (size_t i = 0; i < f.nlines; i++) {
        mt_fragment_key_line(&f, i);
        ents += f.lines[i].kind == MT_LINE_ENTITY;
        rels += f.lines[i].kind == MT_LINE_RELATION;
    }
    int rc = 0;
    if (ents != p->entities || rels != p->relations || ents + rels != f.nlines) {
        mt_error_set(err, "verification failed: %s holds %zu entities and %zu relations, the plan said %zu and %zu",
                     path, ents, rels, p->entities, p->relations);
        rc = -1;
    }
    if (!rc) rc = mt_plan_check_u_kept(p, &f, err);
    mt_fragment_free(&f);
    return rc ? -1 : mt_plan_check_nothing_lost(p, err);
}

/* HEAD has rel as something memtui never reads (a peer's symlink, a
 * folder): that is put back exactly, as libgit2 checks it out (a link is
 * made, never written through), in the work tree and the index. */
static void checkout_from_head(struct mt_session *s, const char *rel)
{
    git_checkout_options co;
    git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION);
    co.checkout_strategy = GIT_CHECKOUT_FORCE | GIT_CHECKOUT_DISABLE_PATHSPEC_MATCH;
    char *paths[] = {(char *)rel};
    co.paths.strings = paths;
    co.paths.count = 1;
    if (git_checkout_head(mt_repo_git(s->repo), &co))
        mt_warn("rollback of %s failed: %s", rel, mt_git_reason("checkout"));
    git_error_clear();
}

/* Put a file back as HEAD has it, in the work tree and in the index (or
 * remove it from both if HEAD has none). */
void mt_session_restore_from_head(struct mt_session *s, const char *rel)
{
    if (s->head[0] && mt_repo_not_regular(s->repo, NULL, rel)) {
        checkout_from_head(s, rel);
        return;
    }
    char *data;
    size_t len;
    char blob[MT_OID_HEX];
    struct mt_error err = {0};
    bool in_head = s->head[0] && mt_repo_read_path(s->repo, NULL, rel, &data, &len, blob, &err) == 0;
    mt_error_clear(&err);
    if (in_head) {
        if (mt_session_work_write(s, rel, data, len, &err))
            mt_warn("rollback of %s failed: %s", rel, err.msg);
        free(data);
    } else if (mt_file_remove_in(mt_repo_workdir(s->repo), rel, &err)) {
        mt_warn("rollback of %s failed: %s", rel, err.msg);
    }
    mt_error_clear(&err);
    git_index *idx;
    if (git_repository_index(&idx, mt_repo_git(s->repo)) == 0) {
        if (git_index_read(idx, 0) == 0 &&
            (in_head ? git_index_add_bypath(idx, rel) : git_index_remove_bypath(idx, rel)) == 0)
            git_index_write(idx);
        git_index_free(idx);
    }
    git_error_clear();
}

/* ---- a run killed half way ------------------------------------------------- */

/* Before memtui writes into the work tree it notes which files, and clears
 * the note once they are committed or put back: a note found by the next
 * run means a run was killed in between, and those files (all derived:
 * the local MCP file and the commits hold the data) go back to HEAD. */
static char *wip_path(const struct mt_session *s)
{
    return mt_session_state_path(s, "wip");
}

void mt_session_wip_begin(struct mt_session *s, const char *const *paths, size_t n)
{
    struct mt_buf b;
    mt_buf_init(&b);
    for (size_t i = 0; i < n; i++) mt_buf_addf(&b, "%s\n", paths[i]);
    char *p = wip_path(s);
    struct mt_error err = {0};
    if (mt_file_write_atomic(p, b.data ? b.data : "", b.len, 0600, &err))
        mt_warn("warning: %s", err.msg);
    mt_error_clear(&err);
    free(p);
    mt_buf_free(&b);
}

void mt_session_wip_end(struct mt_session *s)
{
    char *p = wip_path(s);
    unlink(p);
    free(p);
}

/* Temp files of atomic writes (".<name>.tmp-<pid>-<rand>") whose writer is
 * gone. Beside the local memory file, one may hold the file as it was when
 * an import swapped it out (killed before reading it back): a version the
 * MCP server wrote, so it is kept as a backup instead (keep_for names the
 * memory file; NULL elsewhere). */
static void remove_dead_temp_files(int dfd, const char *dir, const char *keep_for)
{
    DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
    if (!d) {
        if (dfd >= 0) close(dfd);
        return;
    }
    char *slash = keep_for ? strrchr(keep_for, '/') : NULL;
    char *mine = keep_for ? xasprintf(".%s.tmp-", slash ? slash + 1 : keep_for) : NULL;
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *t = de->d_name[0] == '.' ? strstr(de->d_name, ".tmp-") : NULL;
        if (!t) continue;
        long pid = strtol(t + 5, NULL, 10);
        if (pid <= 0 || (kill((pid_t)pid, 0) == 0 || errno != ESRCH)) continue;
        char *p = xasprintf("%s/%s", dir, de->d_name), *data;
        size_t len;
        if (mine && strncmp(de->d_name, mine, strlen(mine)) == 0 && mt_file_read(p, &data, &len, NULL, NULL) == 0) {
            if (len) {
                mt_session_keep_version(keep_for, data, len);
                mt_audit("recover", NULL, "%s, left by a killed run, may be a version of %s that the MCP server "
                         "wrote: kept as a backup beside it", p, keep_for);
            }
            free(data);
        }
        if (unlinkat(dirfd(d), de->d_name, 0) == 0) mt_audit("recover", NULL, "removed %s, left by a killed run", p);
        free(p);
    }
    closedir(d);
    free(mine);
}

static int open_folder(const char *dir)
{
    return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* memory.json or a fragment: a top-level file memtui writes. */
static bool own_file(const char *name)
{
    size_t l = strlen(name);
    return strncmp(name, "memory", 6) == 0 && l > 5 && strcmp(name + l - 5, ".json") == 0;
}

/* Every file memtui owns (memory.json, the manifest, the fragments), as
 * HEAD or the work tree has them, back to HEAD. */
static void restore_all_own(struct mt_session *s)
{
    char **names = NULL;
    size_t n = 0;
    struct mt_error e = {0};
    if (s->head[0]) mt_repo_list_top(s->repo, NULL, &names, &n, &e);
    mt_error_clear(&e);
    for (size_t i = 0; i < n; i++) {
        if (strncmp(names[i], "memory", 6) == 0) mt_session_restore_from_head(s, names[i]);
        free(names[i]);
    }
    free(names);
    DIR *d = opendir(mt_repo_workdir(s->repo));
    struct dirent *de;
    while (d && (de = readdir(d)))
        if (own_file(de->d_name)) mt_session_restore_from_head(s, de->d_name);
    if (d) closedir(d);
    mt_session_restore_from_head(s, MT_MANIFEST_PATH);
    mt_audit("recover", NULL, "a killed run was moving the work tree to another commit: memtui's files put back "
                              "as HEAD has them");
}

int mt_session_recover(struct mt_session *s, struct mt_error *err)
{
    (void)err;
    const char *wd = mt_repo_workdir(s->repo);
    remove_dead_temp_files(open_folder(wd), wd, NULL);
    /* .memtui as a link to a folder elsewhere is not looked into */
    char *md = xasprintf("%s.memtui", wd);
    remove_dead_temp_files(mt_dir_open_in(wd, ".memtui"), md, NULL);
    if (s->cfg->memory_file) {   /* none known: its folder is left alone */
        char *lf = xstrdup(s->cfg->memory_file);
        const char *ld = dirname(lf);
        remove_dead_temp_files(open_folder(ld), ld, s->cfg->memory_file);
        free(lf);
    }
    free(md);
    char *p = wip_path(s), *data;
    size_t len;
    if (mt_file_read(p, &data, &len, NULL, NULL) == 0) {
        for (char *line = strtok(data, "\n"); line; line = strtok(NULL, "\n")) {
            if (strcmp(line, "*") == 0) {  /* killed while moving to another commit */
                restore_all_own(s);
                continue;
            }
            mt_session_restore_from_head(s, line);
            mt_audit("recover", NULL, "a killed run had written %s: put back as HEAD has it (it is rebuilt)", line);
        }
        free(data);
        unlink(p);
    }
    free(p);
    /* An import whose merge commit never happened is undone. */
    char *note, *frag = NULL, fsha[MT_SHA256_HEX] = "";
    size_t nlen, flen;
    char *np = mt_session_undo_path(s), *own = xasprintf("memory-%s.json", s->cfg->env);
    /* with no memory file known the note waits for a run that knows it */
    if (s->cfg->memory_file && mt_file_read(np, &note, &nlen, NULL, NULL) == 0) {
        if (s->head[0] && mt_repo_read_path(s->repo, NULL, own, &frag, &flen, NULL, NULL) == 0)
            mt_sha256_hex(frag, flen, fsha);
        if (nlen < 64 || strncmp(note, fsha, 64) != 0) mt_session_import_undo(s, NULL);
        free(frag);
        free(note);
    }
    free(own);
    free(np);
    return 0;
}

/* ---- links put in the work tree on disk -------------------------------------
 * libgit2's stash and checkout write a file's bytes through a symlink that
 * stands on disk where the index has a file (they open the path, and the
 * link is followed). A link where memtui's own files go that git does not
 * know as a link (a peer's committed link is known, and left) is
 * therefore removed before anything else touches the work tree (only the
 * link: what it points to is never touched), and its path put back as HEAD
 * has it. */

static bool link_known_to_git(git_index *idx, const char *rel)
{
    const git_index_entry *e = idx ? git_index_get_bypath(idx, rel, 0) : NULL;
    return e && e->mode == GIT_FILEMODE_LINK;
}

static void unlink_foreign_link(struct mt_session *s, git_index *idx, int dfd, const char *name, const char *rel)
{
    struct stat st;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISLNK(st.st_mode) || link_known_to_git(idx, rel)) return;
    if (unlinkat(dfd, name, 0)) {
        mt_warn("%s in the work tree is a symlink and cannot be removed: %s", rel, strerror(errno));
        return;
    }
    mt_audit("quarantine", NULL, "%s in the work tree was a symlink that git does not have there: removed, never "
             "followed (what it pointed to is untouched), and put back as HEAD has it", rel);
    mt_session_restore_from_head(s, strcmp(rel, ".memtui") ? rel : MT_MANIFEST_PATH);
}

void mt_session_unlink_foreign_links(struct mt_session *s)
{
    git_index *idx = NULL;
    if (git_repository_index(&idx, mt_repo_git(s->repo)) == 0) git_index_read(idx, 0);
    git_error_clear();
    const char *wd = mt_repo_workdir(s->repo);
    int dfd = open_folder(wd);
    DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
    struct dirent *de;
    while (d && (de = readdir(d)))
        if (own_file(de->d_name) || strcmp(de->d_name, ".memtui") == 0)
            unlink_foreign_link(s, idx, dirfd(d), de->d_name, de->d_name);
    if (d) closedir(d);
    else if (dfd >= 0) close(dfd);
    int md = mt_dir_open_in(wd, ".memtui");
    if (md >= 0) {
        unlink_foreign_link(s, idx, md, "manifest.json", MT_MANIFEST_PATH);
        close(md);
    }
    git_index_free(idx);
}

static bool nothing_to_commit(const struct mt_plan *p, bool u_same)
{
    if (!u_same) return false;
    for (size_t i = 0; i < p->nenvs; i++)
        if (p->envs[i].status == MT_FRAG_CHANGED || p->envs[i].status == MT_FRAG_NEW) return false;
    return true;
}

/* U is unchanged when it is the manifest's output (memtui wrote it) and
 * that output's digest is the new one (sha); a memory.json or manifest at
 * HEAD that did not hold up is replaced even then. */
static bool u_unchanged(struct mt_session *s, const struct mt_plan *p, const char *sha)
{
    return p->u_blob[0] && strcmp(p->u_blob, s->manifest.out_blob) == 0 &&
           strcmp(s->manifest.out_sha256, sha) == 0 && mt_trust_head_ok(&s->trust) &&
           !mt_repo_not_regular(s->repo, NULL, "memory.json");
}

/* sync: the result (digest sha) goes into the local file first, and only
 * then may the fragment claim it (a fragment must never claim data the file
 * lacks). A fragment that is not the result yet needs a commit even when
 * nothing else changed, or the env's next delta would replay others'
 * changes as its own. *importing: the merge imports (writes this env's
 * fragment); returns whether that import is wanted now. */
static bool wants_import(struct mt_session *s, const struct mt_plan *p, bool import_own, const char *sha,
                         bool *importing)
{
    bool own_env_merged = false, own_is_result = false, own_known = false;
    for (size_t i = 0; i < p->nenvs; i++)
        if (!p->envs[i].synthetic && strcmp(p->envs[i].ref.env, s->cfg->env) == 0) {
            own_env_merged = p->envs[i].status == MT_FRAG_CHANGED || p->envs[i].status == MT_FRAG_NEW ||
                             p->envs[i].status == MT_FRAG_UNCHANGED;
            own_is_result = strcmp(p->envs[i].sha256, sha) == 0;
            own_known = true;
        }
    /* A machine that joins with no local file takes the graph, and the
     * graph becomes its fragment, so its later deletions count. */
    bool joining = import_own && !own_known && !mt_file_exists(s->cfg->memory_file);
    *importing = import_own && (own_env_merged || joining);
    return *importing && (joining || !own_is_result) && mt_session_local_unchanged(s, s->cfg->memory_file, NULL);
}

bool mt_session_merge_idle(struct mt_session *s, const struct mt_plan *p, bool import_own)
{
    if (!p->resolved || mt_plan_unresolved(p) || p->restore) return false;
    struct mt_buf out;
    char sha[MT_SHA256_HEX];
    bool importing = false;
    mt_buf_init(&out);
    mt_plan_write_result(p, &out);
    mt_sha256_hex(out.data ? out.data : "", out.len, sha);
    mt_buf_free(&out);
    return nothing_to_commit(p, u_unchanged(s, p, sha)) && !wants_import(s, p, import_own, sha, &importing);
}

/* What mt_session_commit_merge carries from one step to the next. */
struct merge_commit {
    struct mt_session *s;
    struct mt_plan *p;
    const struct mt_merge_opts *mo;
    struct mt_buf out;          /* the result: memory.json's new text */
    char sha[MT_SHA256_HEX];    /* its digest */
    struct mt_blob_job *job;    /* git writing its blob, in parallel; NULL once waited for */
    char *own_name;             /* memory-<env>.json, this env's fragment */
    bool importing;             /* the merge writes this env's fragment */
    bool want_import;
    bool dummy;
    bool *imported, *committed;
    char *import_failed;        /* why the import failed; NULL when it did not */
    bool fin_is_result;         /* the imported fragment holds exactly out */
};

/* Render the result and start git compressing it while it is hashed,
 * written and verified (wasted only when nothing changed). */
static void render_result(struct merge_commit *c)
{
    mt_buf_init(&c->out);
    mt_plan_write_result(c->p, &c->out);
    mt_trace("result rendered");
    c->job = mt_repo_blob_job_start(c->s->repo, c->out.data ? c->out.data : "", c->out.len);
    mt_sha256_hex(c->out.data ? c->out.data : "", c->out.len, c->sha);
    mt_trace("result hashed");
}

static void audit_verified(const struct mt_plan *p, const char *sha)
{
    struct json_object *f = json_object_new_object();
    json_object_object_add(f, "sha256", json_object_new_string(sha));
    json_object_object_add(f, "entities", json_object_new_int64((int64_t)p->entities));
    json_object_object_add(f, "relations", json_object_new_int64((int64_t)p->relations));
    mt_audit("verify", f, "verified memory.json: %zu entities, %zu relations, sha256 %.16s...", p->entities,
             p->relations, sha);
}

/* Put the result into the local memory file and this env's fragment. A
 * failure does not stop the merge (the fragment stays as exported): it is
 * kept in c->import_failed and the file goes back as it was. */
static void import_result(struct merge_commit *c, struct mt_error *err)
{
    struct mt_session *s = c->s;
    struct mt_import_result ir;
    int irc = mt_session_local_unchanged(s, s->cfg->memory_file, NULL)
                  ? mt_session_import_live(s, s->cfg->memory_file, c->out.data ? c->out.data : "", c->out.len,
                                           NULL, 0, &ir, err)
                  : 1;
    if (irc == 1 || (irc == 0 && ir.skipped)) {
        mt_warn("import skipped: %s changed since export; its fragment stays as exported", s->cfg->memory_file);
    } else if (irc) {
        c->import_failed = mt_error_format(err);
        mt_error_clear(err);
        if (mt_session_import_undo(s, err)) {
            char *m = xasprintf("%s; putting the old file back failed too: %s", c->import_failed, err->msg);
            free(c->import_failed);
            c->import_failed = m;
            mt_error_clear(err);
        }
    } else {
        /* The fragment holds exactly what the file holds (the merge, plus
         * any server edits carried in while it was put in). */
        const char *fin = ir.final.data ? ir.final.data : "";
        char fin_sha[MT_SHA256_HEX];
        mt_sha256_hex(fin, ir.final.len, fin_sha);
        c->fin_is_result = strcmp(fin_sha, c->sha) == 0;
        if (mt_session_work_write(s, c->own_name, fin, ir.final.len, err) == 0) {
            *c->imported = true;
            mt_session_record_write(s, fin_sha);
            mt_audit("import", NULL, "imported the merged graph into %s (old file kept as a backup)%s",
                     s->cfg->memory_file, ir.carried ? "; the MCP server's writes meanwhile carried in" : "");
        } else {
            c->import_failed = mt_error_format(err);
            mt_error_clear(err);
            mt_session_import_undo(s, NULL);
        }
        mt_buf_free(&ir.final);
    }
}

static void restore_written(struct merge_commit *c)
{
    mt_session_restore_from_head(c->s, "memory.json");
    mt_session_restore_from_head(c->s, MT_MANIFEST_PATH);  /* it may be in place, only not durable */
    if (*c->imported) mt_session_restore_from_head(c->s, c->own_name);
}

/* Write the manifest, which names memory.json's blob (the job's answer),
 * and commit: MT_EXIT_OK, or MT_EXIT_VERIFY with what was written put back. */
static int commit_result(struct merge_commit *c, struct mt_error *err)
{
    struct mt_session *s = c->s;
    char jblob[MT_OID_HEX] = "";
    if (mt_repo_blob_job_wait(c->job, jblob))
        mt_repo_hash_bytes(c->out.data ? c->out.data : "", c->out.len, jblob, NULL);
    c->job = NULL;
    mt_trace("blob written");
    struct mt_buf man;
    mt_buf_init(&man);
    struct mt_run_info run = {s->cfg->env, s->host, (long)getpid(), mt_utc_now(), c->mo->lease_token,
                              mt_machine_id()};
    mt_manifest_render(c->p, &run, jblob, c->sha, s->cfg->env, *c->imported ? jblob : NULL,
                       *c->imported ? c->sha : NULL, &man);
    int rc = MT_EXIT_OK;
    if (mt_session_work_write(s, MT_MANIFEST_PATH, man.data, man.len, err)) {
        restore_written(c);
        rc = MT_EXIT_VERIFY;
    } else {
        char *msg = mt_merge_commit_message(c->p, &run);
        const char *paths[] = {"memory.json", MT_MANIFEST_PATH, c->own_name};
        mt_trace("manifest written");
        /* memory.json (and the imported fragment) hold exactly `out`, whose
         * blob the job wrote: staged by id, not read and hashed again. */
        const char *blobs[] = {jblob, NULL, c->fin_is_result ? jblob : NULL};
        if (mt_repo_commit_known(s->repo, paths, blobs, *c->imported ? 3 : 2, msg, c->committed, NULL, err)) {
            restore_written(c);
            rc = MT_EXIT_VERIFY;
        } else {  /* the next merge's U: not hashed again */
            mt_digests_put(&s->digests, jblob, c->out.len, c->sha);
            mt_digests_save(&s->digests, NULL);
        }
        free(msg);
    }
    mt_buf_free(&man);
    return rc;
}

/* After the commit (rc): undo an import whose commit failed, refresh the
 * session, and report an import that failed while the merge went on. */
static int finish_commit(struct merge_commit *c, int rc, struct mt_error *err)
{
    struct mt_session *s = c->s;
    if (rc && *c->imported) {
        struct mt_error uerr = {0};
        if (mt_session_import_undo(s, &uerr)) mt_warn("%s", uerr.msg);
        mt_error_clear(&uerr);
        *c->imported = false;
    }
    if (!rc) rc = mt_session_refresh(s, err);
    if (!rc && c->import_failed) {
        mt_error_set(err, "merged, but importing the result into %s failed: %s; the file is as it was and its "
                          "fragment stays as exported (the next sync imports it)", s->cfg->memory_file,
                     c->import_failed);
        mt_audit("import", NULL, "%s", err->msg);
        rc = MT_EXIT_DEGRADED;
    }
    return rc;
}

/* Whether there is a commit to make: MT_EXIT_OK and *go, or the error of
 * checking this env's owner before an import. */
static int needs_commit(struct merge_commit *c, bool *go, struct mt_error *err)
{
    c->want_import = wants_import(c->s, c->p, c->mo && c->mo->import_own, c->sha, &c->importing);
    *go = false;
    if (c->importing) {  /* the import writes this env's fragment */
        int orc = mt_session_check_env_owner(c->s, NULL, err);
        if (orc) return orc;
    }
    *go = !(nothing_to_commit(c->p, u_unchanged(c->s, c->p, c->sha)) && !c->want_import);
    return MT_EXIT_OK;
}

int mt_session_commit_merge(struct mt_session *s, struct mt_plan *p, const struct mt_merge_opts *mo,
                            struct mt_error *err)
{
    struct merge_commit c = {.s = s, .p = p, .mo = mo, .fin_is_result = true};
    c.imported = mo && mo->imported ? mo->imported : &c.dummy;
    c.committed = mo && mo->committed ? mo->committed : &c.dummy;
    *c.imported = *c.committed = false;
    if (!p->resolved) {
        mt_error_set(err, "%zu conflicts are pending", mt_plan_pending(p));
        return MT_EXIT_CONFLICTS;
    }
    render_result(&c);
    c.own_name = xasprintf("memory-%s.json", s->cfg->env);
    bool go = false;
    int rc = needs_commit(&c, &go, err);
    if (rc || !go) {
        mt_repo_blob_job_wait(c.job, NULL);
        free(c.own_name);
        mt_buf_free(&c.out);
        return rc;
    }
    const char *wip[] = {"memory.json", MT_MANIFEST_PATH, c.own_name};
    mt_session_wip_begin(s, wip, 3);
    if (mt_session_work_write(s, "memory.json", c.out.data ? c.out.data : "", c.out.len, err) ||
        verify_written(s, c.sha, c.out.len, p, err)) {
        mt_audit("verify", NULL, "memory.json not committed, put back as it was: %s", err->msg ? err->msg : "?");
        mt_session_restore_from_head(s, "memory.json");
        rc = MT_EXIT_VERIFY;
    } else {
        mt_trace("memory.json written and verified");
        audit_verified(p, c.sha);
        if (c.importing) import_result(&c, err);
        rc = finish_commit(&c, commit_result(&c, err), err);
        if (*c.committed) mt_session_raw_keep(s);  /* the next merge's M_e, unpacked */
    }
    free(c.import_failed);
    free(c.own_name);
    mt_session_wip_end(s);
    if (c.job) mt_repo_blob_job_wait(c.job, NULL);  /* out must outlive the job */
    mt_buf_free(&c.out);
    return rc;
}
