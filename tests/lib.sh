# Shared by the test scripts (sourced, POSIX sh).
# t_ok/t_fail count results; t_skip counts a part that could not run (it
# is neither a pass nor a failure: t_done adds "<suite> K" to
# tests/out/notrun, the reasons are in tests/out/<suite>/notrun.txt, and
# the summary lists them); t_done prints "<suite>: N passed, M failed[, K
# not run]", appends the counts to tests/out/results for the make check
# summary, and returns non-zero when something failed.  T_PREFIX, when
# set, starts every FAIL, NOT RUN and (T_VERBOSE) ok line.
# A runner that takes test names sets T_RERUN (its command); t_fail then
# notes "$T_RERUN NAME" in tests/out/rerun, NAME being T_NAME or what its
# message has before ':'.  T_OFF, when set, counts nothing (a part left
# out of the run by name).

T_PASS=0
T_FAIL=0
T_SKIP=0
T_PREFIX=${T_PREFIX:-}
T_SUITE=${T_SUITE:-tests}
T_TOP=$(cd "$(dirname "$0")" && git rev-parse --show-toplevel 2>/dev/null ||
    (cd "$(dirname "$0")/../.." && pwd))

t_ok() {
	[ -n "${T_OFF:-}" ] && return 0
	T_PASS=$((T_PASS + 1))
	[ -n "${T_VERBOSE:-}" ] && echo "ok - $T_PREFIX$*"
	return 0
}

t_fail() {
	[ -n "${T_OFF:-}" ] && return 0
	T_FAIL=$((T_FAIL + 1))
	echo "FAIL - $T_PREFIX$*" >&2
	if [ -n "${T_RERUN:-}" ]; then
		_m=$*
		mkdir -p "$T_TOP/tests/out"
		echo "$T_RERUN ${T_NAME:-${_m%%:*}}" >> "$T_TOP/tests/out/rerun"
	fi
	return 0
}

# t_skip WHAT WHY: WHAT could not run; say so, count it (not as passed).
t_skip() {
	T_SKIP=$((T_SKIP + 1))
	echo "NOT RUN - $T_PREFIX$1: $2" >&2
	mkdir -p "$T_TOP/tests/out/$T_SUITE"
	echo "$1: $2" >> "$T_TOP/tests/out/$T_SUITE/notrun.txt"
	return 0
}

# t_check DESCRIPTION COMMAND...: run a command, count its status.
t_check() {
	_d=$1
	shift
	if "$@"; then t_ok "$_d"; else t_fail "$_d"; fi
}

# t_linux_only WHY: off Linux, say that the suite is skipped and why, and
# end it (it counts nothing; make check's summary still sees it report).
t_linux_only() {
	_os=$(uname -s)
	[ "$_os" = Linux ] && return 0
	echo "$T_SUITE: skipped on $_os: $*"
	t_done
	exit 0
}

# t_privacy_key: the test key of -K (tests/golden/privacy.key, a test key
# only) where the golden .args name it, tests/out/golden/privacy.key, with
# the mode -K insists on (git checks files out readable by all).
t_privacy_key() {
	mkdir -p "$T_TOP/tests/out/golden"
	rm -f "$T_TOP/tests/out/golden/privacy.key"
	(umask 077 && cp "$T_TOP/tests/golden/privacy.key" \
	    "$T_TOP/tests/out/golden/privacy.key")
}

t_done() {
	mkdir -p "$T_TOP/tests/out"
	echo "$T_SUITE $T_PASS $T_FAIL" >> "$T_TOP/tests/out/results"
	[ "$T_SKIP" = 0 ] ||
	    echo "$T_SUITE $T_SKIP" >> "$T_TOP/tests/out/notrun"
	if [ "$T_SKIP" = 0 ]; then
		echo "$T_SUITE: $T_PASS passed, $T_FAIL failed"
	else
		echo "$T_SUITE: $T_PASS passed, $T_FAIL failed, $T_SKIP not run"
	fi
	[ "$T_FAIL" = 0 ]
}
