#!/bin/sh
# make bench: measure filter-jsonlog (issue 5).  The Makefile has built
# ./filter-jsonlog and tests/bench/gen; tests/bench/bench.py does the
# measuring (throughput, memory, scaling, syslog), prints a table and
# appends one JSON line to tests/out/bench.jsonl.  Fails only when
# something is broken (crash, missing output), never on a timing.
#
# Environment (all optional):
#   FILTER=path            program to measure (default ./filter-jsonlog)
#   BENCH_QUICK=1          small sizes, one run: for trying the bench out
#   BENCH_PARTS="throughput memory scaling syslog"
#   BENCH_EVENTS=1000000   BENCH_RUNS=3   BENCH_K=200   BENCH_MEM=100000
#   BENCH_SCALE="1000 10000 100000"       BENCH_SCALE_EVENTS=1000000
#   BENCH_SYSLOG_EVENTS=1000000           BENCH_SEED=1
#   BENCH_DGRAM_RATES="100000 200000 400000" (the syslog sink into
#   tests/bench/dgram-sink)   BENCH_SCALE_FILE_RUNS=1 (scaling's file runs)
#   BENCH_VERSIONS="0.6 0.7"              TMPDIR (streams: ~0.5 GB)
#   BENCH_PARTS may also name "elastic" (in the default set): the store
#   and bulk-ingest figures of a real Elasticsearch (tests/bench/elastic.sh;
#   BENCH_ES_EVENTS=200000); skipped with a note when no engine is to be had
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1

# jq python3 rsyslog (installed as root, else named); without rsyslog
# the syslog part is skipped, without python3 nothing runs.
DEPS=install sh mk/deps.sh bench || echo "bench: going on without them" >&2

filter=${FILTER:-$top/filter-jsonlog}
for f in "$filter" tests/bench/gen; do
	if [ ! -x "$f" ]; then
		echo "bench: $f missing: run make bench" >&2
		exit 1
	fi
done
if ! command -v python3 >/dev/null 2>&1; then
	echo "bench: python3 missing: DEPS=install sh mk/deps.sh bench" >&2
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fj-bench.XXXXXX") || exit 1
pid=
cleanup() {
	# bench.py stops its own children; this covers it being killed.
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	if [ -f "$tmp/rsl/rsyslogd.pid" ]; then
		kill "$(cat "$tmp/rsl/rsyslogd.pid")" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

parts=${BENCH_PARTS:-throughput memory scaling syslog elastic}
es_part=
case " $parts " in *" elastic "*) es_part=1 ;; esac
py_parts=$(echo " $parts " | sed 's/ elastic / /g; s/^ *//; s/ *$//')
rc=0
if [ -n "$py_parts" ]; then
	BENCH_PARTS=$py_parts BENCH_TMP=$tmp BENCH_TOP=$top FILTER=$filter LC_ALL=C \
	    PYTHONDONTWRITEBYTECODE=1 python3 tests/bench/bench.py &
	pid=$!
	wait "$pid"
	rc=$?
	pid=
fi
if [ -n "$es_part" ]; then
	sh tests/bench/elastic.sh || rc=1
fi
exit $rc
