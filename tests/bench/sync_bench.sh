#!/bin/sh
# The sync and lease benchmark (issue 3): a report, not a timed test.
#
#   tests/bench/sync_bench.sh MEMTUI
#
# Starts a real `git daemon --enable=receive-pack` on 127.0.0.1 (stopped by
# its pid at the end; no connection limit, as a hosted remote would not cap
# 100 clients at git daemon's default of 32), then:
#
# 1. Syncs per second with 1, 10 and 100 contending environments. For each N a
#    fresh bare repo behind the daemon; N environments, each with its own
#    clone and its own local MCP file, all starting from the same small graph
#    (gen-fragments.py base.json, SYNC_BENCH_ENTITIES entities) and synced
#    once one after the other (not timed). Then all N run at the same time,
#    each SYNC_BENCH_ROUNDS rounds of: a distinct edit of its local file (a
#    new entity with an observation and a relation to an entity of the base)
#    and `memtui --batch sync`, with the default --lock-timeout (30 s): a
#    sync that cannot take the lease in time hands its export off (exit 0).
#    Reported: total wall time, syncs per second (successful syncs / wall
#    time), per-sync latency median, p99 (nearest rank) and slowest, the exit
#    codes, how many handed off, and how many added entities the fleet's own
#    merges had folded into the remote's memory.json when the last sync
#    ended. Then env0 syncs once more (what its next cron run does) and
#    every entity added by anyone must be in memory.json; `verify` passes
#    on a fresh clone.
#
# 2. Lease acquire latency (tests/bench/lease_bench.c, linked against the
#    engine's lease, repo and util modules): one process doing
#    LEASE_BENCH_CYCLES acquire+release cycles alone, then LEASE_BENCH_PROCS
#    processes doing LEASE_BENCH_CYCLES each, all starting at the same
#    instant. Reported: median and 99th percentile (nearest rank) of the
#    acquire latency, the slowest, lost races, and how often the lease passed
#    to another process (a releasing process that at once acquires again
#    tends to win over those in backoff).
#
# Environment:
#   SYNC_BENCH_ENVS ("1 10 100"), SYNC_BENCH_ROUNDS (5), SYNC_BENCH_ENTITIES (200),
#   SYNC_BENCH_LOCK_TIMEOUT (30: --lock-timeout of every sync, the default),
#   LEASE_BENCH_CYCLES (50), LEASE_BENCH_PROCS (4),
#   BENCH_KEEP=1 keep the temporary directory.
# Exit: 0 when every sync and every lease cycle succeeded and the checks
# passed, else 1.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 MEMTUI" >&2; exit 2; }
MEMTUI=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
GEN="$ROOT/tests/tools/gen-fragments.py"
ENVS_LIST=${SYNC_BENCH_ENVS:-"1 10 100"}
ROUNDS=${SYNC_BENCH_ROUNDS:-5}
ENTITIES=${SYNC_BENCH_ENTITIES:-200}
LOCK_TIMEOUT=${SYNC_BENCH_LOCK_TIMEOUT:-30}
CYCLES=${LEASE_BENCH_CYCLES:-50}
PROCS=${LEASE_BENCH_PROCS:-4}

step() { echo "sync-bench: $*" >&2; }
die() { echo "sync-bench: FAIL: $*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# ---- tools ---------------------------------------------------------------
B="$ROOT/build/bench"
mkdir -p "$B"
# shellcheck disable=SC2046
cc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -I"$ROOT/include" \
    $(pkg-config --cflags libgit2 libssh2 json-c openssl) -o "$B/lease_bench" \
    "$ROOT/tests/bench/lease_bench.c" $(find "$ROOT/src" -name "*.c" ! -name main.c | sort) \
    $(pkg-config --libs libgit2 libssh2 json-c openssl) -pthread

T=$(mktemp -d "${TMPDIR:-/tmp}/memtui-syncbench-XXXXXX")
GITD_PID=      # the daemon, from its --pid-file
GIT_PID=       # the `git` process that started it (git runs git-daemon as a child)
cleanup() {
    if [ -n "$GITD_PID" ]; then kill "$GITD_PID" 2>/dev/null || true; fi
    if [ -n "$GIT_PID" ]; then wait "$GIT_PID" 2>/dev/null || true; fi
    if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "sync-bench: kept $T" >&2; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.invalid
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.invalid
export HOME="$T/home" TZ=UTC LANG=C.UTF-8 GIT_CONFIG_NOSYSTEM=1
unset MEMTUI_REPO MEMORY_FILE_PATH XDG_CONFIG_HOME || true
mkdir -p "$HOME" "$T/base"
cd "$T"

# ---- git daemon ----------------------------------------------------------
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
git daemon --export-all --enable=receive-pack --reuseaddr --max-connections=0 --base-path="$T/base" \
    --listen=127.0.0.1 --port="$PORT" --pid-file="$T/gitd.pid" "$T/base" 2>"$T/gitd.err" &
GIT_PID=$!
python3 - "$PORT" <<'EOF' || { cat "$T/gitd.err" >&2; die "git daemon did not start"; }
import socket, sys, time
for _ in range(200):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
EOF
GITD_PID=$(cat "$T/gitd.pid")
[ -n "$GITD_PID" ] || die "git daemon wrote no pid file"
URL="git://127.0.0.1:$PORT"
step "git daemon pid $GITD_PID on $URL"

# ---- data ----------------------------------------------------------------
python3 "$GEN" --out "$T/gen" --envs 1 --entities "$ENTITIES" --seed 1 >/dev/null
BASE="$T/gen/base.json"
# an entity of the base for the relations the edits add, as a JSON string
ANCHOR=$(python3 -c '
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.strip()
    if line:
        o = json.loads(line)
        if o.get("type") == "entity":
            print(json.dumps(o["name"], ensure_ascii=False)); break
' "$BASE")

# mt N ENV args...: memtui as ENV in its own clone for the N-env run
mt() {
    n=$1 e=$2; shift 2
    "$MEMTUI" --batch --repo "$T/n$n/clone-$e" --env "$e" --memory-file "$T/n$n/$e.json" \
        --lock-timeout "$LOCK_TIMEOUT" "$@"
}

# edit N ENV ROUND: a distinct edit of ENV's local file (entities first)
edit() {
    f="$T/n$1/$2.json"
    name="sb-$2-r$3"
    {
        printf '{"type":"entity","name":"%s","entityType":"bench","observations":["added by %s in round %s"]}\n' \
            "$name" "$2" "$3"
        cat "$f"
        [ -z "$(tail -c 1 "$f")" ] || echo
        printf '{"type":"relation","from":"%s","to":%s,"relationType":"bench"}\n' "$name" "$ANCHOR"
    } >"$f.tmp"
    mv "$f.tmp" "$f"
}

# worker N ENV: ROUNDS rounds of edit + sync; one "rc seconds" line per sync
worker() {
    r=1
    while [ "$r" -le "$ROUNDS" ]; do
        edit "$1" "$2" "$r"
        s=$(now)
        set +e
        mt "$1" "$2" sync >>"$T/n$1/$2.out" 2>>"$T/n$1/$2.err"
        rc=$?
        set -e
        echo "$rc $(elapsed "$s" "$(now)")" >>"$T/n$1/$2.times"
        r=$((r + 1))
    done
}

failed=0
SYNC_REPORT=""
for N in $ENVS_LIST; do
    D="$T/n$N"
    mkdir -p "$D"
    git init -q --bare "$T/base/s$N.git"
    i=0
    while [ "$i" -lt "$N" ]; do
        cp "$BASE" "$D/env$i.json"
        mt "$N" "env$i" init "$URL/s$N.git" >/dev/null 2>"$D/setup.err" || { cat "$D/setup.err" >&2; die "init env$i (N=$N)"; }
        mt "$N" "env$i" sync >/dev/null 2>"$D/setup.err" || { cat "$D/setup.err" >&2; die "first sync env$i (N=$N)"; }
        i=$((i + 1))
    done
    step "N=$N: $N clones synced once; timing $N x $ROUNDS syncs at once"

    t0=$(now)
    pids=""
    i=0
    while [ "$i" -lt "$N" ]; do
        worker "$N" "env$i" &
        pids="$pids $!"
        i=$((i + 1))
    done
    for p in $pids; do wait "$p" || true; done
    wall=$(elapsed "$t0" "$(now)")

    cat "$D"/env*.times >"$D/all.times"
    ok=$(awk '$1 == 0' "$D/all.times" | wc -l)
    total=$(wc -l <"$D/all.times")
    codes=$(awk '{ c[$1]++ } END { for (k in c) printf "%s%s:%d", (n++ ? " " : ""), k, c[k] }' "$D/all.times")
    lat=$(awk '{ print $2 }' "$D/all.times" | sort -n | awk '
        { v[NR] = $1 } END { m = int((NR + 1) / 2); p = int(NR * 0.99); if (p < NR * 0.99) p++
                             printf "%.2f %.2f %.2f", v[m], v[p], v[NR] }')
    handed=$(cat "$D"/env*.out | grep -c 'the lease is held' || true)
    want=$((N * ROUNDS))
    folded=$(git --git-dir="$T/base/s$N.git" show main:memory.json | grep -c '"name":"sb-env' || true)

    # env0's next run merges what was handed off last; then every entity
    # added by anyone is in memory.json on the remote
    mt "$N" env0 sync >/dev/null 2>"$D/last.err" || { failed=1; step "N=$N: the last sync failed"; cat "$D/last.err" >&2; }
    have=$(git --git-dir="$T/base/s$N.git" show main:memory.json | grep -c '"name":"sb-env' || true)
    rm -rf "$D/check"
    set +e
    "$MEMTUI" --batch --repo "$D/check" --env check --memory-file "$D/check.json" init "$URL/s$N.git" >/dev/null 2>&1 &&
        "$MEMTUI" --batch --repo "$D/check" --env check --memory-file "$D/check.json" verify >"$D/verify.out" 2>&1
    vrc=$?
    set -e
    tokens=$(git --git-dir="$T/base/s$N.git" log --format=%B main | sed -n 's/^Memtui-Lease-Token: *//p' |
        awk 'NR > 1 && $1 >= prev { bad = 1 } { prev = $1 } END { print bad ? "NOT decreasing from tip" : "strictly decreasing from tip" }')

    [ "$ok" -eq "$total" ] || { failed=1; step "N=$N: $((total - ok)) syncs failed; stderr:"; cat "$D"/env*.err | tail -n 20 >&2; }
    [ "$have" -eq "$want" ] || { failed=1; step "N=$N: memory.json has $have of $want added entities"; }
    [ "$vrc" -eq 0 ] || { failed=1; step "N=$N: verify exited $vrc"; sed 's/^/    /' "$D/verify.out" >&2; }
    SYNC_REPORT="$SYNC_REPORT$(awk -v n="$N" -v ok="$ok" -v total="$total" -v wall="$wall" -v lat="$lat" \
        -v codes="$codes" -v have="$have" -v want="$want" -v vrc="$vrc" -v tok="$tokens" -v handed="$handed" \
        -v folded="$folded" 'BEGIN {
        split(lat, l, " ")
        printf "  %3d env%s %4d syncs in %7.2f s = %6.2f syncs/s   per sync: median %.2f s, p99 %.2f s, max %.2f s\n",
            n, (n == 1 ? " " : "s"), total, wall, (wall > 0 ? ok / wall : 0), l[1], l[2], l[3]
        printf "           exit codes %s; handed off (lease held, export pushed) %d\n", codes, handed
        printf "           added entities in memory.json: %d/%d when the last sync ended, %d/%d after one more sync\n",
            folded, want, have, want
        printf "           verify exit %d; tokens %s\n", vrc, tok
    }')
"
done

# ---- lease acquire latency -----------------------------------------------
git init -q --bare "$T/base/lease.git"
LURL="$URL/lease.git"
mkdir -p "$T/lease"
step "lease: $CYCLES acquire+release cycles, one process"
"$B/lease_bench" "$LURL" "$T/lease/u" solo "$CYCLES" >"$T/lease/solo.out" 2>"$T/lease/solo.err" ||
    { failed=1; cat "$T/lease/solo.err" >&2; }
step "lease: $PROCS processes x $CYCLES cycles at once"
start_at=$(( $(date +%s%3N) + 2000 ))  # after every process has cloned
pids=""
i=0
while [ "$i" -lt "$PROCS" ]; do
    "$B/lease_bench" "$LURL" "$T/lease/c$i" "p$i" "$CYCLES" "$start_at" >"$T/lease/p$i.out" 2>"$T/lease/p$i.err" &
    pids="$pids $!"
    i=$((i + 1))
done
for p in $pids; do wait "$p" || { failed=1; }; done
cat "$T"/lease/p*.err >&2

# stats FILE...: count, median, p99 (nearest rank), max, races lost, waits
stats() {
    cat "$@" | awk '{
        for (k = 1; k <= NF; k++) { split($k, kv, "="); f[kv[1]] = kv[2] }
        print f["acquire_ms"], f["races_lost"], f["waits"] }' | sort -n | awk '
        { v[NR] = $1; races += $2; waits += $3 }
        END {
            if (NR == 0) { print "no samples"; exit }
            m = int((NR + 1) / 2); p = int(NR * 0.99); if (p < NR * 0.99) p++
            printf "%4d acquires: median %8.1f ms   p99 %8.1f ms   max %8.1f ms   (races lost %d, backoff waits %d)",
                NR, v[m], v[p], v[NR], races, waits
        }'
}
solo=$(stats "$T/lease/solo.out")
cont=$(stats "$T"/lease/p*.out)
# how often the lease passed from one process to another, in token order
handovers=$(for f in "$T"/lease/p*.out; do
        p=$(basename "$f" .out)
        sed -n "s/.*token=\([0-9]*\).*/\1 $p/p" "$f"
    done | sort -n | awk 'NR > 1 && $2 != prev { h++ } { prev = $2 } END { printf "%d of %d", h, NR - 1 }')

# ---- report --------------------------------------------------------------
echo "memtui sync and lease benchmark (git daemon on 127.0.0.1, $ENTITIES-entity graphs)"
echo "syncs per second, $ROUNDS rounds of edit + sync per environment, all environments at once:"
printf '%s' "$SYNC_REPORT"
echo "lease acquire latency (acquire+release cycles, git://):"
echo "  uncontended, 1 process    $solo"
echo "  contended, $PROCS processes   $cont"
echo "                            lease passed to another process $handovers times"
exit "$failed"
