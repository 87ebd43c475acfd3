# Breaking the git lease from the workstation's Locks panel, in a real
# terminal (tmux): B asks a question naming the holder (env@host pid,
# token); n cancels and writes nothing; a lease that changed hands while
# the question was open is not broken; y on the current holder breaks it:
# the chain gets a released entry with the next token naming the holder,
# the audit log says who broke what, and the panel refreshes to show it.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/ui_lib.sh"
command -v tmux >/dev/null 2>&1 || fail "tmux is not installed: run sh scripts/install-deps.sh"
tmux_open lease
R=$T/remote.git
tip() { git --git-dir="$R" rev-parse memtui/lease; }

new_remote
expect_rc 0 mt a init "$R" >/dev/null
printf '{"type":"entity","name":"Base","entityType":"thing","observations":["one"]}\n' >"$T/a.json"
expect_rc 0 mt a sync >/dev/null 2>&1
fake_lease "$R" held zed zed-host 4242 600
tz=$(lease_field "$R" 'j["token"]')

workstation_script
tm new-session -d -s ui -x 120 -y 40 "env TERM=xterm-256color LANG=C.UTF-8 TZ=UTC sh $T/run.sh"
screen_has 'Environments'
keys 2; screen_has "held by zed on zed-host (pid 4242), token $tz"

# n cancels: nothing is written
t0=$(tip)
keys B; screen_has "Break the git lease held by zed@zed-host pid 4242 token $tz? Its holder then publishes nothing. \[y/N\]"
keys n; screen_has 'cancelled'
[ "$(tip)" = "$t0" ] || fail "n wrote to the lease chain"

# the lease changes hands while the question is open: y breaks nothing
keys B; screen_has "Break the git lease held by zed@zed-host pid 4242 token $tz?"
fake_lease "$R" released zed zed-host 4242 600
fake_lease "$R" held yan yan-host 777 600
ty=$(lease_field "$R" 'j["token"]')
t1=$(tip)
keys y; screen_has "break failed: .*held by yan@yan-host pid 777 token $ty, not with token $tz"
[ "$(tip)" = "$t1" ] || fail "a break with the token seen before the lease changed hands wrote to the chain"

# y on the current holder breaks it, and the panel shows the new entry
screen_has "held by yan on yan-host (pid 777), token $ty"
keys B; screen_has "Break the git lease held by yan@yan-host pid 777 token $ty? Its holder then publishes nothing. \[y/N\]"
keys y; screen_has "broke the lease held by yan@yan-host pid 777 token $ty: entry [0-9a-f]*, token $((ty + 1))"
screen_has "free (released by a), token $((ty + 1))"
screen_has "released token $((ty + 1)) *a@.* broke yan@yan-host pid 777 token $ty"
[ "$(lease_field "$R" '"%s %s %s %s" % (j["state"], j["token"], j["env"], j["broke"])')" = \
  "released $((ty + 1)) a yan@yan-host pid 777 token $ty" ] ||
    fail "the break entry: $(git --git-dir="$R" show memtui/lease:lease.json)"
[ "$(git --git-dir="$R" rev-parse memtui/lease^)" = "$t1" ] || fail "the break is not a child of yan's entry"
python3 - "$T/clone-a/.git/memtui.log" "$ty" <<'EOF' || fail "the audit log does not record the break: $(cat "$T/clone-a/.git/memtui.log")"
import json, sys
ty = int(sys.argv[2])
hits = [o for o in map(json.loads, filter(str.strip, open(sys.argv[1]))) if o.get("detail") == "broken"]
assert len(hits) == 1 and hits[0]["event"] == "lease", hits
assert hits[0]["broke"] == "yan@yan-host pid 777 token %d" % ty and hits[0]["by"].startswith("a@"), hits
assert hits[0]["token"] == ty + 1, hits
EOF
keys q; screen_has DONE
[ "$(cat "$T/rc")" = 0 ] || fail "exit $(cat "$T/rc"): $(cat "$T/err")"
echo ok
