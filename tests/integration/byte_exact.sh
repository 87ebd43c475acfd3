# What the server writes, memtui carries byte-exact (DESIGN 1.1): a lone
# surrogate escape written by the real MCP server (JSON.stringify writes a
# lone UTF-16 surrogate as "\ud83d") goes through export, merge, memory.json
# and the import into the other environment as the same escape text, and the
# real server reads it back; numbers in extra fields keep their exact text
# (beyond int64 and double precision) even when memtui re-writes their line
# because another environment added an observation to the entity. The server
# drops extra fields whenever it rewrites its file, so the lines with extra
# fields are written by this test, not by the server.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/mcp_lib.sh"
unified() { git --git-dir="$T/remote.git" show main:memory.json; }
# has FILE TEXT: FILE holds TEXT byte for byte.
has() { grep -qF -- "$2" "$1" || fail "$1 lacks the exact text $2"; }

new_remote
for e in alpha beta; do expect_rc 0 mt $e init "$T/remote.git"; done

# --- lone surrogates, written by alpha's real server -----------------------
# In the calls file "\ud83d" is JSON text: node parses it into a lone
# surrogate, and the server writes it back with JSON.stringify.
drive alpha <<'EOF'
[["create_entities", {"entities": [
   {"name": "Half \ud83d", "entityType": "emoji", "observations": ["cut \ud83d here", "low \ude42 alone", "whole \ud83d\ude42"]},
   {"name": "Plain", "entityType": "thing", "observations": []}]}],
 ["create_relations", {"relations": [{"from": "Half \ud83d", "to": "Plain", "relationType": "ends \udc00"}]}]]
EOF
has "$T/alpha.json" '"cut \ud83d here"'
has "$T/alpha.json" '"name":"Half \ud83d"'
has "$T/alpha.json" '"low \ude42 alone"'
has "$T/alpha.json" '"whole 🙂"'
expect_rc 0 mt alpha export
expect_rc 0 mt alpha sync
expect_rc 0 mt beta sync    # beta joins: it has no file yet and imports
unified >"$T/unified.json"
for f in "$T/unified.json" "$T/beta.json"; do
    has "$f" '{"type":"entity","name":"Half \ud83d","entityType":"emoji","observations":["cut \ud83d here","low \ude42 alone","whole 🙂"]}'
    has "$f" '{"type":"relation","from":"Half \ud83d","to":"Plain","relationType":"ends \udc00"}'
done
cmp "$T/beta.json" "$T/unified.json" || fail "beta's file differs from memory.json"

# beta's server reads the escape back and writes it again when it adds to
# the entity (found by its name with the lone surrogate).
drive beta <<'EOF'
[["add_observations", {"observations": [{"entityName": "Half \ud83d", "contents": ["from beta \udbff"]}]}]]
EOF
expect_rc 0 mt beta sync
expect_rc 0 mt alpha sync
unified >"$T/unified.json"
for f in "$T/unified.json" "$T/alpha.json" "$T/beta.json"; do
    has "$f" '"observations":["cut \ud83d here","low \ude42 alone","whole 🙂","from beta \udbff"]'
done
cmp "$T/alpha.json" "$T/unified.json" || fail "alpha's file differs from memory.json"

# --- numbers in extra fields, written by hand on alpha -----------------------
NUM_TAIL='"n":100000000000000000000,"f":1.2300000000000000000001e29,"i":-9223372036854775809,"u":18446744073709551616,"m":{"deep":[12345678901234567890123,1.0,-0.0,2.50e-400],"x":9007199254740993}}'
NUM_LINE='{"type":"entity","name":"Numbers","entityType":"data","observations":["o1"],'"$NUM_TAIL"
REL_LINE='{"type":"relation","from":"Numbers","to":"Plain","relationType":"counts","big":100000000000000000001,"p":0.30000000000000000000001}'
printf '%s\n%s\n' "$NUM_LINE" "$REL_LINE" >>"$T/alpha.json"
expect_rc 0 mt alpha sync
expect_rc 0 mt beta sync
unified >"$T/unified.json"
for f in "$T/unified.json" "$T/beta.json"; do
    has "$f" "$NUM_LINE"
    has "$f" "$REL_LINE"
done

# beta adds an observation to Numbers (by hand, keeping the line's extra
# fields): the merge re-writes the line with its numbers as they were.
python3 - "$T/beta.json" <<'EOF'
import sys
p = sys.argv[1]
b = open(p, "rb").read()
old = b'"name":"Numbers","entityType":"data","observations":["o1"]'
assert b.count(old) == 1, b
open(p, "wb").write(b.replace(old, old[:-1] + b',"o2 from beta"]'))
EOF
expect_rc 0 mt beta sync
expect_rc 0 mt alpha sync
unified >"$T/unified.json"
for f in "$T/unified.json" "$T/alpha.json" "$T/beta.json"; do
    has "$f" '{"type":"entity","name":"Numbers","entityType":"data","observations":["o1","o2 from beta"],'"$NUM_TAIL"
    has "$f" "$REL_LINE"
    has "$f" '"observations":["cut \ud83d here","low \ude42 alone","whole 🙂","from beta \udbff"]'
done
cmp "$T/alpha.json" "$T/unified.json" || fail "alpha's file differs from memory.json"
cmp "$T/beta.json" "$T/unified.json" || fail "beta's file differs from memory.json"
expect_rc 0 mt alpha verify

# --- the real server reads the merged file back as the same graph ------------
read_graph beta "$T/got.json"
python3 - "$T/got.json" <<'EOF' || fail "the server read another graph from beta's file"
import json, sys
g = json.load(open(sys.argv[1], encoding="utf-8"))
ents = {e["name"]: (e["entityType"], e["observations"]) for e in g["entities"]}
want = {
    "Half \ud83d": ("emoji", ["cut \ud83d here", "low \ude42 alone", "whole \U0001F642", "from beta \udbff"]),
    "Plain": ("thing", []),
    "Numbers": ("data", ["o1", "o2 from beta"]),
}
assert ents == want, ents
rels = sorted((r["from"], r["to"], r["relationType"]) for r in g["relations"])
assert rels == [("Half \ud83d", "Plain", "ends \udc00"), ("Numbers", "Plain", "counts")], rels
EOF
