# Per hour (UTC): incoming sessions, messages accepted, recipients accepted, bytes; messages relayed.
# usage: jq -r -n -f examples/jq/volume-per-hour.jq FILE
reduce (inputs | [.["@timestamp"][0:13] + ":00Z", .event.provider, .event.action,
                  .event.outcome, .opensmtpd.tx.size]) as [$h, $p, $a, $o, $size] ({};
  .[$h] |= (. // {})
  | if $p == "smtp-in" and $a == "link-connect" then .[$h].sessions += 1
  elif $p == "smtp-in" and $a == "tx-commit" then .[$h].messages += 1 | .[$h].bytes += ($size // 0)
  elif $p == "smtp-in" and $a == "tx-rcpt" and $o == "success" then .[$h].recipients += 1
  elif $p == "smtp-out" and $a == "tx-commit" then .[$h].relayed += 1
  else . end)
| (["hour", "sessions", "messages", "recipients", "bytes", "relayed"] | @tsv),
  (to_entries | sort_by(.key)[]
   | [.key, .value.sessions // 0, .value.messages // 0, .value.recipients // 0,
      .value.bytes // 0, .value.relayed // 0] | @tsv)
