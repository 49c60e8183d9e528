# Per envelope sender: messages accepted, recipients, distinct recipient domains (smtp-in tx-commit).
# usage: jq -r -n -f examples/jq/sender-fanout.jq FILE
[inputs | select(.event.provider == "smtp-in" and .event.action == "tx-commit")
 | {from: (.email.from.address // ["(unknown)"] | .[0]), to: (.email.to.address // [])}]
| group_by(.from)
| map([.[0].from, length, (map(.to | length) | add),
       (map(.to[] | ascii_downcase | sub("^.*@"; "")) | unique | length)])
| sort_by(-.[2], .[0])
| (["sender", "messages", "recipients", "domains"], .[]) | @tsv
