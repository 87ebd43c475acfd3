/* lease_ops.c: showing and breaking the git lease, for batch and the
 * workstation alike. */
#include "memtui/coord/lease_ops.h"

#include <inttypes.h>
#include <json-c/json.h>
#include <unistd.h>

#include "memtui/base/audit.h"

uint64_t mt_lease_ops_token(const struct mt_lease_info *chain, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (chain[i].valid) return chain[i].token;
    return 0;
}

int mt_lease_ops_exit(int rc)
{
    switch (rc) {
    case 0: return MT_EXIT_OK;
    case MT_REPO_NOTFOUND: return MT_EXIT_USAGE;
    case MT_LEASE_CHANGED: return MT_EXIT_LOCK;
    case MT_REPO_UNREACHABLE:
    case MT_REPO_REJECTED: return MT_EXIT_REMOTE;
    default: return MT_EXIT_VERIFY;
    }
}

/* One audit line: who broke which holder, and the entry that says so. */
static void log_break(const struct mt_session *s, const struct mt_lease_info *broken,
                      const struct mt_lease_info *written)
{
    char *was = mt_lease_describe(broken);
    char *by = xasprintf("%s@%s pid %ld", s->cfg->env, s->host, (long)getpid());
    struct json_object *f = json_object_new_object();
    json_object_object_add(f, "detail", json_object_new_string("broken"));
    json_object_object_add(f, "broke", json_object_new_string(was));
    json_object_object_add(f, "by", json_object_new_string(by));
    json_object_object_add(f, "token", json_object_new_uint64(written->token));
    json_object_object_add(f, "commit", json_object_new_string(written->tip));
    mt_audit("lease", f, "lease broken by %s: was held by %s; chain entry %.12s carries token %" PRIu64, by, was,
             written->tip, written->token);
    free(by);
    free(was);
}

int mt_lease_ops_break(struct mt_session *s, uint64_t expect, bool *did_break, struct mt_lease_info *broken,
                       struct mt_lease_info *written, struct mt_error *err)
{
    *did_break = false;
    int rc = mt_lease_break(s->repo, s->cfg->remote, NULL, s->cfg->env, s->host, 0, expect, broken, written, err);
    if (rc) return mt_lease_ops_exit(rc);
    *did_break = written->tip[0] != '\0';
    if (*did_break) log_break(s, broken, written);
    return MT_EXIT_OK;
}
