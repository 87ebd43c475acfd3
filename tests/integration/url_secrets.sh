# Secrets in remote URLs (DESIGN 4): a token and a password given as the
# user-info of the remote URL reach no output. The remote is git-http-backend
# behind lighttpd demanding that user and password; memtui runs init, sync,
# export, merge and status (human and --json) through it, then fails on
# purpose (wrong password, a lone token, a 404 path, a closed port, a push
# URL with a wrong password) so that libgit2's own error text is shown and
# logged too, and the workstation shows the lease error in its Locks panel.
# The marker appears nowhere: not on stdout, stderr or the screen, not in
# the audit log, not in any commit, tree or blob of the remote or the clone;
# where the URL is shown it reads http://***@host/... .
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/ui_lib.sh"
MARK=Zq7Xv
TOKEN=${MARK}tok PW=${MARK}pw
git init -q --bare "$T/srv/r.git"
git --git-dir="$T/srv/r.git" config http.receivepack true
printf '%s:%s\n' "$TOKEN" "$PW" >"$T/users"
HTTP_GIT_EXTRA_CONF="server.modules += (\"mod_auth\", \"mod_authn_file\")
auth.backend = \"plain\"
auth.backend.plain.userfile = \"$T/users\"
auth.require = (\"/git/\" => (\"method\" => \"basic\", \"realm\" => \"memtui\", \"require\" => \"valid-user\"))"
start_http_git "$T/srv" 2>"$T/http.err" || fail "lighttpd with git-http-backend: $(cat "$T/http.err")"
HOSTPART="127.0.0.1:$HTTP_PORT/git"
GOOD="http://$TOKEN:$PW@$HOSTPART/r.git"
SHOWN=$T/shown
mkdir "$SHOWN"

# run NAME RC ENV args...: memtui --batch as env ENV, stdout and stderr kept
# in $SHOWN/NAME.out and .err; the exit code must be RC.
run() {
    _name=$1 _rc=$2; shift 2
    set +e; mt "$@" >"$SHOWN/$_name.out" 2>"$SHOWN/$_name.err"; _got=$?; set -e
    [ "$_got" = "$_rc" ] || fail "$_name: exit $_got, want $_rc: $(cat "$SHOWN/$_name.err")"
}
# shows_redacted NAME URL-TAIL: $SHOWN/NAME.err names the remote, redacted.
shows_redacted() {
    grep -qF "http://***@$HOSTPART/$2" "$SHOWN/$1.err" || fail "$1 does not show the redacted URL: $(cat "$SHOWN/$1.err")"
}

# ---- 1. the remote works through the URL's credentials ----------------------
run init-a 0 a init "$GOOD"
graph_add "$T/a.json" a 3 "$T/added-a.jsonl"
run sync-a 0 a sync
graph_add "$T/a.json" a 4 "$T/added-a.jsonl"
run sync-a-json 0 a --json sync
run export-a 0 a export
run merge-a 0 a --json merge
run status-a 0 a status
run status-a-json 0 a --json status
git --git-dir="$T/srv/r.git" show main:memory.json >"$T/m.json"
graph_has "$T/m.json" "$T/added-a.jsonl" || fail "the sync through the URL's credentials did not publish"

# ---- 2. failures whose messages carry the URL and libgit2's text -----------
closed=$(free_port)
run init-badpw 5 b init "http://$TOKEN:${PW}x@$HOSTPART/r.git"
shows_redacted init-badpw r.git
run init-lonetoken 5 c init "http://$TOKEN@$HOSTPART/r.git"
shows_redacted init-lonetoken r.git
run init-404 5 d init "http://$TOKEN:$PW@$HOSTPART/missing.git"
shows_redacted init-404 missing.git
run init-closed 5 e init "http://$TOKEN:$PW@127.0.0.1:$closed/git/r.git"
grep -qF "http://***@127.0.0.1:$closed/git/r.git" "$SHOWN/init-closed.err" || fail "init-closed: $(cat "$SHOWN/init-closed.err")"
# init over the clone with another URL: the message names both
run init-other 2 a init "http://$TOKEN:$PW@$HOSTPART/other.git"

seturl() { git -C "$T/clone-a" config remote.origin.url "$1"; }
graph_add "$T/a.json" a 5 "$T/added-a.jsonl"
for bad in "badpw http://$TOKEN:${PW}x@$HOSTPART/r.git" "lonetoken http://$TOKEN@$HOSTPART/r.git" \
           "404 http://$TOKEN:$PW@$HOSTPART/missing.git" "closed http://$TOKEN:$PW@127.0.0.1:$closed/git/r.git"; do
    name=${bad%% *}
    seturl "${bad#* }"
    run "sync-$name" 5 a sync
    run "sync-$name-json" 5 a --json sync
    # status reports the local clone, stale: exit 5 and the fetch error
    run "status-$name" 5 a status
    run "status-$name-json" 5 a --json status
    json "$SHOWN/status-$name-json.out" 'j["remote"]["error"]' | grep -qF 'http://***@' ||
        fail "status --json ($name) does not show the fetch error with the URL redacted: $(cat "$SHOWN/status-$name-json.out")"
done
shows_redacted sync-badpw r.git
shows_redacted sync-404 missing.git
# fetch works, the push (its own URL) is refused: the failure is logged
seturl "$GOOD"
git -C "$T/clone-a" config remote.origin.pushurl "http://$TOKEN:${PW}x@$HOSTPART/r.git"
LOG=$T/clone-a/.git/memtui.log
off=$(size_of "$LOG")
run export-pushbad 5 a export
shows_redacted export-pushbad r.git
tail -c +$((off + 1)) "$LOG" | grep '"event":"push"' | grep -qF "http://***@$HOSTPART/r.git" ||
    fail "the audit log does not record the refused push with the URL redacted: $(tail -c +$((off + 1)) "$LOG")"
git -C "$T/clone-a" config --unset remote.origin.pushurl

# ---- 3. the workstation: the Locks panel shows the lease error -------------
if command -v tmux >/dev/null 2>&1; then
    seturl "http://$TOKEN:${PW}x@$HOSTPART/r.git"
    SOCK="memtui-secrets-$$" SES=ui
    trap 'tm kill-server 2>/dev/null || true; cleanup' EXIT INT TERM
    cat >"$T/run.sh" <<RUN
"$MEMTUI" --repo "$T/clone-a" --env a --memory-file "$T/a.json" 2>"$SHOWN/ui.err"
echo \$? >"$T/ui.rc"
echo DONE
sleep 60
RUN
    tm new-session -d -s ui -x 220 -y 40 "env TERM=xterm-256color LANG=C.UTF-8 TZ=UTC sh $T/run.sh"
    screen_has 'Environments'
    cp "$T/pane.txt" "$SHOWN/ui-envs.screen"
    keys 2; screen_has 'unknown: .*http://\*\*\*@127'
    cp "$T/pane.txt" "$SHOWN/ui-locks.screen"
    keys q; screen_has DONE
    [ "$(cat "$T/ui.rc")" = 0 ] || fail "the workstation exited $(cat "$T/ui.rc"): $(cat "$SHOWN/ui.err")"
else
    fail "tmux is not installed: run sh scripts/install-deps.sh"
fi
seturl "$GOOD"
run sync-again 0 a sync
git --git-dir="$T/srv/r.git" show main:memory.json >"$T/m.json"
graph_has "$T/m.json" "$T/added-a.jsonl" || fail "the sync after the failures did not publish"

# ---- 4. the marker is nowhere ------------------------------------------------
leaks=$(grep -lr -- "$MARK" "$SHOWN" || true)
[ -z "$leaks" ] || fail "the URL's secret was shown in: $leaks: $(grep -rh -- "$MARK" "$SHOWN" | head -5)"
! grep -q -- "$MARK" "$LOG" || fail "the audit log holds the secret: $(grep -- "$MARK" "$LOG" | head -3)"
for gd in "$T/srv/r.git" "$T/clone-a/.git"; do
    ! git --git-dir="$gd" log --all --format='%H %an %ae %cn %ce%n%B%n%N' | grep -q -- "$MARK" ||
        fail "a commit in $gd holds the secret"
    ! git --git-dir="$gd" cat-file --batch-all-objects --batch | grep -aq -- "$MARK" ||
        fail "an object (blob, tree, commit) in $gd holds the secret"
done
! grep -rq --exclude-dir=.git -- "$MARK" "$T/clone-a" || fail "the clone's work tree holds the secret"
for f in "$T"/a.json*; do
    ! grep -q -- "$MARK" "$f" || fail "$f holds the secret"
done
