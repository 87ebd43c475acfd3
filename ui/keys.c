/* keys.c: key names and the action table's dispatch (curses-free). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "memtui/ui/actions.h"
#include "memtui/ui/keys.h"
#include "memtui/base/util.h"

static const struct {
    const char *name;
    int key;
} NAMED[] = {
    {"Enter", MT_KEY_ENTER}, {"Return", MT_KEY_ENTER}, {"Tab", MT_KEY_TAB},   {"S-Tab", MT_KEY_BTAB},
    {"BackTab", MT_KEY_BTAB}, {"Esc", MT_KEY_ESC},     {"Escape", MT_KEY_ESC}, {"Space", ' '},
    {"Up", MT_KEY_UP},        {"Down", MT_KEY_DOWN},   {"Left", MT_KEY_LEFT}, {"Right", MT_KEY_RIGHT},
    {"Home", MT_KEY_HOME},    {"End", MT_KEY_END},     {"PgUp", MT_KEY_PGUP}, {"PageUp", MT_KEY_PGUP},
    {"PgDn", MT_KEY_PGDN},    {"PageDown", MT_KEY_PGDN}, {"Backspace", MT_KEY_BACKSPACE},
    {"Delete", MT_KEY_DELETE}, {"Del", MT_KEY_DELETE},
};

/* One UTF-8 character to its code point; -1 unless s is exactly one. */
static int utf8_one(const unsigned char *s, size_t n)
{
    if (n == 0) return -1;
    int len = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3 : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
    if (!len || (size_t)len != n) return -1;
    int cp = len == 1 ? s[0] : s[0] & (0x7f >> len);
    for (int i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) return -1;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    return cp;
}

int mt_key_parse(const char *name)
{
    if (!name) return -1;
    size_t n = strlen(name);
    /* "<Enter>" as tig writes it; a lone "<" or ">" stays a key */
    if (n > 2 && name[0] == '<' && name[n - 1] == '>') {
        name++;
        n -= 2;
    }
    for (size_t i = 0; i < sizeof NAMED / sizeof NAMED[0]; i++)
        if (strlen(NAMED[i].name) == n && strncasecmp(NAMED[i].name, name, n) == 0) return NAMED[i].key;
    /* C-x, ^X: control codes (C-d = 4) */
    if ((n == 3 && (name[0] == 'C' || name[0] == 'c') && name[1] == '-') || (n == 2 && name[0] == '^')) {
        int c = tolower((unsigned char)name[n - 1]);
        if (c >= 'a' && c <= 'z') return c & 0x1f;
        return -1;
    }
    return utf8_one((const unsigned char *)name, n);
}

const char *mt_key_name(int key, char *buf, size_t size)
{
    for (size_t i = 0; i < sizeof NAMED / sizeof NAMED[0]; i++)
        if (NAMED[i].key == key) {
            snprintf(buf, size, "%s", NAMED[i].name);
            return buf;
        }
    if (key > 0 && key < 0x20) snprintf(buf, size, "C-%c", 'a' + key - 1);
    else if (key < 0x80) snprintf(buf, size, "%c", key);
    else if (key < 0x800) snprintf(buf, size, "%c%c", 0xc0 | (key >> 6), 0x80 | (key & 0x3f));
    else if (key < 0x10000)
        snprintf(buf, size, "%c%c%c", 0xe0 | (key >> 12), 0x80 | ((key >> 6) & 0x3f), 0x80 | (key & 0x3f));
    else if (key < MT_KEY_SPECIAL)
        snprintf(buf, size, "%c%c%c%c", 0xf0 | (key >> 18), 0x80 | ((key >> 12) & 0x3f),
                 0x80 | ((key >> 6) & 0x3f), 0x80 | (key & 0x3f));
    else snprintf(buf, size, "key-%d", key);
    return buf;
}

/* ---- the action table ----------------------------------------------------- */

const struct mt_action_info mt_actions[] = {
#define MT_UI_ACTION_INFO(name, keys, help) {MT_ACT_##name, #name, keys, help},
    MT_UI_ACTIONS(MT_UI_ACTION_INFO)
#undef MT_UI_ACTION_INFO
};
const size_t mt_nactions = sizeof mt_actions / sizeof mt_actions[0];

/* Does the space-separated key list bind key? */
static bool binds(const char *keys, int key)
{
    char word[32];
    const char *p = keys;
    while (*p) {
        while (*p == ' ') p++;
        size_t n = strcspn(p, " ");
        if (!n) break;
        if (n < sizeof word) {
            memcpy(word, p, n);
            word[n] = '\0';
            if (mt_key_parse(word) == key) return true;
        }
        p += n;
    }
    return false;
}

enum mt_action mt_action_for_key(int key)
{
    for (size_t i = 0; i < mt_nactions; i++)
        if (binds(mt_actions[i].keys, key)) return mt_actions[i].action;
    return MT_ACT_NONE;
}

enum mt_action mt_action_by_name(const char *name)
{
    for (size_t i = 0; i < mt_nactions; i++) {
        const char *a = mt_actions[i].name, *b = name;
        while (*a && *b && (tolower((unsigned char)*a) == tolower((unsigned char)*b) ||
                            ((*a == '_' || *a == '-') && (*b == '_' || *b == '-')))) {
            a++;
            b++;
        }
        if (!*a && !*b) return mt_actions[i].action;
    }
    return MT_ACT_NONE;
}

const struct mt_action_info *mt_action_info(enum mt_action a)
{
    for (size_t i = 0; i < mt_nactions; i++)
        if (mt_actions[i].action == a) return &mt_actions[i];
    return NULL;
}
