#!/bin/sh
# Install what filter-jsonlog needs in Elasticsearch and Kibana: the ILM
# policy, the ingest pipeline, the component and index templates of the
# logs-opensmtpd.* data streams, then the data view and dashboards.
# Every request replaces what is there, so running it again is harmless.
set -u

usage() {
	cat <<'EOF'
usage: kibana/load.sh [options]

Installs into Elasticsearch (PUT, replacing older versions):
  _ilm/policy/opensmtpd-jsonlog                    elasticsearch/ilm-policy.json
  _ingest/pipeline/opensmtpd-jsonlog               elasticsearch/ingest-pipeline.json
  _component_template/opensmtpd-jsonlog-settings   elasticsearch/component-template-settings.json
  _component_template/opensmtpd-jsonlog-mappings   elasticsearch/component-template-mappings.json
  _index_template/opensmtpd-jsonlog                elasticsearch/index-template.json
What the cluster lacks is left out or replaced, one line each: no ILM API
(Serverless, test builds): no policy; no ingest processors of the pipeline:
no pipeline; a missing field type (match_only_text, constant_keyword ...):
the nearest one (text, keyword ...).
and imports into Kibana 8.9 or later, or 9.x (overwriting objects with the same ids):
  saved-objects.ndjson    data view logs-opensmtpd.*, saved searches and the
                          [OpenSMTPD] dashboards (Lens and Maps panels)

options:
  -e, --es URL          Elasticsearch URL          (env ES_URL, default http://localhost:9200)
  -k, --kibana URL      Kibana URL                 (env KIBANA_URL, default http://localhost:5601)
  -s, --space NAME      Kibana space               (env KIBANA_SPACE, default: the default space)
      --cacert FILE     CA certificate for https   (env CURL_CA_BUNDLE works too)
      --insecure        do not verify certificates
      --skip-es         only import the Kibana objects
      --skip-kibana     only install the Elasticsearch resources
  -n, --dry-run         print the requests instead of sending them
  -h, --help            this text

timeouts (environment): LOAD_CONNECT_TIMEOUT (default 10 s) to connect,
  LOAD_MAX_TIME (default 300 s) for a whole request

credentials (environment only, so they stay out of ps and shell history):
  ES_API_KEY                  Elasticsearch API key as id:api_key (the "id" and
                              "api_key" of POST _security/api_key's answer, joined
                              by a colon: the form Filebeat's api_key takes), or
  ES_USER, ES_PASSWORD        basic authentication
  KIBANA_API_KEY, KIBANA_USER, KIBANA_PASSWORD
                              the same for Kibana; default: the Elasticsearch ones
EOF
}

die() {
	echo "load.sh: $*" >&2
	exit 1
}

here=$(cd "$(dirname "$0")" && pwd)
es=${ES_URL:-http://localhost:9200}
kibana=${KIBANA_URL:-http://localhost:5601}
space=${KIBANA_SPACE:-}
dry=
skip_es=
skip_kibana=
tls_opts=
# Every request is bounded: a cluster that accepts and never answers fails
# instead of hanging (LOAD_CONNECT_TIMEOUT, LOAD_MAX_TIME: seconds).
curl_time="--connect-timeout ${LOAD_CONNECT_TIMEOUT:-10} --max-time ${LOAD_MAX_TIME:-300}"

while [ $# -gt 0 ]; do
	case $1 in
	-e|--es)	[ $# -ge 2 ] || die "$1 needs a URL"; es=$2; shift ;;
	--es=*)		es=${1#*=} ;;
	-k|--kibana)	[ $# -ge 2 ] || die "$1 needs a URL"; kibana=$2; shift ;;
	--kibana=*)	kibana=${1#*=} ;;
	-s|--space)	[ $# -ge 2 ] || die "$1 needs a name"; space=$2; shift ;;
	--space=*)	space=${1#*=} ;;
	--cacert)	[ $# -ge 2 ] || die "$1 needs a file"
			[ -r "$2" ] || die "cannot read CA certificate $2"
			tls_opts="$tls_opts --cacert $2"; shift ;;
	--insecure)	tls_opts="$tls_opts --insecure" ;;
	--skip-es)	skip_es=1 ;;
	--skip-kibana)	skip_kibana=1 ;;
	-n|--dry-run)	dry=1 ;;
	-h|--help)	usage; exit 0 ;;
	*)		usage >&2; die "unknown argument: $1" ;;
	esac
	shift
done
es=${es%/}
kibana=${kibana%/}
case $es in http://*|https://*) ;; *) die "Elasticsearch URL must start with http:// or https://: $es" ;; esac
case $kibana in http://*|https://*) ;; *) die "Kibana URL must start with http:// or https://: $kibana" ;; esac
kbase=$kibana
[ -n "$space" ] && kbase="$kibana/s/$space"

for f in ilm-policy.json ingest-pipeline.json component-template-settings.json \
    component-template-mappings.json index-template.json; do
	[ -r "$here/elasticsearch/$f" ] || die "missing $here/elasticsearch/$f"
done
[ -r "$here/saved-objects.ndjson" ] || die "missing $here/saved-objects.ndjson"

if [ -z "$dry" ]; then
	command -v curl >/dev/null 2>&1 || die "curl is needed"
	tmp=$(mktemp -d) || die "mktemp failed"
	trap 'rm -rf "$tmp"' EXIT
	trap 'exit 1' HUP INT TERM
	umask 077
fi

# api_key_header ID:KEY: the value of the Authorization header.  An
# already encoded key (no colon) is passed as it is.
api_key_header() {
	case $1 in
	*:*)	if command -v base64 >/dev/null 2>&1; then
			printf '%s' "$1" | base64 | tr -d '\n'
		else
			printf '%s' "$1" | openssl base64 -A
		fi ;;
	*)	printf '%s' "$1" ;;
	esac
}

# curl reads the credentials from a config file, never from argv.
auth_config() {	# file api_key user password
	: > "$1"
	if [ -n "$2" ]; then
		printf 'header = "Authorization: ApiKey %s"\n' "$(api_key_header "$2")" >> "$1"
	elif [ -n "$3" ]; then
		printf 'user = "%s:%s"\n' "$3" "$4" >> "$1"
	fi
}

# request NAME METHOD URL [curl args...]: send, keep the body in $tmp/body,
# fail with the server's answer unless the status is 2xx.
request() {
	_cfg=$1 _method=$2 _url=$3
	shift 3
	# shellcheck disable=SC2086
	_code=$(curl $curl_time -sS -o "$tmp/body" -w '%{http_code}' -K "$_cfg" $tls_opts \
	    -X "$_method" "$_url" "$@") || {
		echo "load.sh: cannot reach $_url (curl failed; wrong URL, TLS or network?)" >&2
		return 1
	}
	case $_code in
	2??)	return 0 ;;
	401)	echo "load.sh: $_method $_url: 401 unauthorized: set ES_API_KEY or ES_USER/ES_PASSWORD (KIBANA_* for Kibana)" >&2 ;;
	403)	echo "load.sh: $_method $_url: 403 forbidden: the user lacks the privilege (manage_ilm, manage_pipeline, manage_index_templates; Kibana: saved objects management)" >&2 ;;
	*)	echo "load.sh: $_method $_url: HTTP $_code" >&2 ;;
	esac
	cat "$tmp/body" >&2
	echo >&2
	return 1
}

# put_es PATH FILE: one Elasticsearch resource.
put_es() {
	if [ -n "$dry" ]; then
		echo "PUT $es/$1 <$2"
		return 0
	fi
	request "$tmp/es.cfg" PUT "$es/$1" -H 'Content-Type: application/json' \
	    --data-binary "@$2" || die "installing $1 from $2 failed"
	echo "ok: PUT $1"
}

# get_es PATH: GET, the answer in $tmp/body, the HTTP status in $_code;
# status 0 when 2xx.  Quiet: used to ask the cluster what it has.
get_es() {
	_code=000
	_code=$(curl $curl_time -sS -o "$tmp/body" -w '%{http_code}' -K "$tmp/es.cfg" $tls_opts \
	    "$es/$1" 2>/dev/null) || return 1
	case $_code in 2??) return 0 ;; esac
	return 1
}

# field_type_ok TYPE: the cluster can map a field of TYPE (asked through
# _index_template/_simulate, which creates nothing).
field_type_ok() {
	_code=$(curl $curl_time -sS -o "$tmp/probe" -w '%{http_code}' -K "$tmp/es.cfg" $tls_opts \
	    -X POST "$es/_index_template/_simulate" -H 'Content-Type: application/json' \
	    --data-binary "{\"index_patterns\":[\"opensmtpd-jsonlog-probe-*\"],\"priority\":0,\"template\":{\"mappings\":{\"properties\":{\"f\":{\"type\":\"$1\"}}}}}" \
	    2>/dev/null) || return 0
	case $_code in 2??) return 0 ;; esac
	# Only a missing type counts; any other refusal shows up later.
	grep -q "mapper type \[$1\]" "$tmp/probe" && return 1
	return 0
}

# The cluster decides what is installed.  Without an ILM API (Serverless,
# test builds, OpenSearch) the policy and index.lifecycle.name are left out;
# without the processors the pipeline uses, the pipeline and
# index.default_pipeline; a field type the cluster lacks becomes the
# nearest one it has.  Each decision is one line of output.  The copies
# sent are in $tmp/es (same file names).
adapt() {
	src=$1 dst=$2
	mkdir -p "$dst"
	cp "$src"/*.json "$dst/"
	want_ilm=1 want_pipeline=1
	# 401/403: ILM may well be there, the PUT then says what is missing.
	if ! get_es _ilm/status && [ "$_code" != 401 ] && [ "$_code" != 403 ]; then
		want_ilm=
		echo "note: this cluster has no ILM API: the policy opensmtpd-jsonlog and index.lifecycle.name are left out (set a retention of your own)"
	fi
	if get_es "_nodes/ingest?filter_path=nodes.*.ingest.processors.type"; then
		have=" $(grep -o '"type":"[^"]*"' "$tmp/body" | sed 's/"type":"\(.*\)"/\1/' | sort -u | tr '\n' ' ') "
		# Processor names: the keys of the processor objects, six spaces in.
		missing=
		for p in $(sed -n 's/^      "\([a-z_]*\)": {$/\1/p' "$src/ingest-pipeline.json" | sort -u); do
			case $have in *" $p "*) ;; *) missing="$missing $p" ;; esac
		done
		if [ -n "$missing" ]; then
			want_pipeline=
			echo "note: this cluster lacks the ingest processors$missing: the pipeline opensmtpd-jsonlog and index.default_pipeline are left out (records are stored as shipped: no syslog-line decoding, no GeoIP, no event.ingested)"
		fi
	fi
	if [ -z "$want_ilm" ]; then
		sed '/"index.lifecycle.name"/d' "$src/component-template-settings.json" \
		    > "$dst/component-template-settings.json"
	fi
	if [ -z "$want_pipeline" ]; then
		sed '/"index.default_pipeline"/d' "$dst/component-template-settings.json" \
		    > "$dst/settings.tmp" && mv "$dst/settings.tmp" "$dst/component-template-settings.json"
	fi
	for pair in match_only_text:text constant_keyword:keyword wildcard:keyword \
	    date_nanos:date flattened:object; do
		t=${pair%%:*} n=${pair#*:}
		grep -q "\"type\": \"$t\"" "$dst/component-template-mappings.json" || continue
		field_type_ok "$t" && continue
		echo "note: this cluster has no field type $t: mapped as $n instead"
		sed "s/\"type\": \"$t\"/\"type\": \"$n\"/" "$dst/component-template-mappings.json" \
		    > "$dst/mappings.tmp" && mv "$dst/mappings.tmp" "$dst/component-template-mappings.json"
	done
}

# The version: GET / where the cluster has it (test builds without the
# rest-root module answer 405), else the local node's.
es_version() {
	if get_es ""; then
		sed -n 's/.*"number"[ ]*:[ ]*"\([^"]*\)".*/\1/p' "$tmp/body" | head -n 1
	elif get_es "_nodes/_local?filter_path=nodes.*.version"; then
		sed -n 's/.*"version"[ ]*:[ ]*"\([^"]*\)".*/\1/p' "$tmp/body" | head -n 1
	else
		request "$tmp/es.cfg" GET "$es/" || return 1
	fi
}

if [ -z "$skip_es" ]; then
	d="$here/elasticsearch"
	want_ilm=1 want_pipeline=1
	if [ -n "$dry" ]; then
		echo "GET $es/"
	else
		auth_config "$tmp/es.cfg" "${ES_API_KEY:-}" "${ES_USER:-}" "${ES_PASSWORD:-}"
		v=$(es_version) ||
		    die "Elasticsearch at $es does not answer as expected"
		case $v in
		7.1[7-9]*|[8-9].*) echo "ok: Elasticsearch $v" ;;
		'')	echo "load.sh: warning: could not read the Elasticsearch version" >&2 ;;
		*)	die "Elasticsearch $v is too old: 7.17 or 8.x is needed" ;;
		esac
		adapt "$here/elasticsearch" "$tmp/es"
		d="$tmp/es"
	fi
	[ -n "$want_ilm" ] && put_es _ilm/policy/opensmtpd-jsonlog "$d/ilm-policy.json"
	[ -n "$want_pipeline" ] && put_es _ingest/pipeline/opensmtpd-jsonlog "$d/ingest-pipeline.json"
	put_es _component_template/opensmtpd-jsonlog-settings "$d/component-template-settings.json"
	put_es _component_template/opensmtpd-jsonlog-mappings "$d/component-template-mappings.json"
	put_es _index_template/opensmtpd-jsonlog "$d/index-template.json"
	# Releases before 0.2 named the index template logs-opensmtpd, a
	# name Fleet could give a template of its own: remove ours.
	if [ -z "$dry" ] && get_es _index_template/logs-opensmtpd &&
	    grep -q '"managed_by" *: *"filter-jsonlog"' "$tmp/body"; then
		request "$tmp/es.cfg" DELETE "$es/_index_template/logs-opensmtpd" ||
		    die "removing the old index template logs-opensmtpd failed"
		echo "ok: DELETE _index_template/logs-opensmtpd (the old name)"
	fi
fi

if [ -z "$skip_kibana" ]; then
	url="$kbase/api/saved_objects/_import?overwrite=true"
	if [ -n "$dry" ]; then
		echo "POST $url <$here/saved-objects.ndjson (multipart field file; header kbn-xsrf: true)"
		exit 0
	fi
	auth_config "$tmp/kb.cfg" "${KIBANA_API_KEY:-${ES_API_KEY:-}}" \
	    "${KIBANA_USER:-${ES_USER:-}}" "${KIBANA_PASSWORD:-${ES_PASSWORD:-}}"
	# The objects are in Kibana 8.x's export format (dashboards at
	# typeMigrationVersion 8.9.0): a Kibana before 8.9 refuses them.
	kv=
	# shellcheck disable=SC2086
	if curl $curl_time -sS -o "$tmp/status" -K "$tmp/kb.cfg" $tls_opts \
	    "$kibana/api/status" 2>/dev/null; then
		kv=$(tr -d '\n' < "$tmp/status" | sed -n 's/.*"version"[ ]*:[ ]*{[^}]*"number"[ ]*:[ ]*"\([0-9][0-9.]*\)".*/\1/p')
	fi
	case $kv in
	'')	echo "load.sh: warning: could not read Kibana's version (GET $kibana/api/status); the objects need 8.9 or later" >&2 ;;
	[0-7].*|8.[0-8]|8.[0-8].*)
		die "Kibana $kv is too old for these saved objects (8.x format, dashboards of Kibana 8.9): 8.9 or later, or 9.x, is needed" ;;
	*)	echo "ok: Kibana $kv" ;;
	esac
	request "$tmp/kb.cfg" POST "$url" -H 'kbn-xsrf: true' \
	    --form "file=@$here/saved-objects.ndjson" ||
	    die "importing the saved objects into $kbase failed"
	if grep -q '"success"[ ]*:[ ]*true' "$tmp/body"; then
		n=$(sed -n 's/.*"successCount"[ ]*:[ ]*\([0-9]*\).*/\1/p' "$tmp/body")
		echo "ok: imported ${n:-the} saved objects into $kbase"
	else
		echo "load.sh: Kibana refused some objects:" >&2
		cat "$tmp/body" >&2
		echo >&2
		die "import incomplete (see errors above)"
	fi
fi
exit 0
