/* local_base.c: pairs (base -> fragment) and kept graphs; see local_base.h. */
#include "memtui/merge/local_base.h"

#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memtui/base/fsutil.h"

static char *state_path(const char *dir, const char *name)
{
    return xasprintf("%s/base/%s.json", dir, name);
}

static char *graph_path(const char *dir, const char *sha)
{
    return xasprintf("%s/base/%s.jsonl", dir, sha);
}

static bool is_sha(const char *s)
{
    if (!s || strlen(s) != 64) return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))) return false;
    return true;
}

void mt_local_base_add(struct mt_local_base *lb, const char *base, const char *fragment)
{
    for (size_t i = 0; i < lb->n; i++)
        if (!strcmp(lb->pair[i].base, base) && !strcmp(lb->pair[i].fragment, fragment)) return;
    if (lb->n >= MT_BASE_PAIRS || !is_sha(base) || !is_sha(fragment)) return;
    snprintf(lb->pair[lb->n].base, MT_SHA256_HEX, "%s", base);
    snprintf(lb->pair[lb->n].fragment, MT_SHA256_HEX, "%s", fragment);
    lb->n++;
}

const char *mt_local_base_find(const struct mt_local_base *lb, const char *base)
{
    for (size_t i = 0; i < lb->n; i++)
        if (!strcmp(lb->pair[i].base, base)) return lb->pair[i].fragment;
    return NULL;
}

void mt_local_base_load(const char *dir, const char *name, struct mt_local_base *lb)
{
    memset(lb, 0, sizeof(*lb));
    char *path = state_path(dir, name), *data;
    size_t len;
    if (mt_file_read(path, &data, &len, NULL, NULL) == 0) {
        struct json_object *o = json_tokener_parse(data), *pairs;
        if (o && json_object_object_get_ex(o, "pairs", &pairs) && json_object_is_type(pairs, json_type_array)) {
            for (size_t i = 0; i < json_object_array_length(pairs); i++) {
                struct json_object *p = json_object_array_get_idx(pairs, i), *b, *f;
                if (json_object_object_get_ex(p, "base", &b) && json_object_object_get_ex(p, "fragment", &f))
                    mt_local_base_add(lb, json_object_get_string(b), json_object_get_string(f));
            }
        }
        json_object_put(o);
        free(data);
    }
    free(path);
}

static bool named_by(const struct mt_local_base *lb, const char *sha)
{
    for (size_t i = 0; i < lb->n; i++)
        if (!strcmp(lb->pair[i].base, sha) || !strcmp(lb->pair[i].fragment, sha)) return true;
    return false;
}

/* Kept graphs that no state names any more go. */
static void prune(const char *dir)
{
    char *bdir = xasprintf("%s/base", dir);
    DIR *d = opendir(bdir);
    struct mt_local_base *states = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while (d && (de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l <= 5 || strcmp(de->d_name + l - 5, ".json")) continue;
        char *name = xstrndup(de->d_name, l - 5);
        MT_GROW(states, cap, n + 1);
        mt_local_base_load(dir, name, &states[n++]);
        free(name);
    }
    if (d) rewinddir(d);
    while (d && (de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l != 70 || strcmp(de->d_name + 64, ".jsonl")) continue;
        char sha[MT_SHA256_HEX];
        memcpy(sha, de->d_name, 64);
        sha[64] = '\0';
        bool used = false;
        for (size_t i = 0; i < n && !used; i++) used = named_by(&states[i], sha);
        if (!used) {
            char *p = graph_path(dir, sha);
            unlink(p);
            free(p);
        }
    }
    if (d) closedir(d);
    free(states);
    free(bdir);
}

int mt_local_base_save(const char *dir, const char *name, const struct mt_local_base *lb, struct mt_error *err)
{
    char *path = state_path(dir, name);
    int rc = 0;
    if (lb->n == 0) {
        if (unlink(path) && errno != ENOENT) {
            mt_error_set(err, "cannot remove %s: %s", path, strerror(errno));
            rc = -1;
        }
    } else {
        struct mt_buf b;
        mt_buf_init(&b);
        mt_buf_adds(&b, "{\"pairs\":[");
        for (size_t i = 0; i < lb->n; i++)
            mt_buf_addf(&b, "%s{\"base\":\"%s\",\"fragment\":\"%s\"}", i ? "," : "", lb->pair[i].base,
                        lb->pair[i].fragment);
        mt_buf_adds(&b, "]}\n");
        char *bdir = xasprintf("%s/base", dir);
        rc = mt_mkdirs(bdir, 0700, err) || mt_file_write_atomic(path, b.data, b.len, 0600, err) ? -1 : 0;
        free(bdir);
        mt_buf_free(&b);
    }
    free(path);
    if (!rc) prune(dir);
    return rc;
}

int mt_local_base_put(const char *dir, const char *data, size_t len, char sha[MT_SHA256_HEX], struct mt_error *err)
{
    mt_sha256_hex(data, len, sha);
    char *path = graph_path(dir, sha), *bdir = xasprintf("%s/base", dir);
    int rc = 0;
    if (!mt_file_exists(path)) rc = mt_mkdirs(bdir, 0700, err) || mt_file_write_atomic(path, data, len, 0600, err);
    free(bdir);
    free(path);
    return rc ? -1 : 0;
}

bool mt_local_base_has(const char *dir, const char *sha)
{
    char *path = graph_path(dir, sha);
    bool has = mt_file_exists(path);
    free(path);
    return has;
}

int mt_local_base_get(const char *dir, const char *sha, char **data, size_t *len, struct mt_error *err)
{
    char *path = graph_path(dir, sha);
    int rc = mt_file_read(path, data, len, NULL, err);
    free(path);
    if (rc) return -1;
    char got[MT_SHA256_HEX];
    mt_sha256_hex(*data, *len, got);
    if (strcmp(got, sha)) {
        mt_error_set(err, "kept graph %s is damaged", sha);
        free(*data);
        *data = NULL;
        return -1;
    }
    return 0;
}
