# Deciding a TYPE conflict by keys never deletes and never drops implicitly
# (DESIGN 2). Orion was created by both a (person, "added on a") and b
# (project, "added on b"), so memory.json has no Orion. Four scripted
# headless runs, each on a fresh repo, each finished by m, Enter, y:
#   keep    Space on the first selection (the preserve result): Orion kept,
#           a's type (sorts first), the observations of both sides;
#   type    the other env's type: b's type, the observations of both sides;
#   delete  Space on the absent memory.json side is refused; d asks, naming
#           Orion: n keeps it pending, y deletes it;
#   drop    x on a's side asks, listing b's observation, and y keeps a's
#           Orion exactly as it is.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/ui_lib.sh"
ROOT=$T
trap 'T=$ROOT; cleanup' EXIT INT TERM
export TERM=xterm-256color LINES=30 COLUMNS=120 LANG=C.UTF-8 TZ=UTC

# scenario NAME KEYS...: a fresh repo under $ROOT/NAME, the workstation fed
# 4, Enter, a dump (open), KEYS, m, Enter, y, a dump (merged); then
# $T/orion holds main's Orion line (empty when absent).
scenario() {
    T=$ROOT/$1
    shift
    mkdir -p "$T"
    cd "$T"
    ui_setup
    {
        echo 4
        echo Enter
        echo ":save-display $T/open.txt"
        for k in "$@"; do echo "$k"; done
        echo m
        echo Enter
        echo y
        echo ":save-display $T/merged.txt"
        echo q
    } >"$T/script"
    MEMTUI_NO_DISPLAY=1 MEMTUI_SCRIPT="$T/script" "$MEMTUI" --repo "$T/clone-a" --env a --memory-file "$T/a.json" \
        2>"$T/err" || fail "$(basename "$T"): the workstation failed: $(cat "$T/err")"
    has merged 'merged: .* 1 conflict resolved (exit 0)'
    expect_rc 0 mt a verify >/dev/null
    [ "$(git --git-dir="$T/remote.git" rev-parse main)" = "$(git -C "$T/clone-a" rev-parse HEAD)" ] ||
        fail "$(basename "$T"): not pushed"
    git --git-dir="$T/remote.git" show main:memory.json >"$T/memory.json"
    grep '"name":"Orion"' "$T/memory.json" >"$T/orion" || true
}
has() { grep -q -- "$2" "$T/$1.txt" || { cat "$T/$1.txt" >&2; fail "$(basename "$T") $1: no line with '$2'"; }; }
orion_is() {
    [ "$(cat "$T/orion")" = "{\"type\":\"entity\",\"name\":\"Orion\",$1}" ] ||
        fail "$(basename "$T"): main's Orion is '$(cat "$T/orion")', not $1 (memory.json: $(cat "$T/memory.json"))"
}

# The view opens on the preserve result, never on the absent memory.json.
scenario keep Space
has open 'Conflict 1/1: type on "Orion": PENDING'
has open '  memory.json @ [0-9a-f]\{7\}  .*> result (preserve rule)'
has open '(deleted / absent)  *+ type: person  *+ type: project  *+ type: person'
has open '^  *+ added on a  *+ added on b  *+ added on a'
has open '^  *+ added on b *$'
orion_is '"entityType":"person","observations":["added on a","added on b"]'

scenario type h Space
orion_is '"entityType":"project","observations":["added on a","added on b"]'

scenario delete h h h Space ":save-display $ROOT/delete/refused.txt" d n ":save-display $ROOT/delete/kept.txt" \
    d ":save-display $ROOT/delete/ask.txt" y
has refused 'memory.json has no "Orion"'
has refused 'Orion": PENDING'
has kept '^cancelled$'
has kept 'Orion": PENDING'
has ask 'Delete the entity "Orion" .*\[y/N\]'
[ ! -s "$T/orion" ] || fail "delete: Orion is still on main: $(cat "$T/orion")"

scenario drop h h x ":save-display $ROOT/drop/ask.txt" y
has ask "Take a's \"Orion\" exactly as it is, dropping 1 observation: \"added on b\"? \[y/N\]"
orion_is '"entityType":"person","observations":["added on a"]'
T=$ROOT
echo ok
