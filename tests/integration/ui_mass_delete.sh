# A mass deletion held back by the guard is shown in panel 1 with its
# reason, let through with D and y, and applied by the merge finished in
# the workstation (m, Enter, y); once confirmed it stands, on main and in
# both local files, over later syncs.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/ui_lib.sh"
has_entity() { grep -q "\"type\":\"entity\",\"name\":\"$2\"" "$1"; }
new_remote
for e in a b; do expect_rc 0 mt $e init "$T/remote.git" >/dev/null; done
: >"$T/b.json"
i=0; while [ $i -lt 14 ]; do ent "Item $i" thing "number $i" >>"$T/b.json"; i=$((i + 1)); done
ent Keep thing "a's" >"$T/a.json"
expect_rc 0 mt b sync >/dev/null 2>&1
expect_rc 0 mt a sync >/dev/null 2>&1
# b deletes 11 of its 14 entities: held back
grep -v '"Item \([0-9]\|10\)"' "$T/b.json" >"$T/b.new"; mv "$T/b.new" "$T/b.json"
expect_rc 0 mt b export >/dev/null 2>&1
git -C "$T/clone-a" pull -q 2>/dev/null || true
export TERM=xterm-256color LINES=30 COLUMNS=140 LANG=C.UTF-8 TZ=UTC
cat >"$T/script" <<S
:save-display $T/held.txt
3
:save-display $T/plan-held.txt
1
D
:save-display $T/wrongrow.txt
j
j
D
:save-display $T/ask.txt
y
:save-display $T/allowed.txt
m
Enter
y
:save-display $T/merged.txt
q
S
MEMTUI_NO_DISPLAY=1 MEMTUI_SCRIPT="$T/script" "$MEMTUI" --repo "$T/clone-a" --env a --memory-file "$T/a.json" \
    2>"$T/err" || fail "the workstation failed: $(cat "$T/err")"
has() { grep -q -- "$2" "$T/$1.txt" || { cat "$T/$1.txt" >&2; fail "$1: no line with '$2'"; }; }
has held '^b .*held back: mass deletion'
has held 'would delete 11 of its 14 entities'
# the Plan panel lists what is held back, never "nothing to merge"
has plan-held "^held back: b's fragment would delete 11 entities (the mass-deletion guard); D on panel 1 lets it through"
has plan-held '^  would delete Item 3 (thing, 1 observation)$'
grep -q 'nothing to merge' "$T/plan-held.txt" && fail "plan: 'nothing to merge' while a deletion is held back"
has wrongrow 'D: select an environment held back by the mass-deletion guard'
has ask 'Let b delete what its fragment deletes .*\[y/N\]'
has allowed "b: its deletion of 11 entities goes into the merge"
has allowed '^b .*changed since last merge (mass deletion let through)'
has merged 'merged: 4 entities'
expect_rc 0 mt a verify >/dev/null
git --git-dir="$T/remote.git" show main:memory.json >"$T/m.json"
[ "$(grep -c '"type":"entity"' "$T/m.json")" = 4 ] || fail "memory.json: $(cat "$T/m.json")"
has_entity "$T/m.json" "Item 13" || fail "Item 13 is gone"
has_entity "$T/m.json" "Item 3" && fail "Item 3 was deleted by b, yet it is in memory.json"
for round in 1 2; do
    for e in b a; do expect_rc 0 mt $e sync >/dev/null 2>&1; done
done
git --git-dir="$T/remote.git" show main:memory.json >"$T/m.json"
for f in "$T/m.json" "$T/a.json" "$T/b.json"; do
    has_entity "$f" "Item 3" && fail "the confirmed deletion came back in $f"
    has_entity "$f" "Item 13" || fail "Item 13 is missing from $f"
done
echo ok
