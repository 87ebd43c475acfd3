# The conflict view on real MCP data, as whole screens compared with the
# expected ones in screens/ (ui_screens.sh's way): Vega, a star all three
# clones share, is retyped by a and by b. a drops an observation and adds a
# long one; b adds one with CJK and emoji and a relation to Vega. Every
# observation must be readable in full: at 140x45 the sides sit side by
# side and wrap, at 80x24 (a column would be under 24 columns) they are
# stacked and the view scrolls (j, G), h selects b and brings its block in.
# Deleting Vega (d, y) shows the result as not written and its relations
# as dropped.
# UPDATE_SCREENS=1 writes the expected files instead of comparing.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/ui_lib.sh"
export TERM=xterm-256color LANG=C.UTF-8 TZ=UTC
ui_setup_vega

# run_at LINES COLUMNS SCRIPT-LINES...: the headless workstation on clone-a,
# opening the conflict first.
run_at() {
    l=$1 c=$2; shift 2
    printf '%s\n' "4" "Enter" "$@" "Q" >"$T/script"
    LINES=$l COLUMNS=$c MEMTUI_NO_DISPLAY=1 MEMTUI_SCRIPT="$T/script" \
        "$MEMTUI" --repo "$T/clone-a" --env a --memory-file "$T/a.json" 2>"$T/err" ||
        fail "the workstation failed: $(cat "$T/err")"
}
run_at 45 140 ":save-display $T/conflict_wide.txt" d y ":save-display $T/conflict_wide_deleted.txt"
run_at 24 80 ":save-display $T/conflict_narrow.txt" j j ":save-display $T/conflict_narrow_j.txt" \
    G ":save-display $T/conflict_narrow_end.txt" g h ":save-display $T/conflict_narrow_b.txt"
screens="conflict_wide conflict_wide_deleted conflict_narrow conflict_narrow_j conflict_narrow_end conflict_narrow_b"
check_screens $screens
# Beyond the dumps: nothing of the long observations is cut, at either size.
for s in $screens; do
    ! grep -n '[^ ]~\( \|$\)' "$T/$s.masked" || fail "$s: a line is cut ('~')"
done
echo ok
