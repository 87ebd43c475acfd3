# ui_setup: a repo with a TYPE conflict between envs a and b (Orion), as in
# batch_commands.sh's policy scenario; a's clone is left for the workstation.
ent() {
    n=$1 ty=$2; shift 2
    o=""; for x in "$@"; do o="$o${o:+,}\"$x\""; done
    printf '{"type":"entity","name":"%s","entityType":"%s","observations":[%s]}\n' "$n" "$ty" "$o"
}
ui_setup() {
    new_remote
    for e in a b; do expect_rc 0 mt $e init "$T/remote.git" >/dev/null; done
    { ent Base thing "one"; ent "東京タワー🗼" landmark "tall"; } >"$T/a.json"; cp "$T/a.json" "$T/b.json"
    expect_rc 0 mt a sync >/dev/null 2>&1; expect_rc 0 mt b sync >/dev/null 2>&1; expect_rc 0 mt a sync >/dev/null 2>&1
    { ent Base thing "one"; ent "東京タワー🗼" landmark "tall"; ent Orion person "added on a"; } >"$T/a.json"
    { ent Base thing "one" "b's"; ent "東京タワー🗼" landmark "tall"; ent Orion project "added on b"; } >"$T/b.json"
    expect_rc 0 mt a export >/dev/null 2>&1
    expect_rc 0 mt b export >/dev/null 2>&1
    expect_rc 0 mt a export >/dev/null 2>&1
    git -C "$T/clone-a" pull -q 2>/dev/null || true
}

# ui_setup_vega: real MCP data, sentence-long: Vega, a star a and b share,
# retyped by both (a TYPE conflict); a drops an observation and adds a long
# one; b adds one with CJK and emoji, and Altair with a relation to Vega.
# a's clone is left for the workstation.
LONG1="Vega is the brightest star in the northern constellation of Lyra and the fifth-brightest star in the night sky; it was the northern pole star around 12000 BCE."
LONG2="Measured again in 2024 from the rooftop observatory: apparent magnitude 0.03, distance about 25 light-years, rotation so fast that its equator bulges outward by nearly a fifth."
CJK="東京の夜空でも肉眼で見える明るい星 🌟 七夕の織姫星として知られる"
rel() { printf '{"type":"relation","from":"%s","to":"%s","relationType":"%s"}\n' "$1" "$2" "$3"; }
ui_setup_vega() {
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
}

# ---- the workstation in a real terminal (tmux) -----------------------------
# tmux_open NAME: a tmux server of this test's own (socket memtui-NAME-<pid>),
# killed at exit. The helpers below talk to session $SES (default ui).
tmux_open() {
    SOCK="memtui-$1-$$"
    SES=${SES:-ui}
    trap 'tm kill-server 2>/dev/null || true; cleanup' EXIT INT TERM
}
tm() { tmux -L "$SOCK" "$@"; }
# screen_has [-F] PATTERN [SECONDS]: wait until the pane shows PATTERN (a
# grep pattern; with -F a fixed string).
screen_has() {
    _fixed=""
    if [ "$1" = -F ]; then _fixed=-F; shift; fi
    _end=$(( $(date +%s) + ${2:-20} ))
    while [ "$(date +%s)" -le "$_end" ]; do
        tm capture-pane -p -t "${SES:-ui}" >"$T/pane.txt" 2>/dev/null || true
        grep -q $_fixed -- "$1" "$T/pane.txt" && return 0
        sleep 0.1
    done
    cat "$T/pane.txt" >&2
    fail "the screen never showed '$1'"
}
keys() { tm send-keys -t "${SES:-ui}" "$@"; }
# workstation_script: $T/run.sh, for a tmux session, runs the workstation on
# clone-a (stderr to $T/err), leaves its exit code in $T/rc, prints DONE and
# waits, so that the pane stays to be read.
workstation_script() {
    cat >"$T/run.sh" <<RUN
"$MEMTUI" --repo "$T/clone-a" --env a --memory-file "$T/a.json" 2>"$T/err"
echo \$? >"$T/rc"
echo DONE
sleep 60
RUN
}

# check_screens NAME...: each dump $T/NAME.txt, masked (the temp folder, host,
# times, commit ids, pids and trailing blanks change from run to run),
# compared with screens/NAME.txt; UPDATE_SCREENS=1 writes those instead.
# The masked dumps stay as $T/NAME.masked.
check_screens() {
    _host=$(hostname)
    for _s in "$@"; do
        sed -e "s|$T|<T>|g" -e "s|$_host|<host>|g" \
            -e 's/[0-9]\{4\}-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]\(:[0-9][0-9]Z\)\{0,1\}/<time>/g' \
            -e 's/\b[0-9a-f]\{7,64\}\b/<hex>/g' -e 's/pid [0-9]*/pid <pid>/g' -e 's/ *$//' "$T/$_s.txt" >"$T/$_s.masked"
        if [ -n "${UPDATE_SCREENS:-}" ]; then
            cp "$T/$_s.masked" "$TESTS_DIR/integration/screens/$_s.txt"
        elif ! diff -u "$TESTS_DIR/integration/screens/$_s.txt" "$T/$_s.masked" >"$T/diff"; then
            cat "$T/diff" >&2
            fail "screen $_s differs from screens/$_s.txt (UPDATE_SCREENS=1 rewrites them after a deliberate change)"
        fi
    done
}
