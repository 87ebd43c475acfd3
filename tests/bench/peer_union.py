#!/usr/bin/env python3
"""The obvious merge in Python, a peer for the merge benchmark: parse every
line of every file given (MCP memory JSONL) with the json module and union
them by name: an entity's observations are the union of every file's, in
first-seen order; relations are deduplicated. Prints the counts, so the
work cannot be skipped. This is what the original sync scripts did; it is
not a 3-way merge (a deletion is lost), only the cost of reading and
joining the same bytes."""
import json
import sys


def main(paths):
    entities, relations = {}, set()
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                o = json.loads(line)
                if o.get("type") == "entity":
                    e = entities.get(o["name"])
                    if e is None:
                        entities[o["name"]] = {"type": o.get("entityType"),
                                               "obs": dict.fromkeys(o.get("observations", []))}
                    else:
                        e["obs"].update(dict.fromkeys(o.get("observations", [])))
                elif o.get("type") == "relation":
                    relations.add((o["from"], o["to"], o["relationType"]))
    obs = sum(len(e["obs"]) for e in entities.values())
    print("entities=%d relations=%d observations=%d" % (len(entities), len(relations), obs))


if __name__ == "__main__":
    main(sys.argv[1:])
