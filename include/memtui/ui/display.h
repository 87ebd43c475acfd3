/* ui/display.h: the terminal side of the workstation (ui/display.c and
 * ui/draw.c, the only files that include curses). */
#ifndef MEMTUI_UI_DISPLAY_H
#define MEMTUI_UI_DISPLAY_H

#include "memtui/ui/app.h"
#include "memtui/ui/theme.h"

/* Run the input loop until the operator quits; returns the exit code.
 * MEMTUI_SCRIPT names a file of keys and :commands fed to the loop (each
 * only once the app is idle, except inside ":while-busy" ... ":done");
 * MEMTUI_NO_DISPLAY=1 sends curses to /dev/null; MEMTUI_FRAME_LOG=FILE
 * appends a line per frame drawn, key answered and job finished, in ms from
 * the top of main (tests/bench/ui_bench.sh). */
int mt_display_run(const struct mt_config *cfg, const struct mt_theme *theme);

/* draw.c: colours from a theme, and rows drawn by display width. */
void mt_draw_init_colours(const struct mt_theme *theme, bool colour);
void mt_draw_row(int y, const struct mt_row *r, int width, bool selected);
/* A full-width line of one role with a progress bar when total > 0. */
void mt_draw_progress(int y, const struct mt_row *r, int width, size_t done, size_t total);

#endif
