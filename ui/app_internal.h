/* app_internal.h: what app.c shares with app_screen.c and mouse.c and
 * nothing else. */
#ifndef MEMTUI_UI_APP_INTERNAL_H
#define MEMTUI_UI_APP_INTERNAL_H

#include "memtui/ui/app.h"

/* The body rows of the current view (all of them; see mt_app_sliced). */
void mt_app_body_rows(struct mt_app *a, struct mt_rows *rs);
/* The view builds only the rows shown (count and slice). */
bool mt_app_sliced(struct mt_app *a);
/* How many rows the current view has. */
size_t mt_app_nrows(struct mt_app *a);
/* The tab line: the title, one segment per panel (1 .. MT_PANELS), then
 * the overlay's name when one is open. */
void mt_app_tabs(struct mt_app *a, struct mt_row *tabs);
/* Conflicts the operator decided. */
size_t mt_app_decided(struct mt_app *a);

#endif
