# Failed SMTP AUTH attempts by user name and client address.
# usage: jq -r -n -f examples/jq/auth-failures.jq FILE
[inputs | select(.event.action == "link-auth" and .event.outcome == "failure")
 | [.user.name // "(none)", .source.address // "(unknown)"]]
| group_by(.) | map([length] + .[0]) | sort_by(-.[0], .[1], .[2])
| (["failures", "user", "client"], .[]) | @tsv
