# Crash sweep (DESIGN 3.2, 3.3: "a process killed at any point leaves the
# repo and local file either as before or as after, and the next run
# recovers by itself"). A sync is killed with SIGKILL at its k-th rename(2),
# renameat2(2) (the import's swap) and fsync(2) (strace -e inject=...:signal=KILL:when=k), for
# k = 1, 2, ... until a sync runs to its end, at the rename that moves main
# on a plain-path remote, and at random instants. After every kill: the
# local file is valid JSONL and is the old or the new version, never a mix;
# git fsck passes on the clone and the remote; the next sync succeeds (exit
# 0 or 6) by itself, with no repair by hand, and leaves a clean clone with
# no stash; nothing any environment added is lost. STRESS=1: every k, more
# random kills.
. "$TESTS_DIR/lib.sh"
trap hard_cleanup EXIT INT TERM
command -v strace >/dev/null 2>&1 || fail "strace is not installed: run sh scripts/install-deps.sh"
if [ -n "${STRESS:-}" ]; then CAP=400 RANDOM_KILLS=30; else CAP=8 RANDOM_KILLS=4; fi
# LeakSanitizer cannot run under ptrace: no leak check for the traced runs.
TRACED_ASAN="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
MTA="--batch --repo $T/clone-a --env a --memory-file $T/a.json"

new_remote
for e in a b; do expect_rc 0 mt $e init "$T/remote.git" >/dev/null; done
python3 "$TESTS_DIR/tools/gen-fragments.py" --out "$T/gen" --envs 1 --entities 300 --seed 3 >/dev/null
cp "$T/gen/base.json" "$T/a.json"
cp "$T/gen/base.json" "$T/base.jsonl"
for e in a b a; do expect_rc 0 mt $e sync >/dev/null 2>&1; done
ROUND=0 KILLS=0 OLDV=0 NEWV=0 RC6=0

fsck_all() {
    git --git-dir="$T/remote.git" fsck --no-dangling >"$T/fsck.out" 2>&1 || fail "$1: git fsck of the remote: $(cat "$T/fsck.out")"
    git -C "$T/clone-a" fsck --no-dangling >"$T/fsck.out" 2>&1 || fail "$1: git fsck of a's clone: $(cat "$T/fsck.out")"
}
# recovery_sync: one plain sync of a: RC, and WHY (stderr without the chatter).
recovery_sync() {
    set +e; mt a --lock-timeout 10 sync >"$T/r.out" 2>"$T/r.err"; RC=$?; set -e
    WHY=$(grep -v '^memtui: \(acquired\|released\|lease \|pushed\|verified\|imported\|stashed\|removed\|push of\)' "$T/r.err" |
          head -n 3 | tr '\n' ' ')
}
rel() { sed "s|$T/||g" | tr '\n' ' '; }

# prepare: b publishes a change (a's sync has to take it in), then a makes
# its own; the local file as it is before a's sync is kept as a.old.
prepare() {
    ROUND=$((ROUND + 1))
    graph_add "$T/b.json" b $ROUND "$T/added-b.jsonl"
    expect_rc 0 mt b --lock-timeout 30 sync >/dev/null 2>"$T/b.err"
    graph_add "$T/a.json" a $ROUND "$T/added-a.jsonl"
    cp "$T/a.json" "$T/a.old"
}

# after_kill TAG: the state the kill left, the recovery, and nothing lost.
after_kill() {
    KILLS=$((KILLS + 1))
    valid_jsonl "$T/a.json" 2>"$T/vj.err" || fail "$1: the local file is not valid JSONL: $(cat "$T/vj.err")"
    ha=$(git hash-object "$T/a.json")
    if [ "$ha" = "$(git hash-object "$T/a.old")" ]; then
        OLDV=$((OLDV + 1))
    elif { [ -f "$T/clone-a/memory.json" ] && [ "$ha" = "$(git hash-object "$T/clone-a/memory.json")" ]; } ||
         git -C "$T/clone-a" cat-file -e "$ha" 2>/dev/null; then
        NEWV=$((NEWV + 1))
    else
        fail "$1: the local file is neither the old version nor a merged memory.json"
    fi
    fsck_all "$1 (right after the kill)"
    clocks=$(find "$T/clone-a/.git" -name '*.lock' ! -name memtui.lock | rel)
    rlocks=$(find "$T/remote.git" -name '*.lock' | rel)
    state=$(git -C "$T/clone-a" status --porcelain | tr '\n' ' ')
    recovery_sync
    case $RC in 0|6) ;; *)
        fail "$1: the sync after the kill exited $RC (the kill left: ${state:-a clean tree};" \
             "lock files: ${clocks:-none}; on the remote: ${rlocks:-none}): $WHY" ;;
    esac
    if [ "$RC" = 6 ]; then RC6=$((RC6 + 1)); fi
    now=$(git -C "$T/clone-a" status --porcelain | tr '\n' ' ')
    stash=$(git -C "$T/clone-a" stash list | head -n 1)
    [ -z "$now$stash" ] ||
        fail "$1: the kill left the work tree as '${state:-clean}'; after the recovery it is '$now'${stash:+, stash: $stash}"
    valid_jsonl "$T/a.json" || fail "$1: the local file is not valid JSONL after recovery"
    git --git-dir="$T/remote.git" show main:memory.json >"$T/m.json"
    graph_has "$T/m.json" "$T/base.jsonl" "$T"/added-*.jsonl || fail "$1: data lost after the kill and recovery"
    graph_has "$T/a.json" "$T/base.jsonl" "$T/added-a.jsonl" || fail "$1: a's local file lost data after recovery"
    fsck_all "$1 (after recovery)"
}

# killed_sync SYSCALL K: a's sync under strace, SIGKILLed at its K-th SYSCALL;
# RC is strace's exit (137 when killed), AT the call it was killed in.
killed_sync() {
    set +e
    # shellcheck disable=SC2086
    ASAN_OPTIONS=$TRACED_ASAN strace -f -qq -y -o "$T/k.trace" -e "trace=$1" -e "inject=$1:signal=KILL:when=$2" \
        "$MEMTUI" $MTA --lock-timeout 60 sync >"$T/k.out" 2>"$T/k.err"
    RC=$?
    set -e
    AT=$(grep -v 'killed by' "$T/k.trace" | tail -n 1 | sed 's/^[0-9]* //' | cut -c1-160 | rel)
}

# sweep SYSCALL: kill at its k-th call, k = 1, 2, ... until a sync survives;
# past CAP, k grows geometrically so the sweep still reaches the end.
sweep() {
    k=1 n=0
    while :; do
        prepare
        killed_sync "$1" $k
        n=$((n + 1))
        if [ "$RC" != 137 ]; then
            [ "$RC" = 0 ] || fail "$1 k=$k: the traced sync was not killed but exited $RC: $(cat "$T/k.err")"
            graph_has "$T/a.json" "$T/added-a.jsonl" || fail "$1 k=$k: the full sync lost data"
            echo "crash_sweep: $1: $n runs, killed at k = 1..$((k - 1)), the sync runs to its end at k = $k"
            return 0
        fi
        after_kill "$1 #$k: $AT"
        if [ "$k" -lt "$CAP" ]; then k=$((k + 1)); else k=$((k * 2)); fi
        [ "$n" -lt 400 ] || fail "$1: the sweep did not reach the end of a sync"
    done
}

sweep rename
sweep renameat2          # the import's swap of the local file (RENAME_EXCHANGE)
sweep fsync,fdatasync

# the rename that moves main on the plain-path remote: found by a traced
# run on a copy of the state, then the same state is killed there
prepare
mkdir "$T/snap"
cp -a "$T/remote.git" "$T/clone-a" "$T/a.json" "$T/snap/"
ASAN_OPTIONS=$TRACED_ASAN strace -f -qq -o "$T/dry.trace" -e trace=rename "$MEMTUI" $MTA sync >/dev/null 2>&1 ||
    fail "the dry traced sync failed"
k=$(grep -v 'resumed>' "$T/dry.trace" | grep -n "rename(\"$T/remote.git/refs/heads/main.lock\"" | head -n 1 | cut -d: -f1)
[ -n "$k" ] || fail "the dry run never renamed the remote's main.lock: $(cat "$T/dry.trace")"
rm -rf "$T/remote.git" "$T/clone-a"
cp -a "$T/snap/remote.git" "$T/snap/clone-a" "$T/snap/a.json" "$T/"
rm -rf "$T/snap"
killed_sync rename "$k"
[ "$RC" = 137 ] || fail "the sync was not killed at the remote's main.lock (exit $RC)"
case $AT in *remote.git/refs/heads/main.lock*) ;; *) fail "killed at the wrong rename: $AT" ;; esac
after_kill "rename #$k: $AT"

# random instants: the duration of a normal sync, then kills inside it
prepare
t0=$(python3 -c 'import time; print(time.monotonic())')
expect_rc 0 mt a sync >/dev/null 2>&1
dur=$(python3 -c "import time; print(int((time.monotonic() - $t0) * 1000))")
i=0
while [ $i -lt "$RANDOM_KILLS" ]; do
    prepare
    ms=$(python3 -c "import random; print(random.randint(5, max(6, $dur)))")
    mt_bg a "$T/k.out" "$T/k.err" --lock-timeout 60 sync
    sleep "$(python3 -c "print($ms / 1000)")"
    kill -KILL "$MT_PID" 2>/dev/null || true
    reap "$MT_PID" 2>/dev/null
    if [ "$REAP_RC" = 137 ]; then
        after_kill "random kill after $ms ms"
    else
        [ "$REAP_RC" = 0 ] || fail "a sync ended by itself with $REAP_RC before the kill at $ms ms"
    fi
    i=$((i + 1))
done
echo "crash_sweep: $KILLS kills (a normal sync takes $dur ms); the local file was left old $OLDV times, new $NEWV" \
     "times, never torn; recoveries exited 6 $RC6 times"

# the end: every env converges, verify passes
for e in b a b; do expect_rc 0 mt $e sync >/dev/null 2>&1; done
git --git-dir="$T/remote.git" show main:memory.json >"$T/m.json"
graph_has "$T/m.json" "$T/base.jsonl" "$T"/added-*.jsonl || fail "data lost at the end"
for e in a b; do
    cmp -s "$T/$e.json" "$T/m.json" || fail "$e's local file did not converge"
    expect_rc 0 mt $e verify >/dev/null
done
lease_tokens_increase "$T/remote.git" >/dev/null || fail "lease tokens on main do not increase"
