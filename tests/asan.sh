#!/bin/sh
# The sanitizer pass: build the filter and the unit tests again with
# AddressSanitizer and UndefinedBehaviorSanitizer in a copy of the tree
# (tests/asan-build), then run the unit, golden and robust suites with them.
# Then ThreadSanitizer (tests/tsan-build): the file sink's writer thread
# and the filter sharing its queue, in the sink's unit tests, the golden
# streams and the robust cases that drive the writer (full disk, a stuck
# output, SIGHUP, summaries, stats).
# Usage: tests/asan.sh CC (make check uses clang; WERROR is passed on).
# Any sanitizer report fails the run.
set -u
cc=${1:-cc}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
if [ "$(uname -s)" != Linux ]; then
	echo "asan: skipped on $(uname -s): needs clang's AddressSanitizer" \
	    "runtime (libclang-rt)"
	mkdir -p tests/out
	echo "asan 0 0" >> tests/out/results
	exit 0
fi
b=tests/asan-build
rm -rf "$b"
mkdir -p "$b/tests"
cp -R Makefile mk src include "$b/"
cp -R tests/unit "$b/tests/"
rm -f "$b/tests/unit/test_protocol" "$b/tests/unit/test_session" \
    "$b/tests/unit/test_render" "$b/tests/unit/test_escape" \
    "$b/tests/unit/test_sink" "$b/tests/unit/test_privacy" \
    "$b/tests/unit/jsoncheck"
find "$b" -name '*.o' -exec rm -f {} +
san="-fsanitize=address,undefined -fno-sanitize-recover=all"
if ! make -s -C "$b" CC="$cc" HARDEN= WERROR="${WERROR:-}" \
    CFLAGS="-O1 -g -fno-omit-frame-pointer $san" LDFLAGS="$san" \
    all tests/unit/test_protocol tests/unit/test_session \
    tests/unit/test_render tests/unit/test_escape tests/unit/test_sink \
    tests/unit/test_privacy >"$b/build.log" 2>&1; then
	cat "$b/build.log" >&2
	mkdir -p tests/out
	echo "asan 0 1" >> tests/out/results
	echo "asan: 0 passed, 1 failed (the sanitizer build failed)"
	exit 1
fi
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=86
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
rc=0
T_SUITE=asan sh tests/unit/run.sh $b/tests/unit/test_protocol \
    $b/tests/unit/test_session $b/tests/unit/test_render \
    $b/tests/unit/test_escape $b/tests/unit/test_sink \
    $b/tests/unit/test_privacy || rc=1
T_SUITE=asan FILTER=$b/filter-jsonlog sh tests/golden/run.sh || rc=1
ROBUST_SANITIZED=1 ROBUST_FILTER=$b/filter-jsonlog T_SUITE=asan \
    sh tests/robust/run.sh || rc=1

# ---- ThreadSanitizer ---------------------------------------------------
t=tests/tsan-build
rm -rf "$t"
mkdir -p "$t/tests/unit"
cp -R Makefile mk src include "$t/"
cp tests/unit/*.c tests/unit/*.h "$t/tests/unit/"
find "$t" -name '*.o' -exec rm -f {} +
tsan="-fsanitize=thread"
if ! make -s -C "$t" CC="$cc" HARDEN= WERROR="${WERROR:-}" \
    CFLAGS="-O1 -g -fno-omit-frame-pointer $tsan" LDFLAGS="$tsan" \
    all tests/unit/test_sink >"$t/build.log" 2>&1; then
	cat "$t/build.log" >&2
	echo "asan 0 1" >> tests/out/results
	echo "asan: the ThreadSanitizer build failed"
	exit 1
fi
# A race report ends the program with status 66: the check fails.
export TSAN_OPTIONS=halt_on_error=1:exitcode=66:second_deadlock_stack=1
T_SUITE=asan sh tests/unit/run.sh $t/tests/unit/test_sink || rc=1
T_SUITE=asan FILTER=$t/filter-jsonlog sh tests/golden/run.sh || rc=1
ROBUST_SANITIZED=1 ROBUST_FILTER=$t/filter-jsonlog T_SUITE=asan \
    sh tests/robust/run.sh fulldisk stalled sighup summaries stats || rc=1
exit $rc
