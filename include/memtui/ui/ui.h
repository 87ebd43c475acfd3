/* ui/ui.h: the workstation (ui/), the only part of memtui that uses curses. */
#ifndef MEMTUI_UI_H
#define MEMTUI_UI_H

#include "memtui/config/config.h"

/* mt_monotonic() at the top of main: MEMTUI_FRAME_LOG's times count from
 * it. */
extern double mt_ui_started;

/* Runs the workstation until the operator quits; returns an exit code. */
int mt_ui_run(const struct mt_config *cfg);

/* Loads theme NAME to check it (any mode, so a bad --theme is caught even
 * with --batch or --version); 0, or MT_EXIT_USAGE after saying on stderr
 * which folders were searched. */
int mt_ui_theme_check(const char *name);

#endif
