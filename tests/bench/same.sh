#!/bin/sh
# Same output, byte for byte: run two builds of filter-jsonlog on the same
# generated streams (0.6 and 0.7, a steady state of many sessions), the
# golden inputs and the captured streams, under several option sets, and
# compare the sha256 of what each wrote.  Used around every change to the
# renderer (issue 15: the fragment cache must not change a byte).
#
#   sh tests/bench/same.sh OLD [NEW] [events]
#
# NEW defaults to ./filter-jsonlog, events to 200000.  Exit 1 on any
# difference (the first differing lines are shown).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
old=${1:?usage: same.sh OLD [NEW] [events]}
new=${2:-$top/filter-jsonlog}
events=${3:-200000}
gen=$top/tests/bench/gen
[ -x "$gen" ] || { echo "same: $gen missing (make tests/bench/gen)" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fj-same.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM

"$gen" -n "$events" -k 200 -p 0.6 -s 3 > "$tmp/g06" || exit 2
"$gen" -n "$events" -k 200 -p 0.7 -s 4 > "$tmp/g07" || exit 2
"$gen" -n "$events" -k 3000 -s 5 -w "$tmp/warm" > "$tmp/gk" || exit 2
cat "$tmp/warm" >> "$tmp/gk"
cat "$top"/tests/golden/*.in "$top"/tests/streams/*.stream > "$tmp/corpus"
streams="g06 g07 gk corpus"

rc=0
n=0
run() {	# stream, options...
	st=$1
	shift
	rm -f "$tmp/a" "$tmp/b"
	if ! "$old" "$@" -o "$tmp/a" < "$tmp/$st" > /dev/null 2> /dev/null &&
	    [ ! -e "$tmp/a" ]; then
		# an option OLD does not have yet (-P): nothing to compare
		echo "same: not compared (OLD refuses): $st $*"
		return
	fi
	"$new" "$@" -o "$tmp/b" < "$tmp/$st" > /dev/null 2> /dev/null
	n=$((n + 1))
	if ! cmp -s "$tmp/a" "$tmp/b"; then
		echo "same: DIFFERENT: $st $*"
		diff "$tmp/a" "$tmp/b" | head -6 | cut -c1-300
		rc=1
	fi
	rm -f "$tmp/a" "$tmp/b"
}
for st in $streams; do
	run "$st"
	run "$st" -s 1024
	run "$st" -s 2000
	run "$st" -n 1000
	run "$st" -n 50 -s 1024
	run "$st" -e link-connect,tx-commit,link-disconnect
	run "$st" -e protocol-client,protocol-server,filter-response
done
# each golden input with its own arguments
for in in "$top"/tests/golden/*.in; do
	args=
	[ -f "${in%.in}.args" ] && args=$(cat "${in%.in}.args")
	cp "$in" "$tmp/one"
	# shellcheck disable=SC2086
	run one $args
done
[ $rc = 0 ] && echo "same: $n runs, identical output"
exit $rc
