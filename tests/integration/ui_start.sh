# A first run with no clone at --repo: the workstation shows a start screen
# with the exact init line (not a cut-off error), and that line, with the
# URL filled in, makes a clone the next start opens.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/ui_lib.sh"
new_remote
export TERM=xterm-256color LINES=24 COLUMNS=80 LANG=C.UTF-8 TZ=UTC
printf ':save-display %s\nQ\n' "$T/start.txt" >"$T/script"
MEMTUI_NO_DISPLAY=1 MEMTUI_SCRIPT="$T/script" "$MEMTUI" --repo "$T/fresh" --env lap \
    --memory-file "$T/lap.json" 2>"$T/err" || fail "the workstation failed: $(cat "$T/err")"
has() { grep -q -- "$2" "$T/$1.txt" || { cat "$T/$1.txt" >&2; fail "$1: no line with '$2'"; }; }
has start '^Welcome to memtui$'
has start 'There is no clone of it here yet'
line=$(grep -- '--batch --repo' "$T/start.txt" | sed 's/^ *//')
[ "$line" = "memtui --batch --repo $T/fresh --env lap init URL" ] || fail "the init line: '$line'"
has start "^no backup repo at $T/fresh yet: the start screen says how to"
grep -q 'failed to resolve path' "$T/start.txt" && fail "a first run shows the raw error: $(cat "$T/start.txt")"
# the line as shown, URL filled in: it works
"$MEMTUI" $(echo "$line" | sed "s|^memtui ||; s|URL$|$T/remote.git|") >"$T/init.out" 2>&1 ||
    fail "the shown init line failed: $(cat "$T/init.out")"
[ -d "$T/fresh/.git" ] || fail "the init line made no clone"
printf ':save-display %s\nQ\n' "$T/after.txt" >"$T/script"
MEMTUI_NO_DISPLAY=1 MEMTUI_SCRIPT="$T/script" "$MEMTUI" --repo "$T/fresh" --env lap \
    --memory-file "$T/lap.json" 2>"$T/err" || fail "the workstation failed: $(cat "$T/err")"
grep -q 'Welcome' "$T/after.txt" && fail "the start screen stayed after init: $(cat "$T/after.txt")"
has after '1 Environments'
echo ok
