# Conflicts left pending by `merge --policy fail` stay pending until an
# operator decides them (DESIGN 2): `status` and `diff` report them as
# pending with no resolution while they are still conflicts of the plan and
# no merge was committed since; `restore` (batch and workstation) refuses
# rather than resolve them by the preserve rule; a merge that commits ends
# them. A restore that goes through says so in its commit message, in the
# manifest and in the workstation's Log panel.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/ui_lib.sh"

rhead() { git --git-dir="$T/remote.git" rev-parse main; }
chead() { git -C "$T/clone-$1" rev-parse HEAD; }
gitdir() { (cd "$T/clone-$1" && cd "$(git rev-parse --git-dir)" && pwd); }
# conflicts OUT: the (entity, kind, pending, resolution) of a --json report
conflicts() { json "$1" '[(c["entity"], c["kind"], c.get("pending"), c["resolution"]) for c in j["conflicts"]]'; }
workstation() {
    TERM=xterm-256color LINES=30 COLUMNS=200 LANG=C.UTF-8 TZ=UTC MEMTUI_NO_DISPLAY=1 MEMTUI_SCRIPT="$1" \
        "$MEMTUI" --repo "$T/clone-a" --env a --memory-file "$T/a.json" 2>"$T/ws.err" ||
        fail "the workstation failed: $(cat "$T/ws.err")"
}
has() { grep -q -- "$2" "$1" || { cat "$1" >&2; fail "$1: no line with '$2'"; }; }

new_remote
for e in a b; do expect_rc 0 mt $e init "$T/remote.git" >/dev/null; done
{ ent Base thing "one"; ent Gone thing "precious"; } >"$T/a.json"; cp "$T/a.json" "$T/b.json"
for e in a b a; do expect_rc 0 mt $e sync >/dev/null 2>&1; done
old=$(rhead)    # a commit whose memory.json still has Gone
ent Base thing "one" >"$T/a.json"
expect_rc 0 mt a sync >/dev/null 2>&1
expect_rc 0 mt b sync >/dev/null 2>&1
git --git-dir="$T/remote.git" show main:memory.json | grep -q '"Gone"' && fail "the deletion of Gone did not merge"

# ---- the same entity created with two types: --policy fail leaves it pending --
ent Orion person "added on a" >>"$T/a.json"
{ ent Base thing "one"; ent Orion project "added on b"; } >"$T/b.json"
expect_rc 0 mt a export >/dev/null 2>&1
expect_rc 0 mt b export >/dev/null 2>&1
expect_rc 3 mt a --json merge --policy fail >"$T/m.json" 2>/dev/null
pending="$(gitdir a)/memtui/pending.json"
[ -f "$pending" ] || fail "--policy fail saved no $pending"
for c in status diff; do
    expect_rc 0 mt a --json $c >"$T/$c.json"
    [ "$(conflicts "$T/$c.json")" = "[('Orion', 'type', True, None)]" ] ||
        fail "$c does not report the conflict as pending: $(cat "$T/$c.json")"
    [ "$(json "$T/$c.json" 'j["entities"], j["pending_conflicts"]')" = "None 1" ] ||
        fail "$c: counts of a result nobody decided, or no pending count: $(cat "$T/$c.json")"
done
expect_rc 0 mt a status >"$T/status.txt"
has "$T/status.txt" 'conflict type on "Orion" (a, b): pending'
grep -q '^result:.*entities' "$T/status.txt" && fail "status prints a result while a conflict is pending"

# HEAD moves (b exports more; no merge): still pending
{ ent Base thing "one"; ent Orion project "added on b"; ent Vega star "b's"; } >"$T/b.json"
expect_rc 0 mt b export >/dev/null 2>&1
expect_rc 0 mt a export >/dev/null 2>&1
[ "$(chead a)" = "$(rhead)" ] || fail "a did not follow the remote's main"
expect_rc 0 mt a --json status >"$T/status.json"
[ "$(conflicts "$T/status.json")" = "[('Orion', 'type', True, None)]" ] ||
    fail "after an export moved HEAD the conflict is no longer pending: $(cat "$T/status.json")"

# ---- restore refuses to resolve the pending conflict behind the operator ------
h=$(rhead)
expect_rc 3 mt a --json restore "$old" --entity Gone >"$T/rs.json" 2>"$T/rs.err"
[ "$(rhead)" = "$h" ] || fail "a refused restore changed the remote"
[ "$(chead a)" = "$h" ] || fail "a refused restore made a local commit"
has "$T/rs.err" 'pending'
has "$T/rs.err" 'Orion'
has "$T/rs.err" 'policy preserve'
[ "$(json "$T/rs.json" 'j["exit_code"], j["ok"]')" = "3 False" ] || fail "restore --json: $(cat "$T/rs.json")"
expect_rc 3 mt a restore "$old" --entity Gone --dry-run >/dev/null 2>&1
# the workstation's restore (panel 5: a recent merge commit, r, y) refuses too
cat >"$T/ws1" <<S
5
j
j
j
Enter
:save-display $T/backup-diff.txt
r
y
:save-display $T/refused.txt
q
S
workstation "$T/ws1"
has "$T/backup-diff.txt" 'against HEAD'
has "$T/refused.txt" 'restore failed: .*pending'
[ "$(rhead)" = "$h" ] || fail "the workstation's restore resolved the pending conflict"
expect_rc 0 mt a --json status >"$T/status.json"
[ "$(conflicts "$T/status.json")" = "[('Orion', 'type', True, None)]" ] || fail "no longer pending after the refusals"

# ---- a merge that commits decides it; then restore goes through -------------
expect_rc 0 mt a merge --policy preserve >/dev/null 2>&1
[ ! -e "$pending" ] || fail "the merge that committed left $pending"
expect_rc 0 mt a --json status >"$T/status.json"
[ "$(conflicts "$T/status.json")" = "[]" ] || fail "still a conflict after the merge: $(cat "$T/status.json")"
[ "$(json "$T/status.json" 'j["pending_conflicts"]')" = 0 ] || fail "pending count after the merge"
expect_rc 0 mt a --json restore "$old" --entity Gone >"$T/rs.json" 2>"$T/rs.err"
[ "$(chead a)" = "$(rhead)" ] || fail "the restore was not pushed"
git --git-dir="$T/remote.git" show main:memory.json | grep -q '"name":"Gone".*"precious"' || fail "Gone not restored"
git --git-dir="$T/remote.git" log -1 --format=%B main >"$T/msg"
has "$T/msg" "^memtui restore: 1 entity from $old\$"
has "$T/msg" "^Memtui-Restore: $old\$"
has "$T/msg" "^Memtui-Restore-Commit: $old\$"
has "$T/msg" '^Memtui-Lease-Token: [1-9]'
git --git-dir="$T/remote.git" log --format=%s main >"$T/log"
has "$T/log" "^memtui restore: 1 entity from $old\$"
git --git-dir="$T/remote.git" show main:.memtui/manifest.json >"$T/manifest.json"
[ "$(json "$T/manifest.json" 'j["restore"]["ref"], j["restore"]["commit"], j["restore"]["names"], j["restore"]["entities"]')" = \
  "$old $old ['Gone'] 1" ] || fail "the manifest does not record the restore: $(cat "$T/manifest.json")"
[ "$(json "$T/rs.json" 'j["restore"]["ref"], j["restore"]["commit"], j["restore"]["names"], j["restore"]["entities"]')" = \
  "$old $old ['Gone'] 1" ] || fail "restore --json does not carry the restore: $(cat "$T/rs.json")"
lease_tokens_increase "$T/remote.git" >/dev/null || fail "lease tokens do not increase over the restore"
expect_rc 0 mt a verify >/dev/null
# a merge after it records no restore
expect_rc 0 mt b sync >/dev/null 2>&1
git --git-dir="$T/remote.git" show main:.memtui/manifest.json >"$T/manifest.json"
[ "$(json "$T/manifest.json" '"restore" in j')" = False ] || fail "a plain merge carries a restore record"
expect_rc 0 mt a sync >/dev/null 2>&1
cat >"$T/ws2" <<S
6
:save-display $T/log.txt
q
S
workstation "$T/ws2"
has "$T/log.txt" "restored 1 entity from $old (commit $(echo "$old" | cut -c1-12)): Gone"

# ---- a merge committed elsewhere ends what pending.json says -----------------
ent Lyra star "a's" >>"$T/a.json"
ent Lyra planet "b's" >>"$T/b.json"
expect_rc 0 mt a export >/dev/null 2>&1
expect_rc 0 mt b export >/dev/null 2>&1
expect_rc 3 mt a merge --policy fail >/dev/null 2>&1
[ -f "$pending" ] || fail "--policy fail saved no $pending (second time)"
grep -q Lyra "$pending" || fail "pending.json does not name Lyra"
expect_rc 0 mt b sync >/dev/null 2>&1        # preserve, on another machine: Lyra is a star
# both retype Lyra again: a new conflict on the same entity, of the same kind
sed 's/"Lyra","entityType":"[a-z]*"/"Lyra","entityType":"moon"/' "$T/a.json" >"$T/x" && mv "$T/x" "$T/a.json"
sed 's/"Lyra","entityType":"[a-z]*"/"Lyra","entityType":"comet"/' "$T/b.json" >"$T/x" && mv "$T/x" "$T/b.json"
expect_rc 0 mt b export >/dev/null 2>&1
expect_rc 0 mt a export >/dev/null 2>&1
[ -f "$pending" ] || fail "an export removed $pending"
expect_rc 0 mt a --json status >"$T/status.json"
[ "$(json "$T/status.json" '[(c["entity"], c["kind"], c["pending"]) for c in j["conflicts"]], j["pending_conflicts"]')" = \
  "[('Lyra', 'type', False)] 0" ] ||
    fail "a conflict arisen after another machine's merge counts as left pending: $(cat "$T/status.json")"
expect_rc 0 mt a restore "$old" --entity Gone >/dev/null 2>&1
echo ok
