/* start.c: what the panels show when the backup repo cannot be opened. A
 * first run (no clone at --repo yet) gets a short start screen with the
 * exact line that makes one; any other failure its reason, wrapped. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "memtui/ui/app.h"

static void wrapped(struct mt_rows *out, enum mt_role role, const char *text, int width)
{
    mt_text_wrap(out, role, text, width > 10 ? (size_t)width : 80, 12);
}

/* No folder, or a folder that is not a clone: nothing was ever set up. */
bool mt_start_first_run(const char *repo)
{
    struct stat st;
    if (stat(repo, &st) != 0) return true;
    char *git = xasprintf("%s/.git", repo);
    bool none = stat(git, &st) != 0;
    free(git);
    return none;
}

void mt_start_rows(struct mt_app *a, struct mt_rows *out, int width)
{
    const char *why = a->snap && a->snap->error ? a->snap->error : "the repo could not be read";
    if (!mt_start_first_run(a->cfg->repo)) {
        mt_rows_line(out, MT_ROLE_DANGER, "The backup repo %s cannot be opened:", a->cfg->repo);
        wrapped(out, MT_ROLE_DANGER, why, width);
        mt_rows_line(out, MT_ROLE_DIM, "%s", "");
        mt_rows_line(out, MT_ROLE_DIM, "R tries again; memtui --batch status --repo %s says more; M lists messages.",
                     a->cfg->repo);
        return;
    }
    mt_rows_line(out, MT_ROLE_HEADER, "Welcome to memtui");
    mt_rows_line(out, MT_ROLE_DEFAULT, "%s", "");
    wrapped(out, MT_ROLE_DEFAULT,
            "memtui keeps the MCP memory graph of every machine in step through one shared git repository (the "
            "backup repo). There is no clone of it here yet.",
            width);
    mt_rows_line(out, MT_ROLE_DEFAULT, "%s", "");
    mt_rows_line(out, MT_ROLE_DEFAULT, "To start, quit (q) and run, with your repository's URL:");
    mt_rows_line(out, MT_ROLE_DEFAULT, "%s", "");
    mt_rows_line(out, MT_ROLE_CHANGED, "    memtui --batch --repo %s --env %s init URL", a->cfg->repo, a->cfg->env);
    mt_rows_line(out, MT_ROLE_DEFAULT, "%s", "");
    wrapped(out, MT_ROLE_DIM,
            "URL is your shared repository, e.g. git@github.com:you/agent-memory.git or "
            "https://github.com/you/agent-memory.git (an empty one is set up by init). Then run "
            "memtui --batch sync on each machine (cron or a watcher does it after), and memtui again to watch "
            "and steer.",
            width);
    mt_rows_line(out, MT_ROLE_DIM, "%s", "");
    mt_rows_line(out, MT_ROLE_DIM, "memtui --help and man memtui tell the rest.");
}
