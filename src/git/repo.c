/* repo.c: the backup repository through libgit2 only (no git CLI, no shell):
 * process-wide set-up, open and close, and the helpers the repo_*.c share. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "repo_internal.h"

#include <stdlib.h>
#include <string.h>

int repo_code_of(int g, int dflt)
{
    return (g == GIT_ENOTFOUND || g == GIT_EUNBORNBRANCH) ? MT_REPO_NOTFOUND : dflt;
}

/* Failures that mean "could not talk to the remote" rather than a local fault. */
bool repo_net_error(void)
{
    const git_error *e = git_error_last();
    return e && (e->klass == GIT_ERROR_NET || e->klass == GIT_ERROR_SSH ||
                 e->klass == GIT_ERROR_HTTP || e->klass == GIT_ERROR_SSL);
}

void repo_oid_hex(char out[MT_OID_HEX], const git_oid *id)
{
    git_oid_tostr(out, MT_OID_HEX, id);
}

int repo_parse_oid(git_oid *id, const char *hex, const char *op, struct mt_error *err)
{
    if (!hex || strlen(hex) != 40 || git_oid_fromstr(id, hex) < 0) {
        git_error_clear();
        mt_error_set(err, "%s: not an object id: '%s'", op, hex ? hex : "(null)");
        return MT_REPO_ERR;
    }
    return 0;
}

/* ---- process-wide set-up --------------------------------------------- */

void mt_repo_global_init(void)
{
    git_libgit2_init();
    /* A power cut must not leave a ref pointing at an object never synced. */
    git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 1);
}

void mt_repo_global_shutdown(void)
{
    git_libgit2_shutdown();
}

/* ---- open / close ---------------------------------------------------- */

struct mt_repo *repo_wrap(git_repository *g)
{
    struct mt_repo *r = xcalloc(1, sizeof(*r));
    r->git = g;
    r->workdir = xstrdup(git_repository_workdir(g) ? git_repository_workdir(g) : "");
    r->gitdir = xstrdup(git_repository_path(g));
    return r;
}

int mt_repo_open(const char *dir, struct mt_repo **out, struct mt_error *err)
{
    git_repository *g = NULL;
    *out = NULL;
    /* NO_SEARCH: never silently pick up a repository in a parent folder. */
    int rc = git_repository_open_ext(&g, dir, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
    if (rc < 0) return mt_git_fail(err, repo_code_of(rc, MT_REPO_ERR), "open repository %s", dir);
    if (git_repository_is_bare(g)) {
        git_repository_free(g);
        mt_error_set(err, "open repository %s: is a bare repository (a work tree is needed)", dir);
        return MT_REPO_ERR;
    }
    *out = repo_wrap(g);
    return 0;
}

void mt_repo_close(struct mt_repo *r)
{
    if (!r) return;
    git_repository_free(r->git);
    free(r->workdir);
    free(r->gitdir);
    free(r->env);
    free(r);
}

const char *mt_repo_workdir(const struct mt_repo *r) { return r->workdir; }
const char *mt_repo_gitdir(const struct mt_repo *r) { return r->gitdir; }
struct git_repository *mt_repo_git(struct mt_repo *r) { return r->git; }

void mt_repo_set_env(struct mt_repo *r, const char *env)
{
    free(r->env);
    r->env = env && *env ? xstrdup(env) : NULL;
}
