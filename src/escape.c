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
 * JSON string escaping to printable ASCII.  Every byte outside 0x20-0x7e
 * becomes an escape, valid UTF-8 becomes \uXXXX (surrogate pairs above
 * U+FFFF) and every byte that does not start a valid sequence becomes
 * \ufffd, so no syslog daemon on the way has anything left to rewrite.
 * The texts a session keeps are escaped once, when they are stored, into
 * an arena of the session's own.
 */

#include <stdlib.h>
#include <string.h>

#include "filter-jsonlog.h"

#define TEXTS_MAX	12		/* texts of a session, recipients aside */
#define ARENA_MIN	192		/* bytes */

/* 0: copy as is; 1: escape; 2: start of a multi-byte sequence. */
static const unsigned char cls[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};

static const char hex[] = "0123456789abcdef";

static size_t	 put_u(char *, unsigned int);
static int	 utf8_decode(const unsigned char *, size_t, unsigned int *);
static void	 arena_put(struct session *, struct estr *, const char *,
		    size_t);
static char	*arena_move(struct estr *, char *);
static int	 session_texts(struct session *, struct estr **);

#define ONES	0x0101010101010101ULL
#define HIGHS	0x8080808080808080ULL
/* Some byte of x is zero (an exact test for "any", not for which). */
#define HAS_ZERO(x)	(((x) - ONES) & ~(x) & HIGHS)

/*
 * Do the 8 bytes at p need no escaping: none below 0x20, above 0x7e, '"'
 * or '\\'?  (cls[] says the same of each byte.)
 */
static inline int
plain8(const unsigned char *p)
{
	uint64_t	 x;

	memcpy(&x, p, sizeof(x));
	/* bytes >= 0x80; then < 0x20 (x + 0x60 has no carry out of a byte
	   below 0x80, so bit 7 stays clear only for those); 0x7f, '"', '\\' */
	return ((x & HIGHS) == 0 &&
	    ((x + ONES * 0x60) & HIGHS) == HIGHS &&
	    !HAS_ZERO(x ^ (ONES * 0x7f)) &&
	    !HAS_ZERO(x ^ (ONES * '"')) &&
	    !HAS_ZERO(x ^ (ONES * '\\')));
}

/*
 * Escape n bytes of s into out, which has room for ESCAPE_MAX(n) bytes;
 * return the length written.  No quotes are added.
 */
size_t
escape_json(char *out, const char *s, size_t n)
{
	const unsigned char	*p = (const unsigned char *)s;
	const unsigned char	*end = p + n, *run;
	char			*o = out;
	unsigned int		 cp;
	int			 k;

	while (p < end) {
		run = p;
		/* eight bytes at a time while none needs escaping */
		while (end - p >= 8 && plain8(p))
			p += 8;
		for (; p < end && cls[*p] == 0; p++)
			;
		if (p > run) {
			memcpy(o, run, p - run);
			o += p - run;
			if (p == end)
				break;
		}
		if (cls[*p] == 1) {
			*o++ = '\\';
			switch (*p) {
			case '"':	*o++ = '"'; break;
			case '\\':	*o++ = '\\'; break;
			case '\b':	*o++ = 'b'; break;
			case '\f':	*o++ = 'f'; break;
			case '\n':	*o++ = 'n'; break;
			case '\r':	*o++ = 'r'; break;
			case '\t':	*o++ = 't'; break;
			default:
				o--;
				o += put_u(o, *p);
				break;
			}
			p++;
			continue;
		}
		if ((k = utf8_decode(p, end - p, &cp)) == 0) {
			o += put_u(o, 0xfffd);
			p++;
			continue;
		}
		p += k;
		if (cp >= 0x10000) {
			cp -= 0x10000;
			o += put_u(o, 0xd800 + (cp >> 10));
			o += put_u(o, 0xdc00 + (cp & 0x3ff));
		} else
			o += put_u(o, cp);
	}
	return (o - out);
}

/* "\uXXXX" */
static size_t
put_u(char *o, unsigned int cp)
{
	o[0] = '\\';
	o[1] = 'u';
	o[2] = hex[(cp >> 12) & 0xf];
	o[3] = hex[(cp >> 8) & 0xf];
	o[4] = hex[(cp >> 4) & 0xf];
	o[5] = hex[cp & 0xf];
	return (6);
}

/*
 * One well-formed UTF-8 sequence (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF): its length, or 0.
 */
static int
utf8_decode(const unsigned char *p, size_t n, unsigned int *cp)
{
	unsigned int	 c = p[0], min;
	int		 len, i;

	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		c &= 0x07;
		min = 0x10000;
	} else
		return (0);
	if (n < (size_t)len)
		return (0);
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return (0);
		c = (c << 6) | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return (0);
	*cp = c;
	return (len);
}

/*
 * Escape n bytes; longer than max: -1.  Into a new allocation (e), or
 * into the arena of session s.
 */
int
escape_store(struct estr *e, const char *src, size_t n, size_t max,
    struct session *s)
{
	char	 stack[2048], *tmp = stack;
	size_t	 len;
	int	 rv = -1;

	if (n > max)
		return (-1);	/* escaping never shortens */
	if (ESCAPE_MAX(n) > sizeof(stack))
		tmp = xmalloc(ESCAPE_MAX(n));
	len = escape_json(tmp, src, n);
	if (len <= max) {
		if (s != NULL)
			arena_put(s, e, tmp, len);
		else {
			e->p = xmalloc(len + 1);
			memcpy(e->p, tmp, len);
			e->p[len] = '\0';
			e->len = len;
		}
		rv = 0;
	}
	if (tmp != stack)
		free(tmp);
	return (rv);
}

/* Keep an escaped copy of n bytes, or nothing when longer than max. */
int
estr_set(struct estr *e, const char *s, size_t n, size_t max)
{
	estr_free(e);
	return (escape_store(e, s, n, max, NULL));
}

/* Free a text of its own (not one in an arena). */
void
estr_free(struct estr *e)
{
	free(e->p);
	e->p = NULL;
	e->len = 0;
}

/* Forget a session text (its bytes stay as garbage until the arena grows). */
void
estr_clear(struct estr *e)
{
	e->p = NULL;
	e->len = 0;
}

/*
 * The texts of a session live in one allocation of its own, so that
 * rendering a record touches a few cache lines rather than a dozen
 * scattered blocks.  A replaced text leaves garbage behind; growing the
 * arena copies only the live texts, which compacts it.
 */
static void
arena_put(struct session *s, struct estr *e, const char *src, size_t len)
{
	struct estr	*t[TEXTS_MAX];
	struct tx	*tx = &s->tx;
	char		*old = s->arena, *p;
	size_t		 live, cap;
	uint32_t	 i, n;

	if (len > s->acap - s->alen) {
		n = session_texts(s, t);
		for (live = len, i = 0; i < n; i++)
			live += t[i]->len;
		for (i = 0; i < tx->nrcpt; i++)
			live += tx->rcpt[i].addr.len;
		cap = live * 2 < ARENA_MIN ? ARENA_MIN : live * 2;
		p = s->arena = xmalloc(cap);
		for (i = 0; i < n; i++)
			p = arena_move(t[i], p);
		for (i = 0; i < tx->nrcpt; i++)
			if (tx->rcpt[i].addr.p != NULL)
				p = arena_move(&tx->rcpt[i].addr, p);
		s->alen = p - s->arena;
		s->acap = cap;
		free(old);
	}
	e->p = s->arena + s->alen;
	e->len = len;
	memcpy(e->p, src, len);
	s->alen += len;
}

/* Copy a text to p in the new arena; where the next one goes. */
static char *
arena_move(struct estr *e, char *p)
{
	memcpy(p, e->p, e->len);
	e->p = p;
	return (p + e->len);
}

/* Every text of the session that is set (the recipients' aside). */
static int
session_texts(struct session *s, struct estr **t)
{
	struct estr	*all[] = {
		&s->src.addr, &s->src.ip, &s->dst.addr, &s->dst.ip, &s->rdns,
		&s->greeting, &s->helo, &s->tls_raw, &s->tls_version,
		&s->tls_cipher, &s->user, &s->tx.from
	};
	size_t		 i;
	int		 n = 0;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (all[i]->p != NULL)
			t[n++] = all[i];
	return (n);
}
