# Incoming sessions that ended without a message accepted: client, HELO, commands, what went wrong.
# usage: jq -r -n -f examples/jq/no-mail-sessions.jq FILE
def count($n; $what): if ($n // 0) > 0 then "\($what): \($n)" else empty end;
def notes: [count(.auth; "auth failures"), count(.mail; "MAIL refused"),
            count(.rcpt; "RCPT refused"), count(.filter; "filter rejects"),
            count(.rollback; "transactions abandoned"), count(.timeout; "timeouts")]
           | if length == 0 then "no MAIL FROM" else join(", ") end;
(["session", "client", "rdns", "helo", "commands", "seconds", "notes"] | @tsv),
(foreach (inputs | select(.event.provider == "smtp-in")) as $r ({};
  ($r.opensmtpd.session.id) as $s
  | .emit = null
  | ({"link-auth": "auth", "tx-mail": "mail", "tx-rcpt": "rcpt", "filter-response": "filter",
      "tx-rollback": "rollback", "timeout": "timeout"}[$r.event.action]) as $k
  | if $k != null and $r.event.outcome == "failure" then .notes[$s][$k] += 1
    elif $r.event.action == "link-disconnect" then
      (if $r.opensmtpd.session.message_count == 0 then
        .emit = [$s, $r.source.address // "", $r.opensmtpd.link.rdns // "",
                 $r.opensmtpd.helo.identity // "", $r.opensmtpd.session.command_count,
                 (($r.event.duration // 0) / 1e6 | floor) / 1e3,
                 (.notes[$s] // {} | notes)]
       else . end)
      | del(.notes[$s])
    else . end;
  .emit // empty) | @tsv)
