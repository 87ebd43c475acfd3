/* trust.h: which merge the next one starts from (DESIGN 3.2: one bad
 * commit by a peer never stops the fleet).
 *
 * memory.json and the manifest are derived data, and anyone who can push
 * can commit anything over them. A commit holds a verified merge when its
 * manifest parses, records an output and only fragment blobs that exist,
 * and its memory.json is the blob, the bytes (SHA-256) and the counts that
 * manifest recorded.
 *
 * Promises: HEAD is checked cheaply (parse, blob ids, objects present) by
 * mt_trust_head; its memory.json's bytes and counts are checked where the
 * merge reads them anyway (mt_trust_check_u). When HEAD does not hold up,
 * the newest verified merge on HEAD's first-parent line stands in: its
 * memory.json is U and its manifest gives every M_e, so U and the M_e
 * always come from one merge and no delta is lost or applied twice (the
 * fragments are HEAD's, so a peer's change committed with the bad file
 * still counts). With no verified merge in history, U is HEAD's memory.json
 * (a repo from before manifests) unless it cannot be read, then empty.
 * Nothing here writes. */
#ifndef MEMTUI_TRUST_H
#define MEMTUI_TRUST_H

#include <stdbool.h>

#include "memtui/graph/graph.h"
#include "memtui/graph/manifest.h"
#include "memtui/git/repo.h"
#include "memtui/base/sha256.h"

struct mt_trust {
    bool memory_bad;                /* memory.json at HEAD is not what was merged: rebuilt */
    bool manifest_bad;              /* the manifest at HEAD does not hold up: replaced */
    char *why;                      /* what is wrong, for people (NULL when HEAD holds up) */
    char bad_commit[MT_OID_HEX];    /* the commit that brought the bad file */
    char base_commit[MT_OID_HEX];   /* the commit whose memory.json and manifest are used ("" none) */
    char u_blob[MT_OID_HEX];        /* U: its memory.json ("" empty) */
};

void mt_trust_clear(struct mt_trust *t);
/* HEAD's memory.json and manifest are used as they are. */
bool mt_trust_head_ok(const struct mt_trust *t);

/* The manifest to merge with, into m (initialised here), and where U is:
 * HEAD's when they pass the cheap checks, else the newest verified merge's
 * before HEAD. head "" (unborn): nothing. What cannot be read counts as
 * absent. */
void mt_trust_head(struct mt_repo *r, const char *head, struct mt_manifest *m, struct mt_trust *t);

/* The merge found t's base wanting (why; u_unreadable: U did not even
 * parse): the next older verified merge stands in, as above. */
void mt_trust_fall_back(struct mt_repo *r, const char *head, const char *why, bool u_unreadable,
                        struct mt_manifest *m, struct mt_trust *t);

/* U as the merge read it (its SHA-256; its entities, relations and
 * observations) against the output m recorded: NULL when they agree (or m
 * records none), else why not (caller frees). */
char *mt_trust_check_u(const struct mt_manifest *m, const char u_sha[MT_SHA256_HEX], size_t entities,
                       size_t relations, size_t observations);

#endif
