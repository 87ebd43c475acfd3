/* main.c: memtui's entry point: the workstation, or --batch. */
#include <json-c/json.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdbool.h>
#include <string.h>

#include "memtui/base/audit.h"
#include "memtui/batch/batch.h"
#include "memtui/batch/help.h"
#include "memtui/config/config.h"
#include "memtui/coord/lock.h"
#include "memtui/config/settings.h"
#include "memtui/ui/ui.h"

int main(int argc, char **argv)
{
    mt_ui_started = mt_monotonic();   /* the workstation's MEMTUI_FRAME_LOG counts from here */
    /* A peer that resets a connection must surface as an error of the
     * write (EPIPE: the remote is unreachable, exit 5), not kill the
     * process with the lease held: libgit2 writes to sockets without
     * MSG_NOSIGNAL. Nothing here relies on the signal. */
    signal(SIGPIPE, SIG_IGN);
    /* Fragments are read one after another and are all about the same
     * size: keeping freed memory in the heap lets the next one reuse pages
     * instead of faulting in fresh ones. */
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
    struct mt_config cfg;
    int rc = mt_config_parse(&cfg, argc, argv);
    /* A --theme that does not exist is a usage error in every mode. */
    if (rc == MT_EXIT_OK && !cfg.help && cfg.theme) {
        rc = mt_ui_theme_check(cfg.theme);
        if (rc && cfg.settings && cfg.settings->source[MT_SET_THEME] == MT_SOURCE_FILE)
            mt_warn("%s: theme = %s", cfg.settings->detail[MT_SET_THEME], cfg.theme);
    }
    /* --json promises one JSON object on stdout, even for a bad command line. */
    bool json = false;
    for (int i = 1; i < argc; i++) json |= strcmp(argv[i], "--json") == 0;
    if (rc == MT_EXIT_USAGE && json) {
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "command", cfg.command ? json_object_new_string(cfg.command) : NULL);
        json_object_object_add(o, "ok", json_object_new_boolean(0));
        json_object_object_add(o, "exit_code", json_object_new_int(rc));
        json_object_object_add(o, "error", json_object_new_string("usage or configuration error (see stderr)"));
        printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
        json_object_put(o);
    }
    if (rc == MT_EXIT_OK && cfg.help) mt_help(stdout);
    else if (rc == MT_EXIT_OK && cfg.version) printf("memtui %s\n", MEMTUI_VERSION);
    else if (rc == MT_EXIT_OK) rc = cfg.batch ? mt_batch_run(&cfg) : mt_ui_run(&cfg);
    mt_config_free(&cfg);
    return rc;
}
