# Every shipped theme legible in a real terminal (tmux), on 8 colours
# (TERM=xterm) and on 256, on the background it is made for: no character
# of the panels, the conflict view, the help, the merge menu and the
# message history is drawn in its background's colour (the light theme
# on 8 colours once drew its dim text white on white).
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/ui_lib.sh"
command -v tmux >/dev/null 2>&1 || fail "tmux is not installed: run sh scripts/install-deps.sh"
ui_setup
tmux_open themes
cat >"$T/run.sh" <<RUN
"$MEMTUI" --repo "$T/clone-a" --env a --memory-file "$T/a.json" --theme "\$THEME" 2>"$T/err"
echo \$? >"$T/rc"
echo DONE
sleep 60
RUN
# legible NAME BACKGROUND: the pane with its colours, checked
legible() {
    tm capture-pane -e -p -t "$SES" >"$T/$1.ansi"
    python3 "$TESTS_DIR/tools/legible.py" "$T/$1.ansi" "$2" >"$T/$1.bad" ||
        fail "$1: text in its background's colour:
$(cat "$T/$1.bad")"
}
n=0
for run in "xterm light light" "xterm default dark" "xterm mono dark" "xterm mono light" \
           "xterm-256color light light" "xterm-256color default dark"; do
    set -- $run
    n=$((n + 1))
    SES=s$n
    tm new-session -d -s "$SES" -x 120 -y 30 "env TERM=$1 THEME=$2 MEMTUI_THEMES=$TESTS_DIR/../themes LANG=C.UTF-8 sh $T/run.sh"
    [ "$n" = 1 ] || tm kill-session -t "s$((n - 1))"
    screen_has 'pending: 1 conflict'
    tag="$1-$2-$3"
    legible "$tag-envs" "$3"
    keys 3; screen_has '1 conflict pending'; legible "$tag-plan" "$3"
    keys 4; screen_has '^PENDING type  *Orion'; legible "$tag-conflicts" "$3"
    keys Enter; screen_has 'Relations of "Orion"'; legible "$tag-conflict" "$3"
    keys m; screen_has 'Enter chooses, Esc closes'; legible "$tag-menu" "$3"
    keys Escape; screen_has 'Relations of "Orion"'
    keys '?'; screen_has 'next row'; legible "$tag-help" "$3"
    keys Escape; screen_has 'Relations of "Orion"'
    keys M; screen_has 'Messages'; legible "$tag-messages" "$3"
    keys Escape; screen_has 'Relations of "Orion"'
    keys Q; screen_has DONE
done
echo ok
