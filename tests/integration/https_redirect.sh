# Credentials never follow a redirect to another host (DESIGN 4,
# "Authentication"): the remote's URL answers 302 to a server on another
# host name, which asks for a password. git would ask its helpers about the
# new host; libgit2, left to itself, follows the redirect and hands the
# credentials meant for the first host (MEMTUI_GIT_TOKEN, a helper's
# password) to the second. memtui follows no redirect to another host: the
# run fails with exit 5 and the other host never sees a secret.
. "$TESTS_DIR/lib.sh"
MARK=Rd7Qz
TOOL=$TESTS_DIR/tools/redirect-server.py
# start_server NAME args...: sets PORT; stopped by pid at exit.
start_server() {
    _n=$1; shift
    python3 "$TOOL" "$T/$_n.port" "$T/$_n.log" "$@" &
    PIDS="$PIDS $!"
    _i=0
    while [ ! -s "$T/$_n.port" ]; do
        _i=$((_i + 1)); [ $_i -lt 100 ] || fail "$_n did not start"; sleep 0.1
    done
    PORT=$(cat "$T/$_n.port")
}
: >"$T/elsewhere.log" && : >"$T/front.log"
start_server elsewhere auth
ELSEWHERE=$PORT
start_server front redirect "http://localhost:$ELSEWHERE"
URL="http://127.0.0.1:$PORT/git/r.git"

# a token for CI, and a stored password for the first host
printf 'http://alice:%spw@127.0.0.1:%s\n' "$MARK" "$PORT" >"$HOME/.git-credentials"
chmod 600 "$HOME/.git-credentials"
git config --global credential.helper store
set +e
MEMTUI_GIT_TOKEN=${MARK}tok "$MEMTUI" --batch --repo "$T/clone" --env a --memory-file "$T/a.json" \
    init "$URL" >"$T/out" 2>"$T/err"
rc=$?
set -e
[ "$rc" -eq 5 ] || fail "init through an off-site redirect: exit $rc, want 5: $(cat "$T/err")"
[ -s "$T/front.log" ] || fail "the first host was never asked"
! grep -q "Basic" "$T/elsewhere.log" || fail "credentials went to the other host: $(cat "$T/elsewhere.log")"
! grep -rq "$MARK" "$T/out" "$T/err" || fail "a secret was shown: $(cat "$T/err")"
echo ok
