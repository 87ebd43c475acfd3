# Backups every operator can see (DESIGN 3.3, 3.5, 4): a backup branch
# made by a rejected push is pushed to the remote as
# refs/memtui/backups/<env>/<time> (a push that fails is a warning, and a
# later run pushes it), which a plain `git clone` does not
# fetch; another machine lists it with `backups` (human and --json, where
# it is: local, remote, both), restores an entity from it, and gc prunes it
# on the remote only when main holds all it holds (kept before the
# restore, pruned after it; --dry-run changes nothing); push, list and
# prune over git:// too.
. "$TESTS_DIR/lib.sh"
suppress_libgit2_leaks   # rejected pushes: see lib.sh
trap hard_cleanup EXIT INT TERM

ent() {
    n=$1 ty=$2; shift 2
    o=""; for x in "$@"; do o="$o${o:+,}\"$x\""; done
    printf '{"type":"entity","name":"%s","entityType":"%s","observations":[%s]}\n' "$n" "$ty" "$o"
}
rbackups() { git --git-dir="$T/remote.git" for-each-ref --format='%(refname) %(objectname)' refs/memtui/backups/; }

git init -q --bare "$T/remote.git"
for e in a b c; do expect_rc 0 mt $e init "$T/remote.git" >/dev/null; done
{ ent Precious treasure "kept in the vault" "worth a lot"; ent Keep thing "stays"; } >"$T/a.json"
for e in a b c a; do expect_rc 0 mt $e sync >/dev/null 2>&1; done

# ---- a's push is rejected: a backup branch, pushed to the remote ---------------
{ ent Precious treasure "kept in the vault" "worth a lot"; ent Keep thing "stays"; ent FromA thing "a's"; } >"$T/a.json"
{ ent Precious treasure "kept in the vault" "worth a lot"; ent Keep thing "stays"; ent FromC thing "c's"; } >"$T/c.json"
# a peer's ref refs/memtui/backups/a stands where a's backup would go: the
# push of the backup fails, the sync does not (a warning), the branch stays
git --git-dir="$T/remote.git" update-ref refs/memtui/backups/a main
rejected_sync a c
grep -q 'backup branches not pushed to origin (they stay here; a later run pushes them)' "$T/a.err" ||
    fail "no warning for the failed push of the backup: $(cat "$T/a.err")"
[ "$(rbackups | cut -d' ' -f1)" = refs/memtui/backups/a ] || fail "a backup reached the remote through a blocked name"
git --git-dir="$T/remote.git" update-ref -d refs/memtui/backups/a
expect_rc 0 mt a sync >/dev/null 2>&1   # a later run pushes it
git -C "$T/clone-a" for-each-ref --format='%(refname) %(objectname)' refs/heads/memtui/backup/a/ >"$T/local.txt"
[ "$(wc -l <"$T/local.txt")" = 1 ] || fail "a has not one backup branch: $(cat "$T/local.txt")"
tail=$(cut -d' ' -f1 "$T/local.txt" | sed 's,^refs/heads/memtui/backup/,,')
bcommit=$(cut -d' ' -f2 "$T/local.txt")
[ "$(rbackups)" = "refs/memtui/backups/$tail $bcommit" ] ||
    fail "the backup is not on the remote as refs/memtui/backups/$tail: '$(rbackups)'"

# a plain clone does not get it
git clone -q "file://$T/remote.git" "$T/plain"   # file://: only what it fetches, not a copy of the objects
[ -z "$(git -C "$T/plain" for-each-ref refs/memtui/)" ] || fail "a plain clone got refs/memtui/"
! git -C "$T/plain" cat-file -e "$bcommit" 2>/dev/null || fail "a plain clone has the backup's commit"

# ---- c deletes Precious; b lists the backup and restores it from there ---------
for e in b c; do expect_rc 0 mt $e sync >/dev/null 2>&1; done
grep -v '"Precious"' "$T/c.json" >"$T/c2.json"; mv "$T/c2.json" "$T/c.json"
expect_rc 0 mt c sync >/dev/null 2>&1
expect_rc 0 mt b sync >/dev/null 2>&1
! has_entity "$T/b.json" Precious || fail "the deletion of Precious did not reach b"
mirror=refs/memtui/remote-backups/$tail
expect_rc 0 mt b --json backups >"$T/bk.json"
python3 - "$T/bk.json" "$mirror" "$bcommit" <<'EOF' || fail "b's backups --json: $(cat "$T/bk.json")"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["ok"] is True and j["remote"]["fetched"] is True and j["remote"]["error"] is None, j["remote"]
b = [x for x in j["backups"] if x["name"] == sys.argv[2]]
assert len(b) == 1, j["backups"]
b = b[0]
assert (b["kind"], b["where"], b["env"], b["commit"]) == ("remote-backup", "remote", "a", sys.argv[3]), b
assert b["missing_at_head"] >= 1 and b["entities"] >= 3, b
EOF
expect_rc 0 mt b backups >"$T/bk.txt"
grep -E "^remote-backup +remote +$mirror " "$T/bk.txt" >/dev/null || fail "b's backups: $(cat "$T/bk.txt")"
expect_rc 0 mt b --offline backups >"$T/bk-off.txt"
grep -qF "$mirror" "$T/bk-off.txt" || fail "backups --offline does not list the fetched one"
# a sees it on both sides
expect_rc 0 mt a --json backups >"$T/bka.json"
[ "$(json "$T/bka.json" "[(x['where'], x['env']) for x in j['backups'] if x['commit'] == '$bcommit']")" = "[('both', 'a')]" ] ||
    fail "a's backups: $(cat "$T/bka.json")"

# gc on b: the remote backup holds Precious, which main lacks: kept
expect_rc 0 mt b gc --min-age 0 --json >"$T/gc1.json"
json "$T/gc1.json" "[k['reason'] for k in j['remote_backups']['kept'] if k['branch'] == '$tail'][0]" | grep -q Precious ||
    fail "gc did not keep the remote backup for Precious: $(cat "$T/gc1.json")"
[ "$(rbackups)" = "refs/memtui/backups/$tail $bcommit" ] || fail "gc pruned a backup main does not hold"

expect_rc 0 mt b restore "$mirror" --entity Precious >"$T/rs.txt" 2>"$T/rs.err"
has_entity "$T/clone-b/memory.json" Precious || fail "restore: Precious is not in b's memory.json"
expect_rc 0 mt b sync >/dev/null 2>&1
has_entity "$T/b.json" Precious || fail "restore: Precious is not back in b's local file"

# ---- gc: now main holds all of it -------------------------------------------------
expect_rc 0 mt b gc --min-age 0 --dry-run --json >"$T/gc2.json"
[ "$(json "$T/gc2.json" "[p['branch'] for p in j['remote_backups']['pruned']]")" = "['$tail']" ] ||
    fail "gc --dry-run would not prune the remote backup: $(cat "$T/gc2.json")"
expect_rc 0 mt b gc --min-age 0 --dry-run >"$T/gc2.txt"
grep -q "would be pruned on the remote: refs/memtui/backups/$tail" "$T/gc2.txt" || fail "gc --dry-run text: $(cat "$T/gc2.txt")"
[ -n "$(rbackups)" ] || fail "gc --dry-run deleted the remote backup"
expect_rc 0 mt b gc --min-age 0 --json >"$T/gc3.json"
[ "$(json "$T/gc3.json" "[p['branch'] for p in j['remote_backups']['pruned']]")" = "['$tail']" ] ||
    fail "gc did not prune the remote backup: $(cat "$T/gc3.json")"
[ -z "$(rbackups)" ] || fail "the remote backup is still there: $(rbackups)"
[ -z "$(git -C "$T/clone-b" for-each-ref refs/memtui/remote-backups/)" ] || fail "b's mirror ref stayed"
git -C "$T/clone-b" cat-file -e "$bcommit" || fail "gc deleted the commit"

# ---- the same over git:// (push negotiation, the server's own checks) ------------
mkdir -p "$T/srv"; git init -q --bare "$T/srv/r.git"
start_git_daemon "$T/srv"
URL="git://127.0.0.1:$GIT_DAEMON_PORT/r.git"
for e in x y; do expect_rc 0 mt $e init "$URL" >/dev/null; done
ent Held thing "main has it" >"$T/x.json"
cp "$T/x.json" "$T/y.json"
for e in x y; do expect_rc 0 mt $e sync >/dev/null 2>&1; done
git -C "$T/clone-x" branch memtui/backup/x/20260102T030405Z main   # main holds all it holds
expect_rc 0 mt x backups >/dev/null 2>"$T/x.err"
[ "$(git --git-dir="$T/srv/r.git" rev-parse refs/memtui/backups/x/20260102T030405Z)" = "$(git -C "$T/clone-x" rev-parse main)" ] ||
    fail "git://: the backup was not pushed: $(cat "$T/x.err")"
expect_rc 0 mt y --json backups >"$T/y.json"
[ "$(json "$T/y.json" "[x['where'] for x in j['backups'] if x['name'] == 'refs/memtui/remote-backups/x/20260102T030405Z']")" = "['remote']" ] ||
    fail "git://: y does not list it: $(cat "$T/y.json")"
expect_rc 0 mt y gc --min-age 0 --json >"$T/ygc.json"
[ "$(json "$T/ygc.json" "[p['ref'] for p in j['remote_backups']['pruned']]")" = "['refs/memtui/backups/x/20260102T030405Z']" ] ||
    fail "git://: gc did not prune it: $(cat "$T/ygc.json")"
! git --git-dir="$T/srv/r.git" rev-parse -q --verify refs/memtui/backups/x/20260102T030405Z >/dev/null ||
    fail "git://: the pruned backup is still on the remote"
git -C "$T/clone-x" rev-parse -q --verify refs/heads/memtui/backup/x/20260102T030405Z >/dev/null ||
    fail "git://: y's gc touched x's local branch"
echo "backups_remote: ok"
