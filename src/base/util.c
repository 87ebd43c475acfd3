/* util.c: allocation, buffers, errors, hashing. */
#include "memtui/base/util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>
#include <time.h>

#include "memtui/base/url.h"

/* Straight to stderr, not an event: nothing can be allocated now, and the
 * process stops here (a front end's history would die with it). */
static void die_oom(size_t n)
{
    fprintf(stderr, "memtui: out of memory (asked for %zu bytes)\n", n);
    abort();
}

/* Large blocks ask for huge pages (the kernel's "madvise" mode gives them
 * only when asked): a merge touches hundreds of MB of fresh memory, and on
 * a virtual machine a fault for every 4 KiB page costs about as much as
 * the work done in it. Only whole 2 MiB pages inside the block are
 * advised, and only before anything is written to them. */
static void *huge_pages(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
    const uintptr_t huge = (uintptr_t)2 << 20;
    if (n >= 2 * huge) {
        uintptr_t from = ((uintptr_t)p + huge - 1) & ~(huge - 1), to = ((uintptr_t)p + n) & ~(huge - 1);
        if (to > from) (void)madvise((void *)from, to - from, MADV_HUGEPAGE);
    }
#endif
    return p;
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) die_oom(n);
    return huge_pages(p, n);
}

void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p) die_oom(count * size);
    return huge_pages(p, count * size);
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) die_oom(n);
    return huge_pages(q, n);
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *s;
    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0) die_oom(0);
    va_end(ap);
    return s;
}

void mt_buf_init(struct mt_buf *b)
{
    b->data = NULL;
    b->len = b->cap = 0;
}

void mt_buf_free(struct mt_buf *b)
{
    free(b->data);
    mt_buf_init(b);
}

void mt_buf_reserve(struct mt_buf *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    if (need <= b->cap) return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) cap *= 2;
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
    b->data[b->len] = '\0';  /* always a string, even before anything is added */
}

void mt_buf_add(struct mt_buf *b, const void *data, size_t n)
{
    mt_buf_reserve(b, n);
    if (n) memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void mt_buf_adds(struct mt_buf *b, const char *s)
{
    mt_buf_add(b, s, strlen(s));
}

void mt_buf_addc(struct mt_buf *b, char c)
{
    mt_buf_reserve(b, 1);
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}

void mt_buf_addf(struct mt_buf *b, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n > 0) {
        mt_buf_reserve(b, (size_t)n);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
        b->len += (size_t)n;
    }
    va_end(ap2);
}

void mt_buf_reset(struct mt_buf *b)
{
    b->len = 0;
    if (b->data) b->data[0] = '\0';
}

char *mt_buf_detach(struct mt_buf *b, size_t *len)
{
    if (!b->data) mt_buf_reserve(b, 0);
    char *d = b->data;
    if (len) *len = b->len;
    mt_buf_init(b);
    return d;
}

/* Every error passes here, libgit2's text and messages naming a remote
 * alike: the one place where URL user-info is kept out of what is shown. */
void mt_error_setv(struct mt_error *e, const char *fmt, va_list ap)
{
    if (!e) return;
    char *raw;
    if (vasprintf(&raw, fmt, ap) < 0) die_oom(0);
    free(e->msg);
    e->msg = mt_url_scrub_text(raw);
    free(raw);
}

void mt_error_set(struct mt_error *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mt_error_setv(e, fmt, ap);
    va_end(ap);
}

void mt_error_at(struct mt_error *e, const char *file, long line, long col, const char *fmt, ...)
{
    if (!e) return;
    va_list ap;
    va_start(ap, fmt);
    mt_error_setv(e, fmt, ap);
    va_end(ap);
    free(e->file);
    e->file = file ? xstrdup(file) : NULL;
    e->line = line;
    e->col = col;
}

void mt_error_clear(struct mt_error *e)
{
    if (!e) return;
    free(e->msg);
    free(e->file);
    e->msg = e->file = NULL;
    e->line = e->col = 0;
}

void mt_error_move(struct mt_error *dst, struct mt_error *src)
{
    mt_error_clear(dst);
    *dst = *src;
    src->msg = src->file = NULL;
    src->line = src->col = 0;
}

char *mt_error_format(const struct mt_error *e)
{
    struct mt_buf b;
    mt_buf_init(&b);
    if (e->file) {
        mt_buf_adds(&b, e->file);
        if (e->line > 0) mt_buf_addf(&b, ":%ld", e->line);
        if (e->col > 0) mt_buf_addf(&b, ":%ld", e->col);
        mt_buf_adds(&b, ": ");
    }
    mt_buf_adds(&b, e->msg ? e->msg : "unknown error");
    return mt_buf_detach(&b, NULL);
}

bool mt_hex_name(const char *s, size_t n)
{
    return strspn(s, "0123456789abcdef") == n && s[n] == '\0';
}

void mt_trace(const char *what)
{
    static int on = -1;
    static struct timespec t0;
    if (on < 0) {
        on = getenv("MEMTUI_TRACE") != NULL;
        clock_gettime(CLOCK_MONOTONIC, &t0);
    }
    if (!on) return;
    /* a developer's timing trace (MEMTUI_TRACE), not a message to the operator: stderr */
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    fprintf(stderr, "trace: %8.3f %s\n", (double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9, what);
}

/* The hash starts from a value drawn when the process starts. Peers write
 * the lines and names that fill memtui's tables; from a known start they
 * could build inputs that collide and turn every lookup into a walk of one
 * long chain. Nothing memtui writes depends on a hash value or on the
 * order of a table, so results are the same from run to run. */
static uint64_t hash_start = 0xcbf29ce484222325ULL;

__attribute__((constructor)) static void hash_start_draw(void)
{
    uint64_t r;
    if (getrandom(&r, sizeof r, GRND_NONBLOCK) == (ssize_t)sizeof r) {
        hash_start ^= r;
    } else {  /* no entropy yet (early boot): the clock still differs per run */
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        hash_start ^= ((uint64_t)t.tv_nsec << 32) ^ (uint64_t)t.tv_sec ^ ((uint64_t)getpid() << 16);
    }
}

uint64_t mt_hash(const void *data, size_t n)
{
    /* FNV-1a over 8-byte words, then a murmur-style finaliser: fast enough to
     * hash every line of a large fragment. */
    const unsigned char *p = data;
    uint64_t h = hash_start ^ (n * 0x9e3779b97f4a7c15ULL);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0x100000001b3ULL;
        h ^= h >> 29;
    }
    for (; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ULL;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}
