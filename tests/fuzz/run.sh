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
	echo "fuzz: $*" >&2
	t_fail "fuzz setup: $1"
	t_done
	exit 1
}

# ---- toolchain ----------------------------------------------------------
command -v "$CLANG" >/dev/null 2>&1 ||
    die_setup "clang not found: install clang and libclang-rt-14-dev" \
    "(sh mk/deps.sh check does, as root)"
mkdir -p "$bd" || die_setup "cannot create $bd"
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' \
    > "$bd/probe.c"
"$CLANG" -fsanitize=fuzzer,address,undefined -o "$bd/probe" "$bd/probe.c" \
    > "$bd/probe.log" 2>&1 ||
    die_setup "clang cannot link -fsanitize=fuzzer,address,undefined" \
    "(libFuzzer missing? install libclang-rt-14-dev): $(head -3 "$bd/probe.log")"
rm -f "$bd/probe" "$bd/probe.c" "$bd/probe.log"

# ---- build --------------------------------------------------------------
rev=$(git -C "$top" rev-parse --short HEAD 2>/dev/null)
[ -n "$(git -C "$top" status --porcelain -- src include 2>/dev/null)" ] &&
    rev="$rev+local"
JSONC_CFLAGS=$(pkg-config --cflags json-c 2>/dev/null)
JSONC_LIBS=$(pkg-config --libs json-c 2>/dev/null || echo -ljson-c)
COMPAT=$(sh "$top/mk/compat.sh" "$CLANG")
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
CFL="-g -O1 -fno-omit-frame-pointer $SAN -I$top/include $COMPAT \
    -DFJ_VERSION=\"fuzz\" $JSONC_CFLAGS"
objs=
built=1
for src in src/protocol.c src/session.c src/render.c src/escape.c \
    src/stats.c src/log.c src/filter.c src/compat/*.c; do
	[ -f "$top/$src" ] || continue
	o=$bd/$(echo "$src" | tr / _ | sed 's/\.c$/.o/')
	if ! $CLANG $CFL -fsanitize=fuzzer-no-link -c "$top/$src" -o "$o" \
	    2> "$o.log"; then
		cat "$o.log" >&2
		built=0
	fi
	objs="$objs $o"
done
# The harness itself without coverage: its checks are not the target, and
# their branches would only make noise in the corpus.
if [ $built = 1 ] && $CLANG $CFL -c "$fz/fuzz_stream.c" \
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
log=$bd/fuzz-$mode.log
echo "fuzz: $budget s ($mode), log in $log" >&2
"$fuzz" -max_total_time="$budget" -timeout=20 -rss_limit_mb=2048 \
    -max_len="${FUZZ_MAX_LEN:-16384}" -dict="$fz/dict" -artifact_prefix="$bd/" \
    -print_final_stats=1 "$bd/corpus" "$fz/corpus" "$bd/seeds" \
    > "$log" 2>&1
rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
echo "fuzz: ${runs:-?} executions in ${secs:-?} s, ${cov:-cov: ?}" >&2
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $mode runs=${runs:-?} secs=${secs:-?}" \
    "${cov:-} rc=$rc src=${rev:-?}" \
    >> "$bd/history"
if [ $rc = 0 ]; then
	t_ok "no finding in ${runs:-?} executions"
else
	grep -v '^#' "$log" | tail -60 >&2
	echo "fuzz: the input is in $bd/crash-* (or leak-*, timeout-*," \
	    "oom-*); reproduce with $fuzz FILE" >&2
	t_fail "fuzzing found a defect (rc $rc)"
fi
t_done
