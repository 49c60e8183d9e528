#!/bin/sh
# make check-elastic: kibana/ against a real Elasticsearch on 127.0.0.1.
#
# Groups 1 to 6 run twice, one engine at a time (two shared cores): on
# Elasticsearch 8.19.21, then, that node stopped, on Elasticsearch 9.2.0
# (Kibana 9's engine; on Java 21 or newer), each check named after its
# engine ("es8.19.21: ...", "es9.2.0: ...").  panels.py's own mutants run
# in the first group only (they test the checker, not the engine; listed
# not run in the second).  Either engine not to be had (not cached, no
# network; 9.x without a Java 21): its group is "not run", the suite goes on.
#
#  1. tests/elastic/es.sh starts one single-node engine (fetched from Maven
#     Central once, then cached); a trap stops it on every path.  The node
#     must report the version asked for, and not the other group's.
#  2. kibana/load.sh --skip-kibana installs the templates (and the ILM
#     policy and pipeline where the engine has them) twice: both runs
#     succeed, the second changes nothing.
#  3. The filter's output of every golden input and test stream is bulk-
#     created into logs-opensmtpd.event-default (tests/elastic/index.py):
#     no bulk error, one document per record, no pipeline_error, every
#     record back in _source as it was sent, the mapped type of every field
#     the dashboards use, the data view's runtime field.
#  4. The dashboards' queries (tests/elastic/panels.py, when present).
#  5. The same records as whole syslog lines (OpenBSD's path), decoded by
#     the pipeline; the pipeline cases of tests/elastic/pipeline/ through
#     _ingest/pipeline/_simulate, on kibana/'s pipeline and on the Elastic
#     package's (packages/opensmtpd).
#     Then every record and summary under index.mode logsdb (Elasticsearch
#     9's default for new logs-*-* data streams, set by hand): back as
#     tests/elastic/synthetic.jq says, and not as shipped.
#  6. The live path: smtpd -> filter -> rsyslogd -> omelasticsearch ->
#     the engine (tests/elastic/live.sh), on both engines (a few seconds).
#  7. The ingest pipeline on a real engine: Elasticsearch stopped,
#     tests/elastic/opensearch.sh starts OpenSearch 2.19.6 with its
#     ingest-common, lang-painless, lang-mustache and ingest-geoip modules
#     (from Maven Central; Elastic publishes no ingest modules there); the
#     pipeline cases through _simulate against Elasticsearch's expected
#     outputs (one named difference set aside), GeoIP/ASN of public
#     addresses, two mutants that must fail, and the records' whole syslog
#     lines indexed through the pipeline, each decoded document = its
#     record.  No engine to be had: its checks are "not run".
#
# What the engine cannot answer (the test build lacks the default
# distribution's modules) is printed as "NOT RUN - ..." and counted apart,
# never as passed.  Without the engine at all (no cache, no network) every
# check of this suite is "not run".
#
# Environment: ELASTIC_URL=http://... runs groups 1 to 6 against an
# engine you started instead of both (no Elasticsearch is started or
# stopped then; use a throw-away cluster); ES_VERSION the first group's
# engine (default 8.19.21), ELASTIC_ES9_VERSION the second's (default
# 9.2.0, the newest 9.x Maven Central served), ELASTIC_ES9=0 leaves the
# second out (listed not run); ELASTIC_KEEP=1 keeps the nodes'
# directories; T_VERBOSE=1 lists passes; ELASTIC_LIVE=0 skips the live
# smtpd runs; ELASTIC_OPENSEARCH=0 the OpenSearch group (listed not run).
# Outputs: tests/out/elastic/ (records, notrun.txt), one directory per
# engine (es8.19.21/, es9.2.0/, es-url/), os-* for OpenSearch.
set -u
T_SUITE=elastic
. "$(dirname "$0")/../lib.sh"
t_linux_only "needs Java, Maven Central's Elasticsearch and Debian's" \
    "rsyslog-elasticsearch"
cd "$T_TOP" || exit 1

# Every request is bounded: a hung engine fails the check instead of the
# suite hanging.  A call that needs longer (a force merge, a snapshot) sets
# its own bound: CURL_MAX_TIME=600 curl ...  (POSIX: a function named as
# the command; `command` reaches the real one).
curl() {
	command curl --connect-timeout 5 --max-time "${CURL_MAX_TIME:-120}" "$@"
}

HERE=tests/elastic
OUT=tests/out/elastic
REC=$OUT/records
FILTER=./filter-jsonlog
DS=logs-opensmtpd.event-default
HANDSHAKE=tests/streams/config-handshake.smtp-in+out.stream
rm -rf "$OUT"
mkdir -p "$REC"
NOTRUN=0
: > "$OUT/notrun.txt"

# t_notrun WHAT: a check this engine cannot answer; never counted as passed.
# (T_PREFIX, the Elasticsearch group's name, starts it as it starts t_ok's
# and t_fail's.)
t_notrun() {
	NOTRUN=$((NOTRUN + 1))
	echo "NOT RUN - $T_PREFIX$*" >&2
	echo "$T_PREFIX$*" >> "$OUT/notrun.txt"
}

finish() {
	mkdir -p tests/out
	echo "$T_SUITE $NOTRUN" >> tests/out/notrun
	[ "$NOTRUN" -gt 0 ] &&
	    echo "elastic: $NOTRUN checks not run (listed in $OUT/notrun.txt)"
	t_done
}

NODE=
stop_node() {
	if [ -n "$NODE" ]; then
		sh "$HERE/es.sh" stop "$NODE"
		[ -n "${ELASTIC_KEEP:-}" ] || rm -rf "$NODE"
		NODE=
	fi
}
OSNODE=
stop_os_node() {
	if [ -n "$OSNODE" ]; then
		sh "$HERE/opensearch.sh" stop "$OSNODE"
		[ -n "${ELASTIC_KEEP:-}" ] || rm -rf "$OSNODE"
		OSNODE=
	fi
}
trap 'stop_node; stop_os_node' EXIT
trap 'exit 1' INT TERM HUP PIPE

for c in curl python3 jq; do
	if ! command -v $c >/dev/null 2>&1; then
		t_fail "$c missing (DEPS=install sh mk/deps.sh check installs it)"
		finish
		exit 1
	fi
done
if [ ! -x "$FILTER" ]; then
	t_fail "$FILTER missing: build it first (make)"
	finish
	exit 1
fi

# ---- the records (no engine needed) ----------------------------------

# The filter's output of every golden input (with its options) and of every
# test stream (behind the shared handshake when it has none).
# Each run's exit status counts (its stderr in $REC/NAME.err).
FILTER_FAILED=0
for f in tests/golden/*.in; do
	# privacy-*: streams already here, again with -P (the golden suite
	# checks them): they would count their sessions twice in the panels
	case $f in tests/golden/privacy-*) continue ;; esac
	a=${f%.in}.args
	n=golden-$(basename "$f" .in)
	# shellcheck disable=SC2046
	"$FILTER" $(cat "$a" 2>/dev/null) -o "$REC/$n.json" \
	    < "$f" > /dev/null 2> "$REC/$n.err" || {
		t_fail "filter-jsonlog on $f exited $? ($REC/$n.err)"
		FILTER_FAILED=$((FILTER_FAILED + 1))
	}
done
for f in tests/streams/*.stream tests/examples/corpus/*.stream; do
	[ "$f" = "$HANDSHAKE" ] && continue
	n=stream-$(basename "$f" .stream)
	if head -n 1 "$f" | grep -q '^config|'; then cat "$f"; else cat "$HANDSHAKE" "$f"; fi |
	    "$FILTER" -o "$REC/$n.json" > /dev/null 2> "$REC/$n.err" || {
		t_fail "filter-jsonlog on $f exited $? ($REC/$n.err)"
		FILTER_FAILED=$((FILTER_FAILED + 1))
	}
done
# Summary records (-r) of the same inputs, apart: they belong in their
# own data streams.  The golden inputs that ask for summaries give both.
SREC=$OUT/summaries
mkdir -p "$SREC"
for f in tests/golden/*.in tests/streams/*.stream tests/examples/corpus/*.stream; do
	[ "$f" = "$HANDSHAKE" ] && continue
	case $f in
	*.in)	n=golden-$(basename "$f" .in) ;;
	*)	n=stream-$(basename "$f" .stream) ;;
	esac
	if head -n 1 "$f" | grep -q '^config|\|^# golden'; then cat "$f"; else cat "$HANDSHAKE" "$f"; fi |
	    "$FILTER" -e none -r tx,session -o "$SREC/$n.all" > /dev/null 2>&1 || {
		t_fail "filter-jsonlog -r tx,session on $f exited $?"
		FILTER_FAILED=$((FILTER_FAILED + 1))
	}
done
for f in "$REC"/*.json; do
	if grep -q '"dataset":"opensmtpd.\(transaction\|session\)"' "$f"; then
		mv "$f" "$SREC/$(basename "$f" .json).all"
	fi
done
for f in "$SREC"/*.all; do
	n=$(basename "$f" .all)
	for k in event transaction session; do
		jq -c --arg d "opensmtpd.$k" 'select(.event.dataset == $d)' "$f" \
		    > "$SREC/$k-$n.json"
		[ -s "$SREC/$k-$n.json" ] || rm -f "$SREC/$k-$n.json"
	done
	# the events of a golden input that asked for both stay with the events
	[ -f "$SREC/event-$n.json" ] && mv "$SREC/event-$n.json" "$REC/$n.json"
	rm -f "$f"
done
# Self-statistics records (-i): the filter writes one when it stops, so
# each of these runs gives one, with that run's counters (odd: malformed
# lines, a session left open, bytes queued; summary-evict: evictions).
for f in tests/streams/a-ehlo-simple.stream tests/streams/c-starttls-auth-plain-3rcpt.stream \
    tests/streams/i-relay-smtp-out.stream tests/examples/corpus/bulk-150rcpt-0.6.stream \
    tests/golden/odd.in tests/golden/summary-evict.in tests/golden/summary-ends.in \
    tests/golden/cap1024.in; do
	case $f in
	*.in)	n=golden-$(basename "$f" .in); a=${f%.in}.args ;;
	*)	n=stream-$(basename "$f" .stream); a=/dev/null ;;
	esac
	if head -n 1 "$f" | grep -q '^config|\|^# golden'; then cat "$f"; else cat "$HANDSHAKE" "$f"; fi |
	    # shellcheck disable=SC2046
	    "$FILTER" $(cat "$a" 2>/dev/null) -i 86400 -o "$SREC/$n.stats-all" > /dev/null 2>&1 || {
		t_fail "filter-jsonlog -i 86400 on $f exited $?"
		FILTER_FAILED=$((FILTER_FAILED + 1))
	}
	jq -c 'select(.event.dataset == "opensmtpd.stats")' "$SREC/$n.stats-all" > "$SREC/stats-$n.json"
	rm -f "$SREC/$n.stats-all"
done
# And one run where things go wrong (an output that hangs, then comes
# back; sessions idle past the timeout): drops and expired sessions, which
# the Self-statistics panels show and the runs above never have.
python3 "$HERE/stats_live.py" "$FILTER" "$SREC/live.all" > "$OUT/stats-live.out" 2>&1
l=$(tail -n 1 "$OUT/stats-live.out")
case $l in
"ok - "*)	t_ok "${l#ok - }" ;;
*)		t_fail "stats_live.py: $l" ;;
esac
jq -c 'select(.event.dataset == "opensmtpd.stats")' "$SREC/live.all" > "$SREC/stats-live.json" 2>/dev/null
rm -f "$SREC/live.all"
[ -s "$SREC/stats-live.json" ] || rm -f "$SREC/stats-live.json"
SUM_STATS=$(ls "$SREC"/stats-*.json)
SUM_TX=$(ls "$SREC"/transaction-*.json)
SUM_SESSION=$(ls "$SREC"/session-*.json)
NSUM=$(cat $SUM_TX $SUM_SESSION | wc -l)
RECORDS=$(ls "$REC"/*.json)
NREC=$(cat $RECORDS | wc -l)
t_check "records to ship: $NREC from $(echo "$RECORDS" | wc -l) files, every filter run exited 0" \
    sh -c '[ "$1" -gt 0 ] && [ "$2" = 0 ]' - "$NREC" "$FILTER_FAILED"
# The pipeline cases: tests/elastic/pipeline/NAME.json (NAME-expected.json
# beside each).
CASES=
for c in "$HERE"/pipeline/*.json; do
	case $c in *-expected.json) ;; *) CASES="$CASES $c" ;; esac
done
mkdir -p "$OUT/mut"

# opensearch_group: the ingest pipeline on a real engine.  Elasticsearch's
# test distribution has no ingest modules, and Elastic publishes none on
# Maven Central; OpenSearch publishes its ingest-common, lang-painless,
# lang-mustache and ingest-geoip modules there, and
# tests/elastic/opensearch.sh assembles them around OpenSearch's test
# distribution.  The pipeline goes in as kibana/ has it, but for its
# _meta (OpenSearch's pipelines have none); the cases of
# tests/elastic/pipeline/ run through _simulate and must give
# Elasticsearch's expected outputs less one named difference (the GeoIP
# databases are bundled: no _geoip_database_unavailable_* tags); the
# records' whole syslog lines are indexed through the pipeline and each
# decoded document must be its record.
OS_WHAT="the pipeline on OpenSearch's ingest modules:"
# jq_true FILTER FILE: the filter gives true (its output not shown).
jq_true() {
	jq -e "$@" > /dev/null
}
# os_mutant NAME JQ CASE PATTERN WHAT CASEWHAT: the OpenSearch pipeline
# changed by JQ, installed as fj-NAME, must fail pipeline case CASE with a
# line matching PATTERN.
os_mutant() {
	jq "$2" "$OUT/os-pipeline.json" > "$OUT/mut/os-pipeline-$1.json"
	curl -s -o /dev/null -X PUT "$OSURL/_ingest/pipeline/fj-$1" -H 'Content-Type: application/json' \
	    --data-binary "@$OUT/mut/os-pipeline-$1.json"
	if PIPELINE_ENGINE=opensearch python3 "$HERE/check.py" pipeline "$OSURL" "fj-$1" \
	    "$HERE/pipeline/$3.json" | grep -q "$4"; then
		t_ok "$OS_WHAT $5 fails $6"
	else
		t_fail "$OS_WHAT $5 passes $6"
	fi
}

opensearch_group() {
	if [ "${ELASTIC_OPENSEARCH:-1}" = 0 ]; then
		t_notrun "$OS_WHAT every check (ELASTIC_OPENSEARCH=0)"
		return 0
	fi
	os_t0=$(date +%s)
	OSNODE=$(mktemp -d /tmp/fj-opensearch.XXXXXX)
	sh "$HERE/opensearch.sh" start "$OSNODE" > "$OUT/os-start.out" 2> "$OUT/os-start.err"
	rc=$?
	if [ $rc = 3 ]; then
		cat "$OUT/os-start.err" >&2
		why="no OpenSearch engine (not cached in ${FJ_CACHE:-/var/cache/filter-jsonlog}/opensearch-ingest, Maven Central unreachable)"
		for what in "PUT the pipeline" "its processors on the engine" \
		    "the pipeline cases through _simulate" "GeoIP and ASN of a public address" \
		    "a mutant pipeline fails the cases" \
		    "whole syslog lines indexed through the pipeline = their records"; do
			t_notrun "$OS_WHAT $what: $why"
		done
		stop_os_node
		return 0
	fi
	if [ $rc != 0 ]; then
		t_fail "$OS_WHAT opensearch.sh starts a node (tests/out/elastic/os-start.err)"
		cat "$OUT/os-start.err" >&2
		stop_os_node
		return 0
	fi
	OSURL=$(tail -n 1 "$OUT/os-start.out")
	osver=$(curl -s "$OSURL/" | jq -r '"\(.version.distribution) \(.version.number)"' 2>/dev/null)
	osmod=$(curl -s "$OSURL/_nodes/_local/plugins?filter_path=nodes.*.modules.name" |
	    jq -r '[.nodes[].modules[].name] | join(" ")' 2>/dev/null)
	osproc=$(curl -s "$OSURL/_nodes/_local/ingest?filter_path=nodes.*.ingest.processors.type" |
	    jq -r '[.nodes[].ingest.processors[].type] | join(" ")' 2>/dev/null)
	echo "elastic: pipeline engine: ${osver:-unknown} at $OSURL; modules: $osmod"
	t_check "$OS_WHAT the engine is OpenSearch 2.x (${osver:-no answer})" \
	    sh -c "case '$osver' in 'opensearch 2.'*) exit 0 ;; esac; exit 1"
	missing=
	for p in $(jq -r '[.processors[], .on_failure[] | keys[]] | unique | .[]' \
	    kibana/elasticsearch/ingest-pipeline.json); do
		case " $osproc " in *" $p "*) ;; *) missing="$missing $p" ;; esac
	done
	t_check "$OS_WHAT the engine has every processor the pipeline uses${missing:+ (missing:$missing)}" \
	    [ -z "$missing" ]
	jq 'del(._meta)' kibana/elasticsearch/ingest-pipeline.json > "$OUT/os-pipeline.json"
	code=$(curl -s -o "$OUT/os-put.json" -w '%{http_code}' -X PUT \
	    "$OSURL/_ingest/pipeline/opensmtpd-jsonlog" -H 'Content-Type: application/json' \
	    --data-binary "@$OUT/os-pipeline.json")
	t_check "$OS_WHAT PUT _ingest/pipeline/opensmtpd-jsonlog (less _meta): HTTP $code" [ "$code" = 200 ]
	[ "$code" = 200 ] || cat "$OUT/os-put.json" >&2
	# The cases, compared with Elasticsearch's expected outputs.
	PIPELINE_ENGINE=opensearch python3 "$HERE/check.py" pipeline "$OSURL" opensmtpd-jsonlog $CASES \
	    > "$OUT/os-cases.out" 2> "$OUT/os-cases.err"
	[ -s "$OUT/os-cases.err" ] && t_fail "$OS_WHAT check.py pipeline: $(tail -n 3 "$OUT/os-cases.err")"
	while IFS= read -r l; do
		case $l in
		"ok "*)		t_ok "$OS_WHAT ${l#ok }" ;;
		"FAIL "*)	t_fail "$OS_WHAT ${l#FAIL }" ;;
		esac
	done < "$OUT/os-cases.out"
	t_check "$OS_WHAT every case ran ($(grep -c '^ok ' "$OUT/os-cases.out") of $(echo $CASES | wc -w) ok)" \
	    [ "$(grep -c '^ok ' "$OUT/os-cases.out")" = "$(echo $CASES | wc -w)" ]
	# The Elastic package's pipeline (packages/gen.py makes it from
	# kibana/'s), under the name Fleet gives it, on the same cases.
	pkgpipe=logs-opensmtpd.event-$(sed -n 's/^version: *//p' packages/opensmtpd/manifest.yml)
	code=$(curl -s -o "$OUT/os-put-package.json" -w '%{http_code}' -X PUT \
	    "$OSURL/_ingest/pipeline/$pkgpipe" -H 'Content-Type: application/json' \
	    --data-binary @packages/opensmtpd/data_stream/event/elasticsearch/ingest_pipeline/default.json)
	t_check "$OS_WHAT PUT _ingest/pipeline/$pkgpipe (packages/opensmtpd): HTTP $code" [ "$code" = 200 ]
	PIPELINE_ENGINE=opensearch python3 "$HERE/check.py" pipeline "$OSURL" "$pkgpipe" $CASES \
	    > "$OUT/os-cases-package.out" 2> "$OUT/os-cases-package.err"
	[ -s "$OUT/os-cases-package.err" ] && t_fail "$OS_WHAT package pipeline: check.py: $(tail -n 3 "$OUT/os-cases-package.err")"
	t_check "$OS_WHAT the package's pipeline: every case ($(grep -c '^ok ' "$OUT/os-cases-package.out") of $(echo $CASES | wc -w) ok)" \
	    [ "$(grep -c '^ok ' "$OUT/os-cases-package.out")" = "$(echo $CASES | wc -w)" ]
	grep '^FAIL ' "$OUT/os-cases-package.out" | sed 's/^FAIL /FAIL - package pipeline: /' >&2
	# GeoIP and ASN on an address the bundled databases know: the
	# properties, database_file, target_field and the renames.
	curl -s -X POST "$OSURL/_ingest/pipeline/opensmtpd-jsonlog/_simulate" \
	    -H 'Content-Type: application/json' -d '{"docs":[
	    {"_index":"logs-opensmtpd.event-default","_source":{"event":{"provider":"smtp-in","action":"link-connect"},"source":{"ip":"8.8.8.8"},"destination":{"ip":"192.0.2.1"}}},
	    {"_index":"logs-opensmtpd.event-default","_source":{"event":{"provider":"smtp-out","action":"link-connect"},"source":{"ip":"8.8.8.8"},"destination":{"ip":"1.1.1.1"}}}]}' \
	    > "$OUT/os-geoip.json"
	t_check "$OS_WHAT GeoIP/ASN: smtp-in 8.8.8.8 -> source.geo US, source.as.number 15169; no destination.geo" \
	    jq_true '.docs[0].doc._source | .source.geo.country_iso_code == "US" and .source.as.number == 15169
		and (.source.as.organization.name | type) == "string" and .destination.geo == null
		and .source.as.asn == null' "$OUT/os-geoip.json"
	t_check "$OS_WHAT GeoIP/ASN: smtp-out 1.1.1.1 -> destination.geo AU, destination.as.number 13335; no source.geo" \
	    jq_true '.docs[1].doc._source | .destination.geo.country_iso_code == "AU" and .destination.as.number == 13335
		and .source.geo == null and .source.as == null' "$OUT/os-geoip.json"
	# The comparison must be able to fail: the json step on the dotted
	# _tmp.json (what the pipeline had before it first ran on an engine)
	# and the cases as Elasticsearch's outputs, tags included.
	os_mutant dotted '(.processors[] | select(.json) | .json.field) = "_tmp.json"' \
	    syslog-openbsd-Z '^FAIL pipeline case syslog-openbsd-Z' \
	    "a pipeline whose json step reads _tmp.json" "the syslog case"
	if python3 "$HERE/check.py" pipeline "$OSURL" opensmtpd-jsonlog "$HERE/pipeline/decoded-smtp-in.json" |
	    grep -q '^FAIL pipeline case decoded-smtp-in'; then
		t_ok "$OS_WHAT without the named difference set aside, the GeoIP tags make a case fail"
	else
		t_fail "$OS_WHAT the expected GeoIP tags are not compared"
	fi
	# The records' whole syslog lines through the pipeline (?pipeline=),
	# into an index named like our data streams (so the script step sets
	# data_stream.*), mapped dynamic: false like ours.
	OSIDX=logs-opensmtpd.event-opensearch
	curl -s -o "$OUT/os-idx.json" -X PUT "$OSURL/$OSIDX" -H 'Content-Type: application/json' \
	    -d '{"settings":{"number_of_shards":1,"number_of_replicas":0},"mappings":{"dynamic":false,"properties":{"@timestamp":{"type":"date"},"event":{"properties":{"kind":{"type":"keyword"}}}}}}'
	# shellcheck disable=SC2086
	if python3 "$HERE/index.py" --shape syslog --data-stream "$OSIDX" --pipeline opensmtpd-jsonlog \
	    --stats "$OUT/os-ingest-syslog.json" "$OSURL" $RECORDS > "$OUT/os-index.out" 2>&1; then
		t_ok "$OS_WHAT bulk create of $NREC whole syslog lines through the pipeline: no errors"
		sed 's/^/elastic: opensearch: /' "$OUT/os-index.out"
	else
		t_fail "$OS_WHAT bulk create of $NREC whole syslog lines through the pipeline"
		tail -n 5 "$OUT/os-index.out" >&2
	fi
	# shellcheck disable=SC2086
	CHECK_ADDED=log.file python3 "$HERE/check.py" stored "$OSURL" "$OSIDX" $RECORDS \
	    > "$OUT/os-stored.out" 2> "$OUT/os-stored.err"
	[ -s "$OUT/os-stored.err" ] && t_fail "$OS_WHAT check.py stored: $(tail -n 3 "$OUT/os-stored.err")"
	while IFS= read -r l; do
		case $l in
		"ok "*)		t_ok "$OS_WHAT decoded syslog lines: ${l#ok }" ;;
		"FAIL "*)	t_fail "$OS_WHAT decoded syslog lines: ${l#FAIL }" ;;
		"NOTRUN "*)	t_notrun "$OS_WHAT decoded syslog lines: ${l#NOTRUN }" ;;
		esac
	done < "$OUT/os-stored.out"
	curl -s "$OSURL/$OSIDX/_search?size=1" > "$OUT/os-one.json"
	t_check "$OS_WHAT a decoded line: log.syslog.hostname mx, data_stream.namespace opensearch, event.ingested, no message" \
	    jq_true '.hits.hits[0]._source | .log.syslog.hostname == "mx" and .log.syslog.appname == "filter-jsonlog"
		and .data_stream.namespace == "opensearch" and .data_stream.dataset == "opensmtpd.event"
		and (.event.ingested | type) == "string" and .message == null and ._tmp_json == null' "$OUT/os-one.json"
	# Summaries shipped as whole syslog lines into the events' stream, as
	# one Filebeat input or rsyslog action sends everything: the pipeline
	# decodes them and moves them to logs-opensmtpd.transaction- and
	# .session-opensearch, each decoded document = its summary.
	for k in transaction session; do
		curl -s -o /dev/null -X PUT "$OSURL/logs-opensmtpd.$k-opensearch" \
		    -H 'Content-Type: application/json' \
		    -d '{"settings":{"number_of_shards":1,"number_of_replicas":0},"mappings":{"dynamic":false,"properties":{"@timestamp":{"type":"date"},"event":{"properties":{"kind":{"type":"keyword"}}}}}}'
	done
	# shellcheck disable=SC2086
	if python3 "$HERE/index.py" --shape syslog --data-stream "$OSIDX" --pipeline opensmtpd-jsonlog \
	    "$OSURL" $SUM_TX $SUM_SESSION > "$OUT/os-index-sum.out" 2>&1; then
		t_ok "$OS_WHAT bulk create of $NSUM summaries' syslog lines into $OSIDX through the pipeline: no errors"
	else
		t_fail "$OS_WHAT bulk create of $NSUM summaries' syslog lines through the pipeline"
		tail -n 5 "$OUT/os-index-sum.out" >&2
	fi
	curl -s -X POST "$OSURL/logs-opensmtpd.*-opensearch/_refresh" > /dev/null
	curl -s "$OSURL/$OSIDX/_count?q=event.dataset:opensmtpd.transaction%20OR%20event.dataset:opensmtpd.session" \
	    > "$OUT/os-sum-left.json"
	t_check "$OS_WHAT no summary stays in the events' stream" \
	    jq_true '.count == 0' "$OUT/os-sum-left.json"
	for k in transaction session; do
		if [ $k = transaction ]; then files=$SUM_TX; else files=$SUM_SESSION; fi
		# shellcheck disable=SC2086
		CHECK_ADDED=log.file python3 "$HERE/check.py" stored "$OSURL" "logs-opensmtpd.$k-opensearch" $files \
		    > "$OUT/os-stored-$k.out" 2> "$OUT/os-stored-$k.err"
		[ -s "$OUT/os-stored-$k.err" ] && t_fail "$OS_WHAT check.py stored ($k): $(tail -n 3 "$OUT/os-stored-$k.err")"
		while IFS= read -r l; do
			case $l in
			"ok "*)		t_ok "$OS_WHAT $k summaries moved to their stream: ${l#ok }" ;;
			"FAIL "*)	t_fail "$OS_WHAT $k summaries moved to their stream: ${l#FAIL }" ;;
			"NOTRUN "*)	t_notrun "$OS_WHAT $k summaries: ${l#NOTRUN }" ;;
			esac
		done < "$OUT/os-stored-$k.out"
	done
	curl -s "$OSURL/logs-opensmtpd.transaction-opensearch/_search?size=1" > "$OUT/os-one-tx.json"
	t_check "$OS_WHAT a moved summary: data_stream.dataset opensmtpd.transaction, namespace opensearch" \
	    jq_true '.hits.hits[0]._source | .data_stream.dataset == "opensmtpd.transaction"
		and .data_stream.namespace == "opensearch"' "$OUT/os-one-tx.json"
	# without the step that moves them, the case fails
	os_mutant noreroute '.processors |= map(select(.script.tag? != "summary-data-stream"))' \
	    summary-reroute '^FAIL pipeline case summary-reroute: documents went to' \
	    "a pipeline that does not move summaries" "the summary-reroute case"
	# The GeoIP panels, which Elasticsearch's test build cannot feed: the
	# records of sessions from and to public addresses, through the
	# pipeline's GeoIP and ASN, into an index with our mapping
	# (constant_keyword, which OpenSearch lacks, as keyword), then every
	# panel that names a GeoIP or ASN field, run on that index.
	GEOIDX=logs-opensmtpd.event-geo
	GEOREC=$REC/golden-kibana-geo.json
	jq '{settings: {number_of_shards: 1, number_of_replicas: 0},
	    mappings: (.template.mappings | walk(if type == "object" and
	    .type? == "constant_keyword" then .type = "keyword" else . end))}' \
	    kibana/elasticsearch/component-template-mappings.json > "$OUT/os-geo-index.json"
	code=$(curl -s -o "$OUT/os-geo-index.out" -w '%{http_code}' -X PUT "$OSURL/$GEOIDX" \
	    -H 'Content-Type: application/json' --data-binary "@$OUT/os-geo-index.json")
	t_check "$OS_WHAT an index with our mapping for the GeoIP panels: HTTP $code" [ "$code" = 200 ]
	if [ ! -s "$GEOREC" ]; then
		t_fail "$OS_WHAT no records of tests/golden/kibana-geo.in ($GEOREC)"
	elif python3 "$HERE/index.py" --data-stream "$GEOIDX" --pipeline opensmtpd-jsonlog \
	    "$OSURL" "$GEOREC" > "$OUT/os-geo.out" 2>&1; then
		t_ok "$OS_WHAT the public-address records through the pipeline: no errors"
		python3 "$HERE/panels.py" --es "$OSURL" --index "$GEOIDX" --records "$GEOREC" \
		    --only-mentioning source.geo,source.as,destination.geo,destination.as \
		    > "$OUT/os-geo-panels.out" 2> "$OUT/os-geo-panels.err"
		while IFS= read -r l; do
			case $l in
			"ok - "*)	t_ok "$OS_WHAT GeoIP panel: ${l#ok - }" ;;
			"FAIL - "*)	t_fail "$OS_WHAT GeoIP panel: ${l#FAIL - }" ;;
			"not run - "*|"not exercised - "*)
					t_fail "$OS_WHAT GeoIP panel not exercised here: ${l#not * - }" ;;
			esac
		done < "$OUT/os-geo-panels.out"
		grep -q '^ok - ' "$OUT/os-geo-panels.out" ||
		    t_fail "$OS_WHAT no GeoIP panel ran (tests/out/elastic/os-geo-panels.err): $(tail -n 3 "$OUT/os-geo-panels.err")"
	else
		t_fail "$OS_WHAT the public-address records through the pipeline"
		tail -n 5 "$OUT/os-geo.out" >&2
	fi
	stop_os_node
	echo "elastic: pipeline engine group: $(($(date +%s) - os_t0)) s"
}

# check_py WHAT DS FILES...: run check.py, count its lines.
# (CHECK_TAG names its output files when WHAT runs more than once.)
check_py() {
	_t=${CHECK_TAG:-$1}
	python3 "$HERE/check.py" "$@" > "$EOUT/check-$_t.out" 2> "$EOUT/check-$_t.err"
	_rc=$?
	[ -s "$EOUT/check-$_t.err" ] && t_fail "check.py $_t: $(tail -n 3 "$EOUT/check-$_t.err")"
	_n=0
	while IFS= read -r l; do
		case $l in
		"ok "*)		t_ok "${l#ok }"; _n=$((_n + 1)) ;;
		"FAIL "*)	t_fail "${l#FAIL }"; _n=$((_n + 1)) ;;
		"NOTRUN "*)	t_notrun "${l#NOTRUN }"; _n=$((_n + 1)) ;;
		note:*)		[ -n "${T_VERBOSE:-}" ] && echo "$l" ;;
		esac
	done < "$EOUT/check-$_t.out"
	[ $_rc = 0 ] || t_fail "check.py $_t exited $_rc ($EOUT/check-$_t.err)"
	[ $_n -gt 0 ] || t_fail "check.py $_t printed no ok/FAIL/NOTRUN line ($EOUT/check-$_t.out)"
}

has_processor() {
	case " $processors " in *" $1 "*) return 0 ;; esac
	return 1
}
has_module() {
	case " $modules " in *" $1 "*) return 0 ;; esac
	return 1
}

# es_version URL: the version the node at URL reports (the test build has
# no GET /: the node's own info says it).
es_version() {
	curl -s "$1/_nodes/_local?filter_path=nodes.*.version" |
	    sed -n 's/.*"version" *: *"\([^"]*\)".*/\1/p' | head -n 1
}

# es_is WANT URL: the node at URL is Elasticsearch WANT, major included.
es_is() {
	_v=$(es_version "$2")
	[ "$_v" = "$1" ] && [ "${_v%%.*}" = "${1%%.*}" ]
}

# es_group VERSION: groups 1 to 6 on one Elasticsearch, then stop it.
# VERSION is the engine es.sh starts, or "url" for ELASTIC_URL's (nothing
# started or stopped).  Each check's name starts with "esVERSION: "
# (T_PREFIX); the outputs are in tests/out/elastic/esVERSION/.  OTHER_ES
# is the other group's version: the version check must fail for it on
# this node.  panels.py's own mutants run in the first group that gets
# to the panels (ES_MUTANTS_ON names it).
# bulk_create WHAT DS NAME SAVED INDEX.PY-ARGS...: index.py bulk-creates
# WHAT into DS (its output in index-NAME.out); DS's settings and mapping
# are then kept in SAVED-settings.json and SAVED-mapping.json.
bulk_create() {
	what=$1 bds=$2 name=$3 saved=$4
	shift 4
	if t_check "bulk create of $what into $bds: no errors" \
	    python3 "$HERE/index.py" "$@" > "$EOUT/index-$name.out" 2>&1; then
		cat "$EOUT/index-$name.out"
	else
		cat "$EOUT/index-$name.out" >&2
	fi
	curl -s "$URL/$bds/_settings?flat_settings=true" > "$EOUT/$saved-settings.json"
	curl -s "$URL/$bds/_mapping" > "$EOUT/$saved-mapping.json"
}

es_group() {
	ev=$1
	es_t0=$(date +%s)
	es_p0=$T_PASS
	es_f0=$T_FAIL
	es_n0=$NOTRUN
	if [ "$ev" = url ]; then
		URL=${ELASTIC_URL%/}
		ev=$(es_version "$URL")
		T_PREFIX="es${ev:-unknown}: "
		EOUT=$OUT/es-url
		mkdir -p "$EOUT/mut"
		echo "elastic: using the engine at $URL (ELASTIC_URL)"
		ES_HOME_VERSION=${ES_VERSION:-}
	else
		T_PREFIX="es$ev: "
		EOUT=$OUT/es$ev
		mkdir -p "$EOUT/mut"
		ES_HOME_VERSION=$ev
		NODE=$(mktemp -d /tmp/fj-elastic.XXXXXX)
		ES_VERSION=$ev sh "$HERE/es.sh" start "$NODE" > "$EOUT/es-start.out" 2> "$EOUT/es-start.err"
		rc=$?
		if [ $rc = 3 ]; then
			cat "$EOUT/es-start.err" >&2
			# es.sh's last line says why (not cached and Maven
			# Central unreachable; for 9.x, no Java 21 or newer)
			why="no Elasticsearch $ev: $(sed -n 's/.*es\.sh: //p' "$EOUT/es-start.err" | tail -n 1)"
			for what in "load.sh against the engine, twice" \
			    "bulk create of the records into $DS" \
			    "documents = records, field for field" \
			    "mapped types of the dashboards' fields" \
			    "the data view's runtime field" \
			    "the summaries in their data streams (summaries.py)" \
			    "the dashboards' queries (panels)" \
			    "whole syslog lines and the pipeline cases"; do
				t_notrun "$what: $why"
			done
			t_notrun "live smtpd -> rsyslogd -> omelasticsearch: $why"
			stop_node
			es_group_end
			return 0
		fi
		if ! t_check "es.sh starts a node" [ $rc = 0 ]; then
			cat "$EOUT/es-start.err" >&2
			stop_node
			es_group_end
			return 0
		fi
		URL=$(tail -n 1 "$EOUT/es-start.out")
		cat "$EOUT/es-start.err"
		t_check "the node reports Elasticsearch $ev ($(es_version "$URL"))" es_is "$ev" "$URL"
		# The check must be able to fail: this node is not the other group's.
		if [ -n "${OTHER_ES:-}" ] && [ "$OTHER_ES" != "$ev" ]; then
			if es_is "$OTHER_ES" "$URL"; then
				t_fail "the version check takes this node for Elasticsearch $OTHER_ES"
			else
				t_ok "the version check tells this node from Elasticsearch $OTHER_ES"
			fi
		fi
	fi
	modules=$(curl -s "$URL/_nodes/_local/plugins?filter_path=nodes.*.modules.name" |
	    jq -r '[.nodes[].modules[].name] | join(" ")' 2>/dev/null)
	processors=$(curl -s "$URL/_nodes/_local/ingest?filter_path=nodes.*.ingest.processors.type" |
	    jq -r '[.nodes[].ingest.processors[].type] | join(" ")' 2>/dev/null)
	echo "elastic: Elasticsearch $ev at $URL; modules: $modules"
	es_checks
	es_live
	stop_node
	es_group_end
}

# es_group_end: the group's own counts and time.
es_group_end() {
	echo "elastic: Elasticsearch $ev group: $((T_PASS - es_p0)) passed," \
	    "$((T_FAIL - es_f0)) failed, $((NOTRUN - es_n0)) not run," \
	    "$(($(date +%s) - es_t0)) s"
	T_PREFIX=
}

# es_checks: groups 2 to 5 on the engine at $URL.
es_checks() {
	# ---- 2. kibana/load.sh against it --------------------------------------

	for run in 1 2; do
		# The redirection on load.sh alone: T_VERBOSE's "ok -" line stays out
		# of the output checked below.
		sh kibana/load.sh --skip-kibana -e "$URL" > "$EOUT/load$run.out" 2>&1
		rc=$?
		t_check "load.sh --skip-kibana, run $run" [ $rc = 0 ]
		[ $rc = 0 ] || cat "$EOUT/load$run.out" >&2
		# What is installed after each run, for the comparison.
		for r in _component_template/opensmtpd-jsonlog-settings \
		    _component_template/opensmtpd-jsonlog-mappings \
		    _index_template/opensmtpd-jsonlog _ingest/pipeline/opensmtpd-jsonlog \
		    _ilm/policy/opensmtpd-jsonlog; do
			echo "== $r"
			curl -s "$URL/$r"
			echo
		done > "$EOUT/installed$run.txt"
	done
	t_check "load.sh finds Elasticsearch $ev" grep -qx "ok: Elasticsearch $ev" "$EOUT/load1.out"
	t_check "a second load.sh run changes nothing" \
	    cmp -s "$EOUT/installed1.txt" "$EOUT/installed2.txt"
	t_check "load.sh says each thing it adapts, on one line" \
	    sh -c "grep -q '^ok: ' '$EOUT/load1.out' && ! grep -v '^ok: \|^note: ' '$EOUT/load1.out'"
	grep '^note: ' "$EOUT/load1.out" | sed 's/^/elastic: load.sh: /'
	HAVE_PIPELINE=
	curl -sf -o /dev/null "$URL/_ingest/pipeline/opensmtpd-jsonlog" && HAVE_PIPELINE=1
	HAVE_ILM=
	curl -sf -o /dev/null "$URL/_ilm/policy/opensmtpd-jsonlog" && HAVE_ILM=1
	if [ -n "$HAVE_ILM" ]; then
		t_ok "ILM policy installed"
	else
		t_check "without ILM, load.sh says it left the policy out" \
		    grep -q '^note: this cluster has no ILM API' "$EOUT/load1.out"
		t_notrun "ILM: the policy opensmtpd-jsonlog and index.lifecycle.name (x-pack ILM is not in this engine)"
	fi
	if [ -z "$HAVE_PIPELINE" ]; then
		t_check "without the processors, load.sh says it left the pipeline out" \
		    grep -q '^note: this cluster lacks the ingest processors' "$EOUT/load1.out"
	fi

	# Fleet names its templates logs-<dataset> and installs them at priority
	# 200: one for our data streams must be accepted next to ours, and ours
	# must still be the one a new data stream gets.
	fleet='{"index_patterns":["logs-opensmtpd.event-*"],"data_stream":{},"priority":200,"_meta":{"managed_by":"fleet"}}'
	code=$(curl -s -o "$EOUT/fleet.out" -w '%{http_code}' -X PUT "$URL/_index_template/logs-opensmtpd.event" \
	    -H 'Content-Type: application/json' -d "$fleet")
	t_check "a Fleet-style template (logs-opensmtpd.event, priority 200) can exist next to ours (HTTP $code)" \
	    [ "$code" = 200 ]
	curl -s -X POST "$URL/_index_template/_simulate_index/logs-opensmtpd.event-fleettest" > "$EOUT/fleet-sim.json"
	t_check "ours (priority 210) is the template a new logs-opensmtpd.event-* data stream gets" \
	    sh -c "jq -e '.overlapping | map(.name) | index(\"logs-opensmtpd.event\") != null' '$EOUT/fleet-sim.json' >/dev/null &&
		jq -e '.template.settings.index.codec == \"best_compression\"' '$EOUT/fleet-sim.json' >/dev/null"
	curl -s -o /dev/null -X DELETE "$URL/_index_template/logs-opensmtpd.event"
	# The template's old name, from releases before this one: load.sh removes
	# it when it is ours.
	old='{"index_patterns":["logs-opensmtpd.*-*"],"data_stream":{},"priority":200,"_meta":{"managed_by":"filter-jsonlog"}}'
	curl -s -o /dev/null -X PUT "$URL/_index_template/logs-opensmtpd" -H 'Content-Type: application/json' -d "$old"
	sh kibana/load.sh --skip-kibana -e "$URL" > "$EOUT/load3.out" 2>&1
	code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/_index_template/logs-opensmtpd")
	t_check "load.sh removes its template of the old name logs-opensmtpd" \
	    sh -c "[ $code = 404 ] && grep -q '^ok: DELETE _index_template/logs-opensmtpd' '$EOUT/load3.out'"

	# ---- 3. real records, decoded (the ndjson path) ------------------------

	# shellcheck disable=SC2086
	bulk_create "$NREC decoded records" "$DS" decoded ds \
	    --stats "$EOUT/ingest-decoded.json" "$URL" $RECORDS
	t_check "$DS has our template: dynamic false, best_compression" \
	    sh -c "jq -e '[.[].mappings.dynamic] | all(. == \"false\")' '$EOUT/ds-mapping.json' >/dev/null &&
		jq -e '[.[].settings[\"index.codec\"]] | all(. == \"best_compression\")' '$EOUT/ds-settings.json' >/dev/null"
	# shellcheck disable=SC2086
	check_py stored "$URL" "$DS" $RECORDS
	# shellcheck disable=SC2086
	LOAD_NOTES=$(cat "$EOUT/load1.out") check_py mapping "$URL" "$DS" $RECORDS
	# shellcheck disable=SC2086
	check_py runtime "$URL" "$DS" $RECORDS

	# The checks must be able to fail: a record with a field the template
	# does not map, a record whose value differs from what was stored.
	mkdir -p "$EOUT/mut"
	# shellcheck disable=SC2086
	{ cat $RECORDS; head -n 1 "$REC/golden-real-a-ehlo-simple.json" |
	    jq -c '.opensmtpd.not_in_the_template = 1'; } > "$EOUT/mut/unmapped.json"
	if python3 "$HERE/check.py" mapping "$URL" "$DS" "$EOUT/mut/unmapped.json" 2>&1 |
	    grep -q '^FAIL every record field is mapped: .*opensmtpd.not_in_the_template'; then
		t_ok "check.py mapping rejects a record with an unmapped field"
	else
		t_fail "check.py mapping accepts a record with an unmapped field"
	fi
	# shellcheck disable=SC2086
	cat $RECORDS | jq -c 'if .event.action == "tx-commit" and .opensmtpd.tx.size
	    then .opensmtpd.tx.size += 1 else . end' > "$EOUT/mut/changed.json"
	if python3 "$HERE/check.py" stored "$URL" "$DS" "$EOUT/mut/changed.json" 2>&1 |
	    grep -q '^FAIL every record is in _source'; then
		t_ok "check.py stored rejects records that differ from the documents"
	else
		t_fail "check.py stored accepts records that differ from the documents"
	fi

	# ---- 3b. summary records, in their own data streams -------------------
	# Bulk-created into logs-opensmtpd.transaction-default and
	# logs-opensmtpd.session-default (as Filebeat's index: "logs-%{[event.dataset]}-default"
	# sends them): our template applies, every document = its summary, every
	# field mapped, and the questions the summary dashboard asks answered by
	# the engine as the summaries say (tests/elastic/summaries.py).  Before the
	# dashboards' queries: the data view logs-opensmtpd.* covers these data
	# streams, and the Summaries dashboard reads them.
	for k in transaction session stats; do
		SDS=logs-opensmtpd.$k-default
		case $k in
		transaction)	files=$SUM_TX ;;
		session)	files=$SUM_SESSION ;;
		*)		files=$SUM_STATS ;;
		esac
		# shellcheck disable=SC2086
		bulk_create "$(cat $files | wc -l) $k summaries" "$SDS" "$k" "ds-$k" \
		    --data-stream "$SDS" "$URL" $files
		t_check "$SDS is a data stream with our template: backing index .ds-*, dynamic false, best_compression" \
		    sh -c "jq -e 'keys | length > 0 and all(startswith(\".ds-$SDS-\"))' '$EOUT/ds-$k-settings.json' >/dev/null &&
			jq -e '[.[].mappings.dynamic] | all(. == \"false\")' '$EOUT/ds-$k-mapping.json' >/dev/null &&
			jq -e '[.[].settings[\"index.codec\"]] | all(. == \"best_compression\")' '$EOUT/ds-$k-settings.json' >/dev/null"
		# shellcheck disable=SC2086
		CHECK_TAG=stored-$k check_py stored "$URL" "$SDS" $files
		# shellcheck disable=SC2086
		CHECK_TAG=mapping-$k LOAD_NOTES=$(cat "$EOUT/load1.out") \
		    check_py mapping "$URL" "$SDS" $files
	done
	# shellcheck disable=SC2086
	python3 "$HERE/summaries.py" "$URL" --tx $SUM_TX --session $SUM_SESSION \
	    > "$EOUT/summaries.out" 2> "$EOUT/summaries.err"
	[ -s "$EOUT/summaries.err" ] && t_fail "summaries.py: $(tail -n 3 "$EOUT/summaries.err")"
	while IFS= read -r l; do
		case $l in
		"ok "*)		t_ok "summaries: ${l#ok }" ;;
		"FAIL "*)	t_fail "summaries: ${l#FAIL }" ;;
		"NOTRUN "*)	t_notrun "summaries: ${l#NOTRUN }" ;;
		esac
	done < "$EOUT/summaries.out"
	t_check "summaries.py answered ($EOUT/summaries.out)" \
	    grep -q '^ok ' "$EOUT/summaries.out"
	# It must be able to fail: a summary whose result is not what was indexed.
	# shellcheck disable=SC2086
	cat $SUM_TX | jq -c 'if .opensmtpd.tx.result == "commit"
	    then .opensmtpd.tx.result = "rollback" else . end' > "$EOUT/mut/sum-tx.json"
	if python3 "$HERE/summaries.py" "$URL" --tx "$EOUT/mut/sum-tx.json" \
	    --session $SUM_SESSION 2>&1 | grep -q '^FAIL messages by result'; then
		t_ok "summaries.py fails on summaries that differ from the engine's"
	else
		t_fail "summaries.py passes summaries that differ from the engine's"
	fi

	# ---- 4. the dashboards' queries --------------------------------------
	# >>> panels: the visualizations' and saved searches' queries against the
	# >>> engine, compared with answers computed from the records
	# >>> (tests/elastic/panels.py), and the checker's own mutants.
	if [ -f "$HERE/panels.py" ]; then
		# One line a panel: "ok - ", "FAIL - ", "not run - " (a module the
		# engine lacks), "not exercised - " (the records cannot tell); the
		# last line "panels: N passed, ...".  Each counts here on its own.
		# shellcheck disable=SC2086
		# The data view (logs-opensmtpd.*) covers the events', the
		# summaries' and the self-statistics' data streams: the records are all.
		python3 "$HERE/panels.py" --es "$URL" --objects kibana/saved-objects.ndjson \
		    --records $RECORDS $SUM_TX $SUM_SESSION $SUM_STATS > "$EOUT/panels.out" 2> "$EOUT/panels.err"
		while IFS= read -r l; do
			case $l in
			"ok - "*)		t_ok "panel: ${l#ok - }" ;;
			"FAIL - "*)		t_fail "panel: ${l#FAIL - }" ;;
			"not run - "*)		t_notrun "panel: ${l#not run - }" ;;
			"not exercised - "*)	t_notrun "panel (not exercised by the records): ${l#not exercised - }" ;;
			esac
		done < "$EOUT/panels.out"
		tail -n 1 "$EOUT/panels.out" | grep -q '^panels: ' ||
		    t_fail "panels.py did not finish ($EOUT/panels.err): $(tail -n 3 "$EOUT/panels.err")"
		# The checker itself must fail on wrong records and wrong panels:
		# in the first group that gets here only (they test panels.py, not
		# the engine, and take a minute).
		if [ -z "$ES_MUTANTS_ON" ]; then
			ES_MUTANTS_ON=$ev
			# shellcheck disable=SC2086
			python3 "$HERE/panels_mutants.py" --es "$URL" --records $RECORDS $SUM_TX $SUM_SESSION $SUM_STATS \
			    > "$EOUT/panels-mutants.out" 2> "$EOUT/panels-mutants.err"
			while IFS= read -r l; do
				case $l in
				"ok - "*)	t_ok "panels.py catches: ${l#ok - }" ;;
				"FAIL - "*)	t_fail "panels.py misses: ${l#FAIL - }" ;;
				esac
			done < "$EOUT/panels-mutants.out"
			tail -n 1 "$EOUT/panels-mutants.out" | grep -q '^mutants: ' ||
			    t_fail "panels_mutants.py did not finish ($EOUT/panels-mutants.err): $(tail -n 3 "$EOUT/panels-mutants.err")"
		else
			t_notrun "panels.py's own mutants (panels_mutants.py): run once, in the Elasticsearch $ES_MUTANTS_ON group (they test the checker, not the engine)"
		fi
	else
		echo "elastic: panels: not yet present"
	fi
	# <<< panels

	# ---- 5. whole syslog lines (the OpenBSD path), the pipeline cases -----

	# Into a namespace of their own, after the panels: the dashboards' data
	# view (logs-opensmtpd.*) would count them twice.
	DS_SYSLOG=logs-opensmtpd.event-syslog
	# shellcheck disable=SC2086
	if t_check "bulk create of $NREC whole syslog lines into $DS_SYSLOG: no errors" \
	    python3 "$HERE/index.py" --shape syslog --data-stream "$DS_SYSLOG" \
	    --stats "$EOUT/ingest-syslog.json" "$URL" $RECORDS > "$EOUT/index-syslog.out" 2>&1; then
		cat "$EOUT/index-syslog.out"
	else
		cat "$EOUT/index-syslog.out" >&2
	fi
	n=$(curl -s "$URL/$DS_SYSLOG/_count" | sed -n 's/.*"count":\([0-9]*\).*/\1/p')
	t_check "one document per syslog line ($n of $NREC)" [ "${n:-0}" = "$NREC" ]
	if [ -n "$HAVE_PIPELINE" ]; then
		# shellcheck disable=SC2086
		CHECK_ADDED=log.file check_py stored "$URL" "$DS_SYSLOG" $RECORDS
		# shellcheck disable=SC2086
		check_py pipeline "$URL" opensmtpd-jsonlog $CASES
		# The Elastic package's pipeline (packages/gen.py makes it from
		# kibana/'s), installed under the name Fleet gives it, on the same cases.
		PKG_PIPE=logs-opensmtpd.event-$(sed -n 's/^version: *//p' packages/opensmtpd/manifest.yml)
		if curl -sf -o "$EOUT/package-pipeline.out" -X PUT -H 'Content-Type: application/json' \
		    --data-binary @packages/opensmtpd/data_stream/event/elasticsearch/ingest_pipeline/default.json \
		    "$URL/_ingest/pipeline/$PKG_PIPE"; then
			t_ok "the package's pipeline installs as $PKG_PIPE"
			# shellcheck disable=SC2086
			check_py pipeline "$URL" "$PKG_PIPE" $CASES
		else
			t_fail "package-pipeline: PUT _ingest/pipeline/$PKG_PIPE refused: $(cat "$EOUT/package-pipeline.out")"
		fi
	else
		t_notrun "syslog lines decoded by the pipeline (grok, json): the engine has no ingest-common module"
		for c in $CASES; do
			t_notrun "pipeline case $(basename "$c" .json) through _simulate on Elasticsearch: no ingest-common/lang-painless/ingest-geoip in the engine (run on OpenSearch's, group 7)"
		done
		t_notrun "the Elastic package's pipeline (packages/opensmtpd) on the same cases: no ingest-common/lang-painless/ingest-geoip in the engine"
	fi
	# The grok of the pipeline's first step, on Elasticsearch's own grok
	# library (lib/ of the engine), even where the engine has no processor,
	# on the Java the engine runs on (9.x's jars need Java 21 or newer).
	if ES_HOME_DIR=$(ES_VERSION=$ES_HOME_VERSION sh "$HERE/es.sh" fetch 2>/dev/null) &&
	    [ -d "$ES_HOME_DIR/lib" ]; then
		GROK_JAVA=$(ES_VERSION=$ES_HOME_VERSION sh "$HERE/es.sh" java)
		ES_JAVA_HOME=$GROK_JAVA python3 "$HERE/grok.py" "$ES_HOME_DIR" "$REC/golden-bytes.json" > "$EOUT/grok.out" 2>&1
		ES_JAVA_HOME=$GROK_JAVA python3 "$HERE/grok.py" "$ES_HOME_DIR" "$REC/golden-real-c-starttls-auth-plain-3rcpt.json" >> "$EOUT/grok.out" 2>&1
		while IFS= read -r l; do
			case $l in
			"ok "*)		t_ok "${l#ok }" ;;
			"FAIL "*)	t_fail "${l#FAIL }" ;;
			*)		t_fail "grok.py: $l" ;;
			esac
		done < "$EOUT/grok.out"
		# It must fail when the pattern no longer finds the record.
		sed 's/"JSONRECORD": "[^"]*"/"JSONRECORD": "\\\\[.*"/' kibana/elasticsearch/ingest-pipeline.json \
		    > "$EOUT/mut/pipeline-grok.json"
		if GROK_PIPELINE=$EOUT/mut/pipeline-grok.json ES_JAVA_HOME=$GROK_JAVA \
		    python3 "$HERE/grok.py" "$ES_HOME_DIR" \
		    "$REC/golden-bytes.json" 2>&1 | grep -q '^FAIL grok .* on openbsd-Z lines: record 0: '; then
			t_ok "grok.py fails when the pipeline's pattern misses the record"
		else
			t_fail "grok.py accepts a pattern that misses the record"
		fi
	else
		t_notrun "the pipeline's grok on Elasticsearch's grok library: no engine home"
	fi
	if has_processor geoip; then
		:
	else
		t_notrun "GeoIP of source.ip (smtp-in) and destination.ip (smtp-out), and the engine's database-unavailable tags: no ingest-geoip module"
	fi
	es_logsdb
}

# es_logsdb: the records under index.mode logsdb, which Elasticsearch 9
# sets on every new logs-*-* data stream of a cluster created on 9.x
# whose template sets no index.mode (ours sets none): synthetic _source.
# The test build lacks the module that makes it the default (x-pack
# logsdb) but has the index mode: a template of ours for
# logs-opensmtpd.*-logsdb sets it by hand.  Every record and summary must
# come back field for field but for its dates, which a date field keeps
# to the millisecond (the records have microseconds), and for its ip
# fields' IPv4-mapped IPv6 addresses, given back as IPv4
# (tests/elastic/synthetic.jq); the records as shipped must not (the
# check must be able to fail).  After the panels:
# the data view would count these too.
es_logsdb() {
	LW="logsdb (Elasticsearch 9's default for new logs-*-* data streams):"
	code=$(curl -s -o "$EOUT/logsdb-template.out" -w '%{http_code}' -X PUT \
	    "$URL/_index_template/fj-test-logsdb" -H 'Content-Type: application/json' \
	    -d '{"index_patterns":["logs-opensmtpd.*-logsdb"],"data_stream":{},"priority":300,
		"composed_of":["opensmtpd-jsonlog-settings","opensmtpd-jsonlog-mappings"],
		"template":{"settings":{"index.mode":"logsdb"}}}')
	if ! t_check "$LW a template of ours with index.mode logsdb (HTTP $code)" [ "$code" = 200 ]; then
		cat "$EOUT/logsdb-template.out" >&2
		return 0
	fi
	M=kibana/elasticsearch/component-template-mappings.json
	LDATES=$(jq -c '[.template.mappings.properties | paths(type == "object" and .type? == "date")
	    | map(select(. != "properties"))]' "$M")
	LIPS=$(jq -c '[.template.mappings.properties | paths(type == "object" and .type? == "ip")
	    | map(select(. != "properties"))]' "$M")
	# shellcheck disable=SC2086
	for k in event transaction session stats; do
		case $k in
		event)		files=$RECORDS ;;
		transaction)	files=$SUM_TX ;;
		session)	files=$SUM_SESSION ;;
		*)		files=$SUM_STATS ;;
		esac
		LDS=logs-opensmtpd.$k-logsdb
		if ! python3 "$HERE/index.py" --data-stream "$LDS" "$URL" $files \
		    > "$EOUT/index-logsdb-$k.out" 2>&1; then
			t_fail "$LW bulk create of the $k records into $LDS"
			tail -n 5 "$EOUT/index-logsdb-$k.out" >&2
			continue
		fi
		mode=$(curl -s "$URL/$LDS/_settings?flat_settings=true" |
		    jq -r '[.[].settings["index.mode"]] | unique | join(",")')
		t_check "$LW $LDS is logsdb (index.mode ${mode:-unset})" [ "$mode" = logsdb ]
		# what synthetic _source keeps of them (tests/elastic/synthetic.jq)
		cat $files | jq -c --argjson dates "$LDATES" --argjson ips "$LIPS" \
		    -f "$HERE/synthetic.jq" > "$EOUT/logsdb-$k-synthetic.json"
		python3 "$HERE/check.py" stored "$URL" "$LDS" "$EOUT/logsdb-$k-synthetic.json" \
		    > "$EOUT/check-logsdb-$k.out" 2> "$EOUT/check-logsdb-$k.err"
		[ -s "$EOUT/check-logsdb-$k.err" ] && t_fail "$LW check.py stored $k: $(tail -n 3 "$EOUT/check-logsdb-$k.err")"
		while IFS= read -r l; do
			case $l in
			"ok every record"*)	t_ok "$LW every $k record in synthetic _source, dates to the millisecond, IPv4-mapped addresses as IPv4: ${l#ok every record is in _source }" ;;
			"ok "*)			t_ok "$LW $k: ${l#ok }" ;;
			"FAIL "*)		t_fail "$LW $k: ${l#FAIL }" ;;
			esac
		done < "$EOUT/check-logsdb-$k.out"
		if python3 "$HERE/check.py" stored "$URL" "$LDS" $files 2>&1 |
		    grep -q '^FAIL every record is in _source'; then
			t_ok "$LW $k records as shipped (microseconds) are not what synthetic _source gives back"
		else
			t_fail "$LW $k records come back as shipped, microseconds included: the check above proves nothing"
		fi
	done
	case $ev in
	9.*)	has_module x-pack-logsdb || has_module logsdb ||
		    t_notrun "$LW that a new cluster makes logs-opensmtpd.* logsdb by itself (cluster.logsdb.enabled): no x-pack logsdb module in the test build (index.mode set by hand above)" ;;
	esac
}

# es_live: group 6 on the engine at $URL.
es_live() {
	# ---- 6. the live path: smtpd -> filter -> rsyslogd -> omelasticsearch ----

	if [ "${ELASTIC_LIVE:-1}" = 0 ]; then
		t_notrun "live smtpd -> rsyslogd -> omelasticsearch (ELASTIC_LIVE=0)"
	else
		sh "$HERE/live.sh" "$URL" "$EOUT/live" > "$EOUT/live.out" 2> "$EOUT/live.err"
		while IFS= read -r l; do
			case $l in
			"ok "*)		t_ok "${l#ok }" ;;
			"FAIL "*)	t_fail "${l#FAIL }" ;;
			"NOTRUN "*)	t_notrun "${l#NOTRUN }" ;;
			esac
		done < "$EOUT/live.out"
		grep -q '^ok live: .* documents in' "$EOUT/live.out" ||
		    { grep -q '^NOTRUN' "$EOUT/live.out" || { t_fail "live.sh ($EOUT/live.err):"; tail -n 5 "$EOUT/live.err" >&2; }; }
	fi
}

# ---- the engines, one at a time (two shared cores) -----------------------

ES_MUTANTS_ON=
ES_FIRST=${ES_VERSION:-8.19.21}
ES_SECOND=${ELASTIC_ES9_VERSION:-9.2.0}
if [ -n "${ELASTIC_URL:-}" ]; then
	es_group url
	t_notrun "the groups on es.sh's Elasticsearch $ES_FIRST and $ES_SECOND: every check (ELASTIC_URL: only that engine is checked)"
else
	OTHER_ES=$ES_SECOND
	es_group "$ES_FIRST"
	if [ "${ELASTIC_ES9:-1}" = 0 ]; then
		T_PREFIX="es$ES_SECOND: "
		t_notrun "every check (ELASTIC_ES9=0)"
		T_PREFIX=
	else
		OTHER_ES=$ES_FIRST
		es_group "$ES_SECOND"
	fi
fi

# ---- 7. the pipeline on OpenSearch's ingest modules -------------------

opensearch_group

finish
