/* git_error.c: libgit2's last error as the reason in memtui's messages. */
#include "memtui/git/git_error.h"

#include <git2.h>
#include <stdarg.h>

const char *mt_git_reason(const char *fallback)
{
    const git_error *e = git_error_last();
    return e && e->message ? e->message : fallback;
}

int mt_git_fail(struct mt_error *err, int code, const char *fmt, ...)
{
    struct mt_error op = {0};
    va_list ap;
    va_start(ap, fmt);
    mt_error_setv(&op, fmt, ap);
    va_end(ap);
    mt_error_set(err, "%s: %s", op.msg, mt_git_reason("unknown libgit2 error"));
    mt_error_clear(&op);
    git_error_clear();
    return code;
}
