#!/bin/sh
# Adversarial inputs and failing sinks against the real ./filter-jsonlog
# (make check-robust).  The cases are in robust.py; this counts them.
#
# Usage: sh tests/robust/run.sh [CASE...]
#   CASE: long nul bytes truncated fields ids unknown handshake sessions
#         rcpts timestamps credentials stdin options privacy flood socket fulldisk
#         stalled
#         sighup summaries syslog valgrind stats
# Environment: ROBUST_FILTER (default ./filter-jsonlog), T_VERBOSE=1,
# ROBUST_SANITIZED=1 when ROBUST_FILTER is an ASan build (looser memory
# bounds, no valgrind).
# The full-disk cases mount a tmpfs (root only; skipped otherwise).
set -u
T_SUITE=${T_SUITE:-robust}
. "$(dirname "$0")/../lib.sh"
t_linux_only "written for Linux: tmpfs mounts for the full-disk cases," \
    "Linux's socket errors and memory figures, valgrind"

BIN=${ROBUST_FILTER:-$T_TOP/filter-jsonlog}
WORK=$T_TOP/tests/out/robust
RES=$WORK/results
if [ ! -x "$BIN" ]; then
	t_fail "no $BIN: run make first"
	t_done
	exit 1
fi
if ! command -v python3 >/dev/null 2>&1; then
	t_fail "python3 not found (DEPS=install sh mk/deps.sh check installs it)"
	t_done
	exit 1
fi
mkdir -p "$WORK"
: > "$RES"

pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait; exit 1' INT TERM HUP
python3 "$T_TOP/tests/robust/robust.py" "$BIN" "$WORK" "$RES" "$@" &
pid=$!
wait "$pid"
rc=$?
pid=

T_RERUN="sh tests/robust/run.sh"
tab=$(printf '\t')
while IFS="$tab" read -r what name why case; do
	case $what in
	ok)	t_ok "$name" ;;
	fail)	T_NAME=$case t_fail "$name: $why" ;;
	skip)	t_skip "$name" "$why" ;;
	esac
done < "$RES"
[ "$rc" = 0 ] || t_fail "robust.py exited $rc"
t_done
