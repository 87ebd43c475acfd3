/* ui/actions.h: the workstation's one table of actions (tig's REQ_INFO).
 *
 * Each entry: NAME, default keys (key names as ui/keys.h parses them,
 * separated by spaces) and the help text. The list generates the action
 * enum, the key dispatch and the `?` help overlay, so keys, help and
 * dispatch cannot drift apart. Curses-free. */
#ifndef MEMTUI_UI_ACTIONS_H
#define MEMTUI_UI_ACTIONS_H

#include <stddef.h>

#define MT_UI_ACTIONS(A)                                                             \
    A(QUIT, "q", "quit (asks first if a write runs or decisions are unsaved)")     \
    A(QUIT_NOW, "Q", "quit at once")                                                 \
    A(BACK, "Esc", "back: close the view, overlay or menu")                          \
    A(HELP, "?", "this help")                                                        \
    A(DOWN, "j Down", "next row (conflict view: scroll down a line)")                \
    A(UP, "k Up", "previous row (conflict view: scroll up a line)")                  \
    A(LEFT, "h Left", "conflict view: select the side to the left")                 \
    A(RIGHT, "l Right", "conflict view: select the side (or the result) to the right") \
    A(FIRST, "g Home", "first row")                                                  \
    A(LAST, "G End", "last row")                                                     \
    A(PAGE_DOWN, "C-d PgDn", "half a page down")                                     \
    A(PAGE_UP, "C-u PgUp", "half a page up")                                         \
    A(NEXT_PANEL, "Tab", "next panel")                                               \
    A(PREV_PANEL, "S-Tab", "previous panel")                                         \
    A(PANEL_ENVS, "1", "panel 1: environments")                                      \
    A(PANEL_LOCKS, "2", "panel 2: local lock and git lease")                         \
    A(PANEL_PLAN, "3", "panel 3: the pending plan")                                  \
    A(PANEL_CONFLICTS, "4", "panel 4: conflicts")                                    \
    A(PANEL_BACKUPS, "5", "panel 5: stashes and backup branches")                    \
    A(PANEL_LOG, "6", "panel 6: merges from the manifests")                          \
    A(ENTER, "Enter", "open the selected row: its details, its conflict or its diff (conflict view: as Space)") \
    A(REFRESH, "R", "fetch the remote, then reload everything (background)")           \
    A(SEARCH, "/", "filter rows (plan: by entity)")                                  \
    A(SEARCH_NEXT, "n", "next match")                                                \
    A(SEARCH_PREV, "N", "previous match")                                            \
    A(PREV_CONFLICT, "[", "conflict view: previous conflict")                        \
    A(NEXT_CONFLICT, "]", "conflict view: next conflict")                            \
    A(TAKE, "Space", "conflict view: keep the result, or the side's type with every "  \
                     "side's observations; backup diff: mark the entity")           \
    A(TAKE_EXACT, "x", "conflict view: take the side exactly as it is, dropping "     \
                       "what only the others hold (asks, listing it)")                \
    A(DELETE_ENTITY, "d", "conflict view: delete the entity (asks, naming it)")      \
    A(UNION, "u", "conflict view: union of all sides")                               \
    A(EDIT, "e", "conflict view: edit the entity in $EDITOR")                        \
    A(UNDO, "z", "undo the last decision")                                           \
    A(REDO, "Z C-r", "redo the last decision undone")                                \
    A(RESTORE, "r", "backups: restore the selected backup's entities")               \
    A(ALLOW_DELETE, "D", "environments: let a held-back mass deletion through")      \
    A(MERGE_MENU, "m", "merge menu: finish the merge, abort, fresh sync")          \
    A(BREAK_LEASE, "B", "locks: break the git lease (asks, naming its holder and token)") \
    A(MESSAGES, "M", "the message history: warnings, audit lines and steps")

enum mt_action {
    MT_ACT_NONE = 0,
#define MT_UI_ACTION_ENUM(name, keys, help) MT_ACT_##name,
    MT_UI_ACTIONS(MT_UI_ACTION_ENUM)
#undef MT_UI_ACTION_ENUM
    MT_ACT_COUNT
};

struct mt_action_info {
    enum mt_action action;
    const char *name;      /* "next-panel" style, for :commands and docs */
    const char *keys;      /* default keys */
    const char *help;
};

/* The table, MT_ACT_COUNT - 1 entries in the order above. */
extern const struct mt_action_info mt_actions[];
extern const size_t mt_nactions;

/* The action bound to key (a ui/keys.h code), MT_ACT_NONE if none. */
enum mt_action mt_action_for_key(int key);
/* The action named like "next-panel" (case-insensitive, '_' or '-'). */
enum mt_action mt_action_by_name(const char *name);
const struct mt_action_info *mt_action_info(enum mt_action a);

#endif
