#!/bin/sh
# Throughput on real sessions: the streams captured from Debian's smtpd
# by the end-to-end tests (tests/streams/e2e-*.stream), replayed N times
# (default 3000) through ./filter-jsonlog into a file.  Prints events/s
# and the average record size (FILTER=path: another build).  Not a test:
# it never fails on a timing.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
n=${1:-3000}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fj-replay.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
i=0
while [ "$i" -lt "$n" ]; do
	cat "$top"/tests/streams/e2e-ehlo.stream \
	    "$top"/tests/streams/e2e-rcpt.stream \
	    "$top"/tests/streams/e2e-rset.stream \
	    "$top"/tests/streams/e2e-relay.stream
	i=$((i + 1))
done | grep '^report|' > "$tmp/stream"
events=$(wc -l < "$tmp/stream")
python3 - "${FILTER:-$top/filter-jsonlog}" "$tmp/stream" "$tmp/out.json" "$events" <<'PY'
import os, subprocess, sys, time
prog, stream, out, events = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
best = None
for _ in range(3):
    if os.path.exists(out):
        os.unlink(out)
    t = time.monotonic()
    cat = subprocess.Popen(["cat", stream], stdout=subprocess.PIPE)
    subprocess.run([prog, "-o", out], stdin=cat.stdout,
                   stderr=subprocess.DEVNULL, check=True)
    cat.wait()
    dt = time.monotonic() - t
    best = dt if best is None or dt < best else best
size = os.path.getsize(out)
with open(out, "rb") as f:
    lines = sum(1 for _ in f)
print("replay: %d events, best of 3: %.2f s, %d events/s, %.0f bytes a record"
      % (events, best, events / best, (size - lines) / lines))
PY
