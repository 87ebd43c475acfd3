# Untrusted text never reaches a terminal raw (DESIGN 4, issue 10): a peer's
# entity name, type, observation and relation carry ESC ] 0;PWNED BEL (sets
# the terminal title), ESC [ 2J (clears the screen), U+009B (C1 CSI, as
# UTF-8) and DEL; a peer's backup branch and lease entry carry them too.
# diff, status, merge (with a conflict on that entity), sync, backups and
# the audit log show them escaped (\x1b, \u009b, \x7f) with no raw control
# byte; --json keeps the exact strings; every panel of the workstation, in a
# real terminal (tmux), shows the escaped form and the pane title stays.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/ui_lib.sh"
new_remote
for e in a b; do expect_rc 0 mt $e init "$T/remote.git" >/dev/null; done

# graph FILE TYPE OBS REL: Base plus the hostile entity (none when TYPE is
# empty) and relation (none when REL is empty);
# every string is a Python literal, so the files hold the real bytes.
NAME='"Evil\x1b]0;PWNED\x07\x1b[2J\x9bX\x7f"'
graph() {
    python3 - "$@" "$NAME" <<'EOF'
import json, sys
path, typ, obs, rel, name = sys.argv[1], eval(sys.argv[2]), eval(sys.argv[3]), eval(sys.argv[4]), eval(sys.argv[5])
lines = [{"type": "entity", "name": "Base", "entityType": "thing", "observations": ["one"]}]
if typ:
    lines.append({"type": "entity", "name": name, "entityType": typ, "observations": [obs]})
if rel:
    lines.append({"type": "relation", "from": name, "to": "Base", "relationType": rel})
with open(path, "w", encoding="utf-8") as f:
    f.write("\n".join(json.dumps(l, ensure_ascii=False, separators=(",", ":")) for l in lines))
EOF
}
# clean OUT...: no raw C0 (but the newline ending lines), DEL or C1 in the files.
clean() {
    python3 - "$@" <<'EOF' || exit 1
import sys
for p in sys.argv[1:]:
    data = open(p, "rb").read()
    text = data.decode("utf-8", "surrogateescape")
    bad = [c for c in text if (ord(c) < 0x20 and c != "\n") or 0x7f <= ord(c) <= 0x9f]
    if bad:
        sys.exit("FAIL: %s holds raw control characters %r:\n%r" % (p, sorted(set(bad)), data[:2000]))
EOF
}
# shows OUT TEXT: OUT has TEXT (fixed string).
shows() { grep -qF -- "$2" "$1" || fail "$1 does not show '$2': $(cat "$1")"; }
# run NAME RC args...: memtui --batch on a's clone, outputs in NAME.out/.err
# (checked clean with the others at the end: one python start, not ten).
OUTS=""
run() {
    n=$1 want=$2; shift 2
    expect_rc "$want" mt a "$@" >"$T/$n.out" 2>"$T/$n.err"
    OUTS="$OUTS $T/$n.out $T/$n.err"
}

graph "$T/a.json" '""' '""' '""'
expect_rc 0 mt a sync >/dev/null 2>&1
# the peer: a hostile type, observation and relation on the same entity
graph "$T/b.json" '"kind\x1b]0;PWNED\x07"' '"note\x1b[2J\x9b\x7f"' '"rel\x1b]0;PWNED\x07"'
expect_rc 0 mt b export >/dev/null 2>&1
git -C "$T/clone-a" pull -q 2>/dev/null

run diff 0 diff
shows "$T/diff.out" '@ Evil\x1b]0;PWNED\x07\x1b[2J\u009bX\x7f  [b]'
shows "$T/diff.out" '+ entityType: kind\x1b]0;PWNED\x07'
shows "$T/diff.out" '+ note\x1b[2J\u009b\x7f'
shows "$T/diff.out" '@ relations'
shows "$T/diff.out" '+ Evil\x1b]0;PWNED\x07\x1b[2J\u009bX\x7f -[rel\x1b]0;PWNED\x07]-> Base  [b]'
run status 0 status
shows "$T/status.out" '@ Evil\x1b]0;PWNED\x07'

# --json: the exact strings, as JSON escapes (no raw DEL or C1 either)
run diffjson 0 diff --json
python3 - "$T/diffjson.out" "$NAME" <<'EOF' || fail "diff --json: $(cat "$T/diffjson.out")"
import json, sys
j = json.load(open(sys.argv[1], encoding="utf-8"))
name = eval(sys.argv[2])
assert [e["entity"] for e in j["changes"]["entities"]] == [name], j["changes"]
r = j["changes"]["relations"][0]
assert (r["from"], r["to"], r["relationType"]) == (name, "Base", "rel\x1b]0;PWNED\x07"), r
EOF

# a conflict on that entity: a retypes it, the peer's type differs
graph "$T/a.json" '"robot"' '"plain"' '""'
expect_rc 0 mt a export >/dev/null 2>&1
run mergefail 3 merge --policy fail
shows "$T/mergefail.out" 'conflict type on "Evil\x1b]0;PWNED\x07\x1b[2J\u009bX\x7f" (a, b): pending'
run mergejson 3 merge --policy fail --json
python3 - "$T/mergejson.out" "$NAME" <<'EOF' || fail "merge --json: $(cat "$T/mergejson.out")"
import json, sys
j = json.load(open(sys.argv[1], encoding="utf-8"))
assert [c["entity"] for c in j["conflicts"]] == [eval(sys.argv[2])], j["conflicts"]
EOF
run sync 0 sync
shows "$T/sync.out" 'merged:'

# a third peer pushes (with the git CLI, as export would refuse it) a
# fragment whose error quotes the name: sync quarantines it and says why
git clone -q -b main "$T/remote.git" "$T/clone-c"
python3 - "$T/clone-c/memory-c.json" "$NAME" <<'EOF2'
import json, sys
o = {"type": "entity", "name": eval(sys.argv[2]), "entityType": "x", "observations": [1]}
open(sys.argv[1], "w", encoding="utf-8").write(json.dumps(o, ensure_ascii=False))
EOF2
git -C "$T/clone-c" add memory-c.json
git -C "$T/clone-c" commit -q -m "c: export"
git -C "$T/clone-c" push -q origin main 2>/dev/null
run quarantine 6 sync
# (the reader quotes the name as the file spells it: JSON escapes for C0)
shows "$T/quarantine.err" 'entity "Evil\u001b]0;PWNED\u0007\u001b[2J\u009bX\x7f": observation 1 is not a string'
run quarantinejson 6 status --json
python3 - "$T/quarantinejson.out" <<'EOF2' || fail "status --json: $(cat "$T/quarantinejson.out")"
import json, sys
j = json.load(open(sys.argv[1], encoding="utf-8"))
reason = [f["reason"] for f in j["fragments"] if f["env"] == "c"][0]
assert 'entity "Evil\\u001b]0;PWNED\\u0007\\u001b[2J\x9bX\x7f"' in reason, reason
EOF2

# a peer's backup branch whose commit message is hostile
msg=$(printf 'backup \033]0;PWNED\007 \302\233 \177 end')
c=$(git -C "$T/clone-b" commit-tree "HEAD^{tree}" -p HEAD -m "$msg")
git -C "$T/clone-b" push -q origin "$c:refs/heads/memtui/backup/evil" 2>/dev/null
git -C "$T/clone-a" fetch -q origin 2>/dev/null
run backups 0 backups
shows "$T/backups.out" 'backup \x1b]0;PWNED\x07 \u009b \x7f end'
# one in Latin-1 (not UTF-8): --json stays valid JSON, the bad byte U+FFFD
# (written raw: git commit-tree would re-encode it)
c=$(printf 'tree %s\nparent %s\nauthor p <p@x> 1 +0000\ncommitter p <p@x> 1 +0000\n\ncaf\351 backup\n' \
    "$(git -C "$T/clone-b" rev-parse "HEAD^{tree}")" "$(git -C "$T/clone-b" rev-parse HEAD)" |
    git -C "$T/clone-b" hash-object -t commit -w --stdin)
git -C "$T/clone-b" push -q origin "$c:refs/heads/memtui/backup/latin1" 2>/dev/null
git -C "$T/clone-a" fetch -q origin 2>/dev/null
run backupsjson 0 backups --json
python3 - "$T/backupsjson.out" <<'EOF2' || fail "backups --json is not valid JSON: $(cat "$T/backupsjson.out")"
import json, sys
j = json.load(open(sys.argv[1], encoding="utf-8"))
assert "caf\ufffd backup" in json.dumps(j, ensure_ascii=False), j
EOF2

# every output above, and the audit log (JSON lines), without a raw control
gitdir=$(cd "$T/clone-a" && cd "$(git rev-parse --git-dir)" && pwd)
clean $OUTS "$gitdir/memtui.log"
shows "$gitdir/memtui.log" '[2J\\u009bX\\x7f\": observation 1 is not a string'

# ---- the workstation in a real terminal ------------------------------------
command -v tmux >/dev/null 2>&1 || fail "tmux is not installed: run sh scripts/install-deps.sh"
# a new conflict on the entity for the panels, and a lease entry by a peer
# whose host is hostile
graph "$T/a.json" '"robot2"' '"plain"' '""'
expect_rc 0 mt a export >/dev/null 2>&1
graph "$T/b.json" '"kind2\x1b]0;PWNED\x07"' '"note\x1b[2J\x9b\x7f"' '"rel\x1b]0;PWNED\x07"'
expect_rc 0 mt b export >/dev/null 2>&1
git -C "$T/clone-a" pull -q 2>/dev/null
fake_lease "$T/remote.git" held zed 'zhost\u001b]0;PWNED\u0007' 4242 600

tmux_open control
SES=ui
# title_kept WHERE: the pane title is still the one set before memtui ran
# (title_kept start shows this terminal obeys a title sequence).
title_kept() {
    t=$(tm display -p -t "$SES" '#{pane_title}')
    [ "$t" = before ] || fail "$1: the pane title became '$t'"
}
cat >"$T/run.sh" <<RUN
printf '\033]2;before\033\\\\'
"$MEMTUI" --repo "$T/clone-a" --env a --memory-file "$T/a.json" 2>"$T/err"
echo \$? >"$T/rc"
echo DONE
sleep 60
RUN
tm new-session -d -s ui -x 160 -y 40 "env TERM=xterm-256color LANG=C.UTF-8 TZ=UTC sh $T/run.sh"
screen_has -F 'pending: 1 conflict'
title_kept start
keys 2; screen_has -F 'held by zed on zhost\x1b]0;PWNED\x07 (pid 4242)'; title_kept Locks
keys 3; screen_has -F '@ Evil\x1b]0;PWNED\x07\x1b[2J\u009bX\x7f'; title_kept Plan
# cut by the width of the escaped form, the next column in its place
keys 4; screen_has -F 'PENDING type          Evil\x1b]0;PWNED\x07\x1b[2J~a, b'; title_kept Conflicts
keys Enter; screen_has -F 'Conflict 1/1: type on "Evil\x1b]0;PWNED\x07\x1b[2J\u009bX\x7f"'
screen_has -F 'kind2\x1b]0;PWNED\x07'; screen_has -F 'note\x1b[2J\u009b\x7f'; title_kept 'conflict view'
keys Escape
keys 5; screen_has -F 'memtui/backup/evil'; screen_has -F 'backup \x1b]0;PWNED\x07 \u009b \x7f end'
title_kept Backups
keys 6; screen_has -F 'type Evil\x1b]0;PWNED\x07\x1b[2J\u009bX\x7f'; title_kept Log
keys 1; screen_has -F 'entity "Evil\u001b]0;PWNED\u0007\u001b[2J\u009bX\x7f": observation 1'
title_kept Environments
keys '?'; screen_has -F 'help'; title_kept help
keys q; keys q; screen_has DONE
[ "$(cat "$T/rc")" = 0 ] || fail "exit $(cat "$T/rc"): $(cat "$T/err")"
clean "$T/err"
echo ok
