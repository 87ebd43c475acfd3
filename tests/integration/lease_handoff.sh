# Contention over a real git daemon (DESIGN 3.2, 4): a sync that cannot
# take the lease in time hands its export off, and one that waited for the
# lease fetches main again before building.
#   1. a's sync is stopped holding the lease, before its push.
#   2. b's sync with --lock-timeout 2 publishes its export alone, names a as
#      the holder and exits 0 (human and --json); main's memory.json does not
#      have b's entity yet, b's fragment on the remote does. c's `merge`
#      alone still exits 4.
#   3. c's sync waits for the lease; a resumes: its push is rejected (b's
#      export moved main), it rebuilds with b's entities and publishes. c then
#      takes the lease, fetches main again and publishes with one push, none
#      rejected.
#   4. b's next sync imports everyone's entities; verify passes.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/ui_lib.sh"
trap hard_cleanup EXIT INT TERM
suppress_libgit2_leaks   # rejected pushes: see lib.sh

daemon_remote
for e in a b c; do expect_rc 0 mt $e init "$URL" >/dev/null; done
ent Seed thing "first" >"$T/a.json"
for e in a b c; do expect_rc 0 mt $e sync >/dev/null 2>&1; done
remote_has() { git --git-dir="$R" show "main:$1" | grep -q "\"$2\""; }

# ---- 1. a holds the lease, stopped before its push ------------------------
edit_a() { { ent Seed thing "first"; ent "FromA$1" thing "a's"; } >"$T/a.json"; }
stop_holding_lease a edit_a
apid=$HOLDER_PID
FROM_A="FromA$TRIES"

# ---- 2. b hands its export off; merge alone still times out ---------------
{ ent Seed thing "first"; ent Bee thing "b's"; } >"$T/b.json"
set +e; mt b --lock-timeout 2 sync >"$T/b.out" 2>"$T/b.err"; rc=$?; set -e
[ "$rc" = 0 ] || fail "the handed-off sync exited $rc, want 0: $(cat "$T/b.err")"
grep -q 'exported and published; the lease is held by a@' "$T/b.out" ||
    fail "the sync did not say it handed off to a: $(cat "$T/b.out" "$T/b.err")"
remote_has memory-b.json Bee || fail "b's export is not on the remote"
remote_has memory.json Bee && fail "b merged without the lease"
{ ent Seed thing "first"; ent Bee thing "b's"; ent Bee2 thing "b's too"; } >"$T/b.json"
set +e; mt b --lock-timeout 1 --json sync >"$T/b.json.out" 2>"$T/b.err"; rc=$?; set -e
[ "$rc" = 0 ] || fail "the second handed-off sync exited $rc: $(cat "$T/b.err")"
[ "$(json "$T/b.json.out" 'j["handed_off"], j["pushed"], j["handed_to"].startswith("a@"), j["ok"]')" = \
  "True True True True" ] || fail "--json does not say it handed off to a: $(cat "$T/b.json.out")"
remote_has memory-b.json Bee2 || fail "b's second export is not on the remote"
has_entity "$T/b.json" "$FROM_A" && fail "b imported what nobody merged"
set +e; mt c --lock-timeout 1 merge >/dev/null 2>"$T/c.err"; rc=$?; set -e
[ "$rc" = 4 ] || fail "merge alone exited $rc on a held lease, want 4: $(cat "$T/c.err")"

# ---- 3. c waits; a resumes and folds b's export in; c fetches again ------
{ ent Seed thing "first"; ent Cee thing "c's"; } >"$T/c.json"
log_c="$T/clone-c/.git/memtui.log"
off_c=$(size_of "$log_c")
mt_bg c "$T/c.out" "$T/c.err" --lock-timeout 60 --json sync
cpid=$MT_PID
wait_event "$log_c" lease wait 30 "$off_c" || fail "c did not wait for the lease: $(cat "$T/c.err")"
kill -CONT "$apid"
reap "$apid"
[ "$REAP_RC" = 0 ] || fail "a's sync exited $REAP_RC after resuming: $(cat "$T/a.err")"
grep -q 'rejected' "$T/a.err" || fail "a's push was not rejected by b's export: $(cat "$T/a.err")"
reap "$cpid"
[ "$REAP_RC" = 0 ] || fail "c's sync exited $REAP_RC: $(cat "$T/c.err")"
tail -c +$((off_c + 1)) "$log_c" | grep -q '"detail":"refetched"' ||
    fail "c did not fetch main again after waiting for the lease: $(cat "$T/c.err")"
[ "$(json "$T/c.out" 'j["push_attempts"]')" = 1 ] ||
    fail "c pushed more than once (fetched before the lease only?): $(cat "$T/c.out" "$T/c.err")"
tail -c +$((off_c + 1)) "$log_c" | grep '"event":"push"' | grep -q rejected &&
    fail "c's push was rejected: $(cat "$T/c.err")"
for x in "$FROM_A" Bee Bee2 Cee; do remote_has memory.json "$x" || fail "$x is not in main's memory.json"; done

# ---- 4. b's next sync imports; everything verifies --------------------------
expect_rc 0 mt b sync >/dev/null 2>&1
for x in "$FROM_A" Bee Bee2 Cee Seed; do has_entity "$T/b.json" "$x" || fail "b's file lacks $x"; done
expect_rc 0 mt b verify >/dev/null 2>&1
echo "lease_handoff: a held the lease; b's syncs handed off (exit 0) and a's merge folded them in;" \
     "c waited, fetched again and pushed once"
