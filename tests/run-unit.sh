#!/bin/sh
# Run every Check unit-test binary given; print one summary line.
set -u
here=$(cd "$(dirname "$0")" && pwd)
TESTS_DIR=${TESTS_DIR:-$here}
export TESTS_DIR
pass=0 fail=0
for t in "$@"; do
    echo "== $t"
    if CK_DEFAULT_TIMEOUT=${CK_DEFAULT_TIMEOUT:-120} "$t"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: $t"; fi
done
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
