/* ui/keys.h: key codes and key names, without curses.
 *
 * Printable keys are their Unicode code point, control keys their control
 * code (C-d = 4, Tab = 9, Esc = 27); the others get codes above Unicode.
 * display.c maps curses' KEY_* to these, so everything above it (action
 * table, scripts, tests) stays curses-free. */
#ifndef MEMTUI_UI_KEYS_H
#define MEMTUI_UI_KEYS_H

#include <stddef.h>

enum {
    MT_KEY_TAB = 9,
    MT_KEY_ESC = 27,
    MT_KEY_SPECIAL = 0x110000,
    MT_KEY_ENTER,
    MT_KEY_BTAB,
    MT_KEY_UP,
    MT_KEY_DOWN,
    MT_KEY_LEFT,
    MT_KEY_RIGHT,
    MT_KEY_HOME,
    MT_KEY_END,
    MT_KEY_PGUP,
    MT_KEY_PGDN,
    MT_KEY_BACKSPACE,
    MT_KEY_DELETE,
};

/* Parse one key name: "j", "東", "C-d", "S-Tab", "Esc", "Enter", "Space",
 * "Up", "PgDn", "<Enter>" (angle brackets optional). Returns the code, or
 * -1 when the name is unknown. */
int mt_key_parse(const char *name);
/* The canonical name of a key code into buf ("C-d", "Enter", "j"). */
const char *mt_key_name(int key, char *buf, size_t size);

#endif
