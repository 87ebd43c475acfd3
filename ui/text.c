/* text.c: cutting and padding UTF-8 by display width (curses-free). */
#include <string.h>

#include "memtui/ui_text.h"
#include "memtui/utf8.h"

/* Length of the UTF-8 sequence starting at s (1 for a bad byte, so bad
 * input still advances and counts one column, as utf8_width does). */
static size_t seq_len(const unsigned char *s, size_t n)
{
    size_t len = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3 : (s[0] & 0xf8) == 0xf0 ? 4 : 1;
    if (len > n) return 1;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xc0) != 0x80) return 1;
    return len;
}

size_t mt_text_fit(const char *s, size_t len, size_t cols, size_t *width)
{
    size_t i = 0, w = 0;
    while (i < len) {
        size_t l = seq_len((const unsigned char *)s + i, len - i);
        size_t cw = utf8_width(s + i, l);
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
        mt_buf_add(out, s, fit);
        mt_buf_addc(out, '~');
        w++;
    } else {
        mt_buf_add(out, s, fit);
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
        mt_buf_add(&b, s, len);
    } else if (cols > 0) {
        size_t fit = mt_text_fit(s, len, cols - 1, NULL);
        mt_buf_add(&b, s, fit);
        mt_buf_addc(&b, '~');
    }
    return mt_buf_detach(&b, NULL);
}
