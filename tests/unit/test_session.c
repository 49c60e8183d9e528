/* Unit tests for session.c: the table and the state machine. */

#include <stdio.h>
#include <string.h>

#include "filter-jsonlog.h"
#include "check.h"

static struct sessions	 ss;

/* Apply one report line to its session, as filter.c does. */
static struct session *
feed(const char *line)
{
	struct report	 r;
	struct session	*s;
	const char	*errstr;

	if (protocol_parse(line, strlen(line), &r, &errstr) == -1) {
		fprintf(stderr, "bad test line: %s: %s\n", errstr, line);
		check_fail++;
		return (NULL);
	}
	s = session_get(&ss, r.subsys, r.id, r.time_us);
	session_apply(&ss, s, &r);
	session_done(&ss, s, &r);
	session_expire(&ss);
	return (s);
}

#define IN(t, ev)	"report|0.6|" t "|smtp-in|" ev "|00000000000000a1"
#define OUT(t, ev)	"report|0.6|" t "|smtp-out|" ev "|00000000000000a1"

static void
test_table(void)
{
	struct session	*a, *b, *c;
	char		 line[128];
	int		 i;

	sessions_init(&ss, 3, 1000000, 8000);
	a = session_get(&ss, SUB_SMTP_IN, 1, 0);
	b = session_get(&ss, SUB_SMTP_OUT, 1, 0);
	CHECK(a != b);		/* same id, other subsystem */
	/* the LRU order is kept to the second (monotonic): a moves 2 s later */
	ss.mono_us = 2000000;
	CHECK(session_get(&ss, SUB_SMTP_IN, 1, 2000000) == a);
	CHECK_INT(ss.count, 2);
	c = session_get(&ss, SUB_SMTP_IN, 2, 2000000);
	CHECK_INT(ss.count, 3);
	(void)c;
	/* full: the least recently used (b) makes room */
	stats.evicted = 0;
	(void)session_get(&ss, SUB_SMTP_IN, 3, 3000000);
	CHECK_INT(ss.count, 3);
	CHECK_INT(stats.evicted, 1);
	CHECK(session_get(&ss, SUB_SMTP_IN, 1, 3000000) == a);
	CHECK_INT(ss.count, 3);
	CHECK_INT(stats.evicted, 1);
	sessions_free(&ss);

	/* many sessions: the table grows, lookups still find them */
	sessions_init(&ss, 100000, 1000000, 8000);
	for (i = 0; i < 50000; i++)
		(void)session_get(&ss, i & 1, (uint64_t)i * 0x100000001ULL, 0);
	CHECK_INT(ss.count, 50000);
	CHECK(ss.nbucket >= 50000);
	a = session_get(&ss, 1, 4999ULL * 0x100000001ULL, 0);
	CHECK(a->id == 4999ULL * 0x100000001ULL);
	CHECK_INT(ss.count, 50000);
	sessions_free(&ss);

	/* a key found before the table grew is skipped, not followed */
	{
		struct session_key	 k;

		sessions_free(&ss);
		sessions_init(&ss, 100000, 1000000, 8000);
		k = session_key(&ss, SUB_SMTP_IN, 7);
		(void)session_get(&ss, SUB_SMTP_IN, 7, 0);
		session_prefetch(&ss, &k);	/* found: prefetched */
		for (i = 0; i < 5000; i++)
			(void)session_get(&ss, SUB_SMTP_OUT, (uint64_t)i, 0);
		CHECK(ss.nbucket != k.nbucket);
		session_prefetch(&ss, &k);	/* stale: skipped */
		k.nbucket = 0;
		session_prefetch(&ss, &k);	/* nothing to fetch */
		sessions_free(&ss);
	}

	/* idle sessions expire when both clocks say so */
	sessions_init(&ss, 100, 10 * 1000000LL, 8000);
	stats.expired = 0;
	ss.mono_us = 500 * 1000000LL;
	(void)feed(IN("100.000000", "link-connect") "|a|pass|1.2.3.4:5|6.7.8.9:25");
	snprintf(line, sizeof(line), "report|0.6|105.000000|smtp-in|timeout|"
	    "00000000000000b2");
	ss.mono_us += 5 * 1000000LL;
	(void)feed(line);
	CHECK_INT(ss.count, 2);
	/* the wall clock leaps an hour, smtpd's timers do not: kept */
	snprintf(line, sizeof(line), "report|0.6|3705.000000|smtp-in|timeout|"
	    "00000000000000b2");
	ss.mono_us += 1000000LL;
	(void)feed(line);
	CHECK_INT(ss.count, 2);
	CHECK_INT(stats.expired, 0);
	/* idle by the monotonic clock, not by the report times: kept */
	sessions_free(&ss);
	sessions_init(&ss, 100, 10 * 1000000LL, 8000);
	ss.mono_us = 500 * 1000000LL;
	(void)feed(IN("100.000000", "link-connect") "|a|pass|1.2.3.4:5|6.7.8.9:25");
	ss.mono_us += 3600 * 1000000LL;
	snprintf(line, sizeof(line), "report|0.6|101.000000|smtp-in|timeout|"
	    "00000000000000b2");
	(void)feed(line);
	CHECK_INT(ss.count, 2);
	CHECK_INT(stats.expired, 0);
	/* idle by both: expired */
	snprintf(line, sizeof(line), "report|0.6|112.000000|smtp-in|timeout|"
	    "00000000000000b2");
	(void)feed(line);
	CHECK_INT(ss.count, 1);
	CHECK_INT(stats.expired, 1);
	sessions_free(&ss);
}

static void
test_states(void)
{
	struct session	*s;

	sessions_init(&ss, 100, 1000000000LL, 8000);
	s = feed(IN("1.000000", "link-connect")
	    "|<unknown>|fail|[2001:db8::7]:4000|unix:/var/run/smtpd.sock");
	CHECK_MEM(s->rdns.p, s->rdns.len, "<unknown>");
	CHECK_INT(s->fcrdns, RES_FAIL);
	CHECK_INT(s->src.family, FAM_IPV6);
	CHECK(s->src.addr.p == NULL);	/* the same as the ip: kept once */
	CHECK_MEM(endpoint_addr(&s->src)->p, endpoint_addr(&s->src)->len,
	    "2001:db8::7");
	CHECK_MEM(s->src.ip.p, s->src.ip.len, "2001:db8::7");
	CHECK_INT(s->src.port, 4000);
	CHECK_INT(s->dst.family, FAM_UNIX);
	CHECK_MEM(s->dst.addr.p, s->dst.addr.len, "unix:/var/run/smtpd.sock");
	CHECK(s->dst.ip.p == NULL);
	s = feed(IN("1.000001", "link-identify") "|HELO|h\xe9\x01|x");
	CHECK_INT(s->helo_method, 1);
	CHECK_MEM(s->helo.p, s->helo.len, "h\\ufffd\\u0001|x");
	s = feed(IN("1.000002", "link-tls") "|TLSv1.2:ECDHE-RSA-AES128:128");
	CHECK_MEM(s->tls_version.p, s->tls_version.len, "1.2");
	CHECK_MEM(s->tls_cipher.p, s->tls_cipher.len, "ECDHE-RSA-AES128");
	CHECK_INT(s->tls_bits, 128);

	/* tx-rcpt without tx-begin: a transaction is opened lazily */
	s = feed(IN("1.000003", "tx-envelope") "|0000abcd|0000abcd00000001");
	s = feed(IN("1.000004", "tx-envelope") "|0000abcd|0000abcd00000002");
	s = feed(IN("1.000005", "tx-rcpt") "|0000abcd|ok|a@x");
	s = feed(IN("1.000006", "tx-rcpt") "|0000abcd|permfail|b@x");
	CHECK_INT(s->tx.state, TXS_OPEN);
	CHECK_INT(s->tx.msgid, 0xabcd);
	CHECK_INT(s->tx.nrcpt, 2);
	CHECK_INT(s->tx.rcpt[0].nevp, 2);
	CHECK_INT(s->tx.rcpt[1].nevp, 0);
	CHECK_INT(s->tx.naccepted, 1);
	CHECK_INT(s->tx.nrejected, 1);
	CHECK_INT(s->tx_count, 1);
	CHECK_INT(s->rcpt_count, 2);
	/* another message id: a new transaction */
	s = feed(IN("1.000007", "tx-begin") "|0000abce");
	CHECK_INT(s->tx.msgid, 0xabce);
	CHECK_INT(s->tx.nrcpt, 0);
	CHECK_INT(s->tx_count, 2);
	/* refused MAIL FROM before a transaction: no tx state */
	s = feed(IN("1.000008", "tx-mail") "|00000000|permfail|c@x");
	CHECK_INT(s->tx.msgid, 0xabce);
	CHECK_INT(s->tx.have_mail, 0);
	s = feed(IN("1.000009", "tx-rollback") "|0000abce");
	CHECK_INT(s->tx.result, TXR_ROLLBACK);
	s = feed(IN("1.000010", "tx-reset") "|0000abce");
	CHECK_INT(s->tx.state, TXS_CLOSED);
	/* disconnect with a transaction open frees everything */
	(void)feed(IN("1.000011", "tx-begin") "|0000abcf");
	(void)feed(IN("1.000012", "tx-rcpt") "|0000abcf|ok|a@x");
	CHECK_INT(ss.count, 1);
	(void)feed(IN("1.000013", "link-disconnect"));
	CHECK_INT(ss.count, 0);
	/* link-disconnect for a session never seen */
	(void)feed(IN("1.000014", "link-disconnect"));
	CHECK_INT(ss.count, 0);
	sessions_free(&ss);
}

/* smtp-out: a failed RCPT ends the tx, then the same tx goes on. */
static void
test_smtp_out(void)
{
	struct session	*s;
	struct report	 r;
	const char	*errstr, *line;

	sessions_init(&ss, 100, 1000000000LL, 8000);
	s = feed(OUT("1.000000", "link-connect") "||pass|127.0.0.1:4000|"
	    "127.0.0.1:25");
	(void)feed(OUT("1.000001", "link-greeting") "|mx.example");
	(void)feed(OUT("1.000002", "link-identify") "|EHLO|me.example");
	/* a second link-connect: a new connection, same session */
	s = feed(OUT("1.000003", "link-connect") "|mx.example|pass|"
	    "127.0.0.1:4001|127.0.0.1:25");
	CHECK(s->greeting.p == NULL);
	CHECK(s->helo.p == NULL);
	CHECK_INT(s->src.port, 4001);
	CHECK_INT(s->seq, 4);
	(void)feed(OUT("1.000004", "tx-begin") "|1a6ff621");
	(void)feed(OUT("1.000005", "tx-mail") "|1a6ff621|ok|a@x");
	(void)feed(OUT("1.000006", "tx-envelope") "|1a6ff621|1a6ff62100000001");
	(void)feed(OUT("1.000007", "tx-rollback") "|1a6ff621");
	s = feed(OUT("1.000008", "tx-reset") "|1a6ff621");
	CHECK_INT(s->tx.state, TXS_CLOSED);
	s = feed(OUT("1.000009", "tx-rcpt") "|1a6ff621|permfail|bad@x");
	CHECK_INT(s->tx.state, TXS_OPEN);
	CHECK_INT(s->tx.result, TXR_NONE);
	CHECK_INT(s->tx.late_rcpt, 1);
	CHECK_INT(s->tx.have_mail, 1);
	CHECK_INT(s->tx.nrcpt, 1);
	CHECK_INT(s->tx_count, 1);
	s = feed(OUT("1.000010", "tx-envelope") "|1a6ff621|1a6ff62100000002");
	CHECK_INT(s->tx.late_rcpt, 0);	/* it goes on */
	s = feed(OUT("1.000011", "tx-rcpt") "|1a6ff621|ok|good@x");
	CHECK_INT(s->tx.rcpt[1].nevp, 1);
	CHECK(s->tx.evp[s->tx.rcpt[1].evp_first] == 0x1a6ff62100000002ULL);
	s = feed(OUT("1.000012", "tx-commit") "|1a6ff621|100");
	CHECK_INT(s->tx.result, TXR_COMMIT);
	CHECK_INT(s->message_count, 1);
	/* its last RCPT refused: rolled back, not aborted at the end */
	(void)feed(OUT("1.000013", "tx-reset") "|1a6ff621");
	(void)feed(OUT("1.000014", "tx-begin") "|1a6ff622");
	(void)feed(OUT("1.000015", "tx-rollback") "|1a6ff622");
	(void)feed(OUT("1.000016", "tx-reset") "|1a6ff622");
	(void)feed(OUT("1.000017", "tx-rcpt") "|1a6ff622|permfail|bad@x");
	line = OUT("1.000018", "link-disconnect");
	CHECK(protocol_parse(line, strlen(line), &r, &errstr) == 0);
	s = session_get(&ss, r.subsys, r.id, r.time_us);
	session_apply(&ss, s, &r);
	CHECK_INT(s->tx.result, TXR_ROLLBACK);
	session_done(&ss, s, &r);
	sessions_free(&ss);
}

/* Texts longer than the cap are not kept, and say so. */
static void
test_caps(void)
{
	static char	 line[20000];
	struct session	*s;
	int		 n, i;

	sessions_init(&ss, 100, 1000000000LL, 1024);
	n = snprintf(line, sizeof(line), IN("1.000000", "link-identify")
	    "|EHLO|");
	memset(line + n, 'x', 2000);
	line[n + 2000] = '\0';
	s = feed(line);
	CHECK(s->helo.p == NULL);
	CHECK(s->toolong & TL_HELO);
	s = feed(IN("1.000001", "link-identify") "|EHLO|short");
	CHECK(!(s->toolong & TL_HELO));
	/* recipients past the cap are counted, not kept */
	for (i = 0; i < FJ_RCPT_MAX + 5; i++)
		s = feed(IN("1.000002", "tx-rcpt") "|00000001|ok|r@x");
	CHECK_INT(s->tx.nrcpt, FJ_RCPT_MAX);
	CHECK_INT(s->rcpt_count, FJ_RCPT_MAX + 5);
	/*
	 * their addresses, up to FJ_RCPT_TEXT caps of text: the first ones,
	 * and the results of all
	 */
	CHECK(s->tx.rcpt[0].addr.p != NULL);
	CHECK(s->tx.rcpt[FJ_RCPT_MAX - 1].addr.p == NULL);
	CHECK(s->tx.rcpt[FJ_RCPT_MAX - 1].result == RES_OK);
	CHECK(s->tx.rcpt_text <= FJ_RCPT_TEXT * 1024);
	CHECK(s->tx.rcpt_text > FJ_RCPT_TEXT * 1024 - 3);
	CHECK(s->toolong & TL_RCPT);
	CHECK_INT(s->tx.naccepted, FJ_RCPT_MAX);
	/* a new transaction has the whole budget again */
	s = feed(IN("1.000003", "tx-begin") "|00000002");
	s = feed(IN("1.000003", "tx-rcpt") "|00000002|ok|r@x");
	CHECK(s->tx.rcpt[0].addr.p != NULL);
	CHECK_INT(s->tx.rcpt_text, 3);
	CHECK(!(s->toolong & TL_RCPT));	/* that was the last one's */
	sessions_free(&ss);

	/* long addresses (8-bit: escaped six times longer), cap 8000 */
	sessions_init(&ss, 100, 1000000000LL, 8000);
	n = snprintf(line, sizeof(line), IN("1.000000", "tx-rcpt")
	    "|00000001|ok|");
	memset(line + n, 0xff, 1000);
	line[n + 1000] = '\0';
	for (i = 0; i < FJ_RCPT_MAX; i++)
		s = feed(line);
	CHECK_INT(s->tx.nrcpt, FJ_RCPT_MAX);
	/* 6000 bytes each: two fit in 16000, a third does not */
	CHECK(s->tx.rcpt[1].addr.p != NULL);
	CHECK(s->tx.rcpt[2].addr.p == NULL);
	CHECK_INT(s->tx.rcpt_text, 12000);
	CHECK(s->acap < 64 * 1024);
	sessions_free(&ss);
}

/* The corners smtpd really produces (protocol.md 3.3). */
static void
test_corners(void)
{
	struct session	*s;
	struct report	 r;
	const char	*errstr, *line;

	sessions_init(&ss, 100, 1000000000LL, 8000);
	/* a refused second MAIL FROM keeps the accepted sender */
	(void)feed(IN("1.000000", "tx-begin") "|49a6a5c2");
	s = feed(IN("1.000001", "tx-mail") "|49a6a5c2|ok|alice@example.org");
	s = feed(IN("1.000002", "tx-mail") "|49a6a5c2|permfail|mallory@x");
	CHECK_INT(s->tx.state, TXS_OPEN);
	CHECK_INT(s->tx.mail_result, RES_OK);
	CHECK_MEM(s->tx.from.p, s->tx.from.len, "alice@example.org");
	CHECK_INT(s->tx_count, 1);
	/* with no accepted sender, the failed one is the transaction's */
	(void)feed(IN("1.000003", "tx-begin") "|49a6a5c3");
	s = feed(IN("1.000004", "tx-mail") "|49a6a5c3|tempfail|bob@x");
	CHECK_INT(s->tx.mail_result, RES_TEMPFAIL);
	CHECK_MEM(s->tx.from.p, s->tx.from.len, "bob@x");
	/* a commit the queue refused: the session ends, the tx aborted */
	(void)feed(IN("1.000005", "tx-begin") "|49a6a5c4");
	(void)feed(IN("1.000006", "tx-mail") "|49a6a5c4|ok|alice@example.org");
	(void)feed(IN("1.000007", "tx-data") "|49a6a5c4|ok");
	line = IN("1.000008", "link-disconnect");
	CHECK(protocol_parse(line, strlen(line), &r, &errstr) == 0);
	s = session_get(&ss, r.subsys, r.id, r.time_us);
	session_apply(&ss, s, &r);
	CHECK_INT(s->tx.result, TXR_ABORTED);
	session_done(&ss, s, &r);
	CHECK_INT(ss.count, 0);
	/* a committed one stays committed */
	(void)feed(IN("1.000009", "tx-begin") "|49a6a5c5");
	(void)feed(IN("1.000010", "tx-commit") "|49a6a5c5|100");
	line = IN("1.000011", "link-disconnect");
	CHECK(protocol_parse(line, strlen(line), &r, &errstr) == 0);
	s = session_get(&ss, r.subsys, r.id, r.time_us);
	session_apply(&ss, s, &r);
	CHECK_INT(s->tx.result, TXR_COMMIT);
	session_done(&ss, s, &r);
	sessions_free(&ss);
}

int
main(void)
{
	log_init("test_session", 1);
	test_table();
	test_states();
	test_smtp_out();
	test_caps();
	test_corners();
	return (check_done("test_session"));
}
