#!/bin/sh
# make demo: a demo backup repo that shows the workstation everything at
# once: three environments (made by the fragment generator) with a local
# bare remote, a pending TYPE conflict and a MODIFY/DELETE conflict, a kept
# stash, a backup branch, and a lease held by another environment. In a
# terminal it opens the workstation on env0; elsewhere it prints the batch
# status. The set-up uses git itself only where a real machine would have
# (another operator's stash, another machine's lease).
set -eu
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(cd "$(dirname "$0")/.." && pwd)
gen="$root/tests/tools/gen-fragments.py"
demo="$root/demo"
rm -rf "$demo"
mkdir -p "$demo"
cd "$demo"
export GIT_AUTHOR_NAME=demo GIT_AUTHOR_EMAIL=demo@localhost GIT_COMMITTER_NAME=demo GIT_COMMITTER_EMAIL=demo@localhost

mt() {  # mt ENV ARGS...: one batch run as environment ENV
    env=$1; shift
    "$bin" --batch --repo "$demo/clone-$env" --env "$env" --memory-file "$demo/local-$env.json" "$@"
}
# edit FILE PY: rewrite an MCP JSONL file line by line; PY sees `o` (the
# parsed line) and may change it, or set `o = None` to delete it.
edit() {
    python3 - "$1" "$2" <<'EOF'
import json, sys
path, code = sys.argv[1], sys.argv[2]
out = []
for line in open(path, encoding="utf-8"):
    if not line.strip():
        continue
    o = json.loads(line)
    exec(code)
    if o is not None:
        out.append(json.dumps(o, ensure_ascii=False, separators=(",", ":")))
open(path, "w", encoding="utf-8").write("\n".join(out) + "\n")
EOF
}

git init -q --bare remote.git
python3 "$gen" --out frags --envs 3 --entities 200 --seed 7 >/dev/null
echo "demo: three environments start from the same graph"
for e in env0 env1 env2; do
    mt $e init "$demo/remote.git" >/dev/null
    cp frags/base.json "local-$e.json"
    mt $e sync >/dev/null 2>&1
done
echo "demo: each makes its own edits and syncs"
for e in env0 env1 env2; do
    cp "frags/memory-$e.json" "local-$e.json"
    mt $e sync >/dev/null 2>&1 || true
done
for e in env0 env1 env2; do mt $e sync >/dev/null 2>&1 || true; done

# env0 works offline: its commit stays local while the others move main.
echo "demo: env0 exports offline while env1 and env2 disagree"
edit local-env0.json 'if o.get("name") == "Omega_0": o["observations"].append("noted offline on env0")'
mt env0 export --no-push >/dev/null 2>&1
# TYPE conflict on River_1 (env1 and env2 retype it differently) and
# MODIFY/DELETE on Omega_0 (env1 deletes it, env2 adds an observation).
edit local-env1.json '
if o.get("name") == "River_1": o["entityType"] = "team"
if o.get("name") == "Omega_0" or "Omega_0" in (o.get("from"), o.get("to")): o = None'
edit local-env2.json '
if o.get("name") == "River_1": o["entityType"] = "repository"
if o.get("name") == "Omega_0": o["observations"].append("東京: still in use 🗼")'
mt env1 export >/dev/null 2>&1
mt env2 export >/dev/null 2>&1
# env0's next run finds main moved under its local commit: the commit is
# kept on memtui/backup/env0/<time> and its export is redone on the new main.
mt env0 export >/dev/null 2>&1

# An operator's hand edit in env0's clone, put aside in a stash as memtui
# does when a sync finds the work tree dirty.
printf '{"type":"entity","name":"Hand edit","entityType":"note","observations":["typed into the clone"]}\n' \
    >>clone-env0/memory.json
git -C clone-env0 stash push -q -m "memtui: env0 $(date -u +%Y-%m-%dT%H:%M:%SZ): uncommitted changes kept before a sync"

# env2's machine holds the git lease (a merge in progress elsewhere): a
# child of the lease chain's tip, as memtui itself writes it.
tip=$(git -C remote.git rev-parse memtui/lease)
token=$(git -C remote.git show memtui/lease:lease.json | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"] + 1)')
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
blob=$(printf '{"env":"env2","host":"env2-laptop","pid":4242,"token":%s,"ttl":300,"state":"held","time":"%s"}\n' \
    "$token" "$now" | git -C remote.git hash-object -w --stdin)
tree=$(printf '100644 blob %s\tlease.json\n' "$blob" | git -C remote.git mktree)
commit=$(git -C remote.git commit-tree "$tree" -p "$tip" -m "lease: held by env2@env2-laptop pid 4242 token $token")
git -C remote.git update-ref refs/heads/memtui/lease "$commit" "$tip"

echo "demo: ready in $demo (env0's clone: 2 pending conflicts, a stash, a backup branch; env2 holds the lease)"
# In a terminal the demo opens the workstation; elsewhere (CI, pipes) it
# prints the batch status instead.
if [ -t 0 ] && [ -t 1 ]; then
    exec "$bin" --repo "$demo/clone-env0" --env env0 --memory-file "$demo/local-env0.json"
fi
echo
echo "== memtui --batch status (demo repo in $demo/clone-env0)"
mt env0 status | head -n 40
