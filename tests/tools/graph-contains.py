#!/usr/bin/env python3
"""Check that graph files hold everything a report says was created.

    graph-contains.py REPORT FILE...

REPORT is the JSON report of mcp-race.mjs: {"entities": {name: [obs...]},
"relations": [[from, to, type], ...], ...}. Each FILE is a graph in the MCP
memory server's JSONL format (a local memory file, memory.json of the
repo); "-" reads standard input. For every FILE, prints one line with the
number of entities, observations and relations of the report that it lacks
(the observations of a missing entity count as missing too) and the first
few missing items; then one line with the number of report items missing
from at least one FILE. Exit status: 0 when nothing is missing anywhere,
1 when something is, 2 on bad arguments or an unreadable file.
"""
import json
import sys


def load_graph(path):
    data = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()
    ents, rels = {}, set()
    for n, line in enumerate(data.split("\n"), 1):
        if not line.strip():
            continue
        try:
            o = json.loads(line)
        except ValueError as e:
            raise SystemExit("graph-contains: %s line %d is not JSON: %s" % (path, n, e)) from None
        if o.get("type") == "entity":
            ents.setdefault(o["name"], set()).update(o.get("observations") or [])
        elif o.get("type") == "relation":
            rels.add((o["from"], o["to"], o["relationType"]))
    return ents, rels


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    try:
        report = json.load(open(argv[1], encoding="utf-8"))
    except (OSError, ValueError) as e:
        print("graph-contains: cannot read report %s: %s" % (argv[1], e), file=sys.stderr)
        return 2
    want_e = report.get("entities", {})
    want_r = [tuple(r) for r in report.get("relations", [])]
    n_obs = sum(len(v) for v in want_e.values())
    lost_any = set()
    for path in argv[2:]:
        try:
            ents, rels = load_graph(path)
        except OSError as e:
            print("graph-contains: cannot read %s: %s" % (path, e), file=sys.stderr)
            return 2
        miss_e, miss_o, miss_r, examples = 0, 0, 0, []
        for name, obs in want_e.items():
            have = ents.get(name)
            if have is None:
                miss_e += 1
                miss_o += len(obs)
                lost_any.add(("e", name))
                lost_any.update(("o", name, x) for x in obs)
                examples.append("entity %r" % name)
                continue
            for x in obs:
                if x not in have:
                    miss_o += 1
                    lost_any.add(("o", name, x))
                    examples.append("observation %r of %r" % (x, name))
        for r in want_r:
            if r not in rels:
                miss_r += 1
                lost_any.add(("r",) + r)
                examples.append("relation %r" % (r,))
        print("%s: missing entities=%d/%d observations=%d/%d relations=%d/%d%s" % (
            path, miss_e, len(want_e), miss_o, n_obs, miss_r, len(want_r),
            (" (first: %s)" % "; ".join(examples[:3])) if examples else ""))
    print("missing from at least one file: %d" % len(lost_any))
    return 1 if lost_any else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
