/* machine.c: this machine's id; see machine.h. */
#include "memtui/config/machine.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memtui/base/fsutil.h"

char *mt_machine_id_clean(const char *raw)
{
    char out[65];
    size_t n = 0;
    for (const char *p = raw; p && *p && *p != '\n' && n < 64; p++) {
        char c = *p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
            c == ':' || c == '-')
            out[n++] = c;
    }
    out[n] = '\0';
    return xstrdup(out);
}

static char *from_file(const char *path)
{
    char *data;
    size_t len;
    if (mt_file_read(path, &data, &len, NULL, NULL)) return NULL;
    char *id = mt_machine_id_clean(data);
    free(data);
    if (!id[0]) {
        free(id);
        return NULL;
    }
    return id;
}

const char *mt_machine_id(void)
{
    static char *id;
    if (id) return id;
    const char *env = getenv("MEMTUI_MACHINE_ID");
    if (env && *env) id = mt_machine_id_clean(env);
    if (id && !id[0]) {
        free(id);
        id = NULL;
    }
    if (!id) id = from_file("/etc/machine-id");
    if (!id) id = from_file("/var/lib/dbus/machine-id");
    if (!id) {
        char h[256] = "";
        gethostname(h, sizeof h - 1);
        char *raw = xasprintf("host:%s", h[0] ? h : "localhost");
        id = mt_machine_id_clean(raw);
        free(raw);
    }
    return id;
}
