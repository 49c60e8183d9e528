#!/bin/sh
# make demo: see filter-jsonlog work, on this machine, in half a minute.
#
# Brings up rsyslogd (private socket) and OpenSMTPD on 127.0.0.1:2525 with
# ./filter-jsonlog attached (tests/e2e/lib.sh, the same pair the end-to-end
# tests use), sends a handful of mails, shows a few of the JSON records
# rsyslogd wrote and a summary computed with examples/jq/summary.jq, keeps
# the record file, and stops everything it started.
# Run as root: smtpd binds its ports and drops privileges itself.
set -u
. "$(dirname "$0")/lib.sh"

TOP=$(cd "$E2E_HERE/../.." && pwd)
FILTER=${E2E_FILTER:-$TOP/filter-jsonlog}
OUT=$TOP/tests/out/demo
SUMMARY=$TOP/examples/jq/summary.jq
CLIENT="python3 $E2E_HERE/client.py"

trap e2e_cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

say() {
	printf '%s\n' "$*"
}

# send DESCRIPTION CMD...: one mail (or session); stop the demo if it fails.
send() {
	say "  - $1"
	shift
	if ! "$@" > "$E2E_DIR/client.log" 2>&1; then
		cat "$E2E_DIR/client.log" >&2
		e2e_log "that mail failed; smtpd's log is $E2E_DIR/smtpd.log"
		E2E_KEEP=1
		exit 1
	fi
}

# show TITLE JQ: print the records the jq program selects, pretty.
show() {
	say ""
	say "== $1"
	say "   jq '$2' records.json"
	jq "$2" "$R"
}

e2e_init "$FILTER" || exit 1
say "Starting rsyslogd and OpenSMTPD on 127.0.0.1:$E2E_PORT with filter-jsonlog"
say "(smtpd.conf: filter jsonlog proc-exec \"filter-jsonlog -S <rsyslog socket>\")"
e2e_start || exit 1
R=$E2E_DIR/rsyslog/records.json

say ""
say "Sending mail:"
send "alice@example.org -> bob@example.test (swaks)" \
    swaks --server "127.0.0.1:$E2E_PORT" --ehlo mail.example.org \
    --from alice@example.org --to bob@example.test \
    --header 'Subject: Lunch?'
send "alice -> bob, mallory@unknown.invalid (refused), carol" \
    $CLIENT "$E2E_PORT" rcpt
send "alice -> bob@remote.test, relayed to 127.0.0.1:$E2E_RELAY_PORT (smtp-out)" \
    $CLIENT "$E2E_PORT" relay
send "two messages and an RSET in one session" $CLIENT "$E2E_PORT" rset
send "an AUTH attempt without TLS (refused; the filter masks it)" \
    $CLIENT "$E2E_PORT" auth
send "root -> bob@example.test with sendmail (the local socket)" \
    sh -c 'printf "%s\n" "Subject: cron output" "" "all good" |
    "$1/bin/sendmail" -f root@example.test bob@example.test' sh "$E2E_DIR"

say ""
say "Waiting for the relay's smtp-out session to close (smtpd keeps it"
say "open ~10 s in case more mail comes)..."
e2e_wait_quiet -relay
# Every mail was delivered (to /dev/null) or relayed: nothing stays queued.
e2e_queue_drain || e2e_log "the demo left mail in the queue (named above)"
e2e_stop_smtpd
e2e_wait_lines "$R" "$(e2e_reported)" 15
e2e_stop_rsyslog

mkdir -p "$OUT"
cp "$R" "$OUT/records.json"
cp "$E2E_DIR/capture/raw.stream" "$OUT/raw.stream"
R=$OUT/records.json

show "The commit of the message with a refused recipient (one whole record)" \
    'select(.event.action == "tx-commit"
    and .opensmtpd.tx.rcpt_rejected != null)'
show "The refused recipient as it happened" \
    'select(.event.action == "tx-rcpt" and .event.outcome == "failure")
    | {"@timestamp", event: (.event | {action, outcome, reason}),
      session: .opensmtpd.session.id, helo: .opensmtpd.helo.identity,
      recipient: .opensmtpd.tx.rcpt[-1].address}'
show "The relayed message leaving (smtp-out), joined by email.local_id" \
    'select(.event.provider == "smtp-out" and .event.action == "tx-commit")
    | {"@timestamp", event: (.event | {provider, action, outcome,
      duration}), email, destination, size: .opensmtpd.tx.size}'
show "The AUTH attempt, masked" \
    'select(.opensmtpd.protocol.line // "" | startswith("AUTH PLAIN"))
    | .opensmtpd.protocol.line'

say ""
say "== Summary: jq -r -n -f examples/jq/summary.jq records.json"
if [ -f "$SUMMARY" ]; then
	jq -r -n -f "$SUMMARY" "$R"
else
	say "(examples/jq/summary.jq is missing from this checkout)"
fi

say ""
say "$(wc -l < "$R") records from $(grep -c '^report|' "$OUT/raw.stream") reported events."
say "All records:    $R"
say "The raw stream: $OUT/raw.stream"
say "Try: jq -c 'select(.event.action == \"link-disconnect\")" \
    "| [.opensmtpd.session.id, .event.duration]' $R"
