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
 * The report protocol: one line in, one struct report out.  Which field
 * sits where depends on the event and the protocol version; that is data
 * (the layout table below), not code.
 */

#include <string.h>

#include "filter-jsonlog.h"

#define V(maj, min)	((maj) * 1000 + (min))
#define NSLOT		4

/*
 * One row per (event, first version it applies to).  nfield parameters
 * are taken from the left; the last one keeps the rest of the line.  With
 * rsplit the last field is cut at the last '|' instead and the one before
 * it takes what lies between: before 0.6 (tx-mail, tx-rcpt) and 0.7
 * (link-auth) the result came after the field that may hold a '|'.
 */
struct layout {
	int		 event;
	int		 since;
	int		 nfield;
	int		 nmin;		/* fewer fields are malformed */
	int		 rsplit;
	unsigned char	 slot[NSLOT];
};

static const struct layout layouts[] = {
	{ RPT_LINK_CONNECT,	V(0, 0), 4, 4, 0,
	    { F_RDNS, F_FCRDNS, F_SRC, F_DEST } },
	{ RPT_LINK_GREETING,	V(0, 0), 1, 1, 0, { F_HOSTNAME } },
	{ RPT_LINK_IDENTIFY,	V(0, 0), 2, 2, 0, { F_METHOD, F_IDENTITY } },
	{ RPT_LINK_TLS,		V(0, 0), 1, 1, 0, { F_TLS } },
	{ RPT_LINK_AUTH,	V(0, 0), 2, 2, 1, { F_USER, F_RESULT } },
	{ RPT_LINK_AUTH,	V(0, 7), 2, 2, 0, { F_RESULT, F_USER } },
	{ RPT_LINK_DISCONNECT,	V(0, 0), 0, 0, 0, { 0 } },
	{ RPT_TX_RESET,		V(0, 0), 1, 1, 0, { F_MSGID } },
	{ RPT_TX_BEGIN,		V(0, 0), 1, 1, 0, { F_MSGID } },
	{ RPT_TX_MAIL,		V(0, 0), 3, 3, 1,
	    { F_MSGID, F_ADDRESS, F_RESULT } },
	{ RPT_TX_MAIL,		V(0, 6), 3, 3, 0,
	    { F_MSGID, F_RESULT, F_ADDRESS } },
	{ RPT_TX_RCPT,		V(0, 0), 3, 3, 1,
	    { F_MSGID, F_ADDRESS, F_RESULT } },
	{ RPT_TX_RCPT,		V(0, 6), 3, 3, 0,
	    { F_MSGID, F_RESULT, F_ADDRESS } },
	{ RPT_TX_ENVELOPE,	V(0, 0), 2, 2, 0, { F_MSGID, F_EVPID } },
	{ RPT_TX_DATA,		V(0, 0), 2, 2, 0, { F_MSGID, F_RESULT } },
	{ RPT_TX_COMMIT,	V(0, 0), 2, 2, 0, { F_MSGID, F_SIZE } },
	{ RPT_TX_ROLLBACK,	V(0, 0), 1, 1, 0, { F_MSGID } },
	{ RPT_PROTOCOL_CLIENT,	V(0, 0), 1, 1, 0, { F_LINE } },
	{ RPT_PROTOCOL_SERVER,	V(0, 0), 1, 1, 0, { F_LINE } },
	{ RPT_FILTER_REPORT,	V(0, 0), 3, 3, 0,
	    { F_KIND, F_NAME, F_MESSAGE } },
	{ RPT_FILTER_RESPONSE,	V(0, 0), 3, 2, 0,
	    { F_PHASE, F_RESPONSE, F_PARAM } },
	{ RPT_TIMEOUT,		V(0, 0), 0, 0, 0, { 0 } },
};

/* Event names in enum rpt_event order. */
static const char *const event_names[RPT__COUNT] = {
	"link-connect", "link-greeting", "link-identify", "link-tls",
	"link-auth", "link-disconnect", "tx-reset", "tx-begin", "tx-mail",
	"tx-rcpt", "tx-envelope", "tx-data", "tx-commit", "tx-rollback",
	"protocol-client", "protocol-server", "filter-report",
	"filter-response", "timeout", "unknown"
};

/* Result words in enum rpt_result order ("other" is never parsed). */
const struct slice result_words[RES__COUNT] = {
	WORD(""), WORD("ok"), WORD("permfail"), WORD("tempfail"),
	WORD("pass"), WORD("fail"), WORD("error"), WORD("other")
};

/* Subsystem names in enum rpt_subsys order. */
const struct slice subsys_names[SUB_KNOWN] = {
	WORD("smtp-in"), WORD("smtp-out")
};

/* link-identify's methods in enum helo_method order. */
const struct slice helo_methods[HELO__COUNT] = {
	WORD(""), WORD("HELO"), WORD("EHLO"), WORD("LHLO")
};

static int	 next_field(const char **, const char *, struct slice *);
static int	 parse_time(const struct slice *, int64_t *);
static int	 is_name(const struct slice *, size_t);
static const struct layout *layout_find(int, int);
static int	 split_params(const struct layout *, struct report *,
		    const char **);
static int	 check_fields(struct report *, const char **);
static int	 word_find(const struct slice *, int, int, const char *,
		    size_t);
static const char *last_bar(const char *, const char *);
static uint64_t	 load64(const char *);
static uint32_t	 load32(const char *);
static int	 digits8(const char *, uint64_t *);
static int	 hex8(const char *, uint32_t *);
static int	 hex16(const char *, uint64_t *);
static int	 fast_time(const char *, int64_t *);
static const struct layout *layout_of(int, int);

/*
 * Parse one line (without its newline); 0, or -1 with errstr set.  Not
 * all of *r is cleared: of f[], only the fields of the event's layout are
 * set (those present, and an absent optional one as empty); the others
 * keep what they held and are never read (RPT_HAS, or the layout of
 * r->event, says which are valid).  Clearing all of it cost more than
 * the rest of the header.
 *
 * Most lines are of one shape ("report|0.7|<10 digits>.<6 digits>|
 * smtp-in|…|<16 hex digits>|"): each header field is first tried in that
 * shape without a scan, and taken the general way when it is not so.
 */
int
protocol_parse(const char *line, size_t len, struct report *r,
    const char **errstr)
{
	const char		*p = line, *end = line + len;
	struct slice		 word, id;
	const struct layout	*l;
	int			 v, i;
	uint64_t		 u;

	r->version = 0;
	r->unknown = 0;
	r->time_us = 0;
	r->subsys = 0;
	r->event = 0;
	r->event_name.p = r->subsys_name.p = r->vstr.p = NULL;
	r->event_name.len = r->subsys_name.len = r->vstr.len = 0;
	r->id = 0;
	r->idstr = NULL;
	r->params.p = NULL;
	r->params.len = 0;
	r->has_params = 0;
	r->present = 0;
	r->result = 0;
	r->msgid = 0;
	r->evpid = 0;
	r->size = 0;
	if (!LIT_PREFIX(line, len, "report|")) {
		*errstr = "not a report line";
		return (-1);
	}
	p += 7;
	/* "0.N|" */
	if (end - p >= 4 && p[0] == '0' && p[1] == '.' && p[2] >= '0' &&
	    p[2] <= '9' && p[3] == '|') {
		r->vstr.p = p;
		r->vstr.len = 3;
		r->version = p[2] - '0';
		p += 4;
	} else if (!next_field(&p, end, &r->vstr) ||
	    protocol_version(r->vstr.p, r->vstr.len, &r->version) == -1) {
		*errstr = "bad version";
		return (-1);
	}
	/* "<10 digits>.<6 digits>|" */
	if (end - p >= 18 && p[17] == '|' && fast_time(p, &r->time_us))
		p += 18;
	else if (!next_field(&p, end, &word) ||
	    parse_time(&word, &r->time_us)) {
		*errstr = "bad timestamp";
		return (-1);
	}
	if (end - p >= 9 && load64(p) == load64("smtp-in|")) {
		r->subsys_name.p = p;
		r->subsys_name.len = 7;
		r->subsys = SUB_SMTP_IN;
		p += 8;
	} else if (end - p >= 9 && load64(p) == load64("smtp-out") &&
	    p[8] == '|') {
		r->subsys_name.p = p;
		r->subsys_name.len = 8;
		r->subsys = SUB_SMTP_OUT;
		p += 9;
	} else {
		if (!next_field(&p, end, &r->subsys_name)) {
			*errstr = "bad subsystem";
			return (-1);
		}
		r->subsys = protocol_subsys(r->subsys_name.p,
		    r->subsys_name.len);
		if (r->subsys == SUB_OTHER && !is_name(&r->subsys_name, 32)) {
			*errstr = "bad subsystem";
			return (-1);
		}
	}
	if (!next_field(&p, end, &r->event_name)) {
		*errstr = "bad event name";
		return (-1);
	}
	v = protocol_event(r->event_name.p, r->event_name.len);
	if (v == RPT_UNKNOWN && !is_name(&r->event_name, 64)) {
		*errstr = "bad event name";
		return (-1);
	}
	/* The session id ends the header: it is followed by '|' or EOL. */
	id.p = p;
	if (end - p >= 16 && (end - p == 16 || p[16] == '|')) {
		id.len = 16;
		p += 16;
	} else if ((p = memchr(id.p, '|', end - id.p)) == NULL) {
		id.len = end - id.p;
		p = end;
	} else
		id.len = p - id.p;
	if (p < end) {
		r->has_params = 1;
		p++;
		r->params.p = p;
		r->params.len = end - p;
	}
	if (id.len != 16 || !hex16(id.p, &u)) {
		*errstr = "bad session id";
		return (-1);
	}
	r->id = u;
	r->idstr = id.p;

	if (v == RPT_UNKNOWN || r->version > V(0, PROTO_VERSION_NEWEST) ||
	    r->version < V(0, 4))
		r->unknown = 1;
	r->event = v;
	if (v == RPT_UNKNOWN)
		return (0);
	l = layout_of(v, r->version);
	for (i = 0; i < l->nfield; i++) {
		r->f[l->slot[i]].p = NULL;
		r->f[l->slot[i]].len = 0;
	}
	if (split_params(l, r, errstr) == -1)
		return (-1);
	return (check_fields(r, errstr));
}

/*
 * Event names by a hash of their length and two of their bytes; the
 * entry is the event + 1 (0: none), the name compared in full after.
 */
#define EV_HASH(p, len)	(((unsigned char)(p)[0] +			\
	(unsigned char)(p)[(len) - 2] * 5 + (len)) & 63)

/* The event number for a name, RPT_UNKNOWN when it is not one. */
int
protocol_event(const char *name, size_t len)
{
	static unsigned char	 hash[64];
	static unsigned char	 lens[RPT_UNKNOWN];
	const char		*e;
	int			 i;

	if (lens[0] == 0)
		for (i = 0; i < RPT_UNKNOWN; i++) {
			lens[i] = (unsigned char)strlen(event_names[i]);
			hash[EV_HASH(event_names[i], lens[i])] = i + 1;
		}
	/* the names are 7 to 15 bytes long */
	if (len < 7 || len > 15 || (i = hash[EV_HASH(name, len)]) == 0 ||
	    lens[--i] != len)
		return (RPT_UNKNOWN);
	e = event_names[i];
	if (len >= 8) {
		if (load64(name) != load64(e) ||
		    load64(name + len - 8) != load64(e + len - 8))
			return (RPT_UNKNOWN);
	} else if (load32(name) != load32(e) ||
	    load32(name + len - 4) != load32(e + len - 4))
		return (RPT_UNKNOWN);
	return (i);
}

const char *
protocol_event_name(int event)
{
	if (event < 0 || event >= RPT__COUNT)
		return ("unknown");
	return (event_names[event]);
}

/*
 * "major.minor" (or a bare "major", as the legacy protocol "1" was) into
 * major * 1000 + minor, so that 0.10 sorts after 0.9.
 */
int
protocol_version(const char *s, size_t len, int *version)
{
	size_t	 i = 0;
	int	 major = 0, minor = 0, n;

	for (n = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++, n++) {
		if (n == 3)
			return (-1);
		major = major * 10 + (s[i] - '0');
	}
	if (n == 0)
		return (-1);
	if (i < len) {
		if (s[i++] != '.')
			return (-1);
		for (n = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++, n++) {
			if (n == 3)
				return (-1);
			minor = minor * 10 + (s[i] - '0');
		}
		if (n == 0 || i != len)
			return (-1);
	}
	*version = major * 1000 + minor;
	return (0);
}

/* Take the field up to the next '|'; 0 when there is no '|'. */
static int
next_field(const char **pp, const char *end, struct slice *s)
{
	const char	*bar;

	if ((bar = memchr(*pp, '|', end - *pp)) == NULL)
		return (0);
	s->p = *pp;
	s->len = bar - *pp;
	*pp = bar + 1;
	return (1);
}

/* "<seconds>.<6 digits>", seconds up to the year 9999. */
static int
parse_time(const struct slice *s, int64_t *us)
{
	int64_t	 sec = 0, frac = 0;
	size_t	 i, n;

	for (i = 0; i < s->len && s->p[i] >= '0' && s->p[i] <= '9'; i++) {
		if (i == 12)
			return (-1);
		sec = sec * 10 + (s->p[i] - '0');
	}
	if (i == 0 || i + 7 != s->len || s->p[i] != '.')
		return (-1);
	for (n = i + 1; n < s->len; n++) {
		if (s->p[n] < '0' || s->p[n] > '9')
			return (-1);
		frac = frac * 10 + (s->p[n] - '0');
	}
	if (sec > 253402300799LL)
		return (-1);
	*us = sec * 1000000 + frac;
	return (0);
}

/* A plausible subsystem or event name: [a-z0-9-], 1 to max bytes. */
static int
is_name(const struct slice *s, size_t max)
{
	size_t	 i;

	if (s->len == 0 || s->len > max)
		return (0);
	for (i = 0; i < s->len; i++)
		if (!((s->p[i] >= 'a' && s->p[i] <= 'z') ||
		    (s->p[i] >= '0' && s->p[i] <= '9') || s->p[i] == '-'))
			return (0);
	return (1);
}

/* The newest layout of an event that applies to a version. */
static const struct layout *
layout_find(int event, int version)
{
	const struct layout	*l, *best = NULL;
	size_t			 i;

	for (i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		l = &layouts[i];
		if (l->event != event)
			continue;
		if (best == NULL || l->since <= version)
			best = l;
	}
	return (best);
}

/*
 * layout_find for the three version ranges that differ (the layouts'
 * since: 0.0, 0.6, 0.7), looked up once each.
 */
static const struct layout *
layout_of(int event, int version)
{
	static const struct layout	*cache[RPT_UNKNOWN][3];
	int				 k;

	k = version >= V(0, 7) ? 2 : version >= V(0, 6) ? 1 : 0;
	if (cache[event][k] == NULL)
		cache[event][k] = layout_find(event,
		    k == 2 ? V(0, 7) : k == 1 ? V(0, 6) : V(0, 0));
	return (cache[event][k]);
}

static int
split_params(const struct layout *l, struct report *r, const char **errstr)
{
	const char	*p, *end, *bar;
	struct slice	 s;
	int		 i, n = l->nfield, left;

	if (n == 0)
		return (0);	/* extra parameters of a future version */
	if (!r->has_params) {
		*errstr = "missing parameters";
		return (-1);
	}
	/* Only now: without parameters params.p is NULL. */
	p = r->params.p;
	end = p + r->params.len;
	/* Fields taken from the left before the rest-of-line one. */
	left = l->rsplit ? n - 2 : n - 1;
	for (i = 0; i < left; i++) {
		if (!next_field(&p, end, &s)) {
			if (i + 1 >= l->nmin && i + 1 == n - 1) {
				/* optional last field absent */
				s.p = p;
				s.len = end - p;
				p = end;
				r->f[l->slot[i]] = s;
				r->present |= 1U << l->slot[i];
				return (0);
			}
			*errstr = "too few parameters";
			return (-1);
		}
		r->f[l->slot[i]] = s;
		r->present |= 1U << l->slot[i];
	}
	if (l->rsplit) {
		if ((bar = last_bar(p, end)) == NULL) {
			*errstr = "too few parameters";
			return (-1);
		}
		s.p = bar + 1;
		s.len = end - s.p;
		r->f[l->slot[n - 1]] = s;
		r->present |= 1U << l->slot[n - 1];
		end = bar;
		i = n - 2;
	} else
		i = n - 1;
	s.p = p;
	s.len = end - p;
	r->f[l->slot[i]] = s;
	r->present |= 1U << l->slot[i];
	return (0);
}

/* Ids, sizes and result words must have their form. */
static int
check_fields(struct report *r, const char **errstr)
{
	uint64_t	 v;
	size_t		 i;

	if (RPT_HAS(r, F_MSGID)) {
		uint32_t	 m;

		if (r->f[F_MSGID].len != 8 || !hex8(r->f[F_MSGID].p, &m)) {
			*errstr = "bad message id";
			return (-1);
		}
		r->msgid = m;
	}
	if (RPT_HAS(r, F_EVPID)) {
		if (r->f[F_EVPID].len != 16 ||
		    !hex16(r->f[F_EVPID].p, &r->evpid)) {
			*errstr = "bad envelope id";
			return (-1);
		}
	}
	if (RPT_HAS(r, F_SIZE)) {
		const struct slice *s = &r->f[F_SIZE];

		if (s->len == 0 || s->len > 19) {
			*errstr = "bad size";
			return (-1);
		}
		for (v = 0, i = 0; i < s->len; i++) {
			if (s->p[i] < '0' || s->p[i] > '9') {
				*errstr = "bad size";
				return (-1);
			}
			v = v * 10 + (uint64_t)(s->p[i] - '0');
		}
		r->size = v;
	}
	if (RPT_HAS(r, F_RESULT))
		r->result = protocol_result(r->f[F_RESULT].p,
		    r->f[F_RESULT].len);
	return (0);
}

/* A result word: RES_OK to RES_ERROR, or RES_OTHER. */
int
protocol_result(const char *p, size_t len)
{
	return (word_find(result_words, RES_OK, RES_ERROR + 1, p, len));
}

/* A subsystem name: SUB_SMTP_IN, SUB_SMTP_OUT, or SUB_OTHER. */
int
protocol_subsys(const char *p, size_t len)
{
	return (word_find(subsys_names, 0, SUB_KNOWN, p, len));
}

/* HELO, EHLO, LHLO, or HELO_NONE. */
int
protocol_helo(const char *p, size_t len)
{
	int	 m = word_find(helo_methods, HELO_HELO, HELO__COUNT, p, len);

	return (m == HELO__COUNT ? HELO_NONE : m);
}

/* The index in [from, to) of the word that is [p, p + len); else to. */
static int
word_find(const struct slice *words, int from, int to, const char *p,
    size_t len)
{
	int	 i;

	for (i = from; i < to; i++)
		if (words[i].len == len && memcmp(words[i].p, p, len) == 0)
			return (i);
	return (to);
}

/* The last '|' in [p, end), or NULL. */
static const char *
last_bar(const char *p, const char *end)
{
	while (end > p)
		if (*--end == '|')
			return (end);
	return (NULL);
}

/*
 * An SMTP reply line: "550-5.7.1 text", "250 2.0.0 Ok", "354 End data".
 * The code is three digits (first 2 to 5) followed by a space, a '-' or
 * nothing; the enhanced status code (RFC 3463) "class.subject.detail"
 * follows it when the class is the code's first digit and subject and
 * detail have one to three digits.  0 when the line has no code.
 */
int
protocol_reply(const char *p, size_t len, struct reply *rp)
{
	const char	*end;
	unsigned int	 part[2];
	int		 i, n, cl;

	memset(rp, 0, sizeof(*rp));
	if (len < 3)
		return (0);
	end = p + len;
	cl = p[0];
	if (cl < '2' || cl > '5' || p[1] < '0' || p[1] > '9' ||
	    p[2] < '0' || p[2] > '9')
		return (0);
	if (len > 3 && p[3] != ' ' && p[3] != '-')
		return (0);
	rp->code = (cl - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
	rp->last = len == 3 || p[3] == ' ';
	/* the shortest enhanced code: "X.Y.Z" after "NNN " */
	if (len < 9 || p[4] != cl || p[5] != '.')
		return (1);
	p += 6;
	for (i = 0; i < 2; i++) {
		part[i] = 0;
		for (n = 0; p < end && *p >= '0' && *p <= '9' && n < 4; n++)
			part[i] = part[i] * 10 + (*p++ - '0');
		if (n == 0 || n > 3)
			return (1);
		if (i == 0 && (p == end || *p++ != '.'))
			return (1);
	}
	if (p < end && *p != ' ')
		return (1);
	rp->enh = REPLY_ENH(cl - '0', part[0], part[1]);
	return (1);
}

/* "5.7.1" of an enhanced code at buf (room for 12); its length. */
size_t
protocol_enhanced(char *buf, uint32_t enh)
{
	unsigned int	 v[3];
	size_t		 n = 0;
	int		 i;
	char		 num[4], *q;

	v[0] = enh >> 20;
	v[1] = (enh >> 10) & 0x3ff;
	v[2] = enh & 0x3ff;
	for (i = 0; i < 3; i++) {
		q = num + sizeof(num);
		do
			*--q = '0' + v[i] % 10;
		while ((v[i] /= 10) != 0);
		if (i > 0)
			buf[n++] = '.';
		memcpy(buf + n, q, num + sizeof(num) - q);
		n += num + sizeof(num) - q;
	}
	return (n);
}

/*
 * Eight bytes at p as one number, the first byte the lowest (so that the
 * byte arithmetic below is the same on every host).
 */
static uint64_t
load64(const char *p)
{
	uint64_t	 v;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	memcpy(&v, p, sizeof(v));
#else
	const unsigned char *u = (const unsigned char *)p;
	int		 i;

	for (v = 0, i = 7; i >= 0; i--)
		v = v << 8 | u[i];
#endif
	return (v);
}

static uint32_t
load32(const char *p)
{
	uint32_t	 v;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	memcpy(&v, p, sizeof(v));
#else
	const unsigned char *u = (const unsigned char *)p;

	v = (uint32_t)u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16 |
	    (uint32_t)u[3] << 24;
#endif
	return (v);
}

#define ONES	0x0101010101010101ULL
#define HIGHS	0x8080808080808080ULL

/* Per byte of x: 0x80 where the byte is below n (n <= 128), else 0. */
#define BYTES_BELOW(x, n)						\
	(~((((x) & ~HIGHS) + ONES * (0x80 - (n))) | (x)) & HIGHS)

/* Eight decimal digits at p into *v; 0 if they are not all digits. */
static int
digits8(const char *p, uint64_t *v)
{
	uint64_t	 x = load64(p) - ONES * '0';

	/* each byte was '0'..'9' when it is now below 10, with no borrow */
	if ((load64(p) & ~(ONES * 0x0f)) != ONES * 0x30 ||
	    BYTES_BELOW(x, 10) != HIGHS)
		return (0);
	/* the first digit is the lowest byte: pairs, quads, then all */
	x = (x * 10 + (x >> 8)) & 0x00ff00ff00ff00ffULL;
	x = (x * 100 + (x >> 16)) & 0x0000ffff0000ffffULL;
	x = (x * 10000 + (x >> 32)) & 0xffffffffULL;
	*v = x;
	return (1);
}

/* Eight lower-case hex digits at p into *v; 0 if they are not. */
static int
hex8(const char *p, uint32_t *v)
{
	uint64_t	 x = load64(p), d, a, n;

	d = x ^ ONES * 0x30;		/* '0'..'9': 0..9 */
	a = x ^ ONES * 0x60;		/* 'a'..'f': 1..6 */
	if (((BYTES_BELOW(d, 10)) | (BYTES_BELOW(a, 7) &
	    ~BYTES_BELOW(a, 1))) != HIGHS)
		return (0);
	/* a digit's value is its low nibble, a letter's that + 9 */
	n = (x & ONES * 0x0f) + ((x >> 6) & ONES) * 9;
	n = ((n << 4) + (n >> 8)) & 0x00ff00ff00ff00ffULL;
	n = ((n << 8) + (n >> 16)) & 0x0000ffff0000ffffULL;
	n = ((n << 16) + (n >> 32)) & 0xffffffffULL;
	*v = (uint32_t)n;
	return (1);
}

/* Sixteen lower-case hex digits at p into *v; 0 if they are not. */
static int
hex16(const char *p, uint64_t *v)
{
	uint32_t	 hi, lo;

	if (!hex8(p, &hi) || !hex8(p + 8, &lo))
		return (0);
	*v = (uint64_t)hi << 32 | lo;
	return (1);
}

/*
 * "<10 digits>.<6 digits>" at p (the form of every timestamp from 2001
 * to 2286) into microseconds; 0 when it is not of that form (parse_time
 * takes the others).
 */
static int
fast_time(const char *p, int64_t *us)
{
	uint64_t	 hi, frac;
	int		 d8 = p[8] - '0', d9 = p[9] - '0';

	if (p[10] != '.' || d8 < 0 || d8 > 9 || d9 < 0 || d9 > 9 ||
	    !digits8(p, &hi))
		return (0);
	/* the 8 bytes from p + 9 with d9 and '.' made "00": the fraction */
	{
		char	 b[8];

		memcpy(b, p + 9, 8);
		b[0] = b[1] = '0';
		if (!digits8(b, &frac))
			return (0);
	}
	*us = ((int64_t)hi * 100 + d8 * 10 + d9) * 1000000 + (int64_t)frac;
	return (1);
}
