# Paused lease holder (DESIGN 3.2): a sync with a short --lease-ttl is
# stopped (SIGSTOP) right after its audit log says the lease was acquired;
# once its TTL + margin has passed, another environment's sync takes the
# lease over and publishes. When the first one resumes it must publish
# nothing (its merge commit never reaches the remote), exit 4 and say it lost
# the lease; its next normal sync succeeds and nothing anyone added is lost.
# Run over a plain path and over a real git daemon.
. "$TESTS_DIR/lib.sh"
trap hard_cleanup EXIT INT TERM
TOP=$T
TTL=2
ENTITIES=2000
[ -z "${STRESS:-}" ] || ENTITIES=20000

python3 "$TESTS_DIR/tools/gen-fragments.py" --out "$TOP/gen" --envs 1 --entities "$ENTITIES" --seed 7 >/dev/null

# paused NAME URL GITDIR
paused() {
    name=$1 url=$2 rgd=$3
    T=$TOP/$name; mkdir -p "$T"; cd "$T"
    for e in a b; do expect_rc 0 mt $e init "$url" >/dev/null; done
    cp "$TOP/gen/base.json" "$T/a.json"
    cp "$TOP/gen/base.json" "$T/base.jsonl"
    for e in a b a; do expect_rc 0 mt $e sync >/dev/null 2>&1; done
    cmp -s "$T/a.json" "$T/b.json" || fail "$name: the common start did not converge"
    graph_add "$T/a.json" a 1 "$T/added-a.jsonl"
    graph_add "$T/b.json" b 1 "$T/added-b.jsonl"
    log="$T/clone-a/.git/memtui.log"
    h0=$(git --git-dir="$rgd" rev-parse main)
    tries=0
    while :; do
        rm -f "$T/a.pid"
        stop_at_event "$log" "$(size_of "$log")" "$T/a.pid" lease acquired 60 &
        watcher=$!; PIDS="$PIDS $watcher"
        mt_bg a "$T/a.out" "$T/a.err" --lease-ttl $TTL --lock-timeout 60 sync
        apid=$MT_PID
        echo "$apid" >"$T/a.pid"
        reap "$watcher"
        [ "$REAP_RC" = 0 ] || fail "$name: the first sync ended before it could be stopped after taking the lease: $(cat "$T/a.err")"
        stopped_at=$(date +%s)
        # stopped in time: nothing of its merge may be on the remote yet, and
        # no push of it may be half done (over a plain path the pusher itself
        # holds the remote's ref locks: stopped inside its renewal's push it
        # would leave the lease ref locked for everyone, as git would)
        if [ "$(git --git-dir="$rgd" rev-parse main)" = "$h0" ] &&
           [ -z "$(find "$rgd" -maxdepth 4 -name '*.lock' 2>/dev/null)" ]; then break; fi
        # too late (it pushed before the stop landed, or is pushing): let it
        # finish, retry
        kill -CONT "$apid"; reap "$apid"
        tries=$((tries + 1))
        [ $tries -lt 4 ] || fail "$name: could not stop the holder before its push"
        graph_add "$T/a.json" a 2 "$T/added-a.jsonl"
        h0=$(git --git-dir="$rgd" rev-parse main)
    done
    tok_a=$(git --git-dir="$rgd" show memtui/lease:lease.json | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["token"], j["state"], j["env"])')
    [ "${tok_a#* }" = "held a" ] || fail "$name: the lease is not held by a while a is stopped: $tok_a"
    tok_a=${tok_a%% *}
    # wait past TTL + margin (max(2, ttl/10)), then b must take over and publish
    sleep $((TTL + 2 + 1))
    t0=$(date +%s)
    set +e; mt b --lock-timeout 60 sync >"$T/b.out" 2>"$T/b.err"; brc=$?; set -e
    [ "$brc" = 0 ] || fail "$name: b did not take over the expired lease (exit $brc): $(cat "$T/b.err")"
    grep -q 'lease acquired.*expired' "$T/b.err" || fail "$name: b's takeover is not reported as an expiry: $(cat "$T/b.err")"
    hb=$(git --git-dir="$rgd" rev-parse main)
    [ "$hb" != "$h0" ] || fail "$name: b published nothing"
    tok_b=$(git --git-dir="$rgd" log -1 --format=%B main | sed -n 's/^Memtui-Lease-Token: *//p')
    [ "$tok_b" -gt "$tok_a" ] || fail "$name: b merged with token $tok_b, not above a's $tok_a"
    # the old holder resumes: it must publish nothing, exit 4 and say why
    kill -CONT "$apid"
    reap "$apid"
    [ "$REAP_RC" = 4 ] || fail "$name: the resumed stale holder exited $REAP_RC, want 4: $(cat "$T/a.err")"
    grep -qi 'lease' "$T/a.err" || fail "$name: the stale holder does not say it lost the lease: $(cat "$T/a.err")"
    [ "$(git --git-dir="$rgd" rev-parse main)" = "$hb" ] || fail "$name: the stale holder moved main on the remote"
    ahead=$(git -C "$T/clone-a" rev-parse HEAD)
    if [ "$ahead" != "$h0" ]; then
        ! git --git-dir="$rgd" cat-file -e "$ahead^{commit}" 2>/dev/null ||
            [ -z "$(git --git-dir="$rgd" for-each-ref --contains "$ahead")" ] ||
            fail "$name: the stale holder's commit $ahead is on a remote ref"
    fi
    git --git-dir="$rgd" log --format=%B main | grep -q "^Memtui-Lease-Token: $tok_a\$" &&
        fail "$name: a merge commit with the stale token $tok_a reached main"
    # afterwards: a's normal sync succeeds, everyone converges, nothing lost
    expect_rc 0 mt a sync >/dev/null 2>"$T/a2.err"
    for e in b a b; do expect_rc 0 mt $e sync >/dev/null 2>&1; done
    git --git-dir="$rgd" show main:memory.json >"$T/final.json"
    graph_has "$T/final.json" "$T/base.jsonl" "$T/added-a.jsonl" "$T/added-b.jsonl" ||
        fail "$name: data was lost around the paused holder"
    for e in a b; do
        cmp -s "$T/$e.json" "$T/final.json" || fail "$name: $e's local file did not converge"
        expect_rc 0 mt $e verify >/dev/null
    done
    lease_tokens_increase "$rgd" >/dev/null || fail "$name: lease tokens on main do not increase"
    git --git-dir="$rgd" fsck --no-dangling >/dev/null 2>&1 || fail "$name: git fsck of the remote failed"
    echo "lease_pause $name: a stopped with token $tok_a, b took over with $tok_b after $(( $(date +%s) - t0 )) s," \
         "a exited 4: $(grep -i lease "$T/a.err" | tail -n 1)"
    cd "$TOP"; T=$TOP
}

mkdir -p "$TOP/srv"
git init -q --bare "$TOP/srv/path.git"
paused path "$TOP/srv/path.git" "$TOP/srv/path.git"

git init -q --bare "$TOP/srv/daemon.git"
start_git_daemon "$TOP/srv"
paused daemon "git://127.0.0.1:$GIT_DAEMON_PORT/daemon.git" "$TOP/srv/daemon.git"
kill "$GIT_DAEMON_PID"; forget_pid "$GIT_DAEMON_PID"
