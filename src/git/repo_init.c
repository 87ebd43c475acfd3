/* repo_init.c: mt_repo_init, cloning or creating the backup repository
 * with its main branch. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "repo_internal.h"

#include "memtui/base/fsutil.h"
#include "memtui/git/remote_head.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAIN_BRANCH "main"
#define MAIN_REF "refs/heads/main"
#define ATTR_FILE ".gitattributes"
#define ATTR_TEXT "memory.json -merge\n"

/* ---- init ------------------------------------------------------------ */

/* Same remote, allowing a relative vs absolute or file:// spelling of a path. */
static bool same_url(const char *a, const char *b)
{
    if (strcmp(a, b) == 0) return true;
    char *pa = repo_local_remote_path(a), *pb = repo_local_remote_path(b);
    bool same = false;
    if (pa && pb) {
        char *ra = realpath(pa, NULL), *rb = realpath(pb, NULL);
        same = ra && rb && strcmp(ra, rb) == 0;
        free(ra);
        free(rb);
    }
    free(pa);
    free(pb);
    return same;
}

/* 0: dir is already a clone of url (nothing to do); 1: dir is no repository;
 * < 0: dir is some other repository. */
static int existing_clone(const char *url, const char *dir, const char *remote, struct mt_error *err)
{
    git_repository *g = NULL;
    char *have = NULL;
    int rc = git_repository_open_ext(&g, dir, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
    if (rc == GIT_ENOTFOUND) {
        git_error_clear();
        return 1;
    }
    if (rc < 0) return mt_git_fail(err, MT_REPO_ERR, "init: open %s", dir);
    if (git_repository_is_bare(g)) {
        mt_error_set(err, "init: %s is a bare repository, not a clone with a work tree", dir);
        rc = MT_REPO_ERR;
    } else if (!(have = repo_remote_config(g, remote, "url"))) {
        mt_error_set(err, "init: %s is a git repository without remote %s", dir, remote);
        rc = MT_REPO_ERR;
    } else if (!same_url(have, url)) {
        mt_error_set(err, "init: %s is a clone of %s, not of %s", dir, have, url);
        rc = MT_REPO_ERR;
    }
    free(have);
    git_repository_free(g);
    return rc;
}

static int dir_is_empty(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    struct dirent *e;
    int empty = 1;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            empty = 0;
            break;
        }
    closedir(d);
    return empty;
}

static bool rm_keep_top;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    if (ftw->level == 0 && rm_keep_top) return 0;
    remove(path);  /* best effort: this only undoes a failed init */
    return 0;
}

/* Undo a failed init: the folder goes back to absent (or empty). */
static void remove_clone(const char *dir, bool created)
{
    rm_keep_top = !created;
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int remote_create_cb(git_remote **out, git_repository *repo, const char *name,
                            const char *url, void *payload)
{
    /* our name, not "origin"; no insteadOf pass (see repo_open_remote) */
    git_remote_create_options o;
    int rc = git_remote_create_options_init(&o, GIT_REMOTE_CREATE_OPTIONS_VERSION);
    if (rc < 0) return rc;
    o.repository = repo;
    o.name = (const char *)payload;
    o.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF;
    if ((rc = git_remote_create_with_opts(out, url, &o)) < 0) return rc;
    /* the config keeps the user's URL; this clone connects through ~/.ssh/config */
    struct mt_ssh_auth *a = mt_ssh_auth_new(url);
    if (a) rc = git_remote_set_instance_url(*out, mt_ssh_auth_url(a));
    mt_ssh_auth_free(a);
    return rc;
}

/* branch.main.remote/merge, so tools (and git pull) know the upstream. */
static int set_upstream(struct mt_repo *r, const char *remote, struct mt_error *err)
{
    git_config *cfg = NULL;
    if (git_repository_config(&cfg, r->git) < 0) return mt_git_fail(err, MT_REPO_ERR, "init: open config");
    int rc = 0;
    if (git_config_set_string(cfg, "branch." MAIN_BRANCH ".remote", remote) < 0 ||
        git_config_set_string(cfg, "branch." MAIN_BRANCH ".merge", MAIN_REF) < 0)
        rc = mt_git_fail(err, MT_REPO_ERR, "init: set upstream of " MAIN_BRANCH);
    git_config_free(cfg);
    return rc;
}

/* The clone may have recorded an upstream for an unborn default branch
 * ("master") that memtui never uses: drop it so the config tells the truth. */
static void drop_unborn_upstream(struct mt_repo *r)
{
    char *b = mt_repo_branch(r);
    git_config *cfg = NULL;
    if (b && strcmp(b, MAIN_BRANCH) != 0 && git_repository_head_unborn(r->git) == 1 &&
        git_repository_config(&cfg, r->git) == 0) {
        char *k1 = xasprintf("branch.%s.remote", b), *k2 = xasprintf("branch.%s.merge", b);
        git_config_delete_entry(cfg, k1);
        git_config_delete_entry(cfg, k2);
        free(k1);
        free(k2);
    }
    git_error_clear();
    git_config_free(cfg);
    free(b);
}

/* Make local main the remote's main at tip and check it out. */
static int adopt_remote_main(struct mt_repo *r, const git_oid *tip, bool replace, struct mt_error *err)
{
    git_reference *ref = NULL;
    const char *op = "init: check out " MAIN_BRANCH;
    int rc = repo_checkout_commit(r, tip, op, err);
    if (rc < 0) return rc;
    if (git_reference_create(&ref, r->git, MAIN_REF, tip, replace ? 1 : 0,
                             "memtui: init from remote " MAIN_BRANCH) < 0)
        return mt_git_fail(err, MT_REPO_ERR, "%s: create %s", op, MAIN_REF);
    git_reference_free(ref);
    if (git_repository_set_head(r->git, MAIN_REF) < 0)
        return mt_git_fail(err, MT_REPO_ERR, "%s: set HEAD", op);
    return 0;
}

static bool has_remote_branches(struct mt_repo *r, const char *remote)
{
    git_reference_iterator *it = NULL;
    git_reference *ref = NULL;
    char *glob = xasprintf("refs/remotes/%s/*", remote);
    bool any = false;
    if (git_reference_iterator_glob_new(&it, r->git, glob) == 0) {
        while (!any && git_reference_next(&ref, it) == 0) {
            /* refs/remotes/<r>/HEAD is a pointer, not a branch */
            any = git_reference_type(ref) == GIT_REFERENCE_DIRECT;
            git_reference_free(ref);
        }
    }
    git_error_clear();
    git_reference_iterator_free(it);
    free(glob);
    return any;
}

/* A path or file:// remote made with another default branch: its HEAD
 * goes to main, so a plain `git clone` checks out the data. */
static void point_remote_head(struct mt_repo *r, const char *remote)
{
    char *url = repo_remote_config(r->git, remote, "pushurl");
    if (!url) url = repo_remote_config(r->git, remote, "url");
    char *path = url ? repo_local_remote_path(url) : NULL;
    if (path) mt_remote_head_to_main(path);
    free(path);
    free(url);
}

/* Empty remote: first commit on main with .gitattributes, then push it. */
static int create_main(struct mt_repo *r, const char *remote, struct mt_error *err)
{
    static const char *const paths[] = {ATTR_FILE};
    bool made = false;
    drop_unborn_upstream(r);
    if (git_repository_set_head(r->git, MAIN_REF) < 0)
        return mt_git_fail(err, MT_REPO_ERR, "init: point HEAD at " MAIN_REF);
    int rc = mt_file_write_in(r->workdir, ATTR_FILE, ATTR_TEXT, strlen(ATTR_TEXT), 0644, err) ? MT_REPO_ERR : 0;
    if (rc == 0) rc = mt_repo_commit(r, paths, 1, "memtui: create the backup repository", &made, NULL, err);
    if (rc == 0) rc = set_upstream(r, remote, err);
    if (rc == 0) rc = mt_repo_push(r, remote, MAIN_BRANCH, err);
    if (rc == 0) point_remote_head(r, remote);
    if (rc != MT_REPO_REJECTED) return rc;

    /* Another machine created main first: its history wins, ours held only
     * .gitattributes. */
    git_oid tip;
    char *track = xasprintf("refs/remotes/%s/" MAIN_BRANCH, remote);
    struct mt_error e2 = {0};
    if (mt_repo_fetch(r, remote, &e2) == 0 && git_reference_name_to_id(&tip, r->git, track) == 0) {
        rc = adopt_remote_main(r, &tip, true, &e2);
        if (rc == 0) mt_error_clear(err);
        else mt_error_move(err, &e2);
    }
    git_error_clear();
    mt_error_clear(&e2);
    free(track);
    return rc;
}

static int ensure_main(struct mt_repo *r, const char *remote, struct mt_error *err)
{
    char *track = xasprintf("refs/remotes/%s/" MAIN_BRANCH, remote);
    git_oid tip;
    int rc = git_reference_name_to_id(&tip, r->git, track);
    if (rc == 0) {
        char *b = mt_repo_branch(r);
        bool on_main = b && !strcmp(b, MAIN_BRANCH) && git_repository_head_unborn(r->git) == 0;
        free(b);
        if (!on_main) {
            /* the remote's HEAD named another (or no) branch */
            drop_unborn_upstream(r);
            rc = adopt_remote_main(r, &tip, false, err);
        }
        if (rc == 0) rc = set_upstream(r, remote, err);
    } else if (rc != GIT_ENOTFOUND) {
        rc = mt_git_fail(err, MT_REPO_ERR, "init: read %s", track);
    } else if (has_remote_branches(r, remote)) {
        /* refuse to guess: an old layout may keep real data elsewhere */
        mt_error_set(err, "init: the remote has branches but no '" MAIN_BRANCH
                     "' (memtui keeps its data on " MAIN_BRANCH ")");
        rc = MT_REPO_ERR;
    } else {
        rc = create_main(r, remote, err);
    }
    free(track);
    return rc;
}

int mt_repo_init(const char *url, const char *dir, const char *remote, struct mt_error *err)
{
    struct stat st;
    bool created;
    int valid = 0;
    if (git_remote_name_is_valid(&valid, remote) < 0 || !valid) {
        git_error_clear();
        mt_error_set(err, "init: invalid remote name '%s'", remote);
        return MT_REPO_ERR;
    }
    if (stat(dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode)) {
            mt_error_set(err, "init: %s exists and is not a directory", dir);
            return MT_REPO_ERR;
        }
        int rc = existing_clone(url, dir, remote, err);
        if (rc <= 0) return rc;
        int empty = dir_is_empty(dir);
        if (empty < 0) {
            mt_error_set(err, "init: read %s: %s", dir, strerror(errno));
            return MT_REPO_ERR;
        }
        if (!empty) {
            mt_error_set(err, "init: %s is not empty and is not a git repository", dir);
            return MT_REPO_ERR;
        }
        created = false;
    } else if (errno == ENOENT) {
        created = true;
    } else {
        mt_error_set(err, "init: stat %s: %s", dir, strerror(errno));
        return MT_REPO_ERR;
    }

    git_clone_options co;
    struct xfer x = {0};
    git_repository *g = NULL;
    if (git_clone_options_init(&co, GIT_CLONE_OPTIONS_VERSION) < 0)
        return mt_git_fail(err, MT_REPO_ERR, "init: clone options");
    co.checkout_opts.checkout_strategy = GIT_CHECKOUT_SAFE;
    repo_set_callbacks(&co.fetch_opts.callbacks, &x);
    co.fetch_opts.follow_redirects = GIT_REMOTE_REDIRECT_NONE;   /* see repo_connect_remote */
    co.remote_cb = remote_create_cb;
    co.remote_cb_payload = (void *)remote;
    x.ssh = mt_ssh_auth_new(url);
    if (git_clone(&g, url, dir, &co) < 0) {
        bool down = repo_net_error();
        int rc = mt_git_fail(err, MT_REPO_ERR, "init: clone %s", url);
        repo_xfer_end(&x, MT_REPO_UNREACHABLE);  /* nothing stored from a failed clone */
        if (down || repo_remote_unreachable(url)) rc = MT_REPO_UNREACHABLE;
        git_error_clear();
        repo_xfer_free(&x);
        return rc;
    }
    repo_xfer_end(&x, 0);
    repo_xfer_free(&x);
    struct mt_repo *r = repo_wrap(g);
    int rc = ensure_main(r, remote, err);
    mt_repo_close(r);
    if (rc < 0) remove_clone(dir, created);
    return rc;
}
