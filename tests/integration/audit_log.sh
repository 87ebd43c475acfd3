# The audit log <git dir>/memtui.log (DESIGN 3.1): every batch run logs its
# start and its end (exit code, duration, and on failure the reason), a
# remote failure and a usage error included; restore logs the entities it
# brought back; the log rotates at MEMTUI_LOG_MAX_BYTES keeping 3 old files.
. "$TESTS_DIR/lib.sh"
new_remote
LOG=$T/clone-a/.git/memtui.log
ent() { printf '{"type":"entity","name":"%s","entityType":"t","observations":["%s"]}\n' "$1" "$2"; }
# runs FILE: the "run" lines of FILE as "phase command exit_code|args", one a line.
runs() {
    python3 - "$1" <<'PY'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    o = json.loads(line)
    if o["event"] != "run":
        continue
    if o["phase"] == "start":
        print("start", o["command"], " ".join(o["args"]))
    else:
        assert isinstance(o["duration_ms"], int) and o["duration_ms"] >= 0, o
        assert o["ok"] is (o["exit_code"] == 0), o
        print("end", o["command"], o["exit_code"], o.get("error", ""))
PY
}

expect_rc 0 mt a init "$T/remote.git" >/dev/null
ent Alice one >"$T/a.json"

# ---- a successful sync: start, then end with exit 0 ------------------------
: >"$LOG"
expect_rc 0 mt a sync >/dev/null 2>&1
runs "$LOG" >"$T/runs"
[ "$(head -n1 "$T/runs")" = "start sync " ] || fail "no run start first: $(cat "$T/runs")"
[ "$(tail -n1 "$T/runs")" = "end sync 0 " ] || fail "no run end with exit 0 last: $(cat "$T/runs")"
[ "$(wc -l <"$T/runs")" -eq 2 ] || fail "one start and one end expected: $(cat "$T/runs")"
grep -q '"event":"lock"' "$LOG" || fail "the lock lines are gone: $(cat "$LOG")"

# ---- an unreachable remote: exit 5 and the reason ----------------------------
: >"$LOG"
git -C "$T/clone-a" remote set-url origin "git://127.0.0.1:$(free_port)/r.git"
ent Bob two >>"$T/a.json"
expect_rc 5 mt a --json sync >"$T/out.json" 2>/dev/null
reason=$(json "$T/out.json" 'j["error"]')
[ -n "$reason" ] || fail "exit 5 without an error in --json: $(cat "$T/out.json")"
runs "$LOG" >"$T/runs"
[ "$(head -n1 "$T/runs")" = "start sync " ] || fail "exit 5 run: no start: $(cat "$T/runs")"
[ "$(tail -n1 "$T/runs")" = "end sync 5 $reason" ] || fail "exit 5 run: end line is not exit 5 with '$reason': $(cat "$T/runs")"
git -C "$T/clone-a" remote set-url origin "$T/remote.git"

# ---- usage errors once the repo is known: exit 2 -----------------------------
: >"$LOG"
expect_rc 2 mt a sync extra-argument 2>/dev/null
expect_rc 2 mt a restore 2>/dev/null
expect_rc 2 mt a frobnicate 2>/dev/null
runs "$LOG" >"$T/runs"
printf '%s\n' "start sync extra-argument" "end sync 2 sync takes no arguments" "start restore " \
    "end restore 2 usage: memtui --batch restore REF [--entity NAME]..." "start frobnicate " \
    "end frobnicate 2 unknown command 'frobnicate' (try memtui --help)" >"$T/want"
diff "$T/want" "$T/runs" >&2 || fail "usage errors are not logged with exit 2"

# ---- restore names the entities it brought back ------------------------------
expect_rc 0 mt a sync >/dev/null 2>&1
old=$(git -C "$T/clone-a" rev-parse HEAD)
ent Carol three >"$T/a.json"                 # Alice and Bob deleted
expect_rc 0 mt a sync >/dev/null 2>&1
: >"$LOG"
expect_rc 0 mt a restore "$old" --entity Alice --entity Bob >/dev/null 2>&1
python3 - "$LOG" "$old" <<'PY' || fail "restore did not log its entities: $(cat "$LOG")"
import json, sys
r = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
x = [o for o in r if o["event"] == "restore"]
assert len(x) == 1, x
assert x[0]["entities"] == ["Alice", "Bob"] and x[0]["restored"] == 2 and x[0]["ref"] == sys.argv[2], x[0]
e = [o for o in r if o["event"] == "run"]
assert e[0]["phase"] == "start" and e[0]["args"] == [sys.argv[2]], e[0]
assert e[-1]["phase"] == "end" and e[-1]["exit_code"] == 0, e[-1]
PY
git --git-dir="$T/remote.git" show main:memory.json | grep -q '"name":"Alice"' || fail "Alice not restored"

# ---- rotation: a tiny limit keeps memtui.log and .1 to .3 --------------------
rm -f "$LOG"*
for i in 1 2 3 4 5 6; do MEMTUI_LOG_MAX_BYTES=300 mt a status >/dev/null 2>&1 || fail "status $i failed"; done
for f in "$LOG" "$LOG.1" "$LOG.2" "$LOG.3"; do
    [ -s "$f" ] || fail "$f missing after rotations: $(ls "$T/clone-a/.git")"
    runs "$f" >/dev/null || fail "$f is not whole JSON lines"
done
[ ! -e "$LOG.4" ] || fail "more than 3 old logs kept"
[ ! -e "$LOG.rotating" ] || fail "the rotation link was left behind"
# the newest file ends with the last run's end line
[ "$(runs "$LOG" | tail -n1)" = "end status 0 " ] || fail "the last run's end is not in memtui.log"
echo "audit_log: ok"
