# Storm (DESIGN 3.1-3.3): many environments, each with its own clone and its
# own local file, run `sync` all at the same time, over a plain-path bare
# remote, a real git daemon (git://) and git-http-backend behind lighttpd
# (http://), all on 127.0.0.1. Afterwards nothing anyone added is missing
# from memory.json on the remote, one more round of syncs makes every local
# file byte-identical to it, verify passes, the lease tokens on main's merge
# commits strictly increase, and git fsck passes.
# STRESS=1: more environments and rounds.
. "$TESTS_DIR/lib.sh"
trap hard_cleanup EXIT INT TERM
suppress_libgit2_leaks
TOP=$T
if [ -n "${STRESS:-}" ]; then NENV=10 ROUNDS=8 LT=600; else NENV=6 ROUNDS=4 LT=120; fi
ENVS=""; i=1
while [ $i -le "$NENV" ]; do ENVS="$ENVS env$i"; i=$((i + 1)); done

# one_env ENV: ROUNDS times: the env's own additions, then a sync.
one_env() {
    r=1
    while [ $r -le "$ROUNDS" ]; do
        graph_add "$T/$1.json" "$1" $r "$T/added-$1.jsonl"
        set +e
        mt "$1" --lock-timeout "$LT" sync >"$T/out-$1-$r" 2>&1
        echo $? >"$T/rc-$1-$r"
        set -e
        r=$((r + 1))
    done
}

# storm NAME URL GITDIR: the whole scenario against one remote.
storm() {
    name=$1 url=$2 rgd=$3
    T=$TOP/$name; mkdir -p "$T"; cd "$T"
    start=$(date +%s)
    for e in $ENVS; do expect_rc 0 mt "$e" init "$url" >/dev/null; done
    # a common start: the first env creates Hub, the others import it
    set -- $ENVS; first=$1
    graph_add "$T/$first.json" "$first" 0 "$T/added-$first.jsonl"
    expect_rc 0 mt "$first" sync >/dev/null 2>&1
    for e in $ENVS; do expect_rc 0 mt "$e" sync >/dev/null 2>&1; done
    for e in $ENVS; do
        [ -f "$T/$e.json" ] || fail "$name: $e did not import the common start"
    done
    # the storm: every env in the background, all at once
    bg=""
    for e in $ENVS; do
        one_env "$e" &
        bg="$bg $!"; PIDS="$PIDS $!"
    done
    for p in $bg; do wait "$p" || fail "$name: an env's loop failed"; forget_pid "$p"; done
    for e in $ENVS; do
        r=1
        while [ $r -le "$ROUNDS" ]; do
            rc=$(cat "$T/rc-$e-$r")
            [ "$rc" = 0 ] || fail "$name: sync of $e in round $r exited $rc: $(tail -n 5 "$T/out-$e-$r")"
            r=$((r + 1))
        done
    done
    mid=$(date +%s)
    git --git-dir="$rgd" show main:memory.json >"$T/remote-memory.json"
    graph_has "$T/remote-memory.json" "$T"/added-*.jsonl || fail "$name: memory.json on the remote lost additions"
    # one more round, one env after the other: every local file converges
    for e in $ENVS; do expect_rc 0 mt "$e" --lock-timeout "$LT" sync >/dev/null 2>&1; done
    git --git-dir="$rgd" show main:memory.json >"$T/final.json"
    graph_has "$T/final.json" "$T"/added-*.jsonl || fail "$name: the final round lost additions"
    for e in $ENVS; do
        cmp -s "$T/$e.json" "$T/final.json" || fail "$name: $e's local file differs from memory.json on the remote"
        cmp -s "$T/clone-$e/memory.json" "$T/final.json" || fail "$name: $e's clone holds another memory.json"
    done
    if [ "$name" = path ] || [ -n "${STRESS:-}" ]; then
        # and it settles: two more rounds change no data, the last makes no commit
        for e in $ENVS; do expect_rc 0 mt "$e" sync >/dev/null 2>&1; done
        h=$(git --git-dir="$rgd" rev-parse main)
        for e in $ENVS; do expect_rc 0 mt "$e" sync >/dev/null 2>&1; done
        git --git-dir="$rgd" show main:memory.json | cmp -s - "$T/final.json" || fail "$name: idle syncs changed memory.json"
        [ "$(git --git-dir="$rgd" rev-parse main)" = "$h" ] || fail "$name: idle syncs still make commits"
    fi
    for e in $ENVS; do expect_rc 0 mt "$e" verify >/dev/null; done
    n=$(lease_tokens_increase "$rgd") || fail "$name: lease tokens on main: $n"
    [ "$n" -ge "$NENV" ] || fail "$name: only $n merge commits on main"
    git --git-dir="$rgd" fsck --no-dangling >"$T/fsck.out" 2>&1 || fail "$name: git fsck of the remote: $(cat "$T/fsck.out")"
    for e in $ENVS; do
        git -C "$T/clone-$e" fsck --no-dangling >"$T/fsck.out" 2>&1 || fail "$name: git fsck of $e's clone: $(cat "$T/fsck.out")"
        [ -z "$(git -C "$T/clone-$e" stash list)" ] || fail "$name: $e's clone has a stash left"
    done
    backups=$(git -C "$T/clone-$first" for-each-ref refs/heads/memtui/backup | wc -l)
    echo "storm $name: $NENV envs x $ROUNDS syncs in $((mid - start)) s, $n merge commits," \
         "final round and checks $(($(date +%s) - mid)) s ($backups backup branches in $first's clone)"
    cd "$TOP"; T=$TOP
}

# (a) a plain path
mkdir -p "$TOP/srv"
git init -q --bare "$TOP/srv/path.git"
storm path "$TOP/srv/path.git" "$TOP/srv/path.git"

# (b) git:// against a real git daemon
git init -q --bare "$TOP/srv/daemon.git"
start_git_daemon "$TOP/srv"
storm daemon "git://127.0.0.1:$GIT_DAEMON_PORT/daemon.git" "$TOP/srv/daemon.git"
kill "$GIT_DAEMON_PID"; forget_pid "$GIT_DAEMON_PID"

# (c) http:// through git-http-backend behind lighttpd
git init -q --bare "$TOP/srv/http.git"
git --git-dir="$TOP/srv/http.git" config http.receivepack true
if start_http_git "$TOP/srv" 2>"$TOP/http.err"; then
    storm http "http://127.0.0.1:$HTTP_PORT/git/http.git" "$TOP/srv/http.git"
    kill "$HTTP_PID"; wait "$HTTP_PID" 2>/dev/null || true; forget_pid "$HTTP_PID"
else
    fail "lighttpd with git-http-backend: $(cat "$TOP/http.err")"
fi
