/*
 * Unit tests for render.c, ecs.c, jsonw.c, mask.c and filter.c: records
 * built from report lines through the whole core, parsed back with json-c
 * and checked field by field; masking; the size cap; the handshake; line
 * splitting.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "filter-jsonlog.h"
#include "check.h"
#include "jpath.h"

static struct filter	 f;
static char		 rec[FJ_SIZE_MAX + 1];
static size_t		 reclen;
static int		 nrec;
static char		 reg[512];
static size_t		 reglen;
static int		 nreg;
static json_object	*root;
static int		 badrec;	/* records not JSON, ASCII, under the cap */

static void
on_record(void *arg, const char *r, size_t n)
{
	size_t	 i;

	(void)arg;
	memcpy(rec, r, n);
	rec[n] = '\0';
	reclen = n;
	nrec++;
	/* every record: ASCII, one line, under the cap (checked in stop) */
	for (i = 0; i < n; i++)
		if (r[i] < 0x20 || r[i] > 0x7e)
			break;
	if (i != n || n > f.rconf.cap) {
		fprintf(stderr, "bad record (byte %zu of %zu, cap %zu): %.200s\n",
		    i, n, f.rconf.cap, rec);
		badrec++;
	}
}

static void
on_register(void *arg, const char *r, size_t n)
{
	(void)arg;
	memcpy(reg + reglen, r, n);
	reglen += n;
	reg[reglen] = '\0';
	nreg++;
}

static void
start(size_t cap, uint32_t mask)
{
	filter_init(&f, cap, 1000, mask);
	f.record_cb = on_record;
	f.register_cb = on_register;
	nrec = nreg = 0;
	reglen = 0;
	reg[0] = '\0';
}

static void
stop(void)
{
	CHECK_INT(badrec, 0);
	badrec = 0;
	filter_free(&f);
	json_object_put(root);
	root = NULL;
}

/* Feed one line; parse the record it produced into root. */
static void
line(const char *l)
{
	int	 before = nrec;

	filter_feed(&f, l, strlen(l));
	filter_feed(&f, "\n", 1);
	json_object_put(root);
	root = NULL;
	if (nrec == before)
		return;
	root = json_tokener_parse(rec);
	if (root == NULL) {	/* counted in stop() */
		fprintf(stderr, "record not JSON: %.200s\n", rec);
		badrec++;
	}
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

	return (o ? json_object_get_string(o) : NULL);
}

/* Does the array at path hold the string want? */
static int
has(const char *path, const char *want)
{
	json_object	*a = get(path);
	size_t		 i;

	if (a == NULL || !json_object_is_type(a, json_type_array))
		return (0);
	for (i = 0; i < json_object_array_length(a); i++)
		if (strcmp(json_object_get_string(
		    json_object_array_get_idx(a, i)), want) == 0)
			return (1);
	return (0);
}

static long long
num(const char *path)
{
	json_object	*o = get(path);

	return (o ? json_object_get_int64(o) : -1);
}

#define IN(t, ev)	"report|0.6|" t "|smtp-in|" ev "|98610392bca6173b"
#define OUT(t, ev)	"report|0.6|" t "|smtp-out|" ev "|c0ffee0000000001"

static void
test_session_records(void)
{
	start(8000, ~0U);
	line("config|smtpd-version|6.8.0p2");
	line("config|admd|mx.lab.test");
	line("config|ready");
	line(IN("1795555300.346082", "link-connect")
	    "|mail.example.net|pass|192.0.2.10:36196|198.51.100.5:25");
	CHECK_STR(str("@timestamp"), "2026-11-24T21:21:40.346082Z");
	CHECK_STR(str("ecs.version"), "8.11.0");
	CHECK_STR(str("event.kind"), "event");
	CHECK_STR(str("event.dataset"), "opensmtpd.event");
	CHECK_STR(str("event.provider"), "smtp-in");
	CHECK_STR(str("event.action"), "link-connect");
	CHECK_INT(num("event.sequence"), 1);
	CHECK_STR(str("event.id"), "98610392bca6173b.1");
	CHECK_STR(str("event.category.0"), "network");
	CHECK_STR(str("event.type.0"), "connection");
	CHECK_STR(str("event.type.1"), "start");
	CHECK_STR(str("event.outcome"), "success");
	CHECK_STR(str("observer.version"), "6.8.0p2");
	CHECK_STR(str("observer.hostname"), "mx.lab.test");
	CHECK_STR(str("source.address"), "192.0.2.10");
	CHECK_STR(str("source.ip"), "192.0.2.10");
	CHECK_INT(num("source.port"), 36196);
	CHECK_STR(str("source.domain"), "mail.example.net");
	CHECK_STR(str("destination.ip"), "198.51.100.5");
	CHECK_STR(str("network.type"), "ipv4");
	CHECK_STR(str("network.transport"), "tcp");
	CHECK_STR(str("related.ip.1"), "198.51.100.5");
	CHECK_STR(str("opensmtpd.session.id"), "98610392bca6173b");
	CHECK_STR(str("opensmtpd.protocol_version"), "0.6");
	CHECK_STR(str("opensmtpd.link.fcrdns"), "pass");
	CHECK(get("email") == NULL);

	line(IN("1795555300.346466", "link-identify") "|EHLO|client.example");
	CHECK_STR(str("opensmtpd.helo.method"), "EHLO");
	CHECK_STR(str("opensmtpd.helo.identity"), "client.example");
	CHECK_STR(str("related.hosts.1"), "client.example");
	line(IN("1795555300.347118", "tx-begin") "|4c7bc7af");
	CHECK_STR(str("email.local_id"), "4c7bc7af");
	CHECK_STR(str("opensmtpd.tx.id"), "4c7bc7af");
	CHECK_INT(num("opensmtpd.session.tx_count"), 1);
	line(IN("1795555300.347120", "tx-mail") "|4c7bc7af|ok|");
	CHECK_STR(str("email.from.address.0"), "<>");
	CHECK_STR(str("opensmtpd.tx.mail_result"), "ok");
	CHECK_STR(str("event.outcome"), "success");
	line(IN("1795555300.348103", "tx-envelope")
	    "|4c7bc7af|4c7bc7af962897dd");
	line(IN("1795555300.348112", "tx-rcpt") "|4c7bc7af|ok|bob@lab.test");
	line(IN("1795555300.348200", "tx-rcpt")
	    "|4c7bc7af|permfail|nobody@lab.test");
	CHECK_STR(str("event.outcome"), "failure");
	CHECK_STR(str("event.reason"), "permfail");
	CHECK_STR(str("email.to.address.0"), "bob@lab.test");
	CHECK(get("email.to.address.1") == NULL);
	CHECK_STR(str("opensmtpd.tx.rcpt.0.address"), "bob@lab.test");
	CHECK_STR(str("opensmtpd.tx.rcpt.0.result"), "ok");
	CHECK_STR(str("opensmtpd.tx.rcpt.0.envelope_ids.0"),
	    "4c7bc7af962897dd");
	CHECK_STR(str("opensmtpd.tx.rcpt.1.result"), "permfail");
	CHECK(get("opensmtpd.tx.rcpt.1.envelope_ids") == NULL);
	CHECK_STR(str("opensmtpd.tx.rcpt_rejected.0"), "nobody@lab.test");
	CHECK_STR(str("opensmtpd.tx.envelope_ids.0"), "4c7bc7af962897dd");
	CHECK_INT(num("opensmtpd.session.rcpt_count"), 2);
	line(IN("1795555300.348658", "tx-data") "|4c7bc7af|ok");
	CHECK_STR(str("opensmtpd.tx.data_result"), "ok");
	line(IN("1795555300.350547", "tx-commit") "|4c7bc7af|545");
	CHECK_INT(num("opensmtpd.tx.size"), 545);
	CHECK_STR(str("opensmtpd.tx.result"), "commit");
	CHECK_STR(str("email.delivery_timestamp"),
	    "2026-11-24T21:21:40.350547Z");
	CHECK_INT(num("event.duration"), 3429000);
	CHECK_STR(str("event.start"), "2026-11-24T21:21:40.347118Z");
	CHECK_INT(num("opensmtpd.session.message_count"), 1);
	line(IN("1795555300.350549", "tx-reset") "|4c7bc7af");
	CHECK_STR(str("email.local_id"), "4c7bc7af");	/* still shown */
	line(IN("1795555300.350671", "protocol-client") "|QUIT");
	CHECK(get("email") == NULL);			/* then gone */
	CHECK_STR(str("opensmtpd.protocol.line"), "QUIT");
	CHECK_INT(num("opensmtpd.session.command_count"), 1);
	line(IN("1795555300.350795", "link-disconnect"));
	CHECK_INT(num("event.duration"), 4713000);
	CHECK_STR(str("event.type.1"), "end");
	CHECK(get("event.outcome") == NULL);
	/* the session ended: the same id starts again at 1 */
	line(IN("1795555301.000000", "protocol-server") "|220 x");
	CHECK_INT(num("event.sequence"), 1);
	CHECK(get("source") == NULL);
	stop();
}

static void
test_events(void)
{
	start(8000, ~0U);
	line(IN("1.000000", "link-connect")
	    "|<unknown>|fail|unix:/var/run/smtpd.sock|"
	    "unix:/var/run/smtpd.sock");
	CHECK_STR(str("source.address"), "unix:/var/run/smtpd.sock");
	CHECK(get("source.ip") == NULL);
	CHECK(get("source.domain") == NULL);
	CHECK(get("network.transport") == NULL);
	CHECK_STR(str("network.protocol"), "smtp");
	CHECK_STR(str("opensmtpd.link.rdns"), "<unknown>");
	CHECK(get("related") == NULL);
	line(IN("1.000001", "link-tls") "|TLSv1.3:TLS_AES_256_GCM_SHA384:256");
	CHECK(json_object_get_boolean(get("tls.established")));
	CHECK_STR(str("tls.version"), "1.3");
	CHECK_STR(str("tls.version_protocol"), "tls");
	CHECK_STR(str("tls.cipher"), "TLS_AES_256_GCM_SHA384");
	CHECK_INT(num("opensmtpd.tls.bits"), 256);
	CHECK_STR(str("opensmtpd.tls.raw"),
	    "TLSv1.3:TLS_AES_256_GCM_SHA384:256");
	line(IN("1.000002", "link-auth") "|al\\040ice|fail");
	CHECK_STR(str("event.category.0"), "authentication");
	CHECK_STR(str("event.outcome"), "failure");
	CHECK_STR(str("event.reason"), "fail");
	CHECK_STR(str("user.name"), "al\\040ice");
	CHECK_STR(str("related.user.0"), "al\\040ice");
	CHECK_STR(str("opensmtpd.auth.result"), "fail");
	line(IN("1.000003", "filter-response")
	    "|rcpt-to|reject|550 5.7.1 no|thanks");
	CHECK_STR(str("event.outcome"), "failure");
	CHECK_STR(str("event.reason"), "reject");
	CHECK_STR(str("opensmtpd.filter.phase"), "rcpt-to");
	CHECK_STR(str("opensmtpd.filter.response"), "reject");
	CHECK_STR(str("opensmtpd.filter.param"), "550 5.7.1 no|thanks");
	line(IN("1.000004", "filter-response") "|connected|proceed");
	CHECK_STR(str("event.outcome"), "success");
	CHECK(get("opensmtpd.filter.param") == NULL);
	/* an empty trailing param is no param; empty fields are unknown */
	line(IN("1.000004", "filter-response") "|help|proceed|");
	CHECK_STR(str("opensmtpd.filter.response"), "proceed");
	CHECK(get("opensmtpd.filter.param") == NULL);
	line(IN("1.000004", "filter-response") "||");
	CHECK(get("opensmtpd.filter") == NULL);
	line(IN("1.000004", "filter-report") "|builtin|chk|");
	CHECK_STR(str("opensmtpd.filter.name"), "chk");
	CHECK(get("opensmtpd.filter.message") == NULL);
	line(IN("1.000005", "filter-report") "|builtin|chk|spam \x01 \xff");
	CHECK_STR(str("opensmtpd.filter.kind"), "builtin");
	CHECK_STR(str("opensmtpd.filter.message"), "spam \x01 \xef\xbf\xbd");
	line(IN("1.000006", "tx-mail") "|00000000|permfail|x@y");
	CHECK_STR(str("event.outcome"), "failure");
	CHECK_STR(str("email.from.address.0"), "x@y");
	CHECK(get("email.local_id") == NULL);
	CHECK_STR(str("opensmtpd.tx.mail_result"), "permfail");
	CHECK_STR(str("opensmtpd.tx.refused_from"), "x@y");
	/* a refused second MAIL FROM: the sender stays, the attempt shows */
	line(IN("1.000006", "tx-begin") "|0000000b");
	line(IN("1.000006", "tx-mail") "|0000000b|ok|first@y");
	CHECK(get("opensmtpd.tx.refused_from") == NULL);
	line(IN("1.000006", "tx-mail") "|0000000b|permfail|");
	CHECK_STR(str("event.outcome"), "failure");
	CHECK_STR(str("email.from.address.0"), "first@y");
	CHECK_STR(str("opensmtpd.tx.mail_result"), "ok");
	CHECK_STR(str("opensmtpd.tx.refused_from"), "<>");
	line(IN("1.000006", "tx-commit") "|0000000b|100");
	CHECK_STR(str("email.from.address.0"), "first@y");
	CHECK(get("opensmtpd.tx.refused_from") == NULL);
	line(IN("1.000006", "tx-reset") "|0000000b");
	line(IN("1.000007", "protocol-client") "|NOOP");
	CHECK(get("email") == NULL);
	line(IN("1.000008", "timeout"));
	CHECK_STR(str("event.outcome"), "failure");
	CHECK_STR(str("event.reason"), "timeout");
	CHECK_INT(num("event.duration"), 8000);
	line(IN("1.000009", "tx-rollback") "|0000000a");
	CHECK_STR(str("opensmtpd.tx.result"), "rollback");
	CHECK_STR(str("event.reason"), "rollback");
	/* unknown event, future version */
	line("report|0.7|1.000010|smtp-in|link-frob|98610392bca6173b|a|b");
	CHECK(json_object_get_boolean(get("opensmtpd.unknown")));
	CHECK_STR(str("opensmtpd.params"), "a|b");
	CHECK_STR(str("event.action"), "link-frob");
	line("report|0.9|1.000011|smtp-in|link-auth|98610392bca6173b|pass|u");
	CHECK(json_object_get_boolean(get("opensmtpd.unknown")));
	CHECK_STR(str("user.name"), "u");
	CHECK_STR(str("opensmtpd.params"), "pass|u");
	line("report|0.7|1.000012|smtp-weird|link-auth|98610392bca6173b|pass|u");
	CHECK_STR(str("event.provider"), "smtp-weird");
	CHECK(get("network") == NULL);
	stop();
}

/* AUTH data never reaches a record, wherever smtpd left it in clear. */
static void
test_masking(void)
{
	start(8000, ~0U);
	line(IN("1.000000", "protocol-client") "|AUTH PLAIN dGVzdAB0ZXN0AHB3");
	CHECK_STR(str("opensmtpd.protocol.line"), "AUTH PLAIN ********");
	line(IN("1.000001", "protocol-client") "|auth login dXNlcg==");
	CHECK_STR(str("opensmtpd.protocol.line"), "auth login ********");
	line(IN("1.000002", "protocol-client") "|AUTH LOGIN");
	CHECK_STR(str("opensmtpd.protocol.line"), "AUTH LOGIN");
	line(IN("1.000003", "protocol-server") "|334 VXNlcm5hbWU6");
	CHECK_STR(str("opensmtpd.protocol.line"), "334 VXNlcm5hbWU6");
	line(IN("1.000004", "protocol-client") "|YWxpY2U=");
	CHECK_STR(str("opensmtpd.protocol.line"), "********");
	line(IN("1.000005", "protocol-server") "|334 UGFzc3dvcmQ6");
	line(IN("1.000006", "protocol-client") "|c2VjcmV0");
	CHECK_STR(str("opensmtpd.protocol.line"), "********");
	line(IN("1.000007", "protocol-client") "|NOOP");
	CHECK_STR(str("opensmtpd.protocol.line"), "NOOP");
	line(IN("1.000008", "protocol-server") "|334 ");
	line(IN("1.000009", "protocol-client") "|*");
	CHECK_STR(str("opensmtpd.protocol.line"), "*");
	line(IN("1.000010", "protocol-server") "|250 ok");
	line(IN("1.000011", "protocol-client") "|MAIL FROM:<auth me@x>");
	CHECK_STR(str("opensmtpd.protocol.line"), "MAIL FROM:<auth me@x>");
	line(OUT("1.000012", "protocol-client") "|AUTH PLAIN c2VjcmV0");
	CHECK_STR(str("opensmtpd.protocol.line"), "AUTH PLAIN ********");
	line(OUT("1.000013", "protocol-server") "|334 ");
	line(OUT("1.000014", "protocol-client") "|c2VjcmV0");
	CHECK_STR(str("opensmtpd.protocol.line"), "********");
	line("report|0.7|1.000015|smtp-in|future|98610392bca6173b|"
	    "x|AUTH PLAIN c2VjcmV0");
	CHECK_STR(str("opensmtpd.params"), "x|AUTH PLAIN ********");
	CHECK(strstr(rec, "c2VjcmV0") == NULL);
	stop();

	/*
	 * Where the session's start was seen, a client line is masked only
	 * after a 334; where it was not, every line but SMTP commands is.
	 */
	start(8000, ~0U);
	line(IN("2.000000", "link-connect")
	    "|mail.example.net|pass|192.0.2.10:36196|198.51.100.5:25");
	line(IN("2.000001", "protocol-client") "|YWxpY2U=");
	CHECK_STR(str("opensmtpd.protocol.line"), "YWxpY2U=");
	line(OUT("2.000002", "protocol-client") "|YWxpY2U=");
	CHECK_STR(str("opensmtpd.protocol.line"), "********");
	line(OUT("2.000003", "protocol-client") "|rcpt TO:<a@b>");
	CHECK_STR(str("opensmtpd.protocol.line"), "rcpt TO:<a@b>");
	line(OUT("2.000004", "protocol-client") "|STARTTLS");
	CHECK_STR(str("opensmtpd.protocol.line"), "STARTTLS");
	line(OUT("2.000005", "protocol-client") "|DATAX");
	CHECK_STR(str("opensmtpd.protocol.line"), "********");
	line(OUT("2.000006", "protocol-client") "|");
	CHECK_STR(str("opensmtpd.protocol.line"), "********");
	/* blanks around AUTH: smtpd may refuse it, the client sent it */
	line(IN("2.000007", "protocol-client") "|AUTH\tPLAIN\tc2VjcmV0");
	CHECK_STR(str("opensmtpd.protocol.line"), "AUTH\tPLAIN ********");
	line(IN("2.000008", "protocol-client") "|  auth login c2VjcmV0");
	CHECK_STR(str("opensmtpd.protocol.line"), "  auth login ********");
	line(OUT("2.000009", "protocol-client") "| QUIT");
	CHECK_STR(str("opensmtpd.protocol.line"), "********");
	CHECK(strstr(rec, "c2VjcmV0") == NULL);
	stop();

	/*
	 * 300 sessions evicted between the 334 and the answer (more than
	 * the table remembers by id): every answer stays masked
	 */
	{
		char	 l[256];
		int	 i, leaked = 0;

		start(8000, ~0U);
		for (i = 0; i < 300; i++) {
			snprintf(l, sizeof(l), "report|0.7|3.000000|smtp-in|"
			    "link-connect|%016x|h|pass|192.0.2.1:1|"
			    "192.0.2.2:25", i + 1);
			line(l);
			snprintf(l, sizeof(l), "report|0.7|3.000001|smtp-in|"
			    "protocol-client|%016x|AUTH LOGIN", i + 1);
			line(l);
			snprintf(l, sizeof(l), "report|0.7|3.000002|smtp-in|"
			    "protocol-server|%016x|334 VXNlcm5hbWU6", i + 1);
			line(l);
		}
		for (i = 0; i < 1000; i++) {	/* the table holds 1000 */
			snprintf(l, sizeof(l), "report|0.7|4.000000|smtp-in|"
			    "link-connect|%016x|h|pass|192.0.2.1:1|"
			    "192.0.2.2:25", i + 100000);
			line(l);
		}
		for (i = 0; i < 300; i++) {
			snprintf(l, sizeof(l), "report|0.7|5.000000|smtp-in|"
			    "protocol-client|%016x|c2VjcmV0", i + 1);
			line(l);
			if (strstr(rec, "c2VjcmV0") != NULL)
				leaked++;
		}
		CHECK_INT(leaked, 0);
		stop();
	}
}

static void
test_size_cap(void)
{
	char	 l[512];
	int	 i;

	start(2048, ~0U);
	line(IN("1.000000", "link-connect")
	    "|mail.example.net|pass|192.0.2.10:36196|198.51.100.5:25");
	line(IN("1.000001", "link-identify") "|EHLO|client.example.net");
	line(IN("1.000002", "tx-begin") "|4c7bc7af");
	for (i = 0; i < 40; i++) {
		snprintf(l, sizeof(l), IN("1.000003", "tx-envelope")
		    "|4c7bc7af|4c7bc7af%08x", i);
		line(l);
		snprintf(l, sizeof(l), IN("1.000003", "tx-rcpt")
		    "|4c7bc7af|%s|recipient-number-%d@example.org",
		    i % 3 ? "ok" : "permfail", i);
		line(l);
	}
	CHECK(reclen <= 2048);
	CHECK(json_object_get_boolean(get("opensmtpd.truncated")));
	CHECK(has("opensmtpd.truncated_fields", "opensmtpd.tx.rcpt"));
	CHECK(!has("opensmtpd.truncated_fields", "opensmtpd.tx.id"));
	CHECK_STR(str("event.action"), "tx-rcpt");
	CHECK_STR(str("email.local_id"), "4c7bc7af");
	CHECK_INT(num("opensmtpd.session.rcpt_count"), 40);
	/* the protocol line goes first */
	line(IN("1.000004", "protocol-server") "|250 ok");
	CHECK(has("opensmtpd.truncated_fields", "opensmtpd.protocol.line"));
	stop();

	/*
	 * A refused MAIL FROM before a transaction, 254 8-bit bytes: longer
	 * escaped than the cap.  Left out and said so, never shown as the
	 * null sender.
	 */
	start(1024, ~0U);
	{
		char	 big[400];
		int	 n;

		n = snprintf(big, sizeof(big), IN("1.000005", "tx-mail")
		    "|00000000|permfail|");
		memset(big + n, 0xff, 254);
		big[n + 254] = '\0';
		line(big);
	}
	CHECK(reclen <= 1024);
	CHECK(get("email.from.address") == NULL);
	CHECK(json_object_get_boolean(get("opensmtpd.truncated")));
	CHECK_STR(str("opensmtpd.tx.mail_result"), "permfail");
	stop();

	/* the worst case: every "always" field at its longest */
	start(1024, ~0U);
	line("config|smtpd-version|"
	    "6.8.0p2-a-very-long-version-string-that-goes-on-and-on-and-on-"
	    "and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-"
	    "and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-"
	    "and-on-and-on-and-on-and-on-and-on-and-on-end");
	line("config|admd|"
	    "mx.a-very-long-host-name-that-goes-on-and-on-and-on-and-on-and-"
	    "on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-"
	    "on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-"
	    "on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-end");
	line("report|999.999|253402300799.999999|"
	    "abcdefghijklmnopqrstuvwxyz-01234|"
	    "abcdefghijklmnopqrstuvwxyz-0123456789-abcdefghijklmnopqrstuvwxy"
	    "|ffffffffffffffff|" "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
	    "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff");
	CHECK(root != NULL);
	CHECK(reclen <= 1024);
	CHECK_STR(str("@timestamp"), "9999-12-31T23:59:59.999999Z");
	CHECK(json_object_get_boolean(get("opensmtpd.truncated")));
	stop();
}

static void
test_handshake(void)
{
	/* registers once, for exactly the announced subsystems */
	start(8000, ~0U);
	line("config|smtpd-version|7.8.0");
	line("config|protocol|0.7");
	line("config|smtp-session-timeout|300");
	line("config|subsystem|smtp-out");
	line("config|future-key|whatever");
	line("config|ready");
	CHECK_STR(reg, "register|report|smtp-out|*\nregister|ready\n");
	CHECK_INT(nreg, 1);
	line("config|ready");
	line("config|subsystem|smtp-in");
	CHECK_INT(nreg, 1);
	line("filter|0.7|1.000000|smtp-in|connect|0000000000000001|x");
	CHECK_INT(nrec, 0);
	stop();

	/* 6.6: no subsystem announced, smtp-in only */
	start(8000, ~0U);
	line("config|smtpd-version|6.6.4p1");
	line("config|smtp-session-timeout|300");
	line("config|ready");
	CHECK_STR(reg, "register|report|smtp-in|*\nregister|ready\n");
	stop();

	/* a replayed stream without a handshake never registers */
	start(8000, ~0U);
	line(IN("1.000000", "link-disconnect"));
	line(IN("2.000000", "link-disconnect"));
	CHECK_INT(nreg, 0);
	CHECK_INT(nrec, 2);
	stop();

	/*
	 * events before the handshake: the handshake still counts, and
	 * registers once, for what it announced
	 */
	start(8000, ~0U);
	line(IN("1.000000", "link-disconnect"));
	line("config|smtp-session-timeout|30");
	line("config|subsystem|smtp-in");
	line("config|ready");
	line(IN("2.000000", "link-disconnect"));
	line("config|ready");
	CHECK_STR(reg, "register|report|smtp-in|*\nregister|ready\n");
	CHECK_INT(nreg, 1);
	CHECK_INT(nrec, 2);
	CHECK_INT((int)f.timeout, 30);
	stop();

	/* -e: only some events make records */
	{
		uint32_t	 mask;
		const char	*errstr;

		CHECK_INT(filter_events("tx-commit,link-disconnect", &mask,
		    &errstr), 0);
		CHECK(mask == ((1U << RPT_TX_COMMIT) |
		    (1U << RPT_LINK_DISCONNECT)));
		CHECK_INT(filter_events("tx-commit,nope", &mask, &errstr), -1);
		CHECK_INT(filter_events("", &mask, &errstr), -1);
		start(8000, (1U << RPT_LINK_DISCONNECT));
		line(IN("1.000000", "link-connect") "|a|pass|1.2.3.4:5|"
		    "6.7.8.9:25");
		CHECK_INT(nrec, 0);
		line(IN("1.000001", "link-disconnect"));
		CHECK_INT(nrec, 1);
		CHECK_INT(num("event.sequence"), 2);
		stop();
	}
}

static void
test_lines(void)
{
	static char	 big[FJ_LINE_MAX + 100];
	uint64_t	 m;
	const char	*s;

	start(8000, ~0U);
	/* a line split over several reads */
	s = IN("1.000000", "link-disconnect") "\n";
	filter_feed(&f, s, 10);
	filter_feed(&f, s + 10, strlen(s) - 10);
	CHECK_INT(nrec, 1);
	/* NUL inside a line: dropped, counted */
	m = stats.malformed;
	filter_feed(&f, IN("1.000000", "link-greeting") "|a\0b\n",
	    sizeof(IN("1.000000", "link-greeting") "|a\0b\n") - 1);
	CHECK_INT(nrec, 1);
	CHECK_INT(stats.malformed, m + 1);
	/* an overlong line is discarded up to its newline */
	memset(big, 'x', sizeof(big));
	m = stats.overlong;
	filter_feed(&f, big, sizeof(big));
	filter_feed(&f, big, sizeof(big));
	filter_feed(&f, "\n", 1);
	CHECK_INT(stats.overlong, m + 1);
	line(IN("1.000001", "link-disconnect"));
	CHECK_INT(nrec, 2);
	/* the last line without a newline counts at EOF */
	s = IN("1.000002", "link-disconnect");
	filter_feed(&f, s, strlen(s));
	CHECK_INT(nrec, 2);
	filter_eof(&f);
	CHECK_INT(nrec, 3);
	stop();
}

static void
test_time(void)
{
	char	 buf[32];

	CHECK_INT(render_time(buf, 0), 27);
	CHECK_STR(buf, "1970-01-01T00:00:00.000000Z");
	render_time(buf, 1576146008006099LL);
	CHECK_STR(buf, "2019-12-12T10:20:08.006099Z");
	render_time(buf, 253402300799999999LL);
	CHECK_STR(buf, "9999-12-31T23:59:59.999999Z");
}

int
main(void)
{
	log_init("test_render", 1);
	test_session_records();
	test_events();
	test_masking();
	test_size_cap();
	test_handshake();
	test_lines();
	test_time();
	return (check_done("test_render"));
}
