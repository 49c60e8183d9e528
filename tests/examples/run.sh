#!/bin/sh
# make check-examples: prove examples/ and kibana/ offline, on real output
# of ./filter-jsonlog.
#
#  1. Real records: the filter runs over tests/golden/*.in, tests/streams/
#     (the shared captures, behind their handshake) and tests/examples/
#     corpus/ (synthetic sessions: TLS, AUTH failures, filter rejects,
#     smtp-out failures, timeouts, unix socket, IPv6, truncation ...).
#  2. tests/examples/validate.js (node + the @elastic/ecs package, pinned)
#     checks kibana/ against ECS and against those records; then the same
#     validator must fail on mutated copies (a field renamed in the
#     records, the mapping, a dashboard, the pipeline; a wrong ECS type; a
#     dangling reference; a value that never occurs).  Uses of fields or
#     datasets of /work/plan-s4.md that no record has yet are "pending"
#     (not run).  Then tests/examples/lenscheck.js: the saved objects
#     against Kibana 8.x/9.x's import rules and Lens/Maps shapes, and its
#     mutants (lmut).
#  3. Every jq recipe of examples/jq/ runs on the fixed corpus and must
#     print exactly tests/examples/expected/<recipe>.out.
#  4. kibana/load.sh: --help, --dry-run, bad arguments, and real requests
#     to a fake Elasticsearch/Kibana on 127.0.0.1 (bodies, auth, errors).
#  5. The rsyslog drop-in, run by a private rsyslogd, writes exactly what
#     the filter's file sink writes; smtpd -n accepts examples/smtpd.conf.
#  6. The unit tests of the dashboards' checker (tests/elastic/test_kql.py:
#     the KQL subset and its translation; tests/elastic/test_panels.py:
#     answers from the records and the comparison rules); no engine needed.
#
# Usage: sh tests/examples/run.sh [PART...]   PART: validation jq load
#   syslog elastic (default: all; the records of part 1 are always made)
# Environment: T_VERBOSE=1 lists passing checks; EXAMPLES_REGEN=1 rewrites
# the expected jq outputs (then review the diff).
set -u
T_SUITE=examples
. "$(dirname "$0")/../lib.sh"
t_linux_only "needs node and npm's @elastic/ecs, Debian's rsyslog," \
    "logrotate and opensmtpd"
cd "$T_TOP" || exit 1

T_RERUN="sh tests/examples/run.sh"
PARTS=" $* "
# part NAME: is this part of the run asked for?
part() {
	case $PARTS in
	"  "|*" $1 "*)	return 0 ;;
	esac
	return 1
}

HERE=tests/examples
OUT=tests/out/examples
REC=$OUT/records
FILTER=./filter-jsonlog
ECS_VERSION=8.11.5
HANDSHAKE=tests/streams/config-handshake.smtp-in+out.stream
rm -rf "$OUT"
mkdir -p "$REC"

# The fixed corpus of the jq recipes: shared captures, then synthetic ones.
JQ_STREAMS="tests/streams/a-ehlo-simple.stream
tests/streams/c-starttls-auth-plain-3rcpt.stream
tests/streams/e-rcpt-reject-then-accept.stream
tests/streams/i-relay-smtp-out.stream
$HERE/corpus/openbsd-0.7.stream
$HERE/corpus/bulk-150rcpt-0.6.stream"

if [ ! -x "$FILTER" ]; then
	t_fail "$FILTER missing: build it first (make)"
	t_done
	exit 1
fi
for c in node jq; do
	if ! command -v $c >/dev/null 2>&1; then
		t_fail "$c missing (DEPS=install sh mk/deps.sh check installs it)"
		t_done
		exit 1
	fi
done

# ---- 1. real records -------------------------------------------------

# run_filter NAME INPUT [OPTIONS]: records of INPUT in $REC/NAME.json.
# A stream without its own handshake gets the shared one in front.
run_filter() {
	_n=$1 _in=$2
	shift 2
	if head -n 1 "$_in" | grep -q '^config|'; then
		cat "$_in"
	else
		cat "$HANDSHAKE" "$_in"
	fi > "$OUT/input.tmp"
	_events=$(grep -c '^report|' "$OUT/input.tmp")
	"$FILTER" "$@" -o "$REC/$_n.json" < "$OUT/input.tmp" \
	    > "$OUT/$_n.stdout" 2> "$OUT/$_n.stderr"
	_rc=$?
	t_check "filter exits 0 on $_in" [ $_rc = 0 ]
	# Golden inputs may hold broken lines on purpose: count only ours.
	case $_n in golden-*) return ;; esac
	_got=$(cat "$REC/$_n.json" 2>/dev/null | wc -l)
	t_check "one record per event for $_in ($_events events, $_got records)" \
	    [ "$_got" -eq "$_events" ]
}

# The privacy-* golden cases read the test key of -K from tests/out/golden.
t_privacy_key
for f in tests/golden/*.in; do
	[ -e "$f" ] || continue
	a=${f%.in}.args
	# shellcheck disable=SC2046
	run_filter "golden-$(basename "$f" .in)" "$f" $(cat "$a" 2>/dev/null)
done
for f in tests/streams/*.stream; do
	[ "$f" = "$HANDSHAKE" ] && continue
	run_filter "stream-$(basename "$f" .stream)" "$f"
done
for f in $HERE/corpus/*.stream; do
	run_filter "corpus-$(basename "$f" .stream)" "$f"
done

# Self-statistics records (-i): the filter writes one when it stops (odd:
# malformed lines, a session left open; summary-evict: evictions).
for f in tests/streams/a-ehlo-simple.stream tests/streams/c-starttls-auth-plain-3rcpt.stream \
    tests/streams/i-relay-smtp-out.stream $HERE/corpus/bulk-150rcpt-0.6.stream \
    tests/golden/odd.in tests/golden/summary-evict.in; do
	_n=$(basename "$f"); _n=stats-${_n%.*}
	case $f in *.in) _a=${f%.in}.args ;; *) _a=/dev/null ;; esac
	if head -n 1 "$f" | grep -q '^config|\|^# golden'; then cat "$f"; else cat "$HANDSHAKE" "$f"; fi |
	    # shellcheck disable=SC2046
	    "$FILTER" $(cat "$_a" 2>/dev/null) -i 86400 -o "$OUT/$_n.all" > /dev/null 2>&1
	grep '"dataset":"opensmtpd.stats"' "$OUT/$_n.all" > "$REC/$_n.json"
	t_check "filter -i 86400 writes one stats record for $f" [ "$(grep -c . "$REC/$_n.json")" = 1 ]
done

# ---- 2. validation -------------------------------------------------------
if part validation; then

ECS_DIR=$HERE/node_modules/@elastic/ecs
have=$(node -p "require('./$ECS_DIR/package.json').version" 2>/dev/null)
if [ "$have" != "$ECS_VERSION" ]; then
	npm install --no-save --no-audit --no-fund --no-package-lock \
	    --prefix "$HERE" "@elastic/ecs@$ECS_VERSION" > "$OUT/npm.log" 2>&1
	have=$(node -p "require('./$ECS_DIR/package.json').version" 2>/dev/null)
fi
if t_check "@elastic/ecs $ECS_VERSION installed in $HERE/node_modules" \
    [ "$have" = "$ECS_VERSION" ]; then
	validate() {	# validate LOG [validate.js args...]
		_log=$1
		shift
		node "$HERE/validate.js" --ecs "$ECS_DIR" "$@" > "$_log" 2>&1
	}
	if validate "$OUT/validate.log" "$REC"/*.json; then
		t_ok "validate.js on $(cat "$REC"/*.json | wc -l) records"
		[ -n "${T_VERBOSE:-}" ] && tail -n 2 "$OUT/validate.log"
	else
		t_fail "validate.js (tests/out/examples/validate.log):"
		grep -v '^note:' "$OUT/validate.log" | head -n 40 >&2
	fi
else
	cat "$OUT/npm.log" >&2
	validate() { return 1; }
fi
t_check "kibana/saved-objects.ndjson is what kibana/saved-objects.js makes" \
    node kibana/saved-objects.js --check kibana/saved-objects.ndjson
npend=$(grep -c '^pending: ' "$OUT/validate.log" 2>/dev/null)
if [ "${npend:-0}" -gt 0 ]; then
	t_skip "validate.js: $npend field uses of /work/plan-s4.md fields or datasets" \
	    "no record has them yet (tests/out/examples/validate.log, pending: lines)"
fi

# tests/examples/lenscheck.js: the objects against Kibana 8.x/9.x's rules
# (versions, Lens and Maps shapes, references, dataset filters).
if node "$HERE/lenscheck.js" kibana/saved-objects.ndjson > "$OUT/lenscheck.log" 2>&1; then
	t_ok "$(tail -n 1 "$OUT/lenscheck.log")"
else
	t_fail "lenscheck.js (tests/out/examples/lenscheck.log):"
	head -n 20 "$OUT/lenscheck.log" >&2
fi
# lmut NAME EXPECTED JS: JS edits the array o (the parsed objects; P(d)
# and S(d, panels) read and write a dashboard's panels; L(p) is a Lens
# panel's first layer), then lenscheck.js must fail saying EXPECTED.
lmut() {
	_f=$OUT/mut/lens-$1.ndjson
	mkdir -p "$OUT/mut"
	node -e 'const fs = require("fs");
	    const o = fs.readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean).map(JSON.parse);
	    const D = (id) => o.find((x) => x.id === id);
	    const P = (d) => JSON.parse(d.attributes.panelsJSON);
	    const S = (d, p) => { d.attributes.panelsJSON = JSON.stringify(p); };
	    const L = (p) => Object.values(p.embeddableConfig.attributes.state.datasourceStates.formBased.layers)[0];
	    eval(process.argv[3]);
	    fs.writeFileSync(process.argv[2], o.map((x) => JSON.stringify(x)).join("\n") + "\n");' \
	    kibana/saved-objects.ndjson "$_f" "$3" || { t_fail "lens mutant $1: the edit failed"; return; }
	if node "$HERE/lenscheck.js" "$_f" > "$_f.log" 2>&1; then
		t_fail "lenscheck.js accepts mutant $1"
	elif grep -qF -- "$2" "$_f.log"; then
		t_ok "lenscheck.js rejects mutant $1"
	else
		t_fail "lenscheck.js rejects mutant $1, but without \"$2\":"
		head -n 5 "$_f.log" >&2
	fi
}
lmut column-gone "not in layer" \
    'const d = D("opensmtpd-overview"), p = P(d); const l = L(p[0]); const c = l.columnOrder.pop(); delete l.columns[c]; S(d, p)'
lmut bad-operation "is not a Lens operation" \
    'const d = D("opensmtpd-delivery"), p = P(d); const l = L(p.find((x) => x.panelIndex === "opensmtpd-out-slowest")); l.columns[l.columnOrder[2]].operationType = "avg"; S(d, p)'
lmut model-version "is a model version" 'D("opensmtpd-tls").typeMigrationVersion = "10.2.0"'
lmut newer-search "newer than the last legacy migration of search" 'D("opensmtpd-messages-search").typeMigrationVersion = "8.10.0"'
lmut newer-core "newer than 8.8.0" 'D("opensmtpd-security").coreMigrationVersion = "8.18.0"'
lmut legacy-version-key "7.x migrationVersion" 'D("opensmtpd-tls").migrationVersion = { dashboard: "7.14.0" }'
lmut layer-not-lifted "is not lifted to the dashboard" \
    'const d = D("opensmtpd-tls"); d.references = d.references.filter((r) => !/^opensmtpd-tls-share:indexpattern/.test(r.name))'
lmut layer-dangling "is not in the file" \
    'const d = D("opensmtpd-tls"), p = P(d); for (const r of p[0].embeddableConfig.attributes.references) r.id = "logs-*"; for (const r of d.references) if (r.name.startsWith(p[0].panelIndex + ":")) r.id = "logs-*"; S(d, p)'
lmut no-dataset-filter "no filter on the dataset" \
    'const d = D("opensmtpd-summaries"), p = P(d); p[1].embeddableConfig.attributes.state.filters = []; S(d, p)'
lmut vis-type "is not one of" \
    'const d = D("opensmtpd-stats"), p = P(d); p[0].embeddableConfig.attributes.visualizationType = "lnsLegacyMetric"; S(d, p)'
lmut old-datasource "must be formBased only" \
    'const d = D("opensmtpd-stats"), p = P(d); const s = p[4].embeddableConfig.attributes.state; s.datasourceStates = { indexpattern: s.datasourceStates.formBased }; S(d, p)'
lmut column-unshown "is not shown by the visualization" \
    'const d = D("opensmtpd-overview"), p = P(d); const l = L(p[0]); l.columns.extra = Object.assign({}, l.columns[l.columnOrder[0]]); l.columnOrder.push("extra"); S(d, p)'
lmut order-by-bucket "not a metric column of its layer" \
    'const d = D("opensmtpd-security"), p = P(d); const l = L(p.find((x) => x.panelIndex === "opensmtpd-auth-failures-table")); l.columns[l.columnOrder[0]].params.orderBy.columnId = l.columnOrder[1]; S(d, p)'
lmut accessor-bucket "is a bucket" \
    'const d = D("opensmtpd-overview"), p = P(d); const v = p.find((x) => x.panelIndex === "opensmtpd-activity").embeddableConfig.attributes.state.visualization.layers[0]; const a = v.accessors[0]; v.accessors = [v.splitAccessor]; v.splitAccessor = a; S(d, p)'
lmut missing-number "missingBucket on a number field" \
    'const d = D("opensmtpd-summaries"), p = P(d); const l = L(p.find((x) => x.panelIndex === "opensmtpd-sum-reply-codes")); l.columns[l.columnOrder[1]].params.missingBucket = true; S(d, p)'
lmut legacy-visualization "legacy visualizations" \
    'o.push({ type: "visualization", id: "opensmtpd-old", attributes: { title: "old" }, references: [], coreMigrationVersion: "8.8.0", typeMigrationVersion: "8.5.0" })'
lmut dashboard-attribute "is not in the dashboard schema" 'D("opensmtpd-overview").attributes.panels = []'
lmut map-layer-type "8.1.0 renamed" \
    'const d = D("opensmtpd-security"), p = P(d); const m = p.find((x) => x.type === "map").embeddableConfig.attributes; m.layerListJSON = m.layerListJSON.replace("GEOJSON_VECTOR", "VECTOR"); S(d, p)'
lmut dataset-outside "outside every data view" 'D("opensmtpd-jsonlog").attributes.title = "logs-opensmtpd.event-*"'
lmut panel-ref-name "panel_<panelIndex>" \
    'const d = D("opensmtpd-overview"), p = P(d); const q = p.find((x) => x.type === "search"); q.panelRefName = "panel_0"; S(d, p)'

# mutant NAME EXPECTED-MESSAGE: the validator must fail on the tree in
# $OUT/mut/NAME (a copy of kibana/ and examples/, then edited) or on the
# records in $OUT/mut/NAME.records, and say EXPECTED-MESSAGE.
mutant_tree() {
	rm -rf "$OUT/mut/$1"
	mkdir -p "$OUT/mut/$1"
	cp -R kibana examples "$OUT/mut/$1/"
}
mutant() {
	_m=$1 _want=$2
	_root=.
	[ -d "$OUT/mut/$_m" ] && _root=$OUT/mut/$_m
	_recs="$REC/*.json"
	[ -f "$OUT/mut/$_m.records" ] && _recs="$OUT/mut/$_m.records"
	# shellcheck disable=SC2086
	if validate "$OUT/mut/$_m.log" --root "$_root" $_recs; then
		t_fail "validator accepts mutant $_m"
	elif grep -qF -- "$_want" "$OUT/mut/$_m.log"; then
		t_ok "validator rejects mutant $_m"
	else
		t_fail "validator rejects mutant $_m, but without \"$_want\":"
		head -n 5 "$OUT/mut/$_m.log" >&2
	fi
}
mkdir -p "$OUT/mut"
edit() {	# edit FILE JS-EXPRESSION-ON-s: rewrite a text file with node
	node -e 'const fs = require("fs"); const f = process.argv[1];
	    let s = fs.readFileSync(f, "utf8"); const t = eval(process.argv[2]);
	    if (t === s) { console.error("edit: no change in " + f); process.exit(1); }
	    fs.writeFileSync(f, t);' "$1" "$2"
}

# The filter renames tls.version.
cat "$REC"/*.json | jq -c 'if .tls.version then .tls.proto = .tls.version |
    del(.tls.version) else . end' > "$OUT/mut/renamed-output.records"
mutant renamed-output "field tls.proto is not mapped"
mutant renamed-output "field tls.version never appears in the filter output"
# The filter writes a port as a string.
cat "$REC"/*.json | jq -c 'if .source.port then .source.port |= tostring
    else . end' > "$OUT/mut/string-port.records"
mutant string-port "does not fit mapping type long"
# The mapping renames a field the filter emits and a dashboard uses.
mutant_tree renamed-mapping
edit "$OUT/mut/renamed-mapping/kibana/elasticsearch/component-template-mappings.json" \
    's.replace(/"identity":/, "\"identity_name\":")'
mutant renamed-mapping "record field opensmtpd.helo.identity is not mapped"
mutant renamed-mapping "field opensmtpd.helo.identity is not in the index template mapping"
# A dashboard panel uses a name nobody else knows.
mutant_tree renamed-panel
edit "$OUT/mut/renamed-panel/kibana/saved-objects.ndjson" \
    's.replace(/opensmtpd\.link\.fcrdns/g, "opensmtpd.link.fcrdns_result")'
mutant renamed-panel "field opensmtpd.link.fcrdns_result is not in the index template mapping"
# The pipeline reads a field that does not exist.
mutant_tree renamed-pipeline
edit "$OUT/mut/renamed-pipeline/kibana/elasticsearch/ingest-pipeline.json" \
    's.replace(/"field": "source.ip"/, "\"field\": \"source.ip_address\"")'
mutant renamed-pipeline "field source.ip_address is not in the index template mapping"
# The pipeline no longer finds the record behind a syslog prefix.
mutant_tree grok-prefix
edit "$OUT/mut/grok-prefix/kibana/elasticsearch/ingest-pipeline.json" \
    's.replace(/"JSONRECORD": "[^"]*"/, "\"JSONRECORD\": \"\\\\[.*\"")'
mutant grok-prefix "pipeline grok: OpenBSD syslogd: record taken as"
# An ECS field mapped with another type than ECS's.
mutant_tree ecs-type
edit "$OUT/mut/ecs-type/kibana/elasticsearch/component-template-mappings.json" \
    's.replace(/("port": \{\s*"type": )"long"/, "$1\"keyword\"")'
mutant ecs-type "is keyword, ECS says long"
# A dashboard refers to a visualization that is not in the file.
mutant_tree dangling-ref
edit "$OUT/mut/dangling-ref/kibana/saved-objects.ndjson" \
    's.replace(/("type":"search","id":")opensmtpd-messages-search"/, "$1opensmtpd-messages-search-old\"")'
mutant dangling-ref "-> search/opensmtpd-messages-search not in the file"
# A query compares a field with a value the filter never writes.
mutant_tree value-typo
edit "$OUT/mut/value-typo/kibana/saved-objects.ndjson" \
    's.replace(/(action : \W*)tx-commit/, "$1tx_commit")'
mutant value-typo '"tx_commit" never occurs in the filter output'
# Filebeat writes to a data stream our template does not match.
mutant_tree filebeat-index
edit "$OUT/mut/filebeat-index/examples/filebeat/filebeat-ndjson.yml" \
    's.replace(/index: "logs-opensmtpd\.event-default"/, "index: \"opensmtpd-default\"")'
mutant filebeat-index "index opensmtpd-default not matched by the index template"
# The ndjson is edited by hand and no longer what the source makes.
if node kibana/saved-objects.js --check \
    "$OUT/mut/value-typo/kibana/saved-objects.ndjson" 2>/dev/null; then
	t_fail "saved-objects.js --check accepts a stale ndjson"
else
	t_ok "saved-objects.js --check rejects a stale ndjson"
fi
fi

# ---- 3. jq recipes -------------------------------------------------------
if part jq; then

: > "$OUT/corpus.json"
for f in $JQ_STREAMS; do
	case $f in
	tests/streams/*) n=stream-$(basename "$f" .stream) ;;
	*) n=corpus-$(basename "$f" .stream) ;;
	esac
	cat "$REC/$n.json" >> "$OUT/corpus.json"
done
# The summaries of the same streams (-e none -r tx,session).
: > "$OUT/summaries.json"
for f in $JQ_STREAMS; do
	if head -n 1 "$f" | grep -q '^config|'; then
		cat "$f"
	else
		cat "$HANDSHAKE" "$f"
	fi | "$FILTER" -e none -r tx,session -o - >> "$OUT/summaries.json" \
	    2> /dev/null
done
t_check "the jq corpus has summaries" test -s "$OUT/summaries.json"
# The same records as OpenBSD syslogd writes them.
for c in corpus summaries; do
	sed 's/^/2026-11-25T10:00:00.000Z mx filter-jsonlog[4242]: /' \
	    "$OUT/$c.json" > "$OUT/$c.syslog"
done

# recipe_args NAME: the arguments a recipe is run with in this test.
recipe_args() {
	case $1 in
	timeline) echo "--arg session 7a1c3e50b12f9d04" ;;
	esac
}
# recipe_corpus NAME: the records a recipe reads (summaries: -r).
recipe_corpus() {
	case $1 in
	messages|session-ends) echo summaries ;;
	*) echo corpus ;;
	esac
}
for r in examples/jq/*.jq; do
	n=$(basename "$r" .jq)
	t_check "$r starts with a one-line # description" \
	    sh -c "head -n 1 '$r' | grep -q '^# [A-Z]'"
	t_check "$r says how to run it" \
	    sh -c "sed -n 2p '$r' | grep -q '^# usage: jq -r -n .*-f examples/jq/$n.jq FILE'"
	# shellcheck disable=SC2046
	c=$(recipe_corpus "$n")
	if ! jq -r -n $(recipe_args "$n") -f "$r" "$OUT/$c.json" \
	    > "$OUT/$n.out" 2> "$OUT/$n.err"; then
		t_fail "$r fails:"
		cat "$OUT/$n.err" >&2
		continue
	fi
	if [ -n "${EXAMPLES_REGEN:-}" ]; then
		cp "$OUT/$n.out" "$HERE/expected/$n.out"
	fi
	if [ ! -f "$HERE/expected/$n.out" ]; then
		t_fail "$r has no $HERE/expected/$n.out (EXAMPLES_REGEN=1 writes it)"
	elif diff -u "$HERE/expected/$n.out" "$OUT/$n.out" > "$OUT/$n.diff"; then
		t_ok "$r output"
	else
		t_fail "$r output differs from $HERE/expected/$n.out:"
		head -n 30 "$OUT/$n.diff" >&2
	fi
	# shellcheck disable=SC2046
	sed 's/^[^{]*//' "$OUT/$c.syslog" |
	    jq -r -n $(recipe_args "$n") -f "$r" > "$OUT/$n.syslog.out" 2>&1
	t_check "$r on syslog-prefixed lines (sed 's/^[^{]*//')" \
	    cmp -s "$OUT/$n.out" "$OUT/$n.syslog.out"
done
for e in "$HERE"/expected/*.out; do
	[ -e "$e" ] || continue
	t_check "$e belongs to a recipe" [ -f "examples/jq/$(basename "$e" .out).jq" ]
done
fi

# ---- 4. kibana/load.sh -----------------------------------------------
if part load; then

t_check "load.sh --help" sh -c 'sh kibana/load.sh --help | grep -q -- --dry-run'
t_check "load.sh refuses an unknown option" \
    sh -c '! sh kibana/load.sh --frobnicate 2>/dev/null'
t_check "load.sh refuses a URL without scheme" \
    sh -c '! sh kibana/load.sh -n -e es.example.org:9200 2>/dev/null'
sh kibana/load.sh --dry-run -e http://es.example:9200/ -k https://kb.example:5601 \
    -s ops 2>&1 | sed "s|$T_TOP/||" > "$OUT/dry-run.out"
cat > "$OUT/dry-run.want" <<'EOF'
GET http://es.example:9200/
PUT http://es.example:9200/_ilm/policy/opensmtpd-jsonlog <kibana/elasticsearch/ilm-policy.json
PUT http://es.example:9200/_ingest/pipeline/opensmtpd-jsonlog <kibana/elasticsearch/ingest-pipeline.json
PUT http://es.example:9200/_component_template/opensmtpd-jsonlog-settings <kibana/elasticsearch/component-template-settings.json
PUT http://es.example:9200/_component_template/opensmtpd-jsonlog-mappings <kibana/elasticsearch/component-template-mappings.json
PUT http://es.example:9200/_index_template/opensmtpd-jsonlog <kibana/elasticsearch/index-template.json
POST https://kb.example:5601/s/ops/api/saved_objects/_import?overwrite=true <kibana/saved-objects.ndjson (multipart field file; header kbn-xsrf: true)
EOF
t_check "load.sh --dry-run prints the requests" diff -u "$OUT/dry-run.want" "$OUT/dry-run.out"

# Against a fake Elasticsearch + Kibana on loopback.
# The key as Filebeat takes it (id:api_key); load.sh sends it encoded.
KEY=filter-jsonlog:test
node "$HERE/fake-stack.js" "$OUT/fake.port" "$OUT/fake.log" "ApiKey ZmlsdGVyLWpzb25sb2c6dGVzdA==" \
    "$OUT/fake.kibana-version" &
FAKE=$!
i=0
while [ ! -s "$OUT/fake.port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
if t_check "fake Elasticsearch/Kibana listens" [ -s "$OUT/fake.port" ]; then
	URL=http://127.0.0.1:$(cat "$OUT/fake.port")
	for run in 1 2; do
		t_check "load.sh run $run against the fake stack" \
		    env ES_API_KEY=$KEY sh kibana/load.sh -e "$URL" -k "$URL" \
		    > "$OUT/load$run.out" 2>&1
	done
	node -e '
	    const fs = require("fs");
	    // load.sh also asks what the cluster has (GET _ilm/status,
	    // _nodes/ingest, _index_template/..., POST .../_simulate): only the
	    // version, the installs and the import are compared here.
	    const log = fs.readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse)
		.filter((r) => r.url === "/" || r.method === "PUT" || r.url.includes("/_import"));
	    const want = [["GET", "/"],
		["PUT", "/_ilm/policy/opensmtpd-jsonlog", "ilm-policy.json"],
		["PUT", "/_ingest/pipeline/opensmtpd-jsonlog", "ingest-pipeline.json"],
		["PUT", "/_component_template/opensmtpd-jsonlog-settings", "component-template-settings.json"],
		["PUT", "/_component_template/opensmtpd-jsonlog-mappings", "component-template-mappings.json"],
		["PUT", "/_index_template/opensmtpd-jsonlog", "index-template.json"],
		["POST", "/api/saved_objects/_import?overwrite=true"]];
	    const bad = [];
	    if (log.length !== 2 * want.length) bad.push(log.length + " requests, want " + 2 * want.length);
	    log.forEach((r, i) => {
		const [m, p, file] = want[i % want.length];
		if (r.method !== m || r.url !== p) bad.push("request " + i + ": " + r.method + " " + r.url);
		if (file && r.body !== fs.readFileSync("kibana/elasticsearch/" + file, "utf8"))
			bad.push(p + ": body is not " + file);
		if (file && r.contentType !== "application/json") bad.push(p + ": content type " + r.contentType);
		if (m === "POST" && (r.xsrf !== "true" || !/multipart\/form-data/.test(r.contentType) ||
		    !r.body.includes(fs.readFileSync("kibana/saved-objects.ndjson", "utf8"))))
			bad.push("import: not a multipart upload of saved-objects.ndjson with kbn-xsrf");
	    });
	    if (bad.length) { console.log(bad.join("\n")); process.exit(1); }
	' "$OUT/fake.log" > "$OUT/fake.check" 2>&1
	if [ -s "$OUT/fake.check" ]; then
		t_fail "load.sh requests (tests/out/examples/fake.log):"
		cat "$OUT/fake.check" >&2
	else
		t_ok "load.sh sends the files, in order, twice alike"
	fi
	t_check "load.sh reports the import" \
	    grep -q "ok: imported $(grep -c . kibana/saved-objects.ndjson) saved objects" "$OUT/load1.out"
	t_check "load.sh reports Kibana's version" grep -q "ok: Kibana 8.19.0" "$OUT/load1.out"
	echo 8.8.2 > "$OUT/fake.kibana-version"
	if env ES_API_KEY=$KEY sh kibana/load.sh --skip-es -e "$URL" -k "$URL" \
	    > "$OUT/load-old.out" 2>&1; then
		t_fail "load.sh imports into Kibana 8.8"
	else
		t_check "load.sh refuses Kibana 8.8 (objects of 8.9)" grep -q "Kibana 8.8.2 is too old" "$OUT/load-old.out"
	fi
	echo 9.1.0 > "$OUT/fake.kibana-version"
	env ES_API_KEY=$KEY sh kibana/load.sh --skip-es -e "$URL" -k "$URL" > "$OUT/load-9.out" 2>&1
	t_check "load.sh imports into Kibana 9.1" grep -q "ok: imported" "$OUT/load-9.out"
	rm -f "$OUT/fake.kibana-version"
	if env ES_API_KEY=wrong sh kibana/load.sh -e "$URL" -k "$URL" \
	    > "$OUT/load-401.out" 2>&1; then
		t_fail "load.sh succeeds with a wrong API key"
	else
		t_check "load.sh explains a 401" grep -q "401 unauthorized" "$OUT/load-401.out"
	fi
	t_check "load.sh keeps the API key out of its arguments" \
	    sh -c "! grep -q -- '$KEY' kibana/load.sh"
fi
kill "$FAKE" 2>/dev/null
wait "$FAKE" 2>/dev/null
fi

# ---- 5. syslog daemon and smtpd configurations ---------------------------
if part syslog; then

# One path story: smtpd finds a bare name in its libexec directory on
# OpenBSD and Debian alike; a file sink lives where deploy.md makes room.
DOCS="README.md doc/deploy.md filter-jsonlog.8 examples/smtpd.conf"
t_check "every proc-exec line of the docs names the filter bare" \
    sh -c "! grep -h 'proc-exec' $DOCS | grep -v 'proc-exec \"filter-jsonlog[ \"]' | grep -q ."
t_check "every -o file of the docs is under /var/log/opensmtpd/" \
    sh -c "! grep -ho -- '-o /[^ \"]*' $DOCS examples/linux/* examples/openbsd/* | grep -v '^-o /var/log/opensmtpd/\\|^-o /dev/null' | grep -q ."
t_check "deploy.md makes /var/log/opensmtpd" \
    grep -q 'install -d.*/var/log/opensmtpd\|mkdir -p /var/log/opensmtpd' doc/deploy.md

if ! command -v rsyslogd >/dev/null 2>&1; then
	t_fail "rsyslogd not found: the syslog examples are not checked (DEPS=install sh mk/deps.sh check)"
else
	W=$(mktemp -d /tmp/fj-rsyslog.XXXXXX)
	{
		echo "global(workDirectory=\"$W\")"
		echo 'module(load="imuxsock" SysSock.Use="off")'
		echo "input(type=\"imuxsock\" Socket=\"$W/log.sock\" CreatePath=\"on\")"
		sed "s|/var/log/opensmtpd/jsonlog.json|$W/jsonlog.json|" \
		    examples/linux/rsyslog-filter-jsonlog.conf
		echo "*.* action(type=\"omfile\" file=\"$W/other.log\")"
	} > "$W/rsyslog.conf"
	if t_check "rsyslogd -N1 accepts examples/linux/rsyslog-filter-jsonlog.conf" \
	    rsyslogd -N1 -f "$W/rsyslog.conf" > "$OUT/rsyslog-check.log" 2>&1; then
		rsyslogd -n -f "$W/rsyslog.conf" -i "$W/rsyslogd.pid" 2> "$OUT/rsyslogd.log" &
		RSYSLOGD=$!
		trap 'kill "$RSYSLOGD" 2>/dev/null; rm -rf "$W"' EXIT
		trap 'exit 1' INT TERM HUP
		i=0
		while [ ! -S "$W/log.sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		# smtpd keeps the filter's stdin open; so does the sleep.
		want=$REC/corpus-bulk-150rcpt-0.6.json
		{ cat "$HERE/corpus/bulk-150rcpt-0.6.stream"; sleep 1; } |
		    "$FILTER" -S "$W/log.sock" > /dev/null 2> "$OUT/rsyslog-filter.err"
		n=$(wc -l < "$want")
		i=0
		while [ "$(cat "$W/jsonlog.json" 2>/dev/null | wc -l)" -lt "$n" ] &&
		    [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
		t_check "rsyslog drop-in writes what the file sink writes ($n records, up to 8000 bytes)" \
		    cmp -s "$want" "$W/jsonlog.json"
		t_check "rsyslog drop-in stops the records there" \
		    sh -c "! grep -q filter-jsonlog '$W/other.log' 2>/dev/null"
		# Debian's convention: root:adm 0640 (when run as root)
		if [ "$(id -u)" = 0 ] && getent group adm >/dev/null; then
			t_check "rsyslog drop-in creates the file root:adm 0640 (got $(stat -c '%U:%G %a' "$W/jsonlog.json"))" \
			    [ "$(stat -c '%U:%G %a' "$W/jsonlog.json")" = "root:adm 640" ]
		else
			t_skip "rsyslog drop-in's owner root:adm 0640" \
			    "needs root and a group adm"
		fi
		# The logrotate stanza, by the real logrotate, without
		# systemd: rsyslogd must write to a new file afterwards.
		if [ "$(id -u)" = 0 ] && command -v logrotate >/dev/null 2>&1; then
			sed -e "s|/var/log/opensmtpd/jsonlog.json|$W/jsonlog.json|" \
			    -e "s|/run/rsyslogd.pid|$W/rsyslogd.pid|" \
			    -e "s|/run/systemd/system|$W/no-systemd|" \
			    examples/linux/logrotate-filter-jsonlog > "$W/logrotate.conf"
			logrotate -f -s "$W/logrotate.state" "$W/logrotate.conf" \
			    > "$OUT/logrotate.log" 2>&1
			t_check "logrotate rotates with the stanza (exit 0)" [ $? = 0 ]
			sleep 0.5	# rsyslogd reopens on the HUP
			{ cat "$HERE/corpus/bulk-150rcpt-0.6.stream"; sleep 1; } |
			    "$FILTER" -S "$W/log.sock" > /dev/null 2>> "$OUT/rsyslog-filter.err"
			i=0
			while [ "$(cat "$W/jsonlog.json" 2>/dev/null | wc -l)" -lt "$n" ] &&
			    [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
			t_check "after logrotate (no systemd), rsyslogd writes the new file" \
			    cmp -s "$want" "$W/jsonlog.json"
			t_check "after logrotate, the rotated file holds only the first records" \
			    cmp -s "$want" "$W/jsonlog.json.1"
		else
			t_fail "logrotate stanza not checked: run as root with logrotate installed (DEPS=install sh mk/deps.sh check)"
		fi
		kill "$RSYSLOGD"
		wait "$RSYSLOGD" 2>/dev/null
		trap - EXIT INT TERM HUP
	fi
	rm -rf "$W"
fi

# smtpd insists on root, even to check a configuration.
if [ "$(id -u)" != 0 ]; then
	t_skip "smtpd -n accepts examples/smtpd.conf" "smtpd needs root"
elif ! command -v smtpd >/dev/null 2>&1 || ! command -v openssl >/dev/null 2>&1; then
	t_fail "smtpd or openssl not found: examples/smtpd.conf not checked (DEPS=install sh mk/deps.sh check)"
else
	S=$OUT/smtpd
	mkdir -p "$S"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$S/key.pem" \
	    -out "$S/cert.pem" -days 2 -subj /CN=mx.example.org > /dev/null 2>&1
	: > "$S/aliases"
	sed -e "s|/etc/ssl/mx.example.org.crt|$T_TOP/$S/cert.pem|" \
	    -e "s|/etc/ssl/private/mx.example.org.key|$T_TOP/$S/key.pem|" \
	    -e "s|/etc/mail/aliases|$T_TOP/$S/aliases|" \
	    -e "s|listen on egress|listen on lo|" \
	    examples/smtpd.conf > "$S/smtpd.conf"
	t_check "smtpd -n accepts examples/smtpd.conf" \
	    sh -c "smtpd -n -f '$S/smtpd.conf' > '$S/check.log' 2>&1"
fi

fi # part syslog

# ---- 6. the dashboards' checker, offline -------------------------------
if part elastic; then

for t in tests/elastic/test_kql.py tests/elastic/test_panels.py; do
	if python3 "$t" > "$OUT/$(basename "$t" .py).log" 2>&1; then
		t_ok "$t: $(grep '^Ran ' "$OUT/$(basename "$t" .py).log")"
	else
		t_fail "$t (tests/out/examples/$(basename "$t" .py).log):"
		tail -n 20 "$OUT/$(basename "$t" .py).log" >&2
	fi
done
fi # part elastic

t_done
