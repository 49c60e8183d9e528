#!/bin/sh
# Profile filter-jsonlog on a generated realistic stream (issue 5).
#
#   sh tests/bench/profile.sh [callgrind|perf] [events] [open-sessions]
#
# callgrind (default): instructions per function, exclusive and
#   inclusive, from valgrind; deterministic, 100k events take ~5 s.
# perf: cpu-clock samples (this VM has no hardware counters, so `perf
#   stat -e instructions` is "not supported", but sampling on the
#   software clock works); includes cache misses and the kernel.
# Needs ./filter-jsonlog and tests/bench/gen (make filter-jsonlog
# tests/bench/gen).  Output: tests/out/profile.{callgrind,perf}.*
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
tool=${1:-callgrind}
events=${2:-100000}
k=${3:-200}
filter=${FILTER:-./filter-jsonlog}
mkdir -p tests/out
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fj-prof.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

if [ "$k" -gt 1000 ]; then
	# Open k sessions first, so the profile sees a full table.
	tests/bench/gen -k "$k" -n "$events" -w "$tmp/warm" > "$tmp/main" ||
	    exit 1
	cat "$tmp/warm" "$tmp/main" > "$tmp/stream"
	rm -f "$tmp/warm" "$tmp/main"
else
	tests/bench/gen -k "$k" -n "$events" > "$tmp/stream" || exit 1
fi

case $tool in
callgrind)
	out=tests/out/profile.callgrind.out
	valgrind -q --tool=callgrind --callgrind-out-file="$out" \
	    "$filter" -o /dev/null -n 250000 < "$tmp/stream" > /dev/null ||
	    exit 1
	echo "== exclusive (instructions per function)"
	callgrind_annotate "$out" | sed -n '/file:function/,$p' | head -30
	echo "== inclusive"
	callgrind_annotate --inclusive=yes "$out" |
	    sed -n '/file:function/,$p' | head -30
	echo "(callgrind_annotate --auto=yes $out src/render.c: per line)"
	;;
perf)
	out=tests/out/profile.perf.data
	perf record -q -e cpu-clock -F 4000 -o "$out" \
	    "$filter" -o /dev/null -n 250000 < "$tmp/stream" > /dev/null ||
	    exit 1
	perf report -i "$out" --no-children --sort sym --stdio 2>/dev/null |
	    grep '%' | head -40
	;;
*)
	echo "usage: profile.sh [callgrind|perf] [events] [open-sessions]" >&2
	exit 2
	;;
esac
