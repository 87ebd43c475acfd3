# ssh_lib.sh: a private OpenSSH sshd for the ssh tests (sourced after
# lib.sh). 127.0.0.1 only, a free port, its own
# host key, config, authorized_keys ($S/authorized_keys, read at every
# login) and pid file in the temp dir; the login's HOME is $S/home.
for c in /usr/sbin/sshd ssh ssh-keygen; do
    command -v "$c" >/dev/null 2>&1 || fail "$c is not installed: run sh scripts/install-deps.sh"
done
unset SSH_AUTH_SOCK SSH_AGENT_PID SSH_ASKPASS SSH_ASKPASS_REQUIRE DISPLAY WAYLAND_DISPLAY
ME=$(id -un)
S=$T/sshd
mkdir -p "$S/home" "$HOME/.ssh" "$T/srv"
chmod 700 "$HOME/.ssh"
: >"$S/authorized_keys"

# libgit2 1.5.1 leaks the parsed known_hosts on every ssh connection
# (libgit2 issue #6598, fixed in 1.7.1). Suppress only allocations made
# inside git_remote_connect; the full unwinder is needed to see that frame
# (libgit2 has no frame pointers).
printf 'leak:git_remote_connect_ext\n' >"$T/lsan.supp"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$T/lsan.supp:print_suppressions=0"

ssh-keygen -q -t ed25519 -N '' -C memtui-test-host -f "$S/host_key"
ssh-keygen -q -t ed25519 -N '' -C memtui-test-other -f "$S/other_key"
# sshd started as root wants its privilege separation directory, which the
# system's service manager normally creates
if [ "$(id -u)" = 0 ] && [ ! -d /run/sshd ]; then mkdir -m 0755 /run/sshd; fi

# start_sshd: sets PORT, SSHD_PID (stopped by pid at exit) and LOG.
start_sshd() {
    _tries=0
    while :; do
        PORT=$(free_port)
        # SetEnv HOME: the login shell on the server side reads ~/.bashrc,
        # and the real one may be slow (pyenv and the like) or not ours
        cat >"$S/sshd_config" <<EOC
ListenAddress 127.0.0.1
Port $PORT
HostKey $S/host_key
PidFile $S/sshd.pid
AuthorizedKeysFile $S/authorized_keys
StrictModes no
UsePAM no
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
ChallengeResponseAuthentication no
AllowUsers $ME
MaxStartups 100
MaxSessions 100
MaxAuthTries 20
LogLevel VERBOSE
PrintMotd no
X11Forwarding no
SetEnv HOME=$S/home
EOC
        # newer sshds throttle sources that drop connections before auth,
        # as the host key checks do
        if /usr/sbin/sshd -t -f "$S/sshd_config" -o PerSourcePenalties=no 2>/dev/null; then
            echo "PerSourcePenalties no" >>"$S/sshd_config"
        fi
        /usr/sbin/sshd -t -f "$S/sshd_config" >"$S/check.log" 2>&1 ||
            fail "sshd rejects the test's configuration: $(cat "$S/check.log")"
        /usr/sbin/sshd -D -e -f "$S/sshd_config" >"$S/sshd-$PORT.log" 2>&1 &
        SSHD_PID=$!
        PIDS="$PIDS $SSHD_PID"
        if wait_port "$PORT" 10 && kill -0 "$SSHD_PID" 2>/dev/null; then
            LOG=$S/sshd-$PORT.log
            return 0
        fi
        kill "$SSHD_PID" 2>/dev/null || true
        _tries=$((_tries + 1))
        [ "$_tries" -lt 3 ] || fail "sshd did not start: $(tail -n 5 "$S/sshd-$PORT.log")"
    done
}

# known PUBKEY FILE: FILE gets a known_hosts line for [127.0.0.1]:PORT,
# hashed as OpenSSH writes them
known() {
    printf '[127.0.0.1]:%s %s\n' "$PORT" "$(cut -d' ' -f1,2 "$1")" >"$2"
    ssh-keygen -q -H -f "$2" >/dev/null 2>&1
    rm -f "$2.old"
    grep -q '^|1|' "$2" || fail "ssh-keygen -H did not hash $2"
}

# ssh_probe KEY: can the OpenSSH client itself log in with KEY and reach
# git? If not, the test's sshd setup is broken here: the test fails saying so
# (a skip would let the ssh tests pass without running).
ssh_probe() {
    known "$S/host_key.pub" "$T/known_hosts.probe"
    if ! ssh -F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes -i "$1" \
            -o UserKnownHostsFile="$T/known_hosts.probe" -o StrictHostKeyChecking=yes -o ConnectTimeout=10 \
            -p "$PORT" "$ME@127.0.0.1" git --version >"$T/probe.out" 2>&1; then
        fail "the OpenSSH client cannot log in as $ME to the test's sshd: $(tail -n 3 "$T/probe.out");" \
             "sshd says: $(tail -n 5 "$LOG")"
    fi
}
