# Fencing by token order (DESIGN 3.2): a holder whose lease was taken over
# while it was stopped (an operator broke it; on a same-named container
# the takeover was immediate before) must not publish its merge after one
# with a higher token: it exits 4 and says this merge was not published.
# A peer's forged huge Memtui-Lease-Token on main must not stop the fleet:
# a holder that still holds the lease publishes over it. And a holder that
# published, then lost the lease before its release, says what it published.
. "$TESTS_DIR/lib.sh"
trap hard_cleanup EXIT INT TERM
R="$T/remote.git"
token_of() { git --git-dir="$R" show "$1:lease.json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'; }
ent() { printf '{"type":"entity","name":"%s","entityType":"thing","observations":["%s"]}\n' "$1" "$2"; }
# stopped_at EVENT DETAIL args...: a's command in the background, stopped
# (SIGSTOP) at the first audit line EVENT/DETAIL; APID its pid
stopped_at() {
    _ev=$1 _de=$2; shift 2
    log="$T/clone-a/.git/memtui.log"
    rm -f "$T/a.pid" "$T/ready"
    STOP_AT_READY="$T/ready" stop_at_event "$log" "$(size_of "$log")" "$T/a.pid" "$_ev" "$_de" 60 &
    watcher=$!; PIDS="$PIDS $watcher"
    # memtui starts once the watcher watches and knows its pid: a fast run is not missed
    sh -c 'echo $$ >"$0"; while [ ! -e "$1" ]; do sleep 0.01; done; shift; exec "$@"' "$T/a.pid" "$T/ready" \
        "$MEMTUI" --batch --repo "$T/clone-a" --env a --memory-file "$T/a.json" "$@" >"$T/a.out" 2>"$T/a.err" &
    APID=$!; PIDS="$PIDS $APID"
    reap "$watcher"
    [ "$REAP_RC" = 0 ] || fail "a was not stopped at $_ev $_de: $(cat "$T/a.err")"
}

new_remote
for e in a b; do expect_rc 0 mt $e init "$R" >/dev/null; done
ent Seed one >"$T/a.json"
for e in a b a; do expect_rc 0 mt $e sync >/dev/null 2>&1; done

# -- 1. a stale holder never publishes after a higher token
ent Seed one >"$T/a.json"; ent FromA "only a has it" >>"$T/a.json"
expect_rc 0 mt a --no-push export >/dev/null 2>&1   # only a's merge can publish it
stopped_at lease acquired --lease-ttl 600 --lock-timeout 60 merge
tok_a=$(token_of memtui/lease)
fake_lease "$R" released ops console 1 60            # an operator breaks a's lease
ent Seed one >"$T/b.json"; ent FromB "b's" >>"$T/b.json"
expect_rc 0 mt b sync >/dev/null 2>"$T/b.err"
h_b=$(git --git-dir="$R" rev-parse main)
tok_b=$(git --git-dir="$R" log -1 --format=%B main | sed -n 's/^Memtui-Lease-Token: //p')
[ "$tok_b" -gt "$tok_a" ] || fail "b merged with token $tok_b, not above a's $tok_a"
kill -CONT "$APID"; reap "$APID"
[ "$REAP_RC" = 4 ] || fail "the stale holder exited $REAP_RC, want 4: $(cat "$T/a.err")"
# Publishing renews the lease first, which finds it lost; the token-order
# check behind it says the same in its own words.
grep -Eq "above ours \($tok_a\).*this merge was not published|token $tok_a\) was lost: .*nothing published" "$T/a.err" ||
    fail "the stale holder does not say why: $(cat "$T/a.err")"
[ "$(git --git-dir="$R" rev-parse main)" = "$h_b" ] || fail "the stale holder moved main"
lease_tokens_increase "$R" >/dev/null || fail "tokens on main: $(lease_tokens_increase "$R" 2>&1)"
# its next run publishes what it had
expect_rc 0 mt a sync >/dev/null 2>&1
git --git-dir="$R" show main:memory.json | grep -q 'only a has it' || fail "a's export was lost"

# -- 2. a forged huge token on main does not stop anyone
git clone -q -b main "$R" "$T/peer" 2>/dev/null
git -C "$T/peer" commit -q --allow-empty -m "memtui merge: 0 entities, 0 relations, 0 conflicts

Memtui-Env: ghost
Memtui-Lease-Token: 18446744073709551616"
git -C "$T/peer" push -q origin HEAD:main 2>/dev/null
ent Seed "over the forged token" >"$T/b.json"; ent FromB "b's" >>"$T/b.json"
expect_rc 0 mt b sync >/dev/null 2>"$T/b2.err"
grep -q 'no holder had that token' "$T/b2.err" || fail "the forged token is not reported: $(cat "$T/b2.err")"
git --git-dir="$R" show main:memory.json | grep -q "over the forged token" || fail "b's change was not published over the forged token"

# -- 3. published, then lost the lease before the release: it says what it published
expect_rc 0 mt a sync >/dev/null 2>&1
ent Seed "third round" >"$T/a.json"; ent FromA "only a has it" >>"$T/a.json"
expect_rc 0 mt a export >/dev/null 2>&1
stopped_at push "" --lease-ttl 600 --lock-timeout 60 merge   # stopped once main is pushed
fake_lease "$R" released ops console 1 60
kill -CONT "$APID"; reap "$APID"
h_a=$(git --git-dir="$R" rev-parse main)
grep -q "published before that and kept: main ${h_a%"${h_a#????????????}"}" "$T/a.err" ||
    fail "a does not say what it published: $(cat "$T/a.err")"
grep -q 'nothing published' "$T/a.err" && fail "a says nothing was published: $(cat "$T/a.err")"
echo ok
