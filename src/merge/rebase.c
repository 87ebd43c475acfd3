/* rebase.c: a local file's own edits carried onto another graph (rebase.h). */
#include "memtui/merge/rebase.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "memtui/merge/delta.h"
#include "memtui/graph/fragment.h"
#include "memtui/merge/plan.h"

struct mem_blob {
    const char *id;
    const char *data;
    size_t len;
};

struct mem_source {
    struct mem_blob blobs[3];
};

static int mem_read(void *ctx, const char *blob, const char *path, char **data, size_t *len,
                    void (**release)(void *), void **hold, struct mt_error *err)
{
    struct mem_source *s = ctx;
    (void)path;
    *release = NULL;
    *hold = NULL;
    for (size_t i = 0; i < 3; i++)
        if (strcmp(s->blobs[i].id, blob) == 0) {
            *data = xstrndup(s->blobs[i].data, s->blobs[i].len);
            *len = s->blobs[i].len;
            return 0;
        }
    mt_error_set(err, "no graph %s", blob);
    return -1;
}

int mt_rebase_apply(const char *onto, size_t onto_len, const char *base, size_t base_len, const char *local,
                    size_t local_len, struct mt_buf *out, struct mt_error *err)
{
    /* Ids only need to be distinct and non-empty (an empty M means "new"). */
    struct mem_source src = {{{"onto", onto, onto_len}, {"base", base, base_len}, {"local", local, local_len}}};
    struct mt_frag_ref ref;
    memset(&ref, 0, sizeof ref);
    snprintf(ref.env, sizeof ref.env, "local");
    snprintf(ref.blob, sizeof ref.blob, "local");
    snprintf(ref.m_blob, sizeof ref.m_blob, "base");
    struct mt_plan_options opt = {.policy = MT_POLICY_PRESERVE, .allow_mass_delete = true};
    struct mt_blob_source bs = {mem_read, &src, NULL};
    struct mt_plan p;
    if (mt_plan_load(&p, "onto", &ref, 1, &opt, &bs, err)) return -1;
    int rc = 0;
    if (p.envs[0].status == MT_FRAG_QUARANTINED) {
        mt_error_set(err, "%s", p.envs[0].reason ? p.envs[0].reason : "invalid local graph");
        rc = -1;
    } else {
        mt_plan_resolve(&p);
        mt_plan_write_result(&p, out);
    }
    mt_plan_free(&p);
    return rc;
}

static int diff_of(const char *a, size_t alen, const char *b, size_t blen, struct mt_delta *d,
                   struct mt_fragment *fa, struct mt_fragment *fb, struct mt_error *err)
{
    mt_delta_init(d);
    if (mt_fragment_load(fa, "before", xstrndup(a, alen), alen, err)) return -1;
    if (mt_fragment_load(fb, "after", xstrndup(b, blen), blen, err)) {
        mt_fragment_free(fa);
        return -1;
    }
    if (mt_delta_compute(fa, fb, 0, d, err)) {
        mt_fragment_free(fb);
        mt_fragment_free(fa);
        return -1;
    }
    return 0;
}

int mt_rebase_built_on_before(const char *before, size_t blen, const char *after, size_t alen, const char *local,
                              size_t llen, bool *yes, struct mt_error *err)
{
    *yes = false;
    struct mt_delta dba, dbl;
    struct mt_fragment f1, f2, f3, f4;
    if (diff_of(before, blen, after, alen, &dba, &f1, &f2, err)) return -1;
    if (diff_of(before, blen, local, llen, &dbl, &f3, &f4, err)) {
        mt_delta_free(&dba);
        mt_fragment_free(&f2);
        mt_fragment_free(&f1);
        return -1;
    }
    /* What local did with each entity and relation the import changed:
     * kept as it was before (built on `before`), or as the import made it
     * (built on `after`); the agent's own edits match neither. */
    struct mt_strmap ents, rels;
    mt_strmap_init(&ents);
    mt_strmap_init(&rels);
    for (size_t i = 0; i < dbl.nents; i++) mt_strmap_put(&ents, dbl.ents[i].key, strlen(dbl.ents[i].key), i, NULL);
    for (size_t i = 0; i < dbl.nrels; i++)
        mt_strmap_put(&rels, dbl.rels[i].rel->key, strlen(dbl.rels[i].rel->key), i, NULL);
    size_t as_before = 0, as_after = 0, j;
    for (size_t i = 0; i < dba.nents; i++) {
        const struct mt_ent_delta *e = &dba.ents[i];
        if (!mt_strmap_get(&ents, e->key, strlen(e->key), &j)) {
            as_before++;
        } else {
            const struct mt_entity *l = dbl.ents[j].f, *a = e->f;
            as_after += (!l && !a) || (l && a && mt_entity_same(l, a));
        }
    }
    for (size_t i = 0; i < dba.nrels; i++) {
        const struct mt_rel_delta *r = &dba.rels[i];
        if (!mt_strmap_get(&rels, r->rel->key, strlen(r->rel->key), &j)) as_before++;
        else as_after += dbl.rels[j].added == r->added;
    }
    *yes = as_before > as_after;
    mt_strmap_free(&rels);
    mt_strmap_free(&ents);
    mt_delta_free(&dbl);
    mt_delta_free(&dba);
    mt_fragment_free(&f4);
    mt_fragment_free(&f3);
    mt_fragment_free(&f2);
    mt_fragment_free(&f1);
    return 0;
}
