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
 * Summary records (-r tx,session): one record for a transaction when it
 * is over, one for a session when it ends, written from the same state
 * and with the same ECS field sets, cap, escaping and masking as the
 * records of events.  When they are written is filter.c's business; this
 * file only renders them.  There is no report line behind a summary: its
 * time is the session's last event, its id and protocol version are the
 * session's.
 */

#include <string.h>

#include "filter-jsonlog.h"
#include "jsonw.h"

static void	 s_once(struct rctx *);
static void	 s_event(struct rctx *);
static void	 s_opensmtpd(struct rctx *);
static void	 s_tx_brief(struct rctx *);
static void	 s_reply(struct rctx *);

static const struct slice end_reasons[END__COUNT] = {
	WORD(""), WORD("quit"), WORD("disconnect"), WORD("timeout"),
	WORD("expired"), WORD("evicted"), WORD("shutdown")
};

static const struct slice sum_kinds[] = {
	WORD("tx"), WORD("session")
};

/*
 * A summary of the session s (kind SUM_SESSION, reason END_*) or of its
 * transaction (SUM_TX) into out (room for outcap bytes); its length.
 * Over the cap, what the events' records drop goes first, level by level.
 */
size_t
render_summary(const struct render_conf *conf, const struct session *s,
    int kind, int reason, char *out, size_t outcap, int *truncated)
{
	struct rctx	 c;
	struct report	 rep;
	struct wbuf	 w;
	char		 id[16], ver[24], *p;

	w_init();
	memset(&rep, 0, sizeof(rep));
	rep.time_us = s->last_us;
	rep.event = RPT_UNKNOWN;
	rep.id = s->id;
	w.b = w.p = id;
	w.end = id + sizeof(id);
	w.over = 0;
	w_hex(&w, s->id, 16);
	rep.idstr = id;
	/* 0.7 from 7: major * 1000 + minor */
	p = w_put_u32(ver, s->version / 1000);
	*p++ = '.';
	p = w_put_u32(p, s->version % 1000);
	rep.vstr.p = ver;
	rep.vstr.len = p - ver;
	rep.subsys = s->subsys;
	if (s->subsys < SUB_KNOWN)
		rep.subsys_name = subsys_names[s->subsys];

	memset(&c, 0, sizeof(c));
	c.conf = conf;
	c.s = s;
	c.r = &rep;
	c.kind = kind;
	if (kind == SUM_TX)
		c.tx = &s->tx;
	c.reason = reason;
	render_levels(&c, out, outcap, s_once);
	return (render_end(&c, out, truncated));
}

/* "-r tx,session": the summaries asked for (SUM_*). */
int
summary_kinds(const char *list, int *kinds, const char **errstr)
{
	const char	*p = list, *comma;
	size_t		 len, i;

	*kinds = 0;
	while (*p != '\0') {
		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		for (i = 0; i < sizeof(sum_kinds) / sizeof(sum_kinds[0]); i++)
			if (len == sum_kinds[i].len &&
			    memcmp(p, sum_kinds[i].p, len) == 0)
				break;
		if (i == sizeof(sum_kinds) / sizeof(sum_kinds[0])) {
			*errstr = "unknown summary (tx, session)";
			return (-1);
		}
		*kinds |= 1 << i;
		p += len;
		if (*p == ',')
			p++;
	}
	if (*kinds == 0) {
		*errstr = "empty summary list";
		return (-1);
	}
	return (0);
}

/* The summary once, with what the level drops left out. */
static void
s_once(struct rctx *c)
{
	render_start(c);
	s_event(c);
	render_ecs(c);
	s_opensmtpd(c);
	W(c, "}");
}

/* event.*: which summary, of what, how it ended, how long it took. */
static void
s_event(struct rctx *c)
{
	const struct session	*s = c->s;
	const struct tx		*tx = c->tx;
	int64_t			 start = -1, end = c->r->time_us;

	W(c, ",\"event\":{\"kind\":\"event\",\"module\":\"opensmtpd\","
	    "\"dataset\":\"");
	if (c->kind == SUM_TX)
		W(c, "opensmtpd.transaction\"");
	else
		W(c, "opensmtpd.session\"");
	if (c->r->subsys_name.len > 0) {
		W(c, ",\"provider\":\"");
		W_WORD(&c->w, c->r->subsys_name);
		W(c, "\"");
	}
	if (c->kind == SUM_TX)
		W(c, ",\"action\":\"tx-summary\"");
	else
		W(c, ",\"action\":\"session-summary\"");
	W(c, ",\"sequence\":");
	w_u64(&c->w, s->seq);
	W(c, ",\"id\":\"");
	w_raw(&c->w, c->r->idstr, 16);
	if (c->kind == SUM_TX) {
		/* the session's latest: the one it counted last */
		W(c, ".t");
		w_u64(&c->w, s->tx_count);
		W(c, "\",\"category\":[\"email\"],\"type\":[\"info\"]");
		if (tx->result == TXR_COMMIT)
			W(c, ",\"outcome\":\"success\"");
		else if (tx->result == TXR_ROLLBACK)
			W(c, ",\"outcome\":\"failure\",\"reason\":\"rollback\"");
		else
			W(c, ",\"outcome\":\"failure\",\"reason\":\"aborted\"");
		start = tx->begin_us;	/* -1: its tx-begin was not seen */
	} else {
		W(c, ".s\",\"category\":[\"network\"],"
		    "\"type\":[\"connection\",\"end\"]");
		if (s->connected)
			start = s->start_us;
	}
	/* nanoseconds in a signed 64-bit long: about 292 years at most */
	if (start >= 0 && start <= end && end - start <= INT64_MAX / 1000) {
		W(c, ",\"start\":\"");
		w_time(&c->w, start);
		W(c, "\",\"end\":\"");
		w_time(&c->w, end);
		W(c, "\",\"duration\":");
		w_u64(&c->w, (uint64_t)(end - start) * 1000);
	} else {
		W(c, ",\"end\":\"");
		w_time(&c->w, end);
		W(c, "\"");
	}
	W(c, "}");
}

/* opensmtpd.*: the counters, the connection, the tx, the last reply. */
static void
s_opensmtpd(struct rctx *c)
{
	const struct session	*s = c->s;
	char			 buf[384], *p = buf;

#define LIT(lit)	do {						\
		memcpy(p, "" lit, sizeof(lit) - 1);			\
		p += sizeof(lit) - 1;					\
	} while (0)
#define NUM(lit, v)	do {						\
		LIT(lit);						\
		p = w_put_u32(p, (v));					\
	} while (0)
	LIT(",\"opensmtpd\":{\"session\":{\"id\":\"");
	memcpy(p, c->r->idstr, 16);
	p += 16;
	NUM("\",\"tx_count\":", s->tx_count);
	NUM(",\"rcpt_count\":", s->rcpt_count);
	NUM(",\"command_count\":", s->command_count);
	NUM(",\"message_count\":", s->message_count);
	if (c->kind == SUM_SESSION) {
		NUM(",\"rcpt_accepted\":", s->rcpt_ok);
		NUM(",\"rcpt_refused\":", s->rcpt_count - s->rcpt_ok);
		NUM(",\"error_replies\":", s->error_replies);
	}
#undef NUM
#undef LIT
	w_raw(&c->w, buf, p - buf);
	if (c->kind == SUM_SESSION && c->reason > END_NONE &&
	    c->reason < END__COUNT) {
		W(c, ",\"end_reason\":\"");
		W_WORD(&c->w, end_reasons[c->reason]);
		W(c, "\"");
	}
	W(c, "},\"protocol_version\":\"");
	w_raw(&c->w, c->r->vstr.p, c->r->vstr.len);
	W(c, "\"");
	if (c->drop & D_ALL) {
		/* what a summary is for stays: how the transaction ended */
		if (c->kind == SUM_TX)
			s_tx_brief(c);
		s_reply(c);
		W(c, ",\"truncated\":true}");
		return;
	}
	render_state(c);
	s_reply(c);
	render_truncation(c);
	W(c, "}");
}

/* opensmtpd.tx with only its bounded fields: id, result, size, counts. */
static void
s_tx_brief(struct rctx *c)
{
	const struct tx	*tx = c->tx;

	W(c, ",\"tx\":{\"id\":\"");
	w_hex(&c->w, tx->msgid, 8);
	W(c, "\"");
	if (tx->have_size) {
		W(c, ",\"size\":");
		w_u64(&c->w, tx->size);
	}
	W(c, ",\"result\":\"");
	W_WORD(&c->w, tx_results[tx->result]);
	W(c, "\",\"accepted_count\":");
	w_u64(&c->w, tx->naccepted);
	W(c, ",\"rejected_count\":");
	w_u64(&c->w, tx->nrejected);
	W(c, "}");
}

/*
 * The last reply: of the transaction while it was open (on 0.4, where
 * tx-commit comes before its reply, the DATA's 354), or of the session.
 */
static void
s_reply(struct rctx *c)
{
	if (c->kind == SUM_TX)
		render_reply(&c->w, c->tx->reply_code, c->tx->reply_enh);
	else
		render_reply(&c->w, c->s->reply_code, c->s->reply_enh);
}
