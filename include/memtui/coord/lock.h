/* lock.h: the local lock (DESIGN 3.1): flock(2) on a lock file.
 *
 * Promises: exclusive, opened close-on-exec (children never inherit it);
 * waits up to a timeout measured on the monotonic clock; the holder's env,
 * host, pid and start time are written into the file so others can say who
 * holds it; a killed holder frees it at once (the kernel drops the flock).
 * The record is written only into memtui's own lock file: one it creates,
 * an empty one, or one holding a holder record (one JSON line with env,
 * host, pid, since). Anything else (another file's content, a symlink,
 * which is never followed, a directory, a FIFO, a device) is refused with
 * MT_LOCK_ERR and left exactly as it was. */
#ifndef MEMTUI_LOCK_H
#define MEMTUI_LOCK_H

#include <stdbool.h>

#include "memtui/base/util.h"

struct mt_lock_holder {
    char env[72];
    char host[256];
    long pid;
    char since[32];      /* UTC ISO 8601 */
    bool held;           /* someone holds the flock right now */
};

struct mt_lock;

enum { MT_LOCK_OK = 0, MT_LOCK_ERR = -1, MT_LOCK_TIMEOUT = -2 };

/* On timeout, err names the holder as written in the file; MT_LOCK_ERR when
 * path cannot be opened or is not a memtui lock file. */
int mt_lock_acquire(const char *path, double timeout_s, const char *env, const char *host,
                    struct mt_lock **out, struct mt_error *err);
void mt_lock_release(struct mt_lock *l);
/* The lock's path: lock_file (--lock-file) when given, else
 * <gitdir>memtui.lock (gitdir ends with '/'). The caller frees it. */
char *mt_lock_path(const char *lock_file, const char *gitdir);
/* Who holds (or last held) the lock at path; false if the file is absent,
 * a symlink or not a regular file. */
bool mt_lock_holder(const char *path, struct mt_lock_holder *h);
double mt_monotonic(void);   /* seconds on CLOCK_MONOTONIC */

#endif
