#!/bin/sh
# The merge benchmark: ratios measured side by side in one run, not a timed
# test (no absolute number is compared with anything measured elsewhere).
#
#   tests/bench/run.sh MEMTUI
#
# Set-up: N environments of E entities each (gen-fragments.py, ~45 MB per
# fragment at the defaults), one local bare remote, one clone. Every env
# first exports the common base and a merge folds them; then every env
# exports its own 5% churn (the generator's memory-envN.json), and the second
# `merge --no-push` is timed under peakrss. Right after, in the same run,
# jsonc_parse times json-c parsing just those N changed fragments once.
#
# Targets:
#   merge wall time / json-c parse time of the changed fragments  <= 0.5 (then 0.25)
#   merge peak RSS  / bytes of the changed fragments               <= 1.5 (then 1.0)
#
# Environment:
#   BENCH_ENVS (8), BENCH_ENTITIES (100000), BENCH_OBS (4: ~45 MB a fragment
#   at 100k entities), BENCH_CHURN (0.05), BENCH_SEED (1)
#   BENCH_KEEP=1  keep the temporary directory; it then also holds
#                 clone-before/, a copy of the clone taken just before the
#                 timed merge, to profile that merge again:
#                   cp -a clone-before clone-p && perf record -g MEMTUI --batch \
#                     --repo clone-p --env env0 --memory-file env0.json merge --no-push
#   BENCH_STRICT=1  exit 1 when a target is missed (default: report only)
#   BENCH_ROUNDS (5)  merge and json-c parse pairs timed, alternating, each
#                 merge on a fresh copy of the clone; the ratio is of the
#                 medians (each round's own ratio is printed beside it: on
#                 a virtual machine one parse can take half as long again
#                 as the next), peak RSS the largest
#
# Peers, on the same N changed fragments, in the same run (BENCH_PEERS=0
# skips them), each under peakrss: `cat` (the read floor), Python's json
# module doing the obvious union by name (peer_union.py: what the original
# scripts did), and jq doing the same (peer_union.jq). They read only the
# changed fragments; memtui's merge also reads memory.json and the
# fragments as last merged, and writes, verifies and commits the result.
#
# Then, in the same run, tests/bench/sync_bench.sh: syncs per second with 1,
# 4 and 8 contending environments and lease acquire latency, through a real
# git daemon (its SYNC_BENCH_* and LEASE_BENCH_* variables; see its header).
# SYNC_BENCH=0 skips it.
#
# Last, tests/bench/ui_bench.sh on this run's clone, put back to the commit
# before the timed merge (the churn exported, not merged; with BENCH_KEEP=1
# the kept clone/ is then in that state): the workstation's time to the
# first frame and to the plan, and its per-key response while the plan is
# computed in the background and after (its UI_BENCH_* variables; see its
# header). UI_BENCH=0 skips it.
# Last, tests/bench/scale.sh: the merge alone at 10k, 100k and 1M entities
# and at 8 and 100 environments, one table (its SCALE_CASES). BENCH_SCALE=0
# skips it.
# Exit: 0 when the run is valid (merge exit 0 or 6, verify passes) and the
# sync and workstation benchmarks succeeded, else 1.
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

# ---- tools ---------------------------------------------------------------
B="$ROOT/build/bench"
mkdir -p "$B"
cc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra $(pkg-config --cflags json-c) \
    -o "$B/jsonc_parse" "$ROOT/tests/bench/jsonc_parse.c" $(pkg-config --libs json-c)
cc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -o "$B/peakrss" "$ROOT/tests/tools/peakrss.c"

T=$(mktemp -d "${TMPDIR:-/tmp}/memtui-bench-XXXXXX")
cleanup() {
    if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "bench: kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.invalid
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.invalid
export HOME="$T/home" TZ=UTC LANG=C.UTF-8
mkdir -p "$HOME"
cd "$T"

now() { date +%s; }
step() { echo "bench: $*" >&2; }
die() { echo "bench: FAIL: $*" >&2; exit 1; }
# mt ENV args...: memtui in the one clone, as environment ENV
mt() {
    e=$1; shift
    "$MEMTUI" --batch --repo "$T/clone" --env "$e" --memory-file "$T/$e.json" "$@"
}
mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1e6 }'; }

# ---- data ----------------------------------------------------------------
t0=$(now)
step "generating $ENVS envs x $ENTITIES entities (--obs $OBS --churn $CHURN --seed $SEED)"
python3 "$GEN" --out "$T/gen" --envs "$ENVS" --entities "$ENTITIES" --obs "$OBS" \
    --churn "$CHURN" --seed "$SEED"
base_bytes=$(wc -c <"$T/gen/base.json")
step "base.json: $(mb "$base_bytes") ($(( $(now) - t0 ))s)"

# ---- repo: every env exports the base, first merge --------------------------
git init -q --bare "$T/remote.git"
mt env0 init "$T/remote.git" >/dev/null || die "init"
i=0
while [ "$i" -lt "$ENVS" ]; do
    cp "$T/gen/base.json" "$T/env$i.json"
    mt "env$i" export --no-push >/dev/null || die "export base env$i"
    i=$((i + 1))
done
t1=$(now)
set +e; mt env0 merge --no-push >/dev/null; rc=$?; set -e
[ "$rc" -eq 0 ] || [ "$rc" -eq 6 ] || die "first merge exited $rc"
step "base exported and merged ($(( $(now) - t1 ))s)"

# ---- every env exports its churn -----------------------------------------
i=0
while [ "$i" -lt "$ENVS" ]; do
    cp "$T/gen/memory-env$i.json" "$T/env$i.json"
    mt "env$i" export --no-push >/dev/null || die "export churn env$i"
    i=$((i + 1))
done
# the bytes merged: the fragments as committed, copied aside for json-c
mkdir -p "$T/changed"
i=0
while [ "$i" -lt "$ENVS" ]; do
    git -C "$T/clone" show "HEAD:memory-env$i.json" >"$T/changed/memory-env$i.json"
    i=$((i + 1))
done
frag_bytes=$(cat "$T"/changed/*.json | wc -c)
[ "${BENCH_KEEP:-0}" = 1 ] && cp -a "$T/clone" "$T/clone-before"

# ---- the measurement -----------------------------------------------------
# BENCH_ROUNDS pairs (merge, then json-c's parse), each merge on a fresh
# copy of the clone as it stands now; the last pair on the clone itself.
# The ratio is of the medians: a machine whose speed drifts between two
# runs a few seconds apart moves both or neither.
pre_merge=$(git -C "$T/clone" rev-parse HEAD)   # for ui_bench.sh at the end
ROUNDS=${BENCH_ROUNDS:-5}
step "timing merge --no-push of $ENVS changed fragments ($(mb "$frag_bytes")), $ROUNDS rounds"
wall_of() { grep '^peakrss: ' "$1" | tail -n 1 | sed 's/.*wall=\([0-9.]*\)s.*/\1/'; }
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
: >"$T/merge.times"
: >"$T/parse.times"
r=1
while [ "$r" -lt "$ROUNDS" ]; do
    rm -rf "$T/clone-round"
    cp -a "$T/clone" "$T/clone-round"
    cp "$T/env0.json" "$T/round-env0.json"
    git -C "$T/clone-round" status >/dev/null   # the index's stat data, as after any sync
    set +e
    "$B/peakrss" "$MEMTUI" --batch --repo "$T/clone-round" --env env0 --memory-file "$T/round-env0.json" \
        merge --no-push >/dev/null 2>"$T/round.err"
    set -e
    wall_of "$T/round.err" >>"$T/merge.times"
    grep '^peakrss: ' "$T/round.err" | sed 's/.*maxrss_kib=\([0-9]*\).*/\1/' >>"$T/rss.round"
    "$B/jsonc_parse" "$T"/changed/*.json | sed 's/.*parse_s=\([0-9.]*\).*/\1/' >>"$T/parse.times"
    r=$((r + 1))
done
rm -rf "$T/clone-round" "$T/round-env0.json"
set +e
"$B/peakrss" "$MEMTUI" --batch --repo "$T/clone" --env env0 --memory-file "$T/env0.json" \
    --json merge --no-push >"$T/merge.json" 2>"$T/merge.err"
mrc=$?
set -e
"$B/jsonc_parse" "$T"/changed/*.json >"$T/jsonc.out" || die "jsonc_parse failed"
wall_of "$T/merge.err" >>"$T/merge.times"
sed 's/.*parse_s=\([0-9.]*\).*/\1/' "$T/jsonc.out" >>"$T/parse.times"

# peer NAME CMD...: CMD under peakrss, its wall time and peak RSS into peers.txt
peer() {
    n=$1; shift
    step "peer: $n"
    if "$B/peakrss" "$@" >"$T/peer-$n.out" 2>"$T/peer-$n.err"; then
        pl=$(grep '^peakrss: ' "$T/peer-$n.err" | tail -n 1)
        echo "$n $(echo "$pl" | sed 's/.*wall=\([0-9.]*\)s.*/\1/') $(echo "$pl" | sed 's/.*maxrss_kib=\([0-9]*\).*/\1/')" \
            "$(head -c 200 "$T/peer-$n.out" | tr '\n' ' ')" >>"$T/peers.txt"
    else
        echo "$n - - failed: $(tail -n 1 "$T/peer-$n.err")" >>"$T/peers.txt"
    fi
}
: >"$T/peers.txt"
if [ "${BENCH_PEERS:-1}" != 0 ]; then
    peer cat cat "$T"/changed/*.json
    peer python-json python3 "$ROOT/tests/bench/peer_union.py" "$T"/changed/*.json
    if command -v jq >/dev/null 2>&1; then
        peer jq jq -n -r -f "$ROOT/tests/bench/peer_union.jq" "$T"/changed/*.json
    else
        echo "jq - - not installed (sh scripts/install-deps.sh)" >>"$T/peers.txt"
    fi
fi

line=$(grep '^peakrss: ' "$T/merge.err" | tail -n 1)
[ -n "$line" ] || { cat "$T/merge.err" >&2; die "no peakrss line"; }
merge_s=$(median <"$T/merge.times")
parse_s=$(median <"$T/parse.times")
rss_kib=$(echo "$line" | sed 's/.*maxrss_kib=\([0-9]*\).*/\1/')
[ -s "$T/rss.round" ] && rss_kib=$( (cat "$T/rss.round"; echo "$rss_kib") | sort -n | tail -n 1)  # the largest
parsed_bytes=$(sed 's/.*bytes=\([0-9]*\).*/\1/' "$T/jsonc.out")
[ "$parsed_bytes" -eq "$frag_bytes" ] || die "jsonc_parse read $parsed_bytes bytes, want $frag_bytes"

valid=1
if [ "$mrc" -ne 0 ] && [ "$mrc" -ne 6 ]; then
    sed 's/^/    /' "$T/merge.err" >&2
    echo "bench: merge exited $mrc (want 0 or 6)" >&2
    valid=0
fi
summary=$(python3 -c '
import json, sys
try:
    j = json.load(open(sys.argv[1]))
    print("entities=%s relations=%s conflicts=%d ok=%s" % (j.get("entities"), j.get("relations"),
          len(j.get("conflicts") or []), j.get("ok")))
except Exception as e:
    print("(no JSON result: %s)" % e)
' "$T/merge.json")
out_bytes=$(git -C "$T/clone" cat-file -s HEAD:memory.json 2>/dev/null || echo 0)
set +e; mt env0 verify >"$T/verify.out" 2>&1; vrc=$?; set -e
if [ "$vrc" -ne 0 ]; then
    sed 's/^/    /' "$T/verify.out" >&2
    echo "bench: verify exited $vrc" >&2
    valid=0
fi

# ---- report --------------------------------------------------------------
set +e
awk -v envs="$ENVS" -v ents="$ENTITIES" -v base="$base_bytes" -v frag="$frag_bytes" \
    -v outb="$out_bytes" -v ms="$merge_s" -v ps="$parse_s" -v rss="$rss_kib" \
    -v mrc="$mrc" -v vrc="$vrc" -v summary="$summary" -v strict="${BENCH_STRICT:-0}" -v valid="$valid" \
    -v rounds="$ROUNDS" -v mt="$(tr '\n' ' ' <"$T/merge.times" | sed 's/ $//')" \
    -v pt="$(tr '\n' ' ' <"$T/parse.times" | sed 's/ $//')" '
function yn(ok) { return ok ? "met" : "MISSED" }
BEGIN {
    rssb = rss * 1024
    tr = (ps > 0) ? ms / ps : 0
    mr = (frag > 0) ? rssb / frag : 0
    printf "memtui merge benchmark\n"
    printf "  data            %d envs x %d entities; base.json %.1f MB\n", envs, ents, base / 1e6
    printf "  changed frags   %d files, %.1f MB (%d bytes)\n", envs, frag / 1e6, frag
    printf "  result          memory.json %.1f MB; %s\n", outb / 1e6, summary
    printf "  merge           %.3f s wall (median of %d rounds: %s), exit %d; verify exit %d\n", ms, rounds, mt, mrc, vrc
    printf "  json-c parse    %.3f s (median of %s; the %d changed fragments once, parse only, files read beforehand)\n", ps, pt, envs
    printf "  time ratio      merge / parse = %.2f   (target <= 0.5: %s)\n", tr, yn(tr <= 0.5)
    n = split(mt, m, " "); split(pt, q, " "); each = ""
    for (i = 1; i <= n; i++) each = each sprintf("%s%.2f", i > 1 ? " " : "", q[i] > 0 ? m[i] / q[i] : 0)
    printf "                  each round: %s\n", each
    printf "  peak RSS        %.1f MB (%d KiB)\n", rssb / 1e6, rss
    printf "  memory ratio    peak RSS / changed bytes = %.2f   (target <= 1.5: %s)\n", mr, yn(mr <= 1.5)
    if (!valid) exit 1
    if (strict == 1 && (tr > 0.5 || mr > 1.5)) exit 1
}'
merge_rc=$?
if [ -s "$T/peers.txt" ]; then
    echo "  peers on the same $ENVS changed fragments (time / json-c parse; memtui merge / peer; peak RSS / changed bytes):"
    awk -v ps="$parse_s" -v ms="$merge_s" -v frag="$frag_bytes" -v rss="$rss_kib" '
    BEGIN { printf "    %-12s %9s %8s %8s %10s %8s\n", "peer", "wall s", "/parse", "merge/", "peak MB", "/bytes"
            printf "    %-12s %9.3f %8.2f %8.2f %10s %8s\n", "json-c parse", ps, 1, (ps > 0 ? ms / ps : 0), "-", "-"
            printf "    %-12s %9.3f %8.2f %8.2f %10.1f %8.2f\n", "memtui merge", ms, (ps > 0 ? ms / ps : 0), 1,
                   rss * 1024 / 1e6, rss * 1024 / frag }
    $2 == "-" { printf "    %-12s %s\n", $1, substr($0, index($0, $4)); next }
    { printf "    %-12s %9.3f %8.2f %8.2f %10.1f %8.2f\n", $1, $2, (ps > 0 ? $2 / ps : 0), ($2 > 0 ? ms / $2 : 0),
             $3 * 1024 / 1e6, $3 * 1024 / frag }' "$T/peers.txt"
fi
set -e

# ---- then the sync and lease benchmark (git daemon, contending envs) -----
sync_rc=0
if [ "${SYNC_BENCH:-1}" != 0 ]; then
    echo
    set +e
    "$ROOT/tests/bench/sync_bench.sh" "$MEMTUI"
    sync_rc=$?
    set -e
fi

# ---- then the workstation on this clone, its churn not merged -----------
ui_rc=0
if [ "${UI_BENCH:-1}" != 0 ]; then
    echo
    set +e
    UI_BENCH_DIR="$T" UI_BENCH_REV="$pre_merge" "$ROOT/tests/bench/ui_bench.sh" "$MEMTUI"
    ui_rc=$?
    set -e
fi

# ---- last, the scaling table (each case its own data and run) -----------
scale_rc=0
if [ "${BENCH_SCALE:-1}" != 0 ]; then
    echo
    set +e
    BENCH_SCALE=0 "$ROOT/tests/bench/scale.sh" "$MEMTUI"
    scale_rc=$?
    set -e
fi
if [ "$merge_rc" -ne 0 ] || [ "$sync_rc" -ne 0 ] || [ "$ui_rc" -ne 0 ] || [ "$scale_rc" -ne 0 ]; then exit 1; fi
