/* ui/entity_edit.h: an entity as text for $EDITOR, and back (curses-free).
 *
 * Promises: the editor gets pretty JSON, one field and one observation a
 * line, indented; lines whose first non-blank characters are "//" are
 * comments (memtui puts why the last try failed there) and are blanked
 * before parsing, so line numbers stay those of the file. What comes back
 * is checked by json-c (its message, with the line) and then read as the
 * program reads any entity line, extra fields and numbers kept as written. */
#ifndef MEMTUI_UI_ENTITY_EDIT_H
#define MEMTUI_UI_ENTITY_EDIT_H

#include <stddef.h>

#include "memtui/graph/graph.h"

#define MT_EDIT_COMMENT "// memtui: "

/* e as the editor gets it. */
void mt_entity_edit_text(struct mt_buf *b, const struct mt_entity *e);
/* Read an edit of the entity key: 0 with *out (caller frees); 1 when
 * nothing but comments and blanks is left (the operator cancels); -1 with
 * *why (caller frees) naming what is wrong. */
int mt_entity_edit_parse(const char *data, size_t len, const char *key, struct mt_entity **out, char **why);
/* The text to re-open: why as comment lines on top, the operator's text
 * under it without the old comment lines. */
void mt_entity_edit_retry(struct mt_buf *b, const char *data, size_t len, const char *why);

#endif
