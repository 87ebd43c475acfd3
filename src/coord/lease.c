/* lease.c: the distributed lease as a chain of commits on a branch of the
 * shared remote. Only libgit2 (through repo.c and its git_repository). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "memtui/coord/lease.h"

#include <errno.h>
#include <git2.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "memtui/base/fsutil.h"
#include "memtui/graph/jsonw.h"
#include "memtui/coord/lock.h"
#include "memtui/config/machine.h"

#define BACKOFF_MIN 0.05  /* seconds */
#define BACKOFF_MAX 0.4   /* waiters poll often enough to get a turn */
#define BREAK_TRIES 8
#define LEASE_FILE_MAX 65536  /* bytes: what memtui writes is a few hundred */

struct mt_lease {
    struct mt_repo *repo;
    char *remote;
    char *branch;
    char *refname;
    char *env;
    char *host;
    long pid;
    long ttl;
    uint64_t token;
    char tip[MT_OID_HEX];      /* our last accepted entry */
    char pending[MT_OID_HEX];  /* pushed with an unknown outcome, "" if none */
    double deadline;           /* mt_monotonic() seconds */
    bool lost;
};

/* ---- small helpers --------------------------------------------------- */

static mt_lease_log_fn log_fn;
static void *log_ctx;

void mt_lease_set_log(mt_lease_log_fn fn, void *ctx)
{
    log_fn = fn;
    log_ctx = ctx;
}

static void lease_log(const char *event, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void lease_log(const char *event, const char *fmt, ...)
{
    if (!log_fn) return;
    va_list ap;
    char *s = NULL;
    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0) s = NULL;
    va_end(ap);
    log_fn(log_ctx, event, s ? s : event);
    free(s);
}

static void sleep_s(double s)
{
    if (!(s > 0)) return;
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* xorshift64*, seeded per call site so that forked processes differ. */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static uint64_t rng_seed(void)
{
    uint64_t s = (uint64_t)(mt_monotonic() * 1e9) ^ ((uint64_t)getpid() << 32) ^ (uint64_t)time(NULL);
    s ^= (uint64_t)(uintptr_t)&s;
    return s ? s : 0x9E3779B97F4A7C15ULL;
}

/* Sleep *backoff +-50 %, but at most `limit` seconds; then double *backoff
 * (up to BACKOFF_MAX). */
static void backoff_sleep(double *backoff, uint64_t *rng, double limit)
{
    double s = *backoff * (0.5 + (double)(rng_next(rng) >> 11) / (double)(1ULL << 53));
    sleep_s(s < limit ? s : limit);
    *backoff = *backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : *backoff * 2;
}

double mt_lease_margin(long ttl_seconds)
{
    double m = (double)ttl_seconds / 10.0;
    return m > 2.0 ? m : 2.0;
}

static double takeover_wait(long ttl)
{
    return (double)ttl + mt_lease_margin(ttl);
}

/* How long an entry counts as held: its ttl, at most MT_LEASE_TTL_MAX; an
 * unreadable entry may hide any holder, so it counts as the most. */
static long held_for(const struct mt_lease_info *c)
{
    return c->valid && c->ttl < MT_LEASE_TTL_MAX ? c->ttl : MT_LEASE_TTL_MAX;
}

/* ---- sightings: how long this machine has seen a tip unchanged ------------
 * Runs are shorter than a TTL (cron, --lock-timeout 30 s, TTL 60 s), so a
 * lease abandoned by a crashed machine would never be seen unchanged long
 * enough by any single run. The first sighting of a tip is kept in
 * <git dir>/memtui/lease-seen with the boot id: CLOCK_MONOTONIC is one clock
 * for every process of one boot, so later runs measure from it, still never
 * comparing another machine's clock. After a reboot it starts over. */

static bool boot_id(char out[64])
{
    FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
    if (!f) return false;
    bool ok = fgets(out, 64, f) != NULL;
    fclose(f);
    if (ok) out[strcspn(out, "\n")] = '\0';
    return ok && *out;
}

/* This process's PID namespace, as /proc/self/ns/pid names it. */
static bool pid_namespace(char out[64])
{
    ssize_t n = readlink("/proc/self/ns/pid", out, 63);
    if (n <= 0) return false;
    out[n] = '\0';
    return true;
}

static char *sighting_path(struct mt_repo *repo, const char *refname)
{
    const char *slash = strrchr(refname, '/');
    return xasprintf("%smemtui/lease-seen-%s", mt_repo_gitdir(repo), slash ? slash + 1 : refname);
}

/* When this machine first saw tip (monotonic seconds), or now when it is
 * new to it (then noted for the next run). */
static double first_sighting(struct mt_repo *repo, const char *refname, const char *tip, double now)
{
    char boot[64], line[256];
    if (!boot_id(boot)) return now;
    char *path = sighting_path(repo, refname);
    double since = now;
    bool known = false;
    FILE *f = fopen(path, "r");
    if (f) {
        char fboot[64], ftip[MT_OID_HEX];
        double t;
        if (fgets(line, sizeof line, f) && sscanf(line, "%63s %40s %lf", fboot, ftip, &t) == 3 &&
            strcmp(fboot, boot) == 0 && strcmp(ftip, tip) == 0 && t <= now) {
            since = t;
            known = true;
        }
        fclose(f);
    }
    if (!known) {
        char *text = xasprintf("%s %s %.3f\n", boot, tip, now);
        struct mt_error e = {0};
        mt_file_write_atomic(path, text, strlen(text), 0600, &e);  /* best effort: only speeds takeover */
        mt_error_clear(&e);
        free(text);
    }
    free(path);
    return since;
}

/* False, err set, unless env matches [A-Za-z0-9._-]{1,64}. */
static bool check_env(const char *env, const char *op, struct mt_error *err)
{
    size_t n = env ? strlen(env) : 0;
    bool ok = n >= 1 && n <= 64;
    for (size_t i = 0; ok && i < n; i++) {
        char c = env[i];
        ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
             c == '_' || c == '-';
    }
    if (!ok) mt_error_set(err, "%s: invalid env name '%s' (expected [A-Za-z0-9._-]{1,64})", op, env ? env : "");
    return ok;
}

/* host, or this host's name when host is NULL or "". */
static char *writer_host(const char *host)
{
    char h[256];
    if (host && *host) return xstrdup(host);
    if (gethostname(h, sizeof(h)) != 0 || !h[0]) return xstrdup("localhost");
    h[sizeof(h) - 1] = '\0';
    return xstrdup(h);
}

/* "refs/heads/<branch>" or NULL (err set) for a bad name. */
static char *lease_ref(const char *branch, const char *op, struct mt_error *err)
{
    char *ref = xasprintf("refs/heads/%s", branch ? branch : MT_LEASE_BRANCH);
    int valid = 0;
    if (git_reference_name_is_valid(&valid, ref) < 0 || !valid) {
        git_error_clear();
        mt_error_set(err, "%s: invalid lease branch name '%s'", op, branch ? branch : "");
        free(ref);
        return NULL;
    }
    return ref;
}

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

/* ---- lease.json ---------------------------------------------------------- */

struct entry {
    const char *env, *host;
    long pid;
    uint64_t token;
    long ttl;
    enum mt_lease_state state;
    const char *broke;  /* NULL unless written by a break */
    const char *chain;  /* the summary object (JSON text) of a chain root, else NULL */
};

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
    if (boot_id(boot)) add_field(b, ",\"boot\":", boot);
    if (pid_namespace(ns)) add_field(b, ",\"pidns\":", ns);
}

/* Integers are printed as they are (jsonw_value would print them as JS
 * doubles). */
static char *entry_json(const struct entry *e, size_t *len)
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

static bool is_oid_hex(const char *s)
{
    return strlen(s) == MT_OID_HEX - 1 && strspn(s, "0123456789abcdef") == MT_OID_HEX - 1;
}

/* The summary a chain root carries (o["chain"], when there) into info:
 * NULL, or why not. Its text is for people (the audit); only previous is
 * ever checked against anything (read_entry). */
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
    if (!info->chain_previous || !is_oid_hex(info->chain_previous) || !have || !info->chain_entries ||
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
        info->ttl = ttl > 1000000000ULL ? 1000000000L : (long)ttl;  /* as written; held_for() bounds it */
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
static void set_unreadable(struct mt_lease_info *info, char *why)
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
        const git_error *ge = git_error_last();
        mt_error_set(err, "lease entry %.12s: %s", tip, ge && ge->message ? ge->message : "libgit2 error");
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

static int first_parent(struct mt_repo *repo, char tip[MT_OID_HEX]);

/* Describe the entry in commit tip as its lease.json reads, without looking
 * at the chain below it. An unreadable lease.json is not an error here:
 * info->valid says so. */
static int load_entry(struct mt_repo *repo, const char *tip, struct mt_lease_info *info,
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
        info->root = first_parent(repo, parent) == 0 && !*parent;
        git_error_clear();
    } else {
        set_unreadable(info, xasprintf("lease entry %.12s: " MT_LEASE_FILE " is unreadable: %s", tip,
                                       why ? why : info->error));
    }
    free(data);
    return 0;
}
/* ---- building entries -------------------------------------------------- */

/* Create (locally, no ref moved) a commit holding the entry, child of
 * parent ("" for a root commit). */
static int make_entry(struct mt_repo *repo, const char *parent, const struct entry *e,
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
    const git_error *ge;
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
    ge = git_error_last();
    mt_error_set(err, "lease: create entry: %s", ge && ge->message ? ge->message : "libgit2 error");
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

/* Replace tip by its first parent ("" at a root commit); -1 (libgit2 error
 * left set, tip unchanged) when the commit cannot be read. */
static int first_parent(struct mt_repo *repo, char tip[MT_OID_HEX])
{
    git_commit *c = NULL;
    git_oid id;
    if (git_oid_fromstr(&id, tip) < 0 || git_commit_lookup(&c, mt_repo_git(repo), &id) < 0) return -1;
    if (git_commit_parentcount(c) > 0) git_oid_tostr(tip, MT_OID_HEX, git_commit_parent_id(c, 0));
    else tip[0] = '\0';
    git_commit_free(c);
    return 0;
}

/* Call fn on the entries from commit `from` down its first parents (each
 * checked by read_entry when `checked`, else only parsed) until it returns
 * true: 1 then, 0 at the end of the chain, -1 when the chain cannot be read. */
typedef bool (*entry_fn)(struct mt_repo *repo, const struct mt_lease_info *info, void *ctx);
static int read_entry(struct mt_repo *repo, const char *tip, struct mt_lease_info *info,
                      struct mt_error *err);
static int walk_chain(struct mt_repo *repo, const char *from, bool checked, entry_fn fn, void *ctx)
{
    char at[MT_OID_HEX];
    struct mt_lease_info info = {0};
    struct mt_error e = {0};
    int rc = 0;
    snprintf(at, sizeof(at), "%s", from);
    while (*at) {
        if ((checked ? read_entry(repo, at, &info, &e) : load_entry(repo, at, &info, &e)) < 0) {
            rc = -1;
            break;
        }
        if (fn(repo, &info, ctx)) {
            rc = 1;
            break;
        }
        if (first_parent(repo, at) < 0) {
            rc = -1;
            break;
        }
    }
    git_error_clear();
    mt_lease_info_clear(&info);
    mt_error_clear(&e);
    return rc;
}

/* An entry_fn: the first readable entry's token into *(uint64_t *)ctx. */
static bool take_token(struct mt_repo *repo, const struct mt_lease_info *info, void *ctx)
{
    (void)repo;
    if (info->valid) *(uint64_t *)ctx = info->token;
    return info->valid;
}

/* Token of the newest entry strictly below tip that parses (0 below a
 * root); -1 when the chain cannot be read. */
static long long token_below(struct mt_repo *repo, const char *tip)
{
    char parent[MT_OID_HEX];
    uint64_t token = 0;
    snprintf(parent, sizeof(parent), "%s", tip);
    if (first_parent(repo, parent) < 0) {
        git_error_clear();
        return -1;
    }
    return walk_chain(repo, parent, false, take_token, &token) < 0 ? -1 : (long long)token;
}

/* A root that restarted the chain carries the token of the tip it
 * replaced (the jump rule's entry below, which is no longer on the branch);
 * the next holder's entry, its child, adds one. Only a root, and only
 * released, may carry a summary; where this repository has the tip it
 * names, the token must be that entry's (or, unreadable, the newest
 * readable below it): a summary that lies there is unreadable. Where it has
 * not, the token is taken as written, as for a branch started over (the
 * compare-and-swap of every push still fences: at worst tokens start
 * again lower, as after a forged jump). */
static uint64_t last_good_token(struct mt_repo *repo, const char *tip);
static int check_restart(struct mt_repo *repo, struct mt_lease_info *info)
{
    const char *why = !info->root ? "only a chain root carries a chain summary"
                      : info->state != MT_LEASE_RELEASED ? "a chain root is written released"
                                                          : NULL;
    git_oid id;
    git_commit *c = NULL;
    if (!why && git_oid_fromstr(&id, info->chain_previous) == 0 &&
        git_commit_lookup(&c, mt_repo_git(repo), &id) == 0) {
        /* The tip named may itself be a root whose summary names another:
         * only this first step is checked, the rest read as written, so a
         * peer's chain of roots cannot recurse without end. */
        static _Thread_local bool nested;
        uint64_t was = 0;
        if (nested) {
            walk_chain(repo, info->chain_previous, false, take_token, &was);
        } else {
            nested = true;
            was = last_good_token(repo, info->chain_previous);
            nested = false;
        }
        if (was != info->token)
            set_unreadable(info, xasprintf("lease entry %.12s: " MT_LEASE_FILE " is unreadable: the chain root "
                                           "carries token %" PRIu64 " but the tip it names, %.12s, has %" PRIu64,
                                           info->tip, info->token, info->chain_previous, was));
    }
    git_commit_free(c);
    git_error_clear();
    if (why) set_unreadable(info, xasprintf("lease entry %.12s: " MT_LEASE_FILE " is unreadable: %s", info->tip, why));
    return 0;
}

/* Describe the entry in commit `tip` (already in the local repository). An
 * unreadable lease.json is not an error here: info->valid says so. Every
 * writer sets at most the token below + 1, so a higher one is a forgery
 * (one commit that would spend the token space). */
static int read_entry(struct mt_repo *repo, const char *tip, struct mt_lease_info *info,
                      struct mt_error *err)
{
    int rc = load_entry(repo, tip, info, err);
    if (rc < 0 || !info->valid) return rc;
    if (info->chain_previous) return check_restart(repo, info);
    long long below = token_below(repo, tip);
    if (below >= 0 && info->token > (uint64_t)below + 1)
        set_unreadable(info, xasprintf("lease entry %.12s: " MT_LEASE_FILE " is unreadable: token %" PRIu64
                                       " jumps from %lld (a token grows by one)", tip, info->token, below));
    return 0;
}

/* An entry_fn: true at an entry whose token jumps from the one below it,
 * whose token goes into *(uint64_t *)ctx. */
static bool find_jump(struct mt_repo *repo, const struct mt_lease_info *info, void *ctx)
{
    long long below = info->valid ? token_below(repo, info->tip) : -1;
    if (below < 0 || info->token <= (uint64_t)below + 1) return false;
    *(uint64_t *)ctx = (uint64_t)below;
    return true;
}

/* Token of the entry below the newest jump in the chain from tip (0 when
 * none): where tokens start again once a forged chain reached the top. */
static uint64_t token_before_jump(struct mt_repo *repo, const char *tip)
{
    uint64_t token = 0;
    walk_chain(repo, tip, false, find_jump, &token);
    return token;
}

static uint64_t last_good_token(struct mt_repo *repo, const char *tip);

/* The token for whoever takes the lease over from cur (the entry at tip):
 * one more than the newest readable one, never past MT_LEASE_TOKEN_MAX. */
static uint64_t next_token(struct mt_repo *repo, const char *tip, const struct mt_lease_info *cur)
{
    uint64_t base = cur->valid ? cur->token : last_good_token(repo, tip);
    if (base < MT_LEASE_TOKEN_MAX) return base + 1;
    return token_before_jump(repo, tip) + 1;
}

static char *holder_str(const struct mt_lease_info *c)
{
    if (!c->valid) return xasprintf("an unreadable entry %.12s", c->tip);
    return xasprintf("%s@%s pid %ld token %" PRIu64, c->env, c->host, c->pid, c->token);
}

/* ---- the chain's bound ------------------------------------------------------
 * Every acquisition adds entries, forever; when its own entries
 * (HOLDER_ENTRIES) would take the chain past chain_max(), the acquirer
 * starts a new chain instead: a parentless released entry carrying
 * the old tip's token and a summary of the old chain (its tip, length,
 * first and last time, holders), with the new held entry as its child. The
 * summary and the audit log are the old chain's record; its commits are
 * left to git's garbage collection. */

#define CHAIN_MAX_DEFAULT 1000
#define HOLDER_ENTRIES 3   /* what one merge adds: its entry, the renewal before its push, the release */
#define SUMMARY_HOLDERS 16  /* distinct env@host named in a summary */

/* The bound: MEMTUI_LEASE_CHAIN_MAX (2 to 1000000), else CHAIN_MAX_DEFAULT. */
static size_t chain_max(void)
{
    const char *v = getenv("MEMTUI_LEASE_CHAIN_MAX");
    char *end = NULL;
    unsigned long n = v && *v ? strtoul(v, &end, 10) : 0;
    return end && !*end && n >= 2 && n <= 1000000 ? (size_t)n : CHAIN_MAX_DEFAULT;
}

/* Entries from tip down to the chain's root, counting at most limit. */
static size_t chain_length(struct mt_repo *repo, const char *tip, size_t limit)
{
    char at[MT_OID_HEX];
    size_t n = 0;
    snprintf(at, sizeof(at), "%s", tip);
    while (*at && n < limit && first_parent(repo, at) == 0) n++;
    git_error_clear();
    return n;
}

struct summary {
    struct mt_buf holders;
    size_t nholders, entries;
    char *first, *last;
};

/* An entry_fn gathering the summary (newest first). */
static bool summarise(struct mt_repo *repo, const struct mt_lease_info *info, void *ctx)
{
    (void)repo;
    struct summary *sm = ctx;
    sm->entries++;
    if (!info->valid) return false;
    if (!sm->last) sm->last = xstrdup(info->time);
    free(sm->first);
    sm->first = xstrdup(info->time);
    char *who = xasprintf("%s@%s", info->env, info->host);
    struct mt_buf q;
    mt_buf_init(&q);
    jsonw_string(&q, who, strlen(who));
    mt_buf_adds(&q, "");
    bool known = sm->holders.data && strstr(sm->holders.data, q.data) != NULL;
    if (!known && sm->nholders < SUMMARY_HOLDERS) {
        mt_buf_adds(&sm->holders, sm->nholders++ ? "," : "");
        mt_buf_adds(&sm->holders, q.data);
    }
    mt_buf_free(&q);
    free(who);
    return false;
}

/* The "chain" object of a root replacing the chain at tip (JSON text). */
static char *chain_summary(struct mt_repo *repo, const char *tip)
{
    struct summary sm = {0};
    mt_buf_init(&sm.holders);
    walk_chain(repo, tip, false, summarise, &sm);
    struct mt_buf b;
    mt_buf_init(&b);
    mt_buf_addf(&b, "{\"previous\":\"%s\",\"entries\":%zu,\"first\":", tip, sm.entries ? sm.entries : 1);
    jsonw_string(&b, sm.first ? sm.first : "", sm.first ? strlen(sm.first) : 0);
    mt_buf_adds(&b, ",\"last\":");
    jsonw_string(&b, sm.last ? sm.last : "", sm.last ? strlen(sm.last) : 0);
    mt_buf_addf(&b, ",\"holders\":[%s]}", sm.holders.data ? sm.holders.data : "");
    mt_buf_free(&sm.holders);
    free(sm.first);
    free(sm.last);
    size_t len;
    return mt_buf_detach(&b, &len);
}

/* Make the entry `ent` to push over tip: a child of tip, or, once the chain
 * is long enough (and restart allowed), the child of a new root carrying
 * the summary; *restarted says which. */
static int make_acquire_entry(struct mt_repo *repo, const char *tip, const struct entry *ent, bool restart,
                              char commit[MT_OID_HEX], bool *restarted, struct mt_error *err)
{
    char root[MT_OID_HEX] = "";
    size_t max = chain_max();
    /* The root repeats the token below the new one, as the jump rule reads it. */
    *restarted = restart && *tip && ent->token >= 1 && chain_length(repo, tip, max) + HOLDER_ENTRIES > max &&
                 last_good_token(repo, tip) == ent->token - 1;
    if (*restarted) {
        char *sum = chain_summary(repo, tip);
        struct entry r = {ent->env, ent->host, ent->pid, ent->token - 1, ent->ttl, MT_LEASE_RELEASED, NULL, sum};
        char *msg = xasprintf("lease: chain restarted by %s@%s pid %ld at token %" PRIu64 "\n\n%s", ent->env,
                              ent->host, ent->pid, ent->token - 1, sum);
        int rc = make_entry(repo, "", &r, msg, root, err);
        free(msg);
        free(sum);
        if (rc < 0) return rc;
    }
    char *msg = xasprintf("lease: held by %s@%s pid %ld token %" PRIu64, ent->env, ent->host, ent->pid, ent->token);
    int rc = make_entry(repo, *restarted ? root : tip, ent, msg, commit, err);
    free(msg);
    return rc;
}

/* ---- acquire ------------------------------------------------------------- */

static bool same_text(const char *recorded, const char *ours)
{
    return recorded && *recorded && strcmp(recorded, ours) == 0;
}

/* True when the holder's pid is one of this PID namespace, this boot, this
 * machine, and is gone. A host name says none of that: containers and VMs
 * share names, and a live holder elsewhere must never look dead. */
static bool holder_dead_here(const struct mt_lease_info *c)
{
    char boot[64], ns[64];
    if (!c->valid || c->pid <= 0 || !boot_id(boot) || !pid_namespace(ns)) return false;
    if (!same_text(c->machine, mt_machine_id()) || !same_text(c->boot, boot) || !same_text(c->pidns, ns))
        return false;
    if (c->pid == (long)getpid()) return false;  /* that is us: alive */
    return kill((pid_t)c->pid, 0) == -1 && errno == ESRCH;
}

static struct mt_lease *new_lease(struct mt_repo *repo, const char *remote, const char *branch,
                                  const char *refname, const char *env, const char *host,
                                  long pid, long ttl)
{
    struct mt_lease *l = xcalloc(1, sizeof(*l));
    l->repo = repo;
    l->remote = xstrdup(remote);
    l->branch = xstrdup(branch ? branch : MT_LEASE_BRANCH);
    l->refname = xstrdup(refname);
    l->env = xstrdup(env);
    l->host = xstrdup(host);
    l->pid = pid;
    l->ttl = ttl;
    return l;
}

static void free_lease(struct mt_lease *l)
{
    if (!l) return;
    free(l->remote);
    free(l->branch);
    free(l->refname);
    free(l->env);
    free(l->host);
    free(l);
}

/* Fetch the tip; MT_REPO_NOTFOUND leaves tip "". */
static int fetch_tip(struct mt_repo *repo, const char *remote, const char *refname,
                     char tip[MT_OID_HEX], struct mt_error *err)
{
    int rc = mt_repo_remote_ref(repo, remote, refname, tip, err);
    if (rc == MT_REPO_NOTFOUND) {
        mt_error_clear(err);
        tip[0] = '\0';
        return 0;
    }
    return rc;
}

int mt_lease_acquire(struct mt_repo *repo, const char *remote, const char *branch,
                     const char *env, const char *host, long pid, long ttl_seconds,
                     double timeout_seconds, struct mt_lease **out, struct mt_error *err)
{
    const char *bname = branch ? branch : MT_LEASE_BRANCH;
    char *op = xasprintf("lease %s: acquire", bname);
    char *refname = NULL, *myhost = NULL;
    struct mt_lease_info cur = {0};
    struct mt_error e = {0};
    char tip[MT_OID_HEX], seen[MT_OID_HEX] = "", commit[MT_OID_HEX];
    char *waited_for = NULL;  /* the holder last reported as waited for */
    char unsure[MT_OID_HEX] = "";  /* our entry whose push failed on the network */
    double unsure_start = 0;
    uint64_t unsure_token = 0;
    char refused[MT_OID_HEX] = "";  /* a tip our restart of the chain was rejected at */
    bool no_restart = false;
    double start = mt_monotonic(), seen_since = 0;
    double backoff = BACKOFF_MIN;
    uint64_t rng = rng_seed();
    bool seen_any = false;
    int rc;
    *out = NULL;

    if (!check_env(env, op, err)) {
        rc = MT_REPO_ERR;
        goto done;
    }
    if (ttl_seconds < 1 || ttl_seconds > MT_LEASE_TTL_MAX || !(timeout_seconds >= 0)) {
        mt_error_set(err, "%s: ttl must be 1 to %ld s and the timeout not negative", op, MT_LEASE_TTL_MAX);
        rc = MT_REPO_ERR;
        goto done;
    }
    if (!(refname = lease_ref(branch, op, err))) {
        rc = MT_REPO_ERR;
        goto done;
    }
    myhost = writer_host(host);
    if (pid <= 0) pid = (long)getpid();
    if (timeout_seconds > 1e8) timeout_seconds = 1e8;  /* "forever", without overflow */
    const double deadline = start + timeout_seconds;

    for (;;) {
        mt_error_clear(&e);
        rc = fetch_tip(repo, remote, refname, tip, &e);
        double now = mt_monotonic();
        if (rc < 0) {
            if (rc == MT_REPO_UNREACHABLE && now < deadline) {
                backoff_sleep(&backoff, &rng, deadline - now);
                continue;
            }
            mt_error_move(err, &e);
            goto done;
        }
        /* The first observation of a tip counts from after the fetch that
         * returned it: never earlier than the push that put it there. */
        if (!seen_any || strcmp(tip, seen) != 0) {
            snprintf(seen, sizeof(seen), "%s", tip);
            seen_since = *tip ? first_sighting(repo, refname, tip, now) : now;
            seen_any = true;
        }
        if (*unsure && strcmp(tip, unsure) == 0) {
            /* The push the network failed on had landed: the lease is ours. */
            struct mt_lease *l = new_lease(repo, remote, branch, refname, env, myhost, pid, ttl_seconds);
            l->token = unsure_token;
            snprintf(l->tip, sizeof(l->tip), "%s", unsure);
            l->deadline = unsure_start + (double)ttl_seconds;
            *out = l;
            lease_log("acquired", "%s: token %" PRIu64 " (the push reported as failed had landed)", op,
                      unsure_token);
            rc = 0;
            goto done;
        }
        uint64_t token = 1;
        const char *how = "free";
        if (*tip) {
            if ((rc = read_entry(repo, tip, &cur, err)) < 0) goto done;
            if (cur.valid && cur.state == MT_LEASE_RELEASED) {
                how = "released";
            } else if (holder_dead_here(&cur)) {
                how = "holder process gone";
            } else if (now - seen_since >= takeover_wait(held_for(&cur))) {
                how = cur.valid ? "expired" : "unreadable entry expired";
            } else {
                how = NULL;
            }
            token = next_token(repo, tip, &cur);
        }
        if (!how) {
            /* Held: wait, unless the time is up. */
            char *h = holder_str(&cur);
            if (!waited_for || strcmp(waited_for, h) != 0) {  /* not on every renewal */
                lease_log("wait", "%s: held by %s, ttl %ld s%s%s", op, h, held_for(&cur),
                          cur.valid ? "" : ": ", cur.valid ? "" : cur.error);
                free(waited_for);
                waited_for = h;
            } else {
                free(h);
            }
            if (now >= deadline) {
                if (cur.valid)
                    mt_error_set(err, "%s: timed out after %.1f s: held by %s (since %s, ttl %ld s)", op,
                                 now - start, waited_for, cur.time, held_for(&cur));
                else
                    mt_error_set(err, "%s: timed out after %.1f s: held by %s (counts as held for ttl %ld s "
                                 "from this machine's first sighting; %s)", op, now - start, waited_for,
                                 held_for(&cur), cur.error);
                rc = MT_LEASE_TIMEOUT;
                goto done;
            }
            double until_takeover = seen_since + takeover_wait(held_for(&cur)) - now;
            backoff_sleep(&backoff, &rng, until_takeover < deadline - now ? until_takeover : deadline - now);
            continue;
        }

        struct entry ent = {env, myhost, pid, token, ttl_seconds, MT_LEASE_HELD, NULL, NULL};
        bool restarted = false;
        if (*refused && strcmp(refused, tip) == 0 && !no_restart) {
            no_restart = true;  /* the server kept this tip: it refuses non-fast-forward updates */
            lease_log("restart-refused", "%s: the remote refused to restart the chain at %.12s (a non-fast-forward "
                      "update); the chain grows on", op, tip);
        }
        rc = make_acquire_entry(repo, tip, &ent, !no_restart, commit, &restarted, err);
        if (rc < 0) goto done;
        double push_start = mt_monotonic();
        rc = restarted ? mt_repo_push_cas_rewrite(repo, remote, commit, refname, tip, &e)
                       : mt_repo_push_cas(repo, remote, commit, refname, tip, &e);
        if (restarted && rc == MT_REPO_REJECTED) snprintf(refused, sizeof(refused), "%s", tip);
        if (rc == 0 && restarted)
            lease_log("restarted", "%s: the chain at %.12s was near its bound (%zu entries): a new root carries "
                      "token %" PRIu64 " and its summary", op, tip, chain_max(), token - 1);
        if (rc == 0) {
            struct mt_lease *l = new_lease(repo, remote, branch, refname, env, myhost, pid, ttl_seconds);
            l->token = token;
            snprintf(l->tip, sizeof(l->tip), "%s", commit);
            l->deadline = push_start + (double)ttl_seconds;
            *out = l;
            if (*tip) {
                char *h = holder_str(&cur);
                lease_log("acquired", "%s: token %" PRIu64 " (%s; previous entry: %s, %s)", op, token, how, h,
                          !cur.valid ? "unreadable" : cur.state == MT_LEASE_HELD ? "held" : "released");
                free(h);
            } else {
                lease_log("acquired", "%s: token %" PRIu64 " (first lease on the remote)", op, token);
            }
            goto done;
        }
        if (rc != MT_REPO_REJECTED && !(rc == MT_REPO_UNREACHABLE && mt_monotonic() < deadline)) {
            mt_error_move(err, &e);
            goto done;
        }
        if (rc == MT_REPO_REJECTED) {
            lease_log("race-lost", "%s: %s", op, e.msg ? e.msg : "rejected");
        } else {
            snprintf(unsure, sizeof(unsure), "%s", commit);
            unsure_start = push_start;
            unsure_token = token;
        }
        now = mt_monotonic();
        if (now >= deadline) {
            /* Name whoever holds it now, for the operator. */
            char *h = NULL;
            struct mt_error e2 = {0};
            if (fetch_tip(repo, remote, refname, tip, &e2) == 0 && *tip &&
                read_entry(repo, tip, &cur, &e2) == 0 && cur.valid) {
                char *who = holder_str(&cur);
                h = xasprintf("%s by %s", cur.state == MT_LEASE_HELD ? "held" : "last released", who);
                free(who);
            }
            mt_error_clear(&e2);
            mt_error_set(err, "%s: timed out after %.1f s: lost the race for it (%s)", op,
                         now - start, h ? h : e.msg ? e.msg : "rejected");
            free(h);
            rc = MT_LEASE_TIMEOUT;
            goto done;
        }
        backoff_sleep(&backoff, &rng, deadline - now);
    }
done:
    if (rc != 0 && *unsure)  /* never silently: a landed push holds the lease */
        lease_log("unsure", "%s: gave up while the push of token %" PRIu64 " (%.12s) had an unknown outcome; "
                  "if it landed, the lease stays held by this process until its ttl (%ld s) runs out",
                  op, unsure_token, unsure, ttl_seconds);
    mt_lease_info_clear(&cur);
    mt_error_clear(&e);
    free(waited_for);
    free(myhost);
    free(refname);
    free(op);
    return rc;
}

/* ---- holding ------------------------------------------------------------- */

bool mt_lease_valid(const struct mt_lease *l)
{
    return l && !l->lost && mt_monotonic() < l->deadline;
}

double mt_lease_remaining(const struct mt_lease *l)
{
    if (!l || l->lost) return 0;
    double left = l->deadline - mt_monotonic();
    return left > 0 ? left : 0;
}

uint64_t mt_lease_token(const struct mt_lease *l) { return l ? l->token : 0; }
long mt_lease_ttl(const struct mt_lease *l) { return l ? l->ttl : 0; }
const char *mt_lease_tip(const struct mt_lease *l) { return l ? l->tip : ""; }

/* A previous push whose outcome was unknown may have landed: if the remote
 * tip is that commit, it is ours (the deadline stays the older, safer one). */
static void settle_pending(struct mt_lease *l)
{
    char tip[MT_OID_HEX];
    struct mt_error e = {0};
    if (!l->pending[0]) return;
    if (fetch_tip(l->repo, l->remote, l->refname, tip, &e) == 0) {
        if (strcmp(tip, l->pending) == 0) snprintf(l->tip, sizeof(l->tip), "%s", tip);
        l->pending[0] = '\0';
    }
    mt_error_clear(&e);
}

/* Push one entry as a child of our tip. */
static int push_entry(struct mt_lease *l, enum mt_lease_state state, const char *what,
                      double *push_start, struct mt_error *err)
{
    struct entry ent = {l->env, l->host, l->pid, l->token, l->ttl, state, NULL, NULL};
    char commit[MT_OID_HEX];
    char *msg = xasprintf("lease: %s by %s@%s pid %ld token %" PRIu64, what, l->env, l->host, l->pid,
                          l->token);
    int rc = make_entry(l->repo, l->tip, &ent, msg, commit, err);
    free(msg);
    if (rc < 0) return rc;
    *push_start = mt_monotonic();
    rc = mt_repo_push_cas(l->repo, l->remote, commit, l->refname, l->tip, err);
    if (rc == 0) {
        snprintf(l->tip, sizeof(l->tip), "%s", commit);
        l->pending[0] = '\0';
    } else if (rc != MT_REPO_REJECTED) {
        snprintf(l->pending, sizeof(l->pending), "%s", commit);
    }
    return rc;
}

int mt_lease_renew(struct mt_lease *l, struct mt_error *err)
{
    if (!l) {
        mt_error_set(err, "lease: renew: no lease");
        return MT_REPO_ERR;
    }
    if (l->lost) {
        mt_error_set(err, "lease %s: renew: the lease (token %" PRIu64 ") was already lost", l->branch,
                     l->token);
        return MT_LEASE_LOST;
    }
    double now = mt_monotonic();
    if (now >= l->deadline) {
        l->lost = true;
        mt_error_set(err, "lease %s: renew: too late, the local deadline passed %.1f s ago (ttl %ld s); "
                     "token %" PRIu64 " is lost", l->branch, now - l->deadline,
                     l->ttl, l->token);
        lease_log("lost", "%s", err->msg);
        return MT_LEASE_LOST;
    }
    settle_pending(l);
    struct mt_error e = {0};
    double push_start = 0;
    int rc = push_entry(l, MT_LEASE_HELD, "renewed", &push_start, &e);
    if (rc == 0) {
        l->deadline = push_start + (double)l->ttl;
        lease_log("renewed", "lease %s: token %" PRIu64 " renewed for %ld s", l->branch, l->token, l->ttl);
    } else if (rc == MT_REPO_REJECTED) {
        l->lost = true;
        rc = MT_LEASE_LOST;
        mt_error_set(err, "lease %s: renew: token %" PRIu64 " is lost, someone else changed the lease (%s)",
                     l->branch, l->token, e.msg ? e.msg : "rejected");
        lease_log("lost", "%s", err->msg);
    } else {
        mt_error_move(err, &e);
    }
    mt_error_clear(&e);
    return rc;
}

/* A lease left held stops every other machine for its ttl, so a release
 * the network failed on is pushed again a few times (about 2 s in all).
 * A try whose answer was lost may have landed: a tip that is one of ours
 * means released. */
#define RELEASE_TRIES 4
static int push_release(struct mt_lease *l, struct mt_error *err)
{
    char sent[RELEASE_TRIES][MT_OID_HEX];
    int nsent = 0;
    double push_start = 0, pause = 0.25;
    settle_pending(l);
    int rc = push_entry(l, MT_LEASE_RELEASED, "released", &push_start, err);
    for (int i = 1; i < RELEASE_TRIES && rc == MT_REPO_UNREACHABLE; i++) {
        if (l->pending[0]) snprintf(sent[nsent++], MT_OID_HEX, "%s", l->pending);
        sleep_s(pause);
        pause *= 2;
        char tip[MT_OID_HEX];
        struct mt_error e = {0};
        if ((rc = fetch_tip(l->repo, l->remote, l->refname, tip, &e)) < 0) {
            mt_error_move(err, &e);
            continue;
        }
        for (int k = 0; k < nsent; k++) {
            if (strcmp(tip, sent[k]) == 0) {
                snprintf(l->tip, sizeof(l->tip), "%s", tip);
                l->pending[0] = '\0';
                mt_error_clear(err);
                return 0;
            }
        }
        mt_error_clear(err);
        rc = push_entry(l, MT_LEASE_RELEASED, "released", &push_start, err);
    }
    return rc;
}

int mt_lease_release(struct mt_lease *l, struct mt_error *err)
{
    if (!l) return 0;
    int rc;
    if (l->lost) {
        mt_error_set(err, "lease %s: release: token %" PRIu64 " was already lost; no release entry written",
                     l->branch, l->token);
        rc = MT_LEASE_LOST;
    } else {
        struct mt_error e = {0};
        rc = push_release(l, &e);
        if (rc == 0) {
            lease_log("released", "lease %s: token %" PRIu64 " released", l->branch, l->token);
        } else if (rc == MT_REPO_REJECTED) {
            rc = MT_LEASE_LOST;
            mt_error_set(err, "lease %s: release: token %" PRIu64 " was taken over before the release (%s); "
                         "no release entry written", l->branch, l->token, e.msg ? e.msg : "rejected");
            lease_log("lost", "%s", err->msg);
        } else {
            mt_error_move(err, &e);
        }
        mt_error_clear(&e);
    }
    free_lease(l);
    return rc;
}

void mt_lease_abandon(struct mt_lease *l)
{
    free_lease(l);
}

/* ---- reading --------------------------------------------------------------- */

int mt_lease_read(struct mt_repo *repo, const char *remote, const char *branch,
                  struct mt_lease_info *info, struct mt_error *err)
{
    char tip[MT_OID_HEX];
    char *op = xasprintf("lease %s: read", branch ? branch : MT_LEASE_BRANCH);
    char *ref = lease_ref(branch, op, err);
    int rc = MT_REPO_ERR;
    memset(info, 0, sizeof(*info));
    if (!ref) goto out;
    if ((rc = fetch_tip(repo, remote, ref, tip, err)) < 0) goto out;
    if (!*tip) {
        mt_error_set(err, "%s: the remote has no lease branch yet", op);
        rc = MT_REPO_NOTFOUND;
        goto out;
    }
    rc = read_entry(repo, tip, info, err);
out:
    free(ref);
    free(op);
    return rc;
}

void mt_lease_chain_free(struct mt_lease_info *entries, size_t n)
{
    for (size_t i = 0; i < n; i++) mt_lease_info_clear(&entries[i]);
    free(entries);
}

int mt_lease_chain(struct mt_repo *repo, const char *remote, const char *branch, size_t max,
                   struct mt_lease_info **entries, size_t *n, struct mt_error *err)
{
    char tip[MT_OID_HEX];
    char *op = xasprintf("lease %s: chain", branch ? branch : MT_LEASE_BRANCH);
    char *ref = lease_ref(branch, op, err);
    struct mt_lease_info *v = NULL;
    size_t k = 0, cap = 0;
    int rc = MT_REPO_ERR;
    *entries = NULL;
    *n = 0;
    if (!ref) goto out;
    if ((rc = fetch_tip(repo, remote, ref, tip, err)) < 0) goto out;
    while (*tip && k < max) {
        MT_GROW(v, cap, k + 1);
        memset(&v[k], 0, sizeof(v[k]));
        if ((rc = read_entry(repo, tip, &v[k], err)) < 0) goto out;
        k++;
        if (first_parent(repo, tip) < 0) {
            const git_error *ge = git_error_last();
            mt_error_set(err, "%s: read commit %.12s: %s", op, tip,
                         ge && ge->message ? ge->message : "libgit2 error");
            git_error_clear();
            rc = MT_REPO_ERR;
            goto out;
        }
    }
    rc = 0;
out:
    if (rc < 0) {
        mt_lease_chain_free(v, k);
    } else {
        *entries = v;
        *n = k;
    }
    free(ref);
    free(op);
    return rc;
}

/* ---- breaking ---------------------------------------------------------- */

/* Token of the newest readable entry at or below `tip` (0 if none). */
static uint64_t last_good_token(struct mt_repo *repo, const char *tip)
{
    uint64_t token = 0;
    walk_chain(repo, tip, true, take_token, &token);
    return token;
}

int mt_lease_break(struct mt_repo *repo, const char *remote, const char *branch, const char *env,
                   const char *host, long pid, uint64_t expect, struct mt_lease_info *broken,
                   struct mt_lease_info *written, struct mt_error *err)
{
    const char *bname = branch ? branch : MT_LEASE_BRANCH;
    char *op = xasprintf("lease %s: break", bname);
    char *ref = NULL, *myhost = NULL;
    struct mt_lease_info cur = {0};
    struct mt_error e = {0};
    char tip[MT_OID_HEX], commit[MT_OID_HEX] = "";
    uint64_t rng = rng_seed();
    double backoff = BACKOFF_MIN;
    int rc = MT_REPO_ERR;
    if (broken) memset(broken, 0, sizeof(*broken));
    if (written) memset(written, 0, sizeof(*written));
    if (!check_env(env, op, err) || !(ref = lease_ref(branch, op, err))) goto out;
    myhost = writer_host(host);
    if (pid <= 0) pid = (long)getpid();

    for (int attempt = 0;; attempt++) {
        mt_error_clear(&e);
        commit[0] = '\0';
        if ((rc = fetch_tip(repo, remote, ref, tip, err)) < 0) goto out;
        if (!*tip) {
            mt_error_set(err, "%s: the remote has no lease branch: nothing to break", op);
            rc = MT_REPO_NOTFOUND;
            goto out;
        }
        if ((rc = read_entry(repo, tip, &cur, err)) < 0) goto out;
        if (cur.valid && cur.state == MT_LEASE_RELEASED) {
            lease_log("broken", "%s: nothing to do, the lease is released (token %" PRIu64 ")", op, cur.token);
            rc = 0;
            break;
        }
        uint64_t token = cur.valid ? cur.token : last_good_token(repo, tip);
        char *h = holder_str(&cur);
        if (expect && token != expect) {
            mt_error_set(err, "%s: the lease is held by %s, not with token %" PRIu64 " (it changed hands "
                         "since, or the token is wrong): nothing broken", op, h, expect);
            free(h);
            rc = MT_LEASE_CHANGED;
            goto out;
        }
        long ttl = cur.valid ? cur.ttl : 1;
        char *was = cur.valid ? xstrdup(h) : xasprintf("unreadable entry %.12s", tip);
        struct entry ent = {env, myhost, pid, token + 1, ttl, MT_LEASE_RELEASED, was, NULL};
        char *msg = xasprintf("lease: broken by %s@%s pid %ld token %" PRIu64 " (was held by %s)", env, myhost,
                              pid, token + 1, h);
        rc = make_entry(repo, tip, &ent, msg, commit, err);
        free(msg);
        if (rc == 0) rc = mt_repo_push_cas(repo, remote, commit, ref, tip, &e);
        if (rc == 0)
            lease_log("broken", "%s by %s@%s pid %ld, token %" PRIu64 ": was held by %s", op, env, myhost, pid,
                      token + 1, h);
        free(was);
        free(h);
        if (rc == 0) break;
        if (rc != MT_REPO_REJECTED || attempt + 1 >= BREAK_TRIES) {
            if (e.msg) mt_error_move(err, &e);
            goto out;
        }
        backoff_sleep(&backoff, &rng, 1e9);  /* no limit */
    }
    if (written && commit[0]) {
        if (read_entry(repo, commit, written, &e) < 0) mt_lease_info_clear(written);
        snprintf(written->tip, sizeof(written->tip), "%s", commit);  /* pushed, whatever the read said */
    }
    if (broken) {
        *broken = cur;
        memset(&cur, 0, sizeof(cur));
    }
out:
    mt_lease_info_clear(&cur);
    mt_error_clear(&e);
    free(myhost);
    free(ref);
    free(op);
    return rc;
}

/* ---- the operator's view ---------------------------------------------- */

void mt_lease_sighting(struct mt_repo *repo, const char *branch, const struct mt_lease_info *tip,
                       struct mt_lease_sighting *out)
{
    char *ref = xasprintf("refs/heads/%s", branch ? branch : MT_LEASE_BRANCH);
    double now = mt_monotonic();
    memset(out, 0, sizeof(*out));
    out->seen_for = now - first_sighting(repo, ref, tip->tip, now);
    /* The same rules as acquire: an unreadable entry counts as held for the
     * maximum ttl, a readable one for its ttl bounded by it. */
    if (!tip->valid || tip->state == MT_LEASE_HELD) {
        out->holder_gone = holder_dead_here(tip);
        double wait = takeover_wait(held_for(tip)) - out->seen_for;
        out->takeover_in = out->holder_gone || wait < 0 ? 0 : wait;
    }
    free(ref);
}

char *mt_lease_describe(const struct mt_lease_info *info)
{
    return holder_str(info);
}
