# The batch commands are one table (commands.h): `memtui --help`, the man
# page, the bash and zsh completions and the README's table name the same
# commands (and lease the same subcommands), and a command not in the table is refused with a
# clear message and the usage exit code DESIGN 4 documents.
. "$TESTS_DIR/lib.sh"
TOP=$(cd "$TESTS_DIR/.." && pwd)
MAN=$TOP/src/memtui.1
BASH_COMP=$TOP/scripts/completion/memtui.bash
ZSH_COMP=$TOP/scripts/completion/_memtui
README=$TOP/README.md
for f in "$MAN" "$BASH_COMP" "$ZSH_COMP" "$README" "$TOP/docs/DESIGN.md"; do [ -f "$f" ] || fail "no $f"; done

# same WHAT FILE_A FILE_B: the two sorted name lists are equal and not empty.
same() {
    [ -s "$2" ] || fail "$1: no names read from $2"
    diff "$2" "$3" >&2 || fail "$1: $(basename "$2") and $(basename "$3") differ"
}

# ---- the command names, four ways ----------------------------------------------
"$MEMTUI" --help >"$T/help.out" || fail "--help did not exit 0"
# --help: the lines "  NAME ..." between "Commands (with --batch):" and the blank line
awk '/^Commands \(with --batch\):$/ {on = 1; next} on && /^$/ {exit}
     on && /^  [a-z]/ {print $1}' "$T/help.out" | sort -u >"$T/help.names"
# man page: the tags (.TP, then .B/.BI/.BR NAME) of section COMMANDS, options aside
awk '/^\.SH / {on = ($0 == ".SH COMMANDS"); next}
     on && tag && /^\.B[IR]? / {w = $2; gsub(/"/, "", w); if (w ~ /^[a-z]+$/) print w}
     {tag = on && $0 == ".TP"}' "$MAN" | sort -u >"$T/man.names"
# bash: local commands="..."
sed -n 's/^ *local commands="\(.*\)"$/\1/p' "$BASH_COMP" | tr ' ' '\n' | sed '/^$/d' | sort -u >"$T/bash.names"
# zsh: the 'NAME:description' entries of commands=( ... )
awk '/^commands=\($/ {on = 1; next} on && /^\)$/ {exit}
     on {sub(/^ *\047/, ""); sub(/:.*/, ""); print}' "$ZSH_COMP" | sort -u >"$T/zsh.names"
# README: the first column of the table under "## Batch commands"
awk '/^## / {on = ($0 == "## Batch commands"); next}
     on && /^\| `/ {sub(/^\| `/, ""); sub(/[` ].*/, ""); print}' "$README" | sort -u >"$T/readme.names"

same "--help against the man page" "$T/help.names" "$T/man.names"
same "--help against the bash completion" "$T/help.names" "$T/bash.names"
same "--help against the zsh completion" "$T/help.names" "$T/zsh.names"
same "--help against the README" "$T/help.names" "$T/readme.names"
for c in init export merge import sync status diff verify backups restore lease schedule config gc; do
    grep -qx "$c" "$T/help.names" || fail "--help does not list $c"
done

# ---- lease's subcommands ---------------------------------------------------------
grep -o '^  lease [a-z]*' "$T/help.out" | awk '{print $2}' | sort >"$T/help.lease"
awk '/^\.SH / {on = ($0 == ".SH COMMANDS"); next}
     on && tag && $2 == "lease" {print $3}
     {tag = on && $0 == ".TP"}' "$MAN" | sort >"$T/man.lease"
sed -n 's/.*"") words="\([a-z ]*\)";.*/\1/p' "$BASH_COMP" | tr ' ' '\n' | sed '/^$/d' | sort >"$T/bash.lease"
same "lease subcommands, --help against the man page" "$T/help.lease" "$T/man.lease"
same "lease subcommands, --help against the bash completion" "$T/help.lease" "$T/bash.lease"
grep -o '`lease [a-z]*' "$README" | awk '{print $2}' | sort -u >"$T/readme.lease"
same "lease subcommands, --help against the README" "$T/help.lease" "$T/readme.lease"

# ---- a command not in the table ------------------------------------------------------
usage=$(sed -n 's/.*Exit codes: .*; \([0-9]\) usage or config.*/\1/p' "$TOP/docs/DESIGN.md")
[ -n "$usage" ] || fail "DESIGN.md documents no exit code for a usage error"
# refused OUT ERR command...: it exits $usage, stdout in OUT, stderr in ERR
refused() {
    r_out=$1 r_err=$2; shift 2   # not o or e: mt sets e
    set +e; "$@" >"$r_out" 2>"$r_err"; got=$?; set -e
    [ "$got" -eq "$usage" ] || fail "expected exit $usage, got $got: $*: $(cat "$r_err")"
}
mkdir -p "$T/clone-a"
for bad in frobnicate Merge stat lease-show; do
    refused "$T/out" "$T/err" mt a "$bad"
    [ ! -s "$T/out" ] || fail "unknown command '$bad' printed on stdout: $(cat "$T/out")"
    grep -qF "unknown command '$bad' (try memtui --help)" "$T/err" ||
        fail "unknown command '$bad': unclear message: $(cat "$T/err")"
    refused "$T/out" "$T/err" mt a --json "$bad"
    [ "$(json "$T/out" 'j["exit_code"], j["ok"], j["command"]')" = "$usage False $bad" ] ||
        fail "unknown command '$bad' in --json: $(cat "$T/out")"
    [ "$(json "$T/out" 'j["error"]')" = "unknown command '$bad' (try memtui --help)" ] ||
        fail "unknown command '$bad': --json error: $(cat "$T/out")"
done
refused "$T/out" "$T/err" "$MEMTUI" --batch
grep -qF "no command given (try memtui --help)" "$T/err" || fail "no command: $(cat "$T/err")"
refused "$T/out" "$T/err" "$MEMTUI" frobnicate
grep -qF "'frobnicate': batch commands need --batch" "$T/err" || fail "a command without --batch: $(cat "$T/err")"

# ---- what the table says a command takes --------------------------------------------
for c in init export merge import sync verify restore lease schedule config gc; do
    refused "$T/out" "$T/err" mt a --offline "$c"
    grep -qF -- "--offline is for status, diff and backups only" "$T/err" || fail "$c --offline: $(cat "$T/err")"
done
for c in export merge import sync status diff verify backups schedule config gc; do
    refused "$T/out" "$T/err" mt a "$c" extra-argument
    grep -qF "$c takes no arguments" "$T/err" || fail "$c with an argument: $(cat "$T/err")"
done
[ -z "$(ls -A "$T/clone-a")" ] || fail "a refused command line touched the repo: $(ls -A "$T/clone-a")"
