/* gitd.h: a real `git daemon` on 127.0.0.1 for the unit tests, started by a
 * test and stopped by its pid (never by name). Include after testutil.h. */
#ifndef MEMTUI_GITD_H
#define MEMTUI_GITD_H

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#include "memtui/base/util.h"

static pid_t gitd_pid;  /* the daemon a test started, 0 if none */

static inline void gitd_stop(void)
{
    if (gitd_pid > 0) {
        kill(gitd_pid, SIGTERM);
        waitpid(gitd_pid, NULL, 0);
        gitd_pid = 0;
    }
}

/* A TCP port on 127.0.0.1 that was free a moment ago. */
static inline int gitd_free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(s, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
    socklen_t l = sizeof(a);
    ck_assert_int_eq(getsockname(s, (struct sockaddr *)&a, &l), 0);
    close(s);
    return ntohs(a.sin_port);
}

static inline bool gitd_port_open(int port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = connect(s, (struct sockaddr *)&a, sizeof(a)) == 0;
    close(s);
    return ok;
}

/* git daemon --export-all --enable=receive-pack serving base on 127.0.0.1:port;
 * returns once it accepts connections. Register gitd_stop with atexit too:
 * a failed assertion exits the test process. */
static inline void gitd_start(const char *base, int port)
{
    char *bp = xasprintf("--base-path=%s", base);
    char *pp = xasprintf("--port=%d", port);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);  /* never outlive a killed test */
        int nul = open("/dev/null", O_WRONLY);
        if (nul >= 0) dup2(nul, 2);
        execlp("git", "git", "daemon", "--export-all", "--enable=receive-pack", "--reuseaddr",
               bp, "--listen=127.0.0.1", pp, base, (char *)NULL);
        _exit(127);
    }
    gitd_pid = pid;
    free(bp);
    free(pp);
    for (int i = 0; i < 200 && !gitd_port_open(port); i++) {
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
        ck_assert_int_eq(waitpid(pid, NULL, WNOHANG), 0);  /* still running */
    }
    ck_assert(gitd_port_open(port));
}

#endif
