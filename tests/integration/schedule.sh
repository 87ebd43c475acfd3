# schedule --print / --install (DESIGN 4): the systemd units, the launchd
# plist and the cron line name the binary, the repo, the env and the memory
# file by absolute paths, escaped for their format, so each one, run the way
# its scheduler runs it (a near-empty environment), does a real sync. The
# repo and memory paths hold a space, a percent sign, quotes and a dollar.
. "$TESTS_DIR/lib.sh"
unset XDG_CONFIG_HOME MEMTUI_REPO MEMORY_FILE_PATH
new_remote
R="$T/my repo 100%'s \$x"
M="$T/mem \"50%\".json"
printf '{"type":"entity","name":"A","entityType":"t","observations":["x"]}\n' >"$M"
sched() { "$MEMTUI" --batch --repo "$R" --env box --memory-file "$M" schedule "$@"; }
"$MEMTUI" --batch --repo "$R" --env box --memory-file "$M" init "$T/remote.git" >/dev/null

# the binary as the units must name it (/proc/self/exe: absolute, resolved)
BIN=$(readlink -f "$MEMTUI")
# cron's output goes to ~/.cache (where the default repo lives too)
mkdir -p "$HOME/.cache"

# ---- cron: the line, with cron's % handling, through sh in a bare environment
expect_rc 0 sched --print --kind cron >"$T/cron.out"
grep -v '^#' "$T/cron.out" | grep -v '^$' >"$T/cron.line" || fail "no cron line: $(cat "$T/cron.out")"
[ "$(wc -l <"$T/cron.line")" -eq 1 ] || fail "more than one cron line: $(cat "$T/cron.line")"
grep -q '^\*/15 \* \* \* \* ' "$T/cron.line" || fail "cron schedule is not every 15 minutes: $(cat "$T/cron.line")"
# cron turns an unescaped % into a newline and drops the \ of \%
python3 - "$T/cron.line" "$T/cron.cmd" <<'EOF' || fail "cron line: unescaped %: $(cat "$T/cron.line")"
import re, sys
line = open(sys.argv[1]).read().rstrip("\n")
cmd = line.split(None, 5)[5]
if re.search(r"(?<!\\)%", cmd):
    sys.exit(1)
open(sys.argv[2], "w").write(cmd.replace("\\%", "%"))
EOF
env -i HOME="$HOME" PATH=/usr/bin:/bin sh -c "$(cat "$T/cron.cmd")" || fail "the cron command failed: $(cat "$T/cron.cmd"); log: $(cat "$HOME/.cache/memtui-sync.log" 2>/dev/null)"
git --git-dir="$T/remote.git" show main:memory-box.json | grep -q '"A"' || fail "the cron run did not export the graph"
[ -s "$HOME/.cache/memtui-sync.log" ] || fail "the cron run's output is not in ~/.cache/memtui-sync.log"
grep -q "$BIN" "$T/cron.cmd" || fail "the cron line does not name $BIN"

# ---- systemd: structure, and ExecStart split the way systemd splits it
expect_rc 0 sched --print --kind systemd >"$T/systemd.out"
expect_rc 0 sched --print --kind systemd --json >"$T/systemd.json"
python3 - "$T/systemd.json" "$T/sd" <<'EOF' || fail "systemd --json: $(cat "$T/systemd.json")"
import json, os, sys
j = json.load(open(sys.argv[1]))
assert j["ok"] and j["command"] == "schedule" and j["kind"] == "systemd", j
names = [os.path.basename(u["path"]) for u in j["units"]]
assert names == ["memtui-sync.service", "memtui-sync.timer"], names
os.makedirs(sys.argv[2])
for u in j["units"]:
    assert u["path"].startswith(os.environ["HOME"] + "/.config/systemd/user/"), u["path"]
    open(os.path.join(sys.argv[2], os.path.basename(u["path"])), "w").write(u["content"])
EOF
# the human output holds the same units
for u in service timer; do
    grep -qxF "$(head -n 3 "$T/sd/memtui-sync.$u" | tail -n 1)" "$T/systemd.out" || fail "--print lacks the $u"
done
python3 - "$T/sd" "$BIN" "$R" "$M" "$HOME" <<'EOF' || fail "systemd units: $(cat "$T/sd/memtui-sync.service" "$T/sd/memtui-sync.timer")"
import os, re, shlex, subprocess, sys
d, binary, repo, mem, home = sys.argv[1:]

def parse(path):
    sections, cur = {}, None
    for raw in open(path, encoding="utf-8"):
        line = raw.rstrip("\n")
        if not line.strip() or line.lstrip()[0] in "#;":
            continue
        m = re.fullmatch(r"\[([A-Za-z]+)\]", line)
        if m:
            cur = sections.setdefault(m.group(1), {})
            continue
        assert cur is not None, "a key outside a section: " + line
        k, sep, v = line.partition("=")
        assert sep and re.fullmatch(r"[A-Za-z]+", k), "not a key=value line: " + line
        cur.setdefault(k, []).append(v)
    return sections

svc = parse(os.path.join(d, "memtui-sync.service"))
tim = parse(os.path.join(d, "memtui-sync.timer"))
assert set(svc) == {"Unit", "Service"}, svc
assert svc["Service"]["Type"] == ["oneshot"], svc
assert set(tim) == {"Unit", "Timer", "Install"}, tim
t = tim["Timer"]
assert t["OnCalendar"] == ["*:0/15"], t
assert t["Persistent"] == ["true"], t
assert int(t["RandomizedDelaySec"][0]) > 0, t
assert t["Unit"] == ["memtui-sync.service"], t
assert tim["Install"]["WantedBy"] == ["timers.target"], tim

# systemd: "..." words with C escapes (shlex), then %% and $$ are literal % and $
words = shlex.split(svc["Service"]["ExecStart"][0])
def unspec(w):
    assert not re.search(r"%(?!%)|(?<!%)%$", re.sub(r"%%", "", w)), "a lone % (specifier): " + w
    assert "$" not in re.sub(r"\$\$", "", w), "a lone $ (variable): " + w
    return re.sub(r"%%|\$\$", lambda m: m.group(0)[0], w)
args = [unspec(w) for w in words]
want = [binary, "--batch", "--repo", repo, "--env", "box", "--memory-file", mem, "sync"]
assert args == want, (args, want)
r = subprocess.run(args, env={"HOME": home, "PATH": "/usr/bin:/bin"})
assert r.returncode == 0, r.returncode
EOF

if command -v systemd-analyze >/dev/null 2>&1 && systemd-analyze --version >/dev/null 2>&1; then
    # the units as systemd itself reads them (no running manager needed)
    systemd-analyze verify "$T/sd/memtui-sync.service" "$T/sd/memtui-sync.timer" >"$T/verify.log" 2>&1 ||
        fail "systemd-analyze verify: $(cat "$T/verify.log")"
fi

# ---- launchd: a plist whose ProgramArguments is exactly the command
expect_rc 0 sched --print --kind launchd --every 30 --json >"$T/launchd.json"
python3 - "$T/launchd.json" "$BIN" "$R" "$M" "$HOME" <<'EOF' || fail "launchd plist: $(cat "$T/launchd.json")"
import json, plistlib, sys
j = json.load(open(sys.argv[1]))
binary, repo, mem, home = sys.argv[2:]
(u,) = j["units"]
assert u["path"] == home + "/Library/LaunchAgents/dev.memtui.sync.plist", u["path"]
p = plistlib.loads(u["content"].encode())
assert p["Label"] == "dev.memtui.sync", p
assert p["ProgramArguments"] == [binary, "--batch", "--repo", repo, "--env", "box", "--memory-file", mem, "sync"], p
assert p["StartInterval"] == 1800, p
assert p["StandardOutPath"] == p["StandardErrorPath"] and p["StandardOutPath"].startswith(home + "/"), p
EOF

# ---- relative paths are made absolute, symlinks kept as named (not resolved)
ln -s "$M" "$T/link.json"
(cd "$T" && "$MEMTUI" --batch --repo "rel repo" --env box --memory-file link.json schedule --print --kind launchd --json) >"$T/rel.json"
python3 - "$T/rel.json" "$T" <<'EOF' || fail "relative paths: $(cat "$T/rel.json")"
import json, plistlib, sys
a = plistlib.loads(json.load(open(sys.argv[1]))["units"][0]["content"].encode())["ProgramArguments"]
assert a[3] == sys.argv[2] + "/rel repo" and a[7] == sys.argv[2] + "/link.json", a
EOF

# ---- bad values are usage errors
expect_rc 2 sched --print --every 7
expect_rc 2 sched --print --every 0
expect_rc 2 sched --print --kind upstart
expect_rc 2 sched --print --install
expect_rc 2 sched --install --kind cron
expect_rc 2 "$MEMTUI" --batch --repo "$T/a
b" --env box --memory-file "$M" schedule --print

# ---- --install: where the files go, and no silent overwrite
export XDG_CONFIG_HOME="$T/xdg"
expect_rc 0 sched --install --kind systemd >"$T/install.out"
U="$XDG_CONFIG_HOME/systemd/user"
cmp -s "$U/memtui-sync.service" "$T/sd/memtui-sync.service" || fail "installed service differs from --print"
cmp -s "$U/memtui-sync.timer" "$T/sd/memtui-sync.timer" || fail "installed timer differs from --print"
grep -qF 'systemctl --user daemon-reload && systemctl --user enable --now memtui-sync.timer' "$T/install.out" ||
    fail "install does not say what to run next: $(cat "$T/install.out")"
expect_rc 0 sched --install --kind systemd >/dev/null   # the same files again: nothing to refuse
cp "$U/memtui-sync.timer" "$T/timer.before"
expect_rc 2 sched --install --kind systemd --every 30 2>"$T/refuse.err"
grep -q -- '--force' "$T/refuse.err" || fail "the refusal does not name --force: $(cat "$T/refuse.err")"
cmp -s "$U/memtui-sync.timer" "$T/timer.before" || fail "a refused install changed the timer"
expect_rc 0 sched --install --kind systemd --every 30 --force >/dev/null
grep -qx 'OnCalendar=\*:0/30' "$U/memtui-sync.timer" || fail "--force did not write the new timer"
ls -a "$U" | grep -v -e '^\.\.\?$' -e '^memtui-sync\.service$' -e '^memtui-sync\.timer$' &&
    fail "stray files in $U"
unset XDG_CONFIG_HOME
expect_rc 0 sched --install --kind systemd >/dev/null
[ -f "$HOME/.config/systemd/user/memtui-sync.timer" ] || fail "without XDG_CONFIG_HOME the units go to ~/.config"
expect_rc 0 sched --install --kind launchd >"$T/launchd.out"
P="$HOME/Library/LaunchAgents/dev.memtui.sync.plist"
python3 -c 'import plistlib,sys; plistlib.load(open(sys.argv[1],"rb"))' "$P" || fail "installed plist does not parse"
grep -qF "launchctl load" "$T/launchd.out" || fail "launchd install does not say what to run next"
# ---- --help names the command and its options
"$MEMTUI" --help >"$T/help.out"
grep -q '^ *schedule --print|--install' "$T/help.out" || fail "--help does not list schedule"
for o in --every --kind --force; do grep -q -- "$o" "$T/help.out" || fail "--help does not mention $o"; done
echo "schedule: ok"
