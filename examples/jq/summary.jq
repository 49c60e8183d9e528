# Summary table: sessions, messages, recipients accepted and refused, TLS share, auth failures.
# usage: jq -r -n -f examples/jq/summary.jq FILE
def pct($n; $d): if $d == 0 then "-" else "\((100 * $n / $d + 0.5) | floor)%" end;
reduce inputs as $r ({in: {}, out: {}, tls: {}, n: {}};
  ($r.event.provider) as $p | ($r.event.action) as $a | ($r.opensmtpd.session.id) as $s
  | (if $p == "smtp-in" then .in[$s] = true elif $p == "smtp-out" then .out[$s] = true else . end)
  | (if $p == "smtp-in" and $r.tls.established == true then .tls[$s] = true else . end)
  | (if $p == "smtp-in" and $a == "tx-commit" then .n.messages += 1
     elif $p == "smtp-out" and $a == "tx-commit" then .n.relayed += 1
     elif $p == "smtp-in" and $a == "tx-rcpt" and $r.event.outcome == "success" then .n.rcpt_ok += 1
     elif $p == "smtp-in" and $a == "tx-rcpt" and $r.event.outcome == "failure" then .n.rcpt_fail += 1
     elif $p == "smtp-out" and $a == "tx-rcpt" and $r.event.outcome == "failure" then .n.out_fail += 1
     elif $a == "link-auth" and $r.event.outcome == "failure" then .n.auth_fail += 1
     else . end))
| (.in | length) as $sin | (.tls | length) as $stls
| ["sessions (smtp-in)", $sin],
  ["sessions (smtp-out)", (.out | length)],
  ["messages accepted", .n.messages // 0],
  ["messages relayed", .n.relayed // 0],
  ["recipients accepted", .n.rcpt_ok // 0],
  ["recipients refused", .n.rcpt_fail // 0],
  ["recipients refused remotely", .n.out_fail // 0],
  ["TLS share (smtp-in sessions)", "\(pct($stls; $sin)) (\($stls) of \($sin))"],
  ["auth failures", .n.auth_fail // 0]
| @tsv
