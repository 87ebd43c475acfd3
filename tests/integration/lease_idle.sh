# The lease is taken only when there is something to merge (DESIGN 3.2):
# idle syncs on two machines add nothing to the lease branch or to main,
# say "nothing to merge" and report the lease as not taken; a real change
# still merges under the lease, taken once; a peer's export pushed without
# a merge is merged by the next sync; an idle sync still imports a local
# file that lags behind memory.json.
. "$TESTS_DIR/lib.sh"
R="$T/remote.git"
ent() { printf '{"type":"entity","name":"%s","entityType":"thing","observations":["%s"]}\n' "$1" "$2"; }
depth() { git --git-dir="$R" rev-list --count memtui/lease; }
acquisitions() { git --git-dir="$R" log --format=%s memtui/lease | grep -c '^lease: held by' || true; }

new_remote
for e in a b; do expect_rc 0 mt $e init "$R" >/dev/null; done
ent Seed one >"$T/a.json"
ent Other two >"$T/b.json"
for e in a b a b; do expect_rc 0 mt $e sync >/dev/null 2>&1; done

# -- 1. twenty idle syncs: no lease entry, no commit on main
d0=$(depth); m0=$(git --git-dir="$R" rev-parse main)
for i in 1 2 3 4 5 6 7 8 9 10; do
    for e in a b; do expect_rc 0 mt $e sync >"$T/idle.out" 2>"$T/idle.err"; done
done
[ "$(depth)" = "$d0" ] || fail "20 idle syncs took the lease chain from $d0 to $(depth) commits"
[ "$(git --git-dir="$R" rev-parse main)" = "$m0" ] || fail "idle syncs moved main"
grep -q 'nothing to merge' "$T/idle.out" || fail "an idle sync does not say so: $(cat "$T/idle.out" "$T/idle.err")"
expect_rc 0 mt a --json sync >"$T/idle.json" 2>/dev/null
[ "$(json "$T/idle.json" 'j["lease"]["taken"]')" = False ] || fail "--json: lease taken: $(cat "$T/idle.json")"
[ "$(json "$T/idle.json" 'j["nothing_to_merge"]')" = True ] || fail "--json: not idle: $(cat "$T/idle.json")"
expect_rc 0 mt b merge >"$T/merge.out" 2>&1
grep -q 'nothing to merge' "$T/merge.out" || fail "an idle merge does not say so: $(cat "$T/merge.out")"
[ "$(depth)" = "$d0" ] || fail "an idle merge wrote lease entries"

# -- 2. a real change merges, under one lease acquisition
n0=$(acquisitions)
ent Seed one >"$T/a.json"; ent Fresh "from a" >>"$T/a.json"
expect_rc 0 mt a --json sync >"$T/real.json" 2>/dev/null
git --git-dir="$R" show main:memory.json | grep -q '"Fresh"' || fail "the change was not merged"
[ "$(acquisitions)" = $((n0 + 1)) ] || fail "the lease was taken $(( $(acquisitions) - n0 )) times, want 1"
[ "$(json "$T/real.json" 'j["lease"]["taken"]')" = True ] || fail "--json: lease not taken: $(cat "$T/real.json")"
lease_tokens_increase "$R" >/dev/null || fail "tokens on main: $(lease_tokens_increase "$R" 2>&1)"
# b has the change only through the merge: its sync imports it
expect_rc 0 mt b sync >/dev/null 2>&1
grep -q '"Fresh"' "$T/b.json" || fail "b did not import the merged change"

# -- 3. a peer's export pushed without a merge is merged by the next sync
ent Other two >"$T/b.json"; ent Fresh "from a" >>"$T/b.json"; ent Late "b's, unmerged" >>"$T/b.json"
expect_rc 0 mt b export >/dev/null 2>&1
git --git-dir="$R" show main:memory.json | grep -q '"Late"' && fail "export alone merged"
expect_rc 0 mt a sync >/dev/null 2>&1
git --git-dir="$R" show main:memory.json | grep -q '"Late"' || fail "b's pushed export was not merged by a's sync"
grep -q '"Late"' "$T/a.json" || fail "a did not import b's change"

# -- 4. a sync still imports when the local file lags behind memory.json
# (that one goes the whole way, under the lease: only a local file that is
# memory.json already makes a sync idle)
for e in b a b; do expect_rc 0 mt $e sync >/dev/null 2>&1; done
expect_rc 0 mt b sync >"$T/lag.out" 2>&1
grep -q 'nothing to merge' "$T/lag.out" || fail "not idle before the lag test: $(cat "$T/lag.out")"
cp "$T/b.json" "$T/b.kept"
rm "$T/b.json"   # gone: nothing to export, memory.json is newer than nothing
expect_rc 0 mt b sync >"$T/lag.out" 2>&1
grep -q '"Late"' "$T/b.json" 2>/dev/null || fail "a sync did not import: $(cat "$T/lag.out")"
expect_rc 0 mt b sync >"$T/lag.out" 2>&1
grep -q 'nothing to merge' "$T/lag.out" || fail "not idle again after the import: $(cat "$T/lag.out")"
echo ok
