/* view_conflict.c: one conflict, every side side by side with its real
 * name, and the result; the operator's decisions go to the engine
 * (mt_plan_decide, then mt_plan_resolve), with undo. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memtui/fsutil.h"
#include "memtui/ui_app.h"

char *mt_app_side_name(struct mt_app *a, const struct mt_conflict *c, size_t side)
{
    const struct mt_side *s = &c->sides[side];
    const char *commit = "";
    if (s->env == SIZE_MAX) commit = a->snap->u_commit;
    else if (a->snap->export_commit) commit = a->snap->export_commit[s->env];
    if (!commit[0]) return xstrdup(s->label);
    return xasprintf("%s @ %.7s", s->env == SIZE_MAX ? "memory.json" : s->label, commit);
}

static struct mt_conflict *current(struct mt_app *a)
{
    struct mt_plan *p = mt_app_plan(a);
    if (!p || !p->nconflicts) return NULL;
    if (a->conflict >= p->nconflicts) a->conflict = p->nconflicts - 1;
    return &p->conflicts[a->conflict];
}

static enum mt_role side_role(struct mt_app *a, const struct mt_side *s)
{
    if (s->env == SIZE_MAX) return MT_ROLE_BASE;
    return strcmp(s->label, a->cfg->env) == 0 ? MT_ROLE_OURS : MT_ROLE_THEIRS;
}

/* Line k of a column: type, then observations. */
static const char *cell(const struct mt_entity *e, size_t k, char *buf, size_t size)
{
    if (!e) return k == 0 ? "(deleted / absent)" : "";
    if (k == 0) {
        snprintf(buf, size, "type: %s", e->type);
        return buf;
    }
    if (k - 1 < e->obs.n) {
        snprintf(buf, size, "- %s", e->obs.items[k - 1]);
        return buf;
    }
    return "";
}

static void rows(struct mt_app *a, struct mt_rows *out, int width)
{
    struct mt_conflict *c = current(a);
    if (!c) {
        mt_rows_line(out, MT_ROLE_OK, "no conflicts left");
        return;
    }
    struct mt_plan *p = mt_app_plan(a);
    if (a->side >= c->nsides) a->side = c->nsides - 1;
    mt_rows_line(out, c->decided ? MT_ROLE_OK : MT_ROLE_CONFLICT, "Conflict %zu/%zu: %s on \"%s\": %s",
                 a->conflict + 1, p->nconflicts, mt_conflict_kind_name(c->kind), c->name,
                 c->decided ? c->resolution : "PENDING");
    size_t ncols = c->nsides + 1;
    size_t colw = width > 0 ? ((size_t)width - (ncols - 1)) / ncols : 20;
    if (colw < 8) colw = 8;
    struct mt_row *h = mt_rows_add(out);
    size_t lines = 1;
    for (size_t i = 0; i < c->nsides; i++) {
        char *name = mt_app_side_name(a, c, i);
        char *t = xasprintf("%s%s", i == a->side ? "> " : "  ", name);
        mt_row_col(h, i == a->side ? MT_ROLE_SELECTION : side_role(a, &c->sides[i]), colw, t);
        mt_row_seg(h, MT_ROLE_DEFAULT, " ");
        free(t);
        free(name);
        if (c->sides[i].entity && c->sides[i].entity->obs.n + 1 > lines) lines = c->sides[i].entity->obs.n + 1;
    }
    mt_row_col(h, MT_ROLE_RESULT, colw, c->decided ? "  result (decided)" : "  result (preserve rule)");
    if (c->result && c->result->obs.n + 1 > lines) lines = c->result->obs.n + 1;
    /* Under --policy fail the engine leaves the result out until decided:
     * show what the preserve rule would give is not ours to compute, so an
     * undecided conflict shows its sides only. */
    for (size_t k = 0; k < lines; k++) {
        struct mt_row *r = mt_rows_add(out);
        char buf[1024];
        for (size_t i = 0; i < c->nsides; i++) {
            mt_row_col(r, side_role(a, &c->sides[i]), colw, cell(c->sides[i].entity, k, buf, sizeof buf));
            mt_row_seg(r, MT_ROLE_DEFAULT, " ");
        }
        if (c->decided) mt_row_col(r, MT_ROLE_RESULT, colw, cell(c->result, k, buf, sizeof buf));
        else mt_row_col(r, MT_ROLE_DIM, colw, k == 0 ? "(undecided)" : "");
    }
    mt_rows_line(out, MT_ROLE_DEFAULT, "%s", "");
    mt_rows_line(out, MT_ROLE_DIM, "j/k select a side  space take it  u union  e edit  z undo  [/] previous/next  "
                                   "Esc back  m merge menu");
}

static void find_key(struct mt_app *a, const char *key)
{
    struct mt_plan *p = mt_app_plan(a);
    for (size_t i = 0; p && i < p->nconflicts; i++)
        if (strcmp(p->conflicts[i].key, key) == 0) a->conflict = i;
}

static void decide(struct mt_app *a, struct mt_conflict *c, enum mt_decision_kind kind, const struct mt_entity *e,
                   const char *label)
{
    char *key = xstrdup(c->key), *name = xstrdup(c->name);
    mt_ui_decide(mt_app_plan(a), &a->undo, key, kind, e, label);
    a->gen++;   /* the plan changed */
    find_key(a, key);
    mt_app_set_message(a, false, "%s: %s (%zu pending)", name, label, mt_plan_pending(mt_app_plan(a)));
    free(key);
    free(name);
}

/* Union of all sides: the first present side's type (U's when U has X),
 * every side's observations in side order. */
static struct mt_entity *union_of(const struct mt_conflict *c)
{
    struct mt_entity *u = NULL;
    for (size_t i = 0; i < c->nsides; i++) {
        const struct mt_entity *e = c->sides[i].entity;
        if (!e) continue;
        if (!u) u = mt_entity_clone(e);
        else mt_entity_fold(u, e);
    }
    return u;
}

static void edit(struct mt_app *a, struct mt_conflict *c)
{
    const struct mt_entity *e = c->decided && c->result ? c->result : c->sides[a->side].entity;
    if (!e) e = c->result;
    struct mt_entity *tmp = NULL;
    if (!e) e = tmp = union_of(c);
    if (!e) {
        mt_app_set_message(a, true, "nothing to edit: every side deleted it");
        return;
    }
    struct mt_buf b;
    mt_buf_init(&b);
    mt_entity_write(&b, e);
    mt_buf_addc(&b, '\n');
    mt_entity_free(tmp);
    const char *dir = getenv("TMPDIR");
    char *path = xasprintf("%s/memtui-edit-XXXXXX.json", dir && *dir ? dir : "/tmp");
    int fd = mkstemps(path, 5);
    if (fd < 0 || write(fd, b.data, b.len) != (ssize_t)b.len) {
        mt_app_set_message(a, true, "cannot write %s", path);
        if (fd >= 0) close(fd);
        free(path);
        mt_buf_free(&b);
        return;
    }
    close(fd);
    mt_buf_free(&b);
    free(a->edit_path);
    free(a->edit_key);
    a->edit_path = path;
    a->edit_key = xstrdup(c->key);
}

void mt_app_edit_done(struct mt_app *a, int status)
{
    char *path = a->edit_path, *key = a->edit_key;
    a->edit_path = a->edit_key = NULL;
    char *data = NULL;
    size_t len = 0;
    struct mt_error err = {0};
    if (status != 0) {
        mt_app_set_message(a, true, "the editor failed (status %d): nothing decided", status);
    } else if (mt_file_read(path, &data, &len, NULL, &err)) {
        mt_app_set_message(a, true, "%s", err.msg);
    } else {
        while (len && (data[len - 1] == '\n' || data[len - 1] == '\r' || data[len - 1] == ' ')) len--;
        struct mt_item it = {0};
        if (len == 0) {
            mt_app_set_message(a, false, "empty file: edit cancelled");
        } else if (mt_item_parse(data, len, "edited entity", 1, &it, &err) || it.kind != MT_ITEM_ENTITY ||
                   strcmp(it.entity->key, key) != 0) {
            /* re-open: the operator fixes it, or saves an empty file to cancel */
            char *m = err.msg ? mt_error_format(&err) : xstrdup("not the same entity (keep its name)");
            mt_app_set_message(a, true, "invalid: %s (save an empty file to cancel)", m);
            free(m);
            mt_item_clear(&it);
            mt_error_clear(&err);
            free(data);
            a->edit_path = path;
            a->edit_key = key;
            return;
        } else {
            struct mt_conflict *c = current(a);
            find_key(a, key);
            c = current(a);
            if (c) decide(a, c, MT_DECIDE_ENTITY, it.entity, "operator: edited in $EDITOR");
            mt_item_clear(&it);
        }
    }
    mt_error_clear(&err);
    free(data);
    unlink(path);
    free(path);
    free(key);
}

static bool key(struct mt_app *a, enum mt_action act)
{
    struct mt_conflict *c = current(a);
    struct mt_plan *p = mt_app_plan(a);
    switch (act) {
    case MT_ACT_DOWN:
        if (c && a->side + 1 < c->nsides) a->side++;
        return true;
    case MT_ACT_UP:
        if (a->side) a->side--;
        return true;
    case MT_ACT_NEXT_CONFLICT:
        if (p && a->conflict + 1 < p->nconflicts) a->conflict++;
        else mt_app_set_message(a, false, "last conflict");
        return true;
    case MT_ACT_PREV_CONFLICT:
        if (a->conflict) a->conflict--;
        else mt_app_set_message(a, false, "first conflict");
        return true;
    case MT_ACT_TAKE:
        if (c) {
            const struct mt_side *s = &c->sides[a->side];
            char *label = xasprintf("operator: took %s", s->env == SIZE_MAX ? "memory.json" : s->label);
            decide(a, c, s->entity ? MT_DECIDE_ENTITY : MT_DECIDE_DELETE, s->entity, label);
            free(label);
        }
        return true;
    case MT_ACT_UNION:
        if (c) {
            struct mt_entity *u = union_of(c);
            decide(a, c, u ? MT_DECIDE_ENTITY : MT_DECIDE_DELETE, u, "operator: union of all sides");
            mt_entity_free(u);
        }
        return true;
    case MT_ACT_EDIT:
        if (c) edit(a, c);
        return true;
    default: return false;
    }
}

const struct mt_view_ops mt_view_conflict = {"Conflict", rows, NULL, key, NULL, NULL};
