# The workstation, scripted headless (tig's style): MEMTUI_SCRIPT feeds keys
# and :commands once the app is idle, MEMTUI_NO_DISPLAY=1 sends curses to
# /dev/null, :save-display dumps the screen; a TYPE conflict is resolved by
# keys (a's type, every side's observations kept) and the merge finished
# through the engine, then checked with --batch.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/ui_lib.sh"
ui_setup
export TERM=xterm-256color LINES=30 COLUMNS=120 LANG=C.UTF-8 TZ=UTC
cat >"$T/script" <<S
:save-display $T/envs.txt
2
:save-display $T/locks.txt
Tab
:save-display $T/plan.txt
Tab
:save-display $T/conflicts.txt
Enter
:save-display $T/conflict.txt
h h
Space
:save-display $T/decided.txt
z
:save-display $T/undone.txt
Space
5
:save-display $T/backups.txt
6
:save-display $T/log.txt
?
:save-display $T/help.txt
G
:save-display $T/help_end.txt
Esc
m
Enter
:save-display $T/confirm.txt
y
:save-display $T/merged.txt
6
:save-display $T/log2.txt
q
S
MEMTUI_NO_DISPLAY=1 MEMTUI_SCRIPT="$T/script" "$MEMTUI" --repo "$T/clone-a" --env a --memory-file "$T/a.json" \
    2>"$T/err" || fail "the workstation failed: $(cat "$T/err")"
has() { grep -q -- "$2" "$T/$1.txt" || { cat "$T/$1.txt" >&2; fail "$1: no line with '$2'"; }; }
has envs '1 Environments  2 Locks  3 Plan  4 Conflicts  5 Backups  6 Log'
has envs '^a  *3  *0  *3 .*changed since last merge'
has envs '^b  *3  *0  *4 .*changed since last merge'
has envs 'env a  branch main  lock: free .*pending: 1 conflict'
has locks '^Local lock '
has locks '^Git lease  memtui/lease on origin'
has plan '1 conflict pending'
has plan '^@ Orion  \[a\]'
has plan '^+ entityType: person'
has plan '^@ Orion  \[b\]'
has conflicts '^PENDING type  *Orion  *a, b'
has conflict 'Conflict 1/1: type on "Orion": PENDING'
has conflict '  memory.json @ [0-9a-f]\{7\}  *a @ [0-9a-f]\{7\}  *b @ [0-9a-f]\{7\}  *> result (preserve rule)'
has conflict '(deleted / absent)  *+ type: person  *+ type: project  *+ type: person'
has decided 'operator: type of a, observations of all sides kept'
has decided '+ type: person  *+ type: project  *+ type: person'
has undone 'Orion": PENDING'
has backups 'no stashes and no backup branches\|stash\|branch'
has backups '^Recent merge commits'
has backups '^merge  [0-9a-f]\{10\} .* entities, 0 relations  *token [0-9]* by [ab]'
has log 'by a@'
has help '^C-d PgDn  *half a page down'
has help '^Keys of Log (Esc or q closes this help)'
has help_end "^Space  *conflict view: keep the result, or the side's type with every side's observations;"
has confirm 'Finish the merge: 1 decision, 2 entities change and 0 relation changes; verify, commit, push main to origin? \[y/N\]'
has merged 'merged: 3 entities, 0 relations, 1 conflict resolved (exit 0)'
has log2 'type Orion: operator: type of a, observations of all sides kept'
has log2 '(1 entity more, 3 observations more); 2 fragments; 1 conflict decided by an$'
has log2 '^      operator$'
has log2 'type Orion: operator: type of a, observations of all sides kept  (by the operator)'
grep -q 'fail$' "$T/log2.txt" && fail "log: a merge the operator finished reads as policy fail"
# the engine made the commit: verified, pushed, the decision in the manifest
expect_rc 0 mt a verify >/dev/null
[ "$(git --git-dir="$T/remote.git" rev-parse main)" = "$(git -C "$T/clone-a" rev-parse HEAD)" ] || fail "not pushed"
git --git-dir="$T/remote.git" show main:.memtui/manifest.json >"$T/manifest.json"
[ "$(json "$T/manifest.json" '[(c["entity"], c["resolution"], c["decided_by"]) for c in j["conflicts"]]')" = \
  "[('Orion', 'operator: type of a, observations of all sides kept', 'operator')]" ] ||
    fail "manifest: $(cat "$T/manifest.json")"
git --git-dir="$T/remote.git" show main:memory.json |
    grep -q '"name":"Orion","entityType":"person","observations":\["added on a","added on b"\]' ||
    fail "memory.json does not hold Orion with a's type and both sides' observations"
# an unknown theme is a usage error, before the terminal is touched
expect_rc 2 "$MEMTUI" --repo "$T/clone-a" --env a --theme nosuch 2>/dev/null
# themes load, NO_COLOR and 8 colours still draw (the binary under test is
# build/san/memtui, with no themes/ beside it: name the tree's)
export MEMTUI_THEMES="$TESTS_DIR/../themes"
for th in default light mono; do
    printf ':save-display %s\n' "$T/th-$th.txt" >"$T/s2"
    TERM=xterm NO_COLOR=1 MEMTUI_NO_DISPLAY=1 MEMTUI_SCRIPT="$T/s2" "$MEMTUI" --repo "$T/clone-a" --env a --theme $th ||
        fail "theme $th"
    has th-$th 'Environments'
done
# too small a terminal says so
printf ':save-display %s\n' "$T/small.txt" >"$T/s3"
LINES=5 COLUMNS=40 MEMTUI_NO_DISPLAY=1 MEMTUI_SCRIPT="$T/s3" "$MEMTUI" --repo "$T/clone-a" --env a
has small 'terminal too small'
# UTF-8 names are cut by display width, never inside a character
printf '3\n:save-display %s\n' "$T/narrow.txt" >"$T/s4"
COLUMNS=60 MEMTUI_NO_DISPLAY=1 MEMTUI_SCRIPT="$T/s4" "$MEMTUI" --repo "$T/clone-a" --env a
python3 -c 'import sys; open(sys.argv[1], encoding="utf-8").read()' "$T/narrow.txt" || fail "a dump is not valid UTF-8"
[ -n "${SHOW_SCREENS:-}" ] && cp "$T"/*.txt "$SHOW_SCREENS"/
echo ok
