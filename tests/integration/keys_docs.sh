# README, the man page and the keys agree: every key of the action table
# (as the ? help overlay lists it, the table that also drives dispatch) is
# named in README's workstation section (`K`) and in the man page's
# WORKSTATION section (in bold), and neither tells a key sequence the
# workstation does not take (the merge is m, Enter, y).
. "$TESTS_DIR/lib.sh"
src=$(cd "$TESTS_DIR/.." && pwd)
export TERM=xterm-256color LINES=150 COLUMNS=200 LANG=C.UTF-8 TZ=UTC
printf '?\n:save-display %s\nQ\n' "$T/help.txt" >"$T/script"
MEMTUI_NO_DISPLAY=1 MEMTUI_SCRIPT="$T/script" "$MEMTUI" --repo "$T/none" --env a --memory-file "$T/a.json" \
    2>"$T/err" || fail "the workstation failed: $(cat "$T/err")"
grep -q '^Every key$' "$T/help.txt" || fail "no help overlay: $(cat "$T/help.txt")"
python3 - "$T/help.txt" "$src/README.md" "$src/src/memtui.1" <<'PY' || fail "keys and docs disagree"
import re, sys
help_txt, readme, man = (open(p, encoding="utf-8").read() for p in sys.argv[1:])
keys = set()
for line in help_txt.splitlines():
    m = re.match(r"^(\S+(?: \S+)?)\s{2,}\S", line)
    if m and not line.startswith(("Keys of", "Every key", "In prompts", "Searches")):
        keys.add(m.group(1).split(" ")[0])          # the first (main) key of each action
if len(keys) < 30:
    sys.exit("only %d keys read from the help: %r" % (len(keys), sorted(keys)))
sec = readme.split("## The workstation", 1)[1].split("\n## ", 1)[0]
named = set()
def tokens(text):   # "j/k" is two keys, "/" is one
    for word in text.split():
        yield from (word.split("/") if len(word) > 1 else [word])
for span in re.findall(r"`([^`]+)`", sec):
    named.update(tokens(span))
man_sec = man.split(".SH WORKSTATION", 1)[1].split("\n.SH ", 1)[0]
bold = set()
for line in man_sec.splitlines():
    if line.startswith((".B ", ".BR ", ".RB ")):
        bold.update(tokens(line.split(" ", 1)[1].replace("\\-", "-").replace('"', "")))
def man_name(k):
    k = re.sub(r"^C-(.)$", lambda m: "Ctrl-" + m.group(1).upper(), k)
    return k.replace("S-Tab", "Shift-Tab")
bad = [k for k in sorted(keys) if k not in named] + [k + " (man)" for k in sorted(keys) if man_name(k) not in bold]
if bad:
    sys.exit("not named in the docs: " + ", ".join(bad))
for text, where in ((sec, "README"), (man_sec, "memtui.1")):
    if re.search(r"`m` then `y`|\bm\b\s+then\s+\by\b", text.replace("\\fB", "").replace("\\fR", "")):
        sys.exit(where + " still says m then y")
PY
echo ok
