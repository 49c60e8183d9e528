/* Unit tests for protocol.c: every event in every layout, and bad lines. */

#include <stdint.h>
#include <string.h>

#include "filter-jsonlog.h"
#include "check.h"

static struct report	 r;
static const char	*errstr;

static int
parse(const char *line)
{
	errstr = NULL;
	return (protocol_parse(line, strlen(line), &r, &errstr));
}

#define HDR(v, ev)	"report|" v "|1700000000.101010|smtp-in|" ev \
			"|7a1c3e50b12f9d04"

static void
test_header(void)
{
	CHECK_INT(parse(HDR("0.7", "link-disconnect")), 0);
	CHECK_INT(r.version, 7);
	CHECK_SLICE(r.vstr, "0.7");
	CHECK_INT(r.time_us, 1700000000101010LL);
	CHECK_INT(r.subsys, SUB_SMTP_IN);
	CHECK_INT(r.event, RPT_LINK_DISCONNECT);
	CHECK(r.id == 0x7a1c3e50b12f9d04ULL);
	CHECK_INT(r.has_params, 0);
	CHECK_INT(r.unknown, 0);

	/* the microseconds are six digits: .006099 is 6099 us */
	CHECK_INT(parse("report|0.6|1576146008.006099|smtp-out|timeout|"
	    "0000000000000001"), 0);
	CHECK_INT(r.time_us, 1576146008006099LL);
	CHECK_INT(r.subsys, SUB_SMTP_OUT);

	/* versions compare as numbers */
	CHECK_INT(parse(HDR("0.10", "timeout")), 0);
	CHECK_INT(r.version, 10);
	CHECK_INT(r.unknown, 1);
	CHECK_INT(parse(HDR("1", "timeout")), 0);
	CHECK_INT(r.version, 1000);
	CHECK_INT(r.unknown, 1);
	CHECK_INT(parse(HDR("0.5", "timeout")), 0);
	CHECK_INT(r.unknown, 0);

	/* unknown subsystem and event: kept, marked */
	CHECK_INT(parse("report|0.7|1.000000|smtp-sideways|timeout|"
	    "0000000000000001"), 0);
	CHECK_INT(r.subsys, SUB_OTHER);
	CHECK_INT(parse(HDR("0.7", "link-frobnicate") "|a|b|c"), 0);
	CHECK_INT(r.event, RPT_UNKNOWN);
	CHECK_INT(r.unknown, 1);
	CHECK_SLICE(r.params, "a|b|c");
	CHECK_SLICE(r.event_name, "link-frobnicate");
}

static void
test_bad_lines(void)
{
	CHECK_INT(parse("config|ready"), -1);
	CHECK_INT(parse("report|"), -1);
	CHECK_INT(parse("report|0.7"), -1);
	CHECK_INT(parse("report|x.7|1.000000|smtp-in|timeout|0000000000000001"),
	    -1);
	CHECK_STR(errstr, "bad version");
	CHECK_INT(parse("report|0.7.1|1.000000|smtp-in|timeout|"
	    "0000000000000001"), -1);
	CHECK_INT(parse("report|0.7|1.00000|smtp-in|timeout|0000000000000001"),
	    -1);
	CHECK_STR(errstr, "bad timestamp");
	CHECK_INT(parse("report|0.7|1|smtp-in|timeout|0000000000000001"), -1);
	CHECK_INT(parse("report|0.7|-1.000000|smtp-in|timeout|"
	    "0000000000000001"), -1);
	CHECK_INT(parse("report|0.7|99999999999999.000000|smtp-in|timeout|"
	    "0000000000000001"), -1);
	CHECK_INT(parse("report|0.7|1.000000||timeout|0000000000000001"), -1);
	CHECK_STR(errstr, "bad subsystem");
	CHECK_INT(parse("report|0.7|1.000000|SMTP IN|timeout|"
	    "0000000000000001"), -1);
	CHECK_INT(parse("report|0.7|1.000000|smtp-in||0000000000000001"), -1);
	CHECK_STR(errstr, "bad event name");
	CHECK_INT(parse("report|0.7|1.000000|smtp-in|timeout"), -1);
	CHECK_INT(parse("report|0.7|1.000000|smtp-in|timeout|123"), -1);
	CHECK_STR(errstr, "bad session id");
	CHECK_INT(parse("report|0.7|1.000000|smtp-in|timeout|"
	    "000000000000000g"), -1);
	CHECK_INT(parse("report|0.7|1.000000|smtp-in|timeout|"
	    "7A1C3E50B12F9D04"), -1);
	CHECK_INT(parse("report|0.7|1.000000|smtp-in|timeout|"
	    "00000000000000011"), -1);
	/* too few parameters */
	CHECK_INT(parse(HDR("0.7", "link-connect") "|a|pass|1.2.3.4:5"), -1);
	CHECK_STR(errstr, "too few parameters");
	CHECK_INT(parse(HDR("0.7", "tx-mail") "|5d2f9a01"), -1);
	CHECK_INT(parse(HDR("0.7", "link-greeting")), -1);
	CHECK_STR(errstr, "missing parameters");
	CHECK_INT(parse(HDR("0.6", "link-auth") "|alice"), -1);
	CHECK_INT(parse(HDR("0.7", "filter-response") "|rcpt-to"), -1);
	/* ids and numbers */
	CHECK_INT(parse(HDR("0.7", "tx-begin") "|5d2f9a0"), -1);
	CHECK_STR(errstr, "bad message id");
	CHECK_INT(parse(HDR("0.7", "tx-begin") "|5d2f9a01|"), -1);
	CHECK_INT(parse(HDR("0.7", "tx-envelope") "|5d2f9a01|5d2f9a01c3b4e5"),
	    -1);
	CHECK_STR(errstr, "bad envelope id");
	CHECK_INT(parse(HDR("0.7", "tx-commit") "|5d2f9a01|12x"), -1);
	CHECK_STR(errstr, "bad size");
	CHECK_INT(parse(HDR("0.7", "tx-commit") "|5d2f9a01|"), -1);
	CHECK_INT(parse(HDR("0.7", "tx-commit") "|5d2f9a01|"
	    "99999999999999999999"), -1);
}

/* Every event of the 0.7 table. */
static void
test_events_07(void)
{
	CHECK_INT(parse(HDR("0.7", "link-connect")
	    "|mail.example.net|pass|192.0.2.10:53122|198.51.100.5:25"), 0);
	CHECK_INT(r.event, RPT_LINK_CONNECT);
	CHECK_SLICE(r.f[F_RDNS], "mail.example.net");
	CHECK_SLICE(r.f[F_FCRDNS], "pass");
	CHECK_SLICE(r.f[F_SRC], "192.0.2.10:53122");
	CHECK_SLICE(r.f[F_DEST], "198.51.100.5:25");

	CHECK_INT(parse(HDR("0.7", "link-greeting") "|mx.example.org"), 0);
	CHECK_SLICE(r.f[F_HOSTNAME], "mx.example.org");
	/* empty greeting (smtp-out: the banner named no domain) */
	CHECK_INT(parse(HDR("0.7", "link-greeting") "|"), 0);
	CHECK(RPT_HAS(&r, F_HOSTNAME));
	CHECK_INT(r.f[F_HOSTNAME].len, 0);

	CHECK_INT(parse(HDR("0.7", "link-identify") "|EHLO|a|b"), 0);
	CHECK_SLICE(r.f[F_METHOD], "EHLO");
	CHECK_SLICE(r.f[F_IDENTITY], "a|b");

	CHECK_INT(parse(HDR("0.7", "link-tls")
	    "|TLSv1.3:TLS_AES_256_GCM_SHA384:256"), 0);
	CHECK_SLICE(r.f[F_TLS], "TLSv1.3:TLS_AES_256_GCM_SHA384:256");

	CHECK_INT(parse(HDR("0.7", "link-auth") "|pass|al|ice"), 0);
	CHECK_SLICE(r.f[F_RESULT], "pass");
	CHECK_INT(r.result, RES_PASS);
	CHECK_SLICE(r.f[F_USER], "al|ice");

	CHECK_INT(parse(HDR("0.7", "tx-reset") "|5d2f9a01"), 0);
	CHECK(r.msgid == 0x5d2f9a01U);
	CHECK_INT(parse(HDR("0.7", "tx-begin") "|5d2f9a01"), 0);
	CHECK_INT(r.event, RPT_TX_BEGIN);

	CHECK_INT(parse(HDR("0.7", "tx-mail") "|5d2f9a01|ok|a|b@example.org"),
	    0);
	CHECK_INT(r.result, RES_OK);
	CHECK_SLICE(r.f[F_ADDRESS], "a|b@example.org");
	CHECK_INT(parse(HDR("0.7", "tx-mail") "|00000000|permfail|"), 0);
	CHECK_INT(r.msgid, 0);
	CHECK_INT(r.result, RES_PERMFAIL);
	CHECK_INT(r.f[F_ADDRESS].len, 0);

	CHECK_INT(parse(HDR("0.7", "tx-rcpt") "|5d2f9a01|tempfail|bob@x"), 0);
	CHECK_INT(r.result, RES_TEMPFAIL);
	CHECK_SLICE(r.f[F_ADDRESS], "bob@x");

	CHECK_INT(parse(HDR("0.7", "tx-envelope")
	    "|5d2f9a01|5d2f9a01c3b4e5f6"), 0);
	CHECK(r.evpid == 0x5d2f9a01c3b4e5f6ULL);

	CHECK_INT(parse(HDR("0.7", "tx-data") "|5d2f9a01|ok"), 0);
	CHECK_INT(r.result, RES_OK);
	CHECK_INT(parse(HDR("0.7", "tx-commit") "|5d2f9a01|1834"), 0);
	CHECK_INT(r.size, 1834);
	CHECK_INT(parse(HDR("0.7", "tx-rollback") "|5d2f9a01"), 0);
	CHECK_INT(r.event, RPT_TX_ROLLBACK);

	CHECK_INT(parse(HDR("0.7", "protocol-client") "|MAIL FROM:<a|b>"), 0);
	CHECK_SLICE(r.f[F_LINE], "MAIL FROM:<a|b>");
	CHECK_INT(parse(HDR("0.7", "protocol-server") "|"), 0);
	CHECK_INT(r.f[F_LINE].len, 0);

	CHECK_INT(parse(HDR("0.7", "filter-report")
	    "|builtin|check|matched | twice"), 0);
	CHECK_SLICE(r.f[F_KIND], "builtin");
	CHECK_SLICE(r.f[F_NAME], "check");
	CHECK_SLICE(r.f[F_MESSAGE], "matched | twice");

	/* filter-response: no param, empty param, param with '|' */
	CHECK_INT(parse(HDR("0.7", "filter-response") "|connected|proceed"),
	    0);
	CHECK_SLICE(r.f[F_PHASE], "connected");
	CHECK_SLICE(r.f[F_RESPONSE], "proceed");
	CHECK(!RPT_HAS(&r, F_PARAM));
	CHECK_INT(parse(HDR("0.7", "filter-response") "|helo|junk|"), 0);
	CHECK(RPT_HAS(&r, F_PARAM));
	CHECK_INT(r.f[F_PARAM].len, 0);
	CHECK_INT(parse(HDR("0.7", "filter-response")
	    "|rcpt-to|reject|550 5.7.1 no thanks|really"), 0);
	CHECK_SLICE(r.f[F_PARAM], "550 5.7.1 no thanks|really");
	/* empty phase and response (unknown codes) */
	CHECK_INT(parse(HDR("0.7", "filter-response") "||"), 0);
	CHECK_INT(r.f[F_PHASE].len, 0);
	CHECK_INT(r.f[F_RESPONSE].len, 0);

	CHECK_INT(parse(HDR("0.7", "timeout")), 0);
	CHECK_INT(r.event, RPT_TIMEOUT);
	/* a future version may add parameters: ignored, not fatal */
	CHECK_INT(parse(HDR("0.7", "link-disconnect") "|extra"), 0);
}

/* The rows that differ by version: the result before or after. */
static void
test_version_rows(void)
{
	/* 0.4 and 0.5: tx-mail/tx-rcpt result last, address in between */
	CHECK_INT(parse(HDR("0.4", "tx-mail") "|5d2f9a01|a|l@example.org|ok"),
	    0);
	CHECK_SLICE(r.f[F_ADDRESS], "a|l@example.org");
	CHECK_SLICE(r.f[F_RESULT], "ok");
	CHECK_INT(parse(HDR("0.5", "tx-rcpt") "|5d2f9a01|bob@x|permfail"), 0);
	CHECK_SLICE(r.f[F_ADDRESS], "bob@x");
	CHECK_INT(r.result, RES_PERMFAIL);
	CHECK_INT(parse(HDR("0.4", "tx-rcpt") "|5d2f9a01||ok"), 0);
	CHECK_INT(r.f[F_ADDRESS].len, 0);
	CHECK_INT(parse(HDR("0.4", "tx-rcpt") "|5d2f9a01|bob@x"), -1);

	/* 0.6: result first for tx-*, link-auth still user then result */
	CHECK_INT(parse(HDR("0.6", "tx-mail") "|5d2f9a01|ok|a|b"), 0);
	CHECK_SLICE(r.f[F_ADDRESS], "a|b");
	CHECK_INT(parse(HDR("0.6", "link-auth") "|al|ice|fail"), 0);
	CHECK_SLICE(r.f[F_USER], "al|ice");
	CHECK_INT(r.result, RES_FAIL);
	CHECK_INT(parse(HDR("0.4", "link-auth") "|alice|error"), 0);
	CHECK_SLICE(r.f[F_USER], "alice");
	CHECK_INT(r.result, RES_ERROR);
	/* 0.7 onwards: result first, user last */
	CHECK_INT(parse(HDR("0.7", "link-auth") "|fail|alice"), 0);
	CHECK_SLICE(r.f[F_USER], "alice");
	CHECK_INT(r.result, RES_FAIL);
	/* a newer version takes the newest layout, and is marked */
	CHECK_INT(parse(HDR("0.9", "link-auth") "|pass|bob"), 0);
	CHECK_SLICE(r.f[F_USER], "bob");
	CHECK_INT(r.unknown, 1);
	/* an older dev version takes the oldest */
	CHECK_INT(parse(HDR("0.3", "tx-rcpt") "|5d2f9a01|bob@x|ok"), 0);
	CHECK_SLICE(r.f[F_ADDRESS], "bob@x");
	CHECK_INT(r.unknown, 1);
	/* unknown result words are kept apart */
	CHECK_INT(parse(HDR("0.7", "tx-rcpt") "|5d2f9a01|maybe|bob@x"), 0);
	CHECK_INT(r.result, RES_OTHER);
}

static void
test_names(void)
{
	int	 v, i;

	for (i = 0; i < RPT_UNKNOWN; i++)
		CHECK_INT(protocol_event(protocol_event_name(i),
		    strlen(protocol_event_name(i))), i);
	CHECK_INT(protocol_event("link", 4), RPT_UNKNOWN);
	CHECK_INT(protocol_event("link-connectx", 13), RPT_UNKNOWN);
	CHECK_INT(protocol_version("0.6", 3, &v), 0);
	CHECK_INT(v, 6);
	CHECK_INT(protocol_version("12.345", 6, &v), 0);
	CHECK_INT(v, 12345);
	CHECK_INT(protocol_version("", 0, &v), -1);
	CHECK_INT(protocol_version(".6", 2, &v), -1);
	CHECK_INT(protocol_version("0.", 2, &v), -1);
	CHECK_INT(protocol_version("0.6a", 4, &v), -1);
	CHECK_INT(protocol_version("0.1234", 6, &v), -1);
}

/* The vocabularies: each word back to its value, others refused. */
static void
test_words(void)
{
	int	 i;

	for (i = RES_OK; i <= RES_ERROR; i++)
		CHECK_INT(protocol_result(result_words[i].p,
		    result_words[i].len), i);
	CHECK_INT(protocol_result("", 0), RES_OTHER);
	CHECK_INT(protocol_result("okay", 4), RES_OTHER);
	CHECK_INT(protocol_result("o", 1), RES_OTHER);
	CHECK_INT(protocol_result("other", 5), RES_OTHER);
	for (i = 0; i < SUB_KNOWN; i++)
		CHECK_INT(protocol_subsys(subsys_names[i].p,
		    subsys_names[i].len), i);
	CHECK_INT(protocol_subsys("smtp", 4), SUB_OTHER);
	CHECK_INT(protocol_subsys("smtp-inx", 8), SUB_OTHER);
	for (i = HELO_HELO; i < HELO__COUNT; i++)
		CHECK_INT(protocol_helo(helo_methods[i].p,
		    helo_methods[i].len), i);
	CHECK_INT(protocol_helo("helo", 4), HELO_NONE);
	CHECK_INT(protocol_helo("", 0), HELO_NONE);
	CHECK(LIT_IS("ready", 5, "ready"));
	CHECK(!LIT_IS("ready", 4, "ready"));
	CHECK(LIT_PREFIX("report|0.7", 10, "report|"));
	CHECK(!LIT_PREFIX("report", 6, "report|"));
}

/* SMTP reply codes and RFC 3463 enhanced codes. */
static void
test_reply(void)
{
	static const struct {
		const char	*line;
		int		 ok;
		int		 code;
		int		 last;
		const char	*enh;	/* "" none */
	} t[] = {
		{ "250 2.0.0 Ok", 1, 250, 1, "2.0.0" },
		{ "550-5.7.1 first", 1, 550, 0, "5.7.1" },
		{ "550 5.7.1", 1, 550, 1, "5.7.1" },
		{ "451 4.3.0 Temporary failure", 1, 451, 1, "4.3.0" },
		{ "553 5.1.10 x", 1, 553, 1, "5.1.10" },
		{ "554 5.999.999 x", 1, 554, 1, "5.999.999" },
		{ "250 2.0.00 x", 1, 250, 1, "2.0.0" },	/* normalized */
		{ "221 Bye", 1, 221, 1, "" },
		{ "354 Enter mail", 1, 354, 1, "" },
		{ "334 ", 1, 334, 1, "" },
		{ "220", 1, 220, 1, "" },
		{ "220-", 1, 220, 0, "" },
		{ "550 4.7.1 class differs", 1, 550, 1, "" },
		{ "550 5.7 short", 1, 550, 1, "" },
		{ "550 5.7.1000 long", 1, 550, 1, "" },
		{ "550 5.7.1x glued", 1, 550, 1, "" },
		{ "550 5..1 empty", 1, 550, 1, "" },
		{ "550 5.1234.1 long", 1, 550, 1, "" },
		{ "550  5.7.1 two blanks", 1, 550, 1, "" },
		{ "550 5.7.", 1, 550, 1, "" },
		{ "550 5.7.1-dash", 1, 550, 1, "" },
		{ "199 too low", 0, 0, 0, "" },
		{ "600 too high", 0, 0, 0, "" },
		{ "25 short", 0, 0, 0, "" },
		{ "2500 four digits", 0, 0, 0, "" },
		{ "25x", 0, 0, 0, "" },
		{ "abc", 0, 0, 0, "" },
		{ "", 0, 0, 0, "" },
		{ "250\t2.0.0", 0, 0, 0, "" },
	};
	struct reply	 rp;
	char		 buf[REPLY_ENH_MAX];
	size_t		 i, n;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CHECK_INT(protocol_reply(t[i].line, strlen(t[i].line), &rp),
		    t[i].ok);
		CHECK_INT(rp.code, t[i].code);
		CHECK_INT(rp.last, t[i].last);
		if (*t[i].enh == '\0')
			CHECK_INT(rp.enh, 0);
		else {
			n = protocol_enhanced(buf, rp.enh);
			CHECK_MEM(buf, n, t[i].enh);
		}
	}
	/* the slice ends where it says, whatever follows it */
	CHECK_INT(protocol_reply("250 2.0.0 Ok", 9, &rp), 1);
	n = protocol_enhanced(buf, rp.enh);
	CHECK_MEM(buf, n, "2.0.0");
	CHECK_INT(protocol_reply("250 2.0.0 Ok", 8, &rp), 1);
	CHECK_INT(rp.enh, 0);
	CHECK_INT(protocol_reply(NULL, 0, &rp), 0);
}

/*
 * The header's fast paths (fixed shapes read without a scan, digits and
 * hex eight at a time) against the general ones: same values, same
 * errors, at every edge of their shapes.
 */
static void
test_fast_paths(void)
{
	static const char *evs[] = {
		"link-connect", "link-greeting", "link-identify", "link-tls",
		"link-auth", "link-disconnect", "tx-reset", "tx-begin",
		"tx-mail", "tx-rcpt", "tx-envelope", "tx-data", "tx-commit",
		"tx-rollback", "protocol-client", "protocol-server",
		"filter-report", "filter-response", "timeout"
	};
	char	 line[256];
	size_t	 i;
	int	 c;

	/* every event name found; near misses are unknown, never another */
	for (i = 0; i < sizeof(evs) / sizeof(evs[0]); i++) {
		CHECK_INT(protocol_event(evs[i], strlen(evs[i])), (int)i);
		CHECK_INT(protocol_event(evs[i], strlen(evs[i]) - 1),
		    RPT_UNKNOWN);
		snprintf(line, sizeof(line), "%sx", evs[i]);
		CHECK_INT(protocol_event(line, strlen(line)), RPT_UNKNOWN);
		snprintf(line, sizeof(line), "%s", evs[i]);
		line[strlen(line) / 2] ^= 0x20;
		CHECK_INT(protocol_event(line, strlen(line)), RPT_UNKNOWN);
	}
	CHECK_INT(protocol_event("unknown", 7), RPT_UNKNOWN);
	CHECK_INT(protocol_event("", 0), RPT_UNKNOWN);
	CHECK_INT(protocol_event("tx-mai", 6), RPT_UNKNOWN);

	/* two-digit minor versions and a bare major: the general path */
	CHECK_INT(parse("report|0.10|1700000000.101010|smtp-in|timeout|"
	    "7a1c3e50b12f9d04"), 0);
	CHECK_INT(r.version, 10);
	CHECK_INT(r.unknown, 1);
	CHECK_INT(parse("report|1|1700000000.101010|smtp-in|timeout|"
	    "7a1c3e50b12f9d04"), 0);
	CHECK_INT(r.version, 1000);
	CHECK_INT(parse("report|0.x|1700000000.101010|smtp-in|timeout|"
	    "7a1c3e50b12f9d04"), -1);
	CHECK_STR(errstr, "bad version");

	/* timestamps: every digit position checked, shorter and longer */
	for (i = 0; i < 17; i++) {
		if (i == 10)
			continue;
		snprintf(line, sizeof(line), "report|0.7|1700000000.101010|"
		    "smtp-in|timeout|7a1c3e50b12f9d04");
		line[11 + i] = "x/:|"[i % 4];
		CHECK_INT(parse(line), -1);
		CHECK_STR(errstr, "bad timestamp");
	}
	CHECK_INT(parse("report|0.7|170000000.101010|smtp-in|timeout|"
	    "7a1c3e50b12f9d04"), 0);
	CHECK_INT(r.time_us, 170000000101010LL);
	CHECK_INT(parse("report|0.7|17000000000.101010|smtp-in|timeout|"
	    "7a1c3e50b12f9d04"), 0);
	CHECK_INT(r.time_us, 17000000000101010LL);
	CHECK_INT(parse("report|0.7|9999999999.999999|smtp-in|timeout|"
	    "7a1c3e50b12f9d04"), 0);
	CHECK_INT(r.time_us, 9999999999999999LL);
	CHECK_INT(parse("report|0.7|0000000000.000000|smtp-in|timeout|"
	    "7a1c3e50b12f9d04"), 0);
	CHECK_INT(r.time_us, 0);
	CHECK_INT(parse("report|0.7|1700000000,101010|smtp-in|timeout|"
	    "7a1c3e50b12f9d04"), -1);

	/* subsystems: the two known ones, a prefix, one longer */
	CHECK_INT(parse("report|0.7|1700000000.101010|smtp-inx|timeout|"
	    "7a1c3e50b12f9d04"), 0);
	CHECK_INT(r.subsys, SUB_OTHER);
	CHECK_SLICE(r.subsys_name, "smtp-inx");
	CHECK_INT(parse("report|0.7|1700000000.101010|smtp-outx|timeout|"
	    "7a1c3e50b12f9d04"), 0);
	CHECK_INT(r.subsys, SUB_OTHER);
	CHECK_INT(parse("report|0.7|1700000000.101010|smtp-out|timeout|"
	    "7a1c3e50b12f9d04"), 0);
	CHECK_INT(r.subsys, SUB_SMTP_OUT);
	CHECK_SLICE(r.subsys_name, "smtp-out");

	/* session ids: each hex digit's neighbours in ASCII, upper case */
	for (i = 0; i < 16; i++)
		for (c = 0; c < 6; c++) {
			snprintf(line, sizeof(line), "report|0.7|"
			    "1700000000.101010|smtp-in|timeout|"
			    "0123456789abcdef");
			line[strlen(line) - 16 + i] = "/:`gAF"[c];
			CHECK_INT(parse(line), -1);
			CHECK_STR(errstr, "bad session id");
		}
	CHECK_INT(parse("report|0.7|1700000000.101010|smtp-in|timeout|"
	    "0123456789abcdef"), 0);
	CHECK(r.id == 0x0123456789abcdefULL);
	CHECK_INT(parse("report|0.7|1700000000.101010|smtp-in|timeout|"
	    "ffffffffffffffff|x"), 0);
	CHECK(r.id == UINT64_MAX);
	CHECK_INT(r.has_params, 1);
	CHECK_SLICE(r.params, "x");
	CHECK_INT(parse("report|0.7|1700000000.101010|smtp-in|timeout|"
	    "0123456789abcdef0"), -1);
	CHECK_INT(parse("report|0.7|1700000000.101010|smtp-in|timeout|"
	    "0123456789abcde"), -1);
	CHECK_INT(parse("report|0.7|1700000000.101010|smtp-in|timeout|"
	    "0123456789abcdef|"), 0);
	CHECK_INT(r.has_params, 1);
	CHECK_INT(r.params.len, 0);
	/* message and envelope ids the same way */
	CHECK_INT(parse(HDR("0.7", "tx-envelope") "|5d2f9a0g|5d2f9a01c3b4e5f6"),
	    -1);
	CHECK_STR(errstr, "bad message id");
	CHECK_INT(parse(HDR("0.7", "tx-envelope") "|5d2f9a01|5d2f9a01c3b4e5F6"),
	    -1);
	CHECK_STR(errstr, "bad envelope id");
	CHECK_INT(parse(HDR("0.7", "tx-envelope") "|00000000|ffffffff00000000"),
	    0);
	CHECK(r.evpid == 0xffffffff00000000ULL);
	CHECK_INT(r.msgid, 0);
}

int
main(void)
{
	test_header();
	test_bad_lines();
	test_events_07();
	test_version_rows();
	test_names();
	test_words();
	test_reply();
	test_fast_paths();
	return (check_done("test_protocol"));
}
