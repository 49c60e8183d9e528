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
 * The ECS field sets of a record (event, observer, source, destination,
 * network, tls, user, email, related), in the order render.c calls them.
 */

#include <string.h>

#include "filter-jsonlog.h"
#include "jsonw.h"

static void	 ecs_endpoint(struct rctx *, const char *, size_t,
		    const struct endpoint *, const struct estr *, uint32_t,
		    const char *);
static void	 ecs_outcome(const struct rctx *, const char **,
		    const char **);
static int	 has_domain(const struct estr *);
static char	*event_prefix(char *, const struct report *);

/* The filter responses that say how the event ended. */
static const struct {
	struct slice	 word;
	int		 failure;	/* its reason is the word */
} responses[] = {
	{ WORD("proceed"), 0 },
	{ WORD("junk"), 0 },
	{ WORD("rewrite"), 0 },
	{ WORD("report"), 0 },
	{ WORD("reject"), 1 },
	{ WORD("disconnect"), 1 }
};

/* event.category and event.type of each event, as they are written. */
#define CT(cat, type)	WORD("\",\"category\":[\"" cat "\"],\"type\":[" type "]")
static const struct slice cat_type[RPT__COUNT] = {
	[RPT_LINK_CONNECT] = CT("network", "\"connection\",\"start\""),
	[RPT_LINK_DISCONNECT] = CT("network", "\"connection\",\"end\""),
	[RPT_TIMEOUT] = CT("network", "\"connection\",\"end\""),
	[RPT_LINK_TLS] = CT("network", "\"protocol\""),
	[RPT_LINK_GREETING] = CT("network", "\"protocol\""),
	[RPT_LINK_IDENTIFY] = CT("network", "\"protocol\""),
	[RPT_PROTOCOL_CLIENT] = CT("network", "\"protocol\""),
	[RPT_PROTOCOL_SERVER] = CT("network", "\"protocol\""),
	[RPT_LINK_AUTH] = CT("authentication", "\"start\""),
	[RPT_UNKNOWN] = CT("network", "\"info\""),
	[RPT_TX_RESET] = CT("email", "\"info\""),
	[RPT_TX_BEGIN] = CT("email", "\"info\""),
	[RPT_TX_MAIL] = CT("email", "\"info\""),
	[RPT_TX_RCPT] = CT("email", "\"info\""),
	[RPT_TX_ENVELOPE] = CT("email", "\"info\""),
	[RPT_TX_DATA] = CT("email", "\"info\""),
	[RPT_TX_COMMIT] = CT("email", "\"info\""),
	[RPT_TX_ROLLBACK] = CT("email", "\"info\""),
	[RPT_FILTER_REPORT] = CT("email", "\"info\""),
	[RPT_FILTER_RESPONSE] = CT("email", "\"info\"")
};

/* A string literal at p, which moves past it (room is known). */
#define PUT_LIT(p, lit)	do {						\
		memcpy((p), "" lit, sizeof(lit) - 1);			\
		(p) += sizeof(lit) - 1;					\
	} while (0)

#define EV_OPEN	",\"event\":{\"kind\":\"event\",\"module\":\"opensmtpd\"," \
		"\"dataset\":\"opensmtpd.event\",\"provider\":\""
/*
 * The longest head: the opening, a subsystem of 32 bytes and an event
 * name of 64 (protocol.c's limits), the sequence twice, the id, the
 * longest category and type.
 */
#define HEAD_MAX	(sizeof(EV_OPEN) + 32 + 64 + 2 * 20 + 16 + 128)
#define PREFIX_MAX	(sizeof(EV_OPEN) + 32 + 64 + 32)

/*
 * `,"event":{… "provider":"<subsystem>","action":"<event>","sequence":`
 * at p; where it ends.  Known subsystems and events from a table made
 * once.
 */
static char *
event_prefix(char *p, const struct report *r)
{
	static struct {
		char		 b[PREFIX_MAX];
		size_t		 len;
	}		 made[SUB_KNOWN][RPT_UNKNOWN];
	const char	*name;
	char		*q;

	if (r->subsys == SUB_OTHER || r->event == RPT_UNKNOWN) {
		PUT_LIT(p, EV_OPEN);
		memcpy(p, r->subsys_name.p, r->subsys_name.len);
		p += r->subsys_name.len;
		PUT_LIT(p, "\",\"action\":\"");
		memcpy(p, r->event_name.p, r->event_name.len);
		p += r->event_name.len;
		PUT_LIT(p, "\",\"sequence\":");
		return (p);
	}
	if (made[r->subsys][r->event].len == 0) {
		q = made[r->subsys][r->event].b;
		PUT_LIT(q, EV_OPEN);
		memcpy(q, subsys_names[r->subsys].p,
		    subsys_names[r->subsys].len);
		q += subsys_names[r->subsys].len;
		PUT_LIT(q, "\",\"action\":\"");
		name = protocol_event_name(r->event);
		memcpy(q, name, strlen(name));
		q += strlen(name);
		PUT_LIT(q, "\",\"sequence\":");
		made[r->subsys][r->event].len = q - made[r->subsys][r->event].b;
	}
	memcpy(p, made[r->subsys][r->event].b, made[r->subsys][r->event].len);
	return (p + made[r->subsys][r->event].len);
}

/* event.*: what happened, its ECS category and type, outcome, duration. */
void
ecs_event(struct rctx *c)
{
	const struct report	*r = c->r;
	const struct session	*s = c->s;
	const char		*outcome, *reason;
	char			 seq[24], *sq, buf[HEAD_MAX], *p, *start;
	size_t			 nsq;
	int64_t			 begin = -1;

	switch (r->event) {
	case RPT_LINK_DISCONNECT:
	case RPT_TIMEOUT:
		if (s->connected)
			begin = s->start_us;
		break;
	case RPT_TX_COMMIT:
	case RPT_TX_ROLLBACK:
		if (c->tx != NULL)
			begin = c->tx->begin_us;	/* -1: unknown */
		break;
	default:
		break;
	}
	ecs_outcome(c, &outcome, &reason);
	if (s->seq < 100) {	/* most sessions: no division */
		sq = seq + sizeof(seq) - (s->seq < 10 ? 1 : 2);
		if (s->seq < 10)
			*sq = '0' + s->seq;
		else
			memcpy(sq, w_digits2 + 2 * s->seq, 2);
	} else
		sq = w_u64_fmt(seq + sizeof(seq), s->seq);
	nsq = seq + sizeof(seq) - sq;

	/*
	 * Up to the category and type in one go, with one bounds check:
	 * straight into the record when it has room, else through buf.
	 */
	p = (size_t)(c->w.end - c->w.p) >= HEAD_MAX ? c->w.p : buf;
	start = p;
	p = event_prefix(p, r);
	w_copy(p, sq, nsq);
	p += nsq;
	PUT_LIT(p, ",\"id\":\"");
	memcpy(p, r->idstr, 16);
	p += 16;
	*p++ = '.';
	w_copy(p, sq, nsq);
	p += nsq;
	memcpy(p, cat_type[r->event].p, cat_type[r->event].len);
	p += cat_type[r->event].len;
	if (start == c->w.p)
		c->w.p = p;
	else
		w_raw(&c->w, buf, p - buf);
	if (outcome != NULL) {
		W(c, ",\"outcome\":\"");
		w_str(&c->w, outcome);
		W(c, "\"");
	}
	if (reason != NULL) {
		W(c, ",\"reason\":\"");
		w_str(&c->w, reason);
		W(c, "\"");
	}
	/* nanoseconds in a signed 64-bit long: about 292 years at most */
	if (begin >= 0 && begin <= r->time_us &&
	    r->time_us - begin <= INT64_MAX / 1000) {
		W(c, ",\"start\":\"");
		w_time(&c->w, begin);
		W(c, "\",\"end\":\"");
		w_time(&c->w, r->time_us);
		W(c, "\",\"duration\":");
		w_u64(&c->w, (uint64_t)(r->time_us - begin) * 1000);
	}
	W(c, "}");
}

/* event.outcome and event.reason, where the event carries a result. */
static void
ecs_outcome(const struct rctx *c, const char **outcome, const char **reason)
{
	const struct report	*r = c->r;
	const struct slice	*v;
	size_t			 i;

	*outcome = *reason = NULL;
	switch (r->event) {
	case RPT_LINK_CONNECT:
	case RPT_LINK_TLS:
	case RPT_TX_COMMIT:
		*outcome = "success";
		break;
	case RPT_TIMEOUT:
		*outcome = "failure";
		*reason = "timeout";
		break;
	case RPT_TX_ROLLBACK:
		*outcome = "failure";
		*reason = "rollback";
		break;
	case RPT_LINK_AUTH:
		if (r->result == RES_PASS)
			*outcome = "success";
		else if (r->result == RES_FAIL || r->result == RES_ERROR) {
			*outcome = "failure";
			*reason = result_words[r->result].p;
		}
		break;
	case RPT_TX_MAIL:
	case RPT_TX_RCPT:
	case RPT_TX_DATA:
		if (r->result == RES_OK)
			*outcome = "success";
		else if (r->result == RES_PERMFAIL ||
		    r->result == RES_TEMPFAIL) {
			*outcome = "failure";
			*reason = result_words[r->result].p;
		}
		break;
	case RPT_FILTER_RESPONSE:
		v = &r->f[F_RESPONSE];
		for (i = 0; i < sizeof(responses) / sizeof(responses[0]); i++)
			if (v->len == responses[i].word.len &&
			    memcmp(v->p, responses[i].word.p, v->len) == 0) {
				*outcome = responses[i].failure ? "failure" :
				    "success";
				if (responses[i].failure)
					*reason = responses[i].word.p;
				break;
			}
		break;
	default:
		break;
	}
}

/* source and destination: smtp-out's rdns is the remote MX's. */
void
ecs_endpoints(struct rctx *c)
{
	if (c->s->subsys == SUB_SMTP_OUT) {
		ecs_endpoint(c, "source", 6, &c->s->src, NULL, TL_SRC,
		    "source.address");
		ecs_endpoint(c, "destination", 11, &c->s->dst, &c->s->rdns,
		    TL_DST, "destination.address");
	} else {
		ecs_endpoint(c, "source", 6, &c->s->src, &c->s->rdns, TL_SRC,
		    "source.address");
		ecs_endpoint(c, "destination", 11, &c->s->dst, NULL, TL_DST,
		    "destination.address");
	}
}

/* observer.*: smtpd itself. */
void
ecs_observer(struct rctx *c)
{
	const struct estr	*host = &c->conf->hostname;
	int			 n = 1;

	W(c, ",\"observer\":{\"product\":\"OpenSMTPD\",\"vendor\":"
	    "\"OpenSMTPD\",\"type\":\"mta\"");
	if (host->p == NULL && c->s->subsys == SUB_SMTP_IN)
		host = &c->s->greeting;
	if (c->conf->version.p != NULL && render_keep(c, D_TEXT, "observer.version"))
		KEY(c, &n, "version", &c->conf->version);
	if (host->p != NULL && render_keep(c, D_TEXT, "observer.hostname"))
		KEY(c, &n, "hostname", host);
	W(c, "}");
}

/* source or destination; the rdns is its domain when it names one. */
static void
ecs_endpoint(struct rctx *c, const char *name, size_t nlen,
    const struct endpoint *ep, const struct estr *rdns, uint32_t tl,
    const char *addrname)
{
	const struct estr *a = endpoint_addr(ep);
	int		 addr, domain, n = 0;

	render_toolong(c, tl, addrname);
	addr = a->p != NULL && render_keep(c, D_TEXT, addrname);
	domain = rdns != NULL && has_domain(rdns) && render_keep(c, D_TEXT,
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
	return (e->p != NULL && !LIT_IS(e->p, e->len, "<unknown>"));
}

/* network.*: transport, protocol, type and direction. */
void
ecs_network(struct rctx *c)
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

/* tls.* (ECS) and user.name. */
void
ecs_tls_user(struct rctx *c)
{
	const struct session	*s = c->s;
	int			 n = 1;

	if (s->tls) {
		W(c, ",\"tls\":{\"established\":true");
		if (s->tls_version.p != NULL) {
			KEY(c, &n, "version", &s->tls_version);
			W(c, ",\"version_protocol\":\"tls\"");
		}
		if (s->tls_cipher.p != NULL && render_keep(c, D_TEXT, "tls.cipher"))
			KEY(c, &n, "cipher", &s->tls_cipher);
		W(c, "}");
	}
	render_toolong(c, TL_USER, "user.name");
	if (s->user.p != NULL && render_keep(c, D_TEXT, "user.name")) {
		W(c, ",\"user\":{\"name\":\"");
		w_raw(&c->w, s->user.p, s->user.len);
		W(c, "\"}");
	}
}

/* email.*: the transaction as ECS sees it. */
void
ecs_email(struct rctx *c)
{
	const struct tx	*tx = c->tx;
	char		*mark;
	uint32_t	 i;
	int		 n = 0, m = 0;

	if (tx == NULL)
		return;
	mark = W_OPEN(&c->w, ",\"email\":{");
	if (tx->msgid != 0) {
		WC(c, n, "\"local_id\":\"");
		w_hex(&c->w, tx->msgid, 8);
		W(c, "\"");
	}
	render_toolong(c, TL_FROM, "email.from.address");
	if (tx->have_mail && !(c->s->toolong & TL_FROM) &&
	    render_keep(c, D_TEXT, "email.from.address")) {
		WC(c, n, "\"from\":{\"address\":[\"");
		if (tx->from.p != NULL)
			w_raw(&c->w, tx->from.p, tx->from.len);
		else
			W(c, "<>");
		W(c, "\"]}");
	}
	if (tx->naccepted > 0 && render_keep(c, D_TO, "email.to.address")) {
		/* the items kept rendered (render.c), or one by one */
		if (c->tl != NULL && c->tl->to.len > 0) {
			WC(c, n, "\"to\":{\"address\":[");
			w_raw(&c->w, c->tl->to.p, c->tl->to.len);
			W(c, "]}");
		}
		for (i = 0; c->tl == NULL && i < tx->nrcpt; i++)
			if (tx->rcpt[i].result == RES_OK &&
			    tx->rcpt[i].addr.p != NULL)
				W_ITEM_STR(&c->w, &n, &m,
				    "\"to\":{\"address\":[\"",
				    tx->rcpt[i].addr.p, tx->rcpt[i].addr.len);
		W_ITEM_END(&c->w, m, "]}");
	}
	if (tx->result == TXR_COMMIT) {
		WC(c, n, "\"delivery_timestamp\":\"");
		w_time(&c->w, tx->commit_us);
		W(c, "\"");
	}
	w_close(&c->w, mark, n);
}

/* related.*: the ECS pivots (ips, host names, user). */
void
ecs_related(struct rctx *c)
{
	const struct session	*s = c->s;
	const struct estr	*ip[2], *host[2];
	int			 nip = 0, nhost = 0, i, n = 0, m;

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
	if (!render_keep(c, D_RELATED, "related"))
		return;
	W(c, ",\"related\":{");
	for (i = m = 0; i < nip; i++)
		W_ITEM_STR(&c->w, &n, &m, "\"ip\":[\"", ip[i]->p, ip[i]->len);
	W_ITEM_END(&c->w, m, "]");
	for (i = m = 0; i < nhost; i++)
		W_ITEM_STR(&c->w, &n, &m, "\"hosts\":[\"", host[i]->p,
		    host[i]->len);
	W_ITEM_END(&c->w, m, "]");
	if (s->user.p != NULL) {
		m = 0;
		W_ITEM_STR(&c->w, &n, &m, "\"user\":[\"", s->user.p,
		    s->user.len);
		W_ITEM_END(&c->w, m, "]");
	}
	W(c, "}");
}
