# The workstation end to end in a real terminal (tmux): open, visit every
# panel (the Locks panel follows a lease taken and freed elsewhere), resolve a TYPE conflict by keys, finish the merge (m, Enter, y),
# resize while running, quit with q: exit 0, the terminal restored, and the
# repo verified by --batch with the operator's decision in the manifest.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/ui_lib.sh"
command -v tmux >/dev/null 2>&1 || fail "tmux is not installed: run sh scripts/install-deps.sh"
ui_setup
tmux_open test
SES=ui
cat >"$T/run.sh" <<RUN
stty -g >"$T/stty.before"
"$MEMTUI" --repo "$T/clone-a" --env a --memory-file "$T/a.json" 2>"$T/err"
echo \$? >"$T/rc"
stty -g >"$T/stty.after"
echo DONE
sleep 60
RUN
tm new-session -d -s ui -x 120 -y 40 "env TERM=xterm-256color LANG=C.UTF-8 TZ=UTC sh $T/run.sh"
screen_has 'pending: 1 conflict'
screen_has '^a  *3  *0  *3 .*changed since last merge'
keys 2; screen_has '^Git lease  memtui/lease'
# the Locks panel stays live: another machine takes the lease, then frees it
fake_lease "$T/remote.git" held zed zed-host 4242 600
screen_has 'held by zed on zed-host (pid 4242)' 20
fake_lease "$T/remote.git" released zed zed-host 4242 600
screen_has 'free (released by zed)' 20
keys 3; screen_has '1 conflict pending'
keys 5; screen_has 'no stashes\|stash\|branch'
keys 6; screen_has 'by a@'
keys BTab; screen_has 'memtui/backup\|no stashes'
keys 1; keys Tab; keys Tab; keys Tab; screen_has '^PENDING type  *Orion'
# resize while running: the screen is redrawn for the new size
tm resize-window -t ui -x 100 -y 30
screen_has 'pending: 1 conflict'
[ "$(wc -l <"$T/pane.txt")" -le 30 ] || fail "not redrawn at 30 lines"
tm resize-window -t ui -x 40 -y 8
screen_has 'terminal too small'
tm resize-window -t ui -x 120 -y 40
screen_has 'pending: 1 conflict'
keys Enter; screen_has 'Conflict 1/1: type on "Orion": PENDING'
screen_has '> result (preserve rule)'
keys h; keys h; keys Space; screen_has 'operator: type of a, observations of all sides kept'
keys z; screen_has 'Orion: decision undone (1 pending)'
keys C-r; screen_has 'Orion: decision redone (0 pending)'   # C-r reaches the workstation as redo
keys m; screen_has 'Finish the merge with the decisions'
keys Enter; screen_has 'Finish the merge: 1 decision, .*push main to origin? \[y/N\]'
keys y; screen_has 'merged: 3 entities, 0 relations, 1 conflict resolved' 60
screen_has 'pending: 0 conflicts'
keys q; screen_has DONE
[ "$(cat "$T/rc")" = 0 ] || fail "exit $(cat "$T/rc"): $(cat "$T/err")"
cmp -s "$T/stty.before" "$T/stty.after" || fail "the terminal was not restored"
expect_rc 0 mt a verify >/dev/null
git --git-dir="$T/remote.git" show main:.memtui/manifest.json >"$T/manifest.json"
[ "$(json "$T/manifest.json" '[(c["entity"], c["resolution"], c["decided_by"]) for c in j["conflicts"]]')" = \
  "[('Orion', 'operator: type of a, observations of all sides kept', 'operator')]" ] ||
    fail "manifest: $(cat "$T/manifest.json")"
# SIGTERM restores the terminal too
rm -f "$T/rc"
# a second session before the first goes, so the tmux server stays up
tm new-session -d -s ui2 -x 120 -y 40 "env TERM=xterm-256color LANG=C.UTF-8 sh $T/run.sh"
tm kill-session -t ui
SES=ui2
screen_has 'Environments'
pid=$(pgrep -n -f "memtui --repo $T/clone-a" || true)
[ -n "$pid" ] || fail "no workstation process"
kill -TERM "$pid"
screen_has DONE
[ "$(cat "$T/rc")" = 143 ] || fail "SIGTERM: exit $(cat "$T/rc")"
cmp -s "$T/stty.before" "$T/stty.after" || fail "SIGTERM: the terminal was not restored"
echo ok
