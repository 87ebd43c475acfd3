# mcp_lib.sh: driving the real MCP memory server from integration tests
# (sourced after lib.sh). Each environment ENV has its own server instance
# over stdio on its local file $T/ENV.json, through tests/tools/mcp-drive.mjs.
SERVER="$TESTS_DIR/node_modules/@modelcontextprotocol/server-memory/dist/index.js"
DRIVE="$TESTS_DIR/tools/mcp-drive.mjs"
command -v node >/dev/null 2>&1 || fail "node is not installed: run sh scripts/install-deps.sh"
[ -f "$SERVER" ] || fail "the MCP memory server is missing ($SERVER): run sh scripts/install-deps.sh"
[ -f "$DRIVE" ] || fail "mcp-drive.mjs is missing ($DRIVE)"

# drive ENV: feed the tool calls on stdin (a JSON array of [tool, args]) to
# ENV's own server instance.
drive() { node "$DRIVE" "$SERVER" "$T/$1.json" >"$T/drive-$1.out" || fail "mcp-drive failed for $1: $(tail -n 3 "$T/drive-$1.out")"; }
# read_graph ENV OUT: what ENV's server reads back from its file.
read_graph() {
    echo '[["read_graph",{}]]' | node "$DRIVE" "$SERVER" "$T/$1.json" >"$2" || fail "read_graph failed for $1"
}
