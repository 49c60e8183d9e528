/*
 * Copyright (c) 2026 The filter-jsonlog authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
 * WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
 * MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
 * ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
 * WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
 * ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
 * OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
 */

/*
 * The privacy options (-P) and their key (-K).  Each option hides one
 * kind of personal data wherever it can appear in a record; the texts a
 * session keeps are transformed when they are stored (session.c), so that
 * every record built from them (per-event, summaries, the fragment cache)
 * shows only the transformed value; the texts of one event when it is
 * rendered (render.c).
 *
 * Pseudonyms: HMAC-SHA256(key, kind || NUL || lower-cased ASCII input),
 * its first 8 bytes as 16 lower-case hex digits after "p." (local parts)
 * or "u." (user names): "p.1f0c9a33be07d2a4@example.com".  Same key, same
 * input: same pseudonym, across restarts and hosts.  Local parts are
 * lower-cased (ASCII) before hashing: Alice@ and alice@ count as one, as
 * admins expect, though RFC 5321 lets a server tell them apart.  Domains
 * are kept as they are.
 *
 * Where each option's data can appear, and what happens to it (every path
 * has a test in tests/unit/test_privacy.c, tests/golden/privacy-*.in and
 * the leak check tests/golden/leak.py):
 *
 * local (addresses; in every subsystem)
 *   L1 tx-mail's address: email.from.address           session.c, stored
 *   L2 tx-rcpt's address: opensmtpd.tx.rcpt[].address, email.to.address,
 *      opensmtpd.tx.rcpt_rejected                      session.c, stored
 *   L3 a refused MAIL FROM outside a transaction: email.from.address and
 *      opensmtpd.tx.refused_from                       render.c
 *   L4 link-auth's user when it is an address (user.name, related.user),
 *      unless -P user pseudonymizes it whole           session.c, stored
 *   L5 free texts: protocol lines ("MAIL FROM:<…>", "RCPT TO:<…>",
 *      replies that echo an address), filter-report messages,
 *      filter-response params (mail-from, rcpt-to phases), the raw params
 *      of unknown events, a HELO identity               priv_text()
 * user (AUTH user names)
 *   U1 link-auth's user: user.name, related.user       session.c, stored
 *   U2 free texts: a word equal to the session's user name becomes its
 *      pseudonym (AUTH data itself is masked by mask.c) priv_text()
 * ip (the client of smtp-in, and of unknown subsystems; smtp-out's ends
 *      are this server and the remote MX: kept)
 *   I1 link-connect's source: source.ip, source.address, related.ip: the
 *      /24 or /48 prefix (the port is kept)            session.c, stored
 *   I2 link-connect's rdns: source.domain, opensmtpd.link.rdns,
 *      related.hosts: not kept at all (names often spell the address);
 *      opensmtpd.link.fcrdns stays                      session.c
 *   I3 link-identify's identity: an address literal or bare ip is cut to
 *      its prefix; a name equal to the rdns is not kept; other names are
 *      kept (opensmtpd.helo.identity, related.hosts)    session.c, stored
 *   I4 free texts: every IPv4 or IPv6 address is cut to its prefix
 *      (the EHLO reply echoes the client's), a word equal to the rdns
 *      becomes "[rdns]"                                 priv_text()
 *   I5 an address whose domain is an address ("a@[192.0.2.7]"; in any
 *      subsystem) or the hidden rdns ("root@host-1-2-3-4.isp.example"),
 *      in fields and free texts, also without -P local: the domain is
 *      cut, or "[rdns]"                                 priv_addr()
 * proto
 *   P1 opensmtpd.protocol.line: a client line keeps its verb ("EHLO",
 *      "MAIL FROM:", "RCPT TO:", DATA's "."; anything else "?", and
 *      AUTH data stays masked), a server line its
 *      code, separator and enhanced code ("250-", "550 5.7.1")
 *                                                       priv_line()
 * Diagnostics on stderr never carry these texts (mask_excerpt()).
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "filter-jsonlog.h"
#include "compat.h"

struct privacy	 privacy;

/* The transformed text being built; the result of one call at a time. */
static char	*tbuf;
static size_t	 tlen, tcap;

static void	 put(const char *, size_t);
static size_t	 domain_put(char *, const char *, size_t,
		    const struct session *);
static void	 pseudo(char *, char, const char *, size_t);
static void	 scrub_token(const struct session *, const char *, size_t);
static int	 is_delim(unsigned char);
static int	 ipish(const char *, size_t);
static int	 angle_addr(const char *, size_t, const char **);

static const struct {
	struct slice	 name;
	unsigned int	 flag;
} options[] = {
	{ WORD("local"), PRIV_LOCAL },
	{ WORD("user"), PRIV_USER },
	{ WORD("ip"), PRIV_IP },
	{ WORD("proto"), PRIV_PROTO },
	{ WORD("all"), PRIV_LOCAL | PRIV_USER | PRIV_IP | PRIV_PROTO }
};

/* "local,ip": the flags of -P; -1 and a reason for an unknown word. */
int
privacy_parse(const char *arg, unsigned int *flags, const char **errstr)
{
	const char	*p = arg, *e;
	size_t		 i, n;

	*flags = 0;
	for (;;) {
		e = strchr(p, ',');
		n = e != NULL ? (size_t)(e - p) : strlen(p);
		for (i = 0; i < sizeof(options) / sizeof(options[0]); i++)
			if (options[i].name.len == n &&
			    memcmp(options[i].name.p, p, n) == 0)
				break;
		if (i == sizeof(options) / sizeof(options[0])) {
			*errstr = n == 0 ? "an empty item" : "an unknown item";
			return (-1);
		}
		*flags |= options[i].flag;
		if (e == NULL)
			break;
		p = e + 1;
	}
	return (0);
}

/*
 * Read the key of -K: a regular file of this uid, not readable nor
 * writable by group or others, of PRIV_KEY_MIN to PRIV_KEY_MAX bytes,
 * all of which are the key (a trailing newline too).  Only the HMAC's
 * padded states are kept; the bytes read are wiped.  -1 and a reason
 * (never the key's bytes) when it will not do.
 */
int
privacy_key(struct privacy *pv, const char *path, const char **errstr)
{
	unsigned char	 buf[PRIV_KEY_MAX + 1];
	struct stat	 st;
	size_t		 n = 0;
	ssize_t		 k;
	int		 fd, ret = -1;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1) {
		*errstr = errno == ELOOP ? "a symbolic link (name the file "
		    "itself)" : strerror(errno);
		return (-1);
	}
	if (fstat(fd, &st) == -1)
		*errstr = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		*errstr = "not a regular file";
	else if (st.st_uid != geteuid())
		*errstr = "not owned by the filter's user";
	else if (st.st_mode & 077)
		*errstr = "readable or writable by group or others "
		    "(chmod 600 it)";
	else {
		while (n < sizeof(buf)) {
			k = read(fd, buf + n, sizeof(buf) - n);
			if (k == -1 && errno == EINTR)
				continue;
			if (k <= 0)
				break;
			n += k;
		}
		if (k == -1)
			*errstr = strerror(errno);
		else if (n < PRIV_KEY_MIN)
			*errstr = n == 0 ? "empty" : "shorter than 16 bytes";
		else if (n > PRIV_KEY_MAX)
			*errstr = "longer than 4096 bytes";
		else {
			hmac_sha256_key(&pv->mac, buf, n);
			ret = 0;
		}
	}
	priv_wipe(buf, sizeof(buf));
	(void)close(fd);
	return (ret);
}

/*
 * The pseudonyms made last, by a hash of the input (one address shows
 * in its tx-rcpt, its RCPT line, the reply and a filter's response: an
 * HMAC is two SHA-256 blocks each time).  The key's own states are part
 * of the entry, so that another key never gets an old pseudonym.
 */
#define PCACHE		256
#define PCACHE_IN	46
static struct {
	uint32_t	 key;
	char		 kind;		/* 0: empty */
	uint8_t		 len;
	char		 in[PCACHE_IN];	/* lower-cased */
	char		 tok[16];
} pcache[PCACHE];

/* kind "." 16 hex digits: the first 8 bytes of the input's HMAC. */
static void
pseudo(char *out, char kind, const char *p, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	struct sha256		 c;
	unsigned char		 lc[256], ih[SHA256_LEN], h[SHA256_LEN];
	unsigned char		 tag[2];
	size_t			 i, k, slot = 0, len0 = len;
	uint32_t		 key, fh;

	out[0] = kind;
	out[1] = '.';
	key = privacy.mac.inner.h[0] ^ privacy.mac.outer.h[1];
	if (len <= PCACHE_IN) {
		fh = 2166136261U ^ (unsigned char)kind;
		for (i = 0; i < len; i++) {
			lc[i] = (p[i] >= 'A' && p[i] <= 'Z') ? p[i] + 32 :
			    (unsigned char)p[i];
			fh = (fh ^ lc[i]) * 16777619U;
		}
		slot = (fh ^ (fh >> 16)) % PCACHE;
		if (pcache[slot].kind == kind && pcache[slot].key == key &&
		    pcache[slot].len == len &&
		    memcmp(pcache[slot].in, lc, len) == 0) {
			memcpy(out + 2, pcache[slot].tok, 16);
			return;
		}
	}

	tag[0] = (unsigned char)kind;
	tag[1] = 0;
	c = privacy.mac.inner;
	sha256_update(&c, tag, 2);
	while (len > 0) {
		k = len < sizeof(lc) ? len : sizeof(lc);
		for (i = 0; i < k; i++)
			lc[i] = (p[i] >= 'A' && p[i] <= 'Z') ? p[i] + 32 :
			    (unsigned char)p[i];
		sha256_update(&c, lc, k);
		p += k;
		len -= k;
	}
	sha256_final(&c, ih);
	c = privacy.mac.outer;
	sha256_update(&c, ih, sizeof(ih));
	sha256_final(&c, h);
	for (i = 0; i < 8; i++) {
		out[2 + 2 * i] = hex[h[i] >> 4];
		out[3 + 2 * i] = hex[h[i] & 15];
	}
	/* lc holds the whole input when it is this short */
	if (len0 <= PCACHE_IN) {
		pcache[slot].kind = kind;
		pcache[slot].key = key;
		pcache[slot].len = (uint8_t)len0;
		memcpy(pcache[slot].in, lc, len0);
		memcpy(pcache[slot].tok, out + 2, 16);
	}
}

/*
 * An address with its local part pseudonymized into out (room for
 * PRIV_ADDR_MAX(len)): everything before the last '@' (a domain has
 * none), all of it when there is no '@'.  "<>" and "" stay as they are,
 * and so does an address whose local part is empty.
 */
size_t
priv_addr(char *out, const char *p, size_t len, const struct session *s)
{
	const char	*at;

	if (len == 0 || LIT_IS(p, len, "<>") || p[0] == '@') {
		memcpy(out, p, len);
		return (len);
	}
	for (at = p + len; at > p && at[-1] != '@'; at--)
		;
	at = at > p ? at - 1 : p + len;
	if (!(privacy.flags & PRIV_LOCAL)) {
		/* -P ip alone: the local part as it is, the domain cut */
		memcpy(out, p, at - p);
		return ((at - p) + domain_put(out + (at - p), at, p + len - at,
		    s));
	}
	pseudo(out, 'p', p, at - p);
	return (PRIV_TOKEN + domain_put(out + PRIV_TOKEN, at, p + len - at, s));
}

/*
 * "@domain" after a pseudonym, as it is; with -P ip a domain that is an
 * address ("@[192.0.2.7]", "@[IPv6:…]", "@192.0.2.7") is cut to its
 * network like any other, and one equal to the session's hidden rdns
 * becomes "[rdns]" (I5).  Room: len + PRIV_IP_SLACK.
 */
static size_t
domain_put(char *out, const char *p, size_t len, const struct session *s)
{
	const char	*d = p + 1;
	size_t		 dl = len - 1, pre = 1, post = 0;
	int		 m;

	if ((privacy.flags & PRIV_IP) && len > 1) {
		if (dl >= 2 && d[0] == '[' && d[dl - 1] == ']') {
			pre = 2;
			post = 1;
			if (dl > 7 && strncasecmp(d + 1, "IPv6:", 5) == 0)
				pre = 7;
		}
		if ((m = priv_ip(out + pre, INET6_ADDRSTRLEN, p + pre,
		    len - pre - post)) != -1) {
			memcpy(out, p, pre);
			memcpy(out + pre + m, p + len - post, post);
			return (pre + m + post);
		}
		if (s != NULL && s->priv_rdns != 0 && priv_session(s) &&
		    priv_name_hash(d, dl) == s->priv_rdns) {
			out[0] = '@';
			memcpy(out + 1, PRIV_RDNS, sizeof(PRIV_RDNS) - 1);
			return (sizeof(PRIV_RDNS));
		}
	}
	memcpy(out, p, len);
	return (len);
}

/*
 * A user name: with -P user its pseudonym ("u.", and the domain when it
 * is an address); with -P local alone an address's local part only.
 */
size_t
priv_user(char *out, const char *p, size_t len, const struct session *s)
{
	const char	*at;

	if (!(privacy.flags & PRIV_USER)) {
		if (memchr(p, '@', len) == NULL) {
			memcpy(out, p, len);
			return (len);
		}
		return (priv_addr(out, p, len, s));
	}
	for (at = p + len; at > p && at[-1] != '@'; at--)
		;
	at = at > p + 1 ? at - 1 : p + len;
	pseudo(out, 'u', p, at - p);
	if (at == p + len)
		return (PRIV_TOKEN);
	return (PRIV_TOKEN + domain_put(out + PRIV_TOKEN, at, p + len - at, s));
}

/*
 * An IPv4 or IPv6 address (a zone "%eth0" is left out) cut to its
 * network: /24 for IPv4, /48 for IPv6, the embedded IPv4's /24 for
 * IPv4-mapped addresses (::ffff:a.b.c.d) and 6to4 (2002::/16, whose /48
 * is a whole IPv4 address).  The text into out (room for cap bytes, cap
 * at least INET6_ADDRSTRLEN); its length, or -1 when it is no address.
 */
int
priv_ip(char *out, size_t cap, const char *p, size_t len)
{
	char		 buf[INET6_ADDRSTRLEN + 1];
	unsigned char	 a[16];
	const char	*pct;
	int		 i;

	if ((pct = memchr(p, '%', len)) != NULL)
		len = pct - p;
	if (len == 0 || len >= sizeof(buf) || cap < INET6_ADDRSTRLEN)
		return (-1);
	memcpy(buf, p, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, a) == 1) {
		a[3] = 0;
		if (inet_ntop(AF_INET, a, out, cap) == NULL)
			return (-1);
		return ((int)strlen(out));
	}
	if (memchr(buf, ':', len) == NULL || inet_pton(AF_INET6, buf, a) != 1)
		return (-1);
	for (i = 0; i < 10 && a[i] == 0; i++)
		;
	if (i == 10 && a[10] == 0xff && a[11] == 0xff)
		a[15] = 0;			/* ::ffff:a.b.c.d */
	else if (a[0] == 0x20 && a[1] == 0x02)
		memset(a + 5, 0, 11);		/* 2002:aabb:cc00:: */
	else
		memset(a + 6, 0, 10);
	if (inet_ntop(AF_INET6, a, out, cap) == NULL)
		return (-1);
	return ((int)strlen(out));
}

/*
 * A name's hash to match it in free texts (ASCII case folded, trailing
 * dots left out); never 0.  A word that collides is hidden for nothing.
 */
uint32_t
priv_name_hash(const char *p, size_t len)
{
	uint64_t	 h = 0xcbf29ce484222325ULL;
	size_t		 i;
	unsigned char	 c;

	while (len > 0 && p[len - 1] == '.')
		len--;
	for (i = 0; i < len; i++) {
		c = (unsigned char)p[i];
		if (c >= 'A' && c <= 'Z')
			c += 32;
		h = (h ^ c) * 0x100000001b3ULL;
	}
	h ^= len;
	h ^= h >> 32;
	return ((uint32_t)h == 0 ? 1 : (uint32_t)h);
}

/* Does -P ip hide this session's client (not smtp-out's ends)? */
int
priv_session(const struct session *s)
{
	return ((privacy.flags & PRIV_IP) && s->subsys != SUB_SMTP_OUT);
}

static void
put(const char *p, size_t n)
{
	size_t	 want = tlen + n;

	if (want > tcap) {
		tcap = want < 256 ? 256 : want * 2;
		tbuf = xreallocarray(tbuf, tcap, 1);
	}
	memcpy(tbuf + tlen, p, n);
	tlen += n;
}

/*
 * Could the word be an ip, or an ip and a port: hex digits, ':' and '.'
 * only (up to a zone's '%'), with a '.' or a ':'?
 */
static int
ipish(const char *p, size_t n)
{
	size_t	 i;
	int	 sep = 0;

	for (i = 0; i < n && p[i] != '%'; i++) {
		if (p[i] == '.' || p[i] == ':')
			sep = 1;
		else if (!((p[i] >= '0' && p[i] <= '9') ||
		    ((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'f')))
			return (0);
	}
	return (sep);
}

/* Bytes that end a word of a free text; '"' quotes, '<' is seen first. */
static int
is_delim(unsigned char c)
{
	return (c <= ' ' || c == 0x7f || c == '|' || c == '<' || c == '>' ||
	    c == '[' || c == ']' || c == '(' || c == ')' || c == ',' ||
	    c == ';' || c == '=' || c == '\'');
}

/*
 * Is "<…>" at p an address (an '@', and no blank after the last one: a
 * domain has none)?  Its '>' then in *gt.
 */
static int
angle_addr(const char *p, size_t n, const char **gt)
{
	const char	*at = NULL, *q;

	if ((*gt = memchr(p, '>', n)) == NULL)
		return (0);
	for (q = p + 1; q < *gt; q++)
		if (*q == '@')
			at = q;
	if (at == NULL)
		return (0);
	for (q = at; q < *gt; q++)
		if (*q == ' ' || *q == '\t')
			return (0);
	return (1);
}

/*
 * A free text with what the options hide replaced, word by word (see the
 * top of the file, L5, U2, I4): an address inside <…> or a word with an
 * '@' gets its local part's pseudonym, an ip its prefix, a word equal to
 * the session's rdns "[rdns]", one equal to its user name the user's
 * pseudonym.  The result is valid until the next call.
 */
struct slice
priv_text(const struct session *s, const char *p, size_t n)
{
	struct slice	 out;
	char		 ab[128];
	size_t		 i = 0, t, j;
	const char	*gt, *at;
	int		 ip = priv_session(s);

	out.p = p;
	out.len = n;
	if (!(privacy.flags & PRIV_LOCAL) && !ip &&
	    !((privacy.flags & PRIV_USER) && s->priv_user != 0))
		return (out);
	tlen = 0;
	while (i < n) {
		if (p[i] == '<' && ((privacy.flags & PRIV_LOCAL) || ip) &&
		    angle_addr(p + i, n - i, &gt)) {
			/* <a b@c>: the whole of it is one address */
			put("<", 1);
			j = gt - (p + i + 1);
			if (PRIV_ADDR_MAX(j) <= sizeof(ab))
				put(ab, priv_addr(ab, p + i + 1, j, s));
			else {
				char	*big = xmalloc(PRIV_ADDR_MAX(j));

				put(big, priv_addr(big, p + i + 1, j, s));
				free(big);
			}
			put(">", 1);
			i = gt - p + 1;
			continue;
		}
		if (is_delim((unsigned char)p[i])) {
			put(p + i, 1);
			i++;
			continue;
		}
		for (t = i; i < n && !is_delim((unsigned char)p[i]); i++)
			if (p[i] == '"')
				while (i + 1 < n && p[i + 1] != '"')
					i++;
		if (i > n)
			i = n;
		/*
		 * '|' separates the fields of a raw text, but a local part
		 * may hold it too ("a|b@c"): a word with an '@' after '|'s
		 * is one address up to the end of its domain, so no piece of
		 * its local part is left out of the pseudonym.
		 */
		if ((privacy.flags & PRIV_LOCAL) && i < n && p[i] == '|') {
			for (j = i, at = NULL; j < n && (p[j] == '|' ||
			    !is_delim((unsigned char)p[j])); j++)
				if (p[j] == '@')
					at = p + j;
			if (at != NULL) {
				gt = memchr(at, '|', p + j - at);
				i = gt != NULL ? (size_t)(gt - p) : j;
			}
		}
		scrub_token(s, p + t, i - t);
	}
	out.p = tbuf;
	out.len = tlen;
	return (out);
}

/* One word of a free text, as priv_text() says. */
static void
scrub_token(const struct session *s, const char *p, size_t n)
{
	char		 ip[INET6_ADDRSTRLEN + 8], *big;
	const char	*at, *c, *q;
	size_t		 core = n, k;
	int		 m;

	/* a sentence's full stop, a "word:" */
	while (core > 0 && (p[core - 1] == '.' || p[core - 1] == ':'))
		core--;
	if (priv_session(s) && core > 0) {
		/* inet_pton only for what may be an address */
		if (!ipish(p, core) && !(core > 5 &&
		    strncasecmp(p, "IPv6:", 5) == 0))
			goto rdns;
		if ((m = priv_ip(ip, sizeof(ip), p, core)) != -1) {
			put(ip, m);
			goto tail;
		}
		if (core > 5 && strncasecmp(p, "IPv6:", 5) == 0 &&
		    (m = priv_ip(ip, sizeof(ip), p + 5, core - 5)) != -1) {
			put(p, 5);
			put(ip, m);
			goto tail;
		}
		/* a.b.c.d:port */
		for (c = p + core; c > p && c[-1] >= '0' && c[-1] <= '9'; c--)
			;
		if (c > p + 1 && c < p + core && c[-1] == ':' &&
		    (m = priv_ip(ip, sizeof(ip), p, c - 1 - p)) != -1) {
			put(ip, m);
			put(c - 1, p + core - (c - 1));
			goto tail;
		}
 rdns:
		if (s->priv_rdns != 0 && priv_name_hash(p, core) ==
		    s->priv_rdns) {
			put(PRIV_RDNS, sizeof(PRIV_RDNS) - 1);
			goto tail;
		}
	}
	if ((privacy.flags & PRIV_USER) && s->priv_user != 0 && core > 0 &&
	    priv_name_hash(p, core) == s->priv_user) {
		big = xmalloc(PRIV_ADDR_MAX(core));
		put(big, priv_user(big, p, core, s));
		free(big);
		goto tail;
	}
	if (((privacy.flags & PRIV_LOCAL) || priv_session(s)) &&
	    (at = memchr(p, '@', core)) != NULL) {
		/* "FROM:a@b", "mailto:a@b": the local part is after the ':' */
		q = p;
		if (p[0] != '"')
			for (c = p; c < at; c++)
				if (*c == ':')
					q = c + 1;
		put(p, q - p);
		k = core - (q - p);
		big = xmalloc(PRIV_ADDR_MAX(k));
		put(big, priv_addr(big, q, k, s));
		free(big);
		goto tail;
	}
	put(p, n);
	return;
 tail:
	put(p + core, n - core);
}

/*
 * opensmtpd.protocol.line under -P (P1, or L5/I4 without proto); the
 * result, valid until the next call, is masked by mask_line() after.
 */
struct slice
priv_line(const struct session *s, const struct report *r,
    const struct slice *l)
{
	struct slice	 out;
	const char	*p = l->p, *e;
	size_t		 n = l->len, v, i, d;

	if (!(privacy.flags & PRIV_PROTO))
		return (priv_text(s, p, n));
	tlen = 0;
	if (r->event == RPT_PROTOCOL_CLIENT) {
		while (n > 0 && (*p == ' ' || *p == '\t')) {
			p++;
			n--;
		}
		if (LIT_IS(p, n, "."))
			put(".", 1);	/* the end of DATA */
		else if ((v = smtp_command(p, n)) == 0)
			put("?", 1);
		else if (v == 4 && (strncasecmp(p, "mail", 4) == 0 ||
		    strncasecmp(p, "rcpt", 4) == 0) &&
		    (e = memchr(p, ':', n)) != NULL && e - p <= 10) {
			/* "MAIL FROM:", "RCPT TO:" as written */
			put(p, e - p + 1);
		} else
			put(p, v);
	} else {
		/* "550-5.7.1 …": code, separator, enhanced code */
		for (i = 0; i < n && i < 3 && p[i] >= '0' && p[i] <= '9'; i++)
			;
		if (i < 3 || (n > 3 && p[3] != ' ' && p[3] != '-'))
			put("?", 1);
		else {
			put(p, n > 3 && p[3] == '-' ? 4 : 3);
			/* X.Y.Z: X equal to the code's first digit */
			d = 4;
			for (i = 0; i < 3; i++) {
				v = d;
				while (d < n && d - v < 3 && p[d] >= '0' &&
				    p[d] <= '9')
					d++;
				if (d == v || (i < 2 && (d >= n ||
				    p[d] != '.')))
					break;
				if (i < 2)
					d++;
			}
			if (i == 3 && (d == n || p[d] == ' ') && n > 4 &&
			    p[4] == p[0] && (p[0] == '2' || p[0] == '4' ||
			    p[0] == '5')) {
				if (p[3] == ' ')
					put(" ", 1);
				put(p + 4, d - 4);
			}
		}
	}
	out.p = tbuf;
	out.len = tlen;
	return (out);
}
