# How sessions ended (quit, disconnect, timeout, expired, evicted, shutdown), from the session summaries (-r session).
# usage: jq -r -n -f examples/jq/session-ends.jq FILE
[inputs | select(.event.dataset == "opensmtpd.session")]
| group_by([.event.provider, .opensmtpd.session.end_reason])
| (["direction", "end", "sessions", "messages", "refused rcpt", "error replies",
    "mean s", "max s"] | @tsv),
  (.[] | [.[0].event.provider, .[0].opensmtpd.session.end_reason, length,
          (map(.opensmtpd.session.message_count) | add),
          (map(.opensmtpd.session.rcpt_refused) | add),
          (map(.opensmtpd.session.error_replies) | add),
          (map(.event.duration // 0) | add / length / 1e6 | floor / 1e3),
          (map(.event.duration // 0) | max / 1e6 | floor / 1e3)] | @tsv)
