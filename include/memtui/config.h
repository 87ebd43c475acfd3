/* config.h: the command line and its defaults (DESIGN 4).
 *
 * Promises: mt_config_parse accepts every option of the contract in any
 * position (GNU getopt_long with permutation), fills defaults from the
 * environment ($MEMTUI_REPO, $MEMORY_FILE_PATH, the short host name), and
 * refuses a bad option, a bad value or an invalid env name with a message
 * and MT_EXIT_USAGE. */
#ifndef MEMTUI_CONFIG_H
#define MEMTUI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "memtui/plan.h"

enum mt_exit {
    MT_EXIT_OK = 0,
    MT_EXIT_VERIFY = 1,
    MT_EXIT_USAGE = 2,
    MT_EXIT_CONFLICTS = 3,
    MT_EXIT_LOCK = 4,
    MT_EXIT_REMOTE = 5,
    MT_EXIT_DEGRADED = 6,
};

struct mt_config {
    bool batch, json, help, version;
    char *repo;               /* the backup repo's work tree */
    char *env;
    char *memory_file;
    char *remote;
    char *lock_file;          /* NULL: <git dir>/memtui.lock */
    double lock_timeout;
    double lease_ttl;
    char *theme;
    enum mt_policy policy;
    bool dry_run, no_push, allow_mass_delete;
    bool claim_env;           /* take the env name over from another machine */
    char *from, *to;          /* export --from, import --to */
    char **entities;          /* restore --entity */
    size_t nentities;
    size_t limit;             /* lease show --limit: chain entries shown */
    double min_age_days;      /* gc --min-age: backup branches younger stay */
    uint64_t token;           /* lease break --token: the token expected to break (0: none given) */
    char *command;            /* batch command, NULL in the workstation */
    char **args;              /* its positional arguments */
    size_t nargs;
};

/* Returns MT_EXIT_OK, or MT_EXIT_USAGE after printing the reason to stderr. */
int mt_config_parse(struct mt_config *c, int argc, char **argv);
void mt_config_free(struct mt_config *c);
bool mt_env_name_valid(const char *env);
void mt_usage(FILE *to);
void mt_help(FILE *to);

#endif
