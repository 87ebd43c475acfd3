/* session_write.c: the writing steps: export, the merge commit, import.
 * Each file is written atomically; the merge is verified from disk before
 * anything is committed, and rolled back if verification fails. */
#include <dirent.h>
#include <errno.h>
#include <git2.h>
#include <signal.h>
#include <json-c/json.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "memtui/audit.h"
#include "memtui/fsutil.h"
#include "memtui/fragment.h"
#include "memtui/session.h"

#define BACKUPS_KEPT 5

static char *work_path(const struct mt_session *s, const char *rel)
{
    return xasprintf("%s%s", mt_repo_workdir(s->repo), rel);
}

/* ---- the export record: what the local file held when last synchronised */

static char *record_path(const struct mt_session *s)
{
    char *name = xasprintf("export-%s.json", s->cfg->env);
    char *p = mt_session_state_path(s, name);
    free(name);
    return p;
}

static void record_write(const struct mt_session *s, const char sha[MT_SHA256_HEX])
{
    char *path = record_path(s);
    char *text = xasprintf("{\"sha256\":\"%s\",\"time\":\"%s\"}\n", sha, mt_utc_now());
    struct mt_error err = {0};
    if (mt_file_write_atomic(path, text, strlen(text), 0600, &err))
        fprintf(stderr, "memtui: warning: %s\n", err.msg);
    mt_error_clear(&err);
    free(text);
    free(path);
}

static bool record_read(const struct mt_session *s, char sha[MT_SHA256_HEX])
{
    char *path = record_path(s), *data;
    size_t len;
    bool ok = false;
    if (mt_file_read(path, &data, &len, NULL, NULL) == 0) {
        struct json_object *o = json_tokener_parse(data), *v;
        if (o && json_object_object_get_ex(o, "sha256", &v) && json_object_get_string_len(v) == 64) {
            memcpy(sha, json_object_get_string(v), MT_SHA256_HEX);
            ok = true;
        }
        json_object_put(o);
        free(data);
    }
    free(path);
    return ok;
}

/* Is the local file as memtui last left it (exported or imported)? */
static bool local_unchanged(const struct mt_session *s, const char *path, const char *also_sha)
{
    char *data, rec[MT_SHA256_HEX], sha[MT_SHA256_HEX];
    size_t len;
    bool missing = false;
    if (mt_file_read(path, &data, &len, &missing, NULL)) return missing;
    mt_sha256_hex(data, len, sha);
    free(data);
    if (also_sha && strcmp(sha, also_sha) == 0) return true;
    return record_read(s, rec) && strcmp(rec, sha) == 0;
}

static void restore_from_head(struct mt_session *s, const char *rel);
static char *undo_path(const struct mt_session *s);
#define wip_begin mt_session_wip_begin
#define wip_end mt_session_wip_end

/* ---- export -------------------------------------------------------------- */

/* Takes ownership of data. */
static int validate_graph_file(const char *path, char *data, size_t len, struct mt_error *err)
{
    struct mt_fragment f;
    if (mt_fragment_load(&f, path, data, len, err)) return -1;
    int rc = 0;
    for (size_t i = 0; i < f.nlines && !rc; i++) {
        struct mt_item it;
        rc = mt_item_parse(f.lines[i].p, f.lines[i].len, path, f.lines[i].lineno, &it, err);
        if (!rc) mt_item_clear(&it);
    }
    mt_fragment_free(&f);
    return rc;
}

int mt_session_export(struct mt_session *s, const char *from, bool *committed, struct mt_error *err)
{
    const char *path = from ? from : s->cfg->memory_file;
    char *data;
    size_t len;
    bool missing = false;
    *committed = false;
    if (mt_file_read(path, &data, &len, &missing, err)) {
        if (missing)
            mt_error_set(err, "refusing to export: %s does not exist (the MCP server reads a missing "
                              "file as an empty graph; exporting that would delete everything)", path);
        return MT_EXIT_VERIFY;
    }
    if (validate_graph_file(path, xstrndup(data, len), len, err)) {
        char *m = mt_error_format(err);
        mt_error_set(err, "refusing to export an invalid graph: %s", m);
        free(m);
        free(data);
        return MT_EXIT_VERIFY;
    }
    char *name = xasprintf("memory-%s.json", s->cfg->env);
    char *dest = work_path(s, name);
    const char *wip[] = {name};
    wip_begin(s, wip, 1);
    int rc = mt_file_write_atomic(dest, data, len, 0644, err) ? MT_EXIT_VERIFY : MT_EXIT_OK;
    if (!rc) {
        char *msg = xasprintf("memtui export %s\n\nMemtui-Env: %s\nMemtui-Host: %s\n", s->cfg->env, s->cfg->env,
                              s->host);
        const char *paths[] = {name};
        if (mt_repo_commit(s->repo, paths, 1, msg, committed, NULL, err)) rc = MT_EXIT_VERIFY;
        free(msg);
    }
    if (rc) restore_from_head(s, name);
    wip_end(s);
    if (!rc) {
        char sha[MT_SHA256_HEX];
        mt_sha256_hex(data, len, sha);
        record_write(s, sha);
        rc = mt_session_refresh(s, err);
    }
    free(dest);
    free(name);
    free(data);
    return rc;
}

/* ---- import -------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* <file>.bak-<UTC>: the last few are kept, the oldest removed. */
static int backup_local(const char *path, const char *data, size_t len, struct mt_error *err)
{
    char stamp[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    char *bak = xasprintf("%s.bak-%s", path, stamp);
    int rc = mt_file_write_atomic(bak, data, len, 0600, err);
    free(bak);
    if (rc) return -1;
    char *dcopy = xstrdup(path), *bcopy = xstrdup(path);
    const char *dir = dirname(dcopy), *base = basename(bcopy);
    char *prefix = xasprintf("%s.bak-", base);
    DIR *d = opendir(dir);
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (strncmp(de->d_name, prefix, strlen(prefix))) continue;
        MT_GROW(names, cap, n + 1);
        names[n++] = xstrdup(de->d_name);
    }
    if (d) closedir(d);
    qsort(names, n, sizeof(char *), cmp_str);
    for (size_t i = 0; i < n; i++) {
        if (i + BACKUPS_KEPT < n) {
            char *old = xasprintf("%s/%s", dir, names[i]);
            unlink(old);
            free(old);
        }
        free(names[i]);
    }
    free(names);
    free(prefix);
    free(dcopy);
    free(bcopy);
    return 0;
}

/* Put `data` in place of the local file, keeping the old one. */
static int replace_local(const char *path, const char *data, size_t len, struct mt_error *err)
{
    char *old;
    size_t olen;
    bool missing = false;
    if (mt_file_read(path, &old, &olen, &missing, NULL) == 0) {
        int rc = backup_local(path, old, olen, err);
        free(old);
        if (rc) return -1;
    } else if (!missing) {
        mt_error_set(err, "cannot read %s to back it up", path);
        return -1;
    }
    char *pdir = xstrdup(path);
    mt_mkdirs(dirname(pdir), 0700, NULL);
    free(pdir);
    return mt_file_write_atomic(path, data, len, 0644, err);
}

int mt_session_import(struct mt_session *s, const char *to, bool *skipped, struct mt_error *err)
{
    const char *path = to ? to : s->cfg->memory_file;
    *skipped = false;
    char *data;
    size_t len;
    char blob[MT_OID_HEX], sha[MT_SHA256_HEX];
    int rc = s->head[0] ? mt_repo_read_path(s->repo, NULL, "memory.json", &data, &len, blob, err) : MT_REPO_NOTFOUND;
    if (rc == MT_REPO_NOTFOUND) {
        mt_error_clear(err);
        return MT_EXIT_OK;  /* nothing merged yet: nothing to import */
    }
    if (rc) return MT_EXIT_VERIFY;
    mt_sha256_hex(data, len, sha);
    if (!local_unchanged(s, path, sha)) {
        *skipped = true;
        fprintf(stderr, "memtui: import skipped: %s changed since it was last exported; "
                        "run export (or sync) first so nothing is lost\n", path);
        free(data);
        return MT_EXIT_OK;
    }
    char *cur;
    size_t clen;
    bool same = false;
    if (mt_file_read(path, &cur, &clen, NULL, NULL) == 0) {
        same = clen == len && memcmp(cur, data, len) == 0;
        free(cur);
    }
    rc = MT_EXIT_OK;
    if (!same && replace_local(path, data, len, err)) rc = MT_EXIT_VERIFY;
    if (!rc && !to) record_write(s, sha);
    free(data);
    return rc;
}

/* ---- an import not yet published ------------------------------------------
 * sync imports its merge into the local file before committing (so the
 * fragment never claims data the file lacks). Until that commit is on the
 * remote, <git dir>/memtui/import-undo keeps what the file held before:
 * "<sha256 of the imported graph>\n" then "present\n" + the old bytes, or
 * "missing\n". If the merge is not published (push rejected, lease lost,
 * killed, commit failed), the file goes back, so the rebuild exports the
 * environment's own graph, not a merge result that others may since have
 * changed (an entity another env deleted would come back as this env's). */

static char *undo_path(const struct mt_session *s)
{
    return mt_session_state_path(s, "import-undo");
}

static int undo_note(const struct mt_session *s, const char *imported_sha, struct mt_error *err)
{
    char *old;
    size_t olen = 0;
    bool missing = false;
    if (mt_file_read(s->cfg->memory_file, &old, &olen, &missing, err)) {
        if (!missing) return -1;
        mt_error_clear(err);
        old = NULL;
    }
    struct mt_buf b;
    mt_buf_init(&b);
    mt_buf_addf(&b, "%s\n%s\n", imported_sha, old ? "present" : "missing");
    if (old) mt_buf_add(&b, old, olen);
    char *path = undo_path(s);
    int rc = mt_file_write_atomic(path, b.data, b.len, 0600, err);
    free(path);
    free(old);
    mt_buf_free(&b);
    return rc;
}

void mt_session_import_published(struct mt_session *s)
{
    char *path = undo_path(s);
    unlink(path);
    free(path);
}

int mt_session_import_undo(struct mt_session *s, struct mt_error *err)
{
    char *path = undo_path(s), *note, *cur = NULL;
    size_t nlen, clen;
    bool missing = false;
    if (mt_file_read(path, &note, &nlen, &missing, NULL)) {
        free(path);
        return 0;
    }
    int rc = 0;
    const char *file = s->cfg->memory_file;
    char sha[MT_SHA256_HEX] = "";
    if (mt_file_read(file, &cur, &clen, &missing, NULL) == 0) mt_sha256_hex(cur, clen, sha);
    bool was_there = nlen > 73 && strncmp(note + 65, "present\n", 8) == 0;
    if (nlen < 73 || note[64] != '\n' || (!was_there && strncmp(note + 65, "missing\n", 8) != 0)) {
        mt_audit("import", NULL, "%s is damaged: ignored", path);
    } else if (!sha[0] || strncmp(sha, note, 64) != 0) {
        mt_audit("import", NULL, "the merge imported into %s was not published, but the file changed since: "
                 "kept as it is (its next export carries the merge's entities as its own)", file);
    } else {
        const char *old = note + 73;
        size_t olen = nlen - 73;
        if (was_there) {
            rc = mt_file_write_atomic(file, old, olen, 0644, err);
        } else if (unlink(file) && errno != ENOENT) {
            mt_error_set(err, "cannot remove %s: %s", file, strerror(errno));
            rc = -1;
        }
        if (!rc) {
            char osha[MT_SHA256_HEX];
            mt_sha256_hex(was_there ? old : "", was_there ? olen : 0, osha);
            record_write(s, osha);
            mt_audit("import", NULL, "the merge imported into %s was not published: the file is back as it was "
                     "before (the rebuilt merge is imported instead)", file);
        }
    }
    if (!rc) unlink(path);
    free(cur);
    free(note);
    free(path);
    return rc;
}

/* ---- the merge commit ---------------------------------------------------- */

/* Re-read memory.json from disk: it must hash to what was written and hold
 * the counts the plan promised. */
static int verify_written(const char *path, const char *want_sha, const struct mt_plan *p, struct mt_error *err)
{
    char *data;
    size_t len;
    if (mt_file_read(path, &data, &len, NULL, err)) return -1;
    char sha[MT_SHA256_HEX];
    mt_sha256_hex(data, len, sha);
    if (strcmp(sha, want_sha)) {
        free(data);
        mt_error_set(err, "verification failed: %s does not hash to what was written", path);
        return -1;
    }
    /* The bytes are what was written from the result graph (its keys are
     * distinct), so counting the lines of each kind checks the counts. */
    struct mt_fragment f;
    if (mt_fragment_load(&f, path, data, len, err)) return -1;  /* it let go of data */
    size_t ents = 0, rels = 0;
    for (size_t i = 0; i < f.nlines; i++) {
        ents += f.lines[i].kind == MT_LINE_ENTITY;
        rels += f.lines[i].kind == MT_LINE_RELATION;
    }
    int rc = 0;
    if (ents != p->entities || rels != p->relations || ents + rels != f.nlines) {
        mt_error_set(err, "verification failed: %s holds %zu entities and %zu relations, the plan said %zu and %zu",
                     path, ents, rels, p->entities, p->relations);
        rc = -1;
    }
    mt_fragment_free(&f);
    return rc ? -1 : mt_plan_check_nothing_lost(p, err);
}

/* Put a work-tree file back as HEAD has it (or remove it if HEAD has none). */
/* Put a file back as HEAD has it, in the work tree and in the index (or
 * remove it from both if HEAD has none). */
static void restore_from_head(struct mt_session *s, const char *rel)
{
    char *path = work_path(s, rel), *data;
    size_t len;
    char blob[MT_OID_HEX];
    struct mt_error err = {0};
    bool in_head = s->head[0] && mt_repo_read_path(s->repo, NULL, rel, &data, &len, blob, &err) == 0;
    if (in_head) {
        if (mt_file_write_atomic(path, data, len, 0644, &err))
            fprintf(stderr, "memtui: rollback of %s failed: %s\n", rel, err.msg);
        free(data);
    } else {
        unlink(path);
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
    free(path);
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
        fprintf(stderr, "memtui: warning: %s\n", err.msg);
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

/* Temp files of atomic writes (".<name>.tmp-<pid>-<rand>") whose writer is gone. */
static void remove_dead_temp_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *t = de->d_name[0] == '.' ? strstr(de->d_name, ".tmp-") : NULL;
        if (!t) continue;
        long pid = strtol(t + 5, NULL, 10);
        if (pid <= 0 || (kill((pid_t)pid, 0) == 0 || errno != ESRCH)) continue;
        char *p = xasprintf("%s/%s", dir, de->d_name);
        if (unlink(p) == 0) mt_audit("recover", NULL, "removed %s, left by a killed run", p);
        free(p);
    }
    closedir(d);
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
        if (strncmp(names[i], "memory", 6) == 0) restore_from_head(s, names[i]);
        free(names[i]);
    }
    free(names);
    DIR *d = opendir(mt_repo_workdir(s->repo));
    struct dirent *de;
    while (d && (de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (strncmp(de->d_name, "memory", 6) == 0 && l > 5 && strcmp(de->d_name + l - 5, ".json") == 0)
            restore_from_head(s, de->d_name);
    }
    if (d) closedir(d);
    restore_from_head(s, MT_MANIFEST_PATH);
    mt_audit("recover", NULL, "a killed run was moving the work tree to another commit: memtui's files put back "
                              "as HEAD has them");
}

int mt_session_recover(struct mt_session *s, struct mt_error *err)
{
    (void)err;
    char *wd = xstrdup(mt_repo_workdir(s->repo));
    remove_dead_temp_files(wd);
    char *md = xasprintf("%s.memtui", wd);
    remove_dead_temp_files(md);
    char *lf = xstrdup(s->cfg->memory_file);
    remove_dead_temp_files(dirname(lf));
    free(lf);
    free(md);
    free(wd);
    char *p = wip_path(s), *data;
    size_t len;
    if (mt_file_read(p, &data, &len, NULL, NULL) == 0) {
        for (char *line = strtok(data, "\n"); line; line = strtok(NULL, "\n")) {
            if (strcmp(line, "*") == 0) {  /* killed while moving to another commit */
                restore_all_own(s);
                continue;
            }
            restore_from_head(s, line);
            mt_audit("recover", NULL, "a killed run had written %s: put back as HEAD has it (it is rebuilt)", line);
        }
        free(data);
        unlink(p);
    }
    free(p);
    /* An import whose merge commit never happened is undone. */
    char *note, *frag = NULL, fsha[MT_SHA256_HEX] = "";
    size_t nlen, flen;
    char *np = undo_path(s), *own = xasprintf("memory-%s.json", s->cfg->env);
    if (mt_file_read(np, &note, &nlen, NULL, NULL) == 0) {
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

static bool nothing_to_commit(const struct mt_plan *p, bool u_same)
{
    if (!u_same) return false;
    for (size_t i = 0; i < p->nenvs; i++)
        if (p->envs[i].status == MT_FRAG_CHANGED || p->envs[i].status == MT_FRAG_NEW) return false;
    return true;
}

int mt_session_commit_merge(struct mt_session *s, struct mt_plan *p, const struct mt_merge_opts *mo,
                            struct mt_error *err)
{
    bool dummy = false;
    bool *imported = mo && mo->imported ? mo->imported : &dummy;
    bool *committed = mo && mo->committed ? mo->committed : &dummy;
    *imported = *committed = false;
    if (!p->resolved) {
        mt_error_set(err, "%zu conflicts are pending", mt_plan_pending(p));
        return MT_EXIT_CONFLICTS;
    }
    struct mt_buf out;
    mt_buf_init(&out);
    mt_plan_write_result(p, &out);
    char sha[MT_SHA256_HEX], blob[MT_OID_HEX];
    mt_trace("result rendered");
    /* git compresses the new memory.json while it is hashed, written and
     * verified (wasted only when nothing changed). */
    struct mt_blob_job *job = mt_repo_blob_job_start(s->repo, out.data ? out.data : "", out.len);
    mt_sha256_hex(out.data ? out.data : "", out.len, sha);
    blob[0] = '\0';  /* git's id comes from the job, in parallel */
    mt_trace("result hashed");
    /* sync: the result goes into the local file first, and only then may the
     * fragment claim it (a fragment must never claim data the file lacks).
     * A fragment that is not the result yet needs a commit even when
     * nothing else changed, or the env's next delta would replay others'
     * changes as its own. */
    char *own_name = xasprintf("memory-%s.json", s->cfg->env);
    bool own_env_merged = false, own_is_result = false;
    for (size_t i = 0; i < p->nenvs; i++)
        if (!p->envs[i].synthetic && strcmp(p->envs[i].ref.env, s->cfg->env) == 0) {
            own_env_merged = p->envs[i].status == MT_FRAG_CHANGED || p->envs[i].status == MT_FRAG_NEW ||
                             p->envs[i].status == MT_FRAG_UNCHANGED;
            own_is_result = strcmp(p->envs[i].sha256, sha) == 0;
        }
    bool want_import = mo && mo->import_own && own_env_merged && !own_is_result &&
                       local_unchanged(s, s->cfg->memory_file, NULL);
    /* U is unchanged when it is the manifest's output (memtui wrote it) and
     * that output's digest is the new one. */
    bool u_same = p->u_blob[0] && strcmp(p->u_blob, s->manifest.out_blob) == 0 &&
                  strcmp(s->manifest.out_sha256, sha) == 0;
    if (nothing_to_commit(p, u_same) && !want_import) {
        mt_repo_blob_job_wait(job, NULL);
        free(own_name);
        mt_buf_free(&out);
        return MT_EXIT_OK;
    }
    char *upath = work_path(s, "memory.json");
    int rc = MT_EXIT_OK;
    const char *wip[] = {"memory.json", MT_MANIFEST_PATH, own_name};
    wip_begin(s, wip, 3);
    if (mt_file_write_atomic(upath, out.data ? out.data : "", out.len, 0644, err) ||
        verify_written(upath, sha, p, err)) {
        mt_audit("verify", NULL, "memory.json not committed, put back as it was: %s", err->msg ? err->msg : "?");
        restore_from_head(s, "memory.json");
        rc = MT_EXIT_VERIFY;
        free(own_name);
        goto done;
    }
    mt_trace("memory.json written and verified");
    {
        struct json_object *f = json_object_new_object();
        json_object_object_add(f, "sha256", json_object_new_string(sha));
        json_object_object_add(f, "entities", json_object_new_int64((int64_t)p->entities));
        json_object_object_add(f, "relations", json_object_new_int64((int64_t)p->relations));
        mt_audit("verify", f, "verified memory.json: %zu entities, %zu relations, sha256 %.16s...", p->entities,
                 p->relations, sha);
    }
    char *import_failed = NULL;
    if (mo && mo->import_own && own_env_merged) {
        if (!local_unchanged(s, s->cfg->memory_file, NULL)) {
            fprintf(stderr, "memtui: import skipped: %s changed since export; its fragment stays as exported\n",
                    s->cfg->memory_file);
        } else if (undo_note(s, sha, err) ||
                   replace_local(s->cfg->memory_file, out.data ? out.data : "", out.len, err)) {
            /* The merge goes on without the import (the fragment stays as
             * exported); a file that may hold it goes back as it was. */
            import_failed = mt_error_format(err);
            mt_error_clear(err);
            if (mt_session_import_undo(s, err)) {
                char *m = xasprintf("%s; putting the old file back failed too: %s", import_failed, err->msg);
                free(import_failed);
                import_failed = m;
                mt_error_clear(err);
            }
        } else {
            char *fpath = work_path(s, own_name);
            if (mt_file_write_atomic(fpath, out.data ? out.data : "", out.len, 0644, err) == 0) {
                *imported = true;
                record_write(s, sha);
                mt_audit("import", NULL, "imported the merged graph into %s (old file kept as a backup)",
                         s->cfg->memory_file);
            }
            free(fpath);
        }
    }
    /* the manifest names memory.json's blob: the job's answer */
    char jblob[MT_OID_HEX] = "";
    if (mt_repo_blob_job_wait(job, jblob)) mt_repo_hash_bytes(out.data ? out.data : "", out.len, jblob, NULL);
    job = NULL;
    snprintf(blob, sizeof blob, "%s", jblob);
    mt_trace("blob written");
    struct mt_buf man;
    mt_buf_init(&man);
    struct mt_run_info run = {s->cfg->env, s->host, (long)getpid(), mt_utc_now(), s->lease_token};
    mt_manifest_render(p, &run, blob, sha, s->cfg->env, *imported ? blob : NULL, *imported ? sha : NULL, &man);
    char *mdir = work_path(s, ".memtui");
    char *mpath = work_path(s, MT_MANIFEST_PATH);
    mt_mkdirs(mdir, 0755, NULL);
    if (mt_file_write_atomic(mpath, man.data, man.len, 0644, err)) {
        restore_from_head(s, "memory.json");
        restore_from_head(s, MT_MANIFEST_PATH);  /* it may be in place, only not durable */
        if (*imported) restore_from_head(s, own_name);
        rc = MT_EXIT_VERIFY;
    } else {
        char *msg = mt_merge_commit_message(p, &run);
        const char *paths[] = {"memory.json", MT_MANIFEST_PATH, own_name};
        mt_trace("manifest written");
        /* memory.json (and the imported fragment) hold exactly `out`, whose
         * blob the job wrote: staged by id, not read and hashed again. */
        const char *blobs[] = {jblob, NULL, jblob};
        if (mt_repo_commit_known(s->repo, paths, blobs, *imported ? 3 : 2, msg, committed, NULL, err)) {
            restore_from_head(s, "memory.json");
            restore_from_head(s, MT_MANIFEST_PATH);
            if (*imported) restore_from_head(s, own_name);
            rc = MT_EXIT_VERIFY;
        }
        free(msg);
    }
    free(mdir);
    free(mpath);
    mt_buf_free(&man);
    free(own_name);
    if (rc && *imported) {
        struct mt_error uerr = {0};
        if (mt_session_import_undo(s, &uerr)) fprintf(stderr, "memtui: %s\n", uerr.msg);
        mt_error_clear(&uerr);
        *imported = false;
    }
    if (!rc) rc = mt_session_refresh(s, err);
    if (!rc && import_failed) {
        mt_error_set(err, "merged, but importing the result into %s failed: %s; the file is as it was and its "
                          "fragment stays as exported (the next sync imports it)", s->cfg->memory_file, import_failed);
        mt_audit("import", NULL, "%s", err->msg);
        rc = MT_EXIT_DEGRADED;
    }
    free(import_failed);
done:
    wip_end(s);
    if (job) mt_repo_blob_job_wait(job, NULL);  /* out must outlive the job */
    free(upath);
    mt_buf_free(&out);
    return rc;
}
