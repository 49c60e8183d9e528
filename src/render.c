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
 * One JSON record from a report and its session, section by section: the
 * ECS field sets (ecs.c), then opensmtpd.*, here.  The JSON is written
 * straight into a buffer (jsonw.c): a tree per event would cost more than
 * all the rest of the filter.  Keys always come in the same order; the
 * texts of the session were escaped when they were stored.  Over the size
 * cap the record is written again, dropping more each time (the D_*
 * levels, the truncation policy); what was dropped is listed in
 * opensmtpd.truncated_fields.
 */

#include <stdlib.h>
#include <string.h>

#include "filter-jsonlog.h"
#include "jsonw.h"

struct lbuf;
struct rslot;

static void	 render_once(struct rctx *);
static int	 render_cached(struct rctx *);
static struct rslot *cache_slot(struct rctx *);
static int	 cache_tx(struct rctx *, struct rslot *);
static int	 cache_lists(struct rctx *, struct rslot *);
static char	*cache_alloc(struct render_cache *, size_t);
static int	 frag_keep(struct render_cache *, char **, uint32_t *,
		    const char *, size_t);
static int	 list_put(struct rctx *, struct lbuf *, const char *, size_t,
		    int);
static void	 r_head(struct rctx *);
static void	 r_opensmtpd(struct rctx *);
static void	 r_session(struct rctx *);
static void	 r_link(struct rctx *);
static void	 r_helo(struct rctx *);
static void	 r_tls(struct rctx *);
static void	 r_auth(struct rctx *);
static void	 r_tx(struct rctx *);
static void	 r_rcpt(struct wbuf *, const struct tx *, const struct rcpt *);
static void	 r_protocol(struct rctx *);
static void	 r_filter(struct rctx *);
static void	 r_unknown(struct rctx *);
static void	 w_private(struct rctx *, const struct slice *, int,
		    const char *, int *);

/* A string literal at p, which moves past it (room is known). */
#define PUT_LIT(p, lit)	do {						\
		memcpy((p), "" lit, sizeof(lit) - 1);			\
		(p) += sizeof(lit) - 1;					\
	} while (0)

const struct slice tx_results[TXR__COUNT] = {
	WORD(""), WORD("commit"), WORD("rollback"), WORD("aborted")
};

/*
 * The fragment cache.  Most of a record shows state that did not change
 * since the session's last event: the connection (observer, source,
 * destination, network, tls, user, related, opensmtpd link, helo, tls,
 * auth) and the transaction (email, opensmtpd.tx).  These parts are kept
 * rendered, for a bounded number of recently active sessions (one slot
 * per hash of the session id, the newest wins), and are rendered again
 * when the session's sgen or tgen (session.c) says that what they show
 * changed.  Only records of the first level (nothing dropped) and of
 * sessions without too long texts come from it: anything else, and a
 * record that does not fit, is rendered from scratch as before.
 */
#define SLOTS_BITS	12
#define SLOTS		(1 << SLOTS_BITS)

enum { FR_OBS, FR_RELATED, FR_LINK, FR__S };	/* of the connection */
enum { FR_EMAIL, FR_TX, FR__T };		/* of the transaction */

enum { L_RCPT, L_TO, L_REJ, L_EVP, L__COUNT };	/* the tx's lists */

/* A list of a transaction: its items rendered, comma-separated. */
struct lbuf {
	char			*p;
	uint32_t		 len;
	uint32_t		 cap;
};

struct rslot {
	const struct session	*s;
	uint64_t		 id;
	uint64_t		 sgen;		/* 0: nothing kept */
	uint64_t		 cgen;		/* render_conf's gen */
	uint64_t		 tgen;		/* 0: no transaction kept */
	char			*sb;		/* the connection's parts */
	uint32_t		 slen[FR__S];
	uint32_t		 scap;
	char			*tb;		/* the transaction's */
	uint32_t		 tlen[FR__T];
	uint32_t		 tcap;
	/*
	 * Recipients and envelopes are only ever added to a transaction:
	 * its lists grow item by item, for the tx whose gen is txgen.
	 */
	uint64_t		 txgen;		/* 0: none */
	uint32_t		 nrcpt;		/* recipients in the lists */
	uint32_t		 nevp;		/* envelopes */
	struct lbuf		 list[L__COUNT];
};

#define CACHE_BYTES	(3 * 1024 * 1024)	/* the slots' buffers, all */

struct render_cache {
	struct rslot		 slot[SLOTS];
	char			*tmp;		/* a fragment being rendered */
	size_t			 tmpcap;
	char			*arena;		/* the slots' buffers */
	size_t			 used;
};

/*
 * Render the record into out (room for cap + 1 bytes); return its length.
 * Over the cap, render again dropping more each time.
 */
size_t
render_record(const struct render_conf *conf, const struct session *s,
    const struct report *r, char *out, size_t outcap, int *truncated)
{
	struct rctx	 c;
	struct tx	 transient;
	char		*pbuf;

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
		/*
		 * Kept whatever its length: over the cap, the drop levels
		 * leave it out and say so (not the null sender's "<>").
		 */
		if (r->f[F_ADDRESS].len > 0 && ((privacy.flags & PRIV_LOCAL) ||
		    priv_session(s))) {
			/* L3: its local part */
			pbuf = xmalloc(PRIV_ADDR_MAX(r->f[F_ADDRESS].len));
			(void)estr_set(&transient.from, pbuf, priv_addr(pbuf,
			    r->f[F_ADDRESS].p, r->f[F_ADDRESS].len, s),
			    ESCAPE_MAX(FJ_LINE_MAX + PRIV_TOKEN));
			free(pbuf);
		} else if (r->f[F_ADDRESS].len > 0)
			(void)estr_set(&transient.from, r->f[F_ADDRESS].p,
			    r->f[F_ADDRESS].len, ESCAPE_MAX(FJ_LINE_MAX));
		c.tx = &transient;
	}

	if (conf->cache != NULL && s->toolong == 0) {
		c.w.b = c.w.p = out;
		c.w.end = out + (conf->cap < outcap ? conf->cap : outcap - 1);
		if (render_cached(&c))
			goto done;
		/* over the cap: from scratch, level after level */
		c.nnote = 0;
	}
	render_levels(&c, out, outcap, render_once);
 done:
	estr_free(&transient.from);
	return (render_end(&c, out, truncated));
}

/* The record once per truncation level, dropping more, until it fits. */
void
render_levels(struct rctx *c, char *out, size_t outcap,
    void (*once)(struct rctx *))
{
	int	 level;

	for (level = 0; level <= D__LEVELS; level++) {
		c->w.b = c->w.p = out;
		c->w.end = out + (c->conf->cap < outcap ? c->conf->cap :
		    outcap - 1);
		c->w.over = 0;
		c->drop = (1U << level) - 1;
		c->nnote = 0;
		once(c);
		if (!c->w.over)
			break;
	}
}

/* A rendered record ends: whether it lost anything, and its length. */
size_t
render_end(struct rctx *c, char *out, int *truncated)
{
	*truncated = c->nnote > 0 || c->s->toolong || c->drop & D_ALL;
	if (c->w.over)	/* cannot happen with cap >= FJ_SIZE_MIN */
		return (0);
	*c->w.p = '\0';
	return (c->w.p - out);
}

/* A filter's fragment cache, empty; cap is the record size cap. */
struct render_cache *
render_cache_new(size_t cap)
{
	struct render_cache	*rc;

	rc = xcalloc(1, sizeof(*rc));
	rc->tmpcap = cap + 1;
	rc->tmp = xmalloc(rc->tmpcap);
	return (rc);
}

void
render_cache_free(struct render_cache *rc)
{
	if (rc == NULL)
		return;
	free(rc->arena);
	free(rc->tmp);
	free(rc);
}

/*
 * n bytes for a slot's buffer, from one arena of CACHE_BYTES (a buffer
 * that grows leaves its old bytes behind).  When it is used up, every
 * kept fragment is forgotten and NULL returned: the sessions active now
 * fill it again, and the heap never sees the churn.
 */
static char *
cache_alloc(struct render_cache *rc, size_t n)
{
	char	*p;

	n = (n + 15) & ~(size_t)15;
	if (rc->arena == NULL)
		rc->arena = xmalloc(CACHE_BYTES);
	if (n > CACHE_BYTES - rc->used) {
		memset(rc->slot, 0, sizeof(rc->slot));
		rc->used = 0;
		return (NULL);
	}
	p = rc->arena + rc->used;
	rc->used += n;
	return (p);
}

/*
 * The record at the first level, from the kept parts and the per-event
 * ones: the same bytes as render_once() at level 0.  0 when it does not
 * fit (or a part could not be kept).
 */
static int
render_cached(struct rctx *c)
{
	struct rslot	*sl;
	const char	*sb, *tb = NULL;
	int		 tx;

	if ((sl = cache_slot(c)) == NULL)
		return (0);
	/* a MAIL FROM's record shows what its line tried: not kept */
	tx = c->tx != NULL && c->tx == &c->s->tx &&
	    c->r->event != RPT_TX_MAIL;
	if (tx && !cache_tx(c, sl))
		return (0);
	sb = sl->sb;
	r_head(c);
	w_raw(&c->w, sb, sl->slen[FR_OBS]);
	sb += sl->slen[FR_OBS];
	if (tx) {
		tb = sl->tb;
		w_raw(&c->w, tb, sl->tlen[FR_EMAIL]);
		tb += sl->tlen[FR_EMAIL];
	} else
		ecs_email(c);
	w_raw(&c->w, sb, sl->slen[FR_RELATED]);
	sb += sl->slen[FR_RELATED];
	r_session(c);
	w_raw(&c->w, sb, sl->slen[FR_LINK]);
	if (tx)
		w_raw(&c->w, tb, sl->tlen[FR_TX]);
	else
		r_tx(c);
	r_protocol(c);
	r_filter(c);
	r_unknown(c);
	render_truncation(c);
	W(c, "}}");
	return (!c->w.over);
}

/*
 * The slot of the session, its connection's parts up to date; NULL when
 * they do not fit in a record.
 */
static struct rslot *
cache_slot(struct rctx *c)
{
	struct render_cache	*rc = c->conf->cache;
	const struct session	*s = c->s;
	struct rslot		*sl;
	struct rctx		 f;
	char			*mark[FR__S + 1];
	int			 i;

	sl = &rc->slot[((s->id ^ s->subsys) * 0x9e3779b97f4a7c15ULL) >>
	    (64 - SLOTS_BITS)];
	if (sl->s == s && sl->id == s->id && sl->sgen == s->sgen &&
	    sl->cgen == c->conf->gen)
		return (sl);
	/* another session's, or out of date: render into tmp, keep */
	if (sl->s != s || sl->id != s->id)
		sl->txgen = 0;
	sl->s = s;
	sl->id = s->id;
	sl->sgen = sl->tgen = 0;
	f = *c;
	f.w.b = f.w.p = rc->tmp;
	f.w.end = rc->tmp + rc->tmpcap - 1;
	f.w.over = 0;
	mark[FR_OBS] = f.w.p;
	ecs_observer(&f);
	ecs_endpoints(&f);
	ecs_network(&f);
	ecs_tls_user(&f);
	mark[FR_RELATED] = f.w.p;
	ecs_related(&f);
	mark[FR_LINK] = f.w.p;
	r_link(&f);
	r_helo(&f);
	r_tls(&f);
	r_auth(&f);
	mark[FR__S] = f.w.p;
	if (f.w.over || f.nnote != 0)
		return (NULL);
	for (i = 0; i < FR__S; i++)
		sl->slen[i] = mark[i + 1] - mark[i];
	if (!frag_keep(rc, &sl->sb, &sl->scap, rc->tmp, f.w.p - rc->tmp))
		return (NULL);
	sl->sgen = s->sgen;
	sl->cgen = c->conf->gen;
	return (sl);
}

/* The transaction's parts of the slot up to date; 0 when they do not fit. */
static int
cache_tx(struct rctx *c, struct rslot *sl)
{
	struct render_cache	*rc = c->conf->cache;
	struct rctx		 f;
	struct txlists		 tl;
	char			*mark;

	if (sl->tgen == c->s->tgen)
		return (1);
	sl->tgen = 0;
	if (!cache_lists(c, sl))
		return (0);
	tl.rcpt.p = sl->list[L_RCPT].p;
	tl.rcpt.len = sl->list[L_RCPT].len;
	tl.to.p = sl->list[L_TO].p;
	tl.to.len = sl->list[L_TO].len;
	tl.rej.p = sl->list[L_REJ].p;
	tl.rej.len = sl->list[L_REJ].len;
	tl.evp.p = sl->list[L_EVP].p;
	tl.evp.len = sl->list[L_EVP].len;
	f = *c;
	f.tl = &tl;
	f.w.b = f.w.p = rc->tmp;
	f.w.end = rc->tmp + rc->tmpcap - 1;
	f.w.over = 0;
	ecs_email(&f);
	mark = f.w.p;
	r_tx(&f);
	if (f.w.over || f.nnote != 0)
		return (0);
	sl->tlen[FR_EMAIL] = mark - rc->tmp;
	sl->tlen[FR_TX] = f.w.p - mark;
	if (!frag_keep(rc, &sl->tb, &sl->tcap, rc->tmp, f.w.p - rc->tmp))
		return (0);
	sl->tgen = c->s->tgen;
	return (1);
}

/*
 * Bring the slot's lists up to the transaction: the items of the
 * recipients and envelopes added since.  0 when they cannot be kept.
 */
static int
cache_lists(struct rctx *c, struct rslot *sl)
{
	struct render_cache	*rc = c->conf->cache;
	const struct tx		*tx = c->tx;
	const struct rcpt	*rp;
	struct wbuf		 w;
	char			 hex[16];
	uint32_t		 i;
	int			 l;

	if (sl->txgen != tx->gen) {
		for (l = 0; l < L__COUNT; l++)
			sl->list[l].len = 0;
		sl->nrcpt = sl->nevp = 0;
		sl->txgen = tx->gen;
	}
	for (i = sl->nrcpt; i < tx->nrcpt; i++) {
		rp = &tx->rcpt[i];
		w.b = w.p = rc->tmp;
		w.end = rc->tmp + rc->tmpcap - 1;
		w.over = 0;
		if (i > 0)
			W_LIT(&w, ",");
		r_rcpt(&w, tx, rp);
		if (w.over || !list_put(c, &sl->list[L_RCPT], rc->tmp,
		    w.p - rc->tmp, 0))
			goto fail;
		if (rp->addr.p != NULL && !list_put(c, &sl->list[rp->result ==
		    RES_OK ? L_TO : L_REJ], rp->addr.p, rp->addr.len, 1))
			goto fail;
	}
	sl->nrcpt = i;
	for (i = sl->nevp; i < tx->nevp; i++) {
		w.b = w.p = hex;
		w.end = hex + sizeof(hex);
		w.over = 0;
		w_hex(&w, tx->evp[i], 16);
		if (!list_put(c, &sl->list[L_EVP], hex, sizeof(hex), 1))
			goto fail;
	}
	sl->nevp = i;
	return (1);
 fail:
	sl->txgen = 0;
	return (0);
}

/*
 * Add n bytes to a list, as a quoted item after a comma (item), or as
 * they are; 0 when the list would not fit in a record, or the cache was
 * full (and is now empty).
 */
static int
list_put(struct rctx *c, struct lbuf *lb, const char *p, size_t n, int item)
{
	struct render_cache	*rc = c->conf->cache;
	size_t			 want = lb->len + n + 3, cap;
	char			*q;

	if (want > c->conf->cap)
		return (0);
	if (want > lb->cap) {
		cap = want < 256 ? 256 : want * 2;
		if ((q = cache_alloc(rc, cap)) == NULL)
			return (0);
		if (lb->len > 0)
			memcpy(q, lb->p, lb->len);
		lb->p = q;
		lb->cap = (uint32_t)cap;
	}
	q = lb->p + lb->len;
	if (item) {
		if (lb->len > 0)
			*q++ = ',';
		*q++ = '"';
	}
	memcpy(q, p, n);
	q += n;
	if (item)
		*q++ = '"';
	lb->len = q - lb->p;
	return (1);
}

/* Copy n rendered bytes into a slot's buffer, growing it; 0: was full. */
static int
frag_keep(struct render_cache *rc, char **buf, uint32_t *cap, const char *p,
    size_t n)
{
	size_t	 want;

	/* even for no bytes: the record copies from it (never NULL) */
	if (n > *cap || *buf == NULL) {
		want = n < 256 ? 256 : n + n / 4;
		if ((*buf = cache_alloc(rc, want)) == NULL)
			return (0);
		*cap = (uint32_t)want;
	}
	memcpy(*buf, p, n);
	return (1);
}

/* Is a present part kept at this level?  Note it when dropped. */
int
render_keep(struct rctx *c, unsigned int bit, const char *name)
{
	if (!(c->drop & bit))
		return (1);
	if (c->nnote < NOTE_MAX)
		c->note[c->nnote++] = name;
	return (0);
}

/* A text of the session too long to keep (TL_*) is listed as dropped. */
void
render_toolong(struct rctx *c, uint32_t tl, const char *name)
{
	if (c->s->toolong & tl && c->nnote < NOTE_MAX)
		c->note[c->nnote++] = name;
}

/* The record once, with what the level drops left out. */
static void
render_once(struct rctx *c)
{
	r_head(c);
	render_ecs(c);
	r_opensmtpd(c);
	W(c, "}");
}

/* The ECS field sets after event.*; at the last level only observer. */
void
render_ecs(struct rctx *c)
{
	ecs_observer(c);
	if (c->drop & D_ALL)
		return;	/* only the bounded "always" fields are left */
	ecs_endpoints(c);
	ecs_network(c);
	ecs_tls_user(c);
	ecs_email(c);
	ecs_related(c);
}

/* The start of an event's record: @timestamp, ecs and event. */
static void
r_head(struct rctx *c)
{
	render_start(c);
	ecs_event(c);
}

/* The start of every record and summary: @timestamp and ecs. */
void
render_start(struct rctx *c)
{
	W(c, "{\"@timestamp\":\"");
	w_time(&c->w, c->r->time_us);
	W(c, "\",\"ecs\":{\"version\":\"" ECS_VERSION "\"}");
}

/* opensmtpd.*: the session's counters, then one section after another. */
static void
r_opensmtpd(struct rctx *c)
{
	const struct report	*r = c->r;

	r_session(c);
	if (c->drop & D_ALL) {
		if (r->unknown)
			W(c, ",\"unknown\":true");
		W(c, ",\"truncated\":true}");
		return;
	}
	render_state(c);
	r_protocol(c);
	r_filter(c);
	r_unknown(c);
	render_truncation(c);
	W(c, "}");
}

/* opensmtpd.link, .helo, .tls, .auth and .tx: the session's state. */
void
render_state(struct rctx *c)
{
	r_link(c);
	r_helo(c);
	r_tls(c);
	r_auth(c);
	r_tx(c);
}

/* opensmtpd.session and protocol_version: they change with every event. */
static void
r_session(struct rctx *c)
{
	const struct session	*s = c->s;
	const struct report	*r = c->r;
	char			 buf[256], *p = buf;

	/* on the stack first: one bounds check rather than fourteen */
	PUT_LIT(p, ",\"opensmtpd\":{\"session\":{\"id\":\"");
	memcpy(p, r->idstr, 16);
	p += 16;
	PUT_LIT(p, "\",\"tx_count\":");
	p = w_put_u32(p, s->tx_count);
	PUT_LIT(p, ",\"rcpt_count\":");
	p = w_put_u32(p, s->rcpt_count);
	PUT_LIT(p, ",\"command_count\":");
	p = w_put_u32(p, s->command_count);
	PUT_LIT(p, ",\"message_count\":");
	p = w_put_u32(p, s->message_count);
	PUT_LIT(p, "},\"protocol_version\":\"");
	w_raw(&c->w, buf, p - buf);
	w_raw(&c->w, r->vstr.p, r->vstr.len);
	W(c, "\"");
}


/* opensmtpd.link: rdns, fcrdns, greeting. */
static void
r_link(struct rctx *c)
{
	const struct session	*s = c->s;
	int			 rdns, greet, n = 0;

	render_toolong(c, TL_RDNS, "opensmtpd.link.rdns");
	render_toolong(c, TL_GREETING, "opensmtpd.link.greeting");
	rdns = s->rdns.p != NULL && render_keep(c, D_TEXT, "opensmtpd.link.rdns");
	greet = s->greeting.p != NULL &&
	    render_keep(c, D_TEXT, "opensmtpd.link.greeting");
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
r_helo(struct rctx *c)
{
	const struct session	*s = c->s;
	int			 helo, n = 0;

	render_toolong(c, TL_HELO, "opensmtpd.helo.identity");
	helo = s->helo.p != NULL && render_keep(c, D_TEXT, "opensmtpd.helo.identity");
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
r_tls(struct rctx *c)
{
	const struct session	*s = c->s;
	int			 raw, n = 0;

	render_toolong(c, TL_TLS, "opensmtpd.tls.raw");
	if (!s->tls)
		return;
	raw = s->tls_raw.p != NULL && render_keep(c, D_TEXT, "opensmtpd.tls.raw");
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
r_auth(struct rctx *c)
{
	if (c->s->auth_result == RES_NONE)
		return;
	W(c, ",\"auth\":{\"result\":\"");
	W_WORD(&c->w, result_words[c->s->auth_result]);
	W(c, "\"}");
}

/* opensmtpd.tx: the transaction, every recipient with its envelopes. */
static void
r_tx(struct rctx *c)
{
	const struct tx	*tx = c->tx;
	const struct rcpt *rc;
	char		*mark, *pbuf;
	uint32_t	 i;
	int		 m = 0, k;

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
	render_toolong(c, TL_RCPT, "opensmtpd.tx.rcpt.address");
	if (tx->nrcpt > 0 && render_keep(c, D_RCPT, "opensmtpd.tx.rcpt")) {
		WC(c, m, "\"rcpt\":[");
		if (c->tl != NULL)
			w_raw(&c->w, c->tl->rcpt.p, c->tl->rcpt.len);
		for (i = 0; c->tl == NULL && i < tx->nrcpt; i++) {
			if (i > 0)
				W(c, ",");
			r_rcpt(&c->w, tx, &tx->rcpt[i]);
		}
		W(c, "]");
	}
	if (tx->nrejected > 0 && render_keep(c, D_REJ, "opensmtpd.tx.rcpt_rejected")) {
		if (c->tl != NULL && c->tl->rej.len > 0) {
			WC(c, m, "\"rcpt_rejected\":[");
			w_raw(&c->w, c->tl->rej.p, c->tl->rej.len);
			W(c, "]");
		}
		for (i = 0, k = 0; c->tl == NULL && i < tx->nrcpt; i++) {
			rc = &tx->rcpt[i];
			if (rc->result != RES_OK && rc->addr.p != NULL)
				W_ITEM_STR(&c->w, &m, &k,
				    "\"rcpt_rejected\":[\"", rc->addr.p,
				    rc->addr.len);
		}
		W_ITEM_END(&c->w, k, "]");
	}
	if (tx->nevp > 0 && render_keep(c, D_EVP, "opensmtpd.tx.envelope_ids")) {
		if (c->tl != NULL) {
			WC(c, m, "\"envelope_ids\":[");
			w_raw(&c->w, c->tl->evp.p, c->tl->evp.len);
			W(c, "]");
		}
		for (i = 0, k = 0; c->tl == NULL && i < tx->nevp; i++)
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
	if (c->kind == SUM_TX) {
		WC(c, m, "\"accepted_count\":");
		w_u64(&c->w, tx->naccepted);
		W(c, ",\"rejected_count\":");
		w_u64(&c->w, tx->nrejected);
	}
	/* the address a refused MAIL FROM tried: this record only */
	if (c->r->event == RPT_TX_MAIL && c->r->result != RES_OK &&
	    render_keep(c, D_TEXT, "opensmtpd.tx.refused_from")) {
		WC(c, m, "\"refused_from\":\"");
		if (c->r->f[F_ADDRESS].len > 0 &&
		    ((privacy.flags & PRIV_LOCAL) || priv_session(c->s))) {
			/* L3: the transient text, as email.from.address */
			pbuf = xmalloc(PRIV_ADDR_MAX(c->r->f[F_ADDRESS].len));
			w_slice(&c->w, pbuf, priv_addr(pbuf,
			    c->r->f[F_ADDRESS].p, c->r->f[F_ADDRESS].len,
			    c->s));
			free(pbuf);
		} else if (c->r->f[F_ADDRESS].len > 0)
			w_slice(&c->w, c->r->f[F_ADDRESS].p,
			    c->r->f[F_ADDRESS].len);
		else
			W(c, "<>");
		W(c, "\"");
	}
	w_close(&c->w, mark, m);
}

/* One recipient of opensmtpd.tx.rcpt, with its envelopes. */
static void
r_rcpt(struct wbuf *w, const struct tx *tx, const struct rcpt *rc)
{
	uint32_t	 j;
	int		 k, one;

	W_LIT(w, "{");
	if (rc->addr.p != NULL) {
		W_LIT(w, "\"address\":\"");
		w_raw(w, rc->addr.p, rc->addr.len);
		W_LIT(w, "\",");
	}
	W_LIT(w, "\"result\":\"");
	W_WORD(w, result_words[rc->result]);
	W_LIT(w, "\"");
	for (j = 0, k = 0, one = 1; j < rc->nevp; j++)
		W_ITEM_HEX(w, &one, &k, "\"envelope_ids\":[\"",
		    tx->evp[rc->evp_first + j], 16);
	W_ITEM_END(w, k, "]");
	W_LIT(w, "}");
}

/* opensmtpd.protocol.line, and the raw params of an unknown event. */
static void
r_protocol(struct rctx *c)
{
	const struct report	*r = c->r;

	if ((r->event == RPT_PROTOCOL_CLIENT ||
	    r->event == RPT_PROTOCOL_SERVER) &&
	    render_keep(c, D_PROTO, "opensmtpd.protocol.line")) {
		W(c, ",\"protocol\":{\"line\":\"");
		if (privacy.flags)	/* P1, or L5, I4 */
			w_private(c, &r->f[F_LINE], 1, NULL, 0);
		else
			mask_line(&c->w, r, c->s, &r->f[F_LINE]);
		W(c, "\"}");
	}
	/* parsed once, by session_apply */
	if (r->event == RPT_PROTOCOL_SERVER)
		render_reply(&c->w, c->s->reply_code, c->s->reply_enh);
}

/* opensmtpd.reply: an SMTP reply's code, and its enhanced code if any. */
void
render_reply(struct wbuf *w, unsigned int code, uint32_t enh)
{
	char	 buf[64], *p = buf;

	if (code < 200 || code > 599)
		return;
	/* on the stack first: one bounds check */
	PUT_LIT(p, ",\"reply\":{\"code\":");
	*p++ = '0' + code / 100;
	*p++ = '0' + code / 10 % 10;
	*p++ = '0' + code % 10;
	if (enh != 0) {
		PUT_LIT(p, ",\"enhanced\":\"");
		p += protocol_enhanced(p, enh);
		*p++ = '"';
	}
	*p++ = '}';
	w_raw(w, buf, p - buf);
}

/*
 * A text of the event under -P (privacy.c): a protocol line (how 1) or
 * unknown parameters (2), through priv_line() or priv_text() and then
 * mask_line(); a filter text (0) as "key":"text" after a comma unless it
 * is the first member (counter n), empty: nothing.  Out of line: the
 * records without -P do not pay for its locals.
 */
static __attribute__((__noinline__)) void
w_private(struct rctx *c, const struct slice *in, int how, const char *key,
    int *n)
{
	struct slice	 t;

	if (how == 1)
		t = priv_line(c->s, c->r, in);
	else
		t = priv_text(c->s, in->p, in->len);
	if (how != 0) {
		mask_line(&c->w, c->r, c->s, &t);
		return;
	}
	if (t.len == 0)
		return;
	w_member(&c->w, n);
	w_raw(&c->w, key, strlen(key));
	w_slice(&c->w, t.p, t.len);
	W(c, "\"");
}

/* opensmtpd.filter: empty fields are unknown, omitted (an empty param too). */
static void
r_filter(struct rctx *c)
{
	const struct report	*r = c->r;
	char			*mark;
	int			 n = 0;

	if (r->event == RPT_FILTER_REPORT) {
		mark = W_OPEN(&c->w, ",\"filter\":{");
		KEY_SLICE(c, n, "kind", &r->f[F_KIND]);
		KEY_SLICE(c, n, "name", &r->f[F_NAME]);
		if (r->f[F_MESSAGE].len > 0 &&
		    render_keep(c, D_FILTER, "opensmtpd.filter.message")) {
			if (privacy.flags)	/* L5, U2, I4 */
				w_private(c, &r->f[F_MESSAGE], 0,
				    "\"message\":\"", &n);
			else
				KEY_SLICE(c, n, "message", &r->f[F_MESSAGE]);
		}
		w_close(&c->w, mark, n);
	} else if (r->event == RPT_FILTER_RESPONSE) {
		mark = W_OPEN(&c->w, ",\"filter\":{");
		if (render_keep(c, D_FILTER, "opensmtpd.filter")) {
			KEY_SLICE(c, n, "phase", &r->f[F_PHASE]);
			KEY_SLICE(c, n, "response", &r->f[F_RESPONSE]);
			if (privacy.flags)	/* L5, U2, I4 */
				w_private(c, &r->f[F_PARAM], 0,
				    "\"param\":\"", &n);
			else
				KEY_SLICE(c, n, "param", &r->f[F_PARAM]);
		}
		w_close(&c->w, mark, n);
	}
}

/* An unknown event or version: the flag and the raw params, masked. */
static void
r_unknown(struct rctx *c)
{
	const struct report	*r = c->r;

	if (!r->unknown)
		return;
	W(c, ",\"unknown\":true");
	if (r->has_params && render_keep(c, D_PARAMS, "opensmtpd.params")) {
		W(c, ",\"params\":\"");
		if (privacy.flags)	/* L5, U2, I4 */
			w_private(c, &r->params, 2, NULL, 0);
		else
			mask_line(&c->w, r, c->s, &r->params);
		W(c, "\"");
	}
}

/* Whether anything was dropped or too long to keep, and what. */
void
render_truncation(struct rctx *c)
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
