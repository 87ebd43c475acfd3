/* view_help.c: the `?` overlay, generated from the action table: the keys
 * of the view it was opened from first, then every other key. An action
 * belongs to a view when its help text names it ("conflict view: ..."). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "memtui/ui/app.h"

/* How the action table's help texts name each view. */
static const char *const VIEW_WORDS[MT_VIEW_COUNT] = {
    [MT_VIEW_ENVS] = "environments",  [MT_VIEW_LOCKS] = "locks",         [MT_VIEW_PLAN] = "plan",
    [MT_VIEW_CONFLICTS] = "conflicts", [MT_VIEW_BACKUPS] = "backups",    [MT_VIEW_LOG] = "log",
    [MT_VIEW_CONFLICT] = "conflict view", [MT_VIEW_TEXT] = "backup diff", [MT_VIEW_MENU] = "merge menu",
};

/* "conflict view: ...", "(plan: ...)", "...; backup diff: ...". */
static bool names_view(const struct mt_action_info *i, enum mt_view_id v)
{
    const char *w = v < MT_VIEW_COUNT ? VIEW_WORDS[v] : NULL;
    size_t n = w ? strlen(w) : 0;
    for (const char *p = i->help; w && (p = strstr(p, w)); p++)
        if ((p == i->help || p[-1] == ' ' || p[-1] == '(') && p[n] == ':') return true;
    return false;
}

/* Keys in a column, the help wrapped beside it: nothing is cut off. */
static void key_row(struct mt_rows *out, const struct mt_action_info *i, int width)
{
    enum { KEYS = 16 };
    struct mt_rows lines = {0};
    mt_text_wrap(&lines, MT_ROLE_DEFAULT, i->help, width > KEYS + 20 ? (size_t)(width - KEYS) : 20, 6);
    for (size_t k = 0; k < lines.n; k++) {
        struct mt_row *r = mt_rows_add(out);
        mt_row_col(r, MT_ROLE_CHANGED, KEYS, k ? "" : i->keys);
        for (size_t j = 0; j < lines.v[k].nsegs; j++) mt_row_seg(r, lines.v[k].segs[j].role, "%s", lines.v[k].segs[j].text);
    }
    mt_rows_clear(&lines);
}

static void rows(struct mt_app *a, struct mt_rows *out, int width)
{
    enum mt_view_id from = a->back;
    const char *name = mt_app_view_ops(from)->name;
    size_t own = 0;
    mt_rows_line(out, MT_ROLE_HEADER, "Keys of %s (Esc or q closes this help)", name);
    for (size_t i = 0; i < mt_nactions; i++)
        if (names_view(&mt_actions[i], from)) {
            key_row(out, &mt_actions[i], width);
            own++;
        }
    if (!own) mt_rows_line(out, MT_ROLE_DIM, "none of its own: the keys below work here");
    mt_rows_line(out, MT_ROLE_DEFAULT, "%s", "");
    mt_rows_line(out, MT_ROLE_HEADER, "Every key");
    for (size_t i = 0; i < mt_nactions; i++)
        if (!names_view(&mt_actions[i], from)) key_row(out, &mt_actions[i], width);
    mt_rows_line(out, MT_ROLE_DEFAULT, "%s", "");
    mt_rows_line(out, MT_ROLE_DIM, "In prompts: y confirms, any other key cancels; '/' takes text, Enter applies it.");
    mt_rows_line(out, MT_ROLE_DIM, "Searches are smart-case: lower case matches any case.");
}

const struct mt_view_ops mt_view_help = {.name = "Help", .rows = rows};
