/* mergeutil.h: run the merge engine on in-memory graphs (blob id = a
 * digest of the text, so equal texts are the same blob, as in git). */
#ifndef MEMTUI_MERGEUTIL_H
#define MEMTUI_MERGEUTIL_H

#include "memtui/merge/plan.h"
#include "memtui/base/sha256.h"

#define MU_MAX_BLOBS 64

struct mu_store {
    char ids[MU_MAX_BLOBS][MT_OID_HEX];
    const char *text[MU_MAX_BLOBS];
    int n;
    int reads;
};

static inline const char *mu_put(struct mu_store *s, const char *text)
{
    char hex[MT_SHA256_HEX];
    if (!text) return "";
    mt_sha256_hex(text, strlen(text), hex);
    hex[40] = '\0';
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->ids[i], hex) == 0) return s->ids[i];
    ck_assert_int_lt(s->n, MU_MAX_BLOBS);
    strcpy(s->ids[s->n], hex);
    s->text[s->n] = text;
    return s->ids[s->n++];
}

static inline int mu_read(void *ctx, const char *blob, const char *path, char **data, size_t *len,
                          void (**release)(void *), void **hold, struct mt_error *err)
{
    struct mu_store *s = ctx;
    (void)path;
    *release = NULL;
    *hold = NULL;
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->ids[i], blob) == 0) {
            s->reads++;
            *len = strlen(s->text[i]);
            *data = xstrndup(s->text[i], *len);
            return 0;
        }
    mt_error_set(err, "no blob %s", blob);
    return -1;
}

/* One environment: its name, M_e (NULL: new) and F_e (NULL: file absent). */
struct mu_env {
    const char *env, *m, *f;
};

/* Load and resolve; returns mt_plan_resolve's answer. */
static inline int mu_merge(struct mt_plan *p, struct mu_store *s, const char *u, const struct mu_env *envs,
                           size_t n, enum mt_policy policy, bool allow_mass)
{
    struct mt_frag_ref refs[16];
    memset(refs, 0, sizeof refs);
    for (size_t i = 0; i < n; i++) {
        snprintf(refs[i].env, sizeof refs[i].env, "%s", envs[i].env);
        snprintf(refs[i].blob, sizeof refs[i].blob, "%s", mu_put(s, envs[i].f));
        snprintf(refs[i].m_blob, sizeof refs[i].m_blob, "%s", mu_put(s, envs[i].m));
        if (envs[i].m) mt_sha256_hex(envs[i].m, strlen(envs[i].m), refs[i].m_sha256);
    }
    struct mt_plan_options opt = {.policy = policy, .allow_mass_delete = allow_mass};
    struct mt_blob_source src = {mu_read, s, NULL};
    struct mt_error err = {0};
    int rc = mt_plan_load(p, mu_put(s, u), refs, n, &opt, &src, &err);
    if (rc) ck_abort_msg("plan load: %s", err.msg);
    return mt_plan_resolve(p);
}

static inline char *mu_result(const struct mt_plan *p)
{
    struct mt_buf b;
    mt_buf_init(&b);
    mt_plan_write_result(p, &b);
    return mt_buf_detach(&b, NULL);
}

#endif
