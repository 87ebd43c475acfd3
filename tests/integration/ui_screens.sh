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
host=$(hostname)
mask() {
    sed -e "s|$T|<T>|g" -e "s|$host|<host>|g" \
        -e 's/[0-9]\{4\}-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]\(:[0-9][0-9]Z\)\{0,1\}/<time>/g' \
        -e 's/\b[0-9a-f]\{7,64\}\b/<hex>/g' -e 's/pid [0-9]*/pid <pid>/g' -e 's/ *$//' "$1"
}
want_dir="$TESTS_DIR/integration/screens"
for s in $screens; do
    mask "$T/$s.txt" >"$T/$s.masked"
    if [ -n "${UPDATE_SCREENS:-}" ]; then
        cp "$T/$s.masked" "$want_dir/$s.txt"
    elif ! diff -u "$want_dir/$s.txt" "$T/$s.masked" >"$T/diff"; then
        cat "$T/diff" >&2
        fail "screen $s differs from screens/$s.txt (UPDATE_SCREENS=1 rewrites them after a deliberate change)"
    fi
done
echo ok
