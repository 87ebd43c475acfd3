/* app_internal.h: what app.c shares with app_screen.c and nothing else. */
#ifndef MEMTUI_UI_APP_INTERNAL_H
#define MEMTUI_UI_APP_INTERNAL_H

#include "memtui/ui/app.h"

/* The body rows of the current view (all of them; see mt_app_sliced). */
void mt_app_body_rows(struct mt_app *a, struct mt_rows *rs);
/* The view builds only the rows shown (count and slice). */
bool mt_app_sliced(struct mt_app *a);
/* Conflicts the operator decided. */
size_t mt_app_decided(struct mt_app *a);

#endif
