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
 * The filter without descriptors: bytes in, split into lines; the
 * handshake; each report line through protocol, session and render, and
 * the record out through a callback.  main.c, the tests, the fuzzer and
 * the bench all drive it the same way.
 */

#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "filter-jsonlog.h"
#include "compat.h"

#define IN_CHUNK	(64 * 1024)

#define BATCH_MAX	1024
#define PREFETCH_AHEAD	10
#define RING		(PREFETCH_AHEAD + 1)

enum { LK_NUL, LK_REPORT, LK_CONFIG, LK_OTHER };

/* Append a string literal to buf at n (do_register). */
#define PUT(lit)	do {						\
		memcpy(buf + n, "" lit, sizeof(lit) - 1);		\
		n += sizeof(lit) - 1;					\
	} while (0)


/* A line read ahead: parsed, its session being fetched. */
struct pending {
	const char		*line;
	size_t			 len;
	int			 kind;
	int			 rc;
	const char		*errstr;
	struct report		 r;
	struct session_key	 key;
};

struct batch {
	const char		*line[BATCH_MAX];
	size_t			 len[BATCH_MAX];
	size_t			 n;
};

static void	 line_prepare(struct pending *, const char *, size_t);
static void	 line_process(struct filter *, const struct pending *);
static void	 batch_ahead(struct filter *, struct pending *,
		    const struct batch *, size_t);
static void	 batch_run(struct filter *, struct batch *);
static void	 config_line(struct filter *, const char *, size_t);
static void	 do_register(struct filter *);
static void	 report_line(struct filter *, const struct report *);
static inline void emit(struct filter *, const struct session *,
		    const struct report *, int, int);
static void	 summary_before(struct filter *, struct session *,
		    const struct report *);
static void	 summary_after(struct filter *, struct session *,
		    const struct report *);
static void	 summary_end(void *, struct session *, int);
static void	 tx_ended(struct tx *);
static int64_t	 mono_now(void);

/* cap: record size cap; nsess: session cap; evmask: events recorded. */
void
filter_init(struct filter *f, size_t cap, size_t nsess, uint32_t evmask)
{
	memset(f, 0, sizeof(*f));
	f->timeout = FJ_TIMEOUT_DEFAULT;
	/* A stored text longer than the cap could never be written. */
	sessions_init(&f->sessions, nsess,
	    (int64_t)FJ_EXPIRE_FACTOR * f->timeout * 1000000, cap);
	f->rconf.cap = cap;
	f->rconf.cache = render_cache_new(cap);
	f->sessions.end_cb = summary_end;
	f->sessions.end_arg = f;
	f->evmask = evmask;
	f->reccap = cap + 1;
	f->rec = xmalloc(f->reccap);
	f->state = FS_HANDSHAKE;
	f->clock = mono_now;
}

void
filter_free(struct filter *f)
{
	sessions_free(&f->sessions);
	estr_free(&f->rconf.version);
	estr_free(&f->rconf.hostname);
	render_cache_free(f->rconf.cache);
	f->rconf.cache = NULL;
	free(f->rec);
	free(f->in);
	f->rec = f->in = NULL;
}

/* Room for at least want more input bytes: fill it, then filter_commit. */
char *
filter_space(struct filter *f, size_t want)
{
	if (f->incap - f->inlen < want) {
		f->incap = f->inlen + want;
		f->in = xreallocarray(f->in, f->incap, 1);
	}
	return (f->in + f->inlen);
}

/* n bytes were put at filter_space(): handle the complete lines. */
void
filter_commit(struct filter *f, size_t n)
{
	struct batch	 b;
	char		*p = f->in, *end, *nl;

	f->inlen += n;
	end = f->in + f->inlen;
	b.n = 0;
	while (p < end && (nl = memchr(p, '\n', end - p)) != NULL) {
		if (f->discarding)
			f->discarding = 0;	/* the overlong line ends */
		else if (nl - p > FJ_LINE_MAX) {
			/* the same, however the reads cut the input */
			stats.overlong++;
			log_warnx("line longer than %d bytes discarded",
			    FJ_LINE_MAX);
		} else {
			b.line[b.n] = p;
			b.len[b.n] = nl - p;
			if (++b.n == BATCH_MAX) {
				batch_run(f, &b);
				b.n = 0;
			}
		}
		p = nl + 1;
	}
	batch_run(f, &b);
	/* What is left is the start of a line. */
	if (end - p > FJ_LINE_MAX || (f->discarding && p < end)) {
		if (!f->discarding) {
			stats.overlong++;
			log_warnx("line longer than %d bytes discarded",
			    FJ_LINE_MAX);
		}
		f->discarding = 1;
		p = end;
	}
	if (p > f->in) {
		memmove(f->in, p, end - p);
		f->inlen = end - p;
	}
}

/*
 * Handle a batch of complete lines.  With many sessions open, finding a
 * session and reading its state misses the cache: lines are parsed a few
 * ahead, and the sessions they name fetched while this one is rendered.
 * State changes stay in stream order.
 */
static void
batch_run(struct filter *f, struct batch *b)
{
	struct pending	 ring[RING];
	size_t		 i;

	if (b->n == 0)
		return;
	/* once a batch: it is handled in far less than the LRU's second */
	f->sessions.mono_us = f->clock();
	for (i = 0; i < b->n && i < PREFETCH_AHEAD; i++)
		batch_ahead(f, ring, b, i);
	for (i = 0; i < b->n; i++) {
		if (i + PREFETCH_AHEAD < b->n)
			batch_ahead(f, ring, b, i + PREFETCH_AHEAD);
		if (i + 3 < b->n)
			session_prefetch(&f->sessions,
			    &ring[(i + 3) % RING].key);
		line_process(f, &ring[i % RING]);
	}
}

/* Parse line i of the batch into its ring slot; fetch its table slot. */
static void
batch_ahead(struct filter *f, struct pending *ring, const struct batch *b,
    size_t i)
{
	struct pending	*pd = &ring[i % RING];

	line_prepare(pd, b->line[i], b->len[i]);
	if (pd->kind == LK_REPORT && pd->rc == 0)
		pd->key = session_key(&f->sessions, pd->r.subsys, pd->r.id);
}

void
filter_feed(struct filter *f, const char *buf, size_t n)
{
	while (n > 0) {
		size_t	 k = n < IN_CHUNK ? n : IN_CHUNK;

		memcpy(filter_space(f, k), buf, k);
		filter_commit(f, k);
		buf += k;
		n -= k;
	}
}

/*
 * End of input: a last line without its newline still counts.  smtpd is
 * going away: the sessions still open end here (their summaries say
 * "shutdown").
 */
void
filter_eof(struct filter *f)
{
	struct session	*s;

	if (f->inlen > 0 && !f->discarding)
		filter_line(f, f->in, f->inlen);
	f->inlen = 0;
	f->discarding = 0;
	if (f->summaries == 0)
		return;
	while ((s = TAILQ_FIRST(&f->sessions.lru)) != NULL) {
		summary_end(f, s, END_SHUTDOWN);
		session_remove(&f->sessions, s);
	}
}

/* One line, without its newline. */
void
filter_line(struct filter *f, const char *line, size_t len)
{
	struct pending	 pd;

	f->sessions.mono_us = f->clock();
	line_prepare(&pd, line, len);
	line_process(f, &pd);
}

/* What a line is, and its report parsed: no state is touched yet. */
static void
line_prepare(struct pending *pd, const char *line, size_t len)
{
	pd->line = line;
	pd->len = len;
	pd->key.nbucket = 0;
	if (memchr(line, '\0', len) != NULL)
		pd->kind = LK_NUL;
	else if (LIT_PREFIX(line, len, "report|")) {
		pd->kind = LK_REPORT;
		pd->rc = protocol_parse(line, len, &pd->r, &pd->errstr);
	} else if (LIT_PREFIX(line, len, "config|"))
		pd->kind = LK_CONFIG;
	else
		pd->kind = LK_OTHER;
}

/* Act on a prepared line, in stream order. */
static void
line_process(struct filter *f, const struct pending *pd)
{
	switch (pd->kind) {
	case LK_NUL:
		stats.malformed++;
		log_warnx("line with a NUL byte ignored");
		break;
	case LK_REPORT:
		/*
		 * A stream without a handshake (a saved stream replayed by
		 * hand) is processed the same way, and never registers.  An
		 * event before config|ready (smtpd never sends one) leaves
		 * the handshake open: smtpd still gets its register lines.
		 */
		f->state = FS_RUNNING;
		if (pd->rc == -1) {
			stats.malformed++;
			log_warnx("%s: %s", pd->errstr,
			    mask_excerpt(pd->line, pd->len));
		} else
			report_line(f, &pd->r);
		break;
	case LK_CONFIG:
		if (!f->configured)
			config_line(f, pd->line + 7, pd->len - 7);
		else
			stats.ignored++;	/* a repeated handshake */
		break;
	default:
		/* filter|… when someone registered hooks, or noise */
		stats.ignored++;
		break;
	}
}

/*
 * "-e link-connect,tx-commit": the mask of events that produce records.
 * "unknown" stands for events this filter does not know; "none" alone
 * for no event (summary records only).
 */
int
filter_events(const char *list, uint32_t *mask, const char **errstr)
{
	const char	*p = list, *comma;
	size_t		 len;
	int		 ev;

	*mask = 0;
	/* summaries only (-r) */
	if (strcmp(list, "none") == 0)
		return (0);
	while (*p != '\0') {
		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		ev = protocol_event(p, len);
		if (ev == RPT_UNKNOWN && !LIT_IS(p, len, "unknown")) {
			*errstr = "unknown event name";
			return (-1);
		}
		*mask |= 1U << ev;
		p += len;
		if (*p == ',')
			p++;
	}
	if (*mask == 0) {
		*errstr = "empty event list";
		return (-1);
	}
	return (0);
}

static void
config_line(struct filter *f, const char *p, size_t len)
{
	const char	*bar = memchr(p, '|', len);
	size_t		 klen = bar ? (size_t)(bar - p) : len;
	const char	*v = bar ? bar + 1 : p + len;
	size_t		 vlen = p + len - v;
	char		 num[16];
	const char	*errstr;
	long long	 t;

	int		 sub;

	if (LIT_IS(p, klen, "ready")) {
		/* config lines are read only until now: this is once */
		f->state = FS_RUNNING;
		f->configured = 1;
		do_register(f);
	} else if (LIT_IS(p, klen, "smtpd-version")) {
		(void)estr_set(&f->rconf.version, v, vlen, FJ_CONF_TEXT_MAX);
		f->rconf.gen++;
	} else if (LIT_IS(p, klen, "admd")) {
		(void)estr_set(&f->rconf.hostname, v, vlen, FJ_CONF_TEXT_MAX);
		f->rconf.gen++;
	} else if (LIT_IS(p, klen, "subsystem")) {
		if ((sub = protocol_subsys(v, vlen)) != SUB_OTHER)
			f->subsys_seen |= 1 << sub;
		else
			log_warnx("unknown subsystem %.*s not registered",
			    (int)(vlen > 64 ? 64 : vlen), v);
	} else if (LIT_IS(p, klen, "smtp-session-timeout")) {
		if (vlen > 0 && vlen < sizeof(num)) {
			memcpy(num, v, vlen);
			num[vlen] = '\0';
			t = strtonum(num, 1, 86400, &errstr);
			if (errstr == NULL) {
				f->timeout = t;
				f->sessions.expire_us =
				    (int64_t)FJ_EXPIRE_FACTOR * t * 1000000;
			}
		}
	}
	/* protocol, and keys of the future: informational */
}

/*
 * Register every event of exactly the subsystems smtpd announced; when it
 * announced none (6.6, where smtp-out registration is fatal), smtp-in.
 */
static void
do_register(struct filter *f)
{
	char	 buf[128];
	size_t	 n = 0;
	int	 sub, seen = f->subsys_seen;

	if (f->register_cb == NULL)
		return;
	if (seen == 0)
		seen = 1 << SUB_SMTP_IN;
	for (sub = 0; sub < SUB_KNOWN; sub++) {
		if (!(seen & (1 << sub)))
			continue;
		PUT("register|report|");
		memcpy(buf + n, subsys_names[sub].p, subsys_names[sub].len);
		n += subsys_names[sub].len;
		PUT("|*\n");
	}
	PUT("register|ready\n");
	f->register_cb(f->cb_arg, buf, n);
}

static void
report_line(struct filter *f, const struct report *r)
{
	struct session	*s;

	stats.events++;
	if (r->unknown)
		stats.unknown++;
	s = session_get(&f->sessions, r->subsys, r->id, r->time_us);
	if (f->summaries & SUM_TX)
		summary_before(f, s, r);
	session_apply(&f->sessions, s, r);
	if (f->evmask & (1U << r->event))
		emit(f, s, r, 0, END_NONE);
	if (f->summaries)
		summary_after(f, s, r);
	session_done(&f->sessions, s, r);
	session_expire(&f->sessions);
}

/*
 * One record out: of the event r (kind 0), or a summary (SUM_TX,
 * SUM_SESSION ending for reason).  Straight into the sink's queue when
 * it has room: no copy.
 */
static inline void
emit(struct filter *f, const struct session *s, const struct report *r,
    int kind, int reason)
{
	char	*out = NULL;
	size_t	 n;
	int	 truncated;

	if (f->space_cb != NULL)
		out = f->space_cb(f->cb_arg, f->reccap);
	if (kind == 0)
		n = render_record(&f->rconf, s, r, out ? out : f->rec,
		    f->reccap, &truncated);
	else
		n = render_summary(&f->rconf, s, kind, reason,
		    out ? out : f->rec, f->reccap, &truncated);
	if (n == 0)
		return;
	stats.records++;
	if (truncated)
		stats.truncated++;
	if (out != NULL)
		f->commit_cb(f->cb_arg, n);
	else if (f->record_cb != NULL)
		f->record_cb(f->cb_arg, f->rec, n);
}

/*
 * The self-statistics record (-i), at wall time now_us: out through the
 * same callbacks as the event records, within the same cap.  It is not
 * counted in stats.records (the events' records and the summaries); the
 * sink counts it as written or dropped like any record.  queue_bytes:
 * what waits in the sink now.
 */
void
filter_stats(struct filter *f, int64_t now_us, unsigned int interval_s,
    uint64_t queue_bytes)
{
	char	*out = NULL;
	size_t	 n;

	if (f->space_cb != NULL)
		out = f->space_cb(f->cb_arg, f->reccap);
	n = stats_record(&f->rconf, now_us, interval_s, queue_bytes,
	    out ? out : f->rec, f->reccap);
	if (n == 0)
		return;
	if (out != NULL)
		f->commit_cb(f->cb_arg, n);
	else if (f->record_cb != NULL)
		f->record_cb(f->cb_arg, f->rec, n);
}

/*
 * A transaction that the event is about to replace (a tx-begin, or an
 * event of another message) and that has no summary yet: smtp-out's
 * rolled back one, waiting in case it went on, or one that never ended.
 */
static void
summary_before(struct filter *f, struct session *s, const struct report *r)
{
	struct tx	*tx = &s->tx;

	if (tx->state == TXS_NONE || tx->summarized)
		return;
	switch (r->event) {
	case RPT_TX_BEGIN:
		break;
	case RPT_TX_MAIL:
		if (r->msgid == 0)
			return;	/* refused before a transaction: none */
		/* FALLTHROUGH */
	case RPT_TX_RCPT:
	case RPT_TX_ENVELOPE:
	case RPT_TX_DATA:
	case RPT_TX_COMMIT:
	case RPT_TX_ROLLBACK:
		if (r->msgid == tx->msgid)
			return;
		break;
	default:
		return;
	}
	tx_ended(tx);
	emit(f, s, NULL, SUM_TX, END_NONE);
}

/*
 * After the event's own record: a transaction that is over, a session
 * that ends.  smtp-out reports a refused recipient after the rollback and
 * reset it caused and may then go on with the same message: its rollback
 * is summarized only when nothing more can come for it.
 */
static void
summary_after(struct filter *f, struct session *s, const struct report *r)
{
	struct tx	*tx = &s->tx;

	switch (r->event) {
	case RPT_TX_ROLLBACK:
		if (s->subsys == SUB_SMTP_OUT)
			break;
		/* FALLTHROUGH */
	case RPT_TX_COMMIT:
		if (f->summaries & SUM_TX && tx->state != TXS_NONE &&
		    !tx->summarized && tx->msgid == r->msgid) {
			tx->summarized = 1;
			emit(f, s, NULL, SUM_TX, END_NONE);
		}
		break;
	case RPT_LINK_DISCONNECT:
		summary_end(f, s, s->ending != END_NONE ? s->ending :
		    END_DISCONNECT);
		break;
	default:
		break;
	}
}

/*
 * A session ends (link-disconnect, expiry, eviction, end of input): the
 * summary of its transaction if it has none yet, then its own.
 */
static void
summary_end(void *arg, struct session *s, int reason)
{
	struct filter	*f = arg;
	struct tx	*tx = &s->tx;

	if (f->summaries & SUM_TX && tx->state != TXS_NONE &&
	    !tx->summarized) {
		tx_ended(tx);
		emit(f, s, NULL, SUM_TX, END_NONE);
	}
	if (f->summaries & SUM_SESSION)
		emit(f, s, NULL, SUM_SESSION, reason);
}

/*
 * A transaction ends without its commit or rollback: smtp-out's, reopened
 * only by the refused recipient reported after its rollback, was rolled
 * back (as at link-disconnect, session.c); any other never finished.
 */
static void
tx_ended(struct tx *tx)
{
	if (tx->result == TXR_NONE)
		tx->result = tx->late_rcpt ? TXR_ROLLBACK : TXR_ABORTED;
	tx->summarized = 1;
}

/* Microseconds of a clock that does not jump with the wall clock. */
static int64_t
mono_now(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return (0);
	return ((int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}
