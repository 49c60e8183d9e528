#!/usr/bin/env python3
"""Cut the raw stream of an end-to-end run into one stream per scenario.

Usage: split-streams.py RAW OUTDIR RELAY_PORT [PREFIX [SCENARIO...]]

RAW is what tests/e2e/capture-filter.sh recorded during tests/e2e/run.sh.
For each scenario (all, or those named) it writes
OUTDIR/<PREFIX><scenario>.stream (PREFIX: "e2e-"): the config
handshake, then every line of the sessions that belong to the scenario, in
the order smtpd sent them (sessions of one scenario may interleave).  The
bytes are kept as they are (8-bit, tabs, escapes).

A session belongs to scenario NAME when its HELO/EHLO name starts with
"s-NAME." or "s-NAME-" (client.py and run.sh name them so); "relay" also
takes the smtp-out sessions that carried its message and the smtp-in
sessions on the relay target's port; "socket" takes the sessions on the
local socket.  "concurrent" keeps only the first 10 sessions: enough to
show the interleaving, small enough to keep in the repository.
"""

import os
import re
import sys

SCENARIOS = ["ehlo", "helo", "auth", "rcpt", "rset", "big", "abort", "8bit",
             "manyrcpt", "relay", "socket", "concurrent", "mail2", "tlsplain",
             "tlslogin", "tlsfail"]
CONCURRENT_KEEP = 10


def main():
    raw, outdir, relay_port = sys.argv[1], sys.argv[2], sys.argv[3]
    prefix = sys.argv[4] if len(sys.argv) > 4 else "e2e-"
    wanted = sys.argv[5:] or SCENARIOS
    with open(raw, "rb") as f:
        lines = f.read().split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    config = [l for l in lines if l.startswith(b"config|")]
    reports = []
    for l in lines:
        f = l.split(b"|", 6)
        if f[0] == b"report" and len(f) >= 6:
            reports.append((f[3], f[4], f[5], f[6] if len(f) > 6 else b"",
                            l))

    owner = {}      # session id -> scenario
    order = []      # session ids in order of first appearance
    msgids = {}     # msgid -> scenario (smtp-in transactions)
    for sub, ev, sid, params, _ in reports:
        if sid not in order:
            order.append(sid)
        if ev == b"link-identify" and sub == b"smtp-in":
            name = params.split(b"|", 1)[1].decode("latin-1")
            m = re.match(r"s-([a-z0-9]+)[.-]", name)
            if m and m.group(1) in SCENARIOS:
                owner.setdefault(sid, m.group(1))
        elif ev == b"link-connect" and sub == b"smtp-in":
            p = params.split(b"|")
            if p[2].startswith(b"unix:"):
                owner[sid] = "socket"
            elif p[3].endswith(b":" + relay_port.encode()):
                owner[sid] = "relay"
    for sub, ev, sid, params, _ in reports:
        if sub == b"smtp-in" and ev == b"tx-begin" and sid in owner:
            msgids[params] = owner[sid]
    for sub, ev, sid, params, _ in reports:
        if sub == b"smtp-out" and ev == b"tx-begin" and params in msgids:
            owner[sid] = msgids[params]

    kept = [s for s in order if owner.get(s) == "concurrent"]
    for s in kept[CONCURRENT_KEEP:]:
        del owner[s]

    out = {name: [] for name in SCENARIOS}
    for _, _, sid, _, line in reports:
        if sid in owner:
            out[owner[sid]].append(line)
    for name in wanted:
        if not out[name]:
            sys.stderr.write("split-streams: no session for %s\n" % name)
            continue
        path = os.path.join(outdir, "%s%s.stream" % (prefix, name))
        with open(path, "wb") as f:
            f.write(b"\n".join(config + out[name]) + b"\n")
        print("%s: %d lines" % (path, len(config) + len(out[name])))


if __name__ == "__main__":
    main()
