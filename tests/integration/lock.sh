# The local lock (DESIGN 3.1): flock(2) on <git dir>/memtui.lock (or
# --lock-file). A second process on the same clone waits, then gives up after
# --lock-timeout with exit 4 and a message naming the holder written in the
# file; a killed holder frees it at once; memtui holds it through a fd opened
# close-on-exec, so no child can inherit it.
. "$TESTS_DIR/lib.sh"
trap hard_cleanup EXIT INT TERM
new_remote
expect_rc 0 mt a init "$T/remote.git" >/dev/null
graph_add "$T/a.json" a 1 "$T/added-a.jsonl"
expect_rc 0 mt a sync >/dev/null 2>&1
GD=$T/clone-a/.git
LOCK=$GD/memtui.lock
LOG=$GD/memtui.log
HOST=$(hostname | cut -d. -f1)

# hold_lock PATH ENV READY: a foreign holder: flock PATH, write a holder
# record as memtui does, touch READY, sleep. Run in the background; $! is
# the holder itself (exec'd).
hold_lock() {
    exec python3 - "$@" <<'EOF'
import fcntl, json, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)
fcntl.flock(fd, fcntl.LOCK_EX)
os.ftruncate(fd, 0)
rec = {"env": sys.argv[2], "host": os.uname().nodename.split(".")[0], "pid": os.getpid(),
       "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
os.pwrite(fd, (json.dumps(rec) + "\n").encode(), 0)
open(sys.argv[3], "w").write(str(os.getpid()))
time.sleep(300)
EOF
}
# now_ms: monotonic-enough wall time in milliseconds
now_ms() { python3 -c 'import time; print(int(time.monotonic() * 1000))'; }

# ---- 1. a foreign holder: wait, time out with exit 4 naming it -------------
hold_lock "$LOCK" lock-holder-env "$T/ready" &
holder=$!; PIDS="$PIDS $holder"
i=0; while [ ! -s "$T/ready" ]; do sleep 0.05; i=$((i + 1)); [ $i -lt 200 ] || fail "the holder did not take the lock"; done
h0=$(git --git-dir="$T/remote.git" rev-parse main); c0=$(git -C "$T/clone-a" rev-parse HEAD)
graph_add "$T/a.json" a 2 "$T/added-a.jsonl"
cp "$T/a.json" "$T/a.before"
t0=$(now_ms)
set +e; mt a --lock-timeout 2 sync >"$T/out" 2>"$T/err"; rc=$?; set -e
dt=$(( $(now_ms) - t0 ))
[ "$rc" = 4 ] || fail "a sync behind a held lock exited $rc, want 4: $(cat "$T/err")"
[ "$dt" -ge 1900 ] || fail "the sync gave up after $dt ms, before --lock-timeout 2"
# Only a bound that load cannot reach: it catches a wait that ignores the timeout.
[ "$dt" -lt 30000 ] || fail "the sync took $dt ms to give up with --lock-timeout 2"
grep -q 'lock-holder-env' "$T/err" || fail "the timeout message does not name the holder's env: $(cat "$T/err")"
grep -q "$holder" "$T/err" || fail "the timeout message does not name the holder's pid $holder: $(cat "$T/err")"
grep -q "$HOST" "$T/err" || fail "the timeout message does not name the holder's host: $(cat "$T/err")"
grep '"event":"lock"' "$LOG" | grep -q 'waiting for the local lock.*lock-holder-env' ||
    fail "the audit log does not record the wait naming the holder"
[ "$(git --git-dir="$T/remote.git" rev-parse main)" = "$h0" ] && [ "$(git -C "$T/clone-a" rev-parse HEAD)" = "$c0" ] ||
    fail "a sync that never got the lock changed the repo"
cmp -s "$T/a.json" "$T/a.before" || fail "a sync that never got the lock touched the local file"
# --json says the same
set +e; mt a --json --lock-timeout 1 export >"$T/out.json" 2>/dev/null; rc=$?; set -e
[ "$rc" = 4 ] || fail "export --json behind the lock exited $rc"
[ "$(json "$T/out.json" '(j["ok"], j["exit_code"])')" = "(False, 4)" ] || fail "--json of a lock timeout: $(cat "$T/out.json")"
json "$T/out.json" 'j.get("error", "")' | grep -q lock-holder-env || fail "--json error does not name the holder: $(cat "$T/out.json")"
# status shows who holds the lock
expect_rc 0 mt a --json status >"$T/status.json" 2>/dev/null
[ "$(json "$T/status.json" '(j["lock"]["env"], j["lock"]["pid"])')" = "('lock-holder-env', $holder)" ] ||
    fail "status --json does not show the lock holder: $(json "$T/status.json" 'j.get("lock")')"

# ---- 2. the killed holder frees it at once ---------------------------------
off=$(size_of "$LOG")
mt_bg a "$T/w.out" "$T/w.err" --lock-timeout 60 sync
waiter=$MT_PID
sleep 1.5
kill -0 "$waiter" 2>/dev/null || fail "the second process did not wait for the lock: $(cat "$T/w.err")"
tail -c +$((off + 1)) "$LOG" | grep -q 'waiting for the local lock' || fail "the waiting process logged no wait"
t0=$(now_ms)
kill -KILL "$holder"; wait "$holder" 2>/dev/null || true; forget_pid "$holder"
reap "$waiter"
dt=$(( $(now_ms) - t0 ))
[ "$REAP_RC" = 0 ] || fail "the waiting sync exited $REAP_RC after the holder died: $(cat "$T/w.err")"
# The holder never releases: only the kernel dropping its flock at the kill
# lets the waiter in, so rc 0 proves the takeover; the bound (half the
# waiter's --lock-timeout) only says it did not come from some other wait.
[ "$dt" -lt 30000 ] || fail "the lock was taken $dt ms after its holder was killed"
git --git-dir="$T/remote.git" show main:memory.json >"$T/m.json"
graph_has "$T/m.json" "$T/added-a.jsonl" || fail "the sync after the wait lost data"
echo "lock: a killed holder's lock taken over after $dt ms"

# the same with util-linux flock(1) holding it (-F: the command itself holds it)
flock -F "$LOCK" sleep 60 &
fholder=$!; PIDS="$PIDS $fholder"
i=0; until grep -q "FLOCK.*WRITE $fholder " /proc/locks; do sleep 0.05; i=$((i + 1)); [ $i -lt 100 ] || fail "flock(1) did not take the lock"; done
expect_rc 4 mt a --lock-timeout 1 export >/dev/null 2>&1
kill "$fholder"; wait "$fholder" 2>/dev/null || true; forget_pid "$fholder"
expect_rc 0 mt a --lock-timeout 1 export >/dev/null 2>&1

# ---- 3. --lock-file ---------------------------------------------------------
hold_lock "$T/custom.lock" custom-holder "$T/ready2" &
cholder=$!; PIDS="$PIDS $cholder"
i=0; while [ ! -s "$T/ready2" ]; do sleep 0.05; i=$((i + 1)); [ $i -lt 200 ] || fail "the holder did not take the lock"; done
set +e; mt a --lock-file "$T/custom.lock" --lock-timeout 1 sync >/dev/null 2>"$T/err"; rc=$?; set -e
[ "$rc" = 4 ] || fail "--lock-file: a held custom lock file did not block (exit $rc)"
grep -q custom-holder "$T/err" || fail "--lock-file: the message does not name the holder"
expect_rc 0 mt a --lock-timeout 1 sync >/dev/null 2>&1
kill "$cholder"; wait "$cholder" 2>/dev/null || true; forget_pid "$cholder"

# ---- 4. memtui's own lock fd is close-on-exec; its record names it ----------
# A lease held elsewhere keeps a sync waiting (for the lease) while it holds
# the local lock; it is stopped there and inspected.
fake_lease "$T/remote.git" held other-env elsewhere 1 60
graph_add "$T/a.json" a 3 "$T/added-a.jsonl"
off=$(size_of "$LOG")
mt_bg a "$T/h.out" "$T/h.err" --lock-timeout 60 sync
mpid=$MT_PID
wait_event "$LOG" lease wait 30 "$off" || fail "the sync did not wait for the lease: $(cat "$T/h.err")"
kill -STOP "$mpid"
fd=""
for f in /proc/"$mpid"/fd/*; do
    [ "$(readlink "$f")" = "$LOCK" ] && fd=${f##*/}
done
[ -n "$fd" ] || fail "memtui (pid $mpid) has no fd open on $LOCK while it holds the lock"
flags=$(sed -n 's/^flags:[[:space:]]*//p' "/proc/$mpid/fdinfo/$fd")
[ $(( 0$flags & 02000000 )) -ne 0 ] || fail "the lock fd $fd is not close-on-exec (flags $flags): a child would inherit the lock"
grep -q "FLOCK.*WRITE $mpid " /proc/locks || fail "/proc/locks shows no flock held by memtui pid $mpid"
[ "$(json "$LOCK" '(j["env"], j["pid"])')" = "('a', $mpid)" ] || fail "the lock file does not name memtui as holder: $(cat "$LOCK")"
set +e; mt a --lock-timeout 1 export >/dev/null 2>"$T/err"; rc=$?; set -e
[ "$rc" = 4 ] || fail "a second memtui was not kept out by a stopped holder (exit $rc)"
grep -q "pid $mpid" "$T/err" || fail "the timeout does not name the stopped memtui (pid $mpid): $(cat "$T/err")"
# killed while holding it: the lock is free at once, nothing is damaged
t0=$(now_ms)
kill -KILL "$mpid"; reap "$mpid" 2>/dev/null
expect_rc 0 mt a --lock-timeout 5 export >/dev/null 2>&1
dt=$(( $(now_ms) - t0 ))
[ "$dt" -lt 5000 ] || fail "the lock of a killed memtui was freed only after $dt ms"
fake_lease "$T/remote.git" released other-env elsewhere 1 60
expect_rc 0 mt a sync >/dev/null 2>&1
git --git-dir="$T/remote.git" show main:memory.json >"$T/m.json"
graph_has "$T/m.json" "$T/added-a.jsonl" || fail "data lost after the killed holder"
cmp -s "$T/a.json" "$T/m.json" || fail "the local file did not converge"
expect_rc 0 mt a verify >/dev/null
git --git-dir="$T/remote.git" fsck --no-dangling >/dev/null 2>&1 || fail "git fsck of the remote failed"
git -C "$T/clone-a" fsck --no-dangling >/dev/null 2>&1 || fail "git fsck of the clone failed"

# ---- 5. --lock-file never overwrites what is not a memtui lock file --------
# The memory file, any text file, a symlink (even to a lock file) and a
# directory or FIFO are refused with exit 2 and a message; each stays exactly
# as it was, and nothing is exported.
echo "notes that are not a lock" >"$T/notes.txt"
cp "$T/a.json" "$T/a.keep"; cp "$T/notes.txt" "$T/notes.keep"; cp "$LOCK" "$T/lock.keep"
ln -s "$T/a.json" "$T/link-to-memory"
ln -s "$LOCK" "$T/link-to-lock"
mkdir "$T/dir.lock"
mkfifo "$T/fifo.lock"
graph_add "$T/a.json" a 4 "$T/added-a.jsonl"
cp "$T/a.json" "$T/a.keep"
h0=$(git --git-dir="$T/remote.git" rev-parse main)
for target in "$T/a.json:not a memtui lock file" "$T/notes.txt:not a memtui lock file" \
              "$T/link-to-memory:symbolic link" "$T/link-to-lock:symbolic link" \
              "$T/dir.lock:directory" "$T/fifo.lock:not a regular file"; do
    path=${target%%:*} why=${target#*:}
    set +e; mt a --lock-file "$path" --lock-timeout 1 sync >/dev/null 2>"$T/err"; rc=$?; set -e
    [ "$rc" = 2 ] || fail "--lock-file $path: exit $rc, want 2: $(cat "$T/err")"
    grep -q "$path.*$why" "$T/err" || fail "--lock-file $path: the message does not say '$why': $(cat "$T/err")"
    set +e; mt a --json --lock-file "$path" export >"$T/out.json" 2>/dev/null; rc=$?; set -e
    [ "$rc" = 2 ] || fail "--json --lock-file $path: exit $rc, want 2"
    json "$T/out.json" 'j["error"]' | grep -q "$why" || fail "--json --lock-file $path: $(cat "$T/out.json")"
done
cmp -s "$T/a.json" "$T/a.keep" || fail "--lock-file at the memory file changed it: $(cat "$T/a.json")"
cmp -s "$T/notes.txt" "$T/notes.keep" || fail "--lock-file at a text file changed it: $(cat "$T/notes.txt")"
cmp -s "$LOCK" "$T/lock.keep" || fail "--lock-file at a symlink to the lock wrote through it"
[ -L "$T/link-to-memory" ] && [ -L "$T/link-to-lock" ] || fail "a symlink given as --lock-file was replaced"
[ -d "$T/dir.lock" ] && [ -z "$(ls -A "$T/dir.lock")" ] || fail "the directory given as --lock-file changed"
[ -p "$T/fifo.lock" ] || fail "the FIFO given as --lock-file was replaced"
[ "$(git --git-dir="$T/remote.git" rev-parse main)" = "$h0" ] || fail "a refused --lock-file still exported"
# status only reads the lock file: it neither hangs on the FIFO nor fails
expect_rc 0 mt a --lock-file "$T/fifo.lock" status >/dev/null 2>&1
expect_rc 0 mt a --lock-file "$T/a.json" status >/dev/null 2>&1
cmp -s "$T/a.json" "$T/a.keep" || fail "status with --lock-file at the memory file changed it"

# a lock file memtui created is reused, run after run; so is an empty one
[ ! -e "$T/mine.lock" ] || fail "test set-up: $T/mine.lock exists"
expect_rc 0 mt a --lock-file "$T/mine.lock" sync >/dev/null 2>&1
[ "$(json "$T/mine.lock" '(j["env"], j["host"])')" = "('a', '$HOST')" ] || fail "the created lock file: $(cat "$T/mine.lock")"
graph_add "$T/a.json" a 5 "$T/added-a.jsonl"
expect_rc 0 mt a --lock-file "$T/mine.lock" sync >/dev/null 2>&1
[ "$(wc -l <"$T/mine.lock")" = 1 ] || fail "the reused lock file is not one holder line: $(cat "$T/mine.lock")"
: >"$T/empty.lock"
expect_rc 0 mt a --lock-file "$T/empty.lock" export >/dev/null 2>&1
[ "$(json "$T/empty.lock" 'j["env"]')" = a ] || fail "an empty lock file was not used: $(cat "$T/empty.lock")"
git --git-dir="$T/remote.git" show main:memory.json >"$T/m.json"
graph_has "$T/m.json" "$T/added-a.jsonl" || fail "data lost around the refused lock files"
