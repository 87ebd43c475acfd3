/* events.c: the process-wide event sink (events.h). */
#include "memtui/base/events.h"

#include <stdio.h>
#include <stdlib.h>

#include "memtui/base/safetext.h"
#include "memtui/base/url.h"

static mt_event_sink_fn sink = mt_event_print_stderr;
static void *sink_ctx;

void mt_event_set_sink(mt_event_sink_fn fn, void *ctx)
{
    sink = fn ? fn : mt_event_print_stderr;
    sink_ctx = fn ? ctx : NULL;
}

void mt_event_print_stderr(void *ctx, enum mt_event_kind kind, const char *text)
{
    (void)ctx;
    if (kind == MT_EVENT_WARNING || kind == MT_EVENT_INFO) fprintf(stderr, "memtui: %s\n", text);   /* one write */
}

void mt_event_post(enum mt_event_kind kind, const char *text)
{
    sink(sink_ctx, kind, text ? text : "");
}

void mt_event_vemit(enum mt_event_kind kind, const char *fmt, va_list ap)
{
    char *safe = mt_safe_vformat(fmt, ap);
    char *text = mt_url_scrub_text(safe);
    free(safe);
    mt_event_post(kind, text);
    free(text);
}

void mt_event_emit(enum mt_event_kind kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mt_event_vemit(kind, fmt, ap);
    va_end(ap);
}

const char *mt_event_kind_name(enum mt_event_kind kind)
{
    static const char *const NAMES[MT_EVENT_KINDS] = {"warning", "info", "step", "progress"};
    return kind < MT_EVENT_KINDS ? NAMES[kind] : "?";
}
