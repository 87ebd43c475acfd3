# `e` in the conflict view: $EDITOR (a plain program, run without a shell)
# gets the entity, pretty-printed; invalid JSON on return re-opens it with
# json-c's reason on top; the valid edit becomes
# the decision, the merge is finished by keys, and the merged memory.json
# holds exactly the edited entity.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/ui_lib.sh"
command -v tmux >/dev/null 2>&1 || fail "tmux is not installed: run sh scripts/install-deps.sh"
ui_setup
tmux_open edit
# The editor: first a broken line (it must come back), then a real edit.
cat >"$T/edit-orion" <<ED
#!/bin/sh
n=\$(cat "$T/ed.count" 2>/dev/null || echo 0); n=\$((n + 1)); echo \$n >"$T/ed.count"
cp "\$1" "$T/ed.seen.\$n"
if [ \$n = 1 ]; then
    printf '{"type":"entity","name":"Orion","entityType":' >"\$1"
else
    printf '{"type":"entity","name":"Orion","entityType":"constellation","observations":["edited by hand","東京"]}\n' >"\$1"
fi
ED
chmod +x "$T/edit-orion"
workstation_script
tm new-session -d -s ui -x 120 -y 40 \
    "env -u VISUAL EDITOR='$T/edit-orion' TERM=xterm-256color LANG=C.UTF-8 TZ=UTC sh $T/run.sh"
screen_has 'pending: 1 conflict'
keys 4; screen_has '^PENDING type  *Orion'
keys Enter; screen_has 'Conflict 1/1: type on "Orion": PENDING'
keys e; screen_has 'operator: edited in \$EDITOR'
[ "$(cat "$T/ed.count")" = 2 ] || fail "the editor ran $(cat "$T/ed.count") times, not twice (invalid JSON must re-open it)"
grep -q '^  "name": "Orion",$' "$T/ed.seen.1" || fail "the editor did not get the entity: $(cat "$T/ed.seen.1")"
grep -q '^    "added on b"$' "$T/ed.seen.1" || fail "not one observation a line: $(cat "$T/ed.seen.1")"
grep -q '"entityType":' "$T/ed.seen.2" || fail "the re-opened file is not the operator's text"
head -1 "$T/ed.seen.2" | grep -q '^// memtui: line 1: ' || fail "the re-opened file does not say why: $(cat "$T/ed.seen.2")"
keys m; screen_has 'Finish the merge with the decisions'
keys Enter; screen_has 'Finish the merge: 1 decision, .*push main to origin? \[y/N\]'
keys y; screen_has 'merged: 3 entities' 60
keys q; screen_has DONE
[ "$(cat "$T/rc")" = 0 ] || fail "exit $(cat "$T/rc"): $(cat "$T/err")"
expect_rc 0 mt a verify >/dev/null
git --git-dir="$T/remote.git" show main:memory.json | grep '"name":"Orion"' >"$T/orion"
[ "$(cat "$T/orion")" = '{"type":"entity","name":"Orion","entityType":"constellation","observations":["edited by hand","東京"]}' ] ||
    fail "memory.json has: $(cat "$T/orion")"
git --git-dir="$T/remote.git" show main:.memtui/manifest.json >"$T/manifest.json"
[ "$(json "$T/manifest.json" '[(c["entity"], c["resolution"], c["decided_by"]) for c in j["conflicts"]]')" = \
  "[('Orion', 'operator: edited in \$EDITOR', 'operator')]" ] || fail "manifest: $(cat "$T/manifest.json")"
ls /tmp/memtui-edit-*.json 2>/dev/null | grep -q . && fail "the edit file was left in /tmp"
echo ok
