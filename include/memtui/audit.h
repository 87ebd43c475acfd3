/* audit.h: the audit log <git dir>/memtui.log (one JSON object a line)
 * plus a human line on stderr.
 *
 * Promises: every line is written with a single O_APPEND write, so lines
 * from concurrent processes never interleave; logging never fails the
 * caller (a log that cannot be written is reported once on stderr); the
 * human line (on stderr and as "message") shows its arguments through
 * safetext.h, and a log line holds no raw control byte (other fields keep
 * their exact strings, as JSON escapes); the user-info of any URL in a line
 * or its echo is redacted (url.h). */
#ifndef MEMTUI_AUDIT_H
#define MEMTUI_AUDIT_H

#include <json-c/json.h>
#include <stdbool.h>

/* Where to log and as whom; quiet: no human line on stderr. */
void mt_audit_open(const char *gitdir, const char *env, bool quiet);
/* event: "lock", "lease", "push", "retry", "backup", "stash", "import",
 * "quarantine", "verify", ...; fields (consumed, may be NULL) are added to
 * the JSON line; human is printed to stderr as "memtui: <human>". */
void mt_audit(const char *event, struct json_object *fields, const char *human, ...)
    __attribute__((format(printf, 3, 4)));
void mt_audit_close(void);
/* A human line on stderr only, not logged: "memtui: <message>", every
 * %s and %c argument shown through safetext.h (warnings, errors). */
void mt_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
