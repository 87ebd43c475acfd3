/* text.c: cutting and padding UTF-8 by display width (curses-free).
 * Widths are those of the shown form (safetext.h): what is measured is what
 * the terminal gets. */
#include <stdio.h>
#include <string.h>

#include "memtui/base/safetext.h"
#include "memtui/ui/text.h"

size_t mt_text_width(const char *s)
{
    return s ? mt_safe_width(s, strlen(s)) : 0;
}

size_t mt_text_fit(const char *s, size_t len, size_t cols, size_t *width)
{
    size_t i = 0, w = 0;
    while (i < len) {
        size_t cw, l = mt_safe_next(s + i, len - i, &cw);
        if (w + cw > cols) break;
        w += cw;
        i += l;
    }
    if (width) *width = w;
    return i;
}

void mt_text_pad(struct mt_buf *out, const char *s, size_t cols)
{
    if (!s) s = "";
    size_t len = strlen(s), w;
    size_t fit = mt_text_fit(s, len, cols, &w);
    if (fit < len && cols > 0) {  /* cut: leave one column for the marker */
        fit = mt_text_fit(s, len, cols - 1, &w);
        mt_safe_add(out, s, fit);
        mt_buf_addc(out, '~');
        w++;
    } else {
        mt_safe_add(out, s, fit);
    }
    for (; w < cols; w++) mt_buf_addc(out, ' ');
}

char *mt_text_trunc(const char *s, size_t cols)
{
    if (!s) s = "";
    size_t len = strlen(s);
    struct mt_buf b;
    mt_buf_init(&b);
    if (mt_text_fit(s, len, cols, NULL) == len) {
        mt_safe_add(&b, s, len);
    } else if (cols > 0) {
        size_t fit = mt_text_fit(s, len, cols - 1, NULL);
        mt_safe_add(&b, s, fit);
        mt_buf_addc(&b, '~');
    }
    return mt_buf_detach(&b, NULL);
}

bool mt_text_match(const char *hay, const char *needle)
{
    for (const char *c = needle; *c; c++)
        if (*c >= 'A' && *c <= 'Z') return strstr(hay, needle) != NULL;
    return strcasestr(hay, needle) != NULL;
}

const char *mt_plural(size_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

const char *mt_counts_text(char *buf, size_t size, size_t entities, size_t relations, size_t observations)
{
    snprintf(buf, size, "%zu %s, %zu %s, %zu %s", entities, mt_plural(entities, "entity", "entities"), relations,
             mt_plural(relations, "relation", "relations"), observations,
             mt_plural(observations, "observation", "observations"));
    return buf;
}
