/* events.h: the engine's one way to tell the operator something.
 *
 * The engine never prints: warnings, the audit log's human lines and the
 * steps of an operation are events handed to one process-wide sink that
 * the front end installs. Batch keeps the default sink, which writes
 * "memtui: <text>\n" to stderr in one write (warnings and info; steps are
 * not printed, so batch output is what it always was). The workstation
 * installs a sink that keeps a history and shows the newest warning.
 *
 * Promises: the text a sink gets is one line as safetext.h shows it (every
 * %s and %c argument escaped), with the user-info of any URL redacted
 * (url.h); emitting never fails the caller. A sink may be called from any
 * thread (background jobs emit too): it must be thread-safe. Install it
 * before other threads start. */
#ifndef MEMTUI_EVENTS_H
#define MEMTUI_EVENTS_H

#include <stdarg.h>

enum mt_event_kind {
    MT_EVENT_WARNING,   /* something went wrong or was skipped */
    MT_EVENT_INFO,      /* what the audit log records, in human words */
    MT_EVENT_STEP,      /* an operation moved to its next step */
    MT_EVENT_PROGRESS,  /* how far a long step is */
    MT_EVENT_KINDS
};

/* text: the finished line, without "memtui: " and without a newline. */
typedef void (*mt_event_sink_fn)(void *ctx, enum mt_event_kind kind, const char *text);

/* fn NULL: back to the default sink. */
void mt_event_set_sink(mt_event_sink_fn fn, void *ctx);
/* The default sink: "memtui: <text>\n" on stderr for warnings and info. */
void mt_event_print_stderr(void *ctx, enum mt_event_kind kind, const char *text);

/* Format (through safetext.h, URLs redacted) and hand to the sink. */
void mt_event_emit(enum mt_event_kind kind, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mt_event_vemit(enum mt_event_kind kind, const char *fmt, va_list ap);
/* A line already made safe (audit.c formats once for the log and the event). */
void mt_event_post(enum mt_event_kind kind, const char *text);
/* "warning", "info", "step", "progress". */
const char *mt_event_kind_name(enum mt_event_kind kind);

#endif
