# Shared by the test scripts (sourced, POSIX sh).
# t_ok/t_fail count results; t_done prints "<suite>: N passed, M failed",
# appends the counts to tests/out/results for the make check summary, and
# returns non-zero when something failed.  A runner that takes test names
# sets T_RERUN (its command); t_fail then notes "$T_RERUN NAME" in
# tests/out/rerun, NAME being T_NAME or what its message has before ':'.

T_PASS=0
T_FAIL=0
T_SUITE=${T_SUITE:-tests}
T_TOP=$(cd "$(dirname "$0")" && git rev-parse --show-toplevel 2>/dev/null ||
    (cd "$(dirname "$0")/../.." && pwd))

t_ok() {
	T_PASS=$((T_PASS + 1))
	[ -n "${T_VERBOSE:-}" ] && echo "ok - $*"
	return 0
}

t_fail() {
	T_FAIL=$((T_FAIL + 1))
	echo "FAIL - $*" >&2
	if [ -n "${T_RERUN:-}" ]; then
		_m=$*
		mkdir -p "$T_TOP/tests/out"
		echo "$T_RERUN ${T_NAME:-${_m%%:*}}" >> "$T_TOP/tests/out/rerun"
	fi
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

t_done() {
	mkdir -p "$T_TOP/tests/out"
	echo "$T_SUITE $T_PASS $T_FAIL" >> "$T_TOP/tests/out/results"
	echo "$T_SUITE: $T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" = 0 ]
}
