# R in the workstation (DESIGN 5) fetches in the background, then reloads:
# another machine exports a new env; R shows it in the Envs panel as new on
# the remote with the behind line, and the status line tells the objects
# received, and the remote's backups reach the Backups panel; nothing
# local moves (HEAD, main). While a slow fetch runs the
# keys still switch panels. A fetch that fails says why, with the URL's
# password redacted, and the workstation stays usable.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/ui_lib.sh"
command -v tmux >/dev/null 2>&1 || fail "tmux is not installed: run sh scripts/install-deps.sh"
new_remote
for e in a c; do expect_rc 0 mt $e init "$T/remote.git" >/dev/null; done
printf '{"type":"entity","name":"A1","entityType":"thing","observations":["x"]}\n' >"$T/a.json"
expect_rc 0 mt a sync >/dev/null 2>&1
git -C "$T/clone-c" pull -q
tmux_open fetch
workstation_script
tm new-session -d -s ui -x 120 -y 30 "env TERM=xterm-256color LANG=C.UTF-8 TZ=UTC sh $T/run.sh"
screen_has '^a  *1  *0'
grep -q 'origin/main' "$T/pane.txt" && fail "a remote line before any R"

# another machine pushes a new fragment
printf '{"type":"entity","name":"C1","entityType":"thing","observations":["y"]}\n{"type":"entity","name":"C2","entityType":"thing","observations":["z"]}\n' >"$T/c.json"
expect_rc 0 mt c export >/dev/null 2>&1
# and a backup on the remote (DESIGN 3.3): R brings it into the mirror and the Backups panel
git --git-dir="$T/remote.git" update-ref refs/memtui/backups/c/20260101T000000Z main
HEAD0=$(git -C "$T/clone-a" rev-parse HEAD)
keys R
screen_has 'origin/main: 1 behind, 0 ahead'
screen_has '^c  *2 entities, 0 relations  new on the remote'
screen_has 'fetched origin: [1-9][0-9]*/[1-9][0-9]* objects; 1 behind, 0 ahead'
[ "$(git -C "$T/clone-a" rev-parse HEAD main)" = "$(printf '%s\n%s' "$HEAD0" "$HEAD0")" ] || fail "R moved HEAD or main"
[ "$(git -C "$T/clone-a" rev-parse origin/main)" = "$(git -C "$T/remote.git" rev-parse main)" ] || fail "R did not fetch"
[ "$(git -C "$T/clone-a" for-each-ref --format='%(refname)' refs/memtui/)" = refs/memtui/remote-backups/c/20260101T000000Z ] ||
    fail "R did not fetch the remote's backup: $(git -C "$T/clone-a" for-each-ref refs/memtui/)"
keys 5; screen_has '^remote .*remote .*refs/memtui/remote-backups/c/20260101T000000Z'
keys 1

# a remote that answers slowly (accepts, says nothing for 6 s, closes): the
# fetch shows in the status line while the keys still switch panels
SLOW=$(free_port)
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(4)
while True:
    c, _ = s.accept(); time.sleep(6); c.close()
' "$SLOW" &
PIDS="$PIDS $!"
wait_port "$SLOW" 10
git -C "$T/clone-a" remote set-url origin "git://127.0.0.1:$SLOW/remote.git"
keys R
screen_has 'fetching origin'
keys 2; screen_has '^Git lease'
grep -q 'fetching origin' "$T/pane.txt" || fail "the panel changed only after the fetch"
keys 1
screen_has 'fetch failed, the view may be stale' 30

# the remote is unreachable, behind a URL with a password: the reason, redacted
git -C "$T/clone-a" remote set-url origin "http://user:S3CRETtoken@127.0.0.1:$(free_port)/remote.git"
keys R
screen_has 'fetch failed, the view may be stale: .*http://\*\*\*@127.0.0.1'
grep -q S3CRET "$T/pane.txt" && fail "the password reached the screen"
keys 2; screen_has '^Git lease'
keys 1; screen_has '^a  *1  *0'
keys q
screen_has DONE
[ "$(cat "$T/rc")" = 0 ] || fail "workstation exit $(cat "$T/rc"): $(cat "$T/err")"
grep -q S3CRET "$T/err" && fail "the password reached stderr"
echo "ui_fetch: ok"
