# The 10 longest sessions, both directions (event.duration of link-disconnect).
# usage: jq -r -n -f examples/jq/slowest-sessions.jq FILE
[inputs | select(.event.action == "link-disconnect" and .event.duration != null)]
| sort_by(-.event.duration, .opensmtpd.session.id) | .[:10]
| (["seconds", "direction", "session", "peer", "helo", "messages"] | @tsv),
  (.[] | [(.event.duration / 1e6 | floor) / 1e3, .event.provider, .opensmtpd.session.id,
          (if .event.provider == "smtp-out" then .destination.address else .source.address end) // "",
          .opensmtpd.helo.identity // "", .opensmtpd.session.message_count] | @tsv)
