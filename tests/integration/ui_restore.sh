# Restore chosen entities from a backup in the workstation: panel 5, Enter
# on a stash shows its entity-level diff against HEAD, Space marks one
# entity, r and y restore it through the engine: a verified merge commit
# holding the marked entity and not the unmarked one, and the diff shown is
# made again against the new HEAD. A backup with a line that does not parse
# shows the rest and reports that line. A backup branch's diff covers its
# fragments too (each against HEAD's file of that name, or HEAD's
# memory.json when HEAD has none), its lines labelled in words.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/ui_lib.sh"
new_remote
expect_rc 0 mt a init "$T/remote.git" >/dev/null
ent Base thing "one" >"$T/a.json"
expect_rc 0 mt a sync >/dev/null 2>&1
# an operator's hand edit of memory.json, kept in a stash
{ ent Gamma star "bright"; ent Delta star "dim"; } >>"$T/clone-a/memory.json"
git -C "$T/clone-a" -c user.name=t -c user.email=t@localhost stash push -q -m "hand edit"
export TERM=xterm-256color LINES=30 COLUMNS=120 LANG=C.UTF-8 TZ=UTC
cat >"$T/script" <<S
5
:save-display $T/backups.txt
Enter
:save-display $T/diff.txt
j
j
Space
:save-display $T/marked.txt
r
:save-display $T/ask.txt
y
:save-display $T/done.txt
q
S
# workstation: run it headless on $T/script
workstation() {
    MEMTUI_NO_DISPLAY=1 MEMTUI_SCRIPT="$T/script" "$MEMTUI" --repo "$T/clone-a" --env a --memory-file "$T/a.json" \
        2>"$T/err" || fail "the workstation failed: $(cat "$T/err")"
}
workstation
has() { grep -q -- "$2" "$T/$1.txt" || { cat "$T/$1.txt" >&2; fail "$1: no line with '$2'"; }; }
has backups '^stash .*stash@{0}.*2 not at HEAD'
has diff 'stash@{0} against HEAD'
has diff '^== memory.json of the backup, against HEAD.s memory.json$'
has diff '^\[ \] @ Gamma  \[only in the backup\]'
has diff '^\[ \] @ Delta  \[only in the backup\]'
has diff '^  only in the backup: entityType: star'
has diff '^  only in the backup: bright'
has marked '^\[x\] @ Gamma'
has marked 'marked Gamma: 1 marked; r restores the marked entities'
has ask 'Restore the 1 marked entities of stash@{0} through a merge commit? \[y/N\]'
has done 'restored from stash@{0}'
# the diff shown was made again: Gamma is at HEAD now, Delta still is not
! grep -q '@ Gamma' "$T/done.txt" || fail "the diff was not made again after the restore: $(cat "$T/done.txt")"
has done '^\[ \] @ Delta  \[only in the backup\]'
has done '^2 entities identical at HEAD'
expect_rc 0 mt a verify >/dev/null
git --git-dir="$T/remote.git" show main:memory.json >"$T/m.json"
grep -q '"name":"Gamma","entityType":"star","observations":\["bright"\]' "$T/m.json" || fail "Gamma not restored: $(cat "$T/m.json")"
grep -q '"name":"Delta"' "$T/m.json" && fail "Delta was not marked, yet restored"
git -C "$T/clone-a" stash list | grep -q 'hand edit' || fail "the stash is gone"

# a backup with a line that does not parse (line 4 of memory.json): the diff
# shows the entities that parse and says how many lines it left out and
# where, instead of skipping them without a word
{ ent Eta star "far"; echo '{"type":"entity","name":'; } >>"$T/clone-a/memory.json"
git -C "$T/clone-a" -c user.name=t -c user.email=t@localhost stash push -q -m "bad edit"
printf '5\nEnter\n:save-display %s\nq\n' "$T/bad.txt" >"$T/script"
workstation
has bad 'stash@{0} against HEAD'
has bad '^stash@{0}:memory.json: 1 unreadable line skipped (line 4): '
has bad '^\[ \] @ Eta  \[only in the backup\]'
has bad '^2 entities identical at HEAD, 0 only at HEAD'
! grep -q '^HEAD: ' "$T/bad.txt" || fail "HEAD reported unreadable: $(cat "$T/bad.txt")"

# an export backup keeps its data in a fragment: memory-a.json where Base
# differs and Zeta is new, and memory-gone.json, which HEAD lacks
git -C "$T/clone-a" stash clear
git -C "$T/clone-a" checkout -q -- .
work=$T/frag; mkdir -p "$work"
{ git -C "$T/clone-a" show HEAD:memory-a.json | grep -v '"Base"' || true; } >"$work/a.json"
{ ent Base thing "two"; ent Zeta thing "last"; } >>"$work/a.json"
ent Omega thing "gone machine's" >"$work/gone.json"
idx=$T/frag.index
GIT_INDEX_FILE=$idx git -C "$T/clone-a" read-tree HEAD
ba=$(git -C "$T/clone-a" hash-object -w "$work/a.json")
bg=$(git -C "$T/clone-a" hash-object -w "$work/gone.json")
GIT_INDEX_FILE=$idx git -C "$T/clone-a" update-index --add --cacheinfo 100644,"$ba",memory-a.json \
    --cacheinfo 100644,"$bg",memory-gone.json
tree=$(GIT_INDEX_FILE=$idx git -C "$T/clone-a" write-tree)
c=$(git -C "$T/clone-a" commit-tree "$tree" -p HEAD -m "export by a")
git -C "$T/clone-a" update-ref refs/heads/memtui/backup/a/20260101T000000Z "$c"
printf '5\n:save-display %s\nEnter\n:save-display %s\nq\n' "$T/frag-list.txt" "$T/frag.txt" >"$T/script"
workstation
has frag-list '^branch .*local .*memtui/backup/a/20260101T000000Z'
has frag '^== memory-a.json of the backup, against HEAD.s memory-a.json$'
has frag '^\[ \] @ Base  \[differs\]'
has frag '^  only at HEAD: one'
has frag '^  only in the backup: two'
has frag '^\[ \] @ Zeta  \[only in the backup\]'
has frag '^== memory-gone.json of the backup, against HEAD.s memory.json (HEAD has no such file)'
has frag '^\[ \] @ Omega  \[only in the backup\]'
echo ok
