#!/bin/sh
# Install what memtui needs to build, test and benchmark on Debian, only when
# missing (jq: a peer in the merge benchmark).
# (clang and libclang-rt-14-dev, which ships libFuzzer on bookworm: the
# fuzz harnesses.)
# Runs as root (CI, fresh machines) or through sudo when available.
set -eu
pkgs="build-essential pkg-config libncurses-dev libjson-c-dev libgit2-dev libssh2-1-dev libssl-dev check
      git python3 nodejs npm tmux strace valgrind lighttpd openssh-server openssh-client jq
      clang libclang-rt-14-dev"
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# nodejs from another source may already provide npm: do not fight it.
if [ -n "$missing" ] && command -v npm >/dev/null 2>&1; then
    missing=$(echo "$missing" | tr ' ' '\n' | grep -vx npm | tr '\n' ' ')
fi
missing=$(echo "$missing" | tr -s ' ')
if [ -n "${missing# }" ]; then
    echo "install-deps: installing:$missing"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    # shellcheck disable=SC2086
    $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
# The real MCP memory server, for the end-to-end tests.
here=$(cd "$(dirname "$0")/.." && pwd)
srv="$here/tests/node_modules/@modelcontextprotocol/server-memory/dist/index.js"
if [ ! -f "$srv" ] && command -v npm >/dev/null 2>&1; then
    echo "install-deps: npm install @modelcontextprotocol/server-memory"
    (cd "$here/tests" && npm install --no-audit --no-fund --silent @modelcontextprotocol/server-memory >/dev/null) ||
        echo "install-deps: warning: could not install the MCP memory server; its test will fail" >&2
fi
exit 0
