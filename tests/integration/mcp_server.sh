# End to end with the real MCP memory server (@modelcontextprotocol/server-memory):
# two environments each drive their own server instance over stdio, starting
# from a common graph; one deletes an entity (the server drops its relations),
# the other adds observations elsewhere; both sync through memtui until they
# converge. Each server must then read back exactly the expected merged graph,
# every local file must be byte-identical to memory.json in the remote, and
# verify must pass (DESIGN 1.1, 2, 4).
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/mcp_lib.sh"
# same_graph GOT WANT: entities and relations compared as sets (an entity is
# its name, type and observation list, in order), after parsing.
same_graph() {
    python3 - "$1" "$2" <<'EOF' || fail "graph $1 differs from $2"
import json, sys
got, want = (json.load(open(p, encoding="utf-8")) for p in sys.argv[1:3])
def ents(g):
    out = {}
    for e in g["entities"]:
        assert set(e) == {"name", "entityType", "observations"}, e
        assert e["name"] not in out, "duplicate entity %r" % e["name"]
        out[e["name"]] = (e["entityType"], tuple(e["observations"]))
    return out
def rels(g):
    out = [(r["from"], r["to"], r["relationType"]) for r in g["relations"]]
    assert len(out) == len(set(out)), "duplicate relation"
    return set(out)
ok = True
ge, we = ents(got), ents(want)
for n in sorted(set(ge) | set(we)):
    if ge.get(n) != we.get(n):
        ok = False
        print("entity %r: got %r, want %r" % (n, ge.get(n), we.get(n)), file=sys.stderr)
gr, wr = rels(got), rels(want)
for r in sorted(gr ^ wr):
    ok = False
    print("relation %r: %s" % (r, "unexpected" if r in gr else "missing"), file=sys.stderr)
sys.exit(0 if ok else 1)
EOF
}

new_remote
for e in alpha beta; do expect_rc 0 mt $e init "$T/remote.git"; done

# --- the common start, written by alpha's server --------------------------
drive alpha <<'EOF'
[["create_entities", {"entities": [
   {"name": "Ada \"the Countess\" Lovelace", "entityType": "person", "observations": ["wrote the first program"]},
   {"name": "Charles Babbage", "entityType": "person", "observations": ["mathematician"]},
   {"name": "Analytical Engine", "entityType": "machine", "observations": ["designed by Babbage", "never finished"]},
   {"name": "東京", "entityType": "city", "observations": ["capital of Japan"]},
   {"name": "Café ☕ \"Zürich\"", "entityType": "place", "observations": ["naïve café: \"quoted\" \\ backslash", "tab\there"]}]}],
 ["add_observations", {"observations": [
   {"entityName": "東京", "contents": ["人口 1400万", "has \"quotes\" and \\ backslash"]},
   {"entityName": "Charles Babbage", "contents": ["born 1791"]}]}],
 ["create_relations", {"relations": [
   {"from": "Ada \"the Countess\" Lovelace", "to": "Analytical Engine", "relationType": "programmed"},
   {"from": "Charles Babbage", "to": "Analytical Engine", "relationType": "designed"},
   {"from": "Ada \"the Countess\" Lovelace", "to": "Charles Babbage", "relationType": "corresponded with"},
   {"from": "Café ☕ \"Zürich\"", "to": "東京", "relationType": "franchise in"}]}]]
EOF
cp "$T/alpha.json" "$T/beta.json"
expect_rc 0 mt alpha sync
expect_rc 0 mt beta sync
expect_rc 0 mt alpha sync
git --git-dir="$T/remote.git" show main:memory.json >"$T/base.json"
cmp "$T/alpha.json" "$T/base.json" || fail "alpha did not take the common start"
cmp "$T/beta.json" "$T/base.json" || fail "beta did not take the common start"
# memtui's output loads in the real server as the same graph the server wrote
cat >"$T/start.json" <<'EOF'
{"entities": [
 {"name": "Ada \"the Countess\" Lovelace", "entityType": "person", "observations": ["wrote the first program"]},
 {"name": "Charles Babbage", "entityType": "person", "observations": ["mathematician", "born 1791"]},
 {"name": "Analytical Engine", "entityType": "machine", "observations": ["designed by Babbage", "never finished"]},
 {"name": "東京", "entityType": "city", "observations": ["capital of Japan", "人口 1400万", "has \"quotes\" and \\ backslash"]},
 {"name": "Café ☕ \"Zürich\"", "entityType": "place", "observations": ["naïve café: \"quoted\" \\ backslash", "tab\there"]}],
 "relations": [
 {"from": "Ada \"the Countess\" Lovelace", "to": "Analytical Engine", "relationType": "programmed"},
 {"from": "Charles Babbage", "to": "Analytical Engine", "relationType": "designed"},
 {"from": "Ada \"the Countess\" Lovelace", "to": "Charles Babbage", "relationType": "corresponded with"},
 {"from": "Café ☕ \"Zürich\"", "to": "東京", "relationType": "franchise in"}]}
EOF
for e in alpha beta; do
    read_graph $e "$T/start-$e.json"
    same_graph "$T/start-$e.json" "$T/start.json"
done

# --- divergent edits, each through its own server --------------------------
# alpha deletes the Analytical Engine (the server drops both relations that
# touch it), adds to Ada, creates an entity and a relation.
drive alpha <<'EOF'
[["delete_entities", {"entityNames": ["Analytical Engine"]}],
 ["add_observations", {"observations": [{"entityName": "Ada \"the Countess\" Lovelace", "contents": ["born 1815"]}]}],
 ["create_entities", {"entities": [{"name": "Zürich", "entityType": "city", "observations": ["on the Limmat"]}]}],
 ["create_relations", {"relations": [{"from": "Café ☕ \"Zürich\"", "to": "Zürich", "relationType": "located in"}]}]]
EOF
grep -q 'Analytical Engine' "$T/alpha.json" && fail "the server kept relations of a deleted entity"
# beta adds observations elsewhere, removes one, creates an entity and a relation
drive beta <<'EOF'
[["add_observations", {"observations": [
   {"entityName": "東京", "contents": ["population 14 million", "line\nbreak \u0001 ctl"]},
   {"entityName": "Charles Babbage", "contents": ["built the Difference Engine"]}]}],
 ["delete_observations", {"deletions": [{"entityName": "Café ☕ \"Zürich\"", "observations": ["tab\there"]}]}],
 ["create_entities", {"entities": [{"name": "名古屋", "entityType": "city", "observations": []}]}],
 ["create_relations", {"relations": [{"from": "名古屋", "to": "東京", "relationType": "near"}]}]]
EOF

# --- sync, then sync again so both converge --------------------------------
expect_rc 0 mt alpha sync
expect_rc 0 mt beta sync
expect_rc 0 mt alpha sync
expect_rc 0 mt beta sync

cat >"$T/expected.json" <<'EOF'
{"entities": [
 {"name": "Ada \"the Countess\" Lovelace", "entityType": "person", "observations": ["wrote the first program", "born 1815"]},
 {"name": "Charles Babbage", "entityType": "person", "observations": ["mathematician", "born 1791", "built the Difference Engine"]},
 {"name": "東京", "entityType": "city", "observations": ["capital of Japan", "人口 1400万", "has \"quotes\" and \\ backslash", "population 14 million", "line\nbreak \u0001 ctl"]},
 {"name": "Café ☕ \"Zürich\"", "entityType": "place", "observations": ["naïve café: \"quoted\" \\ backslash"]},
 {"name": "Zürich", "entityType": "city", "observations": ["on the Limmat"]},
 {"name": "名古屋", "entityType": "city", "observations": []}],
 "relations": [
 {"from": "Ada \"the Countess\" Lovelace", "to": "Charles Babbage", "relationType": "corresponded with"},
 {"from": "Café ☕ \"Zürich\"", "to": "東京", "relationType": "franchise in"},
 {"from": "Café ☕ \"Zürich\"", "to": "Zürich", "relationType": "located in"},
 {"from": "名古屋", "to": "東京", "relationType": "near"}]}
EOF
git --git-dir="$T/remote.git" show main:memory.json >"$T/unified.json"
for e in alpha beta; do
    read_graph $e "$T/got-$e.json"
    same_graph "$T/got-$e.json" "$T/expected.json"
    cmp "$T/$e.json" "$T/unified.json" || fail "$e's local file differs from memory.json in the remote"
done
# the unified file itself is the same graph, in the order DESIGN 2 fixes:
# U's entities first (in U's order), then new ones by env name.
python3 - "$T/unified.json" <<'EOF' || fail "memory.json is not in the order DESIGN 2 fixes"
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
assert lines[-1] == "", "no final newline"
names = [json.loads(l)["name"] for l in lines[:-1] if json.loads(l)["type"] == "entity"]
want = ["Ada \"the Countess\" Lovelace", "Charles Babbage", "東京", "Café ☕ \"Zürich\"", "Zürich", "名古屋"]
assert names == want, names
EOF
grep -q '東京' "$T/unified.json" || fail "UTF-8 was not kept as is"
grep -q '\\u0001' "$T/unified.json" || fail "a control character was not escaped as \\u00XX"
expect_rc 0 mt alpha verify
expect_rc 0 mt beta verify
# once converged, more syncs change no data, and settle: a sync round with
# nothing new makes no commit at all.
for e in alpha beta alpha beta; do expect_rc 0 mt $e sync; done
git --git-dir="$T/remote.git" show main:memory.json | cmp - "$T/unified.json" || fail "an idle sync changed memory.json"
h=$(git --git-dir="$T/remote.git" rev-parse main)
for e in alpha beta; do
    expect_rc 0 mt $e sync
    cmp "$T/$e.json" "$T/unified.json" || fail "an idle sync changed $e's file"
done
[ "$(git --git-dir="$T/remote.git" rev-parse main)" = "$h" ] || fail "idle syncs still make commits"
expect_rc 0 mt alpha verify

# DESIGN 2: after a sync imports the result, the env's next delta holds only
# its own new edits. Here alpha's sync has nothing new to merge, so it
# imports beta's observation without a merge commit; when beta later
# removes that observation, alpha's next export must not bring it back.
echo '[["add_observations", {"observations": [{"entityName": "名古屋", "contents": ["temporary note"]}]}]]' | drive beta
expect_rc 0 mt beta sync
expect_rc 0 mt alpha sync
grep -q 'temporary note' "$T/alpha.json" || fail "alpha did not import beta's observation"
echo '[["delete_observations", {"deletions": [{"entityName": "名古屋", "observations": ["temporary note"]}]}]]' | drive beta
for e in beta alpha beta alpha; do expect_rc 0 mt $e sync; done
for e in alpha beta; do
    read_graph $e "$T/last-$e.json"
    same_graph "$T/last-$e.json" "$T/expected.json"
done
git --git-dir="$T/remote.git" show main:memory.json | grep -q 'temporary note' &&
    fail "an observation beta removed came back through alpha's next export"
expect_rc 0 mt alpha verify
