# What es.sh and opensearch.sh share (sourced, POSIX sh): Java, Maven, the
# unprivileged user, starting one node and waiting for green, stopping it.
#
# The sourcing script sets, before calling node_start or node_stop:
#   NODE_NAME   Elasticsearch or OpenSearch (in messages)
#   NODE_PID    the pid file's name in DIR (es.pid, os.pid)
#   FJ_CACHE    the cache root
# and defines
#   fetch               the engine's home on stdout; status 3: none to be had
#   node_config         DIR's config/ for the engine ($dir, $home are set)
#   node_exec           launch the engine, daemonized, writing $dir/$NODE_PID
#                       ($dir, $home, $jh set; $run_as is the prefix that
#                       drops root, empty otherwise)
#
# Started by root, the node runs as nobody (uid 65534, group nogroup 65534): the
# engines refuse to run as root, and nothing is added to the host.
# Maven's repository is $FJ_CACHE/m2 (M2_REPO overrides), never ~/.m2; every
# mvn run is bounded by MVN_TIMEOUT seconds (default 600) and each of its
# network reads by 60 s.

# say MESSAGE...: one line on stderr, named after the script.
say() {
	echo "${0##*/}: $*" >&2
}

# usage: the script's header comment.
usage() {
	sed -n '2,/^set -u/p' "$0" | sed -e '/^set -u/d' -e 's/^# \{0,1\}//' >&2
	exit 1
}

NODE_UID=65534
NODE_GID=65534
M2=${M2_REPO:-$FJ_CACHE/m2}
MVN_TIMEOUT=${MVN_TIMEOUT:-600}

# node_mvn ARGS...: mvn with the cache's repository, bounded.  A time-out is
# a failure like any other (the callers' "no engine", status 3).
node_mvn() {
	timeout "$MVN_TIMEOUT" mvn "-Dmaven.repo.local=$M2" \
	    -Dmaven.wagon.rto=60000 -Daether.connector.requestTimeout=60000 \
	    -Daether.connector.connectTimeout=30000 "$@"
}

# node_java_home OVERRIDE [CANDIDATE...]: OVERRIDE when set, else the first
# Java 17 (or a candidate) under /usr/lib/jvm, else the java on PATH.
node_java_home() {
	if [ -n "$1" ]; then
		echo "$1"
		return
	fi
	shift
	for j in /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/java-17-openjdk* "$@"; do
		[ -x "$j/bin/java" ] && { echo "$j"; return; }
	done
	j=$(command -v java 2>/dev/null) && dirname "$(dirname "$(readlink -f "$j")")"
}

# node_java_min MAJOR OVERRIDE: OVERRIDE when set, else the Java of the
# lowest major version >= MAJOR (as its release file says) under
# /usr/lib/jvm ($NODE_JVM_DIR) or on PATH; nothing when there is none.
node_java_min() {
	if [ -n "$2" ]; then
		echo "$2"
		return
	fi
	_best=
	_bm=
	_p=
	_j=$(command -v java 2>/dev/null) && _p=$(dirname "$(dirname "$(readlink -f "$_j")")")
	for _d in "${NODE_JVM_DIR:-/usr/lib/jvm}"/*/ $_p; do
		_d=${_d%/}
		[ -x "$_d/bin/java" ] && [ -f "$_d/release" ] || continue
		_m=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$_d/release")
		[ -n "$_m" ] && [ "$_m" -ge "$1" ] || continue
		if [ -z "$_bm" ] || [ "$_m" -lt "$_bm" ]; then
			_best=$_d
			_bm=$_m
		fi
	done
	[ -n "$_best" ] && echo "$_best"
	return 0
}

# alive PID: the process exists and is not a zombie.
alive() {
	[ -n "$1" ] && [ -d "/proc/$1" ] &&
	    ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

# node_user: as root, DIR becomes nobody's and $run_as the prefix that runs
# a command as nobody; nobody must be able to read the engine and Java and
# write DIR.
node_user() {
	run_as=
	[ "$(id -u)" = 0 ] || return 0
	command -v setpriv >/dev/null 2>&1 ||
	    { say "setpriv (util-linux) is needed to run $NODE_NAME as nobody"; return 1; }
	chown -R "$NODE_UID:$NODE_GID" "$dir" || return 1
	chmod 755 "$dir"
	run_as="setpriv --reuid=$NODE_UID --regid=$NODE_GID --clear-groups --"
	if ! $run_as test -w "$dir/config"; then
		say "nobody cannot reach $dir (a parent directory is closed to it)"
		return 1
	fi
	if ! $run_as test -r "$home/lib" || ! $run_as test -x "$home/bin" ||
	    ! $run_as test -x "$jh/bin/java"; then
		say "nobody cannot read the engine in $home or Java in $jh (chmod -R a+rX them)"
		return 1
	fi
}

# node_curl ARGS...: a bounded request to the node.
node_curl() {
	curl --connect-timeout 5 --max-time 30 "$@"
}

# node_start DIR: start one node from $(fetch) with data, logs, config and
# pid file in DIR; wait for its HTTP port and for green (yellow with every
# primary assigned, said, on a DIR reused with replicated indices).  Sets
# $url, writes it to DIR/url.  Status as fetch's when there is no engine.
node_start() {
	dir=$1
	mkdir -p "$dir" || return 1
	dir=$(cd "$dir" && pwd)
	if [ -f "$dir/$NODE_PID" ] && alive "$(cat "$dir/$NODE_PID")"; then
		say "a node already runs from $dir (pid $(cat "$dir/$NODE_PID"))"
		return 1
	fi
	home=$(fetch) || return $?
	jh=$(java_home)
	if [ -z "$jh" ] || [ ! -x "$jh/bin/java" ]; then
		say "no Java found (set $NODE_JAVA_VAR)"
		return 1
	fi
	rm -rf "$dir/config" "$dir/logs" "$dir/tmp"
	mkdir -p "$dir/data" "$dir/logs" "$dir/tmp" "$dir/config"
	cp -R "$home/config/." "$dir/config/"
	node_config || return 1
	rm -f "$dir/$NODE_PID" "$dir/url" "$dir/logs/http.ports"
	node_user || return 1
	(
		cd "$dir/logs" || exit 1
		unset JAVA_HOME
		node_exec
	) > "$dir/launcher.log" 2>&1 < /dev/null
	rc=$?
	# Given up early: the launcher failed and no pid came, or the pid's
	# process is gone.  A launcher that succeeded may leave the node to
	# write its pid file late (a loaded machine): waited for, else the node
	# would run on, unknown to stop.
	i=0
	while [ ! -s "$dir/logs/http.ports" ] && [ $i -lt 600 ]; do
		if [ $i -gt 20 ]; then
			if [ -s "$dir/$NODE_PID" ]; then
				alive "$(cat "$dir/$NODE_PID")" || break
			elif [ $rc != 0 ]; then
				break
			fi
		fi
		sleep 0.1
		i=$((i + 1))
	done
	if [ ! -s "$dir/logs/http.ports" ]; then
		say "$NODE_NAME did not start (launcher status $rc); its output:"
		tail -n 20 "$dir/launcher.log" >&2
		tail -n 30 "$dir/logs/filter-jsonlog-test.log" 2>/dev/null >&2
		node_stop "$dir" 2>/dev/null
		return 1
	fi
	url="http://$(head -n 1 "$dir/logs/http.ports")"
	i=0
	st=
	while [ $i -lt 180 ]; do
		node_curl -s -o "$dir/health.json" "$url/_cluster/health" 2>/dev/null
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
	*)	say "$NODE_NAME at $url did not become green (${st:-no answer}):"
		cat "$dir/health.json" >&2 2>/dev/null
		node_stop "$dir"
		return 1 ;;
	esac
	echo "$url" > "$dir/url"
}

# node_stop DIR: TERM the node started from DIR, wait for it (KILL after
# 60 s).
node_stop() {
	dir=$1
	[ -f "$dir/$NODE_PID" ] || return 0	# nothing runs from there
	pid=$(cat "$dir/$NODE_PID")
	case $pid in ''|*[!0-9]*) say "bad pid in $dir/$NODE_PID"; return 1 ;; esac
	if alive "$pid"; then
		kill -TERM "$pid" 2>/dev/null
		i=0
		while alive "$pid" && [ $i -lt 600 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		if alive "$pid"; then
			say "$NODE_NAME ($pid) ignored TERM for 60 s; killing it"
			kill -KILL "$pid" 2>/dev/null
			sleep 0.5
		fi
	fi
	rm -f "$dir/$NODE_PID" "$dir/url"
	return 0
}
