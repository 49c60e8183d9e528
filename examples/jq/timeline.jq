# A session as a timeline: time since its first record, event, and what it says.
# usage: jq -r -n --arg session 7a1c3e50b12f9d04 -f examples/jq/timeline.jq FILE
#        (without --arg: every session, each line led by its session id)
def secs: (.[0:19] + "Z" | fromdateiso8601) + (.[19:] | ltrimstr(".") | rtrimstr("Z")
           | if . == "" then 0 else ("0." + .) | tonumber end);
def usecs: "\(. / 1e6 | floor).\("00000\(. % 1000000)"[-6:])";
def detail:
  .event.action as $a
  | if $a == "link-connect" then
      "\(.source.address // "?") -> \(.destination.address // "?") rdns=\(.opensmtpd.link.rdns // "") fcrdns=\(.opensmtpd.link.fcrdns // "")"
    elif $a == "link-greeting" then .opensmtpd.link.greeting // ""
    elif $a == "link-identify" then "\(.opensmtpd.helo.method) \(.opensmtpd.helo.identity // "")"
    elif $a == "link-tls" then .opensmtpd.tls.raw // ""
    elif $a == "link-auth" then "\(.user.name // "") \(.opensmtpd.auth.result)"
    elif $a == "protocol-client" then "> " + (.opensmtpd.protocol.line // "(left out)")
    elif $a == "protocol-server" then "< " + (.opensmtpd.protocol.line // "(left out)")
    elif $a == "filter-response" then
      "\(.opensmtpd.filter.phase // "") \(.opensmtpd.filter.response // "") \(.opensmtpd.filter.param // "")"
    elif $a == "filter-report" then "\(.opensmtpd.filter.name // ""): \(.opensmtpd.filter.message // "")"
    elif $a == "tx-begin" or $a == "tx-reset" then .email.local_id // ""
    elif $a == "tx-mail" then "\(.email.from.address[0]? // "") \(.opensmtpd.tx.mail_result // "")"
    elif $a == "tx-rcpt" then
      if .event.outcome == "success" then "\(.email.to.address[-1]? // "") ok"
      else "\(.opensmtpd.tx.rcpt_rejected[-1]? // "") \(.event.reason)" end
    elif $a == "tx-envelope" then .opensmtpd.tx.envelope_ids[-1]? // ""
    elif $a == "tx-data" then .opensmtpd.tx.data_result // ""
    elif $a == "tx-commit" then "\(.opensmtpd.tx.size) bytes in \((.event.duration / 1e6 | floor) / 1e3) s"
    elif $a == "tx-rollback" then "\(.email.local_id // "") abandoned"
    elif $a == "link-disconnect" or $a == "timeout" then
      "after \(((.event.duration // 0) / 1e6 | floor) / 1e3) s, \(.opensmtpd.session.message_count) messages"
    elif .opensmtpd.unknown then .opensmtpd.params // ""
    else "" end
  | rtrimstr(" ");
($ARGS.named.session // null) as $want
| foreach (inputs | select($want == null or .opensmtpd.session.id == $want)) as $r ({};
    ($r.opensmtpd.session.id) as $s
    | ($r["@timestamp"] | secs) as $t
    | .start[$s] //= $t
    | .line = ([(if $want == null then $s else empty end),
                $r["@timestamp"][11:26],
                "+" + ((($t - .start[$s]) * 1e6 + 0.5 | floor) | usecs),
                $r.event.provider, $r.event.action, ($r | detail)] | @tsv);
    .line)
