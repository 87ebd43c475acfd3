# Symlinks and paths (DESIGN 1.3): anyone who can push to the backup repo
# is untrusted, and so is whatever sits in this machine's clone. A fragment,
# memory.json or .memtui/ that is a symlink (git mode 120000) or not a
# regular file at all, committed by a peer or put in the clone on disk, is
# never read or written through: memtui never reads a file outside the repo
# into the graph (nor pushes it), never writes outside the repo, reports the
# fragment quarantined, writes its own files back as real files, and the
# fleet keeps working. Each case checks that the files outside are
# byte-identical, that no object of the remote holds the secret, and that
# the next normal sync succeeds.
. "$TESTS_DIR/lib.sh"
TOP=$T

ent() {
    n=$1 ty=$2; shift 2
    o=""; for x in "$@"; do o="$o${o:+,}\"$x\""; done
    printf '{"type":"entity","name":"%s","entityType":"%s","observations":[%s]}\n' "$n" "$ty" "$o"
}
# add_obs ENV NAME OBS: what ENV's MCP server does when told NAME gained
# OBS: the rest of its graph stays.
add_obs() {
    python3 - "$T/$1.json" "$2" "$3" <<'EOF'
import json, sys
path, name, obs = sys.argv[1:]
lines = [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]
for o in lines:
    if o.get("type") == "entity" and o["name"] == name:
        o["observations"].append(obs)
with open(path, "w", encoding="utf-8") as f:
    f.write("\n".join(json.dumps(o, separators=(",", ":")) for o in lines))
EOF
}
# scenario NAME: a fresh directory with a remote, envs a and b in step, and
# files outside the repo that no run may touch: a secret graph (valid MCP
# JSONL, as another memory file would be), a plain file, a folder with a
# manifest.json. Call inside a subshell.
scenario() {
    T=$TOP/$1; mkdir -p "$T"; cd "$T"
    git init -q --bare "$T/remote.git"
    for e in a b; do expect_rc 0 mt $e init "$T/remote.git" >/dev/null; done
    ent A thing "a1" >"$T/a.json"
    ent B thing "b1" >"$T/b.json"
    for e in a b a; do expect_rc 0 mt $e sync >/dev/null 2>&1; done
    O=$T/outside
    mkdir -p "$O/dir"
    ent SECRET private "s3cr3t-token-$1" >"$O/.secret.jsonl"
    printf 'precious text outside the repo\n' >"$O/target.txt"
    printf '{"outside":"manifest"}\n' >"$O/dir/manifest.json"
    cp -a "$O" "$T/outside.orig"
}
# outside_intact WHEN: every file outside is as it was, nothing was added.
outside_intact() {
    diff -r --no-dereference "$T/outside.orig" "$T/outside" >"$T/outside.diff" 2>&1 ||
        fail "$1: a file outside the repo was changed: $(cat "$T/outside.diff")"
}
# no_secret_in_remote WHEN: no object of the remote (reachable or not) holds it.
no_secret_in_remote() {
    ! git --git-dir="$T/remote.git" cat-file --batch-all-objects --batch | grep -q "s3cr3t-token" ||
        fail "$1: the secret from outside the repo reached the remote"
}
# peer: a clone of the remote's main by an untrusted peer, with the git CLI.
peer() {
    rm -rf "$T/peer"
    git clone -q -b main "$T/remote.git" "$T/peer"
}
# peer_link PATH TARGET: the peer replaces PATH (file or folder) with a
# symlink to TARGET, commits and pushes.
peer_link() {
    peer
    rm -r "$T/peer/$1"
    ln -s "$2" "$T/peer/$1"
    peer_push "$1 is a link"
}
peer_push() {
    git -C "$T/peer" add -A
    git -C "$T/peer" commit -qm "$1"
    git -C "$T/peer" push -q origin HEAD:main
}
# mode_at PATH: the git mode of PATH at the remote's main
mode_at() { git --git-dir="$T/remote.git" ls-tree main -- "$1" | cut -d' ' -f1; }
main_graph() { git --git-dir="$T/remote.git" show main:memory.json; }
# fleet_works WHEN: a normal change by b reaches the remote (every sync exits
# 0 once the odd entries are gone) and a takes it in.
fleet_works() {
    add_obs b B "b after $1"
    expect_rc 0 mt b sync >/dev/null 2>"$T/fleet.err"
    expect_rc 0 mt a sync >/dev/null 2>>"$T/fleet.err"
    main_graph | grep -q "b after $1" || fail "$1: the next normal sync did not publish: $(cat "$T/fleet.err")"
    grep -q "b after $1" "$T/a.json" || fail "$1: the next normal sync did not reach a"
}

# ---- 1. a peer's fragment is a symlink to a file outside the repo ----------
case_fragment_link() {
    scenario fragment-link
    peer
    ln -s "$O/.secret.jsonl" "$T/peer/memory-evil.json"
    peer_push "evil fragment"
    set +e; mt a --json diff >"$T/diff.out" 2>"$T/diff.err"; set -e
    ! grep -q "s3cr3t" "$T/diff.out" "$T/diff.err" || fail "fragment-link: diff showed the file the link points to"
    add_obs a A "a2"
    set +e; mt a --json sync >"$T/out" 2>"$T/err"; rc=$?; set -e
    outside_intact fragment-link
    no_secret_in_remote fragment-link
    ! grep -q "s3cr3t" "$T/out" "$T/err" "$T/a.json" || fail "fragment-link: the linked file was read into the graph"
    [ "$rc" = 6 ] || fail "fragment-link: sync exited $rc, not 6 (degraded): $(cat "$T/err")"
    grep "memory-evil.json" "$T/err" | grep -q "symlink" ||
        fail "fragment-link: the message does not name the fragment as a symlink: $(cat "$T/err")"
    [ "$(json "$T/out" '[f["status"] for f in j["fragments"] if f["env"] == "evil"][0]')" = quarantined ] ||
        fail "fragment-link: memory-evil.json is not reported quarantined"
    main_graph | grep -q '"a2"' || fail "fragment-link: a's own edit was not merged"
    # the peer takes the link away: the fleet is back to exit 0
    peer
    git -C "$T/peer" rm -q memory-evil.json
    peer_push "evil fragment gone"
    fleet_works fragment-link
    outside_intact fragment-link
}

# ---- 2. a folder and a submodule named like fragments -----------------------
case_fragment_not_file() {
    scenario fragment-not-file
    peer
    mkdir "$T/peer/memory-x.json"
    ent X thing "from inside a folder" >"$T/peer/memory-x.json/memory.json"
    git -C "$T/peer" add memory-x.json
    git -C "$T/peer" update-index --add --cacheinfo "160000,$(git -C "$T/peer" rev-parse HEAD),memory-sub.json"
    git -C "$T/peer" commit -qm "a folder and a submodule"
    git -C "$T/peer" push -q origin HEAD:main
    set +e; mt a --json sync >"$T/out" 2>"$T/err"; rc=$?; set -e
    [ "$rc" = 6 ] || fail "fragment-not-file: sync exited $rc, not 6 (degraded): $(cat "$T/err")"
    grep "memory-x.json" "$T/err" | grep -q "not a regular file" ||
        fail "fragment-not-file: the folder memory-x.json is not reported: $(cat "$T/err")"
    grep "memory-sub.json" "$T/err" | grep -q "not a regular file" ||
        fail "fragment-not-file: the submodule memory-sub.json is not reported: $(cat "$T/err")"
    for e in x sub; do
        [ "$(json "$T/out" "[f['status'] for f in j['fragments'] if f['env'] == '$e'][0]")" = quarantined ] ||
            fail "fragment-not-file: memory-$e.json is not reported quarantined"
    done
    ! main_graph | grep -q "from inside a folder" || fail "fragment-not-file: a file inside the folder was merged"
    peer
    git -C "$T/peer" rm -rq memory-x.json memory-sub.json
    peer_push "folder and submodule gone"
    fleet_works fragment-not-file
}

# ---- 3. a peer's memory.json is a symlink to a graph outside ---------------
case_memory_json_link() {
    scenario memory-json-link
    peer_link memory.json "$O/.secret.jsonl"
    add_obs a A "a3"
    expect_rc 0 mt a export >/dev/null 2>"$T/err"
    set +e; mt a merge >"$T/out" 2>>"$T/err"; rc=$?; set -e
    outside_intact memory-json-link
    no_secret_in_remote memory-json-link
    # derived data set aside and rebuilt: the repairing run is degraded (6)
    [ "$rc" = 6 ] || fail "memory-json-link: merge exited $rc, want 6 (rebuilt): $(cat "$T/err")"
    grep "memory.json" "$T/err" | grep -q "symlink" ||
        fail "memory-json-link: the run does not say memory.json is a symlink: $(cat "$T/err")"
    [ "$(mode_at memory.json)" = 100644 ] || fail "memory-json-link: memory.json was not written back as a regular file"
    main_graph | grep -q '"a3"' && main_graph | grep -q '"b1"' ||
        fail "memory-json-link: the merge lost data: $(main_graph)"
    [ ! -L "$T/clone-a/memory.json" ] || fail "memory-json-link: memory.json is still a link in a's clone"
    expect_rc 0 mt a import >/dev/null 2>&1
    outside_intact memory-json-link
    fleet_works memory-json-link
    no_secret_in_remote memory-json-link
}

# ---- 4. this machine's own fragment is a symlink (a peer's commit) ---------
case_own_fragment_link() {
    scenario own-fragment-link
    peer_link memory-a.json "$O/target.txt"
    add_obs a A "a4"
    set +e; mt a sync >"$T/out" 2>"$T/err"; rc=$?; set -e
    outside_intact own-fragment-link
    [ "$rc" = 0 ] || fail "own-fragment-link: sync exited $rc: $(cat "$T/err")"
    [ "$(mode_at memory-a.json)" = 100644 ] || fail "own-fragment-link: memory-a.json was not written back as a regular file"
    git --git-dir="$T/remote.git" show main:memory-a.json | grep -q '"a4"' ||
        fail "own-fragment-link: a's export is not in its fragment"
    main_graph | grep -q '"a4"' || fail "own-fragment-link: a's edit was not merged"
    fleet_works own-fragment-link
    outside_intact own-fragment-link
}

# ---- 5. .memtui/ is a symlink to a folder outside (a peer's commit) --------
case_memtui_dir_link() {
    scenario memtui-dir-link
    peer_link .memtui "$O/dir"
    add_obs a A "a5"
    set +e; mt a sync >"$T/out" 2>"$T/err"; rc=$?; set -e
    outside_intact memtui-dir-link
    # the manifest set aside, the last verified one stands in: degraded (6)
    [ "$rc" = 6 ] || fail "memtui-dir-link: sync exited $rc, want 6 (rebuilt): $(cat "$T/err")"
    grep ".memtui" "$T/err" | grep -q "symlink" ||
        fail "memtui-dir-link: the run does not say .memtui is a symlink: $(cat "$T/err")"
    [ "$(mode_at .memtui)" = 040000 ] && [ "$(mode_at .memtui/manifest.json)" = 100644 ] ||
        fail "memtui-dir-link: the manifest was not written back as a real folder and file"
    main_graph | grep -q '"a5"' && main_graph | grep -q '"b1"' || fail "memtui-dir-link: the merge lost data"
    fleet_works memtui-dir-link
    outside_intact memtui-dir-link
}

# ---- 6. on disk: memtui's files in this machine's clone replaced by links ---
case_disk_links() {
    scenario disk-links
    C=$T/clone-a
    rm "$C/memory.json" "$C/memory-a.json"
    ln -s "$O/.secret.jsonl" "$C/memory.json"
    ln -s "$O/target.txt" "$C/memory-a.json"
    add_obs b B "b6"
    expect_rc 0 mt b sync >/dev/null 2>&1
    add_obs a A "a6"
    set +e; mt a sync >"$T/out" 2>"$T/err"; rc=$?; set -e
    outside_intact disk-links
    no_secret_in_remote disk-links
    [ "$rc" = 0 ] || fail "disk-links: sync exited $rc: $(cat "$T/err")"
    grep "memory.json" "$T/err" | grep -q "symlink" ||
        fail "disk-links: the run does not say memory.json is a symlink: $(cat "$T/err")"
    main_graph | grep -q '"a6"' && main_graph | grep -q '"b6"' || fail "disk-links: the sync did not merge"
    [ ! -L "$C/memory.json" ] && [ ! -L "$C/memory-a.json" ] || fail "disk-links: a link is left in the clone"
    fleet_works disk-links
    outside_intact disk-links
}
case_disk_memtui_dir() {
    scenario disk-memtui-dir
    C=$T/clone-a
    rm -r "$C/.memtui"
    ln -s "$O/dir" "$C/.memtui"
    add_obs a A "a7"
    set +e; mt a sync >"$T/out" 2>"$T/err"; rc=$?; set -e
    outside_intact disk-memtui-dir
    [ "$rc" = 0 ] || fail "disk-memtui-dir: sync exited $rc: $(cat "$T/err")"
    [ ! -L "$C/.memtui" ] || fail "disk-memtui-dir: .memtui is still a link in the clone"
    main_graph | grep -q '"a7"' || fail "disk-memtui-dir: the sync did not merge"
    fleet_works disk-memtui-dir
    outside_intact disk-memtui-dir
}
# An operator's own tracked file replaced on disk by a link: stashing it
# would make libgit2 write HEAD's bytes through it, so the run refuses,
# touching nothing, until the file is back.
case_disk_user_file() {
    scenario disk-user-file
    C=$T/clone-a
    echo "operator notes" >"$C/NOTES.txt"
    git -C "$C" add NOTES.txt
    git -C "$C" commit -qm "operator notes"
    git -C "$C" push -q origin HEAD:main
    rm "$C/NOTES.txt"
    ln -s "$O/target.txt" "$C/NOTES.txt"
    add_obs a A "a8"
    set +e; mt a sync >"$T/out" 2>"$T/err"; rc=$?; set -e
    outside_intact disk-user-file
    [ "$rc" = 1 ] || fail "disk-user-file: sync exited $rc, not 1: $(cat "$T/err")"
    grep "NOTES.txt" "$T/err" | grep -q "symlink" || fail "disk-user-file: the refusal does not name the link: $(cat "$T/err")"
    [ -L "$C/NOTES.txt" ] && [ -z "$(git -C "$C" stash list)" ] || fail "disk-user-file: the work tree was touched"
    rm "$C/NOTES.txt"
    git -C "$C" checkout -- NOTES.txt
    fleet_works disk-user-file
    main_graph | grep -q '"a8"' || fail "disk-user-file: a's edit was not merged once the file was back"
    outside_intact disk-user-file
}
# A machine that joins finds a link where its fragment will go, kept out of
# git's sight (info/exclude), so no stash takes it away first.
case_disk_joining() {
    scenario disk-joining
    expect_rc 0 mt c init "$T/remote.git" >/dev/null
    ln -s "$O/target.txt" "$T/clone-c/memory-c.json"
    echo "memory-c.json" >>"$T/clone-c/.git/info/exclude"
    ent C thing "c1" >"$T/c.json"
    set +e; mt c export >"$T/out" 2>"$T/err"; rc=$?; set -e
    outside_intact disk-joining
    [ "$rc" = 0 ] || fail "disk-joining: export exited $rc: $(cat "$T/err")"
    git --git-dir="$T/remote.git" show main:memory-c.json | grep -q '"c1"' || fail "disk-joining: c's export is not on the remote"
    [ "$(mode_at memory-c.json)" = 100644 ] || fail "disk-joining: memory-c.json is not a regular file"
    expect_rc 0 mt c sync >/dev/null 2>&1
    outside_intact disk-joining
}
# Every case runs in its own subshell; CASES="name ..." runs only those.
for c in ${CASES:-fragment_link fragment_not_file memory_json_link own_fragment_link memtui_dir_link disk_links disk_memtui_dir disk_user_file disk_joining}; do
    (case_$c)
done
echo "symlinks: ok"
