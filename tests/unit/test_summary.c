/*
 * Summary records (-r tx,session): when each is written, what it holds,
 * how it ends, under the cap; and their option parsing.
 */

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "filter-jsonlog.h"
#include "check.h"
#include "jpath.h"

#define MAXREC	64

static struct filter	 f;
static char		*rec[MAXREC];
static size_t		 nrec;
static json_object	*root;
static int64_t		 fake_mono;

static void
on_record(void *arg, const char *r, size_t n)
{
	size_t	 i;

	(void)arg;
	for (i = 0; i < n; i++)
		if (r[i] < 0x20 || r[i] > 0x7e)
			break;
	CHECK(i == n);
	CHECK(n <= f.rconf.cap);
	if (nrec < MAXREC) {
		rec[nrec] = malloc(n + 1);
		memcpy(rec[nrec], r, n);
		rec[nrec][n] = '\0';
		nrec++;
	}
}

static int64_t
clock_fake(void)
{
	return (fake_mono);
}

static void
clear(void)
{
	size_t	 i;

	for (i = 0; i < nrec; i++)
		free(rec[i]);
	nrec = 0;
	json_object_put(root);
	root = NULL;
}

static void
start(size_t cap, size_t nsess, uint32_t evmask, int kinds)
{
	filter_init(&f, cap, nsess, evmask);
	f.record_cb = on_record;
	f.summaries = kinds;
	f.clock = clock_fake;
	fake_mono = 1000000;
	clear();
}

static void
stop(void)
{
	filter_free(&f);
	clear();
}

static void
feed(const char *l)
{
	filter_feed(&f, l, strlen(l));
	filter_feed(&f, "\n", 1);
}

/* Parse record i into root; 0 if there is none or it is not JSON. */
static int
pick(size_t i)
{
	json_object_put(root);
	root = NULL;
	if (i >= nrec)
		return (0);
	root = json_tokener_parse(rec[i]);
	return (root != NULL);
}

static json_object *
get(const char *path)
{
	return (jpath(root, path));
}

static const char *
str(const char *path)
{
	json_object	*o = get(path);

	return (o ? json_object_get_string(o) : "(none)");
}

static long long
num(const char *path)
{
	json_object	*o = get(path);

	if (o == NULL || !json_object_is_type(o, json_type_int))
		return (-1);
	return (json_object_get_int64(o));
}

#define IN(t, ev)	"report|0.7|" t "|smtp-in|" ev "|5100000000000001"
#define IN2(t, ev)	"report|0.7|" t "|smtp-in|" ev "|5100000000000002"
#define OUT(t, ev)	"report|0.7|" t "|smtp-out|" ev "|5200000000000001"

static void
session_in(void)
{
	feed(IN("1700000000.000000", "link-connect") "|mail.example.net|pass|"
	    "192.0.2.7:40000|198.51.100.1:25");
	feed(IN("1700000000.100000", "link-identify") "|EHLO|mail.example.net");
	feed(IN("1700000000.150000", "protocol-client") "|AUTH PLAIN AGFsaWNlAHNlY3JldA==");
	feed(IN("1700000000.160000", "protocol-server") "|235 2.0.0 Authentication succeeded");
	feed(IN("1700000000.170000", "link-auth") "|pass|alice");
	feed(IN("1700000000.200000", "tx-begin") "|0a000001");
	feed(IN("1700000000.200000", "tx-mail") "|0a000001|ok|a@example.net");
	feed(IN("1700000000.300000", "protocol-server") "|550 5.1.1 no such user");
	feed(IN("1700000000.300000", "tx-rcpt") "|0a000001|permfail|x@example.org");
	feed(IN("1700000000.400000", "tx-envelope") "|0a000001|0a000001bbbb0001");
	feed(IN("1700000000.400000", "tx-rcpt") "|0a000001|ok|b@example.org");
	feed(IN("1700000000.500000", "tx-data") "|0a000001|ok");
	feed(IN("1700000000.600000", "protocol-server") "|250 2.0.0 0a000001 Message accepted");
	feed(IN("1700000000.600000", "tx-commit") "|0a000001|1234");
	feed(IN("1700000000.600000", "tx-reset") "|0a000001");
}

/* One message, summaries only: a tx record at the commit, a session one. */
static void
test_message(void)
{
	start(FJ_SIZE_DEFAULT, 1000, 0, SUM_TX | SUM_SESSION);
	session_in();
	CHECK_INT(nrec, 1);
	CHECK(pick(0));
	CHECK_STR(str("event.dataset"), "opensmtpd.transaction");
	CHECK_STR(str("event.action"), "tx-summary");
	CHECK_STR(str("event.kind"), "event");
	CHECK_STR(str("event.id"), "5100000000000001.t1");
	CHECK_STR(str("event.outcome"), "success");
	CHECK_STR(str("event.start"), "2023-11-14T22:13:20.200000Z");
	CHECK_STR(str("event.end"), "2023-11-14T22:13:20.600000Z");
	CHECK_INT(num("event.duration"), 400000000LL);
	CHECK_STR(str("@timestamp"), "2023-11-14T22:13:20.600000Z");
	CHECK_STR(str("event.category.0"), "email");
	CHECK_STR(str("email.local_id"), "0a000001");
	CHECK_STR(str("email.from.address.0"), "a@example.net");
	CHECK_STR(str("email.to.address.0"), "b@example.org");
	CHECK_STR(str("opensmtpd.tx.rcpt_rejected.0"), "x@example.org");
	CHECK_STR(str("opensmtpd.tx.result"), "commit");
	CHECK_INT(num("opensmtpd.tx.size"), 1234);
	CHECK_INT(num("opensmtpd.tx.accepted_count"), 1);
	CHECK_INT(num("opensmtpd.tx.rejected_count"), 1);
	CHECK_INT(num("opensmtpd.reply.code"), 250);
	CHECK_STR(str("opensmtpd.reply.enhanced"), "2.0.0");
	CHECK_STR(str("user.name"), "alice");
	CHECK_STR(str("source.ip"), "192.0.2.7");
	CHECK_STR(str("opensmtpd.helo.identity"), "mail.example.net");
	CHECK_STR(str("opensmtpd.protocol_version"), "0.7");
	/* nothing of the AUTH exchange, and no per-event parts */
	CHECK(strstr(rec[0], "AGFsaWNl") == NULL);
	CHECK(get("opensmtpd.protocol") == NULL);
	CHECK(get("opensmtpd.session.end_reason") == NULL);

	feed(IN("1700000001.000000", "protocol-client") "|QUIT");
	feed(IN("1700000001.100000", "protocol-server") "|221 2.0.0 Bye");
	feed(IN("1700000001.200000", "link-disconnect"));
	CHECK_INT(nrec, 2);
	CHECK(pick(1));
	CHECK_STR(str("event.dataset"), "opensmtpd.session");
	CHECK_STR(str("event.action"), "session-summary");
	CHECK_STR(str("event.id"), "5100000000000001.s");
	CHECK_STR(str("event.type.0"), "connection");
	CHECK_STR(str("event.type.1"), "end");
	CHECK(get("event.outcome") == NULL);
	CHECK_INT(num("event.duration"), 1200000000LL);
	CHECK_STR(str("opensmtpd.session.end_reason"), "quit");
	CHECK_INT(num("opensmtpd.session.tx_count"), 1);
	CHECK_INT(num("opensmtpd.session.message_count"), 1);
	CHECK_INT(num("opensmtpd.session.rcpt_count"), 2);
	CHECK_INT(num("opensmtpd.session.rcpt_accepted"), 1);
	CHECK_INT(num("opensmtpd.session.rcpt_refused"), 1);
	CHECK_INT(num("opensmtpd.session.command_count"), 2);
	CHECK_INT(num("opensmtpd.session.error_replies"), 1);
	CHECK_INT(num("opensmtpd.reply.code"), 221);
	CHECK(get("email") == NULL);
	CHECK(get("opensmtpd.tx") == NULL);
	CHECK_INT(num("event.sequence"), 18);
	stop();
}

/* Which summaries, and with the events' records. */
static void
test_kinds(void)
{
	start(FJ_SIZE_DEFAULT, 1000, 0, SUM_SESSION);
	session_in();
	feed(IN("1700000001.200000", "link-disconnect"));
	CHECK_INT(nrec, 1);
	CHECK(pick(0));
	CHECK_STR(str("event.dataset"), "opensmtpd.session");
	CHECK_STR(str("opensmtpd.session.end_reason"), "disconnect");
	stop();

	start(FJ_SIZE_DEFAULT, 1000, 0, SUM_TX);
	session_in();
	feed(IN("1700000001.200000", "link-disconnect"));
	CHECK_INT(nrec, 1);
	CHECK(pick(0));
	CHECK_STR(str("event.dataset"), "opensmtpd.transaction");
	stop();

	/* every event's record, then the summary its event ended */
	start(FJ_SIZE_DEFAULT, 1000, ~0U, SUM_TX | SUM_SESSION);
	session_in();
	CHECK_INT(nrec, 16);
	CHECK(pick(13));
	CHECK_STR(str("event.action"), "tx-commit");
	CHECK_STR(str("event.dataset"), "opensmtpd.event");
	CHECK(pick(14));
	CHECK_STR(str("event.action"), "tx-summary");
	CHECK(pick(15));
	CHECK_STR(str("event.action"), "tx-reset");
	/* the events' records do not change with -r */
	CHECK(pick(7));
	CHECK_INT(num("opensmtpd.reply.code"), 550);
	CHECK_STR(str("opensmtpd.reply.enhanced"), "5.1.1");
	CHECK(get("opensmtpd.session.rcpt_accepted") == NULL);
	CHECK(get("opensmtpd.tx.accepted_count") == NULL);
	stop();

	/* no summary unless asked */
	start(FJ_SIZE_DEFAULT, 1000, 0, 0);
	session_in();
	feed(IN("1700000001.200000", "link-disconnect"));
	filter_eof(&f);
	CHECK_INT(nrec, 0);
	stop();
}

/* Timeout, expiry, eviction, end of input; a transaction left open. */
static void
test_endings(void)
{
	int64_t	 mono;

	start(FJ_SIZE_DEFAULT, 1000, 0, SUM_TX | SUM_SESSION);
	feed(IN("1700000000.000000", "link-connect") "|h|pass|192.0.2.7:1|198.51.100.1:25");
	feed(IN("1700000000.100000", "tx-begin") "|0a000002");
	feed(IN("1700000300.100000", "timeout"));
	feed(IN("1700000300.200000", "tx-rollback") "|0a000002");
	feed(IN("1700000300.200000", "tx-reset") "|0a000002");
	feed(IN("1700000300.300000", "link-disconnect"));
	CHECK_INT(nrec, 2);
	CHECK(pick(0));
	CHECK_STR(str("opensmtpd.tx.result"), "rollback");
	CHECK_STR(str("event.outcome"), "failure");
	CHECK_STR(str("event.reason"), "rollback");
	CHECK(pick(1));
	CHECK_STR(str("opensmtpd.session.end_reason"), "timeout");
	stop();

	/* expiry needs both clocks to move: 4 session timeouts */
	start(FJ_SIZE_DEFAULT, 1000, 0, SUM_TX | SUM_SESSION);
	feed(IN("1700000000.000000", "link-connect") "|h|pass|192.0.2.7:1|198.51.100.1:25");
	feed(IN("1700000000.100000", "tx-begin") "|0a000003");
	feed(IN("1700000000.100000", "tx-mail") "|0a000003|ok|a@example.net");
	mono = fake_mono;
	fake_mono = mono + 1300 * 1000000LL;
	feed(IN2("1700001300.000000", "link-connect") "|h|pass|192.0.2.8:1|198.51.100.1:25");
	CHECK_INT(nrec, 2);
	CHECK(pick(0));
	CHECK_STR(str("event.id"), "5100000000000001.t1");
	CHECK_STR(str("opensmtpd.tx.result"), "aborted");
	CHECK_STR(str("event.reason"), "aborted");
	CHECK_STR(str("@timestamp"), "2023-11-14T22:13:20.100000Z");
	CHECK(pick(1));
	CHECK_STR(str("opensmtpd.session.end_reason"), "expired");
	CHECK_INT(num("event.duration"), 100000000LL);
	/* the report clock alone does not expire */
	clear();
	feed(IN2("1700009999.000000", "protocol-client") "|NOOP");
	CHECK_INT(nrec, 0);
	stop();

	/* a full table evicts the oldest session */
	start(FJ_SIZE_DEFAULT, 1, 0, SUM_SESSION);
	feed(IN("1700000000.000000", "link-connect") "|h|pass|192.0.2.7:1|198.51.100.1:25");
	feed(IN2("1700000001.000000", "link-connect") "|h|pass|192.0.2.8:1|198.51.100.1:25");
	CHECK_INT(nrec, 1);
	CHECK(pick(0));
	CHECK_STR(str("event.id"), "5100000000000001.s");
	CHECK_STR(str("opensmtpd.session.end_reason"), "evicted");
	CHECK_STR(str("source.ip"), "192.0.2.7");
	/* end of input: what is open ends, once */
	filter_eof(&f);
	CHECK_INT(nrec, 2);
	CHECK(pick(1));
	CHECK_STR(str("event.id"), "5100000000000002.s");
	CHECK_STR(str("opensmtpd.session.end_reason"), "shutdown");
	filter_eof(&f);
	CHECK_INT(nrec, 2);
	stop();
}

/*
 * smtp-out: a refused recipient is reported after the rollback and reset
 * it caused; the message may go on.  One summary per message.
 */
static void
test_smtp_out(void)
{
	start(FJ_SIZE_DEFAULT, 1000, 0, SUM_TX | SUM_SESSION);
	feed(OUT("1700000000.000000", "link-connect") "|mx.example.org|pass|"
	    "198.51.100.1:40000|203.0.113.9:25");
	feed(OUT("1700000000.100000", "tx-begin") "|0b000001");
	feed(OUT("1700000000.100000", "tx-mail") "|0b000001|ok|a@example.net");
	feed(OUT("1700000000.200000", "tx-envelope") "|0b000001|0b000001cccc0001");
	feed(OUT("1700000000.250000", "protocol-server") "|450 4.2.0 greylisted");
	feed(OUT("1700000000.300000", "tx-rollback") "|0b000001");
	feed(OUT("1700000000.300000", "tx-reset") "|0b000001");
	feed(OUT("1700000000.300000", "tx-rcpt") "|0b000001|tempfail|x@example.org");
	CHECK_INT(nrec, 0);	/* it may go on */
	feed(OUT("1700000000.400000", "tx-envelope") "|0b000001|0b000001cccc0002");
	feed(OUT("1700000000.450000", "protocol-server") "|250 2.1.5 Ok");
	feed(OUT("1700000000.450000", "tx-rcpt") "|0b000001|ok|y@example.org");
	feed(OUT("1700000000.500000", "tx-data") "|0b000001|ok");
	feed(OUT("1700000000.600000", "protocol-server") "|250 2.0.0 Ok: queued");
	feed(OUT("1700000000.600000", "tx-commit") "|0b000001|99");
	feed(OUT("1700000000.600000", "tx-reset") "|0b000001");
	CHECK_INT(nrec, 1);
	CHECK(pick(0));
	CHECK_STR(str("opensmtpd.tx.result"), "commit");
	CHECK_INT(num("opensmtpd.tx.accepted_count"), 1);
	CHECK_INT(num("opensmtpd.tx.rejected_count"), 1);
	CHECK_STR(str("event.provider"), "smtp-out");
	CHECK_STR(str("destination.ip"), "203.0.113.9");

	/* the next message's only recipient is refused: it ends rolled back */
	feed(OUT("1700000001.100000", "tx-begin") "|0b000002");
	feed(OUT("1700000001.100000", "tx-mail") "|0b000002|ok|a@example.net");
	feed(OUT("1700000001.200000", "tx-envelope") "|0b000002|0b000002cccc0001");
	feed(OUT("1700000001.250000", "protocol-server") "|550 5.7.1 refused");
	feed(OUT("1700000001.300000", "tx-rollback") "|0b000002");
	feed(OUT("1700000001.300000", "tx-reset") "|0b000002");
	feed(OUT("1700000001.300000", "tx-rcpt") "|0b000002|permfail|z@example.org");
	/* a third message begins: the second is over */
	feed(OUT("1700000002.100000", "tx-begin") "|0b000003");
	CHECK_INT(nrec, 2);
	CHECK(pick(1));
	CHECK_STR(str("opensmtpd.tx.id"), "0b000002");
	CHECK_STR(str("opensmtpd.tx.result"), "rollback");
	CHECK_INT(num("opensmtpd.reply.code"), 550);
	CHECK_STR(str("opensmtpd.reply.enhanced"), "5.7.1");
	CHECK_STR(str("@timestamp"), "2023-11-14T22:13:21.300000Z");
	/* the third never ends: the session does */
	feed(OUT("1700000002.200000", "protocol-client") "|QUIT");
	feed(OUT("1700000002.300000", "protocol-server") "|221 2.0.0 Bye");
	feed(OUT("1700000002.400000", "link-disconnect"));
	CHECK_INT(nrec, 4);
	CHECK(pick(2));
	CHECK_STR(str("opensmtpd.tx.id"), "0b000003");
	CHECK_STR(str("opensmtpd.tx.result"), "aborted");
	CHECK_INT(num("opensmtpd.reply.code"), 221);	/* QUIT in it */
	CHECK(pick(3));
	CHECK_STR(str("opensmtpd.session.end_reason"), "quit");
	CHECK_INT(num("opensmtpd.session.tx_count"), 3);
	CHECK_INT(num("opensmtpd.session.message_count"), 1);
	CHECK_INT(num("opensmtpd.session.rcpt_refused"), 2);
	stop();

	/* a late refused recipient and then nothing: rolled back */
	start(FJ_SIZE_DEFAULT, 1000, 0, SUM_TX);
	feed(OUT("1700000000.100000", "tx-begin") "|0b000004");
	feed(OUT("1700000000.300000", "tx-rollback") "|0b000004");
	feed(OUT("1700000000.300000", "tx-reset") "|0b000004");
	feed(OUT("1700000000.300000", "tx-rcpt") "|0b000004|permfail|z@example.org");
	feed(OUT("1700000000.400000", "protocol-server") "|221 2.0.0 Bye");
	feed(OUT("1700000000.500000", "link-disconnect"));
	CHECK_INT(nrec, 1);
	CHECK(pick(0));
	CHECK_STR(str("opensmtpd.tx.result"), "rollback");
	CHECK(get("opensmtpd.reply") == NULL);	/* not the 221 */
	stop();
}

/* Under the cap: lists go first, the outcome stays. */
static void
test_cap(void)
{
	char	 l[600], addr[240];
	int	 i;

	start(FJ_SIZE_MIN, 1000, 0, SUM_TX | SUM_SESSION);
	feed(IN("1700000000.000000", "link-connect") "|h|pass|192.0.2.7:1|198.51.100.1:25");
	feed(IN("1700000000.100000", "tx-begin") "|0a000005");
	memset(addr, 'r', sizeof(addr) - 1);
	addr[sizeof(addr) - 1] = '\0';
	for (i = 0; i < 40; i++) {
		snprintf(l, sizeof(l), IN("1700000000.200000", "tx-rcpt")
		    "|0a000005|%s|%s%d@example.org", i % 3 ? "ok" : "permfail",
		    addr, i);
		feed(l);
	}
	feed(IN("1700000000.300000", "tx-commit") "|0a000005|7");
	CHECK_INT(nrec, 1);
	CHECK(pick(0));
	CHECK(strlen(rec[0]) <= FJ_SIZE_MIN);
	CHECK(get("opensmtpd.truncated") != NULL);
	CHECK_STR(str("opensmtpd.tx.result"), "commit");
	CHECK_INT(num("opensmtpd.tx.accepted_count"), 26);
	CHECK_INT(num("opensmtpd.tx.rejected_count"), 14);
	CHECK_STR(str("event.dataset"), "opensmtpd.transaction");
	CHECK_INT(stats.truncated > 0, 1);
	stop();
}

static void
test_options(void)
{
	const char	*errstr;
	uint32_t	 mask;
	int		 k;

	CHECK_INT(summary_kinds("tx", &k, &errstr), 0);
	CHECK_INT(k, SUM_TX);
	CHECK_INT(summary_kinds("session", &k, &errstr), 0);
	CHECK_INT(k, SUM_SESSION);
	CHECK_INT(summary_kinds("session,tx", &k, &errstr), 0);
	CHECK_INT(k, SUM_TX | SUM_SESSION);
	CHECK_INT(summary_kinds("tx,", &k, &errstr), 0);
	CHECK_INT(k, SUM_TX);
	CHECK_INT(summary_kinds("", &k, &errstr), -1);
	CHECK_INT(summary_kinds("transaction", &k, &errstr), -1);
	CHECK_INT(summary_kinds("tx,sessions", &k, &errstr), -1);
	CHECK_INT(summary_kinds("TX", &k, &errstr), -1);
	CHECK_INT(filter_events("none", &mask, &errstr), 0);
	CHECK_INT(mask, 0);
	CHECK_INT(filter_events("none,tx-commit", &mask, &errstr), -1);
}

int
main(void)
{
	test_message();
	test_kinds();
	test_endings();
	test_smtp_out();
	test_cap();
	test_options();
	return (check_done("test_summary"));
}
