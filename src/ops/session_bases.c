/* session_bases.c: what the local file was built on (local_base.h), kept
 * in the session's state folder. */
#include "memtui/ops/session_local.h"

#include <stdlib.h>

/* ---- what the local file was built on (local_base.h) ---------------------- */

static char *base_dir(const struct mt_session *s)
{
    return mt_session_state_path(s, "");
}

static char *base_name(const struct mt_session *s, const char *kind)
{
    return xasprintf("%s-%s", kind, s->cfg->env);
}

void mt_session_base_load(const struct mt_session *s, const char *kind, struct mt_local_base *lb)
{
    char *dir = base_dir(s), *name = base_name(s, kind);
    mt_local_base_load(dir, name, lb);
    free(name);
    free(dir);
}

int mt_session_base_save(const struct mt_session *s, const char *kind, const struct mt_local_base *lb,
                         struct mt_error *err)
{
    char *dir = base_dir(s), *name = base_name(s, kind);
    int rc = mt_local_base_save(dir, name, lb, err);
    free(name);
    free(dir);
    return rc;
}

int mt_session_base_put(const struct mt_session *s, const char *data, size_t len, char sha[MT_SHA256_HEX],
                        struct mt_error *err)
{
    char *dir = base_dir(s);
    int rc = mt_local_base_put(dir, data, len, sha, err);
    free(dir);
    return rc;
}

bool mt_session_base_has(const struct mt_session *s, const char *sha)
{
    char *dir = base_dir(s);
    bool has = mt_local_base_has(dir, sha);
    free(dir);
    return has;
}

int mt_session_base_get(const struct mt_session *s, const char *sha, char **data, size_t *len, struct mt_error *err)
{
    char *dir = base_dir(s);
    int rc = mt_local_base_get(dir, sha, data, len, err);
    free(dir);
    return rc;
}
