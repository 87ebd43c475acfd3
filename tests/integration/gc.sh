# Housekeeping (DESIGN 4, `gc`): a backup branch is pruned only when it is
# older than --min-age days (by its tip's committer time; a future time
# counts as young) and main's memory.json holds every entity, observation
# and relation of its memory.json and of each of its fragments; the rest is
# kept, with the reason. --dry-run changes nothing. Refs a killed push left
# under refs/memtui/push and refs/memtui/tmp are removed (one holding the
# only copy of a commit is kept on a backup branch first). Many syncs leave
# loose objects and packs: gc packs them into one, deleting only what the
# new pack holds; fsck stays clean and every commit stays. A sync runs the
# cheap parts by itself once a day when a threshold is passed.
. "$TESTS_DIR/lib.sh"
suppress_libgit2_leaks
HOST=$(hostname | cut -d. -f1)
ent() {
    n=$1 ty=$2; shift 2
    o=""; for x in "$@"; do o="$o${o:+,}\"$x\""; done
    printf '{"type":"entity","name":"%s","entityType":"%s","observations":[%s]}\n' "$n" "$ty" "$o"
}
rel() { printf '{"type":"relation","from":"%s","to":"%s","relationType":"%s"}\n' "$1" "$2" "$3"; }
ca() { git -C "$T/clone-a" "$@"; }
refs() { ca for-each-ref --format='%(refname) %(objectname)' | sort; }
# branch NAME DAYS_AGO FILE...: a backup branch as a peer would leave it,
# its tip a child of main whose tree has FILE (path=content-file) replaced
branch() {
    name=$1 days=$2; shift 2
    rm -f "$T/idx"
    GIT_INDEX_FILE="$T/idx" git -C "$T/clone-a" read-tree main
    for pf in "$@"; do
        blob=$(ca hash-object -w "${pf#*=}")
        GIT_INDEX_FILE="$T/idx" git -C "$T/clone-a" update-index --add --cacheinfo 100644 "$blob" "${pf%%=*}"
    done
    tree=$(GIT_INDEX_FILE="$T/idx" git -C "$T/clone-a" write-tree)
    when=$(( $(date +%s) - days * 86400 ))
    c=$(GIT_COMMITTER_DATE="@$when +0000" GIT_AUTHOR_DATE="@$when +0000" ca commit-tree "$tree" -p main -m "memtui: merge by a")
    ca update-ref "refs/heads/memtui/backup/a/$name" "$c"
}

new_remote
for e in a b; do expect_rc 0 mt $e init "$T/remote.git" >/dev/null; done
{ ent Precious treasure "kept in the vault" "worth a lot"; ent Keep thing "stays"; rel Precious Keep guards; } >"$T/a.json"
for e in a b a; do expect_rc 0 mt $e sync >/dev/null 2>&1; done

# ---- 1. a backup branch as a sync makes it: a's local commit, b moves main ----
{ ent Precious treasure "kept in the vault" "worth a lot"; ent Keep thing "stays"; ent FromA thing "a's own"; rel Precious Keep guards; } >"$T/a.json"
expect_rc 0 mt a export --no-push >/dev/null 2>&1
{ ent Precious treasure "kept in the vault" "worth a lot"; ent Keep thing "stays"; ent FromB thing "b's own"; rel Precious Keep guards; } >"$T/b.json"
expect_rc 0 mt b sync >/dev/null 2>&1
expect_rc 0 mt a sync >/dev/null 2>&1
real=$(ca for-each-ref --format='%(refname:short)' refs/heads/memtui/backup/a/)
[ -n "$real" ] || fail "no backup branch after a's local tip diverged"
expect_rc 0 mt a gc --json >"$T/gc0.json"
[ "$(json "$T/gc0.json" "[k['branch'] for k in j['kept']]")" = "['$real']" ] || fail "a fresh backup: $(cat "$T/gc0.json")"
json "$T/gc0.json" "j['kept'][0]['reason']" | grep -q 'younger than 14 days' || fail "fresh backup reason: $(cat "$T/gc0.json")"
expect_rc 0 mt a gc --min-age 0 --json >"$T/gc0.json"
[ "$(json "$T/gc0.json" "[k['branch'] for k in j['pruned']]")" = "['$real']" ] || fail "a merged backup: $(cat "$T/gc0.json")"

# ---- 2. which backup branches go ---------------------------------------------
ca show main:memory.json >"$T/main.json"
ca show main:memory-a.json >"$T/frag-a.json"
# a graph main holds all of (a subset, in another order)
{ rel Precious Keep guards; ent Keep thing "stays"; ent Precious treasure "worth a lot"; } >"$T/subset.json"
branch merged-old 30 "memory.json=$T/subset.json"
branch merged-young 2 "memory.json=$T/subset.json"
branch merged-future -400 "memory.json=$T/subset.json"
# one observation main lacks, in memory.json
sed 's/"worth a lot"/"worth a lot","only in the backup"/' "$T/main.json" >"$T/extra-obs.json"
branch extra-obs 30 "memory.json=$T/extra-obs.json"
# one relation main lacks, in a fragment only
{ cat "$T/frag-a.json"; rel Keep Precious "belongs to"; } >"$T/extra-rel.json"
branch extra-rel 30 "memory-a.json=$T/extra-rel.json"
# an entity main lacks, in another env's fragment
{ ent Lonely thing "nobody merged me"; } >"$T/extra-ent.json"
branch extra-ent 30 "memory-z.json=$T/extra-ent.json"
# a file an operator committed by hand, which main does not have
echo "operator's note" >"$T/notes.txt"
branch notes 30 "memory.json=$T/subset.json" "NOTES.txt=$T/notes.txt"
old_tip=$(ca rev-parse memtui/backup/a/merged-old)

# leftovers of a killed push: one naming main, one naming a commit no other
# ref has; and one of a live process (a lease break pushes without the lock)
sh -c 'exit 0' & dead=$!; wait "$dead" || true
ca update-ref refs/memtui/push/$dead-abc-0 main
ca update-ref refs/memtui/tmp/$dead-abc-1 main
ca update-ref refs/memtui/push/$$-abc-9 main
orphan=$(echo orphan | ca commit-tree "$(ca rev-parse 'main^{tree}')" -p main -m "memtui: merge by a")
ca update-ref refs/memtui/push/$dead-abc-2 "$orphan"

refs >"$T/refs.before"
expect_rc 0 mt a gc --dry-run --json >"$T/dry.json"
refs >"$T/refs.after-dry"
cmp -s "$T/refs.before" "$T/refs.after-dry" || fail "--dry-run changed refs: $(diff "$T/refs.before" "$T/refs.after-dry")"
[ "$(json "$T/dry.json" "sorted(p['branch'] for p in j['pruned'])")" = "['memtui/backup/a/merged-old']" ] \
    || fail "dry run would prune: $(cat "$T/dry.json")"

expect_rc 0 mt a gc --json >"$T/gc.json"
[ "$(json "$T/gc.json" "j['dry_run']")" = False ] || fail "gc says dry run: $(cat "$T/gc.json")"
[ "$(json "$T/gc.json" "sorted(p['branch'] for p in j['pruned'])")" = "['memtui/backup/a/merged-old']" ] \
    || fail "pruned: $(cat "$T/gc.json")"
[ "$(json "$T/gc.json" "j['pruned'][0]['commit']")" = "$old_tip" ] || fail "pruned commit not named"
for b in merged-young merged-future extra-obs extra-rel extra-ent notes; do
    ca rev-parse -q --verify "refs/heads/memtui/backup/a/$b" >/dev/null || fail "$b was pruned"
done
ca rev-parse -q --verify refs/heads/memtui/backup/a/merged-old >/dev/null && fail "merged-old was kept"
ca cat-file -e "$old_tip" || fail "the pruned tip's objects are gone"
why() { json "$T/gc.json" "[k['reason'] for k in j['kept'] if k['branch'].endswith('/$1')][0]"; }
why extra-obs | grep -q 'only in the backup' || fail "extra-obs reason: $(why extra-obs)"
why extra-obs | grep -q 'Precious' || fail "extra-obs reason: $(why extra-obs)"
why extra-rel | grep -q 'belongs to' || fail "extra-rel reason: $(why extra-rel)"
why extra-rel | grep -q 'memory-a.json' || fail "extra-rel reason: $(why extra-rel)"
why extra-ent | grep -q 'Lonely' || fail "extra-ent reason: $(why extra-ent)"
why notes | grep -q 'NOTES.txt' || fail "notes reason: $(why notes)"
why merged-young | grep -q 'younger' || fail "young reason: $(why merged-young)"
why merged-future | grep -q 'future' || fail "future reason: $(why merged-future)"
grep '"event":"gc"' "$T/clone-a/.git/memtui.log" | grep 'merged-old' | grep -q "$old_tip" \
    || fail "the pruned branch and its tip are not in memtui.log"
# leftovers: gone; the orphan's commit kept on a backup branch
for r in refs/memtui/push/$dead-abc-0 refs/memtui/tmp/$dead-abc-1 refs/memtui/push/$dead-abc-2; do
    ca rev-parse -q --verify "$r" >/dev/null && fail "$r left behind"
done
ca rev-parse -q --verify refs/memtui/push/$$-abc-9 >/dev/null || fail "a live process's push ref was removed"
ca update-ref -d refs/memtui/push/$$-abc-9
ca for-each-ref --format='%(objectname)' refs/heads/memtui/backup/ | grep -q "$orphan" \
    || fail "the only ref to $orphan was removed without a backup branch"
# the human report says what went and why the rest stayed
expect_rc 0 mt a gc --min-age 1 >"$T/gc.txt"
grep -q 'pruned memtui/backup/a/merged-young' "$T/gc.txt" || fail "human report: $(cat "$T/gc.txt")"
grep -q 'kept memtui/backup/a/extra-obs' "$T/gc.txt" || fail "human report: $(cat "$T/gc.txt")"
expect_rc 2 mt a gc --min-age -3
# a field main lacks is data main lacks
sed 's/"entityType":"treasure"/&,"source":"only here"/' "$T/main.json" >"$T/extra-field.json"
branch extra-field 30 "memory.json=$T/extra-field.json"
expect_rc 0 mt a gc --json >"$T/gcf.json"
ca rev-parse -q --verify refs/heads/memtui/backup/a/extra-field >/dev/null ||
    fail "a backup holding a field main lacks was pruned: $(cat "$T/gcf.json")"
# main's memory.json as a peer broke it (not what its manifest recorded),
# holding all the branch holds: the next merge rebuilds it from the verified
# merge, so until then it says nothing about what main has
good=$(ca rev-parse main)
cp "$T/extra-field.json" "$T/clone-a/memory.json"
ca commit -qam "a peer's hand edit"
expect_rc 1 mt a gc --json >"$T/gcb.json"
ca rev-parse -q --verify refs/heads/memtui/backup/a/extra-field >/dev/null ||
    fail "a backup was pruned against a broken memory.json: $(cat "$T/gcb.json")"
grep -q "repair" "$T/gcb.json" || fail "gc does not say why it pruned nothing: $(cat "$T/gcb.json")"
ca reset -q --hard "$good"
# gc waits for the local lock like a merge, and touches nothing without it
branch merged-locked 30 "memory.json=$T/subset.json"
flock "$T/clone-a/.git/memtui.lock" sleep 20 &
holder=$!
PIDS="$PIDS $holder"
sleep 0.5
expect_rc 4 mt a gc --lock-timeout 0 >/dev/null 2>&1
ca rev-parse -q --verify refs/heads/memtui/backup/a/merged-locked >/dev/null || fail "gc pruned without the lock"
kill "$holder"; wait "$holder" 2>/dev/null || true
forget_pid "$holder"
expect_rc 0 mt a gc >/dev/null
ca rev-parse -q --verify refs/heads/memtui/backup/a/merged-locked >/dev/null && fail "merged-locked kept once the lock was free"
expect_rc 0 mt a verify >/dev/null

# ---- 3. repack after many syncs ---------------------------------------------
i=0
while [ $i -lt 4 ]; do
    { ent Precious treasure "kept in the vault" "worth a lot"; ent Keep thing "stays"; ent "N$i" note "round $i"; } >>"$T/a.json"
    expect_rc 0 mt a sync >/dev/null 2>&1
    expect_rc 0 mt b sync >/dev/null 2>&1
    i=$((i + 1))
done
loose() { git -C "$T/clone-$1" count-objects -v | awk '/^count:/{print $2}'; }
packs() { git -C "$T/clone-$1" count-objects -v | awk '/^packs:/{print $2}'; }
lb=$(loose a) pb=$(packs a)
[ "$lb" -gt 10 ] || fail "expected loose objects after 8 syncs, got $lb"
# a pack marked .keep stays
keep=$(ls "$T/clone-a/.git/objects/pack/"*.pack 2>/dev/null | head -n 1 || true)
[ -n "$keep" ] && touch "${keep%.pack}.keep"
ca log --all --format=%H | sort >"$T/log.before"
refs >"$T/refs.before"
MEMTUI_GC_LOOSE_MAX=10 MEMTUI_GC_PACKS_MAX=1 expect_rc 0 mt a gc --json >"$T/repack.json"
[ "$(json "$T/repack.json" "j['repack']['ran']")" = True ] || fail "no repack: $(cat "$T/repack.json")"
[ "$(json "$T/repack.json" "j['repack']['loose_before']")" = "$lb" ] || fail "loose_before: $(cat "$T/repack.json")"
la=$(loose a) pa=$(packs a)
[ "$la" -eq 0 ] || fail "loose objects after repack: $la (before $lb)"
want=1; [ -n "$keep" ] && want=2
[ "$pa" -le "$want" ] || fail "packs after repack: $pa (before $pb)"
[ -z "$keep" ] || [ -e "$keep" ] || fail "the .keep pack was deleted"
ca fsck --full --no-progress 2>&1 | grep -v '^dangling' >"$T/fsck" || true
[ ! -s "$T/fsck" ] || fail "fsck: $(cat "$T/fsck")"
ca log --all --format=%H | sort >"$T/log.after"
cmp -s "$T/log.before" "$T/log.after" || fail "git log --all changed"
refs >"$T/refs.after"
cmp -s "$T/refs.before" "$T/refs.after" || fail "refs changed by repack"
ca cat-file -e "$old_tip" || fail "the pruned tip's objects went with the repack"
expect_rc 0 mt a verify >/dev/null
git --git-dir="$T/remote.git" fsck --full --no-progress >/dev/null 2>&1 || fail "remote fsck"

# ---- 4. a sync does the cheap parts by itself, once a day --------------------
branch merged-auto 30 "memory.json=$T/subset.json"
ca update-ref refs/memtui/push/$dead-def-0 main
{ ent Precious treasure "kept in the vault" "worth a lot"; ent Keep thing "stays"; ent Auto note "x"; } >>"$T/a.json"
MEMTUI_GC_BACKUPS_MAX=1 expect_rc 0 mt a sync >"$T/auto.txt" 2>&1
grep -q '^housekeeping:' "$T/auto.txt" || fail "no housekeeping line: $(cat "$T/auto.txt")"
ca rev-parse -q --verify refs/heads/memtui/backup/a/merged-auto >/dev/null && fail "auto gc kept merged-auto"
ca rev-parse -q --verify refs/memtui/push/$dead-def-0 >/dev/null && fail "auto gc kept the push leftover"
[ -e "$T/clone-a/.git/memtui-gc.last" ] || fail "no record of the last run"
branch merged-auto2 30 "memory.json=$T/subset.json"
{ ent Auto2 note "y"; } >>"$T/a.json"
MEMTUI_GC_BACKUPS_MAX=1 expect_rc 0 mt a sync >"$T/auto2.txt" 2>&1
grep -q '^housekeeping:' "$T/auto2.txt" && fail "housekeeping ran twice in a day"
ca rev-parse -q --verify refs/heads/memtui/backup/a/merged-auto2 >/dev/null || fail "second auto run pruned"
expect_rc 0 mt a verify >/dev/null
echo "gc: ok"
