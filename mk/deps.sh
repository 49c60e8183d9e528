#!/bin/sh
# Make sure the Debian packages a target needs are installed.
# Name the exact command that installs what is missing, and fail; only
# when asked (DEPS=install in the environment, as root: CI, make demo,
# make check DEPS=install) install it with apt-get.
# Usage: [DEPS=install] mk/deps.sh build|check|demo|bench
set -u

profile=${1:-build}
build="gcc make pkg-config libjson-c-dev libevent-dev"
case $profile in
build)	want="$build" ;;
check)	want="$build jq python3 valgrind clang libclang-rt-14-dev opensmtpd \
	    rsyslog logrotate swaks nodejs npm curl unzip maven openssl \
	    ca-certificates debian-archive-keyring \
	    openjdk-17-jre-headless rsyslog-elasticsearch debootstrap python3-yaml \
	    python3-jsonschema" ;;
demo)	want="$build jq python3 opensmtpd rsyslog swaks" ;;
bench)	want="$build jq python3 rsyslog" ;;
*)	echo "usage: mk/deps.sh build|check|demo|bench" >&2; exit 2 ;;
esac

# Debian's dpkg database is the authority where there is one.
if ! command -v dpkg-query >/dev/null 2>&1; then
	exit 0
fi

missing=
for p in $want; do
	case $p in
	# node and npm may come from elsewhere than Debian: a working
	# command is enough.
	nodejs)	command -v node >/dev/null 2>&1 && continue ;;
	npm)	command -v npm >/dev/null 2>&1 && continue ;;
	# The same for Java and Maven (an image may bring its own).
	openjdk-17-jre-headless)
		command -v java >/dev/null 2>&1 && continue ;;
	maven)	command -v mvn >/dev/null 2>&1 && continue ;;
	# A python3 that imports the module is enough (pyenv, a venv).
	python3-yaml)
		python3 -c 'import yaml' 2>/dev/null && continue ;;
	python3-jsonschema)
		python3 -c 'import jsonschema' 2>/dev/null && continue ;;
	esac
	s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
	[ "$s" = "install ok installed" ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "${DEPS:-}" != install ] || [ "$(id -u)" != 0 ]; then
	echo "filter-jsonlog: missing Debian packages:$missing" >&2
	echo "install them with:" >&2
	echo "    sudo apt-get install -y --no-install-recommends$missing" >&2
	[ "$profile" = check ] &&
	    echo "(or, as root: make check DEPS=install)" >&2
	exit 1
fi

echo "deps: installing$missing" >&2
# opensmtpd and rsyslog start system daemons from their postinst; a
# policy-rc.d that says no keeps this machine's ports and /dev/log alone.
made_policy=
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	made_policy=1
fi
export DEBIAN_FRONTEND=noninteractive
rc=0
apt-get update -qq >&2 || rc=$?
[ $rc = 0 ] && { apt-get install -y -qq --no-install-recommends $missing \
    >&2 || rc=$?; }
[ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d
if [ $rc != 0 ]; then
	echo "deps: apt-get failed ($rc)" >&2
	exit 1
fi
exit 0
