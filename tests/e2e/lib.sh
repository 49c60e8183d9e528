# Shared by tests/e2e/run.sh and tests/e2e/demo.sh (sourced, POSIX sh).
#
# Brings up, on loopback, a private rsyslogd and Debian's OpenSMTPD with
# filter-jsonlog attached, and takes them down again.  Everything lives in
# one temporary directory, $E2E_DIR:
#
#   bin/filter-jsonlog    a copy of the binary (smtpd runs it as the
#                         unprivileged user opensmtpd, which cannot reach a
#                         checkout under /root)
#   bin/capture-filter.sh the raw-stream recorder (tests/e2e/capture-filter.sh)
#   rsyslog/log.sock      rsyslogd's private imuxsock socket; the filter's -S
#   rsyslog/records.json  what rsyslogd received from filter-jsonlog, message
#                         only: one JSON record a line
#   rsyslog/other.log     everything else rsyslogd received
#   capture/raw.stream    the report stream smtpd sent (second filter)
#   smtpd.conf, smtpd.log smtpd's configuration and its stderr (-d)
#
# smtpd listens on 127.0.0.1:$E2E_PORT (hostname e2e.test) and on
# 127.0.0.1:$E2E_RELAY_PORT (hostname relay-target.test, stands in for a
# remote MX) and on its local socket; all three and the relay action carry
# the filters.  Mail for @example.test is delivered to /dev/null, mail for
# @remote.test is relayed to the second listener (smtp-out sessions), any
# other domain is refused (550), so a rejected recipient is easy to make;
# mail for @stuck.test is accepted but stays queued (its mda exits 75), for
# the checks that the run leaves no mail behind.
#
# Only one smtpd can run on a machine (its spool and control socket are
# compiled in): e2e_start refuses to start when one runs, and holds a lock
# so that two runs (and the 6.8 and 7.6 generations) wait for each other.
# It never empties a mail queue: it refuses to start when the spool holds
# anything (e2e_spool_check), and e2e_queue_drain checks, while smtpd still
# runs, that the run left nothing in the queue (and removes, by message id,
# only what this run made).
#
# With E2E_ROOT set (tests/e2e/trixie.sh), smtpd, smtpctl and the filters
# run under chroot in that root: $E2E_DIR is then made under
# $E2E_ROOT/tmp, and $E2E_IN is the same directory as smtpd sees it.
# E2E_TLS=1 adds a STARTTLS listener with AUTH on 127.0.0.1:$E2E_TLS_PORT
# (needs $E2E_DIR/tls/{cert,key}.pem and $E2E_DIR/creds, see run.sh).
#
# Usage: e2e_init; trap e2e_cleanup EXIT; e2e_start; ...; e2e_stop

E2E_PORT=${E2E_PORT:-2525}
E2E_RELAY_PORT=${E2E_RELAY_PORT:-2526}
E2E_TLS_PORT=${E2E_TLS_PORT:-2527}
E2E_TLS=${E2E_TLS:-}
E2E_ROOT=${E2E_ROOT:-}
# The spool as seen from here; e2e_init defaults it to the root's own
# spool under E2E_ROOT, /var/spool/smtpd without.
E2E_SPOOL=${E2E_SPOOL:-}
E2E_SOCK=/var/run/smtpd.sock
E2E_IN=
E2E_CHROOT=
E2E_LOCK=${E2E_LOCK:-/tmp/filter-jsonlog-e2e.lock}
E2E_DIR=
E2E_SMTPD_PID=
E2E_RSYSLOG_PID=
E2E_HERE=${E2E_HERE:-$(cd "$(dirname "$0")" && pwd)}

e2e_log() {
	echo "e2e: $*" >&2
}

# e2e_need: fail early, with the fix, when something we run is missing.
e2e_need() {
	_miss=
	for _c in smtpd smtpctl rsyslogd jq python3 swaks flock; do
		PATH=$PATH:/usr/sbin:/sbin command -v "$_c" >/dev/null 2>&1 ||
		    _miss="$_miss $_c"
	done
	[ -z "$_miss" ] && return 0
	e2e_log "missing commands:$_miss"
	e2e_log "install: apt-get install -y --no-install-recommends" \
	    "opensmtpd rsyslog swaks jq python3 util-linux"
	return 1
}

# e2e_init FILTER: make the work directory and put the binaries in it.
e2e_init() {
	PATH=$PATH:/usr/sbin:/sbin
	export PATH
	if [ "$(id -u)" != 0 ]; then
		e2e_log "must run as root (smtpd needs it to start)"
		return 1
	fi
	e2e_need || return 1
	if [ ! -x "$1" ]; then
		e2e_log "no filter binary at $1 (run make first)"
		return 1
	fi
	[ -n "$E2E_ROOT" ] && E2E_CHROOT="chroot $E2E_ROOT"
	[ -n "$E2E_SPOOL" ] || E2E_SPOOL=$E2E_ROOT/var/spool/smtpd
	E2E_DIR=$(mktemp -d "$E2E_ROOT/tmp/filter-jsonlog-e2e.XXXXXX") ||
	    return 1
	E2E_IN=${E2E_DIR#"$E2E_ROOT"}
	# The filter runs as opensmtpd: every directory on the way to the
	# binary and to the rsyslog socket must be searchable by it.
	chmod 755 "$E2E_DIR"
	mkdir "$E2E_DIR/bin" "$E2E_DIR/rsyslog" "$E2E_DIR/capture"
	cp "$1" "$E2E_DIR/bin/filter-jsonlog"
	cp "$E2E_HERE/capture-filter.sh" "$E2E_DIR/bin/capture-filter.sh"
	chmod 755 "$E2E_DIR/bin" "$E2E_DIR/rsyslog" \
	    "$E2E_DIR/bin/filter-jsonlog" "$E2E_DIR/bin/capture-filter.sh"
	# smtpctl behaves as sendmail(8) under that name (local socket).
	ln -s "$($E2E_CHROOT sh -c 'command -v smtpctl')" \
	    "$E2E_DIR/bin/sendmail"
	: > "$E2E_DIR/capture/raw.stream"
	# The user of the root, whose uid may differ from the host's.
	$E2E_CHROOT chown -R opensmtpd "$E2E_IN/capture"
	chmod 755 "$E2E_DIR/capture"
}

# e2e_running NAME: true when a process with that command name runs.
e2e_running() {
	for _p in /proc/[0-9]*; do
		[ "$(cat "$_p/comm" 2>/dev/null)" = "$1" ] || continue
		grep -q '^State:.*Z' "$_p/status" 2>/dev/null && continue
		return 0
	done
	return 1
}

# e2e_alive PID: the process exists and is not a zombie.
e2e_alive() {
	[ -n "$1" ] && [ -d "/proc/$1" ] &&
	    ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

# e2e_port_busy PORT: something accepts connections on 127.0.0.1:PORT.
e2e_port_busy() {
	python3 - "$1" <<'EOF'
import socket, sys
s = socket.socket()
s.settimeout(1)
sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)
EOF
}

# e2e_banner PORT [TRIES]: wait until smtpd greets on PORT (ready = 220).
e2e_banner() {
	python3 - "$1" "${2:-100}" <<'EOF'
import socket, sys, time
port, tries = int(sys.argv[1]), int(sys.argv[2])
for _ in range(tries):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=2)
        line = s.makefile("rb").readline()
        if line.startswith(b"220 "):
            s.sendall(b"QUIT\r\n")
            s.close()
            sys.exit(0)
        s.close()
    except OSError:
        pass
    time.sleep(0.1)
sys.exit(1)
EOF
}

# e2e_spool_files: the files (not the empty directories) in the parts of
# $E2E_SPOOL that hold mail.
e2e_spool_files() {
	for _d in queue incoming temporary corrupt offline; do
		[ -d "$E2E_SPOOL/$_d" ] &&
		    find "$E2E_SPOOL/$_d" -mindepth 1 ! -type d 2>/dev/null
	done
	return 0
}

# e2e_spool_check: refuse to start while the spool holds anything.  The
# tests never leave mail behind (e2e_queue_drain), so whatever is there
# was not put there by them: it may be an admin's queued mail, which an
# smtpd started here would deliver (and the tests would count).
e2e_spool_check() {
	_files=$(e2e_spool_files)
	[ -z "$_files" ] && return 0
	e2e_log "refusing to start smtpd: $E2E_SPOOL holds" \
	    "$(echo "$_files" | wc -l) file(s) the tests did not put there:"
	echo "$_files" | head -10 | sed 's/^/e2e:     /' >&2
	e2e_log "they may be queued mail; the tests never delete a mail queue."
	e2e_log "to proceed: let this machine's smtpd deliver them" \
	    "(smtpctl show queue), or, if they are yours to drop, remove them" \
	    "(smtpctl remove <id> while smtpd runs), then run the tests again."
	[ -n "$E2E_ROOT" ] && e2e_log "this spool is inside the test root" \
	    "$E2E_ROOT: removing that directory is safe (it is rebuilt)."
	return 1
}

# e2e_queue_ids: the message ids in the queue of the running smtpd; fails
# when smtpctl cannot ask it.
e2e_queue_ids() {
	_q=$($E2E_CHROOT smtpctl show queue 2>&1) || {
		e2e_log "smtpctl show queue: $_q"
		return 1
	}
	[ -z "$_q" ] || printf '%s\n' "$_q" | cut -c1-8 | sort -u
}

# e2e_queue_drain [SECONDS]: wait (15 s at most) until the running smtpd's
# queue is empty.  What is left was made by this run (the spool was empty
# at the start, e2e_spool_check) when its message id is in the raw stream:
# it is removed by id with smtpctl, named, and the function fails.
# Anything else is named and left alone.
e2e_queue_drain() {
	_i=0
	while :; do
		_left=$(e2e_queue_ids) || return 1
		[ -z "$_left" ] && return 0
		[ $_i -ge $((${1:-15} * 5)) ] && break
		sleep 0.2
		_i=$((_i + 1))
	done
	for _m in $_left; do
		if grep -q "^report|[^|]*|[^|]*|[^|]*|tx-begin|[^|]*|$_m\$" \
		    "$E2E_DIR/capture/raw.stream"; then
			e2e_log "message $_m of this run was left in the queue;" \
			    "removing it: $($E2E_CHROOT smtpctl remove "$_m" 2>&1)"
		else
			e2e_log "message $_m in the queue is not from this run;" \
			    "left alone"
		fi
	done
	return 1
}

e2e_write_rsyslog_conf() {
	cat > "$E2E_DIR/rsyslog/rsyslog.conf" <<EOF
# Private rsyslogd for the filter-jsonlog end-to-end tests.
global(workDirectory="$E2E_DIR/rsyslog" maxMessageSize="64k")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="$E2E_DIR/rsyslog/log.sock"
      CreatePath="on" RateLimit.Interval="0")
# The record only: %msg% starts with the space after "tag[pid]:".
template(name="jsonlog_msgonly" type="list") {
  property(name="msg" position.from="2")
  constant(value="\n")
}
if \$programname == "filter-jsonlog" and \$syslogfacility-text == "mail" then {
  action(type="omfile" file="$E2E_DIR/rsyslog/records.json"
         template="jsonlog_msgonly")
  stop
}
*.* action(type="omfile" file="$E2E_DIR/rsyslog/other.log")
EOF
	# >>> E2E_RSYSLOG_EXTRA: a file of rsyslog configuration put in front
	# of the rules above (its rules see the records before their `stop`);
	# used by tests/elastic/live.sh.
	if [ -n "${E2E_RSYSLOG_EXTRA:-}" ]; then
		cat "$E2E_RSYSLOG_EXTRA" "$E2E_DIR/rsyslog/rsyslog.conf" \
		    > "$E2E_DIR/rsyslog/rsyslog.conf.new" &&
		    mv "$E2E_DIR/rsyslog/rsyslog.conf.new" "$E2E_DIR/rsyslog/rsyslog.conf"
	fi
	# <<< E2E_RSYSLOG_EXTRA
}

# e2e_write_smtpd_conf [FILTER ARGS]: the jsonlog filter gets -S and ARGS.
e2e_write_smtpd_conf() {
	cat > "$E2E_DIR/smtpd.conf" <<EOF
# Private smtpd for the filter-jsonlog end-to-end tests.
table vusers { "@" = "nobody" }

filter jsonlog proc-exec "$E2E_IN/bin/filter-jsonlog -S $E2E_IN/rsyslog/log.sock $*"
filter capture proc-exec "$E2E_IN/bin/capture-filter.sh $E2E_IN/capture/raw.stream"
filter all chain { jsonlog, capture }

listen on 127.0.0.1 port $E2E_PORT hostname e2e.test filter all
listen on 127.0.0.1 port $E2E_RELAY_PORT hostname relay-target.test \\
    tag RELAYED filter all
listen on socket filter all

action "deliver" mda "cat > /dev/null" virtual <vusers>
action "relay" relay host smtp://127.0.0.1:$E2E_RELAY_PORT helo e2e.test \\
    filter all

match tag RELAYED from any for domain "remote.test" action "deliver"
match from any for domain "example.test" action "deliver"
match from any for domain "remote.test" action "relay"
# Delivery fails temporarily: the message stays queued (queue checks).
action "stuck" mda "exit 75" virtual <vusers>
match from any for domain "stuck.test" action "stuck"
EOF
	[ -n "$E2E_TLS" ] || return 0
	cat >> "$E2E_DIR/smtpd.conf" <<EOF

# STARTTLS, then AUTH (PLAIN or LOGIN) against a file table.
pki e2e.test cert "$E2E_IN/tls/cert.pem"
pki e2e.test key "$E2E_IN/tls/key.pem"
table creds file:$E2E_IN/creds
listen on 127.0.0.1 port $E2E_TLS_PORT hostname e2e.test tls pki e2e.test \\
    auth <creds> filter all
EOF
}

e2e_start_rsyslog() {
	e2e_write_rsyslog_conf
	if ! rsyslogd -N1 -f "$E2E_DIR/rsyslog/rsyslog.conf" \
	    > "$E2E_DIR/rsyslog/check.log" 2>&1; then
		cat "$E2E_DIR/rsyslog/check.log" >&2
		return 1
	fi
	rsyslogd -n -f "$E2E_DIR/rsyslog/rsyslog.conf" \
	    -i "$E2E_DIR/rsyslog/rsyslogd.pid" \
	    > "$E2E_DIR/rsyslog/rsyslogd.log" 2>&1 8>&- 9>&- &
	E2E_RSYSLOG_PID=$!
	_i=0
	while [ ! -S "$E2E_DIR/rsyslog/log.sock" ]; do
		_i=$((_i + 1))
		if [ $_i -gt 100 ] || ! e2e_alive "$E2E_RSYSLOG_PID"; then
			e2e_log "rsyslogd did not come up"
			cat "$E2E_DIR/rsyslog/rsyslogd.log" >&2
			return 1
		fi
		sleep 0.1
	done
	# The filter (user opensmtpd) must be able to write to it.
	chmod 666 "$E2E_DIR/rsyslog/log.sock"
}

e2e_start_smtpd() {
	if e2e_running smtpd; then
		e2e_log "an smtpd is already running on this machine;" \
		    "only one can (stop it first)"
		return 1
	fi
	for _port in "$E2E_PORT" "$E2E_RELAY_PORT" \
	    ${E2E_TLS:+"$E2E_TLS_PORT"}; do
		if e2e_port_busy "$_port"; then
			e2e_log "127.0.0.1:$_port is in use"
			return 1
		fi
	done
	e2e_write_smtpd_conf "$@"
	if ! $E2E_CHROOT smtpd -n -f "$E2E_IN/smtpd.conf" \
	    > "$E2E_DIR/smtpd.log" 2>&1; then
		cat "$E2E_DIR/smtpd.log" >&2
		return 1
	fi
	# Mail in the spool would be delivered (and reported) at start-up;
	# it is not ours to deliver, nor to delete.
	e2e_spool_check || return 1
	# 8>&- 9>&-: the daemons must not hold the run lock nor the root's
	# (trixie.sh).  chroot execs smtpd: $! is smtpd's PID either way.
	$E2E_CHROOT smtpd -d -f "$E2E_IN/smtpd.conf" > "$E2E_DIR/smtpd.log" \
	    2>&1 8>&- 9>&- &
	E2E_SMTPD_PID=$!
	_i=0
	until e2e_banner "$E2E_PORT" 5; do
		_i=$((_i + 1))
		if [ $_i -gt 30 ] || ! e2e_alive "$E2E_SMTPD_PID"; then
			e2e_log "smtpd did not greet on port $E2E_PORT;" \
			    "its log:"
			cat "$E2E_DIR/smtpd.log" >&2
			return 1
		fi
	done
}

# e2e_start [FILTER ARGS]: lock, rsyslogd, then smtpd (ready = 220 banner).
e2e_start() {
	exec 9> "$E2E_LOCK"
	if ! flock -w 300 9; then
		e2e_log "another end-to-end run holds $E2E_LOCK"
		return 1
	fi
	e2e_start_rsyslog || return 1
	e2e_start_smtpd "$@" || return 1
}

# e2e_kill PID NAME: TERM, wait up to 10 s, then KILL; reap it.
e2e_kill() {
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null
	_i=0
	while e2e_alive "$1" && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	if e2e_alive "$1"; then
		e2e_log "$2 ($1) ignored TERM; killing it"
		kill -KILL "$1" 2>/dev/null
	fi
	wait "$1" 2>/dev/null
	return 0
}

# e2e_stop_smtpd: stop smtpd; its filters see EOF on stdin and exit.
e2e_stop_smtpd() {
	# Not ours to stop.
	[ -n "$E2E_SMTPD_PID" ] || return 0
	e2e_kill "$E2E_SMTPD_PID" smtpd
	E2E_SMTPD_PID=
}

e2e_stop_rsyslog() {
	e2e_kill "$E2E_RSYSLOG_PID" rsyslogd
	E2E_RSYSLOG_PID=
}

# e2e_stop: everything we started, smtpd first so the filter's last
# records still reach rsyslogd.  Safe to call twice.
e2e_stop() {
	e2e_stop_smtpd
	e2e_stop_rsyslog
	exec 9>&-
}

# e2e_cleanup: for trap EXIT; keeps $E2E_DIR when E2E_KEEP is set.
e2e_cleanup() {
	e2e_stop
	[ -n "$E2E_DIR" ] || return 0
	if [ -n "${E2E_KEEP:-}" ]; then
		e2e_log "kept $E2E_DIR"
	else
		rm -rf "$E2E_DIR"
	fi
}

# e2e_wait_lines FILE N [SECONDS]: until FILE has at least N lines.
e2e_wait_lines() {
	_i=0
	_max=$((${3:-10} * 10))
	while [ "$(wc -l < "$1" 2>/dev/null || echo 0)" -lt "$2" ]; do
		_i=$((_i + 1))
		[ $_i -gt $_max ] && return 1
		sleep 0.1
	done
	return 0
}

# e2e_quiet: every session in the raw stream that connected has
# disconnected, and (with -relay) an smtp-out session has ended.
e2e_quiet() {
	awk -F'|' -v relay="${1:-}" '$1 != "report" { next }
	    $5 == "link-connect" { open[$4 " " $6] = 1 }
	    $5 == "link-disconnect" { delete open[$4 " " $6]
		if ($4 == "smtp-out") out = 1 }
	    END { for (s in open) exit 1
		if (relay != "" && !out) exit 1 }' "$E2E_DIR/capture/raw.stream"
}

# e2e_wait_quiet [-relay]: up to 30 s for e2e_quiet (the MTA keeps an
# smtp-out connection idle ~10 s before its QUIT).
e2e_wait_quiet() {
	_i=0
	until e2e_quiet "$@"; do
		_i=$((_i + 1))
		[ $_i -gt 300 ] && return 1
		sleep 0.1
	done
	return 0
}

# e2e_reported: the number of report lines smtpd sent (capture filter).
e2e_reported() {
	grep -c '^report|' "$E2E_DIR/capture/raw.stream"
}
