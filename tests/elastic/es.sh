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
#   sh tests/elastic/es.sh versions     the 8.x and 9.x versions Maven Central
#                                       lists (it lists no 9.x, yet serves
#                                       some: see versions below)
#   sh tests/elastic/es.sh java         the Java the engine would run on
#
# Exit status: 0 done; 1 failed (the engine did not start, a bad
# argument ...); 3 no engine to be had: not in the cache and Maven Central
# unreachable (or mvn missing), or, for 9.x, no Java 21 or newer on the
# machine.  A test suite counts status 3 as "not run".
#
# The engine is Elastic's test distribution from Maven Central,
# org.elasticsearch.distribution.integ-test-zip:elasticsearch:<version>:zip
# (fetched with mvn into $FJ_CACHE/m2 and unpacked under the cache, so the
# next run needs no network).  It has no bundled JDK: ES_JAVA_HOME is the
# machine's Java 17 for 8.x, and for 9.x (which needs Java 21) the
# machine's Java of the lowest version from 21 on (Temurin 25 here).  Both
# lines carry the server and x-pack core/security only (9.2.0 the same four
# modules as 8.19.21: apm, transport-netty4, x-pack-core, x-pack-security),
# none of the default distribution's other modules (ingest processors,
# painless, mapper-extras, data-stream APIs, GeoIP, ILM, GET /): what the
# tests cannot exercise for that reason they say, one line each.  The same
# elasticsearch.yml serves both.
#
# Environment:
#   ES_VERSION    engine version (default below: the newest 8.x served
#                 when this was written; `versions` lists what is listed;
#                 9.2.0 is the newest 9.x whose zip was served then)
#   FJ_CACHE      cache root (default /var/cache/filter-jsonlog); the
#                 engine is unpacked in $FJ_CACHE/elasticsearch/
#   ES_HEAP       JVM heap (default 512m)
#   ES_JAVA_HOME  Java for the engine (default: 8.x Java 17 under
#                 /usr/lib/jvm; 9.x the lowest Java from 21 on there)
#   NODE_JVM_DIR  where to look for Javas instead of /usr/lib/jvm (9.x)
#   ES_OFFLINE=1  never ask Maven Central, use the cache or $FJ_CACHE/m2 only
#   M2_REPO       Maven's repository (default $FJ_CACHE/m2, never ~/.m2)
#   MVN_TIMEOUT   seconds mvn may run (default 600; then: no engine)
#
# Started by root, the node runs as nobody (uid/gid 65534, setpriv):
# Elasticsearch refuses to run as root.  tests/elastic/node.sh has what this
# shares with opensearch.sh.
#
# The node listens on 127.0.0.1 only, at a port the kernel picks (HTTP and
# transport), never downloads GeoIP databases, never joins anything.
set -u

ES_VERSION=${ES_VERSION:-8.19.21}
FJ_CACHE=${FJ_CACHE:-/var/cache/filter-jsonlog}
ES_HEAP=${ES_HEAP:-512m}
GA=org.elasticsearch.distribution.integ-test-zip:elasticsearch
DEP_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1
NODE_NAME=Elasticsearch
NODE_PID=es.pid
NODE_JAVA_VAR=ES_JAVA_HOME
. "$(dirname "$0")/node.sh"

# engine_dir VERSION: where that version is unpacked.
engine_dir() {
	echo "$FJ_CACHE/elasticsearch/elasticsearch-$1"
}

# java_home: the Java for $ES_VERSION; nothing when 9.x finds no Java 21+.
java_home() {
	case $ES_VERSION in
	[0-8].*)	node_java_home "${ES_JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 ;;
	*)		node_java_min 21 "${ES_JAVA_HOME:-}" ;;
	esac
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
		if ! node_mvn -B -q "$DEP_PLUGIN:get" -Dtransitive=false \
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

# versions: the 8.x and 9.x releases Maven Central lists (resolves the
# artifact's maven-metadata.xml through a version range of a throw-away
# pom).  The metadata lists no 9.x (its latest is 8.19.21), though
# Maven Central serves 9.x zips: 9.0.0, 9.1.5, 9.1.10 and 9.2.0 when this
# was written (not 9.1.8, 9.2.1, 9.2.3, 9.3.0); said on stderr.
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
    <version>[8.0.0,10.0.0)</version><type>pom</type>
  </dependency></dependencies>
</project>
EOF
	(cd "$t" && node_mvn -B -q -U "$DEP_PLUGIN:resolve" -DexcludeTransitive=true \
	    > "$t/log" 2>&1)
	meta=$M2/org/elasticsearch/distribution/integ-test-zip/elasticsearch/maven-metadata-central.xml
	rm -rf "$t"
	[ -s "$meta" ] || { say "no maven-metadata.xml (network?)"; return 3; }
	sed -n 's/.*<version>\([89]\.[^<]*\)<\/version>.*/\1/p' "$meta"
	grep -q '<version>9\.' "$meta" ||
	    say "maven-metadata.xml lists no 9.x; served, unlisted, when this was" \
		"written: 9.0.0 9.1.5 9.1.10 9.2.0 (ES_VERSION=9.2.0 sh $0 fetch)"
}

# node_config: elasticsearch.yml; GeoIP databases a caller put in DIR/geoip/.
node_config() {
	mkdir -p "$dir/config/ingest-geoip"
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
	for f in "$dir"/geoip/*.mmdb; do
		[ -f "$f" ] && cp "$f" "$dir/config/ingest-geoip/"
	done
	return 0
}

# node_exec: -d: the launcher returns once the node runs (or failed); the
# node writes its own pid to es.pid.
node_exec() {
	export ES_HOME="$home" ES_PATH_CONF="$dir/config" ES_JAVA_HOME="$jh" \
	    ES_TMPDIR="$dir/tmp" ES_JAVA_OPTS="-Xms$ES_HEAP -Xmx$ES_HEAP ${ES_EXTRA_JAVA_OPTS:-}"
	# shellcheck disable=SC2086
	$run_as "$home/bin/elasticsearch" -d -p "$dir/es.pid"
}

start() {
	case $ES_VERSION in
	[0-8].*) ;;
	*)	if [ -z "$(java_home)" ]; then
			say "Elasticsearch $ES_VERSION needs Java 21 or newer: none" \
			    "under ${NODE_JVM_DIR:-/usr/lib/jvm} nor on PATH (set ES_JAVA_HOME)"
			return 3
		fi ;;
	esac
	node_start "$1" || return $?
	# This build has no GET / (the rest-root module): ask the node.
	ver=$(node_curl -sf "$url/_nodes/_local?filter_path=nodes.*.version" |
	    sed -n 's/.*"version" *: *"\([^"]*\)".*/\1/p' | head -n 1)
	echo "${ver:-unknown}" > "$dir/version"
	say "Elasticsearch ${ver:-?} (pid $(cat "$dir/es.pid"), heap $ES_HEAP, java $jh) at $url"
	echo "$url"
}

stop() {
	node_stop "$1"
}

[ $# -ge 1 ] || usage
case $1 in
fetch)		fetch ;;
versions)	versions ;;
java)		java_home ;;
start)		[ $# = 2 ] || usage; start "$2" ;;
stop)		[ $# = 2 ] || usage; stop "$2" ;;
url)		[ $# = 2 ] || usage; cat "$2/url" ;;
*)		usage ;;
esac
