# One change, two front ends, the same lines (issue 12): env b retypes an
# entity, drops and adds observations, adds an entity with a unicode name,
# deletes one and the relation to it, removes a relation and adds one;
# `memtui --batch diff` on a's clone and the workstation's Plan panel (in a
# real terminal, tmux) must show the same "@ entity  [envs]", -/+ and
# relation lines in the same order: both come from the engine's one
# entity-diff producer (entity_diff.h), type lines before observation lines.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/ui_lib.sh"
command -v tmux >/dev/null 2>&1 || fail "tmux is not installed: run sh scripts/install-deps.sh"
rel() { printf '{"type":"relation","from":"%s","to":"%s","relationType":"%s"}\n' "$1" "$3" "$2"; }
new_remote
for e in a b; do expect_rc 0 mt $e init "$T/remote.git" >/dev/null; done
{
    ent Base thing "one"; ent Star sun "bright" "hot"; ent Dust cloud "old"
    rel Base orbits Star; rel Dust near Star
} >"$T/a.json"
cp "$T/a.json" "$T/b.json"
expect_rc 0 mt a sync >/dev/null 2>&1; expect_rc 0 mt b sync >/dev/null 2>&1; expect_rc 0 mt a sync >/dev/null 2>&1
{
    ent Base thing "one"; ent Star giant "hot" "huge" "red"; ent "東京タワー🗼" landmark "tall"
    rel Star lights Base
} >"$T/b.json"
expect_rc 0 mt b export >/dev/null 2>&1
git -C "$T/clone-a" pull -q 2>/dev/null || true

# the diff lines: headings, -/+ lines, relation lines (trailing blanks cut)
difflines() { sed 's/[[:space:]]*$//' "$1" | grep -E '^(@ |[-+] )' || true; }
expect_rc 0 mt a diff >"$T/batch.txt" 2>"$T/batch.err"
difflines "$T/batch.txt" >"$T/batch.lines"
# the batch text holds what the change is, in the producer's order: per
# entity its type lines, then its observation lines, '-' before '+'
cat >"$T/want" <<'W'
@ Star  [b]  retyped
- entityType: sun
+ entityType: giant
- bright
+ huge
+ red
@ Dust  [b]  deleted
- entityType: cloud
- old
@ 東京タワー🗼  [b]  created
+ entityType: landmark
+ tall
@ relations
- Base -[orbits]-> Star  [b]
- Dust -[near]-> Star  [b]
+ Star -[lights]-> Base  [b]
W
cmp -s "$T/want" "$T/batch.lines" || fail "batch diff lines:
$(diff -u "$T/want" "$T/batch.lines")"

tmux_open diff_plan
workstation_script
tm new-session -d -s ui -x 160 -y 50 "env TERM=xterm-256color LANG=C.UTF-8 TZ=UTC sh $T/run.sh"
screen_has -F 'Plan'
keys 3
screen_has -F '@ relations'
sleep 0.3
tm capture-pane -p -t ui >"$T/pane.txt"
difflines "$T/pane.txt" >"$T/panel.lines"
cmp -s "$T/batch.lines" "$T/panel.lines" ||
    fail "batch diff and the Plan panel differ:
$(diff -u "$T/batch.lines" "$T/panel.lines")"
keys q; screen_has DONE
[ "$(cat "$T/rc")" = 0 ] || fail "exit $(cat "$T/rc"): $(cat "$T/err")"
echo ok
