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
 * Session and transaction state: a hash table keyed by (subsystem,
 * session id), an LRU list for expiry and eviction, and the state machine
 * that each report line drives.  Texts are stored escaped for JSON, once,
 * so that rendering a record is mostly copying.
 */

#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>
#ifdef HAVE_MALLOC_TRIM
#include <malloc.h>
#endif

#include "filter-jsonlog.h"
#include "compat.h"

#define LRU_GRANULE	1000000		/* us */
#define TRIM_MIN	10000		/* sessions */

#define TEXTS_MAX	12		/* texts of a session, recipients aside */
#define ARENA_MIN	192		/* bytes */

static int	 escaped(const char *, size_t, size_t, struct estr *,
		    struct session *);
static void	 arena_put(struct session *, struct estr *, const char *,
		    size_t);
static char	*arena_move(struct estr *, char *);
static int	 session_texts(struct session *, struct estr **);
static void	 stext_clear(struct estr *);
static size_t	 bucket_of(const struct sessions *, int, uint64_t);
static void	 table_grow(struct sessions *);
static void	 session_unlink(struct sessions *, struct session *);
static void	 session_free(struct session *);
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
static int	 is_reply(const struct slice *, const char *);

/* cap sessions at most; expire after expire_us idle; texts to textmax. */
void
sessions_init(struct sessions *ss, size_t cap, int64_t expire_us,
    size_t textmax)
{
	memset(ss, 0, sizeof(*ss));
	ss->nbucket = 1024;
	ss->bucket = xcalloc(ss->nbucket, sizeof(*ss->bucket));
	ss->cap = cap;
	ss->expire_us = expire_us;
	ss->textmax = textmax;
	TAILQ_INIT(&ss->lru);
}

void
sessions_free(struct sessions *ss)
{
	struct session	*s;

	while ((s = TAILQ_FIRST(&ss->lru)) != NULL) {
		session_unlink(ss, s);
		session_free(s);
	}
	free(ss->bucket);
	ss->bucket = NULL;
}

/*
 * Find the session, creating it when it is new.  When the table is full
 * the least recently used session makes room (counted as evicted).
 */
struct session *
session_get(struct sessions *ss, int subsys, uint64_t id, int64_t now)
{
	struct session	*s, *old;
	size_t		 b = bucket_of(ss, subsys, id), i;

	for (s = ss->bucket[b]; s != NULL; s = s->hnext)
		if (s->id == id && s->subsys == subsys) {
			/*
			 * Keep the LRU order to the second: moving on every
			 * event touches two cold neighbours each time.
			 */
			if (ss->mono_us - s->moved_us >= LRU_GRANULE) {
				TAILQ_REMOVE(&ss->lru, s, lru);
				TAILQ_INSERT_TAIL(&ss->lru, s, lru);
				s->moved_us = ss->mono_us;
			}
			return (s);
		}

	if (ss->count >= ss->cap && (old = TAILQ_FIRST(&ss->lru)) != NULL) {
		/*
		 * Evicted between a 334 challenge and the client's answer:
		 * the answer must still be masked when the session is back.
		 */
		if (old->auth_data) {
			i = ss->nauthwait++ % AUTHWAIT_MAX;
			ss->authwait[i].id = old->id;
			ss->authwait[i].subsys = old->subsys;
		}
		session_unlink(ss, old);
		session_free(old);
		stats.evicted++;
	}
	if (ss->count >= ss->nbucket) {
		table_grow(ss);
		b = bucket_of(ss, subsys, id);
	}
	s = xcalloc(1, sizeof(*s));
	s->id = id;
	s->subsys = subsys;
	s->start_us = now;
	s->last_us = now;
	s->moved_us = ss->mono_us;
	s->tls_bits = -1;
	for (i = 0; i < ss->nauthwait && i < AUTHWAIT_MAX; i++)
		if (ss->authwait[i].id == id &&
		    ss->authwait[i].subsys == subsys) {
			s->auth_data = 1;
			ss->authwait[i].subsys = -1;	/* used */
		}
	s->hnext = ss->bucket[b];
	ss->bucket[b] = s;
	TAILQ_INSERT_TAIL(&ss->lru, s, lru);
	ss->count++;
	if (ss->count > ss->peak)
		ss->peak = ss->count;
	stats.sessions = ss->count;
	return (s);
}

/* Where a session will be found; its table slot is prefetched. */
struct session_key
session_key(struct sessions *ss, int subsys, uint64_t id)
{
	struct session_key	 k;

	k.subsys = subsys;
	k.id = id;
	k.bucket = bucket_of(ss, subsys, id);
	k.nbucket = ss->nbucket;
	PREFETCH(&ss->bucket[k.bucket]);
	return (k);
}

/* Later, the slot is in the cache: prefetch the session and its texts. */
void
session_prefetch(struct sessions *ss, const struct session_key *k)
{
	struct session	*s;
	size_t		 off;

	/* not a report, or the table has grown since: skip */
	if (k->nbucket != ss->nbucket)
		return;
	for (s = ss->bucket[k->bucket]; s != NULL; s = s->hnext)
		if (s->id == k->id && s->subsys == k->subsys) {
			for (off = 0; off < sizeof(*s); off += 64)
				PREFETCH((char *)s + off);
			if (s->arena != NULL) {	/* NULL + 64 is undefined */
				PREFETCH(s->arena);
				PREFETCH(s->arena + 64);
			}
			PREFETCH(s->tx.rcpt);
			PREFETCH(s->tx.evp);
			return;
		}
}

/*
 * Free the sessions idle for longer than the expiry time, by both clocks:
 * the report timestamps jump with the wall clock (an NTP step, a resumed
 * VM, streams captured hours apart) while smtpd's own timeouts do not, and
 * the monotonic clock alone would expire every session of a saved stream
 * replayed slowly.  The LRU order is the monotonic one, to the second.
 */
void
session_expire(struct sessions *ss)
{
	struct session	*s;

	while ((s = TAILQ_FIRST(&ss->lru)) != NULL &&
	    s->last_us + ss->expire_us < ss->now_us &&
	    s->moved_us + ss->expire_us + LRU_GRANULE <= ss->mono_us) {
		session_unlink(ss, s);
		session_free(s);
		stats.expired++;
	}
}

/* Update the session with the event, before its record is rendered. */
void
session_apply(struct sessions *ss, struct session *s, const struct report *r)
{
	struct tx	*tx;

	s->seq++;
	s->last_us = r->time_us;
	if (r->time_us > ss->now_us)
		ss->now_us = r->time_us;

	switch (r->event) {
	case RPT_LINK_CONNECT:
		/* A repeated link-connect (smtp-out) is a new connection. */
		if (s->connected)
			connect_reset(s);
		s->connected = 1;
		s->start_us = r->time_us;
		text_set(ss, s, &s->rdns, &r->f[F_RDNS], TL_RDNS);
		s->fcrdns = r->f[F_FCRDNS].len ? RES_OTHER : RES_NONE;
		if (r->f[F_FCRDNS].len == 4 &&
		    memcmp(r->f[F_FCRDNS].p, "pass", 4) == 0)
			s->fcrdns = RES_PASS;
		else if (r->f[F_FCRDNS].len == 4 &&
		    memcmp(r->f[F_FCRDNS].p, "fail", 4) == 0)
			s->fcrdns = RES_FAIL;
		else if (r->f[F_FCRDNS].len == 5 &&
		    memcmp(r->f[F_FCRDNS].p, "error", 5) == 0)
			s->fcrdns = RES_ERROR;
		endpoint_set(ss, s, &s->src, &r->f[F_SRC], TL_SRC);
		endpoint_set(ss, s, &s->dst, &r->f[F_DEST], TL_DST);
		break;
	case RPT_LINK_GREETING:
		text_set(ss, s, &s->greeting, &r->f[F_HOSTNAME], TL_GREETING);
		break;
	case RPT_LINK_IDENTIFY:
		s->helo_method = 0;
		if (r->f[F_METHOD].len == 4) {
			if (memcmp(r->f[F_METHOD].p, "HELO", 4) == 0)
				s->helo_method = 1;
			else if (memcmp(r->f[F_METHOD].p, "EHLO", 4) == 0)
				s->helo_method = 2;
			else if (memcmp(r->f[F_METHOD].p, "LHLO", 4) == 0)
				s->helo_method = 3;
		}
		text_set(ss, s, &s->helo, &r->f[F_IDENTITY], TL_HELO);
		break;
	case RPT_LINK_TLS:
		tls_parse(ss, s, &r->f[F_TLS]);
		break;
	case RPT_LINK_AUTH:
		s->auth_result = r->result;
		text_set(ss, s, &s->user, &r->f[F_USER], TL_USER);
		break;
	case RPT_TX_BEGIN:
		tx_clear(&s->tx);
		s->toolong &= ~(TL_FROM | TL_RCPT);
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
		text_set(ss, s, &tx->from, &r->f[F_ADDRESS], TL_FROM);
		break;
	case RPT_TX_RCPT:
		s->rcpt_count++;
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
		/* A 334 challenge: the client's next line is AUTH data. */
		s->auth_data = is_reply(&r->f[F_LINE], "334");
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
		s->auth_data = 0;
		break;
	case RPT_TX_RESET:
		if (s->tx.state == TXS_OPEN && s->tx.msgid == r->msgid)
			s->tx.state = TXS_CLOSED;
		break;
	case RPT_LINK_DISCONNECT:
		session_unlink(ss, s);
		session_free(s);
		break;
	default:
		break;
	}
}

/* Keep an escaped copy of n bytes, or nothing when longer than max. */
int
estr_set(struct estr *e, const char *s, size_t n, size_t max)
{
	estr_free(e);
	return (escaped(s, n, max, e, NULL));
}

void
estr_free(struct estr *e)
{
	free(e->p);
	e->p = NULL;
	e->len = 0;
}

/*
 * Escape n bytes; longer than max: -1.  Into a new allocation (e), or
 * into the arena of session s.
 */
static int
escaped(const char *src, size_t n, size_t max, struct estr *e,
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

/* Forget a session text (its bytes stay as garbage until the arena grows). */
static void
stext_clear(struct estr *e)
{
	e->p = NULL;
	e->len = 0;
}

static size_t
bucket_of(const struct sessions *ss, int subsys, uint64_t id)
{
	uint64_t	 h = id ^ ((uint64_t)subsys << 61);

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return (h & (ss->nbucket - 1));
}

static void
table_grow(struct sessions *ss)
{
	struct session	**old = ss->bucket, *s, *next;
	size_t		 i, n = ss->nbucket, b;

	ss->nbucket = n * 2;
	ss->bucket = xcalloc(ss->nbucket, sizeof(*ss->bucket));
	for (i = 0; i < n; i++)
		for (s = old[i]; s != NULL; s = next) {
			next = s->hnext;
			b = bucket_of(ss, s->subsys, s->id);
			s->hnext = ss->bucket[b];
			ss->bucket[b] = s;
		}
	free(old);
}

static void
session_unlink(struct sessions *ss, struct session *s)
{
	struct session	**pp;

	for (pp = &ss->bucket[bucket_of(ss, s->subsys, s->id)]; *pp != NULL;
	    pp = &(*pp)->hnext)
		if (*pp == s) {
			*pp = s->hnext;
			break;
		}
	TAILQ_REMOVE(&ss->lru, s, lru);
	ss->count--;
	stats.sessions = ss->count;
	/*
	 * When most of a large peak of sessions is gone, give the memory
	 * back (glibc keeps freed memory otherwise).
	 */
	if (ss->count > ss->peak)
		ss->peak = ss->count;
	else if (ss->peak >= TRIM_MIN && ss->count < ss->peak / 4) {
		(void)malloc_trim(0);
		ss->peak = ss->count;
	}
}

static void
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
	stext_clear(&s->greeting);
	stext_clear(&s->helo);
	stext_clear(&s->tls_raw);
	stext_clear(&s->tls_version);
	stext_clear(&s->tls_cipher);
	stext_clear(&s->user);
	s->helo_method = 0;
	s->auth_result = RES_NONE;
	s->tls = 0;
	s->tls_bits = -1;
	s->auth_data = 0;
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
	char		 buf[INET6_ADDRSTRLEN + 8];
	unsigned char	 bin[16];
	struct slice	 host = *sl;
	const char	*colon = NULL, *pct;
	size_t		 i, hl;
	unsigned int	 port = 0;
	int		 fam = FAM_OTHER;

	endpoint_free(ep);
	if (sl->len == 0)
		return;
	if (sl->len >= 5 && memcmp(sl->p, "unix:", 5) == 0)
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
			if (fam != FAM_OTHER) {
				(void)escaped(buf, hl, ss->textmax, &ep->ip, s);
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
	/* An address that is its ip is kept once (see endpoint_addr). */
	if (ep->ip.p != NULL && host.len == ep->ip.len &&
	    memcmp(host.p, ep->ip.p, host.len) == 0)
		return;
	if (escaped(host.p, host.len, ss->textmax, &ep->addr, s) == -1)
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
	stext_clear(&ep->addr);
	stext_clear(&ep->ip);
	ep->port = 0;
	ep->family = FAM_NONE;
}

/* Set a session text; empty means unknown. */
static void
text_set(struct sessions *ss, struct session *s, struct estr *e,
    const struct slice *sl, uint32_t tl)
{
	s->toolong &= ~tl;
	stext_clear(e);
	if (sl->len == 0)
		return;
	if (escaped(sl->p, sl->len, ss->textmax, e, s) == -1)
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
	size_t		 max;

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
	if (escaped(r->f[F_ADDRESS].p, r->f[F_ADDRESS].len, max, &rc->addr,
	    s) == -1)
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
	stext_clear(&s->tls_version);
	stext_clear(&s->tls_cipher);
	s->tls_bits = -1;
	if ((c1 = memchr(p, ':', end - p)) == NULL)
		return;
	if ((c2 = memchr(c1 + 1, ':', end - c1 - 1)) == NULL)
		return;
	/* TLSv1.3 -> 1.3; SSLv3 and others are kept whole. */
	if (c1 - p > 4 && memcmp(p, "TLSv", 4) == 0) {
		v = p + 4;
		(void)escaped(v, c1 - v, ss->textmax, &s->tls_version, s);
	}
	if (c2 > c1 + 1)
		(void)escaped(c1 + 1, c2 - c1 - 1, ss->textmax,
		    &s->tls_cipher, s);
	for (p = c2 + 1; p < end && p - c2 <= 6 && *p >= '0' && *p <= '9';
	    p++)
		bits = bits * 10 + (*p - '0');
	if (p == end && p > c2 + 1)
		s->tls_bits = bits;
}

/* Does the reply line start with this 3-digit code? */
static int
is_reply(const struct slice *l, const char *code)
{
	return (l->len >= 3 && memcmp(l->p, code, 3) == 0 &&
	    (l->len == 3 || l->p[3] == ' ' || l->p[3] == '-'));
}
