# One bad commit by a peer never stops the fleet (DESIGN 3.2, issue 10):
# anyone who can push may commit, with ordinary git commands, a memory.json
# with conflict markers, garbage or nothing in it, or a manifest that is
# garbage, empty, names a blob that does not exist, or records a SHA-256
# and counts that are not memory.json's. memory.json and the manifest are
# derived data: the next run rebuilds them from the last verified merge and
# the fragments, says so (stderr, --json, the audit log, naming the bad
# commit) and exits 6 (degraded); status says so too. Each case starts from
# a healthy history where envs a, b, c have synced twice and a peer "p"
# (a plain git clone) has published memory-p.json; then b exports a new
# round and c deletes an entity without merging, and the peer pushes the
# bad file together with a change of its own fragment. Afterwards
# memory.json must be exactly the merge of what every env exported: no
# entity lost or duplicated, no observation doubled, c's deletion standing,
# the peer's change in; and the next syncs are clean (exit 0, no warning).
. "$TESTS_DIR/lib.sh"
TOP=$T

rgraph() { git --git-dir="$T/remote.git" show main:"$1" >"$T/rg.json"; }
# mt_rc WANT OUT ERR ENV args...: mt with stdout in OUT and stderr in ERR;
# fails (showing ERR) unless it exits WANT.
mt_rc() {
    _want=$1 _o=$2 _r=$3; shift 3
    set +e; mt "$@" >"$_o" 2>"$_r"; _rc=$?; set -e
    [ "$_rc" -eq "$_want" ] || fail "$name: $* exited $_rc, not $_want: $(tail -n 5 "$_r")"
}
# graph_del FILE NAME: the MCP server deletes entity NAME (and its relations).
graph_del() {
    python3 - "$@" <<'EOF'
import json, os, sys
path, name = sys.argv[1:3]
out = []
for line in open(path, encoding="utf-8"):
    if not line.strip():
        continue
    o = json.loads(line)
    if (o["type"] == "entity" and o["name"] == name) or \
       (o["type"] == "relation" and name in (o["from"], o["to"])):
        continue
    out.append(line.rstrip("\n"))
with open(path + ".new", "w", encoding="utf-8") as f:
    f.write("\n".join(out))
os.replace(path + ".new", path)
EOF
}
# graph_exact GRAPH DELETED EXPECT...: GRAPH is exactly what the EXPECT
# files added (graph_add's records), less the entity DELETED and its
# relations: the same entities, each with exactly the expected
# observations, none twice; the same relations, none twice. Prints the
# entity and observation counts.
graph_exact() {
    python3 - "$@" <<'EOF'
import json, sys
graph, deleted, expects = sys.argv[1], sys.argv[2], sys.argv[3:]
want_e, want_r = {}, set()
for path in expects:
    for line in open(path, encoding="utf-8"):
        o = json.loads(line)
        if o["type"] == "entity":
            want_e.setdefault(o["name"], set()).update(o["observations"])
        else:
            want_r.add((o["from"], o["to"], o["relationType"]))
want_e.pop(deleted, None)
want_r = {r for r in want_r if deleted not in r[:2]}
got_e, got_r, bad = {}, set(), []
for line in open(graph, encoding="utf-8"):
    if not line.strip():
        continue
    o = json.loads(line)
    if o["type"] == "entity":
        if o["name"] in got_e:
            bad.append("entity %r twice" % o["name"])
        if len(set(o["observations"])) != len(o["observations"]):
            bad.append("entity %r has an observation twice" % o["name"])
        got_e[o["name"]] = set(o["observations"])
    else:
        k = (o["from"], o["to"], o["relationType"])
        if k in got_r:
            bad.append("relation %r twice" % (k,))
        got_r.add(k)
for n in sorted(set(want_e) - set(got_e)):
    bad.append("entity %r lost" % n)
for n in sorted(set(got_e) - set(want_e)):
    bad.append("entity %r should not be there" % n)
for n in sorted(set(want_e) & set(got_e)):
    if want_e[n] != got_e[n]:
        bad.append("entity %r: observations %r, want %r" % (n, sorted(got_e[n]), sorted(want_e[n])))
for r in sorted(want_r ^ got_r):
    bad.append("relation %r %s" % (r, "lost" if r in want_r else "should not be there"))
for b in bad[:20]:
    print(b, file=sys.stderr)
if bad:
    sys.exit(1)
print(len(got_e), sum(len(v) for v in got_e.values()))
EOF
}
# peer_frag ROUND: the peer's own fragment as it publishes it in ROUND (1:
# P1; 2: P1 gains an observation, P2 appears), recorded in exp-p.
peer_frag() {
    {
        printf '{"type":"entity","name":"P1","entityType":"peer","observations":["p one"%s]}\n' \
            "$([ "$1" -ge 2 ] && echo ',"p one, later"')"
        [ "$1" -lt 2 ] || printf '{"type":"entity","name":"P2","entityType":"peer","observations":["p two"]}\n'
        [ "$1" -lt 2 ] || printf '{"type":"relation","from":"P2","to":"Hub","relationType":"watches"}\n'
    } >"$T/peer/memory-p.json"
    cp "$T/peer/memory-p.json" "$T/exp-p"
}
peer_push() {
    git -C "$T/peer" add -A
    git -C "$T/peer" commit -qm "$1"
    git -C "$T/peer" push -q origin HEAD:main
}

# build_history: the healthy history, then the unmerged exports of b and c;
# the peer's clone is up to date and its fragment ready for round 2. Built
# once in $TOP/template; every case starts from a copy of it.
build_history() {
    name=template T=$TOP/template; mkdir -p "$T"; cd "$T"
    new_remote
    for e in a b c; do mt_rc 0 "$T/out" "$T/err" $e init "$T/remote.git"; done
    git clone -q -b main "$T/remote.git" "$T/peer"
    for e in a b c; do graph_add "$T/$e.json" $e 1 "$T/exp-$e"; done
    for e in a b c; do mt_rc 0 "$T/out" "$T/err" $e sync; done
    git -C "$T/peer" pull -q --ff-only origin main
    peer_frag 1
    peer_push "p publishes its fragment"
    for e in a b c; do graph_add "$T/$e.json" $e 2 "$T/exp-$e"; done
    for e in a b c a; do mt_rc 0 "$T/out" "$T/err" $e sync; done
    rgraph memory.json
    graph_exact "$T/rg.json" none "$T"/exp-* >/dev/null || fail "the healthy history is not whole"
    # not merged yet when the bad commit lands: b's round 3, c's deletion
    graph_add "$T/b.json" b 3 "$T/exp-b"
    mt_rc 0 "$T/out" "$T/err" b export
    graph_del "$T/c.json" c-r1
    mt_rc 0 "$T/out" "$T/err" c export
    git -C "$T/peer" pull -q --ff-only origin main
    peer_frag 2
}

# scenario NAME: a copy of the template history in $TOP/NAME, every clone
# pointed at the copy's own remote (the local lock files, which name the
# template's folder, go: no run holds them).
scenario() {
    name=$1 T=$TOP/$1
    cp -a "$TOP/template" "$T"
    cd "$T"
    for c in clone-a clone-b clone-c peer; do
        git -C "$T/$c" remote set-url origin "$T/remote.git"
        rm -f "$T/$c/.git/memtui.lock"
    done
    # nothing memtui reads names the template (the fetch logs, FETCH_HEAD,
    # the audit log and saved outputs may)
    ! grep -ls "$TOP/template" "$T"/*/.git/config "$T"/*/.git/memtui* | grep -v 'memtui\.log' ||
        fail "$name: the copy still names the template"
}

# attack NAME: after the peer pushed its bad commit ($T/peer's HEAD): c
# (fast-forwarded by hand) sees it in status, a's sync repairs it, then
# every env syncs cleanly and memory.json is exactly the merge. WHAT is the
# word status and the warning use ("corrupt" memory.json, "invalid" manifest).
attack() {
    name=$1 part=$2
    bad=$(git -C "$T/peer" rev-parse HEAD)
    short=$(echo "$bad" | cut -c1-12)
    git -C "$T/clone-c" pull -q --ff-only origin main
    mt_rc 6 "$T/st.out" "$T/st.err" c status
    grep -q "$short" "$T/st.out" "$T/st.err" || fail "$name: status does not name the bad commit: $(cat "$T/st.out" "$T/st.err")"
    grep -qi "will be rebuilt\|stands in" "$T/st.out" "$T/st.err" || fail "$name: status does not say what the merge will do: $(cat "$T/st.out" "$T/st.err")"
    mt_rc 6 "$T/st.json" "$T/st.err" c status --json
    [ "$(json "$T/st.json" "j['repair']['$part']")" != ok ] || fail "$name: status --json does not report $part: $(cat "$T/st.json")"
    [ "$(json "$T/st.json" "j['repair']['bad_commit']")" = "$bad" ] || fail "$name: status --json names the wrong commit: $(cat "$T/st.json")"
    [ "$(json "$T/st.json" "j['repair']['rebuilt']")" = False ] || fail "$name: status claims a rebuild: $(cat "$T/st.json")"
    mt_rc 1 "$T/out" "$T/err" c verify
    if [ "$part" = memory_json ]; then  # never imported into the MCP server's file
        cp "$T/c.json" "$T/c.before"
        mt_rc 1 "$T/out" "$T/err" c import
        grep -q corrupt "$T/err" || fail "$name: import does not say why it refused: $(cat "$T/err")"
        cmp -s "$T/c.json" "$T/c.before" || fail "$name: import wrote the bad memory.json into c's file"
    fi
    off=$(size_of "$T/clone-a/.git/memtui.log")
    mt_rc 6 "$T/sync.json" "$T/sync.err" a sync --json
    grep -q "$short" "$T/sync.err" || fail "$name: the sync's warning does not name the bad commit: $(cat "$T/sync.err")"
    [ "$(json "$T/sync.json" "j['repair']['$part']")" != ok ] || fail "$name: sync --json does not report $part: $(cat "$T/sync.json")"
    [ "$(json "$T/sync.json" "(j['repair']['bad_commit'], j['repair']['rebuilt'])")" = "('$bad', True)" ] ||
        fail "$name: sync --json repair record: $(json "$T/sync.json" "j['repair']")"
    tail -c +$((off + 1)) "$T/clone-a/.git/memtui.log" | grep '"event":"repair"' | grep -q "$bad" ||
        fail "$name: the audit log has no repair event naming $bad"
    mt_rc 0 "$T/out" "$T/err" a verify
    for e in b c a; do
        mt_rc 0 "$T/again.out" "$T/again.err" $e sync
        ! grep -qi "corrupt\|invalid\|$short\|repair" "$T/again.err" "$T/again.out" ||
            fail "$name: the sync of $e after the repair warns again: $(cat "$T/again.err")"
    done
    mt_rc 0 "$T/out" "$T/err" b status
    rgraph memory.json
    counts=$(graph_exact "$T/rg.json" c-r1 "$T"/exp-*) || fail "$name: memory.json is not the merge of every fragment"
    # what each env exported, counted: 3 envs' rounds (b has 3), their
    # -base entities, Hub, the peer's two; c-r1 deleted
    [ "$counts" = "$(graph_exact "$T/b.json" c-r1 "$T"/exp-*)" ] || fail "$name: b's local file differs from the merge"
    ents=${counts% *}
    [ "$ents" -eq $((2 + 3 + 2 - 1 + 3 + 1 + 2)) ] || fail "$name: $ents entities in memory.json"
    for e in a b c; do cmp -s "$T/$e.json" "$T/rg.json" || fail "$name: $e's local file is not the merge"; done
    valid_jsonl "$T/rg.json" || fail "$name: memory.json is not valid JSONL"
    echo "ok: $name ($counts entities/observations)"
}

# memory_bad NAME CONTENT-SCRIPT: the peer overwrites memory.json with what
# the python snippet prints (given the current text as `old`).
memory_bad() {
    python3 -c "import sys; old = open(sys.argv[1], encoding='utf-8').read(); sys.stdout.write($2)" \
        "$T/peer/memory.json" >"$T/peer/memory.json.new"
    mv "$T/peer/memory.json.new" "$T/peer/memory.json"
}
# manifest_edit EXPR: the peer rewrites the manifest m (a dict) in place.
manifest_edit() {
    python3 - "$T/peer/.memtui/manifest.json" "$1" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
exec(sys.argv[2])
open(sys.argv[1], "w").write(json.dumps(m, indent=2) + "\n")
EOF
}

(build_history) || exit 1

# ---- memory.json ----------------------------------------------------------
(
    scenario markers
    memory_bad markers "'<<<<<<< HEAD\n' + old[:len(old)//2] + '\n=======\n' + old[len(old)//2:] + '\n>>>>>>> theirs\n'"
    peer_push "merge remote-tracking branch (conflicts fixed by hand)"
    attack markers memory_json
)
(
    scenario garbage
    memory_bad garbage "'\x00\x01 this is not json {{{\n' * 40"
    peer_push "oops"
    attack garbage memory_json
)
(
    scenario empty
    : >"$T/peer/memory.json"
    peer_push "start afresh"
    attack empty memory_json
)
(
    # valid JSONL that drops half of the graph, with the manifest's blob
    # updated to match it but its SHA-256 and counts left as they were
    scenario lossy
    memory_bad lossy "'\n'.join(old.split('\n')[::2])"
    blob=$(git -C "$T/peer" hash-object memory.json)
    manifest_edit "m['output']['blob'] = '$blob'"
    peer_push "trim the graph"
    attack lossy memory_json
)

# ---- the manifest ------------------------------------------------------------
(
    scenario manifest-garbage
    printf '{"fragments": [ this is not json\n' >"$T/peer/.memtui/manifest.json"
    peer_push "edit the manifest"
    attack manifest-garbage manifest
)
(
    scenario manifest-empty
    : >"$T/peer/.memtui/manifest.json"
    peer_push "empty the manifest"
    attack manifest-empty manifest
)
(
    # b's last merged fragment (its M_e, needed for its unmerged export)
    # becomes a blob nobody has
    scenario manifest-noblob
    manifest_edit "[f.update(blob='0123456789abcdef0123456789abcdef01234567') for f in m['fragments'] if f['env'] == 'b']"
    peer_push "point b at nothing"
    attack manifest-noblob manifest
)
(
    # memory.json is what was merged, but the manifest's record of it lies
    scenario manifest-counts
    manifest_edit "m['output']['sha256'] = '0' * 64; m['output']['entities'] += 5"
    peer_push "recount"
    attack manifest-counts manifest
)

(
    # an environment that left, as no memtui names one: control bytes that
    # would reach a terminal, and a path out of the folder
    scenario manifest-envname
    manifest_edit "f = dict(m['fragments'][0]); f['env'] = 'gone\x1b]0;PWNED\x07\x1b[2J/../../x'; m['fragments'].append(f)"
    peer_push "a fragment that left"
    attack manifest-envname manifest
    esc=$(printf '\033')
    ! grep -lF "$esc" "$T"/*.out "$T"/*.err "$T"/*.json >/dev/null 2>&1 || fail "manifest-envname: a raw ESC was printed"
)

# ---- no verified merge in the history ------------------------------------------
(
    # a repo from before manifests: its memory.json is U, as it always was
    name=legacy T=$TOP/legacy; mkdir -p "$T"; cd "$T"
    new_remote
    mt_rc 0 "$T/out" "$T/err" a init "$T/remote.git"
    git clone -q -b main "$T/remote.git" "$T/peer"
    printf '{"type":"entity","name":"Old","entityType":"x","observations":["kept"]}\n' >"$T/peer/memory.json"
    peer_push "memory.json from the old scripts"
    graph_add "$T/a.json" a 1 "$T/exp-a"
    mt_rc 0 "$T/out" "$T/err" a sync
    ! grep -qi "corrupt\|invalid" "$T/err" || fail "legacy: a memory.json without a manifest is reported: $(cat "$T/err")"
    rgraph memory.json
    graph_exact "$T/rg.json" none "$T/exp-a" "$T/peer/memory.json" >/dev/null || fail "legacy: the old memory.json is not merged in"
    # garbage before any merge: U is empty, the fragments are merged
    name=legacy-garbage T=$TOP/legacy-garbage; mkdir -p "$T"; cd "$T"
    new_remote
    mt_rc 0 "$T/out" "$T/err" a init "$T/remote.git"
    git clone -q -b main "$T/remote.git" "$T/peer"
    printf '<<<<<<< HEAD\nnot a graph\n' >"$T/peer/memory.json"
    peer_push "garbage"
    bad=$(git -C "$T/peer" rev-parse HEAD)
    graph_add "$T/a.json" a 1 "$T/exp-a"
    mt_rc 6 "$T/out" "$T/err" a sync --json
    [ "$(json "$T/out" "(j['repair']['bad_commit'], j['repair']['verified_commit'])")" = "('$bad', None)" ] ||
        fail "legacy-garbage: repair record: $(cat "$T/out")"
    mt_rc 0 "$T/out" "$T/err" a sync
    rgraph memory.json
    graph_exact "$T/rg.json" none "$T/exp-a" >/dev/null || fail "legacy-garbage: memory.json is not a's graph"
    echo "ok: legacy"
)
