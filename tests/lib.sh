# lib.sh: helpers for the shell integration tests (sourced).
# Every test runs in its own temporary directory, removed at exit, with a
# pinned git identity for set-up commands made with the git CLI.
set -eu
: "${MEMTUI:?MEMTUI must name the memtui binary}"
: "${SHARED_DIR:=$(cd "$(dirname "$0")/../../../shared" && pwd)}"
T=$(mktemp -d "${TMPDIR:-/tmp}/memtui-it-XXXXXX")
PIDS=""
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null || true; done
    rm -rf "$T"
}
trap cleanup EXIT INT TERM
export GIT_AUTHOR_NAME=test GIT_AUTHOR_EMAIL=test@example.invalid
export GIT_COMMITTER_NAME=test GIT_COMMITTER_EMAIL=test@example.invalid
export HOME="$T/home" TZ=UTC LANG=C.UTF-8
mkdir -p "$HOME"
cd "$T"

fail() { echo "FAIL: $*" >&2; exit 1; }
# expect_rc CODE command...: run and check the exit code.
expect_rc() {
    want=$1; shift
    set +e; "$@"; got=$?; set -e
    [ "$got" -eq "$want" ] || fail "expected exit $want, got $got: $*"
}
# mt ENV args...: memtui --batch in clone $T/clone-ENV with local file $T/ENV.json
mt() {
    e=$1; shift
    "$MEMTUI" --batch --repo "$T/clone-$e" --env "$e" --memory-file "$T/$e.json" "$@"
}
new_remote() { git init -q --bare "$T/remote.git"; }
# json FILE EXPR: evaluate a python expression over the JSON object j.
json() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }
