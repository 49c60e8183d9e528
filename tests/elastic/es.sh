#!/bin/sh
# A local, single-node Elasticsearch for the tests (and for trying the
# templates and dashboards' queries by hand).
#
#   sh tests/elastic/es.sh fetch        get the engine into the cache
#   sh tests/elastic/es.sh start DIR    start one node; data, logs, config
#                                       and pid in DIR; wait for green;
#                                       the last line of stdout is its URL
#   sh tests/elastic/es.sh stop DIR     stop it by its PID and wait
#   sh tests/elastic/es.sh url DIR      the URL of a node started in DIR
#   sh tests/elastic/es.sh versions     the 8.x versions Maven Central serves
#
# Exit status: 0 done; 1 failed (the engine did not start, a bad
# argument ...); 3 no engine to be had: not in the cache and Maven Central
# unreachable (or mvn missing).  A test suite counts status 3 as "not run".
#
# The engine is Elastic's test distribution from Maven Central,
# org.elasticsearch.distribution.integ-test-zip:elasticsearch:<version>:zip
# (fetched with mvn, kept in ~/.m2 and unpacked under the cache, so the
# next run needs no network).  It has no bundled JDK: ES_JAVA_HOME is the
# machine's Java 17.  It carries the server and x-pack core/security only,
# none of the default distribution's other modules (ingest processors,
# painless, mapper-extras, data-stream APIs, GeoIP, ILM): what the tests
# cannot exercise for that reason they say, one line each.
#
# Environment:
#   ES_VERSION    engine version (default below: the newest 8.x served
#                 when this was written; `versions` lists what is served)
#   FJ_CACHE      cache root (default /var/cache/filter-jsonlog); the
#                 engine is unpacked in $FJ_CACHE/elasticsearch/
#   ES_HEAP       JVM heap (default 512m)
#   ES_JAVA_HOME  Java for the engine (default: Java 17 under /usr/lib/jvm)
#   ES_USER       system user the node runs as when started by root
#                 (default fj-elastic, created if missing: Elasticsearch
#                 refuses to run as root)
#   ES_OFFLINE=1  never ask Maven Central, use the cache or ~/.m2 only
#
# The node listens on 127.0.0.1 only, at a port the kernel picks (HTTP and
# transport), never downloads GeoIP databases, never joins anything.
set -u

ES_VERSION=${ES_VERSION:-8.19.21}
FJ_CACHE=${FJ_CACHE:-/var/cache/filter-jsonlog}
ES_HEAP=${ES_HEAP:-512m}
ES_USER=${ES_USER:-fj-elastic}
GA=org.elasticsearch.distribution.integ-test-zip:elasticsearch
DEP_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1
M2=${M2_REPO:-$HOME/.m2/repository}

say() {
	echo "es.sh: $*" >&2
}

usage() {
	sed -n '2,/^set -u/p' "$0" | sed -e '/^set -u/d' -e 's/^# \{0,1\}//' >&2
	exit 1
}

# engine_dir VERSION: where that version is unpacked.
engine_dir() {
	echo "$FJ_CACHE/elasticsearch/elasticsearch-$1"
}

java_home() {
	if [ -n "${ES_JAVA_HOME:-}" ]; then
		echo "$ES_JAVA_HOME"
		return
	fi
	for j in /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/java-17-openjdk* \
	    /usr/lib/jvm/temurin-25-jdk-amd64; do
		[ -x "$j/bin/java" ] && { echo "$j"; return; }
	done
	j=$(command -v java 2>/dev/null) && dirname "$(dirname "$(readlink -f "$j")")"
}

# fetch: make sure $(engine_dir $ES_VERSION) holds the engine; print it.
# Status 3 when it cannot be had.
fetch() {
	d=$(engine_dir "$ES_VERSION")
	if [ -x "$d/bin/elasticsearch" ]; then
		echo "$d"
		return 0
	fi
	zip=$M2/org/elasticsearch/distribution/integ-test-zip/elasticsearch/$ES_VERSION/elasticsearch-$ES_VERSION.zip
	if [ ! -s "$zip" ]; then
		if [ -n "${ES_OFFLINE:-}" ]; then
			say "Elasticsearch $ES_VERSION is neither in $d nor in $M2 (ES_OFFLINE set)"
			return 3
		fi
		if ! command -v mvn >/dev/null 2>&1; then
			say "Elasticsearch $ES_VERSION is not in $d, and mvn is missing" \
			    "to fetch it (sh mk/deps.sh check installs maven)"
			return 3
		fi
		say "fetching $GA:$ES_VERSION:zip from Maven Central (about 100 MB)"
		if ! mvn -B -q "$DEP_PLUGIN:get" -Dtransitive=false \
		    "-Dartifact=$GA:$ES_VERSION:zip" > "${TMPDIR:-/tmp}/es-fetch.$$.log" 2>&1 ||
		    [ ! -s "$zip" ]; then
			tail -n 5 "${TMPDIR:-/tmp}/es-fetch.$$.log" >&2
			rm -f "${TMPDIR:-/tmp}/es-fetch.$$.log"
			say "cannot fetch Elasticsearch $ES_VERSION (no network to Maven" \
			    "Central?) and it is not cached in $d"
			return 3
		fi
		rm -f "${TMPDIR:-/tmp}/es-fetch.$$.log"
	fi
	if ! command -v unzip >/dev/null 2>&1 && ! command -v python3 >/dev/null 2>&1; then
		say "need unzip or python3 to unpack $zip"
		return 1
	fi
	mkdir -p "$FJ_CACHE/elasticsearch" || return 1
	t=$(mktemp -d "$FJ_CACHE/elasticsearch/.unpack.XXXXXX") || return 1
	if command -v unzip >/dev/null 2>&1; then
		unzip -q "$zip" -d "$t"
	else
		python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$zip" "$t"
	fi || { rm -rf "$t"; say "cannot unpack $zip"; return 1; }
	# Python's zipfile drops the modes.
	chmod 755 "$t/elasticsearch-$ES_VERSION/bin/"* 2>/dev/null
	chmod -R a+rX "$t"
	if [ ! -x "$t/elasticsearch-$ES_VERSION/bin/elasticsearch" ]; then
		rm -rf "$t"
		say "$zip does not hold elasticsearch-$ES_VERSION/bin/elasticsearch"
		return 1
	fi
	# Another run may have unpacked it meanwhile: keep the first.
	[ -e "$d" ] || mv "$t/elasticsearch-$ES_VERSION" "$d" 2>/dev/null
	[ -x "$d/bin/elasticsearch" ] || { rm -rf "$t"; say "cannot unpack into $d"; return 1; }
	rm -rf "$t"
	echo "$d"
}

# versions: the 8.x releases Maven Central lists (resolves the artifact's
# maven-metadata.xml through a version range of a throw-away pom).
versions() {
	t=$(mktemp -d) || return 1
	cat > "$t/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.filter-jsonlog</groupId><artifactId>es-versions</artifactId>
  <version>1</version><packaging>pom</packaging>
  <dependencies><dependency>
    <groupId>org.elasticsearch.distribution.integ-test-zip</groupId>
    <artifactId>elasticsearch</artifactId>
    <version>[8.0.0,9.0.0)</version><type>pom</type>
  </dependency></dependencies>
</project>
EOF
	(cd "$t" && mvn -B -q -U "$DEP_PLUGIN:resolve" -DexcludeTransitive=true \
	    > "$t/log" 2>&1)
	meta=$M2/org/elasticsearch/distribution/integ-test-zip/elasticsearch/maven-metadata-central.xml
	rm -rf "$t"
	[ -s "$meta" ] || { say "no maven-metadata.xml (network?)"; return 3; }
	sed -n 's/.*<version>\(8\.[^<]*\)<\/version>.*/\1/p' "$meta"
}

# alive PID: the process exists and is not a zombie.
alive() {
	[ -n "$1" ] && [ -d "/proc/$1" ] &&
	    ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

ensure_user() {
	id -u "$ES_USER" >/dev/null 2>&1 && return 0
	useradd --system --no-create-home --home-dir /nonexistent \
	    --shell /usr/sbin/nologin "$ES_USER" 2>/dev/null ||
	    adduser --system --no-create-home "$ES_USER" >/dev/null 2>&1 ||
	    id -u "$ES_USER" >/dev/null 2>&1 ||
	    { say "cannot create the system user $ES_USER"; return 1; }
}

start() {
	dir=$1
	mkdir -p "$dir" || return 1
	dir=$(cd "$dir" && pwd)
	if [ -f "$dir/es.pid" ] && alive "$(cat "$dir/es.pid")"; then
		say "a node already runs from $dir (pid $(cat "$dir/es.pid"))"
		return 1
	fi
	home=$(fetch) || return $?
	jh=$(java_home)
	if [ -z "$jh" ] || [ ! -x "$jh/bin/java" ]; then
		say "no Java found (set ES_JAVA_HOME)"
		return 1
	fi
	rm -rf "$dir/config" "$dir/logs" "$dir/tmp"
	mkdir -p "$dir/data" "$dir/logs" "$dir/tmp" "$dir/config/ingest-geoip"
	cp -R "$home/config/." "$dir/config/"
	# Only settings the modules present know: an unknown one is fatal.
	{
		echo "# written by tests/elastic/es.sh"
		echo "cluster.name: filter-jsonlog-test"
		echo "node.name: fj-node"
		echo "path.data: $dir/data"
		echo "path.logs: $dir/logs"
		echo "network.host: 127.0.0.1"
		echo "http.port: 0"
		echo "transport.port: 0"
		echo "node.portsfile: true"
		echo "discovery.type: single-node"
		echo "cluster.routing.allocation.disk.threshold_enabled: false"
		echo "action.destructive_requires_name: false"
		[ -d "$home/modules/x-pack-security" ] &&
		    echo "xpack.security.enabled: false"
		[ -d "$home/modules/ingest-geoip" ] &&
		    echo "ingest.geoip.downloader.enabled: false"
		[ -d "$home/modules/x-pack-ml" ] && echo "xpack.ml.enabled: false"
		[ -d "$home/modules/apm" ] && echo "telemetry.metrics.enabled: false"
	} > "$dir/config/elasticsearch.yml"
	# Extra GeoIP databases (*.mmdb) a caller put in DIR/geoip/.
	for f in "$dir"/geoip/*.mmdb; do
		[ -f "$f" ] && cp "$f" "$dir/config/ingest-geoip/"
	done
	rm -f "$dir/es.pid" "$dir/url" "$dir/logs/http.ports"
	run_as=
	if [ "$(id -u)" = 0 ]; then
		ensure_user || return 1
		chown -R "$ES_USER:" "$dir"
		chmod 755 "$dir"
		if command -v setpriv >/dev/null 2>&1 &&
		    ! setpriv --reuid="$ES_USER" --regid="$(id -g "$ES_USER")" --clear-groups \
		    test -w "$dir/config"; then
			say "$ES_USER cannot reach $dir (a parent directory is closed to it)"
			return 1
		fi
		run_as="setpriv --reuid=$ES_USER --regid=$(id -g "$ES_USER") --clear-groups --"
		command -v setpriv >/dev/null 2>&1 ||
		    run_as="su -s /bin/sh $ES_USER -c"
	fi
	# -d: the launcher returns once the node runs (or failed); the node
	# writes its own pid to es.pid.
	(
		cd "$dir/logs" || exit 1
		export ES_HOME="$home" ES_PATH_CONF="$dir/config" ES_JAVA_HOME="$jh" \
		    ES_TMPDIR="$dir/tmp" ES_JAVA_OPTS="-Xms$ES_HEAP -Xmx$ES_HEAP ${ES_EXTRA_JAVA_OPTS:-}"
		unset JAVA_HOME
		if [ "$run_as" = "su -s /bin/sh $ES_USER -c" ]; then
			su -s /bin/sh "$ES_USER" -c "ES_HOME='$home' ES_PATH_CONF='$dir/config' ES_JAVA_HOME='$jh' ES_TMPDIR='$dir/tmp' ES_JAVA_OPTS='$ES_JAVA_OPTS' '$home/bin/elasticsearch' -d -p '$dir/es.pid'"
		else
			# shellcheck disable=SC2086
			$run_as "$home/bin/elasticsearch" -d -p "$dir/es.pid"
		fi
	) > "$dir/launcher.log" 2>&1 < /dev/null
	rc=$?
	i=0
	while [ ! -s "$dir/logs/http.ports" ] && [ $i -lt 600 ]; do
		if [ $i -gt 20 ] && { [ ! -s "$dir/es.pid" ] || ! alive "$(cat "$dir/es.pid")"; }; then
			break
		fi
		sleep 0.1
		i=$((i + 1))
	done
	if [ ! -s "$dir/logs/http.ports" ]; then
		say "Elasticsearch did not start (launcher status $rc); its output:"
		tail -n 20 "$dir/launcher.log" >&2
		tail -n 20 "$dir/logs/filter-jsonlog-test.log" 2>/dev/null >&2
		stop "$dir" 2>/dev/null
		return 1
	fi
	hp=$(head -n 1 "$dir/logs/http.ports")
	url="http://$hp"
	# Green: every shard assigned.  A DIR reused with indices of one
	# replica stays yellow on one node: that is said, and accepted.
	i=0
	st=
	while [ $i -lt 180 ]; do
		curl -s -o "$dir/health.json" "$url/_cluster/health" 2>/dev/null
		st=$(sed -n 's/.*"status":"\([a-z]*\)".*/\1/p' "$dir/health.json" 2>/dev/null)
		[ "$st" = green ] && break
		if [ "$st" = yellow ] && grep -q '"unassigned_primary_shards":0' "$dir/health.json" &&
		    grep -q '"initializing_shards":0' "$dir/health.json"; then
			say "yellow: replicas of existing indices in $dir cannot be assigned on one node"
			break
		fi
		sleep 0.5
		i=$((i + 1))
	done
	case $st in
	green|yellow) ;;
	*)	say "Elasticsearch at $url did not become green:"
		cat "$dir/health.json" >&2 2>/dev/null
		stop "$dir"
		return 1 ;;
	esac
	echo "$url" > "$dir/url"
	# This build has no GET / (the rest-root module): ask the node.
	ver=$(curl -sf "$url/_nodes/_local?filter_path=nodes.*.version" |
	    sed -n 's/.*"version" *: *"\([^"]*\)".*/\1/p' | head -n 1)
	echo "${ver:-unknown}" > "$dir/version"
	say "Elasticsearch ${ver:-?} (pid $(cat "$dir/es.pid"), heap $ES_HEAP, java $jh) at $url"
	echo "$url"
}

stop() {
	dir=$1
	[ -f "$dir/es.pid" ] || return 0	# nothing runs from there
	pid=$(cat "$dir/es.pid")
	case $pid in ''|*[!0-9]*) say "bad pid in $dir/es.pid"; return 1 ;; esac
	if alive "$pid"; then
		kill -TERM "$pid" 2>/dev/null
		i=0
		while alive "$pid" && [ $i -lt 600 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		if alive "$pid"; then
			say "Elasticsearch ($pid) ignored TERM for 60 s; killing it"
			kill -KILL "$pid" 2>/dev/null
			sleep 0.5
		fi
	fi
	rm -f "$dir/es.pid" "$dir/url"
	return 0
}

[ $# -ge 1 ] || usage
case $1 in
fetch)		fetch ;;
versions)	versions ;;
start)		[ $# = 2 ] || usage; start "$2" ;;
stop)		[ $# = 2 ] || usage; stop "$2" ;;
url)		[ $# = 2 ] || usage; cat "$2/url" ;;
*)		usage ;;
esac
