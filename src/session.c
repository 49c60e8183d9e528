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
 * Session and transaction state: the state machine that each report line
 * drives, and the parsers of the fields it keeps (addresses, TLS).  Texts
 * are stored escaped for JSON, once (escape.c), so that rendering a
 * record is mostly copying; the table of sessions is table.c.
 */

#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>

#include "filter-jsonlog.h"

static void	 endpoint_set(struct sessions *, struct session *,
		    struct endpoint *, const struct slice *, uint32_t);
static void	 endpoint_free(struct endpoint *);
static void	 text_set(struct sessions *, struct session *, struct estr *,
		    const struct slice *, uint32_t);
static void	 connect_reset(struct session *);
static void	 tx_clear(struct tx *);
static struct tx *tx_for(struct session *, const struct report *, int);
static void	 tx_rcpt(struct sessions *, struct session *, struct tx *,
		    const struct report *);
static void	 tx_envelope(struct tx *, uint64_t);
static void	 tls_parse(struct sessions *, struct session *,
		    const struct slice *);
static int	 fcrdns_word(const struct slice *);
static int	 is_quit(const struct slice *);
static void	 priv_store(struct sessions *, struct session *,
		    const struct report *, struct estr *, uint32_t);

/* Update the session with the event, before its record is rendered. */
void
session_apply(struct sessions *ss, struct session *s, const struct report *r)
{
	struct tx	*tx;
	struct reply	 rp;

	s->seq++;
	s->last_us = r->time_us;
	s->version = r->version > UINT16_MAX ? UINT16_MAX : r->version;
	if (r->time_us > ss->now_us)
		ss->now_us = r->time_us;

	/*
	 * The renderer keeps the parts of a record that repeat (render.c)
	 * while these stay: sgen for the connection (link, TLS, HELO,
	 * auth), tgen for the transaction.  A new value, never seen
	 * before, for every event that may change what they show.
	 */
	switch (r->event) {
	case RPT_LINK_CONNECT:
		s->sgen = ++ss->gen;
		s->tgen = ++ss->gen;
		break;
	case RPT_LINK_GREETING:
	case RPT_LINK_IDENTIFY:
	case RPT_LINK_TLS:
	case RPT_LINK_AUTH:
		s->sgen = ++ss->gen;
		break;
	case RPT_LINK_DISCONNECT:
	case RPT_TX_RESET:
	case RPT_TX_BEGIN:
	case RPT_TX_MAIL:
	case RPT_TX_RCPT:
	case RPT_TX_ENVELOPE:
	case RPT_TX_DATA:
	case RPT_TX_COMMIT:
	case RPT_TX_ROLLBACK:
		s->tgen = ++ss->gen;
		break;
	default:
		break;
	}

	switch (r->event) {
	case RPT_LINK_CONNECT:
		/* A repeated link-connect (smtp-out) is a new connection. */
		if (s->connected)
			connect_reset(s);
		s->connected = 1;
		s->start_us = r->time_us;
		if (priv_session(s))
			priv_store(ss, s, r, &s->rdns, TL_RDNS);
		else
			text_set(ss, s, &s->rdns, &r->f[F_RDNS], TL_RDNS);
		s->fcrdns = fcrdns_word(&r->f[F_FCRDNS]);
		endpoint_set(ss, s, &s->src, &r->f[F_SRC], TL_SRC);
		endpoint_set(ss, s, &s->dst, &r->f[F_DEST], TL_DST);
		break;
	case RPT_LINK_GREETING:
		text_set(ss, s, &s->greeting, &r->f[F_HOSTNAME], TL_GREETING);
		break;
	case RPT_LINK_IDENTIFY:
		s->helo_method = protocol_helo(r->f[F_METHOD].p,
		    r->f[F_METHOD].len);
		if (privacy.flags)
			priv_store(ss, s, r, &s->helo, TL_HELO);
		else
			text_set(ss, s, &s->helo, &r->f[F_IDENTITY], TL_HELO);
		break;
	case RPT_LINK_TLS:
		tls_parse(ss, s, &r->f[F_TLS]);
		break;
	case RPT_LINK_AUTH:
		s->auth_result = r->result;
		if (privacy.flags & PRIV_KEYED)
			priv_store(ss, s, r, &s->user, TL_USER);
		else
			text_set(ss, s, &s->user, &r->f[F_USER], TL_USER);
		break;
	case RPT_TX_BEGIN:
		tx_clear(&s->tx);
		s->toolong &= ~(TL_FROM | TL_RCPT);
		s->tx.gen = s->tgen;
		s->tx.msgid = r->msgid;
		s->tx.state = TXS_OPEN;
		s->tx.begin_us = r->time_us;
		s->tx_count++;
		break;
	case RPT_TX_MAIL:
		if (r->msgid == 0)
			break;	/* refused before a transaction: own record */
		tx = tx_for(s, r, 1);
		/*
		 * A second MAIL FROM inside the transaction is refused (503)
		 * and reported with the current msgid: the transaction goes
		 * on with its accepted sender.
		 */
		if (r->result != RES_OK && tx->have_mail &&
		    tx->mail_result == RES_OK)
			break;
		tx->have_mail = 1;
		tx->mail_result = r->result;
		if ((privacy.flags & PRIV_LOCAL) || priv_session(s))
			priv_store(ss, s, r, &tx->from, TL_FROM);
		else
			text_set(ss, s, &tx->from, &r->f[F_ADDRESS], TL_FROM);
		break;
	case RPT_TX_RCPT:
		s->rcpt_count++;
		if (r->result == RES_OK)
			s->rcpt_ok++;
		tx_rcpt(ss, s, tx_for(s, r, 1), r);
		break;
	case RPT_TX_ENVELOPE:
		tx_envelope(tx_for(s, r, 1), r->evpid);
		break;
	case RPT_TX_DATA:
		tx_for(s, r, 1)->data_result = r->result;
		break;
	case RPT_TX_COMMIT:
		tx = tx_for(s, r, 1);
		tx->result = TXR_COMMIT;
		tx->size = r->size;
		tx->have_size = 1;
		tx->commit_us = r->time_us;
		s->message_count++;
		break;
	case RPT_TX_ROLLBACK:
		tx_for(s, r, 1)->result = TXR_ROLLBACK;
		break;
	case RPT_TX_RESET:
		(void)tx_for(s, r, 0);
		break;
	case RPT_PROTOCOL_CLIENT:
		s->command_count++;
		if (s->ending != END_TIMEOUT && is_quit(&r->f[F_LINE]))
			s->ending = END_QUIT;
		break;
	case RPT_TIMEOUT:
		s->ending = END_TIMEOUT;
		break;
	case RPT_LINK_DISCONNECT:
		/*
		 * A commit the queue refused (421) ends with the session: no
		 * tx-commit, tx-rollback or tx-reset comes for it.
		 */
		if (s->tx.state == TXS_OPEN && s->tx.result == TXR_NONE)
			s->tx.result = s->tx.late_rcpt ? TXR_ROLLBACK :
			    TXR_ABORTED;
		break;
	case RPT_PROTOCOL_SERVER:
		mask_reply(s, r);
		/* this line's code (or none): its record shows it (render.c) */
		if (protocol_reply(r->f[F_LINE].p, r->f[F_LINE].len, &rp)) {
			s->reply_code = rp.code;
			s->reply_enh = rp.enh;
			/* not after smtp-out's late refused RCPT (tx_for) */
			if (s->tx.state == TXS_OPEN && !s->tx.late_rcpt) {
				s->tx.reply_code = rp.code;
				s->tx.reply_enh = rp.enh;
			}
			if (rp.last && rp.code >= 400)
				s->error_replies++;
		} else
			s->reply_code = s->reply_enh = 0;
		break;
	default:
		break;
	}
}

/* After the record: close what the event closed. */
void
session_done(struct sessions *ss, struct session *s, const struct report *r)
{
	switch (r->event) {
	case RPT_PROTOCOL_CLIENT:
		mask_answered(s);
		break;
	case RPT_TX_RESET:
		if (s->tx.state == TXS_OPEN && s->tx.msgid == r->msgid)
			s->tx.state = TXS_CLOSED;
		s->tgen = ++ss->gen;
		break;
	case RPT_LINK_DISCONNECT:
		session_remove(ss, s);
		break;
	default:
		break;
	}
}

/* Free a session completely: its texts and its transaction. */
void
session_free(struct session *s)
{
	tx_clear(&s->tx);
	free(s->arena);
	free(s);
}

/* Forget what belongs to one connection (smtp-out reconnects). */
static void
connect_reset(struct session *s)
{
	estr_clear(&s->greeting);
	estr_clear(&s->helo);
	estr_clear(&s->tls_raw);
	estr_clear(&s->tls_version);
	estr_clear(&s->tls_cipher);
	estr_clear(&s->user);
	s->priv_user = 0;
	s->helo_method = HELO_NONE;
	s->auth_result = RES_NONE;
	s->tls = 0;
	s->tls_bits = -1;
	s->auth_data = 0;
	s->ending = END_NONE;
	s->toolong &= ~(TL_GREETING | TL_HELO | TL_TLS | TL_USER);
}

/*
 * "192.0.2.7:25", "[2001:db8::7]:25", "unix:/path" (or anything else,
 * kept as it is).  The address is kept without port and brackets, the
 * ip only when it parses as one.
 */
static void
endpoint_set(struct sessions *ss, struct session *s, struct endpoint *ep,
    const struct slice *sl, uint32_t tl)
{
	char		 buf[INET6_ADDRSTRLEN + 8], pbuf[INET6_ADDRSTRLEN + 8];
	unsigned char	 bin[16];
	struct slice	 host = *sl;
	const char	*colon = NULL, *pct;
	size_t		 i, hl;
	unsigned int	 port = 0;
	int		 fam = FAM_OTHER, n;
	int		 hide = ep == &s->src && priv_session(s);

	endpoint_free(ep);
	if (sl->len == 0)
		return;
	if (LIT_PREFIX(sl->p, sl->len, "unix:"))
		fam = FAM_UNIX;
	else {
		for (i = sl->len; i > 0; i--)
			if (sl->p[i - 1] == ':') {
				colon = sl->p + i - 1;
				break;
			}
	}
	if (colon != NULL && colon + 1 < sl->p + sl->len &&
	    (size_t)(sl->p + sl->len - colon) <= 6) {
		for (i = 1; colon + i < sl->p + sl->len; i++) {
			if (colon[i] < '0' || colon[i] > '9')
				break;
			port = port * 10 + (colon[i] - '0');
		}
		if (colon + i == sl->p + sl->len && port <= 65535) {
			host.len = colon - sl->p;
			if (host.len >= 2 && host.p[0] == '[' &&
			    host.p[host.len - 1] == ']') {
				host.p++;
				host.len -= 2;
			}
			/* inet_pton knows no scope: check the part before */
			pct = memchr(host.p, '%', host.len);
			hl = pct ? (size_t)(pct - host.p) : host.len;
			if (hl > 0 && hl < sizeof(buf)) {
				memcpy(buf, host.p, hl);
				buf[hl] = '\0';
				if (inet_pton(AF_INET, buf, bin) == 1)
					fam = FAM_IPV4;
				else if (inet_pton(AF_INET6, buf, bin) == 1)
					fam = FAM_IPV6;
			}
			if (fam != FAM_OTHER && hide) {
				/* I1: the network only, kept once as the ip */
				if ((n = priv_ip(pbuf, sizeof(pbuf), buf,
				    hl)) != -1)
					(void)escape_store(&ep->ip, pbuf, n,
					    ss->textmax, s);
				ep->port = (uint16_t)port;
				ep->family = fam;
				return;
			}
			if (fam != FAM_OTHER) {
				(void)escape_store(&ep->ip, buf, hl, ss->textmax, s);
				ep->port = (uint16_t)port;
			} else if (host.len == 0)
				return;	/* ":0": smtpd knew no address */
			else
				host = *sl;
		}
	}
	ep->family = fam;
	if (host.len == 0)
		return;
	/* I1: an address that is no ip may still spell one */
	if (hide && fam == FAM_OTHER)
		host = priv_text(s, host.p, host.len);
	/* An address that is its ip is kept once (see endpoint_addr). */
	if (ep->ip.p != NULL && host.len == ep->ip.len &&
	    memcmp(host.p, ep->ip.p, host.len) == 0)
		return;
	if (escape_store(&ep->addr, host.p, host.len, ss->textmax, s) == -1)
		s->toolong |= tl;
}

/* source.address or destination.address: the raw address or its ip. */
const struct estr *
endpoint_addr(const struct endpoint *ep)
{
	return (ep->addr.p != NULL ? &ep->addr : &ep->ip);
}

static void
endpoint_free(struct endpoint *ep)
{
	estr_clear(&ep->addr);
	estr_clear(&ep->ip);
	ep->port = 0;
	ep->family = FAM_NONE;
}

/* Set a session text; empty means unknown. */
static void
text_set(struct sessions *ss, struct session *s, struct estr *e,
    const struct slice *sl, uint32_t tl)
{
	s->toolong &= ~tl;
	estr_clear(e);
	if (sl->len == 0)
		return;
	if (escape_store(e, sl->p, sl->len, ss->textmax, s) == -1)
		s->toolong |= tl;
}

static void
tx_clear(struct tx *tx)
{
	/* the texts are in the session's arena */
	free(tx->rcpt);
	free(tx->evp);
	memset(tx, 0, sizeof(*tx));
}

/*
 * The transaction a tx event speaks of.  Events for the transaction that
 * just ended reopen it (smtp-out goes on after tx-reset when a recipient
 * failed); another message id starts a new one; with open == 0 nothing
 * is created.
 */
static struct tx *
tx_for(struct session *s, const struct report *r, int open)
{
	struct tx	*tx = &s->tx;

	if (tx->state != TXS_NONE && tx->msgid == r->msgid) {
		/*
		 * smtp-out reports a refused RCPT after the rollback and
		 * reset it caused, then usually goes on with the same
		 * transaction.  If nothing more comes for it, it ended
		 * rolled back (see RPT_LINK_DISCONNECT).
		 */
		if (tx->state == TXS_CLOSED && open) {
			tx->state = TXS_OPEN;
			tx->result = TXR_NONE;
			tx->late_rcpt = r->event == RPT_TX_RCPT;
		} else if (r->event != RPT_TX_RCPT)
			tx->late_rcpt = 0;
		return (tx);
	}
	if (!open)
		return (tx);
	tx_clear(tx);
	s->toolong &= ~(TL_FROM | TL_RCPT);
	tx->gen = s->tgen;
	tx->msgid = r->msgid;
	tx->state = TXS_OPEN;
	tx->begin_us = -1;	/* its tx-begin was not seen: no duration */
	s->tx_count++;
	return (tx);
}

static void
tx_rcpt(struct sessions *ss, struct session *s, struct tx *tx,
    const struct report *r)
{
	struct rcpt	*rc;
	struct slice	 addr;
	char		*buf = NULL;
	size_t		 max;
	int		 ret;

	if (tx->nrcpt >= FJ_RCPT_MAX) {
		stats.capped++;
		tx->evp_unclaimed = tx->nevp;
		return;
	}
	if (tx->nrcpt == tx->rcptcap) {
		tx->rcptcap = tx->rcptcap ? tx->rcptcap * 2 : 4;
		tx->rcpt = xreallocarray(tx->rcpt, tx->rcptcap,
		    sizeof(*tx->rcpt));
	}
	rc = &tx->rcpt[tx->nrcpt++];
	memset(rc, 0, sizeof(*rc));
	rc->result = r->result;
	if (r->result == RES_OK)
		tx->naccepted++;
	else
		tx->nrejected++;
	/* Envelopes reported since the previous RCPT belong to this one. */
	rc->evp_first = tx->evp_unclaimed;
	rc->nevp = (uint16_t)(tx->nevp - tx->evp_unclaimed);
	tx->evp_unclaimed = tx->nevp;
	/*
	 * The addresses of one transaction are kept up to a budget: past
	 * it, the list could never fit in a record, and an attacker's
	 * thousand long recipients would cost megabytes per session.
	 */
	if (r->f[F_ADDRESS].len == 0)
		return;
	max = FJ_RCPT_TEXT * ss->textmax;
	max = tx->rcpt_text < max ? max - tx->rcpt_text : 0;
	if (max > ss->textmax)
		max = ss->textmax;
	addr = r->f[F_ADDRESS];
	if ((privacy.flags & PRIV_LOCAL) || priv_session(s)) {
		/* L2 (I5): the recipient's local part (domain) */
		buf = xmalloc(PRIV_ADDR_MAX(addr.len));
		addr.len = priv_addr(buf, addr.p, addr.len, s);
		addr.p = buf;
	}
	ret = escape_store(&rc->addr, addr.p, addr.len, max, s);
	free(buf);
	if (ret == -1)
		s->toolong |= TL_RCPT;
	else
		tx->rcpt_text += rc->addr.len;
}

static void
tx_envelope(struct tx *tx, uint64_t evpid)
{
	if (tx->nevp >= FJ_EVP_MAX) {
		stats.capped++;
		return;
	}
	if (tx->nevp == tx->evpcap) {
		tx->evpcap = tx->evpcap ? tx->evpcap * 2 : 4;
		tx->evp = xreallocarray(tx->evp, tx->evpcap, sizeof(*tx->evp));
	}
	tx->evp[tx->nevp++] = evpid;
}

/* "TLSv1.3:TLS_AES_256_GCM_SHA384:256" */
static void
tls_parse(struct sessions *ss, struct session *s, const struct slice *sl)
{
	const char	*p = sl->p, *end = sl->p + sl->len, *c1, *c2;
	const char	*v;
	int		 bits = 0;

	s->tls = 1;
	text_set(ss, s, &s->tls_raw, sl, TL_TLS);
	estr_clear(&s->tls_version);
	estr_clear(&s->tls_cipher);
	s->tls_bits = -1;
	if ((c1 = memchr(p, ':', end - p)) == NULL)
		return;
	if ((c2 = memchr(c1 + 1, ':', end - c1 - 1)) == NULL)
		return;
	/* TLSv1.3 -> 1.3; SSLv3 and others give no version (only the raw) */
	if (c1 - p > 4 && LIT_PREFIX(p, (size_t)(c1 - p), "TLSv")) {
		v = p + 4;
		(void)escape_store(&s->tls_version, v, c1 - v, ss->textmax,
		    s);
	}
	if (c2 > c1 + 1)
		(void)escape_store(&s->tls_cipher, c1 + 1, c2 - c1 - 1,
		    ss->textmax, s);
	for (p = c2 + 1; p < end && p - c2 <= 6 && *p >= '0' && *p <= '9';
	    p++)
		bits = bits * 10 + (*p - '0');
	if (p == end && p > c2 + 1)
		s->tls_bits = bits;
}

/*
 * A text of the event, transformed by -P before it is stored (see the
 * paths in privacy.c): the rdns is not kept but remembered as a hash
 * (I2), a HELO identity loses ips and addresses (I3), the user name and
 * the sender get their pseudonyms (U1, L4, L1).
 */
static void
priv_store(struct sessions *ss, struct session *s, const struct report *r,
    struct estr *e, uint32_t tl)
{
	struct slice	 sl, t;
	char		*buf = NULL;

	if (e == &s->rdns) {
		/* smtpd's "<unknown>" (no name) names nobody: kept */
		sl = r->f[F_RDNS];
		s->priv_rdns = 0;
		if (LIT_IS(sl.p, sl.len, "<unknown>")) {
			text_set(ss, s, e, &sl, tl);
			return;
		}
		estr_clear(e);
		s->toolong &= ~tl;
		if (sl.len > 0)
			s->priv_rdns = priv_name_hash(sl.p, sl.len);
		return;
	}
	if (e == &s->helo) {
		sl = r->f[F_IDENTITY];
		t = priv_text(s, sl.p, sl.len);
		/* a name equal to the rdns says as much as the rdns */
		if (priv_session(s) && LIT_IS(t.p, t.len, PRIV_RDNS))
			t.len = 0;
	} else if (e == &s->user) {
		sl = r->f[F_USER];
		s->priv_user = (privacy.flags & PRIV_USER) && sl.len > 0 ?
		    priv_name_hash(sl.p, sl.len) : 0;
		buf = xmalloc(PRIV_ADDR_MAX(sl.len));
		t.len = sl.len > 0 ? priv_user(buf, sl.p, sl.len, s) : 0;
		t.p = buf;
	} else {
		sl = r->f[F_ADDRESS];
		buf = xmalloc(PRIV_ADDR_MAX(sl.len));
		t.len = priv_addr(buf, sl.p, sl.len, s);
		t.p = buf;
	}
	text_set(ss, s, e, &t, tl);
	free(buf);
}

/* link-connect's fcrdns: pass, fail, error; anything else is "other". */
static int
fcrdns_word(const struct slice *sl)
{
	int	 res;

	if (sl->len == 0)
		return (RES_NONE);
	res = protocol_result(sl->p, sl->len);
	if (res != RES_PASS && res != RES_FAIL && res != RES_ERROR)
		res = RES_OTHER;
	return (res);
}

/* "QUIT", in any case, perhaps with blanks after it. */
static int
is_quit(const struct slice *sl)
{
	size_t	 i;

	if (sl->len < 4 || (sl->p[0] | 0x20) != 'q' ||
	    (sl->p[1] | 0x20) != 'u' || (sl->p[2] | 0x20) != 'i' ||
	    (sl->p[3] | 0x20) != 't')
		return (0);
	for (i = 4; i < sl->len; i++)
		if (sl->p[i] != ' ' && sl->p[i] != '\t')
			return (0);
	return (1);
}
