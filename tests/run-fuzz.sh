#!/bin/sh
# Run each libFuzzer harness given (build/fuzz/fuzz_NAME) for SECONDS:
# first every regression input of tests/fuzz/regressions/NAME/ once (each
# is a crash or hang found before: it must pass now), then fuzzing from the
# seeds in tests/fuzz/corpus/NAME/ (new inputs go to build/fuzz/corpus/NAME,
# anything that fails to build/fuzz/artifacts/NAME/). Prints one line of
# numbers per harness; exits non-zero when any input fails.
#
#   tests/run-fuzz.sh SECONDS build/fuzz/fuzz_NAME...
#
# A failing input: copy it to tests/fuzz/regressions/NAME/, fix the cause,
# and see it pass with: build/fuzz/fuzz_NAME tests/fuzz/regressions/NAME/*
set -u
secs=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
pass=0 fail=0 failed=""
for bin in "$@"; do
    name=$(basename "$bin" | sed 's/^fuzz_//')
    regs="$here/fuzz/regressions/$name"
    work="$root/build/fuzz/corpus/$name" arts="$root/build/fuzz/artifacts/$name"
    mkdir -p "$work" "$arts"
    ok=1
    # the regression inputs, each once (a directory would be fuzzed, not replayed)
    if [ -n "$(ls -A "$regs" 2>/dev/null | grep -v '^README')" ]; then
        if ! "$bin" -timeout=10 $(ls -d "$regs"/* | grep -v '/README') >"$log" 2>&1; then
            echo "FAIL fuzz $name: a regression input fails again:"
            grep -E 'Running:|ERROR|runtime error|SUMMARY|fuzz_' "$log" | head -n 20 | sed 's/^/    /'
            ok=0
        fi
    fi
    if [ "$ok" = 1 ]; then
        "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
            -dict="$here/fuzz/json.dict" -artifact_prefix="$arts/" -print_final_stats=1 \
            "$work" "$here/fuzz/corpus/$name" >"$log" 2>&1
        rc=$?
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
        cov=$(grep -E '^#[0-9]+' "$log" | tail -n 1 | sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\) corp: \([0-9]*\).*/cov \1, features \2, corpus \3/p')
        if [ "$rc" -ne 0 ]; then
            echo "FAIL fuzz $name (${secs}s): $(grep -E 'ERROR|runtime error|fuzz_[a-z]+:' "$log" | head -n 1)"
            grep -E 'ERROR|runtime error|SUMMARY|Test unit written|fuzz_[a-z]+:' "$log" | head -n 12 | sed 's/^/    /'
            echo "    keep the input as tests/fuzz/regressions/$name/<what it is> and fix the cause"
            ok=0
        else
            echo "ok   fuzz $name (${secs}s): ${runs:-?} runs, ${cov:-?}"
        fi
    fi
    if [ "$ok" = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); failed="$failed $name"; fi
done
echo "fuzz: $pass passed, $fail failed${failed:+ (failed:$failed)}"
[ "$fail" -eq 0 ]
