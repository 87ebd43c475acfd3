# ssh as OpenSSH's client does it (DESIGN 4, "ssh authentication"),
# against a real sshd of the test's own (tests/ssh_lib.sh). It proves:
# - ~/.ssh/config: a Host alias with HostName, Port, User and an
#   IdentityFile of a non-default name (no id_* files exist) is what init
#   and sync connect through, for `alias:path` (relative to the login's
#   home) and `ssh://alias/path`; the clone's config keeps the user's URL;
# - an unknown host key: exit 5 and the exact ssh-keyscan line, which,
#   once run, lets the next init through; a changed key: exit 5, a loud
#   warning and no ssh-keyscan line;
# - IdentitiesOnly: a key that only ssh-agent holds is not used (init
#   fails, listing what it tried); without IdentitiesOnly the agent key
#   logs in, also for a passphrase-protected key file;
# - SSH_ASKPASS with SSH_ASKPASS_REQUIRE=force gives a key's passphrase
#   (the program gets OpenSSH's prompt); SSH_ASKPASS_REQUIRE=never is
#   honoured; a wrong passphrase: exit 5, and the passphrase is in neither
#   the output nor any memtui.log.
# No skips: when libgit2 has no ssh transport, or the machine's sshd does
# not let the OpenSSH client itself log in, the test fails saying why.
. "$TESTS_DIR/lib.sh"
trap hard_cleanup EXIT INT TERM
. "$TESTS_DIR/ssh_lib.sh"
for c in ssh-agent ssh-add; do
    command -v "$c" >/dev/null 2>&1 || fail "$c is not installed: run sh scripts/install-deps.sh"
done
start=$(date +%s)
PASS=correct-horse-battery-8271
K=$HOME/.ssh
ssh-keygen -q -t ed25519 -N '' -C memtui-backup -f "$K/backup_key"
ssh-keygen -q -t ed25519 -N '' -C memtui-stranger -f "$K/stranger_key"
ssh-keygen -q -t ed25519 -N "$PASS" -C memtui-locked -f "$K/locked_key"
cat "$K/backup_key.pub" "$K/locked_key.pub" >>"$S/authorized_keys"
start_sshd
ssh_probe "$K/backup_key"

cat >"$K/config" <<EOC
# aliases for the test's sshd; the first value obtained wins
Host backup
    HostName 127.0.0.1
    Port $PORT
    User $ME
    IdentityFile ~/.ssh/backup_key
    IdentitiesOnly yes
Host agentonly
    HostName 127.0.0.1
    Port $PORT
    IdentityFile %d/.ssh/stranger_key
    IdentitiesOnly=yes
Host locked agentok
    HostName=127.0.0.1
    Port $PORT
    IdentityFile "~/.ssh/locked_key"
Match host nothing
    Port 1
Host *
    User $ME
    Port 1
EOC
git init -q --bare "$S/home/repo.git"
# mtx ENV args...: memtui, its stdout and stderr in $T/ENV.out and .err, exit code in RC
mtx() {
    _e=$1; shift
    set +e; mt "$_e" "$@" >"$T/$_e.out" 2>"$T/$_e.err"; RC=$?; set -e
}
both() { cat "$T/$1.out" "$T/$1.err"; }

# an unknown host: exit 5 and the line to run
mtx a init backup:repo.git
if grep -qiE 'without SSH support|unsupported URL protocol' "$T/a.err"; then
    fail "libgit2 has no ssh transport (run sh scripts/install-deps.sh): $(cat "$T/a.err")"
fi
[ "$RC" = 5 ] || fail "init against an unknown host exited $RC, want 5: $(both a)"
hint="ssh-keyscan -p $PORT -t ed25519 127.0.0.1 >> ~/.ssh/known_hosts"
grep -qF "$hint" "$T/a.err" || fail "no '$hint' in: $(both a)"
grep -qF "SHA256:" "$T/a.err" || fail "no fingerprint to check in: $(both a)"
[ ! -e "$T/clone-a/.git" ] || fail "a rejected host left a clone"
[ -z "$(git --git-dir="$S/home/repo.git" for-each-ref)" ] || fail "a rejected host got commits"
(cd "$T" && eval "$hint") 2>/dev/null
grep -q . "$K/known_hosts" || fail "the hint's ssh-keyscan line added nothing"

# the alias, scp-like, relative to the login's home
mtx a init backup:repo.git
[ "$RC" = 0 ] || fail "init over backup:repo.git exited $RC: $(both a)"
[ "$(git -C "$T/clone-a" config remote.origin.url)" = backup:repo.git ] ||
    fail "the clone's config holds $(git -C "$T/clone-a" config remote.origin.url), not the user's URL"
graph_add "$T/a.json" a 1 "$T/added-a.jsonl"
mtx a sync
[ "$RC" = 0 ] || fail "sync over backup:repo.git exited $RC: $(both a)"
git --git-dir="$S/home/repo.git" show main:memory.json >"$T/remote.json" ||
    fail "nothing reached the remote in the login's home"
graph_has "$T/remote.json" "$T/added-a.jsonl" || fail "the sync's additions are not on the remote"
logins=$(grep -c "Accepted publickey for $ME" "$LOG")
[ "$logins" -ge 2 ] || fail "sshd saw $logins logins: $(tail -n 5 "$LOG")"

# ssh://alias/absolute-path
mtx b init "ssh://backup$S/home/repo.git"
[ "$RC" = 0 ] || fail "init over ssh://backup/... exited $RC: $(both b)"
graph_add "$T/b.json" b 1 "$T/added-b.jsonl"
mtx b sync
[ "$RC" = 0 ] || fail "sync over ssh://backup/... exited $RC: $(both b)"
git --git-dir="$S/home/repo.git" show main:memory.json >"$T/remote.json"
graph_has "$T/remote.json" "$T/added-a.jsonl" "$T/added-b.jsonl" || fail "additions missing after b's sync"

# a changed host key: loud, and no way around it offered
cp "$K/known_hosts" "$T/known_hosts.good"
known "$S/other_key.pub" "$K/known_hosts"
mtx c init backup:repo.git
[ "$RC" = 5 ] || fail "init against a changed host key exited $RC, want 5: $(both c)"
grep -q "CHANGED" "$T/c.err" || fail "a changed host key is not said loudly: $(both c)"
! grep -q "ssh-keyscan" "$T/c.err" || fail "a changed host key got an ssh-keyscan hint: $(both c)"
# known_hosts has a key of another type for the host (an impostor would
# show a type never recorded): libssh2 asks for that type and the
# connection fails; no hint invites adding the new key
ssh-keygen -q -t rsa -b 2048 -N '' -C memtui-test-rsa -f "$T/rsa_other"
known "$T/rsa_other.pub" "$K/known_hosts"
mtx c init backup:repo.git
[ "$RC" = 5 ] || fail "init with only another type of key known exited $RC, want 5: $(both c)"
! grep -q "ssh-keyscan" "$T/c.err" || fail "a key of another type got an ssh-keyscan hint: $(both c)"
cp "$T/known_hosts.good" "$K/known_hosts"

# ssh-agent holds the passphrase-protected key (added through an askpass
# program, as ssh-add has no terminal here)
printf '#!/bin/sh\nprintf "%%s\\n" "$1" >>"%s/askpass.prompts"\necho "%s"\n' "$T" "$PASS" >"$T/askpass-good"
printf '#!/bin/sh\necho wrong-passphrase-5521\n' >"$T/askpass-bad"
chmod +x "$T/askpass-good" "$T/askpass-bad"
eval "$(ssh-agent -s)" >/dev/null
PIDS="$PIDS $SSH_AGENT_PID"
SSH_ASKPASS=$T/askpass-good SSH_ASKPASS_REQUIRE=force ssh-add "$K/locked_key" </dev/null >/dev/null 2>&1 ||
    fail "ssh-add of the test key failed"
rm -f "$T/askpass.prompts"

# IdentitiesOnly: the agent's key is the right one, but may not be used
mtx d init "agentonly:$S/home/repo.git"
[ "$RC" = 5 ] || fail "IdentitiesOnly: init exited $RC, want 5 (the agent's key was used?): $(both d)"
grep -qF "stranger_key" "$T/d.err" || fail "the failure does not list what was tried: $(both d)"
! grep -q "ssh-agent" "$T/d.err" || fail "IdentitiesOnly, yet the agent was offered: $(both d)"
# no IdentitiesOnly: the key file needs a passphrase nobody can give, the agent has it
mtx e init "agentok:$S/home/repo.git"
[ "$RC" = 0 ] || fail "init through ssh-agent exited $RC: $(both e)"
kill "$SSH_AGENT_PID"
forget_pid "$SSH_AGENT_PID"
unset SSH_AUTH_SOCK SSH_AGENT_PID

# SSH_ASKPASS: never asked unless allowed
SSH_ASKPASS=$T/askpass-good SSH_ASKPASS_REQUIRE=never mtx f init "locked:$S/home/repo.git"
[ "$RC" = 5 ] || fail "SSH_ASKPASS_REQUIRE=never: init exited $RC, want 5: $(both f)"
[ ! -e "$T/askpass.prompts" ] || fail "SSH_ASKPASS ran with SSH_ASKPASS_REQUIRE=never"
grep -q "passphrase-protected" "$T/f.err" || fail "no word on the locked key: $(both f)"
SSH_ASKPASS=$T/askpass-good SSH_ASKPASS_REQUIRE=force mtx f init "locked:$S/home/repo.git"
[ "$RC" = 0 ] || fail "init with the passphrase from SSH_ASKPASS exited $RC: $(both f)"
[ "$(cat "$T/askpass.prompts")" = "Enter passphrase for key '$K/locked_key': " ] ||
    fail "SSH_ASKPASS was asked: $(cat "$T/askpass.prompts")"
! grep -qF "$PASS" "$T/f.out" "$T/f.err" || fail "the passphrase is in memtui's output"

# a wrong passphrase: exit 5, and it is written nowhere
SSH_ASKPASS=$T/askpass-bad SSH_ASKPASS_REQUIRE=force mtx g init "locked:$S/home/repo.git"
[ "$RC" = 5 ] || fail "a wrong passphrase: init exited $RC, want 5: $(both g)"
grep -qF "locked_key" "$T/g.err" || fail "the failure does not name the key: $(both g)"
for f in "$T/g.out" "$T/g.err" $(find "$T" -name 'memtui.log*'); do
    ! grep -qF -e wrong-passphrase-5521 -e "$PASS" "$f" || fail "a passphrase is in $f"
done
echo "ssh_config: alias, keyscan hint, changed key, IdentitiesOnly, agent, SSH_ASKPASS checked" \
     "in $(($(date +%s) - start)) s"
