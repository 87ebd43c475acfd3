/* batch_lease.c: `memtui --batch lease show|break` (DESIGN 3.2, 4). */
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "memtui/batch/batch.h"
#include "memtui/coord/lease_ops.h"
#include "memtui/base/safetext.h"

struct lease_cmd {
    const struct mt_config *cfg;
    struct mt_session *s;
    struct json_object *r;
    struct mt_error *err;
};

static struct json_object *str_or_null(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

static const char *state_name(const struct mt_lease_info *e)
{
    return !e->valid ? "unreadable" : e->state == MT_LEASE_HELD ? "held" : "released";
}

/* One entry of the chain, exactly as read. */
static struct json_object *entry_json(const struct mt_lease_info *e)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "commit", json_object_new_string(e->tip));
    json_object_object_add(o, "commit_time", json_object_new_int64(e->commit_time));
    json_object_object_add(o, "state", json_object_new_string(state_name(e)));
    if (!e->valid) {
        json_object_object_add(o, "error", str_or_null(e->error));
        return o;
    }
    json_object_object_add(o, "env", str_or_null(e->env));
    json_object_object_add(o, "host", str_or_null(e->host));
    json_object_object_add(o, "pid", json_object_new_int64(e->pid));
    json_object_object_add(o, "token", json_object_new_uint64(e->token));
    json_object_object_add(o, "ttl", json_object_new_int64(e->ttl));
    json_object_object_add(o, "time", str_or_null(e->time));
    json_object_object_add(o, "broke", str_or_null(e->broke));
    json_object_object_add(o, "root", json_object_new_boolean(e->root));
    if (e->chain_previous) {  /* a root that restarted the chain: what it replaced */
        struct json_object *c = json_object_new_object();
        json_object_object_add(c, "previous", json_object_new_string(e->chain_previous));
        json_object_object_add(c, "entries", json_object_new_uint64(e->chain_entries));
        json_object_object_add(c, "first", str_or_null(e->chain_first));
        json_object_object_add(c, "last", str_or_null(e->chain_last));
        json_object_object_add(c, "holders", str_or_null(e->chain_holders));
        json_object_object_add(o, "chain", c);
    }
    return o;
}

static void print_entry(const struct mt_lease_info *e)
{
    if (!e->valid) {
        mt_safe_printf(stdout, "  %.10s  unreadable: %s\n", e->tip, e->error ? e->error : "?");
        return;
    }
    mt_safe_printf(stdout, "  %.10s  %-8s token %-4" PRIu64 " %s@%s pid %ld  ttl %ld s  %s%s%s\n", e->tip, state_name(e), e->token,
           e->env, e->host, e->pid, e->ttl, e->time, e->broke ? "  broke " : "", e->broke ? e->broke : "");
    if (e->chain_previous)
        mt_safe_printf(stdout, "              chain restarted here: it replaced %.12s, %" PRIu64 " entries from %s to %s, "
                       "held by %s\n", e->chain_previous, e->chain_entries, e->chain_first, e->chain_last,
                       e->chain_holders && *e->chain_holders ? e->chain_holders : "nobody readable");
}

/* This machine's wall clock `in` seconds from now, for people. */
static void utc_in(double in, char out[32])
{
    time_t t = time(NULL) + (time_t)(in + 0.5);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* How this machine sees the tip, and the token to break it with. */
static void add_sighting(struct json_object *o, bool held, const struct mt_lease_sighting *sg, const char *at,
                         uint64_t break_token)
{
    bool waits = held;
    json_object_object_add(o, "seen_unchanged_s", json_object_new_double(sg->seen_for));
    json_object_object_add(o, "takeover_in_s", waits ? json_object_new_double(sg->takeover_in) : NULL);
    json_object_object_add(o, "takeover_at", waits ? json_object_new_string(at) : NULL);
    json_object_object_add(o, "holder_gone", json_object_new_boolean(sg->holder_gone));
    json_object_object_add(o, "break_token", held && break_token ? json_object_new_uint64(break_token) : NULL);
}

static void print_tip(const struct lease_cmd *c, const struct mt_lease_info *tip, bool held,
                      const struct mt_lease_sighting *sg, const char *at, uint64_t break_token)
{
    mt_safe_printf(stdout, "lease %s on %s: ", MT_LEASE_BRANCH, c->cfg->remote);
    if (!tip->valid)
        mt_safe_printf(stdout, "unreadable entry %.12s (%s)\n", tip->tip, tip->error ? tip->error : "?");
    else if (!held)
        mt_safe_printf(stdout, "free (released by %s@%s pid %ld), token %" PRIu64 "\n", tip->env, tip->host, tip->pid, tip->token);
    else
        mt_safe_printf(stdout, "held by %s@%s pid %ld, token %" PRIu64 ", ttl %ld s, written %s (holder's clock)\n", tip->env,
               tip->host, tip->pid, tip->token, tip->ttl, tip->time);
    mt_safe_printf(stdout, "  seen unchanged on this machine for %.1f s", sg->seen_for);
    if (!held)
        mt_safe_printf(stdout, "\n");
    else if (sg->takeover_in > 0)
        mt_safe_printf(stdout, "; may be taken over in %.1f s (%s, this machine's clock)\n", sg->takeover_in, at);
    else
        mt_safe_printf(stdout, "; may be taken over now (%s)\n", sg->holder_gone ? "its process is gone" : "expired");
    if (held && break_token) mt_safe_printf(stdout, "  to break it: memtui --batch lease break --token %" PRIu64 "\n", break_token);
}

/* The tip: who holds it, and when this machine may take it over. */
static void show_tip(struct lease_cmd *c, const struct mt_lease_info *tip, uint64_t break_token)
{
    struct mt_lease_sighting sg;
    mt_lease_sighting(c->s->repo, NULL, tip, &sg);
    bool held = !tip->valid || tip->state == MT_LEASE_HELD;
    char at[32] = "";
    if (held) utc_in(sg.takeover_in, at);
    struct json_object *o = entry_json(tip);
    add_sighting(o, held, &sg, at, break_token);
    json_object_object_add(c->r, "lease", o);
    if (!c->cfg->json) print_tip(c, tip, held, &sg, at, break_token);
}

static int lease_show(struct lease_cmd *c)
{
    struct mt_lease_info *chain = NULL;
    size_t n = 0;
    int rc = mt_lease_chain(c->s->repo, c->cfg->remote, NULL, c->cfg->limit, &chain, &n, c->err);
    if (rc) return mt_lease_ops_exit(rc);
    struct json_object *list = json_object_new_array();
    for (size_t i = 0; i < n; i++) json_object_array_add(list, entry_json(&chain[i]));
    json_object_object_add(c->r, "chain", list);
    json_object_object_add(c->r, "limit", json_object_new_int64((int64_t)c->cfg->limit));
    if (!n) {
        json_object_object_add(c->r, "lease", NULL);
        if (!c->cfg->json)
            mt_safe_printf(stdout, "lease %s on %s: never taken (no lease branch yet)\n", MT_LEASE_BRANCH, c->cfg->remote);
        return MT_EXIT_OK;
    }
    show_tip(c, &chain[0], mt_lease_ops_token(chain, n));
    if (!c->cfg->json) {
        mt_safe_printf(stdout, "chain (newest first, last %zu):\n", n);
        for (size_t i = 0; i < n; i++) print_entry(&chain[i]);
    }
    mt_lease_chain_free(chain, n);
    return MT_EXIT_OK;
}

/* Without --token: refuse, naming the token to give when it can be read. */
static int break_needs_token(struct lease_cmd *c)
{
    struct mt_lease_info tip;
    struct mt_error e = {0};
    char *now = NULL;
    if (mt_lease_read(c->s->repo, c->cfg->remote, NULL, &tip, &e) == 0) {
        char *h = mt_lease_describe(&tip);
        now = tip.valid && tip.state == MT_LEASE_HELD
                  ? xasprintf(": it is held by %s (memtui --batch lease break --token %" PRIu64 ")", h, tip.token)
                  : xasprintf(": the tip is %s", tip.valid ? "released, nothing to break" : h);
        free(h);
        mt_lease_info_clear(&tip);
    }
    mt_error_clear(&e);
    mt_error_set(c->err, "lease break needs --token N, the token of the lease to break as lease show names it, "
                         "so that a lease that changed hands since is never broken%s", now ? now : "");
    free(now);
    return MT_EXIT_USAGE;
}

static int lease_break(struct lease_cmd *c)
{
    if (!c->cfg->token) return break_needs_token(c);
    struct mt_lease_info broken, written;
    bool did = false;
    int rc = mt_lease_ops_break(c->s, c->cfg->token, &did, &broken, &written, c->err);
    json_object_object_add(c->r, "broken", json_object_new_boolean(did));
    if (rc) return rc;
    json_object_object_add(c->r, "was", entry_json(&broken));
    json_object_object_add(c->r, "entry", did ? entry_json(&written) : NULL);
    if (!c->cfg->json) {
        char *was = mt_lease_describe(&broken);
        if (did)
            mt_safe_printf(stdout, "broke the lease held by %s: chain entry %.12s, released with token %" PRIu64
                   "; the next holder gets a higher token\n", was, written.tip, written.token);
        else
            mt_safe_printf(stdout, "nothing to break: the lease is already released (%s)\n", was);
        free(was);
    }
    mt_lease_info_clear(&broken);
    mt_lease_info_clear(&written);
    return MT_EXIT_OK;
}

int mt_batch_lease(const struct mt_config *cfg, struct mt_session *s, struct json_object *r, struct mt_error *err)
{
    struct lease_cmd c = {cfg, s, r, err};
    const char *sub = cfg->nargs == 1 ? cfg->args[0] : "";
    json_object_object_add(r, "subcommand", json_object_new_string(sub));
    if (strcmp(sub, "show") == 0) return lease_show(&c);
    if (strcmp(sub, "break") == 0) return lease_break(&c);
    mt_error_set(err, "usage: memtui --batch lease show [--limit N] | lease break --token N");
    return MT_EXIT_USAGE;
}
