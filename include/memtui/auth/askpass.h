/* askpass.h: a key's passphrase from the SSH_ASKPASS program, the way
 * OpenSSH's client asks for it when it has no terminal (DESIGN 4).
 *
 * Promises: never reads from or writes to a terminal. The program runs
 * directly (no shell) with the prompt as its only argument, stdin and
 * stderr on /dev/null, for at most the time limit, and is waited for. */
#ifndef MEMTUI_ASKPASS_H
#define MEMTUI_ASKPASS_H

#include <stdbool.h>

/* May SSH_ASKPASS be run? As OpenSSH: SSH_ASKPASS is set, and
 * SSH_ASKPASS_REQUIRE is "force", or it is not "never" and DISPLAY or
 * WAYLAND_DISPLAY is set. */
bool mt_askpass_allowed(void);

/* The first line the program prints (without its newline), or NULL when it
 * fails, prints nothing or runs past timeout_ms. The caller wipes and frees
 * it (mt_askpass_free). */
char *mt_askpass(const char *prompt, int timeout_ms);
void mt_askpass_free(char *pass);

#endif
