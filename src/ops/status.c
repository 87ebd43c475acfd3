/* status.c: the local lock and the git lease as one status (status.h). */
#include "memtui/ops/status.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "memtui/base/util.h"
#include "memtui/git/repo.h"

void mt_status_init(struct mt_status *st)
{
    memset(st, 0, sizeof(*st));
    st->lease_rc = MT_REPO_NOTFOUND;
}

void mt_status_read_lock(const struct mt_session *s, struct mt_status *st)
{
    free(st->lock_path);
    st->lock_path = mt_lock_path(s->cfg->lock_file, mt_repo_gitdir(s->repo));
    st->lock_known = mt_lock_holder(st->lock_path, &st->lock);
}

static void clear_lease(struct mt_status *st)
{
    if (st->lease_rc == 0) mt_lease_info_clear(&st->lease);
    memset(&st->lease, 0, sizeof st->lease);
    st->lease_rc = MT_REPO_NOTFOUND;
    free(st->lease_error);
    st->lease_error = NULL;
    mt_lease_chain_free(st->chain, st->nchain);
    st->chain = NULL;
    st->nchain = 0;
}

void mt_status_read_lease(const struct mt_session *s, const char *remote, size_t chain_max, struct mt_status *st)
{
    clear_lease(st);
    struct mt_error err = {0};
    st->lease_rc = mt_lease_read(s->repo, remote, NULL, &st->lease, &err);
    if (st->lease_rc) {
        st->lease_error = err.msg ? mt_error_format(&err) : NULL;
        mt_error_clear(&err);
        return;
    }
    if (chain_max && mt_lease_chain(s->repo, remote, NULL, chain_max, &st->chain, &st->nchain, &err)) {
        st->chain = NULL;   /* the chain is context only: the lease itself was read */
        st->nchain = 0;
        mt_error_clear(&err);
    }
}

void mt_status_take_lease(struct mt_status *to, struct mt_status *from)
{
    clear_lease(to);
    to->lease_rc = from->lease_rc;
    to->lease = from->lease;
    to->lease_error = from->lease_error;
    to->chain = from->chain;
    to->nchain = from->nchain;
    from->lease_rc = MT_REPO_NOTFOUND;
    memset(&from->lease, 0, sizeof from->lease);
    from->lease_error = NULL;
    from->chain = NULL;
    from->nchain = 0;
}

void mt_status_free(struct mt_status *st)
{
    clear_lease(st);
    free(st->lock_path);
    memset(st, 0, sizeof(*st));
}

bool mt_lease_expiry(const struct mt_lease_info *l, long long *when)
{
    struct tm tm = {0};
    if (!l->time || !strptime(l->time, "%Y-%m-%dT%H:%M:%SZ", &tm)) return false;
    *when = (long long)timegm(&tm) + l->ttl;
    return true;
}
