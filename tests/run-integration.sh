#!/bin/sh
# Run every tests/integration/*.sh against the memtui binary given.
# Each test is a shell script that exits 0 on success; STRESS=1 asks the
# long versions. Output of failing tests is shown, passing ones stay quiet.
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
export MEMTUI="$bin" TESTS_DIR="$here" SHARED_DIR="$(cd "$here/../../shared" 2>/dev/null && pwd)"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
pass=0 fail=0 failed=""
for t in "$here"/integration/*.sh; do
    [ -e "$t" ] || continue
    name=$(basename "$t" .sh)
    log=$(mktemp)
    start=$(date +%s)
    if sh "$t" >"$log" 2>&1; then
        pass=$((pass + 1)); echo "ok   $name ($(( $(date +%s) - start ))s)"
    else
        fail=$((fail + 1)); failed="$failed $name"; echo "FAIL $name"; sed 's/^/    /' "$log" | tail -n 60
    fi
    rm -f "$log"
done
echo "integration: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
