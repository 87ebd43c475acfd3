/* workstation.c: the terminal workstation. */
#include <curses.h>
#include <stdio.h>
#include <unistd.h>

#include "memtui/ui.h"

int mt_ui_run(const struct mt_config *cfg)
{
    (void)cfg;
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        fprintf(stderr, "memtui: the workstation needs a terminal; use --batch COMMAND (see --help)\n");
        return 2;
    }
    fprintf(stderr, "memtui: the workstation is not available in this version; use --batch COMMAND (see --help)\n");
    return 2;
}
