/* commands.h: the batch commands as one table (DESIGN 4).
 *
 * Promises: every command `memtui --batch` runs has exactly one entry in
 * MT_COMMANDS, which holds its name, its forms as --help shows them, the
 * checks the dispatcher makes before it runs (--offline, positional
 * arguments, the memory file, an open repo) and its handler. mt_batch_run
 * dispatches through mt_command_find only, and --help lists the commands
 * from the table in its order. A new command is one entry in commands.c,
 * its handler, and its lines in the man page, the bash and zsh completions
 * and the README's table (help_commands.sh checks that all of these name
 * the same commands). */
#ifndef MEMTUI_BATCH_COMMANDS_H
#define MEMTUI_BATCH_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "memtui/config/config.h"

/* One run of one command: the config, the open session, the --json
 * result and the error (batch.c owns it). */
struct mt_batch_run;
typedef int (*mt_command_fn)(struct mt_batch_run *run);

enum mt_command_flag {
    MT_CMD_NO_SESSION = 1 << 0,  /* runs without opening the backup repo */
    MT_CMD_OFFLINE_OK = 1 << 1,  /* accepts --offline (every other command refuses it) */
    MT_CMD_TAKES_ARGS = 1 << 2,  /* has positional arguments, which its handler checks */
    MT_CMD_READ_ONLY = 1 << 3,   /* never writes the repo, the remote or the memory file
                                  * (for readers and tests: no check depends on it) */
};

/* When a command needs the local memory file (settings.h says why there
 * may be none): without it the run is refused before the repo opens. */
enum mt_command_memory {
    MT_MEMORY_UNUSED,
    MT_MEMORY_ALWAYS,
    MT_MEMORY_UNLESS_FROM,   /* export reads --from instead */
    MT_MEMORY_UNLESS_TO,     /* import writes --to instead */
};

/* One line of --help: "NAME SYNOPSIS" and what it does. A command with
 * subcommands (lease) has a form per subcommand. */
struct mt_command_form {
    const char *synopsis;    /* after the name; "\n" continues it on a line of its own */
    const char *help;        /* "\n" between lines */
};

#define MT_COMMAND_FORMS 2

struct mt_command {
    const char *name;
    struct mt_command_form forms[MT_COMMAND_FORMS];   /* the first MT_COMMAND_FORMS with help set */
    unsigned flags;                                     /* enum mt_command_flag */
    enum mt_command_memory memory;
    mt_command_fn run;
};

/* The table, ended by an entry whose name is NULL. */
extern const struct mt_command MT_COMMANDS[];

/* The entry named name, or NULL (name may be NULL). */
const struct mt_command *mt_command_find(const char *name);
bool mt_command_has(const struct mt_command *c, enum mt_command_flag flag);
/* Whether cmd reads or writes the memory file with this command line. */
bool mt_command_needs_memory_file(const struct mt_command *c, const struct mt_config *cfg);
/* The names of the commands with flag, as "a, b and c", in out (cut to
 * size bytes). */
void mt_commands_with(enum mt_command_flag flag, char *out, size_t size);
/* The "Commands" part of --help: one entry per form, in table order. */
void mt_commands_help(FILE *to);

/* The handlers (batch.c, batch_lease.c, ...): each returns the exit code. */
int mt_cmd_init(struct mt_batch_run *run);
int mt_cmd_export(struct mt_batch_run *run);
int mt_cmd_merge(struct mt_batch_run *run);
int mt_cmd_import(struct mt_batch_run *run);
int mt_cmd_sync(struct mt_batch_run *run);
int mt_cmd_status(struct mt_batch_run *run);
int mt_cmd_diff(struct mt_batch_run *run);
int mt_cmd_verify(struct mt_batch_run *run);
int mt_cmd_backups(struct mt_batch_run *run);
int mt_cmd_restore(struct mt_batch_run *run);
int mt_cmd_lease(struct mt_batch_run *run);
int mt_cmd_schedule(struct mt_batch_run *run);
int mt_cmd_config(struct mt_batch_run *run);
int mt_cmd_gc(struct mt_batch_run *run);

#endif
