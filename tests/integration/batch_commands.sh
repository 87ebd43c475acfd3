# Every batch command end to end (DESIGN 1.2, 1.3, 2, 3.3, 4): exit codes,
# --json fields, and the safety guards, each scenario on its own bare remote.
. "$TESTS_DIR/lib.sh"
TOP=$T

# ---- helpers ---------------------------------------------------------------
# scenario NAME: a fresh directory and bare remote (call inside a subshell).
scenario() { T=$TOP/$1; mkdir -p "$T"; cd "$T"; new_remote; }
# ent NAME TYPE OBS...: one MCP JSONL entity line (plain ASCII arguments).
ent() {
    n=$1 ty=$2; shift 2
    o=""; for x in "$@"; do o="$o${o:+,}\"$x\""; done
    printf '{"type":"entity","name":"%s","entityType":"%s","observations":[%s]}\n' "$n" "$ty" "$o"
}
rel() { printf '{"type":"relation","from":"%s","to":"%s","relationType":"%s"}\n' "$1" "$2" "$3"; }
rhead() { git --git-dir="$T/remote.git" rev-parse main; }
chead() { git -C "$T/clone-$1" rev-parse HEAD; }
rshow() { git --git-dir="$T/remote.git" show "main:$1"; }
gitdir() { (cd "$T/clone-$1" && cd "$(git rev-parse --git-dir)" && pwd); }
# graph FILE EXPR: evaluate EXPR over a JSONL graph: E = {name: entity},
# R = set of (from, to, relationType).
graph() {
    python3 - "$1" "$2" <<'EOF'
import json, sys
E, R = {}, set()
for line in open(sys.argv[1], encoding="utf-8"):
    if not line.strip():
        continue
    o = json.loads(line)
    if o.get("type") == "entity":
        E[o["name"]] = o
    elif o.get("type") == "relation":
        R.add((o["from"], o["to"], o["relationType"]))
print(eval(sys.argv[2]))
EOF
}
# remote_graph PATH EXPR: graph over a file of the remote's main.
remote_graph() { rshow "$1" >"$T/rg.json"; graph "$T/rg.json" "$2"; }
# check_json OUT COMMAND RC: OUT is exactly one JSON object with ok, command
# and exit_code agreeing with the run.
check_json() {
    python3 - "$1" "$2" "$3" <<'EOF' || fail "--json output of $2 is wrong: $(cat "$1")"
import json, sys
text = open(sys.argv[1], encoding="utf-8").read()
j = json.loads(text)                       # one JSON value, nothing else
assert isinstance(j, dict), "not an object"
assert text.strip().count("\n") == 0, "more than one line on stdout"
assert j.get("command") == sys.argv[2], "command %r" % j.get("command")
assert j.get("exit_code") == int(sys.argv[3]), "exit_code %r" % j.get("exit_code")
assert j.get("ok") is (int(sys.argv[3]) == 0), "ok %r" % j.get("ok")
EOF
}
# check_plan_json OUT: the merge/diff/status fields of DESIGN 4 (not lease).
check_plan_json() {
    python3 - "$1" <<'EOF' || fail "plan fields missing in: $(cat "$1")"
import json, sys
j = json.load(open(sys.argv[1], encoding="utf-8"))
for k in ("entities", "relations", "fragments", "conflicts"):
    assert k in j, "no %s" % k
assert isinstance(j["fragments"], list) and j["fragments"], "fragments"
for f in j["fragments"]:
    for k in ("env", "entities", "relations", "sha256", "status"):
        assert k in f, "fragment without %s: %r" % (k, f)
assert isinstance(j["conflicts"], list)
for c in j["conflicts"]:
    for k in ("entity", "kind", "envs", "resolution"):
        assert k in c, "conflict without %s: %r" % (k, c)
    assert c["kind"] in ("type", "modify-delete"), c["kind"]
    assert isinstance(c["envs"], list), c
EOF
}
check_lease_json() {
    python3 - "$1" <<'EOF' || fail "no lease (holder, token, expires) in: $(cat "$1")"
import json, sys
j = json.load(open(sys.argv[1], encoding="utf-8"))
l = j["lease"]
for k in ("holder", "token", "expires"):
    assert k in l, k
EOF
}
# run_json RC OUT ENV args...: mt with --json, exit code RC, output in OUT
run_json() {
    want=$1 out=$2 e=$3; shift 3
    expect_rc "$want" mt "$e" --json "$@" >"$out"
}

# ---- command line ----------------------------------------------------------
"$MEMTUI" --help >"$T/help.out" 2>"$T/help.err" || fail "--help did not exit 0"
for c in init export merge import sync status diff verify; do
    grep -q "^ *$c\b" "$T/help.out" || fail "--help does not list $c"
done
# DESIGN 4 lists backups and restore among the batch commands
for c in backups restore; do
    grep -q "^ *$c\b" "$T/help.out" || fail "--help does not list $c"
done
for o in --repo --env --memory-file --remote --lock-file --lock-timeout --lease-ttl --json --version \
         --policy --dry-run --no-push --allow-mass-delete --from --to; do
    grep -q -- "$o" "$T/help.out" || fail "--help does not mention $o"
done
"$MEMTUI" --version >"$T/version.out" || fail "--version did not exit 0"
grep -Eq '^memtui [0-9]+\.[0-9]+' "$T/version.out" || fail "--version printed: $(cat "$T/version.out")"
expect_rc 2 mt a --bogus status 2>"$T/err"
grep -q '^usage:' "$T/err" || fail "a bad option printed no usage line"
expect_rc 2 mt a status --no-such-option 2>"$T/err"
grep -q 'usage:' "$T/err" || fail "a bad command option printed no usage line"
expect_rc 2 mt a merge --policy sometimes 2>/dev/null
expect_rc 2 mt a --lock-timeout soon status 2>/dev/null
for bad in "bad/name" "" "a b" "$(printf '%065d' 0)" "../up"; do
    expect_rc 2 "$MEMTUI" --batch --repo "$T/clone-a" --env "$bad" --memory-file "$T/a.json" status 2>"$T/err"
    [ -s "$T/err" ] || fail "invalid env '$bad' refused without a message"
done
grep -q 'environment' "$T/err" || fail "the invalid env message does not say what is wrong"
expect_rc 2 mt a frobnicate 2>/dev/null
expect_rc 2 mt a --json frobnicate >"$T/out" 2>/dev/null
check_json "$T/out" frobnicate 2
expect_rc 2 mt a status extra-argument 2>/dev/null
expect_rc 2 mt a init 2>/dev/null
# DESIGN 4: with --json every command prints one JSON object, config errors too
expect_rc 2 "$MEMTUI" --batch --json --repo "$T/clone-a" --env bad/name status >"$T/out" 2>/dev/null
check_json "$T/out" status 2

# ---- init ------------------------------------------------------------------
(
    scenario init
    run_json 0 "$T/o.json" a init "$T/remote.git"
    check_json "$T/o.json" init 0
    git --git-dir="$T/remote.git" show main:.gitattributes >"$T/ga" || fail "init created no main with .gitattributes"
    grep -Eq '^memory\.json[[:space:]]+-merge$' "$T/ga" || fail ".gitattributes lacks 'memory.json -merge': $(cat "$T/ga")"
    h=$(rhead)
    run_json 0 "$T/o.json" a init "$T/remote.git"
    check_json "$T/o.json" init 0
    [ "$(rhead)" = "$h" ] || fail "init again changed the remote"
    expect_rc 0 mt b init "$T/remote.git"
    [ "$(chead b)" = "$h" ] || fail "a second env did not clone main"
    [ -f "$T/clone-b/.gitattributes" ] || fail "clone has no .gitattributes"
    # an unreachable remote at init
    expect_rc 5 mt z init "git://127.0.0.1:1/nothing" 2>/dev/null
)

# ---- export, merge, import, sync, status, diff, verify with --json ----------
(
    scenario json
    for e in a b; do expect_rc 0 mt $e init "$T/remote.git"; done
    { ent Ada person "wrote the first program"; ent Ship vessel "sails"; ent Port place "harbour"
      rel Ship Port "docks at"; rel Ada Ship "boards"; } >"$T/a.json"
    cp "$T/a.json" "$T/b.json"
    run_json 0 "$T/o.json" a sync; check_json "$T/o.json" sync 0; check_plan_json "$T/o.json"
    run_json 0 "$T/o.json" b sync; check_json "$T/o.json" sync 0
    run_json 0 "$T/o.json" a sync; check_json "$T/o.json" sync 0
    cmp "$T/a.json" "$T/b.json" || fail "the common start did not converge"
    # a: TYPE conflict on Orion, deletes Ship (and, as the server does, its relations)
    { ent Ada person "wrote the first program" "born 1815"; ent Port place "harbour"
      ent Orion person "added on a"; } >"$T/a.json"
    # b: the other type for Orion, modifies Ship (MODIFY/DELETE with a)
    { ent Ada person "wrote the first program"; ent Ship vessel "sails" "has a new mast"; ent Port place "harbour"
      ent Orion project "added on b"; rel Ship Port "docks at"; rel Ada Ship "boards"; } >"$T/b.json"
    run_json 0 "$T/o.json" a export; check_json "$T/o.json" export 0
    run_json 0 "$T/o.json" b export; check_json "$T/o.json" export 0
    [ "$(rhead)" = "$(chead b)" ] || fail "export did not push"
    rshow memory-b.json | cmp - "$T/b.json" || fail "memory-b.json is not b's file"
    h=$(rhead)
    for c in diff status; do
        run_json 0 "$T/$c.json" b $c
        check_json "$T/$c.json" $c 0
        check_plan_json "$T/$c.json"
    done
    check_lease_json "$T/status.json"
    [ "$(rhead)" = "$h" ] || fail "diff or status changed the remote"
    # the fragment checksums are those of the files in the repo
    for e in a b; do
        want=$(rshow memory-$e.json | sha256sum | cut -d' ' -f1)
        got=$(json "$T/diff.json" "[f['sha256'] for f in j['fragments'] if f['env']=='$e'][0]")
        [ "$got" = "$want" ] || fail "diff: sha256 of $e is $got, the file's is $want"
    done
    [ "$(json "$T/diff.json" 'sorted((c["entity"], c["kind"]) for c in j["conflicts"])')" = \
      "[('Orion', 'type'), ('Ship', 'modify-delete')]" ] || fail "diff: wrong conflicts: $(cat "$T/diff.json")"
    [ "$(json "$T/diff.json" '[sorted(c["envs"]) for c in j["conflicts"] if c["entity"]=="Orion"][0]')" = "['a', 'b']" ] ||
        fail "diff: Orion conflict envs"
    [ "$(json "$T/diff.json" 'j["entities"]')" = 4 ] || fail "diff: want 4 entities (Ship kept)"
    run_json 0 "$T/merge.json" a merge
    check_json "$T/merge.json" merge 0
    check_plan_json "$T/merge.json"
    [ "$(json "$T/merge.json" '(j["entities"], j["relations"])')" = "(4, 2)" ] || fail "merge: counts: $(cat "$T/merge.json")"
    [ "$(json "$T/merge.json" 'all(c["resolution"] for c in j["conflicts"]) and len(j["conflicts"])')" = 2 ] ||
        fail "merge: conflicts without a resolution"
    # DESIGN 4: merge and diff report the lease too
    check_lease_json "$T/diff.json"
    check_lease_json "$T/merge.json"
    [ "$(rhead)" = "$(chead a)" ] || fail "merge did not push"
    # preserve: Orion keeps the type of the env sorting first, observations unioned;
    # Ship survives with b's change and the relations a dropped along with it
    [ "$(remote_graph memory.json 'E["Orion"]["entityType"], E["Orion"]["observations"]')" = \
      "('person', ['added on a', 'added on b'])" ] || fail "Orion not resolved by DESIGN 2"
    [ "$(remote_graph memory.json 'E["Ship"]["observations"]')" = "['sails', 'has a new mast']" ] ||
        fail "Ship not kept with b's modification"
    [ "$(remote_graph memory.json 'sorted(R)')" = "[('Ada', 'Ship', 'boards'), ('Ship', 'Port', 'docks at')]" ] ||
        fail "relations dropped with Ship were not kept"
    [ "$(remote_graph memory.json 'E["Ada"]["observations"]')" = "['wrote the first program', 'born 1815']" ] ||
        fail "Ada lost a's observation"
    rshow .memtui/manifest.json >"$T/manifest.json"
    [ "$(json "$T/manifest.json" 'sorted((c["entity"], c["kind"], bool(c["resolution"])) for c in j["conflicts"])')" = \
      "[('Orion', 'type', True), ('Ship', 'modify-delete', True)]" ] || fail "manifest: conflicts not recorded"
    [ "$(json "$T/manifest.json" 'j["policy"]')" = preserve ] || fail "manifest: policy"
    [ "$(json "$T/manifest.json" 'j["output"]["sha256"]')" = "$(rshow memory.json | sha256sum | cut -d' ' -f1)" ] ||
        fail "manifest: output sha256"
    run_json 0 "$T/o.json" a verify; check_json "$T/o.json" verify 0
    run_json 0 "$T/o.json" b sync; check_json "$T/o.json" sync 0
    run_json 0 "$T/o.json" a sync; check_json "$T/o.json" sync 0
    rshow memory.json >"$T/u.json"
    cmp "$T/a.json" "$T/u.json" || fail "a did not import the merge"
    cmp "$T/b.json" "$T/u.json" || fail "b did not import the merge"
    run_json 0 "$T/o.json" b import; check_json "$T/o.json" import 0
    cmp "$T/b.json" "$T/u.json" || fail "import changed an up-to-date file"
    run_json 0 "$T/o.json" b verify; check_json "$T/o.json" verify 0
    # --from and --to
    { ent Ada person "wrote the first program" "born 1815"; ent Solo thing "from elsewhere"; } >"$T/other.json"
    cp "$T/b.json" "$T/b.before"
    expect_rc 0 mt b export --from "$T/other.json"
    rshow memory-b.json | cmp - "$T/other.json" || fail "export --from did not export that file"
    cmp "$T/b.json" "$T/b.before" || fail "export --from touched the local file"
    expect_rc 0 mt b import --to "$T/elsewhere.json"
    git -C "$T/clone-b" show HEAD:memory.json | cmp - "$T/elsewhere.json" || fail "import --to wrote something else"
    cmp "$T/b.json" "$T/b.before" || fail "import --to touched the local file"
)

# ---- export refuses a missing or invalid local file ------------------------
(
    scenario refuse
    expect_rc 0 mt a init "$T/remote.git"
    h=$(rhead)
    run_json 1 "$T/o.json" a export 2>"$T/err"
    check_json "$T/o.json" export 1
    [ "$(chead a)" = "$h" ] && [ "$(rhead)" = "$h" ] || fail "export of a missing file changed the repo"
    [ -z "$(git -C "$T/clone-a" status --porcelain)" ] || fail "export of a missing file left changes"
    [ ! -e "$T/clone-a/memory-a.json" ] || fail "export of a missing file wrote a fragment"
    # a valid graph first, then an invalid one
    { ent Good thing "kept"; ent Other thing "x"; } >"$T/a.json"
    expect_rc 0 mt a sync
    h=$(rhead)
    rshow memory-a.json >"$T/frag.before"
    { ent Good thing "kept"; printf '{"type":"entity","name":"Bad","entityType":"t","observations":[1,]}\n'
      ent Other thing "x"; } >"$T/a.json"
    expect_rc 1 mt a export 2>"$T/err"
    grep -Eq "$T/a\.json:2:[0-9]+" "$T/err" || fail "export error does not name file:line:col: $(cat "$T/err")"
    [ "$(chead a)" = "$h" ] && [ "$(rhead)" = "$h" ] || fail "export of an invalid file changed the repo"
    [ -z "$(git -C "$T/clone-a" status --porcelain)" ] || fail "export of an invalid file left changes"
    # more kinds of invalid input, each refused with its line
    printf '{"type":"entity","name":"A","entityType":"t","observations":[]}\n{"type":"entity","entityType":"t","observations":[]}\n' >"$T/a.json"
    expect_rc 1 mt a export 2>"$T/err"; grep -q "a\.json:2:" "$T/err" || fail "missing name not located"
    printf '{"type":"entity","name":"A","entityType":"t","observations":"no"}\n' >"$T/a.json"
    expect_rc 1 mt a export 2>"$T/err"; grep -q "a\.json:1:" "$T/err" || fail "bad observations not located"
    printf '{"type":"entity","name":"A","entityType":"t","observations":[]}\n{"type":"relation","from":"A","relationType":"r"}\n' >"$T/a.json"
    expect_rc 1 mt a export 2>"$T/err"; grep -q "a\.json:2:" "$T/err" || fail "relation missing an end not located"
    printf '{"type":"entity","name":"A\377","entityType":"t","observations":[]}\n' >"$T/a.json"
    expect_rc 1 mt a export 2>"$T/err"; grep -q "a\.json:1:" "$T/err" || fail "invalid UTF-8 not located"
    printf '{"type":"entity","name":"A","entityType":"t","observations":[]}\n{"type":"entity","name":"B","entit' >"$T/a.json"
    expect_rc 1 mt a export 2>"$T/err"; grep -q "a\.json:2:" "$T/err" || fail "truncated last line not located"
    [ "$(chead a)" = "$h" ] && [ "$(rhead)" = "$h" ] || fail "a refused export changed the repo"
    rshow memory-a.json | cmp - "$T/frag.before" || fail "a refused export changed the fragment"
    # sync refuses the same way and changes nothing
    expect_rc 1 mt a sync 2>/dev/null
    [ "$(rhead)" = "$h" ] || fail "sync of an invalid file changed the remote"
)

# ---- merge --dry-run and --no-push -----------------------------------------
(
    scenario dryrun
    for e in a b; do expect_rc 0 mt $e init "$T/remote.git"; done
    ent Base thing "one" >"$T/a.json"; cp "$T/a.json" "$T/b.json"
    expect_rc 0 mt a sync; expect_rc 0 mt b sync; expect_rc 0 mt a sync
    { ent Base thing "one" "two"; ent New thing "fresh"; } >"$T/b.json"
    cp "$T/b.json" "$T/b.exported"
    expect_rc 0 mt b export
    h=$(rhead)
    rshow memory.json >"$T/u.before"
    run_json 0 "$T/o.json" b merge --dry-run
    check_json "$T/o.json" merge 0
    check_plan_json "$T/o.json"
    [ "$(json "$T/o.json" 'j["entities"]')" = 2 ] || fail "dry run does not show the plan"
    [ "$(rhead)" = "$h" ] && [ "$(chead b)" = "$h" ] || fail "merge --dry-run made a commit"
    [ -z "$(git -C "$T/clone-b" status --porcelain)" ] || fail "merge --dry-run changed the work tree"
    git -C "$T/clone-b" show HEAD:memory.json | cmp - "$T/u.before" || fail "merge --dry-run changed memory.json"
    cmp "$T/b.json" "$T/b.exported" || fail "merge --dry-run touched the local file"
    expect_rc 0 mt b diff >"$T/diff.txt"
    grep -q '^@ New' "$T/diff.txt" || fail "diff text does not show '@ New': $(cat "$T/diff.txt")"
    grep -q '^+ two' "$T/diff.txt" || fail "diff text does not show '+ two'"
    run_json 0 "$T/o.json" b merge --no-push
    check_json "$T/o.json" merge 0
    [ "$(rhead)" = "$h" ] || fail "merge --no-push touched the remote"
    [ "$(chead b)" != "$h" ] || fail "merge --no-push made no local commit"
    git -C "$T/clone-b" show HEAD:memory.json >"$T/u.local"
    [ "$(graph "$T/u.local" 'sorted(E)')" = "['Base', 'New']" ] || fail "merge --no-push did not merge"
    cmp "$T/b.json" "$T/b.exported" || fail "merge --no-push touched the local file"
    expect_rc 0 mt b verify
    # DESIGN 4: merge and sync push unless --no-push: the merge commit
    # that --no-push left behind goes out with the next merge or sync
    expect_rc 0 mt b merge
    [ "$(rhead)" = "$(chead b)" ] || fail "a merge after merge --no-push did not push the merge"
    expect_rc 0 mt b sync
    [ "$(rhead)" = "$(chead b)" ] || fail "sync after merge --no-push did not push"
    [ "$(remote_graph memory.json 'sorted(E)')" = "['Base', 'New']" ] || fail "the remote lacks the merge"
)

# ---- quarantine: a bad fragment committed by hand ---------------------------
(
    scenario quarantine
    for e in a b c; do expect_rc 0 mt $e init "$T/remote.git"; done
    ent A1 thing "from a" >"$T/a.json"
    ent B1 thing "from b" >"$T/b.json"
    { ent C1 thing "from c"; ent C2 thing "also c"; } >"$T/c.json"
    for e in a b c a b c; do expect_rc 0 mt $e sync; done
    [ "$(remote_graph memory.json 'sorted(E)')" = "['A1', 'B1', 'C1', 'C2']" ] || fail "the start did not merge"
    # someone commits a broken memory-c.json by hand
    git clone -q -b main "$T/remote.git" "$T/hand"
    { ent C1 thing "from c" "evil but valid"; printf '{"type":"entity","name":"C2","entityType":"thing","observ'; } \
        >"$T/hand/memory-c.json"
    git -C "$T/hand" commit -qam "broken fragment"
    git -C "$T/hand" push -q origin HEAD:main
    bad=$(git -C "$T/hand" rev-parse HEAD:memory-c.json)
    # b's change goes on
    cmp "$T/b.json" "$T/clone-b/memory.json" || fail "b did not import the start"
    { ent A1 thing "from a"; ent B1 thing "from b" "more from b"; ent C1 thing "from c"; ent C2 thing "also c"
      ent B2 thing "new in b"; } >"$T/b.json"
    expect_rc 0 mt b export
    run_json 6 "$T/o.json" a merge 2>"$T/err"
    check_json "$T/o.json" merge 6
    check_plan_json "$T/o.json"
    grep -Eq 'memory-c\.json:2:[0-9]+' "$T/err" || fail "quarantine does not name file:line:col: $(cat "$T/err")"
    [ "$(json "$T/o.json" '[f["status"] for f in j["fragments"] if f["env"]=="c"][0]')" = quarantined ] ||
        fail "c is not reported quarantined"
    [ "$(rhead)" = "$(chead a)" ] || fail "the degraded merge was not pushed"
    [ "$(remote_graph memory.json 'sorted(E)')" = "['A1', 'B1', 'B2', 'C1', 'C2']" ] ||
        fail "the degraded merge lost or missed entities: $(rshow memory.json)"
    [ "$(remote_graph memory.json 'E["B1"]["observations"]')" = "['from b', 'more from b']" ] ||
        fail "b's change was not merged"
    [ "$(remote_graph memory.json 'E["C1"]["observations"]')" = "['from c']" ] ||
        fail "the quarantined fragment's changes were applied"
    [ "$(git --git-dir="$T/remote.git" rev-parse main:memory-c.json)" = "$bad" ] || fail "the bad fragment was touched"
    expect_rc 0 mt a verify
    expect_rc 6 mt a status >/dev/null 2>&1
    # c repairs its fragment: the merge is whole again
    { ent C1 thing "from c" "fixed"; ent C2 thing "also c"; } >"$T/c.json"
    expect_rc 0 mt c sync
    [ "$(remote_graph memory.json 'E["C1"]["observations"]')" = "['from c', 'fixed']" ] || fail "c's repair not merged"
    expect_rc 0 mt a merge
)

# ---- mass deletion is held back --------------------------------------------
(
    scenario massdel
    for e in a b; do expect_rc 0 mt $e init "$T/remote.git"; done
    i=1; : >"$T/a.json"
    while [ $i -le 20 ]; do ent "E$i" thing "obs $i" >>"$T/a.json"; i=$((i + 1)); done
    cp "$T/a.json" "$T/b.json"
    expect_rc 0 mt a sync; expect_rc 0 mt b sync; expect_rc 0 mt a sync
    [ "$(remote_graph memory.json 'len(E)')" = 20 ] || fail "want 20 entities to start"
    # a deletes 15 of its 20 entities; b adds an observation to one a keeps
    grep -E '"E(1[6-9]|20)"' "$T/b.json" >"$T/a.json"
    [ "$(graph "$T/a.json" 'len(E)')" = 5 ] || fail "test set-up: want 5 left"
    sed 's/"obs 20"/"obs 20","b was here"/' "$T/b.json" >"$T/b.new" && mv "$T/b.new" "$T/b.json"
    expect_rc 0 mt a export
    expect_rc 0 mt b export
    run_json 6 "$T/o.json" a merge 2>/dev/null
    check_json "$T/o.json" merge 6
    [ "$(json "$T/o.json" '[f["status"] for f in j["fragments"] if f["env"]=="a"][0]')" = held ] ||
        fail "the mass deletion is not reported held"
    [ "$(remote_graph memory.json 'len(E)')" = 20 ] || fail "a held-back mass deletion deleted entities"
    [ "$(remote_graph memory.json 'E["E20"]["observations"]')" = "['obs 20', 'b was here']" ] ||
        fail "b's change was not merged beside the held fragment"
    expect_rc 0 mt a verify
    run_json 0 "$T/o.json" a merge --allow-mass-delete
    check_json "$T/o.json" merge 0
    [ "$(remote_graph memory.json 'sorted(E)')" = "['E16', 'E17', 'E18', 'E19', 'E20']" ] ||
        fail "--allow-mass-delete did not delete them"
    [ "$(remote_graph memory.json 'E["E20"]["observations"]')" = "['obs 20', 'b was here']" ] ||
        fail "--allow-mass-delete lost b's change"
    expect_rc 0 mt a verify
    # small deletions are not held: 4 of 5 entities (fewer than 10)
    expect_rc 0 mt a sync; expect_rc 0 mt b sync
    grep '"E20"' "$T/a.json" >"$T/a.new" && mv "$T/a.new" "$T/a.json"
    expect_rc 0 mt a sync
    [ "$(remote_graph memory.json 'sorted(E)')" = "['E20']" ] || fail "a small deletion was held back"
)

# ---- --policy fail, then preserve ------------------------------------------
(
    scenario policy
    for e in a b; do expect_rc 0 mt $e init "$T/remote.git"; done
    ent Base thing "one" >"$T/a.json"; cp "$T/a.json" "$T/b.json"
    expect_rc 0 mt a sync; expect_rc 0 mt b sync; expect_rc 0 mt a sync
    { ent Base thing "one"; ent Orion person "added on a"; } >"$T/a.json"
    { ent Base thing "one" "b's"; ent Orion project "added on b"; } >"$T/b.json"
    cp "$T/a.json" "$T/a.exported"
    expect_rc 0 mt a export
    expect_rc 0 mt b export
    h=$(rhead)
    rshow memory.json >"$T/u.before"
    pending="$(gitdir a)/memtui/pending.json"
    rm -f "$pending"
    run_json 3 "$T/o.json" a merge --policy fail 2>/dev/null
    check_json "$T/o.json" merge 3
    check_plan_json "$T/o.json"
    [ "$(json "$T/o.json" '[(c["entity"], c["kind"]) for c in j["conflicts"]]')" = "[('Orion', 'type')]" ] ||
        fail "--policy fail: conflicts reported: $(cat "$T/o.json")"
    [ "$(rhead)" = "$h" ] || fail "--policy fail changed the remote"
    [ "$(chead a)" = "$h" ] || fail "--policy fail made a local commit"
    [ -z "$(git -C "$T/clone-a" status --porcelain)" ] || fail "--policy fail changed the work tree"
    cmp "$T/a.json" "$T/a.exported" || fail "--policy fail touched the local file"
    [ -f "$pending" ] || fail "--policy fail saved no $pending"
    grep -q Orion "$pending" || fail "pending.json does not name the conflict"
    expect_rc 3 mt a sync --policy fail 2>/dev/null
    [ "$(rhead)" = "$h" ] || fail "sync --policy fail changed the remote"
    run_json 0 "$T/o.json" a merge --policy preserve
    check_json "$T/o.json" merge 0
    [ "$(json "$T/o.json" '[(c["entity"], c["kind"], bool(c["resolution"])) for c in j["conflicts"]]')" = \
      "[('Orion', 'type', True)]" ] || fail "preserve: conflict not resolved"
    [ "$(remote_graph memory.json 'E["Orion"]["entityType"], E["Orion"]["observations"]')" = \
      "('person', ['added on a', 'added on b'])" ] || fail "preserve: Orion resolved wrongly"
    [ "$(remote_graph memory.json 'E["Base"]["observations"]')" = "['one', \"b's\"]" ] || fail "b's change lost"
    rshow .memtui/manifest.json >"$T/manifest.json"
    [ "$(json "$T/manifest.json" '[(c["entity"], c["kind"], sorted(c["envs"]), bool(c["resolution"])) for c in j["conflicts"]]')" = \
      "[('Orion', 'type', ['a', 'b'], True)]" ] || fail "manifest does not record the resolution: $(cat "$T/manifest.json")"
    [ "$(json "$T/manifest.json" 'j["policy"]')" = preserve ] || fail "manifest: policy"
    expect_rc 0 mt a verify
)

# ---- an environment leaving deletes nothing ---------------------------------
(
    scenario leave
    for e in a b; do expect_rc 0 mt $e init "$T/remote.git"; done
    ent A1 thing "from a" >"$T/a.json"
    { ent B1 thing "from b"; ent B2 thing "b too"; rel B1 B2 "knows"; } >"$T/b.json"
    for e in a b a; do expect_rc 0 mt $e sync; done
    rshow memory.json >"$T/u.before"
    git clone -q -b main "$T/remote.git" "$T/hand"
    git -C "$T/hand" rm -q memory-b.json
    git -C "$T/hand" commit -qm "b leaves"
    git -C "$T/hand" push -q origin HEAD:main
    # a's local file holds the merged graph (sync imported it): edit it in place
    sed 's/"from a"\]/"from a","still here"]/' "$T/a.json" >"$T/a.new" && mv "$T/a.new" "$T/a.json"
    grep -q B1 "$T/a.json" || fail "a's local file should hold the merged graph"
    expect_rc 0 mt a sync
    [ "$(remote_graph memory.json 'sorted(E), sorted(R)')" = "(['A1', 'B1', 'B2'], [('B1', 'B2', 'knows')])" ] ||
        fail "an environment leaving deleted data"
    [ "$(remote_graph memory.json 'E["A1"]["observations"]')" = "['from a', 'still here']" ] || fail "a's change lost"
    expect_rc 0 mt a merge
    [ "$(remote_graph memory.json 'len(E)')" = 3 ] || fail "a later merge deleted the leaving env's data"
    expect_rc 0 mt a verify
)

# ---- verify detects tampering -----------------------------------------------
(
    scenario tamper
    expect_rc 0 mt a init "$T/remote.git"
    { ent A1 thing "from a"; ent A2 thing "x"; } >"$T/a.json"
    expect_rc 0 mt a sync
    run_json 0 "$T/o.json" a verify; check_json "$T/o.json" verify 0
    # same counts, other bytes
    sed 's/from a/from A/' "$T/clone-a/memory.json" >"$T/m" && mv "$T/m" "$T/clone-a/memory.json"
    git -C "$T/clone-a" commit -qam "tamper with memory.json"
    run_json 1 "$T/o.json" a verify 2>"$T/err"
    check_json "$T/o.json" verify 1
    [ -s "$T/err" ] || fail "verify failed without a message"
    # an extra entity: counts differ too
    git -C "$T/clone-a" reset -q --hard HEAD~1
    expect_rc 0 mt a verify
    ent A3 thing "smuggled" >>"$T/clone-a/memory.json"
    git -C "$T/clone-a" commit -qam "smuggle an entity"
    expect_rc 1 mt a verify 2>/dev/null
    git -C "$T/clone-a" reset -q --hard HEAD~1
    expect_rc 0 mt a verify
)

# ---- import keeps a backup, and skips a file changed since export -----------
(
    scenario import
    for e in a b; do expect_rc 0 mt $e init "$T/remote.git"; done
    ent Base thing "one" >"$T/a.json"; cp "$T/a.json" "$T/b.json"
    expect_rc 0 mt a sync; expect_rc 0 mt b sync; expect_rc 0 mt a sync
    { ent Base thing "one" "from b"; } >"$T/b.json"
    expect_rc 0 mt b sync
    expect_rc 0 mt a merge
    cp "$T/a.json" "$T/a.before"
    rm -f "$T"/a.json.bak-*
    run_json 0 "$T/o.json" a import
    check_json "$T/o.json" import 0
    git -C "$T/clone-a" show HEAD:memory.json | cmp - "$T/a.json" || fail "import did not write memory.json"
    found=""
    for f in "$T"/a.json.bak-*; do [ -f "$f" ] && cmp -s "$f" "$T/a.before" && found=$f; done
    [ -n "$found" ] || fail "import kept no backup <file>.bak-* of the old file"
    # a local edit never exported: import is skipped, the file untouched
    expect_rc 0 mt a sync
    { ent Base thing "one" "from b" "local only"; } >"$T/a.json"
    cp "$T/a.json" "$T/a.local"
    { ent Base thing "one" "from b" "again from b"; } >"$T/b.json"
    expect_rc 0 mt b sync
    expect_rc 0 mt a merge
    run_json 0 "$T/o.json" a import 2>"$T/err"
    check_json "$T/o.json" import 0
    [ "$(json "$T/o.json" '(j.get("skipped"), j.get("imported"))')" = "(True, False)" ] ||
        fail "import of a changed file not reported skipped: $(cat "$T/o.json")"
    cmp "$T/a.json" "$T/a.local" || fail "import overwrote a file changed since export"
    # the next sync exports the edit and brings everything together
    expect_rc 0 mt a sync
    [ "$(graph "$T/a.json" 'E["Base"]["observations"]')" = "['one', 'from b', 'again from b', 'local only']" ] ||
        fail "sync after a skipped import lost data: $(cat "$T/a.json")"
    [ "$(ls "$T" | grep -c '^a\.json\.bak-')" -le 5 ] || fail "import keeps more than five backups"
)

# ---- the remote unreachable ------------------------------------------------
(
    scenario unreachable
    expect_rc 0 mt a init "$T/remote.git"
    ent A1 thing "one" >"$T/a.json"
    expect_rc 0 mt a sync
    git -C "$T/clone-a" remote add broken "git://127.0.0.1:1/nothing"
    ent A1 thing "one" "two" >"$T/a.json"
    h=$(rhead)
    for c in export merge sync; do
        run_json 5 "$T/o.json" a --remote broken $c 2>"$T/err"
        check_json "$T/o.json" $c 5
        [ -s "$T/err" ] || fail "$c: remote unreachable without a message"
    done
    [ "$(rhead)" = "$h" ] || fail "the origin remote moved"
    # the default remote still works afterwards, and nothing was lost
    expect_rc 0 mt a sync
    [ "$(remote_graph memory.json 'E["A1"]["observations"]')" = "['one', 'two']" ] || fail "the edit did not arrive"
    expect_rc 0 mt a verify
)
