# lib.sh: helpers for the shell integration tests (sourced).
# Every test runs in its own temporary directory, removed at exit, with a
# pinned git identity for set-up commands made with the git CLI.
set -eu
: "${MEMTUI:?MEMTUI must name the memtui binary}"
T=$(mktemp -d "${TMPDIR:-/tmp}/memtui-it-XXXXXX")
PIDS=""
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null || true; done
    rm -rf "$T"
}
trap cleanup EXIT INT TERM
export GIT_AUTHOR_NAME=test GIT_AUTHOR_EMAIL=test@example.invalid
export GIT_COMMITTER_NAME=test GIT_COMMITTER_EMAIL=test@example.invalid
export HOME="$T/home" TZ=UTC LANG=C.UTF-8
# No credentials from the caller's environment reach a test remote.
unset GIT_ASKPASS SSH_ASKPASS MEMTUI_GIT_TOKEN
mkdir -p "$HOME"
cd "$T"

fail() { echo "FAIL: $*" >&2; exit 1; }
# expect_rc CODE command...: run and check the exit code.
expect_rc() {
    want=$1; shift
    set +e; "$@"; got=$?; set -e
    [ "$got" -eq "$want" ] || fail "expected exit $want, got $got: $*"
}
# mt ENV args...: memtui --batch in clone $T/clone-ENV with local file $T/ENV.json
mt() {
    e=$1; shift
    "$MEMTUI" --batch --repo "$T/clone-$e" --env "$e" --memory-file "$T/$e.json" "$@"
}
new_remote() { git init -q --bare "$T/remote.git"; }
# json FILE EXPR: evaluate a python expression over the JSON object j.
json() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }

# suppress_libgit2_leaks: now and then (under contention, around rejected
# pushes) LeakSanitizer reports 168 bytes (2 objects of 64 bytes with a
# string each) allocated inside libgit2 1.5: its local transport leaks the
# refs it had listed when a peer's short-lived ref vanishes in the middle of
# the listing (memtui lists again: repo_connect_remote; test_repo's
# test_fetch_while_peer_churns_refs). Tests that push against contention
# suppress leaks allocated inside libgit2 only (leaks of memtui's own
# allocations still fail).
suppress_libgit2_leaks() {
    printf 'leak:libgit2.so\n' >"$T/lsan.supp"
    export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$T/lsan.supp:print_suppressions=0"
}

# ---- coordination tests: servers, lease entries, graphs, stopped processes --
# (storm, lease_pause, lock, crash_sweep, faults, safety)

# forget_pid PID: drop PID from PIDS once the test has reaped it itself.
forget_pid() { PIDS=$(echo " $PIDS " | sed "s/ $1 / /g"); }
# hard_cleanup: for tests that SIGSTOP processes (a stopped process does not
# act on SIGTERM): SIGCONT and SIGTERM every pid in PIDS, SIGKILL what is
# left, then the usual cleanup. Use: trap hard_cleanup EXIT INT TERM
hard_cleanup() {
    for p in $PIDS; do kill -CONT "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done
    [ -z "${PIDS# }" ] || sleep 0.2
    for p in $PIDS; do kill -KILL "$p" 2>/dev/null || true; done
    PIDS=""
    cleanup
}
# free_port: a TCP port nobody listens on at 127.0.0.1 right now.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# wait_port PORT [SECONDS]: until something accepts connections on 127.0.0.1:PORT.
wait_port() {
    python3 - "$1" "${2:-10}" <<'EOF'
import socket, sys, time
port, end = int(sys.argv[1]), time.monotonic() + float(sys.argv[2])
while time.monotonic() < end:
    try:
        socket.create_connection(("127.0.0.1", port), 0.2).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
EOF
}
# start_git_daemon BASE: a real git daemon on 127.0.0.1 serving every bare
# repository under BASE (git://127.0.0.1:$GIT_DAEMON_PORT/<name>), pushes
# allowed. Sets GIT_DAEMON_PORT and GIT_DAEMON_PID (the daemon, read from
# its --pid-file); both it and the `git` wrapper are stopped by pid at exit.
start_git_daemon() {
    _tries=0
    while :; do
        GIT_DAEMON_PORT=$(free_port)
        _pf="$T/git-daemon-$GIT_DAEMON_PORT.pid"
        git daemon --export-all --enable=receive-pack --base-path="$1" --listen=127.0.0.1 \
            --port="$GIT_DAEMON_PORT" --pid-file="$_pf" --reuseaddr >"$T/git-daemon-$GIT_DAEMON_PORT.log" 2>&1 &
        _w=$!
        PIDS="$PIDS $_w"
        if wait_port "$GIT_DAEMON_PORT" 10 && kill -0 "$_w" 2>/dev/null && [ -s "$_pf" ]; then
            GIT_DAEMON_PID=$(cat "$_pf")
            PIDS="$GIT_DAEMON_PID $PIDS"
            return 0
        fi
        kill "$_w" 2>/dev/null || true
        _tries=$((_tries + 1))
        [ "$_tries" -lt 3 ] || fail "git daemon did not start: $(cat "$T/git-daemon-$GIT_DAEMON_PORT.log")"
    done
}
# start_http_git BASE: git's own git-http-backend behind lighttpd on
# 127.0.0.1 (http://127.0.0.1:$HTTP_PORT/git/<name>), for every repository
# under BASE; a repository takes pushes once it has http.receivepack=true.
# HTTP_GIT_EXTRA_CONF, when set, is appended to lighttpd's configuration
# (e.g. to demand a password on some paths).
# Sets HTTP_PORT and HTTP_PID (stopped by pid at exit). Returns 1, saying
# why on stderr, when lighttpd or git-http-backend is missing or fails.
GIT_HTTP_BACKEND=${GIT_HTTP_BACKEND:-$(git --exec-path)/git-http-backend}
start_http_git() {
    command -v lighttpd >/dev/null 2>&1 || { echo "lighttpd is not installed (scripts/install-deps.sh)" >&2; return 1; }
    [ -x "$GIT_HTTP_BACKEND" ] || { echo "no git-http-backend at $GIT_HTTP_BACKEND" >&2; return 1; }
    _tries=0
    mkdir -p "$T/www"
    while :; do
        HTTP_PORT=$(free_port)
        _conf="$T/lighttpd-$HTTP_PORT.conf"
        cat >"$_conf" <<EOF
server.document-root = "$T/www"
server.bind = "127.0.0.1"
server.port = $HTTP_PORT
server.errorlog = "$T/lighttpd-$HTTP_PORT.log"
server.modules = ("mod_alias", "mod_setenv", "mod_cgi")
alias.url = ("/git" => "$GIT_HTTP_BACKEND")
\$HTTP["url"] =~ "^/git" {
    cgi.assign = ("" => "")
    setenv.add-environment = ("GIT_PROJECT_ROOT" => "$1", "GIT_HTTP_EXPORT_ALL" => "")
}
${HTTP_GIT_EXTRA_CONF:-}
EOF
        lighttpd -tt -f "$_conf" >"$T/lighttpd-check.log" 2>&1 || { cat "$T/lighttpd-check.log" >&2; return 1; }
        lighttpd -D -f "$_conf" >"$T/lighttpd-$HTTP_PORT.out" 2>&1 &
        HTTP_PID=$!
        PIDS="$PIDS $HTTP_PID"
        if wait_port "$HTTP_PORT" 10 && kill -0 "$HTTP_PID" 2>/dev/null; then return 0; fi
        kill "$HTTP_PID" 2>/dev/null || true
        _tries=$((_tries + 1))
        if [ "$_tries" -ge 3 ]; then
            cat "$T/lighttpd-$HTTP_PORT.out" "$T/lighttpd-$HTTP_PORT.log" >&2 2>/dev/null
            return 1
        fi
    done
}
# fake_lease GITDIR STATE ENV HOST PID TTL: a lease entry (DESIGN 3.2) written
# by hand on memtui/lease of the bare repository GITDIR, as a holder memtui
# does not know would leave it: STATE held (token + 1) or released.
fake_lease() {
    _tip=$(git --git-dir="$1" rev-parse -q --verify refs/heads/memtui/lease || true)
    _tok=0
    [ -z "$_tip" ] || _tok=$(git --git-dir="$1" show "$_tip:lease.json" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
    [ "$2" != held ] || _tok=$((_tok + 1))
    _blob=$(printf '{"env":"%s","host":"%s","pid":%s,"token":%s,"ttl":%s,"state":"%s","time":"%s"}\n' \
        "$3" "$4" "$5" "$_tok" "$6" "$2" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" | git --git-dir="$1" hash-object -w --stdin)
    _tree=$(printf '100644 blob %s\tlease.json\n' "$_blob" | git --git-dir="$1" mktree)
    if [ -n "$_tip" ]; then
        _c=$(git --git-dir="$1" commit-tree "$_tree" -p "$_tip" -m "lease: $2 by $3@$4 (by hand)")
    else
        _c=$(git --git-dir="$1" commit-tree "$_tree" -m "lease: $2 by $3@$4 (by hand)")
    fi
    git --git-dir="$1" update-ref refs/heads/memtui/lease "$_c" $_tip
}
# lease_field GITDIR EXPR: the Python expression EXPR over j, the lease.json
# at the tip of memtui/lease in the bare repository GITDIR.
lease_field() {
    git --git-dir="$1" show memtui/lease:lease.json | python3 -c "import json, sys; j = json.load(sys.stdin); print($2)"
}
# stop_at_event LOG FROM PIDFILE EVENT DETAIL [SECONDS]: watch the audit
# log LOG from byte offset FROM (take `size_of LOG` before starting the
# process) and SIGSTOP the process whose pid is in PIDFILE as soon as a line
# with "event":EVENT and "detail":DETAIL appears (DETAIL "" matches any).
# Polls every 0.5 ms. Exit 0 once stopped; 1 on timeout or when the process
# ended first. Run it in the background before the process; with
# STOP_AT_READY=FILE it creates FILE once it watches (a fast process can be
# held until then).
stop_at_event() {
    python3 - "$@" <<'EOF'
import json, os, signal, sys, time
log, off, pidfile, event, detail = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
end = time.monotonic() + float(sys.argv[6] if len(sys.argv) > 6 else 60)
if os.environ.get("STOP_AT_READY"):
    open(os.environ["STOP_AT_READY"], "w").close()
pid, buf = None, b""
while time.monotonic() < end:
    if pid is None:
        try:
            pid = int(open(pidfile).read().strip())
        except (OSError, ValueError):
            pass
    try:
        with open(log, "rb") as f:
            f.seek(off)
            chunk = f.read()
    except OSError:
        chunk = b""
    off += len(chunk)
    buf += chunk
    *lines, buf = buf.split(b"\n")
    for line in lines:
        try:
            o = json.loads(line)
        except ValueError:
            continue
        if o.get("event") == event and (not detail or o.get("detail") == detail) and pid:
            try:
                os.kill(pid, signal.SIGSTOP)
            except ProcessLookupError:
                sys.exit(1)
            # return only once it is stopped: callers inspect what it left
            until = time.monotonic() + 5
            while time.monotonic() < until:
                try:
                    st = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()[0]
                except (OSError, IndexError):
                    sys.exit(1)
                if st in ("T", "t"):
                    sys.exit(0)
                time.sleep(0.0005)
            sys.exit(1)
    if pid is not None and not os.path.exists("/proc/%d" % pid):
        sys.exit(1)
    time.sleep(0.0005)
sys.exit(1)
EOF
}
# wait_event LOG EVENT DETAIL [SECONDS] [FROM]: until the audit log has such
# a line (after byte offset FROM, default 0).
wait_event() {
    python3 - "$@" <<'EOF'
import json, sys, time
log, event, detail = sys.argv[1:4]
end = time.monotonic() + float(sys.argv[4] if len(sys.argv) > 4 else 30)
start = int(sys.argv[5]) if len(sys.argv) > 5 else 0
while time.monotonic() < end:
    try:
        data = open(log, "rb").read()[start:]
    except OSError:
        data = b""
    for line in data.split(b"\n"):
        try:
            o = json.loads(line)
        except ValueError:
            continue
        if o.get("event") == event and (not detail or o.get("detail") == detail):
            sys.exit(0)
    time.sleep(0.01)
sys.exit(1)
EOF
}
# size_of FILE: its size in bytes (0 if absent).
size_of() { if [ -e "$1" ]; then wc -c <"$1" | tr -d ' '; else echo 0; fi; }

# graph_add FILE ENV ROUND EXPECT: what ENV's MCP server would do in ROUND:
# create "<ENV>-r<ROUND>" (two observations), add an observation to Hub
# (creating Hub, type hub, if missing) and to "<ENV>-base" (created if
# missing), relate the new entity to Hub and to the previous round's. FILE
# is rewritten as the server writes it (entities, then relations, no final
# newline); every addition is appended to EXPECT (JSONL) for graph_has.
graph_add() {
    python3 - "$@" <<'EOF'
import json, os, sys
path, env, rnd, expect = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
ents, rels = {}, []
if os.path.exists(path):
    for line in open(path, encoding="utf-8"):
        if line.strip():
            o = json.loads(line)
            if o["type"] == "entity":
                ents[o["name"]] = o
            elif o["type"] == "relation":
                rels.append(o)
def ent(name, typ):
    if name not in ents:
        ents[name] = {"type": "entity", "name": name, "entityType": typ, "observations": []}
    return ents[name]
def obs(name, typ, text):
    e = ent(name, typ)
    if text not in e["observations"]:
        e["observations"].append(text)
    return {"type": "entity", "name": name, "entityType": typ, "observations": [text]}
def rel(a, b, t):
    r = {"type": "relation", "from": a, "to": b, "relationType": t}
    if r not in rels:
        rels.append(r)
    return r
new = "%s-r%d" % (env, rnd)
added = [obs(new, "note", "made by %s in round %d" % (env, rnd)),
         obs(new, "note", "second note of %s round %d" % (env, rnd)),
         obs("Hub", "hub", "hub note from %s round %d" % (env, rnd)),
         obs(env + "-base", "env", "%s was here in round %d" % (env, rnd)),
         rel(new, "Hub", "feeds")]
if rnd > 1 and "%s-r%d" % (env, rnd - 1) in ents:
    added.append(rel(new, "%s-r%d" % (env, rnd - 1), "follows"))
out = [json.dumps(e, ensure_ascii=False, separators=(",", ":")) for e in ents.values()]
out += [json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in rels]
with open(path + ".new", "w", encoding="utf-8") as f:
    f.write("\n".join(out))
os.replace(path + ".new", path)
with open(expect, "a", encoding="utf-8") as f:
    for a in added:
        f.write(json.dumps(a, ensure_ascii=False, separators=(",", ":")) + "\n")
EOF
}
# graph_has GRAPH EXPECT...: every entity (with every observation listed)
# and every relation of the EXPECT files is in the JSONL graph GRAPH; the
# graph has no duplicate entity or relation. Prints what is missing.
graph_has() {
    python3 - "$@" <<'EOF'
import json, sys
E, R, bad = {}, set(), []
for n, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    if not line.strip():
        continue
    o = json.loads(line)
    if o["type"] == "entity":
        if o["name"] in E:
            bad.append("duplicate entity %r" % o["name"])
        E[o["name"]] = o
    elif o["type"] == "relation":
        k = (o["from"], o["to"], o["relationType"])
        if k in R:
            bad.append("duplicate relation %r" % (k,))
        R.add(k)
for path in sys.argv[2:]:
    for line in open(path, encoding="utf-8"):
        o = json.loads(line)
        if o["type"] == "entity":
            e = E.get(o["name"])
            if e is None:
                bad.append("missing entity %r" % o["name"])
            else:
                for x in o["observations"]:
                    if x not in e["observations"]:
                        bad.append("entity %r lacks observation %r" % (o["name"], x))
        elif (o["from"], o["to"], o["relationType"]) not in R:
            bad.append("missing relation %r" % ((o["from"], o["to"], o["relationType"]),))
for b in bad[:20]:
    print(b, file=sys.stderr)
if len(bad) > 20:
    print("... and %d more" % (len(bad) - 20), file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
}
# valid_jsonl FILE: every non-blank line is a JSON entity or relation object
# of the MCP format (a torn or mixed write fails this).
valid_jsonl() {
    python3 - "$1" <<'EOF'
import json, sys
data = open(sys.argv[1], "rb").read().decode("utf-8")
for n, line in enumerate(data.replace("\r\n", "\n").split("\n"), 1):
    if not line.strip():
        continue
    o = json.loads(line)
    assert isinstance(o, dict) and o.get("type") in ("entity", "relation"), "line %d: %r" % (n, line[:80])
    if o["type"] == "entity":
        assert isinstance(o["name"], str) and isinstance(o["entityType"], str), n
        assert isinstance(o["observations"], list), n
    else:
        assert all(isinstance(o[k], str) for k in ("from", "to", "relationType")), n
EOF
}
# lease_tokens_increase GITDIR [BRANCH]: the Memtui-Lease-Token trailers of
# the merge commits (restores too) along BRANCH's first-parent history
# strictly increase (oldest to newest), every merge commit has one, and none
# is 0. Prints the number of merge commits checked.
lease_tokens_increase() {
    git --git-dir="$1" log --first-parent --format='%H%n%B%x00' "${2:-main}" | python3 -c '
import re, sys
toks = []
for rec in sys.stdin.read().split("\0"):
    rec = rec.strip("\n")
    if not rec:
        continue
    sha, _, body = rec.partition("\n")
    if not body.startswith(("memtui merge", "memtui restore")):
        continue
    m = re.findall(r"^Memtui-Lease-Token: *(\d+) *$", body, re.M)
    if len(m) != 1:
        sys.exit("merge commit %s has %d Memtui-Lease-Token trailers" % (sha[:12], len(m)))
    toks.append((int(m[0]), sha))
toks.reverse()
for (a, sa), (b, sb) in zip(toks, toks[1:]):
    if not b > a:
        sys.exit("token %d on %s follows token %d on %s: not strictly increasing" % (b, sb[:12], a, sa[:12]))
if any(t == 0 for t, _ in toks):
    sys.exit("a merge commit was made with lease token 0")
print(len(toks))
'
}
# mt_bg ENV OUT ERR args...: like mt, in the background, with MT_PID the pid
# of memtui itself (exec'd, so signals reach it) added to PIDS.
mt_bg() {
    _e=$1 _o=$2 _r=$3; shift 3
    (exec "$MEMTUI" --batch --repo "$T/clone-$_e" --env "$_e" --memory-file "$T/$_e.json" "$@") >"$_o" 2>"$_r" &
    MT_PID=$!
    PIDS="$PIDS $MT_PID"
}
# reap PID: wait for a background child (not inside $(...): only this shell
# may wait for it), leave its exit code in REAP_RC, forget it.
reap() { set +e; wait "$1"; REAP_RC=$?; set -e; forget_pid "$1"; }
# rejected_sync A C: A's sync waits for a lease held elsewhere, so once it
# takes it over it fetches main again (DESIGN 3.2); it is stopped right after
# that fetch while C exports (A's and C's files are the caller's), so A's
# push of main is rejected: A keeps its commit on a backup branch, rebuilds
# and pushes. Fails unless it went so. Leaves log (A's audit log) and off
# (its size before). Needs $T/remote.git and the clones of mt.
rejected_sync() {
    fake_lease "$T/remote.git" held elsewhere-env elsewhere 4242 1
    log=$T/clone-$1/.git/memtui.log
    off=$(size_of "$log")
    sync_stopped_at "$1" refetched
    _pid=$STOPPED_PID
    _h0=$(git --git-dir="$T/remote.git" rev-parse main)
    expect_rc 0 mt "$2" export >/dev/null 2>&1
    [ "$(git --git-dir="$T/remote.git" rev-parse main)" != "$_h0" ] || fail "$2's export did not move main"
    kill -CONT "$_pid"
    reap "$_pid"
    [ "$REAP_RC" = 0 ] || fail "$1's sync exited $REAP_RC: $(cat "$T/$1.err")"
    grep -q 'rejected' "$T/$1.err" || fail "$1's push was not rejected: the remote did not move in time: $(cat "$T/$1.err")"
}
# sync_stopped_at ENV DETAIL: ENV's sync (--lock-timeout 60), stopped
# (SIGSTOP) at its audit event "lease DETAIL"; its pid in STOPPED_PID (and
# $T/ENV.pid), its output in $T/ENV.out and $T/ENV.err. Fails when the sync
# ended before it got there.
sync_stopped_at() {
    _sl=$T/clone-$1/.git/memtui.log
    rm -f "$T/$1.pid"
    stop_at_event "$_sl" "$(size_of "$_sl")" "$T/$1.pid" lease "$2" 60 &
    _sw=$!
    PIDS="$PIDS $_sw"
    mt_bg "$1" "$T/$1.out" "$T/$1.err" --lock-timeout 60 sync
    STOPPED_PID=$MT_PID
    echo "$STOPPED_PID" >"$T/$1.pid"
    reap "$_sw"
    [ "$REAP_RC" = 0 ] || fail "$1's sync ended before it was stopped at lease $2: $(cat "$T/$1.err")"
}
# daemon_remote: a bare repo R=$T/srv/r.git served by a real git daemon
# (stopped by its pid at exit), reached at URL.
daemon_remote() {
    mkdir -p "$T/srv"
    git init -q --bare "$T/srv/r.git"
    R=$T/srv/r.git
    start_git_daemon "$T/srv"
    URL="git://127.0.0.1:$GIT_DAEMON_PORT/r.git"
}
# stop_holding_lease ENV EDIT: ENV's sync against $R, stopped (SIGSTOP) as
# soon as it took the lease, before its push. EDIT TRY (a command) first
# changes ENV's local file; a sync that pushed before the stop landed is let
# finish and another try made (TRY 0, 1, 2). Leaves the stopped process in
# HOLDER_PID (output in $T/ENV.out, $T/ENV.err), main's tip before it in H0
# and the try in TRIES. Use with trap hard_cleanup.
stop_holding_lease() {
    _e=$1 _edit=$2
    TRIES=0
    while :; do
        "$_edit" "$TRIES"
        H0=$(git --git-dir="$R" rev-parse main)
        sync_stopped_at "$_e" acquired
        HOLDER_PID=$STOPPED_PID
        [ "$(git --git-dir="$R" rev-parse main)" = "$H0" ] && break
        kill -CONT "$HOLDER_PID"   # it pushed before the stop landed: let it finish, once more
        reap "$HOLDER_PID"
        TRIES=$((TRIES + 1))
        [ "$TRIES" -lt 3 ] || fail "could not stop $_e's sync before its push"
    done
    [ "$(lease_field "$R" 'j["state"] + " " + j["env"]')" = "held $_e" ] ||
        fail "$_e does not hold the lease while stopped: $(git --git-dir="$R" show memtui/lease:lease.json)"
}
# has_entity FILE NAME [OBS]: FILE (JSONL) has entity NAME (with observation OBS)
has_entity() {
    python3 - "$@" <<'EOF'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    if line.strip():
        o = json.loads(line)
        if o.get("type") == "entity" and o["name"] == sys.argv[2]:
            sys.exit(0 if len(sys.argv) < 4 or sys.argv[3] in o["observations"] else 1)
sys.exit(1)
EOF
}
