/* schedule.h: the text of the units that run `sync` periodically (DESIGN 4,
 * `schedule`): a systemd user service and timer, a launchd agent, a cron line.
 *
 * Promises: every value (binary, repo, env, memory file, remote) appears in
 * each unit as exactly one argument, escaped for that format, so the
 * scheduler hands memtui the same bytes it was given; a value with a control
 * character, which no format carries safely, is refused. Nothing here
 * touches a file or runs a program. */
#ifndef MEMTUI_SCHEDULE_H
#define MEMTUI_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>

#include "memtui/base/util.h"

enum mt_sched_kind { MT_SCHED_SYSTEMD, MT_SCHED_LAUNCHD, MT_SCHED_CRON };

/* "systemd", "launchd" or "cron"; false for anything else. */
bool mt_sched_kind_parse(const char *name, enum mt_sched_kind *out);
const char *mt_sched_kind_name(enum mt_sched_kind k);
/* systemd on Linux, launchd on macOS. */
enum mt_sched_kind mt_sched_kind_default(void);

/* A period every format states exactly: minutes that divide an hour
 * (1..60), or whole hours that divide a day. */
bool mt_sched_every_ok(unsigned minutes);

/* Escapers (caller frees). */
/* A systemd command-line word: "..." with \\ and \", and %% and $$ so that
 * neither a specifier nor a variable is expanded. */
char *mt_sched_systemd_word(const char *s);
/* XML character data or attribute text: & < > " ' as entities. */
char *mt_sched_xml_text(const char *s);
/* A POSIX shell word: '...' with ' as '\''. */
char *mt_sched_sh_word(const char *s);
/* Text of a crontab command: % as \% (cron turns a bare % into a newline). */
char *mt_sched_cron_text(const char *s);

struct mt_sched_job {
    const char *binary;        /* absolute path of memtui */
    const char *repo;          /* absolute */
    const char *env;
    const char *memory_file;   /* absolute; NULL or "": left out, with a comment */
    const char *remote;        /* NULL or "origin": left out */
    unsigned every;            /* minutes, mt_sched_every_ok */
    const char *home;          /* $HOME */
    const char *xdg_config_home; /* NULL or "": $HOME/.config */
};

struct mt_sched_unit {
    char *path;                /* where it is installed; NULL for the cron line */
    char *content;
};

/* The units of kind (systemd: service then timer; launchd: the plist; cron:
 * the crontab lines). Returns how many (1 or 2), or 0 with err set when a
 * value cannot be written in that format. */
size_t mt_sched_build(enum mt_sched_kind kind, const struct mt_sched_job *job, struct mt_sched_unit out[2],
                      struct mt_error *err);
void mt_sched_units_free(struct mt_sched_unit *u, size_t n);
/* What the user runs once the units are installed (caller frees); NULL for cron. */
char *mt_sched_next_step(enum mt_sched_kind kind, const struct mt_sched_unit *u, size_t n);

#endif
