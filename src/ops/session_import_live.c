/* session_import_live.c: an import next to a live MCP server, and the
 * backups of the local file it keeps. */
#include <dirent.h>
#include <git2.h>
#include <sys/stat.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memtui/base/audit.h"
#include "memtui/base/fsutil.h"
#include "memtui/coord/lock.h"
#include "memtui/merge/rebase.h"

#include "memtui/ops/session_local.h"

#define BACKUPS_KEPT 5

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* <file>.bak-<UTC>: the last few are kept, the oldest removed. */
static int backup_local(const char *path, const char *data, size_t len, struct mt_error *err)
{
    char stamp[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    char *bak = xasprintf("%s.bak-%s", path, stamp);
    int rc = mt_file_write_atomic(bak, data, len, 0600, err);
    free(bak);
    if (rc) return -1;
    char *dcopy = xstrdup(path), *bcopy = xstrdup(path);
    const char *dir = dirname(dcopy), *base = basename(bcopy);
    char *prefix = xasprintf("%s.bak-", base);
    DIR *d = opendir(dir);
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (strncmp(de->d_name, prefix, strlen(prefix))) continue;
        MT_GROW(names, cap, n + 1);
        names[n++] = xstrdup(de->d_name);
    }
    if (d) closedir(d);
    qsort(names, n, sizeof(char *), cmp_str);
    for (size_t i = 0; i < n; i++) {
        if (i + BACKUPS_KEPT < n) {
            char *old = xasprintf("%s/%s", dir, names[i]);
            unlink(old);
            free(old);
        }
        free(names[i]);
    }
    free(names);
    free(prefix);
    free(dcopy);
    free(bcopy);
    return 0;
}

/* ---- an import next to a live MCP server --------------------------------------
 * The server writes its file at any instant (temp file, rename). The graph
 * is swapped in with mt_file_exchange, so what was there comes back in the
 * same step. When that is not the file as memtui last saw it, the server
 * wrote meanwhile: its edits (diff from the graph it was built on) are
 * carried onto the graph just put in, which is swapped in again, until
 * what comes back is what was put in. Nothing the server wrote is dropped.
 * A write the server built on the file as it was before the import, and
 * that lands after it, is recognised at the next export through the pairs
 * left here (local_base.h). */

static bool same_bytes(const char *a, size_t alen, bool a_missing, const char *b, size_t blen, bool b_missing)
{
    if (a_missing || b_missing) return a_missing && b_missing;
    return alen == blen && memcmp(a, b, alen) == 0;
}

/* A version of the file that came out of a swap is kept beside it. */
void mt_session_keep_version(const char *path, const char *data, size_t len)
{
    struct mt_error e = {0};
    if (backup_local(path, data, len, &e)) mt_audit("import", NULL, "could not keep a backup: %s", e.msg);
    mt_error_clear(&e);
}

#define CARRY_ROUNDS 1000
enum { MAX_MIDS = 2 };

/* One import's state while the graph is swapped in. */
struct live_import {
    struct mt_session *s;
    const char *path;
    bool undoable;                       /* fragment NULL: the import can be undone */
    char *seen;                          /* what the file held (as exported) */
    size_t slen;
    bool seen_missing;
    char esha[MT_SHA256_HEX];            /* its SHA-256 */
    struct mt_local_base before;         /* the pairs before this import */
    char *want;                          /* what should come out of the next swap */
    size_t wlen;
    bool want_missing;
    char mids[MAX_MIDS][MT_SHA256_HEX];  /* graphs an earlier round put in (a ring) */
    size_t nmids;
};

static const char *final_data(const struct mt_import_result *res)
{
    return res->final.data ? res->final.data : "";
}

/* Read the file, keep it, and leave what an undo and the next export need.
 * 1: the file changed since export (res->skipped), nothing done. */
static int live_start(struct live_import *li, const char *graph, size_t glen, struct mt_import_result *res,
                      struct mt_error *err)
{
    struct mt_session *s = li->s;
    /* What the file holds now (proved unchanged since export by the caller). */
    if (mt_file_read(li->path, &li->seen, &li->slen, &li->seen_missing, err)) {
        if (!li->seen_missing) return -1;
        mt_error_clear(err);
        li->seen = xstrdup("");
    }
    char gsha[MT_SHA256_HEX], rec[MT_SHA256_HEX];
    mt_sha256_hex(graph, glen, gsha);
    mt_sha256_hex(li->seen, li->slen, li->esha);
    /* Only a file as memtui last left it is swapped (the caller checked, but
     * the server may have written since): a changed one is exported first. */
    if (!li->seen_missing && strcmp(li->esha, gsha) != 0 &&
        !(mt_session_record_read(s, rec) && strcmp(rec, li->esha) == 0)) {
        res->skipped = true;
        return 1;
    }
    /* The old file is kept before anything replaces it. */
    if (!li->seen_missing && backup_local(li->path, li->seen, li->slen, err)) return -1;
    /* Only an import whose fragment the merge commit sets (fragment NULL)
     * can go unpublished and need undoing; a plain import changes no
     * fragment and leaves any undo state alone. */
    mt_session_base_load(s, "pairs", &li->before);
    if ((li->undoable && mt_session_base_save(s, "undo", &li->before, err)) ||
        mt_session_base_put(s, li->seen, li->slen, li->esha, err) ||
        (li->undoable && mt_session_undo_note(s, gsha, li->seen_missing ? NULL : li->seen, li->slen, err)))
        return -1;
    char *pdir = xstrdup(li->path);
    mt_mkdirs(dirname(pdir), 0700, NULL);
    free(pdir);
    li->want = xstrndup(li->seen, li->slen);
    li->wlen = li->slen;
    li->want_missing = li->seen_missing;
    mt_buf_add(&res->final, graph, glen);
    return 0;
}

/* Put the server's file back (it is also kept as a backup). */
static void put_server_file_back(const char *path, const char *old, size_t olen, const struct mt_import_result *res)
{
    char *back = NULL;
    size_t blen;
    bool bm;
    struct mt_error e2 = {0};
    if (mt_file_exchange(path, old, olen, 0644, &back, &blen, &bm, &e2) == 0 && back &&
        !same_bytes(back, blen, false, final_data(res), res->final.len, false))
        mt_session_keep_version(path, back, blen);
    free(back);
    mt_error_clear(&e2);
}

/* The server wrote `old` since: carry its edits onto what was put in, into
 * next. It built on the file as exported, or on what the last swap put
 * in. On failure the server's file goes back. */
static int carry_edits(const struct live_import *li, int round, const char *old, size_t olen,
                       const struct mt_import_result *res, struct mt_buf *next, struct mt_error *err)
{
    const char *bases[2] = {li->seen, li->want};
    size_t lens[2] = {li->slen, li->wlen};
    bool on_exported = true;
    int k = 0;
    if (round > 0 &&
        mt_rebase_built_on_before(li->seen, li->slen, li->want, li->wlen, old, olen, &on_exported, err))
        k = -1;
    else if (!on_exported)
        k = 1;
    mt_buf_init(next);
    if (k >= 0 && round < CARRY_ROUNDS &&
        !mt_rebase_apply(final_data(res), res->final.len, bases[k], lens[k], old, olen, next, err))
        return 0;
    if (round >= CARRY_ROUNDS) mt_error_set(err, "%s keeps changing: gave up importing", li->path);
    put_server_file_back(li->path, old, olen, res);
    mt_buf_free(next);
    return -1;
}

/* The carried graph (next) goes in next round; what this round put in was
 * in the file for a moment: the server's next call may have read it, and
 * its write may land after the loop. It stays a base the file may be
 * built on. */
static void take_carried(struct live_import *li, struct mt_import_result *res, struct mt_buf *next)
{
    res->carried++;
    mt_audit("import", NULL, "the MCP server wrote %s while the merged graph was being put in: its edits "
             "are carried onto it", li->path);
    free(li->want);
    li->want = mt_buf_detach(&res->final, &li->wlen);
    if (!li->want) li->want = xstrdup("");
    if (mt_session_base_put(li->s, li->want, li->wlen, li->mids[li->nmids % MAX_MIDS], NULL) == 0) li->nmids++;
    li->want_missing = false;
    res->final = *next;
    char nsha[MT_SHA256_HEX];
    mt_sha256_hex(final_data(res), res->final.len, nsha);
    if (li->undoable) mt_session_undo_note(li->s, nsha, li->seen_missing ? NULL : li->seen, li->slen, NULL);
}

/* Swap the graph in until what comes back is what was put in. */
static int live_swap(struct live_import *li, struct mt_import_result *res, struct mt_error *err)
{
    for (int round = 0;; round++) {
        char *old;
        size_t olen;
        bool was_missing;
        if (mt_file_exchange(li->path, final_data(res), res->final.len, 0644, &old, &olen, &was_missing, err)) {
            if (old) mt_session_keep_version(li->path, old, olen);
            free(old);
            return -1;
        }
        if (!was_missing && !same_bytes(old, olen, false, li->want, li->wlen, li->want_missing))
            mt_session_keep_version(li->path, old, olen);  /* a version the server wrote meanwhile */
        if (same_bytes(old, olen, was_missing, li->want, li->wlen, li->want_missing)) {
            free(old);
            return 0;
        }
        struct mt_buf next;
        if (carry_edits(li, round, old, olen, res, &next, err)) {
            free(old);
            return -1;
        }
        take_carried(li, res, &next);
        free(old);
    }
}

/* What the session remembers of the file as the import left it. */
static void note_imported(struct mt_session *s, const char *path, const struct mt_import_result *res)
{
    struct stat st;
    s->imported_at = mt_monotonic();
    mt_sha256_hex(final_data(res), res->final.len, s->imported_sha);
    s->imported_len = res->final.len;
    s->imported_ino = s->imported_mtime_ns = 0;
    if (stat(path, &st) == 0) {
        s->imported_ino = (unsigned long long)st.st_ino;
        s->imported_mtime_ns = (unsigned long long)st.st_mtim.tv_sec * 1000000000ull + (unsigned long long)st.st_mtim.tv_nsec;
    }
}

/* The file stands for `fragment` (what this env's fragment holds after
 * this step) whether it is built on the graph put in, on the graph before,
 * or on the imported graph itself. The graph before comes first: on a tie,
 * it is the choice that loses nothing. */
static int leave_pairs(const struct live_import *li, const char *fragment, size_t flen,
                       const struct mt_import_result *res, struct mt_error *err)
{
    struct mt_session *s = li->s;
    const struct mt_local_base *before = &li->before;
    struct mt_local_base after = {0};
    char fsha[MT_SHA256_HEX], fin[MT_SHA256_HEX];
    const char *frag = fragment ? fragment : final_data(res);
    size_t fl = fragment ? flen : res->final.len;
    if (mt_session_base_put(s, frag, fl, fsha, err) || mt_session_base_put(s, final_data(res), res->final.len, fin, err))
        return -1;
    /* An earlier import still open (the file is as it put it, its watch
     * never ended): what the file held before that one may still come
     * back, so it stays a candidate. */
    size_t kept_mids = li->nmids < MAX_MIDS ? li->nmids : MAX_MIDS;
    if (before->n >= 2 && strcmp(before->pair[before->n - 1].base, li->esha) == 0)
        for (size_t i = 0; i + 1 < before->n && i + 2 + kept_mids < MT_BASE_PAIRS; i++)
            mt_local_base_add(&after, before->pair[i].base, fsha);
    mt_local_base_add(&after, li->esha, fsha);
    /* oldest first: a write built on a graph put in for a moment keeps
     * what was carried onto it (fin) */
    for (size_t i = li->nmids - kept_mids; i < li->nmids; i++) mt_local_base_add(&after, li->mids[i % MAX_MIDS], fsha);
    mt_local_base_add(&after, fin, fsha);
    /* Until the merge is published, an undo needs the graph put in (the
     * watch after the import may drop it from the pairs). */
    struct mt_local_base put_in = {0};
    mt_local_base_add(&put_in, fin, fin);
    if (mt_session_base_save(s, "pairs", &after, err) ||
        (li->undoable && mt_session_base_save(s, "unpublished", &put_in, err)))
        return -1;
    return 0;
}

int mt_session_import_live(struct mt_session *s, const char *path, const char *graph, size_t glen,
                           const char *fragment, size_t flen, struct mt_import_result *res, struct mt_error *err)
{
    memset(res, 0, sizeof(*res));
    mt_buf_init(&res->final);
    struct live_import li = {.s = s, .path = path, .undoable = !fragment};
    int rc = live_start(&li, graph, glen, res, err);
    if (rc == 0) rc = live_swap(&li, res, err);
    if (rc == 0) {
        note_imported(s, path, res);
        rc = leave_pairs(&li, fragment, flen, res, err);
    }
    free(li.want);
    free(li.seen);
    if (rc < 0) mt_buf_free(&res->final);
    return rc < 0 ? -1 : 0;
}
