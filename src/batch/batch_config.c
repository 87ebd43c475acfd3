/* batch_config.c: `memtui --batch config`: every effective setting and
 * where it came from (DESIGN 4). */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>

#include "memtui/batch/batch.h"
#include "memtui/base/safetext.h"
#include "memtui/config/settings.h"

static struct json_object *value_json(const struct mt_config *cfg, enum mt_setting k)
{
    switch (k) {
    case MT_SET_REPO: return json_object_new_string(cfg->repo);
    case MT_SET_ENV: return json_object_new_string(cfg->env);
    case MT_SET_MEMORY_FILE: return cfg->memory_file ? json_object_new_string(cfg->memory_file) : NULL;
    case MT_SET_REMOTE: return json_object_new_string(cfg->remote);
    case MT_SET_THEME: return json_object_new_string(cfg->theme ? cfg->theme : "default");
    case MT_SET_LOCK_TIMEOUT: return json_object_new_double(cfg->lock_timeout);
    case MT_SET_LEASE_TTL: return json_object_new_double(cfg->lease_ttl);
    case MT_SET_MOUSE: return json_object_new_boolean(cfg->mouse);
    default: return NULL;
    }
}

static char *value_text(const struct mt_config *cfg, enum mt_setting k)
{
    if (k == MT_SET_LOCK_TIMEOUT) return xasprintf("%g", cfg->lock_timeout);
    if (k == MT_SET_LEASE_TTL) return xasprintf("%g", cfg->lease_ttl);
    if (k == MT_SET_MOUSE) return xstrdup(cfg->mouse ? "yes" : "no");
    struct json_object *v = value_json(cfg, k);
    char *t = xstrdup(v ? json_object_get_string(v) : "(none)");
    json_object_put(v);
    return t;
}

static struct json_object *str_or_null(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

int mt_batch_config(const struct mt_config *cfg, struct json_object *r)
{
    const struct mt_settings *s = cfg->settings;
    struct json_object *all = json_object_new_object();
    for (int k = 0; k < MT_SET_COUNT; k++) {
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "value", value_json(cfg, (enum mt_setting)k));
        json_object_object_add(o, "source", json_object_new_string(mt_source_name(s->source[k])));
        json_object_object_add(o, "detail", str_or_null(s->detail[k]));
        json_object_object_add(all, mt_setting_name((enum mt_setting)k), o);
        if (!cfg->json) {
            char *v = value_text(cfg, (enum mt_setting)k), *src = mt_settings_source_text(s, (enum mt_setting)k);
            mt_safe_printf(stdout, "%-13s %s\n              from %s\n", mt_setting_name((enum mt_setting)k), v, src);
            free(v);
            free(src);
        }
    }
    json_object_object_add(r, "settings", all);
    json_object_object_add(r, "config_file", json_object_new_string(s->file));
    json_object_object_add(r, "config_file_exists", json_object_new_boolean(s->file_exists));
    json_object_object_add(r, "memory_file_missing", str_or_null(s->no_memory_file));
    struct json_object *skipped = json_object_new_array();
    for (size_t i = 0; i < s->nskipped; i++) json_object_array_add(skipped, json_object_new_string(s->skipped[i]));
    json_object_object_add(r, "skipped", skipped);
    if (!cfg->json) {
        mt_safe_printf(stdout, "config file   %s%s\n", s->file, s->file_exists ? "" : " (absent)");
        if (s->no_memory_file) mt_safe_printf(stdout, "%s\n", s->no_memory_file);
    }
    return MT_EXIT_OK;
}

void mt_batch_memory_file(const struct mt_config *cfg, struct json_object *r, bool print)
{
    const struct mt_settings *s = cfg->settings;
    json_object_object_add(r, "memory_file", str_or_null(cfg->memory_file));
    json_object_object_add(r, "memory_file_source", json_object_new_string(mt_source_name(s->source[MT_SET_MEMORY_FILE])));
    json_object_object_add(r, "memory_file_detail", str_or_null(s->detail[MT_SET_MEMORY_FILE]));
    if (!print) return;
    char *src = mt_settings_source_text(s, MT_SET_MEMORY_FILE);
    mt_safe_printf(stdout, "memory file %s  (from %s)\n", cfg->memory_file ? cfg->memory_file : "(none)", src);
    free(src);
}
