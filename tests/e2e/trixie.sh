# The Debian trixie root the 7.6 generation of the end-to-end tests runs
# in (sourced by tests/e2e/run.sh, POSIX sh, after lib.sh).
#
# Debian bookworm ships OpenSMTPD 6.8 (report protocol 0.6); trixie ships
# 7.6.0p1 (0.7), whose TLS works with OpenSSL 3.  debootstrap builds a
# minimal trixie root with opensmtpd and what the filter needs to build;
# smtpd 7.6 then runs in it under chroot(8), with its own spool and control
# socket inside the root, and the filter, built inside the root against
# trixie's libraries, runs there as trixie's user opensmtpd.
#
# The root is a cache, outside the repository:
#   ${FJ_CACHE:-/var/cache/filter-jsonlog}/trixie
# It is built into trixie.tmp.XXXXXX next to it and renamed only when
# complete, with a stamp file naming the recipe; a root without the stamp
# of the current recipe is never used (it is rebuilt).  debootstrap runs in
# two stages so that a policy-rc.d that exits 101 is in place before any
# package is configured: nothing in the root is ever started by a
# postinst (opensmtpd's would listen on port 25).
#
# Nothing is mounted: debootstrap makes the device nodes smtpd needs
# (/dev/null, /dev/urandom ...), /etc/hosts is copied in, and smtpd 7.6
# needs neither /proc nor /sys.  e2e_root_mounts checks that nothing is
# mounted under the root after a run.
#
# Usage: e2e_root_ensure || <could not run>; then $E2E_ROOT is the root.

FJ_CACHE=${FJ_CACHE:-/var/cache/filter-jsonlog}
E2E_ROOT_DIR=$FJ_CACHE/trixie
E2E_ROOT_MIRROR=${E2E_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# Bump the recipe when the package list or the steps change: a root with
# another stamp is rebuilt.
E2E_ROOT_PKGS="opensmtpd,gcc,make,pkg-config,libc6-dev,libevent-dev,\
libjson-c-dev,openssl,ca-certificates"
E2E_ROOT_RECIPE="filter-jsonlog trixie root 1: $E2E_ROOT_PKGS"
E2E_ROOT_STAMP=.filter-jsonlog-root
E2E_ROOT_WHY=
E2E_ROOT_BUILD=
E2E_ROOT_FILTER=

# e2e_root_mounts DIR: print the mount points at or under DIR.
e2e_root_mounts() {
	awk -v r="$1" '$2 == r || index($2, r "/") == 1 { print $2 }' \
	    /proc/self/mounts
}

# e2e_root_ok DIR: DIR is a complete root of the current recipe.
e2e_root_ok() {
	[ -f "$1/$E2E_ROOT_STAMP" ] &&
	    [ "$(head -1 "$1/$E2E_ROOT_STAMP")" = "$E2E_ROOT_RECIPE" ] &&
	    [ -x "$1/usr/sbin/smtpd" ]
}

# e2e_root_rm DIR: remove a root of ours, never across a mount point.
e2e_root_rm() {
	if [ -n "$(e2e_root_mounts "$1")" ]; then
		e2e_log "not removing $1: something is mounted under it:" \
		    "$(e2e_root_mounts "$1" | tr '\n' ' ')"
		return 1
	fi
	rm -rf "$1"
}

# e2e_root_build: debootstrap a new root next to the cached one, stamp it,
# rename it into place.  Sets E2E_ROOT_WHY when it fails.
e2e_root_build() {
	if ! command -v debootstrap >/dev/null 2>&1; then
		E2E_ROOT_WHY="debootstrap is not installed (sh mk/deps.sh check)"
		return 1
	fi
	# A quick look first: without network, say so in seconds (debootstrap's
	# wget would retry for minutes where packets are dropped).
	if ! wget -q -T 15 -t 2 -O /dev/null \
	    "$E2E_ROOT_MIRROR/dists/trixie/Release"; then
		E2E_ROOT_WHY="no network, or no mirror at $E2E_ROOT_MIRROR"
		E2E_ROOT_WHY="$E2E_ROOT_WHY (cannot fetch dists/trixie/Release)"
		return 1
	fi
	_t=$(mktemp -d "$FJ_CACHE/trixie.tmp.XXXXXX") || {
		E2E_ROOT_WHY="cannot make a directory in $FJ_CACHE"
		return 1
	}
	# mktemp made it 0700: it becomes /, which every user must traverse.
	chmod 755 "$_t"
	_log=$_t.log
	e2e_log "building the trixie root in $_t" \
	    "(debootstrap from $E2E_ROOT_MIRROR, about a minute)"
	# Stage 1 downloads and unpacks; nothing is configured yet.
	if ! timeout 420 debootstrap --foreign --variant=minbase \
	    --include="$E2E_ROOT_PKGS" trixie "$_t" "$E2E_ROOT_MIRROR" \
	    > "$_log" 2>&1; then
		E2E_ROOT_WHY="debootstrap trixie failed (no network, or no"
		E2E_ROOT_WHY="$E2E_ROOT_WHY mirror at $E2E_ROOT_MIRROR?):"
		E2E_ROOT_WHY="$E2E_ROOT_WHY $(grep -E '^E:' "$_log" | head -2 |
		    tr '\n' ' ')(log: $_log)"
		e2e_root_rm "$_t"
		return 1
	fi
	# Before any postinst runs: invoke-rc.d starts nothing in the root.
	printf '#!/bin/sh\n# filter-jsonlog e2e: no daemon starts here.\nexit 101\n' \
	    > "$_t/usr/sbin/policy-rc.d"
	chmod 755 "$_t/usr/sbin/policy-rc.d"
	if ! timeout 420 chroot "$_t" /debootstrap/debootstrap --second-stage \
	    >> "$_log" 2>&1; then
		E2E_ROOT_WHY="debootstrap --second-stage failed:"
		E2E_ROOT_WHY="$E2E_ROOT_WHY $(grep -E '^[EW]:' "$_log" |
		    tail -2 | tr '\n' ' ')(log: $_log)"
		e2e_root_rm "$_t"
		return 1
	fi
	if [ -n "$(e2e_root_mounts "$_t")" ]; then
		E2E_ROOT_WHY="debootstrap left mounts under $_t"
		return 1
	fi
	# The downloaded packages are not needed any more (half the size).
	rm -f "$_t"/var/cache/apt/archives/*.deb
	cp /etc/hosts "$_t/etc/hosts"
	[ -f /etc/resolv.conf ] && cp /etc/resolv.conf "$_t/etc/resolv.conf"
	{
		echo "$E2E_ROOT_RECIPE"
		echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) from $E2E_ROOT_MIRROR"
		chroot "$_t" dpkg-query -W opensmtpd libevent-dev libjson-c-dev \
		    openssl gcc
	} > "$_t/$E2E_ROOT_STAMP"
	rm -f "$_log"
	# The old root (another recipe) goes aside first, then away.
	if [ -e "$E2E_ROOT_DIR" ]; then
		_old=$(mktemp -d "$FJ_CACHE/trixie.old.XXXXXX") &&
		    mv "$E2E_ROOT_DIR" "$_old/" && e2e_root_rm "$_old"
	fi
	mv "$_t" "$E2E_ROOT_DIR"
}

# e2e_root_ensure: the cached root, built first if needed; sets E2E_ROOT.
e2e_root_ensure() {
	E2E_ROOT=
	if ! mkdir -p "$FJ_CACHE" 2>/dev/null; then
		E2E_ROOT_WHY="cannot create $FJ_CACHE"
		return 1
	fi
	# Two runs never build at the same time (nor remove each other's
	# half-built roots); building or replacing takes the lock exclusive,
	# using the root keeps it shared until the run ends (fd 8), so a root
	# is never replaced under a run that uses it.
	exec 8> "$FJ_CACHE/.trixie.lock"
	if ! flock -w 900 8; then
		E2E_ROOT_WHY="another run holds $FJ_CACHE/.trixie.lock"
		exec 8>&-
		return 1
	fi
	# Half-built roots of interrupted runs are never used: remove them.
	# A debootstrap killed in its second stage may have left its own
	# /proc or /sys mounted in there: unmount those first (deepest first).
	for _d in "$FJ_CACHE"/trixie.tmp.* "$FJ_CACHE"/trixie.old.*; do
		[ -e "$_d" ] || continue
		e2e_log "removing $_d (an interrupted build)"
		for _m in $(e2e_root_mounts "$_d" | sort -r); do
			e2e_log "unmounting $_m (left by debootstrap)"
			umount "$_m" || umount -l "$_m"
		done
		e2e_root_rm "$_d"
	done
	if ! e2e_root_ok "$E2E_ROOT_DIR"; then
		[ -e "$E2E_ROOT_DIR" ] &&
		    e2e_log "$E2E_ROOT_DIR is not a root of the current recipe;" \
		    "rebuilding it"
		if ! e2e_root_build; then
			exec 8>&-
			return 1
		fi
	fi
	flock -s 8
	E2E_ROOT=$E2E_ROOT_DIR
	# The same names as on the host, for smtpd's resolver.
	cmp -s /etc/hosts "$E2E_ROOT/etc/hosts" ||
	    cp /etc/hosts "$E2E_ROOT/etc/hosts"
	return 0
}

# e2e_root_build_filter: build filter-jsonlog inside the root from this
# checkout's sources (trixie's compiler, libevent and json-c).  The binary
# is $E2E_ROOT_FILTER (host path), in $E2E_ROOT_BUILD (the caller removes
# it).
e2e_root_build_filter() {
	_b=$(mktemp -d "$E2E_ROOT/tmp/filter-jsonlog-build.XXXXXX") || return 1
	E2E_ROOT_BUILD=$_b
	(cd "$T_TOP" && tar -cf - Makefile mk src include) |
	    tar -C "$_b" -xf - || return 1
	_in=${_b#"$E2E_ROOT"}
	if ! chroot "$E2E_ROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	    HOME=/root make -C "$_in" WERROR="${WERROR:-}" filter-jsonlog \
	    > "$_b/build.log" 2>&1; then
		cat "$_b/build.log" >&2
		return 1
	fi
	E2E_ROOT_FILTER=$_b/filter-jsonlog
}
