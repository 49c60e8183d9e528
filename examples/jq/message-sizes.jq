# Sizes of messages accepted (tx-commit of smtp-in): count, total, min, median, max, and by size class.
# usage: jq -r -n -f examples/jq/message-sizes.jq FILE
[inputs | select(.event.provider == "smtp-in" and .event.action == "tx-commit")
 | .opensmtpd.tx.size | select(. != null)] | sort as $s
| (["messages", "bytes", "min", "median", "max"] | @tsv),
  ($s | if length == 0 then [0, 0, "-", "-", "-"]
        else [length, add, .[0], .[(length - 1) / 2 | floor], .[-1]] end | @tsv),
  "",
  (["size", "messages"] | @tsv),
  ([0, 10240, "< 10 KiB"], [10240, 102400, "10-100 KiB"], [102400, 1048576, "100 KiB-1 MiB"],
   [1048576, 10485760, "1-10 MiB"], [10485760, null, ">= 10 MiB"]
   | . as [$lo, $hi, $name]
   | [$name, ($s | map(select(. >= $lo and ($hi == null or . < $hi))) | length)] | @tsv)
