/* editor.c: run $EDITOR on a file with fork/exec, never through a shell
 * (curses-free: display.c leaves and re-enters curses around it). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "memtui/ui/app.h"

int mt_editor_run(const char *path)
{
    const char *ed = getenv("VISUAL");
    if (!ed || !*ed) ed = getenv("EDITOR");
    if (!ed || !*ed) ed = "vi";
    /* "code --wait" style: split on spaces ourselves (no shell quoting). */
    char *copy = xstrdup(ed);
    size_t cap = 4, n = 0;
    char **argv = xcalloc(cap, sizeof(char *));
    for (char *w = strtok(copy, " \t"); w; w = strtok(NULL, " \t")) {
        if (n + 2 >= cap) argv = xrealloc(argv, (cap *= 2) * sizeof(char *));
        argv[n++] = w;
    }
    argv[n++] = (char *)path;
    argv[n] = NULL;
    int status = -1;
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGPIPE, SIG_DFL);  /* main() ignores it; the editor gets the default back */
        execvp(argv[0], argv);
        _exit(127);
    }
    if (pid > 0) {
        int st;
        pid_t w;
        while ((w = waitpid(pid, &st, 0)) < 0 && errno == EINTR) {
        }
        if (w == pid) status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    }
    free(argv);
    free(copy);
    return status;
}
