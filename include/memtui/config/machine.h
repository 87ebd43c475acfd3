/* machine.h: a stable id of this machine, recorded with every export so
 * that two machines using one env name are told apart (DESIGN 1.3).
 *
 * Promises: the same id for every run on one machine: $MEMTUI_MACHINE_ID
 * when set (containers that share /etc/machine-id, tests), else
 * /etc/machine-id, else /var/lib/dbus/machine-id, else "host:<host name>".
 * Only [A-Za-z0-9._:-], at most 64 characters. */
#ifndef MEMTUI_MACHINE_H
#define MEMTUI_MACHINE_H

#include <stdbool.h>

const char *mt_machine_id(void);
/* Keep only what an id may hold (peers' trailers are untrusted); caller frees. */
char *mt_machine_id_clean(const char *raw);

#endif
