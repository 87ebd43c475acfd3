# The obvious merge in jq, a peer for the merge benchmark (tests/bench/run.sh):
# every entity of every input, grouped by name, observations united;
# relations deduplicated. Counts are printed so the work cannot be skipped.
# group_by sorts: a reduce into an object is quadratic in jq 1.6.
[inputs] as $all
| ($all | map(select(.type == "entity")) | group_by(.name)
        | map({name: .[0].name, entityType: .[0].entityType, observations: (map(.observations[]) | unique)})) as $e
| ($all | map(select(.type == "relation") | [.from, .to, .relationType]) | unique) as $r
| "entities=\($e | length) relations=\($r | length) observations=\([$e[] | .observations | length] | add // 0)"
