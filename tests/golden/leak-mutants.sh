#!/bin/sh
# Proof that the leak check (leak.py) can fail: each mutant switches off
# one leak path of -P in a copy of the tree (never in place), builds it,
# and runs the leak check on tests/golden/privacy-paths.in and a real
# stream; every mutant must be caught.  Not part of make check (a build
# per mutant).   Usage: sh tests/golden/leak-mutants.sh
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fj-leakmut.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM
(umask 077 && cp "$top/tests/golden/privacy.key" "$tmp/key")
caught=0 missed=0
mutant() {	# name file old new
	rm -rf "$tmp/t" && mkdir "$tmp/t"
	(cd "$top" && git archive HEAD) | tar -x -C "$tmp/t"
	if ! python3 - "$tmp/t/$2" "$3" "$4" <<'PY'
import sys
p, o, n = sys.argv[1:4]
s = open(p).read()
if o not in s:
    sys.exit("pattern not found")
open(p, "w").write(s.replace(o, n, 1))
PY
	then echo "leak-mutants: $1: the pattern is gone"; missed=$((missed + 1)); return; fi
	make -s -C "$tmp/t" filter-jsonlog > "$tmp/build.log" 2>&1 ||
	    { echo "leak-mutants: $1: build failed"; missed=$((missed + 1)); return; }
	n=0
	for in in privacy-paths real-v07-c-starttls-auth-plain-3rcpt; do
		for p in all local,user,ip; do
			rm -f "$tmp/o.json"
			"$tmp/t/filter-jsonlog" -P $p -K "$tmp/key" -o "$tmp/o.json" \
			    < "$top/tests/golden/$in.in" > /dev/null 2>&1
			python3 "$top/tests/golden/leak.py" "$top/tests/golden/$in.in" \
			    "$tmp/o.json" $p > /dev/null || n=$((n + 1))
		done
	done
	if [ $n -gt 0 ]; then
		echo "leak-mutants: $1: caught ($n of 4 runs)"; caught=$((caught + 1))
	else
		echo "leak-mutants: $1: MISSED"; missed=$((missed + 1))
	fi
}
mutant "filter-response param in clear" src/render.c \
'			if (privacy.flags)	/* L5, U2, I4 */
				w_private(c, &r->f[F_PARAM], 0,' \
'			if (0)
				w_private(c, &r->f[F_PARAM], 0,'
mutant "filter-report message in clear" src/render.c \
'			if (privacy.flags)	/* L5, U2, I4 */
				w_private(c, &r->f[F_MESSAGE], 0,' \
'			if (0)
				w_private(c, &r->f[F_MESSAGE], 0,'
mutant "unknown params in clear" src/render.c \
'		if (privacy.flags)	/* L5, U2, I4 */
			w_private(c, &r->params, 2, NULL, 0);' \
'		if (0)
			w_private(c, &r->params, 2, NULL, 0);'
mutant "protocol lines in clear without proto" src/privacy.c \
'		return (priv_text(s, p, n));' '		return (*l);'
mutant "refused MAIL FROM in clear" src/render.c \
'		if (c->r->f[F_ADDRESS].len > 0 &&
		    ((privacy.flags & PRIV_LOCAL) || priv_session(c->s))) {' \
'		if (0) {'
mutant "rdns kept" src/session.c \
'		if (priv_session(s))
			priv_store(ss, s, r, &s->rdns, TL_RDNS);' \
'		if (0)
			priv_store(ss, s, r, &s->rdns, TL_RDNS);'
mutant "HELO kept" src/session.c \
'		if (privacy.flags)
			priv_store(ss, s, r, &s->helo, TL_HELO);' \
'		if (0)
			priv_store(ss, s, r, &s->helo, TL_HELO);'
mutant "user name kept" src/session.c \
'		if (privacy.flags & PRIV_KEYED)
			priv_store(ss, s, r, &s->user, TL_USER);' \
'		if (0)
			priv_store(ss, s, r, &s->user, TL_USER);'
mutant "source ip kept" src/session.c \
'	int		 hide = ep == &s->src && priv_session(s);' \
'	int		 hide = 0;'
mutant "ips in free texts kept" src/privacy.c \
'	if (priv_session(s) && core > 0) {' '	if (0) {'
mutant "domain literals kept" src/privacy.c \
'	if ((privacy.flags & PRIV_IP) && len > 1) {' '	if (0) {'
mutant "a | before the @ splits the local part" src/privacy.c \
"		if ((privacy.flags & PRIV_LOCAL) && i < n && p[i] == '|') {" \
'		if (0) {'
echo "leak-mutants: $caught caught, $missed missed"
[ $missed = 0 ]
