#!/bin/sh
# End-to-end tests: the real OpenSMTPD drives ./filter-jsonlog, a real
# rsyslogd receives its records, real SMTP clients make the sessions.
#
# Usage: sh tests/e2e/run.sh [-capture] [bookworm] [trixie] [SCENARIO...]
#                                           (as root; make check-e2e)
#   bookworm    Debian bookworm's smtpd 6.8 (protocol 0.6), on this host
#   trixie      Debian trixie's smtpd 7.6 (protocol 0.7) in a cached
#               debootstrap root under chroot (tests/e2e/trixie.sh), the
#               filter built inside it; adds STARTTLS + AUTH scenarios
#   (default: both, one after the other; E2E_GENS="..." does the same)
#   -capture    also cut the raw report stream of the run into
#               tests/streams/e2e-<scenario>.stream (bookworm: every
#               scenario but the TLS ones) and e2e-v07-<scenario>.stream
#               (trixie: ehlo, mail2, relay, socket and the TLS ones)
#   SCENARIO    relay mail2 ehlo helo auth rcpt rset big abort 8bit
#               manyrcpt socket concurrent, and on trixie tlsplain
#               tlslogin tlsfail: only these sessions and their checks
#               (the checks on the whole record file still run)
# Environment: E2E_FILTER (binary for bookworm, default ./filter-jsonlog),
# E2E_PORT, E2E_RELAY_PORT and E2E_TLS_PORT (2525, 2526, 2527), FJ_CACHE
# (/var/cache/filter-jsonlog), E2E_KEEP=1 keeps the work directory,
# T_VERBOSE=1 lists every passing check.
#
# smtpd runs two filters on every listener and on the relay action:
# filter-jsonlog (-S: rsyslogd's private socket) and capture-filter.sh,
# which records the raw report stream.  The capture tells how many events
# smtpd reported, and which; the records must match it one to one.
set -u
T_SUITE=e2e
. "$(dirname "$0")/../lib.sh"
t_linux_only "needs Debian's opensmtpd and rsyslog, swaks and root"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trixie.sh"

capture=
[ "${1:-}" = -capture ] && { capture=1; shift; }

# Without E2E_GEN: run each generation in a process of its own (its own
# traps, lock, work directory and counts).
SCENARIOS=" relay mail2 ehlo helo auth rcpt rset big abort 8bit manyrcpt socket concurrent tlsplain tlslogin tlsfail "
if [ -z "${E2E_GEN:-}" ]; then
	gens=
	E2E_ONLY=
	for a in "$@"; do
		case $a in
		bookworm|trixie) gens="$gens $a" ;;
		*)	case $SCENARIOS in
			*" $a "*) E2E_ONLY="$E2E_ONLY $a" ;;
			*)	echo "usage: run.sh [-capture] [bookworm] [trixie]" \
				    "[SCENARIO...]; scenarios:$SCENARIOS" >&2
				exit 2 ;;
			esac ;;
		esac
	done
	export E2E_ONLY
	rc=0
	res=$T_TOP/tests/out/results
	for g in ${gens:-${E2E_GENS:-bookworm trixie}}; do
		_n=$(cat "$res" 2>/dev/null | wc -l)
		E2E_GEN=$g sh "$0" ${capture:+-capture} || rc=1
		# a generation that died before its counts still counts
		if [ "$(cat "$res" 2>/dev/null | wc -l)" = "$_n" ]; then
			echo "FAIL - e2e: the $g generation ended without its counts" >&2
			mkdir -p "$T_TOP/tests/out"
			echo "e2e:$g 0 1" >> "$res"
			rc=1
		fi
	done
	exit $rc
fi
ONLY=" ${E2E_ONLY:-} "
# wanted NAME: is this scenario part of the run?
wanted() {
	case $ONLY in
	"  "|*" $1 "*)	return 0 ;;
	esac
	return 1
}
T_RERUN="sh tests/e2e/run.sh"
T_NAME=$E2E_GEN

START=$(date +%s)
V=
# The totals of make check name the generation, then the smtpd version.
T_SUITE=e2e:$E2E_GEN
T_PREFIX="[$E2E_GEN] "
case $E2E_GEN in
bookworm)
	GEN_NAME="Debian bookworm's smtpd (this host)"
	WANT_PV=0.6
	FILTER=${E2E_FILTER:-$T_TOP/filter-jsonlog}
	;;
trixie)
	GEN_NAME="Debian trixie's smtpd (chroot)"
	WANT_PV=0.7
	E2E_TLS=1
	;;
esac

# cleanup: everything e2e_cleanup stops, the build directory in the root,
# and a check that nothing stays mounted under the root.
cleanup() {
	# A run cut short leaves no mail of its own behind (the undeliverable
	# one of the queue check included): removed by id, nothing else.
	if [ -n "${E2E_SMTPD_PID:-}" ] && kill -0 "$E2E_SMTPD_PID" 2>/dev/null; then
		e2e_queue_drain 0 > /dev/null 2>&1
	fi
	e2e_cleanup
	[ -n "$E2E_ROOT_BUILD" ] && rm -rf "$E2E_ROOT_BUILD"
	if [ -n "$E2E_ROOT" ] && [ -n "$(e2e_root_mounts "$E2E_ROOT")" ]; then
		e2e_log "mounted under $E2E_ROOT after the run:" \
		    "$(e2e_root_mounts "$E2E_ROOT" | tr '\n' ' ')"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

if [ "$(id -u)" != 0 ]; then
	t_fail "must run as root (smtpd needs it to start)"
	t_done
	exit 1
fi
if [ "$E2E_GEN" = trixie ]; then
	if ! e2e_root_ensure; then
		t_skip "smtpd 7.6 in a Debian trixie root" "$E2E_ROOT_WHY"
		t_done
		exit $?
	fi
	if ! e2e_root_build_filter; then
		t_fail "build filter-jsonlog inside the trixie root"
		t_done
		exit 1
	fi
	FILTER=$E2E_ROOT_FILTER
fi
WANT_PKG=$(${E2E_ROOT:+chroot "$E2E_ROOT"} dpkg-query -W -f '${Version}' \
    opensmtpd 2>/dev/null)

# ---- the spool is never touched ------------------------------------------
# e2e_start against a spool that holds mail (a fake one: E2E_SPOOL) must
# refuse, name what it found, and leave it as it is.
spool_selftest() {
	_fake=$(mktemp -d /tmp/filter-jsonlog-spool.XXXXXX)
	mkdir -p "$_fake/queue/4a" "$_fake/incoming" "$_fake/offline" \
	    "$_fake/temporary" "$_fake/corrupt"
	t_check "spool: empty spool directories are no mail" \
	    sh -c '. "$1/lib.sh"; E2E_SPOOL=$2; e2e_spool_check' sh \
	    "$E2E_HERE" "$_fake"
	mkdir "$_fake/queue/4a/4a1b2c3d"
	echo "an admin's queued mail" > "$_fake/queue/4a/4a1b2c3d/message"
	echo "offline submission" > "$_fake/offline/1700000000.ABCDEF"
	(
		E2E_SPOOL=$_fake
		E2E_KEEP=
		E2E_TLS=
		trap e2e_cleanup EXIT
		e2e_init "$FILTER" && e2e_start && echo STARTED
	) > "$_fake.out" 2>&1
	t_check "spool: e2e_start refuses a spool holding mail" \
	    grep -q 'refusing to start smtpd' "$_fake.out"
	t_check "spool: ... and starts no smtpd" \
	    sh -c '! grep -q STARTED "$1"' sh "$_fake.out"
	t_check "spool: the refusal names what it found" \
	    grep -q "$_fake/queue/4a/4a1b2c3d/message" "$_fake.out"
	t_check "spool: nothing in the spool was deleted or changed" \
	    grep -qx "an admin's queued mail" "$_fake/queue/4a/4a1b2c3d/message"
	t_check "spool: ... nor in offline/" \
	    test -s "$_fake/offline/1700000000.ABCDEF"
	[ "$T_FAIL" = 0 ] || cat "$_fake.out" >&2
	rm -rf "$_fake" "$_fake.out"
}

# sc NAME: the checks from here to the next sc are scenario NAME's; each
# scenario ends with one line naming it, the smtpd version the filter saw
# and its counts.
sc() {
	if [ -n "$SC" ]; then
		_p=$((T_PASS - SC_P))
		_f=$((T_FAIL - SC_F))
		if [ -n "${T_OFF:-}" ]; then
			_r="left out (not named)"
		elif [ "$_f" = 0 ]; then
			_r="ok, $_p checks"
		else
			_r="FAILED $_f of $((_p + _f)) checks"
		fi
		printf 'e2e: smtpd %s (protocol %s): %-10s %s\n' "$V" \
		    "$WANT_PV" "$SC" "$_r"
	fi
	SC=${1:-}
	SC_P=$T_PASS
	SC_F=$T_FAIL
	# a scenario left out by name checks nothing
	T_OFF=
	T_NAME=$E2E_GEN
	case $SCENARIOS in
	*" $SC "*)
		T_NAME="$E2E_GEN $SC"
		wanted "$SC" || T_OFF=1 ;;
	esac
}
SC=
sc spool
spool_selftest

if ! e2e_init "$FILTER"; then
	t_fail "set up the work directory"
	t_done
	exit 1
fi
if [ -n "$E2E_TLS" ]; then
	# A self-signed certificate for e2e.test and smtpd's credentials
	# table, its password encrypted by smtpd's own smtpctl.
	mkdir -m 700 "$E2E_DIR/tls"
	if ! $E2E_CHROOT openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
	    -subj /CN=e2e.test -addext subjectAltName=DNS:e2e.test \
	    -keyout "$E2E_IN/tls/key.pem" -out "$E2E_IN/tls/cert.pem" \
	    > "$E2E_DIR/tls/openssl.log" 2>&1; then
		cat "$E2E_DIR/tls/openssl.log" >&2
		t_fail "make a self-signed certificate"
	fi
	chmod 600 "$E2E_DIR/tls/key.pem"
	TLS_USER=$(python3 -c 'import sys; sys.path.insert(0, sys.argv[1])
import client; print(client.TLS_USER.decode())' "$E2E_HERE")
	TLS_PASS=$(python3 -c 'import sys; sys.path.insert(0, sys.argv[1])
import client; print(client.TLS_PASS.decode())' "$E2E_HERE")
	printf '%s %s\n' "$TLS_USER" \
	    "$($E2E_CHROOT smtpctl encrypt "$TLS_PASS")" > "$E2E_DIR/creds"
	chmod 600 "$E2E_DIR/creds"
fi
# The filter writes summaries too (-r): they are checked against the
# events' records of the same sessions below.
if ! e2e_start -r tx,session; then
	t_fail "start smtpd and rsyslogd"
	t_done
	exit 1
fi
# All that rsyslogd wrote; R: the events' records, S: the summaries.
R_ALL=$E2E_DIR/rsyslog/records.json
R=$E2E_DIR/events.json
S=$E2E_DIR/summaries.json
RAW=$E2E_DIR/capture/raw.stream
CLIENT="python3 $E2E_HERE/client.py"
# What smtpd told the filters (config|smtpd-version), and what it logged.
V=$(sed -n 's/^config|smtpd-version|//p' "$RAW" | head -1)
VLOG=$(sed -n 's/.*OpenSMTPD \([^ ]*\) starting.*/\1/p' "$E2E_DIR/smtpd.log" |
    head -1)
T_PREFIX="[smtpd $V] "
T_SUITE=e2e:$V
e2e_log "$GEN_NAME: package opensmtpd $WANT_PKG, config|smtpd-version $V"

# ---- the sessions ----------------------------------------------------
sc clients
# client NAME CMD...: run one scenario's client, count it, keep its output.
client() {
	_n=$1
	shift
	case $SCENARIOS in
	*" $_n "*)	wanted "$_n" || return 0 ;;
	esac
	if "$@" > "$E2E_DIR/client-$_n.log" 2>&1; then
		t_ok "client $_n"
	else
		t_fail "client $_n: $(tail -3 "$E2E_DIR/client-$_n.log")"
	fi
}

# The relayed message first: the MTA keeps its connection idle for ~10 s
# before QUIT, the other scenarios run meanwhile.
client relay $CLIENT "$E2E_PORT" relay
client mail2 $CLIENT "$E2E_PORT" mail2
if [ -n "$E2E_TLS" ]; then
	client tlsplain $CLIENT "$E2E_TLS_PORT" tlsplain
	client tlslogin $CLIENT "$E2E_TLS_PORT" tlslogin
	client tlsfail $CLIENT "$E2E_TLS_PORT" tlsfail
fi
client ehlo swaks --server "127.0.0.1:$E2E_PORT" \
    --ehlo s-ehlo.client.test --from alice@example.org \
    --to bob@example.test --header 'Subject: swaks e2e'
client helo $CLIENT "$E2E_PORT" helo
client auth $CLIENT "$E2E_PORT" auth
client rcpt $CLIENT "$E2E_PORT" rcpt
client rset $CLIENT "$E2E_PORT" rset
client big $CLIENT "$E2E_PORT" big
client abort $CLIENT "$E2E_PORT" abort
client 8bit $CLIENT "$E2E_PORT" 8bit
client manyrcpt $CLIENT "$E2E_PORT" manyrcpt 150
# $0: chroot ROOT (7.6), or env.
client socket sh -c 'printf "%s\n" "Subject: local" "" "via sendmail" |
    $0 "$1/bin/sendmail" -f root@example.test bob@example.test' \
    "${E2E_CHROOT:-env}" "$E2E_IN"
client concurrent $CLIENT "$E2E_PORT" concurrent 100

# (the relay's smtp-out session too, when the relay scenario runs)
t_check "every session ended within 30 s" \
    e2e_wait_quiet $(wanted relay && echo -relay)

# A filter that died would have taken smtpd down with it.
t_check "smtpd still running after the sessions" e2e_alive "$E2E_SMTPD_PID"
t_check "smtpd still greets after the sessions" e2e_banner "$E2E_PORT" 20
# Every message was delivered or relayed: the run leaves no mail behind.
t_check "the queue is empty at the end (the run left no mail)" \
    e2e_queue_drain

# The check can fail: a message smtpd cannot deliver (mda exits 75) stays
# queued; e2e_queue_drain must fail, name it, and remove it by its id.
sc queue
client stuck $CLIENT "$E2E_PORT" stuck
stuck=$(e2e_queue_ids)
t_check "queue: the undeliverable message is queued ($stuck)" \
    test -n "$stuck"
if e2e_queue_drain 1 > "$E2E_DIR/drain.log" 2>&1; then
	t_fail "queue: e2e_queue_drain fails when mail is left"
else
	t_ok "queue: e2e_queue_drain fails when mail is left"
fi
t_check "queue: ... names the message" \
    sh -c '[ -n "$1" ] && grep -q "message $1 of this run" "$2"' _ "$stuck" \
    "$E2E_DIR/drain.log"
t_check "queue: ... and removes it by id (the queue is empty again)" \
    test -z "$(e2e_queue_ids)"
sleep 0.2

# Stop smtpd: the stream is complete; both filters see EOF and exit.
e2e_stop_smtpd
NREP=$(e2e_reported)
# a summary per session (link-disconnect) and per transaction (tx-begin)
NDIS=$(awk -F'|' '$1 == "report" && $5 == "link-disconnect"' "$RAW" | wc -l)
NTXB=$(awk -F'|' '$1 == "report" && $5 == "tx-begin"' "$RAW" | wc -l)
e2e_wait_lines "$R_ALL" $((NREP + NDIS + NTXB)) 15
sleep 0.3	# (and nothing more)
e2e_stop_rsyslog
left=$(e2e_spool_files)
t_check "the spool holds no file after the run${left:+: $left}" \
    test -z "$left"
jq -c 'select(.event.dataset == "opensmtpd.event")' "$R_ALL" > "$R" 2>/dev/null
jq -c 'select(.event.dataset != "opensmtpd.event")' "$R_ALL" > "$S" 2>/dev/null
NREC=$(wc -l < "$R" 2>/dev/null || echo 0)
NSUM=$(wc -l < "$S" 2>/dev/null || echo 0)
echo "e2e: smtpd reported $NREP events; rsyslogd wrote $NREC records and $NSUM summaries"

if [ -n "$capture" ]; then
	if [ "$E2E_GEN" = bookworm ]; then
		python3 "$E2E_HERE/split-streams.py" "$RAW" \
		    "$T_TOP/tests/streams" "$E2E_RELAY_PORT" e2e- ehlo helo \
		    auth rcpt rset big abort 8bit manyrcpt relay socket \
		    concurrent mail2
	else
		python3 "$E2E_HERE/split-streams.py" "$RAW" \
		    "$T_TOP/tests/streams" "$E2E_RELAY_PORT" e2e-v07- ehlo \
		    mail2 relay socket tlsplain tlslogin tlsfail
	fi
fi

# ---- assertions on the record file -----------------------------------
# Helpers for the jq programs below: records of a scenario are those of
# the sessions whose HELO name starts with s-<scenario>.
JQ_DEFS='
def ids(f): [.[] | select(f) | .opensmtpd.session.id] | unique;
def sessions(f): ids(f) as $ids
    | map(select(.opensmtpd.session.id as $s | any($ids[]; . == $s)));
def sc($n): sessions((.opensmtpd.helo.identity // "")
    | startswith("s-" + $n + "."));
def act($a): map(select(.event.action == $a));
def one: if length == 1 then .[0] else error("want one record") end;
def num: type == "number";
'

# jqt DESCRIPTION PROGRAM: PROGRAM, over the array of all records, must
# print true.  $V is the smtpd version, $PV the protocol version.
jqt() {
	[ -n "${T_OFF:-}" ] && return 0
	# "NAME: …" of a scenario left out
	case $SCENARIOS in
	*" ${1%%:*} "*)	wanted "${1%%:*}" || return 0 ;;
	esac
	if [ "$(jq -s --arg V "$V" --arg PV "$WANT_PV" "$JQ_DEFS $2" "$R" \
	    2>&1)" = true ]; then
		t_ok "$1"
	else
		t_fail "$1"
		jq -s --arg V "$V" --arg PV "$WANT_PV" "$JQ_DEFS $2" "$R" 2>&1 |
		    head -3 | cut -c1-300 >&2
	fi
	return 0
}

# -- which smtpd ran
sc version
t_check "smtpd sent config|smtpd-version ($V)" test -n "$V"
t_check "config|smtpd-version is the version smtpd logged ($VLOG)" \
    test "$V" = "$VLOG"
t_check "it is the $E2E_GEN package's smtpd (opensmtpd $WANT_PKG)" \
    test "$(echo "$V" | cut -d. -f1,2)" = "$(echo "$WANT_PKG" | cut -d. -f1,2)"
pv=$(awk -F'|' '$1 == "report" { print $2 }' "$RAW" | sort -u | tr '\n' ' ')
t_check "every report line is protocol $WANT_PV ($pv)" \
    test "$pv" = "$WANT_PV "

# -- the file as a whole
sc records
t_check "rsyslogd wrote records" test -s "$R"
bad=$(jq -nR '[inputs | (try fromjson catch null) | select(type != "object")]
    | length' "$R_ALL" 2>&1)
t_check "every line is one JSON object ($bad bad)" test "$bad" = 0
n=$(LC_ALL=C grep -c '[^ -~]' "$R_ALL")
t_check "every line is printable ASCII ($n not)" test "$n" = 0
n=$(LC_ALL=C awk 'length($0) > 8000' "$R_ALL" | wc -l)
t_check "every line is at most 8000 bytes ($n longer)" test "$n" = 0
# A second opinion from json-c (built by make check-e2e).
if [ ! -x "$T_TOP/tests/unit/jsoncheck" ]; then
	t_fail "no tests/unit/jsoncheck (make check builds it)"
else
	t_check "jsoncheck: json-c parses every line, ASCII, within the cap" \
	    "$T_TOP/tests/unit/jsoncheck" -s 8000 "$R_ALL"
fi
t_check "one record per reported event ($NREC for $NREP)" \
    test "$NREC" = "$NREP"
awk -F'|' '$1 == "report" { print $4, $6, $5 }' "$RAW" | sort \
    > "$E2E_DIR/events.want"
jq -r '"\(.event.provider) \(.opensmtpd.session.id) \(.event.action)"' "$R" \
    2>/dev/null | sort > "$E2E_DIR/events.got"
t_check "records match the reported events one to one" \
    cmp -s "$E2E_DIR/events.want" "$E2E_DIR/events.got"
# Session by session, the n-th record is the n-th event, at its time.
awk -F'|' '$1 == "report" { k = $4 " " $6; n[k]++
	print k, n[k], $5, $3; if ($5 == "link-disconnect") delete n[k] }' \
    "$RAW" | sort > "$E2E_DIR/order.want"
jq -r '(."@timestamp" | capture("^(?<s>.*)\\.(?<u>[0-9]{6})Z$")) as $t
    | "\(.event.provider) \(.opensmtpd.session.id) \(.event.sequence)"
    + " \(.event.action) \($t.s + "Z" | fromdate).\($t.u)"' "$R" 2>/dev/null |
    sort > "$E2E_DIR/order.got"
t_check "each record has the action and time of its event" \
    cmp -s "$E2E_DIR/order.want" "$E2E_DIR/order.got"

# The same stream replayed through the file sink (-o) must give the same
# bytes: nothing is lost or altered on the way through syslog.
$E2E_CHROOT "$E2E_IN/bin/filter-jsonlog" -r tx,session \
    -o "$E2E_IN/replay.json" < "$RAW" > /dev/null 2>&1
t_check "syslog records identical to a replay through -o" \
    cmp -s "$E2E_DIR/replay.json" "$R_ALL"

# -P on what this smtpd really reported: nothing of what the options hide
# is left (tests/golden/leak.py), with and without proto.
(umask 077 && cp "$T_TOP/tests/golden/privacy.key" "$E2E_DIR/privacy.key")
for p in all local,user,ip; do
	rm -f "$E2E_DIR/privacy-$p.json"
	$E2E_CHROOT "$E2E_IN/bin/filter-jsonlog" -P "$p" \
	    -K "$E2E_IN/privacy.key" -o "$E2E_IN/privacy-$p.json" \
	    < "$RAW" > /dev/null 2> "$E2E_DIR/privacy-$p.err"
	t_check "-P $p: nothing of what it hides in the records (leak.py)" \
	    sh -c "python3 '$T_TOP/tests/golden/leak.py' '$RAW' \
	    '$E2E_DIR/privacy-$p.json' '$p' > '$E2E_DIR/privacy-$p.leaks'"
done

jqt "fields present on every record" 'all(.[];
    (."@timestamp" | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}Z$"))
    and (.ecs.version | type == "string")
    and .event.kind == "event" and .event.module == "opensmtpd"
    and .event.dataset == "opensmtpd.event"
    and (.event.provider == "smtp-in" or .event.provider == "smtp-out")
    and (.event.action | type == "string")
    and (.event.category | type == "array")
    and (.event.type | type == "array")
    and .observer.product == "OpenSMTPD" and .observer.type == "mta"
    and .observer.version == $V
    and (.opensmtpd.session.id | test("^[0-9a-f]{16}$"))
    and .opensmtpd.protocol_version == $PV)'
jqt "event.sequence counts 1, 2, 3 ... in each session" '
    group_by(.opensmtpd.session.id)
    | all(.[]; [.[].event.sequence] == [range(1; length + 1)])'
jqt "event.id is <session>.<sequence>" 'all(.[];
    .event.id == "\(.opensmtpd.session.id).\(.event.sequence)")'
jqt "no null and no empty string anywhere" '
    [.[] | .. | select(. == null or . == "")] | length == 0'
jqt "nested objects, no dotted keys" '
    [.[] | .. | objects | keys[] | select(test("^[^@].*\\."))] | length == 0'
jqt "every link-disconnect has event.duration (ns)" '
    act("link-disconnect") | length > 0 and
    all(.[]; .event.duration | num and . >= 0)'
jqt "every tx-commit has a size and a duration" '
    act("tx-commit") | length > 0 and all(.[];
    (.opensmtpd.tx.size | num and . > 0) and (.event.duration | num))'

# -- EHLO (swaks)
sc ehlo
jqt "ehlo: identity and method" 'sc("ehlo") | act("link-identify") | one
    | .opensmtpd.helo.method == "EHLO"
    and .opensmtpd.helo.identity == "s-ehlo.client.test"'
jqt "ehlo: connection fields" 'sc("ehlo") | act("link-disconnect") | one
    | .source.ip == "127.0.0.1" and (.source.port | num)
    and .destination.port == '"$E2E_PORT"'
    and .network.transport == "tcp" and .network.type == "ipv4"
    and .opensmtpd.link.greeting == "e2e.test"
    and .opensmtpd.helo.identity == "s-ehlo.client.test"'
jqt "ehlo: committed message" 'sc("ehlo") | act("tx-commit") | one
    | .event.outcome == "success"
    and .email.from.address == ["alice@example.org"]
    and .email.to.address == ["bob@example.test"]
    and (.email.local_id | test("^[0-9a-f]{8}$"))
    and (.opensmtpd.tx.envelope_ids | length == 1)
    and .opensmtpd.tx.result == "commit"'
jqt "ehlo: session counters at the end" 'sc("ehlo") | act("link-disconnect")
    | one | .opensmtpd.session.tx_count == 1
    and .opensmtpd.session.message_count == 1
    and .opensmtpd.session.rcpt_count == 1
    and .opensmtpd.session.command_count >= 5'

# -- HELO
sc helo
jqt "helo: method HELO" 'sc("helo") | act("link-identify") | one
    | .opensmtpd.helo.method == "HELO"
    and .opensmtpd.helo.identity == "s-helo.client.test"'
jqt "helo: committed message" 'sc("helo") | act("tx-commit") | length == 1'

# -- AUTH without TLS: refused, never a credential in a record
sc auth
jqt "auth: refused, no link-auth" 'sc("auth")
    | (act("link-auth") | length == 0)
    and (act("protocol-client") | map(.opensmtpd.protocol.line // ""
        | select(startswith("AUTH"))) | length == 4)
    and (act("protocol-server") | map(.opensmtpd.protocol.line // ""
        | select(startswith("503 "))) | length == 4)'
cred=$(python3 -c 'import sys; sys.path.insert(0, sys.argv[1])
import client as c
for s in c.SECRETS:
    print(s.decode())' "$E2E_HERE")
echo "$cred" > "$E2E_DIR/credentials"
t_check "auth: the raw stream did carry a credential (test is not void)" \
    grep -qF "$(echo "$cred" | head -1)" "$RAW"
# The records, what else rsyslogd got, what the filter said on stderr.
n=$({ cat "$R_ALL" "$E2E_DIR/rsyslog/other.log"; grep 'jsonlog' \
    "$E2E_DIR/smtpd.log"; } 2>/dev/null | grep -cF -f "$E2E_DIR/credentials")
t_check "auth: no credential in any record or filter log line ($n lines)" \
    test "$n" = 0

# -- several recipients, one refused
sc rcpt
jqt "rcpt: refused recipient is a failure" 'sc("rcpt") | act("tx-rcpt")
    | map(select(.event.outcome == "failure")) | one
    | .event.reason == "permfail"
    and .opensmtpd.tx.rcpt_rejected == ["mallory@unknown.invalid"]'
jqt "rcpt: accepted and refused recipients on the commit" 'sc("rcpt")
    | act("tx-commit") | one
    | .email.to.address == ["bob@example.test", "carol@example.test"]
    and .opensmtpd.tx.rcpt_rejected == ["mallory@unknown.invalid"]
    and ([.opensmtpd.tx.rcpt[] | .address + " " + .result]
        == ["bob@example.test ok", "mallory@unknown.invalid permfail",
            "carol@example.test ok"])
    and ([.opensmtpd.tx.rcpt[] | .envelope_ids | length] == [1, 0, 1])
    and (.opensmtpd.tx.envelope_ids | length == 2)'
jqt "rcpt: three RCPT results counted" 'sc("rcpt") | act("link-disconnect")
    | one | .opensmtpd.session.rcpt_count == 3'

# -- two transactions and an RSET in one session
sc rset
jqt "rset: two commits with their own ids and senders" 'sc("rset")
    | act("tx-commit") | length == 2
    and (map(.email.local_id) | unique | length == 2)
    and map(.email.from.address[0]) == ["alice@example.org", "dave@example.org"]
    and map(.email.to.address) == [["bob@example.test"], ["erin@example.test"]]'
jqt "rset: the reset transaction rolled back" 'sc("rset") | act("tx-rollback")
    | one | .event.outcome == "failure"
    and .opensmtpd.tx.result == "rollback"
    and .email.to.address == ["carol@example.test"]'
jqt "rset: no transaction fields between transactions" 'sc("rset")
    | act("protocol-client")
    | map(select(.opensmtpd.protocol.line | startswith("MAIL FROM")))
    | length == 3 and all(.[]; .email == null and .opensmtpd.tx == null)'
jqt "rset: session counters" 'sc("rset") | act("link-disconnect") | one
    | .opensmtpd.session.tx_count == 3
    and .opensmtpd.session.message_count == 2'

# -- 1 MB message
sc big
jqt "big: size of a 1 MB message" 'sc("big") | act("tx-commit") | one
    | .opensmtpd.tx.size >= 1048576 and .event.outcome == "success"'

# -- client gone in the middle of DATA
sc abort
jqt "abort: rollback, no commit, disconnect" 'sc("abort")
    | (act("tx-commit") | length == 0)
    and (act("tx-data") | one | .event.outcome == "success")
    and (act("tx-rollback") | one | .event.outcome == "failure")
    and (act("link-disconnect") | one | .event.duration | num)'

# -- 8-bit bytes and pipes
sc 8bit
jqt "8bit: refused EHLO reported with its bytes escaped" 'sc("8bit")
    | act("protocol-client") | map(.opensmtpd.protocol.line)
    | index("EHLO s-8bit.caf\u00e9|pipe\ufffd\tx.test") != null
    and index("HELO \ufffd\ufffd|\u001b[0m") != null
    and index("MAIL FROM:<j\u00fcrgen|\ufffd@example.org>") != null'
jqt "8bit: sender with a pipe" 'sc("8bit") | act("tx-commit") | one
    | .email.from.address == ["pipe|user@example.org"]
    and .email.to.address == ["bob@example.test"]
    and .opensmtpd.tx.rcpt_rejected
        == ["b|ob\ufffd@example.test", "pipe|rcpt@unknown.invalid"]'
jqt "8bit: refused MAIL parameter (msgid 00000000)" 'sc("8bit")
    | act("tx-mail") | map(select(.event.outcome == "failure")) | one
    | .email.from.address == ["alice@example.org"]
    and .event.reason == "permfail"'

# -- a second MAIL FROM in a transaction: 503, the first sender stays
sc mail2
jqt "mail2: the refused second MAIL FROM is a failure of its own" 'sc("mail2")
    | act("tx-mail") | length == 2
    and (.[0] | .event.outcome == "success")
    and (.[1] | .event.outcome == "failure" and .event.reason == "permfail"
        and .opensmtpd.tx.refused_from == "mallory@example.org")'
# What smtpd sent (0.6 and 0.7: result before address), so the checks
# below are about the case the scenario means.
t_check "mail2: smtpd reported tx-mail|<current msgid>|permfail|<second>" \
    awk -F'|' '$5 == "tx-begin" { m[$6] = $7 }
	$5 == "tx-mail" && $8 == "permfail" && $9 == "mallory@example.org" &&
	    $7 != "00000000" && m[$6] == $7 { f = 1 }
	END { exit !f }' "$RAW"
jqt "mail2: the commit still names the first sender, mail_result ok" '
    sc("mail2") | act("tx-commit") | one
    | .email.from.address == ["alice@example.org"]
    and .opensmtpd.tx.mail_result == "ok"
    and .email.to.address == ["bob@example.test"]'
jqt "mail2: the second sender is in no transaction state" 'sc("mail2")
    | ([.[] | .email.from.address // [] | .[]] | all(. == "alice@example.org"))
    and ([.[] | select(.opensmtpd.tx.refused_from != null)] | length == 1)'

# -- 150 recipients: records over the size cap are cut down, not cut off
sc manyrcpt
jqt "manyrcpt: big records truncated to fit" 'sc("manyrcpt")
    | (act("tx-rcpt") | length == 150)
    and (map(select(.opensmtpd.truncated == true)) | length > 0
        and all(.[]; .opensmtpd.truncated_fields | length > 0))
    and (act("tx-commit") | one | .opensmtpd.tx.size > 0
        and .opensmtpd.session.rcpt_count == 150
        and .email.local_id != null)'
n=$(grep -F s-manyrcpt "$R" | LC_ALL=C awk 'length($0) > 7000' | wc -l)
t_check "manyrcpt: some records came close to the cap ($n)" test "$n" -gt 0

# -- relay: smtp-out
sc relay
jqt "relay: smtp-out session reported" '
    (sc("relay") | act("tx-commit") | one | .email.local_id) as $m
    | (map(select(.event.provider == "smtp-out")) | length > 0)
    and (map(select(.email.local_id == $m)) | act("tx-commit")
        | map(.event.provider) | sort == ["smtp-in", "smtp-out"])'
jqt "relay: smtp-out records" '
    (sc("relay") | act("tx-commit") | one | .email.local_id) as $m
    | sessions(.event.provider == "smtp-out" and .email.local_id == $m)
    | (act("link-connect") | one | .destination.port == '"$E2E_RELAY_PORT"'
        and .network.direction == "outbound")
    and (act("link-identify") | one | .opensmtpd.helo.identity == "e2e.test")
    and (act("tx-commit") | one | .event.outcome == "success"
        and .email.from.address == ["alice@example.org"]
        and .email.to.address == ["bob@remote.test"])
    and (act("link-disconnect") | one | .event.duration | num)'
jqt "relay: the relay target saw it as smtp-in" '
    sessions(.event.provider == "smtp-in"
        and .destination.port == '"$E2E_RELAY_PORT"')
    | act("tx-commit") | one | .opensmtpd.link.greeting == "relay-target.test"
    and .email.to.address == ["bob@remote.test"]'

# -- local socket (sendmail)
sc socket
jqt "socket: source.address of the local socket" '
    sessions(.source.address == "unix:'"$E2E_SOCK"'")
    | length > 0
    and all(.[]; .source.address == "unix:'"$E2E_SOCK"'"
        and .source.ip == null and .source.port == null)
    and (act("tx-commit") | one | .email.to.address == ["bob@example.test"])'

# -- 100 concurrent sessions
sc concurrent
jqt "concurrent: 100 sessions open at once, 100 commits, 100 disconnects" '
    sessions((.opensmtpd.helo.identity // "") | startswith("s-concurrent-"))
    | (ids(true) | length == 100)
    and (act("tx-commit") | length == 100)
    and (act("link-disconnect") | length == 100)
    and ((map(.event.action) | index("tx-begin")) as $b
        | .[:$b] | act("link-identify") | length == 100)'

# -- STARTTLS + AUTH (7.6 only: bookworm's 6.8 cannot do TLS with OpenSSL 3)
if [ -n "$E2E_TLS" ]; then
	sc tls
	tls_ok='(.tls.established == true
	    and (.tls.version | test("^1\\.[23]$"))
	    and .tls.version_protocol == "tls"
	    and (.tls.cipher | type == "string" and length > 0)
	    and (.opensmtpd.tls.bits | num and . >= 128)
	    and (.opensmtpd.tls.raw | startswith("TLSv1.")))'
	for n in tlsplain tlslogin tlsfail; do
		jqt "$n: link-tls with version and cipher" 'sc("'$n'")
		    | act("link-tls") | one | '"$tls_ok"
		jqt "$n: the HELO after STARTTLS is reported again" 'sc("'$n'")
		    | act("link-identify") | length == 2'
	done
	jqt "tlsplain: link-auth pass, user name" 'sc("tlsplain")
	    | act("link-auth") | one | .user.name == "'"$TLS_USER"'"
	    and .opensmtpd.auth.result == "pass"
	    and .event.outcome == "success"'
	jqt "tlsplain: the commit carries user and TLS" 'sc("tlsplain")
	    | act("tx-commit") | one | .user.name == "'"$TLS_USER"'"
	    and .opensmtpd.auth.result == "pass" and '"$tls_ok"'
	    and .email.to.address == ["bob@example.test"]'
	jqt "tlsplain: AUTH PLAIN masked in protocol.line" 'sc("tlsplain")
	    | act("protocol-client") | map(.opensmtpd.protocol.line)
	    | map(select(test("^AUTH"; "i"))) == ["AUTH PLAIN ********"]'
	jqt "tlslogin: link-auth pass, user name" 'sc("tlslogin")
	    | act("link-auth") | one | .user.name == "'"$TLS_USER"'"
	    and .opensmtpd.auth.result == "pass"'
	jqt "tlslogin: AUTH LOGIN, user name and password lines masked" '
	    sc("tlslogin") | act("protocol-client")
	    | map(.opensmtpd.protocol.line) as $l
	    | ($l | index("AUTH LOGIN")) as $i
	    | $i != null and $l[$i + 1] == "********"
	    and $l[$i + 2] == "********"'
	jqt "tlsfail: two link-auth, both fail" 'sc("tlsfail")
	    | act("link-auth") | length == 2 and all(.[];
	    .opensmtpd.auth.result == "fail" and .event.outcome == "failure"
	    and .event.reason == "fail" and .user.name == "'"$TLS_USER"'")'
	jqt "tlsfail: AUTH LOGIN with an initial response masked" '
	    sc("tlsfail") | act("protocol-client")
	    | map(.opensmtpd.protocol.line | select(test("^AUTH"; "i")))
	    | length == 2 and all(.[]; test("^AUTH (PLAIN|LOGIN) \\*+$"))'
	login_user=$(python3 -c 'import sys; sys.path.insert(0, sys.argv[1])
import client; print(client.TLS_LOGIN_USER.decode())' "$E2E_HERE")
	wanted tlsfail && t_check "tlsfail: smtpd reported the LOGIN initial response (not void)" \
	    grep -qF "AUTH LOGIN $login_user" "$RAW"
	n=$({ cat "$R_ALL" "$E2E_DIR/rsyslog/other.log"; grep 'jsonlog' \
	    "$E2E_DIR/smtpd.log"; } 2>/dev/null |
	    grep -cF -f "$E2E_DIR/credentials")
	t_check "tls: no credential in any record or filter log line ($n)" \
	    test "$n" = 0
fi
# -- reply codes on the events' records
sc replies
jqt "replies: every protocol-server record carries its reply code" '
    act("protocol-server") | length > 0 and all(.[];
    .opensmtpd.protocol.line == null	# dropped for the cap
    or (.opensmtpd.protocol.line as $l
    | if ($l | test("^[2-5][0-9][0-9]([ -]|$)"))
      then .opensmtpd.reply.code == ($l[0:3] | tonumber)
      else .opensmtpd.reply == null end))'
jqt "replies: enhanced codes where the reply has one" '
    act("protocol-server") | map(select(.opensmtpd.reply.enhanced != null
        and .opensmtpd.protocol.line != null))
    | length > 0 and all(.[]; .opensmtpd.reply.enhanced as $e
        | .opensmtpd.protocol.line[4:] | startswith($e + " ") or . == $e)'

# -- summaries (-r tx,session), live: against the events' records
sc summaries
n=$(jq -s 'map(select(.event.dataset == "opensmtpd.session")) | length' "$S")
t_check "summaries: one session summary per link-disconnect ($n for $NDIS)" \
    test "$n" = "$NDIS"
n=$(jq -s 'map(select(.event.dataset == "opensmtpd.transaction")) | length' "$S")
t_check "summaries: one transaction summary per tx-begin ($n for $NTXB)" \
    test "$n" = "$NTXB"
# jqs DESCRIPTION PROGRAM: over $E (events' records) and $S (summaries)
jqs() {
	[ -n "${T_OFF:-}" ] && return 0
	if [ "$(jq -n --arg V "$V" --arg PV "$WANT_PV" --slurpfile E "$R" \
	    --slurpfile S "$S" "$JQ_DEFS $2" 2>&1)" = true ]; then
		t_ok "$1"
	else
		t_fail "$1"
		jq -n --arg V "$V" --arg PV "$WANT_PV" --slurpfile E "$R" \
		    --slurpfile S "$S" "$JQ_DEFS $2" 2>&1 | head -3 |
		    cut -c1-300 >&2
	fi
}
jqs "summaries: the fields every summary has" '$S | length > 0 and all(.[];
    .event.kind == "event" and .event.module == "opensmtpd"
    and ((.event.dataset == "opensmtpd.transaction"
        and .event.action == "tx-summary"
        and (.event.id | test("^[0-9a-f]{16}\\.t[0-9]+$")))
      or (.event.dataset == "opensmtpd.session"
        and .event.action == "session-summary"
        and (.event.id | test("^[0-9a-f]{16}\\.s$"))))
    and .observer.version == $V and .opensmtpd.protocol_version == $PV
    and (.event.end | type == "string")
    and ([.. | select(. == null or . == "")] | length == 0))'
jqs "summaries: each session summary agrees with its link-disconnect" '
    [$E[] | select(.event.action == "link-disconnect")] as $d
    | [$S[] | select(.event.dataset == "opensmtpd.session")]
    | all(.[]; . as $s | [$d[] | select(.event.id | startswith($s.opensmtpd.session.id + "."))]
        | length == 1 and (.[0] | .opensmtpd.session.tx_count == $s.opensmtpd.session.tx_count
        and .opensmtpd.session.rcpt_count == $s.opensmtpd.session.rcpt_count
        and .opensmtpd.session.command_count == $s.opensmtpd.session.command_count
        and .opensmtpd.session.message_count == $s.opensmtpd.session.message_count
        and .event.duration == $s.event.duration
        and ."@timestamp" == $s."@timestamp"
        and .event.sequence == $s.event.sequence
        and .source == $s.source and .user == $s.user and .tls == $s.tls))'
jqs "summaries: end_reason quit exactly where the client sent QUIT" '
    [$E[] | select(.event.action == "protocol-client"
        and ((.opensmtpd.protocol.line // "") | test("^quit\\s*$"; "i")))
        | .opensmtpd.session.id] as $q
    | [$S[] | select(.event.dataset == "opensmtpd.session")]
    | length > 0 and all(.[]; .opensmtpd.session.id as $i
        | .opensmtpd.session.end_reason == (if any($q[]; . == $i)
            then "quit" else "disconnect" end))'
jqs "summaries: recipients accepted and refused add up" '
    [$S[] | select(.event.dataset == "opensmtpd.session")] | all(.[];
    .opensmtpd.session | .rcpt_accepted + .rcpt_refused == .rcpt_count)'
jqs "summaries: every commit has its transaction summary, field for field" '
    [$S[] | select(.event.dataset == "opensmtpd.transaction")] as $t
    | [$E[] | select(.event.action == "tx-commit")] | length > 0 and all(.[];
        . as $c | [$t[] | select(.opensmtpd.session.id == $c.opensmtpd.session.id
            and .email.local_id == $c.email.local_id)] | length == 1
        and (.[0] | .opensmtpd.tx.result == "commit"
            and .event.outcome == "success"
            and .opensmtpd.tx.size == $c.opensmtpd.tx.size
            and .event.duration == $c.event.duration
            # a record cut down for the cap (manyrcpt) lacks its lists
            and ($c.opensmtpd.truncated == true or .opensmtpd.truncated == true
                or (.email == $c.email
                and .opensmtpd.tx.rcpt == $c.opensmtpd.tx.rcpt
                and .opensmtpd.tx.accepted_count
                    == ($c.email.to.address | length)))))'
jqs "summaries: manyrcpt: 150 recipients counted though the lists are cut" '
    [$E[] | select(.opensmtpd.helo.identity // "" | startswith("s-manyrcpt."))
        | .opensmtpd.session.id] as $ids
    | [$S[] | select(.opensmtpd.session.id as $i | any($ids[]; . == $i))]
    | (map(select(.event.dataset == "opensmtpd.transaction")) | length == 1
        and .[0].opensmtpd.tx.accepted_count == 150
        and .[0].opensmtpd.tx.result == "commit")
    and (map(select(.event.dataset == "opensmtpd.session")) | length == 1
        and .[0].opensmtpd.session.rcpt_accepted == 150)'
jqs "summaries: a commit summary carries the reply to the final dot" '
    [$S[] | select(.opensmtpd.tx.result == "commit"
        and .event.provider == "smtp-in")]
    | length > 0 and all(.[]; .opensmtpd.reply.code == 250)'
jqs "summaries: rset: a rolled back transaction between commits" '
    [$E[] | select(.opensmtpd.helo.identity // "" | startswith("s-rset."))
        | .opensmtpd.session.id] as $ids
    | [$S[] | select(.event.dataset == "opensmtpd.transaction"
        and (.opensmtpd.session.id as $i | any($ids[]; . == $i)))]
    | map(.opensmtpd.tx.result) | index("rollback") != null
        and index("commit") != null'
jqs "summaries: abort: the message cut off in DATA ends rolled back" '
    [$E[] | select(.opensmtpd.helo.identity // "" | startswith("s-abort."))
        | .opensmtpd.session.id] as $ids
    | [$S[] | select(.opensmtpd.session.id as $i | any($ids[]; . == $i))]
    | (map(select(.event.dataset == "opensmtpd.transaction"))
        | length == 1 and .[0].opensmtpd.tx.result == "rollback"
        and .[0].event.outcome == "failure")
    and (map(select(.event.dataset == "opensmtpd.session")) | length == 1
        and .[0].opensmtpd.session.end_reason == "disconnect")'
jqs "summaries: rcpt: refused recipients counted, with their reply" '
    [$E[] | select(.opensmtpd.helo.identity // "" | startswith("s-rcpt."))
        | .opensmtpd.session.id] as $ids
    | [$S[] | select(.event.dataset == "opensmtpd.session"
        and (.opensmtpd.session.id as $i | any($ids[]; . == $i)))]
    | length == 1 and .[0].opensmtpd.session.rcpt_refused > 0
    and .[0].opensmtpd.session.error_replies > 0'
if wanted relay; then
	jqs "summaries: relay: the smtp-out transaction, with the remote reply" '
	    [$S[] | select(.event.dataset == "opensmtpd.transaction"
	        and .event.provider == "smtp-out")]
	    | length > 0 and all(.[]; .opensmtpd.tx.result == "commit"
	        and .destination.port == '"$E2E_RELAY_PORT"'
	        and .opensmtpd.reply.code == 250
	        and .email.to.address == ["bob@remote.test"])'
fi
if [ -n "$E2E_TLS" ] && wanted tlsplain; then
	jqs "summaries: tlsplain: the session summary has TLS and the user" '
	    [$E[] | select(.opensmtpd.helo.identity // "" | startswith("s-tlsplain."))
	        | .opensmtpd.session.id] as $ids
	    | [$S[] | select(.event.dataset == "opensmtpd.session"
	        and (.opensmtpd.session.id as $i | any($ids[]; . == $i)))]
	    | length == 1 and .[0].tls.established == true
	    and .[0].user.name == "'"$TLS_USER"'"
	    and .[0].opensmtpd.auth.result == "pass"'
fi

if [ -n "$E2E_ROOT" ]; then
	sc root
	t_check "nothing is mounted under $E2E_ROOT" \
	    test -z "$(e2e_root_mounts "$E2E_ROOT")"
fi
sc

# Anything the filter said on stderr is in smtpd's log.
if grep -q '^jsonlog: ' "$E2E_DIR/smtpd.log"; then
	echo "e2e: filter-jsonlog wrote to stderr:" >&2
	grep '^jsonlog: ' "$E2E_DIR/smtpd.log" | head -10 >&2
fi
[ "$T_FAIL" = 0 ] || E2E_KEEP=1
echo "e2e: $GEN_NAME $V: $(($(date +%s) - START)) s"
t_done
