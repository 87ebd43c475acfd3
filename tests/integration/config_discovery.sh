# The config file and the memory file found in the MCP clients' configurations
# (DESIGN 4): `config` and `config --json` name each setting's source; every
# client's format is read; sync uses the file found; with nothing found, sync,
# export and import refuse (exit 2) naming every place looked and make no file;
# clients that disagree are refused; a client file that does not parse is
# named and skipped. End to end: the real MCP server started with a RELATIVE
# MEMORY_FILE_PATH, and a Claude Desktop config naming the same command, args
# and env: memtui resolves the very file the server wrote and syncs it.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/mcp_lib.sh"
unset MEMORY_FILE_PATH MEMTUI_REPO XDG_CONFIG_HOME
# M args...: memtui --batch on clone-a, naming no memory file.
M() { "$MEMTUI" --batch --repo "$T/clone-a" --env a "$@"; }
# cfg [options]: run `config --json` once; get KEY FIELD: a field of its settings.KEY
# (one python run per cfg: on a loaded machine each start costs a second)
cfg() {
    M --json "$@" config >"$T/cfg.json" || fail "config --json failed"
    json "$T/cfg.json" "'\\n'.join('%s.%s=%s' % (k, f, v[f]) for k, v in j['settings'].items() for f in v)" >"$T/cfg.txt"
}
get() { sed -n "s|^$1\.$2=||p" "$T/cfg.txt"; }
ent() { printf '{"type":"entity","name":"%s","entityType":"t","observations":["o"]}\n' "$1"; }
clients() {
    rm -rf "$HOME/.config/Claude" "$HOME/Library" "$HOME/.claude.json" "$T/.mcp.json" "$HOME/.cursor" \
        "$HOME/.config/Code" "$T/.vscode"
}
# server_entry FILE: an npx memory server entry naming FILE
server_entry() { printf '{"command":"npx","args":["-y","@modelcontextprotocol/server-memory"],"env":{"MEMORY_FILE_PATH":"%s"}}' "$1"; }

new_remote
expect_rc 0 mt a init "$T/remote.git"

# ---- nothing names the memory file ------------------------------------------
ls -A "$HOME" >"$T/home-before"
cfg
[ "$(get memory-file source)" = none ] || fail "memory-file source is not none"
[ "$(get memory-file value)" = None ] || fail "memory-file has a value"
[ "$(get repo source)" = option ] || fail "repo given as an option is not 'option'"
[ "$(get lock-timeout value)" = 30.0 ] || fail "lock-timeout default is not 30"
for cmd in sync export import; do
    expect_rc 2 M "$cmd" >/dev/null 2>"$T/$cmd.err"
    for place in .config/Claude/claude_desktop_config.json "Library/Application Support/Claude/claude_desktop_config.json" \
        .claude.json .cursor/mcp.json .config/Code/User/mcp.json "Library/Application Support/Code/User/mcp.json" \
        "$T/.mcp.json" "$T/.vscode/mcp.json" .config/memtui/config; do
        grep -qF "$place" "$T/$cmd.err" || fail "$cmd does not name $place: $(cat "$T/$cmd.err")"
    done
done
expect_rc 2 M --json sync >"$T/sync.json" 2>/dev/null
[ "$(json "$T/sync.json" "j['exit_code']")" = 2 ] || fail "sync --json exit_code is not 2"
ls -A "$HOME" >"$T/home-after"
cmp -s "$T/home-before" "$T/home-after" || fail "a refused run made files in HOME: $(cat "$T/home-after")"
[ ! -e "$HOME/.cache/mcp-memory" ] || fail "the old default memory file folder was made"
[ -z "$(git -C "$T/clone-a" ls-files 'memory-a.json')" ] || fail "a refused export committed a fragment"
# export --from and import --to name their file: they still work
ent Named >"$T/named.json"
expect_rc 0 M export --from "$T/named.json" >/dev/null
expect_rc 0 M merge >/dev/null
expect_rc 0 M import --to "$T/to.json" >/dev/null
grep -q '"Named"' "$T/to.json" || fail "import --to did not write the merged graph"
expect_rc 0 M status >"$T/status.out"
grep -q "memory file (none)  (from none)" "$T/status.out" || fail "status does not say no memory file: $(cat "$T/status.out")"
# the workstation opens; its sync is refused with the same reason
cat >"$T/script" <<S
:save-display $T/opened.txt
m
j
j
Enter
y
:save-display $T/refused.txt
q
S
TERM=xterm-256color LINES=30 COLUMNS=200 MEMTUI_NO_DISPLAY=1 MEMTUI_SCRIPT="$T/script" \
    "$MEMTUI" --repo "$T/clone-a" --env a 2>"$T/ui.err" || fail "the workstation did not open: $(cat "$T/ui.err")"
grep -q 'Environments' "$T/opened.txt" || fail "the workstation shows no panels: $(cat "$T/opened.txt")"
grep -q 'sync refused: no memory file known' "$T/refused.txt" || fail "the workstation's sync: $(cat "$T/refused.txt")"
ls -A "$HOME" >"$T/home-after"
cmp -s "$T/home-before" "$T/home-after" || fail "the workstation made files in HOME: $(cat "$T/home-after")"

# ---- each client's format ------------------------------------------------------
check_client() {  # REL-OR-ABS-PATH KEY [PROJECT]: a client file naming $T/<n>.json
    clients
    f=$1 key=$2
    case $f in /*) ;; *) f="$HOME/$f" ;; esac
    mkdir -p "$(dirname "$f")"
    want="$T/$(echo "$f" | tr -c 'a-zA-Z0-9\n' _).json"
    if [ "${3:-}" ]; then
        printf '{"numStartups": 3, "projects": {"%s": {"mcpServers": {"mem": %s}}}}\n' "$3" "$(server_entry "$want")" >"$f"
    else
        printf '{"other": 1, "%s": {"fs": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem"]}, "memory": %s}}\n' \
            "$key" "$(server_entry "$want")" >"$f"
    fi
    # a project's .mcp.json counts once Claude Code approved its server
    [ "${APPROVE:-}" ] && printf '{"projects": {"%s": {"enabledMcpjsonServers": ["memory"]}}}\n' "$T" >"$HOME/.claude.json"
    cfg
    [ "$(get memory-file value)" = "$want" ] || fail "$f: memory-file is $(get memory-file value), not $want"
    [ "$(get memory-file source)" = discovered ] || fail "$f: source is not discovered"
    get memory-file detail | grep -qF "$f" || fail "$f: detail does not name it: $(get memory-file detail)"
}
check_client .config/Claude/claude_desktop_config.json mcpServers
M config >"$T/config.out"
grep -qF "discovered: $HOME/.config/Claude/claude_desktop_config.json" "$T/config.out" ||
    fail "config does not say where: $(cat "$T/config.out")"
check_client "Library/Application Support/Claude/claude_desktop_config.json" mcpServers
check_client .claude.json mcpServers
check_client .claude.json mcpServers "$T"
APPROVE=1 check_client "$T/.mcp.json" mcpServers
check_client .cursor/mcp.json mcpServers
check_client .config/Code/User/mcp.json servers
check_client "Library/Application Support/Code/User/mcp.json" servers
# a project's own files came with the folder (a cloned repository's too):
# an unapproved .mcp.json and a .vscode/mcp.json decide nothing, and say so
clients
mkdir -p "$T/.vscode"
printf '{"mcpServers": {"memory": %s}}\n' "$(server_entry "$T/planted.json")" >"$T/.mcp.json"
printf '{"servers": {"memory": %s}}\n' "$(server_entry "$T/planted2.json")" >"$T/.vscode/mcp.json"
cfg
[ "$(get memory-file source)" != discovered ] || fail "a project's file decided the memory file: $(get memory-file value)"
M config >"$T/config.out" 2>&1 || true
grep -q "enabledMcpjsonServers" "$T/config.out" || fail "config does not say why .mcp.json was not used: $(cat "$T/config.out")"
expect_rc 2 M sync >/dev/null 2>&1
[ ! -e "$T/planted.json" ] && [ ! -e "$T/planted2.json" ] || fail "sync made a project's file"
# another project's entry in ~/.claude.json is not this one's
clients
printf '{"projects": {"/elsewhere": {"mcpServers": {"m": %s}}}}\n' "$(server_entry /elsewhere/m.json)" >"$HOME/.claude.json"
cfg
[ "$(get memory-file source)" = none ] || fail "another project's server was taken"

# ---- sync uses the discovered file; a malformed client file is skipped --------
clients
printf '{"mcpServers": {"memory": %s}}\n' "$(server_entry "$T/found.json")" >"$HOME/.claude.json"
mkdir -p "$HOME/.cursor"
printf '{"mcpServers": {' >"$HOME/.cursor/mcp.json"
ent Found >"$T/found.json"
expect_rc 0 M sync >/dev/null 2>"$T/sync.err"
grep -qF "$HOME/.cursor/mcp.json" "$T/sync.err" || fail "the malformed file is not named: $(cat "$T/sync.err")"
git --git-dir="$T/remote.git" show main:memory-a.json | grep -q '"Found"' || fail "sync did not export the discovered file"
M --json status >"$T/st.json"
[ "$(json "$T/st.json" "j['memory_file']")" = "$T/found.json" ] || fail "status --json memory_file"
[ "$(json "$T/st.json" "j['memory_file_source']")" = discovered ] || fail "status --json memory_file_source"

# ---- clients that disagree: refused, both named ------------------------------
mkdir -p "$HOME/.config/Claude"
printf '{"mcpServers": {"memory": %s}}\n' "$(server_entry "$T/other.json")" >"$HOME/.config/Claude/claude_desktop_config.json"
expect_rc 2 M sync >/dev/null 2>"$T/conflict.err"
grep -qF "$T/other.json" "$T/conflict.err" && grep -qF "$T/found.json" "$T/conflict.err" ||
    fail "the conflict does not list both files: $(cat "$T/conflict.err")"
grep -q -- "--memory-file" "$T/conflict.err" || fail "the conflict does not say how to choose"
[ ! -e "$T/other.json" ] || fail "a refused sync made a file"

# ---- the config file, and precedence ------------------------------------------
mkdir -p "$HOME/.config/memtui"
printf '# memtui\n\nmemory-file = ~/chosen.json\nlock-timeout = 7\nlease-ttl=12\n' >"$HOME/.config/memtui/config"
cfg
[ "$(get mouse value)" = True ] && [ "$(get mouse source)" = default ] || fail "the mouse is not on by default"
[ "$(get memory-file value)" = "$HOME/chosen.json" ] || fail "the config file's memory-file (with ~) is not used"
[ "$(get memory-file source)" = "config file" ] || fail "memory-file source is not the config file"
[ "$(get memory-file detail)" = "$HOME/.config/memtui/config:3" ] || fail "detail is not PATH:LINE"
[ "$(get lock-timeout value)" = 7.0 ] || fail "lock-timeout from the file"
[ "$(get lock-timeout source)" = "config file" ] || fail "lock-timeout source"
[ "$(get lease-ttl value)" = 12.0 ] || fail "lease-ttl from the file"
printf 'mouse = no\n' >>"$HOME/.config/memtui/config"
cfg
[ "$(get mouse value)" = False ] || fail "mouse = no in the file"
[ "$(get mouse detail)" = "$HOME/.config/memtui/config:6" ] || fail "mouse: detail is not PATH:LINE"
M config >"$T/cfg.txt"
grep -q '^mouse  *no$' "$T/cfg.txt" || fail "config does not print mouse no: $(cat "$T/cfg.txt")"
sed -i '$d' "$HOME/.config/memtui/config"
cfg --no-mouse
[ "$(get mouse value)" = False ] && [ "$(get mouse source)" = option ] || fail "--no-mouse"
export MEMORY_FILE_PATH="$T/env.json"
cfg
[ "$(get memory-file value)" = "$T/env.json" ] || fail "the environment does not beat the config file"
[ "$(get memory-file source)" = environment ] || fail "environment source"
[ "$(get memory-file detail)" = '$MEMORY_FILE_PATH' ] || fail "environment detail"
cfg --memory-file "$T/opt.json" --lock-timeout 3
[ "$(get memory-file source)" = option ] || fail "the option does not win"
[ "$(get memory-file value)" = "$T/opt.json" ] || fail "the option's value"
[ "$(get lock-timeout value)" = 3.0 ] || fail "--lock-timeout does not win"
unset MEMORY_FILE_PATH
# XDG_CONFIG_HOME moves the file
mkdir -p "$T/xdg/memtui"
printf 'remote = upstream\n' >"$T/xdg/memtui/config"
XDG_CONFIG_HOME=$T/xdg cfg
[ "$(get remote value)" = upstream ] || fail "XDG_CONFIG_HOME is not used"
# bad lines: exit 2 naming file:line
for bad in 'colour = red' 'mouse = off' 'lock-timeout = 1e9' 'lease-ttl = 0' 'env = a/b' 'no equals sign' 'repo = /a
repo = /b'; do
    printf '# x\n%s\n' "$bad" >"$HOME/.config/memtui/config"
    expect_rc 2 M config >/dev/null 2>"$T/bad.err"
    grep -q "$HOME/.config/memtui/config:[23]:" "$T/bad.err" || fail "'$bad' is not named file:line: $(cat "$T/bad.err")"
done
# a theme is checked where it is loaded: the message still names the line
printf 'remote = origin\ntheme = nosuch\n' >"$HOME/.config/memtui/config"
expect_rc 2 M config >/dev/null 2>"$T/bad.err"
grep -q "$HOME/.config/memtui/config:2: theme = nosuch" "$T/bad.err" || fail "a bad theme is not named file:line: $(cat "$T/bad.err")"
expect_rc 2 M --json config >"$T/bad.json" 2>/dev/null
[ "$(json "$T/bad.json" "j['exit_code']")" = 2 ] || fail "--json with a bad config file"
rm -f "$HOME/.config/memtui/config"

# ---- end to end: the real server with a relative MEMORY_FILE_PATH --------------
clients
dist=$(cd "$(dirname "$SERVER")" && pwd -P)
rel=$(python3 -c 'import os,sys; print(os.path.relpath(sys.argv[1], sys.argv[2]))' "$T/e2e/server.jsonl" "$dist")
mkdir -p "$T/e2e"
echo '[["create_entities", {"entities": [{"name": "Relative Ada", "entityType": "person", "observations": ["found"]}]}]]' |
    node "$DRIVE" "$SERVER" "$rel" >"$T/drive.out" || fail "the server did not run"
[ -s "$T/e2e/server.jsonl" ] || fail "the server did not write $T/e2e/server.jsonl"
mkdir -p "$HOME/.config/Claude"
printf '{"mcpServers": {"memory": {"command": "node", "args": ["%s"], "env": {"MEMORY_FILE_PATH": "%s"}}}}\n' \
    "$SERVER" "$rel" >"$HOME/.config/Claude/claude_desktop_config.json"
cfg
got=$(get memory-file value)
[ "$(cd "$(dirname "$got")" && pwd -P)/$(basename "$got")" = "$(cd "$T/e2e" && pwd -P)/server.jsonl" ] ||
    fail "memtui resolves $got, the server wrote $T/e2e/server.jsonl"
expect_rc 0 M sync >/dev/null
git --git-dir="$T/remote.git" show main:memory-a.json | grep -q '"Relative Ada"' || fail "sync did not export the server's file"
echo "config_discovery: ok"
