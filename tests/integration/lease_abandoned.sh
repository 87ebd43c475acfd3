# A lease abandoned by a machine that crashed (held, another host, never
# renewed) is taken over by cron-style runs whose --lock-timeout is shorter
# than TTL + margin: each run waits its few seconds, and the machine's first
# sighting of that tip (same boot, one monotonic clock) carries over to the
# next run, so the takeover comes once the tip was seen unchanged long
# enough, not never. A lease that moves in between starts the count again.
# A sync that times out on the lease hands its export off (exit 0, DESIGN 4):
# what these runs show is that the merge only comes with the takeover.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/ui_lib.sh"
# sync_rc WANT N TIMEOUT: a's sync with --lock-timeout TIMEOUT, stderr kept in err.N
sync_rc() {
    set +e; mt a --lock-timeout "$3" sync >/dev/null 2>"$T/err.$2"; got=$?; set -e
    [ "$got" = "$1" ] || fail "sync $2: expected exit $1, got $got: $(cat "$T/err.$2")"
}
new_remote
expect_rc 0 mt a init "$T/remote.git" >/dev/null
ent Seed thing "first" >"$T/a.json"
expect_rc 0 mt a sync >/dev/null 2>&1
# ttl 4 s + 2 s margin: a takeover needs the tip seen unchanged for 6 s
fake_lease "$T/remote.git" held ghost crashed-host 4242 4
ent Seed thing "first" "second" >"$T/a.json"
start=$(date +%s)
sync_rc 0 1 2
grep -q 'held by ghost' "$T/err.1" || fail "the first run did not name the holder: $(cat "$T/err.1")"
git --git-dir="$T/remote.git" show main:memory.json | grep -q '"second"' &&
    fail "merged without the lease"
git --git-dir="$T/remote.git" show main:memory-a.json | grep -q '"second"' ||
    fail "the handed-off export is not on the remote"
sleep 2
sync_rc 0 2 1
# the same tip, first seen more than 6 s ago: this run takes it over
while [ $(( $(date +%s) - start )) -lt 7 ]; do sleep 0.5; done
sync_rc 0 3 2
git --git-dir="$T/remote.git" show main:memory.json | grep -q '"second"' ||
    fail "the abandoned lease was never taken over: $(cat "$T/err.3")"
git --git-dir="$T/remote.git" log --format=%s memtui/lease | grep -q 'held by a@' ||
    fail "no lease entry by a after the takeover"
# a lease that moves starts the count again: a fresh holder is waited for
fake_lease "$T/remote.git" held ghost2 other-host 4243 30
ent Seed thing "first" "second" "third" >"$T/a.json"
sync_rc 0 4 2
git --git-dir="$T/remote.git" show main:memory.json | grep -q '"third"' &&
    fail "merged past a live-looking lease"
grep -q 'held by ghost2' "$T/err.4" || fail "a live-looking lease was not waited for: $(cat "$T/err.4")"
echo ok
