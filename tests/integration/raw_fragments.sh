# Fragments as last merged are kept unpacked (<git dir>/memtui/raw/<blob>,
# hard links to the work-tree files a merge folded in), so the next merge
# does not inflate them from git. A kept copy is used only when it hashes
# to its blob: one rewritten in place, cut short, swapped for a symlink or
# left without a digest to check it by is dropped or checked by git's own
# id, and the merge is right either way.
. "$TESTS_DIR/lib.sh"

new_remote
expect_rc 0 mt alpha init "$T/remote.git"
C=$T/clone-alpha
R=$C/.git/memtui/raw
beta() { "$MEMTUI" --batch --repo "$C" --env beta --memory-file "$T/beta.json" "$@"; }
blob_of() { git -C "$C" rev-parse "HEAD:$1"; }
# merge_traced: alpha merges (no push) with the timing trace on, into $T/trace
merge_traced() {
    set +e
    MEMTUI_TRACE=1 mt alpha merge --no-push 2>"$T/trace" >/dev/null
    rc=$?
    set -e
    [ "$rc" -eq 0 ] || { cat "$T/trace" >&2; fail "merge exited $rc"; }
    expect_rc 0 mt alpha verify
}
# beta_adds N: beta's server adds entity bN; beta exports
beta_adds() {
    printf '{"type":"entity","name":"b%s","entityType":"t","observations":["o%s"]}\n' "$1" "$1" >>"$T/beta.json"
    expect_rc 0 beta export --no-push
}
# merged_has NAME: memory.json at HEAD has entity NAME
merged_has() {
    git -C "$C" show HEAD:memory.json | grep -q "\"name\":\"$1\"" || fail "memory.json lacks $1"
}
used() { grep -q "read from its kept copy" "$T/trace" || fail "$1: the kept copy was not used"; }
dropped() { grep -q "did not hold: removed" "$T/trace" || fail "$1: the bad kept copy was not dropped"; }

# --- the first merge keeps both fragments, as links ---------------------------
printf '{"type":"entity","name":"a0","entityType":"t","observations":["o"]}\n' >"$T/alpha.json"
expect_rc 0 mt alpha export --no-push
beta_adds 0
merge_traced
ab=$(blob_of memory-alpha.json)
bb=$(blob_of memory-beta.json)
[ -f "$R/$ab" ] && [ -f "$R/$bb" ] || fail "the merged fragments were not kept: $(ls "$R" 2>&1)"
[ "$(stat -c %i "$R/$bb")" = "$(stat -c %i "$C/memory-beta.json")" ] || fail "the kept copy is not a link"
[ "$(ls "$R" | wc -l)" -eq 2 ] || fail "raw holds more than the two fragments: $(ls "$R")"

# --- beta changes: the next merge reads its old fragment from the copy ------
beta_adds 1
cmp -s "$R/$bb" "$C/memory-beta.json" && fail "the export rewrote the kept copy in place"
[ "$(git -C "$C" cat-file blob "$bb" | sha256sum)" = "$(sha256sum <"$R/$bb")" ] ||
    fail "the kept copy no longer holds its blob"
merge_traced
used "after beta's export"
merged_has b1
[ ! -e "$R/$bb" ] || fail "the fragment merged before is still kept"
bb=$(blob_of memory-beta.json)
[ -f "$R/$bb" ] || fail "beta's new fragment is not kept"

# --- a copy rewritten in place (same size), cut short, a symlink: dropped ---
for how in flipped cut symlink; do
    beta_adds "$how"
    case $how in
        flipped) python3 -c "
import sys
f = open(sys.argv[1], 'r+b'); f.seek(10); c = f.read(1); f.seek(10); f.write(bytes([c[0] ^ 1])); f.close()" "$R/$bb" ;;
        cut) truncate -s 20 "$R/$bb" ;;
        symlink) git -C "$C" cat-file blob "$bb" >"$T/outside"; rm "$R/$bb"; ln -s "$T/outside" "$R/$bb" ;;
    esac
    merge_traced
    dropped "$how"
    merged_has "b$how"
    [ ! -e "$R/$bb" ] && [ ! -L "$R/$bb" ] || fail "$how: the bad copy is still there"
    [ "$how" != symlink ] || [ -f "$T/outside" ] || fail "the symlink's target was removed"
    bb=$(blob_of memory-beta.json)
done

# --- without a digest to check it by, git's own id does -----------------------
beta_adds 7
rm -f "$C/.git/memtui/digests"
merge_traced
used "without a digest"
merged_has b7

# --- a folder in the way: not used, left, the merge is right ---------------
bb=$(blob_of memory-beta.json)
beta_adds 8
rm -f "$R/$bb"
mkdir "$R/$bb"
merge_traced
merged_has b8
echo "ok"
