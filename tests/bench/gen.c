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
 * Bench stream generator: writes the config handshake and then a
 * deterministic (seeded), interleaved report stream shaped like what a
 * busy smtpd sends to a report filter (protocol 0.6 or 0.7, see
 * shared/protocol.md §3).  Each of k slots holds one session, driven by a
 * small state machine; the main loop picks a slot at random and lets its
 * session run until it waits for the peer (a "burst"), so events of one
 * SMTP round trip stay together as they do in real captures.
 *
 * Memory mode (-m n) opens n sessions and leaves each inside a
 * transaction with three recipients, then finishes them all.  With -w the
 * first part goes to a file and only the part to be measured to stdout.
 *
 * gen [-Hv] [-k sessions] [-m sessions] [-n events] [-p 0.6|0.7]
 *     [-s seed] [-w file]
 *   -n events	events in the (measured) stream, default 1000000
 *   -k n	sessions open at once, default 200
 *   -p ver	protocol 0.6 (default) or 0.7 (field orders differ)
 *   -s seed	same seed, same bytes; default 1
 *   -m n	memory mode: open n sessions (connected, TLS/AUTH on a share,
 *		EHLO, in a transaction with 3 recipients), then close all
 *   -w file	handshake and first part to file, the rest to stdout:
 *		with -m the opening; otherwise every slot advanced to a
 *		random point of a session (a steady state of k open ones)
 *   -H		no config handshake
 *   -v		counts per event to stderr
 */

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>

#define OBUF_SIZE	(1024 * 1024)
#define START_SEC	1767225600LL	/* 2026-01-01T00:00:00Z */
#define MEM_RCPTS	3

enum event {
	E_LINK_CONNECT,
	E_LINK_GREETING,
	E_LINK_IDENTIFY,
	E_LINK_TLS,
	E_LINK_AUTH,
	E_LINK_DISCONNECT,
	E_TX_RESET,
	E_TX_BEGIN,
	E_TX_MAIL,
	E_TX_RCPT,
	E_TX_ENVELOPE,
	E_TX_DATA,
	E_TX_COMMIT,
	E_TX_ROLLBACK,
	E_PROTOCOL_CLIENT,
	E_PROTOCOL_SERVER,
	E_FILTER_RESPONSE,
	E_TIMEOUT,
	E_MAX
};

static const char *event_names[E_MAX] = {
	"link-connect", "link-greeting", "link-identify", "link-tls",
	"link-auth", "link-disconnect", "tx-reset", "tx-begin", "tx-mail",
	"tx-rcpt", "tx-envelope", "tx-data", "tx-commit", "tx-rollback",
	"protocol-client", "protocol-server", "filter-response", "timeout"
};

/* Session states: each names the event the next step() emits. */
enum state {
	ST_FREE,
	/* smtp-in */
	I_CONNECT, I_FR_CONNECTED, I_BANNER, I_GREETING,
	I_HELO, I_FR_HELO, I_IDENTIFY, I_HELO_REPLY,
	I_TLS, I_FR_TLS, I_TLS_REPLY, I_LINK_TLS,
	I_AUTH, I_FR_AUTH, I_AUTH_334U, I_AUTH_USER, I_AUTH_334P,
	I_AUTH_PASS, I_LINK_AUTH, I_AUTH_REPLY,
	I_MAIL, I_FR_MAIL, I_MAIL_REJECT, I_MAIL_REPLY, I_TX_BEGIN,
	I_TX_MAIL,
	I_RCPT, I_FR_RCPT, I_RCPT_REJECT, I_TX_ENVELOPE, I_RCPT_REPLY,
	I_TX_RCPT,
	I_DATA, I_FR_DATA, I_DATA_REPLY, I_TX_DATA, I_DOT, I_FR_COMMIT,
	I_COMMIT_REPLY, I_TX_COMMIT,
	I_RSET, I_FR_RSET, I_RSET_REPLY,
	I_TIMEOUT_REPLY,
	I_QUIT, I_FR_QUIT, I_QUIT_REPLY,
	/* both */
	X_ROLLBACK, X_RESET, X_DISCONNECT, X_NEXT_TX,
	/* smtp-out */
	O_CONNECT, O_BANNER, O_GREETING, O_EHLO, O_IDENTIFY, O_EHLO_REPLY,
	O_TLS, O_TLS_REPLY, O_LINK_TLS,
	O_MAIL, O_MAIL_REPLY, O_TX_BEGIN, O_TX_MAIL,
	O_RCPT, O_TX_ENVELOPE, O_RCPT_REPLY, O_TX_RCPT,
	O_DATA, O_DATA_REPLY, O_TX_DATA, O_DOT, O_COMMIT_REPLY, O_TX_COMMIT,
	O_QUIT, O_QUIT_REPLY,
	ST_DONE,
	ST_MAX
};

/* Session flags. */
#define F_OUT		0x0001	/* smtp-out */
#define F_TLS		0x0002	/* will do STARTTLS */
#define F_TLS_DONE	0x0004
#define F_AUTH		0x0008	/* will AUTH */
#define F_AUTH_LOGIN	0x0010	/* AUTH LOGIN rather than PLAIN */
#define F_AUTH_FAIL	0x0020
#define F_HELO		0x0040	/* HELO rather than EHLO */
#define F_V6		0x0080
#define F_NORDNS	0x0100
#define F_LOWER		0x0200	/* client sends lower-case verbs */
#define F_TLS_RETRY	0x0400	/* smtp-out: TLS fails, reconnect */
#define F_ABORT		0x0800	/* this tx ends with a disconnect */
#define F_TIMEOUT	0x1000	/* ... through a timeout */
#define F_MEM		0x2000	/* memory mode: one tx, 3 rcpts, no fail */

/* Recipient fates. */
enum fate { RC_OK, RC_PERM, RC_TEMP, RC_FILTER };

struct sess {
	uint64_t	 rng;		/* per-session generator */
	uint64_t	 id;
	uint32_t	 msgid;
	uint32_t	 peer;		/* seed of the peer's names and address */
	uint32_t	 sender;	/* seed of the MAIL FROM address */
	uint32_t	 rcpt;		/* seed of the current recipient */
	uint16_t	 flags;
	uint16_t	 port;
	uint8_t		 state;
	uint8_t		 after;		/* state after X_RESET */
	uint8_t		 ntx;		/* transactions still to begin */
	uint8_t		 nrcpt;		/* recipients still to send */
	uint8_t		 nok;		/* accepted in this tx */
	uint8_t		 abort_at;	/* nrcpt value at which F_ABORT hits */
	uint8_t		 line;		/* line of a multi-line reply */
	uint8_t		 fate;
	uint8_t		 bounce;	/* MAIL FROM:<> */
	uint8_t		 mailrej;	/* MAIL FROM rejected by a filter */
	uint8_t		 commitrej;	/* commit rejected by a filter */
};

static void	 usage(void);
static long long parse_num(const char *, long long, long long, const char *);
static uint64_t	 rnd64(uint64_t *);
static uint32_t	 grnd(uint32_t);
static uint32_t	 srnd(struct sess *, uint32_t);
static uint32_t	 mix32(uint32_t);
static void	 out_flush(void);
static void	 out_set(int);
static void	 put(const char *, size_t);
static void	 put_str(const char *);
static void	 put_chr(char);
static void	 put_hex(uint64_t, int);
static void	 put_dec(unsigned long long);
static void	 put_ip(uint32_t, int);
static void	 put_addr(uint32_t);
static void	 put_helo(struct sess *);
static void	 put_verb(struct sess *, const char *);
static void	 ev(struct sess *, enum event);
static void	 ev_end(void);
static void	 ev_str(struct sess *, enum event, const char *);
static void	 ev_fr(struct sess *, const char *);
static void	 ev_msgid(struct sess *, enum event);
static void	 handshake(void);
static void	 sess_new(struct sess *, int);
static void	 tx_new(struct sess *);
static void	 rcpt_new(struct sess *);
static uint8_t	 next_tx(struct sess *);
static int	 waits(uint8_t);
static int	 rcpt_next(struct sess *);
static int	 step(struct sess *);
static int	 burst(struct sess *, unsigned long long);
static size_t	 sess_len(const struct sess *);
static void	 run_normal(void);
static void	 run_memory(void);
static void	 stats(void);

static const char *locals[] = {
	"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi",
	"ivan", "judy", "mallory", "niaj", "olivia", "peggy", "rupert",
	"sybil", "trent", "victor", "walter", "info", "sales", "support",
	"billing", "noreply", "newsletter", "postmaster", "hr", "admin",
	"office", "jobs", "j.doe", "first.last"
};
static const char *domains[] = {
	"example.org", "example.net", "example.com", "mail.example.org",
	"lists.example.net", "corp.example.com", "shop.example",
	"news.example", "bank.example", "example.de", "example.fr",
	"example.co.uk", "university.example.edu", "isp.example.net",
	"cloud.example.io", "mx.example"
};
/* Rare but legal shapes: quoting, 8-bit, '|' in a last field. */
static const char *odd_addrs[] = {
	"\"john smith\"@example.org", "j\xc3\xbcrgen@example.de",
	"o'brien@example.ie", "user+tag|x@example.org",
	"back\\slash@example.net", "UPPER.Case@Example.COM",
	"\xe6\x97\xa5\xe6\x9c\xac@example.jp", "a\tb@example.org"
};
#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static const char *server = "mx.example.org";
static const char *version = "0.6";
static int	 v07;
static int	 verbose;
static int	 nohandshake;
static uint64_t	 grng;		/* global generator: slots, clock, ids */
static uint64_t	 clock_us;
static uint32_t	 id_hi;		/* session id counter (upper half) */
static uint32_t	 msg_ctr;
static uint32_t	 msg_key;
static unsigned long long nev;	/* events written */
static unsigned long long ncount[E_MAX];
static unsigned long long nsess, nsess_out;
static int	 dry;		/* step without writing (sess_len) */

static char	 obuf[OBUF_SIZE];
static size_t	 olen;
static int	 ofd = STDOUT_FILENO;

static long long nevents = 1000000;
static long long nslots = 200;
static long long nmem;
static const char *warmfile;

int
main(int argc, char *argv[])
{
	long long seed = 1;
	int ch;

	while ((ch = getopt(argc, argv, "Hk:m:n:p:s:vw:")) != -1) {
		switch (ch) {
		case 'H':
			nohandshake = 1;
			break;
		case 'k':
			nslots = parse_num(optarg, 1, 10000000, "sessions");
			break;
		case 'm':
			nmem = parse_num(optarg, 1, 10000000, "sessions");
			break;
		case 'n':
			nevents = parse_num(optarg, 0, LLONG_MAX, "events");
			break;
		case 'p':
			if (strcmp(optarg, "0.6") == 0)
				v07 = 0;
			else if (strcmp(optarg, "0.7") == 0)
				v07 = 1;
			else {
				fprintf(stderr, "gen: protocol %s: want 0.6 or "
				    "0.7\n", optarg);
				exit(1);
			}
			version = v07 ? "0.7" : "0.6";
			break;
		case 's':
			seed = parse_num(optarg, 0, LLONG_MAX, "seed");
			break;
		case 'v':
			verbose = 1;
			break;
		case 'w':
			warmfile = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	grng = (uint64_t)seed * 0x9e3779b97f4a7c15ULL + 0x5eed;
	clock_us = (uint64_t)START_SEC * 1000000 + grnd(1000000);
	id_hi = (uint32_t)rnd64(&grng);
	msg_key = (uint32_t)rnd64(&grng);

	if (warmfile != NULL) {
		int fd;

		if ((fd = open(warmfile, O_WRONLY | O_CREAT | O_TRUNC,
		    0644)) == -1) {
			fprintf(stderr, "gen: %s: %s\n", warmfile,
			    strerror(errno));
			exit(1);
		}
		out_set(fd);
	}
	if (!nohandshake)
		handshake();
	if (nmem > 0)
		run_memory();
	else
		run_normal();
	out_flush();
	if (verbose)
		stats();
	return (0);
}

static void
usage(void)
{
	fprintf(stderr, "usage: gen [-Hv] [-k sessions] [-m sessions] "
	    "[-n events] [-p 0.6|0.7]\n           [-s seed] [-w file]\n");
	exit(1);
}

/* Parse a decimal option argument within [min, max] or exit. */
static long long
parse_num(const char *s, long long min, long long max, const char *what)
{
	char *ep;
	long long v;

	errno = 0;
	v = strtoll(s, &ep, 10);
	if (s[0] == '\0' || *ep != '\0' || errno == ERANGE || v < min ||
	    v > max) {
		fprintf(stderr, "gen: %s: bad %s (%lld..%lld)\n", s, what,
		    min, max);
		exit(1);
	}
	return (v);
}

/* One splitmix64 step: a fast generator with a 64-bit state. */
static uint64_t
rnd64(uint64_t *st)
{
	uint64_t z;

	z = (*st += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

/* Uniform in [0, n) from the global generator. */
static uint32_t
grnd(uint32_t n)
{
	return ((uint32_t)(((rnd64(&grng) >> 32) * n) >> 32));
}

/* Uniform in [0, n) from the session's own generator. */
static uint32_t
srnd(struct sess *s, uint32_t n)
{
	return ((uint32_t)(((rnd64(&s->rng) >> 32) * n) >> 32));
}

/* A bijection on 32 bits, so that distinct counters give distinct ids. */
static uint32_t
mix32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x85ebca77U;
	x ^= x >> 13;
	x *= 0xc2b2ae3dU;
	x ^= x >> 16;
	return (x);
}

/* ---- output ---------------------------------------------------------- */

static void
out_flush(void)
{
	size_t off = 0;
	ssize_t n;

	while (off < olen) {
		if ((n = write(ofd, obuf + off, olen - off)) == -1) {
			if (errno == EINTR)
				continue;
			/* A reader that went away is not our failure. */
			if (errno == EPIPE)
				exit(0);
			fprintf(stderr, "gen: write: %s\n", strerror(errno));
			exit(1);
		}
		off += (size_t)n;
	}
	olen = 0;
}

/* Switch the output descriptor, closing a warm-up file. */
static void
out_set(int fd)
{
	out_flush();
	if (ofd != STDOUT_FILENO && close(ofd) == -1) {
		fprintf(stderr, "gen: close: %s\n", strerror(errno));
		exit(1);
	}
	ofd = fd;
}

static void
put(const char *s, size_t len)
{
	if (dry)
		return;
	if (olen + len > sizeof(obuf))
		out_flush();
	memcpy(obuf + olen, s, len);
	olen += len;
}

static void
put_str(const char *s)
{
	put(s, strlen(s));
}

static void
put_chr(char c)
{
	put(&c, 1);
}

/* Lower-case hex, zero-padded to digits. */
static void
put_hex(uint64_t v, int digits)
{
	static const char hex[] = "0123456789abcdef";
	char b[16];
	int i;

	for (i = digits - 1; i >= 0; i--) {
		b[i] = hex[v & 0xf];
		v >>= 4;
	}
	put(b, (size_t)digits);
}

static void
put_dec(unsigned long long v)
{
	char b[24];
	int i = sizeof(b);

	do {
		b[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	put(b + i, sizeof(b) - (size_t)i);
}

/* A documentation-range address (RFC 5737 / RFC 3849) from a seed. */
static void
put_ip(uint32_t seed, int v6)
{
	static const char *nets[] = { "192.0.2.", "198.51.100.",
	    "203.0.113." };

	if (v6) {
		put_str("2001:db8:");
		put_hex((seed >> 16) & 0xfff, 3);
		put_str("::");
		put_hex(seed & 0xffff, 4);
		return;
	}
	put_str(nets[(seed >> 8) % NELEM(nets)]);
	put_dec(1 + (seed & 0xff) % 254);
}

/* local@domain from a seed; one in 64 is an odd but legal shape. */
static void
put_addr(uint32_t seed)
{
	if (((seed >> 26) & 0x3f) == 0) {
		put_str(odd_addrs[seed % NELEM(odd_addrs)]);
		return;
	}
	put_str(locals[seed % NELEM(locals)]);
	if (seed & 0x20000)
		put_dec((seed >> 5) % 1000);
	put_chr('@');
	put_str(domains[(seed >> 18) % NELEM(domains)]);
}

/* The name the client gives in HELO/EHLO. */
static void
put_helo(struct sess *s)
{
	uint32_t p = s->peer;

	switch ((p >> 12) % 8) {
	case 0:
		put_chr('[');
		put_ip(p, 0);
		put_chr(']');
		break;
	case 1:
		put_str("pc-");
		put_dec(p % 100000);
		put_str(".isp.example.net");
		break;
	default:
		put_str("mail");
		put_dec(p % 50);
		put_chr('.');
		put_str(domains[(p >> 4) % NELEM(domains)]);
		break;
	}
}

/* A command verb, lower-cased for the few clients that do that. */
static void
put_verb(struct sess *s, const char *verb)
{
	char b[32];
	size_t i, n;

	if ((s->flags & F_LOWER) == 0) {
		put_str(verb);
		return;
	}
	n = strlen(verb);
	if (n > sizeof(b))
		n = sizeof(b);
	for (i = 0; i < n; i++)
		b[i] = (verb[i] >= 'A' && verb[i] <= 'Z') ?
		    (char)(verb[i] - 'A' + 'a') : verb[i];
	put(b, n);
}

/* Start a report line: header up to the session id, clock advanced. */
static void
ev(struct sess *s, enum event e)
{
	uint64_t sec, usec;
	char b[6];
	int i;

	if (dry)
		return;
	clock_us += 1 + grnd(40);
	sec = clock_us / 1000000;
	usec = clock_us % 1000000;
	put_str("report|");
	put_str(version);
	put_chr('|');
	put_dec(sec);
	put_chr('.');
	for (i = 5; i >= 0; i--) {
		b[i] = (char)('0' + usec % 10);
		usec /= 10;
	}
	put(b, sizeof(b));
	put_str((s->flags & F_OUT) ? "|smtp-out|" : "|smtp-in|");
	put_str(event_names[e]);
	put_chr('|');
	put_hex(s->id, 16);
	ncount[e]++;
	nev++;
}

static void
ev_end(void)
{
	put_chr('\n');
}

/* An event with one constant parameter. */
static void
ev_str(struct sess *s, enum event e, const char *param)
{
	ev(s, e);
	put_chr('|');
	put_str(param);
	ev_end();
}

/* filter-response for a phase, value proceed. */
static void
ev_fr(struct sess *s, const char *phase)
{
	ev(s, E_FILTER_RESPONSE);
	put_chr('|');
	put_str(phase);
	put_str("|proceed");
	ev_end();
}

/* An event whose only parameter is the msgid. */
static void
ev_msgid(struct sess *s, enum event e)
{
	ev(s, e);
	put_chr('|');
	put_hex(s->msgid, 8);
	ev_end();
}

static void
handshake(void)
{
	put_str(v07 ? "config|smtpd-version|7.8.0\nconfig|protocol|0.7\n" :
	    "config|smtpd-version|6.8.0p2\n");
	put_str("config|smtp-session-timeout|300\n"
	    "config|subsystem|smtp-in\n"
	    "config|subsystem|smtp-out\n"
	    "config|admd|");
	put_str(server);
	put_str("\nconfig|ready\n");
}

/* ---- sessions -------------------------------------------------------- */

/* Fill a slot with a new session; mem selects the memory-mode shape. */
static void
sess_new(struct sess *s, int mem)
{
	uint32_t r;

	memset(s, 0, sizeof(*s));
	s->rng = rnd64(&grng);
	/* smtpd: a counter in the upper half, random bits below. */
	s->id = ((uint64_t)id_hi++ << 32) | (uint32_t)rnd64(&grng);
	s->peer = (uint32_t)rnd64(&s->rng);
	s->port = (uint16_t)(1024 + srnd(s, 64000));
	nsess++;

	if (!mem && srnd(s, 100) < 15) {
		s->flags = F_OUT;
		nsess_out++;
		if (srnd(s, 100) < 70)
			s->flags |= F_TLS;
		if ((s->flags & F_TLS) && srnd(s, 100) < 3)
			s->flags |= F_TLS_RETRY;
		s->ntx = (uint8_t)(1 + (srnd(s, 100) < 20) +
		    (srnd(s, 100) < 5));
		/* Now and then the MTA never gets a connection up. */
		s->state = srnd(s, 100) < 2 ? X_DISCONNECT : O_CONNECT;
		return;
	}

	s->state = I_CONNECT;
	if (srnd(s, 100) < 10)
		s->flags |= F_V6;
	if (srnd(s, 100) < 15)
		s->flags |= F_NORDNS;
	if (srnd(s, 100) < 3)
		s->flags |= F_LOWER;
	if (!mem && srnd(s, 100) < 3)
		s->flags |= F_HELO;
	else {
		if (srnd(s, 100) < 50)
			s->flags |= F_TLS;
		if ((s->flags & F_TLS) && srnd(s, 100) < 40) {
			s->flags |= F_AUTH;
			if (srnd(s, 100) < 30)
				s->flags |= F_AUTH_LOGIN;
			if (!mem && srnd(s, 100) < 5)
				s->flags |= F_AUTH_FAIL;
		}
	}
	if (mem) {
		s->flags |= F_MEM;
		s->ntx = 1;
		return;
	}
	r = srnd(s, 100);
	s->ntx = r < 10 ? 0 : r < 80 ? 1 : r < 95 ? 2 : 3;
}

/* Set up the next transaction: msgid, sender, recipients, its end. */
static void
tx_new(struct sess *s)
{
	uint32_t r;

	do {
		s->msgid = mix32(++msg_ctr ^ msg_key);
	} while (s->msgid == 0);
	s->sender = (uint32_t)rnd64(&s->rng);
	s->nok = 0;
	s->flags &= ~(F_ABORT | F_TIMEOUT);
	s->bounce = srnd(s, 100) < 5;
	s->mailrej = 0;
	s->commitrej = 0;
	if (s->flags & F_MEM) {
		s->nrcpt = MEM_RCPTS;
		return;
	}
	r = srnd(s, 100);
	if (r < 70)
		s->nrcpt = 1;
	else if (r < 85)
		s->nrcpt = (uint8_t)(2 + srnd(s, 4));
	else if (r < 95)
		s->nrcpt = (uint8_t)(6 + srnd(s, 15));
	else
		s->nrcpt = (uint8_t)(21 + srnd(s, 30));
	if (s->flags & F_OUT)
		return;
	s->mailrej = srnd(s, 100) < 2;
	s->commitrej = srnd(s, 100) < 1;
	if (srnd(s, 1000) < 35) {
		s->flags |= F_ABORT;
		if (srnd(s, 100) < 15)
			s->flags |= F_TIMEOUT;
		s->abort_at = (uint8_t)srnd(s, s->nrcpt);
	}
}

/* Pick the next recipient and what will become of it. */
static void
rcpt_new(struct sess *s)
{
	uint32_t r;

	s->rcpt = (uint32_t)rnd64(&s->rng);
	s->fate = RC_OK;
	if (s->flags & F_MEM)
		return;
	r = srnd(s, 100);
	if (s->flags & F_OUT) {
		/* The MTA only relays what the remote will probably take. */
		if (s->nok > 0 && r < 3)
			s->fate = r < 2 ? RC_PERM : RC_TEMP;
		return;
	}
	if (r < 10)
		s->fate = RC_PERM;
	else if (r < 12)
		s->fate = RC_TEMP;
	else if (r < 15)
		s->fate = RC_FILTER;
}

/* After a transaction: the next one or QUIT. */
static uint8_t
next_tx(struct sess *s)
{
	if (s->ntx > 0) {
		s->ntx--;
		tx_new(s);
		return ((s->flags & F_OUT) ? O_MAIL : I_MAIL);
	}
	return ((s->flags & F_OUT) ? O_QUIT : I_QUIT);
}

/*
 * After a recipient: the next one, or DATA (RSET when none was accepted).
 * Returns 2 when a memory-mode session is to be held open here, else 0.
 */
static int
rcpt_next(struct sess *s)
{
	if (--s->nrcpt > 0) {
		rcpt_new(s);
		s->state = (s->flags & F_OUT) ? O_RCPT : I_RCPT;
		return (0);
	}
	if (s->flags & F_OUT) {
		s->state = O_DATA;
		return (0);
	}
	if (s->flags & F_ABORT) {
		/* abort_at is 0: the client vanishes before DATA. */
		s->state = I_RCPT;
		return (0);
	}
	s->state = s->nok > 0 ? I_DATA : I_RSET;
	return ((s->flags & F_MEM) ? 2 : 0);
}

/* States before which the session waits for its peer. */
static int
waits(uint8_t st)
{
	switch (st) {
	case I_HELO: case I_TLS: case I_AUTH: case I_AUTH_USER:
	case I_AUTH_PASS: case I_MAIL: case I_RCPT: case I_DATA: case I_DOT:
	case I_RSET: case I_QUIT:
	case O_BANNER: case O_EHLO_REPLY: case O_TLS_REPLY:
	case O_MAIL_REPLY: case O_RCPT_REPLY: case O_DATA_REPLY:
	case O_COMMIT_REPLY: case O_QUIT_REPLY: case O_CONNECT:
	case ST_DONE:
		return (1);
	}
	return (0);
}

/* Emit the session's next event and move on; 1 when it has ended. */
static int
step(struct sess *s)
{
	static const char *ehlo_in[] = { "250-8BITMIME",
	    "250-ENHANCEDSTATUSCODES", "250-SIZE 36700160", "250-DSN" };
	uint8_t st = s->state;

	switch (st) {
	/* ---- smtp-in: connection, banner, HELO/EHLO ---- */
	case I_CONNECT:
		ev(s, E_LINK_CONNECT);
		put_chr('|');
		if (s->flags & F_NORDNS)
			put_str("<unknown>|fail|");
		else {
			put_str("mail");
			put_dec(s->peer % 50);
			put_chr('.');
			put_str(domains[(s->peer >> 4) % NELEM(domains)]);
			put_str("|pass|");
		}
		if (s->flags & F_V6) {
			put_chr('[');
			put_ip(s->peer, 1);
			put_chr(']');
		} else
			put_ip(s->peer, 0);
		put_chr(':');
		put_dec(s->port);
		put_str((s->flags & F_AUTH) ? "|198.51.100.5:587" :
		    "|198.51.100.5:25");
		ev_end();
		s->state = I_FR_CONNECTED;
		break;
	case I_FR_CONNECTED:
		ev_fr(s, "connected");
		s->state = I_BANNER;
		break;
	case I_BANNER:
		ev(s, E_PROTOCOL_SERVER);
		put_str("|220 ");
		put_str(server);
		put_str(" ESMTP OpenSMTPD");
		ev_end();
		s->state = I_GREETING;
		break;
	case I_GREETING:
		ev_str(s, E_LINK_GREETING, server);
		s->state = I_HELO;
		break;
	case I_HELO:
		ev(s, E_PROTOCOL_CLIENT);
		put_chr('|');
		put_verb(s, (s->flags & F_HELO) ? "HELO " : "EHLO ");
		put_helo(s);
		ev_end();
		s->state = I_FR_HELO;
		break;
	case I_FR_HELO:
		ev_fr(s, (s->flags & F_HELO) ? "helo" : "ehlo");
		s->state = I_IDENTIFY;
		break;
	case I_IDENTIFY:
		ev(s, E_LINK_IDENTIFY);
		put_str((s->flags & F_HELO) ? "|HELO|" : "|EHLO|");
		put_helo(s);
		ev_end();
		s->state = I_HELO_REPLY;
		s->line = 0;
		break;
	case I_HELO_REPLY:
		ev(s, E_PROTOCOL_SERVER);
		if (s->line == 0) {
			put_str((s->flags & F_HELO) ? "|250 " : "|250-");
			put_str(server);
			put_str(" Hello ");
			put_helo(s);
			put_str(" [");
			put_ip(s->peer, (s->flags & F_V6) != 0);
			put_str("], pleased to meet you");
		} else if (s->line <= NELEM(ehlo_in)) {
			put_chr('|');
			put_str(ehlo_in[s->line - 1]);
		} else if (s->line == NELEM(ehlo_in) + 1)
			put_str((s->flags & F_TLS_DONE) ?
			    "|250-AUTH PLAIN LOGIN" : "|250-STARTTLS");
		else
			put_str("|250 HELP");
		ev_end();
		s->line++;
		if ((s->flags & F_HELO) || s->line > NELEM(ehlo_in) + 2) {
			if ((s->flags & (F_TLS | F_TLS_DONE)) == F_TLS)
				s->state = I_TLS;
			else if (s->flags & F_AUTH)
				s->state = I_AUTH;
			else
				s->state = next_tx(s);
		}
		break;

	/* ---- smtp-in: STARTTLS ---- */
	case I_TLS:
		ev(s, E_PROTOCOL_CLIENT);
		put_chr('|');
		put_verb(s, "STARTTLS");
		ev_end();
		s->state = I_FR_TLS;
		break;
	case I_FR_TLS:
		ev_fr(s, "tls");
		s->state = I_TLS_REPLY;
		break;
	case I_TLS_REPLY:
		ev_str(s, E_PROTOCOL_SERVER, "220 2.0.0 Ready to start TLS");
		s->state = I_LINK_TLS;
		break;
	case I_LINK_TLS:
		ev_str(s, E_LINK_TLS, (s->peer & 3) ?
		    "TLSv1.3:TLS_AES_256_GCM_SHA384:256" :
		    "TLSv1.2:ECDHE-RSA-AES256-GCM-SHA384:256");
		s->flags |= F_TLS_DONE;
		s->state = I_HELO;
		break;

	/* ---- smtp-in: AUTH (the protocol lines arrive masked) ---- */
	case I_AUTH:
		ev(s, E_PROTOCOL_CLIENT);
		put_chr('|');
		put_str((s->flags & F_AUTH_LOGIN) ? "AUTH LOGIN" :
		    "AUTH PLAIN ********");
		ev_end();
		s->state = I_FR_AUTH;
		break;
	case I_FR_AUTH:
		ev_fr(s, "auth");
		s->state = (s->flags & F_AUTH_LOGIN) ? I_AUTH_334U :
		    I_LINK_AUTH;
		break;
	case I_AUTH_334U:
		ev_str(s, E_PROTOCOL_SERVER, "334 VXNlcm5hbWU6");
		s->state = I_AUTH_USER;
		break;
	case I_AUTH_USER:
		ev_str(s, E_PROTOCOL_CLIENT, "********");
		s->state = I_AUTH_334P;
		break;
	case I_AUTH_334P:
		ev_str(s, E_PROTOCOL_SERVER, "334 UGFzc3dvcmQ6");
		s->state = I_AUTH_PASS;
		break;
	case I_AUTH_PASS:
		ev_str(s, E_PROTOCOL_CLIENT, "********");
		s->state = I_LINK_AUTH;
		break;
	case I_LINK_AUTH: {
		const char *res = (s->flags & F_AUTH_FAIL) ? "fail" : "pass";

		ev(s, E_LINK_AUTH);
		put_chr('|');
		if (v07) {
			put_str(res);
			put_chr('|');
		}
		if (s->peer & 0x100)
			put_addr(s->peer);
		else {
			put_str("user");
			put_dec(s->peer % 10000);
		}
		if (!v07) {
			put_chr('|');
			put_str(res);
		}
		ev_end();
		s->state = I_AUTH_REPLY;
		break;
	}
	case I_AUTH_REPLY:
		ev_str(s, E_PROTOCOL_SERVER, (s->flags & F_AUTH_FAIL) ?
		    "535 Authentication failed" :
		    "235 2.0.0 Authentication succeeded");
		s->state = next_tx(s);
		break;

	/* ---- smtp-in: MAIL FROM ---- */
	case I_MAIL:
		ev(s, E_PROTOCOL_CLIENT);
		put_chr('|');
		put_verb(s, "MAIL FROM:<");
		if (!s->bounce)
			put_addr(s->sender);
		put_chr('>');
		if (s->sender & 0x10) {
			put_str(" SIZE=");
			put_dec(500 + (s->sender >> 8) % 200000);
		}
		if (s->sender & 0x20)
			put_str(" BODY=8BITMIME");
		ev_end();
		s->state = I_FR_MAIL;
		break;
	case I_FR_MAIL:
		if (s->mailrej) {
			ev_str(s, E_FILTER_RESPONSE, "mail-from|reject|"
			    "550 5.7.1 Sender rejected");
			s->state = I_MAIL_REJECT;
		} else {
			ev_fr(s, "mail-from");
			s->state = I_MAIL_REPLY;
		}
		break;
	case I_MAIL_REJECT:
		ev_str(s, E_PROTOCOL_SERVER, "550 5.7.1 Sender rejected");
		s->state = next_tx(s);
		break;
	case I_MAIL_REPLY:
		ev_str(s, E_PROTOCOL_SERVER, "250 2.0.0 Ok");
		s->state = I_TX_BEGIN;
		break;
	case I_TX_BEGIN:
		ev_msgid(s, E_TX_BEGIN);
		s->state = I_TX_MAIL;
		break;
	case I_TX_MAIL:
	case O_TX_MAIL:
		ev(s, E_TX_MAIL);
		put_chr('|');
		put_hex(s->msgid, 8);
		put_str("|ok|");
		if (!s->bounce)
			put_addr(s->sender);
		ev_end();
		rcpt_new(s);
		s->state = st == I_TX_MAIL ? I_RCPT : O_RCPT;
		break;

	/* ---- smtp-in: RCPT TO ---- */
	case I_RCPT:
		if ((s->flags & F_ABORT) && s->nrcpt == s->abort_at) {
			/* The client vanishes mid-transaction. */
			if (s->flags & F_TIMEOUT) {
				ev(s, E_TIMEOUT);
				ev_end();
				s->state = I_TIMEOUT_REPLY;
			} else {
				ev_msgid(s, E_TX_ROLLBACK);
				s->after = X_DISCONNECT;
				s->state = X_RESET;
			}
			break;
		}
		ev(s, E_PROTOCOL_CLIENT);
		put_chr('|');
		put_verb(s, "RCPT TO:<");
		put_addr(s->rcpt);
		put_chr('>');
		ev_end();
		s->state = I_FR_RCPT;
		break;
	case I_FR_RCPT:
		if (s->fate == RC_FILTER) {
			ev_str(s, E_FILTER_RESPONSE, "rcpt-to|reject|"
			    "550 5.7.1 Recipient rejected by policy");
			s->state = I_RCPT_REJECT;
			break;
		}
		ev_fr(s, "rcpt-to");
		s->state = s->fate == RC_OK ? I_TX_ENVELOPE : I_RCPT_REPLY;
		break;
	case I_RCPT_REJECT:
		ev_str(s, E_PROTOCOL_SERVER,
		    "550 5.7.1 Recipient rejected by policy");
		return (rcpt_next(s));
	case I_TX_ENVELOPE:
	case O_TX_ENVELOPE:
		ev(s, E_TX_ENVELOPE);
		put_chr('|');
		put_hex(s->msgid, 8);
		put_chr('|');
		put_hex(((uint64_t)s->msgid << 32) |
		    (uint32_t)rnd64(&s->rng), 16);
		ev_end();
		s->state = st == I_TX_ENVELOPE ? I_RCPT_REPLY : O_RCPT_REPLY;
		break;
	case I_RCPT_REPLY:
		ev(s, E_PROTOCOL_SERVER);
		if (s->fate == RC_OK)
			put_str("|250 2.1.5 Destination address valid: "
			    "Recipient ok");
		else if (s->fate == RC_PERM) {
			put_str("|550 Invalid recipient: <");
			put_addr(s->rcpt);
			put_chr('>');
		} else
			put_str("|451 4.3.0 Temporary failure");
		ev_end();
		s->state = I_TX_RCPT;
		break;
	case I_TX_RCPT:
	case O_TX_RCPT:
		ev(s, E_TX_RCPT);
		put_chr('|');
		put_hex(s->msgid, 8);
		put_str(s->fate == RC_OK ? "|ok|" : s->fate == RC_PERM ?
		    "|permfail|" : "|tempfail|");
		put_addr(s->rcpt);
		ev_end();
		if (s->fate == RC_OK)
			s->nok++;
		return (rcpt_next(s));

	/* ---- smtp-in: DATA and commit ---- */
	case I_DATA:
		ev(s, E_PROTOCOL_CLIENT);
		put_chr('|');
		put_verb(s, "DATA");
		ev_end();
		s->state = I_FR_DATA;
		break;
	case I_FR_DATA:
		ev_fr(s, "data");
		s->state = I_DATA_REPLY;
		break;
	case I_DATA_REPLY:
		ev_str(s, E_PROTOCOL_SERVER,
		    "354 Enter mail, end with \".\" on a line by itself");
		s->state = I_TX_DATA;
		break;
	case I_TX_DATA:
	case O_TX_DATA:
		ev(s, E_TX_DATA);
		put_chr('|');
		put_hex(s->msgid, 8);
		put_str("|ok");
		ev_end();
		s->state = st == I_TX_DATA ? I_DOT : O_DOT;
		break;
	case I_DOT:
		ev_str(s, E_PROTOCOL_CLIENT, ".");
		s->state = I_FR_COMMIT;
		break;
	case I_FR_COMMIT:
		if (s->commitrej)
			ev_str(s, E_FILTER_RESPONSE, "commit|reject|"
			    "550 5.7.1 Message content rejected");
		else
			ev_fr(s, "commit");
		s->state = I_COMMIT_REPLY;
		break;
	case I_COMMIT_REPLY:
		ev(s, E_PROTOCOL_SERVER);
		if (s->commitrej) {
			put_str("|550 5.7.1 Message content rejected");
			s->after = X_NEXT_TX;
			s->state = X_ROLLBACK;
		} else {
			put_str("|250 2.0.0 ");
			put_hex(s->msgid, 8);
			put_str(" Message accepted for delivery");
			s->state = I_TX_COMMIT;
		}
		ev_end();
		break;
	case I_TX_COMMIT:
	case O_TX_COMMIT:
		ev(s, E_TX_COMMIT);
		put_chr('|');
		put_hex(s->msgid, 8);
		put_chr('|');
		put_dec(300 + (s->sender >> 6) % 250000 + s->nok * 40);
		ev_end();
		s->after = X_NEXT_TX;
		s->state = X_RESET;
		break;

	/* ---- smtp-in: RSET, timeout, QUIT ---- */
	case I_RSET:
		ev(s, E_PROTOCOL_CLIENT);
		put_chr('|');
		put_verb(s, "RSET");
		ev_end();
		s->state = I_FR_RSET;
		break;
	case I_FR_RSET:
		ev_fr(s, "rset");
		s->after = I_RSET_REPLY;
		s->state = X_ROLLBACK;
		break;
	case I_RSET_REPLY:
		ev_str(s, E_PROTOCOL_SERVER, "250 2.0.0 Reset state");
		s->state = next_tx(s);
		break;
	case I_TIMEOUT_REPLY:
		ev(s, E_PROTOCOL_SERVER);
		put_str("|421 ");
		put_str(server);
		put_str(" Timeout exceeded");
		ev_end();
		s->after = X_DISCONNECT;
		s->state = X_ROLLBACK;
		break;
	case I_QUIT:
		ev(s, E_PROTOCOL_CLIENT);
		put_chr('|');
		put_verb(s, "QUIT");
		ev_end();
		s->state = I_FR_QUIT;
		break;
	case I_FR_QUIT:
		ev_fr(s, "quit");
		s->state = I_QUIT_REPLY;
		break;
	case I_QUIT_REPLY:
		ev_str(s, E_PROTOCOL_SERVER, "221 2.0.0 Bye");
		s->state = X_DISCONNECT;
		break;

	/* ---- both ---- */
	case X_ROLLBACK:
		ev_msgid(s, E_TX_ROLLBACK);
		s->state = X_RESET;
		break;
	case X_RESET:
		ev_msgid(s, E_TX_RESET);
		s->state = s->after == X_NEXT_TX ? next_tx(s) : s->after;
		break;
	case X_DISCONNECT:
		ev(s, E_LINK_DISCONNECT);
		ev_end();
		s->state = ST_DONE;
		return (1);

	/* ---- smtp-out ---- */
	case O_CONNECT:
		ev(s, E_LINK_CONNECT);
		put_chr('|');
		if ((s->peer & 0xf) != 0) {
			put_str("mx");
			put_dec(s->peer % 5);
			put_chr('.');
			put_str(domains[(s->peer >> 4) % NELEM(domains)]);
		}
		put_str("|pass|198.51.100.5:");
		put_dec(s->port);
		put_chr('|');
		put_ip(s->peer, 0);
		put_str(":25");
		ev_end();
		s->state = O_BANNER;
		break;
	case O_BANNER:
		ev(s, E_PROTOCOL_SERVER);
		put_str("|220 mx.");
		put_str(domains[(s->peer >> 4) % NELEM(domains)]);
		put_str(" ESMTP ready");
		ev_end();
		s->state = O_GREETING;
		break;
	case O_GREETING:
		ev(s, E_LINK_GREETING);
		put_str("|mx.");
		put_str(domains[(s->peer >> 4) % NELEM(domains)]);
		ev_end();
		s->state = O_EHLO;
		break;
	case O_EHLO:
		ev(s, E_PROTOCOL_CLIENT);
		put_str("|EHLO ");
		put_str(server);
		ev_end();
		s->state = O_IDENTIFY;
		break;
	case O_IDENTIFY:
		ev(s, E_LINK_IDENTIFY);
		put_str("|EHLO|");
		put_str(server);
		ev_end();
		s->state = O_EHLO_REPLY;
		s->line = 0;
		break;
	case O_EHLO_REPLY:
		ev(s, E_PROTOCOL_SERVER);
		if (s->line == 0) {
			put_str("|250-mx.");
			put_str(domains[(s->peer >> 4) % NELEM(domains)]);
			put_str(" Hello ");
			put_str(server);
			put_str(" [198.51.100.5], pleased to meet you");
		} else if (s->line <= NELEM(ehlo_in)) {
			put_chr('|');
			put_str(ehlo_in[s->line - 1]);
		} else if (s->line == NELEM(ehlo_in) + 1)
			put_str("|250-STARTTLS");
		else
			put_str("|250 HELP");
		ev_end();
		if (++s->line > NELEM(ehlo_in) + 2)
			s->state = (s->flags & (F_TLS | F_TLS_DONE)) ==
			    F_TLS ? O_TLS : next_tx(s);
		break;
	case O_TLS:
		ev_str(s, E_PROTOCOL_CLIENT, "STARTTLS");
		s->state = O_TLS_REPLY;
		break;
	case O_TLS_REPLY:
		ev_str(s, E_PROTOCOL_SERVER, "220 2.0.0 Ready to start TLS");
		if (s->flags & F_TLS_RETRY) {
			/* Handshake fails: same id, new connection. */
			s->flags &= ~(F_TLS | F_TLS_RETRY);
			s->port++;
			s->state = O_CONNECT;
		} else
			s->state = O_LINK_TLS;
		break;
	case O_LINK_TLS:
		ev_str(s, E_LINK_TLS, "TLSv1.3:TLS_AES_256_GCM_SHA384:256");
		s->flags |= F_TLS_DONE;
		s->state = O_EHLO;
		break;
	case O_MAIL:
		ev(s, E_PROTOCOL_CLIENT);
		put_str("|MAIL FROM:<");
		if (!s->bounce)
			put_addr(s->sender);
		put_chr('>');
		ev_end();
		s->state = O_MAIL_REPLY;
		break;
	case O_MAIL_REPLY:
		ev_str(s, E_PROTOCOL_SERVER, "250 2.0.0 Ok");
		s->state = O_TX_BEGIN;
		break;
	case O_TX_BEGIN:
		ev_msgid(s, E_TX_BEGIN);
		s->state = O_TX_MAIL;
		break;
	case O_RCPT:
		ev(s, E_PROTOCOL_CLIENT);
		put_str("|RCPT TO:<");
		put_addr(s->rcpt);
		put_chr('>');
		ev_end();
		s->state = O_TX_ENVELOPE;
		break;
	case O_RCPT_REPLY:
		ev(s, E_PROTOCOL_SERVER);
		if (s->fate == RC_OK) {
			put_str("|250 2.1.5 Ok");
			s->state = O_TX_RCPT;
		} else {
			put_str(s->fate == RC_PERM ?
			    "|550 5.1.1 User unknown" :
			    "|452 4.2.2 Mailbox full");
			/* smtp-out quirk: rollback, reset, then tx-rcpt. */
			s->after = O_TX_RCPT;
			s->state = X_ROLLBACK;
		}
		ev_end();
		break;
	case O_DATA:
		ev_str(s, E_PROTOCOL_CLIENT, "DATA");
		s->state = O_DATA_REPLY;
		break;
	case O_DATA_REPLY:
		ev_str(s, E_PROTOCOL_SERVER, "354 End data with <CR><LF>.<CR><LF>");
		s->state = O_TX_DATA;
		break;
	case O_DOT:
		ev_str(s, E_PROTOCOL_CLIENT, ".");
		s->state = O_COMMIT_REPLY;
		break;
	case O_COMMIT_REPLY:
		ev(s, E_PROTOCOL_SERVER);
		put_str("|250 2.0.0 Ok: queued as ");
		put_hex(s->rcpt, 8);
		ev_end();
		s->state = O_TX_COMMIT;
		break;
	case O_QUIT:
		ev_str(s, E_PROTOCOL_CLIENT, "QUIT");
		s->state = O_QUIT_REPLY;
		break;
	case O_QUIT_REPLY:
		ev_str(s, E_PROTOCOL_SERVER, "221 2.0.0 Bye");
		s->state = X_DISCONNECT;
		break;
	default:
		fprintf(stderr, "gen: bad state %d\n", st);
		abort();
	}
	return (0);
}

/*
 * Run a session until it waits for its peer, ends, or max events are out.
 * Returns 1 when the session has ended.
 */
static int
burst(struct sess *s, unsigned long long max)
{
	int r;

	do {
		if ((r = step(s)) != 0)
			return (r == 1);
	} while (!waits(s->state) && nev < max);
	return (0);
}

/* Number of events a session will still emit, without writing them. */
static size_t
sess_len(const struct sess *s)
{
	struct sess c = *s;
	size_t n = 0;

	dry = 1;
	while (step(&c) != 1)
		n++;
	dry = 0;
	return (n + 1);
}

/*
 * k slots, each picked at random to run one burst.  With -w, every slot
 * first gets a session advanced to a random point of its life, written
 * to the warm-up file, so the measured part starts in a steady state.
 */
static void
run_normal(void)
{
	struct sess *slots;
	unsigned long long max;
	size_t i, j, len;

	if ((slots = calloc((size_t)nslots, sizeof(*slots))) == NULL) {
		fprintf(stderr, "gen: out of memory\n");
		exit(1);
	}
	if (warmfile != NULL) {
		for (i = 0; i < (size_t)nslots; i++) {
			sess_new(&slots[i], 0);
			len = sess_len(&slots[i]);
			for (j = grnd((uint32_t)len); j > 0; j--)
				(void)step(&slots[i]);
		}
		out_set(STDOUT_FILENO);
		if (verbose)
			fprintf(stderr, "gen: warm-up: %llu events\n", nev);
	}
	max = nev + (unsigned long long)nevents;
	while (nev < max) {
		i = grnd((uint32_t)nslots);
		if (slots[i].state == ST_FREE)
			sess_new(&slots[i], 0);
		if (burst(&slots[i], max))
			slots[i].state = ST_FREE;
	}
	free(slots);
}

/*
 * Open n sessions, each left in a transaction with MEM_RCPTS accepted
 * recipients; then (to stdout when the opening went to -w) finish them.
 */
static void
run_memory(void)
{
	struct sess *s;
	size_t i, n = (size_t)nmem;

	if ((s = calloc(n, sizeof(*s))) == NULL) {
		fprintf(stderr, "gen: out of memory\n");
		exit(1);
	}
	for (i = 0; i < n; i++) {
		sess_new(&s[i], 1);
		while (step(&s[i]) == 0)
			;
	}
	if (warmfile != NULL)
		out_set(STDOUT_FILENO);
	if (verbose)
		fprintf(stderr, "gen: opening: %llu events\n", nev);
	for (i = 0; i < n; i++) {
		s[i].flags &= ~F_MEM;
		while (step(&s[i]) != 1)
			;
	}
	free(s);
}

static void
stats(void)
{
	int e;

	fprintf(stderr, "gen: %llu events, %llu sessions (%llu smtp-out)\n",
	    nev, nsess, nsess_out);
	for (e = 0; e < E_MAX; e++)
		fprintf(stderr, "gen: %-16s %llu\n", event_names[e],
		    ncount[e]);
}
