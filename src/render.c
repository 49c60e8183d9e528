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
 * One JSON record from a report and its session, section by section.  The
 * JSON is written straight into a buffer (jsonw.c): a tree per event would
 * cost more than all the rest of the filter.  Keys always come in the same
 * order; the texts of the session were escaped when they were stored.
 * Over the size cap the record is written again, dropping more each time
 * (the D_* levels); what was dropped is listed in truncated_fields.
 */

#include <stdlib.h>
#include <string.h>

#include "filter-jsonlog.h"

#define ECS_VERSION	"8.11.0"

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

static int	 keep(struct ctx *, unsigned int, const char *);
static void	 note_toolong(struct ctx *, uint32_t, const char *);
static void	 render_once(struct ctx *);
static void	 r_event(struct ctx *);
static void	 r_outcome(const struct ctx *, const char **, const char **);
static void	 r_observer(struct ctx *);
static void	 r_endpoint(struct ctx *, const char *, size_t,
		    const struct endpoint *, const struct estr *, uint32_t,
		    const char *);
static void	 r_network(struct ctx *);
static void	 r_tls_user(struct ctx *);
static void	 r_email(struct ctx *);
static void	 r_related(struct ctx *);
static void	 r_opensmtpd(struct ctx *);
static void	 r_link(struct ctx *);
static void	 r_helo(struct ctx *);
static void	 r_tls(struct ctx *);
static void	 r_auth(struct ctx *);
static void	 r_tx(struct ctx *);
static void	 r_protocol(struct ctx *);
static void	 r_filter(struct ctx *);
static void	 r_unknown(struct ctx *);
static void	 r_truncation(struct ctx *);
static int	 has_domain(const struct estr *);

/* The writer's helpers on the record of c. */
#define W(c, lit)	W_LIT(&(c)->w, lit)
/* The same after a comma unless it is the first member (counter n). */
#define WC(c, n, lit)	do {						\
		w_member(&(c)->w, &(n));				\
		W(c, lit);						\
	} while (0)
#define KEY(c, n, k, e)	w_key_estr(&(c)->w, (n), (k), sizeof(k) - 1, (e))
/* "key":"text" for a field of the line, escaped now; empty: nothing. */
#define KEY_SLICE(c, n, k, sl)	do {					\
		if ((sl)->len > 0) {					\
			WC(c, n, "\"" k "\":\"");			\
			w_slice(&(c)->w, (sl)->p, (sl)->len);		\
			W(c, "\"");					\
		}							\
	} while (0)

static const struct slice tx_results[] = {
	WORD(""), WORD("commit"), WORD("rollback"), WORD("aborted")
};

/* The filter responses that say how the event ended. */
static const struct {
	struct slice	 word;
	const char	*outcome;	/* a failure's reason is the word */
} responses[] = {
	{ WORD("proceed"), "success" },
	{ WORD("junk"), "success" },
	{ WORD("rewrite"), "success" },
	{ WORD("report"), "success" },
	{ WORD("reject"), "failure" },
	{ WORD("disconnect"), "failure" }
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

	w_init();
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

/* The record once, with what the level drops left out. */
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

/* event.*: what happened, its ECS category and type, outcome, duration. */
static void
r_event(struct ctx *c)
{
	const struct report	*r = c->r;
	const struct session	*s = c->s;
	const char		*cat, *type, *outcome, *reason;
	int64_t			 start = -1;

	switch (r->event) {
	case RPT_LINK_CONNECT:
		cat = "network";
		type = "\"connection\",\"start\"";
		break;
	case RPT_LINK_DISCONNECT:
	case RPT_TIMEOUT:
		cat = "network";
		type = "\"connection\",\"end\"";
		if (s->connected)
			start = s->start_us;
		break;
	case RPT_LINK_TLS:
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
		break;
	case RPT_TX_COMMIT:
	case RPT_TX_ROLLBACK:
		cat = "email";
		type = "\"info\"";
		if (c->tx != NULL)
			start = c->tx->begin_us;	/* -1: unknown */
		break;
	case RPT_UNKNOWN:
		cat = "network";
		type = "\"info\"";
		break;
	default:
		cat = "email";
		type = "\"info\"";
		break;
	}
	r_outcome(c, &outcome, &reason);

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
	if (start >= 0 && start <= r->time_us) {
		W(c, ",\"start\":\"");
		w_time(&c->w, start);
		W(c, "\",\"end\":\"");
		w_time(&c->w, r->time_us);
		W(c, "\",\"duration\":");
		w_u64(&c->w, (uint64_t)(r->time_us - start) * 1000);
	}
	W(c, "}");
}

/* event.outcome and event.reason, where the event carries a result. */
static void
r_outcome(const struct ctx *c, const char **outcome, const char **reason)
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
				*outcome = responses[i].outcome;
				if (strcmp(*outcome, "failure") == 0)
					*reason = responses[i].word.p;
				break;
			}
		break;
	default:
		break;
	}
}

/* observer.*: smtpd itself. */
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
	return (e->p != NULL && !LIT_IS(e->p, e->len, "<unknown>"));
}

/* network.*: transport, protocol, type and direction. */
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

/* tls.* (ECS) and user.name. */
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

/* email.*: the transaction as ECS sees it. */
static void
r_email(struct ctx *c)
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
	note_toolong(c, TL_FROM, "email.from.address");
	if (tx->have_mail && !(c->s->toolong & TL_FROM) &&
	    keep(c, D_TEXT, "email.from.address")) {
		WC(c, n, "\"from\":{\"address\":[\"");
		if (tx->from.p != NULL)
			w_raw(&c->w, tx->from.p, tx->from.len);
		else
			W(c, "<>");
		W(c, "\"]}");
	}
	if (tx->naccepted > 0 && keep(c, D_TO, "email.to.address")) {
		for (i = 0; i < tx->nrcpt; i++)
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
static void
r_related(struct ctx *c)
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
	if (!keep(c, D_RELATED, "related"))
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

/* opensmtpd.*: the session's counters, then one section after another. */
static void
r_opensmtpd(struct ctx *c)
{
	const struct session	*s = c->s;
	const struct report	*r = c->r;

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
	r_link(c);
	r_helo(c);
	r_tls(c);
	r_auth(c);
	r_tx(c);
	r_protocol(c);
	r_filter(c);
	r_unknown(c);
	r_truncation(c);
	W(c, "}");
}

/* opensmtpd.link: rdns, fcrdns, greeting. */
static void
r_link(struct ctx *c)
{
	const struct session	*s = c->s;
	int			 rdns, greet, n = 0;

	note_toolong(c, TL_RDNS, "opensmtpd.link.rdns");
	note_toolong(c, TL_GREETING, "opensmtpd.link.greeting");
	rdns = s->rdns.p != NULL && keep(c, D_TEXT, "opensmtpd.link.rdns");
	greet = s->greeting.p != NULL &&
	    keep(c, D_TEXT, "opensmtpd.link.greeting");
	if (!rdns && !greet && s->fcrdns == RES_NONE)
		return;
	W(c, ",\"link\":{");
	if (rdns)
		KEY(c, &n, "rdns", &s->rdns);
	if (s->fcrdns != RES_NONE) {
		WC(c, n, "\"fcrdns\":\"");
		W_WORD(&c->w, result_words[s->fcrdns]);
		W(c, "\"");
	}
	if (greet)
		KEY(c, &n, "greeting", &s->greeting);
	W(c, "}");
}

/* opensmtpd.helo: method and identity. */
static void
r_helo(struct ctx *c)
{
	const struct session	*s = c->s;
	int			 helo, n = 0;

	note_toolong(c, TL_HELO, "opensmtpd.helo.identity");
	helo = s->helo.p != NULL && keep(c, D_TEXT, "opensmtpd.helo.identity");
	if (s->helo_method == HELO_NONE && !helo)
		return;
	W(c, ",\"helo\":{");
	if (s->helo_method != HELO_NONE) {
		WC(c, n, "\"method\":\"");
		W_WORD(&c->w, helo_methods[s->helo_method]);
		W(c, "\"");
	}
	if (helo)
		KEY(c, &n, "identity", &s->helo);
	W(c, "}");
}

/* opensmtpd.tls: key bits and the raw link-tls text. */
static void
r_tls(struct ctx *c)
{
	const struct session	*s = c->s;
	int			 raw, n = 0;

	note_toolong(c, TL_TLS, "opensmtpd.tls.raw");
	if (!s->tls)
		return;
	raw = s->tls_raw.p != NULL && keep(c, D_TEXT, "opensmtpd.tls.raw");
	if (s->tls_bits < 0 && !raw)
		return;
	W(c, ",\"tls\":{");
	if (s->tls_bits >= 0) {
		WC(c, n, "\"bits\":");
		w_u64(&c->w, (uint64_t)s->tls_bits);
	}
	if (raw)
		KEY(c, &n, "raw", &s->tls_raw);
	W(c, "}");
}

/* opensmtpd.auth: the result of link-auth (the user is user.name). */
static void
r_auth(struct ctx *c)
{
	if (c->s->auth_result == RES_NONE)
		return;
	W(c, ",\"auth\":{\"result\":\"");
	W_WORD(&c->w, result_words[c->s->auth_result]);
	W(c, "\"}");
}

/* opensmtpd.tx: the transaction, every recipient with its envelopes. */
static void
r_tx(struct ctx *c)
{
	const struct tx	*tx = c->tx;
	const struct rcpt *rc;
	char		*mark;
	uint32_t	 i, j;
	int		 m = 0, k, one;

	if (tx == NULL)
		return;
	mark = W_OPEN(&c->w, ",\"tx\":{");
	if (tx->msgid != 0) {
		WC(c, m, "\"id\":\"");
		w_hex(&c->w, tx->msgid, 8);
		W(c, "\"");
	}
	if (tx->have_mail) {
		WC(c, m, "\"mail_result\":\"");
		W_WORD(&c->w, result_words[tx->mail_result]);
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
			W_WORD(&c->w, result_words[rc->result]);
			W(c, "\"");
			for (j = 0, k = 0, one = 1; j < rc->nevp; j++)
				W_ITEM_HEX(&c->w, &one, &k,
				    "\"envelope_ids\":[\"",
				    tx->evp[rc->evp_first + j], 16);
			W_ITEM_END(&c->w, k, "]");
			W(c, "}");
		}
		W(c, "]");
	}
	if (tx->nrejected > 0 && keep(c, D_REJ, "opensmtpd.tx.rcpt_rejected")) {
		for (i = 0, k = 0; i < tx->nrcpt; i++) {
			rc = &tx->rcpt[i];
			if (rc->result != RES_OK && rc->addr.p != NULL)
				W_ITEM_STR(&c->w, &m, &k,
				    "\"rcpt_rejected\":[\"", rc->addr.p,
				    rc->addr.len);
		}
		W_ITEM_END(&c->w, k, "]");
	}
	if (tx->nevp > 0 && keep(c, D_EVP, "opensmtpd.tx.envelope_ids")) {
		for (i = 0, k = 0; i < tx->nevp; i++)
			W_ITEM_HEX(&c->w, &m, &k, "\"envelope_ids\":[\"",
			    tx->evp[i], 16);
		W_ITEM_END(&c->w, k, "]");
	}
	if (tx->data_result != RES_NONE) {
		WC(c, m, "\"data_result\":\"");
		W_WORD(&c->w, result_words[tx->data_result]);
		W(c, "\"");
	}
	if (tx->have_size) {
		WC(c, m, "\"size\":");
		w_u64(&c->w, tx->size);
	}
	if (tx->result != TXR_NONE) {
		WC(c, m, "\"result\":\"");
		W_WORD(&c->w, tx_results[tx->result]);
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
	w_close(&c->w, mark, m);
}

/* opensmtpd.protocol.line, and the raw params of an unknown event. */
static void
r_protocol(struct ctx *c)
{
	const struct report	*r = c->r;

	if ((r->event == RPT_PROTOCOL_CLIENT ||
	    r->event == RPT_PROTOCOL_SERVER) &&
	    keep(c, D_PROTO, "opensmtpd.protocol.line")) {
		W(c, ",\"protocol\":{\"line\":\"");
		mask_line(&c->w, r, c->s, &r->f[F_LINE]);
		W(c, "\"}");
	}
}

/* opensmtpd.filter: empty fields are unknown, omitted (an empty param too). */
static void
r_filter(struct ctx *c)
{
	const struct report	*r = c->r;
	char			*mark;
	int			 n = 0;

	if (r->event == RPT_FILTER_REPORT) {
		mark = W_OPEN(&c->w, ",\"filter\":{");
		KEY_SLICE(c, n, "kind", &r->f[F_KIND]);
		KEY_SLICE(c, n, "name", &r->f[F_NAME]);
		if (r->f[F_MESSAGE].len > 0 &&
		    keep(c, D_FILTER, "opensmtpd.filter.message"))
			KEY_SLICE(c, n, "message", &r->f[F_MESSAGE]);
		w_close(&c->w, mark, n);
	} else if (r->event == RPT_FILTER_RESPONSE) {
		mark = W_OPEN(&c->w, ",\"filter\":{");
		if (keep(c, D_FILTER, "opensmtpd.filter")) {
			KEY_SLICE(c, n, "phase", &r->f[F_PHASE]);
			KEY_SLICE(c, n, "response", &r->f[F_RESPONSE]);
			KEY_SLICE(c, n, "param", &r->f[F_PARAM]);
		}
		w_close(&c->w, mark, n);
	}
}

/* An unknown event or version: the flag and the raw params, masked. */
static void
r_unknown(struct ctx *c)
{
	const struct report	*r = c->r;

	if (!r->unknown)
		return;
	W(c, ",\"unknown\":true");
	if (r->has_params && keep(c, D_PARAMS, "opensmtpd.params")) {
		W(c, ",\"params\":\"");
		mask_line(&c->w, r, c->s, &r->params);
		W(c, "\"");
	}
}

/* Whether anything was dropped or too long to keep, and what. */
static void
r_truncation(struct ctx *c)
{
	int	 i, n = 1, m = 0;

	if (c->nnote == 0 && !c->s->toolong)
		return;
	W(c, ",\"truncated\":true");
	if (c->drop & D_LIST)
		return;
	for (i = 0; i < c->nnote; i++)
		W_ITEM_STR(&c->w, &n, &m, "\"truncated_fields\":[\"",
		    c->note[i], strlen(c->note[i]));
	W_ITEM_END(&c->w, m, "]");
}
