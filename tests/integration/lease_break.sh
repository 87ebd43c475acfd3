# Breaking the git lease by hand (DESIGN 3.2, 4): a sync of env a is
# stopped (SIGSTOP) in the middle of its merge, holding the lease, over a
# real git daemon. `lease show` (human and --json) names it; `lease break`
# without --token or with a token that is not the holder's refuses and
# writes nothing; with the holder's token it pushes a released entry with
# the next token naming the holder in "broke", and the audit log says who
# broke what. The resumed holder publishes nothing, exits 4 and says the
# lease was broken; the next sync takes the lease with a higher token and
# the merge tokens on main still increase. Then the exit codes of the other
# outcomes: already released, no lease branch, remote unreachable.
. "$TESTS_DIR/lib.sh"
trap hard_cleanup EXIT INT TERM
suppress_libgit2_leaks   # the broken holder's renewal is a rejected push
# mt_rc CODE OUT ERR ENV args...: mt with stdout to OUT and stderr to ERR;
# fails, showing ERR, unless it exits CODE.
mt_rc() {
    _want=$1 _out=$2 _err=$3; shift 3
    set +e; mt "$@" >"$_out" 2>"$_err"; _got=$?; set -e
    [ "$_got" -eq "$_want" ] || fail "expected exit $_want, got $_got: mt $*: $(cat "$_err")"
}

daemon_remote
for e in a b ops; do expect_rc 0 mt $e init "$URL" >/dev/null; done
python3 "$TESTS_DIR/tools/gen-fragments.py" --out "$T/gen" --envs 1 --entities 2000 --seed 11 >/dev/null
cp "$T/gen/base.json" "$T/a.json"
cp "$T/gen/base.json" "$T/base.jsonl"
mt_rc 0 /dev/null "$T/x.err" a sync
mt_rc 0 /dev/null "$T/x.err" b sync

# ---- a holder stopped in the middle of its merge --------------------------
log_a="$T/clone-a/.git/memtui.log"
edit_a() { graph_add "$T/a.json" a $(($1 + 1)) "$T/added-a.jsonl"; }
stop_holding_lease a edit_a
apid=$HOLDER_PID
h0=$H0
tok=$(lease_field "$R" 'j["token"]')
host=$(lease_field "$R" 'j["host"]')
tip0=$(git --git-dir="$R" rev-parse memtui/lease)

# ---- lease show names the holder -------------------------------------------
mt_rc 0 "$T/show.out" "$T/show.err" ops lease show
grep -q "held by a@$host pid $apid, token $tok, ttl 60 s" "$T/show.out" || fail "lease show: $(cat "$T/show.out")"
grep -q "may be taken over in [0-9.]* s" "$T/show.out" || fail "lease show, takeover: $(cat "$T/show.out")"
grep -q "lease break --token $tok\$" "$T/show.out" || fail "lease show does not name the token to break: $(cat "$T/show.out")"
grep -q "^  ${tip0%${tip0#??????????}}  held  *token $tok  *a@$host pid $apid" "$T/show.out" ||
    fail "lease show, chain: $(cat "$T/show.out")"
mt_rc 0 "$T/show.json" "$T/x.err" ops --json --limit 2 lease show
python3 - "$T/show.json" "$tok" "$apid" "$host" "$tip0" <<'EOF' || fail "lease show --json: $(cat "$T/show.json")"
import json, sys
text = open(sys.argv[1]).read()
j = json.loads(text)
tok, pid, host, tip = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
assert text.strip().count("\n") == 0
assert j["ok"] is True and j["command"] == "lease" and j["subcommand"] == "show" and j["exit_code"] == 0, j
l = j["lease"]
assert (l["state"], l["env"], l["host"], l["pid"], l["token"], l["ttl"], l["commit"]) == ("held", "a", host, pid, tok, 60, tip), l
assert l["broke"] is None and l["break_token"] == tok, l
assert 0 <= l["seen_unchanged_s"] < 62 and 0 < l["takeover_in_s"] <= 66, l
assert abs(l["seen_unchanged_s"] + l["takeover_in_s"] - 66) < 1e-6, l   # ttl 60 + margin max(2, 60/10)
assert j["limit"] == 2 and len(j["chain"]) == 2, j["chain"]
assert j["chain"][0]["commit"] == tip and j["chain"][0]["token"] == tok, j["chain"][0]
assert j["chain"][1]["state"] == "released" and j["chain"][1]["token"] == tok - 1, j["chain"][1]
EOF

# ---- a break must name the holder's token ----------------------------------
mt_rc 2 /dev/null "$T/notoken.err" ops lease break
grep -q "needs --token.*held by a@$host pid $apid token $tok (memtui --batch lease break --token $tok)" "$T/notoken.err" ||
    fail "lease break without --token: $(cat "$T/notoken.err")"
mt_rc 4 /dev/null "$T/stale.err" ops lease break --token $((tok + 1))
grep -q "held by a@$host pid $apid token $tok, not with token $((tok + 1)) .*nothing broken" "$T/stale.err" ||
    fail "lease break with another token: $(cat "$T/stale.err")"
[ "$(git --git-dir="$R" rev-parse memtui/lease)" = "$tip0" ] || fail "a refused break wrote to the lease chain"

# ---- the break -------------------------------------------------------------
log_ops="$T/clone-ops/.git/memtui.log"
mt_rc 0 "$T/break.json" "$T/break.err" ops --json lease break --token "$tok"
tip1=$(git --git-dir="$R" rev-parse memtui/lease)
[ "$(git --git-dir="$R" rev-parse memtui/lease^)" = "$tip0" ] || fail "the break is not a child of the holder's entry"
python3 - "$T/break.json" "$tok" "$apid" "$host" "$tip1" <<'EOF' || fail "lease break --json: $(cat "$T/break.json")"
import json, sys
j = json.load(open(sys.argv[1]))
tok, pid, host, tip = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
assert j["ok"] is True and j["command"] == "lease" and j["subcommand"] == "break" and j["broken"] is True, j
assert (j["was"]["env"], j["was"]["pid"], j["was"]["token"], j["was"]["state"]) == ("a", pid, tok, "held"), j["was"]
e = j["entry"]
assert (e["commit"], e["state"], e["env"], e["token"]) == (tip, "released", "ops", tok + 1), e
assert e["broke"] == "a@%s pid %d token %d" % (host, pid, tok), e
EOF
[ "$(lease_field "$R" '"%s %s %s %s" % (j["state"], j["token"], j["env"], j["broke"])')" = \
  "released $((tok + 1)) ops a@$host pid $apid token $tok" ] ||
    fail "the break entry: $(git --git-dir="$R" show memtui/lease:lease.json)"
python3 - "$log_ops" "$tok" "$apid" "$host" "$tip1" <<'EOF' || fail "the audit log does not record the break: $(cat "$log_ops")"
import json, sys
tok, pid, host, tip = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
hits = [o for o in lines if o.get("event") == "lease" and o.get("detail") == "broken"]
assert len(hits) == 1, hits
o = hits[0]
assert o["env"] == "ops" and o["broke"] == "a@%s pid %d token %d" % (host, pid, tok), o
assert o["by"].startswith("ops@%s pid " % host) and o["token"] == tok + 1 and o["commit"] == tip, o
assert "lease broken by ops@" in o["message"] and "was held by a@" in o["message"], o
EOF

# ---- the broken holder resumes: it publishes nothing ------------------------
kill -CONT "$apid"
reap "$apid"
[ "$REAP_RC" = 4 ] || fail "the broken holder exited $REAP_RC, want 4: $(cat "$T/a.err")"
grep -q "the lease (token $tok) was broken by ops@$host pid [0-9]* (its entry carries token $((tok + 1))): nothing published" "$T/a.err" ||
    fail "the broken holder does not say so: $(cat "$T/a.err")"
[ "$(git --git-dir="$R" rev-parse main)" = "$h0" ] || fail "the broken holder moved main on the remote"
[ "$(git --git-dir="$R" rev-parse memtui/lease)" = "$tip1" ] || fail "the broken holder wrote to the lease chain"
wait_event "$log_a" lease lost 5 || fail "a's audit log has no lease lost line: $(cat "$log_a")"

# ---- the next sync takes the lease with a higher token ----------------------
graph_add "$T/b.json" b 1 "$T/added-b.jsonl"
mt_rc 0 /dev/null "$T/b.err" b sync
tok_b=$(git --git-dir="$R" log -1 --format=%B main | sed -n 's/^Memtui-Lease-Token: *//p')
[ "$tok_b" = $((tok + 2)) ] || fail "b merged with token '$tok_b', want $((tok + 2)) (after the break's $((tok + 1)))"
mt_rc 0 /dev/null "$T/a2.err" a sync
git --git-dir="$R" show main:memory.json >"$T/final.json"
graph_has "$T/final.json" "$T/base.jsonl" "$T/added-a.jsonl" "$T/added-b.jsonl" || fail "data was lost around the break"
lease_tokens_increase "$R" >/dev/null || fail "lease tokens on main do not increase"

# ---- a lease that changed hands is not broken; a free one is left alone -----
fake_lease "$R" held zed zed-host 4242 600
tz=$(lease_field "$R" 'j["token"]')
tipz=$(git --git-dir="$R" rev-parse memtui/lease)
mt_rc 4 /dev/null "$T/moved.err" ops lease break --token "$tok"
grep -q "held by zed@zed-host pid 4242 token $tz, not with token $tok (it changed hands" "$T/moved.err" || fail "moved: $(cat "$T/moved.err")"
[ "$(git --git-dir="$R" rev-parse memtui/lease)" = "$tipz" ] || fail "a break with an old token wrote to the chain"
mt_rc 0 "$T/zed.out" /dev/null ops lease break --token "$tz"
grep -q "broke the lease held by zed@zed-host pid 4242 token $tz: chain entry [0-9a-f]*, released with token $((tz + 1))" "$T/zed.out" ||
    fail "human break: $(cat "$T/zed.out")"
tipr=$(git --git-dir="$R" rev-parse memtui/lease)
mt_rc 0 "$T/again.out" /dev/null ops lease break --token "$tz"
grep -q "nothing to break: the lease is already released" "$T/again.out" || fail "already released: $(cat "$T/again.out")"
[ "$(git --git-dir="$R" rev-parse memtui/lease)" = "$tipr" ] || fail "breaking a released lease wrote to the chain"
mt_rc 0 "$T/free.out" /dev/null ops lease show
grep -q "free (released by ops@$host pid [0-9]*), token $((tz + 1))" "$T/free.out" || fail "show after break: $(cat "$T/free.out")"
grep -q "broke zed@zed-host pid 4242 token $tz" "$T/free.out" || fail "the chain does not show the break: $(cat "$T/free.out")"

# ---- no lease branch, unreachable remote ------------------------------------
git init -q --bare "$T/srv/empty.git"
mt_rc 0 /dev/null "$T/x.err" fresh init "git://127.0.0.1:$GIT_DAEMON_PORT/empty.git"
mt_rc 0 "$T/never.out" /dev/null fresh lease show
grep -q "never taken" "$T/never.out" || fail "no lease branch, show: $(cat "$T/never.out")"
mt_rc 2 /dev/null "$T/never.err" fresh lease break --token 1
grep -q "no lease branch" "$T/never.err" || fail "no lease branch, break: $(cat "$T/never.err")"
git -C "$T/clone-ops" remote set-url origin "git://127.0.0.1:$(free_port)/r.git"
mt_rc 5 /dev/null "$T/x.err" ops lease show
mt_rc 5 "$T/down.json" /dev/null ops --json lease break --token 1
[ "$(json "$T/down.json" '(j["ok"], j["exit_code"], j["broken"])')" = "(False, 5, False)" ] || fail "unreachable: $(cat "$T/down.json")"
mt_rc 2 /dev/null "$T/x.err" ops lease
mt_rc 2 /dev/null "$T/x.err" ops lease break --token nope
kill "$GIT_DAEMON_PID"; forget_pid "$GIT_DAEMON_PID"
echo "lease_break: a stopped with token $tok; broken with token $((tok + 1)); a exited 4; b merged with $tok_b"
