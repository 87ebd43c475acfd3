/* session_export.c: the export record and the export of the local file to
 * this env's fragment. */
#include <git2.h>
#include <stdlib.h>
#include <string.h>

#include "memtui/base/audit.h"
#include "memtui/base/fsutil.h"
#include "memtui/config/machine.h"
#include "memtui/merge/rebase.h"

#include "memtui/ops/session_local.h"

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

bool mt_session_record_read(const struct mt_session *s, char sha[MT_SHA256_HEX])
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
    return mt_session_record_read(s, rec) && strcmp(rec, sha) == 0;
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

/* Which pair the file (data) was built on. An import leaves the graphs
 * that were open before it (oldest first) and, last, the graph it put in;
 * the file was built on the first of the earlier ones it keeps more of
 * than of the last (rebase.h), else on the last. One pair: that one. */
int mt_session_choose_pair(struct mt_session *s, const struct mt_local_base *lb, const char *data, size_t len,
                           struct mt_error *err)
{
    if (lb->n < 2) return 0;
    char *after = NULL;
    size_t alen = 0;
    if (mt_session_base_get(s, lb->pair[lb->n - 1].base, &after, &alen, err)) return -1;
    int k = (int)lb->n - 1;
    for (size_t i = 0; i + 1 < lb->n && k == (int)lb->n - 1; i++) {
        char *before = NULL;
        size_t blen = 0;
        bool yes = false;
        if (mt_session_base_get(s, lb->pair[i].base, &before, &blen, err) ||
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
    mt_session_base_load(s, "pairs", &lb);
    if (!lb.n) return 0;
    char sha[MT_SHA256_HEX];
    mt_sha256_hex(data, len, sha);
    const char *same = mt_local_base_find(&lb, sha);
    if (same) {  /* unchanged since that graph: it stands for its fragment as is */
        /* and what it was built on is still open: a write the server
         * started before the import may land yet */
        *unchanged = true;
        if (!strcmp(same, sha)) return 0;
        return mt_session_base_get(s, same, out, olen, err);
    }
    int k = mt_session_choose_pair(s, &lb, data, len, err);
    if (k < 0) return -1;
    const struct mt_base_pair *pr = &lb.pair[k];
    if (strcmp(pr->base, pr->fragment) == 0) return 0;  /* built on its own fragment: the file itself */
    char *base = NULL, *frag = NULL;
    size_t bl = 0, flen = 0;
    struct mt_buf b;
    mt_buf_init(&b);
    int rc = mt_session_base_get(s, pr->base, &base, &bl, err) || mt_session_base_get(s, pr->fragment, &frag, &flen, err) ||
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
        if (mt_session_base_put(s, data, len, b, err) || mt_session_base_put(s, frag, flen, f, err)) return -1;
        mt_local_base_add(&lb, b, f);
    }
    return mt_session_base_save(s, "pairs", &lb, err);
}

/* The fragment's SHA-256 by its blob id, computed from the same bytes, so
 * the merge that folds it in need not hash it again (sha: known, or NULL). */
static void note_digest(struct mt_session *s, const char *bytes, size_t len, const char *sha)
{
    char blob[MT_OID_HEX], own[MT_SHA256_HEX];
    if (mt_repo_hash_bytes(bytes, len, blob, NULL)) return;
    if (!sha) mt_sha256_hex(bytes, len, own);
    mt_digests_put(&s->digests, blob, len, sha ? sha : own);
    mt_digests_save(&s->digests, NULL);  /* a cache: when it cannot be saved, the merge hashes */
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
        note_digest(s, frag ? frag : data, frag ? flen : len, frag ? NULL : sha);
        rc = mt_session_refresh(s, err);
    }
    free(frag);
    free(name);
    free(data);
    return rc;
}
