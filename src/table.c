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
 * The session table: a hash table keyed by (subsystem, session id), with
 * its slots found and prefetched a few lines ahead, and an LRU list for
 * expiry and, when the table is full, eviction.  It grows by doubling.
 */

#include <stdlib.h>
#include <string.h>
#ifdef HAVE_MALLOC_TRIM
#include <malloc.h>
#endif

#include "filter-jsonlog.h"
#include "compat.h"

#define LRU_GRANULE	1000000		/* us */
/*
 * The monotonic second a session was last moved to the LRU's tail: every
 * event finds it moved in its own second, so its last event was less
 * than LRU_GRANULE after moved_s.
 */
#define MONO_S(ss)	((uint32_t)((ss)->mono_us / LRU_GRANULE))
#define TRIM_MIN	10000		/* sessions */

static size_t	 bucket_of(const struct sessions *, int, uint64_t);
static void	 table_grow(struct sessions *);
static void	 session_unlink(struct sessions *, struct session *);

/* cap sessions at most; expire after expire_us idle; texts to textmax. */
void
sessions_init(struct sessions *ss, size_t cap, int64_t expire_us,
    size_t textmax)
{
	memset(ss, 0, sizeof(*ss));
	ss->nbucket = 1024;
	ss->bucket = xcalloc(ss->nbucket, sizeof(*ss->bucket));
	ss->cap = cap;
	ss->expire_us = expire_us;
	ss->textmax = textmax;
	TAILQ_INIT(&ss->lru);
}

/* Free every session and the table. */
void
sessions_free(struct sessions *ss)
{
	struct session	*s;

	while ((s = TAILQ_FIRST(&ss->lru)) != NULL)
		session_remove(ss, s);
	free(ss->bucket);
	ss->bucket = NULL;
}

/*
 * Find the session, creating it when it is new.  When the table is full
 * the least recently used session makes room (counted as evicted).
 */
struct session *
session_get(struct sessions *ss, int subsys, uint64_t id, int64_t now)
{
	struct session	*s, *old;
	size_t		 b = bucket_of(ss, subsys, id);

	for (s = ss->bucket[b]; s != NULL; s = s->hnext)
		if (s->id == id && s->subsys == subsys) {
			/*
			 * Keep the LRU order to the second: moving on every
			 * event touches two cold neighbours each time.
			 */
			if (s->moved_s != MONO_S(ss)) {
				TAILQ_REMOVE(&ss->lru, s, lru);
				TAILQ_INSERT_TAIL(&ss->lru, s, lru);
				s->moved_s = MONO_S(ss);
			}
			return (s);
		}

	if (ss->count >= ss->cap && (old = TAILQ_FIRST(&ss->lru)) != NULL) {
		mask_evicted(ss, old);	/* waiting for AUTH data? */
		if (ss->end_cb != NULL)
			ss->end_cb(ss->end_arg, old, END_EVICTED);
		session_remove(ss, old);
		stats.evicted++;
	}
	if (ss->count >= ss->nbucket) {
		table_grow(ss);
		b = bucket_of(ss, subsys, id);
	}
	s = xcalloc(1, sizeof(*s));
	s->id = id;
	s->subsys = subsys;
	s->start_us = now;
	s->last_us = now;
	s->moved_s = MONO_S(ss);
	s->tls_bits = -1;
	s->sgen = ++ss->gen;
	s->tgen = ++ss->gen;
	s->auth_data = mask_returning(ss, subsys, id);
	s->hnext = ss->bucket[b];
	ss->bucket[b] = s;
	TAILQ_INSERT_TAIL(&ss->lru, s, lru);
	ss->count++;
	if (ss->count > ss->peak)
		ss->peak = ss->count;
	stats.sessions = ss->count;
	return (s);
}

/* Where a session will be found; its table slot is prefetched. */
struct session_key
session_key(struct sessions *ss, int subsys, uint64_t id)
{
	struct session_key	 k;

	k.subsys = subsys;
	k.id = id;
	k.bucket = bucket_of(ss, subsys, id);
	k.nbucket = ss->nbucket;
	PREFETCH(&ss->bucket[k.bucket]);
	return (k);
}

/* Later, the slot is in the cache: prefetch the session and its texts. */
void
session_prefetch(struct sessions *ss, const struct session_key *k)
{
	struct session	*s;
	size_t		 off;

	/* not a report, or the table has grown since: skip */
	if (k->nbucket != ss->nbucket)
		return;
	for (s = ss->bucket[k->bucket]; s != NULL; s = s->hnext)
		if (s->id == k->id && s->subsys == k->subsys) {
			for (off = 0; off < sizeof(*s); off += 64)
				PREFETCH((char *)s + off);
			if (s->arena != NULL) {	/* NULL + 64 is undefined */
				PREFETCH(s->arena);
				PREFETCH(s->arena + 64);
			}
			PREFETCH(s->tx.rcpt);
			PREFETCH(s->tx.evp);
			return;
		}
}

/*
 * Free the sessions idle for longer than the expiry time, by both clocks:
 * the report timestamps jump with the wall clock (an NTP step, a resumed
 * VM, streams captured hours apart) while smtpd's own timeouts do not, and
 * the monotonic clock alone would expire every session of a saved stream
 * replayed slowly.  The LRU order is the monotonic one, to the second; the
 * walk stops at the first session not idle by both, so one whose report
 * times run ahead of the others' holds the rest back until it is.  An
 * expired session waiting for AUTH data is not remembered as an evicted
 * one is (mask_evicted): after 20 idle minutes smtpd has timed it out, and
 * a line of it that comes back anyway starts an unknown session, whose
 * client lines are masked unless they are SMTP commands (mask_line).
 */
void
session_expire(struct sessions *ss)
{
	struct session	*s;

	while ((s = TAILQ_FIRST(&ss->lru)) != NULL &&
	    s->last_us + ss->expire_us < ss->now_us &&
	    (int64_t)s->moved_s * LRU_GRANULE + ss->expire_us + LRU_GRANULE <=
	    ss->mono_us) {
		if (ss->end_cb != NULL)
			ss->end_cb(ss->end_arg, s, END_EXPIRED);
		session_remove(ss, s);
		stats.expired++;
	}
}

/* A session ends: out of the table, and freed. */
void
session_remove(struct sessions *ss, struct session *s)
{
	session_unlink(ss, s);
	session_free(s);
}

/* The slot of a session: a 64-bit mix of its id and subsystem. */
static size_t
bucket_of(const struct sessions *ss, int subsys, uint64_t id)
{
	uint64_t	 h = id ^ ((uint64_t)subsys << 61);

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return (h & (ss->nbucket - 1));
}

/* Twice the slots, every session moved to its new one. */
static void
table_grow(struct sessions *ss)
{
	struct session	**old = ss->bucket, *s, *next;
	size_t		 i, n = ss->nbucket, b;

	ss->nbucket = n * 2;
	ss->bucket = xcalloc(ss->nbucket, sizeof(*ss->bucket));
	for (i = 0; i < n; i++)
		for (s = old[i]; s != NULL; s = next) {
			next = s->hnext;
			b = bucket_of(ss, s->subsys, s->id);
			s->hnext = ss->bucket[b];
			ss->bucket[b] = s;
		}
	free(old);
}

/* Take a session out of the table and the LRU list. */
static void
session_unlink(struct sessions *ss, struct session *s)
{
	struct session	**pp;

	for (pp = &ss->bucket[bucket_of(ss, s->subsys, s->id)]; *pp != NULL;
	    pp = &(*pp)->hnext)
		if (*pp == s) {
			*pp = s->hnext;
			break;
		}
	TAILQ_REMOVE(&ss->lru, s, lru);
	ss->count--;
	stats.sessions = ss->count;
	/*
	 * When most of a large peak of sessions is gone, give the memory
	 * back (glibc keeps freed memory otherwise).
	 */
	if (ss->peak >= TRIM_MIN && ss->count < ss->peak / 4) {
		(void)malloc_trim(0);
		ss->peak = ss->count;
	}
}
