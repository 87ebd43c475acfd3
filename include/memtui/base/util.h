/* util.h: allocation, growable byte buffers and error reports shared by
 * every module.
 *
 * Promises: allocation never returns NULL (out of memory ends the process
 * with a message: a half-built merge is worse than none); mt_buf grows
 * without bound, so nothing is limited by a fixed-size buffer; mt_error
 * carries a message plus optional file:line:col context for the caller to
 * show on screen, stderr or JSON, with the user-info of any URL in it
 * redacted (url.h), so no error ever shows a remote's password or token. */
#ifndef MEMTUI_UTIL_H
#define MEMTUI_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grow an array held in (ptr, cap) so that it fits `need` items. */
#define MT_GROW(ptr, cap, need)                                               \
    do {                                                                      \
        if ((need) > (cap)) {                                                 \
            size_t mt_nc_ = (cap) ? (cap) * 2 : 8;                            \
            while (mt_nc_ < (need)) mt_nc_ *= 2;                              \
            (ptr) = xrealloc((ptr), mt_nc_ * sizeof(*(ptr)));                 \
            (cap) = mt_nc_;                                                   \
        }                                                                     \
    } while (0)

struct mt_buf {
    char *data;      /* always NUL-terminated when non-NULL */
    size_t len;
    size_t cap;
};

void mt_buf_init(struct mt_buf *b);
void mt_buf_free(struct mt_buf *b);
void mt_buf_reserve(struct mt_buf *b, size_t extra);
void mt_buf_add(struct mt_buf *b, const void *data, size_t n);
void mt_buf_adds(struct mt_buf *b, const char *s);
void mt_buf_addc(struct mt_buf *b, char c);
void mt_buf_addf(struct mt_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mt_buf_reset(struct mt_buf *b);
/* Hand the bytes to the caller (NUL-terminated, never NULL) and empty b. */
char *mt_buf_detach(struct mt_buf *b, size_t *len);

struct mt_error {
    char *msg;       /* NULL when no error */
    char *file;      /* optional context */
    long line;       /* 1-based, 0 when unknown */
    long col;        /* 1-based byte column, 0 when unknown */
};

void mt_error_set(struct mt_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mt_error_setv(struct mt_error *e, const char *fmt, va_list ap);
void mt_error_at(struct mt_error *e, const char *file, long line, long col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void mt_error_clear(struct mt_error *e);
void mt_error_move(struct mt_error *dst, struct mt_error *src);
/* "file:line:col: msg" (parts that are unknown are left out); caller frees. */
char *mt_error_format(const struct mt_error *e);

/* Whether s is exactly n lowercase hex digits (a git object id or a part
 * of one, safe to use as a file name). */
bool mt_hex_name(const char *s, size_t n);

/* With MEMTUI_TRACE set, print "trace: <seconds since start> <what>" on
 * stderr: where the time of a long run goes. */
void mt_trace(const char *what);

/* 64-bit hash of bytes (FNV-1a folded with a final mix). The same within
 * one process; each process starts it from a random value, so a peer
 * cannot choose inputs that collide (nothing may depend on its value). */
uint64_t mt_hash(const void *data, size_t n);

#endif
