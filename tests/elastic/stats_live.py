#!/usr/bin/env python3
"""Self-statistics records of a run in which things went wrong, for the
Self-statistics dashboard's panels (dropped records, expired sessions),
which the other runs of the suite never make non-zero.

    python3 tests/elastic/stats_live.py FILTER OUT.json

Runs the real filter with -i 1 into a FIFO that nobody reads at first (an
output that hangs): the filter waits for it once, then drops what does
not fit in its 8 MB; the FIFO is then read, and the filter writes again.
The session timeout of the handshake is 1 s, so sessions idle for 4 s by
both clocks expire.  OUT.json gets every record the filter wrote; the
last line of stdout is `ok - ...` when the last stats record has dropped
and expired sessions, `FAIL - ...` otherwise (exit status 1).  About 10 s.
"""

import json
import os
import subprocess
import sys
import tempfile
import threading
import time

FILTER, OUT = sys.argv[1], sys.argv[2]

HS = (b"config|smtpd-version|7.6.0\n"
      b"config|smtp-session-timeout|1\n"
      b"config|subsystem|smtp-in\n"
      b"config|ready\n")
T0 = 1700000000


def line(ts_us, event, sid, *fields):
    ts = b"%d.%06d" % (ts_us // 1000000, ts_us % 1000000)
    return b"|".join([b"report", b"0.7", ts, b"smtp-in", event,
                      sid] + list(fields)) + b"\n"


def connect(ts_us, sid, port):
    return line(ts_us, b"link-connect", sid, b"mx.example.org", b"pass",
                b"192.0.2.7:%d" % port, b"192.0.2.1:25")


def flood(n, ts_us):
    """n protocol-server records of about 1 KB in 8 sessions."""
    body = b"250 " + b"x" * 900
    sids = [b"%016x" % (0x5a00000000000000 + i) for i in range(8)]
    head = b"".join(connect(ts_us, s, 40000 + i) for i, s in enumerate(sids))
    return head + b"".join(line(ts_us + 1 + i, b"protocol-server",
                                sids[i & 7], body) for i in range(n))


def main():
    d = tempfile.mkdtemp(prefix="fj-stats-live.")
    fifo = os.path.join(d, "out.fifo")
    os.mkfifo(fifo, 0o600)
    rfd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # not read, yet
    err = open(os.path.join(d, "stderr"), "wb+")
    proc = subprocess.Popen([FILTER, "-i", "1", "-o", fifo],
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=err)
    copied = []

    def reader():
        os.set_blocking(rfd, True)
        with open(OUT, "wb") as o:
            while True:
                b = os.read(rfd, 1 << 20)
                if not b:
                    break
                o.write(b)
                copied.append(len(b))
    problems = []
    th = None
    try:
        ts = T0 * 1000000
        proc.stdin.write(HS + flood(12000, ts))    # 12 MB: more than 8
        proc.stdin.flush()
        time.sleep(2.0)            # the filter waited 1 s, then dropped
        th = threading.Thread(target=reader)
        th.start()                 # the output comes back
        time.sleep(4.5)            # idle by the monotonic clock too
        proc.stdin.write(connect(ts + 10 * 1000000, b"5b00000000000001",
                                 41000))
        proc.stdin.flush()
        time.sleep(1.5)            # a periodic stats record after that
        proc.stdin.close()
        rc = proc.wait(timeout=30)
        th.join(timeout=30)
    except Exception as e:         # a bug in this test, or a hung filter
        problems.append("the run broke: %r" % e)
        proc.kill()
        proc.wait()
        rc = None
    finally:
        os.close(rfd)
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
        err.close()
        os.unlink(fifo)
        os.unlink(os.path.join(d, "stderr"))
        os.rmdir(d)
    if rc != 0:
        problems.append("filter exit status %s" % rc)
    stats = []
    try:
        with open(OUT, "rb") as f:
            for ln in f:
                r = json.loads(ln)
                if r.get("event", {}).get("dataset") == "opensmtpd.stats":
                    stats.append(r["opensmtpd"]["stats"])
    except (OSError, ValueError) as e:
        problems.append("the records: %r" % e)
    if not stats:
        problems.append("no stats record")
    else:
        last = stats[-1]
        if not last.get("dropped"):
            problems.append("dropped=%r in the last stats record" %
                            last.get("dropped"))
        if not last.get("sessions_expired"):
            problems.append("sessions_expired=%r in the last stats record" %
                            last.get("sessions_expired"))
    what = "stats records of a run with a stuck output and idle sessions"
    if problems:
        print("FAIL - %s: %s (stderr: %s)" % (what, "; ".join(problems),
                                              stderr.strip()[-300:]))
        return 1
    print("ok - %s: %d stats records, the last: dropped %d, sessions "
          "expired %d" % (what, len(stats), last["dropped"],
                          last["sessions_expired"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
