# The mouse in a real terminal (tmux writes the xterm SGR mouse reports a
# terminal sends into the pane): a click on tab "3 Plan" opens the Plan, a
# click on the selected conflict opens it, a click on a side's column
# selects that side, the wheel scrolls, and the terminal gets its mouse
# back at exit; with --no-mouse the workstation never asks the terminal for
# the mouse, so clicks stay the terminal's.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/ui_lib.sh"
command -v tmux >/dev/null 2>&1 || fail "tmux is not installed: run sh scripts/install-deps.sh"
ui_setup
tmux_open mouse
cat >"$T/run.sh" <<RUN
"$MEMTUI" --repo "$T/clone-a" --env a --memory-file "$T/a.json" \$MEMTUI_ARGS 2>"$T/err"
echo \$? >"$T/rc"
echo DONE
sleep 60
RUN
# click X Y [BUTTON]: a press and a release at column X, row Y (from 1);
# button 64/65 is the wheel up/down (no release)
click() {
    keys -l "$(printf '\033[<%d;%d;%dM' "${3:-0}" "$1" "$2")"
    [ "${3:-0}" -ge 64 ] || keys -l "$(printf '\033[<%d;%d;%dm' "${3:-0}" "$1" "$2")"
}
flag() { tm display -p -t "${SES:-ui}" "#{mouse_any_flag}"; }
# row_is N TEXT: wait until screen row N (from 1) is TEXT
row_is() {
    _end=$(( $(date +%s) + 10 ))
    while [ "$(date +%s)" -le "$_end" ]; do
        tm capture-pane -p -t "${SES:-ui}" >"$T/pane.txt"
        [ "$(sed -n "$1p" "$T/pane.txt")" = "$2" ] && return 0
        sleep 0.1
    done
    cat "$T/pane.txt" >&2
    fail "row $1 never showed '$2'"
}

tm new-session -d -s ui -x 120 -y 16 "env TERM=xterm-256color LANG=C.UTF-8 sh $T/run.sh"
screen_has 'pending: 1 conflict'
[ "$(flag)" = 1 ] || fail "the workstation did not ask the terminal for the mouse"
# " memtui " " 1 Environments " " 2 Locks " " 3 Plan ": Plan is columns 34-41
click 37 1
screen_has '1 conflict pending'
# the conflict, selected in its panel: one click opens it
click 45 1; click 5 2   # " 4 Conflicts " is columns 42-54
screen_has 'Conflict 1/1: type on "Orion": PENDING'
screen_has '> result (preserve rule)'
click 40 3   # the second column (a): columns 31-59 at 120 wide
screen_has '> a @ '
keys Escape; screen_has '^PENDING type  *Orion'
# the wheel: three rows a notch in the help overlay (its first body row,
# screen row 2, then shows what row 5 showed)
keys '?'
screen_has 'next row'
cp "$T/pane.txt" "$T/help.txt"
click 10 5 65
row_is 2 "$(sed -n 5p "$T/help.txt")"
click 10 5 64
row_is 2 "$(sed -n 2p "$T/help.txt")"
keys Escape; screen_has '^PENDING type  *Orion'
keys q; screen_has DONE
[ "$(cat "$T/rc")" = 0 ] || fail "exit $(cat "$T/rc"): $(cat "$T/err")"
[ "$(flag)" = 0 ] || fail "the terminal did not get its mouse back at exit"

# --no-mouse: the terminal is never asked for the mouse, so it sends no
# reports and a click stays the terminal's (its own text selection)
tm new-session -d -s nomouse -x 120 -y 16 "env TERM=xterm-256color LANG=C.UTF-8 MEMTUI_ARGS=--no-mouse sh $T/run.sh"
tm kill-session -t ui
SES=nomouse
screen_has 'pending: 1 conflict'
[ "$(flag)" = 0 ] || fail "--no-mouse: the workstation asked the terminal for the mouse"
keys 3; screen_has '1 conflict pending'   # the keys work as ever
[ "$(flag)" = 0 ] || fail "--no-mouse: the mouse was asked for later"
keys q; screen_has DONE
[ "$(cat "$T/rc")" = 0 ] || fail "--no-mouse: exit $(cat "$T/rc"): $(cat "$T/err")"
echo ok
