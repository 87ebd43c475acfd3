# The Plan panel, scripted headless (as ui_script.sh): while a TYPE conflict
# on Orion is pending, env a also removes a relation and adds one, deletes an
# entity, and env b adds a relation and retypes one; the pending plan must
# list each env's relation changes under "@ relations" with the env, the
# summary line must count the envs' proposals, the filter must keep the
# relations touching the name; once the conflict is decided, the resolved
# plan shows the same relations with their envs and the merge's counts
# (under ASan this also catches the resolved rows reading a change's key that
# the engine freed: Comet is first named by a's relation, then retyped by b).
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/ui_lib.sh"
rel() { printf '{"type":"relation","from":"%s","to":"%s","relationType":"%s"}\n' "$1" "$3" "$2"; }
new_remote
for e in a b; do expect_rc 0 mt $e init "$T/remote.git" >/dev/null; done
{
    ent Base thing "one"; ent Star sun "bright"; ent Comet rock "icy"; ent Dust cloud "old"
    rel Base orbits Star; rel Comet near Star
} >"$T/a.json"
cp "$T/a.json" "$T/b.json"
expect_rc 0 mt a sync >/dev/null 2>&1; expect_rc 0 mt b sync >/dev/null 2>&1; expect_rc 0 mt a sync >/dev/null 2>&1
# a: Orion (person), Dust deleted, Base-orbits->Star removed, Comet-hits->Base added
{
    ent Base thing "one"; ent Star sun "bright"; ent Comet rock "icy"; ent Orion person "added on a"
    rel Comet near Star; rel Comet hits Base
} >"$T/a.json"
# b: Orion (project), Base gains an observation, Comet retyped, Star-lights->Base added
{
    ent Base thing "one" "b's"; ent Star sun "bright"; ent Comet iceball "icy"; ent Dust cloud "old"
    ent Orion project "added on b"
    rel Base orbits Star; rel Comet near Star; rel Star lights Base
} >"$T/b.json"
expect_rc 0 mt a export >/dev/null 2>&1
expect_rc 0 mt b export >/dev/null 2>&1
expect_rc 0 mt a export >/dev/null 2>&1
git -C "$T/clone-a" pull -q 2>/dev/null || true

export TERM=xterm-256color LINES=40 COLUMNS=120 LANG=C.UTF-8 TZ=UTC
cat >"$T/script" <<S
3
:save-display $T/pending.txt
/ C o m e t Enter
:save-display $T/filtered.txt
/ Enter
4
Enter
h h
x
y
3
:save-display $T/resolved.txt
/ S t a r Enter
:save-display $T/resolved-filtered.txt
Q
S
MEMTUI_NO_DISPLAY=1 MEMTUI_SCRIPT="$T/script" "$MEMTUI" --repo "$T/clone-a" --env a --memory-file "$T/a.json" \
    2>"$T/err" || fail "the workstation failed ($?): $(cat "$T/err")"
# has FILE PATTERN / hasnt FILE PATTERN (fixed strings, whole line unless a pattern says otherwise)
has() { grep -qx -- "$2" "$T/$1.txt" || { cat "$T/$1.txt" >&2; fail "$1: no line '$2'"; }; }
hasnt() { ! grep -q -- "$2" "$T/$1.txt" || { cat "$T/$1.txt" >&2; fail "$1: a line with '$2'"; }; }
# line FILE PATTERN: the (first) line number of a whole-line match
line() { grep -nx -- "$2" "$T/$1.txt" | head -n 1 | cut -d: -f1; }

# pending: each env's entity changes, then every env's relation changes with the env
has pending '1 conflict pending: decide it (panel 4) to see the result; changes by environment:'
has pending 'per-env proposals: entities +2 -1 (1 retyped), observations +3 -1, relations +2 -1'
has pending '@ Orion  \[a\]  created'
has pending '@ Dust  \[a\]  deleted'
has pending '- old'
has pending '@ Comet  \[b\]  retyped'
has pending '- entityType: rock'
has pending '+ entityType: iceball'
has pending '@ relations'
has pending '+ Comet -\[hits\]-> Base  \[a\]'
has pending '- Base -\[orbits\]-> Star  \[a\]'
has pending '+ Star -\[lights\]-> Base  \[b\]'
[ "$(line pending '@ relations')" -gt "$(line pending '+ added on b')" ] || fail "pending: relations not after the entities"
# the summary sits right under the status line
[ "$(line pending 'per-env proposals: .*')" -eq 3 ] || { cat "$T/pending.txt" >&2; fail "pending: summary not on line 3"; }
[ "$(grep -c -- '-\[' "$T/pending.txt")" -eq 3 ] || fail "pending: not exactly 3 relation lines"

# the filter keeps the relations with the name at either end, the summary stays the plan's
has filtered 'filter: Comet'
has filtered 'per-env proposals: entities +2 -1 (1 retyped), observations +3 -1, relations +2 -1'
has filtered '@ Comet  \[b\]  retyped'
has filtered '@ relations'
has filtered '+ Comet -\[hits\]-> Base  \[a\]'
hasnt filtered 'orbits'
hasnt filtered 'lights'
hasnt filtered '@ Orion'

# resolved (a's Orion taken exactly, x then y: b's observation dropped): the
# merge's changes, relations with their envs
has resolved 'result: 4 entities, 3 relations, 5 observations; 4 entities change'
has resolved 'this merge: entities +1 -1 (1 retyped), observations +2 -1, relations +2 -1'
[ "$(line resolved 'this merge: .*')" -eq 3 ] || { cat "$T/resolved.txt" >&2; fail "resolved: summary not on line 3"; }
has resolved '@ Orion  \[a, b\]  created'
has resolved '+ entityType: person'
hasnt resolved 'added on b'
has resolved '@ relations'
has resolved '+ Comet -\[hits\]-> Base  \[a\]'
has resolved '- Base -\[orbits\]-> Star  \[a\]'
has resolved '+ Star -\[lights\]-> Base  \[b\]'
hasnt resolved 'conflicts pending'
has resolved-filtered 'filter: Star'
has resolved-filtered '- Base -\[orbits\]-> Star  \[a\]'
has resolved-filtered '+ Star -\[lights\]-> Base  \[b\]'
hasnt resolved-filtered 'hits'
echo ok
