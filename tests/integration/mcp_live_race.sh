# A live MCP memory server racing sync (DESIGN 3.3: "the MCP server writes
# its file at any instant ... no write of the server is ever lost").
# alpha's file is written by the real server (tests/tools/mcp-race.mjs: 80
# create_entities / add_observations / create_relations calls, one at a
# time, 0-120 ms apart, each write of the server slowed by up to 800 ms
# between its read and its rename, as on a loaded disk) while alpha syncs
# back to back; beta adds entities through its own server and syncs every
# other round, so that alpha's imports really change alpha's file. Two ways
# to lose data are exercised: a server write landing between the sync's
# check of the file and its import (the import overwrites it), and a server
# write based on the file as it was before the import (it overwrites the
# import, and the next export must not read that as deleting what the
# import brought). Once the server is done, two more rounds of syncs
# (alpha, beta, alpha, beta). Everything the server reported created, and
# every entity beta made, must then be in alpha's file, in memory.json on
# main and in beta's file; both local files must equal memory.json; no call
# of the server may have failed (an "Entity with name ... not found" is an
# entity the server created that vanished from its file). Prints
#   race: calls=N syncs=M lost=K errors=E
# (M: alpha's syncs during the race; K: created items, of alpha's server or
# beta's, missing from at least one of the three graphs; E: failed server
# calls). STRESS=1: 500 calls (some minutes), and random alpha syncs are
# killed with SIGKILL at random instants; the final syncs must still
# converge and lose nothing. RACE_SEED=N replays another sequence of server
# calls; RACE_CALLS, RACE_MAX_PAUSE, RACE_SLOW_WRITE override the sizes
# below; RACE_KEEP=DIR keeps a copy of the test's directory (files, report,
# sync log) in DIR.
. "$TESTS_DIR/lib.sh"
trap hard_cleanup EXIT INT TERM
. "$TESTS_DIR/mcp_lib.sh"
RACE="$TESTS_DIR/tools/mcp-race.mjs"
CONTAINS="$TESTS_DIR/tools/graph-contains.py"
SEED=${RACE_SEED:-11}
# CALLS: the server's tool calls; MAX_PAUSE_MS: pause before each, random up
# to that; SLOW_WRITE_MS: each write of the server waits up to that much
# before its rename (mcp-race.mjs --slow-write), so that a sync often runs
# from export to import while the server holds a graph it read before the
# import (with fast writes the file nearly always changes between export
# and import, the import is skipped, and the race is seldom seen);
# KILL_ONE_IN: one alpha sync in that many is killed (0: none); TTL: the
# lease TTL of alpha's syncs, short so that a killed holder's lease is soon
# taken over;
# MAX_SECS: on a slow machine the server is told to stop after that long.
if [ -n "${STRESS:-}" ]; then
    CALLS=500 MAX_PAUSE_MS=120 SLOW_WRITE_MS=800 KILL_ONE_IN=6 TTL="--lease-ttl 3" MAX_SECS=600
else
    CALLS=80 MAX_PAUSE_MS=120 SLOW_WRITE_MS=800 KILL_ONE_IN=0 TTL="" MAX_SECS=40
fi
CALLS=${RACE_CALLS:-$CALLS}
MAX_PAUSE_MS=${RACE_MAX_PAUSE:-$MAX_PAUSE_MS}
SLOW_WRITE_MS=${RACE_SLOW_WRITE:-$SLOW_WRITE_MS}
BETA_EVERY=2   # beta adds an entity and syncs after every BETA_EVERY alpha syncs

new_remote
for e in alpha beta; do expect_rc 0 mt $e init "$T/remote.git" >/dev/null; done

# beta_add N: beta's server creates the next N entities beta-K (each but
# beta-0 related to beta-0); every one of them must survive (checked at the
# end against a report made from BETA_N, in mcp-race.mjs's format).
BETA_N=0
beta_add() {
    _ents="" _rels="" _k=$BETA_N
    while [ "$_k" -lt $((BETA_N + $1)) ]; do
        _ents="$_ents${_ents:+, }{\"name\": \"beta-$_k\", \"entityType\": \"beta\", \"observations\": [\"made by beta in round $_k\"]}"
        [ "$_k" = 0 ] || _rels="$_rels${_rels:+, }{\"from\": \"beta-$_k\", \"to\": \"beta-0\", \"relationType\": \"follows\"}"
        _k=$((_k + 1))
    done
    _calls="[\"create_entities\", {\"entities\": [$_ents]}]"
    [ -z "$_rels" ] || _calls="$_calls, [\"create_relations\", {\"relations\": [$_rels]}]"
    echo "[$_calls]" | node "$DRIVE" "$SERVER" "$T/beta.json" >>"$T/drive-beta.out" 2>>"$T/drive-beta.err" ||
        fail "mcp-drive failed for beta: $(tail -n 3 "$T/drive-beta.err")"
    BETA_N=$_k
}
beta_add 5
for e in beta alpha; do expect_rc 0 mt $e sync >/dev/null 2>&1; done
grep -q '"beta-4"' "$T/alpha.json" || fail "alpha did not import beta's entities before the race"

# a small PRNG for the shell (sh has no $RANDOM): R in [0, 2^31)
R=$SEED
next_rand() { R=$(( (R * 1103515245 + 12345) % 2147483648 )); }

SYNCS=0 BETA_SYNCS=0 KILLS=0 RCS="" PROBLEMS=""
problem() { PROBLEMS="$PROBLEMS
  $*"; }
# sync_alpha: one sync of alpha; under STRESS some are killed at a random
# instant (0 to 1000 ms after the start: a sync takes about that long).
sync_alpha() {
    SYNCS=$((SYNCS + 1))
    kill_ms=""
    if [ "$KILL_ONE_IN" -gt 0 ]; then
        next_rand
        if [ $((R % KILL_ONE_IN)) = 0 ]; then next_rand; kill_ms=$((R % 1000)); fi
    fi
    mt_bg alpha "$T/s.out" "$T/s.err" $TTL sync
    if [ -n "$kill_ms" ]; then
        sleep "$(printf '%d.%03d' $((kill_ms / 1000)) $((kill_ms % 1000)))"
        kill -KILL "$MT_PID" 2>/dev/null || true
    fi
    reap "$MT_PID"
    { echo "--- alpha sync $SYNCS: exit $REAP_RC${kill_ms:+ (SIGKILL at $kill_ms ms)}"; cat "$T/s.out" "$T/s.err"; } >>"$T/sync.log"
    RCS="$RCS $REAP_RC"
    if [ "$REAP_RC" = 137 ] && [ -n "$kill_ms" ]; then
        KILLS=$((KILLS + 1))
    elif [ "$REAP_RC" != 0 ] && [ "$KILL_ONE_IN" = 0 ]; then
        problem "alpha sync $SYNCS exited $REAP_RC: $(grep -v '^memtui: \(acquired\|released\|lease \)' "$T/s.err" | head -n 3 | tr '\n' ' ')"
    fi
}
sync_beta() {
    BETA_SYNCS=$((BETA_SYNCS + 1))
    set +e; mt beta --lock-timeout 60 sync >"$T/s.out" 2>"$T/s.err"; rc=$?; set -e
    { echo "--- beta sync $BETA_SYNCS: exit $rc"; cat "$T/s.out" "$T/s.err"; } >>"$T/sync.log"
    [ "$rc" = 0 ] || [ "$KILL_ONE_IN" != 0 ] ||
        problem "beta sync $BETA_SYNCS exited $rc: $(grep -v '^memtui: \(acquired\|released\|lease \)' "$T/s.err" | head -n 3 | tr '\n' ' ')"
}
# running PID: the process exists and is not a zombie
running() { [ -e "/proc/$1" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }

# --- the race ---------------------------------------------------------------
node "$RACE" "$SERVER" "$T/alpha.json" "$T/report.json" --calls "$CALLS" --seed "$SEED" \
    --max-pause "$MAX_PAUSE_MS" --slow-write "$SLOW_WRITE_MS" --stop "$T/STOP" >"$T/race.out" 2>&1 &
RACE_PID=$!
PIDS="$PIDS $RACE_PID"
start=$(date +%s)
while [ ! -e "$T/report.json" ] && running "$RACE_PID"; do
    [ $(( $(date +%s) - start )) -lt "$MAX_SECS" ] || : >"$T/STOP"
    sync_alpha
    if [ $((SYNCS % BETA_EVERY)) = 0 ]; then
        beta_add 1
        sync_beta
    fi
done
reap "$RACE_PID"
[ "$REAP_RC" = 0 ] || fail "mcp-race.mjs exited $REAP_RC: $(cat "$T/race.out")"
race_secs=$(( $(date +%s) - start ))

# --- the end: two rounds, every sync must succeed ---------------------------
for e in alpha beta alpha beta; do
    set +e; mt $e --lock-timeout 60 sync >"$T/s.out" 2>"$T/s.err"; rc=$?; set -e
    { echo "--- final $e sync: exit $rc"; cat "$T/s.out" "$T/s.err"; } >>"$T/sync.log"
    [ "$rc" = 0 ] || problem "final $e sync exited $rc: $(grep -v '^memtui: \(acquired\|released\|lease \)' "$T/s.err" | head -n 3 | tr '\n' ' ')"
done

# --- what the server reported created, and beta's own entities -----------
git --git-dir="$T/remote.git" show main:memory.json >"$T/main.json" || fail "no memory.json on main"
python3 - "$T/beta-report.json" "$BETA_N" <<'EOF'
import json, sys
n = int(sys.argv[2])
json.dump({"entities": {"beta-%d" % k: ["made by beta in round %d" % k] for k in range(n)},
           "relations": [["beta-%d" % k, "beta-0", "follows"] for k in range(1, n)]}, open(sys.argv[1], "w"))
EOF
set +e
python3 "$CONTAINS" "$T/report.json" "$T/alpha.json" "$T/main.json" "$T/beta.json" >"$T/contains.out" 2>&1
c_rc=$?
python3 "$CONTAINS" "$T/beta-report.json" "$T/alpha.json" "$T/main.json" "$T/beta.json" >"$T/contains-beta.out" 2>&1
cb_rc=$?
set -e
[ "$c_rc" -le 1 ] || fail "graph-contains.py: $(cat "$T/contains.out")"
[ "$cb_rc" -le 1 ] || fail "graph-contains.py: $(cat "$T/contains-beta.out")"
LOST=$(sed -n 's/^missing from at least one file: //p' "$T/contains.out")
LOST_BETA=$(sed -n 's/^missing from at least one file: //p' "$T/contains-beta.out")
set -- $(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
print(r["calls"], len(r["errors"]), sum("not found" in e for e in r["errors"]), len(r["entities"]),
      sum(len(v) for v in r["entities"].values()), len(r["relations"]))' "$T/report.json")
CALLS_MADE=$1 ERRORS=$2 NOT_FOUND=$3

echo "race: calls=$CALLS_MADE syncs=$SYNCS lost=$((LOST + LOST_BETA)) errors=$ERRORS"
echo "race: seed $SEED, ${race_secs}s; server created $4 entities, $5 observations, $6 relations;" \
     "lost of those $LOST; beta: $BETA_N entities, $BETA_SYNCS syncs, lost $LOST_BETA; alpha sync kills: $KILLS;" \
     "alpha sync exit codes:$(echo $RCS | tr ' ' '\n' | sort -n | uniq -c | awk '{printf " %s x%s", $2, $1}')"
[ "$c_rc" = 0 ] || problem "the server's writes were lost: $(tr '\n' ' ' <"$T/contains.out")"
[ "$cb_rc" = 0 ] || problem "beta's writes were lost: $(tr '\n' ' ' <"$T/contains-beta.out")"
[ "$NOT_FOUND" = 0 ] || problem "$NOT_FOUND server calls failed with 'not found' (an entity the server created vanished from its file)"
[ "$ERRORS" = 0 ] || problem "$ERRORS server calls failed; first: $(python3 -c '
import json, sys
print(" | ".join(json.load(open(sys.argv[1]))["errors"][:3]))' "$T/report.json")"
for e in alpha beta; do
    cmp -s "$T/$e.json" "$T/main.json" || problem "$e's local file differs from memory.json on main after the final syncs"
done
for e in alpha beta; do
    valid_jsonl "$T/$e.json" 2>/dev/null || problem "$e's local file is not a valid MCP graph"
done
[ -z "${RACE_KEEP:-}" ] || { rm -rf "$RACE_KEEP"; cp -r "$T" "$RACE_KEEP"; }
if [ -n "$PROBLEMS" ]; then
    echo "--- end of the sync log:" >&2
    tail -n 25 "$T/sync.log" >&2
    fail "$PROBLEMS"
fi
