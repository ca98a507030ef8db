#!/usr/bin/env python3
"""Make a large trace from a real one, for throughput measurements.

big-trace.py IN OUT EVENTS [CHANGE]: process 1's subtrees of IN are
repeated under new ids until OUT has at least EVENTS events; the header,
the states and the end record are IN's (with the counts updated).  With
CHANGE, the first event line containing the string CHANGE gets a
different digest, as if that one input had changed.
"""
import json
import re
import sys


def main():
    src, dst, want = sys.argv[1], sys.argv[2], int(sys.argv[3])
    change = sys.argv[4] if len(sys.argv) > 4 else None
    lines = open(src, encoding="utf-8", errors="surrogateescape").read().splitlines()
    header, end = lines[0], lines[-1]
    body = [l for l in lines[1:-1] if not l.startswith('{"state"')]
    states = [l for l in lines[1:-1] if l.startswith('{"state"')]
    root = [l for l in body if re.match(r'\{"(proc|p)":"1"[,}]', l)]
    subtrees = [l for l in body if l not in root]
    tops = sorted({int(m.group(1)) for l in subtrees
                   for m in [re.match(r'\{"(?:proc|p)":"1\.(\d+)', l)] if m})
    width = max(tops) if tops else 1
    out = root[:]
    events = sum(1 for l in out if l.startswith('{"p"'))
    rep = 0
    while events < want and subtrees:
        shift = rep * width
        for l in subtrees:
            l2 = re.sub(r'"(proc|p|parent|child)":"1\.(\d+)',
                        lambda m: '"%s":"1.%d' % (m.group(1), int(m.group(2)) + shift), l)
            out.append(l2)
            if l2.startswith('{"p"'):
                events += 1
        rep += 1
    if change:
        for i, l in enumerate(out):
            if change in l and '"digest":"' in l:
                out[i] = re.sub(r'"digest":"[0-9a-f]', '"digest":"f', l, count=1)
                if out[i] == l:
                    out[i] = re.sub(r'"digest":"[0-9a-f]', '"digest":"0', l, count=1)
                break
    procs = sum(1 for l in out if l.startswith('{"proc"'))
    e = json.loads(end)
    e["processes"], e["events"] = procs, events
    with open(dst, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write(header + "\n")
        for l in out + states:
            f.write(l + "\n")
        f.write(json.dumps(e, separators=(",", ":")) + "\n")
    print("%s: %d processes, %d events" % (dst, procs, events))


main()
