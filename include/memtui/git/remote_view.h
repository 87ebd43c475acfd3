/* remote_view.h: what the remote's main holds compared with the local clone
 * (status, the workstation's R).
 *
 * Promises: the fetch only moves the remote-tracking refs (no tags, no
 * FETCH_HEAD; HEAD, main, the index and the work tree stay as they are);
 * the remote's tree is untrusted and read through the repo's safe readers:
 * a fragment that is not a regular file is named and never read, one that
 * does not parse gets no counts and says why; nothing here fails on a bad
 * tree. Without a fetch (offline, or a fetch that failed) the view is of
 * the last fetched remote-tracking ref. */
#ifndef MEMTUI_REMOTE_VIEW_H
#define MEMTUI_REMOTE_VIEW_H

#include <stdbool.h>
#include <stdio.h>

#include "memtui/git/repo.h"
#include "memtui/base/sha256.h"

struct json_object;

enum mt_remote_state {
    MT_REMOTE_SAME,      /* the remote's fragment is the one at local HEAD */
    MT_REMOTE_NEW,       /* on the remote only */
    MT_REMOTE_CHANGED,   /* on both, other bytes */
    MT_REMOTE_GONE,      /* at local HEAD only: removed on the remote */
};

struct mt_remote_frag {
    char env[72];
    enum mt_remote_state state;
    char sha256[MT_SHA256_HEX];   /* "" when not read */
    long long entities, relations;   /* -1 when not read */
    char *problem;                /* why it was not read or counted */
};

struct mt_remote_view {
    char *remote;
    bool fetched;          /* fetched in this run */
    char *error;           /* why the fetch failed (URL secrets scrubbed) */
    bool have_tip;         /* refs/remotes/<remote>/main exists */
    char tip[MT_OID_HEX];
    size_t behind, ahead;  /* commits of the tip not in HEAD, and the reverse */
    struct mt_remote_frag *frags;
    size_t nfrags;
};

/* Fetch (progress may be NULL), then read the view against local HEAD. A
 * failed fetch is no error: v->error says why and the view is of the last
 * fetch. Returns the fetch's MT_REPO_* code. */
int mt_remote_view_fetch(struct mt_repo *r, const char *remote, mt_fetch_progress_fn progress, void *ctx,
                         struct mt_remote_view *v);
/* Only read (no network). */
void mt_remote_view_read(struct mt_repo *r, const char *remote, struct mt_remote_view *v);
void mt_remote_view_free(struct mt_remote_view *v);
const char *mt_remote_state_name(enum mt_remote_state s);
/* The same for people: "new on the remote", ... */
const char *mt_remote_state_words(enum mt_remote_state s);
/* {"name","fetched","error","tip","behind","ahead","fragments":[...]} */
struct json_object *mt_remote_view_json(const struct mt_remote_view *v);
/* The human lines of status (escaped). */
void mt_remote_view_print(FILE *to, const struct mt_remote_view *v);

#endif
