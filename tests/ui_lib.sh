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
# ---- the workstation in a real terminal (tmux: ui_tmux, ui_edit, control_chars)
# tmux_start: this test's own tmux server, killed at exit; tm runs tmux on
# it; keys and screen_has act on the session $SES (default ui).
tmux_start() {
    SOCK="memtui-test-$$"
    trap 'tm kill-server 2>/dev/null || true; cleanup' EXIT INT TERM
}
tm() { tmux -L "$SOCK" "$@"; }
keys() { tm send-keys -t "${SES:-ui}" "$@"; }
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
