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
 * libFuzzer target: the whole filter without descriptors.  Bytes go
 * through filter_feed (line splitting, handshake, parser, session table,
 * rendering); every record is checked: printable ASCII only, at most the
 * cap, one JSON object by RFC 8259 with no key twice in an object and no
 * lone surrogate escape (a checker here, on every record), and the same
 * through json-c's strict tokener, consumed whole (on the first records
 * of a run and every 16th after: json-c's allocations under ASan would
 * otherwise take nine tenths of the time).  register_cb runs at most
 * once, with the register lines only, and every parsed event gives one
 * record.
 *
 * The first input byte picks the run's settings; the rest is the stream:
 *	bits 0-1	record cap: 1024, 1500, 4096, 8000
 *	bits 2-4	session cap: 1 to 8 (eviction)
 *	bit 5		record only some events (the rest still drive state)
 *	bit 6		feed in small chunks of varying size, then again
 *			whole: both must give the same records
 *	bit 7		with bits 5 and 6 clear: insert a line of about
 *			FJ_LINE_MAX or 2 * FJ_LINE_MAX bytes in the middle
 *			(rarely, as it is slow)
 *	bits 2-5 and 7 set, 6 clear: "bulk": the stream starts with more
 *			sessions than the first hash table holds and a
 *			transaction past the recipient and envelope caps
 *			(rarely, as it is slow too)
 * And the stream's length: an odd one runs with -P local,user,ip (a fixed
 * key), and proto too when its bit 1 is set, so that bit 6 compares the
 * cached and uncached records with privacy too.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json.h>

#include "filter-jsonlog.h"

#if defined(JSON_C_VERSION_NUM) && JSON_C_VERSION_NUM >= ((0 << 16) | (15 << 8))
#define PARSE_END(tok, len)	json_tokener_get_parse_end(tok)
#else
#define PARSE_END(tok, len)	((size_t)(tok)->char_offset)
#endif

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	 LLVMFuzzerInitialize(int *, char ***);

struct run {
	struct filter	*f;
	size_t		 cap;
	size_t		 nsess;
	int		 nregister;
	uint64_t	 nrecords;
	uint64_t	 hash;		/* FNV-1a over the records */
};

/* The RFC 8259 checker: a cursor over one record. */
struct jcur {
	const char	*p;
	const char	*end;
	int		 depth;
};
#define JDEPTH_MAX	32
#define JKEYS_MAX	256
#ifndef JSONC_EVERY
#define JSONC_EVERY	16	/* after the first JSONC_EVERY records */
#endif

static const size_t caps[4] = { 1024, 1500, 4096, 8000 };
static const char longhdr[] =
    "report|0.7|1700000000.000000|smtp-in|protocol-client|0123456789abcdef|";

static void	 on_record(void *, const char *, size_t);
static void	 on_register(void *, const char *, size_t);
static __attribute__((__noreturn__)) void fail(const char *, const char *,
		    size_t);
static int	 j_value(struct jcur *);
static int	 j_object(struct jcur *);
static int	 j_array(struct jcur *);
static int	 j_string(struct jcur *, const char **, size_t *);
static int	 j_number(struct jcur *);
static int	 j_word(struct jcur *, const char *);
static int	 j_hex4(const char *, unsigned int *);
static void	 j_space(struct jcur *);
static void	 check_jsonc(const char *, size_t);
static void	 check_auth(const char *, size_t);
static size_t	 jchar(const char *, const char *, int *);
static size_t	 jblank(const char *, const char *);
static uint32_t	 lcg(uint32_t *);
static void	 feed(struct filter *, const uint8_t *, size_t, int,
		    uint32_t *);
static void	 one_run(struct run *, uint8_t, const uint8_t *, size_t,
		    int);
static void	 bulk(struct filter *);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init("fuzz", 1);	/* quiet: warnings would only slow it */
	hmac_sha256_key(&privacy.mac, "fuzz key, 16+ bytes", 19);
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run	 chunked, whole;
	uint8_t		 b0;

	if (size == 0)
		return (0);
	b0 = data[0];
	one_run(&chunked, b0, data + 1, size - 1, b0 & 0x40);
	/*
	 * Fed in small chunks, the same stream must give the same records
	 * as fed whole: the line splitter does not depend on reads.  The
	 * whole run renders every record from scratch (no fragment cache):
	 * the cache must not change a byte either.
	 */
	if (b0 & 0x40) {
		one_run(&whole, b0, data + 1, size - 1, 0);
		if (whole.nrecords != chunked.nrecords ||
		    whole.hash != chunked.hash)
			fail("records differ fed in chunks with the fragment "
			    "cache and whole without", NULL, 0);
	}
	return (0);
}

/* One filter from init to free over the stream, settings from b0. */
static void
one_run(struct run *run, uint8_t b0, const uint8_t *data, size_t size,
    int chunked)
{
	struct filter	 f;
	uint64_t	 events0, records0;
	uint32_t	 evmask = ~0U, seed;
	size_t		 half, n, i;
	char		*filler;

	seed = 0x9e3779b9U ^ b0 ^ ((uint32_t)size << 8);
	memset(run, 0, sizeof(*run));
	run->hash = 0xcbf29ce484222325ULL;
	run->cap = caps[b0 & 3];
	run->nsess = 1 + ((b0 >> 2) & 7);
	if ((b0 & 0xfc) == 0xbc)
		run->nsess = 4000;
	if (b0 & 0x20) {
		/* drop three events from the record set */
		for (i = 0; i < 3; i++)
			evmask &= ~(1U << (lcg(&seed) % RPT__COUNT));
	}
	privacy.flags = (size & 1) ? PRIV_LOCAL | PRIV_USER | PRIV_IP |
	    ((size & 2) ? PRIV_PROTO : 0) : 0;
	filter_init(&f, run->cap, run->nsess, evmask);
	/* summaries (-r tx,session) in a third of the runs */
	if (lcg(&seed) % 3 == 0)
		f.summaries = SUM_TX | SUM_SESSION;
	if (b0 & 0x40 && !chunked) {
		render_cache_free(f.rconf.cache);
		f.rconf.cache = NULL;
	}
	run->f = &f;
	f.record_cb = on_record;
	f.register_cb = on_register;
	f.cb_arg = run;
	events0 = stats.events;
	records0 = stats.records;
	if ((b0 & 0xfc) == 0xbc) {
		/* recording them all would be slow: no records for these */
		f.evmask = 0;
		bulk(&f);
		f.evmask = evmask;
		records0 = stats.records;
	}

	if ((b0 & 0xe0) == 0x80) {
		/* A line around the length cap, inside the stream. */
		half = size / 2;
		feed(&f, data, half, 0, &seed);
		n = FJ_LINE_MAX - 64 + lcg(&seed) % 128;
		if (lcg(&seed) & 1)
			n += FJ_LINE_MAX;
		filler = malloc(n);
		if (filler == NULL)
			abort();
		memset(filler, "A|\x80 \x01\xc3x*"[lcg(&seed) % 8], n);
		if (lcg(&seed) & 1)
			memcpy(filler, longhdr, sizeof(longhdr) - 1);
		feed(&f, (const uint8_t *)filler, n, 0, &seed);
		free(filler);
		feed(&f, data + half, size - half, 0, &seed);
	} else
		feed(&f, data, size, chunked, &seed);
	filter_eof(&f);

	if (f.sessions.count > run->nsess)
		fail("more sessions than the cap", NULL, 0);
	if (stats.records - records0 != run->nrecords)
		fail("records counted but not delivered", NULL, 0);
	if (evmask == ~0U && f.summaries == 0 &&
	    stats.events - events0 != run->nrecords)
		fail("a parsed event gave no record", NULL, 0);
	if (evmask == ~0U && stats.events - events0 > run->nrecords)
		fail("a parsed event gave no record (with summaries)", NULL, 0);
	filter_free(&f);
	run->f = NULL;
}

/*
 * 1100 short lines (more than one batch of the line splitter), 1100
 * sessions (ids 00000000000b0000 on), then in session 00000000000b0000
 * a transaction 0000beef with 1050 recipients and 2100 envelopes: past
 * the first hash table and the caps.
 */
static void
bulk(struct filter *f)
{
	size_t	 cap = 512 * 1024, len = 0;
	char	*buf;
	int	 i;

	if ((buf = malloc(cap)) == NULL)
		abort();
	for (i = 0; i < 1100; i++)
		len += snprintf(buf + len, cap - len, "config|x%d\n", i);
	for (i = 0; i < 1100; i++)
		len += snprintf(buf + len, cap - len, "report|0.7|"
		    "1700000000.%06d|smtp-in|link-connect|%016x|h%d|pass|"
		    "192.0.2.%d:%d|198.51.100.1:25\n", i, 0xb0000 + i, i,
		    i & 255, 1024 + i);
	len += snprintf(buf + len, cap - len, "report|0.7|1700000001.000000|"
	    "smtp-in|tx-begin|00000000000b0000|0000beef\n");
	for (i = 0; i < 2100; i++) {
		len += snprintf(buf + len, cap - len, "report|0.7|"
		    "1700000001.%06d|smtp-in|tx-envelope|00000000000b0000|"
		    "0000beef|0000beef%08x\n", i, i);
		if (i % 2 == 0)
			len += snprintf(buf + len, cap - len, "report|0.7|"
			    "1700000001.%06d|smtp-in|tx-rcpt|00000000000b0000|"
			    "0000beef|%s|r%d@x\n", i, i % 3 ? "ok" : "permfail",
			    i);
	}
	if (len >= cap)
		abort();
	filter_feed(f, buf, len);
	free(buf);
}

/* Feed whole, or in chunks of 1 to 200 bytes. */
static void
feed(struct filter *f, const uint8_t *p, size_t n, int chunked,
    uint32_t *seed)
{
	size_t	 k;

	if (!chunked) {
		filter_feed(f, (const char *)p, n);
		return;
	}
	while (n > 0) {
		k = 1 + lcg(seed) % 200;
		if (k > n)
			k = n;
		filter_feed(f, (const char *)p, k);
		p += k;
		n -= k;
	}
}

static void
on_record(void *arg, const char *rec, size_t len)
{
	struct run		*run = arg;
	struct jcur		 jc;
	size_t			 i;

	run->nrecords++;
	for (i = 0; i < len; i++)
		run->hash = (run->hash ^ (unsigned char)rec[i]) *
		    0x100000001b3ULL;
	run->hash = (run->hash ^ '\n') * 0x100000001b3ULL;
	if (len == 0)
		fail("empty record", rec, len);
	if (len > run->cap)
		fail("record over the cap", rec, len);
	for (i = 0; i < len; i++)
		if ((unsigned char)rec[i] < 0x20 ||
		    (unsigned char)rec[i] > 0x7e)
			fail("byte outside 0x20-0x7e", rec, len);
	jc.p = rec;
	jc.end = rec + len;
	jc.depth = 0;
	if (*rec != '{' || j_value(&jc) == -1)
		fail("not a valid JSON object (or a key twice, or a lone "
		    "surrogate)", rec, len);
	j_space(&jc);
	if (jc.p != jc.end)
		fail("bytes after the JSON value", rec, len);
	if (run->nrecords <= JSONC_EVERY || run->nrecords % JSONC_EVERY == 0)
		check_jsonc(rec, len);
	check_auth(rec, len);
	if (run->f->sessions.count > run->nsess)
		fail("more sessions than the cap", rec, len);
}

static void
on_register(void *arg, const char *buf, size_t len)
{
	struct run	*run = arg;
	static const char *const ok[] = {
		"register|report|smtp-in|*\nregister|ready\n",
		"register|report|smtp-out|*\nregister|ready\n",
		"register|report|smtp-in|*\nregister|report|smtp-out|*\n"
		    "register|ready\n"
	};
	size_t		 i;

	if (++run->nregister > 1)
		fail("register lines written twice", buf, len);
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strlen(ok[i]) == len && memcmp(ok[i], buf, len) == 0)
			return;
	fail("unexpected register output", buf, len);
}

static void
fail(const char *what, const char *rec, size_t len)
{
	fprintf(stderr, "fuzz_stream: %s\n", what);
	if (rec != NULL)
		fprintf(stderr, "record (%zu bytes): %.*s\n", len,
		    (int)(len > 20000 ? 20000 : len), rec);
	abort();
}

/*
 * One character of a JSON string at p: its length there (an escape is
 * one), and whether it is a blank (a space or a tab).
 */
static size_t
jchar(const char *p, const char *end, int *blank)
{
	size_t	 n = 1;

	*blank = *p == ' ';
	if (*p == '\\' && end - p >= 2) {
		*blank = p[1] == 't';
		n = p[1] == 'u' ? 6 : 2;
		if (n > (size_t)(end - p))
			n = end - p;
	}
	return (n);
}

/* The length of the blank at p, 0 if none (or at the end). */
static size_t
jblank(const char *p, const char *end)
{
	size_t	 n;
	int	 blank;

	if (p >= end)
		return (0);
	n = jchar(p, end, &blank);
	return (blank ? n : 0);
}

/*
 * A client line "AUTH <mechanism> <anything>" (any case, blanks before
 * and between: spaces or tabs) is written "AUTH <mechanism> ********": an
 * initial response is never in clear.
 */
static void
check_auth(const char *rec, size_t len)
{
	static const char key[] = "\"protocol\":{\"line\":\"";
	static const char client[] = "\"action\":\"protocol-client\"";
	const char	*p, *end = rec + len, *q;
	size_t		 klen = sizeof(key) - 1, clen = sizeof(client) - 1, b;
	int		 bl;

	for (p = rec; p + clen <= end && memcmp(p, client, clen) != 0; p++)
		;
	if (p + clen > end)
		return;
	for (; p + klen <= end && memcmp(p, key, klen) != 0; p++)
		;
	if (p + klen > end)
		return;
	p += klen;
	while ((b = jblank(p, end)) > 0)
		p += b;
	if (end - p < 5 || strncasecmp(p, "auth", 4) != 0 ||
	    jblank(p + 4, end) == 0)
		return;
	for (q = p + 4; (b = jblank(q, end)) > 0; q += b)
		;
	while (q < end && *q != '"' && jblank(q, end) == 0)
		q += jchar(q, end, &bl);
	if (q < end && *q == '"')
		return;		/* "AUTH <mechanism>" alone */
	if (end - q < 10 || memcmp(q, " ********\"", 10) != 0)
		fail("AUTH initial response not masked", rec, len);
}

/* The record through json-c: strict, consumed whole, an object. */
static void
check_jsonc(const char *rec, size_t len)
{
	struct json_tokener	*tok;
	struct json_object	*obj;

	if ((tok = json_tokener_new()) == NULL)
		abort();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, rec, (int)len);
	if (obj == NULL ||
	    json_tokener_get_error(tok) != json_tokener_success)
		fail("json-c: not valid JSON", rec, len);
	if (PARSE_END(tok, len) != len)
		fail("json-c: bytes after the JSON value", rec, len);
	json_tokener_free(tok);
	if (!json_object_is_type(obj, json_type_object))
		fail("json-c: not a JSON object", rec, len);
	json_object_put(obj);
}

static void
j_space(struct jcur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' ||
	    *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

/* One JSON value at the cursor; 0 or -1. */
static int
j_value(struct jcur *c)
{
	j_space(c);
	if (c->p >= c->end)
		return (-1);
	switch (*c->p) {
	case '{':
		return (j_object(c));
	case '[':
		return (j_array(c));
	case '"':
		return (j_string(c, NULL, NULL));
	case 't':
		return (j_word(c, "true"));
	case 'f':
		return (j_word(c, "false"));
	case 'n':
		return (j_word(c, "null"));
	default:
		return (j_number(c));
	}
}

/* An object, with no key twice (compared as written). */
static int
j_object(struct jcur *c)
{
	const char	*key[JKEYS_MAX], *k;
	size_t		 klen[JKEYS_MAX], kl;
	int		 n = 0, i;

	if (++c->depth > JDEPTH_MAX)
		return (-1);
	c->p++;
	j_space(c);
	if (c->p < c->end && *c->p == '}') {
		c->p++;
		c->depth--;
		return (0);
	}
	for (;;) {
		j_space(c);
		if (c->p >= c->end || *c->p != '"' ||
		    j_string(c, &k, &kl) == -1)
			return (-1);
		for (i = 0; i < n; i++)
			if (klen[i] == kl && memcmp(key[i], k, kl) == 0)
				return (-1);
		if (n == JKEYS_MAX)
			return (-1);
		key[n] = k;
		klen[n++] = kl;
		j_space(c);
		if (c->p >= c->end || *c->p++ != ':')
			return (-1);
		if (j_value(c) == -1)
			return (-1);
		j_space(c);
		if (c->p >= c->end)
			return (-1);
		if (*c->p == ',') {
			c->p++;
			continue;
		}
		if (*c->p++ != '}')
			return (-1);
		c->depth--;
		return (0);
	}
}

static int
j_array(struct jcur *c)
{
	if (++c->depth > JDEPTH_MAX)
		return (-1);
	c->p++;
	j_space(c);
	if (c->p < c->end && *c->p == ']') {
		c->p++;
		c->depth--;
		return (0);
	}
	for (;;) {
		if (j_value(c) == -1)
			return (-1);
		j_space(c);
		if (c->p >= c->end)
			return (-1);
		if (*c->p == ',') {
			c->p++;
			continue;
		}
		if (*c->p++ != ']')
			return (-1);
		c->depth--;
		return (0);
	}
}

/*
 * A string: no raw byte below 0x20, known escapes only, \u with four hex
 * digits, surrogates only as a high-low pair.  Its body in *s, *len.
 */
static int
j_string(struct jcur *c, const char **s, size_t *len)
{
	const char	*start;
	unsigned int	 u, lo;

	start = ++c->p;
	while (c->p < c->end) {
		unsigned char	 ch = *c->p;

		if (ch == '"') {
			if (s != NULL) {
				*s = start;
				*len = c->p - start;
			}
			c->p++;
			return (0);
		}
		if (ch < 0x20)
			return (-1);
		if (ch != '\\') {
			c->p++;
			continue;
		}
		if (c->end - c->p < 2)
			return (-1);
		switch (c->p[1]) {
		case '"': case '\\': case '/': case 'b': case 'f':
		case 'n': case 'r': case 't':
			c->p += 2;
			continue;
		case 'u':
			break;
		default:
			return (-1);
		}
		if (c->end - c->p < 6 || j_hex4(c->p + 2, &u) == -1)
			return (-1);
		c->p += 6;
		if (u >= 0xdc00 && u <= 0xdfff)
			return (-1);
		if (u >= 0xd800 && u <= 0xdbff) {
			if (c->end - c->p < 6 || c->p[0] != '\\' ||
			    c->p[1] != 'u' || j_hex4(c->p + 2, &lo) == -1 ||
			    lo < 0xdc00 || lo > 0xdfff)
				return (-1);
			c->p += 6;
		}
	}
	return (-1);
}

static int
j_hex4(const char *p, unsigned int *u)
{
	int	 i;

	*u = 0;
	for (i = 0; i < 4; i++) {
		*u <<= 4;
		if (p[i] >= '0' && p[i] <= '9')
			*u |= p[i] - '0';
		else if (p[i] >= 'a' && p[i] <= 'f')
			*u |= p[i] - 'a' + 10;
		else if (p[i] >= 'A' && p[i] <= 'F')
			*u |= p[i] - 'A' + 10;
		else
			return (-1);
	}
	return (0);
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static int
j_number(struct jcur *c)
{
	const char	*p = c->p, *end = c->end;

	if (p < end && *p == '-')
		p++;
	if (p >= end || *p < '0' || *p > '9')
		return (-1);
	if (*p == '0')
		p++;
	else
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	if (p < end && *p == '.') {
		if (++p >= end || *p < '0' || *p > '9')
			return (-1);
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p >= end || *p < '0' || *p > '9')
			return (-1);
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	c->p = p;
	return (0);
}

static int
j_word(struct jcur *c, const char *w)
{
	size_t	 n = strlen(w);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, w, n) != 0)
		return (-1);
	c->p += n;
	return (0);
}

static uint32_t
lcg(uint32_t *s)
{
	*s = *s * 1664525U + 1013904223U;
	return (*s >> 8);
}
