#!/bin/sh
# make bench, Elasticsearch part: what the records cost once stored, and
# how fast the engine takes them.  Measurements, not tests: printed and
# appended (one JSON line, "part": "elastic") to tests/out/bench.jsonl.
#
# A seeded stream from tests/bench/gen (BENCH_ES_EVENTS events, default
# 200000; 20000 with BENCH_QUICK) goes through ./filter-jsonlog; the
# records are bulk-created (tests/elastic/index.py, batches of 1000) into
# logs-opensmtpd.event-default of a fresh engine (tests/elastic/es.sh)
# with our templates (kibana/load.sh: best_compression); then the data
# stream is force-merged to one segment and its primary store size read.
#
# Prints: raw record bytes per event, store bytes per event and per
# session, the ratio, and the bulk rate (documents and MB of records per
# second, through the default pipeline where the engine has one).
# Without an engine (no cache, no network) it says so and exits 0.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
events=${BENCH_ES_EVENTS:-200000}
[ -n "${BENCH_QUICK:-}" ] && events=${BENCH_ES_EVENTS:-20000}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fj-bench-es.XXXXXX") || exit 1
node=$tmp/node
started=
cleanup() {
	[ -n "$started" ] && sh tests/elastic/es.sh stop "$node" > /dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "bench: elastic: $events events ..."
if [ ! -x tests/bench/gen ] || [ ! -x ./filter-jsonlog ]; then
	echo "bench: elastic: tests/bench/gen or ./filter-jsonlog missing (make bench)" >&2
	exit 1
fi
tests/bench/gen -n "$events" -s "${BENCH_SEED:-1}" > "$tmp/stream" || exit 1
./filter-jsonlog -o "$tmp/records.json" < "$tmp/stream" > /dev/null 2>&1
rm -f "$tmp/stream"
# The node runs as an unprivileged user: it must reach its directory.
chmod 755 "$tmp"
sh tests/elastic/es.sh start "$node" > "$tmp/es.out" 2> "$tmp/es.err"
rc=$?
started=1
if [ $rc = 3 ]; then
	cat "$tmp/es.err" >&2
	echo "bench: elastic: not measured (no engine: see above)"
	exit 0
elif [ $rc != 0 ]; then
	cat "$tmp/es.err" >&2
	exit 1
fi
url=$(tail -n 1 "$tmp/es.out")
ver=$(cat "$node/version" 2>/dev/null)
sh kibana/load.sh --skip-kibana -e "$url" > "$tmp/load.out" 2>&1 ||
    { cat "$tmp/load.out" >&2; exit 1; }
python3 tests/elastic/index.py --quiet --batch 1000 --stats "$tmp/ingest.json" \
    "$url" "$tmp/records.json" || exit 1
ds=logs-opensmtpd.event-default
curl -s -X POST "$url/$ds/_forcemerge?max_num_segments=1" > "$tmp/merge.json"
curl -s "$url/$ds/_stats/store,docs" > "$tmp/stats.json"
curl -s "$url/$ds/_settings/index.codec?flat_settings=true" > "$tmp/codec.json"
pipeline=none
grep -q '^note: this cluster lacks the ingest processors' "$tmp/load.out" ||
    pipeline=opensmtpd-jsonlog
BENCH_TOP=$top python3 - "$tmp" "$ver" "$pipeline" "$events" <<'EOF'
import json, os, subprocess, sys, time
tmp, ver, pipeline, events = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
top = os.environ["BENCH_TOP"]
ing = json.load(open(tmp + "/ingest.json"))
st = json.load(open(tmp + "/stats.json"))["_all"]["primaries"]
codec = json.load(open(tmp + "/codec.json"))
codec = next(iter(codec.values()), {}).get("settings", {}).get("index.codec", "default")
sessions = set()
for line in open(tmp + "/records.json"):
    r = json.loads(line)
    sessions.add((r["event"]["provider"], r["opensmtpd"]["session"]["id"]))
docs = st["docs"]["count"]
store = st["store"]["size_in_bytes"]
res = {
    "engine": "Elasticsearch " + ver, "pipeline": pipeline, "codec": codec,
    "events": events, "documents": docs, "sessions": len(sessions),
    "raw_bytes": ing["bytes"], "raw_bytes_per_event": ing["bytes"] / docs,
    "store_bytes": store, "store_bytes_per_event": store / docs,
    "store_bytes_per_session": store / len(sessions),
    "store_to_raw": store / ing["bytes"],
    "bulk_docs_per_s": docs / ing["seconds"],
    "bulk_raw_mb_per_s": ing["bytes"] / ing["seconds"] / 1e6,
    "bulk_seconds": ing["seconds"],
}
print()
print("Elasticsearch store (%s, codec %s, pipeline %s, one segment after force merge)"
      % (res["engine"], codec, pipeline))
rows = [
    ("documents (records)", "%d" % docs),
    ("sessions", "%d" % len(sessions)),
    ("raw record bytes per event", "%.0f" % res["raw_bytes_per_event"]),
    ("store bytes per event", "%.0f" % res["store_bytes_per_event"]),
    ("store bytes per session", "%.0f" % res["store_bytes_per_session"]),
    ("store / raw", "%.3f" % res["store_to_raw"]),
    ("bulk ingest", "%.0f documents/s, %.1f MB/s of records" %
     (res["bulk_docs_per_s"], res["bulk_raw_mb_per_s"])),
]
for k, v in rows:
    print("  %-28s %s" % (k, v))
try:
    commit = subprocess.run(["git", "-C", top, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
except OSError:
    commit = ""
rec = {"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "commit": commit,
       "part": "elastic", "cores": os.cpu_count(), "results": res}
os.makedirs(top + "/tests/out", exist_ok=True)
with open(top + "/tests/out/bench.jsonl", "a") as f:
    f.write(json.dumps(rec, sort_keys=True) + "\n")
print("bench: elastic: one JSON line appended to tests/out/bench.jsonl")
EOF
