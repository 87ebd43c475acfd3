/* digests.c: the blob id -> SHA-256 cache; see digests.h.
 *
 * The file is text, one record a line:
 *   <blob id, 40 hex> <size, decimal> <sha256, 64 hex> <check, 16 hex>
 * where check is the start of the SHA-256 of the text before it. */
#include "memtui/base/digests.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memtui/base/fsutil.h"

#define CHECK_HEX 16

static void record_text(const struct mt_digest *e, struct mt_buf *b)
{
    size_t start = b->len;
    mt_buf_addf(b, "%s %zu %s", e->blob, e->size, e->sha);
    char check[MT_SHA256_HEX];
    mt_sha256_hex(b->data + start, b->len - start, check);
    mt_buf_addf(b, " %.*s\n", CHECK_HEX, check);
}

static bool all_hex(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f'))) return false;
    return true;
}

/* One line (without its newline) as a record; false when it is not one. */
static bool parse_record(const char *p, size_t len, struct mt_digest *e)
{
    const char *end = p + len, *q = p;
    if (len < 40 + 1 + 1 + 1 + 64 + 1 + CHECK_HEX || !all_hex(q, 40) || q[40] != ' ') return false;
    memcpy(e->blob, q, 40);
    e->blob[40] = '\0';
    q += 41;
    size_t size = 0, digits = 0;
    for (; q < end && *q >= '0' && *q <= '9' && digits < 19; q++, digits++) size = size * 10 + (size_t)(*q - '0');
    if (!digits || (digits > 1 && q[-(long)digits] == '0') || end - q != 1 + 64 + 1 + CHECK_HEX || *q != ' ')
        return false;
    e->size = size;
    q++;
    if (!all_hex(q, 64) || q[64] != ' ' || !all_hex(q + 65, CHECK_HEX)) return false;
    memcpy(e->sha, q, 64);
    e->sha[64] = '\0';
    struct mt_buf b;
    mt_buf_init(&b);
    record_text(e, &b);
    bool ok = b.len == len + 1 && memcmp(b.data, p, len) == 0;
    mt_buf_free(&b);
    return ok;
}

void mt_digests_load(struct mt_digests *d, const char *dir, const char *name)
{
    memset(d, 0, sizeof(*d));
    pthread_mutex_init(&d->mu, NULL);
    d->dir = xstrdup(dir);
    d->name = xstrdup(name);
    char *data;
    size_t len;
    if (mt_file_read_in(dir, name, &data, &len, NULL, NULL)) return;
    for (size_t at = 0; at < len;) {
        const char *nl = memchr(data + at, '\n', len - at);
        size_t l = nl ? (size_t)(nl - (data + at)) : len - at;
        struct mt_digest e;
        if (nl && parse_record(data + at, l, &e)) {
            MT_GROW(d->v, d->cap, d->n + 1);
            d->v[d->n++] = e;
        } else {
            d->dropped++;
        }
        at += l + 1;
    }
    free(data);
}

static struct mt_digest *find(struct mt_digests *d, const char *blob)
{
    for (size_t i = d->n; i-- > 0;)
        if (strcmp(d->v[i].blob, blob) == 0) return &d->v[i];
    return NULL;
}

bool mt_digests_get(struct mt_digests *d, const char *blob, size_t size, char sha[MT_SHA256_HEX])
{
    pthread_mutex_lock(&d->mu);
    struct mt_digest *e = find(d, blob);
    bool hit = e && e->size == size;
    if (hit) memcpy(sha, e->sha, MT_SHA256_HEX);
    pthread_mutex_unlock(&d->mu);
    return hit;
}

void mt_digests_put(struct mt_digests *d, const char *blob, size_t size, const char sha[MT_SHA256_HEX])
{
    if (strlen(blob) != 40 || strlen(sha) != 64) return;
    pthread_mutex_lock(&d->mu);
    struct mt_digest *e = find(d, blob);
    bool same_newest = e && e == d->v + d->n - 1 && e->size == size && strcmp(e->sha, sha) == 0;
    if (!same_newest) {  /* the newest goes last */
        if (e) {
            memmove(e, e + 1, (size_t)(d->v + d->n - (e + 1)) * sizeof(*e));
            d->n--;
        }
        if (d->n == MT_DIGESTS_MAX) {
            memmove(d->v, d->v + 1, (d->n - 1) * sizeof(*d->v));
            d->n--;
        }
        MT_GROW(d->v, d->cap, d->n + 1);
        e = &d->v[d->n++];
        snprintf(e->blob, sizeof e->blob, "%s", blob);
        e->size = size;
        memcpy(e->sha, sha, MT_SHA256_HEX);
        d->dirty = true;
    }
    pthread_mutex_unlock(&d->mu);
}

void mt_digests_sha256(struct mt_digests *d, const char *blob, const void *data, size_t size,
                       char sha[MT_SHA256_HEX])
{
    if (!d || !mt_digests_get(d, blob, size, sha)) mt_sha256_hex(data, size, sha);
}

int mt_digests_save(struct mt_digests *d, struct mt_error *err)
{
    if (!d->dir || (!d->dirty && !d->dropped)) return 0;
    struct mt_buf b;
    mt_buf_init(&b);
    pthread_mutex_lock(&d->mu);
    size_t from = d->n > MT_DIGESTS_MAX ? d->n - MT_DIGESTS_MAX : 0;
    for (size_t i = from; i < d->n; i++) record_text(&d->v[i], &b);
    pthread_mutex_unlock(&d->mu);
    int rc = mt_file_write_in(d->dir, d->name, b.data ? b.data : "", b.len, 0600, err);
    mt_buf_free(&b);
    if (!rc) {
        d->dirty = false;
        d->dropped = 0;
    }
    return rc;
}

void mt_digests_free(struct mt_digests *d)
{
    if (!d->dir) return;
    free(d->dir);
    free(d->name);
    free(d->v);
    pthread_mutex_destroy(&d->mu);
    memset(d, 0, sizeof(*d));
}
