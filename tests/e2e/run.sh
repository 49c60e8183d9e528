#!/bin/sh
# End-to-end tests: the real OpenSMTPD drives ./filter-jsonlog, a real
# rsyslogd receives its records, real SMTP clients make the sessions.
#
# Usage: sh tests/e2e/run.sh [-capture] [SCENARIO...]   (as root)
#   -capture    also cut the raw report stream of this run into
#               tests/streams/e2e-<scenario>.stream (golden inputs)
#   SCENARIO    relay ehlo helo auth rcpt rset big abort 8bit manyrcpt
#               socket concurrent: only these sessions and their
#               assertions (the checks on the whole file still run)
# Environment: E2E_FILTER (binary, default ./filter-jsonlog), E2E_PORT and
# E2E_RELAY_PORT (2525, 2526), E2E_KEEP=1 keeps the work directory,
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

capture=
[ "${1:-}" = -capture ] && { capture=1; shift; }
T_RERUN="sh tests/e2e/run.sh"
ONLY=" $* "
SCENARIOS=" relay ehlo helo auth rcpt rset big abort 8bit manyrcpt socket concurrent "
# wanted NAME: is this scenario part of the run?
wanted() {
	case $ONLY in
	"  "|*" $1 "*)	return 0 ;;
	esac
	return 1
}
FILTER=${E2E_FILTER:-$T_TOP/filter-jsonlog}
START=$(date +%s)

trap e2e_cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

if ! e2e_init "$FILTER" || ! e2e_start; then
	t_fail "start smtpd and rsyslogd"
	t_done
	exit 1
fi
R=$E2E_DIR/rsyslog/records.json
RAW=$E2E_DIR/capture/raw.stream
CLIENT="python3 $E2E_HERE/client.py"

# ---- the sessions ----------------------------------------------------
# client NAME CMD...: run one scenario's client, count it, keep its output.
client() {
	_n=$1
	shift
	wanted "$_n" || return 0
	if "$@" > "$E2E_DIR/client-$_n.log" 2>&1; then
		t_ok "client $_n"
	else
		t_fail "client $_n: $(tail -3 "$E2E_DIR/client-$_n.log")"
	fi
}

# The relayed message first: the MTA keeps its connection idle for ~10 s
# before QUIT, the other scenarios run meanwhile.
client relay $CLIENT "$E2E_PORT" relay
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
client socket sh -c 'printf "%s\n" "Subject: local" "" "via sendmail" |
    "$1/bin/sendmail" -f root@example.test bob@example.test' sh "$E2E_DIR"
client concurrent $CLIENT "$E2E_PORT" concurrent 100

t_check "every session ended within 30 s" e2e_wait_quiet -relay

# A filter that died would have taken smtpd down with it.
t_check "smtpd still running after the sessions" e2e_alive "$E2E_SMTPD_PID"
t_check "smtpd still greets after the sessions" e2e_banner "$E2E_PORT" 20
sleep 0.2

# Stop smtpd: the stream is complete; both filters see EOF and exit.
e2e_stop_smtpd
NREP=$(e2e_reported)
e2e_wait_lines "$R" "$NREP" 15
e2e_stop_rsyslog
NREC=$(wc -l < "$R" 2>/dev/null || echo 0)
echo "e2e: smtpd reported $NREP events; rsyslogd wrote $NREC records"

if [ -n "$capture" ]; then
	python3 "$E2E_HERE/split-streams.py" "$RAW" "$T_TOP/tests/streams" \
	    "$E2E_RELAY_PORT"
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
# print true.
jqt() {
	case $SCENARIOS in
	*" ${1%%:*} "*)	wanted "${1%%:*}" || return 0 ;;
	esac
	if [ "$(jq -s "$JQ_DEFS $2" "$R" 2>&1)" = true ]; then
		t_ok "$1"
	else
		t_fail "$1"
		jq -s "$JQ_DEFS $2" "$R" 2>&1 | head -3 | cut -c1-300 >&2
	fi
	return 0
}

# -- the file as a whole
t_check "rsyslogd wrote records" test -s "$R"
bad=$(jq -nR '[inputs | (try fromjson catch null) | select(type != "object")]
    | length' "$R" 2>&1)
t_check "every line is one JSON object ($bad bad)" test "$bad" = 0
n=$(LC_ALL=C grep -c '[^ -~]' "$R")
t_check "every line is printable ASCII ($n not)" test "$n" = 0
n=$(LC_ALL=C awk 'length($0) > 8000' "$R" | wc -l)
t_check "every line is at most 8000 bytes ($n longer)" test "$n" = 0
# A second opinion from json-c (built by make check-e2e).
if [ -x "$T_TOP/tests/unit/jsoncheck" ]; then
	t_check "jsoncheck: json-c parses every line, ASCII, within the cap" \
	    "$T_TOP/tests/unit/jsoncheck" -s 8000 "$R"
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
"$FILTER" -o "$E2E_DIR/replay.json" < "$RAW" > /dev/null 2>&1
t_check "syslog records identical to a replay through -o" \
    cmp -s "$E2E_DIR/replay.json" "$R"

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
    and .observer.version == "6.8.0p2"
    and (.opensmtpd.session.id | test("^[0-9a-f]{16}$"))
    and .opensmtpd.protocol_version == "0.6")'
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
jqt "helo: method HELO" 'sc("helo") | act("link-identify") | one
    | .opensmtpd.helo.method == "HELO"
    and .opensmtpd.helo.identity == "s-helo.client.test"'
jqt "helo: committed message" 'sc("helo") | act("tx-commit") | length == 1'

# -- AUTH without TLS: refused, never a credential in a record
jqt "auth: refused, no link-auth" 'sc("auth")
    | (act("link-auth") | length == 0)
    and (act("protocol-client") | map(.opensmtpd.protocol.line // ""
        | select(startswith("AUTH"))) | length == 4)
    and (act("protocol-server") | map(.opensmtpd.protocol.line // ""
        | select(startswith("503 "))) | length == 4)'
cred=$(python3 -c 'import sys; sys.path.insert(0, sys.argv[1])
import client as c
for s in (c.AUTH_PLAIN, c.AUTH_LOGIN_USER, c.AUTH_LOGIN_PASS, c.AUTH_PASS,
          c.AUTH_USER):
    print(s.decode())' "$E2E_HERE")
echo "$cred" > "$E2E_DIR/credentials"
t_check "auth: the raw stream did carry a credential (test is not void)" \
    grep -qF "$(echo "$cred" | head -1)" "$RAW"
n=$(cat "$R" "$E2E_DIR/rsyslog/other.log" 2>/dev/null |
    grep -cF -f "$E2E_DIR/credentials")
t_check "auth: no credential string in any record ($n lines)" test "$n" = 0

# -- several recipients, one refused
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
jqt "big: size of a 1 MB message" 'sc("big") | act("tx-commit") | one
    | .opensmtpd.tx.size >= 1048576 and .event.outcome == "success"'

# -- client gone in the middle of DATA
jqt "abort: rollback, no commit, disconnect" 'sc("abort")
    | (act("tx-commit") | length == 0)
    and (act("tx-data") | one | .event.outcome == "success")
    and (act("tx-rollback") | one | .event.outcome == "failure")
    and (act("link-disconnect") | one | .event.duration | num)'

# -- 8-bit bytes and pipes
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

# -- 150 recipients: records over the size cap are cut down, not cut off
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
jqt "socket: source.address of the local socket" '
    sessions(.source.address == "unix:/var/run/smtpd.sock")
    | length > 0
    and all(.[]; .source.address == "unix:/var/run/smtpd.sock"
        and .source.ip == null and .source.port == null)
    and (act("tx-commit") | one | .email.to.address == ["bob@example.test"])'

# -- 100 concurrent sessions
jqt "concurrent: 100 sessions open at once, 100 commits, 100 disconnects" '
    sessions((.opensmtpd.helo.identity // "") | startswith("s-concurrent-"))
    | (ids(true) | length == 100)
    and (act("tx-commit") | length == 100)
    and (act("link-disconnect") | length == 100)
    and ((map(.event.action) | index("tx-begin")) as $b
        | .[:$b] | act("link-identify") | length == 100)'

# Anything the filter said on stderr is in smtpd's log.
if grep -q '^jsonlog: ' "$E2E_DIR/smtpd.log"; then
	echo "e2e: filter-jsonlog wrote to stderr:" >&2
	grep '^jsonlog: ' "$E2E_DIR/smtpd.log" | head -10 >&2
fi
[ "$T_FAIL" = 0 ] || E2E_KEEP=1
echo "e2e: $(($(date +%s) - START)) s"
t_done
