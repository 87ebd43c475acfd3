/* rows.c: rows of styled segments, and plan-to-rows formatting
 * (curses-free). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "memtui/base/safetext.h"
#include "memtui/merge/entity_diff.h"
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

/* One wrapped line: bytes [from, to) of the joined text, split back into
 * the segments they came from. */
static void wrap_line(struct mt_rows *out, const struct mt_row *r, const size_t *starts, size_t from, size_t to,
                      const char *joined, size_t indent)
{
    struct mt_row *w = mt_rows_add(out);
    w->idx = r->idx;
    w->ref = r->ref ? xstrdup(r->ref) : NULL;
    if (indent) mt_row_seg(w, MT_ROLE_DEFAULT, "%*s", (int)indent, "");
    for (size_t k = 0; k < r->nsegs; k++) {
        size_t lo = starts[k] > from ? starts[k] : from, hi = starts[k + 1] < to ? starts[k + 1] : to;
        if (lo < hi) mt_row_seg(w, r->segs[k].role, "%.*s", (int)(hi - lo), joined + lo);
    }
    if (!w->nsegs) mt_row_seg(w, r->nsegs ? r->segs[0].role : MT_ROLE_DEFAULT, "%s", "");
}

size_t mt_row_wrap(struct mt_rows *out, const struct mt_row *r, size_t width, size_t max_lines, size_t indent)
{
    size_t *starts = xcalloc(r->nsegs + 1, sizeof(size_t));
    struct mt_buf b;
    mt_buf_init(&b);
    for (size_t k = 0; k < r->nsegs; k++) {
        starts[k] = b.len;
        mt_buf_adds(&b, r->segs[k].text);
    }
    starts[r->nsegs] = b.len;
    const char *t = b.data ? b.data : "";
    size_t len = b.len, pos = 0, lines = 0;
    if (indent + 10 > width) indent = 0;
    if (width < 1) width = 1;
    do {
        size_t room = lines ? width - indent : width;
        size_t at = pos, cols = 0, space = 0;
        while (at < len) {
            size_t cw, l = mt_safe_next(t + at, len - at, &cw);
            if (cols + cw > room) break;
            if (t[at] == ' ') space = at;
            cols += cw;
            at += l;
        }
        size_t end = at;
        if (at < len && space > pos && lines + 1 < max_lines) end = space;   /* break between words */
        if (at == pos && at < len) end = at + mt_safe_next(t + at, len - at, NULL);   /* wider than the line */
        if (lines + 1 == max_lines) end = len;   /* the last line keeps the rest (cut when drawn) */
        wrap_line(out, r, starts, pos, end, t, lines ? indent : 0);
        lines++;
        pos = end;
        while (pos < len && t[pos] == ' ') pos++;
    } while (pos < len && lines < max_lines);
    free(starts);
    mt_buf_free(&b);
    return lines;
}

size_t mt_text_wrap(struct mt_rows *out, enum mt_role role, const char *text, size_t width, size_t max_lines)
{
    struct mt_row r = {0};
    mt_row_seg(&r, role, "%s", text);
    size_t n = mt_row_wrap(out, &r, width, max_lines, 0);
    free(r.segs[0].text);
    free(r.segs);
    return n;
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

static void seg_buf(struct mt_row *r, enum mt_role role, struct mt_buf *b)
{
    seg_take(r, role, mt_buf_detach(b, NULL));
}

static enum mt_role sign_role(char sign)
{
    return sign == '-' ? MT_ROLE_REMOVED : MT_ROLE_ADDED;
}

/* One row per producer line, in its order and colour. */
static void rows_diff_lines(struct mt_rows *rs, const struct mt_diff_lines *l, const char *ref)
{
    struct mt_buf b;
    mt_buf_init(&b);
    for (size_t i = 0; i < l->n; i++) {
        struct mt_row *r = mt_rows_add(rs);
        mt_diff_line_text(&b, &l->v[i]);
        seg_buf(r, sign_role(l->v[i].sign), &b);
        r->ref = ref ? xstrdup(ref) : NULL;
    }
}

/* Rows of one entity diff; with rs NULL only counted (the plan view sizes
 * itself with the same code that builds the rows it shows). */
static size_t entity_rows(struct mt_rows *rs, const char *name, const struct mt_entity *before,
                          const struct mt_entity *after, const char *who, const char *ref, bool word)
{
    if (!rs) return 1 + mt_entity_diff(NULL, before, after);
    struct mt_buf b;
    mt_buf_init(&b);
    struct mt_row *h = mt_rows_add(rs);
    mt_diff_heading(&b, name);
    seg_buf(h, MT_ROLE_HEADER, &b);
    if (who && *who) {
        mt_diff_who(&b, who);
        seg_buf(h, MT_ROLE_DIM, &b);
    }
    if (word) {
        mt_diff_change_word(&b, before, after);
        if (b.len) seg_buf(h, !after ? MT_ROLE_REMOVED : !before ? MT_ROLE_ADDED : MT_ROLE_CHANGED, &b);
    }
    if (!before && !after) mt_row_seg(h, MT_ROLE_DIM, "  (no change)");
    h->ref = ref ? xstrdup(ref) : NULL;
    struct mt_diff_lines l = {0};
    size_t n = 1 + mt_entity_diff(&l, before, after);
    rows_diff_lines(rs, &l, ref);
    mt_diff_lines_free(&l);
    return n;
}

size_t mt_rows_entity_diff(struct mt_rows *rs, const char *name, const struct mt_entity *before,
                           const struct mt_entity *after, const char *who, const char *ref)
{
    return entity_rows(rs, name, before, after, who, ref, false);
}

size_t mt_rows_change_diff(struct mt_rows *rs, const char *name, const struct mt_entity *before,
                           const struct mt_entity *after, const char *who, const char *ref)
{
    return entity_rows(rs, name, before, after, who, ref, true);
}

struct mt_row *mt_rows_relation_diff(struct mt_rows *rs, bool added, const struct mt_relation *rel,
                                     const char *who, bool cascade)
{
    struct mt_diff_lines l = {0};
    mt_relation_diff(&l, added ? '+' : '-', rel);
    rows_diff_lines(rs, &l, NULL);
    mt_diff_lines_free(&l);
    struct mt_row *r = &rs->v[rs->n - 1];
    struct mt_buf b;
    mt_buf_init(&b);
    mt_diff_who(&b, who);
    if (cascade) mt_diff_cascade(&b);
    if (b.len) seg_buf(r, MT_ROLE_DIM, &b);
    mt_buf_free(&b);
    return r;
}
