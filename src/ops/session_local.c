/* session_local.c: the local MCP file's side of a session: the export
 * record, export, import (swapped in next to a live server), the watch
 * after an import, and the undo of an import never published. */
#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <git2.h>
#include <sys/stat.h>
#include <json-c/json.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "memtui/base/audit.h"
#include "memtui/base/fsutil.h"
#include "memtui/graph/fragment.h"
#include "memtui/merge/local_base.h"
#include "memtui/coord/lock.h"
#include "memtui/config/machine.h"
#include "memtui/merge/rebase.h"
#include "memtui/ops/session.h"

#include "memtui/ops/session_local.h"

#define BACKUPS_KEPT 5

int mt_session_work_write(const struct mt_session *s, const char *rel, const void *data, size_t len,
                          struct mt_error *err)
{
    return mt_file_write_in(mt_repo_workdir(s->repo), rel, data, len, 0644, err);
}

/* ---- the export record: what the local file held when last synchronised */

static char *record_path(const struct mt_session *s)
{
    char *name = xasprintf("export-%s.json", s->cfg->env);
    char *p = mt_session_state_path(s, name);
    free(name);
    return p;
}

void mt_session_record_write(const struct mt_session *s, const char sha[MT_SHA256_HEX])
{
    char *path = record_path(s);
    char *text = xasprintf("{\"sha256\":\"%s\",\"time\":\"%s\"}\n", sha, mt_utc_now());
    struct mt_error err = {0};
    if (mt_file_write_atomic(path, text, strlen(text), 0600, &err))
        mt_warn("warning: %s", err.msg);
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
bool mt_session_local_unchanged(const struct mt_session *s, const char *path, const char *also_sha)
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

/* ---- what the local file was built on (local_base.h) ---------------------- */

static char *base_dir(const struct mt_session *s)
{
    return mt_session_state_path(s, "");
}

static char *base_name(const struct mt_session *s, const char *kind)
{
    return xasprintf("%s-%s", kind, s->cfg->env);
}

static void base_load(const struct mt_session *s, const char *kind, struct mt_local_base *lb)
{
    char *dir = base_dir(s), *name = base_name(s, kind);
    mt_local_base_load(dir, name, lb);
    free(name);
    free(dir);
}

static int base_save(const struct mt_session *s, const char *kind, const struct mt_local_base *lb,
                     struct mt_error *err)
{
    char *dir = base_dir(s), *name = base_name(s, kind);
    int rc = mt_local_base_save(dir, name, lb, err);
    free(name);
    free(dir);
    return rc;
}

static int base_put(const struct mt_session *s, const char *data, size_t len, char sha[MT_SHA256_HEX],
                    struct mt_error *err)
{
    char *dir = base_dir(s);
    int rc = mt_local_base_put(dir, data, len, sha, err);
    free(dir);
    return rc;
}

static bool base_has(const struct mt_session *s, const char *sha)
{
    char *dir = base_dir(s);
    bool has = mt_local_base_has(dir, sha);
    free(dir);
    return has;
}

static int base_get(const struct mt_session *s, const char *sha, char **data, size_t *len, struct mt_error *err)
{
    char *dir = base_dir(s);
    int rc = mt_local_base_get(dir, sha, data, len, err);
    free(dir);
    return rc;
}

/* Which pair the file (data) was built on. An import leaves the graphs
 * that were open before it (oldest first) and, last, the graph it put in;
 * the file was built on the first of the earlier ones it keeps more of
 * than of the last (rebase.h), else on the last. One pair: that one. */
static int choose_pair(struct mt_session *s, const struct mt_local_base *lb, const char *data, size_t len,
                       struct mt_error *err)
{
    if (lb->n < 2) return 0;
    char *after = NULL;
    size_t alen = 0;
    if (base_get(s, lb->pair[lb->n - 1].base, &after, &alen, err)) return -1;
    int k = (int)lb->n - 1;
    for (size_t i = 0; i + 1 < lb->n && k == (int)lb->n - 1; i++) {
        char *before = NULL;
        size_t blen = 0;
        bool yes = false;
        if (base_get(s, lb->pair[i].base, &before, &blen, err) ||
            mt_rebase_built_on_before(before, blen, after, alen, data, len, &yes, err)) {
            free(before);
            free(after);
            return -1;
        }
        if (yes) k = (int)i;
        free(before);
    }
    free(after);
    return k;
}

/* The fragment the local file stands for: the file itself, or, when it was
 * built on a graph that stands for another fragment (the server wrote over
 * an import from the graph it had read before it), that fragment with the
 * file's own edits carried onto it. *out is NULL for the file itself. */
static int fragment_for_local(struct mt_session *s, const char *data, size_t len, char **out, size_t *olen,
                              bool *unchanged, struct mt_error *err)
{
    *out = NULL;
    *olen = 0;
    *unchanged = false;
    struct mt_local_base lb;
    base_load(s, "pairs", &lb);
    if (!lb.n) return 0;
    char sha[MT_SHA256_HEX];
    mt_sha256_hex(data, len, sha);
    const char *same = mt_local_base_find(&lb, sha);
    if (same) {  /* unchanged since that graph: it stands for its fragment as is */
        /* and what it was built on is still open: a write the server
         * started before the import may land yet */
        *unchanged = true;
        if (!strcmp(same, sha)) return 0;
        return base_get(s, same, out, olen, err);
    }
    int k = choose_pair(s, &lb, data, len, err);
    if (k < 0) return -1;
    const struct mt_base_pair *pr = &lb.pair[k];
    if (strcmp(pr->base, pr->fragment) == 0) return 0;  /* built on its own fragment: the file itself */
    char *base = NULL, *frag = NULL;
    size_t bl = 0, flen = 0;
    struct mt_buf b;
    mt_buf_init(&b);
    int rc = base_get(s, pr->base, &base, &bl, err) || base_get(s, pr->fragment, &frag, &flen, err) ||
             mt_rebase_apply(frag, flen, base, bl, data, len, &b, err);
    if (!rc) {
        *out = mt_buf_detach(&b, olen);
        if (!*out) *out = xstrdup("");
        if ((size_t)k + 1 < lb.n)
            mt_audit("export", NULL, "%s was written from the graph it held before memtui's last import (the MCP "
                     "server read it just before): its own edits are carried onto the merged graph instead of "
                     "undoing the import", s->cfg->memory_file);
    }
    mt_buf_free(&b);
    free(frag);
    free(base);
    return rc ? -1 : 0;
}

/* After an export: the file stands for itself, or for the rebuilt fragment. */
static int note_exported(struct mt_session *s, const char *data, size_t len, const char *frag, size_t flen,
                         struct mt_error *err)
{
    struct mt_local_base lb = {0};
    if (frag) {
        char b[MT_SHA256_HEX], f[MT_SHA256_HEX];
        if (base_put(s, data, len, b, err) || base_put(s, frag, flen, f, err)) return -1;
        mt_local_base_add(&lb, b, f);
    }
    return base_save(s, "pairs", &lb, err);
}

/* The value of the last "Key: value" trailer line of msg (caller frees). */
static char *trailer(const char *msg, const char *key)
{
    char *found = NULL;
    size_t kl = strlen(key);
    for (const char *l = msg; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        if (strncmp(l, key, kl) == 0 && l[kl] == ':' && l[kl + 1] == ' ') {
            free(found);
            found = xstrndup(l + kl + 2, strcspn(l + kl + 2, "\n"));
        }
    }
    return found;
}

int mt_session_check_env_owner(struct mt_session *s, bool *other_machine, struct mt_error *err)
{
    bool dummy;
    if (!other_machine) other_machine = &dummy;
    *other_machine = false;
    if (!s->head[0]) return MT_EXIT_OK;
    char *name = xasprintf("memory-%s.json", s->cfg->env), oid[MT_OID_HEX];
    long long when = 0;
    struct mt_error e = {0};
    int rc = MT_EXIT_OK;
    git_oid id;
    git_commit *c = NULL;
    if (mt_repo_last_change(s->repo, NULL, name, oid, &when, &e) == 0 && git_oid_fromstr(&id, oid) == 0 &&
        git_commit_lookup(&c, mt_repo_git(s->repo), &id) == 0) {
        const char *msg = git_commit_message(c);
        char *raw = trailer(msg, "Memtui-Machine"), *host_raw = trailer(msg, "Memtui-Host");
        char *other = raw ? mt_machine_id_clean(raw) : NULL, *host = host_raw ? mt_machine_id_clean(host_raw) : NULL;
        *other_machine = other && other[0] && strcmp(other, mt_machine_id()) != 0;
        if (*other_machine && s->cfg->claim_env) {
            mt_audit("export", NULL, "this machine (%s) takes the env name '%s' over from %s (machine id %.12s)",
                     s->host, s->cfg->env, host && host[0] ? host : "?", other);
        } else if (*other_machine) {
            mt_error_set(err, "the env name '%s' belongs to another machine: %s (machine id %.12s) wrote %s in "
                              "commit %.12s; this is %s (machine id %.12s). Give this machine its own name with "
                              "--env NAME, or, if it replaces that machine, take the name over with --claim-env",
                         s->cfg->env, host && host[0] ? host : "?", other, name, oid, s->host, mt_machine_id());
            rc = MT_EXIT_USAGE;
        }
        free(raw);
        free(host_raw);
        free(other);
        free(host);
        git_commit_free(c);
    }
    git_error_clear();
    mt_error_clear(&e);
    free(name);
    return rc;
}

int mt_session_export(struct mt_session *s, const char *from, bool *committed, struct mt_error *err)
{
    bool taking_over = false;
    int orc = mt_session_check_env_owner(s, &taking_over, err);
    if (orc) return orc;
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
    /* --from names another file: it stands for itself. */
    bool keep_bases = false;
    char *frag = NULL;
    size_t flen = 0;
    if (taking_over) {
        /* The other machine's data stays: this machine's graph is added to
         * the fragment it left, as a new machine's would be. */
        char *prev = NULL;
        size_t plen = 0;
        char *own = xasprintf("memory-%s.json", s->cfg->env);
        struct mt_buf b;
        mt_buf_init(&b);
        int trc = mt_repo_read_path(s->repo, NULL, own, &prev, &plen, NULL, err) ||
                  mt_rebase_apply(prev, plen, "", 0, data, len, &b, err);
        free(own);
        free(prev);
        if (trc) {
            mt_buf_free(&b);
            free(data);
            return MT_EXIT_VERIFY;
        }
        frag = mt_buf_detach(&b, &flen);
        if (!frag) frag = xstrdup("");
    } else if (!from && fragment_for_local(s, data, len, &frag, &flen, &keep_bases, err)) {
        free(data);
        return MT_EXIT_VERIFY;
    }
    char *name = xasprintf("memory-%s.json", s->cfg->env);
    const char *wip[] = {name};
    mt_session_wip_begin(s, wip, 1);
    int rc = mt_session_work_write(s, name, frag ? frag : data, frag ? flen : len, err) ? MT_EXIT_VERIFY : MT_EXIT_OK;
    if (!rc) {
        char *msg = xasprintf("memtui export %s\n\nMemtui-Env: %s\nMemtui-Host: %s\nMemtui-Machine: %s\n", s->cfg->env,
                              s->cfg->env, s->host, mt_machine_id());
        const char *paths[] = {name};
        if (mt_repo_commit(s->repo, paths, 1, msg, committed, NULL, err)) rc = MT_EXIT_VERIFY;
        free(msg);
    }
    if (rc) mt_session_restore_from_head(s, name);
    mt_session_wip_end(s);
    if (!rc && !from && !keep_bases && note_exported(s, data, len, frag, flen, err)) rc = MT_EXIT_VERIFY;
    if (!rc) {
        char sha[MT_SHA256_HEX];
        mt_sha256_hex(data, len, sha);
        mt_session_record_write(s, sha);
        rc = mt_session_refresh(s, err);
    }
    free(frag);
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

static int undo_note_bytes(const struct mt_session *s, const char *imported_sha, const char *old, size_t olen,
                           struct mt_error *err);

/* ---- an import next to a live MCP server --------------------------------------
 * The server writes its file at any instant (temp file, rename). The graph
 * is swapped in with mt_file_exchange, so what was there comes back in the
 * same step. When that is not the file as memtui last saw it, the server
 * wrote meanwhile: its edits (diff from the graph it was built on) are
 * carried onto the graph just put in, which is swapped in again, until
 * what comes back is what was put in. Nothing the server wrote is dropped.
 * A write the server built on the file as it was before the import, and
 * that lands after it, is recognised at the next export through the pairs
 * left here (local_base.h). */

static bool same_bytes(const char *a, size_t alen, bool a_missing, const char *b, size_t blen, bool b_missing)
{
    if (a_missing || b_missing) return a_missing && b_missing;
    return alen == blen && memcmp(a, b, alen) == 0;
}

/* A version of the file that came out of a swap is kept beside it. */
void mt_session_keep_version(const char *path, const char *data, size_t len)
{
    struct mt_error e = {0};
    if (backup_local(path, data, len, &e)) mt_audit("import", NULL, "could not keep a backup: %s", e.msg);
    mt_error_clear(&e);
}

#define CARRY_ROUNDS 1000

int mt_session_import_live(struct mt_session *s, const char *path, const char *graph, size_t glen,
                       const char *fragment, size_t flen, struct mt_import_result *res, struct mt_error *err)
{
    memset(res, 0, sizeof(*res));
    mt_buf_init(&res->final);
    /* What the file holds now (proved unchanged since export by the caller). */
    char *seen = NULL;
    size_t slen = 0;
    bool seen_missing = false;
    if (mt_file_read(path, &seen, &slen, &seen_missing, err)) {
        if (!seen_missing) return -1;
        mt_error_clear(err);
        seen = xstrdup("");
    }
    char gsha[MT_SHA256_HEX], esha[MT_SHA256_HEX], fsha[MT_SHA256_HEX], rec[MT_SHA256_HEX];
    mt_sha256_hex(graph, glen, gsha);
    mt_sha256_hex(seen, slen, esha);
    /* Only a file as memtui last left it is swapped (the caller checked, but
     * the server may have written since): a changed one is exported first. */
    if (!seen_missing && strcmp(esha, gsha) != 0 && !(record_read(s, rec) && strcmp(rec, esha) == 0)) {
        res->skipped = true;
        free(seen);
        return 0;
    }
    /* The old file is kept before anything replaces it. */
    if (!seen_missing && backup_local(path, seen, slen, err)) {
        free(seen);
        return -1;
    }
    /* Only an import whose fragment the merge commit sets (fragment NULL)
     * can go unpublished and need undoing; a plain import changes no
     * fragment and leaves any undo state alone. */
    bool undoable = !fragment;
    struct mt_local_base before;
    base_load(s, "pairs", &before);
    if ((undoable && base_save(s, "undo", &before, err)) || base_put(s, seen, slen, esha, err) ||
        (undoable && undo_note_bytes(s, gsha, seen_missing ? NULL : seen, slen, err))) {
        free(seen);
        return -1;
    }
    char *pdir = xstrdup(path);
    mt_mkdirs(dirname(pdir), 0700, NULL);
    free(pdir);
    const char *exported = seen;
    size_t elen = slen;
    char *want = xstrndup(seen, slen);  /* what should come out of the next swap */
    size_t wlen = slen;
    bool want_missing = seen_missing;
    mt_buf_add(&res->final, graph, glen);
    int rc = 0;
    enum { MAX_MIDS = 2 };
    char mids[MAX_MIDS][MT_SHA256_HEX];   /* graphs an earlier round put in (a ring) */
    size_t nmids = 0;
    for (int round = 0;; round++) {
        char *old;
        size_t olen;
        bool was_missing;
        if (mt_file_exchange(path, res->final.data ? res->final.data : "", res->final.len, 0644, &old, &olen,
                             &was_missing, err)) {
            if (old) mt_session_keep_version(path, old, olen);
            free(old);
            rc = -1;
            break;
        }
        if (!was_missing && !same_bytes(old, olen, false, want, wlen, want_missing))
            mt_session_keep_version(path, old, olen);  /* a version the server wrote meanwhile */
        if (same_bytes(old, olen, was_missing, want, wlen, want_missing)) {
            free(old);
            break;
        }
        /* The server wrote since: carry its edits onto what was put in. It
         * built on the file as exported, or on what the last swap put in. */
        const char *bases[2] = {exported, want};
        size_t lens[2] = {elen, wlen};
        bool on_exported = true;
        int k = 0;
        if (round > 0 && mt_rebase_built_on_before(exported, elen, want, wlen, old, olen, &on_exported, err)) k = -1;
        else if (!on_exported) k = 1;
        struct mt_buf next;
        mt_buf_init(&next);
        if (k < 0 || round >= CARRY_ROUNDS ||
            mt_rebase_apply(res->final.data ? res->final.data : "", res->final.len, bases[k], lens[k], old, olen,
                            &next, err)) {
            if (round >= CARRY_ROUNDS) mt_error_set(err, "%s keeps changing: gave up importing", path);
            /* Put the server's file back (it is also kept as a backup). */
            char *back;
            size_t blen;
            bool bm;
            struct mt_error e2 = {0};
            if (mt_file_exchange(path, old, olen, 0644, &back, &blen, &bm, &e2) == 0 && back &&
                !same_bytes(back, blen, false, res->final.data ? res->final.data : "", res->final.len, false))
                mt_session_keep_version(path, back, blen);
            free(back);
            mt_error_clear(&e2);
            mt_buf_free(&next);
            free(old);
            rc = -1;
            break;
        }
        res->carried++;
        mt_audit("import", NULL, "the MCP server wrote %s while the merged graph was being put in: its edits "
                 "are carried onto it", path);
        free(want);
        want = mt_buf_detach(&res->final, &wlen);
        if (!want) want = xstrdup("");
        /* What this round put in was in the file for a moment: the
         * server's next call may have read it, and its write may land
         * after the loop. It stays a base the file may be built on. */
        if (base_put(s, want, wlen, mids[nmids % MAX_MIDS], NULL) == 0) nmids++;
        want_missing = false;
        res->final = next;
        char nsha[MT_SHA256_HEX];
        mt_sha256_hex(res->final.data ? res->final.data : "", res->final.len, nsha);
        if (undoable) undo_note_bytes(s, nsha, seen_missing ? NULL : seen, slen, NULL);
        free(old);
    }
    if (!rc) {
        struct stat st;
        s->imported_at = mt_monotonic();
        mt_sha256_hex(res->final.data ? res->final.data : "", res->final.len, s->imported_sha);
        s->imported_len = res->final.len;
        s->imported_ino = s->imported_mtime_ns = 0;
        if (stat(path, &st) == 0) {
            s->imported_ino = (unsigned long long)st.st_ino;
            s->imported_mtime_ns = (unsigned long long)st.st_mtim.tv_sec * 1000000000ull + (unsigned long long)st.st_mtim.tv_nsec;
        }
    }
    if (!rc) {
        /* The file stands for `fragment` (what this env's fragment holds
         * after this step) whether it is built on the graph put in, on the
         * graph before, or on the imported graph itself. The graph before
         * comes first: on a tie, it is the choice that loses nothing. */
        struct mt_local_base after = {0};
        char fin[MT_SHA256_HEX];
        const char *frag = fragment ? fragment : res->final.data ? res->final.data : "";
        size_t fl = fragment ? flen : res->final.len;
        if (base_put(s, frag, fl, fsha, err) || base_put(s, res->final.data ? res->final.data : "", res->final.len, fin, err)) {
            rc = -1;
        } else {
            /* An earlier import still open (the file is as it put it, its
             * watch never ended): what the file held before that one may
             * still come back, so it stays a candidate. */
            size_t kept_mids = nmids < MAX_MIDS ? nmids : MAX_MIDS;
            if (before.n >= 2 && strcmp(before.pair[before.n - 1].base, esha) == 0)
                for (size_t i = 0; i + 1 < before.n && i + 2 + kept_mids < MT_BASE_PAIRS; i++)
                    mt_local_base_add(&after, before.pair[i].base, fsha);
            mt_local_base_add(&after, esha, fsha);
            /* oldest first: a write built on a graph put in for a moment
             * keeps what was carried onto it (fin) */
            for (size_t i = nmids - kept_mids; i < nmids; i++) mt_local_base_add(&after, mids[i % MAX_MIDS], fsha);
            mt_local_base_add(&after, fin, fsha);
            /* Until the merge is published, an undo needs the graph put in
             * (the watch after the import may drop it from the pairs). */
            struct mt_local_base put_in = {0};
            mt_local_base_add(&put_in, fin, fin);
            if (base_save(s, "pairs", &after, err) || (undoable && base_save(s, "unpublished", &put_in, err)))
                rc = -1;
        }
    }
    free(want);
    free(seen);
    if (rc) mt_buf_free(&res->final);
    return rc;
}

/* A memory.json at HEAD that is not the merge its manifest recorded (a
 * peer's bad commit, trust.h) never reaches the MCP server. */
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
    base_load(s, "pairs", &lb);
    int rc = 0;
    if (lb.n >= 2 && strcmp(lb.pair[lb.n - 1].base, s->imported_sha) == 0) {
        int keep = (int)lb.n - 1;
        char *cur = NULL;
        size_t clen;
        if (moved && mt_file_read(path, &cur, &clen, NULL, NULL) == 0) {
            char sha[MT_SHA256_HEX];
            mt_sha256_hex(cur, clen, sha);
            struct mt_error e = {0};
            int k = strcmp(sha, s->imported_sha) ? choose_pair(s, &lb, cur, clen, &e) : keep;
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
        rc = base_save(s, "pairs", &one, err);
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

static int undo_note_bytes(const struct mt_session *s, const char *imported_sha, const char *old, size_t olen,
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
    base_save(s, "undo", &none, NULL);
    base_save(s, "unpublished", &none, NULL);
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
    base_load(s, "undo", &before);
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
        rc = base_save(s, "pairs", &before, err);
        mt_audit("import", NULL, "the merge imported into %s was not published: the file is back as it was "
                 "before (the rebuilt merge is imported instead)", file);
    } else if (!rc && imported[0]) {
        /* The server wrote on top of the import (or of the file before it):
         * its next export keeps only its own edits, onto the fragment the
         * old file stood for. */
        char esha[MT_SHA256_HEX];
        if (base_put(s, was_there ? old : "", was_there ? olen : 0, esha, err)) {
            rc = -1;
        } else {
            const char *stood = mt_local_base_find(&before, esha);
            char fsha[MT_SHA256_HEX];
            snprintf(fsha, sizeof fsha, "%s", stood ? stood : esha);
            struct mt_local_base after = {0};
            mt_local_base_add(&after, esha, fsha);
            if (base_has(s, imported)) mt_local_base_add(&after, imported, fsha);
            else mt_audit("import", NULL, "the graph that import put in is no longer kept: %s counts as built on "
                          "the file before it", file);
            rc = base_save(s, "pairs", &after, err);
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

