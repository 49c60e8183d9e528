#!/usr/bin/env python3
"""Compare what Elasticsearch stored with the records that were sent.

    python3 tests/elastic/check.py WHAT URL DATA_STREAM RECORDS...

WHAT is one of
  stored    the documents of DATA_STREAM are the records: as many, and each
            record's fields with their values in one document's _source
            (fields the ingest pipeline adds are set aside first); no
            event.kind pipeline_error
  mapping   every field of every record is mapped in DATA_STREAM (the
            template is dynamic: false, so an unmapped field would be kept
            but unsearchable); every field a saved object uses has the type
            the template gives it (or the type load.sh said it substituted)
            and, where a panel aggregates on it, is aggregatable
  runtime   the data view's runtime field evaluates on the engine and gives
            the values computed from the records
  order     the saved searches' sort, run on the engine, lists each
            session's records in event.sequence order (records share
            milliseconds; @timestamp alone would not), and says how many
            sessions @timestamp alone puts out of order
  pipeline  (DATA_STREAM and RECORDS are then the pipeline's name and the
            case files tests/elastic/pipeline/NAME.json) each case's docs
            through _ingest/pipeline/NAME/_simulate must give exactly
            NAME-expected.json; event.ingested must be a date and is
            compared as "<event.ingested>", an expected string ending in
            "*" is a prefix.  PIPELINE_ENGINE=opensearch: the expected
            outputs are Elasticsearch's; the one named OpenSearch
            difference they contain is set aside (OpenSearch's ingest-geoip
            has its databases bundled, so it never tags a document
            _geoip_database_unavailable_*: those tags are removed from
            the expected documents)

Prints one line per check: "ok DESCRIPTION", "FAIL DESCRIPTION: why" or
"NOTRUN DESCRIPTION: why"; tests/elastic/run.sh counts them.  Exit status
0 unless the arguments are wrong.  Python 3 standard library only.
"""

import collections
import json
import os
import re
import sys

import eshttp

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# What the ingest pipeline (and a shipper) may add to a decoded record.
ADDED = ["event.ingested", "data_stream", "source.geo", "source.as",
         "destination.geo", "destination.as", "log.syslog", "tags",
         "error"]


def say(kind, desc, why=""):
    print("%s %s%s" % (kind, desc, (": " + why) if why else ""))
    sys.stdout.flush()


def es(method, url, body=None):
    return eshttp.request(method, url, body, timeout=120)


def read_records(files):
    out = []
    for f in files:
        with open(f, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    out.append(json.loads(line))
    return out


def leaves(obj, prefix=""):
    """Dotted leaf paths of a record; arrays of objects go one level in."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from leaves(v, prefix + k + ".")
    elif isinstance(obj, list) and any(isinstance(x, dict) for x in obj):
        for x in obj:
            yield from leaves(x, prefix)
    else:
        yield prefix[:-1], obj


def drop(doc, path):
    parts = path.split(".")
    d = doc
    for p in parts[:-1]:
        if not isinstance(d, dict) or p not in d:
            return
        d = d[p]
    if isinstance(d, dict):
        d.pop(parts[-1], None)
        # An object emptied by the removal goes too.
    if len(parts) > 1:
        parent = doc
        for p in parts[:-2]:
            parent = parent.get(p, {})
        if isinstance(parent.get(parts[-2]), dict) and not parent[parts[-2]]:
            del parent[parts[-2]]


def all_sources(url, ds):
    docs = []
    after = None
    while True:
        body = {"size": 2000, "sort": ["_doc"], "query": {"match_all": {}}}
        if after is not None:
            body["search_after"] = after
        st, ans = es("POST", "%s/%s/_search" % (url, ds), body)
        if st != 200:
            raise RuntimeError("search: HTTP %d %s" % (st, json.dumps(ans)[:300]))
        hits = ans["hits"]["hits"]
        if not hits:
            return docs
        docs.extend(h["_source"] for h in hits)
        after = hits[-1]["sort"]


def canon(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def stored(url, ds, records, extra_added):
    st, ans = es("GET", "%s/%s/_count" % (url, ds))
    n = ans.get("count") if st == 200 else None
    if n == len(records):
        say("ok", "document count %d = record count" % n)
    else:
        say("FAIL", "document count = record count", "%s documents, %d records" % (n, len(records)))
    st, ans = es("POST", "%s/%s/_count" % (url, ds),
                 {"query": {"term": {"event.kind": "pipeline_error"}}})
    if st == 200 and ans.get("count") == 0:
        say("ok", "no event.kind: pipeline_error")
    else:
        say("FAIL", "no event.kind: pipeline_error", json.dumps(ans)[:300])
    docs = all_sources(url, ds)
    want = collections.Counter(canon(r) for r in records)
    added = collections.Counter()
    got = collections.Counter()
    for d in docs:
        for p in ADDED + extra_added:
            before = canon(d)
            drop(d, p)
            if canon(d) != before:
                added[p] += 1
        got[canon(d)] += 1
    missing = want - got
    extra = got - want
    if not missing and not extra:
        say("ok", "every record is in _source with every field and value (%d documents)" % len(docs))
    else:
        ex = next(iter(missing), None) or next(iter(extra))
        say("FAIL", "every record is in _source with every field and value",
            "%d records without their document, %d documents without their record; e.g. %s" %
            (sum(missing.values()), sum(extra.values()), ex[:400]))
    for p, c in sorted(added.items()):
        print("note: %d documents carry %s (added on the way)" % (c, p))


def flatten_mapping(props, prefix, out):
    for k, v in props.items():
        if "properties" in v:
            flatten_mapping(v["properties"], prefix + k + ".", out)
        else:
            out[prefix + k] = v.get("type", "object")
            for sub, sv in v.get("fields", {}).items():
                out[prefix + k + "." + sub] = sv.get("type")


def panel_fields():
    """Fields the saved objects use: {field: set of uses}."""
    uses = collections.defaultdict(set)
    path = os.path.join(TOP, "kibana", "saved-objects.ndjson")
    kql_field = re.compile(r"([A-Za-z_@][\w.@]*)\s*:")
    for line in open(path, encoding="utf-8"):
        if not line.strip():
            continue
        o = json.loads(line)
        a = o.get("attributes", {})
        queries = []
        if "visState" in a:
            vs = json.loads(a["visState"])
            for ag in vs.get("aggs", []):
                p = ag.get("params", {})
                if p.get("field"):
                    kind = "aggregate" if ag["type"] in ("terms", "cardinality", "sum", "avg", "max",
                                                         "min", "range", "date_histogram") else "use"
                    uses[p["field"]].add(kind)
                for f in p.get("filters", []):
                    queries.append(f.get("input", {}).get("query", ""))
        for c in a.get("columns", []):
            uses[c].add("column")
        for s in a.get("sort", []):
            uses[s[0]].add("sort")
        meta = a.get("kibanaSavedObjectMeta", {}).get("searchSourceJSON")
        if meta:
            queries.append(json.loads(meta).get("query", {}).get("query", ""))
        if "layerListJSON" in a:
            for layer in json.loads(a["layerListJSON"]):
                sd = layer.get("sourceDescriptor", {})
                if sd.get("geoField"):
                    uses[sd["geoField"]].add("geo")
                queries.append(layer.get("query", {}).get("query", ""))
        if o["type"] == "index-pattern":
            uses[a["timeFieldName"]].add("aggregate")
        for q in queries:
            for m in kql_field.finditer(q or ""):
                uses[m.group(1)].add("query")
    return uses


def runtime_fields():
    path = os.path.join(TOP, "kibana", "saved-objects.ndjson")
    for line in open(path, encoding="utf-8"):
        o = json.loads(line)
        if o["type"] == "index-pattern":
            return json.loads(o["attributes"].get("runtimeFieldMap", "{}"))
    return {}


SUBST = {"match_only_text": "text", "constant_keyword": "keyword",
         "wildcard": "keyword", "flattened": "object", "date_nanos": "date"}


def mapping(url, ds, records, notes):
    substituted = set(re.findall(r"no field type (\w+): mapped as", notes))
    tmpl = json.load(open(os.path.join(TOP, "kibana", "elasticsearch",
                                       "component-template-mappings.json")))
    want = {}
    flatten_mapping(tmpl["template"]["mappings"]["properties"], "", want)
    st, ans = es("GET", "%s/%s/_mapping" % (url, ds))
    if st != 200:
        say("FAIL", "GET _mapping", json.dumps(ans)[:300])
        return
    have = {}
    for idx in ans.values():
        flatten_mapping(idx["mappings"].get("properties", {}), "", have)
    fields = set()
    for r in records:
        for p, _ in leaves(r):
            fields.add(p)
    unmapped = sorted(f for f in fields if f not in have)
    if unmapped:
        say("FAIL", "every record field is mapped", ", ".join(unmapped[:20]))
    else:
        say("ok", "every record field is mapped (%d fields)" % len(fields))
    uses = panel_fields()
    rt = runtime_fields()
    st, caps = es("GET", "%s/%s/_field_caps?fields=*" % (url, ds))
    caps = caps.get("fields", {}) if st == 200 else {}
    bad = []
    checked = 0
    for f, u in sorted(uses.items()):
        if f in rt:
            continue
        exp = want.get(f)
        if exp is None:
            bad.append("%s: not in the template" % f)
            continue
        if exp in substituted:
            exp = SUBST[exp]
        got = have.get(f)
        checked += 1
        if got != exp:
            bad.append("%s: mapped as %s, the template says %s" % (f, got, exp))
            continue
        if "aggregate" in u:
            c = caps.get(f, {})
            if not any(v.get("aggregatable") for v in c.values()):
                bad.append("%s: a panel aggregates on it, the engine says it is not aggregatable" % f)
        if "geo" in u and got != "geo_point":
            bad.append("%s: a map needs geo_point" % f)
    if bad:
        say("FAIL", "fields the dashboards use have their types", "; ".join(bad[:10]))
    else:
        say("ok", "the %d fields the dashboards use are mapped with the template's types "
            "(aggregatable where aggregated)" % checked)


def runtime(url, ds, records):
    rt = runtime_fields()
    if not rt:
        say("FAIL", "the data view has runtime fields",
            "no runtimeFieldMap in kibana/saved-objects.ndjson's index-pattern")
    for name, spec in rt.items():
        body = {"size": 0, "runtime_mappings": {name: spec},
                "query": {"bool": {"filter": [
                    {"term": {"event.action": "tx-commit"}},
                    {"term": {"event.provider": "smtp-in"}}]}},
                "aggs": {"v": {"terms": {"field": name, "size": 1000}}}}
        st, ans = es("POST", "%s/%s/_search" % (url, ds), body)
        if st != 200:
            reason = json.dumps(ans)[:300]
            if "painless" in reason and ("not supported" in reason or "lang" in reason):
                say("NOTRUN", "runtime field %s evaluates" % name,
                    "the engine has no painless (lang-painless module)")
            else:
                say("FAIL", "runtime field %s evaluates" % name, reason)
            continue
        got = {b["key"]: b["doc_count"] for b in ans["aggregations"]["v"]["buckets"]}
        want = collections.Counter()
        for r in records:
            if r.get("event", {}).get("action") != "tx-commit" or \
                    r.get("event", {}).get("provider") != "smtp-in":
                continue
            doms = set()
            for a in r.get("email", {}).get("to", {}).get("address", []):
                if "@" in a:
                    doms.add(a[a.rfind("@") + 1:].lower())
            for d in doms:
                want[d] += 1
        if got == dict(want) and got:
            say("ok", "runtime field %s gives the recipient domains of the records (%d domains)"
                % (name, len(got)))
        else:
            say("FAIL", "runtime field %s" % name, "engine %s, records %s" %
                (json.dumps(got)[:200], json.dumps(dict(want))[:200]))


def matches(want, got):
    if isinstance(want, str) and want.endswith("*") and isinstance(got, str):
        return got.startswith(want[:-1])
    if isinstance(want, dict) and isinstance(got, dict):
        return want.keys() == got.keys() and all(matches(want[k], got[k]) for k in want)
    if isinstance(want, list) and isinstance(got, list):
        return len(want) == len(got) and all(matches(a, b) for a, b in zip(want, got))
    return want == got


def opensearch_expected(doc):
    """An expected document as OpenSearch's pipeline gives it: no
    _geoip_database_unavailable_* tags (its GeoIP databases are bundled)."""
    tags = doc.get("tags")
    if isinstance(tags, list):
        kept = [t for t in tags if not (isinstance(t, str) and
                                        t.startswith("_geoip_database_unavailable_"))]
        if kept:
            doc["tags"] = kept
        else:
            del doc["tags"]
    return doc


def pipeline(url, name, cases):
    engine = os.environ.get("PIPELINE_ENGINE", "elasticsearch")
    for case in cases:
        base = os.path.basename(case)[:-len(".json")]
        exp_file = case[:-len(".json")] + "-expected.json"
        body = json.load(open(case))
        expected = json.load(open(exp_file))
        want = expected["docs"]
        # where each document goes, when the case says (rerouting)
        want_idx = expected.get("indices")
        if engine == "opensearch":
            want = [opensearch_expected(d) for d in want]
        st, ans = es("POST", "%s/_ingest/pipeline/%s/_simulate" % (url, name),
                     {"docs": body["docs"]})
        if st != 200:
            say("FAIL", "pipeline case %s" % base, json.dumps(ans)[:300])
            continue
        got = []
        for d in ans.get("docs", []):
            src = d.get("doc", {}).get("_source")
            if src is None:
                got.append({"simulate error": d.get("error")})
                continue
            ing = src.get("event", {}).get("ingested")
            if isinstance(ing, str) and re.match(r"^\d{4}-\d\d-\d\dT", ing):
                src["event"]["ingested"] = "<event.ingested>"
            got.append(src)
        got_idx = [d.get("doc", {}).get("_index") for d in ans.get("docs", [])]
        if want_idx is not None and got_idx != want_idx:
            say("FAIL", "pipeline case %s" % base,
                "documents went to %s, want %s" % (got_idx, want_idx))
        elif matches(want, got):
            say("ok", "pipeline case %s: %s" % (base, body.get("description", "")[:80]))
        else:
            say("FAIL", "pipeline case %s" % base, "got %s" % canon(got)[:600])


def saved_sorts():
    path = os.path.join(TOP, "kibana", "saved-objects.ndjson")
    out = []
    for line in open(path, encoding="utf-8"):
        o = json.loads(line)
        if o["type"] == "search":
            out.append((o["id"], o["attributes"].get("sort", [])))
    return out


def session_order(url, ds, sort):
    """Sessions whose records the sort does not list in sequence order."""
    body = {"size": 10000, "sort": [{f: {"order": d}} for f, d in sort],
            "_source": ["opensmtpd.session.id", "event.sequence", "event.provider"],
            "query": {"match_all": {}}}
    st, ans = es("POST", "%s/%s/_search" % (url, ds), body)
    if st != 200:
        raise RuntimeError(json.dumps(ans)[:300])
    seen = {}
    bad = set()
    for h in ans["hits"]["hits"]:
        src = h["_source"]
        key = (src["event"]["provider"], src["opensmtpd"]["session"]["id"])
        seq = src["event"]["sequence"]
        last = seen.get(key)
        # Descending: each next record of a session has a lower sequence.
        # (Run it on a data stream where session ids do not recur: the
        # live run's.)
        if last is not None and (seq > last) == (sort[0][1] == "desc"):
            bad.add(key)
        seen[key] = seq
    return len(bad), len(seen), len(ans["hits"]["hits"])


def order(url, ds):
    sorts = saved_sorts()
    if not sorts:
        say("FAIL", "the saved searches' sort", "no saved search in kibana/saved-objects.ndjson")
    for sid, sort in sorts:
        if not sort or sort[0][0] != "@timestamp":
            say("FAIL", "saved search %s sorts by @timestamp first" % sid, json.dumps(sort))
            continue
        if len(sort) < 2 or sort[1][0] != "event.sequence":
            say("FAIL", "saved search %s breaks @timestamp ties with event.sequence" % sid,
                json.dumps(sort))
            continue
        try:
            bad, n, hits = session_order(url, ds, sort)
            alone, _, _ = session_order(url, ds, sort[:1])
        except RuntimeError as e:
            say("FAIL", "saved search %s sort runs" % sid, str(e))
            continue
        if bad == 0:
            say("ok", "saved search %s: its sort lists every session in sequence order "
                "(%d sessions, %d records; by @timestamp alone %d sessions out of order)"
                % (sid, n, hits, alone))
        else:
            say("FAIL", "saved search %s: its sort keeps sessions in order" % sid,
                "%d of %d sessions out of order" % (bad, n))


def main(argv):
    if len(argv) < 4:
        sys.stderr.write(__doc__)
        return 2
    what, url, ds = argv[0], argv[1].rstrip("/"), argv[2]
    files = argv[3:]
    records = read_records(files) if what != "pipeline" else []
    if what == "stored":
        extra = os.environ.get("CHECK_ADDED", "").split()
        stored(url, ds, records, extra)
    elif what == "mapping":
        notes = os.environ.get("LOAD_NOTES", "")
        mapping(url, ds, records, notes)
    elif what == "runtime":
        runtime(url, ds, records)
    elif what == "order":
        order(url, ds)
    elif what == "pipeline":
        pipeline(url, ds, files)
        return 0
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
