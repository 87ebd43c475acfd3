/* cred_proc.c: run a helper program with a time limit, no shell, no terminal. */
#include "memtui/auth/cred_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "memtui/auth/cred_helper.h"
#include "memtui/coord/lock.h"
#include "memtui/base/util.h"

/* In the child, between fork and exec: async-signal-safe calls only. */
extern char **environ;

char **mt_child_environ(void)
{
    size_t n = 0;
    while (environ && environ[n]) n++;
    char **env = xcalloc(n + 1, sizeof(char *));
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "MEMTUI_GIT_TOKEN=", 17) != 0) env[k++] = environ[i];
    return env;
}

static void child(char *const argv[], char *const envp[], int in, int out)
{
    struct sigaction dfl;
    sigset_t none;
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&none);
    sigaction(SIGPIPE, &dfl, NULL);  /* main() ignores it; the helper gets the default */
    sigprocmask(SIG_SETMASK, &none, NULL);
    setsid();  /* no controlling terminal: it cannot prompt there */
    if (dup2(in, 0) < 0 || dup2(out, 1) < 0) _exit(127);
    long max = sysconf(_SC_OPEN_MAX);
    if (max < 0 || max > 65536) max = 65536;
    for (int fd = 3; fd < max; fd++) close(fd);
    execve(argv[0], argv, envp);
    _exit(127);
}

/* A pipe whose ends are above 0..2 (closed stdio of a cron job would
 * hand those out) and close on exec. */
static int pipe_above_stdio(int fds[2])
{
    if (pipe2(fds, O_CLOEXEC) < 0) return -1;
    for (int i = 0; i < 2; i++) {
        if (fds[i] > 2) continue;
        int moved = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
        close(fds[i]);
        fds[i] = moved;
    }
    if (fds[0] >= 0 && fds[1] >= 0) return 0;
    if (fds[0] >= 0) close(fds[0]);
    if (fds[1] >= 0) close(fds[1]);
    return -1;
}

int mt_cred_run(char *const argv[], const char *input, double timeout_s, char **out, size_t *outlen,
                const char **why)
{
    int in[2], op[2];
    *out = NULL;
    if (outlen) *outlen = 0;
    *why = "could not be started";
    if (pipe_above_stdio(in) < 0) return -1;
    if (pipe_above_stdio(op) < 0) {
        close(in[0]);
        close(in[1]);
        return -1;
    }
    char **envp = mt_child_environ();   /* built before fork: the child only execs */
    pid_t pid = fork();
    if (pid == 0) child(argv, envp, in[0], op[1]);
    free(envp);
    close(in[0]);
    close(op[1]);
    if (pid < 0) {
        close(in[1]);
        close(op[0]);
        return -1;
    }
    /* The input is small (a pipe holds 64 KiB); SIGPIPE is ignored by main(),
     * and a helper that does not read it gets it all the same. */
    for (size_t left = strlen(input), done = 0; left;) {
        ssize_t w = write(in[1], input + done, left);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        done += (size_t)w;
        left -= (size_t)w;
    }
    close(in[1]);

    struct mt_buf b;
    char chunk[4096];
    mt_buf_init(&b);
    mt_buf_reserve(&b, MT_CRED_OUT_MAX + 1);  /* never moved: no copy of a secret left behind */
    double deadline = mt_monotonic() + timeout_s;
    bool timed_out = false, exited = false, too_long = false;
    int status = 0;
    for (;;) {
        double left = deadline - mt_monotonic();
        if (left <= 0) {
            timed_out = true;
            break;
        }
        struct pollfd p = {.fd = op[0], .events = POLLIN};
        int n = poll(&p, 1, exited ? 0 : left > 0.2 ? 200 : (int)(left * 1000) + 1);
        if (n < 0 && errno == EINTR) continue;
        if (n == 0 && exited) break;  /* it is gone; a child it left holds the pipe */
        if (n == 0) {
            exited = waitpid(pid, &status, WNOHANG) == pid;
            continue;
        }
        if (n < 0) break;
        ssize_t r = read(op[0], chunk, sizeof(chunk));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        if (b.len + (size_t)r > MT_CRED_OUT_MAX) {   /* no answer is that long: never a spliced one */
            too_long = true;
            break;
        }
        mt_buf_add(&b, chunk, (size_t)r);
    }
    explicit_bzero(chunk, sizeof(chunk));
    close(op[0]);
    /* Its output ended, but it may still run (a helper that closed stdout
     * and waits on a keyring): the same deadline holds for its exit. */
    while (!exited && !timed_out) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid) exited = true;
        else if (w < 0 && errno != EINTR) break;
        else if (mt_monotonic() >= deadline) timed_out = true;
        else nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
    }
    if ((timed_out || too_long) && !exited) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
    }
    if (!exited)
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    size_t len = b.len;
    char *text = mt_buf_detach(&b, NULL);
    if (timed_out || too_long || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        explicit_bzero(text, len);
        free(text);
        *why = timed_out ? "timed out" : too_long ? "answered more than a credential can be" : WIFEXITED(status) && WEXITSTATUS(status) == 127 ? "could not be started"
                                                                                          : "failed";
        return -1;
    }
    *out = text;
    if (outlen) *outlen = len;
    return 0;
}
