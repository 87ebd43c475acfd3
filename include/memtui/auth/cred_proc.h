/* cred_proc.h: run a credential helper or askpass program (DESIGN 4,
 * "Authentication").
 *
 * Promises: the program is run directly (fork and exec of argv[0], a path;
 * never a shell); its stdin is a pipe holding `input` (then closed), its
 * stdout is read (at most MT_CRED_OUT_MAX bytes), its stderr is ours; it
 * runs in a session of its own, with no controlling terminal, so it cannot
 * prompt on ours; after `timeout_s` seconds it and its process group are
 * killed. No other descriptor of ours reaches it. */
#ifndef MEMTUI_CRED_PROC_H
#define MEMTUI_CRED_PROC_H

#include <stddef.h>

#define MT_CRED_OUT_MAX 65536
#define MT_CRED_TIMEOUT_S 30.0

/* 0 when it exited with status 0 (*out: what it printed, NUL-terminated,
 * caller frees with mt_secret_free); -1 otherwise, *why (static text) says
 * why: "could not be started", "timed out", "failed". */
int mt_cred_run(char *const argv[], const char *input, double timeout_s, char **out, size_t *outlen,
                const char **why);

/* The environment for a helper or askpass program: memtui's own, less
 * MEMTUI_GIT_TOKEN (a secret for the remote, not for them). Free the array
 * only (its strings are the environment's). */
char **mt_child_environ(void);

#endif
