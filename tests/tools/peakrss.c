/* peakrss: run a command (no shell), wait for it, and report its wall time
 * and peak resident set size on stderr, in one fixed line that scripts parse:
 *
 *   peakrss: wall=1.234s maxrss_kib=12345 rc=0
 *
 * Exits with the command's exit code (128+signal if it was killed, 127 if it
 * could not be started). ru_maxrss of RUSAGE_CHILDREN is the largest peak of
 * any waited-for descendant, in KiB on Linux; peakrss itself starts nothing
 * else, so the figure is the command's (or its largest child's). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: peakrss COMMAND [ARG]...\n");
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid < 0) {
        perror("peakrss: fork");
        return 127;
    }
    if (pid == 0) {
        execvp(argv[1], argv + 1);
        fprintf(stderr, "peakrss: %s: %s\n", argv[1], strerror(errno));
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR) {
            perror("peakrss: waitpid");
            return 127;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    int rc = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 127;
    double wall = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    fprintf(stderr, "peakrss: wall=%.3fs maxrss_kib=%ld rc=%d\n", wall, ru.ru_maxrss, rc);
    return rc;
}
