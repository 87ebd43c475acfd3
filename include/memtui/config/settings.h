/* settings.h: where each effective setting came from (DESIGN 4).
 *
 * Promises: mt_settings_resolve fills what the command line left unset, in
 * this order: environment variable ($MEMTUI_REPO, $MEMORY_FILE_PATH), the
 * config file (settings_file.h), for the memory file what the MCP clients'
 * configurations name (mcp_discover.h), then the default; and records each
 * setting's source. A config file that cannot be read or holds a bad line
 * is MT_EXIT_USAGE naming PATH:LINE. No memory file found is no error here:
 * memory_file stays NULL and no_memory_file says where memtui looked. */
#ifndef MEMTUI_SETTINGS_H
#define MEMTUI_SETTINGS_H

#include "memtui/config/config.h"
#include "memtui/config/settings_file.h"

enum mt_source {
    MT_SOURCE_DEFAULT, MT_SOURCE_OPTION, MT_SOURCE_ENVIRONMENT, MT_SOURCE_FILE, MT_SOURCE_DISCOVERED,
    MT_SOURCE_NONE,
};

struct mt_settings {
    char *file;                       /* the config file looked for */
    bool file_exists;
    enum mt_source source[MT_SET_COUNT];
    char *detail[MT_SET_COUNT];       /* "$MEMTUI_REPO", "PATH:LINE", the client file; or NULL */
    char *no_memory_file;             /* memory_file NULL: why (where memtui looked) */
    char **skipped;                   /* client files that did not parse: "PATH: why" */
    size_t nskipped;
};

/* "option", "environment", "config file", "discovered", "default", "none". */
const char *mt_source_name(enum mt_source s);
/* c's options are set (lock_timeout and lease_ttl < 0 when not given);
 * allocates c->settings. */
int mt_settings_resolve(struct mt_config *c, struct mt_error *err);
void mt_settings_free(struct mt_settings *s);
/* "option", "environment $MEMTUI_REPO", "config file PATH:LINE",
 * "discovered: FILE (where)", "default" or "none" (caller frees). */
char *mt_settings_source_text(const struct mt_settings *s, enum mt_setting k);

#endif
