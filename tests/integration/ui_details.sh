# Details on Enter, and panels that say what they mean: the Environments
# panel opens on its first environment (not the column titles), Enter shows
# a fragment in full (a quarantined one with its reason and the offending
# line, and the merges that read it), a clone with uncommitted changes says
# so, and a narrow screen gives up the checksum column before the status.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/ui_lib.sh"
ui_setup
# a peer's broken fragment: line 2 is not JSON
{ ent Good thing "fine"; printf '{"type":"entity","name":"Bad" BROKEN-LINE-HERE\n'; } >"$T/clone-a/memory-c.json"
git -C "$T/clone-a" add memory-c.json
git -C "$T/clone-a" -c user.name=t -c user.email=t@t commit -qm "c's broken export"
echo "# touched" >>"$T/clone-a/.gitattributes"
export TERM=xterm-256color LINES=30 COLUMNS=120 LANG=C.UTF-8 TZ=UTC
cat >"$T/script" <<S
:save-display $T/envs.txt
?
:save-display $T/help-envs.txt
Esc
Enter
:save-display $T/env-a.txt
Esc
G
k
:save-display $T/last.txt
Enter
:save-display $T/env-c.txt
Esc
g
k
Enter
:save-display $T/top.txt
Esc
3
:save-display $T/plan.txt
/
o r i o n
Enter
:save-display $T/smart.txt
/
O R I O N
Enter
:save-display $T/exact.txt
Esc
6
:save-display $T/log.txt
G
Enter
:save-display $T/merge.txt
Q
S
MEMTUI_NO_DISPLAY=1 MEMTUI_SCRIPT="$T/script" "$MEMTUI" --repo "$T/clone-a" --env a --memory-file "$T/a.json" \
    2>"$T/err" || fail "the workstation failed: $(cat "$T/err")"
has() { grep -q -- "$2" "$T/$1.txt" || { cat "$T/$1.txt" >&2; fail "$1: no line with '$2'"; }; }
hasnt() { ! grep -q -- "$2" "$T/$1.txt" || { cat "$T/$1.txt" >&2; fail "$1: a line with '$2'"; }; }
has envs 'uncommitted changes: memtui stashes them'
has envs '^c .*quarantined'
# ? puts the view's own keys first
has help-envs '^Keys of Environments (Esc or q closes this help)$'
[ "$(sed -n 3p "$T/help-envs.txt")" = "D               environments: let a held-back mass deletion through" ] ||
    fail "help: the Environments panel's own key is not first: $(cat "$T/help-envs.txt")"
has help-envs '^Every key$'
# Enter at once: the first environment, not the header row
has env-a '> Details'
has env-a '^Fragment memory-a.json (env a)'
has env-a '^status: changed since last merge'
has env-a '^holds: 3 entities, 0 relations, 3 observations'
has env-a '^sha-256 now: [0-9a-f]\{64\}$'
has env-a '^last export: .*commit [0-9a-f]\{40\}'
has env-a '^Merges that read it'
has env-a '^Commits that changed it (its exports), newest first'
[ "$(grep -c '^<*[0-9-]* [0-9:]*  [0-9a-f]\{10\}  memtui export' "$T/env-a.txt")" -ge 2 ] ||
    { cat "$T/env-a.txt" >&2; fail "env a: its exports are not listed"; }
has env-a '  [0-9a-f]\{10\}  [0-9a-f]\{12\}  2 entities, 0 relations, 2 observations  merged'
# the quarantined fragment: the reason and the line itself
has env-c '^Fragment memory-c.json (env c)'
has env-c '^why: memory-c.json:2:'
has env-c '^the line: {"type":"entity","name":"Bad" BROKEN-LINE-HERE'
has env-c '^no merge has read it yet'
# g then k: still on the first environment, the titles are never selected
has top '^Fragment memory-a.json (env a)'
# Plan: words for what happens to an entity; smart-case search
has plan '^@ Orion  \[a\]  created$'
has plan '^1 conflict pending: decide it'
has smart '^filter: orion$'
has smart '^@ Orion  \[b\]  created$'
has exact "^no match for 'ORION' (lower case matches any case"
# Log: each merge says what it was and how its conflicts went; Enter: the
# merge in full with what it changed in memory.json
has log '^[0-9a-f]\{10\}  merge    .* by a@.* lease token [0-9]'
has log 'fragments; no conflicts$'
has merge '> Details'
has merge '^Merge [0-9a-f]\{10\} (Esc goes back)'
has merge '^Fragments as merged'
has merge '^What it changed in memory.json: 2 entities, 0 relation changes'
has merge '^@ Base  created$'
has merge '^+ one$'
# narrow: the checksum goes first, the status stays
export COLUMNS=80
printf ':save-display %s\nQ\n' "$T/narrow.txt" >"$T/script2"
MEMTUI_NO_DISPLAY=1 MEMTUI_SCRIPT="$T/script2" "$MEMTUI" --repo "$T/clone-a" --env a --memory-file "$T/a.json" \
    2>"$T/err" || fail "the workstation failed: $(cat "$T/err")"
has narrow '^ENV .*STATUS'
hasnt narrow 'SHA-256'
has narrow '^a .*changed since last merge'
[ -n "${SHOW_SCREENS:-}" ] && cp "$T"/*.txt "$SHOW_SCREENS"/
echo ok
