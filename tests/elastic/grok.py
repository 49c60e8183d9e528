#!/usr/bin/env python3
"""The pipeline's syslog-prefix grok, run by Elasticsearch's grok library.

    python3 tests/elastic/grok.py ENGINE_HOME RECORDS

The test engine has no grok processor (no ingest-common module), but its
lib/ holds Elasticsearch's grok library itself.  This takes the grok
processor tagged syslog-prefix from kibana/elasticsearch/ingest-
pipeline.json, wraps real records (the first lines of RECORDS) in the line
shapes syslog daemons write, runs them through tests/elastic/GrokCheck.java
on that library, and checks what the processor would capture: the record
exactly, and the host, program and pid where the line has them.

Prints "ok ..." / "FAIL ..." lines for run.sh; exit status 0 unless misused.
GROK_PIPELINE=FILE takes the pipeline from FILE (run.sh's mutant).
"""

import glob
import json
import os
import subprocess
import sys

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# (id, prefix, host, program, pid): the record follows the prefix.
SHAPES = [
    ("openbsd-Z", "2026-11-25T10:00:00.123Z mx.example.org filter-jsonlog[4242]: ",
     "mx.example.org", "filter-jsonlog", "4242"),
    ("bsd", "Nov 25 10:00:00 mx filter-jsonlog[4242]: ", "mx", "filter-jsonlog", "4242"),
    ("bsd-day-padded", "Nov  5 10:00:00 mx filter-jsonlog[4242]: ", "mx", "filter-jsonlog", "4242"),
    ("with-pri", "<22>Nov 25 10:00:00 mx filter-jsonlog[4242]: ", "mx", "filter-jsonlog", "4242"),
    ("no-pid", "Nov 25 10:00:00 mx filter-jsonlog: ", "mx", "filter-jsonlog", None),
    ("rfc3339-offset", "2026-11-25T11:00:00.123456+01:00 mx filter-jsonlog[4242]: ",
     "mx", "filter-jsonlog", "4242"),
    ("other-tag", "Nov 25 10:00:00 mx jsonlog-in[7]: ", "mx", "jsonlog-in", "7"),
    ("unknown-prefix", "some relay said: ", None, None, None),
]


def main(argv):
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    home, recfile = argv
    pipeline = json.load(open(os.environ.get("GROK_PIPELINE") or os.path.join(
        TOP, "kibana", "elasticsearch", "ingest-pipeline.json")))
    grok = None
    for p in pipeline["processors"]:
        if "grok" in p and p["grok"].get("tag") == "syslog-prefix":
            grok = p["grok"]
    if grok is None:
        print("FAIL grok: no grok processor tagged syslog-prefix in the pipeline")
        return 0
    if grok.get("ecs_compatibility", "disabled") != "disabled":
        print("FAIL grok: this check runs the legacy pattern bank only")
        return 0
    records = []
    with open(recfile, encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if line:
                records.append(line)
    # A few records, the longest among them too (escapes, long lists).
    picks = records[:3] + sorted(records, key=len)[-2:]
    req = []
    for k, v in grok.get("pattern_definitions", {}).items():
        req.append("DEF\t%s\t%s" % (k, v))
    for p in grok["patterns"]:
        req.append("PAT\t" + p)
    want = {}
    for sid, prefix, host, prog, pid in SHAPES:
        for n, r in enumerate(picks):
            lid = "%s.%d" % (sid, n)
            req.append("LINE\t%s\t%s%s" % (lid, prefix, r))
            want[lid] = (r, host, prog, pid)
    jars = glob.glob(os.path.join(home, "lib", "*.jar"))
    cp = ":".join(j for j in jars if "grok" in j or "joni" in j or "jcodings" in j
                  or "elasticsearch-core" in j or "x-content" in j)
    java = os.path.join(os.environ.get("ES_JAVA_HOME", ""), "bin", "java") \
        if os.environ.get("ES_JAVA_HOME") else "java"
    r = subprocess.run([java, "-cp", cp, os.path.join(TOP, "tests", "elastic", "GrokCheck.java")],
                       input="\n".join(req) + "\n", capture_output=True, text=True)
    if r.returncode != 0:
        print("FAIL grok: GrokCheck.java: %s" % r.stderr.strip()[-500:])
        return 0
    got = {}
    cur = None
    for line in r.stdout.split("\n"):
        if line == "END" or not line:
            cur = None
        elif line.startswith("\t"):
            _, k, v = line.split("\t", 2)
            got[cur][1][k] = v
        else:
            lid, hit = line.split("\t")
            cur = lid
            got[lid] = (int(hit), {})
    for sid, prefix, host, prog, pid in SHAPES:
        bad = []
        for n in range(len(picks)):
            lid = "%s.%d" % (sid, n)
            rec, h, p, i = want[lid]
            hit, caps = got.get(lid, (-1, {}))
            if hit < 0:
                bad.append("record %d: no pattern matches" % n)
                continue
            if caps.get("_tmp_json") != rec:
                bad.append("record %d: record taken as %s" % (n, (caps.get("_tmp_json") or "")[:80]))
            for field, w in (("log.syslog.hostname", h), ("log.syslog.appname", p),
                             ("log.syslog.procid", i)):
                if caps.get(field) != w:
                    bad.append("record %d: %s taken as %s, want %s" % (n, field, caps.get(field), w))
        if bad:
            print("FAIL grok (Elasticsearch's library) on %s lines: %s" % (sid, "; ".join(bad[:3])))
        else:
            print("ok grok (Elasticsearch's library) takes the record%s out of %s lines (%d records)"
                  % (", host, program and pid" if host and pid else
                     (", host and program" if host else ""), sid, len(picks)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
