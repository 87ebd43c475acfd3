# Hostile or broken lease entries (DESIGN 3.2): a peer pushes to the lease
# branch with the git CLI, and the fleet goes on. One case per attack:
# a huge TTL counts as the maximum (3600 s); an unreadable lease.json
# (garbage, empty, wrong types, missing fields, a symlink, a tree) is waited
# for as held with the maximum TTL, then taken over, never an error that
# stops every machine; a token out of range or jumping is unreadable too,
# and no token on main ever wraps; a holder with the same host name but
# another machine id, boot or PID namespace is never judged dead by its pid
# (an equal one is). An hour of waiting takes no hour here: the takeover
# cases write this machine's first sighting of the tip an hour back, as
# earlier cron runs of one boot would have (on CLOCK_MONOTONIC: a machine up
# for less than an hour gets a time before its boot, which memtui takes the
# same way, so the case runs everywhere).
. "$TESTS_DIR/lib.sh"
R="$T/remote.git"
MAXWAIT=3960   # 3600 s + a margin of 360 s

# lease_put JSON [MODE]: a child of the lease tip whose lease.json holds JSON
# (MODE 120000 makes it a symlink to that text; "tree" a folder).
lease_put() {
    _tip=$(git --git-dir="$R" rev-parse -q --verify refs/heads/memtui/lease || true)
    _blob=$(printf '%s' "$1" | git --git-dir="$R" hash-object -w --stdin)
    case "${2:-100644}" in
    tree)
        _sub=$(printf '100644 blob %s\tx\n' "$_blob" | git --git-dir="$R" mktree)
        _tree=$(printf '040000 tree %s\tlease.json\n' "$_sub" | git --git-dir="$R" mktree) ;;
    *) _tree=$(printf '%s blob %s\tlease.json\n' "${2:-100644}" "$_blob" | git --git-dir="$R" mktree) ;;
    esac
    _c=$(git --git-dir="$R" commit-tree "$_tree" ${_tip:+-p $_tip} -m "lease: by a peer (by hand)")
    git --git-dir="$R" update-ref refs/heads/memtui/lease "$_c" $_tip
}
# entry STATE TOKEN TTL [PID [HOST [EXTRA]]]: lease.json text
entry() {
    printf '{"env":"ghost","host":"%s","pid":%s,"token":%s,"ttl":%s,"state":"%s","time":"2024-01-01T00:00:00Z"%s}' \
        "${5:-elsewhere}" "${4:-4242}" "$2" "$3" "$1" "${6:-}"
}
tip_token() { git --git-dir="$R" show memtui/lease:lease.json | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'; }
tip_field() { git --git-dir="$R" show memtui/lease:lease.json | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
BOOT=$(cat /proc/sys/kernel/random/boot_id)
PIDNS=$(readlink /proc/self/ns/pid)
# seen_ago SECONDS: clone-a first saw the current lease tip SECONDS ago
seen_ago() {
    mkdir -p "$T/clone-a/.git/memtui"
    python3 -c 'import sys, time; print(sys.argv[1], sys.argv[2], "%.3f" % (time.monotonic() - float(sys.argv[3])))' \
        "$BOOT" "$(git --git-dir="$R" rev-parse memtui/lease)" "$1" >"$T/clone-a/.git/memtui/lease-seen-lease"
}
# merge_rc WANT NAME [options]: a's merge, stderr kept in err.NAME
merge_rc() {
    _want=$1 _n=$2; shift 2
    # something to merge, or an idle merge would take no lease
    printf '{"type":"entity","name":"E-%s","entityType":"t","observations":["o"]}\n' "$_n" >>"$T/a.json"
    mt a --claim-env --no-push export >/dev/null 2>&1   # claim: the host tests change the machine id
    set +e; mt a --lock-timeout 1 "$@" merge >/dev/null 2>"$T/err.$_n"; _got=$?; set -e
    [ "$_got" = "$_want" ] || fail "$_n: expected exit $_want, got $_got: $(cat "$T/err.$_n")"
}
# waited NAME: the merge timed out on the lease and said why
waited() {
    grep -q 'held by' "$T/err.$1" || fail "$1: no holder named: $(cat "$T/err.$1")"
}
# taken_over NAME BEFORE: the merge took the lease with token BEFORE + 1 and released it
taken_over() {
    [ "$(tip_field env) $(tip_field state) $(tip_token)" = "a released $(( $2 + 1 ))" ] ||
        fail "$1: the lease was not taken over with token $(( $2 + 1 )): $(git --git-dir="$R" show memtui/lease:lease.json)"
}

new_remote
expect_rc 0 mt a init "$R" >/dev/null
printf '{"type":"entity","name":"Seed","entityType":"thing","observations":["one"]}' >"$T/a.json"
expect_rc 0 mt a sync >/dev/null 2>&1
good=$(tip_token)

# -- unreadable entries: waited for as held (exit 4, the reason said), not an error (exit 1)
n=0
for bad in 'garbage' '' '{"env":"ghost","host":"h","pid":1,"token":"7","ttl":60,"state":"held","time":"t"}' \
    '{"env":"ghost","host":"h","pid":1,"state":"released","time":"t"}' \
    "$(entry released $((good + 1)) 60)" "$(entry released 9223372036854775808 60)" \
    "$(entry released 18446744073709551615 60)" "$(entry released -5 60)" "$(entry released 3.5 60)" \
    "$(entry released 9007199254740990 60)"; do
    n=$((n + 1))
    case $n in
    5) lease_put "$bad" 120000 ;;  # a symlink whose target reads as a released lease
    6) lease_put "$bad" tree ;;
    *) lease_put "$bad" ;;
    esac
    merge_rc 4 bad$n
    grep -q 'unreadable' "$T/err.bad$n" || fail "bad$n: the reason is not said: $(cat "$T/err.bad$n")"
    seen_ago $((MAXWAIT - 60))
    merge_rc 4 bad$n-early
    seen_ago $((MAXWAIT + 5))
    merge_rc 0 bad$n-late
    taken_over bad$n "$good"
    good=$(tip_token)
done

# -- a huge TTL counts as 3600 s: not a second less, not forever
lease_put "$(entry held $((good + 1)) 1000000000)"
merge_rc 4 ttl
waited ttl
grep -q 'ttl 3600 s' "$T/err.ttl" || fail "ttl: the wait does not count 3600 s: $(cat "$T/err.ttl")"
seen_ago $((MAXWAIT - 60))
merge_rc 4 ttl-early
seen_ago $((MAXWAIT + 5))
merge_rc 0 ttl-late
taken_over ttl $((good + 1))
good=$(tip_token)

# -- the same host name is not the same machine: a pid that does not exist
# here says nothing about a holder elsewhere
HOST=$(hostname)
sh -c 'exit 0' & dead=$!; wait $dead
export MEMTUI_MACHINE_ID=machine-here
n=0
for where in ",\"machine\":\"machine-there\",\"boot\":\"$BOOT\",\"pidns\":\"$PIDNS\"" \
    ",\"machine\":\"machine-here\",\"boot\":\"another-boot\",\"pidns\":\"$PIDNS\"" \
    ",\"machine\":\"machine-here\",\"boot\":\"$BOOT\",\"pidns\":\"pid:[1]\"" ""; do
    n=$((n + 1))
    lease_put "$(entry held $((good + 1)) 30 "$dead" "$HOST" "$where")"
    merge_rc 4 host$n
    waited host$n
    lease_put "$(entry released $((good + 1)) 30)"
    good=$((good + 1))
done
# ... and only where all of them are ours, the holder is gone at once
lease_put "$(entry held $((good + 1)) 30 "$dead" "$HOST" ",\"machine\":\"machine-here\",\"boot\":\"$BOOT\",\"pidns\":\"$PIDNS\"")"
merge_rc 0 host-here
grep -q 'holder process gone' "$T/err.host-here" || fail "host-here: not taken over as gone: $(cat "$T/err.host-here")"
taken_over host-here $((good + 1))
unset MEMTUI_MACHINE_ID

# every merge on main has a sane, increasing token
lease_tokens_increase "$R" >/dev/null || fail "tokens on main: $(lease_tokens_increase "$R" 2>&1)"
echo ok
