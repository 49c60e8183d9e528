/*
 * Unit tests of sha256.c and privacy.c: the FIPS 180-4 / NIST SHA-256
 * vectors, all seven RFC 4231 HMAC-SHA256 cases, then the pseudonyms,
 * address splitting, ip prefixes and the free-text scrubber of -P.
 */

#define _GNU_SOURCE	/* memmem */
#include <stdlib.h>
#include <string.h>

#include "filter-jsonlog.h"
#include "check.h"

static const char *
hexof(const unsigned char *p, size_t n)
{
	static char	 buf[2 * SHA256_LEN + 1];
	size_t		 i;

	for (i = 0; i < n; i++)
		snprintf(buf + 2 * i, 3, "%02x", p[i]);
	buf[2 * n] = '\0';
	return (buf);
}

static const char *
sha(const void *p, size_t n)
{
	struct sha256	 c;
	unsigned char	 h[SHA256_LEN];

	sha256_init(&c);
	sha256_update(&c, p, n);
	sha256_final(&c, h);
	return (hexof(h, sizeof(h)));
}

/* The same message fed in pieces of every size from 1 to 130 bytes. */
static int
sha_pieces(const char *p, size_t n, const char *want)
{
	struct sha256	 c;
	unsigned char	 h[SHA256_LEN];
	size_t		 step, i, k;

	for (step = 1; step <= 130; step++) {
		sha256_init(&c);
		for (i = 0; i < n; i += k) {
			k = n - i < step ? n - i : step;
			sha256_update(&c, p + i, k);
		}
		sha256_final(&c, h);
		if (strcmp(hexof(h, sizeof(h)), want) != 0)
			return (0);
	}
	return (1);
}

static const char *
mac(const void *k, size_t kl, const void *m, size_t ml, size_t outlen)
{
	unsigned char	 h[SHA256_LEN];

	hmac_sha256(k, kl, m, ml, h);
	return (hexof(h, outlen));
}

static void
test_sha256(void)
{
	static const char m448[] =
	    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	static const char m896[] =
	    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
	    "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	struct sha256	 c;
	unsigned char	 h[SHA256_LEN];
	char		*a;
	int		 i;

	CHECK_STR(sha("", 0), "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
	CHECK_STR(sha("abc", 3), "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	CHECK_STR(sha(m448, sizeof(m448) - 1), "248d6a61d20638b8e5c026930c3e6039"
	    "a33ce45964ff2167f6ecedd419db06c1");
	CHECK_STR(sha(m896, sizeof(m896) - 1), "cf5b16a778af8380036ce59e7b049237"
	    "0b249b11e8f07a51afac45037afee9d1");
	CHECK(sha_pieces(m896, sizeof(m896) - 1, "cf5b16a778af8380036ce59e7b04"
	    "92370b249b11e8f07a51afac45037afee9d1"));
	CHECK(sha_pieces(m448, sizeof(m448) - 1, "248d6a61d20638b8e5c026930c3e"
	    "6039a33ce45964ff2167f6ecedd419db06c1"));
	/* one million 'a', in one piece and in pieces of 1000 */
	a = malloc(1000000);
	memset(a, 'a', 1000000);
	CHECK_STR(sha(a, 1000000), "cdc76e5c9914fb9281a1c7e284d73e67"
	    "f1809a48a497200e046d39ccc7112cd0");
	sha256_init(&c);
	for (i = 0; i < 1000; i++)
		sha256_update(&c, a, 1000);
	sha256_final(&c, h);
	CHECK_STR(hexof(h, sizeof(h)), "cdc76e5c9914fb9281a1c7e284d73e67"
	    "f1809a48a497200e046d39ccc7112cd0");
	free(a);
	/* 55, 56 and 64 bytes: the padding's edges */
	CHECK_STR(sha("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 55),
	    "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
	CHECK_STR(sha("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 56),
	    "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
}

static void
test_hmac(void)
{
	unsigned char	 k[131], d[50];
	char		 h64[2 * SHA256_LEN + 1];
	size_t		 i;

	/* RFC 4231 4.2 - 4.8 */
	memset(k, 0x0b, 20);
	CHECK_STR(mac(k, 20, "Hi There", 8, 32), "b0344c61d8db38535ca8afceaf0bf12b"
	    "881dc200c9833da726e9376c2e32cff7");
	CHECK_STR(mac("Jefe", 4, "what do ya want for nothing?", 28, 32),
	    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	memset(k, 0xaa, 20);
	memset(d, 0xdd, 50);
	CHECK_STR(mac(k, 20, d, 50, 32), "773ea91e36800e46854db8ebd09181a7"
	    "2959098b3ef8c122d9635514ced565fe");
	for (i = 0; i < 25; i++)
		k[i] = (unsigned char)(i + 1);
	memset(d, 0xcd, 50);
	CHECK_STR(mac(k, 25, d, 50, 32), "82558a389a443c0ea4cc819899f2083a"
	    "85f0faa3e578f8077a2e3ff46729665b");
	memset(k, 0x0c, 20);
	CHECK_STR(mac(k, 20, "Test With Truncation", 20, 16),
	    "a3b6167473100ee06e0c796c2955552b");
	memset(k, 0xaa, 131);
	CHECK_STR(mac(k, 131, "Test Using Larger Than Block-Size Key - Hash Key "
	    "First", 54, 32), "60e431591ee0b67f0d8a26aacbf5b77f"
	    "8e0bc6213728c5140546040f0ee37f54");
	CHECK_STR(mac(k, 131, "This is a test using a larger than block-size key "
	    "and a larger than block-size data. The key needs to be hashed "
	    "before being used by the HMAC algorithm.", 152, 32),
	    "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
	/* a 64-byte key is used as it is, a 65-byte one hashed */
	memset(k, 0x11, 65);
	snprintf(h64, sizeof(h64), "%s", mac(k, 64, "x", 1, 32));
	CHECK(strcmp(h64, mac(k, 65, "x", 1, 32)) != 0);
	CHECK(strcmp(h64, mac(k, 64, "x", 1, 32)) == 0);
}

#define TKEY	"0123456789abcdef"

/* The pseudonym by the book: HMAC(key, kind NUL lower(s)), 8 bytes. */
static const char *
want_tok(char kind, const char *s)
{
	static char	 out[80];
	unsigned char	 m[256], h[SHA256_LEN];
	size_t		 n = strlen(s), i;

	m[0] = (unsigned char)kind;
	m[1] = 0;
	for (i = 0; i < n; i++)
		m[2 + i] = (s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i];
	hmac_sha256(TKEY, 16, m, n + 2, h);
	snprintf(out, sizeof(out), "%c.%s", kind, hexof(h, 8));
	return (out);
}

#define ADDR(in, want) do {						\
	char	 b_[PRIV_ADDR_MAX(sizeof(in))];				\
	CHECK_MEM(b_, priv_addr(b_, in, sizeof(in) - 1, NULL), want);		\
} while (0)
#define USER(in, want) do {						\
	char	 b_[PRIV_ADDR_MAX(sizeof(in))];				\
	CHECK_MEM(b_, priv_user(b_, in, sizeof(in) - 1, NULL), want);		\
} while (0)

static void
test_pseudonyms(void)
{
	char	 w[256];
	int	 i, bad;

	privacy.flags = PRIV_LOCAL;
	hmac_sha256_key(&privacy.mac, TKEY, 16);
	/* checked with Python's hmac: the format is fixed */
	ADDR("alice@example.com", "p.b24a1ae63474a824@example.com");
	ADDR("Alice@Example.COM", "p.b24a1ae63474a824@Example.COM");
	ADDR("alice", "p.b24a1ae63474a824");
	ADDR("caf\xc3\xa9@x.test", "p.572b2e98fc4f5e3d@x.test");
	ADDR("a|b@x.test", "p.9c4bb47eae5a5f91@x.test");
	ADDR("<>", "<>");
	ADDR("", "");
	ADDR("@example.com", "@example.com");
	snprintf(w, sizeof(w), "%s@", want_tok('p', "alice"));
	ADDR("alice@", w);
	/* the last '@' splits: a quoted local part may hold one */
	snprintf(w, sizeof(w), "%s@x.test", want_tok('p', "\"a@b\""));
	ADDR("\"a@b\"@x.test", w);
	snprintf(w, sizeof(w), "%s@x.test", want_tok('p', "Bob.Smith+tag"));
	ADDR("Bob.Smith+tag@x.test", w);
	/* a domain that is an address: kept, but cut with -P ip */
	ADDR("alice@[192.0.2.7]", "p.b24a1ae63474a824@[192.0.2.7]");
	privacy.flags = PRIV_LOCAL | PRIV_IP;
	ADDR("alice@[192.0.2.7]", "p.b24a1ae63474a824@[192.0.2.0]");
	ADDR("alice@[IPv6:2001:db8:1:2::3]",
	    "p.b24a1ae63474a824@[IPv6:2001:db8:1::]");
	ADDR("alice@192.0.2.7", "p.b24a1ae63474a824@192.0.2.0");
	ADDR("alice@[::ffff:0:0]", "p.b24a1ae63474a824@[::ffff:0.0.0.0]");
	ADDR("alice@[not.an.ip]", "p.b24a1ae63474a824@[not.an.ip]");
	ADDR("alice@[]", "p.b24a1ae63474a824@[]");
	ADDR("alice@", "p.b24a1ae63474a824@");
	privacy.flags = PRIV_LOCAL;

	/* user names: -P user pseudonymizes, -P local only an address */
	USER("alice", "alice");
	USER("alice@example.com", "p.b24a1ae63474a824@example.com");
	privacy.flags = PRIV_USER;
	USER("alice", "u.cda6a07f4feeffc5");
	USER("ALICE", "u.cda6a07f4feeffc5");
	snprintf(w, sizeof(w), "%s@example.com", want_tok('u', "alice"));
	USER("alice@example.com", w);
	USER("@", want_tok('u', "@"));
	/* the pseudonym cache: 3000 names, twice, all as the book says */
	privacy.flags = PRIV_LOCAL;
	for (i = 0, bad = 0; i < 6000; i++) {
		char	 nm[64], b[PRIV_ADDR_MAX(64)];
		size_t	 bl;

		snprintf(nm, sizeof(nm), "%s%d", i % 2 ? "Name" : "x", i % 3000);
		bl = priv_addr(b, nm, strlen(nm), NULL);
		if (bl != PRIV_TOKEN || memcmp(b, want_tok('p', nm), bl) != 0)
			bad++;
	}
	CHECK_INT(bad, 0);
	privacy.flags = PRIV_USER;
	/* another key, other pseudonyms */
	hmac_sha256_key(&privacy.mac, "another key, 16+", 16);
	USER("alice", "u.808a26939c851bef");
	hmac_sha256_key(&privacy.mac, TKEY, 16);
	USER("alice", "u.cda6a07f4feeffc5");
}

#define IP(in, want) do {						\
	char	 b_[64];						\
	int	 n_ = priv_ip(b_, sizeof(b_), in, sizeof(in) - 1);	\
	CHECK_MEM(n_ >= 0 ? b_ : "(none)", n_ >= 0 ? n_ : 6, want);	\
} while (0)

static void
test_ip(void)
{
	char	 big[200];

	IP("192.0.2.77", "192.0.2.0");
	IP("10.1.2.255", "10.1.2.0");
	IP("0.0.0.0", "0.0.0.0");
	IP("2001:db8:1234:5678:9abc::1", "2001:db8:1234::");
	IP("2001:DB8:1:2::3", "2001:db8:1::");
	IP("fe80::1%eth0", "fe80::");
	IP("::1", "::");
	IP("::", "::");
	IP("::ffff:192.0.2.77", "::ffff:192.0.2.0");
	IP("2002:c000:024d::1", "2002:c000:200::");	/* 6to4 of 192.0.2.77 */
	IP("1.2.3", "(none)");
	IP("1.2.3.4.5", "(none)");
	IP("256.1.1.1", "(none)");
	IP("localhost", "(none)");
	IP("", "(none)");
	IP("12:34:56", "(none)");
	IP("1.2.3.4:25", "(none)");
	memset(big, '1', sizeof(big));
	CHECK_INT(priv_ip(big, 64, big, sizeof(big)), -1);
	memset(big, ':', 60);
	CHECK_INT(priv_ip(big, 64, big, 60), -1);
}

static struct session	 sess;

#define TEXT(in, want) do {						\
	struct slice t_ = priv_text(&sess, in, sizeof(in) - 1);		\
	CHECK_SLICE(t_, want);						\
} while (0)

static void
test_text(void)
{
	char		 w[512], *big;
	struct slice	 t;
	size_t		 i, n;

	memset(&sess, 0, sizeof(sess));
	sess.subsys = SUB_SMTP_IN;
	privacy.flags = 0;
	TEXT("MAIL FROM:<alice@x.test>", "MAIL FROM:<alice@x.test>");

	privacy.flags = PRIV_LOCAL;
	TEXT("MAIL FROM:<Alice@Example.com> SIZE=10",
	    "MAIL FROM:<p.b24a1ae63474a824@Example.com> SIZE=10");
	TEXT("MAIL FROM:<caf\xc3\xa9@x.test>",
	    "MAIL FROM:<p.572b2e98fc4f5e3d@x.test>");
	TEXT("MAIL FROM:<a|b@x.test>", "MAIL FROM:<p.9c4bb47eae5a5f91@x.test>");
	TEXT("MAIL FROM:<>", "MAIL FROM:<>");
	/* -P ip alone: local parts as they are, domain literals cut */
	privacy.flags = PRIV_IP;
	TEXT("MAIL FROM:<alice@[198.51.100.23]>",
	    "MAIL FROM:<alice@[198.51.100.0]>");
	TEXT("to alice@198.51.100.23", "to alice@198.51.100.0");
	TEXT("to alice@example.com", "to alice@example.com");
	ADDR("alice@[192.0.2.7]", "alice@[192.0.2.0]");
	privacy.flags = PRIV_LOCAL | PRIV_IP;
	TEXT("MAIL FROM:<alice@[198.51.100.23]>",
	    "MAIL FROM:<p.b24a1ae63474a824@[198.51.100.0]>");
	TEXT("from alice@198.51.100.23.", "from p.b24a1ae63474a824@198.51.100.0.");
	/* no blank in a domain: "<…>" is no address then, word by word */
	TEXT("<alice@x 198.51.100.23>", "<p.b24a1ae63474a824@x 198.51.100.0>");
	snprintf(w, sizeof(w), "<%s@x.test>", want_tok('p', "a b"));
	TEXT("<a b@x.test>", w);
	/* a domain equal to the hidden rdns */
	sess.priv_rdns = priv_name_hash("host.example.net", 16);
	TEXT("<alice@HOST.example.net>", "<p.b24a1ae63474a824@[rdns]>");
	TEXT("alice@host.example.net", "p.b24a1ae63474a824@[rdns]");
	sess.subsys = SUB_SMTP_OUT;
	TEXT("alice@host.example.net", "p.b24a1ae63474a824@host.example.net");
	sess.subsys = SUB_SMTP_IN;
	sess.priv_rdns = 0;
	privacy.flags = PRIV_LOCAL;
	TEXT("550 5.1.1 <alice@example.com>: Recipient rejected",
	    "550 5.1.1 <p.b24a1ae63474a824@example.com>: Recipient rejected");
	TEXT("rcpt to:alice@example.com", "rcpt to:p.b24a1ae63474a824@example.com");
	TEXT("sender alice@example.com, ok.",
	    "sender p.b24a1ae63474a824@example.com, ok.");
	TEXT("alice@example.com|b", "p.b24a1ae63474a824@example.com|b");
	/* a '|' before an '@' is the local part's: hidden with it */
	snprintf(w, sizeof(w), "x %s@example.net|y", want_tok('p', "a|frank|pipe"));
	TEXT("x a|frank|pipe@example.net|y", w);
	snprintf(w, sizeof(w), "%s@y|192.0.2.0", want_tok('p', "a@x|b"));
	privacy.flags = PRIV_LOCAL | PRIV_IP;
	TEXT("a@x|b@y|192.0.2.9", w);
	privacy.flags = PRIV_LOCAL;
	snprintf(w, sizeof(w), "from %s@x.test here", want_tok('p', "\"a b\""));
	TEXT("from \"a b\"@x.test here", w);
	TEXT("no address here [192.0.2.7]", "no address here [192.0.2.7]");
	/* an unclosed '<' and a lone '@' */
	TEXT("<alice", "<alice");
	TEXT("@ x", "@ x");

	privacy.flags = PRIV_IP;
	sess.priv_rdns = priv_name_hash("host.example.net", 16);
	TEXT("250-lab.test Hello tls-client.example [192.0.2.77], pleased",
	    "250-lab.test Hello tls-client.example [192.0.2.0], pleased");
	TEXT("from 2001:db8:1234:5678::1.", "from 2001:db8:1234::.");
	TEXT("EHLO [IPv6:2001:db8:1:2::3]", "EHLO [IPv6:2001:db8:1::]");
	TEXT("client 198.51.100.7:2525 said", "client 198.51.100.0:2525 said");
	TEXT("rdns host.example.net ok", "rdns [rdns] ok");
	TEXT("rdns HOST.Example.NET.", "rdns [rdns].");
	TEXT("version 2.0.0 and 12:30:45", "version 2.0.0 and 12:30:45");
	TEXT("a|192.0.2.9|b", "a|192.0.2.0|b");
	TEXT("link fe80::1%eth0 up", "link fe80:: up");
	TEXT("deadbeef cafe:: beef", "deadbeef cafe:: beef");
	/* smtp-out: the remote MX's address is no client's */
	sess.subsys = SUB_SMTP_OUT;
	TEXT("220 [192.0.2.77] ok", "220 [192.0.2.77] ok");
	sess.subsys = SUB_SMTP_IN;

	privacy.flags = PRIV_USER;
	sess.priv_user = priv_name_hash("alice", 5);
	TEXT("auth user alice failed", "auth user u.cda6a07f4feeffc5 failed");
	TEXT("auth user alice2 failed", "auth user alice2 failed");

	/* overlong: 20000 addresses, 8-bit bytes, '|' */
	privacy.flags = PRIV_LOCAL | PRIV_IP;
	n = 20000 * 8;
	big = malloc(n);
	for (i = 0; i < n; i += 8)
		memcpy(big + i, "\xffx@y.z| ", 8);
	t = priv_text(&sess, big, n);
	snprintf(w, sizeof(w), "%s@y.z| ", want_tok('p', "\xffx"));
	CHECK_INT(t.len, 20000 * strlen(w));
	CHECK(t.len >= strlen(w) && memcmp(t.p, w, strlen(w)) == 0);
	CHECK(memmem(t.p, t.len, "\xffx@", 3) == NULL);
	/* one token of 64 KB with an '@': a long local part */
	memset(big, 'a', 65536 > n ? n : 65536);
	big[65535] = '@';
	t = priv_text(&sess, big, 65536);
	CHECK_INT(t.len, PRIV_TOKEN + 1);
	free(big);
}

#define LINE(ev, in, want) do {						\
	struct report r_;						\
	struct slice l_ = { in, sizeof(in) - 1 }, t_;			\
	memset(&r_, 0, sizeof(r_));					\
	r_.event = (ev);						\
	t_ = priv_line(&sess, &r_, &l_);				\
	CHECK_SLICE(t_, want);						\
} while (0)
#define CL(in, want)	LINE(RPT_PROTOCOL_CLIENT, in, want)
#define SV(in, want)	LINE(RPT_PROTOCOL_SERVER, in, want)

static void
test_line(void)
{
	unsigned int	 f;
	const char	*e;

	memset(&sess, 0, sizeof(sess));
	sess.subsys = SUB_SMTP_IN;
	privacy.flags = PRIV_LOCAL;
	CL("MAIL FROM:<alice@example.com>",
	    "MAIL FROM:<p.b24a1ae63474a824@example.com>");
	privacy.flags = PRIV_PROTO;
	CL("MAIL FROM:<alice@example.com> SIZE=1", "MAIL FROM:");
	CL("rcpt to:<alice@example.com>", "rcpt to:");
	CL("RCPT TO:alice@example.com", "RCPT TO:");
	CL("MAIL alice@example.com", "MAIL");
	CL("EHLO client.example", "EHLO");
	CL("  HELO [192.0.2.7]", "HELO");
	CL("QUIT", "QUIT");
	CL("STARTTLS", "STARTTLS");
	CL("AUTH PLAIN AGFsaWNlAHNlY3JldA==", "AUTH");
	CL("garbage alice@example.com", "?");
	CL("alice@example.com", "?");
	CL("", "?");
	CL(".", ".");
	CL(".x", "?");
	SV("250-2.0.0 Ok", "250-2.0.0");
	SV("550 5.7.1 <alice@example.com>: refused", "550 5.7.1");
	SV("250 HELP", "250");
	SV("250-8BITMIME", "250-");
	SV("220", "220");
	SV("354 End data with <CR><LF>.<CR><LF>", "354");
	SV("550 4.7.1 mismatched class", "550");
	SV("421 4.3.0 temporary", "421 4.3.0");
	SV("250 2.1.0", "250 2.1.0");
	SV("250 2.1.0x", "250");
	SV("250 2.1234.0 long", "250");
	SV("hello alice@example.com", "?");
	SV("25", "?");
	SV("2500 x", "?");

	CHECK_INT(privacy_parse("local,ip", &f, &e), 0);
	CHECK_INT(f, PRIV_LOCAL | PRIV_IP);
	CHECK_INT(privacy_parse("all", &f, &e), 0);
	CHECK_INT(f, PRIV_LOCAL | PRIV_USER | PRIV_IP | PRIV_PROTO);
	CHECK_INT(privacy_parse("proto", &f, &e), 0);
	CHECK_INT(f, PRIV_PROTO);
	CHECK_INT(privacy_parse("", &f, &e), -1);
	CHECK_INT(privacy_parse("local,", &f, &e), -1);
	CHECK_INT(privacy_parse("local,names", &f, &e), -1);
	CHECK_INT(privacy_parse("LOCAL", &f, &e), -1);
}

int
main(void)
{
	test_sha256();
	test_hmac();
	test_pseudonyms();
	test_ip();
	test_text();
	test_line();
	return (check_done("test_privacy"));
}
