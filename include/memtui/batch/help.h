/* help.h: `memtui --help`.
 *
 * Promises: mt_help prints the usage line, what memtui does, every batch
 * command of the table (commands.h) with its forms, the options, the
 * config file, the exit codes of DESIGN 4 and the environment. */
#ifndef MEMTUI_BATCH_HELP_H
#define MEMTUI_BATCH_HELP_H

#include <stdio.h>

void mt_help(FILE *to);

#endif
