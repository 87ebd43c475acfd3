# Every panel and details page on real MCP data (sentence-long observations,
# CJK and emoji: ui_setup_vega), as whole screens at 80x24 and 140x45,
# compared with the expected ones in screens/ (the conflict view has its
# own, ui_conflict_screens.sh). Details pages wrap: nothing in them is cut.
# UPDATE_SCREENS=1 writes the expected files instead of comparing.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/ui_lib.sh"
export TERM=xterm-256color LANG=C.UTF-8 TZ=UTC
ui_setup_vega
# run_at LINES COLUMNS SIZE: each view dumped as $T/view-NAME-SIZE.txt
run_at() {
    l=$1 c=$2 z=$3
    cat >"$T/script" <<S
:save-display $T/view-envs-$z.txt
Enter
:save-display $T/view-envdetail-$z.txt
Esc
2
:save-display $T/view-locks-$z.txt
3
:save-display $T/view-plan-$z.txt
/
A l t a i r
Enter
j j j
Enter
:save-display $T/view-planentity-$z.txt
Esc
Esc
4
:save-display $T/view-conflicts-$z.txt
5
:save-display $T/view-backups-$z.txt
6
:save-display $T/view-log-$z.txt
Enter
:save-display $T/view-logdetail-$z.txt
Esc
?
:save-display $T/view-help-$z.txt
Q
S
    LINES=$l COLUMNS=$c MEMTUI_NO_DISPLAY=1 MEMTUI_SCRIPT="$T/script" \
        "$MEMTUI" --repo "$T/clone-a" --env a --memory-file "$T/a.json" 2>"$T/err" ||
        fail "the workstation failed: $(cat "$T/err")"
}
run_at 24 80 80x24
run_at 45 140 140x45
screens=""
for z in 80x24 140x45; do
    for v in envs envdetail locks plan planentity conflicts backups log logdetail help; do screens="$screens view-$v-$z"; done
done
check_screens $screens
for z in 80x24 140x45; do
    for v in envdetail planentity logdetail; do
        ! grep -n '[^ ]~\( \|$\)' "$T/view-$v-$z.masked" || fail "view-$v-$z: a line is cut ('~')"
    done
done
grep -q 'of Lyra and the' "$T/view-planentity-80x24.masked" || true
echo ok
