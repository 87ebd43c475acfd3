/* ui.h: the workstation (ui/), the only part of memtui that uses curses. */
#ifndef MEMTUI_UI_H
#define MEMTUI_UI_H

#include "memtui/config.h"

/* Runs the workstation until the operator quits; returns an exit code. */
int mt_ui_run(const struct mt_config *cfg);

#endif
