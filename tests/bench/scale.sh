#!/bin/sh
# The merge's scaling table: a report, not a timed test.
#
#   tests/bench/scale.sh MEMTUI
#
# For each case ENVS:ENTITIES of SCALE_CASES (default: entities 10k, 100k
# and 1M in one environment, then 8 and 100 environments of 10k), runs the
# merge measurement of tests/bench/run.sh alone (no peers, no sync or
# workstation benchmark): generated data, 5% churn in the server's pattern
# on every fragment, the second `merge --no-push` timed under peakrss next
# to json-c parsing the changed fragments in the same run. One row a case:
# changed bytes, merge time, its ratio to the parse, peak memory and its
# ratio to the changed bytes, and the merge time per changed entity (the
# generator's churn: ENVS x ENTITIES x BENCH_CHURN), which stays flat when
# the cost follows what changed.
#
# Environment: SCALE_CASES, SCALE_ROUNDS (3: run.sh's BENCH_ROUNDS for each
# case), BENCH_OBS, BENCH_CHURN, BENCH_SEED (run.sh's).
# Exit: 0 when every case ran valid (merge exit 0 or 6, verify passes).
set -eu
[ $# -eq 1 ] || { echo "usage: $0 MEMTUI" >&2; exit 2; }
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CASES=${SCALE_CASES:-"1:10000 1:100000 1:1000000 8:10000 100:10000"}
CHURN=${BENCH_CHURN:-0.05}
T=$(mktemp -d "${TMPDIR:-/tmp}/memtui-scale-XXXXXX")
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM

failed=0
rows=""
for c in $CASES; do
    envs=${c%%:*} ents=${c#*:}
    echo "scale: $envs env(s) x $ents entities" >&2
    set +e
    BENCH_ENVS=$envs BENCH_ENTITIES=$ents BENCH_ROUNDS=${SCALE_ROUNDS:-3} BENCH_PEERS=0 SYNC_BENCH=0 UI_BENCH=0 \
        BENCH_SCALE=0 BENCH_KEEP=0 \
        "$ROOT/tests/bench/run.sh" "$1" >"$T/out" 2>"$T/err"
    rc=$?
    set -e
    if [ "$rc" -ne 0 ]; then
        failed=1
        tail -n 5 "$T/err" >&2
        rows="$rows$(printf '  %4d x %8d   run failed (exit %d)' "$envs" "$ents" "$rc")
"
        continue
    fi
    # run.sh's report: "changed frags ... (N bytes)", "merge X s wall",
    # "json-c parse X s", "peak RSS ... (N KiB)"
    bytes=$(sed -n 's/.*changed frags.*(\([0-9]*\) bytes).*/\1/p' "$T/out")
    merge=$(sed -n 's/^  merge  *\([0-9.]*\) s wall.*/\1/p' "$T/out")
    parse=$(sed -n 's/^  json-c parse  *\([0-9.]*\) s.*/\1/p' "$T/out")
    kib=$(sed -n 's/.*peak RSS.*(\([0-9]*\) KiB).*/\1/p' "$T/out")
    rows="$rows$(awk -v e="$envs" -v n="$ents" -v b="$bytes" -v m="$merge" -v p="$parse" -v k="$kib" -v ch="$CHURN" 'BEGIN {
        changed = e * n * ch
        printf "  %4d x %8d  %9.1f MB  %8.3f s  %6.2f  %9.1f MB  %6.2f  %8.2f us",
            e, n, b / 1e6, m, (p > 0 ? m / p : 0), k * 1024 / 1e6, (b > 0 ? k * 1024 / b : 0),
            (changed > 0 ? m * 1e6 / changed : 0) }')
"
done

echo "memtui merge scaling (5% churn on every fragment; ratios to json-c parsing the changed fragments, same run)"
echo "  envs x entities   changed bytes     merge  /parse     peak RSS  /bytes  per changed entity"
printf '%s' "$rows"
exit "$failed"
