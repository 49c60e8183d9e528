#!/usr/bin/env python3
"""The questions asked of summary records, answered by the engine and by
the summaries themselves: both answers must agree.

    python3 tests/elastic/summaries.py URL --tx FILE... --session FILE...

The summaries were bulk-created into logs-opensmtpd.transaction-default
and logs-opensmtpd.session-default (tests/elastic/run.sh).  Each question
is an aggregation on the engine and the same computation in Python over
the files; one line each: "ok ..." or "FAIL ...: engine ..., summaries ...".
Python 3 standard library only.
"""

import json
import sys

import eshttp

TX_DS = "logs-opensmtpd.transaction-default"
SESSION_DS = "logs-opensmtpd.session-default"


def say(kind, desc, why=""):
    print("%s %s%s" % (kind, desc, (": " + why) if why else ""))
    sys.stdout.flush()


def search(url, ds, body):
    st, ans = eshttp.request("POST", "%s/%s/_search" % (url, ds),
                             json.dumps(body).encode(), "application/json",
                             timeout=120)
    if st != 200:
        raise RuntimeError("%s: HTTP %d %s" % (ds, st, json.dumps(ans)[:300]))
    return ans


def read(files):
    out = []
    for f in files:
        with open(f) as fh:
            out.extend(json.loads(l) for l in fh if l.strip())
    return out


def get(doc, path):
    for k in path.split("."):
        if not isinstance(doc, dict) or k not in doc:
            return None
        doc = doc[k]
    return doc


def terms(url, ds, field, size=100):
    ans = search(url, ds, {"size": 0, "track_total_hits": True, "aggs": {
        "t": {"terms": {"field": field, "size": size}}}})
    return ({b["key"]: b["doc_count"] for b in ans["aggregations"]["t"]["buckets"]},
            ans["hits"]["total"]["value"])


def count_by(docs, path):
    out = {}
    for d in docs:
        v = get(d, path)
        if v is not None:
            out[v] = out.get(v, 0) + 1
    return out


def agree(desc, engine, ours):
    if engine == ours:
        say("ok", "%s (%s)" % (desc, json.dumps(ours, sort_keys=True)[:120]))
    else:
        say("FAIL", desc, "engine %s, summaries %s" % (
            json.dumps(engine, sort_keys=True)[:200],
            json.dumps(ours, sort_keys=True)[:200]))


def main(argv):
    if len(argv) < 4 or argv[1] != "--tx" or "--session" not in argv:
        sys.stderr.write(__doc__)
        return 2
    url = argv[0].rstrip("/")
    i = argv.index("--session")
    tx = read(argv[2:i])
    sess = read(argv[i + 1:])
    if not tx or not sess:
        say("FAIL", "summaries to compare", "none in the files")
        return 1

    got, total = terms(url, TX_DS, "opensmtpd.tx.result")
    agree("messages by result (opensmtpd.tx.result)", [got, total],
          [count_by(tx, "opensmtpd.tx.result"), len(tx)])
    got, _ = terms(url, TX_DS, "event.provider")
    agree("messages by direction (event.provider)", got,
          count_by(tx, "event.provider"))
    got, total = terms(url, SESSION_DS, "opensmtpd.session.end_reason")
    agree("sessions by end reason (opensmtpd.session.end_reason)",
          [got, total], [count_by(sess, "opensmtpd.session.end_reason"),
                         len(sess)])

    # sums and the slowest: numbers as the template maps them (long)
    ans = search(url, TX_DS, {"size": 0, "aggs": {
        "acc": {"sum": {"field": "opensmtpd.tx.accepted_count"}},
        "rej": {"sum": {"field": "opensmtpd.tx.rejected_count"}},
        "bytes": {"sum": {"field": "opensmtpd.tx.size"}},
        "slowest": {"max": {"field": "event.duration"}}}})
    a = ans["aggregations"]
    durs = [get(d, "event.duration") for d in tx
            if get(d, "event.duration") is not None]
    agree("recipients accepted / refused and bytes in all messages",
          [int(a["acc"]["value"]), int(a["rej"]["value"]),
           int(a["bytes"]["value"])],
          [sum(get(d, "opensmtpd.tx.accepted_count") or 0 for d in tx),
           sum(get(d, "opensmtpd.tx.rejected_count") or 0 for d in tx),
           sum(get(d, "opensmtpd.tx.size") or 0 for d in tx)])
    agree("the slowest transaction (event.duration, ns)",
          int(a["slowest"]["value"]) if a["slowest"]["value"] is not None
          else None, max(durs) if durs else None)

    # sessions by end reason with their messages and error replies
    ans = search(url, SESSION_DS, {"size": 0, "aggs": {"r": {
        "terms": {"field": "opensmtpd.session.end_reason", "size": 20},
        "aggs": {"m": {"sum": {"field": "opensmtpd.session.message_count"}},
                 "e": {"sum": {"field": "opensmtpd.session.error_replies"}},
                 "d": {"max": {"field": "event.duration"}}}}}})
    got = {b["key"]: [int(b["m"]["value"]), int(b["e"]["value"]),
                      int(b["d"]["value"]) if b["d"]["value"] is not None
                      else None]
           for b in ans["aggregations"]["r"]["buckets"]}
    ours = {}
    for d in sess:
        k = get(d, "opensmtpd.session.end_reason")
        o = ours.setdefault(k, [0, 0, None])
        o[0] += get(d, "opensmtpd.session.message_count") or 0
        o[1] += get(d, "opensmtpd.session.error_replies") or 0
        du = get(d, "event.duration")
        if du is not None and (o[2] is None or du > o[2]):
            o[2] = du
    agree("per end reason: messages, error replies, longest session", got, ours)

    # remote refusals by enhanced code: smtp-out transactions not committed
    ans = search(url, TX_DS, {"size": 0, "query": {"bool": {
        "filter": [{"term": {"event.provider": "smtp-out"}}],
        "must_not": [{"term": {"opensmtpd.tx.result": "commit"}}]}},
        "aggs": {"c": {"terms": {"field": "opensmtpd.reply.enhanced"}}}})
    got = {b["key"]: b["doc_count"]
           for b in ans["aggregations"]["c"]["buckets"]}
    agree("remote refusals by enhanced code (smtp-out, not committed)", got,
          count_by([d for d in tx if get(d, "event.provider") == "smtp-out"
                    and get(d, "opensmtpd.tx.result") != "commit"],
                   "opensmtpd.reply.enhanced"))

    # messages per client address, the top of the list
    got, _ = terms(url, TX_DS, "source.ip", size=1000)
    agree("messages by client address (source.ip)", got,
          count_by([d for d in tx], "source.ip"))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except RuntimeError as e:
        say("FAIL", "a query", str(e))
        sys.exit(1)
