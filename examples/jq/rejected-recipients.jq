# Refused recipients with the reason: smtpd's result and reply, or the filter's response.
# usage: jq -r -n -f examples/jq/rejected-recipients.jq FILE
def addr: capture("<(?<a>[^>]*)>").a // .;
(["time", "direction", "session", "recipient", "result", "reply"] | @tsv),
(foreach inputs as $r ({};
  .emit = null
  | ($r.opensmtpd.session.id) as $s
  | if $r.event.action == "protocol-server" then .reply[$s] = $r.opensmtpd.protocol.line
    elif $r.event.action == "protocol-client" then .cmd[$s] = $r.opensmtpd.protocol.line
    elif $r.event.action == "tx-rcpt" and $r.event.outcome == "failure" then
      .emit = [$r."@timestamp", $r.event.provider, $s,
               ($r.opensmtpd.tx.rcpt_rejected // [] | .[-1]) // "(unknown)",
               $r.event.reason, .reply[$s] // ""]
    elif $r.event.action == "filter-response" and $r.opensmtpd.filter.phase == "rcpt-to"
         and $r.event.outcome == "failure" then
      .emit = [$r."@timestamp", $r.event.provider, $s,
               (.cmd[$s] // "" | addr), "filter " + $r.opensmtpd.filter.response,
               $r.opensmtpd.filter.param // ""]
    else . end;
  .emit // empty) | @tsv)
