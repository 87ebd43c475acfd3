/* lease_bench.c: lease acquire latency, for tests/bench/sync_bench.sh.
 *
 *   lease_bench URL DIR ENV CYCLES [START_AT_MS [TIMEOUT_S]]
 *
 * Clones URL into DIR (mt_repo_init: a clone of an existing remote, or the
 * first commit on an empty one), then, once the wall clock has reached
 * START_AT_MS (unix milliseconds; 0: at once, so that several processes can
 * start their cycles together), runs CYCLES acquire+release cycles of the
 * lease (memtui/lease, ttl 60 s) as ENV. For each cycle it prints
 *
 *   acquire_ms=12.345 release_ms=6.789 token=17 races_lost=0 waits=1
 *
 * acquire_ms is the wall time of mt_lease_acquire alone, on CLOCK_MONOTONIC;
 * races_lost and waits count the lease's "race-lost" and "wait" events during
 * that acquire. Exit 0 when every cycle succeeded, 1 otherwise (the failure
 * goes to stderr), 2 on usage. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "memtui/coord/lease.h"
#include "memtui/git/repo.h"
#include "memtui/base/util.h"

struct counts {
    unsigned races_lost;
    unsigned waits;
};

static void on_event(void *ctx, const char *event, const char *detail)
{
    struct counts *c = ctx;
    (void)detail;
    if (strcmp(event, "race-lost") == 0) c->races_lost++;
    else if (strcmp(event, "wait") == 0) c->waits++;
}

static double mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void wait_until_wall_ms(long long at_ms)
{
    for (;;) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        long long now = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
        if (now >= at_ms) return;
        long long left = at_ms - now;
        struct timespec nap = {(time_t)(left / 1000), (long)(left % 1000) * 1000000L};
        nanosleep(&nap, NULL);
    }
}

int main(int argc, char **argv)
{
    if (argc < 5 || argc > 7) {
        fprintf(stderr, "usage: %s URL DIR ENV CYCLES [START_AT_MS [TIMEOUT_S]]\n", argv[0]);
        return 2;
    }
    const char *url = argv[1], *dir = argv[2], *env = argv[3];
    long cycles = strtol(argv[4], NULL, 10);
    long long start_at = argc > 5 ? strtoll(argv[5], NULL, 10) : 0;
    double timeout = argc > 6 ? strtod(argv[6], NULL) : 120.0;
    if (cycles < 1) {
        fprintf(stderr, "lease_bench: CYCLES must be >= 1\n");
        return 2;
    }

    mt_repo_global_init();
    struct mt_error err = {0};
    struct mt_repo *repo = NULL;
    int rc = mt_repo_init(url, dir, "origin", &err);
    if (rc == 0) rc = mt_repo_open(dir, &repo, &err);
    if (rc != 0) {
        char *m = mt_error_format(&err);
        fprintf(stderr, "lease_bench %s: clone/open: %s\n", env, m);
        free(m);
        mt_error_clear(&err);
        return 1;
    }

    struct counts c;
    mt_lease_set_log(on_event, &c);
    if (start_at > 0) wait_until_wall_ms(start_at);

    int status = 0;
    for (long i = 0; i < cycles; i++) {
        memset(&c, 0, sizeof c);
        struct mt_lease *lease = NULL;
        double t0 = mono_ms();
        struct mt_lease_acquire_opts opts = {.remote = "origin", .env = env, .ttl_seconds = 60, .timeout_seconds = timeout};
        rc = mt_lease_acquire(repo, &opts, &lease, &err);
        double t1 = mono_ms();
        if (rc != 0) {
            char *m = mt_error_format(&err);
            fprintf(stderr, "lease_bench %s: cycle %ld: acquire returned %d: %s\n", env, i, rc, m);
            free(m);
            mt_error_clear(&err);
            status = 1;
            break;
        }
        uint64_t token = mt_lease_token(lease);
        struct counts got = c;
        double t2 = mono_ms();
        rc = mt_lease_release(lease, &err);
        double t3 = mono_ms();
        if (rc != 0) {
            char *m = mt_error_format(&err);
            fprintf(stderr, "lease_bench %s: cycle %ld: release returned %d: %s\n", env, i, rc, m);
            free(m);
            mt_error_clear(&err);
            status = 1;
            break;
        }
        printf("acquire_ms=%.3f release_ms=%.3f token=%" PRIu64 " races_lost=%u waits=%u\n",
               t1 - t0, t3 - t2, token, got.races_lost, got.waits);
        fflush(stdout);
    }

    mt_lease_set_log(NULL, NULL);
    mt_repo_close(repo);
    mt_repo_global_shutdown();
    return status;
}
