/* main.c: memtui's entry point: the workstation, or --batch. */
#include <stdio.h>

#include "memtui/batch.h"
#include "memtui/config.h"
#include "memtui/ui.h"

int main(int argc, char **argv)
{
    struct mt_config cfg;
    int rc = mt_config_parse(&cfg, argc, argv);
    if (rc == MT_EXIT_OK && cfg.help) mt_help(stdout);
    else if (rc == MT_EXIT_OK && cfg.version) printf("memtui %s\n", MEMTUI_VERSION);
    else if (rc == MT_EXIT_OK) rc = cfg.batch ? mt_batch_run(&cfg) : mt_ui_run(&cfg);
    mt_config_free(&cfg);
    return rc;
}
