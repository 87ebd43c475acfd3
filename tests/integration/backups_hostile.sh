# A hostile peer and the backups on the remote (DESIGN 3.3, threat model):
# under refs/memtui/backups/ it pushes names that are not <env>/<time>
# (a bad counter, no time, a deeper path, HEAD, a too long env), a tag, a blob and
# thousands of refs. `backups` takes only valid names with commit tips, at
# most 1000 and the newest, says what it ignored without naming it, is
# quick, and the clone's main and the other refs stay as they were.
. "$TESTS_DIR/lib.sh"

ent() { printf '{"type":"entity","name":"%s","entityType":"thing","observations":["%s"]}\n' "$1" "$2"; }
R=$T/remote.git
git init -q --bare "$R"
for e in a b; do expect_rc 0 mt $e init "$R" >/dev/null; done
ent Keep stays >"$T/a.json"
for e in a b; do expect_rc 0 mt $e sync >/dev/null 2>&1; done
main=$(git --git-dir="$R" rev-parse main)

# the peer's refs
blob=$(echo "not a commit" | git --git-dir="$R" hash-object -w --stdin)
git --git-dir="$R" tag -a -m "a tag" peer-tag "$main"
tag=$(git --git-dir="$R" rev-parse refs/tags/peer-tag)
{
    echo "update refs/memtui/backups/x/20260101T000000Z-007 $main"   # bad counter
    echo "update refs/memtui/backups/x/notatime $main"
    echo "update refs/memtui/backups/x/20260101T000000Z/deeper $main"
    echo "update refs/memtui/backups/HEAD $main"
    echo "update refs/memtui/backups/$(printf 'e%.0s' $(seq 70))/20260101T000000Z $main"   # env too long
    echo "update refs/memtui/backups/t/20990101T000000Z $tag"
    echo "update refs/memtui/backups/bl/20990101T000000Z $blob"
    for i in $(seq 1 3000); do
        printf 'update refs/memtui/backups/many/2026%02d%02dT%06dZ %s\n' $((i % 12 + 1)) $((i % 28 + 1)) "$i" "$main"
    done
} | git --git-dir="$R" update-ref --stdin
git --git-dir="$R" pack-refs --all
# A name like refs/memtui/backups/../../heads/main cannot be pushed (git
# refuses it on both sides) and libgit2 refuses to list a path remote that
# has one at all; the name check itself is in tests/unit/test_backup_refs.c.
before=$(git -C "$T/clone-b" for-each-ref --format='%(refname) %(objectname)' | grep -v '^refs/memtui/' | sort)

start=$(date +%s)
set +e; mt b --json backups >"$T/bk.json" 2>"$T/bk.err"; rc=$?; set -e
took=$(( $(date +%s) - start ))
[ "$rc" = 0 ] || fail "backups exited $rc: $(cat "$T/bk.err")"
[ "$took" -le 60 ] || fail "backups took ${took}s against thousands of refs"
python3 - "$T/bk.json" <<'EOF' || fail "backups --json: $(head -c 2000 "$T/bk.json")"
import json, sys, re
j = json.load(open(sys.argv[1]))
rb = [b for b in j["backups"] if b["kind"] == "remote-backup"]
assert 0 < len(rb) <= 1000, len(rb)
for b in rb:
    m = re.fullmatch(r"refs/memtui/remote-backups/([A-Za-z0-9._-]{1,64})/(\d{8}T\d{6}Z(-[1-9]\d?)?)", b["name"])
    assert m and b["env"] == m.group(1) and b["env"] == "many", b
# the newest 1000 by the time in the name
times = sorted(b["name"].rsplit("/", 1)[1] for b in rb)
assert times[0] >= "20260000", times[0]
EOF
grep -q 'ignored 7 refs under refs/memtui/backups/' "$T/bk.err" || fail "no warning about ignored refs: $(cat "$T/bk.err")"
grep -q '2002 more backup refs than the 1000 newest' "$T/bk.err" || fail "no warning about the cap (3002 valid names: many's and the tag's and blob's): $(cat "$T/bk.err")"
! grep -Eq 'notatime|deeper|HEAD|bl/|t/2099' "$T/bk.err" || fail "the warning names the peer's refs: $(cat "$T/bk.err")"
n=$(git -C "$T/clone-b" for-each-ref refs/memtui/remote-backups/ | wc -l)
[ "$n" -le 1000 ] || fail "$n mirror refs"
! git -C "$T/clone-b" for-each-ref refs/memtui/remote-backups/ | grep -Eq ' (tag|blob)	' || fail "a tag or blob was taken"
after=$(git -C "$T/clone-b" for-each-ref --format='%(refname) %(objectname)' | grep -v '^refs/memtui/' | sort)
[ "$before" = "$after" ] || fail "refs outside the mirror moved: $after"
[ "$(git -C "$T/clone-b" rev-parse main)" = "$main" ] || fail "b's main moved"

# the clone still works, and a second listing is quick too
ent Keep "stays, still" >"$T/b.json"
expect_rc 0 mt b sync >/dev/null 2>&1
start=$(date +%s)
set +e; mt b backups >/dev/null 2>&1; set -e
[ $(( $(date +%s) - start )) -le 30 ] || fail "a second backups is slow"
[ "$(git --git-dir="$R" rev-parse main)" != "$main" ] || fail "b's sync did not publish"
echo "backups_hostile: ok"
