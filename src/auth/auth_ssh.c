/* auth_ssh.c: ~/.ssh/config, identities and host keys for ssh remotes,
 * following OpenSSH's client; libgit2 does the connecting. */
#include "memtui/auth/auth_ssh.h"

#include "memtui/auth/askpass.h"
#include "memtui/base/audit.h"
#include "memtui/auth/ssh_config.h"
#include "memtui/base/util.h"

#include <libssh2.h>
#include <openssl/evp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ASKPASS_TIMEOUT_MS (120 * 1000)
#define MAX_IDS 110

struct ssh_url {
    char *user;  /* NULL when the URL names none */
    char *host;
    int port;    /* 0 = none given */
    char *path;  /* starts with '/' (ssh://) or is the scp-like path */
    bool scp;
};

struct identity {
    char *path;  /* NULL = ssh-agent */
    bool configured;
};

struct mt_ssh_auth {
    char *url;          /* what libgit2 connects to */
    char *host;         /* after HostName */
    int port;           /* 22 when none */
    char *user;         /* the login */
    struct identity ids[MAX_IDS];
    size_t n_ids, next;
    struct mt_buf tried;  /* "a, b, c": what was offered or passed over */
};

/* ---- URLs ------------------------------------------------------------ */

bool mt_ssh_is_url(const char *url)
{
    if (!strncmp(url, "ssh://", 6) || !strncmp(url, "ssh+git://", 10) ||
        !strncmp(url, "git+ssh://", 10))
        return true;
    if (strstr(url, "://")) return false;
    /* scp-like user@host:path: a colon before any slash */
    const char *colon = strchr(url, ':'), *slash = strchr(url, '/');
    return colon && (!slash || colon < slash);
}

static void url_free(struct ssh_url *u)
{
    free(u->user);
    free(u->host);
    free(u->path);
}

/* host[:port] or [host]:port; false when malformed. */
static bool parse_hostport(const char *s, size_t n, struct ssh_url *u, bool port_allowed)
{
    const char *end = s + n, *h = s, *he;
    if (*s == '[') {
        h = s + 1;
        he = memchr(h, ']', n - 1);
        if (!he) return false;
        s = he + 1;
    } else {
        he = port_allowed ? memchr(s, ':', n) : NULL;
        if (!he) he = end;
        s = he;
    }
    if (he == h) return false;
    u->host = xstrndup(h, (size_t)(he - h));
    if (s < end) {
        if (*s != ':' || !port_allowed) return false;
        char *num = xstrndup(s + 1, (size_t)(end - s - 1));
        char *e;
        long p = strtol(num, &e, 10);
        bool ok = *num && !*e && p > 0 && p < 65536;
        free(num);
        if (!ok) return false;
        u->port = (int)p;
    }
    return true;
}

static bool parse_url(const char *url, struct ssh_url *u)
{
    memset(u, 0, sizeof(*u));
    const char *sep = strstr(url, "://");
    if (sep) {
        const char *auth = sep + 3, *slash = strchr(auth, '/');
        if (!slash) return false;
        const char *at = memrchr(auth, '@', (size_t)(slash - auth));
        if (at) {
            const char *colon = memchr(auth, ':', (size_t)(at - auth));  /* a password: not ours */
            u->user = xstrndup(auth, (size_t)((colon ? colon : at) - auth));
            auth = at + 1;
        }
        u->path = xstrdup(slash);
        return parse_hostport(auth, (size_t)(slash - auth), u, true);
    }
    /* scp-like: [user@]host:path, host maybe [bracketed] */
    const char *hs = url, *at = strchr(url, '@'), *colon;
    if (at && at < strchr(url, ':')) {
        u->user = xstrndup(url, (size_t)(at - url));
        hs = at + 1;
    }
    if (*hs == '[') {
        const char *rb = strchr(hs, ']');
        if (!rb || rb[1] != ':') return false;
        colon = rb + 1;
    } else {
        colon = strchr(hs, ':');
    }
    if (!colon || !colon[1]) return false;
    u->scp = true;
    u->path = xstrdup(colon + 1);
    return parse_hostport(hs, (size_t)(colon - hs), u, false);
}

/* ---- ~/.ssh/config --------------------------------------------------- */

static void note(void *ctx, const char *msg)
{
    if (*(const int *)ctx) mt_warn("ssh config: %s", msg);
}

static const char *home_dir(void)
{
    const char *h = getenv("HOME");
    if (h && *h) return h;
    struct passwd *pw = getpwuid(getuid());
    return pw ? pw->pw_dir : NULL;
}

static void add_id(struct mt_ssh_auth *a, char *path, bool configured)
{
    for (size_t i = 0; i < a->n_ids; i++) {
        bool same = path && a->ids[i].path ? !strcmp(path, a->ids[i].path) : path == a->ids[i].path;
        if (same) {  /* each identity is offered once */
            free(path);
            return;
        }
    }
    if (a->n_ids >= MAX_IDS) {
        free(path);
        return;
    }
    a->ids[a->n_ids].path = path;
    a->ids[a->n_ids++].configured = configured;
}

static char *effective_url(const struct ssh_url *u, const char *host, int port, const char *user)
{
    const char *p = u->path;
    /* scp-like paths are relative to the login's home: /~/ in ssh:// form
     * (libgit2 sends "~/path", which git-upload-pack expands) */
    const char *pre = !u->scp || p[0] == '/' ? "" : p[0] == '~' ? "/" : "/~/";
    bool v6 = strchr(host, ':') != NULL;
    char portbuf[16] = "";
    if (port) snprintf(portbuf, sizeof(portbuf), ":%d", port);
    return xasprintf("ssh://%s@%s%s%s%s%s%s", user, v6 ? "[" : "", host, v6 ? "]" : "", portbuf, pre, p);
}

struct mt_ssh_auth *mt_ssh_auth_new(const char *url)
{
    struct ssh_url u;
    if (!url || !mt_ssh_is_url(url) || !parse_url(url, &u)) {
        if (url && mt_ssh_is_url(url)) url_free(&u);
        return NULL;
    }
    const char *home = home_dir();
    struct mt_ssh_host h;
    mt_ssh_host_init(&h);
    if (home) {
        char *cfg = xasprintf("%s/.ssh/config", home);
        /* the same file is read for every operation: its notes once */
        static int shown;
        int show = !__atomic_exchange_n(&shown, 1, __ATOMIC_RELAXED);
        mt_ssh_config_read(cfg, u.host, home, &h, note, &show);
        free(cfg);
    }
    struct mt_ssh_auth *a = xcalloc(1, sizeof(*a));
    mt_buf_init(&a->tried);
    /* the URL's own user and port win over the config, as on ssh's command line */
    a->user = xstrdup(u.user && *u.user ? u.user : h.user ? h.user : "git");
    a->port = u.port ? u.port : h.port ? h.port : 22;
    struct mt_ssh_tokens t = {.home = home, .alias = u.host, .host = u.host, .user = a->user, .port = a->port};
    struct passwd *pw = getpwuid(getuid());
    t.local = pw ? pw->pw_name : getenv("USER");
    a->host = h.hostname ? mt_ssh_expand(h.hostname, &t) : xstrdup(u.host);
    t.host = a->host;
    if (h.hostname || h.user || (h.port && !u.port))
        a->url = effective_url(&u, a->host, u.port ? u.port : h.port, a->user);
    else
        a->url = xstrdup(url);

    /* OpenSSH's order: IdentityFile entries, the agent (unless
     * IdentitiesOnly), the default files only when none is configured */
    for (size_t i = 0; i < h.n_identity; i++) add_id(a, mt_ssh_expand(h.identity[i], &t), true);
    if (h.identities_only != 1) add_id(a, NULL, false);
    if (h.n_identity == 0 && home) {
        static const char *const defaults[] = {"id_ed25519", "id_ecdsa", "id_rsa"};
        for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
            add_id(a, xasprintf("%s/.ssh/%s", home, defaults[i]), false);
    }
    mt_ssh_host_free(&h);
    url_free(&u);
    return a;
}

void mt_ssh_auth_free(struct mt_ssh_auth *a)
{
    if (!a) return;
    for (size_t i = 0; i < a->n_ids; i++) free(a->ids[i].path);
    mt_buf_free(&a->tried);
    free(a->url);
    free(a->host);
    free(a->user);
    free(a);
}

const char *mt_ssh_auth_url(const struct mt_ssh_auth *a)
{
    return a->url;
}

/* ---- identities ------------------------------------------------------ */

/* Is the private key file passphrase-protected? OpenSSH's own format names
 * its cipher ("none" when clear); PEM marks it in its header. */
static bool key_encrypted(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return false;
    char line[256], b64[1024] = "";
    bool openssh = false, enc = false;
    size_t used = 0;
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strstr(line, "BEGIN OPENSSH PRIVATE KEY")) {
            openssh = true;
        } else if (strstr(line, "ENCRYPTED")) {
            enc = true;  /* Proc-Type: 4,ENCRYPTED or BEGIN ENCRYPTED PRIVATE KEY */
            break;
        } else if (openssh && used + strlen(line) < sizeof(b64) - 1 && !strstr(line, "-----")) {
            memcpy(b64 + used, line, strlen(line) + 1);
            used += strlen(line);
            if (used >= 128) break;
        }
    }
    fclose(f);
    if (!openssh || enc) return enc;
    used -= used % 4;
    unsigned char raw[768];
    int n = EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)used);
    /* "openssh-key-v1\0", then the cipher name as a uint32 length + bytes */
    static const char magic[] = "openssh-key-v1";
    if (n < (int)sizeof(magic) + 4 || memcmp(raw, magic, sizeof(magic)) != 0) return false;
    const unsigned char *p = raw + sizeof(magic);
    size_t len = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
    if (len > (size_t)n - sizeof(magic) - 4) return false;
    return !(len == 4 && memcmp(p + 4, "none", 4) == 0);
}

static void tried(struct mt_ssh_auth *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tried(struct mt_ssh_auth *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *m = NULL;
    if (vasprintf(&m, fmt, ap) >= 0) {
        if (a->tried.len) mt_buf_adds(&a->tried, "; ");
        mt_buf_adds(&a->tried, m);
    }
    va_end(ap);
    free(m);
}

/* 1 when *out holds the key file's credential, 0 to pass it over. */
static int offer_file(struct mt_ssh_auth *a, const struct identity *id, git_credential **out,
                      const char *user)
{
    if (access(id->path, R_OK) != 0) {
        if (id->configured) tried(a, "%s (no such file)", id->path);
        return 0;
    }
    char *pass = NULL;
    if (key_encrypted(id->path)) {
        if (!mt_askpass_allowed()) {
            tried(a, "%s (passphrase-protected: add it to ssh-agent, or set SSH_ASKPASS)", id->path);
            return 0;
        }
        char *prompt = xasprintf("Enter passphrase for key '%s': ", id->path);
        pass = mt_askpass(prompt, ASKPASS_TIMEOUT_MS);
        free(prompt);
        if (!pass) {
            tried(a, "%s (SSH_ASKPASS gave no passphrase)", id->path);
            return 0;
        }
    }
    char *pub = xasprintf("%s.pub", id->path);
    bool asked = pass != NULL;
    int rc = git_credential_ssh_key_new(out, user, access(pub, R_OK) == 0 ? pub : NULL, id->path, pass);
    free(pub);
    mt_askpass_free(pass);  /* libgit2 keeps its own copy */
    if (rc < 0) return rc;
    tried(a, "%s%s", id->path, asked ? " (passphrase from SSH_ASKPASS)" : "");
    return 1;
}

int mt_ssh_auth_cred(struct mt_ssh_auth *a, git_credential **out, const char *user_from_url,
                     unsigned int allowed)
{
    const char *user = user_from_url && *user_from_url ? user_from_url : a->user;
    if (allowed & GIT_CREDENTIAL_USERNAME) return git_credential_username_new(out, user);
    if (!(allowed & GIT_CREDENTIAL_SSH_KEY)) return GIT_PASSTHROUGH;
    while (a->next < a->n_ids) {
        const struct identity *id = &a->ids[a->next++];
        if (!id->path) {
            if (!getenv("SSH_AUTH_SOCK") || !*getenv("SSH_AUTH_SOCK")) continue;
            tried(a, "the keys in ssh-agent");
            return git_credential_ssh_key_from_agent(out, user);
        }
        int rc = offer_file(a, id, out, user);
        if (rc != 0) return rc < 0 ? rc : 0;
    }
    git_error_set(GIT_ERROR_SSH, "ssh: no key was accepted for %s@%s (port %d); tried: %s", user, a->host,
                  a->port, a->tried.len ? a->tried.data : "nothing (no ssh-agent, no key files)");
    return GIT_EAUTH;
}

/* ---- host keys ------------------------------------------------------- */

static const char *scan_type(int raw, int *mask)
{
    switch (raw) {
    case GIT_CERT_SSH_RAW_TYPE_RSA: *mask = LIBSSH2_KNOWNHOST_KEY_SSHRSA; return "rsa";
    case GIT_CERT_SSH_RAW_TYPE_DSS: *mask = LIBSSH2_KNOWNHOST_KEY_SSHDSS; return "dsa";
    case GIT_CERT_SSH_RAW_TYPE_KEY_ECDSA_256: *mask = LIBSSH2_KNOWNHOST_KEY_ECDSA_256; return "ecdsa";
    case GIT_CERT_SSH_RAW_TYPE_KEY_ECDSA_384: *mask = LIBSSH2_KNOWNHOST_KEY_ECDSA_384; return "ecdsa";
    case GIT_CERT_SSH_RAW_TYPE_KEY_ECDSA_521: *mask = LIBSSH2_KNOWNHOST_KEY_ECDSA_521; return "ecdsa";
    case GIT_CERT_SSH_RAW_TYPE_KEY_ED25519: *mask = LIBSSH2_KNOWNHOST_KEY_ED25519; return "ed25519";
    default: *mask = 0; return NULL;
    }
}

/* What ~/.ssh/known_hosts says of this key: LIBSSH2_KNOWNHOST_CHECK_*. */
static int known_hosts_check(const char *host, int port, const git_cert_hostkey *k, int keymask)
{
    const char *home = home_dir();
    if (!home || !keymask) return LIBSSH2_KNOWNHOST_CHECK_NOTFOUND;
    LIBSSH2_SESSION *s = libssh2_session_init();
    LIBSSH2_KNOWNHOSTS *kh = s ? libssh2_knownhost_init(s) : NULL;
    int rc = LIBSSH2_KNOWNHOST_CHECK_NOTFOUND;
    if (kh) {
        char *path = xasprintf("%s/.ssh/known_hosts", home);
        if (libssh2_knownhost_readfile(kh, path, LIBSSH2_KNOWNHOST_FILE_OPENSSH) >= 0)
            rc = libssh2_knownhost_checkp(kh, host, port, k->hostkey, k->hostkey_len,
                                          LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | keymask,
                                          NULL);
        free(path);
        libssh2_knownhost_free(kh);
    }
    if (s) libssh2_session_free(s);
    return rc;
}

int mt_ssh_auth_hostkey(const struct mt_ssh_auth *a, git_cert *cert, int valid, const char *host)
{
    if (valid || !cert || cert->cert_type != GIT_CERT_HOSTKEY_LIBSSH2) return GIT_PASSTHROUGH;
    const git_cert_hostkey *k = (const git_cert_hostkey *)cert;
    int port = a ? a->port : 22, mask = 0;
    const char *type = (k->type & GIT_CERT_SSH_RAW) ? scan_type(k->raw_type, &mask) : NULL;
    char fp[64] = "?";
    if (k->type & GIT_CERT_SSH_SHA256) {
        unsigned char b[48];
        int n = EVP_EncodeBlock(b, k->hash_sha256, 32);
        while (n > 0 && b[n - 1] == '=') n--;  /* OpenSSH shows it unpadded */
        snprintf(fp, sizeof(fp), "SHA256:%.*s", n, b);
    }
    char *name = port == 22 ? xstrdup(host) : xasprintf("[%s]:%d", host, port);
    int check = (k->type & GIT_CERT_SSH_RAW) ? known_hosts_check(host, port, k, mask)
                                             : LIBSSH2_KNOWNHOST_CHECK_NOTFOUND;
    if (check == LIBSSH2_KNOWNHOST_CHECK_MISMATCH) {
        git_error_set(GIT_ERROR_SSH,
                      "WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED: the %s host key of %s is now %s, "
                      "not the one in ~/.ssh/known_hosts. Someone could be intercepting the connection, "
                      "or the server's key was replaced; memtui will not connect until you know which "
                      "and have fixed ~/.ssh/known_hosts yourself",
                      type ? type : "ssh", name, fp);
    } else {
        char *pflag = port == 22 ? xstrdup("") : xasprintf("-p %d ", port);
        char *tflag = type ? xasprintf("-t %s ", type) : xstrdup("");
        git_error_set(GIT_ERROR_SSH,
                      "unknown ssh host key for %s (%s %s, not in ~/.ssh/known_hosts). Check that "
                      "fingerprint with the server's owner, then add the key: "
                      "ssh-keyscan %s%s%s >> ~/.ssh/known_hosts",
                      name, type ? type : "ssh", fp, pflag, tflag, host);
        free(tflag);
        free(pflag);
    }
    free(name);
    return GIT_ECERTIFICATE;
}
