/* pending.c: <git dir>/memtui/pending.json, the conflicts --policy fail left
 * for an operator, and which of them are still pending (pending.h). */
#include "memtui/coord/pending.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memtui/batch/batch_report.h"
#include "memtui/base/fsutil.h"

/* The blob id of HEAD's manifest ("" when there is none): it changes with
 * every merge committed and with nothing else. */
static void manifest_blob(struct mt_session *s, char blob[MT_OID_HEX])
{
    struct mt_error e = {0};
    blob[0] = '\0';
    if (!s->head[0] || mt_repo_blob_id(s->repo, NULL, MT_MANIFEST_PATH, blob, &e)) blob[0] = '\0';
    mt_error_clear(&e);
}

int mt_pending_save(struct mt_session *s, const struct mt_plan *p, struct mt_error *err)
{
    char blob[MT_OID_HEX];
    manifest_blob(s, blob);
    char *path = mt_session_state_path(s, "pending.json");
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "head", json_object_new_string(s->head));
    json_object_object_add(o, "manifest", json_object_new_string(blob));
    json_object_object_add(o, "time", json_object_new_string(mt_utc_now()));
    json_object_object_add(o, "conflicts", mt_report_conflicts(p));
    const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
    int rc = mt_file_write_atomic(path, text, strlen(text), 0600, err);
    json_object_put(o);
    free(path);
    return rc;
}

void mt_pending_clear(struct mt_session *s)
{
    char *path = mt_session_state_path(s, "pending.json");
    unlink(path);
    free(path);
}

/* The saved conflicts, or NULL when the file is missing, unreadable, or
 * saved before a merge that has been committed since. A file from before
 * the manifest was recorded in it counts while HEAD has not moved. */
static struct json_object *load_current(struct mt_session *s)
{
    char *path = mt_session_state_path(s, "pending.json"), *data = NULL;
    size_t len = 0;
    bool missing = false;
    struct mt_error e = {0};
    int rc = mt_file_read(path, &data, &len, &missing, &e);
    mt_error_clear(&e);
    free(path);
    if (rc || missing) {
        free(data);
        return NULL;
    }
    struct json_tokener *tok = json_tokener_new();
    struct json_object *root = json_tokener_parse_ex(tok, data, (int)len), *v, *list = NULL;
    json_tokener_free(tok);
    free(data);
    char blob[MT_OID_HEX];
    manifest_blob(s, blob);
    bool current = false;
    if (json_object_is_type(root, json_type_object)) {
        if (json_object_object_get_ex(root, "manifest", &v))
            current = json_object_is_type(v, json_type_string) && strcmp(json_object_get_string(v), blob) == 0;
        else
            current = json_object_object_get_ex(root, "head", &v) && json_object_is_type(v, json_type_string) &&
                      strcmp(json_object_get_string(v), s->head) == 0;
    }
    if (current && json_object_object_get_ex(root, "conflicts", &list) && json_object_is_type(list, json_type_array))
        list = json_object_get(list);
    else
        list = NULL;
    json_object_put(root);
    return list;
}

static bool saved_has(struct json_object *list, const char *entity, const char *kind)
{
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        struct json_object *c = json_object_array_get_idx(list, i), *e, *k;
        if (json_object_object_get_ex(c, "entity", &e) && json_object_is_type(e, json_type_string) &&
            json_object_object_get_ex(c, "kind", &k) && json_object_is_type(k, json_type_string) &&
            strcmp(json_object_get_string(e), entity) == 0 && strcmp(json_object_get_string(k), kind) == 0)
            return true;
    }
    return false;
}

size_t mt_pending_mark(struct mt_session *s, struct mt_plan *p)
{
    if (!p->nconflicts) return 0;
    struct json_object *list = load_current(s);
    if (!list) return 0;
    size_t n = 0;
    for (size_t i = 0; i < p->nconflicts; i++) {
        struct mt_conflict *c = &p->conflicts[i];
        c->left_pending = !c->decided && saved_has(list, c->name, mt_conflict_kind_name(c->kind));
        n += c->left_pending;
    }
    json_object_put(list);
    return n;
}

int mt_pending_refuse(struct mt_session *s, struct mt_plan *p, const char *what, struct mt_error *err)
{
    size_t n = mt_pending_mark(s, p);
    if (!n) return MT_EXIT_OK;
    struct mt_buf names;
    mt_buf_init(&names);
    size_t shown = 0;
    for (size_t i = 0; i < p->nconflicts && shown < 3; i++)
        if (p->conflicts[i].left_pending)
            mt_buf_addf(&names, "%s%s on \"%s\"", shown++ ? ", " : "", mt_conflict_kind_name(p->conflicts[i].kind),
                        p->conflicts[i].name);
    if (n > shown) mt_buf_addf(&names, " and %zu more", n - shown);
    mt_error_set(err, "%zu %s left pending by --policy fail (%s): %s would resolve %s by the preserve rule; decide "
                      "%s in the workstation (panel 4) or merge with --policy preserve, then %s again",
                 n, n == 1 ? "conflict is" : "conflicts are", names.data, what, n == 1 ? "it" : "them",
                 n == 1 ? "it" : "them", what);
    mt_buf_free(&names);
    return MT_EXIT_CONFLICTS;
}
