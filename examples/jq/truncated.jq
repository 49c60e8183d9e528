# Records shortened to fit the size cap (opensmtpd.truncated): how many, on which event, what was left out.
# usage: jq -r -n -f examples/jq/truncated.jq FILE
[inputs | select(.opensmtpd.truncated == true)
 | [.event.action, (.opensmtpd.truncated_fields // [] | join(" "))]]
| group_by(.) | map([length] + .[0]) | sort_by(-.[0], .[1], .[2])
| (["records", "event", "fields_left_out"], .[]) | @tsv
