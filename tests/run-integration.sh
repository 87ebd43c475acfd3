#!/bin/bash
# Run every tests/integration/*.sh against the memtui binary given.
# Each test is a shell script that exits 0 on success; STRESS=1 asks the
# long versions. Tests run TEST_JOBS at a time (default: the number of
# CPUs; most of a test's time is spent waiting on git, fsync and leases),
# longest first; results are listed in that order, a failing test with the
# end of its output.
#
#   tests/run-integration.sh MEMTUI [NAME...]     (NAME: only those tests)
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
shift
here=$(cd "$(dirname "$0")" && pwd)
export MEMTUI="$bin" TESTS_DIR="$here"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
jobs=${TEST_JOBS:-$(nproc 2>/dev/null || echo 2)}
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

# The longest tests start first so the run ends as early as it can.
order="crash_sweep storm bad_commits faults batch_commands safety symlinks lease_hostile live_import lease_pause net_cut mcp_live_race ssh ssh_config"
names=""
for n in $order; do [ -e "$here/integration/$n.sh" ] && names="$names $n"; done
for t in "$here"/integration/*.sh; do
    n=$(basename "$t" .sh)
    case " $names " in *" $n "*) ;; *) names="$names $n" ;; esac
done
if [ $# -gt 0 ]; then names="$*"; fi

run_one() {
    local name=$1 start rc
    start=$(date +%s)
    sh "$here/integration/$name.sh" >"$logs/$name.log" 2>&1
    rc=$?
    echo "$rc $(( $(date +%s) - start ))" >"$logs/$name.rc"
}

report() {
    local name=$1 rc secs
    read -r rc secs <"$logs/$name.rc"
    if [ "$rc" -eq 0 ]; then
        echo "ok   $name (${secs}s)"
    else
        echo "FAIL $name (${secs}s)"
        sed 's/^/    /' "$logs/$name.log" | tail -n 60
    fi
}

declare -A pid_of=()
running=0
for name in $names; do
    if [ "$running" -ge "$jobs" ]; then
        wait -n
        running=$((running - 1))
    fi
    run_one "$name" &
    pid_of[$name]=$!
    running=$((running + 1))
done
pass=0 fail=0 failed=""
for name in $names; do
    wait "${pid_of[$name]}"
    report "$name"
    read -r rc _ <"$logs/$name.rc"
    if [ "$rc" -eq 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); failed="$failed $name"; fi
done
echo "integration: $pass passed, $fail failed${failed:+ (failed:$failed)}"
[ "$fail" -eq 0 ]
