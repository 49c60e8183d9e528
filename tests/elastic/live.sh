#!/bin/sh
# The live path without Filebeat: Debian's real smtpd -> filter-jsonlog ->
# syslog -> rsyslogd -> omelasticsearch (examples/linux/rsyslog-
# omelasticsearch.conf) -> Elasticsearch, through the index template (and
# pipeline, where the engine has one) that kibana/load.sh installed.
#
#   sh tests/elastic/live.sh URL OUTDIR      (as root; run.sh calls it)
#
# Brings up smtpd and rsyslogd with tests/e2e/lib.sh (its lock keeps one
# smtpd on the machine), sends a few sessions, waits until rsyslogd's own
# file copy and the data stream logs-opensmtpd.event-live hold the same
# number of records, then compares them, and checks that the saved
# searches' sort lists each session in order.  Prints "ok ...", "FAIL ..." or
# "NOTRUN ..." lines for run.sh to count; exit status 0 unless misused.
set -u
[ $# = 2 ] || { echo "usage: live.sh URL OUTDIR" >&2; exit 2; }
URL=${1%/}
LOUT=$2
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
DS_LIVE=logs-opensmtpd.event-live
mkdir -p "$LOUT"

# Every request is bounded: a hung engine fails the check instead of the
# suite hanging.  A call that needs longer (a force merge, a snapshot) sets
# its own bound: CURL_MAX_TIME=600 curl ...  (POSIX: a function named as
# the command; `command` reaches the real one).
curl() {
	command curl --connect-timeout 5 --max-time "${CURL_MAX_TIME:-120}" "$@"
}

if [ ! -f /usr/lib/x86_64-linux-gnu/rsyslog/omelasticsearch.so ] &&
    ! ls /usr/lib/*/rsyslog/omelasticsearch.so >/dev/null 2>&1; then
	echo "NOTRUN live smtpd -> rsyslogd -> omelasticsearch: rsyslog-elasticsearch is not installed (sh mk/deps.sh check)"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "NOTRUN live smtpd -> rsyslogd -> omelasticsearch: needs root (smtpd)"
	exit 0
fi

E2E_HERE=$TOP/tests/e2e
. "$TOP/tests/e2e/lib.sh"
trap e2e_cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

if ! e2e_init "$TOP/filter-jsonlog"; then
	echo "FAIL live: e2e_init"
	exit 0
fi
hostport=${URL#http://}
# The shipped example, pointed at the test engine and at a data stream of
# its own (the dashboards' checks count logs-opensmtpd.event-default).
sed -e "s|https://es.example.org:9200|$hostport|" \
    -e "s|logs-opensmtpd.event-default|$DS_LIVE|" \
    -e "s|/var/log/opensmtpd/elasticsearch-errors.json|$E2E_DIR/rsyslog/es-errors.json|" \
    -e 's|queue.filename="filter-jsonlog-es"|queue.filename="fj-es"|' \
    "$TOP/examples/linux/rsyslog-omelasticsearch.conf" > "$E2E_DIR/es-extra.conf"
cp "$E2E_DIR/es-extra.conf" "$LOUT/rsyslog-omelasticsearch.conf"
E2E_RSYSLOG_EXTRA=$E2E_DIR/es-extra.conf
export E2E_RSYSLOG_EXTRA
if ! e2e_start; then
	echo "FAIL live: start smtpd and rsyslogd (with omelasticsearch)"
	cp "$E2E_DIR/rsyslog/check.log" "$E2E_DIR/rsyslog/rsyslogd.log" "$LOUT/" 2>/dev/null
	exit 0
fi
echo "ok live: smtpd and rsyslogd (omelasticsearch) up"

CLIENT="python3 $E2E_HERE/client.py"
ok=1
swaks --server "127.0.0.1:$E2E_PORT" --ehlo live.client.test \
    --from alice@example.org --to bob@example.test \
    --header 'Subject: elastic live' > "$LOUT/client-swaks.log" 2>&1 || ok=
$CLIENT "$E2E_PORT" rcpt > "$LOUT/client-rcpt.log" 2>&1 || ok=
$CLIENT "$E2E_PORT" rset > "$LOUT/client-rset.log" 2>&1 || ok=
$CLIENT "$E2E_PORT" auth > "$LOUT/client-auth.log" 2>&1 || ok=
if [ -n "$ok" ]; then echo "ok live: 4 client sessions"; else echo "FAIL live: a client failed ($LOUT/client-*.log)"; fi
e2e_wait_quiet || echo "FAIL live: sessions did not end in 30 s"
R=$E2E_DIR/rsyslog/records.json
ev=$(e2e_reported)
e2e_wait_lines "$R" "$ev" 10 || true
n_file=$(wc -l < "$R")
if [ "$n_file" = "$ev" ]; then
	echo "ok live: rsyslogd wrote $n_file records for $ev reported events"
else
	echo "FAIL live: rsyslogd wrote $n_file records for $ev reported events"
fi
# omelasticsearch sends in batches: until the data stream has them all.
n_es=0
i=0
while [ $i -lt 100 ]; do
	curl -s -X POST "$URL/$DS_LIVE/_refresh" > /dev/null 2>&1
	n_es=$(curl -s "$URL/$DS_LIVE/_count" | sed -n 's/.*"count":\([0-9]*\).*/\1/p')
	[ "${n_es:-0}" -ge "$n_file" ] && break
	sleep 0.2
	i=$((i + 1))
done
e2e_stop
cp "$R" "$LOUT/records.json"
cp "$E2E_DIR/rsyslog/rsyslogd.log" "$LOUT/" 2>/dev/null
if [ -s "$E2E_DIR/rsyslog/es-errors.json" ]; then
	cp "$E2E_DIR/rsyslog/es-errors.json" "$LOUT/"
	echo "FAIL live: omelasticsearch wrote refused documents ($LOUT/es-errors.json): $(head -c 300 "$E2E_DIR/rsyslog/es-errors.json")"
else
	echo "ok live: omelasticsearch reports no refused document"
fi
if [ "${n_es:-0}" = "$n_file" ] && [ "$n_file" -gt 0 ]; then
	echo "ok live: $n_es documents in $DS_LIVE, one per record rsyslogd got"
else
	echo "FAIL live: ${n_es:-?} documents in $DS_LIVE for $n_file records"
fi
# live_check WHAT: check.py WHAT on the live data stream, its lines
# prefixed "live: "; its output kept in $LOUT/check-WHAT.out.  A non-zero
# status, or no ok/FAIL/NOTRUN line at all (a traceback), is a FAIL.
live_check() {
	python3 "$HERE/check.py" "$1" "$URL" "$DS_LIVE" "$R" > "$LOUT/check-$1.out" 2>&1
	_rc=$?
	sed -n -e '/^note:/d' -e 's/^\(ok\|FAIL\|NOTRUN\) /\1 live: /p' "$LOUT/check-$1.out"
	if [ $_rc != 0 ] || ! grep -q '^\(ok\|FAIL\|NOTRUN\) ' "$LOUT/check-$1.out"; then
		echo "FAIL live: check.py $1 exited $_rc ($LOUT/check-$1.out): $(tail -n 1 "$LOUT/check-$1.out")"
	fi
}
# The same documents as rsyslogd's file copy, field for field.
live_check stored
# Discover's order: the saved searches' sort on a real smtpd's timing.
live_check order
exit 0
