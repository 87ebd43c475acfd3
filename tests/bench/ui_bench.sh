#!/bin/sh
# The workstation's responsiveness benchmark: a report, not a timed test.
#
#   tests/bench/ui_bench.sh MEMTUI
#
# Set-up: a clone with real pending work, as run.sh builds it: N environments
# of E entities (gen-fragments.py), every env exports the common base and a
# merge folds them, then every env exports its own churn, not merged. With
# UI_BENCH_DIR set (run.sh passes its temporary directory) that set-up is
# reused: DIR/clone and DIR/env0.json, first reset to UI_BENCH_REV (the
# commit before run.sh's timed merge) when given.
#
# The workstation then runs headless (MEMTUI_NO_DISPLAY=1, LINES x COLUMNS),
# fed by MEMTUI_SCRIPT, each frame drawn and key handled logged by
# MEMTUI_FRAME_LOG (times from the top of main; a key from reading it to the
# end of the refresh that shows its effect). One run, three phases:
#   loading   from the start, navigation keys every UI_BENCH_PACE ms while
#             the load job (the plan, computed in the background with
#             progress) runs;
#   ready     UI_BENCH_ROUNDS rounds of navigation keys over every panel,
#             mostly the Plan (j k G g C-d C-u Tab S-Tab 1-6, a / filter
#             with n, Esc);
#   reloading R, then the same keys on the plan shown while a new one is
#             computed, paced like the first phase.
# And UI_BENCH_STARTS more starts that quit at once, for the first frame.
# Optionally (tmux installed, UI_BENCH_TMUX not 0) one run in a real terminal
# through tmux, keys sent by send-keys once the plan is ready.
#
# Reported: first frame (median and slowest over the starts), plan ready
# (the load job done), per-key response median / p99 (nearest rank) / max
# for each phase, and the slowest key and frame. Targets: first frame
# < 100 ms (median), navigation keys < 16 ms (p99, the max shown too); the
# machine may be loaded by others (the load average is printed), so read
# the numbers side by side, not as a pass or fail.
#
# Environment:
#   UI_BENCH_DIR, UI_BENCH_REV   reuse a set-up (see above)
#   BENCH_ENVS (8), BENCH_ENTITIES (100000), BENCH_OBS (4), BENCH_CHURN
#     (0.05), BENCH_SEED (1)     the set-up made here otherwise
#   UI_BENCH_ROUNDS (20), UI_BENCH_PACE (20), UI_BENCH_STARTS (5),
#   UI_BENCH_LINES (40), UI_BENCH_COLUMNS (120), UI_BENCH_TMUX (1)
#   BENCH_KEEP=1  keep the temporary directory (the frame logs are there)
#   BENCH_STRICT=1  exit 1 when a target is missed (default: report only)
# Exit: 0 when every run of the workstation exited 0, else 1.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 MEMTUI" >&2; exit 2; }
MEMTUI=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
GEN="$ROOT/tests/tools/gen-fragments.py"
ENVS=${BENCH_ENVS:-8}
ENTITIES=${BENCH_ENTITIES:-100000}
OBS=${BENCH_OBS:-4}
CHURN=${BENCH_CHURN:-0.05}
SEED=${BENCH_SEED:-1}
ROUNDS=${UI_BENCH_ROUNDS:-20}
PACE=${UI_BENCH_PACE:-20}
STARTS=${UI_BENCH_STARTS:-5}
ROWS=${UI_BENCH_LINES:-40}
COLS=${UI_BENCH_COLUMNS:-120}

T=$(mktemp -d "${TMPDIR:-/tmp}/memtui-uibench-XXXXXX")
SOCK="memtui-uibench-$$"
cleanup() {
    if command -v tmux >/dev/null 2>&1; then tmux -L "$SOCK" kill-server 2>/dev/null || true; fi
    if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "ui-bench: kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.invalid
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.invalid
export HOME="$T/home" TZ=UTC LANG=C.UTF-8
mkdir -p "$HOME"

step() { echo "ui-bench: $*" >&2; }
die() { echo "ui-bench: FAIL: $*" >&2; exit 1; }

# ---- the set-up: a clone whose plan has real work --------------------------
if [ -n "${UI_BENCH_DIR:-}" ]; then
    D=$UI_BENCH_DIR
    [ -d "$D/clone" ] || die "UI_BENCH_DIR=$D has no clone/"
    if [ -n "${UI_BENCH_REV:-}" ]; then
        git -C "$D/clone" reset -q --hard "$UI_BENCH_REV" || die "cannot reset $D/clone to $UI_BENCH_REV"
    fi
    step "reusing $D/clone at $(git -C "$D/clone" rev-parse --short HEAD)"
else
    D=$T
    mt() {
        e=$1; shift
        "$MEMTUI" --batch --repo "$D/clone" --env "$e" --memory-file "$D/$e.json" "$@"
    }
    step "generating $ENVS envs x $ENTITIES entities (--obs $OBS --churn $CHURN --seed $SEED)"
    python3 "$GEN" --out "$D/gen" --envs "$ENVS" --entities "$ENTITIES" --obs "$OBS" \
        --churn "$CHURN" --seed "$SEED"
    git init -q --bare "$D/remote.git"
    mt env0 init "$D/remote.git" >/dev/null 2>&1 || die "init"
    i=0
    while [ "$i" -lt "$ENVS" ]; do
        cp "$D/gen/base.json" "$D/env$i.json"
        mt "env$i" export --no-push >/dev/null 2>&1 || die "export base env$i"
        i=$((i + 1))
    done
    set +e; mt env0 merge --no-push >/dev/null 2>&1; rc=$?; set -e
    [ "$rc" -eq 0 ] || [ "$rc" -eq 6 ] || die "first merge exited $rc"
    i=0
    while [ "$i" -lt "$ENVS" ]; do
        cp "$D/gen/memory-env$i.json" "$D/env$i.json"
        mt "env$i" export --no-push >/dev/null 2>&1 || die "export churn env$i"
        i=$((i + 1))
    done
    rm -rf "$D/gen"
    step "base merged, churn of $ENVS envs exported and not merged"
fi
nfrag=$(git -C "$D/clone" ls-tree --name-only HEAD | grep -c '^memory-.*\.json$' || true)

# ---- the scripts ---------------------------------------------------------
# one round of navigation: the Plan panel most, then every other panel
nav() {
    cat <<S
3
j
j
j
C-d
C-d
G
k
g
C-u
j
/
_
1
0
Enter
n
j
G
g
Esc
Tab
S-Tab
1
j
2
4
5
6
3
S
}
# the same keys, one every PACE ms, as long as background work runs
paced() {
    echo ":while-busy"
    nav | while read -r k; do printf '%s\n:sleep %s\n' "$k" "$PACE"; done
    echo ":done"
}
{
    paced
    r=0
    while [ "$r" -lt "$ROUNDS" ]; do nav; r=$((r + 1)); done
    echo ":save-display $T/ready.txt"
    echo "R"
    paced
    echo ":quit"
} >"$T/script"
printf ':while-busy\nQ\n:done\n:quit\n' >"$T/start-script"

run_ws() {   # run_ws LOG SCRIPT
    env TERM=xterm-256color LINES="$ROWS" COLUMNS="$COLS" MEMTUI_NO_DISPLAY=1 MEMTUI_SCRIPT="$2" \
        MEMTUI_FRAME_LOG="$1" "$MEMTUI" --repo "$D/clone" --env env0 --memory-file "$D/env0.json" 2>>"$T/err"
}

# ---- the runs ------------------------------------------------------------
ws_ok=1
step "workstation on $nfrag fragments, ${ROWS}x${COLS}: loading, ready ($ROUNDS rounds), reloading"
set +e
run_ws "$T/frames.log" "$T/script"; rc=$?
set -e
[ "$rc" -eq 0 ] || { step "the workstation exited $rc: $(tail -n 5 "$T/err")"; ws_ok=0; }
i=0
while [ "$i" -lt "$STARTS" ]; do
    set +e; run_ws "$T/start$i.log" "$T/start-script"; rc=$?; set -e
    [ "$rc" -eq 0 ] || { step "start $i exited $rc"; ws_ok=0; }
    i=$((i + 1))
done

tmux_log=""
if [ "${UI_BENCH_TMUX:-1}" != 0 ] && command -v tmux >/dev/null 2>&1; then
    step "the same keys in a real terminal (tmux ${COLS}x${ROWS})"
    cat >"$T/tmux-run.sh" <<RUN
env MEMTUI_FRAME_LOG="$T/tmux.log" "$MEMTUI" --repo "$D/clone" --env env0 --memory-file "$D/env0.json" 2>>"$T/err"
echo \$? >"$T/tmux.rc"
RUN
    tmux -L "$SOCK" new-session -d -s ui -x "$COLS" -y "$ROWS" "env TERM=xterm-256color LANG=C.UTF-8 sh $T/tmux-run.sh"
    end=$(( $(date +%s) + 600 ))
    until grep -q '^job .*name=load' "$T/tmux.log" 2>/dev/null; do
        [ "$(date +%s)" -le "$end" ] || break
        sleep 0.2
    done
    sleep 0.3
    r=0
    while [ "$r" -lt 3 ]; do
        nav | while read -r k; do
            case $k in
            C-?) tk=$k ;; S-Tab) tk=BTab ;; Esc) tk=Escape ;; Enter) tk=Enter ;; Tab) tk=Tab ;;
            *) tk=$k ;;
            esac
            tmux -L "$SOCK" send-keys -t ui "$tk"
            sleep 0.05
        done
        r=$((r + 1))
    done
    sleep 0.5
    tmux -L "$SOCK" send-keys -t ui Q
    end=$(( $(date +%s) + 30 ))
    until [ -s "$T/tmux.rc" ] || [ "$(date +%s)" -gt "$end" ]; do sleep 0.1; done
    [ "$(cat "$T/tmux.rc" 2>/dev/null)" = 0 ] || { step "tmux run exited $(cat "$T/tmux.rc" 2>/dev/null)"; ws_ok=0; }
    tmux_log="$T/tmux.log"
fi

# ---- report --------------------------------------------------------------
set +e
python3 - "$T" "$nfrag" "$ROWS" "$COLS" "${BENCH_STRICT:-0}" "$tmux_log" <<'PY'
import glob, math, os, sys
T, nfrag, rows, cols, strict, tmux_log = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5] == "1", sys.argv[6]

def parse(path):
    out = []
    for line in open(path, encoding="utf-8", errors="replace"):
        f = line.split()
        if not f:
            continue
        d = {"kind": f[0]}
        for kv in f[1:]:
            k, _, v = kv.partition("=")
            d[k] = v
        out.append(d)
    return out

def pct(xs, p):
    xs = sorted(xs)
    return xs[max(0, math.ceil(p / 100 * len(xs)) - 1)] if xs else float("nan")

def stats(label, keys, target=16.0):
    ms = [float(k["ms"]) for k in keys]
    if not ms:
        print("  %-22s no keys" % label)
        return True
    worst = max(keys, key=lambda k: float(k["ms"]))
    ok = pct(ms, 99) < target
    print("  %-22s %4d keys  median %7.2f ms  p99 %7.2f ms  max %7.2f ms (%s on %s)  %s" % (
        label, len(ms), pct(ms, 50), pct(ms, 99), max(ms), worst["key"], worst["view"],
        "met" if ok else "MISSED"))
    return ok

def first(log, kind, **match):
    for e in log:
        if e["kind"] == kind and all(e.get(k) == v for k, v in match.items()):
            return e
    return None

def job_done(log):
    e = first(log, "job", name="load")
    return float(e["t_ms"]) if e else None

main = parse(os.path.join(T, "frames.log"))
ok = True
print("memtui workstation benchmark (%s fragments in the repo, %sx%s, headless; load on the machine: %s)" % (
    nfrag, rows, cols, open("/proc/loadavg").read().split()[0]))
ff = [float(first(parse(p), "frame")["t_ms"]) for p in sorted(glob.glob(os.path.join(T, "start*.log")))
      if first(parse(p), "frame")]
f0 = first(main, "frame")
if f0:
    ff.insert(0, float(f0["t_ms"]))
if ff:
    fok = pct(ff, 50) < 100
    ok &= fok
    print("  first frame            median %.1f ms, slowest %.1f ms over %d starts (target < 100 ms: %s)" % (
        pct(ff, 50), max(ff), len(ff), "met" if fok else "MISSED"))
ready = job_done(main)
plan_rows = max((int(e["rows"]) for e in main if e["kind"] == "frame" and e["view"] == "Plan"), default=0)
if ready is not None:
    print("  plan ready             %.0f ms (the load job done; %d frames drawn meanwhile, progress shown)" % (
        ready, sum(1 for e in main if e["kind"] == "frame" and float(e["t_ms"]) <= ready)))
print("  plan panel             %d rows" % plan_rows)
keys = [e for e in main if e["kind"] == "key" and e["key"] not in ("R", "Q")]   # navigation only
before = [k for k in keys if ready is None or float(k["t_ms"]) <= ready]
after = [k for k in keys if ready is not None and float(k["t_ms"]) > ready]
print("  key response (target < 16 ms at p99):")
ok &= stats("loading (plan busy)", before)
ok &= stats("ready", [k for k in after if k["busy"] == "0"])
ok &= stats("reloading (plan busy)", [k for k in after if k["busy"] == "1"])
plan_keys = [k for k in after if k["view"] == "Plan"]
stats("  of which Plan panel", plan_keys)
frames = [e for e in main if e["kind"] == "frame"]
if frames:
    w = max(frames, key=lambda e: float(e["draw_ms"]))
    print("  slowest frame          %.2f ms (%s, %s rows)" % (float(w["draw_ms"]), w["view"], w["rows"]))
if tmux_log and os.path.exists(tmux_log):
    tl = parse(tmux_log)
    t0 = first(tl, "frame")
    tr = job_done(tl)
    print("  tmux (real terminal)   first frame %s ms, plan ready %s ms" % (
        "%.1f" % float(t0["t_ms"]) if t0 else "?", "%.0f" % tr if tr is not None else "?"))
    stats("tmux keys", [k for k in tl if k["kind"] == "key" and k["key"] not in ("R", "Q") and
                        (tr is None or float(k["t_ms"]) > tr)])
sys.exit(1 if strict and not ok else 0)
PY
report_rc=$?
set -e
[ "$ws_ok" = 1 ] || exit 1
exit "$report_rc"
