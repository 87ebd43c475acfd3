/* config.h: the command line and its defaults (DESIGN 4).
 *
 * Promises: mt_config_parse accepts every option of the contract in any
 * position (GNU getopt_long with permutation), fills what is not given from
 * the environment, the config file, the MCP clients' configurations and
 * the defaults (settings.h), and
 * refuses a bad option, a bad value or an invalid env name with a message
 * and MT_EXIT_USAGE. */
#ifndef MEMTUI_CONFIG_H
#define MEMTUI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "memtui/merge/plan.h"

enum mt_exit {
    MT_EXIT_OK = 0,
    MT_EXIT_VERIFY = 1,
    MT_EXIT_USAGE = 2,
    MT_EXIT_CONFLICTS = 3,
    MT_EXIT_LOCK = 4,
    MT_EXIT_REMOTE = 5,
    MT_EXIT_DEGRADED = 6,
};

#define MT_LOCK_TIMEOUT_MAX (86400.0 * 7)  /* a week: longer is a mistake, not a wait */

struct mt_settings;

struct mt_config {
    bool batch, json, help, version;
    char *repo;               /* the backup repo's work tree */
    char *env;
    char *memory_file;        /* NULL: none known (settings->no_memory_file says why) */
    char *remote;
    char *lock_file;          /* NULL: <git dir>/memtui.lock */
    double lock_timeout;
    double lease_ttl;
    char *theme;
    bool mouse;               /* the workstation takes clicks and the wheel */
    bool no_mouse;            /* --no-mouse given (settings.c makes mouse of it) */
    enum mt_policy policy;
    bool dry_run, no_push, allow_mass_delete;
    bool claim_env;           /* take the env name over from another machine */
    bool offline;             /* status, diff: no fetch (the last fetched view) */
    char *from, *to;          /* export --from, import --to */
    char **entities;          /* restore --entity */
    size_t nentities;
    size_t limit;             /* lease show --limit: chain entries shown */
    double min_age_days;      /* gc --min-age: backup branches younger stay */
    uint64_t token;           /* lease break --token: the token expected to break (0: none given) */
    bool print, install, force; /* schedule --print | --install [--force] */
    unsigned every;           /* schedule --every MINUTES (0: the default, 15) */
    char *kind;               /* schedule --kind systemd|launchd|cron (NULL: this system's) */
    char *command;            /* batch command, NULL in the workstation */
    char **args;              /* its positional arguments */
    size_t nargs;
    struct mt_settings *settings;  /* where each setting came from (settings.h) */
};

/* Returns MT_EXIT_OK, or MT_EXIT_USAGE after printing the reason to stderr. */
int mt_config_parse(struct mt_config *c, int argc, char **argv);
void mt_config_free(struct mt_config *c);
bool mt_env_name_valid(const char *env);
/* A plain decimal number of seconds within [min, max] (the check of
 * --lock-timeout and --lease-ttl). */
bool mt_seconds_parse(const char *v, double min, double max, double *out);
/* The usage line (--help: help.h). */
void mt_usage(FILE *to);

#endif
