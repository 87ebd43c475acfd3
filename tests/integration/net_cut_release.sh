# The release of the lease cut (DESIGN 3.2: a release the network fails on
# is retried briefly, then reported; the lease then ends by its TTL, or at
# once for a successor on this host once the holder has exited). Through
# tests/tools/cut-proxy.py, which resets pushes of the lease branch: when
# the first two tries of the release are cut, the sync still releases the
# lease and says nothing about it; when every try is cut, the sync
# publishes its merge, says the lease stays held, and a sync on this host
# takes the lease at once after it exited.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/net_lib.sh"
suppress_libgit2_leaks

new_remote
start_git_daemon "$T"
DIRECT="git://127.0.0.1:$GIT_DAEMON_PORT/remote.git"
for e in a b; do
    expect_rc 0 mt $e init "$DIRECT" >/dev/null
    graph_add "$T/$e.json" $e 1 "$T/added-$e.jsonl"
    expect_rc 0 mt $e sync >/dev/null 2>&1
done
# sync_via ROUND PROXY-ARGS... [--lock-timeout S]: a adds ROUND and syncs
# through a proxy started with PROXY-ARGS (by default it lets the acquiring
# push of the lease through, then cuts pushes of the lease as PROXY-ARGS
# say); exit code in RC, stderr in $T/ROUND.err
sync_via() {
    _r=$1 _lt=30; shift
    _pa=""
    while [ $# -gt 0 ]; do
        if [ "$1" = --lock-timeout ]; then _lt=$2; shift 2; else _pa="$_pa $1"; shift; fi
    done
    # shellcheck disable=SC2086
    start_cut_proxy "$GIT_DAEMON_PORT" --cut 0 --cut-match " refs/heads/memtui/lease" --match-skip 1 $_pa
    git -C "$T/clone-a" remote set-url origin "git://127.0.0.1:$PROXY_PORT/remote.git"
    graph_add "$T/a.json" a "$_r" "$T/added-a.jsonl"
    set +e
    mt a --lease-ttl 300 --lock-timeout "$_lt" sync >/dev/null 2>"$T/$_r.err"
    RC=$?
    set -e
    [ "$RC" -lt 128 ] || fail "round $_r: the sync died of signal $((RC - 128)) (exit $RC): $(tail -n 2 "$T/$_r.err")"
    git -C "$T/clone-a" remote set-url origin "$DIRECT"
}

# two tries cut, the third goes through
sync_via 2 --match-count 2
[ "$RC" -eq 0 ] || fail "round 2: exit $RC: $(cat "$T/2.err")"
[ "$(grep -c ' cut reset' "$T/proxy.log")" -eq 2 ] || fail "round 2: the proxy did not cut two releases: $(cat "$T/proxy.log")"
read -r state pid token <<EOF
$(lease_tip_state "$T/remote.git")
EOF
[ "$state" = released ] || fail "round 2: the lease is left $state (pid $pid, token $token) after two cut releases"
! grep -qi 'could not release\|cannot reach' "$T/2.err" || fail "round 2: a release that went through is reported as failed: $(cat "$T/2.err")"

# every try cut: the merge is published, the lease stays held, and it says so
sync_via 3
[ "$RC" -eq 0 ] || fail "round 3: exit $RC: $(cat "$T/3.err")"
read -r state pid token <<EOF
$(lease_tip_state "$T/remote.git")
EOF
[ "$state" = held ] || fail "round 3: every release was cut, yet the lease is $state"
grep -q "could not release the lease (token $token).*stays held" "$T/3.err" ||
    fail "round 3: the lease left held is not reported: $(cat "$T/3.err")"
git --git-dir="$T/remote.git" show main:memory.json >"$T/m.json"
graph_has "$T/m.json" "$T"/added-*.jsonl || fail "round 3: the merge was not published"
# its holder has exited: b, on this host, takes the lease at once
mt b --lock-timeout 5 sync >/dev/null 2>"$T/b.err" || fail "b could not take the lease left held: $(cat "$T/b.err")"
grep -q 'holder process gone' "$T/b.err" || fail "b did not take over from the gone holder: $(cat "$T/b.err")"

# every push of the lease cut, the acquiring ones too: the sync gives up
# saying its last push may have landed (here none did: the lease stays
# released)
sync_via 4 --match-skip 0 --lock-timeout 3
case $RC in 0 | 4 | 5) ;; *) fail "round 4: exit $RC: $(cat "$T/4.err")" ;; esac
grep -q 'unknown outcome.*stays held' "$T/4.err" || fail "round 4: the unsure push is not reported: $(cat "$T/4.err")"
[ "$(lease_tip_state "$T/remote.git" | cut -d' ' -f1)" = released ] || fail "round 4: a cut push of the lease landed"
lease_tokens_increase "$T/remote.git" >/dev/null
echo "net_cut_release: a release cut twice went through; one cut every time was reported, and taken over at once;" \
     "an acquire cut every time was reported"
