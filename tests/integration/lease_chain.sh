# The lease chain is bounded (DESIGN 3.2): past MEMTUI_LEASE_CHAIN_MAX
# entries the acquirer starts a new root carrying the old tip's token and a
# summary of the chain it replaces. Two machines racing through a dozen
# merges keep the branch at most max + 2 commits deep, tokens still
# strictly increase across restarts, a race at the restart point has one
# winner, and a forged parentless entry with a lower token is not taken
# for a newer lease.
. "$TESTS_DIR/lib.sh"
suppress_libgit2_leaks
R="$T/remote.git"
export MEMTUI_LEASE_CHAIN_MAX=5
ent() { printf '{"type":"entity","name":"%s","entityType":"thing","observations":["%s"]}\n' "$1" "$2"; }
depth() { git --git-dir="$R" rev-list --count memtui/lease; }
roots() { git --git-dir="$R" rev-list --max-parents=0 memtui/lease | wc -l | tr -d ' '; }
tok() { git --git-dir="$R" show "$1:lease.json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'; }

new_remote
for e in a b; do expect_rc 0 mt $e init "$R" >/dev/null; done
ent Seed one >"$T/a.json"; ent Seed one >"$T/b.json"
for e in a b; do expect_rc 0 mt $e sync >/dev/null 2>&1; done

# -- 1. six rounds of two racing merges: bounded depth, restarts, tokens
max_depth=0
for i in 1 2 3 4 5 6; do
    ent "A$i" "a round $i" >>"$T/a.json"
    ent "B$i" "b round $i" >>"$T/b.json"
    mt_bg a "$T/a.out" "$T/a.err" --lock-timeout 60 sync; pa=$MT_PID
    mt_bg b "$T/b.out" "$T/b.err" --lock-timeout 60 sync; pb=$MT_PID
    reap "$pa"; [ "$REAP_RC" = 0 ] || fail "round $i: a exited $REAP_RC: $(cat "$T/a.err")"
    reap "$pb"; [ "$REAP_RC" = 0 ] || fail "round $i: b exited $REAP_RC: $(cat "$T/b.err")"
    d=$(depth); [ "$d" -gt "$max_depth" ] && max_depth=$d
    [ "$d" -le 7 ] || fail "round $i: the lease branch is $d commits deep (max 5 + 2): $(git --git-dir="$R" log --format=%s memtui/lease)"
    [ "$(roots)" = 1 ] || fail "round $i: $(roots) roots reachable from the lease branch"
done
for e in a b; do expect_rc 0 mt $e sync >/dev/null 2>&1; done
for i in 1 2 3 4 5 6; do
    git --git-dir="$R" show main:memory.json | grep -q "\"A$i\"" || fail "a's round $i was lost"
    git --git-dir="$R" show main:memory.json | grep -q "\"B$i\"" || fail "b's round $i was lost"
done
acq=$(cat "$T/clone-a/.git/memtui.log" "$T/clone-b/.git/memtui.log" | grep -c '"detail":"acquired"' || true)
[ "$acq" -ge 12 ] || fail "only $acq lease acquisitions"
restarts=$(cat "$T/clone-a/.git/memtui.log" "$T/clone-b/.git/memtui.log" | grep -c '"detail":"restarted"' || true)
[ "$restarts" -ge 3 ] || fail "the chain restarted $restarts times in $acq acquisitions"
lease_tokens_increase "$R" >/dev/null || fail "tokens on main: $(lease_tokens_increase "$R" 2>&1)"
# the root carries the token of the tip it replaced, and says what it replaced
root=$(git --git-dir="$R" rev-list --max-parents=0 memtui/lease)
prev=$(git --git-dir="$R" show "$root:lease.json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["chain"]["previous"])')
[ "$(tok "$root")" = "$(tok "$prev")" ] || fail "the root carries token $(tok "$root"), the tip it replaced $(tok "$prev")"
expect_rc 0 mt a lease show --limit 20 >"$T/show.out" 2>&1
grep -q "chain restarted" "$T/show.out" || fail "lease show does not show the root: $(cat "$T/show.out")"
expect_rc 0 mt a --json lease show --limit 20 >"$T/show.json" 2>/dev/null
python3 - "$T/show.json" <<'PY' || fail "lease show: $(cat "$T/show.json")"
import json, sys
j = json.load(open(sys.argv[1]))
ch = j["chain"]
toks = [e["token"] for e in reversed(ch)]
assert all(e["state"] != "unreadable" for e in ch), ch
assert toks == sorted(toks), toks
# restarted once its holder's 3 entries would pass max 5: it had 3 or more
assert ch[-1]["chain"]["entries"] >= 3 and ch[-1]["chain"]["holders"], ch[-1]
PY

# -- 2. a race at the restart point: one winner
while [ "$(depth)" -lt 5 ]; do fake_lease "$R" released ops console 1 60; done
before=$(tok memtui/lease)
ent RaceA "a" >>"$T/a.json"
ent RaceB "b" >>"$T/b.json"
for e in a b; do expect_rc 0 mt $e --no-push export >/dev/null 2>&1; done
mt_bg a "$T/a.out" "$T/a.err" --lock-timeout 60 merge; pa=$MT_PID
mt_bg b "$T/b.out" "$T/b.err" --lock-timeout 60 merge; pb=$MT_PID
reap "$pa"; ra=$REAP_RC; reap "$pb"; rb=$REAP_RC
[ "$ra" = 0 ] && [ "$rb" = 0 ] || fail "racing merges exited $ra and $rb: $(cat "$T/a.err" "$T/b.err")"
[ "$(roots)" = 1 ] || fail "$(roots) roots after the race"
[ "$(depth)" -le 7 ] || fail "the race left the branch $(depth) commits deep"
root=$(git --git-dir="$R" rev-list --max-parents=0 memtui/lease)
[ "$(tok "$root")" -ge "$before" ] || fail "the new root carries token $(tok "$root"), below $before"
git --git-dir="$R" show main:memory.json | grep -q '"RaceA"' || fail "a's racing merge was lost"
git --git-dir="$R" show main:memory.json | grep -q '"RaceB"' || fail "b's racing merge was lost"
lease_tokens_increase "$R" >/dev/null || fail "tokens on main after the race: $(lease_tokens_increase "$R" 2>&1)"

# -- 3. a forged parentless entry with a lower token is not a newer lease
cur=$(tok memtui/lease)
forge() {  # forge STATE TOKEN [CHAIN-JSON]
    _b=$(printf '{"env":"evil","host":"x","pid":1,"token":%s,"ttl":60,"state":"%s","time":"2020-01-01T00:00:00Z"%s}\n' \
        "$2" "$1" "${3:+,\"chain\":$3}" | git --git-dir="$R" hash-object -w --stdin)
    _t=$(printf '100644 blob %s\tlease.json\n' "$_b" | git --git-dir="$R" mktree)
    git --git-dir="$R" update-ref refs/heads/memtui/lease "$(git --git-dir="$R" commit-tree "$_t" -m forged)"
}
expect_rc 0 mt a lease show >/dev/null 2>&1   # a has seen the real tip
real=$(git --git-dir="$R" rev-parse memtui/lease)
forge held $((cur - 2))
expect_rc 0 mt a --json lease show >"$T/f1.json" 2>/dev/null
[ "$(json "$T/f1.json" 'j["lease"]["state"]')" = unreadable ] || fail "a forged root with token $((cur - 2)): $(cat "$T/f1.json")"
forge released $((cur - 2)) "{\"previous\":\"$real\",\"entries\":3,\"first\":\"x\",\"last\":\"y\",\"holders\":[]}"
expect_rc 0 mt a --json lease show >"$T/f2.json" 2>/dev/null
[ "$(json "$T/f2.json" 'j["lease"]["state"]')" = unreadable ] || fail "a lying chain root: $(cat "$T/f2.json")"
ent AfterForge "a" >>"$T/a.json"
expect_rc 0 mt a --no-push export >/dev/null 2>&1
expect_rc 4 mt a --lock-timeout 2 merge >/dev/null 2>"$T/f.err"
[ "$(tok memtui/lease)" = $((cur - 2)) ] || fail "a lease was taken over the forged root"

# -- 4. a chain of forged roots, each naming the one before, all fetched
# (a junk branch merges them): reading the lease checks one step, not all
# (before: one nested check per root, until the stack overflowed)
python3 - "$R" 5000 <<'PY'
import hashlib, os, sys, zlib
repo, n = sys.argv[1], int(sys.argv[2])
def put(kind, body):
    data = b"%s %d\0" % (kind, len(body)) + body
    oid = hashlib.sha1(data).hexdigest()
    path = os.path.join(repo, "objects", oid[:2], oid[2:])
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(zlib.compress(data))
    return oid
who = b"p <p@x> 1 +0000"
prev, roots = "0" * 40, []
for i in range(n):
    blob = put(b"blob", ('{"env":"evil","host":"x","pid":1,"token":%d,"ttl":60,"state":"released",'
                         '"time":"2020-01-01T00:00:00Z","chain":{"previous":"%s","entries":1,'
                         '"first":"x","last":"y","holders":[]}}\n' % (i + 1, prev)).encode())
    tree = put(b"tree", b"100644 lease.json\0" + bytes.fromhex(blob))
    prev = put(b"commit", b"tree %s\nauthor %s\ncommitter %s\n\nroot %d\n" % (tree.encode(), who, who, i))
    roots.append(prev)
empty = put(b"tree", b"")
junk = put(b"commit", b"tree " + empty.encode() + b"\n" + b"".join(b"parent %s\n" % r.encode() for r in roots)
           + b"author " + who + b"\ncommitter " + who + b"\n\njunk\n")
open(os.path.join(repo, "refs", "heads", "junk"), "w").write(junk + "\n")
open(os.path.join(repo, "refs", "heads", "memtui", "lease"), "w").write(prev + "\n")
PY
mt a status >/dev/null 2>&1 || true   # fetches every head, the roots too
# (a small stack, as a thread's may be: the old nesting overflowed it)
set +e; (ulimit -s 512; mt a --json lease show) >"$T/f3.json" 2>"$T/f3.err"; rc=$?; set -e
[ "$rc" = 0 ] || fail "lease show over a chain of roots: exit $rc: $(tail -n 5 "$T/f3.err")"
echo ok
