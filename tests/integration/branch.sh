# A clone left on another branch, or with a detached HEAD: memtui works on
# main, so it refuses (exit 2, saying how to get back) instead of
# committing where nothing is pushed and exiting 0 (DESIGN 3.3).
. "$TESTS_DIR/lib.sh"
new_remote
expect_rc 0 mt a init "$T/remote.git" >/dev/null 2>&1
printf '{"type":"entity","name":"A","entityType":"t","observations":["a"]}' >"$T/a.json"
expect_rc 0 mt a sync >/dev/null 2>&1
before=$(git --git-dir="$T/remote.git" rev-parse main)
printf '{"type":"entity","name":"A","entityType":"t","observations":["a","b"]}' >"$T/a.json"

git -C "$T/clone-a" checkout -q -b elsewhere
set +e; mt a sync >/dev/null 2>"$T/err"; rc=$?; set -e
[ "$rc" = 2 ] || fail "on another branch: sync exited $rc, not 2: $(cat "$T/err")"
grep -q "on branch 'elsewhere'" "$T/err" || fail "the error does not name the branch: $(cat "$T/err")"
grep -q "checkout main" "$T/err" || fail "the error does not say how to get back: $(cat "$T/err")"
[ "$(git --git-dir="$T/remote.git" rev-parse main)" = "$before" ] || fail "main moved"

git -C "$T/clone-a" checkout -q --detach main
set +e; mt a --json sync >"$T/out" 2>"$T/err"; rc=$?; set -e
[ "$rc" = 2 ] || fail "detached: sync exited $rc, not 2"
grep -q "detached HEAD" "$T/err" || fail "the error does not say detached: $(cat "$T/err")"
[ "$(json "$T/out" 'j["ok"]')" = False ] || fail "--json says ok: $(cat "$T/out")"

git -C "$T/clone-a" checkout -q main
expect_rc 0 mt a sync >/dev/null 2>&1
git --git-dir="$T/remote.git" show main:memory.json | grep -q '"b"' || fail "back on main, the edit did not sync"
echo "branch: ok"
