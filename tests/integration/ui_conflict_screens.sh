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
LONG1="Vega is the brightest star in the northern constellation of Lyra and the fifth-brightest star in the night sky; it was the northern pole star around 12000 BCE."
LONG2="Measured again in 2024 from the rooftop observatory: apparent magnitude 0.03, distance about 25 light-years, rotation so fast that its equator bulges outward by nearly a fifth."
CJK="東京の夜空でも肉眼で見える明るい星 🌟 七夕の織姫星として知られる"
rel() { printf '{"type":"relation","from":"%s","to":"%s","relationType":"%s"}\n' "$1" "$2" "$3"; }
new_remote
for e in a b; do expect_rc 0 mt $e init "$T/remote.git" >/dev/null; done
{ ent Lyra constellation "small"; ent Vega star "$LONG1" "first catalogued by the Babylonians"; rel Vega Lyra part_of; } \
    >"$T/a.json"
cp "$T/a.json" "$T/b.json"
expect_rc 0 mt a sync >/dev/null 2>&1; expect_rc 0 mt b sync >/dev/null 2>&1; expect_rc 0 mt a sync >/dev/null 2>&1
{ ent Lyra constellation "small"; ent Vega "bright star" "$LONG1" "$LONG2"; rel Vega Lyra part_of; } >"$T/a.json"
{ ent Lyra constellation "small"; ent Vega "A-type star" "$LONG1" "first catalogued by the Babylonians" "$CJK"
  ent Altair star "in Aquila"; rel Vega Lyra part_of; rel Altair Vega faces; } >"$T/b.json"
expect_rc 0 mt a export >/dev/null 2>&1
expect_rc 0 mt b export >/dev/null 2>&1
expect_rc 0 mt a export >/dev/null 2>&1
git -C "$T/clone-a" pull -q 2>/dev/null || true

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
