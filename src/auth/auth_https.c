/* auth_https.c: the http(s) credential sources, in git's order, each once. */
#include "memtui/auth/auth_https.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "memtui/base/audit.h"
#include "memtui/auth/cred_helper.h"
#include "memtui/auth/cred_proc.h"
#include "memtui/auth/cred_url.h"
#include "memtui/base/util.h"

#define TOKEN_USER "x-access-token" /* GitHub takes any user with a token; this is its own */

enum step { STEP_TOKEN, STEP_HELPERS, STEP_ASKPASS, STEP_NONE };

struct mt_https_auth {
    struct mt_cred_url url;
    struct mt_cred_config cfg;
    char *askpass;        /* the program askpass runs, NULL if none */
    enum step step;
    size_t helper;        /* next helper to ask */
    char *user, *password; /* last given */
    bool given, storable;  /* storable: from a helper or askpass */
    struct mt_buf tried;   /* names of the sources tried, for the message */
};

static void tried(struct mt_https_auth *a, const char *fmt, const char *arg)
{
    if (a->tried.len) mt_buf_adds(&a->tried, ", ");
    mt_buf_addf(&a->tried, fmt, arg);
}

static int load_config(struct mt_https_auth *a, git_repository *repo)
{
    git_config *cfg = NULL;
    git_config_iterator *it = NULL;
    git_config_entry *e;
    int rc = repo ? git_repository_config_snapshot(&cfg, repo) : git_config_open_default(&cfg);
    if (rc < 0) return rc;
    /* Not a glob iterator: libgit2 1.5.1 leaks its pcre2 match data. */
    if (git_config_iterator_new(&it, cfg) == 0) {
        while (git_config_next(&e, it) == 0) mt_cred_config_apply(&a->cfg, &a->url, e->name, e->value);
        git_config_iterator_free(it);
    }
    const char *env = getenv("GIT_ASKPASS"), *ssh = getenv("SSH_ASKPASS");
    git_buf core = {0};
    if (env && *env) a->askpass = xstrdup(env);
    else if (git_config_get_string_buf(&core, cfg, "core.askpass") == 0 && core.ptr && *core.ptr)
        a->askpass = xstrdup(core.ptr);
    else if (ssh && *ssh) a->askpass = xstrdup(ssh);
    git_buf_dispose(&core);
    git_config_free(cfg);
    git_error_clear();
    return 0;
}

static void forget_given(struct mt_https_auth *a)
{
    free(a->user);
    mt_secret_free(a->password);
    a->user = a->password = NULL;
    a->given = a->storable = false;
}

/* Run `action` of every helper with the given credentials (store, erase). */
static void tell_helpers(struct mt_https_auth *a, const char *action)
{
    char *req = mt_cred_request(&a->url, a->cfg.use_http_path, a->user, a->password);
    for (size_t i = 0; req && i < a->cfg.nhelpers; i++) {
        const char *why;
        char *out = NULL;
        char **argv = mt_cred_helper_argv(a->cfg.helpers[i], action, &why);
        if (argv && mt_cred_run(argv, req, MT_CRED_TIMEOUT_S, &out, NULL, &why) < 0) {
            char *name = mt_cred_helper_name(a->cfg.helpers[i]);
            mt_warn("credential helper '%s' %s: %s", name, action, why);
            free(name);
        }
        mt_secret_free(out);
        mt_cred_argv_free(argv);
    }
    mt_secret_free(req);
}

static const char *known_user(const struct mt_https_auth *a, const char *user_from_url)
{
    if (user_from_url && *user_from_url) return user_from_url;
    return a->cfg.username;
}

/* Ask helper i; 1 with a->user and a->password set when it gave both. */
static int ask_helper(struct mt_https_auth *a, size_t i, const char *user)
{
    const char *h = a->cfg.helpers[i], *why = NULL;
    char *name = mt_cred_helper_name(h), *out = NULL, *req = NULL;
    size_t len = 0;
    char **argv = mt_cred_helper_argv(h, "get", &why);
    struct mt_cred_reply r = {0};
    int got = 0;
    if (!argv) {
        mt_warn("credential helper '%s' skipped: %s", name, why);
        goto out;
    }
    tried(a, "credential helper '%s'", name);
    if (!(req = mt_cred_request(&a->url, a->cfg.use_http_path, user, NULL))) goto out;
    if (mt_cred_run(argv, req, MT_CRED_TIMEOUT_S, &out, &len, &why) < 0) {
        mt_warn("credential helper '%s' get: %s", name, why);
        goto out;
    }
    mt_cred_reply_parse(out, len, &r);
    if (r.quit) {
        a->step = STEP_NONE;  /* git stops asking when a helper says quit */
        goto out;
    }
    if (r.password && (r.username || user)) {
        a->user = xstrdup(r.username ? r.username : user);
        a->password = r.password;
        r.password = NULL;
        got = 1;
    } else if (r.username && !a->cfg.username) {
        a->cfg.username = xstrdup(r.username);  /* the next helpers ask for this user */
    }
out:
    mt_cred_reply_free(&r);
    if (out) explicit_bzero(out, len);  /* all of it: a NUL may hide the rest from strlen */
    free(out);
    mt_secret_free(req);
    mt_cred_argv_free(argv);
    free(name);
    return got;
}

/* One line from the askpass program given the prompt; NULL on failure. */
static char *askpass(const char *prog, const char *prompt)
{
    char *argv[] = {NULL, (char *)prompt, NULL};
    char *out = NULL, *line = NULL;
    const char *why;
    size_t len = 0;
    argv[0] = prog[0] == '/' ? xstrdup(prog) : strchr(prog, '/') ? NULL : mt_cred_find_program(prog);
    if (!argv[0]) {
        mt_warn("askpass program '%s' not found", prog);
        return NULL;
    }
    if (mt_cred_run(argv, "", MT_CRED_TIMEOUT_S, &out, &len, &why) < 0) mt_warn("askpass program '%s': %s", prog, why);
    else line = xstrndup(out, strcspn(out, "\r\n"));
    if (out) explicit_bzero(out, len);
    free(out);
    free(argv[0]);
    return line;
}

static int ask_askpass(struct mt_https_auth *a, const char *user)
{
    const char *path = a->cfg.use_http_path && *a->url.path ? a->url.path : NULL;
    char *u = user ? xstrdup(user) : NULL;
    tried(a, "askpass '%s'", a->askpass);
    if (!u) {
        char *prompt = xasprintf("Username for '%s://%s%s%s': ", a->url.protocol, a->url.host, path ? "/" : "",
                                 path ? path : "");
        u = askpass(a->askpass, prompt);
        free(prompt);
        if (!u) return 0;
    }
    char *prompt = xasprintf("Password for '%s://%s@%s%s%s': ", a->url.protocol, u, a->url.host, path ? "/" : "",
                             path ? path : "");
    char *pw = askpass(a->askpass, prompt);
    free(prompt);
    if (!pw) {
        free(u);
        return 0;
    }
    a->user = u;
    a->password = pw;
    return 1;
}

/* A token in the environment is meant for a real remote: over plain http
 * anyone on the way reads it, so it goes only over https, or over http to
 * this machine (a local test server, a port forward). */
static bool token_safe(const struct mt_cred_url *u)
{
    if (strcmp(u->protocol, "http") != 0) return true;
    struct in_addr v4;
    if (inet_pton(AF_INET, u->hostname, &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
    return strcmp(u->hostname, "localhost") == 0 || strcmp(u->hostname, "[::1]") == 0 ||
           strcmp(u->hostname, "::1") == 0;
}

/* The next credentials, or 0 when no source is left. */
static int next_source(struct mt_https_auth *a, const char *user_from_url)
{
    for (;;) {
        switch (a->step) {
        case STEP_TOKEN: {
            const char *tok = getenv("MEMTUI_GIT_TOKEN");
            a->step = STEP_HELPERS;
            if (!tok || !*tok) break;
            if (!token_safe(&a->url)) {
                tried(a, "%s", "MEMTUI_GIT_TOKEN (not sent: plain http to another machine)");
                break;
            }
            tried(a, "%s", "MEMTUI_GIT_TOKEN");
            a->user = xstrdup(user_from_url && *user_from_url ? user_from_url : TOKEN_USER);
            a->password = xstrdup(tok);
            return 1;
        }
        case STEP_HELPERS:
            if (a->helper >= a->cfg.nhelpers) {
                a->step = STEP_ASKPASS;
                break;
            }
            if (ask_helper(a, a->helper++, known_user(a, user_from_url))) {
                a->storable = true;
                return 1;
            }
            break;
        case STEP_ASKPASS:
            a->step = STEP_NONE;
            if (a->askpass && ask_askpass(a, known_user(a, user_from_url))) {
                a->storable = true;
                return 1;
            }
            break;
        case STEP_NONE:
            return 0;
        }
    }
}

int mt_https_auth_cred(struct mt_https_auth **st, git_repository *repo, git_credential **out, const char *url,
                       const char *user_from_url, unsigned int allowed)
{
    struct mt_https_auth *a = *st;
    if (!(allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT)) return GIT_PASSTHROUGH;
    if (!a) {
        a = *st = xcalloc(1, sizeof(*a));
        mt_buf_init(&a->tried);
        if (mt_cred_url_parse(url, &a->url) < 0) {
            a->step = STEP_NONE;
        } else if (load_config(a, repo) < 0) {
            git_error_clear();
        }
        if (a->url.user) tried(a, "%s", "the URL's user-info");
    } else if (a->given) {
        if (a->storable) tell_helpers(a, "erase");  /* the server refused them */
        forget_given(a);
    }
    if (a->url.protocol && next_source(a, user_from_url)) {
        int rc = git_credential_userpass_plaintext_new(out, a->user, a->password);
        a->given = rc == 0;
        if (!a->storable) {
            mt_secret_free(a->password);  /* only helpers need it again */
            a->password = NULL;
        }
        return rc;
    }
    const char *proto = a->url.protocol ? a->url.protocol : "http", *host = a->url.host ? a->url.host : "?";
    if (a->tried.len)
        git_error_set(GIT_ERROR_HTTP, "authentication failed for %s://%s (tried %s)", proto, host, a->tried.data);
    else
        git_error_set(GIT_ERROR_HTTP,
                      "authentication required by %s://%s and no credentials found (none in the URL, "
                      "MEMTUI_GIT_TOKEN unset, no git credential helper, no GIT_ASKPASS, core.askPass or SSH_ASKPASS)",
                      proto, host);
    return GIT_EAUTH;
}

void mt_https_auth_done(struct mt_https_auth **st, bool accepted)
{
    struct mt_https_auth *a = *st;
    if (!a) return;
    if (accepted && a->given && a->storable) tell_helpers(a, "store");
    forget_given(a);
    mt_cred_url_free(&a->url);
    mt_cred_config_free(&a->cfg);
    free(a->askpass);
    mt_buf_free(&a->tried);
    free(a);
    *st = NULL;
}
