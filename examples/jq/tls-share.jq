# TLS share of incoming sessions overall, and of accepted messages per recipient domain.
# usage: jq -r -n -f examples/jq/tls-share.jq FILE
def pct($n; $d): if $d == 0 then "-" else "\((100 * $n / $d + 0.5) | floor)%" end;
reduce (inputs | select(.event.provider == "smtp-in")) as $r
  ({sessions: {}, domains: {}};
   if $r.event.action == "link-disconnect" then
     .sessions[$r.opensmtpd.session.id] = ($r.tls.established == true)
   elif $r.event.action == "tx-commit" then
     reduce ($r.email.to.address // [] | map(ascii_downcase | sub("^.*@"; "")) | unique[]) as $d
       (.; .domains[$d].messages += 1
           | .domains[$d].tls += (if $r.tls.established == true then 1 else 0 end))
   else . end)
| (.sessions | [.[]] | length) as $n
| (.sessions | [.[] | select(.)] | length) as $t
| (["sessions", "tls", "plain", "tls_share"] | @tsv),
  ([$n, $t, $n - $t, pct($t; $n)] | @tsv),
  "",
  (["recipient_domain", "messages", "tls", "plain", "tls_share"] | @tsv),
  (.domains | to_entries | sort_by(-(.value.messages - .value.tls), .key)[]
   | [.key, .value.messages, .value.tls, .value.messages - .value.tls,
      pct(.value.tls; .value.messages)] | @tsv)
