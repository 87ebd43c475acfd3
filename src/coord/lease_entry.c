/* lease_entry.c: one lease entry: its lease.json (written and parsed) and
 * the commit that holds it. */
#include <git2.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "memtui/graph/jsonw.h"
#include "memtui/config/machine.h"
#include "lease_internal.h"
#include "memtui/git/git_error.h"

void mt_lease_info_clear(struct mt_lease_info *info)
{
    if (!info) return;
    free(info->error);
    free(info->env);
    free(info->host);
    free(info->time);
    free(info->broke);
    free(info->machine);
    free(info->boot);
    free(info->pidns);
    free(info->chain_previous);
    free(info->chain_first);
    free(info->chain_last);
    free(info->chain_holders);
    memset(info, 0, sizeof(*info));
}

static void add_field(struct mt_buf *b, const char *sep_key, const char *value)
{
    mt_buf_adds(b, sep_key);
    jsonw_string(b, value, strlen(value));
}

/* Where the writer's pid lives: readers judge "this pid is gone" only when
 * all three are theirs too. */
static void add_whereabouts(struct mt_buf *b)
{
    char boot[64], ns[64];
    add_field(b, ",\"machine\":", mt_machine_id());
    if (lease_boot_id(boot)) add_field(b, ",\"boot\":", boot);
    if (lease_pid_namespace(ns)) add_field(b, ",\"pidns\":", ns);
}

/* Integers are printed as they are (jsonw_value would print them as JS
 * doubles). */
static char *entry_json(const struct lease_entry *e, size_t *len)
{
    struct mt_buf b;
    char now[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
    mt_buf_init(&b);
    add_field(&b, "{\"env\":", e->env);
    add_field(&b, ",\"host\":", e->host);
    mt_buf_addf(&b, ",\"pid\":%ld,\"token\":%" PRIu64 ",\"ttl\":%ld", e->pid, e->token, e->ttl);
    add_field(&b, ",\"state\":", e->state == MT_LEASE_HELD ? "held" : "released");
    add_field(&b, ",\"time\":", now);
    if (e->broke) add_field(&b, ",\"broke\":", e->broke);
    add_whereabouts(&b);
    if (e->chain) mt_buf_addf(&b, ",\"chain\":%s", e->chain);
    mt_buf_adds(&b, "}\n");
    return mt_buf_detach(&b, len);
}

/* The string value of o[key] into *out (a copy; left alone when the key is
 * absent). NULL, or why not. */
static const char *get_string(struct json_object *o, const char *key, char **out)
{
    struct json_object *v;
    if (!json_object_object_get_ex(o, key, &v)) return NULL;
    if (!json_object_is_type(v, json_type_string)) return "expected a string";
    const char *s = json_object_get_string(v);
    size_t n = (size_t)json_object_get_string_len(v);
    if (strlen(s) != n) return "NUL in a string";
    free(*out);
    *out = xstrndup(s, n);
    return NULL;
}

/* The non-negative integer o[key] into *out; *have says whether the key is
 * there. NULL, or why not. */
static const char *get_uint(struct json_object *o, const char *key, bool *have, uint64_t *out)
{
    struct json_object *v;
    if (!(*have = json_object_object_get_ex(o, key, &v))) return NULL;
    if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
        return "expected a non-negative integer";
    *out = json_object_get_uint64(v);
    return *out == UINT64_MAX ? "number too large" : NULL;  /* json-c saturates */
}

/* The summary a chain root carries (o["chain"], when there) into info:
 * NULL, or why not. Its text is for people (the audit); only previous is
 * ever checked against anything (lease_read_entry). */
static const char *chain_fields(struct json_object *o, struct mt_lease_info *info)
{
    struct json_object *c, *h;
    bool have = false;
    const char *why;
    if (!json_object_object_get_ex(o, "chain", &c)) return NULL;
    if (!json_object_is_type(c, json_type_object)) return "chain: expected an object";
    if ((why = get_string(c, "previous", &info->chain_previous)) || (why = get_string(c, "first", &info->chain_first)) ||
        (why = get_string(c, "last", &info->chain_last)) || (why = get_uint(c, "entries", &have, &info->chain_entries)))
        return why;
    if (!info->chain_previous || !mt_hex_name(info->chain_previous, MT_OID_HEX - 1) || !have || !info->chain_entries ||
        !info->chain_first || !info->chain_last)
        return "chain: previous (a commit id), entries (at least 1), first and last are required";
    if (!json_object_object_get_ex(c, "holders", &h) || !json_object_is_type(h, json_type_array))
        return "chain: holders must be an array";
    struct mt_buf b;
    mt_buf_init(&b);
    for (size_t i = 0; i < json_object_array_length(h); i++) {
        struct json_object *v = json_object_array_get_idx(h, i);
        if (!json_object_is_type(v, json_type_string) ||
            strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v)) {
            mt_buf_free(&b);
            return "chain: holders must be strings";
        }
        mt_buf_addf(&b, "%s%s", i ? ", " : "", json_object_get_string(v));
    }
    size_t len;
    free(info->chain_holders);
    info->chain_holders = b.len ? mt_buf_detach(&b, &len) : xstrdup("");
    mt_buf_free(&b);
    return NULL;
}

/* The fields of the JSON object o into info: NULL, or why not. */
static const char *lease_fields(struct json_object *o, struct mt_lease_info *info)
{
    char *state = NULL;
    uint64_t pid = 0, token = 0, ttl = 0;
    bool have_pid = false, have_token = false, have_ttl = false;
    const char *why;
    if ((why = get_string(o, "env", &info->env)) || (why = get_string(o, "host", &info->host)) ||
        (why = get_string(o, "time", &info->time)) || (why = get_string(o, "broke", &info->broke)) ||
        (why = get_string(o, "machine", &info->machine)) || (why = get_string(o, "boot", &info->boot)) ||
        (why = get_string(o, "pidns", &info->pidns)) || (why = get_string(o, "state", &state)) ||
        (why = get_uint(o, "pid", &have_pid, &pid)) || (why = get_uint(o, "token", &have_token, &token)) ||
        (why = get_uint(o, "ttl", &have_ttl, &ttl)) || (why = chain_fields(o, info)))
        goto out;
    if (!info->env || !info->host || !info->time || !have_pid || !have_token || !have_ttl || !state) {
        why = "a field is missing (env, host, pid, token, ttl, state and time are required)";
    } else if (strcmp(state, "held") != 0 && strcmp(state, "released") != 0) {
        why = "state is neither \"held\" nor \"released\"";
    } else if (token > MT_LEASE_TOKEN_MAX) {
        why = "token out of range (at most 2^53 - 1)";
    } else if (ttl < 1) {
        why = "ttl must be at least 1";
    } else {
        info->state = strcmp(state, "held") == 0 ? MT_LEASE_HELD : MT_LEASE_RELEASED;
        info->pid = pid > (uint64_t)INT32_MAX ? -1 : (long)pid;
        info->token = token;
        info->ttl = ttl > 1000000000ULL ? 1000000000L : (long)ttl;  /* as written; lease_held_for() bounds it */
    }
out:
    free(state);
    return why;
}

int mt_lease_parse(const char *data, size_t len, struct mt_lease_info *info)
{
    const char *why = NULL;
    struct json_object *o = NULL;
    struct json_tokener *tok = NULL;
    char *text = NULL;
    if (len > LEASE_FILE_MAX) {
        why = "too large";
    } else if (memchr(data, '\0', len)) {
        why = "NUL byte";
    } else {
        /* json-c is given the final '\0' too: a truncated text then ends
         * with "unexpected end of data" instead of waiting for more. */
        text = xstrndup(data, len);
        tok = json_tokener_new();
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
        if (!(o = json_tokener_parse_ex(tok, text, (int)len + 1)))
            why = json_tokener_error_desc(json_tokener_get_error(tok));
        else if (json_tokener_get_parse_end(tok) != len)
            why = "unexpected text after the value";
        else if (!json_object_is_type(o, json_type_object))
            why = "not a JSON object";
        else
            why = lease_fields(o, info);
    }
    if (why) {
        free(info->error);
        info->error = xstrdup(why);
    }
    json_object_put(o);
    if (tok) json_tokener_free(tok);
    free(text);
    return why ? -1 : 0;
}

/* Forget what was read of info, keeping which commit it is, and say why it
 * cannot be used. */
void lease_set_unreadable(struct mt_lease_info *info, char *why)
{
    char tip[MT_OID_HEX];
    long long ct = info->commit_time;
    snprintf(tip, sizeof(tip), "%s", info->tip);
    mt_lease_info_clear(info);
    snprintf(info->tip, sizeof(info->tip), "%s", tip);
    info->commit_time = ct;
    info->error = why;
}

/* The bytes of lease.json in commit tip: 0; MT_REPO_NOTFOUND with *why when
 * there is no regular file of a sane size by that name (a peer may put a
 * tree, a symlink or a huge blob there); another code on a libgit2 error. */
static int lease_file(struct mt_repo *repo, const char *tip, char **data, size_t *len, const char **why,
                      struct mt_error *err)
{
    git_repository *g = mt_repo_git(repo);
    git_oid id;
    git_commit *c = NULL;
    git_tree *tree = NULL;
    git_blob *blob = NULL;
    git_odb *odb = NULL;
    size_t size = 0;
    git_object_t type;
    int rc = MT_REPO_NOTFOUND;
    *data = NULL;
    *why = NULL;
    if (git_oid_fromstr(&id, tip) < 0 || git_commit_lookup(&c, g, &id) < 0 || git_commit_tree(&tree, c) < 0) {
        mt_error_set(err, "lease entry %.12s: %s", tip, mt_git_reason("libgit2 error"));
        rc = MT_REPO_ERR;
        goto out;
    }
    const git_tree_entry *e = git_tree_entry_byname(tree, MT_LEASE_FILE);
    if (!e) *why = "no " MT_LEASE_FILE;
    else if (git_tree_entry_filemode(e) != GIT_FILEMODE_BLOB && git_tree_entry_filemode(e) != GIT_FILEMODE_BLOB_EXECUTABLE)
        *why = MT_LEASE_FILE " is not a regular file";
    else if (git_repository_odb(&odb, g) < 0 || git_odb_read_header(&size, &type, odb, git_tree_entry_id(e)) < 0 ||
             git_blob_lookup(&blob, g, git_tree_entry_id(e)) < 0)
        *why = MT_LEASE_FILE " cannot be read";
    else if (size > LEASE_FILE_MAX)
        *why = "too large";
    if (!*why) {
        *len = (size_t)git_blob_rawsize(blob);
        *data = xstrndup(git_blob_rawcontent(blob), *len);
        rc = 0;
    }
out:
    git_error_clear();
    git_blob_free(blob);
    git_odb_free(odb);
    git_tree_free(tree);
    git_commit_free(c);
    return rc;
}


/* Describe the entry in commit tip as its lease.json reads, without looking
 * at the chain below it. An unreadable lease.json is not an error here:
 * info->valid says so. */
int lease_load_entry(struct mt_repo *repo, const char *tip, struct mt_lease_info *info,
                      struct mt_error *err)
{
    char *data = NULL;
    size_t len = 0;
    const char *why = NULL;
    mt_lease_info_clear(info);
    snprintf(info->tip, sizeof(info->tip), "%s", tip);
    int rc = mt_repo_commit_info(repo, tip, &info->commit_time, NULL, NULL, err);
    if (rc < 0) return rc;
    rc = lease_file(repo, tip, &data, &len, &why, err);
    if (rc < 0 && rc != MT_REPO_NOTFOUND) return rc;
    if (rc == 0 && mt_lease_parse(data, len, info) == 0) {
        info->valid = true;
        char parent[MT_OID_HEX];
        snprintf(parent, sizeof(parent), "%s", tip);
        info->root = lease_first_parent(repo, parent) == 0 && !*parent;
        git_error_clear();
    } else {
        lease_set_unreadable(info, xasprintf("lease entry %.12s: " MT_LEASE_FILE " is unreadable: %s", tip,
                                       why ? why : info->error));
    }
    free(data);
    return 0;
}
/* ---- building entries -------------------------------------------------- */

/* Create (locally, no ref moved) a commit holding the entry, child of
 * parent ("" for a root commit). */
int lease_make_entry(struct mt_repo *repo, const char *parent, const struct lease_entry *e,
                      const char *message, char out[MT_OID_HEX], struct mt_error *err)
{
    git_repository *g = mt_repo_git(repo);
    git_treebuilder *tb = NULL;
    git_tree *tree = NULL;
    git_commit *pc = NULL;
    git_signature *sig = NULL;
    git_oid blob, tree_id, pid_oid, cid;
    size_t len = 0;
    char *json = entry_json(e, &len);
    char *email = xasprintf("%s@%s", e->env, e->host);
    char *msg = xasprintf("%s\n", message);
    int rc = MT_REPO_ERR;
    out[0] = '\0';

    if (git_blob_create_from_buffer(&blob, g, json, len) < 0 || git_treebuilder_new(&tb, g, NULL) < 0 ||
        git_treebuilder_insert(NULL, tb, MT_LEASE_FILE, &blob, GIT_FILEMODE_BLOB) < 0 ||
        git_treebuilder_write(&tree_id, tb) < 0 || git_tree_lookup(&tree, g, &tree_id) < 0)
        goto fail;
    if (*parent && (git_oid_fromstr(&pid_oid, parent) < 0 || git_commit_lookup(&pc, g, &pid_oid) < 0))
        goto fail;
    /* The author is the entry's writer, whatever git config says. */
    if (git_signature_now(&sig, "memtui", email) < 0) goto fail;
    const git_commit *parents[1] = {pc};
    if (git_commit_create(&cid, g, NULL, sig, sig, NULL, msg, tree, pc ? 1 : 0, parents) < 0) goto fail;
    git_oid_tostr(out, MT_OID_HEX, &cid);
    rc = 0;
    goto out;
fail:
    mt_error_set(err, "lease: create entry: %s", mt_git_reason("libgit2 error"));
    git_error_clear();
out:
    git_signature_free(sig);
    git_commit_free(pc);
    git_tree_free(tree);
    git_treebuilder_free(tb);
    free(msg);
    free(email);
    free(json);
    return rc;
}
