# make install / make uninstall (issue 11): a staged install (DESTDIR,
# PREFIX) holds the binary, the man page, the themes and the bash and zsh
# completions; the installed binary finds its themes without the build tree,
# from wherever it is copied (relative to itself); uninstall removes exactly
# what install put there. Uses the release binary ./memtui (built by `make
# check` before the tests); it does not rebuild under ASan.
. "$TESTS_DIR/lib.sh"
ROOT=$(cd "$TESTS_DIR/.." && pwd)
unset MEMTUI_THEMES
MAKE=${MAKE:-make}

# the binary never names the build tree's themes folder
[ "$(grep -c "$ROOT/themes" "$ROOT/memtui" || true)" -eq 0 ] ||
    fail "memtui holds the build tree's path $ROOT/themes"

"$MAKE" --no-print-directory -C "$ROOT" install DESTDIR="$T/stage" PREFIX=/usr >"$T/install.log" 2>&1 ||
    fail "make install: $(cat "$T/install.log")"
S=$T/stage/usr
want="bin/memtui share/man/man1/memtui.1 share/memtui/themes/default.theme
share/memtui/themes/light.theme share/memtui/themes/mono.theme
share/bash-completion/completions/memtui share/zsh/site-functions/_memtui"
for f in $want; do [ -f "$S/$f" ] || fail "make install did not install $f"; done
[ -x "$S/bin/memtui" ] || fail "bin/memtui is not executable"
for th in default light mono; do
    cmp -s "$ROOT/themes/$th.theme" "$S/share/memtui/themes/$th.theme" || fail "theme $th differs"
done
# nothing else is installed (4 files and the themes)
[ "$(cd "$T/stage" && find . -type f | wc -l)" -eq $((4 + $(ls "$ROOT"/themes/*.theme | wc -l))) ] ||
    fail "unexpected files: $(cd "$T/stage" && find . -type f)"

# the completions are valid shell and know the commands and options
bash -n "$S/share/bash-completion/completions/memtui" || fail "bash completion does not parse"
for w in init export merge import sync status diff verify backups restore lease show break \
    --batch --repo --env --memory-file --remote --lock-file --lock-timeout --lease-ttl --json \
    --claim-env --offline --theme --policy --dry-run --no-push --allow-mass-delete --token --limit \
    schedule --print --install --every --kind --force; do
    grep -q -- "$w" "$S/share/bash-completion/completions/memtui" || fail "bash completion lacks $w"
    grep -q -- "$w" "$S/share/zsh/site-functions/_memtui" || fail "zsh completion lacks $w"
done
if command -v zsh >/dev/null 2>&1; then
    zsh -n "$S/share/zsh/site-functions/_memtui" || fail "zsh completion does not parse"
fi
# bash completes a command after --batch, and break after lease
out=$(bash -c '. "$1"; COMP_WORDS=(memtui --batch le); COMP_CWORD=2; _memtui; echo "${COMPREPLY[*]}"' \
    _ "$S/share/bash-completion/completions/memtui")
[ "$out" = "lease" ] || fail "bash completes 'memtui --batch le' as '$out'"
out=$(bash -c '. "$1"; COMP_WORDS=(memtui --batch lease b); COMP_CWORD=3; _memtui; echo "${COMPREPLY[*]}"' \
    _ "$S/share/bash-completion/completions/memtui")
[ "$out" = "break" ] || fail "bash completes 'memtui --batch lease b' as '$out'"

# the staged tree, moved elsewhere, finds its own themes (relative to the
# binary) from a folder with no ./themes
cp -a "$T/stage" "$T/moved"
mkdir "$T/elsewhere"
cd "$T/elsewhere"
"$T/moved/usr/bin/memtui" --theme light --version >"$T/v.out" 2>"$T/v.err" ||
    fail "installed memtui does not find theme light: $(cat "$T/v.err")"
grep -q '^memtui ' "$T/v.out" || fail "--version: $(cat "$T/v.out")"
# an unknown theme is exit 2 even without the workstation, naming where it looked
expect_rc 2 "$T/moved/usr/bin/memtui" --theme nosuch --version 2>"$T/n.err"
grep -q "$T/moved/usr/share/memtui/themes" "$T/n.err" ||
    fail "the unknown-theme error does not list the installed folder: $(cat "$T/n.err")"
grep -q "$ROOT" "$T/n.err" && fail "the unknown-theme error names the build tree: $(cat "$T/n.err")"
cd "$T"

# uninstall leaves nothing behind under the stage (folders install did not
# create may stay), and touches nothing else
touch "$T/stage/usr/share/keep-me"
"$MAKE" --no-print-directory -C "$ROOT" uninstall DESTDIR="$T/stage" PREFIX=/usr >"$T/uninstall.log" 2>&1 ||
    fail "make uninstall: $(cat "$T/uninstall.log")"
left=$(cd "$T/stage" && find . -type f ! -name keep-me)
[ -z "$left" ] || fail "make uninstall left: $left"
[ -f "$T/stage/usr/share/keep-me" ] || fail "make uninstall removed a file it did not install"
[ ! -e "$T/stage/usr/share/memtui" ] || fail "make uninstall left share/memtui"
echo "install: ok"
