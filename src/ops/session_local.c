/* session_local.c: the local MCP file's side of a session: import (the
 * swap itself is in session_import_live.c), the watch after an import, and
 * the undo of an import never published. Export: session_export.c. */
#include <fcntl.h>
#include <errno.h>
#include <git2.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memtui/base/audit.h"
#include "memtui/base/fsutil.h"
#include "memtui/coord/lock.h"

#include "memtui/ops/session_local.h"

int mt_session_work_write(const struct mt_session *s, const char *rel, const void *data, size_t len,
                          struct mt_error *err)
{
    return mt_file_write_in(mt_repo_workdir(s->repo), rel, data, len, 0644, err);
}

/* ---- import -------------------------------------------------------------- */

static int refuse_corrupt(const struct mt_session *s, const char *sha, struct mt_error *err)
{
    const char *why = s->trust.memory_bad ? s->trust.why : NULL;
    if (!why && s->manifest.out_sha256[0] && strcmp(sha, s->manifest.out_sha256) != 0)
        why = "its SHA-256 is not the one the manifest recorded";
    if (!why) return 0;
    mt_error_set(err, "memory.json at HEAD is corrupt (%s): not imported; the next sync or merge rebuilds it", why);
    return -1;
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
    if (refuse_corrupt(s, sha, err)) {
        free(data);
        return MT_EXIT_VERIFY;
    }
    if (!mt_session_local_unchanged(s, path, sha)) {
        *skipped = true;
        mt_warn("import skipped: %s changed since it was last exported; "
                        "run export (or sync) first so nothing is lost", path);
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
    if (!same && to) {
        rc = mt_file_write_atomic(path, data, len, 0644, err) ? MT_EXIT_VERIFY : MT_EXIT_OK;
    } else if (!same) {
        /* The fragment is not changed here: the file stands for it plus
         * whatever the file gains from now on. */
        char *frag = NULL;
        size_t flen = 0;
        char *own = xasprintf("memory-%s.json", s->cfg->env);
        if (mt_repo_read_path(s->repo, NULL, own, &frag, &flen, NULL, NULL)) frag = xstrdup(""), flen = 0;
        free(own);
        struct mt_import_result ir;
        if (mt_session_import_live(s, path, data, len, frag, flen, &ir, err)) {
            rc = MT_EXIT_VERIFY;
        } else if (ir.skipped) {
            *skipped = true;
            mt_warn("import skipped: %s changed since it was last exported; "
                            "run export (or sync) first so nothing is lost", path);
        } else {
            mt_sha256_hex(ir.final.data ? ir.final.data : "", ir.final.len, sha);
            mt_buf_free(&ir.final);
        }
        free(frag);
    }
    if (!rc && !to && !*skipped) mt_session_record_write(s, sha);
    free(data);
    return rc;
}

int mt_session_import_after_merge(struct mt_session *s, const struct mt_plan *p, bool *imported,
                                  struct mt_error *err)
{
    *imported = false;
    for (size_t i = 0; i < p->nenvs; i++) {
        const struct mt_env_plan *e = &p->envs[i];
        if (e->synthetic || strcmp(e->ref.env, s->cfg->env) != 0) continue;
        if (e->status == MT_FRAG_HELD || e->status == MT_FRAG_QUARANTINED) {
            mt_audit("import", NULL, "import skipped: this environment's own edits are %s (%s); %s keeps them "
                     "until they are merged", mt_frag_status_name(e->status), e->reason ? e->reason : "",
                     s->cfg->memory_file);
            return MT_EXIT_OK;
        }
    }
    bool skipped = false;
    int rc = mt_session_import(s, NULL, &skipped, err);
    *imported = !rc && !skipped;
    return rc;
}

/* ---- after an import: what the server's next write was built on --------- */

static bool file_moved(const struct mt_session *s, const char *path)
{
    struct stat st;
    if (stat(path, &st)) return true;
    unsigned long long m = (unsigned long long)st.st_mtim.tv_sec * 1000000000ull + (unsigned long long)st.st_mtim.tv_nsec;
    return (unsigned long long)st.st_ino != s->imported_ino || m != s->imported_mtime_ns ||
           (size_t)st.st_size != s->imported_len;
}

int mt_session_settle_import(struct mt_session *s, struct mt_error *err)
{
    /* import --to with no memory file known: no MCP server watches it */
    if (!s->imported_at || !s->cfg->memory_file) return 0;
    const char *path = s->cfg->memory_file;
    /* A call in flight at the import reads, parses and rewrites the graph:
     * a second, plus the time node needs for a big file. */
    double deadline = s->imported_at + 1.0 + (double)s->imported_len / 20e6;
    bool moved;
    while (!(moved = file_moved(s, path)) && mt_monotonic() < deadline) {
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    s->imported_at = 0;
    char *lpath = mt_lock_path(s->cfg->lock_file, mt_repo_gitdir(s->repo));
    struct mt_lock *lock = NULL;
    struct mt_error le = {0};
    int lrc = mt_lock_acquire(lpath, 2.0, s->cfg->env, s->host, &lock, &le);
    free(lpath);
    mt_error_clear(&le);
    if (lrc) return 0;  /* busy: the next export judges by the same rule */
    struct mt_local_base lb;
    mt_session_base_load(s, "pairs", &lb);
    int rc = 0;
    if (lb.n >= 2 && strcmp(lb.pair[lb.n - 1].base, s->imported_sha) == 0) {
        int keep = (int)lb.n - 1;
        char *cur = NULL;
        size_t clen;
        if (moved && mt_file_read(path, &cur, &clen, NULL, NULL) == 0) {
            char sha[MT_SHA256_HEX];
            mt_sha256_hex(cur, clen, sha);
            struct mt_error e = {0};
            int k = strcmp(sha, s->imported_sha) ? mt_session_choose_pair(s, &lb, cur, clen, &e) : keep;
            mt_error_clear(&e);
            if (k >= 0 && k != keep) {
                keep = k;
                mt_audit("import", NULL, "the MCP server wrote %s right after the import from the graph it had "
                         "read before it: its next export carries its edits onto the merged graph", path);
            }
        }
        struct mt_local_base one = {0};
        if (strcmp(lb.pair[keep].base, lb.pair[keep].fragment) != 0)
            mt_local_base_add(&one, lb.pair[keep].base, lb.pair[keep].fragment);
        rc = mt_session_base_save(s, "pairs", &one, err);
        free(cur);
    }
    mt_lock_release(lock);
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

char *mt_session_undo_path(const struct mt_session *s)
{
    return mt_session_state_path(s, "import-undo");
}

int mt_session_undo_note(const struct mt_session *s, const char *imported_sha, const char *old, size_t olen,
                         struct mt_error *err)
{
    struct mt_buf b;
    mt_buf_init(&b);
    mt_buf_addf(&b, "%s\n%s\n", imported_sha, old ? "present" : "missing");
    if (old) mt_buf_add(&b, old, olen);
    char *path = mt_session_undo_path(s);
    int rc = mt_file_write_atomic(path, b.data, b.len, 0600, err);
    free(path);
    mt_buf_free(&b);
    return rc;
}

/* The import is published or undone: what only an undo needed goes. */
static void drop_undo_state(const struct mt_session *s)
{
    struct mt_local_base none = {0};
    mt_session_base_save(s, "undo", &none, NULL);
    mt_session_base_save(s, "unpublished", &none, NULL);
}

void mt_session_import_published(struct mt_session *s)
{
    char *path = mt_session_undo_path(s);
    unlink(path);
    free(path);
    drop_undo_state(s);
}

/* Take the imported graph out of the file again: swapped for the old one
 * (or moved aside when there was none), so a server write that lands at
 * that instant comes out instead of being overwritten; it is then put back
 * and the file counts as changed since the import. */
static int take_back(const char *file, const char *imported_sha, const char *old, size_t olen, bool was_there,
                     bool *changed, struct mt_error *err)
{
    char *out = NULL, *aside = NULL;
    size_t outlen = 0;
    bool out_missing = false;
    int rc;
    *changed = false;
    if (was_there) {
        rc = mt_file_exchange(file, old, olen, 0644, &out, &outlen, &out_missing, err);
    } else {
        aside = xasprintf("%s.memtui-undo-%ld", file, (long)getpid());
        rc = renameat2(AT_FDCWD, file, AT_FDCWD, aside, RENAME_NOREPLACE);
        if (rc == 0) rc = mt_file_read(aside, &out, &outlen, NULL, err);
        else if (errno == ENOENT) rc = 0, out_missing = true;
        else mt_error_set(err, "cannot move %s aside: %s", file, strerror(errno));
    }
    if (rc == 0 && !out_missing) {
        char sha[MT_SHA256_HEX];
        mt_sha256_hex(out, outlen, sha);
        if (strcmp(sha, imported_sha) != 0) {  /* the server wrote just now: its file goes back in */
            *changed = true;
            char *back = NULL;
            size_t blen;
            bool bm;
            if (was_there) {
                if (mt_file_exchange(file, out, outlen, 0644, &back, &blen, &bm, err)) rc = -1;
                else if (back && (blen != olen || memcmp(back, old, olen))) mt_session_keep_version(file, back, blen);
            } else if (renameat2(AT_FDCWD, aside, AT_FDCWD, file, RENAME_NOREPLACE)) {
                mt_session_keep_version(file, out, outlen);
            } else {
                free(aside);
                aside = NULL;
            }
            free(back);
        }
    }
    if (aside) unlink(aside);
    free(aside);
    free(out);
    return rc;
}

int mt_session_import_undo(struct mt_session *s, struct mt_error *err)
{
    char *path = mt_session_undo_path(s), *note, *cur = NULL;
    size_t nlen, clen;
    bool missing = false;
    if (mt_file_read(path, &note, &nlen, &missing, NULL)) {
        free(path);
        return 0;
    }
    int rc = 0;
    const char *file = s->cfg->memory_file;
    char sha[MT_SHA256_HEX] = "", imported[MT_SHA256_HEX] = "";
    if (mt_file_read(file, &cur, &clen, &missing, NULL) == 0) mt_sha256_hex(cur, clen, sha);
    bool was_there = nlen > 73 && strncmp(note + 65, "present\n", 8) == 0;
    bool changed = true;
    struct mt_local_base before;
    mt_session_base_load(s, "undo", &before);
    const char *old = note + 73;
    size_t olen = nlen >= 73 ? nlen - 73 : 0;
    if (nlen < 73 || note[64] != '\n' || (!was_there && strncmp(note + 65, "missing\n", 8) != 0)) {
        mt_audit("import", NULL, "%s is damaged: ignored", path);
        changed = false;
    } else {
        memcpy(imported, note, 64);
        imported[64] = '\0';
        if (sha[0] && strcmp(sha, imported) == 0)
            rc = take_back(file, imported, was_there ? old : "", was_there ? olen : 0, was_there, &changed, err);
    }
    if (!rc && imported[0] && !changed) {
        char osha[MT_SHA256_HEX];
        mt_sha256_hex(was_there ? old : "", was_there ? olen : 0, osha);
        mt_session_record_write(s, osha);
        rc = mt_session_base_save(s, "pairs", &before, err);
        mt_audit("import", NULL, "the merge imported into %s was not published: the file is back as it was "
                 "before (the rebuilt merge is imported instead)", file);
    } else if (!rc && imported[0]) {
        /* The server wrote on top of the import (or of the file before it):
         * its next export keeps only its own edits, onto the fragment the
         * old file stood for. */
        char esha[MT_SHA256_HEX];
        if (mt_session_base_put(s, was_there ? old : "", was_there ? olen : 0, esha, err)) {
            rc = -1;
        } else {
            const char *stood = mt_local_base_find(&before, esha);
            char fsha[MT_SHA256_HEX];
            snprintf(fsha, sizeof fsha, "%s", stood ? stood : esha);
            struct mt_local_base after = {0};
            mt_local_base_add(&after, esha, fsha);
            if (mt_session_base_has(s, imported)) mt_local_base_add(&after, imported, fsha);
            else mt_audit("import", NULL, "the graph that import put in is no longer kept: %s counts as built on "
                          "the file before it", file);
            rc = mt_session_base_save(s, "pairs", &after, err);
            mt_audit("import", NULL, "the merge imported into %s was not published, and the file changed since: "
                     "kept as it is; its next export carries only its own edits", file);
        }
    }
    if (!rc) {
        unlink(path);
        drop_undo_state(s);
    }
    free(cur);
    free(note);
    free(path);
    return rc;
}
