/* git_error.h: one way to turn libgit2's last error into memtui's words.
 * Every module that calls libgit2 reports a failure as "<what>: <reason>",
 * the reason being libgit2's last error message, or a fallback the caller
 * names when libgit2 recorded none. */
#ifndef MEMTUI_GIT_ERROR_H
#define MEMTUI_GIT_ERROR_H

#include "memtui/base/util.h"

/* libgit2's last error message, or `fallback` when there is none. The text
 * stays valid until the next libgit2 call on this thread. */
const char *mt_git_reason(const char *fallback);

/* Set err to "<fmt...>: <libgit2 reason>" (fallback "unknown libgit2
 * error"), clear libgit2's last error, and return code. */
int mt_git_fail(struct mt_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
