/* jsonc_parse: the benchmark's reference. Reads each file named on the
 * command line into memory, then parses every non-blank line with json-c
 * (json_tokener_parse_ex, one object per line, freed at once) and prints the
 * bytes parsed and the wall time of the parse only: reading the files is
 * done first and not timed, so the figure is the least a merge must spend
 * just to look at the changed fragments once.
 *
 *   jsonc_parse FILE...
 * prints: jsonc_parse: files=N bytes=B lines=L parse_s=S
 * exit 1 on a read error or a line json-c rejects. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = n;
    return buf;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: jsonc_parse FILE...\n");
        return 2;
    }
    int nf = argc - 1;
    char **bufs = calloc(nf, sizeof *bufs);
    size_t *lens = calloc(nf, sizeof *lens);
    size_t total = 0;
    for (int i = 0; i < nf; i++) {
        bufs[i] = read_all(argv[i + 1], &lens[i]);
        if (!bufs[i]) {
            perror(argv[i + 1]);
            return 1;
        }
        total += lens[i];
    }
    json_tokener *tok = json_tokener_new();
    if (!tok)
        return 1;
    size_t lines = 0;
    double t0 = now_s();
    for (int i = 0; i < nf; i++) {
        const char *p = bufs[i], *end = bufs[i] + lens[i];
        size_t lineno = 0;
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            const char *le = nl ? nl : end;
            lineno++;
            const char *q = p;
            while (q < le && (*q == ' ' || *q == '\t' || *q == '\r'))
                q++;
            if (q < le) {
                json_tokener_reset(tok);
                json_object *o = json_tokener_parse_ex(tok, p, (int)(le - p));
                if (!o || json_tokener_get_error(tok) != json_tokener_success) {
                    fprintf(stderr, "%s:%zu: %s\n", argv[i + 1], lineno,
                            json_tokener_error_desc(json_tokener_get_error(tok)));
                    return 1;
                }
                json_object_put(o);
                lines++;
            }
            p = nl ? nl + 1 : end;
        }
    }
    double t1 = now_s();
    json_tokener_free(tok);
    printf("jsonc_parse: files=%d bytes=%zu lines=%zu parse_s=%.3f\n", nf, total, lines, t1 - t0);
    for (int i = 0; i < nf; i++)
        free(bufs[i]);
    free(bufs);
    free(lens);
    return 0;
}
