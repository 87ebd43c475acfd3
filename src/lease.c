/* lease.c: the distributed lease as a chain of commits on a branch of the
 * shared remote. Only libgit2 (through repo.c and its git_repository). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "memtui/lease.h"

#include <errno.h>
#include <git2.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define NS_PER_S 1000000000LL
#define BACKOFF_MIN_NS (50LL * 1000 * 1000)
#define BACKOFF_MAX_NS (400LL * 1000 * 1000)  /* waiters poll often enough to get a turn */
#define BREAK_TRIES 8

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
    int64_t deadline;          /* CLOCK_MONOTONIC ns */
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

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

static void sleep_ns(int64_t ns)
{
    if (ns <= 0) return;
    struct timespec ts = {(time_t)(ns / NS_PER_S), (long)(ns % NS_PER_S)};
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
    uint64_t s = (uint64_t)mono_ns() ^ ((uint64_t)getpid() << 32) ^ (uint64_t)time(NULL);
    s ^= (uint64_t)(uintptr_t)&s;
    return s ? s : 0x9E3779B97F4A7C15ULL;
}

/* backoff +-50 % */
static int64_t jitter(int64_t backoff, uint64_t *rng)
{
    double f = 0.5 + (double)(rng_next(rng) >> 11) / (double)(1ULL << 53);
    return (int64_t)((double)backoff * f);
}

double mt_lease_margin(long ttl_seconds)
{
    double m = (double)ttl_seconds / 10.0;
    return m > 2.0 ? m : 2.0;
}

static int64_t takeover_wait_ns(long ttl)
{
    return (int64_t)(((double)ttl + mt_lease_margin(ttl)) * (double)NS_PER_S);
}

static bool valid_env(const char *env)
{
    size_t n = env ? strlen(env) : 0;
    if (n < 1 || n > 64) return false;
    for (size_t i = 0; i < n; i++) {
        char c = env[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

static char *this_host(void)
{
    char h[256];
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
    memset(info, 0, sizeof(*info));
}

/* ---- lease.json: writing --------------------------------------------- */

static void json_str(struct mt_buf *b, const char *s)
{
    mt_buf_addc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': mt_buf_adds(b, "\\\""); break;
        case '\\': mt_buf_adds(b, "\\\\"); break;
        case '\n': mt_buf_adds(b, "\\n"); break;
        case '\r': mt_buf_adds(b, "\\r"); break;
        case '\t': mt_buf_adds(b, "\\t"); break;
        case '\b': mt_buf_adds(b, "\\b"); break;
        case '\f': mt_buf_adds(b, "\\f"); break;
        default:
            if (*p < 0x20) mt_buf_addf(b, "\\u%04x", *p);
            else mt_buf_addc(b, (char)*p);
        }
    }
    mt_buf_addc(b, '"');
}

struct entry {
    const char *env, *host;
    long pid;
    uint64_t token;
    long ttl;
    enum mt_lease_state state;
    const char *broke;  /* NULL unless written by a break */
};

static char *utc_now(void)
{
    time_t t = time(NULL);
    struct tm tm;
    char s[32];
    gmtime_r(&t, &tm);
    strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return xstrdup(s);
}

static char *entry_json(const struct entry *e, size_t *len)
{
    struct mt_buf b;
    char *now = utc_now();
    mt_buf_init(&b);
    mt_buf_adds(&b, "{\"env\":");
    json_str(&b, e->env);
    mt_buf_adds(&b, ",\"host\":");
    json_str(&b, e->host);
    mt_buf_addf(&b, ",\"pid\":%ld,\"token\":%" PRIu64 ",\"ttl\":%ld,\"state\":\"%s\",\"time\":", e->pid,
                e->token, e->ttl, e->state == MT_LEASE_HELD ? "held" : "released");
    json_str(&b, now);
    if (e->broke) {
        mt_buf_adds(&b, ",\"broke\":");
        json_str(&b, e->broke);
    }
    mt_buf_adds(&b, "}\n");
    free(now);
    return mt_buf_detach(&b, len);
}

/* ---- lease.json: reading (a flat object; nested values are skipped) --- */

struct jp {
    const char *s, *end;
    const char *err;
};

static void jp_ws(struct jp *p)
{
    while (p->s < p->end && (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r')) p->s++;
}

static int hex4(const char *s, const char *end, unsigned *out)
{
    unsigned v = 0;
    if (end - s < 4) return -1;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

static void utf8_put(struct mt_buf *b, unsigned cp)
{
    if (cp < 0x80) {
        mt_buf_addc(b, (char)cp);
    } else if (cp < 0x800) {
        mt_buf_addc(b, (char)(0xC0 | (cp >> 6)));
        mt_buf_addc(b, (char)(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        mt_buf_addc(b, (char)(0xE0 | (cp >> 12)));
        mt_buf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
        mt_buf_addc(b, (char)(0x80 | (cp & 0x3F)));
    } else {
        mt_buf_addc(b, (char)(0xF0 | (cp >> 18)));
        mt_buf_addc(b, (char)(0x80 | ((cp >> 12) & 0x3F)));
        mt_buf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
        mt_buf_addc(b, (char)(0x80 | (cp & 0x3F)));
    }
}

/* A JSON string at p->s (the opening quote); NULL on error. */
static char *jp_string(struct jp *p)
{
    struct mt_buf b;
    if (p->s >= p->end || *p->s != '"') {
        p->err = "expected a string";
        return NULL;
    }
    p->s++;
    mt_buf_init(&b);
    mt_buf_reserve(&b, 16);
    while (p->s < p->end && *p->s != '"') {
        unsigned char c = (unsigned char)*p->s++;
        if (c < 0x20) {
            p->err = "control character in a string";
            goto bad;
        }
        if (c != '\\') {
            mt_buf_addc(&b, (char)c);
            continue;
        }
        if (p->s >= p->end) break;
        char e = *p->s++;
        unsigned cp, lo;
        switch (e) {
        case '"': mt_buf_addc(&b, '"'); break;
        case '\\': mt_buf_addc(&b, '\\'); break;
        case '/': mt_buf_addc(&b, '/'); break;
        case 'b': mt_buf_addc(&b, '\b'); break;
        case 'f': mt_buf_addc(&b, '\f'); break;
        case 'n': mt_buf_addc(&b, '\n'); break;
        case 'r': mt_buf_addc(&b, '\r'); break;
        case 't': mt_buf_addc(&b, '\t'); break;
        case 'u':
            if (hex4(p->s, p->end, &cp) < 0) {
                p->err = "bad \\u escape";
                goto bad;
            }
            p->s += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && p->end - p->s >= 6 && p->s[0] == '\\' &&
                p->s[1] == 'u' && hex4(p->s + 2, p->end, &lo) == 0 && lo >= 0xDC00 && lo < 0xE000) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                p->s += 6;
            } else if (cp >= 0xD800 && cp < 0xE000) {
                cp = 0xFFFD;
            }
            if (cp == 0) {
                p->err = "NUL in a string";
                goto bad;
            }
            utf8_put(&b, cp);
            break;
        default:
            p->err = "bad escape";
            goto bad;
        }
    }
    if (p->s >= p->end) {
        p->err = "unterminated string";
        goto bad;
    }
    p->s++;
    return mt_buf_detach(&b, NULL);
bad:
    mt_buf_free(&b);
    return NULL;
}

/* Skip any JSON value (used for keys we do not know). */
static int jp_skip(struct jp *p)
{
    jp_ws(p);
    if (p->s >= p->end) {
        p->err = "expected a value";
        return -1;
    }
    if (*p->s == '"') {
        char *s = jp_string(p);
        free(s);
        return s ? 0 : -1;
    }
    if (*p->s == '{' || *p->s == '[') {
        int depth = 0;
        while (p->s < p->end) {
            char c = *p->s;
            if (c == '"') {
                char *s = jp_string(p);
                if (!s) return -1;
                free(s);
                continue;
            }
            if (c == '{' || c == '[') depth++;
            if (c == '}' || c == ']') depth--;
            p->s++;
            if (depth == 0) return 0;
        }
        p->err = "unterminated value";
        return -1;
    }
    const char *start = p->s;
    while (p->s < p->end && !strchr(",}] \t\r\n", *p->s)) p->s++;
    if (p->s == start) {
        p->err = "expected a value";
        return -1;
    }
    return 0;
}

/* A non-negative integer value; -1 when the value is something else. */
static int jp_uint(struct jp *p, uint64_t *out)
{
    const char *start = p->s;
    uint64_t v = 0;
    while (p->s < p->end && *p->s >= '0' && *p->s <= '9') {
        uint64_t d = (uint64_t)(*p->s - '0');
        if (v > (UINT64_MAX - d) / 10) {
            p->err = "number too large";
            return -1;
        }
        v = v * 10 + d;
        p->s++;
    }
    if (p->s == start || (p->s < p->end && strchr(".eE", *p->s))) {
        p->err = "expected a non-negative integer";
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_lease(const char *data, size_t len, struct mt_lease_info *info, const char **why)
{
    struct jp p = {data, data + len, NULL};
    bool have_pid = false, have_token = false, have_ttl = false, have_state = false;
    jp_ws(&p);
    if (p.s >= p.end || *p.s != '{') {
        *why = "not a JSON object";
        return -1;
    }
    p.s++;
    jp_ws(&p);
    bool first = true;
    while (p.s < p.end && *p.s != '}') {
        if (!first) {
            if (*p.s != ',') {
                p.err = "expected ',' or '}'";
                goto bad;
            }
            p.s++;
            jp_ws(&p);
        }
        first = false;
        char *key = jp_string(&p);
        if (!key) goto bad;
        jp_ws(&p);
        if (p.s >= p.end || *p.s != ':') {
            free(key);
            p.err = "expected ':'";
            goto bad;
        }
        p.s++;
        jp_ws(&p);
        char **strp = NULL;
        uint64_t num = 0;
        if (!strcmp(key, "env")) strp = &info->env;
        else if (!strcmp(key, "host")) strp = &info->host;
        else if (!strcmp(key, "time")) strp = &info->time;
        else if (!strcmp(key, "broke")) strp = &info->broke;
        if (strp) {
            char *v = jp_string(&p);
            if (!v) {
                free(key);
                goto bad;
            }
            free(*strp);
            *strp = v;
        } else if (!strcmp(key, "state")) {
            char *v = jp_string(&p);
            if (!v) {
                free(key);
                goto bad;
            }
            bool ok = true;
            if (!strcmp(v, "held")) info->state = MT_LEASE_HELD;
            else if (!strcmp(v, "released")) info->state = MT_LEASE_RELEASED;
            else ok = false;
            free(v);
            if (!ok) {
                free(key);
                p.err = "state is neither \"held\" nor \"released\"";
                goto bad;
            }
            have_state = true;
        } else if (!strcmp(key, "pid") || !strcmp(key, "token") || !strcmp(key, "ttl")) {
            if (jp_uint(&p, &num) < 0) {
                free(key);
                goto bad;
            }
            if (key[0] == 'p') {
                info->pid = num > (uint64_t)INT32_MAX ? -1 : (long)num;
                have_pid = true;
            } else if (key[1] == 'o') {
                info->token = num;
                have_token = true;
            } else {
                info->ttl = num > 1000000000ULL ? 1000000000L : (long)num;
                have_ttl = true;
            }
        } else if (jp_skip(&p) < 0) {
            free(key);
            goto bad;
        }
        free(key);
        jp_ws(&p);
    }
    if (p.s >= p.end) {
        p.err = "unterminated object";
        goto bad;
    }
    if (!info->env || !info->host || !info->time || !have_pid || !have_token || !have_ttl ||
        !have_state) {
        *why = "a field is missing (env, host, pid, token, ttl, state and time are required)";
        return -1;
    }
    if (info->ttl < 1) {
        *why = "ttl must be at least 1";
        return -1;
    }
    return 0;
bad:
    *why = p.err ? p.err : "bad JSON";
    return -1;
}

/* Describe the entry in commit `tip` (already in the local repository).
 * An unreadable lease.json is not an error here: info->valid says so. */
static int read_entry(struct mt_repo *repo, const char *tip, struct mt_lease_info *info,
                      struct mt_error *err)
{
    char *data = NULL;
    size_t len = 0;
    const char *why = NULL;
    struct mt_error e = {0};
    mt_lease_info_clear(info);
    snprintf(info->tip, sizeof(info->tip), "%s", tip);
    int rc = mt_repo_commit_info(repo, tip, &info->commit_time, NULL, NULL, err);
    if (rc < 0) return rc;
    rc = mt_repo_read_path(repo, tip, MT_LEASE_FILE, &data, &len, NULL, &e);
    if (rc == MT_REPO_NOTFOUND) {
        info->error = xasprintf("lease entry %.12s has no " MT_LEASE_FILE, tip);
    } else if (rc < 0) {
        mt_error_move(err, &e);
        return rc;
    } else if (memchr(data, '\0', len) || parse_lease(data, len, info, &why) < 0) {
        char *err_msg = xasprintf("lease entry %.12s: " MT_LEASE_FILE " is unreadable: %s", tip,
                                  why ? why : "NUL byte");
        char keep[MT_OID_HEX];
        long long ct = info->commit_time;
        snprintf(keep, sizeof(keep), "%s", tip);
        mt_lease_info_clear(info);
        snprintf(info->tip, sizeof(info->tip), "%s", keep);
        info->commit_time = ct;
        info->error = err_msg;
    } else {
        info->valid = true;
    }
    free(data);
    mt_error_clear(&e);
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

static char *holder_str(const struct mt_lease_info *c)
{
    if (!c->valid) return xasprintf("an unreadable entry %.12s", c->tip);
    return xasprintf("%s@%s pid %ld token %" PRIu64, c->env, c->host, c->pid, c->token);
}

/* ---- acquire ------------------------------------------------------------- */

static bool holder_dead_here(const struct mt_lease_info *c, const char *host)
{
    if (!c->valid || strcmp(c->host, host) != 0 || c->pid <= 0) return false;
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
    int64_t unsure_start = 0;
    uint64_t unsure_token = 0;
    int64_t start = mono_ns(), seen_since = 0;
    int64_t backoff = BACKOFF_MIN_NS;
    uint64_t rng = rng_seed();
    bool seen_any = false;
    int rc;
    *out = NULL;

    if (!valid_env(env)) {
        mt_error_set(err, "%s: invalid env name '%s' (expected [A-Za-z0-9._-]{1,64})", op, env ? env : "");
        rc = MT_REPO_ERR;
        goto done;
    }
    if (ttl_seconds < 1 || ttl_seconds > 1000000000L || !(timeout_seconds >= 0)) {
        mt_error_set(err, "%s: ttl must be at least 1 s and the timeout not negative", op);
        rc = MT_REPO_ERR;
        goto done;
    }
    if (!(refname = lease_ref(branch, op, err))) {
        rc = MT_REPO_ERR;
        goto done;
    }
    myhost = host && *host ? xstrdup(host) : this_host();
    if (pid <= 0) pid = (long)getpid();
    if (timeout_seconds > 1e8) timeout_seconds = 1e8;  /* "forever", without overflow */
    const int64_t deadline = start + (int64_t)(timeout_seconds * (double)NS_PER_S);

    for (;;) {
        mt_error_clear(&e);
        rc = fetch_tip(repo, remote, refname, tip, &e);
        int64_t now = mono_ns();
        if (rc < 0) {
            if (rc == MT_REPO_UNREACHABLE && now < deadline) {
                int64_t s = jitter(backoff, &rng);
                sleep_ns(s < deadline - now ? s : deadline - now);
                backoff = backoff * 2 > BACKOFF_MAX_NS ? BACKOFF_MAX_NS : backoff * 2;
                continue;
            }
            mt_error_move(err, &e);
            goto done;
        }
        /* The first observation of a tip counts from after the fetch that
         * returned it: never earlier than the push that put it there. */
        if (!seen_any || strcmp(tip, seen) != 0) {
            snprintf(seen, sizeof(seen), "%s", tip);
            seen_since = now;
            seen_any = true;
        }
        if (*unsure && strcmp(tip, unsure) == 0) {
            /* The push the network failed on had landed: the lease is ours. */
            struct mt_lease *l = new_lease(repo, remote, branch, refname, env, myhost, pid, ttl_seconds);
            l->token = unsure_token;
            snprintf(l->tip, sizeof(l->tip), "%s", unsure);
            l->deadline = unsure_start + (int64_t)ttl_seconds * NS_PER_S;
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
            if (!cur.valid) {
                mt_error_set(err, "%s: %s (an operator can break the lease)", op, cur.error);
                rc = MT_REPO_ERR;
                goto done;
            }
            if (cur.state == MT_LEASE_RELEASED) {
                how = "released";
            } else if (holder_dead_here(&cur, myhost)) {
                how = "holder process gone";
            } else if (now - seen_since >= takeover_wait_ns(cur.ttl)) {
                how = "expired";
            } else {
                how = NULL;
            }
            token = cur.token + 1;
        }
        if (!how) {
            /* Held: wait, unless the time is up. */
            char *h = holder_str(&cur);
            if (!waited_for || strcmp(waited_for, h) != 0) {  /* not on every renewal */
                lease_log("wait", "%s: held by %s, ttl %ld s", op, h, cur.ttl);
                free(waited_for);
                waited_for = h;
            } else {
                free(h);
            }
            if (now >= deadline) {
                mt_error_set(err, "%s: timed out after %.1f s: held by %s (since %s, ttl %ld s)", op,
                             (double)(now - start) / NS_PER_S, waited_for, cur.time, cur.ttl);
                rc = MT_LEASE_TIMEOUT;
                goto done;
            }
            int64_t s = jitter(backoff, &rng);
            int64_t until_takeover = seen_since + takeover_wait_ns(cur.ttl) - now;
            if (until_takeover < s) s = until_takeover;
            if (deadline - now < s) s = deadline - now;
            sleep_ns(s);
            backoff = backoff * 2 > BACKOFF_MAX_NS ? BACKOFF_MAX_NS : backoff * 2;
            continue;
        }

        struct entry ent = {env, myhost, pid, token, ttl_seconds, MT_LEASE_HELD, NULL};
        char *msg = xasprintf("lease: held by %s@%s pid %ld token %" PRIu64, env, myhost, pid, token);
        rc = make_entry(repo, tip, &ent, msg, commit, err);
        free(msg);
        if (rc < 0) goto done;
        int64_t push_start = mono_ns();
        rc = mt_repo_push_cas(repo, remote, commit, refname, tip, &e);
        if (rc == 0) {
            struct mt_lease *l = new_lease(repo, remote, branch, refname, env, myhost, pid, ttl_seconds);
            l->token = token;
            snprintf(l->tip, sizeof(l->tip), "%s", commit);
            l->deadline = push_start + (int64_t)ttl_seconds * NS_PER_S;
            *out = l;
            if (*tip) {
                char *h = holder_str(&cur);
                lease_log("acquired", "%s: token %" PRIu64 " (%s; previous entry: %s, %s)", op, token,
                          how, h, cur.state == MT_LEASE_HELD ? "held" : "released");
                free(h);
            } else {
                lease_log("acquired", "%s: token %" PRIu64 " (first lease on the remote)", op, token);
            }
            goto done;
        }
        if (rc != MT_REPO_REJECTED && !(rc == MT_REPO_UNREACHABLE && mono_ns() < deadline)) {
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
        now = mono_ns();
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
                         (double)(now - start) / NS_PER_S, h ? h : e.msg ? e.msg : "rejected");
            free(h);
            rc = MT_LEASE_TIMEOUT;
            goto done;
        }
        int64_t s = jitter(backoff, &rng);
        sleep_ns(s < deadline - now ? s : deadline - now);
        backoff = backoff * 2 > BACKOFF_MAX_NS ? BACKOFF_MAX_NS : backoff * 2;
    }
done:
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
    return l && !l->lost && mono_ns() < l->deadline;
}

double mt_lease_remaining(const struct mt_lease *l)
{
    if (!l || l->lost) return 0;
    int64_t left = l->deadline - mono_ns();
    return left > 0 ? (double)left / NS_PER_S : 0;
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
                      int64_t *push_start, struct mt_error *err)
{
    struct entry ent = {l->env, l->host, l->pid, l->token, l->ttl, state, NULL};
    char commit[MT_OID_HEX];
    char *msg = xasprintf("lease: %s by %s@%s pid %ld token %" PRIu64, what, l->env, l->host, l->pid,
                          l->token);
    int rc = make_entry(l->repo, l->tip, &ent, msg, commit, err);
    free(msg);
    if (rc < 0) return rc;
    *push_start = mono_ns();
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
    int64_t now = mono_ns();
    if (now >= l->deadline) {
        l->lost = true;
        mt_error_set(err, "lease %s: renew: too late, the local deadline passed %.1f s ago (ttl %ld s); "
                     "token %" PRIu64 " is lost", l->branch, (double)(now - l->deadline) / NS_PER_S,
                     l->ttl, l->token);
        lease_log("lost", "%s", err->msg);
        return MT_LEASE_LOST;
    }
    settle_pending(l);
    struct mt_error e = {0};
    int64_t push_start = 0;
    int rc = push_entry(l, MT_LEASE_HELD, "renewed", &push_start, &e);
    if (rc == 0) {
        l->deadline = push_start + (int64_t)l->ttl * NS_PER_S;
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

int mt_lease_release(struct mt_lease *l, struct mt_error *err)
{
    if (!l) return 0;
    int rc;
    if (l->lost) {
        mt_error_set(err, "lease %s: release: token %" PRIu64 " was already lost; nothing published",
                     l->branch, l->token);
        rc = MT_LEASE_LOST;
    } else {
        struct mt_error e = {0};
        int64_t push_start = 0;
        settle_pending(l);
        rc = push_entry(l, MT_LEASE_RELEASED, "released", &push_start, &e);
        if (rc == 0) {
            lease_log("released", "lease %s: token %" PRIu64 " released", l->branch, l->token);
        } else if (rc == MT_REPO_REJECTED) {
            rc = MT_LEASE_LOST;
            mt_error_set(err, "lease %s: release: token %" PRIu64 " was lost before release (%s); "
                         "nothing published", l->branch, l->token, e.msg ? e.msg : "rejected");
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
    git_commit *c = NULL;
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
        git_oid id;
        if (git_oid_fromstr(&id, tip) < 0 || git_commit_lookup(&c, mt_repo_git(repo), &id) < 0) {
            const git_error *ge = git_error_last();
            mt_error_set(err, "%s: read commit %.12s: %s", op, tip,
                         ge && ge->message ? ge->message : "libgit2 error");
            git_error_clear();
            rc = MT_REPO_ERR;
            goto out;
        }
        if (git_commit_parentcount(c) > 0) git_oid_tostr(tip, MT_OID_HEX, git_commit_parent_id(c, 0));
        else tip[0] = '\0';
        git_commit_free(c);
        c = NULL;
    }
    rc = 0;
out:
    git_commit_free(c);
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
    char at[MT_OID_HEX];
    struct mt_lease_info info = {0};
    struct mt_error e = {0};
    uint64_t token = 0;
    snprintf(at, sizeof(at), "%s", tip);
    while (*at) {
        git_commit *c = NULL;
        git_oid id;
        if (read_entry(repo, at, &info, &e) < 0) break;
        if (info.valid) {
            token = info.token;
            break;
        }
        if (git_oid_fromstr(&id, at) < 0 || git_commit_lookup(&c, mt_repo_git(repo), &id) < 0) break;
        if (git_commit_parentcount(c) > 0) git_oid_tostr(at, MT_OID_HEX, git_commit_parent_id(c, 0));
        else at[0] = '\0';
        git_commit_free(c);
    }
    git_error_clear();
    mt_lease_info_clear(&info);
    mt_error_clear(&e);
    return token;
}

int mt_lease_break(struct mt_repo *repo, const char *remote, const char *branch, const char *env,
                   const char *host, long pid, struct mt_lease_info *broken, struct mt_error *err)
{
    const char *bname = branch ? branch : MT_LEASE_BRANCH;
    char *op = xasprintf("lease %s: break", bname);
    char *ref = NULL, *myhost = NULL;
    struct mt_lease_info cur = {0};
    struct mt_error e = {0};
    char tip[MT_OID_HEX], commit[MT_OID_HEX];
    uint64_t rng = rng_seed();
    int64_t backoff = BACKOFF_MIN_NS;
    int rc = MT_REPO_ERR;
    if (broken) memset(broken, 0, sizeof(*broken));
    if (!valid_env(env)) {
        mt_error_set(err, "%s: invalid env name '%s' (expected [A-Za-z0-9._-]{1,64})", op, env ? env : "");
        goto out;
    }
    if (!(ref = lease_ref(branch, op, err))) goto out;
    myhost = host && *host ? xstrdup(host) : this_host();
    if (pid <= 0) pid = (long)getpid();

    for (int attempt = 0;; attempt++) {
        mt_error_clear(&e);
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
        long ttl = cur.valid ? cur.ttl : 1;
        char *h = holder_str(&cur);
        char *was = cur.valid ? xasprintf("%s@%s pid %ld token %" PRIu64, cur.env, cur.host, cur.pid, cur.token)
                              : xasprintf("unreadable entry %.12s", tip);
        struct entry ent = {env, myhost, pid, token, ttl, MT_LEASE_RELEASED, was};
        char *msg = xasprintf("lease: broken by %s@%s pid %ld (was held by %s)", env, myhost, pid, h);
        rc = make_entry(repo, tip, &ent, msg, commit, err);
        free(msg);
        if (rc == 0) rc = mt_repo_push_cas(repo, remote, commit, ref, tip, &e);
        if (rc == 0) lease_log("broken", "%s by %s@%s pid %ld: was held by %s", op, env, myhost, pid, h);
        free(was);
        free(h);
        if (rc == 0) break;
        if (rc != MT_REPO_REJECTED || attempt + 1 >= BREAK_TRIES) {
            if (e.msg) mt_error_move(err, &e);
            goto out;
        }
        sleep_ns(jitter(backoff, &rng));
        backoff = backoff * 2 > BACKOFF_MAX_NS ? BACKOFF_MAX_NS : backoff * 2;
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
