/* intent.c: the operator's intent as one value (intent.h). */
#include "memtui/merge/intent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memtui/base/util.h"

void mt_intent_init(struct mt_intent *in)
{
    memset(in, 0, sizeof(*in));
    mt_strmap_init(&in->index);
}

static void decision_clear(struct mt_decision *d)
{
    mt_entity_free(d->entity);
    free(d->label);
    memset(d, 0, sizeof(*d));
}

static void decision_set(struct mt_decision *d, enum mt_decision_kind kind, const struct mt_entity *entity,
                         const char *label)
{
    decision_clear(d);
    d->kind = kind;
    d->entity = entity && kind == MT_DECIDE_ENTITY ? mt_entity_clone(entity) : NULL;
    d->label = label && kind != MT_DECIDE_NONE ? xstrdup(label) : NULL;
}

/* A stack of keyed decisions (undo or redo), newest last. */
struct stack {
    struct mt_keyed_decision **v;
    size_t *n, *cap;
};

static struct stack undo_stack(struct mt_intent *in)
{
    return (struct stack){&in->undo, &in->nundo, &in->undo_cap};
}

static struct stack redo_stack(struct mt_intent *in)
{
    return (struct stack){&in->redo, &in->nredo, &in->redo_cap};
}

static void push(struct stack s, const char *key, const struct mt_decision *d)
{
    MT_GROW(*s.v, *s.cap, *s.n + 1);
    struct mt_keyed_decision *u = &(*s.v)[(*s.n)++];
    u->key = xstrdup(key);
    memset(&u->d, 0, sizeof(u->d));
    decision_set(&u->d, d->kind, d->entity, d->label);
}

static void drop_stack(struct stack s)
{
    for (size_t i = 0; i < *s.n; i++) {
        free((*s.v)[i].key);
        decision_clear(&(*s.v)[i].d);
    }
    free(*s.v);
    *s.v = NULL;
    *s.n = *s.cap = 0;
}

static void drop_restore(struct mt_intent *in)
{
    free(in->restore_ref);
    for (size_t i = 0; i < in->nrestore_names; i++) free(in->restore_names[i]);
    free(in->restore_names);
    in->restore_ref = NULL;
    in->restore_names = NULL;
    in->nrestore_names = 0;
}

void mt_intent_drop_decisions(struct mt_intent *in)
{
    for (size_t i = 0; i < in->ndecisions; i++) {
        decision_clear(&in->decisions[i]);
        free(in->keys[i]);
    }
    free(in->decisions);
    free(in->keys);
    in->decisions = NULL;
    in->keys = NULL;
    in->ndecisions = in->cap = 0;
    mt_strmap_free(&in->index);
    mt_strmap_init(&in->index);
    drop_stack(undo_stack(in));
    drop_stack(redo_stack(in));
}

void mt_intent_free(struct mt_intent *in)
{
    mt_intent_drop_decisions(in);
    mt_strmap_free(&in->index);
    free(in->allowed);
    drop_restore(in);
    memset(in, 0, sizeof(*in));
}

/* The slot of key, made when missing (kind MT_DECIDE_NONE). */
static struct mt_decision *slot(struct mt_intent *in, const char *key)
{
    size_t at;
    if (!mt_strmap_get(&in->index, key, strlen(key), &at)) {
        MT_GROW(in->decisions, in->cap, in->ndecisions + 1);
        at = in->ndecisions++;
        memset(&in->decisions[at], 0, sizeof(in->decisions[at]));
        /* keys must stay put while the map holds them: each is its own allocation */
        in->keys = xrealloc(in->keys, in->cap * sizeof(char *));
        in->keys[at] = xstrdup(key);
        mt_strmap_put(&in->index, in->keys[at], strlen(key), at, NULL);
    }
    return &in->decisions[at];
}

void mt_intent_decide(struct mt_intent *in, const char *key, enum mt_decision_kind kind,
                      const struct mt_entity *entity, const char *label)
{
    struct mt_decision *d = slot(in, key);
    push(undo_stack(in), key, d);
    decision_set(d, kind, entity, label);
    drop_stack(redo_stack(in));
}

/* The newest entry of from puts its decision back; what it replaces goes
 * onto to, so that the step can be walked the other way. */
static bool step(struct mt_intent *in, struct stack from, struct stack to, char **key)
{
    if (!*from.n) return false;
    struct mt_keyed_decision *u = &(*from.v)[--*from.n];
    struct mt_decision *d = slot(in, u->key);
    push(to, u->key, d);
    decision_set(d, u->d.kind, u->d.entity, u->d.label);
    decision_clear(&u->d);
    if (key) *key = u->key;
    else free(u->key);
    return true;
}

bool mt_intent_undo(struct mt_intent *in, char **key)
{
    return step(in, undo_stack(in), redo_stack(in), key);
}

bool mt_intent_redo(struct mt_intent *in, char **key)
{
    return step(in, redo_stack(in), undo_stack(in), key);
}

const struct mt_decision *mt_intent_decision(const struct mt_intent *in, const char *key)
{
    size_t at;
    if (!in || !mt_strmap_get(&in->index, key, strlen(key), &at)) return NULL;
    return in->decisions[at].kind == MT_DECIDE_NONE ? NULL : &in->decisions[at];
}

void mt_intent_allow_delete(struct mt_intent *in, const char *env, const char *sha256)
{
    if (mt_intent_allows_delete(in, env, sha256)) return;
    MT_GROW(in->allowed, in->allowed_cap, in->nallowed + 1);
    struct mt_intent_allow *a = &in->allowed[in->nallowed++];
    snprintf(a->env, sizeof a->env, "%s", env);
    snprintf(a->sha256, sizeof a->sha256, "%s", sha256);
}

bool mt_intent_allows_delete(const struct mt_intent *in, const char *env, const char *sha256)
{
    for (size_t i = 0; in && i < in->nallowed; i++)
        if (strcmp(in->allowed[i].env, env) == 0 && strcmp(in->allowed[i].sha256, sha256) == 0) return true;
    return false;
}

void mt_intent_set_restore(struct mt_intent *in, const char *ref, char *const *names, size_t nnames)
{
    drop_restore(in);
    in->restore_ref = xstrdup(ref);
    in->restore_names = xcalloc(nnames + 1, sizeof(char *));
    for (size_t i = 0; i < nnames; i++) in->restore_names[i] = xstrdup(names[i]);
    in->nrestore_names = nnames;
}

void mt_intent_copy(struct mt_intent *dst, const struct mt_intent *src)
{
    mt_intent_init(dst);
    if (!src) return;
    for (size_t i = 0; i < src->ndecisions; i++)
        if (src->decisions[i].kind != MT_DECIDE_NONE)
            decision_set(slot(dst, src->keys[i]), src->decisions[i].kind, src->decisions[i].entity,
                         src->decisions[i].label);
    for (size_t i = 0; i < src->nundo; i++) push(undo_stack(dst), src->undo[i].key, &src->undo[i].d);
    for (size_t i = 0; i < src->nredo; i++) push(redo_stack(dst), src->redo[i].key, &src->redo[i].d);
    for (size_t i = 0; i < src->nallowed; i++)
        mt_intent_allow_delete(dst, src->allowed[i].env, src->allowed[i].sha256);
    if (src->restore_ref) mt_intent_set_restore(dst, src->restore_ref, src->restore_names, src->nrestore_names);
}
