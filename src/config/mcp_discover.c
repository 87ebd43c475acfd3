/* mcp_discover.c: the memory server's file from MCP client configurations
 * (mcp_discover.h). The server's rule, from its dist/index.js:
 * MEMORY_FILE_PATH absolute is used as it is, relative is joined to the
 * folder of index.js, unset or empty is memory.jsonl in that folder (an
 * old memory.json there is renamed to it at the server's next start). */
#include "memtui/config/mcp_discover.h"

#include <glob.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memtui/base/fsutil.h"
#include "memtui/base/util.h"

#define PKG "@modelcontextprotocol/server-memory"
/* ~/.claude.json keeps every project's history too: tens of MB happen */
#define MT_MCP_CONFIG_MAX ((size_t)256 << 20)

static void push(char ***list, size_t *n, char *s)
{
    *list = xrealloc(*list, (*n + 1) * sizeof(char *));
    (*list)[(*n)++] = s;
}

/* path.join + path.normalize for an absolute dist: "." and ".." folded. */
char *mt_mcp_server_path(const char *dist, const char *value)
{
    if (value && value[0] == '/') return xstrdup(value);
    char *joined = xasprintf("%s/%s", dist, value && *value ? value : "memory.jsonl");
    size_t n = strlen(joined);
    char **parts = xcalloc(n + 1, sizeof(char *));
    size_t np = 0;
    for (char *save = NULL, *p = strtok_r(joined, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
        if (strcmp(p, ".") == 0) continue;
        if (strcmp(p, "..") == 0) {
            if (np) np--;
            continue;
        }
        parts[np++] = p;
    }
    struct mt_buf b;
    mt_buf_init(&b);
    for (size_t i = 0; i < np; i++) mt_buf_addf(&b, "/%s", parts[i]);
    if (!np) mt_buf_addc(&b, '/');
    mt_buf_addc(&b, '\0');
    free(parts);
    free(joined);
    return mt_buf_detach(&b, NULL);
}

static bool ends_with(const char *s, const char *tail)
{
    size_t a = strlen(s), b = strlen(tail);
    return a >= b && strcmp(s + a - b, tail) == 0;
}

static const char *base_name(const char *s)
{
    const char *slash = strrchr(s, '/');
    return slash ? slash + 1 : s;
}

/* The command and its arguments, in order (borrowed strings). */
static size_t words(struct json_object *server, const char **out, size_t max)
{
    size_t n = 0;
    struct json_object *cmd, *args;
    if (json_object_object_get_ex(server, "command", &cmd) && json_object_is_type(cmd, json_type_string))
        out[n++] = json_object_get_string(cmd);
    if (json_object_object_get_ex(server, "args", &args) && json_object_is_type(args, json_type_array))
        for (size_t i = 0; i < json_object_array_length(args) && n < max; i++) {
            struct json_object *a = json_object_array_get_idx(args, i);
            if (json_object_is_type(a, json_type_string)) out[n++] = json_object_get_string(a);
        }
    return n;
}

static bool names_index_js(const char *w)
{
    return strstr(w, "server-memory") && ends_with(w, "/dist/index.js");
}

static bool is_memory_server(const char **w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strstr(w[i], PKG) || strcmp(base_name(w[i]), "mcp-server-memory") == 0 || names_index_js(w[i]))
            return true;
    return false;
}

/* cmd as the shell finds it: itself with a slash, else the first
 * executable in $PATH (caller frees), or NULL. */
static char *on_path(const char *cmd)
{
    if (strchr(cmd, '/')) return access(cmd, X_OK) == 0 ? xstrdup(cmd) : NULL;
    const char *path = getenv("PATH");
    char *copy = xstrdup(path ? path : ""), *save = NULL, *found = NULL;
    for (char *dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
        char *p = xasprintf("%s/%s", dir, cmd);
        if (access(p, X_OK) == 0) found = p;
        else free(p);
    }
    free(copy);
    return found;
}

/* The folder the server's index.js is in (caller frees), or NULL with *why. */
static char *dist_folder(const char *home, const char **w, size_t n, char **why)
{
    for (size_t i = 0; i < n; i++) {
        if (!names_index_js(w[i])) continue;
        if (w[i][0] != '/') {
            *why = xasprintf("it runs %s, a relative path, from a folder memtui cannot know", w[i]);
            return NULL;
        }
        /* node runs a symlinked script from where the link points */
        char real[PATH_MAX];
        char *p = xstrdup(realpath(w[i], real) ? real : w[i]);
        *strrchr(p, '/') = '\0';
        return p;
    }
    /* the package's bin, installed globally: a link to dist/index.js */
    if (n && strcmp(base_name(w[0]), "mcp-server-memory") == 0) {
        char *bin = on_path(w[0]), real[PATH_MAX];
        char *dist = bin && realpath(bin, real) && ends_with(real, "/dist/index.js") ? xstrdup(real) : NULL;
        if (dist) *strrchr(dist, '/') = '\0';
        else *why = xasprintf("the server's folder is unknown: %s %s", w[0], bin ? "is not a link to dist/index.js"
                                                                               : "is not on PATH");
        free(bin);
        return dist;
    }
    if (!n || strcmp(base_name(w[0]), "npx") != 0) {
        *why = xasprintf("the server's folder cannot be told from its command (%s)", n ? w[0] : "none");
        return NULL;
    }
    char *pattern = xasprintf("%s/.npm/_npx/*/node_modules/" PKG "/dist", home);
    glob_t g;
    int grc = glob(pattern, GLOB_ONLYDIR, NULL, &g);
    char *dist = NULL;
    if (grc == 0 && g.gl_pathc == 1) {
        char real[PATH_MAX];
        dist = xstrdup(realpath(g.gl_pathv[0], real) ? real : g.gl_pathv[0]);
    } else if (grc == 0) {
        struct mt_buf b;
        mt_buf_init(&b);
        for (size_t i = 0; i < g.gl_pathc; i++) mt_buf_addf(&b, "%s%s", i ? ", " : "", g.gl_pathv[i]);
        mt_buf_addc(&b, '\0');
        *why = xasprintf("the server's folder is one of several npx copies of the package (%s)", b.data);
        mt_buf_free(&b);
    } else {
        *why = xasprintf("the server's folder is unknown: no npx copy of the package in %s", pattern);
    }
    if (grc == 0) globfree(&g);
    free(pattern);
    return dist;
}

/* A project's own file (./.mcp.json, ./.vscode/mcp.json) comes with
 * whatever folder memtui runs in, a cloned repository's too: its servers
 * count only as the client itself would run them. */
struct gate {
    bool project;               /* the file is a project's */
    bool all;                   /* Claude Code: enableAllProjectMcpServers */
    struct json_object *names;  /* Claude Code: enabledMcpjsonServers */
    const char *refusal;        /* why a server of this file does not count */
};

static bool gate_lets(const struct gate *g, const char *name)
{
    if (!g || !g->project) return true;
    if (g->all) return true;
    if (g->names && json_object_is_type(g->names, json_type_array))
        for (size_t i = 0; i < json_object_array_length(g->names); i++) {
            struct json_object *v = json_object_array_get_idx(g->names, i);
            if (json_object_is_type(v, json_type_string) && strcmp(json_object_get_string(v), name) == 0)
                return true;
        }
    return false;
}

static void add_entry(struct mt_mcp_discovery *d, const char *home, const char *file, const char *where,
                      const char *name, const struct gate *gate, struct json_object *server)
{
    const char *w[64];
    size_t n = words(server, w, 64);
    if (!is_memory_server(w, n)) return;
    if (!gate_lets(gate, name)) {
        push(&d->skipped, &d->nskipped, xasprintf("%s: %s: not used: %s", file, where, gate->refusal));
        return;
    }
    struct json_object *env, *v = NULL;
    const char *value = NULL;
    if (json_object_object_get_ex(server, "env", &env) && json_object_object_get_ex(env, "MEMORY_FILE_PATH", &v) &&
        json_object_is_type(v, json_type_string))
        value = json_object_get_string(v);
    struct mt_mcp_entry e = {.client_file = xstrdup(file), .where = xstrdup(where)};
    if (value && value[0] == '/') {
        e.memory_file = xstrdup(value);
    } else {
        char *why = NULL, *dist = dist_folder(home, w, n, &why);
        if (dist) e.memory_file = mt_mcp_server_path(dist, value);
        char *old = dist && !(value && *value) ? xasprintf("%s/memory.json", dist) : NULL;
        if (old && mt_file_exists(old) && !mt_file_exists(e.memory_file)) {
            /* the server moves it to memory.jsonl when it next starts: a
             * sync now would import under the new name and leave its
             * entities out */
            free(e.memory_file);
            e.memory_file = NULL;
            e.why = xasprintf("the server has not yet moved its old %s to memory.jsonl (it does so when it next "
                              "starts): start it once, or name the file",
                              old);
        } else if (!dist && value && *value) {
            e.why = xasprintf("MEMORY_FILE_PATH '%s' is relative and %s", value, why);
        } else if (!dist) {
            e.why = xasprintf("no MEMORY_FILE_PATH, and %s", why);
        }
        free(why);
        free(dist);
        free(old);
    }
    d->entries = xrealloc(d->entries, (d->nentries + 1) * sizeof(*d->entries));
    d->entries[d->nentries++] = e;
}

static void scan_servers(struct mt_mcp_discovery *d, const char *home, const char *file, const char *prefix,
                         const struct gate *gate, struct json_object *servers)
{
    if (!servers || !json_object_is_type(servers, json_type_object)) return;
    json_object_object_foreach(servers, name, server)
    {
        if (!server || !json_object_is_type(server, json_type_object)) continue;
        char *where = xasprintf("%s.%s", prefix, name);
        add_entry(d, home, file, where, name, gate, server);
        free(where);
    }
}

/* The file's top-level object, or NULL (absent, or listed as skipped). */
static struct json_object *load(struct mt_mcp_discovery *d, const char *path)
{
    d->looked = xrealloc(d->looked, (d->nlooked + 1) * sizeof(char *));
    d->present = xrealloc(d->present, (d->nlooked + 1) * sizeof(bool));
    d->looked[d->nlooked] = xstrdup(path);
    d->present[d->nlooked] = false;
    size_t me = d->nlooked++;
    char *data;
    size_t len;
    bool missing = false;
    struct mt_error e = {0};
    if (mt_file_read_config(path, MT_MCP_CONFIG_MAX, &data, &len, &missing, &e)) {
        if (!missing) push(&d->skipped, &d->nskipped, xstrdup(e.msg));
        mt_error_clear(&e);
        return NULL;
    }
    d->present[me] = true;
    struct json_tokener *tok = json_tokener_new();
    struct json_object *o = json_tokener_parse_ex(tok, data, (int)(len > INT_MAX ? INT_MAX : len));
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t used = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    while (used < len && strchr(" \t\r\n", data[used])) used++;
    const char *why = jerr != json_tokener_success ? json_tokener_error_desc(jerr)
                      : used < len                 ? "text after the JSON value"
                      : !json_object_is_type(o, json_type_object) ? "not a JSON object"
                                                                  : NULL;
    free(data);
    if (why) {
        push(&d->skipped, &d->nskipped, xasprintf("%s: does not parse (%s)", path, why));
        json_object_put(o);
        return NULL;
    }
    return o;
}

/* mine: ~/.claude.json's entry for the project, kept (a reference) for the
 * project's .mcp.json, whose servers it approves. */
static void scan_file(struct mt_mcp_discovery *d, const char *home, const char *path, const char *key,
                      const char *project, const struct gate *gate, struct json_object **mine_out)
{
    struct json_object *o = load(d, path), *servers = NULL, *projects, *mine;
    if (!o) return;
    if (json_object_object_get_ex(o, key, &servers)) scan_servers(d, home, path, key, gate, servers);
    /* ~/.claude.json keeps each project's own servers under its folder */
    if (project && json_object_object_get_ex(o, "projects", &projects) &&
        json_object_is_type(projects, json_type_object) && json_object_object_get_ex(projects, project, &mine) &&
        json_object_is_type(mine, json_type_object)) {
        if (mine_out) *mine_out = json_object_get(mine);
        if (json_object_object_get_ex(mine, "mcpServers", &servers)) {
            char *prefix = xasprintf("projects[%s].mcpServers", project);
            scan_servers(d, home, path, prefix, NULL, servers);
            free(prefix);
        }
    }
    json_object_put(o);
}

void mt_mcp_discover(const char *home, const char *cwd, struct mt_mcp_discovery *d)
{
    memset(d, 0, sizeof(*d));
    enum { USER, CLAUDE_PROJECT, VSCODE_PROJECT };
    static const struct {
        int kind;
        const char *rel, *key;
    } FILES[] = {
        {USER, ".config/Claude/claude_desktop_config.json", "mcpServers"},
        {USER, "Library/Application Support/Claude/claude_desktop_config.json", "mcpServers"},
        {USER, ".claude.json", "mcpServers"},
        {CLAUDE_PROJECT, ".mcp.json", "mcpServers"},
        {USER, ".cursor/mcp.json", "mcpServers"},
        {USER, ".config/Code/User/mcp.json", "servers"},
        {USER, "Library/Application Support/Code/User/mcp.json", "servers"},
        {VSCODE_PROJECT, ".vscode/mcp.json", "servers"},
    };
    struct json_object *mine = NULL, *v;
    for (size_t i = 0; i < sizeof FILES / sizeof FILES[0]; i++) {
        if (FILES[i].kind != USER && !cwd) continue;
        char *path = xasprintf("%s/%s", FILES[i].kind != USER ? cwd : home, FILES[i].rel);
        bool claude_code = strcmp(FILES[i].rel, ".claude.json") == 0;
        struct gate g = {.project = FILES[i].kind != USER};
        if (FILES[i].kind == CLAUDE_PROJECT) {
            g.all = mine && json_object_object_get_ex(mine, "enableAllProjectMcpServers", &v) &&
                    json_object_get_boolean(v);
            if (mine) json_object_object_get_ex(mine, "enabledMcpjsonServers", &g.names);
            g.refusal = "Claude Code runs a project's server once the user approved it "
                        "(enabledMcpjsonServers in ~/.claude.json), and this one is not";
        } else if (FILES[i].kind == VSCODE_PROJECT) {
            g.refusal = "a project's file comes with the folder (a cloned repository's too), and memtui cannot tell "
                        "whether VS Code trusts it: name the file with --memory-file or the config file";
        }
        scan_file(d, home, path, FILES[i].key, claude_code ? cwd : NULL, &g, claude_code ? &mine : NULL);
        free(path);
    }
    json_object_put(mine);
}

char *mt_mcp_discovery_result(const struct mt_mcp_discovery *d, const struct mt_mcp_entry **from, char **why)
{
    *from = NULL;
    *why = NULL;
    struct mt_buf b;
    mt_buf_init(&b);
    if (!d->nentries) {
        mt_buf_adds(&b, "no MCP client configuration names " PKG "; looked in ");
        for (size_t i = 0; i < d->nlooked; i++)
            mt_buf_addf(&b, "%s%s%s", i ? ", " : "", d->looked[i], d->present[i] ? "" : " (absent)");
        mt_buf_addc(&b, '\0');
        *why = mt_buf_detach(&b, NULL);
        return NULL;
    }
    bool agree = true;
    for (size_t i = 0; i < d->nentries; i++)
        agree &= d->entries[i].memory_file && strcmp(d->entries[i].memory_file, d->entries[0].memory_file) == 0;
    if (agree) {
        mt_buf_free(&b);
        *from = &d->entries[0];
        return xstrdup(d->entries[0].memory_file);
    }
    bool told = true;
    for (size_t i = 0; i < d->nentries; i++) told &= d->entries[i].memory_file != NULL;
    mt_buf_adds(&b, told ? "the MCP client configurations name different memory files"
                         : "which memory file the MCP memory server uses cannot be told");
    mt_buf_adds(&b, " (choose it with --memory-file or memory-file in the config file): ");
    for (size_t i = 0; i < d->nentries; i++) {
        const struct mt_mcp_entry *e = &d->entries[i];
        if (e->memory_file) mt_buf_addf(&b, "%s%s %s names %s", i ? "; " : "", e->client_file, e->where, e->memory_file);
        else mt_buf_addf(&b, "%s%s %s: %s", i ? "; " : "", e->client_file, e->where, e->why);
    }
    mt_buf_addc(&b, '\0');
    *why = mt_buf_detach(&b, NULL);
    return NULL;
}

void mt_mcp_discovery_free(struct mt_mcp_discovery *d)
{
    for (size_t i = 0; i < d->nlooked; i++) free(d->looked[i]);
    free(d->looked);
    free(d->present);
    for (size_t i = 0; i < d->nskipped; i++) free(d->skipped[i]);
    free(d->skipped);
    for (size_t i = 0; i < d->nentries; i++) {
        free(d->entries[i].client_file);
        free(d->entries[i].where);
        free(d->entries[i].memory_file);
        free(d->entries[i].why);
    }
    free(d->entries);
    memset(d, 0, sizeof(*d));
}
