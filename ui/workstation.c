/* workstation.c: the workstation's entry point: theme, then the display. */
#include <stdio.h>
#include <stdlib.h>

#include "memtui/base/audit.h"
#include "memtui/ui/ui.h"
#include "memtui/ui/display.h"
#include "memtui/ui/theme.h"

double mt_ui_started;

int mt_ui_theme_check(const char *name)
{
    struct mt_theme theme;
    struct mt_error err = {0};
    int rc = MT_EXIT_OK;
    if (mt_theme_load(&theme, name, &err)) {
        char *m = mt_error_format(&err);
        mt_warn("%s", m);
        free(m);
        mt_error_clear(&err);
        rc = MT_EXIT_USAGE;
    }
    mt_theme_free(&theme);
    return rc;
}

int mt_ui_run(const struct mt_config *cfg)
{
    struct mt_theme theme;
    struct mt_error err = {0};
    if (mt_theme_load(&theme, cfg->theme, &err)) {
        char *m = mt_error_format(&err);
        mt_warn("%s", m);
        free(m);
        mt_error_clear(&err);
        mt_theme_free(&theme);
        return MT_EXIT_USAGE;
    }
    mt_repo_global_init();
    int rc = mt_display_run(cfg, &theme);
    mt_theme_free(&theme);
    mt_repo_global_shutdown();
    return rc;
}
