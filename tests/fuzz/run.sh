#!/bin/sh
# The libFuzzer target over the whole filter core (tests/fuzz/fuzz_stream.c).
#
#   sh tests/fuzz/run.sh          build, replay regress/ and the corpus, fuzz
#                                 for FUZZ_CHECK_SECONDS (default 60)
#   sh tests/fuzz/run.sh long     the same, fuzzing for FUZZ_SECONDS (3600)
#   sh tests/fuzz/run.sh build    build only
#
# The core sources are compiled here with the fuzzer's flags into
# FUZZ_BUILD (default tests/fuzz/build); the normal objects are not used.
# FUZZ_MAX_LEN (default 16384) bounds the inputs libFuzzer makes up.
# FUZZ_SANITIZE (default "address,undefined") picks the sanitizers; with
# FUZZ_SANITIZE=undefined the target runs several times faster (no ASan
# shadow memory, json-c not instrumented), for long runs; the harness's
# own checks on every record are the same.  Use another FUZZ_BUILD then.
# FUZZ_COVERAGE (default: libFuzzer's) adds -fsanitize-coverage flags to
# the filter's objects: "-fno-sanitize-coverage=trace-cmp" drops the
# comparison tracing (about a third of the time; the dictionary already
# gives the protocol's words).
# FUZZ_JOBS (default 1) fuzzing processes share one corpus directory.
# FUZZ_JSONC_EVERY (default 16): json-c parses every Nth record as well
# (the harness's own checker sees them all).
# Interrupted (^C, kill -INT), the run still counts its executions.
# Each fuzzing run appends its executions and seconds to FUZZ_BUILD/history.
# A crash leaves its input in FUZZ_BUILD/crash-*: minimise it, then add it
# to tests/fuzz/regress/ once the bug is fixed.
set -u
T_SUITE=fuzz
. "$(dirname "$0")/../lib.sh"

mode=${1:-check}
top=$T_TOP
fz=$top/tests/fuzz
bd=${FUZZ_BUILD:-$fz/build}
CLANG=${FUZZ_CC:-clang}
case $mode in
check)	budget=${FUZZ_CHECK_SECONDS:-60} ;;
long)	budget=${FUZZ_SECONDS:-3600} ;;
build)	budget=0 ;;
*)	echo "usage: tests/fuzz/run.sh [check|long|build]" >&2; exit 2 ;;
esac

die_setup() {
	if [ "$(uname -s)" != Linux ]; then
		# the regressions need libFuzzer, which some BSDs lack
		echo "fuzz: skipped on $(uname -s): $*"
		t_done
		exit 0
	fi
	echo "fuzz: $*" >&2
	t_fail "fuzz setup: $1"
	t_done
	exit 1
}

# ---- toolchain ----------------------------------------------------------
command -v "$CLANG" >/dev/null 2>&1 ||
    die_setup "clang not found: install clang and libclang-rt-14-dev" \
    "(DEPS=install sh mk/deps.sh check does, as root)"
mkdir -p "$bd" || die_setup "cannot create $bd"
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' \
    > "$bd/probe.c"
SANITIZE=${FUZZ_SANITIZE-address,undefined}
"$CLANG" -fsanitize=fuzzer${SANITIZE:+,$SANITIZE} -o "$bd/probe" "$bd/probe.c" \
    > "$bd/probe.log" 2>&1 ||
    die_setup "clang cannot link -fsanitize=fuzzer${SANITIZE:+,$SANITIZE}" \
    "(libFuzzer missing? install libclang-rt-14-dev): $(head -3 "$bd/probe.log")"
rm -f "$bd/probe" "$bd/probe.c" "$bd/probe.log"

# ---- build --------------------------------------------------------------
rev=$(git -C "$top" rev-parse --short HEAD 2>/dev/null)
[ -n "$(git -C "$top" status --porcelain -- src include 2>/dev/null)" ] &&
    rev="$rev+local"
JSONC_CFLAGS=$(pkg-config --cflags json-c 2>/dev/null)
JSONC_LIBS=$(pkg-config --libs json-c 2>/dev/null || echo -ljson-c)
COMPAT=$(sh "$top/mk/compat.sh" "$CLANG")
case $SANITIZE in
*address*)	SAN="-fsanitize=$SANITIZE" OPT=-O1 ;;
"")		SAN= OPT=-O2 ;;
*)		SAN="-fsanitize=$SANITIZE" OPT=-O2 ;;
esac
case $SANITIZE in
*undefined*)	SAN="$SAN -fno-sanitize-recover=undefined" ;;
esac
CFL="-g $OPT -fno-omit-frame-pointer $SAN -I$top/include $COMPAT \
    -DFJ_VERSION=\"fuzz\" $JSONC_CFLAGS"
objs=
built=1
for src in src/protocol.c src/table.c src/session.c src/mask.c \
    src/render.c src/ecs.c src/summary.c src/jsonw.c src/escape.c \
    src/privacy.c src/sha256.c \
    src/stats.c src/log.c src/filter.c src/compat/*.c; do
	[ -f "$top/$src" ] || continue
	o=$bd/$(echo "$src" | tr / _ | sed 's/\.c$/.o/')
	if ! $CLANG $CFL -fsanitize=fuzzer-no-link ${FUZZ_COVERAGE:-} -c "$top/$src" -o "$o" \
	    2> "$o.log"; then
		cat "$o.log" >&2
		built=0
	fi
	objs="$objs $o"
done
# The harness itself without coverage: its checks are not the target, and
# their branches would only make noise in the corpus.
if [ $built = 1 ] && $CLANG $CFL -DJSONC_EVERY="${FUZZ_JSONC_EVERY:-16}" \
    -c "$fz/fuzz_stream.c" \
    -o "$bd/fuzz_stream.o" 2> "$bd/link.log" &&
    $CLANG $CFL -fsanitize=fuzzer -o "$bd/fuzz_stream" "$bd/fuzz_stream.o" \
    $objs $JSONC_LIBS 2>> "$bd/link.log"; then
	t_ok "fuzz target builds"
else
	cat "$bd/link.log" >&2 2>/dev/null
	t_fail "fuzz target builds"
	t_done
	exit 1
fi
[ "$mode" = build ] && exit 0

fuzz=$bd/fuzz_stream
# libFuzzer's own output goes to files; only a failure shows it.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# ---- regressions: every input that ever crashed it -------------------------
for f in "$fz"/regress/*; do
	[ -f "$f" ] || continue
	if "$fuzz" -runs=1 -artifact_prefix="$bd/" "$f" \
	    > "$bd/regress.log" 2>&1; then
		t_ok "regress $(basename "$f")"
	else
		tail -40 "$bd/regress.log" >&2
		t_fail "regress $(basename "$f")"
	fi
done

# ---- seeds: the committed corpus, plus the golden and stream inputs ------
# Each seed is one settings byte (see fuzz_stream.c) and a stream.
mkdir -p "$bd/corpus" "$bd/seeds"
for f in "$top"/tests/golden/*.in "$top"/tests/streams/*.stream; do
	[ -f "$f" ] || continue
	b=$(basename "$f")
	{ printf '\037'; cat "$f"; } > "$bd/seeds/a-$b"
	{ printf '\100'; cat "$f"; } > "$bd/seeds/b-$b"
done
if "$fuzz" -runs=0 -artifact_prefix="$bd/" "$fz/corpus" "$bd/seeds" \
    > "$bd/replay.log" 2>&1; then
	t_ok "corpus replays clean ($(ls "$fz/corpus" "$bd/seeds" | wc -l) inputs)"
else
	tail -40 "$bd/replay.log" >&2
	t_fail "corpus replays clean"
fi

# ---- fuzz ---------------------------------------------------------------
jobs=${FUZZ_JOBS:-1}
echo "fuzz: $budget s ($mode), $jobs process(es), logs in $bd/fuzz-$mode*.log" >&2
fuzz_one() {
	"$fuzz" -max_total_time="$budget" -timeout=20 -rss_limit_mb=2048 \
	    -max_len="${FUZZ_MAX_LEN:-16384}" -dict="$fz/dict" \
	    -artifact_prefix="$bd/" -print_final_stats=1 \
	    "$bd/corpus" "$fz/corpus" "$bd/seeds" > "$1" 2>&1
}
t0=$(date +%s)
i=1 pids= logs=
while [ $i -le "$jobs" ]; do
	l=$bd/fuzz-$mode.log
	[ "$jobs" -gt 1 ] && l=$bd/fuzz-$mode-$i.log
	fuzz_one "$l" &
	pids="$pids $!" logs="$logs $l"
	i=$((i + 1))
done
# Stop the fuzzers too when this script is stopped.
trap 'kill $pids 2>/dev/null' INT TERM HUP
rc=0
for p in $pids; do
	wait "$p" || rc=$?
done
trap - INT TERM HUP
secs=$(($(date +%s) - t0))
runs=0 cov=
for l in $logs; do
	r=$(sed -n 's/^stat::number_of_executed_units: *//p' "$l" | tail -1)
	runs=$((runs + ${r:-0}))
	cov=$(grep -o 'cov: [0-9]*' "$l" | tail -1)
done
log=$(echo $logs | awk '{ print $1 }')
for l in $logs; do
	grep -q '^==[0-9]*==ERROR\|^SUMMARY\|deadly signal\|Test unit written' \
	    "$l" && log=$l
done
echo "fuzz: $runs executions in $secs s ($jobs process(es)," \
    "${SANITIZE:-no sanitizer}), ${cov:-cov: ?}" >&2
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $mode runs=$runs secs=$secs" \
    "jobs=$jobs san=${SANITIZE:-none} max_len=${FUZZ_MAX_LEN:-16384}" \
    "${cov:-} rc=$rc src=${rev:-?}" \
    >> "$bd/history"
# 72: libFuzzer interrupted, without a finding
if [ $rc = 72 ] && ! ls "$bd"/crash-* "$bd"/leak-* "$bd"/timeout-* \
    "$bd"/oom-* > /dev/null 2>&1; then
	echo "fuzz: interrupted" >&2
	rc=0
fi
# A corpus grown without ASan is replayed with it: what the fast build
# could not see (a read past a buffer that did not crash) shows there.
if [ $rc = 0 ] && [ "$mode" = long ]; then
	case $SANITIZE in
	*address*) ;;
	*)
		if ! FUZZ_BUILD=$bd/asan FUZZ_SANITIZE=address,undefined \
		    FUZZ_COVERAGE= sh "$0" build; then
			t_fail "ASan build for the corpus replay"
		elif "$bd/asan/fuzz_stream" -runs=0 -rss_limit_mb=4096 \
		    -artifact_prefix="$bd/" "$bd/corpus" \
		    > "$bd/asan-replay.log" 2>&1; then
			t_ok "the corpus ($(ls "$bd/corpus" | wc -l) inputs)" \
			    "replays clean under ASan and UBSan"
		else
			tail -40 "$bd/asan-replay.log" >&2
			t_fail "the corpus replays clean under ASan and UBSan"
		fi
		;;
	esac
fi
if [ $rc = 0 ]; then
	t_ok "no finding in $runs executions"
else
	grep -v '^#' "$log" | tail -60 >&2
	echo "fuzz: the input is in $bd/crash-* (or leak-*, timeout-*," \
	    "oom-*); reproduce with $fuzz FILE" >&2
	t_fail "fuzzing found a defect (rc $rc)"
fi
t_done
