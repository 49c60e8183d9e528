#!/bin/sh
# Sum the per-suite counts of a make check run; fail if any suite failed
# or did not report at all.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
res=$top/tests/out/results
want="unit golden e2e examples robust asan fuzz"
pass=0 fail=0 skip=0
for s in $want; do
	# A suite may report in parts: "e2e:6.8.0p2", "e2e:7.6.0-portable".
	if ! grep -q "^$s[ :]" "$res" 2>/dev/null; then
		echo "summary: suite $s did not report (it failed to run)" >&2
		fail=$((fail + 1))
	fi
done
if [ -f "$res" ]; then
	while read -r name p f s; do
		s=${s:-0}
		if [ "$s" = 0 ]; then
			printf '  %-20s %5d passed %5d failed\n' "$name" "$p" "$f"
		else
			printf '  %-20s %5d passed %5d failed %5d NOT RUN\n' \
			    "$name" "$p" "$f" "$s"
		fi
		pass=$((pass + p))
		fail=$((fail + f))
		skip=$((skip + s))
	done < "$res"
fi
if [ "$skip" = 0 ]; then
	echo "check: $pass passed, $fail failed"
else
	echo "check: $pass passed, $fail failed, $skip NOT RUN (see NOT RUN above)"
fi
[ "$fail" = 0 ]
