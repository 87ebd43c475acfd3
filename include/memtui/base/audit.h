/* audit.h: the audit log <git dir>/memtui.log (one JSON object a line)
 * plus a human line, an MT_EVENT_INFO event (events.h: on stderr in batch,
 * in the message history in the workstation).
 *
 * Promises: every line is written with a single O_APPEND write, so lines
 * from concurrent processes never interleave; logging never fails the
 * caller (a log that cannot be written is reported once as a warning); the
 * human line (on stderr and as "message") shows its arguments through
 * safetext.h, and a log line holds no raw control byte (other fields keep
 * their exact strings, as JSON escapes); the user-info of any URL in a line
 * or its echo is redacted (url.h).
 *
 * Rotation: before a line, a log of MT_AUDIT_MAX_BYTES or more (the
 * environment variable MEMTUI_LOG_MAX_BYTES, read at mt_audit_open, sets
 * another limit: a test and operations knob) is renamed memtui.log.1, the
 * older ones shifted up to memtui.log.MT_AUDIT_KEEP and the oldest dropped.
 * One process rotates at a time; no line is lost or split by it (a line
 * written through a descriptor opened before the rename lands in .1). */
#ifndef MEMTUI_AUDIT_H
#define MEMTUI_AUDIT_H

#include <json-c/json.h>
#include <stdbool.h>

#define MT_AUDIT_MAX_BYTES (1024LL * 1024)
#define MT_AUDIT_KEEP 3   /* memtui.log.1 .. memtui.log.3 besides memtui.log */

/* Where to log and as whom; quiet: the log only, no event for the human line. */
void mt_audit_open(const char *gitdir, const char *env, bool quiet);
/* event: "lock", "lease", "push", "retry", "backup", "stash", "import",
 * "quarantine", "verify", ...; fields (consumed, may be NULL) are added to
 * the JSON line; human is emitted as an MT_EVENT_INFO event (the default
 * sink prints "memtui: <human>" on stderr). One call, both outputs. */
void mt_audit(const char *event, struct json_object *fields, const char *human, ...)
    __attribute__((format(printf, 3, 4)));
/* The same line in the log, without the event. */
void mt_audit_record(const char *event, struct json_object *fields, const char *message, ...)
    __attribute__((format(printf, 3, 4)));
bool mt_audit_is_open(void);
void mt_audit_close(void);
/* A warning, not logged: an MT_EVENT_WARNING event (events.h; the default
 * sink prints "memtui: <message>"), every %s and %c argument shown through
 * safetext.h. */
void mt_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
