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
 * filter-jsonlog: the types shared by its modules, one section per file.
 * Data flows one way: main -> filter (lines, handshake) -> protocol (one
 * line -> struct report) -> table and session (state) -> render, with
 * jsonw and mask (one JSON record) -> sink.
 */

#ifndef FILTER_JSONLOG_H
#define FILTER_JSONLOG_H

#include <sys/types.h>
#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define FJ_LINE_MAX		(64 * 1024)	/* longest line we keep */
#define FJ_SIZE_DEFAULT		8000		/* record size cap */
#define FJ_SIZE_MIN		1024
#define FJ_SIZE_MAX		(1024 * 1024)
#define FJ_SESSIONS_DEFAULT	100000
#define FJ_SESSIONS_MAX		100000000
#define FJ_RCPT_MAX		1000		/* recipients kept per tx */
#define FJ_EVP_MAX		2000		/* envelope ids kept per tx */
#define FJ_RCPT_TEXT		2		/* recipient addresses kept per tx:
						   this many record caps of text */
#define FJ_TIMEOUT_DEFAULT	300		/* smtp-session-timeout */
#define FJ_EXPIRE_FACTOR	4		/* idle sessions expire after
						   this many session timeouts */
#define FJ_CONF_TEXT_MAX	255		/* admd, smtpd-version */

/* A piece of a line: not NUL-terminated. */
struct slice {
	const char	*p;
	size_t		 len;
};

/* A word of a vocabulary table, with its length counted by the compiler. */
#define WORD(lit)	{ "" lit, sizeof(lit) - 1 }
/* Is [p, p + len) the string literal lit, or does it start with it? */
#define LIT_IS(p, len, lit)						\
	((len) == sizeof(lit) - 1 && memcmp((p), "" lit, sizeof(lit) - 1) == 0)
#define LIT_PREFIX(p, len, lit)						\
	((len) >= sizeof(lit) - 1 && memcmp((p), "" lit, sizeof(lit) - 1) == 0)

enum rpt_event {
	RPT_LINK_CONNECT,
	RPT_LINK_GREETING,
	RPT_LINK_IDENTIFY,
	RPT_LINK_TLS,
	RPT_LINK_AUTH,
	RPT_LINK_DISCONNECT,
	RPT_TX_RESET,
	RPT_TX_BEGIN,
	RPT_TX_MAIL,
	RPT_TX_RCPT,
	RPT_TX_ENVELOPE,
	RPT_TX_DATA,
	RPT_TX_COMMIT,
	RPT_TX_ROLLBACK,
	RPT_PROTOCOL_CLIENT,
	RPT_PROTOCOL_SERVER,
	RPT_FILTER_REPORT,
	RPT_FILTER_RESPONSE,
	RPT_TIMEOUT,
	RPT_UNKNOWN,
	RPT__COUNT
};

enum rpt_subsys {
	SUB_SMTP_IN,
	SUB_SMTP_OUT,
	SUB_OTHER
};
#define SUB_KNOWN	SUB_OTHER	/* the subsystems with a name */

/* The parameters of all events, by meaning rather than position. */
enum rpt_field {
	F_RDNS,
	F_FCRDNS,
	F_SRC,
	F_DEST,
	F_HOSTNAME,
	F_METHOD,
	F_IDENTITY,
	F_TLS,
	F_RESULT,
	F_USER,
	F_MSGID,
	F_EVPID,
	F_ADDRESS,
	F_SIZE,
	F_LINE,
	F_KIND,
	F_NAME,
	F_MESSAGE,
	F_PHASE,
	F_RESPONSE,
	F_PARAM,
	F__COUNT
};

/* Result words of link-auth, tx-mail, tx-rcpt and tx-data. */
enum rpt_result {
	RES_NONE,
	RES_OK,
	RES_PERMFAIL,
	RES_TEMPFAIL,
	RES_PASS,
	RES_FAIL,
	RES_ERROR,
	RES_OTHER,
	RES__COUNT
};

/* The HELO, EHLO or LHLO of link-identify. */
enum helo_method {
	HELO_NONE,
	HELO_HELO,
	HELO_EHLO,
	HELO_LHLO,
	HELO__COUNT
};

/* One parsed report line; the slices point into the line. */
struct report {
	int		 version;	/* major * 1000 + minor */
	int		 unknown;	/* unknown event or version */
	struct slice	 vstr;
	int64_t		 time_us;	/* microseconds since the epoch */
	int		 subsys;
	struct slice	 subsys_name;
	int		 event;
	struct slice	 event_name;
	uint64_t	 id;
	const char	*idstr;		/* 16 hex digits in the line */
	struct slice	 params;	/* everything after the session id */
	int		 has_params;
	uint32_t	 present;	/* bit (1 << F_x) per field present */
	struct slice	 f[F__COUNT];	/* valid: the fields of the event's
					   layout (absent: empty); the rest
					   are left as they were */
	int		 result;	/* enum rpt_result of F_RESULT */
	uint32_t	 msgid;
	uint64_t	 evpid;
	uint64_t	 size;
};

#define RPT_HAS(r, fld)	(((r)->present >> (fld)) & 1)

/* The code of an SMTP reply line and its RFC 3463 enhanced code. */
struct reply {
	uint16_t	 code;		/* 0: none */
	uint8_t		 last;		/* "250 ", not "250-": a reply's end */
	uint32_t	 enh;		/* REPLY_ENH(), 0: none */
};
/* class.subject.detail in 23 bits (class 2, 4 or 5: never 0) */
#define REPLY_ENH(cl, sub, det)	(((uint32_t)(cl) << 20) |		\
	((uint32_t)(sub) << 10) | (uint32_t)(det))
#define REPLY_ENH_MAX	12		/* "5.999.999" and its NUL */

/* protocol.c: one line -> struct report; the protocol's vocabularies. */
int		 protocol_parse(const char *, size_t, struct report *,
		    const char **);
int		 protocol_event(const char *, size_t);
const char	*protocol_event_name(int);
int		 protocol_version(const char *, size_t, int *);
int		 protocol_result(const char *, size_t);
int		 protocol_subsys(const char *, size_t);
int		 protocol_helo(const char *, size_t);
int		 protocol_reply(const char *, size_t, struct reply *);
size_t		 protocol_enhanced(char *, uint32_t);
extern const struct slice result_words[RES__COUNT];	/* "" for RES_NONE */
extern const struct slice subsys_names[SUB_KNOWN];
extern const struct slice helo_methods[HELO__COUNT];
#define PROTO_VERSION_NEWEST	7		/* 0.7 */

/* A stored text, already escaped for JSON (without quotes). */
struct estr {
	char		*p;
	uint32_t	 len;
};

struct session;
struct sessions;

/* escape.c: JSON string escaping to printable ASCII; stored texts. */
size_t		 escape_json(char *, const char *, size_t);
#define ESCAPE_MAX(n)	((n) * 6)		/* worst case output size */
int		 escape_store(struct estr *, const char *, size_t, size_t,
		    struct session *);
int		 estr_set(struct estr *, const char *, size_t, size_t);
void		 estr_free(struct estr *);
void		 estr_clear(struct estr *);

/* session.c: the session and transaction state machine. */
enum { FAM_NONE, FAM_IPV4, FAM_IPV6, FAM_UNIX, FAM_OTHER };

struct endpoint {
	struct estr	 addr;		/* source.address, unless it is ip */
	struct estr	 ip;		/* source.ip */
	uint16_t	 port;
	uint8_t		 family;
};

struct rcpt {
	struct estr	 addr;
	uint32_t	 evp_first;
	uint16_t	 nevp;
	uint8_t		 result;
};

enum { TXS_NONE, TXS_OPEN, TXS_CLOSED };
/* How a session ended (opensmtpd.session.end_reason). */
enum {
	END_NONE,
	END_QUIT,
	END_DISCONNECT,
	END_TIMEOUT,
	END_EXPIRED,
	END_EVICTED,
	END_SHUTDOWN,
	END__COUNT
};
enum { TXR_NONE, TXR_COMMIT, TXR_ROLLBACK, TXR_ABORTED, TXR__COUNT };

struct tx {
	uint64_t	 gen;		/* this transaction: the session's tgen
					   when it began */
	uint32_t	 msgid;
	uint8_t		 state;
	uint8_t		 have_mail;
	uint8_t		 mail_result;
	uint8_t		 data_result;
	uint8_t		 result;
	uint8_t		 have_size;
	uint8_t		 late_rcpt;	/* last reopened by a tx-rcpt after
					   its reset (smtp-out) */
	uint8_t		 summarized;	/* its summary record is written */
	uint16_t	 reply_code;	/* the last reply while it was open */
	uint32_t	 reply_enh;
	struct estr	 from;
	uint64_t	 size;
	int64_t		 begin_us;
	int64_t		 commit_us;
	struct rcpt	*rcpt;
	uint32_t	 nrcpt;
	uint32_t	 rcptcap;
	uint32_t	 naccepted;
	uint32_t	 nrejected;
	uint64_t	*evp;
	uint32_t	 nevp;
	uint32_t	 evpcap;
	uint32_t	 evp_unclaimed;	/* first envelope not yet on a rcpt */
	uint32_t	 rcpt_text;	/* bytes of the addresses kept (at most
					   FJ_RCPT_TEXT record caps) */
};

/* Texts that were too long to keep: listed in truncated_fields. */
enum {
	TL_SRC = 1 << 0,
	TL_DST = 1 << 1,
	TL_RDNS = 1 << 2,
	TL_GREETING = 1 << 3,
	TL_HELO = 1 << 4,
	TL_TLS = 1 << 5,
	TL_USER = 1 << 6,
	TL_FROM = 1 << 7,
	TL_RCPT = 1 << 8
};

struct session {
	struct session	*hnext;
	TAILQ_ENTRY(session) lru;
	uint64_t	 id;
	uint8_t		 subsys;
	uint8_t		 connected;
	uint8_t		 fcrdns;	/* RES_PASS, RES_FAIL, RES_ERROR */
	uint8_t		 helo_method;	/* enum helo_method */
	uint8_t		 auth_result;
	uint8_t		 tls;
	uint8_t		 auth_data;	/* next client line is AUTH data */
	uint8_t		 ending;	/* END_QUIT, END_TIMEOUT: seen */
	uint16_t	 version;	/* protocol version of its last event */
	uint16_t	 reply_code;	/* the last reply (struct reply) */
	uint32_t	 reply_enh;
	uint32_t	 toolong;	/* TL_* */
	int32_t		 tls_bits;
	int64_t		 start_us;
	int64_t		 last_us;	/* report time of the last event */
	struct endpoint	 src;
	struct endpoint	 dst;
	struct estr	 rdns;
	struct estr	 greeting;
	struct estr	 helo;
	struct estr	 tls_raw;
	struct estr	 tls_version;
	struct estr	 tls_cipher;
	struct estr	 user;
	uint32_t	 priv_rdns;	/* -P ip: priv_name_hash of the rdns
					   that is not kept; 0: none */
	uint32_t	 priv_user;	/* -P user: of the user name */
	uint32_t	 seq;		/* events so far (event.sequence) */
	uint32_t	 moved_s;	/* monotonic seconds: last moved to
					   the LRU tail */
	uint32_t	 tx_count;
	uint32_t	 rcpt_count;
	uint32_t	 command_count;
	uint32_t	 message_count;
	uint32_t	 rcpt_ok;	/* recipients accepted */
	uint32_t	 error_replies;	/* 4xx and 5xx replies */
	struct tx	 tx;
	uint64_t	 sgen;		/* changes with what the record's
					   cached connection parts show */
	uint64_t	 tgen;		/* changes with the transaction */
	char		*arena;		/* the texts above, escaped */
	uint32_t	 alen;
	uint32_t	 acap;
};

void		 session_apply(struct sessions *, struct session *,
		    const struct report *);
void		 session_done(struct sessions *, struct session *,
		    const struct report *);
void		 session_free(struct session *);
const struct estr *endpoint_addr(const struct endpoint *);

/* table.c: the session table (lookup, prefetch, LRU, expiry, eviction). */
TAILQ_HEAD(session_lru, session);

#define AUTHWAIT_MAX	64

struct sessions {
	struct session	**bucket;
	size_t		 nbucket;
	size_t		 count;
	size_t		 peak;		/* since the last malloc_trim */
	size_t		 cap;
	int64_t		 expire_us;
	int64_t		 now_us;	/* newest report time seen */
	int64_t		 mono_us;	/* monotonic clock, set by the caller */
	size_t		 textmax;	/* longest escaped text kept */
	uint64_t	 gen;		/* last sgen or tgen given out */
	struct session_lru lru;
	/* told of a session that expires or is evicted (END_*) */
	void		(*end_cb)(void *, struct session *, int);
	void		*end_arg;
	/* evicted sessions that were waiting for AUTH data */
	struct {
		uint64_t	 id;
		int		 subsys;	/* -1: used */
	}		 authwait[AUTHWAIT_MAX];
	size_t		 nauthwait;
};

/* Where a line's session lives in the table, found ahead of time. */
struct session_key {
	size_t		 nbucket;	/* 0: nothing to prefetch */
	size_t		 bucket;
	uint64_t	 id;
	int		 subsys;
};

struct session_key session_key(struct sessions *, int, uint64_t);
void		 session_prefetch(struct sessions *, const struct session_key *);
void		 sessions_init(struct sessions *, size_t, int64_t, size_t);
void		 sessions_free(struct sessions *);
struct session	*session_get(struct sessions *, int, uint64_t, int64_t);
void		 session_expire(struct sessions *);
void		 session_remove(struct sessions *, struct session *);

/* jsonw.c: the JSON writer (its inline helpers: jsonw.h). */
/* A record being written: [b, p) is done, end is the cap. */
struct wbuf {
	char		*b;
	char		*p;
	char		*end;
	int		 over;
};

size_t		 render_time(char *, int64_t);

/* mask.c: the whole credential policy. */
#define MASK		"********"
void		 mask_line(struct wbuf *, const struct report *,
		    const struct session *, const struct slice *);
void		 mask_reply(struct session *, const struct report *);
void		 mask_answered(struct session *);
void		 mask_evicted(struct sessions *, const struct session *);
int		 mask_returning(struct sessions *, int, uint64_t);
const char	*mask_excerpt(const char *, size_t);
size_t		 smtp_command(const char *, size_t);

/* render.c: struct report + struct session -> one JSON record; opensmtpd.* */
struct render_cache;

struct render_conf {
	struct estr	 version;	/* config|smtpd-version */
	struct estr	 hostname;	/* config|admd */
	size_t		 cap;		/* record size cap */
	uint64_t	 gen;		/* changes with version or hostname */
	struct render_cache *cache;	/* NULL: every record from scratch */
};

size_t		 render_record(const struct render_conf *,
		    const struct session *, const struct report *, char *,
		    size_t, int *);
struct render_cache *render_cache_new(size_t);
void		 render_cache_free(struct render_cache *);

#define ECS_VERSION	"8.11.0"

/* What the size cap may drop, bulkiest first (one bit each). */
enum {
	D_PROTO = 1 << 0,	/* opensmtpd.protocol.line */
	D_PARAMS = 1 << 1,	/* opensmtpd.params */
	D_FILTER = 1 << 2,	/* opensmtpd.filter texts */
	D_RCPT = 1 << 3,	/* opensmtpd.tx.rcpt */
	D_EVP = 1 << 4,		/* opensmtpd.tx.envelope_ids */
	D_RELATED = 1 << 5,	/* related */
	D_TO = 1 << 6,		/* email.to.address */
	D_REJ = 1 << 7,		/* opensmtpd.tx.rcpt_rejected */
	D_LIST = 1 << 8,	/* the truncated_fields list itself */
	D_TEXT = 1 << 9,	/* every other free text of the session */
	D_ALL = 1 << 10,	/* all but the "always" fields */
	D__LEVELS = 11
};

#define NOTE_MAX	32

/* A record being rendered, at one truncation level (drop). */
struct rctx {
	struct wbuf		 w;
	const struct render_conf *conf;
	const struct session	*s;
	const struct report	*r;
	const struct tx		*tx;
	unsigned int		 drop;
	const char		*note[NOTE_MAX];
	int			 nnote;
	const struct txlists	*tl;	/* the tx's lists, rendered; or NULL */
	int			 kind;	/* 0: an event's record; SUM_TX or
					   SUM_SESSION: a summary */
	int			 reason;	/* a session summary's END_* */
};

/* The lists of a transaction, their items rendered, comma-separated. */
struct txlists {
	struct slice		 rcpt;	/* opensmtpd.tx.rcpt */
	struct slice		 to;	/* email.to.address */
	struct slice		 rej;	/* opensmtpd.tx.rcpt_rejected */
	struct slice		 evp;	/* opensmtpd.tx.envelope_ids */
};

void		 render_levels(struct rctx *, char *, size_t,
		    void (*)(struct rctx *));
size_t		 render_end(struct rctx *, char *, int *);
int		 render_keep(struct rctx *, unsigned int, const char *);
void		 render_toolong(struct rctx *, uint32_t, const char *);
/* @timestamp and ecs; the ECS sets after event.* (render.c) */
void		 render_start(struct rctx *);
void		 render_ecs(struct rctx *);
/* opensmtpd.link, .helo, .tls, .auth and .tx; .truncated; .reply */
void		 render_state(struct rctx *);
void		 render_truncation(struct rctx *);
void		 render_reply(struct wbuf *, unsigned int, uint32_t);
extern const struct slice tx_results[TXR__COUNT];	/* "" for TXR_NONE */

/* summary.c: the summary records of transactions and sessions (-r). */
enum { SUM_TX = 1 << 0, SUM_SESSION = 1 << 1 };
size_t		 render_summary(const struct render_conf *,
		    const struct session *, int, int, char *, size_t, int *);
int		 summary_kinds(const char *, int *, const char **);

/* The writer's helpers on the record of c. */
#define W(c, lit)	W_LIT(&(c)->w, lit)
/* The same after a comma unless it is the first member (counter n). */
#define WC(c, n, lit)	do {						\
		w_member(&(c)->w, &(n));				\
		W(c, lit);						\
	} while (0)
#define KEY(c, n, k, e)	w_key_estr(&(c)->w, (n), (k), sizeof(k) - 1, (e))
/* "key":"text" for a field of the line, escaped now; empty: nothing. */
#define KEY_SLICE(c, n, k, sl)	do {					\
		if ((sl)->len > 0) {					\
			WC(c, n, "\"" k "\":\"");			\
			w_slice(&(c)->w, (sl)->p, (sl)->len);		\
			W(c, "\"");					\
		}							\
	} while (0)

/* ecs.c: the ECS field sets of a record. */
void		 ecs_event(struct rctx *);
void		 ecs_observer(struct rctx *);
void		 ecs_endpoints(struct rctx *);
void		 ecs_network(struct rctx *);
void		 ecs_tls_user(struct rctx *);
void		 ecs_email(struct rctx *);
void		 ecs_related(struct rctx *);

/* stats.c */
struct stats {
	uint64_t	 events;
	uint64_t	 records;
	uint64_t	 malformed;
	uint64_t	 unknown;
	uint64_t	 ignored;
	uint64_t	 overlong;
	uint64_t	 truncated;
	uint64_t	 dropped;
	uint64_t	 written;
	uint64_t	 sessions;	/* open now */
	uint64_t	 expired;
	uint64_t	 evicted;
	uint64_t	 capped;	/* recipients/envelopes past the caps */
	uint64_t	 written_bytes;	/* bytes the sink handed to the kernel */
};
extern struct stats stats;

#define FJ_INTERVAL_MAX	86400		/* -i: seconds between stats records */

size_t		 stats_line(char *, size_t);
size_t		 stats_record(const struct render_conf *, int64_t,
		    unsigned int, uint64_t, char *, size_t);

/* log.c: diagnostics to stderr, rate-limited. */
void		 log_init(const char *, int);
void		 log_warnx(const char *, ...)
		    __attribute__((__format__ (printf, 1, 2)));
void		 log_info(const char *, ...)
		    __attribute__((__format__ (printf, 1, 2)));

/* filter.c: lines in, records out, no descriptors. */
typedef void	 (*filter_out_cb)(void *, const char *, size_t);
/* Room for a record in the sink itself (NULL: none), then its length. */
typedef char	*(*filter_space_cb)(void *, size_t);
typedef void	 (*filter_commit_cb)(void *, size_t);

struct filter {
	struct sessions	 sessions;
	struct render_conf rconf;
	uint32_t	 evmask;	/* events that produce records */
	int		 summaries;	/* SUM_*: -r */
	int		 state;		/* FS_*: events seen or config|ready */
	int		 configured;	/* config|ready seen: config lines end,
					   register lines written */
	int		 registered_nb;	/* main: fd 0 made non-blocking */
	int		 subsys_seen;	/* bit per SUB_* announced */
	int64_t		 timeout;
	char		*in;		/* unparsed input */
	size_t		 inlen;
	size_t		 incap;
	int		 discarding;	/* inside an overlong line */
	char		*rec;		/* record scratch */
	size_t		 reccap;
	int64_t		(*clock)(void);	/* monotonic microseconds */
	filter_out_cb	 record_cb;
	filter_space_cb	 space_cb;	/* optional: render in place */
	filter_commit_cb commit_cb;
	filter_out_cb	 register_cb;
	void		*cb_arg;
};

enum { FS_HANDSHAKE, FS_RUNNING };

void		 filter_init(struct filter *, size_t, size_t, uint32_t);
void		 filter_free(struct filter *);
char		*filter_space(struct filter *, size_t);
void		 filter_commit(struct filter *, size_t);
void		 filter_feed(struct filter *, const char *, size_t);
void		 filter_eof(struct filter *);
void		 filter_line(struct filter *, const char *, size_t);
void		 filter_stats(struct filter *, int64_t, unsigned int, uint64_t);
int		 filter_events(const char *, uint32_t *, const char **);

/* sink.c */
enum { SINK_DONE, SINK_AGAIN, SINK_RETRY };
struct sink;
struct sink	*sink_file(const char *);
struct sink	*sink_syslog(const char *, int, const char *, size_t);
size_t		 sink_syslog_max(size_t);
void		 sink_write(struct sink *, const char *, size_t);
char		*sink_space(struct sink *, size_t);
void		 sink_commit(struct sink *, size_t);
int		 sink_flush(struct sink *);
int		 sink_fd(struct sink *);
int		 sink_retry_ms(struct sink *);
size_t		 sink_pending(struct sink *);
void		 sink_sync(struct sink *);
void		 sink_reopen(struct sink *);
void		 sink_drain(struct sink *, int);
void		 sink_close(struct sink *);
int		 sink_facility(const char *);

/* sha256.c: SHA-256 and HMAC-SHA256, for the pseudonyms of -P. */
#define SHA256_LEN	32
struct sha256 {
	uint32_t	 h[8];
	uint64_t	 n;		/* bytes hashed */
	unsigned char	 buf[64];
	size_t		 fill;
};
struct hmac_sha256 {
	struct sha256	 inner;		/* after the key ^ ipad block */
	struct sha256	 outer;		/* after the key ^ opad block */
};
void		 sha256_init(struct sha256 *);
void		 sha256_update(struct sha256 *, const void *, size_t);
void		 sha256_final(struct sha256 *, unsigned char[SHA256_LEN]);
void		 hmac_sha256_key(struct hmac_sha256 *, const void *, size_t);
void		 hmac_sha256_parts(const struct hmac_sha256 *,
		    const struct slice *, int, unsigned char[SHA256_LEN]);
void		 hmac_sha256(const void *, size_t, const void *, size_t,
		    unsigned char[SHA256_LEN]);
void		 priv_wipe(void *, size_t);

/* privacy.c: -P and -K, what each option hides (see its comment). */
enum {
	PRIV_LOCAL = 1 << 0,	/* local parts of addresses */
	PRIV_USER = 1 << 1,	/* AUTH user names */
	PRIV_IP = 1 << 2,	/* smtp-in client ips: /24, /48 */
	PRIV_PROTO = 1 << 3,	/* protocol lines: verb, reply codes */
	PRIV_KEYED = PRIV_LOCAL | PRIV_USER
};
#define PRIV_KEY_MIN	16		/* bytes of -K's file */
#define PRIV_KEY_MAX	4096
#define PRIV_TOKEN	18		/* "p." and 16 hex digits */
#define PRIV_RDNS	"[rdns]"	/* an rdns name in a free text */

struct privacy {
	unsigned int	 flags;		/* PRIV_*; 0: everything as it is */
	struct hmac_sha256 mac;
};
extern struct privacy privacy;

int		 privacy_parse(const char *, unsigned int *, const char **);
int		 privacy_key(struct privacy *, const char *, const char **);
size_t		 priv_addr(char *, const char *, size_t,
		    const struct session *);
#define PRIV_IP_SLACK	48		/* an ip's prefix may be longer */
#define PRIV_ADDR_MAX(n)	((n) + PRIV_TOKEN + PRIV_IP_SLACK)
size_t		 priv_user(char *, const char *, size_t,
		    const struct session *);
int		 priv_ip(char *, size_t, const char *, size_t);
uint32_t	 priv_name_hash(const char *, size_t);
int		 priv_session(const struct session *);
struct slice	 priv_text(const struct session *, const char *, size_t);
struct slice	 priv_line(const struct session *, const struct report *,
		    const struct slice *);

/* Allocation that cannot fail quietly: a broken invariant ends it. */
void		*xmalloc(size_t);
void		*xcalloc(size_t, size_t);
void		*xreallocarray(void *, size_t, size_t);

#endif /* FILTER_JSONLOG_H */
