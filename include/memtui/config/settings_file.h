/* settings_file.h: the config file, $XDG_CONFIG_HOME/memtui/config (DESIGN 4).
 *
 * Promises: `key = value` lines, `#` comments and blank lines; keys are the
 * long options' names (repo, env, memory-file, remote, theme, lock-timeout,
 * lease-ttl) and mouse (yes or no: --no-mouse), each at most once; values are checked exactly as the options
 * are (config.h), and a leading `~` in a path is $HOME. A missing file is
 * no error. Any other problem is one error naming PATH:LINE. */
#ifndef MEMTUI_SETTINGS_FILE_H
#define MEMTUI_SETTINGS_FILE_H

#include <stdbool.h>

#include "memtui/base/util.h"

enum mt_setting {
    MT_SET_REPO, MT_SET_ENV, MT_SET_MEMORY_FILE, MT_SET_REMOTE, MT_SET_THEME, MT_SET_LOCK_TIMEOUT,
    MT_SET_LEASE_TTL, MT_SET_MOUSE, MT_SET_COUNT,
};

struct mt_settings_file {
    char *path;
    bool exists;
    char *value[MT_SET_COUNT];     /* NULL: not in the file; paths with ~ expanded */
    double seconds[MT_SET_COUNT];  /* lock-timeout, lease-ttl as numbers */
    int line[MT_SET_COUNT];
};

/* The long option's name of k ("memory-file"). */
const char *mt_setting_name(enum mt_setting k);
/* $XDG_CONFIG_HOME/memtui/config, else ~/.config/memtui/config (caller frees). */
char *mt_settings_file_path(void);
/* Returns 0 (f filled, f->exists false for a missing file), or
 * MT_EXIT_USAGE (2) with err "PATH:LINE: why". f is always freeable. */
int mt_settings_file_read(const char *path, struct mt_settings_file *f, struct mt_error *err);
/* Same over text in memory, into a zeroed f (path only names it in errors). */
int mt_settings_file_parse(const char *path, const char *text, struct mt_settings_file *f, struct mt_error *err);
void mt_settings_file_free(struct mt_settings_file *f);
/* ~ and ~/rest as $HOME and $HOME/rest; anything else copied (caller frees). */
char *mt_expand_home(const char *path);

#endif
