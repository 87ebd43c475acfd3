# In a real terminal (tmux): Ctrl-C with a decision taken asks as q does
# (n stays, y leaves), and with nothing to lose leaves at once; a message
# too long for the screen wraps above the status bar instead of being cut,
# and errors stay in the message history (M).
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/ui_lib.sh"
command -v tmux >/dev/null 2>&1 || fail "tmux is not installed: run sh scripts/install-deps.sh"
ui_setup
tmux_open interrupt
workstation_script
# the pane's shell must outlive the Ctrl-C it sees too, to report the code
sed -i '1i trap "" INT' "$T/run.sh"
tm new-session -d -s ui -x 80 -y 20 "env TERM=xterm-256color LANG=C.UTF-8 TZ=UTC sh $T/run.sh"
screen_has 'pending: 1 conflict'
# a long error: a search that finds nothing, longer than the screen is wide
keys /; keys -l "a long search for something that is not there at all in any row we show"
keys Enter
screen_has "^no match for 'a long search for something that is not there at all in any row$"
screen_has "^we show'$"
grep -q 'lock: free' "$T/pane.txt" || fail "the status bar went under the wrapped message"
keys M; screen_has "no match for 'a long search"
screen_has "we show'$"
keys Escape
# decide the conflict, then Ctrl-C: asked, and n keeps everything
keys 4; screen_has 'PENDING'
keys Enter; screen_has 'Conflict 1/1'
keys Space; screen_has 'pending: 0 conflicts'
keys C-c; screen_has 'Quit and lose 1 decision? \[y/N\]'
keys n; screen_has 'cancelled'
[ -f "$T/rc" ] && fail "Ctrl-C then n ended the workstation"
keys C-c; screen_has 'Quit and lose 1 decision?'
keys y; screen_has DONE
[ "$(cat "$T/rc")" = 0 ] || fail "y after Ctrl-C: exit $(cat "$T/rc"), not 0"
# nothing to lose: Ctrl-C leaves at once (130, as a shell reports SIGINT)
rm -f "$T/rc"
tm kill-session -t ui
tm new-session -d -s ui -x 80 -y 20 "env TERM=xterm-256color LANG=C.UTF-8 TZ=UTC sh $T/run.sh"
screen_has 'pending: 1 conflict'
keys C-c; screen_has DONE
[ "$(cat "$T/rc")" = 130 ] || fail "Ctrl-C with nothing to lose: exit $(cat "$T/rc"), not 130"
echo ok
