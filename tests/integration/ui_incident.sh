# One whole incident, in a real terminal (tmux), on machine b:
#   an entity (Precious) was deleted by c's merge; a's rejected push left a
#   backup holding it, which a pushed to the remote; b's operator
#   1. finds in Log the merge that deleted it (Enter: "@ Precious  deleted"),
#   2. fetches (R) and opens a's backup in Backups (Enter: the diff says
#      Precious is only in the backup),
#   3. marks Precious and restores it from there (r, y),
#   4. sees the restore in Log and, after a fresh sync from the merge menu,
#      Precious back in memory.json and in b's local file.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/ui_lib.sh"
suppress_libgit2_leaks   # rejected pushes: see lib.sh
command -v tmux >/dev/null 2>&1 || fail "tmux is not installed: run sh scripts/install-deps.sh"
new_remote
for e in a b c; do expect_rc 0 mt $e init "$T/remote.git" >/dev/null; done
{ ent Precious treasure "kept in the vault" "worth a lot"; ent Keep thing "stays"; } >"$T/a.json"
for e in a b c a; do expect_rc 0 mt $e sync >/dev/null 2>&1; done
{ ent Precious treasure "kept in the vault" "worth a lot"; ent Keep thing "stays"; ent FromA thing "a's"; } >"$T/a.json"
{ ent Precious treasure "kept in the vault" "worth a lot"; ent Keep thing "stays"; ent FromC thing "c's"; } >"$T/c.json"
rejected_sync a c
[ -n "$(git --git-dir="$T/remote.git" for-each-ref refs/memtui/backups/a/)" ] || fail "a's backup is not on the remote"
for e in b c; do expect_rc 0 mt $e sync >/dev/null 2>&1; done
grep -v '"Precious"' "$T/c.json" >"$T/c2.json"; mv "$T/c2.json" "$T/c.json"
expect_rc 0 mt c sync >/dev/null 2>&1
expect_rc 0 mt b sync >/dev/null 2>&1
! has_entity "$T/b.json" Precious || fail "the deletion of Precious did not reach b"
[ -z "$(git -C "$T/clone-b" for-each-ref refs/memtui/remote-backups/)" ] || fail "b had a's backup before R"

tmux_open incident
cat >"$T/run.sh" <<RUN
"$MEMTUI" --repo "$T/clone-b" --env b --memory-file "$T/b.json" 2>"$T/err"
echo \$? >"$T/rc"
echo DONE
sleep 60
RUN
tm new-session -d -s ui -x 140 -y 45 "env TERM=xterm-256color LANG=C.UTF-8 TZ=UTC sh $T/run.sh"
screen_has '1 Environments'
# 1. Log: the merge with an entity fewer than the one before; its details
#    say which
keys 6; screen_has '(1 entity fewer, 2 observations fewer)'
keys /; keys -l 'entity fewer'; keys Enter
keys Enter; screen_has '^Merge [0-9a-f]\{10\} (Esc goes back)'
screen_has '^@ Precious  deleted$'
screen_has '^- kept in the vault$'
keys Escape
# 2. Backups: R brings a's backup from the remote; Enter shows what it holds
keys 5; keys R; screen_has 'remote-backups/a/'
keys /; keys -l 'remote-backups/a/'; keys Enter
keys Enter; screen_has 'against HEAD (Space marks an entity, r restores the marked ones or all)'
screen_has 'Precious.*only in the backup'
# 3. mark Precious alone, restore it
keys /; keys -l Precious; keys Enter
keys Space; screen_has 'marked Precious: 1 marked'
keys r; screen_has 'Restore the 1 marked entities of refs/memtui/remote-backups/a/.*\[y/N\]'
keys y; screen_has 'restored from refs/memtui/remote-backups/a/' 60
has_entity "$T/clone-b/memory.json" Precious || fail "Precious is not in memory.json after the restore"
# 4. the Log names the restore; a fresh sync brings Precious into the local file
keys Escape; keys 6; screen_has '  restore  .* by b@'
screen_has 'restored 1 entity from refs/memtui/remote-backups/a/.*: Precious'
keys m; screen_has 'Run a fresh sync'
keys j j Enter; screen_has 'Run a fresh sync (export, merge, import, push)? \[y/N\]'
keys y; screen_has 'sync.*(exit 0)\|nothing new to merge.*(exit 0)\|merged.*(exit 0)' 60
has_entity "$T/b.json" Precious "kept in the vault" || fail "Precious is not back in b's local file"
keys 3; screen_has 'nothing to merge: memory.json is up to date'
keys q; screen_has DONE
[ "$(cat "$T/rc")" = 0 ] || fail "the workstation exited $(cat "$T/rc"): $(cat "$T/err")"
expect_rc 0 mt b verify >/dev/null
git --git-dir="$T/remote.git" show main:memory.json >"$T/m.json"
has_entity "$T/m.json" Precious || fail "Precious is not on the remote's main"
echo ok
