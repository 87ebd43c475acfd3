# An export made with --no-push, after which the remote's main moved: the
# next merge publishes that export, rebuilt onto the new main, instead of
# keeping it only on a backup branch and saying "nothing new to merge"
# (DESIGN 3.3: local commits are replayed onto a remote that moved).
. "$TESTS_DIR/lib.sh"
new_remote
for e in a b; do expect_rc 0 mt $e init "$T/remote.git" >/dev/null 2>&1; done
printf '{"type":"entity","name":"A","entityType":"t","observations":["a"]}' >"$T/a.json"
printf '{"type":"entity","name":"B","entityType":"t","observations":["b"]}' >"$T/b.json"
expect_rc 0 mt a sync >/dev/null 2>&1
expect_rc 0 mt b sync >/dev/null 2>&1
expect_rc 0 mt a sync >/dev/null 2>&1
main() { git --git-dir="$T/remote.git" show main:memory.json; }

# a exports offline; then b publishes, so main moves past a's clone
python3 - "$T/a.json" <<'EOF'
import sys
p = sys.argv[1]
s = open(p).read().rstrip("\n")
open(p, "w").write(s + '\n{"type":"entity","name":"Offline","entityType":"t","observations":["exported with --no-push"]}')
EOF
expect_rc 0 mt a export --no-push >/dev/null 2>&1
! main | grep -q Offline || fail "--no-push pushed"
python3 - "$T/b.json" <<'EOF'
import sys
p = sys.argv[1]
s = open(p).read().rstrip("\n")
open(p, "w").write(s + '\n{"type":"entity","name":"FromB","entityType":"t","observations":["b moved main"]}')
EOF
expect_rc 0 mt b sync >/dev/null 2>&1

set +e; mt a merge >"$T/out" 2>"$T/err"; rc=$?; set -e
[ "$rc" = 0 ] || fail "merge exited $rc: $(cat "$T/err")"
main | grep -q Offline || fail "the --no-push export was not published by the next merge: $(cat "$T/out")"
main | grep -q FromB || fail "b's entity is missing"
git --git-dir="$T/remote.git" show main:memory-a.json | grep -q Offline || fail "a's fragment on main is not its export"
grep -q "nothing new to merge" "$T/out" && fail "merge said nothing new to merge"
git -C "$T/clone-a" for-each-ref 'refs/heads/memtui/backup/a/' | grep -q . || fail "the old local commit was not kept on a backup branch"
expect_rc 0 mt a verify >/dev/null 2>&1
echo "unpushed export: ok"
