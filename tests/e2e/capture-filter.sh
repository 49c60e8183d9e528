#!/bin/sh
# A report-only OpenSMTPD filter that records the raw report stream.
# Usage (smtpd.conf): filter capture proc-exec "/path/capture-filter.sh FILE"
# It copies the config handshake to FILE, registers for every event of each
# subsystem smtpd announced, then appends everything it reads to FILE until
# smtpd closes stdin.  It never writes anything after register|ready.
set -u
out=${1:?usage: capture-filter.sh FILE}
subs=
while IFS= read -r line; do
	printf '%s\n' "$line" >> "$out"
	case $line in
	config\|subsystem\|*)	subs="$subs ${line#config|subsystem|}" ;;
	config\|ready)		break ;;
	esac
done
# smtpd 6.6 announces no subsystem: smtp-in is the only safe one there.
[ -n "$subs" ] || subs=smtp-in
for s in $subs; do
	printf 'register|report|%s|*\n' "$s"
done
printf 'register|ready\n'
exec cat >> "$out"
