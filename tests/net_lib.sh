# net_lib.sh: a git daemon behind tests/tools/cut-proxy.py (sourced after
# lib.sh), for the tests of cut connections.

# start_cut_proxy PORT ARGS...: the proxy in front of 127.0.0.1:PORT with
# the cut-proxy.py ARGS given (--seed, --cut, --cut-match...); its log is
# $T/proxy.log. Sets PROXY_PORT; the proxy is stopped by pid at exit.
start_cut_proxy() {
    _target=$1; shift
    rm -f "$T/proxy.port" "$T/proxy.log"
    python3 "$TESTS_DIR/tools/cut-proxy.py" --target "$_target" --port-file "$T/proxy.port" \
        --log "$T/proxy.log" "$@" >"$T/proxy.out" 2>&1 &
    PIDS="$PIDS $!"
    _i=0
    while [ ! -s "$T/proxy.port" ]; do
        _i=$((_i + 1))
        [ "$_i" -lt 200 ] || fail "the proxy did not start: $(cat "$T/proxy.out")"
        sleep 0.05
    done
    PROXY_PORT=$(cat "$T/proxy.port")
}
# lease_tip_state GITDIR: "STATE PID TOKEN" of the lease at the tip of
# memtui/lease in the bare repository GITDIR.
lease_tip_state() {
    git --git-dir="$1" show memtui/lease:lease.json |
        python3 -c 'import json, sys; j = json.load(sys.stdin); print(j["state"], j["pid"], j["token"])'
}
