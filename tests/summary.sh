#!/bin/sh
# Sum the per-suite counts of a make check run; fail if any suite failed
# or did not report at all.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
res=$top/tests/out/results
want="unit golden e2e examples elastic package robust asan fuzz"
pass=0 fail=0
for s in $want; do
	# A suite may report in parts: "e2e:6.8.0p2", "e2e:7.6.0-portable".
	if ! grep -q "^$s[ :]" "$res" 2>/dev/null; then
		echo "summary: suite $s did not report (it failed to run)" >&2
		fail=$((fail + 1))
	fi
done
if [ -f "$res" ]; then
	while read -r name p f; do
		printf '  %-20s %5d passed %5d failed\n' "$name" "$p" "$f"
		pass=$((pass + p))
		fail=$((fail + f))
	done < "$res"
fi
# Checks a suite could not run here (no engine, a module it lacks): never
# counted as passed, listed by the suite itself.
notrun=0
if [ -s "$top/tests/out/notrun" ]; then
	while read -r name n; do
		[ "$n" -gt 0 ] && printf '  %-20s %5d not run (tests/out/%s/notrun.txt)\n' "$name" "$n" "$name"
		notrun=$((notrun + n))
	done < "$top/tests/out/notrun"
fi
if [ "$notrun" = 0 ]; then
	echo "check: $pass passed, $fail failed"
else
	echo "check: $pass passed, $fail failed, $notrun skipped"
fi
if [ "$fail" != 0 ] && [ -s "$top/tests/out/rerun" ]; then
	echo "rerun one failure on its own (make first):"
	sort -u "$top/tests/out/rerun" | head -n 20 | sed 's/^/    /'
elif [ "$fail" != 0 ]; then
	echo "rerun one suite: make check-unit (-golden, -e2e, -examples," \
	    "-elastic, -package, -robust, -asan, -fuzz); each runner takes test names"
fi
[ "$fail" = 0 ]
