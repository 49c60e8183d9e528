#!/bin/sh
# Run the unit test binaries given as arguments and add up their counts.
T_SUITE=${T_SUITE:-unit}
. "$(dirname "$0")/../lib.sh"
T_RERUN="sh tests/unit/run.sh"
for t in "$@"; do
	T_NAME=$t
	out=$("./$t" 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -v ': [0-9]* passed, [0-9]* failed$' >&2
	line=$(printf '%s\n' "$out" | grep ': [0-9]* passed, [0-9]* failed$' |
	    tail -n 1)
	p=$(echo "$line" | sed -n 's/.*: \([0-9]*\) passed.*/\1/p')
	f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed$/\1/p')
	if [ -z "$p" ]; then
		t_fail "$t did not finish (status $rc)"
		continue
	fi
	T_PASS=$((T_PASS + p))
	T_FAIL=$((T_FAIL + f))
	[ "$f" = 0 ] || echo "$T_RERUN $t" >> "$T_TOP/tests/out/rerun"
	[ "$rc" = 0 ] || [ "$f" != 0 ] || t_fail "$t exited $rc"
done
t_done
