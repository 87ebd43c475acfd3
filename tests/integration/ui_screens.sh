# Whole screens compared with the expected ones in screens/ (tig's way):
# the scripted headless workstation with TERM, LINES, COLUMNS, LANG and TZ
# pinned dumps panels and the conflict view; what changes from run to run
# (commit ids, times, the temp folder, host, pids) is masked first.
# UPDATE_SCREENS=1 writes the expected files instead of comparing.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/ui_lib.sh"
ui_setup
export TERM=xterm-256color LINES=24 COLUMNS=100 LANG=C.UTF-8 TZ=UTC
screens="envs plan conflicts conflict decided help"
cat >"$T/script" <<S
:save-display $T/envs.txt
3
:save-display $T/plan.txt
4
:save-display $T/conflicts.txt
Enter
:save-display $T/conflict.txt
h
Space
:save-display $T/decided.txt
?
:save-display $T/help.txt
Q
S
MEMTUI_NO_DISPLAY=1 MEMTUI_SCRIPT="$T/script" "$MEMTUI" --repo "$T/clone-a" --env a --memory-file "$T/a.json" \
    2>"$T/err" || fail "the workstation failed: $(cat "$T/err")"
check_screens $screens
echo ok
