# Two machines with one env name (say both default to the same short host
# name) would overwrite each other's fragment at every sync, each run
# exiting 0. Each export records its machine; a name another machine
# exports is refused (exit 2, naming both) until this machine claims it
# with --claim-env (DESIGN 1.3).
. "$TESTS_DIR/lib.sh"
new_remote
# on MACHINE CLONE args...: memtui as env "laptop" on a machine with that id
on() {
    id=$1 clone=$2; shift 2
    MEMTUI_MACHINE_ID=$id "$MEMTUI" --batch --repo "$T/$clone" --env laptop --memory-file "$T/$clone.json" "$@"
}
for c in one two; do MEMTUI_MACHINE_ID=m-$c expect_rc 0 on m-$c $c init "$T/remote.git" >/dev/null 2>&1; done
printf '{"type":"entity","name":"FromOne","entityType":"t","observations":["1"]}' >"$T/one.json"
printf '{"type":"entity","name":"FromTwo","entityType":"t","observations":["2"]}' >"$T/two.json"
main() { git --git-dir="$T/remote.git" show main:memory.json; }

expect_rc 0 on machine-one one sync >/dev/null 2>&1
git --git-dir="$T/remote.git" log -1 --format=%B main -- memory-laptop.json | grep -q '^Memtui-Machine: machine-one$' ||
    fail "the export does not record its machine"
head=$(git --git-dir="$T/remote.git" rev-parse main)
set +e; on machine-two two --json sync >"$T/out" 2>"$T/err"; rc=$?; set -e
[ "$rc" = 2 ] || fail "a second machine with the same env name: sync exited $rc, not 2: $(cat "$T/err")"
grep -q "machine-one" "$T/err" && grep -q "machine-two" "$T/err" || fail "the error does not name both machines: $(cat "$T/err")"
grep -q -- "--claim-env" "$T/err" || fail "the error does not say how to take the name over"
[ "$(git --git-dir="$T/remote.git" rev-parse main)" = "$head" ] || fail "the refused sync moved main"
expect_rc 0 on machine-one one sync >/dev/null 2>&1
main | grep -q FromOne || fail "machine one's entity is gone"

# the explicit take-over: now machine two owns the name, machine one is refused
expect_rc 0 on machine-two two sync --claim-env >/dev/null 2>&1
main | grep -q FromTwo || fail "--claim-env did not export"
main | grep -q FromOne || fail "--claim-env deleted the other machine's data"
set +e; on machine-one one sync >/dev/null 2>"$T/err"; rc=$?; set -e
[ "$rc" = 2 ] || fail "after the take-over, the old machine's sync exited $rc, not 2"
expect_rc 0 on machine-two two sync >/dev/null 2>&1
echo "env owner: ok"
