/* config.c: options, defaults, the usage line. */
#include "memtui/config/config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memtui/base/audit.h"
#include "memtui/coord/lease.h"
#include "memtui/config/settings.h"

static const char USAGE[] =
    "usage: memtui [--repo DIR] [--env NAME] [--theme NAME] [--no-mouse]\n"
    "       memtui --batch [options] COMMAND [command options]\n";

void mt_usage(FILE *to)
{
    fputs(USAGE, to);
}

bool mt_env_name_valid(const char *env)
{
    size_t n = strlen(env);
    if (n < 1 || n > 64) return false;
    for (size_t i = 0; i < n; i++) {
        char c = env[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                  c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

enum {
    OPT_REPO = 256, OPT_ENV, OPT_MEMORY_FILE, OPT_REMOTE, OPT_LOCK_FILE, OPT_LOCK_TIMEOUT, OPT_LEASE_TTL,
    OPT_JSON, OPT_THEME, OPT_BATCH, OPT_POLICY, OPT_DRY_RUN, OPT_NO_PUSH, OPT_ALLOW_MASS, OPT_FROM, OPT_TO,
    OPT_ENTITY, OPT_VERSION, OPT_CLAIM_ENV, OPT_LIMIT, OPT_TOKEN, OPT_OFFLINE,
    OPT_PRINT, OPT_INSTALL, OPT_FORCE, OPT_EVERY, OPT_KIND, OPT_MIN_AGE, OPT_NO_MOUSE,
};

static const struct option OPTIONS[] = {
    {"repo", required_argument, NULL, OPT_REPO},
    {"env", required_argument, NULL, OPT_ENV},
    {"memory-file", required_argument, NULL, OPT_MEMORY_FILE},
    {"remote", required_argument, NULL, OPT_REMOTE},
    {"lock-file", required_argument, NULL, OPT_LOCK_FILE},
    {"lock-timeout", required_argument, NULL, OPT_LOCK_TIMEOUT},
    {"lease-ttl", required_argument, NULL, OPT_LEASE_TTL},
    {"json", no_argument, NULL, OPT_JSON},
    {"theme", required_argument, NULL, OPT_THEME},
    {"no-mouse", no_argument, NULL, OPT_NO_MOUSE},
    {"batch", no_argument, NULL, OPT_BATCH},
    {"policy", required_argument, NULL, OPT_POLICY},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"no-push", no_argument, NULL, OPT_NO_PUSH},
    {"allow-mass-delete", no_argument, NULL, OPT_ALLOW_MASS},
    {"from", required_argument, NULL, OPT_FROM},
    {"to", required_argument, NULL, OPT_TO},
    {"entity", required_argument, NULL, OPT_ENTITY},
    {"claim-env", no_argument, NULL, OPT_CLAIM_ENV},
    {"offline", no_argument, NULL, OPT_OFFLINE},
    {"limit", required_argument, NULL, OPT_LIMIT},
    {"token", required_argument, NULL, OPT_TOKEN},
    {"print", no_argument, NULL, OPT_PRINT},
    {"install", no_argument, NULL, OPT_INSTALL},
    {"force", no_argument, NULL, OPT_FORCE},
    {"every", required_argument, NULL, OPT_EVERY},
    {"kind", required_argument, NULL, OPT_KIND},
    {"min-age", required_argument, NULL, OPT_MIN_AGE},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static void set(char **dst, const char *v)
{
    free(*dst);
    *dst = xstrdup(v);
}

/* A plain decimal number of seconds within [min, max]: digits first (no
 * sign, space, hex, "inf" or "nan", which strtod would take), all of v
 * read, no overflow or underflow. */
bool mt_seconds_parse(const char *v, double min, double max, double *out)
{
    if (!isdigit((unsigned char)v[0]) || strspn(v, "0123456789.eE+-") != strlen(v)) return false;
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    /* written so that NaN, which compares false with everything, fails */
    if (*end || errno == ERANGE || !(d >= min && d <= max)) return false;
    *out = d;
    return true;
}

/* A whole number from 1 to max, digits only. */
static bool whole_number(const char *v, uint64_t max, uint64_t *out)
{
    char *end;
    if (*v < '0' || *v > '9') return false;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (*end || errno || n < 1 || n > max) return false;
    *out = n;
    return true;
}

static int bad(const char *fmt, const char *v)
{
    mt_warn(fmt, v);
    mt_usage(stderr);
    return MT_EXIT_USAGE;
}

/* One option getopt_long returned (o, with optarg) into c: MT_EXIT_OK, or
 * MT_EXIT_USAGE after saying why. */
static int take_option(struct mt_config *c, int o, char **argv)
{
    switch (o) {
    case OPT_REPO: set(&c->repo, optarg); break;
    case OPT_ENV: set(&c->env, optarg); break;
    case OPT_MEMORY_FILE: set(&c->memory_file, optarg); break;
    case OPT_REMOTE: set(&c->remote, optarg); break;
    case OPT_LOCK_FILE: set(&c->lock_file, optarg); break;
    case OPT_LOCK_TIMEOUT:
        if (!mt_seconds_parse(optarg, 0, MT_LOCK_TIMEOUT_MAX, &c->lock_timeout))
            return bad("--lock-timeout wants seconds from 0 to 604800, not '%s'", optarg);
        break;
    case OPT_LEASE_TTL:
        /* whole seconds go into lease.json: 1.5 is 2 */
        if (!mt_seconds_parse(optarg, 1, (double)MT_LEASE_TTL_MAX + 0.49, &c->lease_ttl))
            return bad("--lease-ttl wants seconds from 1 to 3600, not '%s'", optarg);
        break;
    case OPT_JSON: c->json = true; break;
    case OPT_THEME: set(&c->theme, optarg); break;
    case OPT_NO_MOUSE: c->no_mouse = true; break;
    case OPT_BATCH: c->batch = true; break;
    case OPT_POLICY:
        if (strcmp(optarg, "preserve") == 0) c->policy = MT_POLICY_PRESERVE;
        else if (strcmp(optarg, "fail") == 0) c->policy = MT_POLICY_FAIL;
        else return bad("--policy is preserve or fail, not '%s'", optarg);
        break;
    case OPT_DRY_RUN: c->dry_run = true; break;
    case OPT_NO_PUSH: c->no_push = true; break;
    case OPT_ALLOW_MASS: c->allow_mass_delete = true; break;
    case OPT_CLAIM_ENV: c->claim_env = true; break;
    case OPT_OFFLINE: c->offline = true; break;
    case OPT_LIMIT: {
        uint64_t n;
        if (!whole_number(optarg, 100000, &n))
            return bad("--limit wants a number of entries (1 to 100000), not '%s'", optarg);
        c->limit = (size_t)n;
        break;
    }
    case OPT_TOKEN:
        if (!whole_number(optarg, UINT64_MAX, &c->token))
            return bad("--token wants a lease token (1 or more), not '%s'", optarg);
        break;
    case OPT_PRINT: c->print = true; break;
    case OPT_INSTALL: c->install = true; break;
    case OPT_FORCE: c->force = true; break;
    case OPT_EVERY: {
        uint64_t n;
        if (!whole_number(optarg, 1440, &n)) return bad("--every wants minutes (1 to 1440), not '%s'", optarg);
        c->every = (unsigned)n;
        break;
    }
    case OPT_KIND: set(&c->kind, optarg); break;
    case OPT_MIN_AGE:
        if (!mt_seconds_parse(optarg, 0, 36500, &c->min_age_days))
            return bad("--min-age wants days from 0 to 36500, not '%s'", optarg);
        break;
    case OPT_FROM: set(&c->from, optarg); break;
    case OPT_TO: set(&c->to, optarg); break;
    case OPT_ENTITY:
        c->entities = xrealloc(c->entities, (c->nentities + 1) * sizeof(char *));
        c->entities[c->nentities++] = xstrdup(optarg);
        break;
    case 'h': c->help = true; break;
    case OPT_VERSION: c->version = true; break;
    case '?':
    default:
        if (optopt && optopt < 256) {
            char s[2] = {(char)optopt, 0};
            return bad("unknown option -%s", s);
        }
        return bad("unknown option or missing value: %s", argv[optind - 1]);
    }
    return MT_EXIT_OK;
}

/* The first operand is the batch command, the rest its arguments. */
static void take_command(struct mt_config *c, int argc, char **argv)
{
    if (optind >= argc) return;
    c->command = xstrdup(argv[optind++]);
    c->nargs = (size_t)(argc - optind);
    c->args = xcalloc(c->nargs + 1, sizeof(char *));
    for (size_t i = 0; i < c->nargs; i++) c->args[i] = xstrdup(argv[optind + (int)i]);
}

/* What the command line left open, from the environment, the config file,
 * discovery and the defaults (settings.h); then the env name's check. */
static int resolve_settings(struct mt_config *c)
{
    struct mt_error err = {0};
    if (mt_settings_resolve(c, &err)) {
        char *m = xstrdup(err.msg);
        mt_error_clear(&err);
        int rc = bad("%s", m);
        free(m);
        return rc;
    }
    if (!mt_env_name_valid(c->env))
        return bad("invalid environment name '%s': use 1 to 64 of A-Z a-z 0-9 . _ -", c->env);
    return MT_EXIT_OK;
}

int mt_config_parse(struct mt_config *c, int argc, char **argv)
{
    memset(c, 0, sizeof(*c));
    c->lock_timeout = -1;   /* not given: settings.c fills it */
    c->lease_ttl = -1;
    c->policy = MT_POLICY_PRESERVE;
    c->limit = 10;
    c->min_age_days = 14;
    opterr = 0;
    optind = 0;   /* 0, not 1: glibc then also forgets its place inside a short-option cluster */
    int o, rc;
    while ((o = getopt_long(argc, argv, "h", OPTIONS, NULL)) != -1)
        if ((rc = take_option(c, o, argv)) != MT_EXIT_OK) return rc;
    take_command(c, argc, argv);
    if (c->help || c->version) return MT_EXIT_OK;
    if (c->command && !c->batch) return bad("'%s': batch commands need --batch", c->command);
    return resolve_settings(c);
}

void mt_config_free(struct mt_config *c)
{
    free(c->repo);
    free(c->env);
    free(c->memory_file);
    free(c->remote);
    free(c->lock_file);
    free(c->theme);
    free(c->from);
    free(c->to);
    free(c->kind);
    for (size_t i = 0; i < c->nentities; i++) free(c->entities[i]);
    free(c->entities);
    free(c->command);
    for (size_t i = 0; i < c->nargs; i++) free(c->args[i]);
    free(c->args);
    mt_settings_free(c->settings);
    memset(c, 0, sizeof(*c));
}
