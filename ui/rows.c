/* rows.c: rows of styled segments, and plan-to-rows formatting
 * (curses-free). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "memtui/ui/app.h"
#include "memtui/ui/text.h"

struct mt_row *mt_rows_add(struct mt_rows *rs)
{
    MT_GROW(rs->v, rs->cap, rs->n + 1);
    struct mt_row *r = &rs->v[rs->n++];
    memset(r, 0, sizeof(*r));
    return r;
}

static void seg_take(struct mt_row *r, enum mt_role role, char *text)
{
    MT_GROW(r->segs, r->cap, r->nsegs + 1);
    r->segs[r->nsegs].text = text;
    r->segs[r->nsegs].role = role;
    r->nsegs++;
}

void mt_row_seg(struct mt_row *r, enum mt_role role, const char *fmt, ...)
{
    struct mt_buf b;
    mt_buf_init(&b);
    va_list ap;
    va_start(ap, fmt);
    char *s;
    if (vasprintf(&s, fmt, ap) < 0) s = NULL;
    va_end(ap);
    mt_buf_adds(&b, s ? s : "");
    free(s);
    seg_take(r, role, mt_buf_detach(&b, NULL));
}

void mt_row_col(struct mt_row *r, enum mt_role role, size_t cols, const char *text)
{
    struct mt_buf b;
    mt_buf_init(&b);
    mt_text_pad(&b, text, cols);
    seg_take(r, role, mt_buf_detach(&b, NULL));
}

struct mt_row *mt_rows_line(struct mt_rows *rs, enum mt_role role, const char *fmt, ...)
{
    struct mt_row *r = mt_rows_add(rs);
    va_list ap;
    va_start(ap, fmt);
    char *s;
    if (vasprintf(&s, fmt, ap) < 0) s = NULL;
    va_end(ap);
    struct mt_buf b;
    mt_buf_init(&b);
    mt_buf_adds(&b, s ? s : "");
    free(s);
    seg_take(r, role, mt_buf_detach(&b, NULL));
    return r;
}

void mt_rows_clear(struct mt_rows *rs)
{
    for (size_t i = 0; i < rs->n; i++) {
        for (size_t k = 0; k < rs->v[i].nsegs; k++) free(rs->v[i].segs[k].text);
        free(rs->v[i].segs);
        free(rs->v[i].ref);
    }
    free(rs->v);
    memset(rs, 0, sizeof(*rs));
}

char *mt_row_text(const struct mt_row *r)
{
    struct mt_buf b;
    mt_buf_init(&b);
    for (size_t k = 0; k < r->nsegs; k++) mt_buf_adds(&b, r->segs[k].text);
    return mt_buf_detach(&b, NULL);
}

const char *mt_fmt_time(long long t, char *buf, size_t size)
{
    if (t <= 0) {
        snprintf(buf, size, "-");
        return buf;
    }
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(buf, size, "%Y-%m-%d %H:%M", &tm);
    return buf;
}

/* Rows of one entity diff; with rs NULL only counted (the plan view sizes
 * itself with the same code that builds the rows it shows). */
size_t mt_rows_entity_diff(struct mt_rows *rs, const char *name, const struct mt_entity *before,
                           const struct mt_entity *after, const char *who, const char *ref)
{
    size_t n = 1;
    if (rs) {
        struct mt_row *h = mt_rows_add(rs);
        mt_row_seg(h, MT_ROLE_HEADER, "@ %s", name);
        if (who && *who) mt_row_seg(h, MT_ROLE_DIM, "  [%s]", who);
        if (!before && !after) mt_row_seg(h, MT_ROLE_DIM, "  (no change)");
        h->ref = ref ? xstrdup(ref) : NULL;
    }
#define LINE(role, ...)                                                       \
    do {                                                                      \
        n++;                                                                  \
        if (rs) mt_rows_line(rs, role, __VA_ARGS__)->ref = ref ? xstrdup(ref) : NULL; \
    } while (0)
    const char *bt = before ? before->type : NULL, *at = after ? after->type : NULL;
    if (bt && (!at || strcmp(bt, at))) LINE(MT_ROLE_REMOVED, "- entityType: %s", bt);
    if (at && (!bt || strcmp(bt, at))) LINE(MT_ROLE_ADDED, "+ entityType: %s", at);
    if (before)
        for (size_t i = 0; i < before->obs.n; i++)
            if (!after || !mt_strset_has(&after->obs, before->obs.items[i]))
                LINE(MT_ROLE_REMOVED, "- %s", before->obs.items[i]);
    if (after)
        for (size_t i = 0; i < after->obs.n; i++)
            if (!before || !mt_strset_has(&before->obs, after->obs.items[i]))
                LINE(MT_ROLE_ADDED, "+ %s", after->obs.items[i]);
#undef LINE
    return n;
}
