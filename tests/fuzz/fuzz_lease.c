/* fuzz_lease.c: lease.json at the tip of the lease branch, as any peer (or
 * anyone with push access) may have written it: mt_lease_parse on any
 * bytes. A lease that parses has what lease.h promises: its strings, a
 * state, a ttl of at least 1 and a token within MT_LEASE_TOKEN_MAX, so it
 * can still grow. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "memtui/coord/lease.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1);  /* exactly size bytes: no NUL after them */
    if (!text) abort();
    if (size) memcpy(text, data, size);
    struct mt_lease_info info = {0};
    int rc = mt_lease_parse(text, size, &info);
    if (rc == 0 && (!info.env || !info.host || !info.time || info.ttl < 1 || info.token > MT_LEASE_TOKEN_MAX ||
                    (info.state != MT_LEASE_HELD && info.state != MT_LEASE_RELEASED)))
        abort();
    if (rc != 0 && !info.error) abort();
    mt_lease_info_clear(&info);
    free(text);
    return 0;
}
