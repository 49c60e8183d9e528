# One line per message from the transaction summaries (-r tx), then the count by result.
# usage: jq -r -n -f examples/jq/messages.jq FILE
[inputs | select(.event.dataset == "opensmtpd.transaction")] as $t
| (["time", "direction", "message", "from", "accepted", "refused", "bytes",
    "result", "reply", "seconds"] | @tsv),
  ($t[] | [."@timestamp", .event.provider, .email.local_id // "",
           (.email.from.address // [""])[0], .opensmtpd.tx.accepted_count,
           .opensmtpd.tx.rejected_count, .opensmtpd.tx.size // "",
           .opensmtpd.tx.result,
           ([.opensmtpd.reply.code, .opensmtpd.reply.enhanced]
            | map(select(. != null) | tostring) | join(" ")),
           (if .event.duration then (.event.duration / 1e6 | floor) / 1e3
            else "" end)] | @tsv),
  "",
  (["result", "messages"] | @tsv),
  ($t | group_by(.opensmtpd.tx.result)[]
   | [.[0].opensmtpd.tx.result, length] | @tsv)
