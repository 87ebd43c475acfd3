# The push of main cut (DESIGN 4: a cut connection is 5, never a signal;
# 3.2: the lease is released on the way out; 3.4: an import never
# published is undone, and the file's later edits still count). Machine a
# syncs through tests/tools/cut-proxy.py, which resets every connection
# that sends a push of main (nothing else is cut): the sync has imported
# its merge when the push is cut. It exits 5 naming the push, and its lease
# is released. Then the MCP server writes on top of the import and b
# publishes, so a's next sync (direct) finds main moved and undoes the
# unpublished import: it exits 0 and publishes a's edit, b's data and
# everything before, and a's file holds it all.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/net_lib.sh"
suppress_libgit2_leaks

new_remote
start_git_daemon "$T"
DIRECT="git://127.0.0.1:$GIT_DAEMON_PORT/remote.git"
start_cut_proxy "$GIT_DAEMON_PORT" --cut 0 --cut-match " refs/heads/main"
for e in a b; do
    expect_rc 0 mt $e init "$DIRECT" >/dev/null
    graph_add "$T/$e.json" $e 1 "$T/added-$e.jsonl"
    expect_rc 0 mt $e sync >/dev/null 2>&1
done
graph_add "$T/b.json" b 2 "$T/added-b.jsonl"
expect_rc 0 mt b sync >/dev/null 2>&1

# a merges b's round 2, imports it, and its push of main is cut
graph_add "$T/a.json" a 2 "$T/added-a.jsonl"
before=$(git --git-dir="$T/remote.git" rev-parse main)
git -C "$T/clone-a" remote set-url origin "git://127.0.0.1:$PROXY_PORT/remote.git"
set +e
mt a --lease-ttl 30 sync >"$T/cut.out" 2>"$T/cut.err"
rc=$?
set -e
[ "$rc" -lt 128 ] || fail "the sync died of signal $((rc - 128)) (exit $rc); stderr: $(tail -n 2 "$T/cut.err")"
[ "$rc" -eq 5 ] || fail "the sync with its push cut exited $rc, expected 5: $(cat "$T/cut.err")"
grep -q ' cut reset' "$T/proxy.log" || fail "the proxy cut nothing: $(cat "$T/proxy.log")"
grep -q 'imported the merged graph' "$T/cut.err" || fail "the sync did not import before its push: $(cat "$T/cut.err")"
tail -n 1 "$T/cut.err" | grep -q 'push' || fail "the last message does not name the push: $(tail -n 1 "$T/cut.err")"
[ "$(git --git-dir="$T/remote.git" rev-parse main)" = "$before" ] || fail "main moved although the push was cut"
read -r state pid token <<EOF
$(lease_tip_state "$T/remote.git")
EOF
[ "$state" = released ] || fail "the lease is left $state by pid $pid (token $token) after the sync exited"

# the server writes on top of the import; b publishes; a syncs directly
graph_add "$T/a.json" a 3 "$T/added-a.jsonl"
graph_add "$T/b.json" b 3 "$T/added-b.jsonl"
expect_rc 0 mt b sync >/dev/null 2>&1
git -C "$T/clone-a" remote set-url origin "$DIRECT"
mt a sync >/dev/null 2>"$T/next.err" || fail "the sync after the cut push exited $?: $(cat "$T/next.err")"
grep -q 'was not published' "$T/next.err" || fail "the unpublished import was not undone: $(cat "$T/next.err")"
expect_rc 0 mt b sync >/dev/null 2>&1
git --git-dir="$T/remote.git" show main:memory.json >"$T/final.json"
graph_has "$T/final.json" "$T"/added-*.jsonl || fail "data lost after the cut push"
graph_has "$T/a.json" "$T"/added-*.jsonl || fail "a's file lacks data after the cut push"
lease_tokens_increase "$T/remote.git" >/dev/null
echo "net_cut_push: exit 5 on the cut push, lease released, the next sync undid the import and lost nothing"
