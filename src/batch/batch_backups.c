/* batch_backups.c: `memtui --batch backups [--offline]`: stashes and backup
 * branches, here and on the remote (DESIGN 3.3, 4). */
#include <json-c/json.h>
#include <stdlib.h>

#include "memtui/base/safetext.h"
#include "memtui/batch/batch.h"
#include "memtui/git/backup_refs.h"
#include "memtui/git/backups.h"

static const char *kind_name(enum mt_backup_kind k)
{
    switch (k) {
    case MT_BACKUP_STASH: return "stash";
    case MT_BACKUP_BRANCH: return "branch";
    case MT_BACKUP_REMOTE_BRANCH: return "remote-branch";
    case MT_BACKUP_REMOTE_BACKUP: return "remote-backup";
    }
    return "?";
}

static struct json_object *entry_json(const struct mt_backup *b)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "kind", json_object_new_string(kind_name(b->kind)));
    json_object_object_add(o, "name", json_object_new_string(b->name));
    json_object_object_add(o, "env", b->env ? json_object_new_string(b->env) : NULL);
    json_object_object_add(o, "where", json_object_new_string(mt_backup_where_name(b->where)));
    json_object_object_add(o, "commit", json_object_new_string(b->oid));
    json_object_object_add(o, "message", json_object_new_string(b->message ? b->message : ""));
    json_object_object_add(o, "time", json_object_new_int64(b->time));
    json_object_object_add(o, "entities", json_object_new_int64((int64_t)b->entities));
    json_object_object_add(o, "relations", json_object_new_int64((int64_t)b->relations));
    json_object_object_add(o, "missing_at_head", json_object_new_int64((int64_t)b->missing_at_head));
    return o;
}

static struct json_object *remote_json(const struct mt_config *cfg, bool fetched, const char *error)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(cfg->remote));
    json_object_object_add(o, "fetched", json_object_new_boolean(fetched));
    json_object_object_add(o, "error", error ? json_object_new_string(error) : NULL);
    return o;
}

int mt_batch_backups(const struct mt_config *cfg, struct mt_session *s, struct json_object *r, struct mt_error *err)
{
    struct mt_error fe = {0};
    bool fetched = !cfg->offline && mt_backup_refs_sync(s->repo, cfg->remote, true, &fe) == 0;
    char *why = fe.msg ? mt_error_format(&fe) : NULL;
    mt_error_clear(&fe);
    struct mt_backup *b;
    size_t n;
    if (mt_backups_list(s->repo, &b, &n, err)) {
        free(why);
        return MT_EXIT_VERIFY;
    }
    struct json_object *list = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        json_object_array_add(list, entry_json(&b[i]));
        if (cfg->json) continue;
        mt_safe_printf(stdout, "%-13s %-6s %-48s %.12s  %zu entities, %zu relations, %zu not at HEAD\n    %s\n",
                       kind_name(b[i].kind), mt_backup_where_name(b[i].where), b[i].name, b[i].oid, b[i].entities,
                       b[i].relations, b[i].missing_at_head, b[i].message ? b[i].message : "");
    }
    if (!n && !cfg->json) mt_safe_printf(stdout, "no stashes and no backup branches\n");
    json_object_object_add(r, "backups", list);
    json_object_object_add(r, "remote", remote_json(cfg, fetched, why));
    mt_backups_free(b, n);
    if (!why) return MT_EXIT_OK;
    /* the local list stands; a script tells it is stale by exit 5 */
    mt_error_set(err, "backups: those on %s are as last fetched: %s", cfg->remote, why);
    free(why);
    return MT_EXIT_REMOTE;
}
