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
 * The whole credential policy: which client lines are masked (the answer
 * to a 334 challenge whole, everything after "AUTH <mechanism>"), the
 * memory of sessions evicted while AUTH was in progress, and the excerpts
 * of bad lines written to stderr, which must not carry AUTH data either.
 */

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "filter-jsonlog.h"
#include "jsonw.h"

static int	 is_reply(const struct slice *, const char *);

/*
 * Write a protocol line (or the raw parameters of an unknown event) with
 * AUTH data masked: the line that answers a 334 challenge whole, and
 * everything after "AUTH <mechanism>" (smtpd leaves an initial response
 * before HELO, and AUTH LOGIN's, in clear).  In a session whose start was
 * not seen (evicted or expired, then back; a stream taken up in the
 * middle) a 334 may have gone unseen: there any client line that is not
 * an SMTP command is masked.
 */
void
mask_line(struct wbuf *w, const struct report *r, const struct session *s,
    const struct slice *l)
{
	const char	*p = l->p, *end = l->p + l->len, *a, *start;
	int		 client = r->event == RPT_PROTOCOL_CLIENT;
	size_t		 i;

	if (client && (s->auth_data ||
	    (!s->connected && !smtp_command(p, l->len)))) {
		if (l->len == 1 && p[0] == '*')
			W_LIT(w, "*");	/* the client cancels */
		else
			W_LIT(w, MASK);
		return;
	}
	if (r->event == RPT_PROTOCOL_SERVER) {
		w_slice(w, p, l->len);
		return;
	}
	/*
	 * Find "auth " (any case): a command starts with it (after blanks);
	 * in the raw parameters of an unknown event it may follow a
	 * separator.
	 */
	start = p;
	if (client)
		while (start < end && (*start == ' ' || *start == '\t'))
			start++;
	for (a = start; a + 5 <= end; a++) {
		if (a > start && client)
			break;
		if ((a == start || a[-1] == ' ' || a[-1] == '|') &&
		    (a[0] | 0x20) == 'a' && (a[1] | 0x20) == 'u' &&
		    (a[2] | 0x20) == 't' && (a[3] | 0x20) == 'h' &&
		    (a[4] == ' ' || a[4] == '\t'))
			break;
	}
	if (a + 5 > end || (a > start && client)) {
		w_slice(w, p, l->len);
		return;
	}
	/* Keep "AUTH <mechanism>", mask what follows it. */
	i = (a - p) + 5;
	while (i < l->len && (p[i] == ' ' || p[i] == '\t'))
		i++;
	while (i < l->len && p[i] != ' ' && p[i] != '\t')
		i++;
	if (i >= l->len) {
		w_slice(w, p, l->len);
		return;
	}
	w_slice(w, p, i);
	W_LIT(w, " " MASK);
}

/* A server line: after a 334 challenge the client's next line is AUTH data. */
void
mask_reply(struct session *s, const struct report *r)
{
	s->auth_data = is_reply(&r->f[F_LINE], "334");
}

/* The client's line has been written: what follows is a command again. */
void
mask_answered(struct session *s)
{
	s->auth_data = 0;
}

/*
 * A session is evicted between a 334 challenge and the client's answer:
 * remember it, so that the answer is still masked when the session is
 * back.  The last AUTHWAIT_MAX such sessions are kept.
 */
void
mask_evicted(struct sessions *ss, const struct session *s)
{
	size_t	 i;

	if (!s->auth_data)
		return;
	i = ss->nauthwait++ % AUTHWAIT_MAX;
	ss->authwait[i].id = s->id;
	ss->authwait[i].subsys = s->subsys;
}

/* A new session: was it evicted while waiting for AUTH data?  1 if so. */
int
mask_returning(struct sessions *ss, int subsys, uint64_t id)
{
	size_t	 i;
	int	 waiting = 0;

	for (i = 0; i < ss->nauthwait && i < AUTHWAIT_MAX; i++)
		if (ss->authwait[i].id == id &&
		    ss->authwait[i].subsys == subsys) {
			waiting = 1;
			ss->authwait[i].subsys = -1;	/* used */
		}
	return (waiting);
}

/*
 * The head of a bad line for a diagnostic (smtpd copies it into its log).
 * Its parameters may hold AUTH data, and a field left out shifts them to
 * the left: so only the first six fields, each only while it looks like
 * what belongs there (words of [a-z0-9.-], then an id of hex digits).
 */
const char *
mask_excerpt(const char *p, size_t len)
{
	static char	 buf[6 * 33 + 8];
	const char	*end = p + len, *e;
	size_t		 n = 0, fl, i;
	int		 field, ok;

	for (field = 0; field < 6 && p <= end; field++) {
		e = memchr(p, '|', end - p);
		fl = (e != NULL ? e : end) - p;
		ok = fl <= (field == 5 ? 16 : 32);
		for (i = 0; ok && i < fl; i++) {
			if (field == 5)
				ok = isxdigit((unsigned char)p[i]) != 0;
			else
				ok = (p[i] >= 'a' && p[i] <= 'z') ||
				    (p[i] >= '0' && p[i] <= '9') ||
				    p[i] == '.' || p[i] == '-';
		}
		if (!ok) {
			buf[n++] = '?';
			break;
		}
		memcpy(buf + n, p, fl);
		n += fl;
		if (e == NULL) {
			buf[n] = '\0';
			return (buf);		/* the whole line */
		}
		buf[n++] = '|';
		p = e + 1;
	}
	memcpy(buf + n, "...", sizeof("..."));
	return (buf);
}

/*
 * Does a client line start with an SMTP command ("MAIL FROM:<…>",
 * "quit")?  The length of its verb, or 0.  AUTH data never does: base64
 * has no space, and a bare word of it equal to DATA or QUIT gives nothing
 * away.
 */
size_t
smtp_command(const char *p, size_t len)
{
	static const struct slice verbs[] = {
		WORD("helo"), WORD("ehlo"), WORD("lhlo"), WORD("mail"),
		WORD("rcpt"), WORD("data"), WORD("bdat"), WORD("rset"),
		WORD("noop"), WORD("quit"), WORD("vrfy"), WORD("expn"),
		WORD("help"), WORD("auth"), WORD("starttls"), WORD("etrn"),
		WORD("atrn"), WORD("turn"), WORD("xclient"), WORD("xforward")
	};
	size_t		 i, n;

	for (n = 0; n < len && n < 9 && p[n] != ' ' && p[n] != '\t'; n++)
		;
	if (n == 0 || n > 8)
		return (0);
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (verbs[i].len == n && strncasecmp(p, verbs[i].p, n) == 0)
			return (n);
	return (0);
}

/* Does the reply line start with this 3-digit code? */
static int
is_reply(const struct slice *l, const char *code)
{
	return (l->len >= 3 && memcmp(l->p, code, 3) == 0 &&
	    (l->len == 3 || l->p[3] == ' ' || l->p[3] == '-'));
}
