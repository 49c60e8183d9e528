#!/usr/bin/env python3
"""Ship filter-jsonlog records into Elasticsearch as Filebeat would.

    python3 tests/elastic/index.py [options] URL FILE...

Every FILE holds records as the filter writes them with -o: one JSON
record a line.  Each line becomes one bulk `create` operation on the data
stream (default logs-opensmtpd.event-default), so the data stream's index
template, and its default pipeline if the cluster has one, apply exactly
as they do to Filebeat's requests.  After the last batch the data stream
is refreshed.

Shapes (--shape):
  decoded  the record is the document, as Filebeat's ndjson parser (or
           rsyslog's omelasticsearch with a message-only template) sends
           it.  This is the default.
  syslog   the whole line OpenBSD's syslogd writes is the document's
           `message`: "<time> <host> filter-jsonlog[<pid>]: <record>",
           with the `@timestamp` Filebeat sets (the time it read the line)
           and `log.file.path`; the ingest pipeline must decode it.

Options:
  --data-stream NAME   target (default logs-opensmtpd.event-default)
  --pipeline NAME      send ?pipeline=NAME (default: none, the data
                       stream's index.default_pipeline decides)
  --batch N            documents per bulk request (default 500)
  --host NAME          host name in the syslog prefix (default mx)
  --stats FILE         write {"documents", "bytes", "seconds", "requests"}
                       as JSON to FILE
  --quiet              no summary line on stdout

Exit status: 0 when every operation was created; 1 when any bulk item
failed (the first errors are printed), the server refused a request, or
a line is not JSON; 2 on bad usage.  Python 3 standard library only.
"""

import json
import sys
import time

import eshttp


def usage(msg):
    sys.stderr.write("index.py: %s\n%s" % (msg, __doc__))
    sys.exit(2)


def request(method, url, body=None, ctype="application/json"):
    return eshttp.request(method, url, body, ctype, timeout=300)


def syslog_line(record_text, host, pid, when):
    # OpenBSD syslogd -Z: RFC 3339 UTC with milliseconds.
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(when)) + \
        ".%03dZ" % int((when % 1) * 1000)
    return "%s %s filter-jsonlog[%d]: %s" % (stamp, host, pid, record_text)


def main(argv):
    opts = {"shape": "decoded", "data-stream": "logs-opensmtpd.event-default",
            "pipeline": None, "batch": "500", "host": "mx", "stats": None}
    quiet = False
    args = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--quiet":
            quiet = True
        elif a.startswith("--") and a[2:] in opts:
            if i + 1 >= len(argv):
                usage(a + " needs a value")
            opts[a[2:]] = argv[i + 1]
            i += 1
        elif a.startswith("--"):
            usage("unknown option " + a)
        else:
            args.append(a)
        i += 1
    if len(args) < 2:
        usage("need URL and at least one FILE")
    if opts["shape"] not in ("decoded", "syslog"):
        usage("--shape is decoded or syslog")
    url = args[0].rstrip("/")
    files = args[1:]
    batch = int(opts["batch"])
    ds = opts["data-stream"]
    bulk_url = url + "/" + ds + "/_bulk"
    if opts["pipeline"]:
        bulk_url += "?pipeline=" + opts["pipeline"]

    docs = []
    raw_bytes = 0
    for f in files:
        with open(f, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                line = line.rstrip("\n")
                if line == "":
                    continue
                try:
                    rec = json.loads(line)
                except ValueError as e:
                    sys.stderr.write("index.py: %s:%d: not JSON: %s\n" % (f, n, e))
                    return 1
                raw_bytes += len(line.encode())
                if opts["shape"] == "decoded":
                    docs.append(line)
                else:
                    when = time.time()
                    docs.append(json.dumps({
                        "@timestamp": time.strftime("%Y-%m-%dT%H:%M:%S",
                                                    time.gmtime(when)) +
                        ".%03dZ" % int((when % 1) * 1000),
                        "message": syslog_line(line, opts["host"], 4242, when),
                        "log": {"file": {"path": "/var/log/jsonlog"}},
                    }, separators=(",", ":")))
                del rec

    action = '{"create":{}}\n'
    created = 0
    errors = []
    requests = 0
    t0 = time.monotonic()
    for start in range(0, len(docs), batch):
        chunk = docs[start:start + batch]
        body = "".join(action + d + "\n" for d in chunk)
        status, ans = request("POST", bulk_url, body, "application/x-ndjson")
        requests += 1
        if status // 100 != 2:
            sys.stderr.write("index.py: POST %s: HTTP %d: %s\n" %
                             (bulk_url, status, json.dumps(ans)[:2000]))
            return 1
        for item in ans.get("items", []):
            op = item.get("create", {})
            if op.get("status", 0) // 100 == 2:
                created += 1
            else:
                errors.append(op.get("error"))
    status, ans = request("POST", url + "/" + ds + "/_refresh")
    seconds = time.monotonic() - t0
    if status // 100 != 2:
        sys.stderr.write("index.py: refresh %s: HTTP %d: %s\n" %
                         (ds, status, json.dumps(ans)[:1000]))
        return 1
    if opts["stats"]:
        with open(opts["stats"], "w") as fh:
            json.dump({"documents": created, "bytes": raw_bytes,
                       "seconds": seconds, "requests": requests}, fh)
    if errors:
        sys.stderr.write("index.py: %d of %d operations failed; the first:\n" %
                         (len(errors), len(docs)))
        for e in errors[:5]:
            sys.stderr.write("  %s\n" % json.dumps(e)[:1000])
        return 1
    if not quiet:
        print("index.py: %d documents (%s shape, %d bytes of records) into %s"
              " in %.2f s" % (created, opts["shape"], raw_bytes, ds, seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
