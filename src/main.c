/* main.c: memtui's entry point: the workstation, or --batch. */
#include <malloc.h>
#include <stdio.h>
#include <stdbool.h>
#include <string.h>

#include "memtui/batch.h"
#include "memtui/config.h"
#include "memtui/ui.h"

int main(int argc, char **argv)
{
    /* Fragments are read one after another and are all about the same
     * size: keeping freed memory in the heap lets the next one reuse pages
     * instead of faulting in fresh ones. */
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
    struct mt_config cfg;
    int rc = mt_config_parse(&cfg, argc, argv);
    /* --json promises one JSON object on stdout, even for a bad command line. */
    bool json = false;
    for (int i = 1; i < argc; i++) json |= strcmp(argv[i], "--json") == 0;
    if (rc == MT_EXIT_USAGE && json)
        printf("{\"ok\":false,\"command\":null,\"exit_code\":%d,\"error\":\"usage error (see stderr)\"}\n", rc);
    if (rc == MT_EXIT_OK && cfg.help) mt_help(stdout);
    else if (rc == MT_EXIT_OK && cfg.version) printf("memtui %s\n", MEMTUI_VERSION);
    else if (rc == MT_EXIT_OK) rc = cfg.batch ? mt_batch_run(&cfg) : mt_ui_run(&cfg);
    mt_config_free(&cfg);
    return rc;
}
