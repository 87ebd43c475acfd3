/* cred_helper.c: credential helpers from git config, and their protocol. */
#include "memtui/auth/cred_helper.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "memtui/base/util.h"

void mt_secret_free(char *s)
{
    if (!s) return;
    explicit_bzero(s, strlen(s));
    free(s);
}

static void clear_helpers(struct mt_cred_config *c)
{
    for (size_t i = 0; i < c->nhelpers; i++) free(c->helpers[i]);
    free(c->helpers);
    c->helpers = NULL;
    c->nhelpers = 0;
}

static bool parse_bool(const char *v)
{
    return v && (!*v || !strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on") ||
                 (v[0] >= '1' && v[0] <= '9'));
}

void mt_cred_config_apply(struct mt_cred_config *c, const struct mt_cred_url *u, const char *name,
                          const char *value)
{
    if (strncasecmp(name, "credential.", 11) != 0) return;
    const char *rest = name + 11, *dot = strrchr(rest, '.');
    const char *key = dot ? dot + 1 : rest;
    if (dot) {
        char *pattern = xstrndup(rest, (size_t)(dot - rest));
        bool applies = mt_cred_url_matches(pattern, u);
        free(pattern);
        if (!applies) return;
    }
    if (!strcasecmp(key, "helper")) {
        if (!value || !*value) {
            clear_helpers(c);
            return;
        }
        c->helpers = xrealloc(c->helpers, (c->nhelpers + 1) * sizeof(*c->helpers));
        c->helpers[c->nhelpers++] = xstrdup(value);
    } else if (!strcasecmp(key, "username")) {
        free(c->username);
        c->username = value && *value ? xstrdup(value) : NULL;
    } else if (!strcasecmp(key, "usehttppath")) {
        c->use_http_path = parse_bool(value);
    }
}

void mt_cred_config_free(struct mt_cred_config *c)
{
    clear_helpers(c);
    free(c->username);
    memset(c, 0, sizeof(*c));
}

static const char *const exec_dirs[] = {"/usr/lib/git-core", "/usr/libexec/git-core"};

static char *executable_in(const char *dir, size_t dn, const char *name)
{
    char *p = xasprintf("%.*s/%s", (int)dn, dir, name);
    if (dn && access(p, X_OK) == 0) return p;
    free(p);
    return NULL;
}

char *mt_cred_find_program(const char *name)
{
    char *p;
    for (size_t i = 0; i < sizeof(exec_dirs) / sizeof(exec_dirs[0]); i++)
        if ((p = executable_in(exec_dirs[i], strlen(exec_dirs[i]), name))) return p;
    for (const char *d = getenv("PATH"); d && *d;) {
        size_t n = strcspn(d, ":");
        if ((p = executable_in(d, n, name))) return p;
        d += n;
        if (*d) d++;
    }
    return NULL;
}

static const char *const blanks = " \t";

char *mt_cred_helper_name(const char *helper)
{
    helper += strspn(helper, blanks);
    return xstrndup(helper, strcspn(helper, blanks));
}

void mt_cred_argv_free(char **argv)
{
    for (size_t i = 0; argv && argv[i]; i++) free(argv[i]);
    free(argv);
}

char **mt_cred_helper_argv(const char *helper, const char *action, const char **why)
{
    helper += strspn(helper, blanks);
    if (*helper == '!') {
        *why = "it is a shell command, which memtui does not run";
        return NULL;
    }
    size_t n = 0, cap = 4;
    char **argv = xmalloc(cap * sizeof(*argv));
    for (const char *p = helper; *p;) {
        size_t len = strcspn(p, blanks);
        if (n + 3 > cap) argv = xrealloc(argv, (cap *= 2) * sizeof(*argv));
        argv[n++] = xstrndup(p, len);
        p += len;
        p += strspn(p, blanks);
    }
    argv[n] = NULL;
    if (!n) {
        *why = "it is empty";
        mt_cred_argv_free(argv);
        return NULL;
    }
    char *prog = NULL;
    if (argv[0][0] == '/') {
        if (access(argv[0], X_OK) == 0) prog = xstrdup(argv[0]);
    } else if (!strchr(argv[0], '/')) {
        char *name = xasprintf("git-credential-%s", argv[0]);
        prog = mt_cred_find_program(name);
        free(name);
    }
    if (!prog) {
        *why = "no such program";
        mt_cred_argv_free(argv);
        return NULL;
    }
    free(argv[0]);
    argv[0] = prog;
    argv[n++] = xstrdup(action);
    argv[n] = NULL;
    return argv;
}

static bool add_kv(struct mt_buf *b, const char *key, const char *val)
{
    if (!val) return true;
    if (strchr(val, '\n')) return false;
    mt_buf_addf(b, "%s=%s\n", key, val);
    return true;
}

char *mt_cred_request(const struct mt_cred_url *u, bool use_path, const char *user, const char *password)
{
    struct mt_buf b;
    mt_buf_init(&b);
    /* room for it all up front: no realloc leaves a copy of the password */
    mt_buf_reserve(&b, 64 + strlen(u->protocol) + strlen(u->host) + strlen(u->path) + (user ? strlen(user) : 0) +
                           (password ? strlen(password) : 0));
    bool ok = add_kv(&b, "protocol", u->protocol) && add_kv(&b, "host", u->host) &&
              add_kv(&b, "path", use_path && *u->path ? u->path : NULL) && add_kv(&b, "username", user) &&
              add_kv(&b, "password", password);
    mt_buf_addc(&b, '\n');
    char *out = mt_buf_detach(&b, NULL);
    if (ok) return out;
    mt_secret_free(out);
    return NULL;
}

static void set_value(char **dst, const char *v, size_t n)
{
    mt_secret_free(*dst);
    *dst = xstrndup(v, n);
}

void mt_cred_reply_parse(const char *text, size_t len, struct mt_cred_reply *r)
{
    const char *p = text, *end = text + len;
    memset(r, 0, sizeof(*r));
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        size_t n = (size_t)(le - p);
        if (n && p[n - 1] == '\r') n--;
        if (!n) break;
        const char *eq = memchr(p, '=', n);
        if (eq && !memchr(p, '\0', n)) {
            size_t kn = (size_t)(eq - p), vn = n - kn - 1;
            if (kn == 8 && !memcmp(p, "username", 8)) set_value(&r->username, eq + 1, vn);
            else if (kn == 8 && !memcmp(p, "password", 8)) set_value(&r->password, eq + 1, vn);
            else if (kn == 4 && !memcmp(p, "quit", 4)) {
                char *v = xstrndup(eq + 1, vn);
                r->quit = parse_bool(v) && *v;
                free(v);
            }
        }
        p = nl ? nl + 1 : end;
    }
}

void mt_cred_reply_free(struct mt_cred_reply *r)
{
    free(r->username);
    mt_secret_free(r->password);
    memset(r, 0, sizeof(*r));
}
