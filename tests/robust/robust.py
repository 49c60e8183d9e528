#!/usr/bin/env python3
# Adversarial inputs and failing sinks against the real ./filter-jsonlog.
#
# Usage: python3 tests/robust/robust.py BINARY WORKDIR RESULTS [CASE...]
# Each check writes one line to RESULTS: "ok<TAB>name",
# "fail<TAB>name<TAB>why" or "skip<TAB>name<TAB>why"; run.sh counts them.
# Every run must: exit 0 at EOF, write nothing to stdout but the register
# lines, print its counter line, and write only records that are one JSON
# object each (strict, no key twice), printable ASCII, within the cap.
# Most inputs end with a good "sentinel" line whose record must be last:
# the filter recovered from whatever came before it.

import errno
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

BIN, WORK, RESULTS = sys.argv[1], sys.argv[2], sys.argv[3]
ONLY = set(sys.argv[4:])
TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
JSONCHECK = os.path.join(TOP, "tests", "unit", "jsoncheck")

HS = (b"config|smtpd-version|7.8.0\n"
      b"config|protocol|0.7\n"
      b"config|smtp-session-timeout|300\n"
      b"config|subsystem|smtp-in\n"
      b"config|subsystem|smtp-out\n"
      b"config|admd|mx.example.org\n"
      b"config|ready\n")
REG = (b"register|report|smtp-in|*\n"
       b"register|report|smtp-out|*\n"
       b"register|ready\n")
SENT_ID = "feedfacefeedface"
# A filter built with ASan: its memory is counted loosely, and valgrind
# cannot run it.
SANITIZED = bool(os.environ.get("ROBUST_SANITIZED"))
MEM = 8 if SANITIZED else 1

_children = []
_mounts = []
_results = open(RESULTS, "a")


# ---- reporting -------------------------------------------------------

def ok(name):
    _results.write("ok\t%s\n" % name)
    _results.flush()


_case = ""   # the case running now: run.sh names it to rerun a failure


def fail(name, why):
    why = " ".join(str(why).split())[:600]
    _results.write("fail\t%s\t%s\t%s\n" % (name, why, _case))
    _results.flush()


def skip(name, why):
    _results.write("skip\t%s\t%s\n" % (name, why))
    _results.flush()


def check(name, problems):
    if problems:
        fail(name, "; ".join(problems))
    else:
        ok(name)


# ---- cleanup: children by pid, mounts ---------------------------------

def cleanup(*_):
    for p in list(_children):
        try:
            if p.poll() is None:
                p.kill()
                p.wait(timeout=5)
        except Exception:
            pass
    for m in list(_mounts):
        subprocess.call(["umount", m], stderr=subprocess.DEVNULL)
        _mounts.remove(m)


def on_signal(sig, _frame):
    cleanup()
    sys.exit(128 + sig)


for _s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(_s, on_signal)


# ---- building input ---------------------------------------------------

def rep(event, sid, *params, v=b"0.7", ts=b"1700000000.000000",
        sub=b"smtp-in"):
    """One report line."""
    if isinstance(sid, str):
        sid = sid.encode()
    line = b"report|" + v + b"|" + ts + b"|" + sub + b"|" + \
        event.encode() + b"|" + sid
    if params:
        line += b"|" + b"|".join(params)
    return line + b"\n"


def ts_of(us):
    return b"%d.%06d" % (us // 1000000, us % 1000000)


def sentinel(ts=b"1800000000.000000", event="link-connect"):
    if event == "link-greeting":
        return rep(event, SENT_ID, b"sentinel.example", ts=ts)
    return rep("link-connect", SENT_ID, b"sentinel.example", b"pass",
               b"192.0.2.1:1025", b"192.0.2.2:25", ts=ts)


def vmhwm(pid):
    """Peak resident memory of a running process in kB (0 if gone).
    Not getrusage: a forked child counts the parent's pages until exec."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


# ---- running the filter -----------------------------------------------

class Result:
    pass


def counters(err):
    """The last counter line on stderr as a dict, or None."""
    found = None
    for line in err.splitlines():
        m = re.search(r"events=\d+.*", line)
        if m:
            found = dict(kv.split("=", 1) for kv in m.group(0).split())
    if found is None:
        return None
    return {k: int(v) for k, v in found.items()}


def run_filter(name, feed=None, args=(), out=True, timeout=120,
               stdin_path=None, during=None, on_start=None, env=None):
    """
    Run the filter with -o WORK/name.json (unless out is False or args
    name a sink), feeding it bytes, a list or generator of chunks, or a
    file.  during(proc, res) runs while stdin is still open;
    on_start(proc) right after the start.
    """
    res = Result()
    res.path = os.path.join(WORK, name + ".json")
    res.errpath = os.path.join(WORK, name + ".stderr")
    if os.path.exists(res.path):
        os.unlink(res.path)
    argv = [BIN] + list(args)
    if out:
        argv += ["-o", res.path]
    so = open(os.path.join(WORK, name + ".stdout"), "wb+")
    se = open(res.errpath, "wb+")
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.PIPE
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, stdin=stdin, stdout=so, stderr=se,
                            env=env)
    _children.append(proc)
    res.pid = proc.pid
    if on_start is not None:
        on_start(proc)
    res.alive_at_eof = True
    res.feed_error = None
    res.hwm_kb = 0

    def writer():
        try:
            if isinstance(feed, (bytes, bytearray)):
                chunks = [feed]
            else:
                chunks = feed or []
            for c in chunks:
                proc.stdin.write(c)
            proc.stdin.flush()
            if during is not None:
                during(proc, res)
            time.sleep(0.05)
            res.alive_at_eof = proc.poll() is None
            res.hwm_kb = max(res.hwm_kb, vmhwm(proc.pid))
        except BrokenPipeError:
            res.alive_at_eof = False
        except Exception as e:  # a bug in the test itself
            res.feed_error = repr(e)
        finally:
            try:
                proc.stdin.close()
            except Exception:
                pass

    th = None
    if stdin_path is None:
        th = threading.Thread(target=writer)
        th.start()
    deadline = t0 + timeout
    status = ru = None
    while True:
        hwm = vmhwm(proc.pid)
        pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
        if pid != 0:
            break
        res.hwm_kb = max(res.hwm_kb, hwm)
        if time.monotonic() > deadline:
            proc.kill()
            pid, status, ru = os.wait4(proc.pid, 0)
            res.timed_out = True
            break
        time.sleep(0.02)
    proc.returncode = os.waitstatus_to_exitcode(status)
    _children.remove(proc)
    if th is not None:
        th.join()
    if stdin_path:
        stdin.close()
    res.timed_out = getattr(res, "timed_out", False)
    res.secs = time.monotonic() - t0
    res.rc = proc.returncode
    res.rss_kb = res.hwm_kb
    so.seek(0)
    res.out = so.read()
    se.seek(0)
    res.err = se.read().decode("ascii", "replace")
    so.close()
    se.close()
    res.stats = counters(res.err)
    return res


def check_records(path, cap=8000, keep=False):
    """
    Check every line of an output file; return (count, problems, records).
    records holds the parsed records when keep, else the last one only.
    """
    problems = []
    recs = []
    n = 0
    if not os.path.exists(path):
        return 0, [], []
    with open(path, "rb") as f:
        data = f.read()
    if data and not data.endswith(b"\n"):
        problems.append("output does not end with a newline")
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for line in lines:
        n += 1
        why = record_problem(line, cap)
        if why:
            if len(problems) < 3:
                problems.append("record %d: %s: %.200r" % (n, why, line))
            continue
        if keep:
            recs.append(json.loads(line))
    if not keep and data:
        last = data.rstrip(b"\n").rsplit(b"\n", 1)[-1]
        try:
            recs = [json.loads(last)]
        except ValueError:
            recs = []
    if n and os.access(JSONCHECK, os.X_OK):
        p = subprocess.run([JSONCHECK, "-s", str(cap), path],
                           capture_output=True)
        if p.returncode != 0:
            problems.append("jsoncheck: %.300s" % (p.stdout + p.stderr))
    return n, problems, recs


def _no_dups(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError("a key twice in one object")
    return dict(pairs)


def _no_const(c):
    raise ValueError("not JSON: " + c)


def record_problem(line, cap):
    if len(line) > cap:
        return "over the cap (%d bytes)" % len(line)
    for b in line:
        if b < 0x20 or b > 0x7e:
            return "byte 0x%02x" % b
    try:
        o = json.loads(line, object_pairs_hook=_no_dups,
                       parse_constant=_no_const)
    except ValueError as e:
        return "not JSON (%s)" % e
    if not isinstance(o, dict):
        return "not an object"
    if "@timestamp" not in o or "opensmtpd" not in o:
        return "no @timestamp or opensmtpd"
    return None


def basics(res, regs=REG, cap=8000, sent=True, keep=False, streamed=True):
    """The checks every run must pass; (problems, records)."""
    p = []
    if res.timed_out:
        p.append("timed out after %.0f s" % res.secs)
    if res.feed_error:
        p.append("test feeder: " + res.feed_error)
    if res.rc != 0:
        p.append("exit status %s" % res.rc)
    if streamed and not res.alive_at_eof:
        p.append("filter gone before EOF")
    if res.out != regs:
        p.append("stdout %.200r, want %.200r" % (res.out, regs))
    if res.stats is None:
        p.append("no counter line on stderr: %.200r" % res.err[-200:])
    n, rp, recs = check_records(res.path, cap, keep)
    p += rp
    res.nrec = n
    if sent:
        if not recs or recs[-1].get("opensmtpd", {}).get(
                "session", {}).get("id") != SENT_ID:
            p.append("the sentinel record is not last")
    return p, recs


def stat(res, key):
    return (res.stats or {}).get(key, -1)


# ---- protocol tables for the field tests -------------------------------

# event -> parameters of a well-formed line (0.7)
GOOD = {
    "link-connect": [b"mail.example.net", b"pass", b"192.0.2.10:53122",
                     b"198.51.100.5:25"],
    "link-greeting": [b"mx.example.org"],
    "link-identify": [b"EHLO", b"client.example"],
    "link-tls": [b"TLSv1.3:TLS_AES_256_GCM_SHA384:256"],
    "link-auth": [b"pass", b"alice"],
    "link-disconnect": [],
    "tx-reset": [b"5d2f9a01"],
    "tx-begin": [b"5d2f9a01"],
    "tx-mail": [b"5d2f9a01", b"ok", b"alice@example.org"],
    "tx-rcpt": [b"5d2f9a01", b"ok", b"bob@example.net"],
    "tx-envelope": [b"5d2f9a01", b"5d2f9a01c3b4e5f6"],
    "tx-data": [b"5d2f9a01", b"ok"],
    "tx-commit": [b"5d2f9a01", b"1834"],
    "tx-rollback": [b"5d2f9a01"],
    "protocol-client": [b"EHLO client.example"],
    "protocol-server": [b"250 mx.example.org"],
    "filter-report": [b"builtin", b"f1", b"matched"],
    "filter-response": [b"rcpt-to", b"reject", b"550 5.7.1 no"],
    "timeout": [],
}
# the 0.4 orders (result last) where they differ
GOOD04 = {
    "link-auth": [b"alice", b"pass"],
    "tx-mail": [b"5d2f9a01", b"alice@example.org", b"ok"],
    "tx-rcpt": [b"5d2f9a01", b"bob@example.net", b"ok"],
}

NASTY = (bytes(range(1, 10)) + bytes(range(11, 32)) + b"\x7f" +
         bytes(range(0x80, 0x100)) +
         b" \"\\/ \xc0\xaf \xed\xa0\x80 \xe2\x82 \xf4\x90\x80\x80 "
         b"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 \xef\xbf\xbf \r")


def fj_decode(b):
    """What the filter's escaping must decode to: each byte that does not
    start a well-formed UTF-8 sequence becomes U+FFFD."""
    out = []
    i = 0
    while i < len(b):
        c = b[i]
        if c < 0x80:
            out.append(chr(c))
            i += 1
            continue
        k = 2 if 0xc2 <= c <= 0xdf else 3 if 0xe0 <= c <= 0xef else \
            4 if 0xf0 <= c <= 0xf4 else 0
        if k and i + k <= len(b):
            try:
                out.append(b[i:i + k].decode("utf-8"))
                i += k
                continue
            except UnicodeDecodeError:
                pass
        out.append("\ufffd")
        i += 1
    return "".join(out)


# ---- the cases --------------------------------------------------------

def case_long_lines():
    hdr = b"report|0.7|1700000000.000000|smtp-in|protocol-client|" \
        b"0123456789abcdef|"
    mb = b"A" * (1 << 20)

    # 1 MB without a newline, then EOF: nothing but a clean exit
    r = run_filter("long-1mb-eof", [HS, hdr, mb])
    p, _ = basics(r, sent=False)
    if stat(r, "overlong") != 1:
        p.append("overlong=%d, want 1" % stat(r, "overlong"))
    check("1 MB line without newline, then EOF", p)

    # 1 MB, then the newline and a good line
    r = run_filter("long-1mb", [HS, hdr, mb, b"\n", sentinel()])
    p, _ = basics(r)
    if stat(r, "overlong") != 1 or stat(r, "records") != 1:
        p.append("overlong=%d records=%d, want 1 and 1" %
                 (stat(r, "overlong"), stat(r, "records")))
    check("1 MB line, then a good line", p)

    # 100 MB, made on the fly; the filter must not keep it
    def gen():
        yield HS
        yield hdr
        for _ in range(100):
            yield mb
        yield b"\n"
        yield sentinel()
    r = run_filter("long-100mb", gen())
    p, _ = basics(r)
    if stat(r, "overlong") != 1:
        p.append("overlong=%d, want 1" % stat(r, "overlong"))
    if r.rss_kb > 64 * 1024 * MEM:
        p.append("peak RSS %d kB for a 100 MB line" % r.rss_kb)
    check("100 MB line, bounded memory (peak %d kB, %.1f s)" %
          (r.rss_kb, r.secs), p)

    # one line of 100 MB as a regular file on stdin (poll, not epoll)
    path = os.path.join(WORK, "long-file.in")
    with open(path, "wb") as f:
        f.write(HS + hdr)
        for _ in range(20):
            f.write(mb)
        f.write(b"\n" + sentinel())
    r = run_filter("long-file", stdin_path=path)
    p, _ = basics(r, streamed=False)
    check("20 MB line from a regular file", p)
    os.unlink(path)

    # just under and just over the line cap (64 KiB)
    lines = []
    for n in (65536 - len(hdr) - 1, 65536 - len(hdr), 65536 - len(hdr) + 1,
              65536 + 10):
        lines.append(hdr + b"x" * n + b"\n")
    r = run_filter("long-edge", [HS] + lines + [sentinel()])
    p, _ = basics(r)
    check("lines around the 64 KiB line cap", p)


def case_nul():
    good = rep("protocol-client", "0123456789abcdef", b"HELP")
    lines = [
        b"\x00\n",
        b"\x00" * 100 + b"\n",
        good[:20] + b"\x00" + good[20:],
        good[:-2] + b"\x00\n",
        rep("protocol-client", "0123456789abcdef", b"HE\x00LP"),
        b"config|ready\x00\n",
        b"report|\x00|x\n",
    ]
    r = run_filter("nul", [HS] + lines + [sentinel()])
    p, _ = basics(r)
    if stat(r, "records") != 1:
        p.append("records=%d, want 1 (lines with NUL give none)" %
                 stat(r, "records"))
    check("NUL bytes", p)

    # NUL before the handshake ends: still registers once
    r = run_filter("nul-handshake", [b"config|smtpd-version|7\x008\n", HS,
                                     sentinel()])
    p, _ = basics(r)
    check("NUL inside the handshake", p)


def case_bytes_every_field():
    lines = []
    expect_line = []
    sid = 0x1000
    for v in (b"0.4", b"0.6", b"0.7"):
        for ev, params in GOOD.items():
            if v != b"0.7" and ev in GOOD04:
                params = GOOD04[ev]
            if v == b"0.6" and ev == "link-auth":
                params = GOOD04[ev]
            for i in range(len(params)):
                for nasty in (NASTY, b"|" + NASTY + b"|"):
                    p2 = list(params)
                    p2[i] = nasty
                    sid += 1
                    if ev == "protocol-client":
                        # a session seen from its start: in others, a
                        # client line that is no command is masked
                        lines.append(rep("link-connect", b"%016x" % sid,
                                         *GOOD["link-connect"], v=v))
                        expect_line.append(fj_decode(nasty))
                    lines.append(rep(ev, b"%016x" % sid, *p2, v=v))
            # and the same bytes in the session id, version, subsystem
            # and event name fields
            sid += 1
            lines.append(rep(ev, b"%016x" % sid + NASTY, *params, v=v))
            lines.append(rep(ev, "0123456789abcdef", *params,
                             v=v + NASTY))
            lines.append(rep(ev, "0123456789abcdef", *params,
                             sub=b"smtp-in" + NASTY))
            lines.append(rep(ev + "\x01\x80", "0123456789abcdef", *params,
                             v=v))
    lines.append(sentinel())
    for cap in (8000, 1024):
        r = run_filter("bytes-%d" % cap, [HS] + lines,
                       args=["-s", str(cap), "-n", "50"])
        p, recs = basics(r, cap=cap, keep=True)
        if stat(r, "events") + stat(r, "malformed") != len(lines):
            p.append("events %d + malformed %d != %d lines" %
                     (stat(r, "events"), stat(r, "malformed"), len(lines)))
        got = [x["opensmtpd"]["protocol"]["line"] for x in recs
               if x["event"]["action"] == "protocol-client" and
               "line" in x["opensmtpd"].get("protocol", {})]
        if cap == 8000:
            want = [e for e in expect_line]
            if sorted(got) != sorted(want) or len(got) == 0:
                p.append("protocol.line decodes to %r, want %r" %
                         (got[:1], want[:1]))
        check("control bytes and invalid UTF-8 in every field, cap %d "
              "(%d lines)" % (cap, len(lines)), p)


def case_truncated():
    src = [rep(ev, "0123456789abcdef", *params) for ev, params in
           GOOD.items()]
    lines = []
    for line in src:
        body = line[:-1]
        for k in range(len(body)):
            lines.append(body[:k] + b"\n")
    r = run_filter("truncated", [HS] + lines + [sentinel()],
                   args=["-n", "4"])
    p, _ = basics(r)
    check("every prefix of every event line (%d lines)" % len(lines), p)


def case_field_counts():
    lines = []
    n = 0
    for v in (b"0.4", b"0.6", b"0.7", b"0.10", b"1"):
        for ev, params in GOOD.items():
            for k in range(0, len(params) + 4):
                ps = list(params[:k]) + [b"extra%d" % j for j in
                                         range(max(0, k - len(params)))]
                lines.append(rep(ev, "0123456789abcdef", *ps, v=v))
                n += 1
                lines.append(rep(ev, "0123456789abcdef", *ps, v=v)[:-1] +
                             b"|\n")
                n += 1
    lines += [b"report|\n", b"report|0.7\n",
              b"report|0.7|1700000000.000000\n",
              b"report|0.7|1700000000.000000|smtp-in\n",
              b"report|0.7|1700000000.000000|smtp-in|tx-begin\n",
              b"report|0.7|1700000000.000000|smtp-in|tx-begin|\n",
              b"report||||||\n"]
    r = run_filter("fields", [HS] + lines + [sentinel()], args=["-n", "8"])
    p, _ = basics(r)
    if stat(r, "events") + stat(r, "malformed") != len(lines) + 1:
        p.append("events %d + malformed %d != %d report lines" %
                 (stat(r, "events"), stat(r, "malformed"), len(lines) + 1))
    check("too few and too many fields (%d lines)" % len(lines), p)


def case_ids():
    bad_sid = [b"", b"0", b"0123456789abcde", b"0123456789abcdef0",
               b"0123456789ABCDEF", b"0123456789abcdeg", b" 123456789abcdef",
               b"0x23456789abcdef", b"-123456789abcdef", b"+123456789abcdef",
               b"0123456789abcde\xff", b"\xef\xbc\x90" * 5 + b"0"]
    bad_msg = [b"", b"5d2f9a0", b"5d2f9a012", b"5D2F9A01", b"5d2f9a0g",
               b" 5d2f9a0", b"0x5d2f9a"]
    bad_evp = [b"", b"5d2f9a01", b"5d2f9a01c3b4e5f", b"5d2f9a01c3b4e5f60",
               b"5D2F9A01C3B4E5F6", b"5d2f9a01c3b4e5fz"]
    lines = []
    for s in bad_sid:
        lines.append(rep("link-connect", s, *GOOD["link-connect"]))
        lines.append(rep("link-disconnect", s))
    for m in bad_msg:
        for ev in ("tx-begin", "tx-reset", "tx-rollback"):
            lines.append(rep(ev, "0123456789abcdef", m))
        lines.append(rep("tx-mail", "0123456789abcdef", m, b"ok", b"a@b"))
        lines.append(rep("tx-commit", "0123456789abcdef", m, b"10"))
    for e in bad_evp:
        lines.append(rep("tx-envelope", "0123456789abcdef", b"5d2f9a01", e))
    for size in (b"", b"-1", b"1e3", b"18446744073709551616",
                 b"99999999999999999999", b" 1", b"0x10"):
        lines.append(rep("tx-commit", "0123456789abcdef", b"5d2f9a01", size))
    r = run_filter("ids", [HS] + lines + [sentinel()])
    p, _ = basics(r)
    if stat(r, "records") != 1:
        p.append("records=%d, want only the sentinel's" % stat(r, "records"))
    if stat(r, "malformed") != len(lines) - 1 and \
            stat(r, "malformed") != len(lines):
        p.append("malformed=%d of %d bad lines" % (stat(r, "malformed"),
                                                   len(lines)))
    check("non-hex and wrong-length ids, bad sizes (%d lines)" % len(lines),
          p)


def case_unknown():
    lines = []
    for v in (b"0.8", b"0.10", b"1", b"2.0", b"99.999", b"0.1", b"0.3",
              b"000.007"):
        lines.append(rep("link-connect", "0123456789abcdef",
                         *GOOD["link-connect"], v=v))
        lines.append(rep("tx-mail", "0123456789abcdef",
                         *GOOD["tx-mail"], v=v))
    n_ok_versions = len(lines)
    for sub in (b"smtp-x", b"lmtp-in", b"a" * 32):
        lines.append(rep("link-connect", "0123456789abcdef",
                         *GOOD["link-connect"], sub=sub))
    for ev in ("link-foo", "tx-future", "x", "a" * 64, "report"):
        lines.append(rep(ev, "0123456789abcdef", b"AUTH PLAIN c2VjcmV0",
                         b"|x"))
        lines.append(rep(ev, "0123456789abcdef"))
    n_ok = len(lines)
    # malformed: bad version, subsystem or event words
    for v in (b"", b"abc", b"0.", b".7", b"0.7.1", b"1000.1", b"0.1000",
              b"-1", b"0,7", b"v0.7"):
        lines.append(rep("link-connect", "0123456789abcdef",
                         *GOOD["link-connect"], v=v))
    for sub in (b"", b"SMTP-IN", b"smtp in", b"a" * 33, b"smtp_in"):
        lines.append(rep("link-connect", "0123456789abcdef",
                         *GOOD["link-connect"], sub=sub))
    for ev in ("", "LINK-CONNECT", "link connect", "a" * 65, "link_x"):
        lines.append(rep(ev, "0123456789abcdef"))
    lines.append(sentinel())
    r = run_filter("unknown", [HS] + lines)
    p, recs = basics(r, keep=True)
    if stat(r, "records") != n_ok + 1:
        p.append("records=%d, want %d" % (stat(r, "records"), n_ok + 1))
    unk = [x for x in recs if x["opensmtpd"].get("unknown") is True]
    if len(unk) < n_ok - n_ok_versions // 2:
        p.append("only %d records marked unknown" % len(unk))
    if any("c2VjcmV0" in json.dumps(x) for x in recs):
        p.append("AUTH data of an unknown event in clear")
    check("unknown versions, subsystems and events", p)


def case_handshake():
    # events first, then the handshake
    r = run_filter("before-handshake", [sentinel(), HS,
                                        sentinel(b"1800000001.000000")])
    p, _ = basics(r)
    check("events before the handshake: still registers once", p)

    # the handshake twice, then after some events a third time
    r = run_filter("handshake-twice", [HS, HS, sentinel(), HS,
                                       sentinel(b"1800000001.000000")])
    p, _ = basics(r)
    check("handshake repeated: register lines once", p)

    # only smtp-in announced; none announced (6.6)
    hs_in = HS.replace(b"config|subsystem|smtp-out\n", b"")
    r = run_filter("handshake-in", [hs_in, sentinel()])
    p, _ = basics(r, regs=b"register|report|smtp-in|*\nregister|ready\n")
    check("handshake with smtp-in only", p)
    hs66 = (b"config|smtpd-version|6.6.4p1\nconfig|smtp-session-timeout|300"
            b"\nconfig|ready\n")
    r = run_filter("handshake-66", [hs66, sentinel()])
    p, _ = basics(r, regs=b"register|report|smtp-in|*\nregister|ready\n")
    check("6.6 handshake: smtp-in only", p)

    # odd config lines: unknown keys, no value, huge values, bad timeout
    odd = (b"config|\nconfig\nconfig|x\nconfig|subsystem|\n"
           b"config|subsystem|smtp-future\nconfig|smtp-session-timeout|-1\n"
           b"config|smtp-session-timeout|99999999999999999999\n"
           b"config|smtp-session-timeout|\nconfig|admd|" + b"h" * 100000 +
           b"\nconfig|smtpd-version|" + NASTY + b"\nconfig|protocol|9.9\n"
           b"config|admd|" + NASTY + b"\n"
           b"filter|0.7|1700000000.000000|smtp-in|helo|0123456789abcdef|x\n"
           b"register|ready\n")
    r = run_filter("handshake-odd", [odd, HS, sentinel()])
    p, _ = basics(r)
    check("odd config lines in the handshake", p)

    # EOF in the middle of the handshake: exit 0, nothing registered
    r = run_filter("handshake-eof", [HS[:40]])
    p, _ = basics(r, regs=b"", sent=False)
    check("EOF inside the handshake", p)
    r = run_filter("empty", [b""])
    p, _ = basics(r, regs=b"", sent=False)
    check("empty input", p)


def gen_sessions(n, step_us, t0=1700000000000000, batch=20000):
    """n sessions that connect and never disconnect."""
    yield HS
    for b0 in range(0, n, batch):
        yield b"".join(
            b"report|0.7|%s|smtp-in|link-connect|%016x|h%d.example|pass|"
            b"192.0.2.%d:%d|198.51.100.5:25\n" %
            (ts_of(t0 + i * step_us), 0x5000000000000000 + i, i, i & 255,
             1024 + (i & 32767))
            for i in range(b0, min(n, b0 + batch)))


def case_million_sessions():
    n = 1000000

    def gen():
        yield from gen_sessions(n, 1000)
        yield sentinel(ts_of(1700000000000000 + n * 1000), "link-greeting")
    # only the sentinel's event kind is recorded: 1M records would be
    # a gigabyte; the state is kept all the same
    r = run_filter("sessions-1m", gen(), args=["-n", "10000", "-e",
                                               "link-greeting"],
                   timeout=150)
    p, _ = basics(r)
    if stat(r, "evicted") < n - 10000:
        p.append("evicted=%d, want >= %d" % (stat(r, "evicted"), n - 10000))
    if stat(r, "sessions") > 10000:
        p.append("sessions=%d over the cap" % stat(r, "sessions"))
    if r.rss_kb > 96 * 1024 * MEM:
        p.append("peak RSS %d kB" % r.rss_kb)
    check("a million sessions, -n 10000: evicted=%d, peak RSS %d kB, "
          "%.1f s" % (stat(r, "evicted"), r.rss_kb, r.secs), p)

    # Idle sessions expire after 4 x smtp-session-timeout by both clocks:
    # the report times and the monotonic one (here timeout 1: 4 s).
    hs1 = HS.replace(b"smtp-session-timeout|300", b"smtp-session-timeout|1")
    t0 = 1700000000000000

    def gen2(sleep, leap_us):
        for i, c in enumerate(gen_sessions(2000, 1000, t0=t0)):
            yield hs1 if i == 0 else c
        time.sleep(sleep)
        yield sentinel(ts_of(t0 + leap_us))
    for name, sleep, leap, want in (
            ("idle by both clocks: expired", 5.5, 600 * 1000000, 2000),
            ("the wall clock leaps an hour, no time passes: kept", 0,
             3600 * 1000000, 0),
            ("time passes, the report times stand still: kept", 5.5,
             3 * 1000000, 0)):
        r = run_filter("sessions-expire", gen2(sleep, leap),
                       args=["-e", "timeout"])
        p, _ = basics(r, sent=False)
        if stat(r, "expired") != want:
            p.append("expired=%d, want %d" % (stat(r, "expired"), want))
        if stat(r, "evicted") != 0:
            p.append("evicted=%d, want 0" % stat(r, "evicted"))
        check("session expiry: %s (expired=%d)" % (name, stat(r, "expired")),
              p)


def case_million_rcpts():
    n = 1000000
    sid = "00000000000000aa"

    def gen():
        yield HS
        yield rep("link-connect", sid, *GOOD["link-connect"])
        yield rep("tx-begin", sid, b"5d2f9a01")
        yield rep("tx-mail", sid, b"5d2f9a01", b"ok", b"a@example.org")
        for b0 in range(0, n, 20000):
            yield b"".join(
                b"report|0.7|1700000001.000000|smtp-in|tx-envelope|%s|"
                b"5d2f9a01|5d2f9a01%08x\n"
                b"report|0.7|1700000001.000000|smtp-in|tx-rcpt|%s|"
                b"5d2f9a01|%s|rcpt%d@example.net\n" %
                (sid.encode(), i, sid.encode(),
                 b"ok" if i % 3 else b"permfail", i)
                for i in range(b0, b0 + 20000))
        yield rep("tx-data", sid, b"5d2f9a01", b"ok",
                  ts=b"1700000002.000000")
        yield rep("tx-commit", sid, b"5d2f9a01", b"123456789",
                  ts=b"1700000003.000000")
        yield sentinel()
    for cap in ("8000", "1024"):
        r = run_filter("rcpt-1m-" + cap, gen(), args=[
            "-s", cap, "-e", "tx-commit,link-connect,tx-data"], timeout=150)
        p, recs = basics(r, cap=int(cap), keep=True)
        if stat(r, "capped") < 2 * n - 3000:
            p.append("capped=%d" % stat(r, "capped"))
        if r.rss_kb > 64 * 1024 * MEM:
            p.append("peak RSS %d kB" % r.rss_kb)
        commit = [x for x in recs if x["event"]["action"] == "tx-commit"]
        if len(commit) != 1 or not commit[0]["opensmtpd"].get("truncated"):
            p.append("tx-commit record missing or not marked truncated")
        check("a million recipients and envelopes in one transaction, "
              "-s %s: capped=%d, peak RSS %d kB" %
              (cap, stat(r, "capped"), r.rss_kb), p)


TS_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def case_timestamps():
    sid = "00000000000000bb"
    good = [b"1700000000.000000", b"1600000000.000000", b"0.000000",
            b"253402300799.999999", b"1.000001", b"000000000001.000000"]
    bad = [b"253402300800.000000", b"999999999999.999999",
           b"9999999999999.000000", b"99999999999999999999.000000",
           b"18446744073709551616.000000", b"-1.000000", b"1.0000000",
           b"1.00000", b"1", b"1.", b".000001", b"1e9.000000",
           b"1700000000,000000", b" 1.000000", b"1.00000a", b"",
           b"1700000000.-00001"]
    lines = [rep("link-connect", sid, *GOOD["link-connect"],
                 ts=b"1700000010.000000"),
             rep("tx-begin", sid, b"5d2f9a01", ts=b"1700000020.000000")]
    for t in good:
        lines.append(rep("protocol-client", sid, b"NOOP", ts=t))
        lines.append(rep("tx-rcpt", sid, b"5d2f9a01", b"ok", b"a@b", ts=t))
    lines.append(rep("tx-commit", sid, b"5d2f9a01", b"10",
                     ts=b"1600000000.000000"))
    lines.append(rep("tx-reset", sid, b"5d2f9a01", ts=b"0.000000"))
    for t in bad:
        lines.append(rep("protocol-client", sid, b"NOOP", ts=t))
    lines.append(rep("timeout", sid, ts=b"1000000000.000000"))
    lines.append(rep("link-disconnect", sid, ts=b"253402300799.999999"))
    lines.append(sentinel())
    r = run_filter("timestamps", [HS] + lines)
    p, recs = basics(r, keep=True)
    want = len(lines) - len(bad)
    if stat(r, "records") != want:
        p.append("records=%d, want %d" % (stat(r, "records"), want))
    for x in recs:
        ev = x["event"]
        for k in ("@timestamp",):
            if not TS_RE.match(x[k]):
                p.append("bad %s %r" % (k, x[k]))
        for k in ("start", "end"):
            if k in ev and not TS_RE.match(ev[k]):
                p.append("bad event.%s %r" % (k, ev[k]))
        if "duration" in ev and not (0 <= ev["duration"] < 2 ** 63):
            p.append("event.duration %r" % ev["duration"])
        if "delivery_timestamp" in x.get("email", {}) and not TS_RE.match(
                x["email"]["delivery_timestamp"]):
            p.append("bad delivery_timestamp")
    check("timestamps backwards, at the limits and overflowing", p[:5])


def case_credentials():
    secrets = [b"c2VjcmV0LXBsYWluLXByZS1oZWxv", b"c2VjcmV0LWxvZ2luLWly",
               b"c2VjcmV0LXBsYWluLWJsb2I", b"c2VjcmV0LWxvZ2luLXVzZXI",
               b"c2VjcmV0LWxvZ2luLXBhc3M", b"c2VjcmV0LWxvd2VyLXBsYWlu",
               b"c2VjcmV0LW91dC1wbGFpbg", b"c2VjcmV0LW91dC11c2Vy",
               b"c2VjcmV0LW91dC1wYXNz", b"c2VjcmV0LW1peGVkLWNhc2U",
               b"c2VjcmV0LXBpcGU", b"c2VjcmV0LXVua25vd24",
               b"c2VjcmV0LTMzNC1kYXNo", b"c2VjcmV0LWNyYW0",
               b"c2VjcmV0LW5vLWhlbG8tbG9naW4", b"c2VjcmV0LWJhZC1pZA",
               b"c2VjcmV0LWJhZC10aW1l"]
    S = dict(enumerate(secrets))

    def session(v, sid, sub=b"smtp-in"):
        c = lambda ev, *a, **k: rep(ev, sid, *a, v=v, sub=sub, **k)
        cl = lambda line: c("protocol-client", line)
        sv = lambda line: c("protocol-server", line)
        out = [c("link-connect", *GOOD["link-connect"])]
        if sub == b"smtp-in":
            out += [
                # before HELO: smtpd reports these verbatim
                cl(b"AUTH PLAIN " + S[0]),
                sv(b"503 5.5.1 Invalid command: Command not allowed "
                   b"before HELO"),
                cl(b"AUTH LOGIN " + S[14]),
                c("link-identify", b"EHLO", b"client.example"),
                # AUTH LOGIN with an initial response
                cl(b"AUTH LOGIN " + S[1]),
                sv(b"334 UGFzc3dvcmQ6"),
                cl(S[4]),
                sv(b"535 Authentication failed"),
                # AUTH PLAIN, blob after the 334
                cl(b"AUTH PLAIN"),
                sv(b"334 "),
                cl(S[2]),
                sv(b"535 Authentication failed"),
                # AUTH LOGIN, user and password after 334s
                cl(b"AUTH LOGIN"),
                sv(b"334 VXNlcm5hbWU6"),
                cl(S[3]),
                sv(b"334 UGFzc3dvcmQ6"),
                cl(S[4]),
                sv(b"535 Authentication failed"),
                # lower and mixed case, extra spaces
                cl(b"auth plain " + S[5]),
                cl(b"AuTh PlAiN " + S[9]),
                cl(b"AUTH  PLAIN  " + S[9]),
                cl(b"auth login " + S[1]),
                # a 334 continuation line, then the answer
                cl(b"AUTH CRAM-MD5"),
                sv(b"334-" + b"PDEyMzQ1"),
                cl(S[13]),
                sv(b"334 PDEyMzQ1"),
                cl(S[13]),
                # the client cancels
                cl(b"AUTH PLAIN"),
                sv(b"334 "),
                cl(b"*"),
                # a pipe in the blob (rest-of-line field)
                cl(b"AUTH PLAIN " + S[10] + b"|" + S[10]),
                c("link-auth", b"pass" if v == b"0.7" else b"alice",
                  b"alice" if v == b"0.7" else b"pass"),
                c("link-future", b"AUTH PLAIN " + S[11]),
                # malformed lines are reported on stderr, never whole
                rep("protocol-client", b"0123zz", b"AUTH PLAIN " + S[15],
                    v=v, sub=sub),
                rep("protocol-client", sid, b"AUTH PLAIN " + S[16],
                    v=v, sub=sub, ts=b"17000000x0.000000"),
                # the subsystem left out: the blob moves left
                b"report|" + v + b"|1700000000.000000|protocol-client|" +
                sid + b"|AUTH PLAIN " + S[15] + b"\n",
            ]
        else:
            out += [
                cl(b"EHLO mx.example.org"),
                cl(b"AUTH PLAIN " + S[6]),
                sv(b"535 no"),
                cl(b"AUTH LOGIN"),
                sv(b"334 VXNlcm5hbWU6"),
                cl(S[7]),
                sv(b"334 UGFzc3dvcmQ6"),
                cl(S[8]),
                sv(b"235 ok"),
            ]
        out.append(c("link-disconnect"))
        return out
    lines = [HS]
    other = 0xe000000000000000
    for v in (b"0.4", b"0.6", b"0.7"):
        for line in session(v, b"00000000000000c%s" % v[-1:]) + \
                session(v, b"00000000000000d%s" % v[-1:], b"smtp-out"):
            lines.append(line)
            # another session between each 334 and its answer: with -n 1
            # it evicts the one that waits for AUTH data
            if b"|protocol-server|" in line and b"|334" in line:
                other += 1
                lines.append(rep("link-connect", b"%016x" % other,
                                 *GOOD["link-connect"]))
    lines.append(sentinel())
    for args in ([], ["-s", "1024"], ["-n", "1"]):
        name = "credentials" + "".join(args).replace("-", "_")
        r = run_filter(name, lines, args=args)
        p, _ = basics(r, cap=1024 if "-s" in args else 8000)
        with open(r.path, "rb") as f:
            data = f.read()
        leaked = [s.decode() for s in secrets if s in data]
        if leaked:
            p.append("in the records: " + ", ".join(leaked))
        leaked = [s.decode() for s in secrets if s.decode() in r.err]
        if leaked:
            p.append("on stderr: " + ", ".join(leaked))
        if b"********" not in data:
            p.append("no masked line at all")
        check("AUTH data never in a record %s" % " ".join(args), p)


def case_socket():
    """stdin and stdout one socket, as under smtpd: after the register
    lines, not one byte may come back, whatever the input."""
    name = "one socket for stdin and stdout, as under smtpd"
    path = os.path.join(WORK, "socket.json")
    errp = os.path.join(WORK, "socket.stderr")
    if os.path.exists(path):
        os.unlink(path)
    a, b = socket.socketpair()
    with open(errp, "wb") as err:
        proc = subprocess.Popen([BIN, "-o", path], stdin=b.fileno(),
                                stdout=b.fileno(), stderr=err)
    _children.append(proc)
    b.close()
    p = []
    got = b""
    try:
        a.settimeout(10)
        a.sendall(HS)
        while len(got) < len(REG):
            d = a.recv(4096)
            if not d:
                break
            got += d
        if got != REG:
            p.append("register lines %r" % got[:200])
        # everything nasty, in pieces, while reading what comes back
        a.setblocking(False)
        data = [HS, b"\x00\n", rep("protocol-client", "0123456789abcdef",
                                    NASTY), b"x" * 200000 + b"\n",
                b"report|0.7|x\n" * 1000, b"".join(gen_sessions(5000, 10))]
        data += [b"config|ready\n", sentinel()]
        blob = b"".join(data)
        back = b""
        off = 0
        while off < len(blob):
            try:
                off += a.send(blob[off:off + 65536])
            except BlockingIOError:
                time.sleep(0.01)
            try:
                back += a.recv(65536)
            except BlockingIOError:
                pass
        a.shutdown(socket.SHUT_WR)
        a.setblocking(True)
        a.settimeout(20)
        while True:
            d = a.recv(65536)
            if not d:
                break
            back += d
        if back:
            p.append("%d bytes on stdout after registration: %r" %
                     (len(back), back[:100]))
        proc.wait(timeout=20)
    except Exception as e:
        p.append("socket: %r" % e)
    finally:
        a.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        _children.remove(proc)
    if proc.returncode != 0:
        p.append("exit status %s" % proc.returncode)
    n, rp, recs = check_records(path)
    p += rp
    if not recs or recs[-1]["opensmtpd"]["session"]["id"] != SENT_ID:
        p.append("the sentinel record is not last")
    check(name, p)


def case_stdin_kinds():
    """Whatever stdin is, the filter reads it to the end and exits 0,
    with each sink: /dev/null, a closed descriptor, a regular file, a
    pipe, a socket, a terminal."""
    import pty
    stream = HS + rep("link-connect", SENT_ID, b"a.example", b"pass",
                      b"192.0.2.1:1025", b"192.0.2.2:25")
    saved = os.path.join(WORK, "stdin-kinds.stream")
    with open(saved, "wb") as f:
        f.write(stream)
    sock = os.path.join(WORK, "stdin-kinds.nosyslog")

    def run(kind, sink, want):
        out = os.path.join(WORK, "stdin-kinds.json")
        if os.path.exists(out):
            os.unlink(out)
        args = {"syslog": ["-S", sock], "stdout": ["-o", "-"],
                "file": ["-o", out]}[sink]
        argv = [BIN] + args
        master = None
        feeder = None
        kw = dict(stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if kind == "devnull":
            kw["stdin"] = subprocess.DEVNULL
        elif kind == "closed":
            # the shell closes fd 0 before exec
            argv = ["sh", "-c", 'exec "$0" "$@" <&-'] + argv
        elif kind == "file":
            kw["stdin"] = open(saved, "rb")
        elif kind == "pipe":
            kw["stdin"] = subprocess.PIPE
        elif kind == "socket":
            a, b = socket.socketpair()
            kw["stdin"] = b.fileno()
            feeder = a
        elif kind == "tty":
            master, slave = pty.openpty()
            kw["stdin"] = slave
        p = subprocess.Popen(argv, **kw)
        _children.append(p)
        if kind == "socket":
            b.close()
            feeder.sendall(stream)
            feeder.shutdown(socket.SHUT_WR)
        elif kind == "tty":
            os.close(slave)
            for line in stream.splitlines():
                os.write(master, line + b"\n")
            os.write(master, b"\x04")	# ^D: end of input
        try:
            so, se = p.communicate(stream if kind == "pipe" else None,
                                   timeout=10)
            rc = p.returncode
        except subprocess.TimeoutExpired:
            p.kill()
            so, se = p.communicate()
            rc = "hung"
        _children.remove(p)
        if master is not None:
            os.close(master)
        if feeder is not None:
            feeder.close()
        if kw.get("stdin") not in (None, subprocess.DEVNULL,
                                   subprocess.PIPE) and kind == "file":
            kw["stdin"].close()
        probs = []
        if rc != 0:
            probs.append("exit %s" % rc)
        recs = b""
        if sink == "stdout":
            recs = so
        elif sink == "file" and os.path.exists(out):
            with open(out, "rb") as f:
                recs = f.read()
        elif sink == "file" and want:
            probs.append("no output file")
        if sink != "stdout" and want and so != REG:
            probs.append("stdout %r, want the register lines" % so[:80])
        if sink == "stdout" and want and recs.count(b"\n") != 1:
            probs.append("stdout %r, want one record" % so[:200])
        if sink == "file" and want and recs.count(b"\n") != 1:
            probs.append("%d records, want 1" % recs.count(b"\n"))
        err = se.decode("ascii", "replace")
        notes = err.count("reading smtpd's report stream")
        if notes != (1 if kind == "tty" else 0):
            probs.append("terminal notice %d times" % notes)
        if "Epoll" in err or "failed" in err:
            probs.append("stderr: %s" % err[:200])
        check("stdin %s, sink %s: reads to the end, exits 0" % (kind, sink),
              probs)

    for kind, want in (("devnull", 0), ("closed", 0), ("file", 1),
                       ("pipe", 1), ("socket", 1), ("tty", 1)):
        for sink in ("syslog", "stdout", "file"):
            run(kind, sink, want)


def case_options():
    """A mistyped option says what it takes (at startup, exit 1)."""
    for argv, want in (
            (["-e", "tx-comit"], ["tx-commit", "link-connect", "unknown"]),
            (["-e", ""], ["empty event list", "tx-commit"]),
            (["-n", "0"], ["1 to 100000000"]),
            (["-s", "99"], ["1024 to 1048576"]),
            (["-f", "nosuch"], ["unknown syslog facility"]),
            (["-i", "-1"], ["0 to 86400 seconds"]),
            (["-i", "x"], ["invalid", "0 to 86400 seconds"]),
            (["-i", "86401"], ["too large", "0 to 86400 seconds"])):
        p = subprocess.run([BIN] + argv, stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=10)
        err = p.stderr.decode("ascii", "replace")
        probs = [] if p.returncode == 1 else ["exit %d" % p.returncode]
        probs += ["no %r in %r" % (w, err[:300]) for w in want
                  if w not in err]
        if p.stdout:
            probs.append("stdout %r" % p.stdout[:100])
        check("%s: says what it takes" % " ".join(argv), probs)


def case_privacy_key():
    """-K: the key file is checked at startup, before anything is opened,
    and its bytes never appear anywhere; -P says what it takes."""
    d = os.path.join(WORK, "keys")
    if os.path.isdir(d):
        shutil.rmtree(d)
    os.makedirs(d)
    secret = b"KEYBYTES-do-not-print-0123456789"

    def key(name, data, mode=0o600):
        path = os.path.join(d, name)
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, mode)
        return path

    good = key("good", secret)
    cases = [
        ("missing", os.path.join(d, "nosuch"), ["No such file"]),
        ("empty", key("empty", b""), ["empty"]),
        ("15 bytes", key("short", b"x" * 15), ["shorter than 16 bytes"]),
        ("4097 bytes", key("long", b"x" * 4097), ["longer than 4096"]),
        ("a directory", d, ["not a regular file"]),
        ("mode 0640", key("g-r", secret, 0o640), ["group or others"]),
        ("mode 0620", key("g-w", secret, 0o620), ["group or others"]),
        ("mode 0604", key("o-r", secret, 0o604), ["group or others"]),
        ("mode 0602", key("o-w", secret, 0o602), ["group or others"]),
        ("mode 0700", key("x", secret, 0o700), None),
    ]
    link = os.path.join(d, "link")
    os.symlink(good, link)
    cases.append(("a symbolic link", link, ["symbolic link"]))
    fifo = os.path.join(d, "fifo")
    os.mkfifo(fifo, 0o600)
    cases.append(("a FIFO (no hang)", fifo, ["not a regular file"]))
    if os.geteuid() == 0:
        other = key("other", secret)
        os.chown(other, 65534, 65534)
        cases.append(("owned by another user", other, ["not owned"]))
    else:
        skip("-K a key of another user", "needs root to chown")
    for what, path, want in cases:
        out = os.path.join(WORK, "key-out.json")
        if os.path.exists(out):
            os.unlink(out)
        p = subprocess.run([BIN, "-P", "local", "-K", path, "-o", out],
                           input=HS + sentinel(), capture_output=True,
                           timeout=10)
        err = p.stderr.decode("ascii", "replace")
        probs = []
        if want is None:
            if p.returncode != 0 or not os.path.exists(out):
                probs.append("exit %d, %r" % (p.returncode, err[:200]))
        else:
            if p.returncode != 1:
                probs.append("exit %d" % p.returncode)
            probs += ["no %r in %r" % (w, err[:300]) for w in want
                      if w not in err]
            if os.path.exists(out):
                probs.append("the sink was opened before the key failed")
        if secret in p.stderr or secret in p.stdout:
            probs.append("the key's bytes were printed")
        check("-K %s: %s" % (what, "refused" if want else "taken"), probs)

    # -P's own errors, and what needs no key
    for argv, want, rc in (
            (["-P", "local"], "need a key", 1),
            (["-P", "user"], "need a key", 1),
            (["-P", "all"], "need a key", 1),
            (["-P", "names"], "local, user, ip, proto, all", 1),
            (["-P", "local,"], "empty item", 1),
            (["-P", "ip,proto"], None, 0)):
        out = os.path.join(WORK, "key-out.json")
        if os.path.exists(out):
            os.unlink(out)
        p = subprocess.run([BIN] + argv + ["-o", out], input=HS + sentinel(),
                           capture_output=True, timeout=10)
        err = p.stderr.decode("ascii", "replace")
        probs = [] if p.returncode == rc else ["exit %d" % p.returncode]
        if want is not None and want not in err:
            probs.append("no %r in %r" % (want, err[:300]))
        check("%s: %s" % (" ".join(argv), want or "runs without a key"),
              probs)

    # stable across restarts, another key gives other pseudonyms, and the
    # records never carry the key
    feed = HS + rep("link-connect", "0123456789abcdef", b"r.example",
                    b"pass", b"192.0.2.9:1025", b"192.0.2.2:25") + \
        rep("tx-mail", "0123456789abcdef", b"0badcafe", b"ok",
            b"Alice@example.com") + sentinel()
    other = key("other-key", b"another key of 32 bytes, 0123456")
    outs = []
    for k in (good, good, other):
        r = run_filter("key-stable", feed, args=["-P", "local", "-K", k])
        with open(r.path, "rb") as f:
            outs.append(f.read())
    probs = []
    if outs[0] != outs[1]:
        probs.append("two runs with one key differ")
    if outs[0] == outs[2]:
        probs.append("another key gives the same records")
    if b"Alice@" in outs[0] or b"p." not in outs[0]:
        probs.append("no pseudonym: %r" % outs[0][:200])
    if any(secret in o for o in outs):
        probs.append("a record holds the key")
    check("-K: same key, same pseudonyms; another key, others", probs)


def case_stderr_flood():
    bad = b"report|0.7|x|smtp-in|link-connect|0123456789abcdef\n" * 100000
    r = run_filter("flood", [HS, bad, sentinel()])
    p, _ = basics(r)
    n = len(r.err.splitlines())
    if n > 40:
        p.append("%d stderr lines for 100000 bad lines" % n)
    if stat(r, "malformed") != 100000:
        p.append("malformed=%d" % stat(r, "malformed"))
    check("100000 bad lines give %d stderr lines" % n, p)


# ---- sinks --------------------------------------------------------------

def wait_for(pred, secs, step=0.05):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(step)
    return pred()


def events(n, t0=1700000000000000, prefix=0x7000000000000000, pad=0):
    """n records' worth of protocol-server lines in 8 sessions."""
    body = b"250 " + b"x" * pad
    return b"".join(
        b"report|0.7|%s|smtp-in|protocol-server|%016x|%s\n" %
        (ts_of(t0 + i), prefix + (i & 7), body) for i in range(n))


def usr1_events(proc, errpath, want, secs):
    """SIGUSR1 until the counter line shows events=want."""
    def seen():
        try:
            proc.send_signal(signal.SIGUSR1)
        except ProcessLookupError:
            return False
        time.sleep(0.05)
        with open(errpath, "r", errors="replace") as f:
            c = counters(f.read())
        return c is not None and c.get("events") == want
    return wait_for(seen, secs, 0.2)


def fill(path):
    """Fill the file system of path; return the bytes written."""
    n = 0
    chunk = b"\0" * 65536
    with open(path, "wb", buffering=0) as f:
        while True:
            try:
                w = f.write(chunk)
            except OSError as e:
                if e.errno != errno.ENOSPC:
                    raise
                chunk = chunk[:len(chunk) // 2]
                if not chunk:
                    break
                continue
            n += w
    return n


def count_lines(path):
    try:
        with open(path, "rb") as f:
            return f.read().count(b"\n")
    except FileNotFoundError:
        return 0


def some_dropped(r, n):
    """n records, some dropped, each either written or dropped."""
    if stat(r, "records") != n or stat(r, "dropped") < 1 or \
            stat(r, "written") + stat(r, "dropped") != n:
        return ["records=%d written=%d dropped=%d: want %d records, all "
                "either written or dropped" %
                (stat(r, "records"), stat(r, "written"), stat(r, "dropped"),
                 n)]
    return []


def case_full_disk():
    mnt = os.path.join(WORK, "mnt")
    os.makedirs(mnt, exist_ok=True)
    if os.path.ismount(mnt):    # left by a run that was killed
        subprocess.call(["umount", mnt], stderr=subprocess.DEVNULL)
    if subprocess.call(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs",
                        mnt], stderr=subprocess.DEVNULL) != 0:
        for n in ("full disk: keeps reading, recovers",
                  "full disk, a record cut: recovers with whole lines",
                  "full disk for good: drops counted",
                  "full disk: partial record, then a restart"):
            skip(n, "cannot mount a tmpfs (not root?)")
        return
    _mounts.append(mnt)
    try:
        full_disk_recover(mnt)
        full_disk_recover(mnt, 6000)
        full_disk_forever(mnt)
        full_disk_partial(mnt)
    finally:
        subprocess.call(["umount", mnt])
        _mounts.remove(mnt)


def full_disk_recover(mnt, leave=0):
    """The disk is full (but for leave bytes: a record gets cut) while
    records come; then space comes back."""
    name = "full disk: keeps reading, recovers" if not leave else \
        "full disk, a record cut: recovers with whole lines"
    out = os.path.join(mnt, "out.json")
    filler = os.path.join(mnt, "filler")
    open(out, "wb").close()
    fill(filler)
    if leave:
        os.truncate(filler, os.path.getsize(filler) - leave)
    n1, n2 = 2000, 500
    note = {}

    def during(proc, res):
        # all of the input read while nothing can be written
        note["read"] = usr1_events(proc, res.errpath, n1, 10)
        note["none"] = count_lines(out) < (leave // 1000) + 1
        os.unlink(filler)
        note["flushed"] = wait_for(lambda: count_lines(out) == n1, 10)
        proc.stdin.write(events(n2, t0=1700000100000000))
        proc.stdin.flush()
    r = run_filter("full-recover%d" % leave, [HS, events(n1, pad=900)],
                   args=["-o", out], out=False, during=during)
    r.path = out
    p, _ = basics(r, sent=False)
    if not note.get("read"):
        p.append("did not read all input while the disk was full")
    if not note.get("none"):
        p.append("records written to a full disk?")
    if not note.get("flushed"):
        p.append("held records not written within 10 s of space coming "
                 "back (%d lines)" % count_lines(out))
    if r.nrec != n1 + n2 or stat(r, "written") != n1 + n2 or \
            stat(r, "dropped") != 0:
        p.append("lines %d written=%d dropped=%d, want %d, %d, 0" %
                 (r.nrec, stat(r, "written"), stat(r, "dropped"), n1 + n2,
                  n1 + n2))
    check(name, p)
    os.unlink(out)


def full_disk_forever(mnt):
    name = "full disk for good: drops counted"
    out = os.path.join(mnt, "out.json")
    filler = os.path.join(mnt, "filler")
    open(out, "wb").close()
    fill(filler)
    n = 12000       # about 12 MB of records, more than the sink holds
    r = run_filter("full-forever", [HS, events(n, pad=900)],
                   args=["-o", out], out=False, timeout=60)
    r.path = out
    p, _ = basics(r, sent=False)
    p += some_dropped(r, n)
    if r.secs > 20:
        p.append("took %.0f s" % r.secs)
    check(name + " (written=%d dropped=%d, %.1f s)" %
          (stat(r, "written"), stat(r, "dropped"), r.secs), p)
    os.unlink(filler)
    os.unlink(out)


def full_disk_partial(mnt):
    """Space for part of a record runs out, for good; the filter exits.
    A later filter on the same file must not glue its first record to the
    cut one."""
    name = "full disk: partial record, then a restart"
    out = os.path.join(mnt, "out.json")
    filler = os.path.join(mnt, "filler")
    open(out, "wb").close()
    fill(filler)
    os.truncate(filler, os.path.getsize(filler) - 6000)
    r = run_filter("full-partial", [HS, events(20, pad=900)],
                   args=["-o", out], out=False)
    p = []
    if r.rc != 0 or r.out != REG:
        p.append("first run: rc %s stdout %.80r" % (r.rc, r.out))
    os.unlink(filler)
    r = run_filter("full-partial2", [HS, sentinel()], args=["-o", out],
                   out=False)
    r.path = out
    p2, _ = basics(r)
    check(name, p + p2)
    os.unlink(out)


def case_stalled_output():
    """The output file is a FIFO that its reader never reads (a hung NFS
    server, a stuck disk): the writer thread is stuck in write(2), and the
    filter must go on reading smtpd's events, drop what does not fit (after
    waiting for the writer once), and exit 0 at EOF within its drain time."""
    name = "stalled output: keeps reading, drops counted, exits at EOF"
    fifo = os.path.join(WORK, "stalled.fifo")
    if os.path.exists(fifo):
        os.unlink(fifo)
    os.mkfifo(fifo, 0o600)
    rfd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)    # never read
    n = 12000       # about 12 MB of records: more than the sink holds
    note = {}

    def during(proc, res):
        note["read"] = usr1_events(proc, res.errpath, n, 20)
    try:
        r = run_filter("stalled", [HS, events(n, pad=900)],
                       args=["-o", fifo], out=False, during=during,
                       timeout=60)
    finally:
        os.close(rfd)
        os.unlink(fifo)
    p = []
    if r.timed_out or r.rc != 0:
        p.append("exit status %s (timed out: %s)" % (r.rc, r.timed_out))
    if r.out != REG:
        p.append("stdout %.80r" % r.out)
    if not note.get("read"):
        p.append("did not read all input while the output was stuck")
    p += some_dropped(r, n)
    if r.secs > 15:
        p.append("took %.0f s" % r.secs)
    check(name + " (dropped=%d, %.1f s)" % (stat(r, "dropped"), r.secs), p)


def case_sighup():
    out = os.path.join(WORK, "hup.json")
    for f in os.listdir(WORK):
        if f.startswith("hup.json"):
            os.unlink(os.path.join(WORK, f))
    n = 100000
    chunks = [HS] + [events(1000, t0=1700000000000000 + i * 1000)
                     for i in range(n // 1000)]
    moved = []

    def slow():
        for c in chunks:
            yield c
            time.sleep(0.01)

    def rotator(proc):
        i = 0
        while proc.poll() is None and i < 8:
            time.sleep(0.1)
            if not os.path.exists(out):
                continue
            i += 1
            dst = out + ".%d" % i
            os.rename(out, dst)
            moved.append(dst)
            proc.send_signal(signal.SIGHUP)

    holder = {}

    def start(proc):
        # rotate from a thread while the input still flows
        holder["t"] = threading.Thread(target=rotator, args=(proc,))
        holder["t"].start()
    r = run_filter("hup", slow(), args=["-o", out], out=False,
                   on_start=start)
    holder["t"].join()
    r.path = out
    p, _ = basics(r, sent=False)
    total = r.nrec
    for m in moved:
        k, mp, _ = check_records(m)
        total += k
        p += mp
    if total != n or stat(r, "records") != n or stat(r, "written") != n:
        p.append("%d lines in %d files, records=%d written=%d, want %d" %
                 (total, len(moved) + 1, stat(r, "records"),
                  stat(r, "written"), n))
    if len(moved) < 3:
        p.append("only %d rotations happened" % len(moved))
    check("SIGHUP after mv during heavy writing: %d rotations, %d lines" %
          (len(moved), total), p)


class Receiver:
    """A syslog daemon on an AF_UNIX datagram socket, in a thread."""

    def __init__(self, path, bufsize=65536):
        self.path = path
        self.bufsize = bufsize
        self.msgs = []
        self.bad = []
        self.reading = threading.Event()
        self.reading.set()
        self.stop_ev = threading.Event()
        self.sock = None
        self.th = None

    def start(self):
        if os.path.exists(self.path):
            os.unlink(self.path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF,
                             max(1 << 20, 2 * self.bufsize))
        self.sock.settimeout(0.05)
        self.stop_ev.clear()
        self.th = threading.Thread(target=self.loop)
        self.th.start()

    def loop(self):
        recv, add = self.sock.recv, self.msgs.append
        while not self.stop_ev.is_set():
            if not self.reading.is_set():
                time.sleep(0.02)
                continue
            try:
                add(recv(self.bufsize))
            except socket.timeout:
                pass

    def stop(self):
        self.stop_ev.set()
        self.th.join()
        self.sock.close()
        os.unlink(self.path)


SYSLOG_RE = re.compile(
    rb"^<(\d+)>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d filter-jsonlog\[(\d+)\]: "
    rb"(.*)$", re.S)


def check_datagrams(msgs, pid):
    p = []
    for m in msgs:
        mm = SYSLOG_RE.match(m)
        if not mm:
            p.append("datagram %.120r" % m)
        elif int(mm.group(1)) != 2 * 8 + 6 or int(mm.group(2)) != pid:
            p.append("priority or pid in %.80r" % m)
        else:
            why = record_problem(mm.group(3), 8000)
            if why:
                p.append("%s: %.120r" % (why, m))
        if len(p) >= 3:
            break
    return p


def case_syslog():
    sockp = os.path.join(WORK, "log.sock")

    # a receiver that keeps up: nothing is dropped
    # (at 25000 records a second: it must keep up with that)
    rx = Receiver(sockp)
    rx.start()
    n = 30000

    def paced():
        yield HS
        for i in range(n // 500):
            yield events(500, t0=1700000000000000 + i * 500)
            time.sleep(0.02)
    try:
        r = run_filter("syslog-up", paced(), args=["-S", sockp],
                       out=False)
        wait_for(lambda: len(rx.msgs) >= n, 5)
    finally:
        rx.stop()
    p, _ = basics(r, sent=False)
    p += check_datagrams(rx.msgs, r.pid)
    if len(rx.msgs) != n or stat(r, "dropped") != 0 or \
            stat(r, "written") != n:
        p.append("received %d written=%d dropped=%d, want %d, %d, 0" %
                 (len(rx.msgs), stat(r, "written"), stat(r, "dropped"), n,
                  n))
    check("syslog receiver keeping up: all %d records arrive" % n, p)

    # a receiver that stalls: the input still goes through quickly
    rx = Receiver(sockp)
    rx.start()
    rx.reading.clear()
    n = 30000
    note = {}

    def during(proc, res):
        note["read"] = usr1_events(proc, res.errpath, n, 15)
        note["t"] = time.monotonic() - t0
    t0 = time.monotonic()
    try:
        r = run_filter("syslog-stall", [HS, events(n, pad=600)],
                       args=["-S", sockp], out=False, during=during)
    finally:
        rx.stop()
    p, _ = basics(r, sent=False)
    if not note.get("read"):
        p.append("input not all read while the receiver stalled")
    if stat(r, "dropped") < 1 or \
            stat(r, "written") + stat(r, "dropped") != n:
        p.append("written=%d dropped=%d: want drops, and all %d records "
                 "either written or dropped" %
                 (stat(r, "written"), stat(r, "dropped"), n))
    if r.secs > 15:
        p.append("took %.1f s" % r.secs)
    check("syslog receiver stalled: %d records read in %.1f s, dropped=%d"
          % (n, note.get("t", -1), stat(r, "dropped")), p)

    # stopped, then restarted: the filter reconnects
    rx = Receiver(sockp)
    rx.start()
    note = {}

    def during2(proc, res):
        wait_for(lambda: len(rx.msgs) >= 100, 5)
        note["phase1"] = len(rx.msgs)
        rx.stop()
        proc.stdin.write(events(100, t0=1700000100000000))
        proc.stdin.flush()
        note["read2"] = usr1_events(proc, res.errpath, 200, 5)
        time.sleep(1.5)
        alive = proc.poll() is None
        rx.start()
        proc.stdin.write(events(100, t0=1700000200000000))
        proc.stdin.flush()
        note["after"] = wait_for(lambda: len(rx.msgs) >= 300, 8)
        note["alive"] = alive
    try:
        r = run_filter("syslog-restart", [HS, events(100)],
                       args=["-S", sockp], out=False, during=during2)
    finally:
        if rx.th is not None and rx.th.is_alive():
            rx.stop()
    p, _ = basics(r, sent=False)
    if note.get("phase1") != 100:
        p.append("%s records before the stop, want 100" %
                 note.get("phase1"))
    if not note.get("read2") or not note.get("alive"):
        p.append("input not read while the receiver was away")
    if not note.get("after"):
        p.append("only %d records in all after the restart, want 300" %
                 len(rx.msgs))
    if stat(r, "written") + stat(r, "dropped") != 300:
        p.append("written=%d dropped=%d, want a sum of 300" %
                 (stat(r, "written"), stat(r, "dropped")))
    check("syslog receiver stopped and restarted: %d of 300 arrive, "
          "dropped=%d" % (len(rx.msgs), stat(r, "dropped")), p)

    # -s 1 MB: a record of 360 KB (a HELO of 60000 bytes not UTF-8, each
    # one \ufffd) is one datagram, larger than Linux's default send
    # buffer (the filter asks for the one it needs); where the kernel
    # cannot send that much, the filter says so at start and caps records
    big = rep("link-identify", "00000000000000b1", b"EHLO",
              b"\xff" * 60000)

    def big_run(name, env=None):
        """The big record and the sentinel through syslog with -s 1 MB:
        (problems, the cap the filter warned of or None, record sizes)."""
        rx = Receiver(sockp, bufsize=2 << 20)
        rx.start()
        try:
            r = run_filter(name, [HS, big, sentinel()],
                           args=["-S", sockp, "-s", "1048576"], out=False,
                           env=env)
            wait_for(lambda: len(rx.msgs) >= 2, 5)
        finally:
            rx.stop()
        p, _ = basics(r, sent=False)
        capped = re.search(r"-s 1048576: syslog datagrams here carry at "
                           r"most (\d+) bytes", r.err)
        cap = int(capped.group(1)) if capped else None
        sizes = []
        for m in rx.msgs:
            mm = SYSLOG_RE.match(m)
            if not mm:
                p.append("datagram %.80r" % m)
                continue
            why = record_problem(mm.group(3), cap or 1048576)
            if why:
                p.append(why)
            sizes.append(len(mm.group(3)))
        if len(rx.msgs) != 2 or stat(r, "dropped") != 0:
            p.append("%d datagrams, dropped=%d: want 2, 0" %
                     (len(rx.msgs), stat(r, "dropped")))
        return p, cap, sizes, r.err

    p, cap, sizes, _ = big_run("syslog-big")
    if cap is None and not p and max(sizes) < 360000:
        p.append("largest record %d bytes: the HELO was cut" % max(sizes))
    check("syslog with -s 1 MB: records of %s bytes arrive whole%s" %
          (sizes, " (capped at %d here)" % cap if cap else ""), p)

    # the same where the send buffer cannot grow (setsockopt(SO_SNDBUF)
    # made a no-op by a preloaded library: Linux's default buffer, 212992
    # bytes): the filter says so and caps its records to fit
    shim = os.path.join(WORK, "nosndbuf.so")
    with open(shim[:-3] + ".c", "w") as f:
        f.write("#include <sys/socket.h>\n"
                "int setsockopt(int s, int l, int o, const void *v, "
                "socklen_t n) { (void)s; (void)l; (void)o; (void)v; "
                "(void)n; return 0; }\n")
    cc = subprocess.run(["cc", "-shared", "-fPIC", "-o", shim,
                         shim[:-3] + ".c"], capture_output=True)
    if cc.returncode != 0 or not sys.platform.startswith("linux"):
        skip("syslog with a small send buffer",
             "no cc for the shim, or not Linux")
    else:
        env = dict(os.environ, LD_PRELOAD=shim,
                   ASAN_OPTIONS="verify_asan_link_order=0:" +
                   os.environ.get("ASAN_OPTIONS", ""))
        p, cap, sizes, err = big_run("syslog-small", env)
        if not 100000 < (cap or 0) < 212992:
            p.append("no warning with a cap between 100000 and 212992 "
                     "on stderr: %.200r" % err)
        check("syslog with -s 1 MB and a send buffer that cannot grow: "
              "records capped at %s, %s bytes, none dropped" %
              (cap, sizes), p)

    # no receiver at all, ever: counted as dropped, exit 0 quickly
    r = run_filter("syslog-none", [HS, events(1000)],
                   args=["-S", os.path.join(WORK, "nobody.sock")],
                   out=False)
    p, _ = basics(r, sent=False)
    if stat(r, "dropped") != 1000:
        p.append("dropped=%d, want 1000" % stat(r, "dropped"))
    if r.secs > 10:
        p.append("took %.1f s" % r.secs)
    check("no syslog socket: every record counted as dropped", p)


def case_valgrind():
    vg = subprocess.run(["sh", "-c", "command -v valgrind"],
                        capture_output=True).stdout.strip()
    if SANITIZED:
        skip("valgrind", "the filter is built with a sanitizer")
        return
    if not vg:
        skip("valgrind", "valgrind not installed")
        return
    inputs = []
    for d, ext in (("tests/golden", ".in"), ("tests/streams", ".stream")):
        dd = os.path.join(TOP, d)
        if os.path.isdir(dd):
            inputs += [os.path.join(dd, f) for f in sorted(os.listdir(dd))
                       if f.endswith(ext)]
    adv = os.path.join(WORK, "valgrind-adversarial.in")
    with open(adv, "wb") as f:
        f.write(HS)
        for ev, params in GOOD.items():
            for v in (b"0.4", b"0.7", b"0.10"):
                f.write(rep(ev, "0123456789abcdef", *params, v=v))
                f.write(rep(ev, "0123456789abcdee", *[NASTY] * len(params),
                            v=v))
        f.write(b"x" * 200000 + b"\n")
        # more sessions than the first hash table holds: it grows twice
        f.write(b"".join(gen_sessions(2100, 1000)))
        f.write(sentinel())
    inputs.append(adv)
    vgargs = [vg.decode(), "-q", "--error-exitcode=1", "--leak-check=full",
              "--errors-for-leak-kinds=definite,indirect,possible"]
    for path in inputs:
        for args in ([], ["-n", "3", "-s", "1024"]):
            name = "valgrind %s %s" % (os.path.basename(path),
                                       " ".join(args))
            outp = os.path.join(WORK, "vg.json")
            with open(path, "rb") as f:
                p = subprocess.run(vgargs + [BIN, "-o", outp] + args,
                                   stdin=f, capture_output=True, timeout=120)
            err = p.stderr.decode("ascii", "replace")
            vgerr = [l for l in err.splitlines() if l.startswith("==")]
            if p.returncode != 0 or vgerr:
                fail(name, "rc %d: %s" % (p.returncode,
                                          " | ".join(vgerr[:8])))
            else:
                ok(name)
            if path != adv:
                break   # the defaults for the real streams
    # the syslog sink, with a receiver that stalls for a while
    sockp = os.path.join(WORK, "vg.sock")
    rx = Receiver(sockp)
    rx.start()
    rx.reading.clear()
    try:
        with open(adv, "rb") as f:
            p = subprocess.Popen(vgargs + [BIN, "-S", sockp], stdin=f,
                                 stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE)
            _children.append(p)
            time.sleep(1)
            rx.reading.set()
            so, se = p.communicate(timeout=120)
            _children.remove(p)
    finally:
        rx.stop()
    vgerr = [l for l in se.decode("ascii", "replace").splitlines()
             if l.startswith("==")]
    if p.returncode != 0 or vgerr or so != REG:
        fail("valgrind syslog sink", "rc %d: %s" % (p.returncode,
                                                  " | ".join(vgerr[:8])))
    else:
        ok("valgrind syslog sink (%d datagrams)" % len(rx.msgs))


def case_summaries():
    """-r tx,session with the real binary: what is open when input ends or
    TERM comes is summarized ("shutdown"), an idle session expires in
    real time ("expired"), and the counters count the summaries."""
    def open_session(sid, t=b"1700000000.000000"):
        return [rep("link-connect", sid, b"c.example", b"pass",
                    b"192.0.2.9:4000", b"192.0.2.2:25", ts=t),
                rep("tx-begin", sid, b"0c000001", ts=t),
                rep("tx-mail", sid, b"0c000001", b"ok", b"a@example.net",
                    ts=t)]

    def summaries(recs):
        return [(x["event"]["dataset"], x["event"]["id"],
                 x["opensmtpd"].get("tx", {}).get("result"),
                 x["opensmtpd"]["session"].get("end_reason"))
                for x in recs if x["event"]["dataset"] != "opensmtpd.event"]

    want = [("opensmtpd.transaction", "00000000000000c1.t1", "aborted", None),
            ("opensmtpd.session", "00000000000000c1.s", None, "shutdown")]
    # end of input
    r = run_filter("summaries-eof", [HS] + open_session("00000000000000c1"),
                   args=["-r", "tx,session"])
    p, recs = basics(r, sent=False, keep=True)
    got = summaries(recs)
    if got != want:
        p.append("summaries %r, want %r" % (got, want))
    if stat(r, "records") != 5:
        p.append("records=%s, want 5 (3 events, 2 summaries)" %
                 stat(r, "records"))
    check("summaries of what is open at the end of input", p)

    # TERM while input is still open
    def term(proc, res):
        wait_for(lambda: count_lines(res.path) >= 3, 10)
        proc.send_signal(signal.SIGTERM)
        wait_for(lambda: proc.poll() is not None, 10)
    r = run_filter("summaries-term", [HS] + open_session("00000000000000c1"),
                   args=["-r", "tx,session"], during=term)
    p, recs = basics(r, sent=False, keep=True, streamed=False)
    got = summaries(recs)
    if got != want:
        p.append("summaries %r, want %r" % (got, want))
    check("summaries of what is open when TERM comes, exit 0", p)

    # expiry in real time: timeout 1 s, so idle for 4 s by both clocks
    hs = HS.replace(b"smtp-session-timeout|300", b"smtp-session-timeout|1")

    def slow():
        # past the pipe writer's buffer: on its way before the pause
        yield hs + b"".join(open_session("00000000000000c1")) + b"\n" * 9000
        time.sleep(5.5)
        yield rep("link-connect", "00000000000000c2", b"c.example", b"pass",
                  b"192.0.2.9:4001", b"192.0.2.2:25",
                  ts=b"1700000010.000000")
    r = run_filter("summaries-expiry", slow(), args=["-e", "none", "-r",
                                                      "tx,session"])
    p, recs = basics(r, sent=False, keep=True)
    got = summaries(recs)
    want_exp = [("opensmtpd.transaction", "00000000000000c1.t1", "aborted",
                 None),
                ("opensmtpd.session", "00000000000000c1.s", None, "expired"),
                ("opensmtpd.session", "00000000000000c2.s", None,
                 "shutdown")]
    if got != want_exp:
        p.append("summaries %r, want %r" % (got, want_exp))
    if stat(r, "expired") != 1:
        p.append("expired=%s, want 1" % stat(r, "expired"))
    check("-e none -r tx,session: a session expired in real time is "
          "summarized, nothing else written", p)


# ---- self-statistics (-i) --------------------------------------------------

STATS_KEYS = ["events", "records", "malformed", "unknown", "truncated",
              "dropped", "written_bytes", "sessions_open", "sessions_expired",
              "sessions_evicted", "queue_bytes", "interval_s"]
STATS_MONOTONIC = ["events", "records", "malformed", "unknown", "truncated",
                   "dropped", "written_bytes", "sessions_expired",
                   "sessions_evicted"]


def is_stats(rec):
    return rec.get("event", {}).get("dataset") == "opensmtpd.stats"


def stats_problems(st, interval):
    """The shape of each stats record, and counters that never go back."""
    p = []
    for i, x in enumerate(st):
        ev = x.get("event", {})
        if ev != {"kind": "metric", "module": "opensmtpd",
                  "dataset": "opensmtpd.stats", "action": "stats"}:
            p.append("stats record %d: event %r" % (i, ev))
        o = x.get("opensmtpd", {}).get("stats", {})
        if list(o) != STATS_KEYS:
            p.append("stats record %d: keys %r" % (i, list(o)))
        if any(type(v) is not int or v < 0 for v in o.values()):
            p.append("stats record %d: not counts: %r" % (i, o))
        if o.get("interval_s") != interval:
            p.append("stats record %d: interval_s %r" % (i, o.get("interval_s")))
        if x.get("observer", {}).get("hostname") != "mx.example.org":
            p.append("stats record %d: observer %r" % (i, x.get("observer")))
        if len(p) >= 3:
            return p
    for a, b in zip(st, st[1:]):
        oa, ob = a["opensmtpd"]["stats"], b["opensmtpd"]["stats"]
        back = [k for k in STATS_MONOTONIC if ob.get(k, 0) < oa.get(k, 0)]
        if back:
            p.append("counters went back: %r in %r -> %r" % (back, oa, ob))
            break
        if b["@timestamp"] < a["@timestamp"]:
            p.append("@timestamp went back: %s -> %s" %
                     (a["@timestamp"], b["@timestamp"]))
            break
    return p


def case_stats():
    """-i 1 on a slow input of about 3.5 s: the counters, live, in the file."""
    per, rounds = 250, 4
    total = per * rounds + 1    # and the sentinel

    def slow():
        yield HS
        for k in range(rounds):
            yield events(per, t0=1700000000000000 + k * per,
                         prefix=0x7100000000000000 + (k << 8))
            time.sleep(0.9)
        yield sentinel()
    r = run_filter("stats", slow(), args=["-i", "1"])
    p, recs = basics(r, sent=False, keep=True)
    st = [x for x in recs if is_stats(x)]
    ev = [x for x in recs if not is_stats(x)]
    p += stats_problems(st, 1)
    if len(st) < 3:     # two or more on the timer, and the last at EOF
        p.append("%d stats records in %.1f s, want 3 or more" %
                 (len(st), r.secs))
    if not ev or ev[-1].get("opensmtpd", {}).get("session", {}).get(
            "id") != SENT_ID:
        p.append("the sentinel is not the last event record")
    if st:
        last = st[-1]["opensmtpd"]["stats"]
        if recs[-1] is not st[-1]:
            p.append("the last record is not the final stats record")
        if last.get("events") != total or last.get("records") != len(ev) \
                or stat(r, "events") != total:
            p.append("final stats events=%r records=%r, counter line "
                     "events=%d; want %d events and %d records" %
                     (last.get("events"), last.get("records"),
                      stat(r, "events"), total, len(ev)))
        live = [x["opensmtpd"]["stats"]["events"] for x in st[:-1]]
        if not any(0 < n < total for n in live):
            p.append("no stats record while events came in: %r" % live)
        if last.get("sessions_open") != 4 * 8 + 1:
            p.append("sessions_open %r, want 33" % last.get("sessions_open"))
    # stats records are not records, but the sink writes (and counts) them
    size = os.path.getsize(r.path) if os.path.exists(r.path) else -1
    if stat(r, "records") != len(ev) or \
            stat(r, "written") != len(ev) + len(st) or \
            stat(r, "written_bytes") != size:
        p.append("records=%d written=%d written_bytes=%d; want %d, %d, "
                 "%d (the file)" % (stat(r, "records"), stat(r, "written"),
                                    stat(r, "written_bytes"), len(ev),
                                    len(ev) + len(st), size))
    check("-i 1: %d stats records over %.1f s, counters rising, final "
          "events=%d" % (len(st), r.secs, total), p)

    # without -i: not one
    r = run_filter("stats-off", [HS, events(100), sentinel()])
    p, recs = basics(r, keep=True)
    if any(is_stats(x) for x in recs):
        p.append("a stats record without -i")
    r2 = run_filter("stats-zero", [HS, events(100), sentinel()],
                    args=["-i", "0"])
    p2, recs2 = basics(r2, keep=True)
    p += p2
    if any(is_stats(x) for x in recs2):
        p.append("a stats record with -i 0")
    check("no -i, -i 0: no stats record", p)

    # to syslog, in the same datagrams as the records
    sockp = os.path.join(WORK, "stats.sock")
    rx = Receiver(sockp)
    rx.start()

    def slow2():
        yield HS
        yield events(100)
        time.sleep(1.3)
        yield sentinel()
    try:
        r = run_filter("stats-syslog", slow2(), args=["-S", sockp, "-i", "1"],
                       out=False)
        wait_for(lambda: len(rx.msgs) >= 103, 5)
    finally:
        rx.stop()
    p, _ = basics(r, sent=False)
    p += check_datagrams(rx.msgs, r.pid)
    st = []
    for m in rx.msgs:
        mm = SYSLOG_RE.match(m)
        if mm and b'"opensmtpd.stats"' in mm.group(3):
            st.append(json.loads(mm.group(3)))
    p += stats_problems(st, 1)
    if len(st) < 2 or st[-1]["opensmtpd"]["stats"]["events"] != 101:
        p.append("%d stats datagrams (want 2 or more), last %r" %
                 (len(st), st[-1] if st else None))
    if len(rx.msgs) != 101 + len(st):
        p.append("%d datagrams, want %d" % (len(rx.msgs), 101 + len(st)))
    check("-i 1 to syslog: %d stats datagrams among the records" % len(st), p)


CASES = [
    ("long", case_long_lines),
    ("nul", case_nul),
    ("bytes", case_bytes_every_field),
    ("truncated", case_truncated),
    ("fields", case_field_counts),
    ("ids", case_ids),
    ("unknown", case_unknown),
    ("handshake", case_handshake),
    ("sessions", case_million_sessions),
    ("rcpts", case_million_rcpts),
    ("timestamps", case_timestamps),
    ("credentials", case_credentials),
    ("stdin", case_stdin_kinds),
    ("options", case_options),
    ("privacy", case_privacy_key),
    ("flood", case_stderr_flood),
    ("socket", case_socket),
    ("fulldisk", case_full_disk),
    ("stalled", case_stalled_output),
    ("sighup", case_sighup),
    ("summaries", case_summaries),
    ("syslog", case_syslog),
    ("valgrind", case_valgrind),
    ("stats", case_stats),
]


def main():
    global _case
    os.makedirs(WORK, exist_ok=True)
    try:
        for name, fn in CASES:
            if ONLY and name not in ONLY:
                continue
            _case = name
            t0 = time.monotonic()
            try:
                fn()
            except Exception as e:
                import traceback
                traceback.print_exc()
                fail(name, "the test itself broke: %r" % e)
            print("robust: %-12s %5.1f s" % (name, time.monotonic() - t0),
                  file=sys.stderr)
    finally:
        cleanup()


if __name__ == "__main__":
    main()
