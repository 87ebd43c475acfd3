/* batch.h: `memtui --batch COMMAND`: the headless front end.
 *
 * Promises: runs one command of DESIGN 4 and returns its exit code; with
 * --json prints exactly one JSON object on stdout (ok, command, exit_code
 * and the command's fields), human text otherwise; messages go to stderr. */
#ifndef MEMTUI_BATCH_H
#define MEMTUI_BATCH_H

#include "memtui/config.h"

int mt_batch_run(const struct mt_config *cfg);

#endif
