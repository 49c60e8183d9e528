# Top HELO/EHLO names of incoming sessions, one count per session (on link-disconnect).
# usage: jq -r -n -f examples/jq/top-helo.jq FILE
[inputs | select(.event.provider == "smtp-in" and .event.action == "link-disconnect")
 | .opensmtpd.helo.identity // "(no HELO)"]
| group_by(.) | map([length, .[0]]) | sort_by(-.[0], .[1])
| (["sessions", "helo"], .[]) | @tsv
