# Clean work-tree fragments are mapped only by a run that holds the clone's
# local lock (docs/threat-model.md): a merge maps them; `diff` and `status`,
# which read beside a sync that may be rewriting the work tree, read them
# and never map one (a file cut short under a mapping would fault).
# Seen through strace: the file mappings memtui makes are read-only,
# private and populated, and nothing else in the process maps that way.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/ui_lib.sh"
command -v strace >/dev/null 2>&1 || fail "strace is not installed: run sh scripts/install-deps.sh"
TRACED_ASAN="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"   # LeakSanitizer does not work under ptrace
new_remote
for e in a b; do expect_rc 0 mt $e init "$T/remote.git" >/dev/null; done
{ ent Seed thing "first" "second"; ent Other thing "third"; } >"$T/a.json"
expect_rc 0 mt a sync >/dev/null 2>&1
{ ent Seed thing "first" "second"; ent Bee thing "b's"; } >"$T/b.json"
expect_rc 0 mt b sync >/dev/null 2>&1
expect_rc 0 mt a sync >/dev/null 2>&1
{ ent Seed thing "first" "second" "fourth"; ent Other thing "third"; ent Bee thing "b's"; } >"$T/a.json"
expect_rc 0 mt a --no-push export >/dev/null 2>&1   # a's fragment changed: something to merge
# maps TRACE: how many populated read-only private mappings the run made
maps() { grep -c 'PROT_READ, MAP_PRIVATE|MAP_POPULATE' "$1" || true; }
for cmd in "diff --offline" "status --offline"; do
    # shellcheck disable=SC2086
    ASAN_OPTIONS=$TRACED_ASAN strace -f -qq -e trace=mmap -o "$T/ro.st" "$MEMTUI" --batch --repo "$T/clone-a" --env a --memory-file "$T/a.json" \
        $cmd >/dev/null 2>"$T/ro.err" || fail "$cmd failed: $(cat "$T/ro.err")"
    [ "$(maps "$T/ro.st")" = 0 ] || fail "$cmd mapped a work-tree file without the lock: $(grep MAP_POPULATE "$T/ro.st")"
done
ASAN_OPTIONS=$TRACED_ASAN strace -f -qq -e trace=mmap -o "$T/merge.st" "$MEMTUI" --batch --repo "$T/clone-a" --env a --memory-file "$T/a.json" \
    --no-push merge >/dev/null 2>"$T/merge.err" || fail "merge failed: $(cat "$T/merge.err")"
[ "$(maps "$T/merge.st")" -ge 1 ] || fail "a merge under the lock mapped no work-tree file (the check above proves nothing)"
git -C "$T/clone-a" show HEAD:memory.json | grep -q '"fourth"' || fail "the merge did not take a's edit"
git -C "$T/clone-a" show HEAD:memory.json | grep -q '"Bee"' || fail "the merge lost b's entity"
expect_rc 0 mt a verify >/dev/null 2>&1
echo "map_lock: diff and status read the work tree, a merge under the lock maps it ($(maps "$T/merge.st") files)"
