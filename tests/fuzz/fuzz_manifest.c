/* fuzz_manifest.c: .memtui/manifest.json as a peer may have committed it
 * (any bytes), read by the public reader (manifest.h) as a session and the
 * workstation's log do: parse, look every fragment up by env, free. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "memtui/graph/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1);  /* exactly size bytes: no NUL after them */
    if (!text) abort();
    if (size) memcpy(text, data, size);
    struct mt_manifest m;
    struct mt_error err = {0};
    if (mt_manifest_parse(text, size, &m, &err) == 0) {
        for (size_t i = 0; i < m.nfrags; i++)
            if (mt_manifest_find(&m, m.frags[i].env) == NULL) abort();  /* what was read is found */
    }
    mt_manifest_free(&m);
    mt_error_clear(&err);
    free(text);
    return 0;
}
