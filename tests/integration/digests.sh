# The digest cache (<git dir>/memtui/digests: the SHA-256 of a blob this
# clone hashed before, by blob id) saves the merge hashing a fragment the
# export just hashed, and memory.json as the last merge wrote it. It is
# never trusted blindly: a damaged record is dropped and the file rewritten
# without it, a damaged or odd file is read as empty, and the manifest
# always records each fragment's and memory.json's true SHA-256.
. "$TESTS_DIR/lib.sh"

new_remote
expect_rc 0 mt alpha init "$T/remote.git"
C=$T/clone-alpha
# beta exports into alpha's clone, as environments sharing one clone do
beta() { "$MEMTUI" --batch --repo "$C" --env beta --memory-file "$T/beta.json" "$@"; }
D=$C/.git/memtui/digests
blob_of() { git -C "$C" rev-parse "HEAD:$1"; }
sha_of() { git -C "$C" show "HEAD:$1" | sha256sum | cut -d' ' -f1; }
# the manifest at HEAD records every fragment's and memory.json's true SHA-256
manifest_true() {
    git -C "$C" show HEAD:.memtui/manifest.json >"$T/manifest.json"
    for f in $(json "$T/manifest.json" "' '.join(x['env'] for x in j['fragments'])"); do
        want=$(git -C "$C" cat-file blob "$(json "$T/manifest.json" "[x['blob'] for x in j['fragments'] if x['env'] == '$f'][0]")" | sha256sum | cut -d' ' -f1)
        got=$(json "$T/manifest.json" "[x['sha256'] for x in j['fragments'] if x['env'] == '$f'][0]")
        [ "$got" = "$want" ] || fail "$1: the manifest records $got for memory-$f.json, its bytes hash to $want"
    done
    [ "$(json "$T/manifest.json" "j['output']['sha256']")" = "$(sha_of memory.json)" ] ||
        fail "$1: the manifest's output SHA-256 is not memory.json's"
}
# round N: alpha and beta each add an entity and export; alpha merges
round() {
    printf '{"type":"entity","name":"a%s","entityType":"t","observations":["o%s"]}\n' "$1" "$1" >>"$T/alpha.json"
    printf '{"type":"entity","name":"b%s","entityType":"t","observations":["o%s"]}\n' "$1" "$1" >>"$T/beta.json"
    expect_rc 0 mt alpha export --no-push
    expect_rc 0 beta export --no-push
    expect_rc 0 mt alpha merge --no-push
    expect_rc 0 mt alpha verify
}

# --- an export records its fragment; a merge records memory.json ------------
round 1
grep -q "^$(blob_of memory-alpha.json) $(git -C "$C" cat-file -s "$(blob_of memory-alpha.json)") $(sha_of memory-alpha.json) [0-9a-f]\{16\}$" "$D" ||
    fail "no record of alpha's exported fragment in $D"
grep -q "^$(blob_of memory.json) [0-9]* $(sha_of memory.json) " "$D" || fail "no record of memory.json in $D"
manifest_true "first merge"

# --- a record that lies is dropped, and the manifest is still true ---------
# alpha's next fragment: its record's SHA-256 is replaced by another (the
# record's own check then fails), and memory.json's record is cut short.
printf '{"type":"entity","name":"a2","entityType":"t","observations":["o2"]}\n' >>"$T/alpha.json"
expect_rc 0 mt alpha export --no-push
frag=$(blob_of memory-alpha.json)
u=$(blob_of memory.json)
python3 - "$D" "$frag" "$u" <<'EOF'
import sys
path, frag, u = sys.argv[1:]
out = []
for line in open(path).read().splitlines(True):
    if line.startswith(frag):
        parts = line.split(" ")
        parts[2] = "0" * 64
        line = " ".join(parts)
    elif line.startswith(u):
        line = line[:60] + "\n"
    out.append(line)
open(path, "w").write("".join(out))
EOF
expect_rc 0 mt alpha merge --no-push
expect_rc 0 mt alpha verify
manifest_true "lying record"
grep -q "^$frag [0-9]* 0\{64\}" "$D" && fail "the lying record is still in $D"
[ "$(awk 'length($0) < 100' "$D" | wc -l)" -eq 0 ] || fail "the cut record is still in $D"

# --- a file of garbage, a directory, a symlink: read as empty ---------------
i=3
for odd in garbage directory symlink binary; do
    printf '{"type":"entity","name":"a%s","entityType":"t","observations":["o"]}\n' "$i" >>"$T/alpha.json"
    expect_rc 0 mt alpha export --no-push
    rm -rf "$D"
    case $odd in
        garbage) printf '<<<<<<< HEAD\nnot a record\n=======\n' >"$D" ;;
        directory) mkdir "$D" ;;
        symlink) printf 'x\n' >"$T/elsewhere"; ln -s "$T/elsewhere" "$D" ;;
        binary) head -c 4096 /dev/urandom >"$D" ;;
    esac
    expect_rc 0 mt alpha merge --no-push
    expect_rc 0 mt alpha verify
    manifest_true "$odd digests file"
    [ "$odd" != symlink ] || [ "$(cat "$T/elsewhere")" = x ] || fail "the merge wrote through a symlinked digests file"
    rm -rf "$D"
    i=$((i + 1))
done

# --- and with the cache working again, the next rounds are right too --------
round 9
round 10
manifest_true "after the cache was rebuilt"
echo "ok"
