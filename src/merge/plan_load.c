/* plan_load.c: read U and each environment's M_e/F_e, and diff them. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memtui/merge/plan.h"
#include "plan_base.h"

const char *mt_frag_status_name(enum mt_frag_status s)
{
    switch (s) {
    case MT_FRAG_UNCHANGED: return "unchanged";
    case MT_FRAG_CHANGED: return "changed";
    case MT_FRAG_NEW: return "new";
    case MT_FRAG_QUARANTINED: return "quarantined";
    case MT_FRAG_HELD: return "held";
    case MT_FRAG_ABSENT: return "absent";
    }
    return "?";
}

const char *mt_conflict_kind_name(enum mt_conflict_kind k)
{
    return k == MT_CONFLICT_TYPE ? "type" : "modify-delete";
}

static int cmp_env(const void *a, const void *b)
{
    return strcmp(((const struct mt_env_plan *)a)->ref.env, ((const struct mt_env_plan *)b)->ref.env);
}

/* The last merged fragments, indexed. After a sync every environment's
 * M_e is the same blob (memory.json as imported), so it is read and indexed
 * once and shared, read-only, by the threads that diff the environments;
 * two slots cover the usual case of one stray older M_e, and a third
 * distinct M_e in use at once is loaded privately. */
#define M_CACHE 2
enum slot_state { SLOT_EMPTY, SLOT_LOADING, SLOT_READY };
struct m_slot {
    enum slot_state state;
    char blob[MT_OID_HEX];
    struct mt_fragment f;
    struct mt_fragment_index ix;
    unsigned long used;
    int users;
    bool private_copy;
};

struct loader {
    struct mt_plan *p;
    const struct mt_blob_source *src;
    pthread_mutex_t mu;          /* the cache, the work queue, progress, the first error */
    pthread_cond_t loaded;
    pthread_mutex_t io;          /* the blob source is not shared between threads */
    struct m_slot slot[M_CACHE];
    unsigned long tick;
    struct m_slot *u;            /* U's slot, held to the end when U is kept as lines */
    size_t u_counts[3];
    size_t next, done;
    bool failed;
    struct mt_error err;
};

struct lent {
    struct loader *L;
    void (*release)(void *);
    void *hold;
};

/* L is NULL once the loader is gone (U kept by the plan): one thread then. */
static void give_back(void *p)
{
    struct lent *l = p;
    if (l->L) pthread_mutex_lock(&l->L->io);
    l->release(l->hold);
    if (l->L) pthread_mutex_unlock(&l->L->io);
    free(l);
}

/* Read and split a blob (split: false leaves the lines to the delta's walk). */
static int read_fragment(struct loader *L, const char *blob, const char *path, const char *file, bool split,
                         struct mt_fragment *f, char sha[MT_SHA256_HEX], struct mt_error *err)
{
    if (!blob[0]) {
        mt_fragment_empty(f, file);
        if (sha) mt_sha256_hex("", 0, sha);
        return 0;
    }
    char *data;
    size_t len;
    void (*release)(void *) = NULL;
    void *hold = NULL;
    pthread_mutex_lock(&L->io);
    int rc = L->src->read(L->src->ctx, blob, path, &data, &len, &release, &hold, err);
    pthread_mutex_unlock(&L->io);
    if (rc) return -1;
    if (sha) mt_digests_sha256(L->src->digests, blob, data, len, sha);
    int (*load)(struct mt_fragment *, const char *, char *, size_t, void (*)(void *), void *, struct mt_error *) =
        split ? mt_fragment_load_lazy : mt_fragment_load_text;
    if (!release) return load(f, file, data, len, NULL, NULL, err);
    /* Lent bytes (a libgit2 blob, a mapped file) are used where they are,
     * and let go under the source's lock when the fragment is freed, which
     * is always before the loader ends. */
    struct lent *l = xmalloc(sizeof(*l));
    *l = (struct lent){L, release, hold};
    return load(f, file, data, len, give_back, l, err);
}

/* Whether some environment diffs against blob (its M_e): only then are
 * its lines looked up by their bytes. */
static bool is_some_m(const struct mt_plan *p, const char *blob)
{
    for (size_t i = 0; i < p->nenvs; i++)
        if (strcmp(p->envs[i].ref.m_blob, blob) == 0) return true;
    return false;
}

static int fill_slot(struct loader *L, struct m_slot *s, const char *blob, struct mt_error *err)
{
    /* After a sync, M_e is memory.json itself: a clean work-tree file. */
    if (read_fragment(L, blob, "memory.json", "memory (as last merged)", true, &s->f, NULL, err)) return -1;
    mt_fragment_index_build_by(&s->f, &s->ix, is_some_m(L->p, blob));
    return 0;
}

static void empty_slot(struct m_slot *s)
{
    mt_fragment_index_free(&s->ix);
    mt_fragment_free(&s->f);
    s->state = SLOT_EMPTY;
}

static struct m_slot *acquire_m(struct loader *L, const char *blob, struct mt_error *err)
{
    pthread_mutex_lock(&L->mu);
    for (;;) {
        struct m_slot *hit = NULL, *victim = NULL;
        for (int i = 0; i < M_CACHE; i++) {
            struct m_slot *s = &L->slot[i];
            if (s->state != SLOT_EMPTY && strcmp(s->blob, blob) == 0) hit = s;
            else if (s->state == SLOT_EMPTY || (s->state == SLOT_READY && !s->users))
                if (!victim || victim->state != SLOT_EMPTY || s->used < victim->used) victim = s;
        }
        if (hit && hit->state == SLOT_LOADING) {
            pthread_cond_wait(&L->loaded, &L->mu);
            continue;
        }
        if (hit) {
            hit->users++;
            hit->used = ++L->tick;
            pthread_mutex_unlock(&L->mu);
            return hit;
        }
        if (!victim) {  /* every slot busy with another M_e: load one just for this env */
            pthread_mutex_unlock(&L->mu);
            struct m_slot *s = xcalloc(1, sizeof(*s));
            s->private_copy = true;
            if (fill_slot(L, s, blob, err)) {
                free(s);
                return NULL;
            }
            return s;
        }
        if (victim->state == SLOT_READY) empty_slot(victim);
        victim->state = SLOT_LOADING;
        snprintf(victim->blob, sizeof victim->blob, "%s", blob);
        victim->users = 1;
        victim->used = ++L->tick;
        pthread_mutex_unlock(&L->mu);
        int rc = fill_slot(L, victim, blob, err);
        pthread_mutex_lock(&L->mu);
        victim->state = rc ? SLOT_EMPTY : SLOT_READY;
        if (rc) victim->users = 0;
        pthread_cond_broadcast(&L->loaded);
        pthread_mutex_unlock(&L->mu);
        return rc ? NULL : victim;
    }
}

static void release_m(struct loader *L, struct m_slot *s)
{
    if (s->private_copy) {
        empty_slot(s);
        free(s);
        return;
    }
    pthread_mutex_lock(&L->mu);
    s->users--;
    pthread_mutex_unlock(&L->mu);
}

static void loader_free(struct loader *L)
{
    for (int i = 0; i < M_CACHE; i++)
        if (L->slot[i].state == SLOT_READY) empty_slot(&L->slot[i]);
    pthread_mutex_destroy(&L->mu);
    pthread_mutex_destroy(&L->io);
    pthread_cond_destroy(&L->loaded);
    mt_error_clear(&L->err);
}

/* U must be readable: a memory.json that memtui cannot read is not
 * something to merge over. After a sync U is also every environment's M_e,
 * so it is read and indexed once, in the cache the environments share.
 * When its lines are all canonical it stays as lines (plan_base.c);
 * otherwise it is parsed into the base graph. */
static int load_base(struct loader *L, struct mt_error *err)
{
    struct mt_plan *p = L->p;
    if (!p->u_blob[0]) return 0;  /* no memory.json: an empty base */
    struct m_slot *s = acquire_m(L, p->u_blob, err);
    if (!s) {
        if (err->file) {  /* its content, not the blob: name it as U */
            free(err->file);
            err->file = xstrdup("memory.json");
        }
        return -1;
    }
    if (mt_plan_u_scan(&s->f, &s->ix, L->u_counts)) {
        L->u = s;  /* held until the load ends, then adopted */
        mt_trace("memory.json indexed, kept as lines");
        return 0;
    }
    struct mt_fragment as_u = s->f;
    as_u.file = (char *)"memory.json";
    int rc = mt_fragment_to_graph(&as_u, &p->base, err);
    release_m(L, s);
    return rc;
}

/* The plan takes U's lines from the cache; their lent bytes are let go of
 * without the loader's lock from now on. */
static void adopt_u(struct loader *L)
{
    struct m_slot *s = L->u;
    L->u = NULL;
    if (s->f.release == give_back) ((struct lent *)s->f.hold)->L = NULL;
    mt_plan_u_adopt(L->p, &s->f, &s->ix, L->u_counts);
    if (s->private_copy) {
        free(s);
        return;
    }
    pthread_mutex_lock(&L->mu);
    s->users = 0;
    s->state = SLOT_EMPTY;
    pthread_mutex_unlock(&L->mu);
}

static void quarantine(struct mt_env_plan *e, struct mt_error *why)
{
    e->status = MT_FRAG_QUARANTINED;
    e->reason = mt_error_format(why);
    mt_error_clear(why);
    mt_delta_free(&e->delta);
}

/* One environment: F_e is read, diffed against M_e and dropped before the
 * next one, so memory holds one F at a time. */
static int load_env(struct loader *L, struct mt_env_plan *e, struct mt_error *err)
{
    struct mt_plan *p = L->p;
    const struct mt_frag_ref *r = &e->ref;
    if (r->not_regular) {  /* a symlink's blob names a file outside: never read, never followed */
        e->status = MT_FRAG_QUARANTINED;
        e->reason = xasprintf("memory-%s.json is %s, not a regular file: quarantined, never read or followed",
                              r->env, r->not_regular);
        return 0;
    }
    if (!r->blob[0]) {
        e->status = MT_FRAG_ABSENT;
        return 0;
    }
    if (r->m_blob[0] && strcmp(r->blob, r->m_blob) == 0) {
        e->status = MT_FRAG_UNCHANGED;
        memcpy(e->sha256, r->m_sha256, sizeof e->sha256);
        e->entities = r->m_entities;
        e->relations = r->m_relations;
        e->observations = r->m_observations;
        return 0;
    }
    char *fname = xasprintf("memory-%s.json", r->env);
    struct mt_fragment f;
    struct mt_error why = {0};
    int rc = read_fragment(L, r->blob, fname, fname, false, &f, e->sha256, &why);
    free(fname);
    if (rc) {
        if (!why.file) {  /* the blob itself could not be read: a real error */
            mt_error_move(err, &why);
            return -1;
        }
        quarantine(e, &why);
        return 0;
    }
    struct m_slot *m = NULL;
    struct mt_fragment empty;
    struct mt_fragment_index empty_ix;
    if (r->m_blob[0]) {
        m = acquire_m(L, r->m_blob, err);
        if (!m) {
            mt_fragment_free(&f);
            return -1;
        }
    } else {
        mt_fragment_empty(&empty, "(new)");
        mt_fragment_index_build(&empty, &empty_ix);
    }
    if (mt_delta_compute_ix(m ? &m->f : &empty, m ? &m->ix : &empty_ix, &f, r->m_observations, &e->delta, &why)) {
        e->parsed_lines = e->delta.parsed_lines;
        quarantine(e, &why);
    } else {
        e->status = r->m_blob[0] ? MT_FRAG_CHANGED : MT_FRAG_NEW;
        e->entities = e->delta.f_entities;
        e->relations = e->delta.f_relations;
        e->observations = e->delta.f_observations;
        e->parsed_lines = e->delta.parsed_lines;
        size_t del = e->delta.deletions, had = e->delta.m_entities;
        if (del >= 10 && del * 2 > had && !p->opt.allow_mass_delete) {
            e->status = MT_FRAG_HELD;
            e->reason = xasprintf("memory-%s.json would delete %zu of its %zu entities: held back "
                                  "until confirmed (--allow-mass-delete)", r->env, del, had);
        }
    }
    if (m) {
        release_m(L, m);
    } else {
        mt_fragment_index_free(&empty_ix);
        mt_fragment_free(&empty);
    }
    mt_fragment_free(&f);
    return 0;
}

/* Each thread takes the next environment until none is left or one failed. */
static void *env_worker(void *arg)
{
    struct loader *L = arg;
    for (;;) {
        pthread_mutex_lock(&L->mu);
        size_t i = L->next;
        bool stop = L->failed || i >= L->p->nenvs;
        if (!stop) L->next++;
        pthread_mutex_unlock(&L->mu);
        if (stop) return NULL;
        struct mt_error err = {0};
        int rc = load_env(L, &L->p->envs[i], &err);
        pthread_mutex_lock(&L->mu);
        if (rc && !L->failed) {
            L->failed = true;
            mt_error_move(&L->err, &err);
        }
        L->done++;
        if (!rc && L->p->opt.progress)
            L->p->opt.progress(L->p->opt.progress_ctx, L->done, L->p->nenvs, L->p->envs[i].ref.env);
        pthread_mutex_unlock(&L->mu);
        mt_error_clear(&err);
    }
}

int mt_plan_load(struct mt_plan *p, const char *u_blob, const struct mt_frag_ref *frags,
                 size_t nfrags, const struct mt_plan_options *opt,
                 const struct mt_blob_source *src, struct mt_error *err)
{
    memset(p, 0, sizeof(*p));
    if (opt) p->opt = *opt;
    p->opt.intent = NULL;   /* copied below: the caller's may not outlive the plan */
    mt_intent_init(&p->intent);
    snprintf(p->u_blob, sizeof p->u_blob, "%s", u_blob ? u_blob : "");
    mt_graph_init(&p->base);
    mt_graph_init(&p->result);
    mt_strmap_init(&p->removed);
    p->envs = xcalloc(nfrags ? nfrags : 1, sizeof(*p->envs));
    p->nenvs = nfrags;
    for (size_t i = 0; i < nfrags; i++) {
        p->envs[i].ref = frags[i];
        mt_delta_init(&p->envs[i].delta);
    }
    qsort(p->envs, p->nenvs, sizeof(*p->envs), cmp_env);
    struct loader L = {.p = p, .src = src};
    pthread_mutex_init(&L.mu, NULL);
    pthread_mutex_init(&L.io, NULL);
    pthread_cond_init(&L.loaded, NULL);
    /* A helper thread starts on the environments (and M_e) while this one
     * reads U; then both share the rest. One environment too: its diff
     * (and its M_e) costs about what U does. */
    pthread_t helper;
    bool threaded = p->nenvs > 0 && pthread_create(&helper, NULL, env_worker, &L) == 0;
    int rc = load_base(&L, err);
    mt_trace("memory.json read");
    if (rc) {
        pthread_mutex_lock(&L.mu);
        L.failed = true;
        pthread_mutex_unlock(&L.mu);
    } else {
        env_worker(&L);
    }
    if (threaded) pthread_join(helper, NULL);
    if (!rc && L.failed) {
        mt_error_move(err, &L.err);
        rc = -1;
    }
    if (L.u && !rc) adopt_u(&L);
    else if (L.u) release_m(&L, L.u);
    loader_free(&L);
    if (!rc && opt && opt->intent) mt_plan_set_intent(p, opt->intent);
    return rc;
}

static void let_through(struct mt_env_plan *e)
{
    e->status = e->ref.m_blob[0] ? MT_FRAG_CHANGED : MT_FRAG_NEW;
    e->confirmed = true;
    free(e->reason);
    e->reason = NULL;
}

void mt_plan_confirm_mass_delete(struct mt_plan *p, size_t env)
{
    struct mt_env_plan *e = &p->envs[env];
    if (e->status != MT_FRAG_HELD) return;
    mt_intent_allow_delete(&p->intent, e->ref.env, e->sha256);
    let_through(e);
}

void mt_plan_set_intent(struct mt_plan *p, const struct mt_intent *in)
{
    if (in != &p->intent) {
        struct mt_intent copy;
        mt_intent_copy(&copy, in);
        mt_intent_free(&p->intent);
        p->intent = copy;
    }
    for (size_t i = 0; i < p->nenvs; i++) {
        struct mt_env_plan *e = &p->envs[i];
        if (e->status == MT_FRAG_HELD && !e->synthetic && mt_intent_allows_delete(&p->intent, e->ref.env, e->sha256))
            let_through(e);
    }
}

size_t mt_plan_pending(const struct mt_plan *p)
{
    size_t n = 0;
    for (size_t i = 0; i < p->nconflicts; i++) n += !p->conflicts[i].decided;
    return n;
}

size_t mt_plan_unresolved(const struct mt_plan *p)
{
    size_t n = 0;
    for (size_t i = 0; i < p->nconflicts; i++)
        n += p->resolved ? p->conflicts[i].left_pending : !p->conflicts[i].decided;
    return n;
}

bool mt_plan_has_quarantine(const struct mt_plan *p)
{
    for (size_t i = 0; i < p->nenvs; i++)
        if (p->envs[i].status == MT_FRAG_QUARANTINED || p->envs[i].status == MT_FRAG_HELD) return true;
    return false;
}
