# The worked example of tests/fixtures/mcp-real through the batch commands:
# two environments export, one merge folds both, every local file converges.
. "$TESTS_DIR/lib.sh"
F="$TESTS_DIR/fixtures/mcp-real"
new_remote
for e in laptop desktop; do
    expect_rc 0 mt $e init "$T/remote.git"
    cp "$F/base.json" "$T/$e.json"
done
expect_rc 0 mt laptop sync
expect_rc 0 mt desktop sync
# memtui writes a final newline; the server does not: otherwise identical
[ "$(cat "$T/laptop.json")" = "$(cat "$F/base.json")" ] || fail "first sync changed the base"
cp "$F/laptop.json" "$T/laptop.json"
cp "$F/desktop.json" "$T/desktop.json"
expect_rc 0 mt laptop export
expect_rc 0 mt desktop export
mt laptop merge --json >"$T/merge.json" || fail "merge failed"
[ "$(json "$T/merge.json" 'j["ok"]')" = True ] || fail "merge not ok"
[ "$(json "$T/merge.json" 'len(j["conflicts"])')" = 1 ] || fail "want one conflict"
[ "$(json "$T/merge.json" 'j["conflicts"][0]["kind"]')" = type ] || fail "want a type conflict"
[ "$(json "$T/merge.json" 'j["entities"]')" = 3 ] || fail "want 3 entities"
git --git-dir="$T/remote.git" show main:memory.json >"$T/unified.json"
cmp "$T/unified.json" "$F/expected-memory.json" || { diff "$T/unified.json" "$F/expected-memory.json"; fail "merge differs from the worked example"; }
git --git-dir="$T/remote.git" show main:.memtui/manifest.json | grep -q '"Orion"' || fail "conflict not in the manifest"
expect_rc 0 mt laptop sync
expect_rc 0 mt desktop sync
cmp "$T/laptop.json" "$F/expected-memory.json" || fail "laptop did not converge"
cmp "$T/desktop.json" "$F/expected-memory.json" || fail "desktop did not converge"
expect_rc 0 mt desktop verify
ls "$T"/laptop.json.bak-* >/dev/null || fail "import kept no backup"
