#!/bin/sh
# Golden tests: each NAME.in (a raw stream, handshake included) goes
# through ./filter-jsonlog -o FILE (with the options in NAME.args), and
# the output must equal NAME.json byte for byte.  Also: stdout holds only
# register lines, every record passes jsoncheck, the filter exits 0.
# Each NAME.in starts with a "# golden: what it covers" line (the filter
# counts it as ignored).  With -regen, show each difference and ask
# before accepting it.
# Usage: sh tests/golden/run.sh [-regen] [NAME...]   (default: every NAME)
T_SUITE=${T_SUITE:-golden}
. "$(dirname "$0")/../lib.sh"
cd "$T_TOP" || exit 1
regen=
[ "${1:-}" = -regen ] && { regen=1; shift; }
out=tests/out/golden
mkdir -p "$out"
FILTER=${FILTER:-./filter-jsonlog}
T_RERUN="sh tests/golden/run.sh"
# the privacy-*.args name the test key of -K
t_privacy_key

if [ $# -gt 0 ]; then
	inputs=
	for n in "$@"; do
		n=$(basename "$n" .in)
		[ -f "tests/golden/$n.in" ] || { t_fail "$n: no tests/golden/$n.in"; continue; }
		inputs="$inputs tests/golden/$n.in"
	done
else
	inputs=$(ls tests/golden/*.in)
fi

for in in $inputs; do
	name=$(basename "$in" .in)
	args=
	[ -f "tests/golden/$name.args" ] && args=$(cat "tests/golden/$name.args")
	want=tests/golden/$name.json
	got=$out/$name.json
	rm -f "$got"
	# shellcheck disable=SC2086
	$FILTER $args -o "$got" < "$in" > "$out/$name.stdout" \
	    2> "$out/$name.stderr"
	rc=$?
	t_check "$name: exit status 0 (got $rc)" [ "$rc" = 0 ]
	t_check "$name: stdout holds register lines only" \
	    sh -c "! grep -v '^register|' '$out/$name.stdout' >/dev/null"
	cap=$(echo "$args" | sed -n 's/.*-s \([0-9]*\).*/\1/p')
	t_check "$name: every record valid, ASCII, under the cap" \
	    sh -c "./tests/unit/jsoncheck -s ${cap:-8000} $got >/dev/null"
	if [ ! -f "$want" ]; then
		if [ -n "$regen" ]; then
			cat "$got"
			printf 'accept new %s? [y/N] ' "$want"
			read -r a
			[ "$a" = y ] && cp "$got" "$want"
		else
			t_fail "$name: no $want (make regen)"
		fi
		continue
	fi
	if cmp -s "$want" "$got"; then
		t_ok "$name: output as expected"
	elif [ -n "$regen" ]; then
		diff -u "$want" "$got"
		printf 'accept the new %s? [y/N] ' "$want"
		read -r a
		[ "$a" = y ] && cp "$got" "$want"
	else
		diff -u "$want" "$got" | head -n 40 >&2
		t_fail "$name: output differs; to accept: cp $got $want"
	fi
done

# The leak check of -P (tests/golden/leak.py): the real streams and the
# leak paths, with -P all and without proto (the free texts kept, their
# addresses, users and ips replaced), summaries on: nothing of what the
# options hide may appear, the domains must.
if [ $# -eq 0 ]; then
	if command -v python3 >/dev/null 2>&1; then
		for in in tests/golden/real-*.in tests/golden/v0*.in \
		    tests/golden/e2e-*.in tests/golden/kibana-*.in \
		    tests/golden/corners.in tests/golden/odd.in \
		    tests/golden/privacy-paths.in; do
			name=$(basename "$in" .in)
			for p in all local,user,ip local user ip; do
				got=$out/leak-$name-$p.json
				rm -f "$got"
				# summaries too: they show the same state
				$FILTER -P $p -K "$out/privacy.key" -r tx,session -o "$got" \
				    < "$in" > /dev/null 2> "$out/leak-$name.stderr"
				if python3 tests/golden/leak.py "$in" "$got" "$p" \
				    > "$got.leaks"; then
					t_ok "leak: $name with -P $p"
				else
					cat "$got.leaks" >&2
					t_fail "leak: $name with -P $p shows what it hides"
				fi
			done
		done
	else
		t_skip "leak checks" "python3 not found"
	fi
fi
t_done
