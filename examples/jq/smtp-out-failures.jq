# Outgoing delivery failures by destination: refused recipients, and sessions that never connected.
# usage: jq -r -n -f examples/jq/smtp-out-failures.jq FILE
[inputs | select(.event.provider == "smtp-out")
 | if .event.action == "tx-rcpt" and .event.outcome == "failure" then
     [.destination.address // "(unknown)", .opensmtpd.link.greeting // "", .event.reason,
      (.opensmtpd.tx.rcpt_rejected // [] | .[-1]) // "(unknown)"]
   elif .event.action == "link-disconnect" and .destination.address == null then
     ["(no connection)", "", "connect", ""]
   else empty end]
| group_by(.[0:3])
| map([length] + .[0][0:3] + [map(.[3]) | unique | map(select(. != "")) | join(" ")])
| sort_by(-.[0], .[1], .[3])
| (["failures", "destination", "server", "result", "recipients"], .[]) | @tsv
