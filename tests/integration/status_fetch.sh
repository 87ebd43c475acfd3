# status fetches before it reports (DESIGN 4): read-only (only
# refs/remotes/<remote>/* move: HEAD, main, the index and the work tree are
# byte-identical before and after), says how far the clone is behind or
# ahead of the remote's main, lists the remote's fragments with what is new
# or changed there; --offline does not fetch; a remote that is down still
# gets the local report, a stale notice naming why, and exit 5; a bad tree
# on the remote (a symlink fragment, a folder, a fragment that is not JSON) is
# reported, never followed or fatal.
. "$TESTS_DIR/lib.sh"
ent() { printf '{"type":"entity","name":"%s","entityType":"thing","observations":["%s"]}\n' "$1" "$2"; }

new_remote
for e in a c; do expect_rc 0 mt $e init "$T/remote.git" >/dev/null; done
ent A1 one >"$T/a.json"
expect_rc 0 mt a sync >/dev/null 2>&1
git -C "$T/clone-c" pull -q
# the other machine pushes a new fragment: a's clone is now one commit behind
{ ent C1 one; ent C2 two; } >"$T/c.json"
expect_rc 0 mt c export >/dev/null 2>&1
TIP=$(git -C "$T/remote.git" rev-parse main)

# snapshot: everything a fetch must not move
snap() {
    d="$T/clone-a"
    {
        git -C "$d" symbolic-ref HEAD
        git -C "$d" rev-parse HEAD main
        git -C "$d" for-each-ref --format='%(refname) %(objectname)' | grep -v ' *refs/remotes/' || true
        sha256sum "$d/.git/index"
        (cd "$d" && find . -path ./.git -prune -o -type f -print | sort | xargs sha256sum)
    } >"$1"
}
snap "$T/before"

# --offline: no fetch, so the new fragment is not seen
expect_rc 0 mt a --json --offline status >"$T/off.json" 2>"$T/off.err"
[ "$(json "$T/off.json" 'j["remote"]["fetched"]')" = False ] || fail "--offline fetched: $(cat "$T/off.json")"
[ "$(json "$T/off.json" 'j["remote"]["behind"]')" = 0 ] || fail "--offline saw the push: $(cat "$T/off.json")"
[ "$(json "$T/off.json" '[f["env"] for f in j["remote"]["fragments"] if f["state"] != "same"]')" = "[]" ] ||
    fail "--offline lists a remote change: $(cat "$T/off.json")"
[ "$(git -C "$T/clone-a" rev-parse -q --verify refs/remotes/origin/main)" != "$TIP" ] || fail "--offline moved origin/main"

# status fetches: behind 1, env c new on the remote, nothing local moved
expect_rc 0 mt a status >"$T/human.out" 2>"$T/human.err"
grep -q 'origin/main: 1 behind, 0 ahead' "$T/human.out" || fail "no behind line: $(cat "$T/human.out")"
grep -q '^  *c  *2 entities, 0 relations.*new on the remote' "$T/human.out" || fail "c not shown as new: $(cat "$T/human.out")"
grep -q 'stale' "$T/human.out" "$T/human.err" && fail "stale notice with the remote up"
[ "$(git -C "$T/clone-a" rev-parse refs/remotes/origin/main)" = "$TIP" ] || fail "origin/main not fetched"
snap "$T/after"
cmp -s "$T/before" "$T/after" || fail "status moved something: $(diff "$T/before" "$T/after")"

expect_rc 0 mt a --json status >"$T/on.json" 2>/dev/null
[ "$(json "$T/on.json" '(j["remote"]["fetched"], j["remote"]["behind"], j["remote"]["ahead"], j["remote"]["tip"])')" = \
  "(True, 1, 0, '$TIP')" ] || fail "remote fields: $(cat "$T/on.json")"
SHA_C=$(sha256sum "$T/clone-c/memory-c.json" | cut -d' ' -f1)
[ "$(json "$T/on.json" '[(f["env"], f["state"], f["entities"], f["relations"], f["sha256"]) for f in j["remote"]["fragments"]]')" = \
  "[('a', 'same', 1, 0, '$(sha256sum "$T/clone-a/memory-a.json" | cut -d' ' -f1)'), ('c', 'new', 2, 0, '$SHA_C')]" ] ||
    fail "remote fragments: $(cat "$T/on.json")"
# the local report is still the local clone's: c is not among its fragments
[ "$(json "$T/on.json" '[f["env"] for f in j["fragments"]]')" = "['a']" ] || fail "local fragments: $(cat "$T/on.json")"

# a changes locally and commits without pushing: ahead 1, behind 1; c changes on the remote
ent A2 two >>"$T/a.json"
expect_rc 0 mt a --no-push export >/dev/null 2>&1
ent C3 three >>"$T/c.json"
expect_rc 0 mt c export >/dev/null 2>&1
expect_rc 0 mt a --json status >"$T/both.json" 2>/dev/null
[ "$(json "$T/both.json" '(j["remote"]["behind"], j["remote"]["ahead"])')" = "(2, 1)" ] || fail "behind/ahead: $(cat "$T/both.json")"
[ "$(json "$T/both.json" '[(f["env"], f["state"]) for f in j["remote"]["fragments"]]')" = "[('a', 'changed'), ('c', 'new')]" ] ||
    fail "states: $(cat "$T/both.json")"

# a bad tree on the remote: a symlink fragment, a folder, one that is not JSON
git clone -q "$T/remote.git" "$T/evil"
ln -s /etc/passwd "$T/evil/memory-link.json"
printf 'not json\n' >"$T/evil/memory-junk.json"
mkdir "$T/evil/memory-dir.json" && echo x >"$T/evil/memory-dir.json/x"
git -C "$T/evil" add -A && git -C "$T/evil" commit -qm evil && git -C "$T/evil" push -q origin main
expect_rc 0 mt a --json status >"$T/evil.json" 2>/dev/null
[ "$(json "$T/evil.json" '[(f["env"], f["entities"] is None, bool(f.get("problem"))) for f in j["remote"]["fragments"] if f["env"] in ("link", "junk", "dir")]')" = \
  "[('dir', True, True), ('junk', True, True), ('link', True, True)]" ] || fail "bad fragments: $(cat "$T/evil.json")"
expect_rc 0 mt a status >"$T/evil.out" 2>&1
grep -q 'link.*symlink' "$T/evil.out" || fail "the symlink is not named: $(cat "$T/evil.out")"
grep -q root: "$T/evil.out" && fail "the symlink was followed"

# the remote is down: the local report, a stale notice with the reason, exit 5
mv "$T/remote.git" "$T/remote.gone"
expect_rc 5 mt a status >"$T/down.out" 2>"$T/down.err"
grep -q '^repo ' "$T/down.out" || fail "no local report when the remote is down: $(cat "$T/down.out")"
grep -q 'may be stale.*remote.git' "$T/down.err" || fail "no stale notice naming the remote: $(cat "$T/down.err")"
expect_rc 5 mt a --json status >"$T/down.json" 2>/dev/null
[ "$(json "$T/down.json" '(j["exit_code"], j["remote"]["fetched"], bool(j["remote"]["error"]), j["remote"]["behind"])')" = \
  "(5, False, True, 3)" ] || fail "down --json: $(cat "$T/down.json")"
expect_rc 0 mt a --offline status >/dev/null 2>&1
# --offline belongs to status and diff: a command that must reach the remote refuses it
expect_rc 2 mt a --offline sync >/dev/null 2>&1
expect_rc 0 mt a --offline diff >/dev/null 2>&1
echo "status_fetch: ok"
