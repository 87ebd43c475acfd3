# The engine's warnings reach the workstation as they happen (the event
# sink, base/events.h), not at exit: a sync whose memory file is missing
# warns so; the warning shows on the message line with the job's result,
# and M lists it in the message history together with the write job's
# audit lines and steps. Nothing is replayed on stderr at exit.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/ui_lib.sh"
command -v tmux >/dev/null 2>&1 || { echo "tmux is not installed: skipped"; exit 0; }
tmux_open messages
new_remote
expect_rc 0 mt a init "$T/remote.git" >/dev/null
printf '{"type":"entity","name":"Base","entityType":"thing","observations":["one"]}\n' >"$T/a.json"
expect_rc 0 mt a sync >/dev/null 2>&1
rm "$T/a.json"

workstation_script
tm new-session -d -s ui -x 250 -y 40 "env TERM=xterm-256color LANG=C.UTF-8 TZ=UTC sh $T/run.sh"
screen_has '^ENV  '
keys M; screen_has '^Messages: '
keys Escape; screen_has '^ENV  '
# the merge menu's fresh sync: m, the third item, y
keys m; screen_has 'Run a fresh sync'
keys j j Enter; screen_has 'Run a fresh sync (export, merge, import, push)? \[y/N\]'
keys y
screen_has 'a\.json does not exist: nothing to export; the merged graph will be imported' 30
screen_has '(exit 0); .*a\.json does not exist.* (M: messages)'
[ -s "$T/a.json" ] || fail "the sync did not import the merged graph"

keys M
screen_has '^Messages: [0-9]'
screen_has '^[0-9][0-9]:[0-9][0-9]:[0-9][0-9] warning  .*a\.json does not exist: nothing to export'
grep -q '^[0-9:]* step .*committing' "$T/pane.txt" || fail "the Messages panel lists no step of the sync"
grep -q '^[0-9:]* info  ' "$T/pane.txt" || fail "the Messages panel lists no audit line of the sync"
# help lists M; from help over the history, Esc goes back, and back again
keys ? G; screen_has '^M  *the message history'
keys Escape; screen_has '^Messages: [0-9]'
keys Escape; screen_has '^ENV  '
keys q
screen_has DONE
[ "$(cat "$T/rc")" = 0 ] || fail "workstation exit $(cat "$T/rc"): $(cat "$T/err")"
grep -q 'does not exist' "$T/err" && fail "the warning was replayed on stderr at exit: $(cat "$T/err")"
echo "ui_messages: ok"
