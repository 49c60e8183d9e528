#!/bin/sh
# A local, single-node OpenSearch with the ingest modules, assembled from
# Maven Central artifacts: the engine our ingest pipeline runs on in the
# tests, because Elasticsearch's test distribution (es.sh) has no ingest
# processors, painless or GeoIP, and Elastic does not publish those
# modules on Maven Central.
#
#   sh tests/elastic/opensearch.sh fetch      assemble the engine in the cache
#   sh tests/elastic/opensearch.sh start DIR  start one node; data, logs,
#                                             config and pid in DIR; wait for
#                                             green; last stdout line: its URL
#   sh tests/elastic/opensearch.sh stop DIR   stop it by its PID and wait
#   sh tests/elastic/opensearch.sh url DIR    the URL of a node started in DIR
#
# Exit status: 0 done; 1 failed; 3 no engine to be had (not cached, and
# Maven Central unreachable or mvn missing): a suite counts it "not run".
#
# What it is made of (all from Maven Central, through mvn, kept in $FJ_CACHE/m2):
#   org.opensearch.distribution.integ-test-zip:opensearch:V:zip
#       the server, with transport-netty4 as its only module
#   org.opensearch.plugin:lang-painless:V        -> modules/lang-painless/
#   org.opensearch.plugin:lang-mustache-client:V -> modules/lang-mustache/
#       ({{{_ingest.timestamp}}} in set's value is a mustache template)
#   org.opensearch.plugin:ingest-common:V        -> modules/ingest-common/
#       (extends lang-painless: painless `if` conditions and `script`)
#   org.opensearch.plugin:ingest-geoip:V         -> modules/ingest-geoip/
#   org.elasticsearch:geolite2-databases:20191119
#       the GeoLite2 City/Country/ASN databases OpenSearch's build bundles
#       into the ingest-geoip module (November 2019 data)
# with their runtime dependencies (those not already in lib/).  Each
# module directory gets a plugin-descriptor.properties written here (the
# keys OpenSearch's PluginInfo reads; classname and extended.plugins as in
# the module's build.gradle, checked against the jar) and, where the
# module's sources have one, a plugin-security.policy with the same
# permissions.
#
# Environment:
#   OS_VERSION    engine version (default 2.19.6; it runs on Java 17)
#   FJ_CACHE      cache root (default /var/cache/filter-jsonlog); the engine
#                 is assembled in $FJ_CACHE/opensearch-ingest/
#   OS_HEAP       JVM heap (default 512m)
#   OS_JAVA_HOME  Java for the engine (default: Java 17 under /usr/lib/jvm)
#   ES_OFFLINE=1  never ask Maven Central, use the cache or $FJ_CACHE/m2 only
#   M2_REPO       Maven's repository (default $FJ_CACHE/m2, never ~/.m2)
#   MVN_TIMEOUT   seconds mvn may run (default 600; then: no engine)
#
# Started by root, the node runs as nobody (uid/gid 65534, setpriv), as
# es.sh's; tests/elastic/node.sh has what the two share.
#
# The node listens on 127.0.0.1 only, at ports the kernel picks.
set -u

OS_VERSION=${OS_VERSION:-2.19.6}
FJ_CACHE=${FJ_CACHE:-/var/cache/filter-jsonlog}
OS_HEAP=${OS_HEAP:-512m}
GEOLITE=org.elasticsearch:geolite2-databases:20191119
DEP_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1
NODE_NAME=OpenSearch
NODE_PID=os.pid
NODE_JAVA_VAR=OS_JAVA_HOME
. "$(dirname "$0")/node.sh"

engine_dir() {
	echo "$FJ_CACHE/opensearch-ingest/opensearch-$1"
}

java_home() {
	node_java_home "${OS_JAVA_HOME:-}" /usr/lib/jvm/temurin-21-jdk-amd64
}

# module NAME ARTIFACT CLASSNAME EXTENDED DESCRIPTION JARPATTERNS...:
# modules/NAME/ of the engine being assembled in $t, from the jars in
# $t/jars matching the patterns; the descriptor written here.
module() {
	name=$1 art=$2 cls=$3 ext=$4 desc=$5
	shift 5
	m=$t/opensearch-$OS_VERSION/modules/$name
	mkdir -p "$m"
	for p in "$art-$OS_VERSION" "$@"; do
		found=
		for j in "$t/jars/"$p.jar; do
			[ -f "$j" ] || continue
			found=1
			# Already on the server's class path: a second copy is a
			# jar hell error.
			[ -e "$t/opensearch-$OS_VERSION/lib/$(basename "$j")" ] && continue
			cp "$j" "$m/"
		done
		[ -n "$found" ] || { say "no jar $p.jar for module $name"; return 1; }
	done
	# The class must be in the module's jar (renamed in later versions).
	unzip -l "$m/$art-$OS_VERSION.jar" 2>/dev/null | grep -q " $(echo "$cls" | tr . /).class\$" ||
	    { say "$art-$OS_VERSION.jar has no class $cls"; return 1; }
	{
		echo "# written by tests/elastic/opensearch.sh (the keys of OpenSearch's PluginInfo)"
		echo "description=$desc"
		echo "version=$OS_VERSION"
		echo "name=$name"
		echo "classname=$cls"
		echo "java.version=11"
		echo "opensearch.version=$OS_VERSION"
		echo "custom.foldername="
		echo "extended.plugins=$ext"
		echo "has.native.controller=false"
	} > "$m/plugin-descriptor.properties"
}

# policy NAME PERMISSION...: modules/NAME/plugin-security.policy.
policy() {
	name=$1
	shift
	{
		echo "// written by tests/elastic/opensearch.sh: the permissions the module's sources grant"
		echo "grant {"
		for p in "$@"; do
			echo "  permission $p;"
		done
		echo "};"
	} > "$t/opensearch-$OS_VERSION/modules/$name/plugin-security.policy"
}

# fetch: make sure $(engine_dir $OS_VERSION) holds the engine with its
# modules; print it.  Status 3 when it cannot be had.
fetch() {
	d=$(engine_dir "$OS_VERSION")
	if [ -x "$d/bin/opensearch" ] && [ -f "$d/modules/ingest-common/plugin-descriptor.properties" ]; then
		echo "$d"
		return 0
	fi
	if ! command -v mvn >/dev/null 2>&1; then
		say "OpenSearch $OS_VERSION is not in $d, and mvn is missing to fetch it"
		return 3
	fi
	command -v unzip >/dev/null 2>&1 || { say "unzip is needed to assemble the engine"; return 1; }
	mkdir -p "$FJ_CACHE/opensearch-ingest" || return 1
	t=$(mktemp -d "$FJ_CACHE/opensearch-ingest/.assemble.XXXXXX") || return 1
	cat > "$t/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.filter-jsonlog</groupId><artifactId>opensearch-ingest</artifactId>
  <version>1</version><packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.opensearch.distribution.integ-test-zip</groupId><artifactId>opensearch</artifactId><version>$OS_VERSION</version><type>zip</type></dependency>
    <dependency><groupId>org.opensearch.plugin</groupId><artifactId>lang-painless</artifactId><version>$OS_VERSION</version></dependency>
    <dependency><groupId>org.opensearch.plugin</groupId><artifactId>lang-mustache-client</artifactId><version>$OS_VERSION</version></dependency>
    <dependency><groupId>org.opensearch.plugin</groupId><artifactId>ingest-common</artifactId><version>$OS_VERSION</version></dependency>
    <dependency><groupId>org.opensearch.plugin</groupId><artifactId>ingest-geoip</artifactId><version>$OS_VERSION</version></dependency>
    <dependency><groupId>${GEOLITE%%:*}</groupId><artifactId>geolite2-databases</artifactId><version>${GEOLITE##*:}</version></dependency>
  </dependencies>
</project>
EOF
	off=
	[ -n "${ES_OFFLINE:-}" ] && off=-o
	[ -z "$off" ] && say "fetching OpenSearch $OS_VERSION and its ingest modules from Maven Central (about 150 MB, once)"
	# shellcheck disable=SC2086
	if ! (cd "$t" && node_mvn -B -q $off "$DEP_PLUGIN:copy-dependencies" \
	    -DoutputDirectory="$t/jars" > "$t/mvn.log" 2>&1); then
		tail -n 5 "$t/mvn.log" >&2
		rm -rf "$t"
		say "cannot fetch OpenSearch $OS_VERSION and its modules (no network to Maven Central?)"
		return 3
	fi
	unzip -q "$t/jars/opensearch-$OS_VERSION.zip" -d "$t" &&
	    [ -x "$t/opensearch-$OS_VERSION/bin/opensearch" ] ||
	    { rm -rf "$t"; say "cannot unpack opensearch-$OS_VERSION.zip"; return 1; }
	module lang-painless lang-painless org.opensearch.painless.PainlessPlugin "" \
	    "painless scripting language" \
	    'antlr4-runtime-*' 'asm-*' "opensearch-scripting-painless-spi-$OS_VERSION" &&
	policy lang-painless 'java.lang.RuntimePermission "createClassLoader"' \
	    'java.lang.RuntimePermission "getClassLoader"' &&
	module lang-mustache lang-mustache-client org.opensearch.script.mustache.MustachePlugin "" \
	    "mustache templates" 'compiler-*' &&
	policy lang-mustache 'java.lang.RuntimePermission "accessDeclaredMembers"' &&
	module ingest-common ingest-common org.opensearch.ingest.common.IngestCommonPlugin lang-painless \
	    "common ingest processors" \
	    "opensearch-grok-$OS_VERSION" "opensearch-dissect-$OS_VERSION" 'joni-*' 'jcodings-*' &&
	module ingest-geoip ingest-geoip org.opensearch.ingest.geoip.IngestGeoIpPlugin "" \
	    "geoip processor" 'geoip2-*' 'maxmind-db-*' 'jackson-annotations-*' 'jackson-databind-*' &&
	policy ingest-geoip 'java.lang.RuntimePermission "accessDeclaredMembers"' \
	    'java.lang.reflect.ReflectPermission "suppressAccessChecks"' &&
	(cd "$t/opensearch-$OS_VERSION/modules/ingest-geoip" &&
	    unzip -q "$t/jars/geolite2-databases-${GEOLITE##*:}.jar" '*.mmdb') ||
	    { rm -rf "$t"; say "assembling the modules failed"; return 1; }
	chmod 755 "$t/opensearch-$OS_VERSION/bin/"*
	chmod -R a+rX "$t/opensearch-$OS_VERSION"
	rm -rf "$d"
	mv "$t/opensearch-$OS_VERSION" "$d" || { rm -rf "$t"; return 1; }
	rm -rf "$t"
	echo "$d"
}

# node_config: jvm.options and opensearch.yml.
node_config() {
	# jvm.options writes the GC log, heap dumps and crash files relative
	# to the working directory: into DIR instead.
	sed -e "s#file=logs/gc.log#file=$dir/logs/gc.log#" \
	    -e "s#HeapDumpPath=data#HeapDumpPath=$dir/tmp#" \
	    -e "s#ErrorFile=logs/#ErrorFile=$dir/logs/#" \
	    "$home/config/jvm.options" > "$dir/config/jvm.options" || return 1
	# The integ-test zip has no security plugin: no plugins.security.* here.
	{
		echo "# written by tests/elastic/opensearch.sh"
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
	} > "$dir/config/opensearch.yml"
}

node_exec() {
	export OPENSEARCH_HOME="$home" OPENSEARCH_PATH_CONF="$dir/config" \
	    OPENSEARCH_JAVA_HOME="$jh" OPENSEARCH_TMPDIR="$dir/tmp" \
	    OPENSEARCH_JAVA_OPTS="-Xms$OS_HEAP -Xmx$OS_HEAP"
	# shellcheck disable=SC2086
	$run_as "$home/bin/opensearch" -d -p "$dir/os.pid"
}

start() {
	node_start "$1" || return $?
	say "OpenSearch $OS_VERSION (pid $(cat "$dir/os.pid"), heap $OS_HEAP, java $jh) at $url"
	echo "$url"
}

stop() {
	node_stop "$1"
}

[ $# -ge 1 ] || usage
case $1 in
fetch)		fetch ;;
start)		[ $# = 2 ] || usage; start "$2" ;;
stop)		[ $# = 2 ] || usage; stop "$2" ;;
url)		[ $# = 2 ] || usage; cat "$2/url" ;;
*)		usage ;;
esac
