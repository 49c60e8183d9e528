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
 * One JSON record from a report and its session.  The JSON is written
 * straight into a buffer: a tree per event would cost more than all the
 * rest of the filter.  Keys always come in the same order; the texts of
 * the session were escaped when they were stored.
 */

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "filter-jsonlog.h"

#define ECS_VERSION	"8.11.0"
#define MASK		"********"

/* What the size cap may drop, bulkiest first (one bit each). */
enum {
	D_PROTO = 1 << 0,	/* opensmtpd.protocol.line */
	D_PARAMS = 1 << 1,	/* opensmtpd.params */
	D_FILTER = 1 << 2,	/* opensmtpd.filter texts */
	D_RCPT = 1 << 3,	/* opensmtpd.tx.rcpt */
	D_EVP = 1 << 4,		/* opensmtpd.tx.envelope_ids */
	D_RELATED = 1 << 5,	/* related */
	D_TO = 1 << 6,		/* email.to.address */
	D_REJ = 1 << 7,		/* opensmtpd.tx.rcpt_rejected */
	D_LIST = 1 << 8,	/* the truncated_fields list itself */
	D_TEXT = 1 << 9,	/* every other free text of the session */
	D_ALL = 1 << 10,	/* all but the "always" fields */
	D__LEVELS = 11
};

#define NOTE_MAX	32

struct ctx {
	struct wbuf		 w;
	const struct render_conf *conf;
	const struct session	*s;
	const struct report	*r;
	const struct tx		*tx;
	unsigned int		 drop;
	const char		*note[NOTE_MAX];
	int			 nnote;
};

static char	*esc_tmp;	/* escape scratch for per-event texts */

/* Hot: inlined so that the many fixed-size copies become moves. */
static inline void w_raw(struct wbuf *, const char *, size_t)
		    __attribute__((__always_inline__));
static void	 w_u64(struct wbuf *, uint64_t);
static void	 w_hex(struct wbuf *, uint64_t, int);
static void	 w_slice(struct wbuf *, const char *, size_t);
static void	 w_time(struct wbuf *, int64_t);
static inline void key_estr(struct ctx *, int *, const char *, size_t,
		    const struct estr *);
static int	 keep(struct ctx *, unsigned int, const char *);
static void	 note_toolong(struct ctx *, uint32_t, const char *);
static void	 render_once(struct ctx *);
static void	 r_event(struct ctx *);
static void	 r_observer(struct ctx *);
static void	 r_endpoint(struct ctx *, const char *, size_t,
		    const struct endpoint *, const struct estr *, uint32_t,
		    const char *);
static void	 r_network(struct ctx *);
static void	 r_tls_user(struct ctx *);
static void	 r_email(struct ctx *);
static void	 r_related(struct ctx *);
static void	 r_opensmtpd(struct ctx *);
static void	 r_tx(struct ctx *);
static void	 r_line(struct ctx *, const struct slice *);
static int	 has_domain(const struct estr *);

/* A string literal ("" rejects anything else at compile time). */
#define W(c, lit)	w_raw(&(c)->w, "" lit, sizeof(lit) - 1)
/* The same after a comma unless it is the first member (counter n). */
#define WC(c, n, lit)	do {						\
		if ((n)++ > 0)						\
			W(c, ",");					\
		W(c, lit);						\
	} while (0)
#define KEY(c, n, k, e)	key_estr((c), (n), (k), sizeof(k) - 1, (e))
/* "key":"text" for a field of the line, escaped now; empty: nothing. */
#define KEY_SLICE(c, n, k, sl)	do {					\
		if ((sl)->len > 0) {					\
			WC(c, n, "\"" k "\":\"");			\
			w_slice(&(c)->w, (sl)->p, (sl)->len);		\
			W(c, "\"");					\
		}							\
	} while (0)

/* "00" to "99", and "00" to "ff": two digits per step. */
static const char digits2[] =
    "0001020304050607080910111213141516171819"
    "2021222324252627282930313233343536373839"
    "4041424344454647484950515253545556575859"
    "6061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";
static char	 hex2[256][2];

static const char *const result_words[] = {
	"", "ok", "permfail", "tempfail", "pass", "fail", "error", "other"
};
static const char *const helo_methods[] = { "", "HELO", "EHLO", "LHLO" };
static const char *const tx_results[] = {
	"", "commit", "rollback", "aborted"
};

/*
 * Render the record into out (room for cap + 1 bytes); return its length.
 * Over the cap, render again dropping more each time.
 */
size_t
render_record(const struct render_conf *conf, const struct session *s,
    const struct report *r, char *out, size_t outcap, int *truncated)
{
	struct ctx	 c;
	struct tx	 transient;
	int		 level;

	if (esc_tmp == NULL) {
		esc_tmp = xmalloc(ESCAPE_MAX(FJ_LINE_MAX));
		for (level = 0; level < 256; level++) {
			hex2[level][0] = "0123456789abcdef"[level >> 4];
			hex2[level][1] = "0123456789abcdef"[level & 15];
		}
	}
	memset(&c, 0, sizeof(c));
	c.conf = conf;
	c.s = s;
	c.r = r;
	if (s->tx.state == TXS_OPEN)
		c.tx = &s->tx;
	/* MAIL FROM refused before a transaction existed: this record only */
	memset(&transient, 0, sizeof(transient));
	if (r->event == RPT_TX_MAIL && r->msgid == 0) {
		transient.have_mail = 1;
		transient.mail_result = r->result;
		if (r->f[F_ADDRESS].len > 0)
			(void)estr_set(&transient.from, r->f[F_ADDRESS].p,
			    r->f[F_ADDRESS].len, conf->cap);
		c.tx = &transient;
	}

	*truncated = 0;
	for (level = 0; level <= D__LEVELS; level++) {
		c.w.b = c.w.p = out;
		c.w.end = out + (conf->cap < outcap ? conf->cap : outcap - 1);
		c.w.over = 0;
		c.drop = (1U << level) - 1;
		c.nnote = 0;
		render_once(&c);
		if (!c.w.over)
			break;
	}
	estr_free(&transient.from);
	if (c.nnote > 0 || s->toolong || c.drop & D_ALL)
		*truncated = 1;
	if (c.w.over)	/* cannot happen with cap >= FJ_SIZE_MIN */
		return (0);
	*c.w.p = '\0';
	return (c.w.p - out);
}

/* "2026-11-24T22:01:40.346082Z" into buf (28 bytes); its length. */
size_t
render_time(char *buf, int64_t us)
{
	static int64_t	 cached = -1;
	static char	 cbuf[20];
	struct tm	 tm;
	time_t		 sec = (time_t)(us / 1000000);
	int		 frac = (int)(us % 1000000), i;

	if (sec != cached) {
		if (gmtime_r(&sec, &tm) == NULL ||
		    strftime(cbuf, sizeof(cbuf), "%Y-%m-%dT%H:%M:%S", &tm)
		    != 19)
			memcpy(cbuf, "1970-01-01T00:00:00", 19);
		cached = sec;
	}
	memcpy(buf, cbuf, 19);
	buf[19] = '.';
	for (i = 25; i >= 20; i--) {
		buf[i] = '0' + frac % 10;
		frac /= 10;
	}
	buf[26] = 'Z';
	buf[27] = '\0';
	return (27);
}

static inline void
w_raw(struct wbuf *w, const char *s, size_t n)
{
	/* after an overflow end == p: every later write fails too */
	if (n > (size_t)(w->end - w->p)) {
		w->over = 1;
		w->end = w->p;
		return;
	}
	memcpy(w->p, s, n);
	w->p += n;
}

static void
w_u64(struct wbuf *w, uint64_t v)
{
	char	 buf[24], *p = buf + sizeof(buf);
	int	 i;

	/* two digits at a time */
	while (v >= 100) {
		i = (int)(v % 100) * 2;
		v /= 100;
		*--p = digits2[i + 1];
		*--p = digits2[i];
	}
	if (v >= 10) {
		*--p = digits2[v * 2 + 1];
		*--p = digits2[v * 2];
	} else
		*--p = '0' + (char)v;
	w_raw(w, p, buf + sizeof(buf) - p);
}

/* digits lower-case hex digits (8 or 16), zero-padded. */
static void
w_hex(struct wbuf *w, uint64_t v, int digits)
{
	char	 buf[16];
	int	 i;

	for (i = digits - 2; i >= 0; i -= 2) {
		memcpy(buf + i, hex2[v & 0xff], 2);
		v >>= 8;
	}
	w_raw(w, buf, digits);
}

/* A text straight from the line, escaped now. */
static void
w_slice(struct wbuf *w, const char *s, size_t n)
{
	size_t	 len;

	if (w->over)
		return;
	if (n > FJ_LINE_MAX) {
		w->over = 1;
		w->end = w->p;
		return;
	}
	if (ESCAPE_MAX(n) <= (size_t)(w->end - w->p)) {
		w->p += escape_json(w->p, s, n);
		return;
	}
	len = escape_json(esc_tmp, s, n);
	w_raw(w, esc_tmp, len);
}

static void
w_time(struct wbuf *w, int64_t us)
{
	char	 buf[28];

	w_raw(w, buf, render_time(buf, us));
}

/* "key":"text" when the text is set, after a comma unless first. */
static inline void
key_estr(struct ctx *c, int *n, const char *k, size_t klen,
    const struct estr *e)
{
	if (e->p == NULL)
		return;
	if ((*n)++ > 0)
		w_raw(&c->w, ",", 1);
	w_raw(&c->w, "\"", 1);
	w_raw(&c->w, k, klen);
	w_raw(&c->w, "\":\"", 3);
	w_raw(&c->w, e->p, e->len);
	w_raw(&c->w, "\"", 1);
}

/* Is a present part kept at this level?  Note it when dropped. */
static int
keep(struct ctx *c, unsigned int bit, const char *name)
{
	if (!(c->drop & bit))
		return (1);
	if (c->nnote < NOTE_MAX)
		c->note[c->nnote++] = name;
	return (0);
}

/* A text of the session too long to keep (TL_*) is listed as dropped. */
static void
note_toolong(struct ctx *c, uint32_t tl, const char *name)
{
	if (c->s->toolong & tl && c->nnote < NOTE_MAX)
		c->note[c->nnote++] = name;
}

static void
render_once(struct ctx *c)
{
	W(c, "{\"@timestamp\":\"");
	w_time(&c->w, c->r->time_us);
	W(c, "\",\"ecs\":{\"version\":\"" ECS_VERSION "\"}");
	r_event(c);
	r_observer(c);
	if (c->drop & D_ALL)
		goto last;	/* only the bounded "always" fields are left */
	if (c->s->subsys == SUB_SMTP_OUT) {
		r_endpoint(c, "source", 6, &c->s->src, NULL, TL_SRC,
		    "source.address");
		r_endpoint(c, "destination", 11, &c->s->dst, &c->s->rdns,
		    TL_DST, "destination.address");
	} else {
		r_endpoint(c, "source", 6, &c->s->src, &c->s->rdns, TL_SRC,
		    "source.address");
		r_endpoint(c, "destination", 11, &c->s->dst, NULL, TL_DST,
		    "destination.address");
	}
	r_network(c);
	r_tls_user(c);
	r_email(c);
	r_related(c);
 last:
	r_opensmtpd(c);
	W(c, "}");
}

static void
r_event(struct ctx *c)
{
	const struct report	*r = c->r;
	const struct session	*s = c->s;
	const char		*cat, *type, *outcome = NULL, *reason = NULL;
	int64_t			 start = -1;

	switch (r->event) {
	case RPT_LINK_CONNECT:
		cat = "network";
		type = "\"connection\",\"start\"";
		outcome = "success";
		break;
	case RPT_LINK_DISCONNECT:
	case RPT_TIMEOUT:
		cat = "network";
		type = "\"connection\",\"end\"";
		if (r->event == RPT_TIMEOUT) {
			outcome = "failure";
			reason = "timeout";
		}
		if (s->connected)
			start = s->start_us;
		break;
	case RPT_LINK_TLS:
		outcome = "success";
		/* FALLTHROUGH */
	case RPT_LINK_GREETING:
	case RPT_LINK_IDENTIFY:
	case RPT_PROTOCOL_CLIENT:
	case RPT_PROTOCOL_SERVER:
		cat = "network";
		type = "\"protocol\"";
		break;
	case RPT_LINK_AUTH:
		cat = "authentication";
		type = "\"start\"";
		if (r->result == RES_PASS)
			outcome = "success";
		else if (r->result == RES_FAIL || r->result == RES_ERROR) {
			outcome = "failure";
			reason = result_words[r->result];
		}
		break;
	case RPT_TX_MAIL:
	case RPT_TX_RCPT:
	case RPT_TX_DATA:
		cat = "email";
		type = "\"info\"";
		if (r->result == RES_OK)
			outcome = "success";
		else if (r->result == RES_PERMFAIL ||
		    r->result == RES_TEMPFAIL) {
			outcome = "failure";
			reason = result_words[r->result];
		}
		break;
	case RPT_TX_COMMIT:
	case RPT_TX_ROLLBACK:
		cat = "email";
		type = "\"info\"";
		if (r->event == RPT_TX_COMMIT)
			outcome = "success";
		else {
			outcome = "failure";
			reason = "rollback";
		}
		if (c->tx != NULL)
			start = c->tx->begin_us;	/* -1: unknown */
		break;
	case RPT_FILTER_RESPONSE: {
		const struct slice *v = &r->f[F_RESPONSE];

		cat = "email";
		type = "\"info\"";
		if ((v->len == 6 && memcmp(v->p, "reject", 6) == 0) ||
		    (v->len == 10 && memcmp(v->p, "disconnect", 10) == 0)) {
			outcome = "failure";
			reason = v->len == 6 ? "reject" : "disconnect";
		} else if ((v->len == 7 && memcmp(v->p, "proceed", 7) == 0) ||
		    (v->len == 4 && memcmp(v->p, "junk", 4) == 0) ||
		    (v->len == 7 && memcmp(v->p, "rewrite", 7) == 0) ||
		    (v->len == 6 && memcmp(v->p, "report", 6) == 0))
			outcome = "success";
		break;
	}
	case RPT_UNKNOWN:
		cat = "network";
		type = "\"info\"";
		break;
	default:
		cat = "email";
		type = "\"info\"";
		break;
	}

	W(c, ",\"event\":{\"kind\":\"event\",\"module\":\"opensmtpd\","
	    "\"dataset\":\"opensmtpd.event\",\"provider\":\"");
	w_raw(&c->w, r->subsys_name.p, r->subsys_name.len);
	W(c, "\",\"action\":\"");
	w_raw(&c->w, r->event_name.p, r->event_name.len);
	W(c, "\",\"sequence\":");
	w_u64(&c->w, s->seq);
	W(c, ",\"id\":\"");
	w_raw(&c->w, r->idstr, 16);
	W(c, ".");
	w_u64(&c->w, s->seq);
	W(c, "\",\"category\":[\"");
	w_raw(&c->w, cat, strlen(cat));
	W(c, "\"],\"type\":[");
	w_raw(&c->w, type, strlen(type));
	W(c, "]");
	if (outcome != NULL) {
		W(c, ",\"outcome\":\"");
		w_raw(&c->w, outcome, strlen(outcome));
		W(c, "\"");
	}
	if (reason != NULL) {
		W(c, ",\"reason\":\"");
		w_raw(&c->w, reason, strlen(reason));
		W(c, "\"");
	}
	/* nanoseconds in a signed 64-bit long: about 292 years at most */
	if (start >= 0 && start <= r->time_us &&
	    r->time_us - start <= INT64_MAX / 1000) {
		W(c, ",\"start\":\"");
		w_time(&c->w, start);
		W(c, "\",\"end\":\"");
		w_time(&c->w, r->time_us);
		W(c, "\",\"duration\":");
		w_u64(&c->w, (uint64_t)(r->time_us - start) * 1000);
	}
	W(c, "}");
}

static void
r_observer(struct ctx *c)
{
	const struct estr	*host = &c->conf->hostname;
	int			 n = 1;

	W(c, ",\"observer\":{\"product\":\"OpenSMTPD\",\"vendor\":"
	    "\"OpenSMTPD\",\"type\":\"mta\"");
	if (host->p == NULL && c->s->subsys == SUB_SMTP_IN)
		host = &c->s->greeting;
	if (c->conf->version.p != NULL && keep(c, D_TEXT, "observer.version"))
		KEY(c, &n, "version", &c->conf->version);
	if (host->p != NULL && keep(c, D_TEXT, "observer.hostname"))
		KEY(c, &n, "hostname", host);
	W(c, "}");
}

/* source or destination; the rdns is its domain when it names one. */
static void
r_endpoint(struct ctx *c, const char *name, size_t nlen,
    const struct endpoint *ep, const struct estr *rdns, uint32_t tl,
    const char *addrname)
{
	const struct estr *a = endpoint_addr(ep);
	int		 addr, domain, n = 0;

	note_toolong(c, tl, addrname);
	addr = a->p != NULL && keep(c, D_TEXT, addrname);
	domain = rdns != NULL && has_domain(rdns) && keep(c, D_TEXT,
	    name[0] == 's' ? "source.domain" : "destination.domain");
	if (!addr && ep->ip.p == NULL && !domain)
		return;
	W(c, ",\"");
	w_raw(&c->w, name, nlen);
	W(c, "\":{");
	if (addr)
		KEY(c, &n, "address", a);
	if (ep->ip.p != NULL) {
		KEY(c, &n, "ip", &ep->ip);
		W(c, ",\"port\":");
		w_u64(&c->w, ep->port);
	}
	if (domain)
		KEY(c, &n, "domain", rdns);
	W(c, "}");
}

/* Not empty and not smtpd's "<unknown>". */
static int
has_domain(const struct estr *e)
{
	return (e->p != NULL && !(e->len == 9 &&
	    memcmp(e->p, "<unknown>", 9) == 0));
}

static void
r_network(struct ctx *c)
{
	const struct session	*s = c->s;
	int			 fam = s->src.family;

	if (s->subsys == SUB_OTHER)
		return;
	W(c, ",\"network\":{");
	if (fam == FAM_IPV4 || fam == FAM_IPV6)
		W(c, "\"transport\":\"tcp\",");
	W(c, "\"protocol\":\"smtp\"");
	if (fam == FAM_IPV4)
		W(c, ",\"type\":\"ipv4\"");
	else if (fam == FAM_IPV6)
		W(c, ",\"type\":\"ipv6\"");
	if (s->subsys == SUB_SMTP_IN)
		W(c, ",\"direction\":\"inbound\"}");
	else
		W(c, ",\"direction\":\"outbound\"}");
}

static void
r_tls_user(struct ctx *c)
{
	const struct session	*s = c->s;
	int			 n = 1;

	if (s->tls) {
		W(c, ",\"tls\":{\"established\":true");
		if (s->tls_version.p != NULL) {
			KEY(c, &n, "version", &s->tls_version);
			W(c, ",\"version_protocol\":\"tls\"");
		}
		if (s->tls_cipher.p != NULL && keep(c, D_TEXT, "tls.cipher"))
			KEY(c, &n, "cipher", &s->tls_cipher);
		W(c, "}");
	}
	note_toolong(c, TL_USER, "user.name");
	if (s->user.p != NULL && keep(c, D_TEXT, "user.name")) {
		W(c, ",\"user\":{\"name\":\"");
		w_raw(&c->w, s->user.p, s->user.len);
		W(c, "\"}");
	}
}

static void
r_email(struct ctx *c)
{
	const struct tx	*tx = c->tx;
	uint32_t	 i;
	int		 n;

	if (tx == NULL)
		return;
	W(c, ",\"email\":{");
	n = 0;
	if (tx->msgid != 0) {
		W(c, "\"local_id\":\"");
		w_hex(&c->w, tx->msgid, 8);
		W(c, "\"");
		n++;
	}
	note_toolong(c, TL_FROM, "email.from.address");
	if (tx->have_mail && !(c->s->toolong & TL_FROM) &&
	    keep(c, D_TEXT, "email.from.address")) {
		if (n++)
			W(c, ",");
		W(c, "\"from\":{\"address\":[\"");
		if (tx->from.p != NULL)
			w_raw(&c->w, tx->from.p, tx->from.len);
		else
			W(c, "<>");
		W(c, "\"]}");
	}
	if (tx->naccepted > 0 && keep(c, D_TO, "email.to.address")) {
		int	 m = 0;

		for (i = 0; i < tx->nrcpt; i++) {
			if (tx->rcpt[i].result != RES_OK ||
			    tx->rcpt[i].addr.p == NULL)
				continue;
			if (m++ == 0) {
				if (n++)
					W(c, ",");
				W(c, "\"to\":{\"address\":[\"");
			} else
				W(c, ",\"");
			w_raw(&c->w, tx->rcpt[i].addr.p,
			    tx->rcpt[i].addr.len);
			W(c, "\"");
		}
		if (m > 0)
			W(c, "]}");
	}
	if (tx->result == TXR_COMMIT) {
		if (n++)
			W(c, ",");
		W(c, "\"delivery_timestamp\":\"");
		w_time(&c->w, tx->commit_us);
		W(c, "\"");
	}
	if (n == 0)
		c->w.p -= sizeof(",\"email\":{") - 1;
	else
		W(c, "}");
}

static void
r_related(struct ctx *c)
{
	const struct session	*s = c->s;
	const struct estr	*ip[2], *host[2];
	int			 nip = 0, nhost = 0, i;

	if (s->src.ip.p != NULL)
		ip[nip++] = &s->src.ip;
	if (s->dst.ip.p != NULL && !(nip == 1 && s->dst.ip.len ==
	    ip[0]->len && memcmp(s->dst.ip.p, ip[0]->p, ip[0]->len) == 0))
		ip[nip++] = &s->dst.ip;
	if (has_domain(&s->rdns))
		host[nhost++] = &s->rdns;
	if (s->helo.p != NULL && !(nhost == 1 && s->helo.len ==
	    host[0]->len && memcmp(s->helo.p, host[0]->p, host[0]->len) == 0))
		host[nhost++] = &s->helo;
	if (nip + nhost == 0 && s->user.p == NULL)
		return;
	if (!keep(c, D_RELATED, "related"))
		return;
	W(c, ",\"related\":{");
	for (i = 0; i < nip; i++) {
		if (i == 0)
			W(c, "\"ip\":[\"");
		else
			W(c, ",\"");
		w_raw(&c->w, ip[i]->p, ip[i]->len);
		W(c, "\"");
	}
	if (nip > 0)
		W(c, "]");
	for (i = 0; i < nhost; i++) {
		if (i == 0 && nip > 0)
			W(c, ",");
		if (i == 0)
			W(c, "\"hosts\":[\"");
		else
			W(c, ",\"");
		w_raw(&c->w, host[i]->p, host[i]->len);
		W(c, "\"");
	}
	if (nhost > 0)
		W(c, "]");
	if (s->user.p != NULL) {
		if (nip + nhost > 0)
			W(c, ",");
		W(c, "\"user\":[\"");
		w_raw(&c->w, s->user.p, s->user.len);
		W(c, "\"]");
	}
	W(c, "}");
}

static void
r_opensmtpd(struct ctx *c)
{
	const struct session	*s = c->s;
	const struct report	*r = c->r;
	int			 i, rdns, greet, helo;

	W(c, ",\"opensmtpd\":{\"session\":{\"id\":\"");
	w_raw(&c->w, r->idstr, 16);
	W(c, "\",\"tx_count\":");
	w_u64(&c->w, s->tx_count);
	W(c, ",\"rcpt_count\":");
	w_u64(&c->w, s->rcpt_count);
	W(c, ",\"command_count\":");
	w_u64(&c->w, s->command_count);
	W(c, ",\"message_count\":");
	w_u64(&c->w, s->message_count);
	W(c, "},\"protocol_version\":\"");
	w_raw(&c->w, r->vstr.p, r->vstr.len);
	W(c, "\"");
	if (c->drop & D_ALL) {
		if (r->unknown)
			W(c, ",\"unknown\":true");
		W(c, ",\"truncated\":true}");
		return;
	}

	note_toolong(c, TL_RDNS, "opensmtpd.link.rdns");
	note_toolong(c, TL_GREETING, "opensmtpd.link.greeting");
	rdns = s->rdns.p != NULL && keep(c, D_TEXT, "opensmtpd.link.rdns");
	greet = s->greeting.p != NULL &&
	    keep(c, D_TEXT, "opensmtpd.link.greeting");
	if (rdns || greet || s->fcrdns != RES_NONE) {
		W(c, ",\"link\":{");
		i = 0;
		if (rdns) {
			W(c, "\"rdns\":\"");
			w_raw(&c->w, s->rdns.p, s->rdns.len);
			W(c, "\"");
			i++;
		}
		if (s->fcrdns != RES_NONE) {
			WC(c, i, "\"fcrdns\":\"");
			w_raw(&c->w, result_words[s->fcrdns],
			    strlen(result_words[s->fcrdns]));
			W(c, "\"");
		}
		if (greet) {
			WC(c, i, "\"greeting\":\"");
			w_raw(&c->w, s->greeting.p, s->greeting.len);
			W(c, "\"");
		}
		W(c, "}");
	}

	note_toolong(c, TL_HELO, "opensmtpd.helo.identity");
	helo = s->helo.p != NULL && keep(c, D_TEXT, "opensmtpd.helo.identity");
	if (s->helo_method != 0 || helo) {
		W(c, ",\"helo\":{");
		if (s->helo_method != 0) {
			W(c, "\"method\":\"");
			w_raw(&c->w, helo_methods[s->helo_method], 4);
			W(c, "\"");
			if (helo)
				W(c, ",\"identity\":\"");
		} else if (helo)
			W(c, "\"identity\":\"");
		if (helo) {
			w_raw(&c->w, s->helo.p, s->helo.len);
			W(c, "\"");
		}
		W(c, "}");
	}

	note_toolong(c, TL_TLS, "opensmtpd.tls.raw");
	if (s->tls) {
		int	 raw = s->tls_raw.p != NULL &&
		    keep(c, D_TEXT, "opensmtpd.tls.raw");

		if (s->tls_bits >= 0 || raw) {
			W(c, ",\"tls\":{");
			if (s->tls_bits >= 0) {
				W(c, "\"bits\":");
				w_u64(&c->w, (uint64_t)s->tls_bits);
				if (raw)
					W(c, ",");
			}
			if (raw) {
				W(c, "\"raw\":\"");
				w_raw(&c->w, s->tls_raw.p, s->tls_raw.len);
				W(c, "\"");
			}
			W(c, "}");
		}
	}
	if (s->auth_result != RES_NONE) {
		W(c, ",\"auth\":{\"result\":\"");
		w_raw(&c->w, result_words[s->auth_result],
		    strlen(result_words[s->auth_result]));
		W(c, "\"}");
	}

	r_tx(c);

	if ((r->event == RPT_PROTOCOL_CLIENT ||
	    r->event == RPT_PROTOCOL_SERVER) &&
	    keep(c, D_PROTO, "opensmtpd.protocol.line")) {
		W(c, ",\"protocol\":{\"line\":\"");
		r_line(c, &r->f[F_LINE]);
		W(c, "\"}");
	}
	/* empty fields are unknown: omitted (an empty trailing param too) */
	if (r->event == RPT_FILTER_REPORT) {
		i = 0;
		W(c, ",\"filter\":{");
		KEY_SLICE(c, i, "kind", &r->f[F_KIND]);
		KEY_SLICE(c, i, "name", &r->f[F_NAME]);
		if (r->f[F_MESSAGE].len > 0 &&
		    keep(c, D_FILTER, "opensmtpd.filter.message"))
			KEY_SLICE(c, i, "message", &r->f[F_MESSAGE]);
		W(c, "}");
		if (!c->w.over && i == 0)
			c->w.p -= sizeof(",\"filter\":{}") - 1;
	}
	if (r->event == RPT_FILTER_RESPONSE) {
		i = 0;
		W(c, ",\"filter\":{");
		if (keep(c, D_FILTER, "opensmtpd.filter")) {
			KEY_SLICE(c, i, "phase", &r->f[F_PHASE]);
			KEY_SLICE(c, i, "response", &r->f[F_RESPONSE]);
			KEY_SLICE(c, i, "param", &r->f[F_PARAM]);
		}
		W(c, "}");
		if (!c->w.over && i == 0)
			c->w.p -= sizeof(",\"filter\":{}") - 1;
	}
	if (r->unknown) {
		W(c, ",\"unknown\":true");
		if (r->has_params && keep(c, D_PARAMS, "opensmtpd.params")) {
			W(c, ",\"params\":\"");
			r_line(c, &r->params);
			W(c, "\"");
		}
	}
	if (c->nnote > 0 || s->toolong) {
		W(c, ",\"truncated\":true");
		if (c->nnote > 0 && !(c->drop & D_LIST)) {
			for (i = 0; i < c->nnote; i++) {
				if (i == 0)
					W(c, ",\"truncated_fields\":[\"");
				else
					W(c, ",\"");
				w_raw(&c->w, c->note[i], strlen(c->note[i]));
				W(c, "\"");
			}
			W(c, "]");
		}
	}
	W(c, "}");
}

static void
r_tx(struct ctx *c)
{
	const struct tx	*tx = c->tx;
	const struct rcpt *rc;
	uint32_t	 i, j;
	int		 m;

	if (tx == NULL)
		return;
	W(c, ",\"tx\":{");
	m = 0;
	if (tx->msgid != 0) {
		W(c, "\"id\":\"");
		w_hex(&c->w, tx->msgid, 8);
		W(c, "\"");
		m++;
	}
	if (tx->have_mail) {
		WC(c, m, "\"mail_result\":\"");
		w_raw(&c->w, result_words[tx->mail_result],
		    strlen(result_words[tx->mail_result]));
		W(c, "\"");
	}
	note_toolong(c, TL_RCPT, "opensmtpd.tx.rcpt.address");
	if (tx->nrcpt > 0 && keep(c, D_RCPT, "opensmtpd.tx.rcpt")) {
		WC(c, m, "\"rcpt\":[");
		for (i = 0; i < tx->nrcpt; i++) {
			rc = &tx->rcpt[i];
			if (i > 0)
				W(c, ",");
			W(c, "{");
			if (rc->addr.p != NULL) {
				W(c, "\"address\":\"");
				w_raw(&c->w, rc->addr.p, rc->addr.len);
				W(c, "\",");
			}
			W(c, "\"result\":\"");
			w_raw(&c->w, result_words[rc->result],
			    strlen(result_words[rc->result]));
			W(c, "\"");
			for (j = 0; j < rc->nevp; j++) {
				if (j > 0)
					W(c, ",\"");
				else
					W(c, ",\"envelope_ids\":[\"");
				w_hex(&c->w, tx->evp[rc->evp_first + j], 16);
				W(c, "\"");
			}
			if (rc->nevp > 0)
				W(c, "]");
			W(c, "}");
		}
		W(c, "]");
	}
	if (tx->nrejected > 0 && keep(c, D_REJ, "opensmtpd.tx.rcpt_rejected")) {
		int	 k = 0;

		for (i = 0; i < tx->nrcpt; i++) {
			rc = &tx->rcpt[i];
			if (rc->result == RES_OK || rc->addr.p == NULL)
				continue;
			if (k++ == 0)
				WC(c, m, "\"rcpt_rejected\":[\"");
			else
				W(c, ",\"");
			w_raw(&c->w, rc->addr.p, rc->addr.len);
			W(c, "\"");
		}
		if (k > 0)
			W(c, "]");
	}
	if (tx->nevp > 0 && keep(c, D_EVP, "opensmtpd.tx.envelope_ids")) {
		for (i = 0; i < tx->nevp; i++) {
			if (i == 0)
				WC(c, m, "\"envelope_ids\":[\"");
			else
				W(c, ",\"");
			w_hex(&c->w, tx->evp[i], 16);
			W(c, "\"");
		}
		W(c, "]");
	}
	if (tx->data_result != RES_NONE) {
		WC(c, m, "\"data_result\":\"");
		w_raw(&c->w, result_words[tx->data_result],
		    strlen(result_words[tx->data_result]));
		W(c, "\"");
	}
	if (tx->have_size) {
		WC(c, m, "\"size\":");
		w_u64(&c->w, tx->size);
	}
	if (tx->result != TXR_NONE) {
		WC(c, m, "\"result\":\"");
		w_raw(&c->w, tx_results[tx->result],
		    strlen(tx_results[tx->result]));
		W(c, "\"");
	}
	/* the address a refused MAIL FROM tried: this record only */
	if (c->r->event == RPT_TX_MAIL && c->r->result != RES_OK &&
	    keep(c, D_TEXT, "opensmtpd.tx.refused_from")) {
		WC(c, m, "\"refused_from\":\"");
		if (c->r->f[F_ADDRESS].len > 0)
			w_slice(&c->w, c->r->f[F_ADDRESS].p,
			    c->r->f[F_ADDRESS].len);
		else
			W(c, "<>");
		W(c, "\"");
	}
	if (m == 0)
		c->w.p -= sizeof(",\"tx\":{") - 1;
	else
		W(c, "}");
}

/*
 * Does a client line start with an SMTP command ("MAIL FROM:<…>",
 * "quit")?  AUTH data never does: base64 has no space, and a bare word
 * of it equal to DATA or QUIT gives nothing away.
 */
static int
smtp_command(const char *p, size_t len)
{
	static const char *const verbs[] = {
		"helo", "ehlo", "lhlo", "mail", "rcpt", "data", "bdat",
		"rset", "noop", "quit", "vrfy", "expn", "help", "auth",
		"starttls", "etrn", "atrn", "turn", "xclient", "xforward"
	};
	size_t		 i, n;

	for (n = 0; n < len && n < 9 && p[n] != ' ' && p[n] != '\t'; n++)
		;
	if (n == 0 || n > 8)
		return (0);
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strlen(verbs[i]) == n && strncasecmp(p, verbs[i], n) == 0)
			return (1);
	return (0);
}

/*
 * A protocol line with AUTH data masked: the line that answers a 334
 * challenge whole, and everything after "AUTH <mechanism>" (smtpd leaves
 * an initial response before HELO, and AUTH LOGIN's, in clear).  In a
 * session whose start was not seen (evicted or expired, then back; a
 * stream taken up in the middle) a 334 may have gone unseen: there any
 * client line that is not an SMTP command is masked.
 */
static void
r_line(struct ctx *c, const struct slice *l)
{
	const char	*p = l->p, *end = l->p + l->len, *a, *start;
	size_t		 i;

	if (c->r->event == RPT_PROTOCOL_CLIENT && (c->s->auth_data ||
	    (!c->s->connected && !smtp_command(p, l->len)))) {
		if (l->len == 1 && p[0] == '*')
			W(c, "*");	/* the client cancels */
		else
			W(c, MASK);
		return;
	}
	if (c->r->event == RPT_PROTOCOL_SERVER) {
		w_slice(&c->w, p, l->len);
		return;
	}
	/*
	 * Find "auth " (any case): a command starts with it (after blanks);
	 * in the raw parameters of an unknown event it may follow a
	 * separator.
	 */
	start = p;
	if (c->r->event == RPT_PROTOCOL_CLIENT)
		while (start < end && (*start == ' ' || *start == '\t'))
			start++;
	for (a = start; a + 5 <= end; a++) {
		if (a > start && c->r->event == RPT_PROTOCOL_CLIENT)
			break;
		if ((a == start || a[-1] == ' ' || a[-1] == '|') &&
		    (a[0] | 0x20) == 'a' && (a[1] | 0x20) == 'u' &&
		    (a[2] | 0x20) == 't' && (a[3] | 0x20) == 'h' &&
		    (a[4] == ' ' || a[4] == '\t'))
			break;
	}
	if (a + 5 > end ||
	    (a > start && c->r->event == RPT_PROTOCOL_CLIENT)) {
		w_slice(&c->w, p, l->len);
		return;
	}
	/* Keep "AUTH <mechanism>", mask what follows it. */
	i = (a - p) + 5;
	while (i < l->len && (p[i] == ' ' || p[i] == '\t'))
		i++;
	while (i < l->len && p[i] != ' ' && p[i] != '\t')
		i++;
	if (i >= l->len) {
		w_slice(&c->w, p, l->len);
		return;
	}
	w_slice(&c->w, p, i);
	W(c, " " MASK);
}
