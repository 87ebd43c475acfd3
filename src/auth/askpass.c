/* askpass.c: run SSH_ASKPASS for a passphrase, without a shell or a tty. */
#include "memtui/auth/askpass.h"

#include "memtui/auth/cred_proc.h"

#include "memtui/base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PASS_MAX 1024

extern char **environ;

bool mt_askpass_allowed(void)
{
    const char *prog = getenv("SSH_ASKPASS"), *req = getenv("SSH_ASKPASS_REQUIRE");
    if (!prog || !*prog) return false;
    if (req && !strcmp(req, "never")) return false;
    if (req && !strcmp(req, "force")) return true;
    return (getenv("DISPLAY") && *getenv("DISPLAY")) ||
           (getenv("WAYLAND_DISPLAY") && *getenv("WAYLAND_DISPLAY"));
}

void mt_askpass_free(char *pass)
{
    if (!pass) return;
    explicit_bzero(pass, strlen(pass));
    free(pass);
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read until a newline, EOF or the deadline; returns the length or -1. */
static int read_line(int fd, char *buf, size_t cap, long deadline)
{
    size_t n = 0;
    while (n + 1 < cap) {
        long left = deadline - now_ms();
        if (left <= 0) return -1;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, (int)left);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        ssize_t got = read(fd, buf + n, cap - 1 - n);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        n += (size_t)got;
        if (memchr(buf, '\n', n)) break;
    }
    buf[n] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
    return (int)strlen(buf);
}

char *mt_askpass(const char *prompt, int timeout_ms)
{
    const char *prog = getenv("SSH_ASKPASS");
    if (!prog || !*prog) return NULL;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0) return NULL;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    char *argv[] = {(char *)prog, (char *)prompt, NULL};
    pid_t pid;
    char **envp = mt_child_environ();
    int rc = posix_spawnp(&pid, prog, &fa, NULL, argv, envp);
    free(envp);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        return NULL;
    }
    char buf[PASS_MAX];
    long deadline = now_ms() + timeout_ms;
    int len = read_line(fds[0], buf, sizeof(buf), deadline);
    close(fds[0]);
    int st = 0;
    pid_t w;
    while ((w = waitpid(pid, &st, WNOHANG)) == 0 && now_ms() < deadline) {
        struct timespec ts = {0, 10 * 1000000};
        nanosleep(&ts, NULL);
    }
    if (w == 0) {
        kill(pid, SIGKILL);  /* past its time: it is ours to stop */
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
        len = -1;
    }
    char *out = NULL;
    /* a cancelled dialog exits non-zero; OpenSSH then has no passphrase */
    if (len >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0) out = xstrdup(buf);
    explicit_bzero(buf, sizeof(buf));
    return out;
}
