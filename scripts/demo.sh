#!/bin/sh
# make demo: a demo backup repo with a local bare remote and three
# environments made by the fragment generator, synced, then its status.
set -eu
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(cd "$(dirname "$0")/.." && pwd)
gen="$root/../shared/tools/gen-fragments.py"
demo="$root/demo"
rm -rf "$demo"
mkdir -p "$demo"
cd "$demo"
git init -q --bare remote.git
python3 "$gen" --out frags --envs 3 --entities 200 --seed 7
for i in 0 1 2; do
    env="env$i"
    "$bin" --batch --repo "clone-$env" --env "$env" --memory-file "$demo/local-$env.json" init "$demo/remote.git" >/dev/null
    cp frags/base.json "local-$env.json"
    "$bin" --batch --repo "clone-$env" --env "$env" --memory-file "$demo/local-$env.json" sync >/dev/null 2>&1
done
echo "demo: three environments make their own edits and sync"
for i in 0 1 2; do
    env="env$i"
    cp "frags/memory-$env.json" "local-$env.json"
    "$bin" --batch --repo "clone-$env" --env "$env" --memory-file "$demo/local-$env.json" sync 2>/dev/null || true
done
# one more round so every clone and local file has the final graph
for i in 0 1 2; do
    env="env$i"
    "$bin" --batch --repo "clone-$env" --env "$env" --memory-file "$demo/local-$env.json" sync >/dev/null 2>&1 || true
done
# In a terminal the demo opens the workstation; elsewhere (CI, pipes) it
# prints the batch status instead.
if [ -t 0 ] && [ -t 1 ]; then
    exec "$bin" --repo "$demo/clone-env0" --env env0 --memory-file "$demo/local-env0.json"
fi
echo
echo "== memtui --batch status (demo repo in $demo/clone-env0)"
"$bin" --batch --repo clone-env0 --env env0 --memory-file "$demo/local-env0.json" status | head -n 40
