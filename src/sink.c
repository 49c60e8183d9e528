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
 * Where records go: an append-only file (or stdout), or syslog through a
 * datagram socket of our own.  Nothing here may block the filter: records
 * wait in a bounded buffer, and what does not fit is dropped and counted.
 * A file is written by a thread of its own (below); syslog by the filter,
 * without blocking.  glibc's syslog(3) blocks when the daemon stalls, so
 * it is not used.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "filter-jsonlog.h"
#include "compat.h"

#define SINK_MAX	(8 * 1024 * 1024)	/* bytes waiting, at most */
#define SINK_BATCH	(256 * 1024)		/* write when this much waits */
#define SINK_AHEAD	(4 * SINK_BATCH)	/* a file: rendered ahead of the
						   writer while it gets on */
#define SEVERITY_INFO	6
#define SYSLOG_HDR_MAX	320			/* "<22>Nov 24 …: " */
/* the longest one: "<191>", date, a tag of 64, "[", a pid, "]: " */
#define SYSLOG_HDR_WORST (5 + 16 + 64 + 1 + 20 + 3)
#define SYSLOG_NOBUFS_MAX (64 * 1024)		/* ENOBUFS: wait, up to */
#define SYSLOG_NOBUFS_MS 20			/* and try again after */
#define SINK_RETRY_MS	1000			/* reconnect, reopen, disk */
#define SINK_STALL_MS	1000	/* a full queue: wait this long for a write */

enum { SINK_FILE, SINK_SYSLOG };

/*
 * A file sink's writer thread.  Writing a record to the page cache costs
 * the kernel about as much as rendering it costs us: done by a thread of
 * its own, the two overlap, and a stalled disk (NFS, a full file system)
 * stalls that thread only, never the reading of smtpd's events.
 *
 * The filter fills one chunk at a time (k->cur, records and their
 * newlines, whole records only) and hands it over when it holds
 * SINK_BATCH bytes or when a read of input is done; the writer writes
 * the chunks in order and gives them back for reuse.  What waits (the
 * chunk being filled and those handed over) stays under SINK_AHEAD while
 * the writer gets on (the filter waits for it), under SINK_MAX when it
 * fails or hangs: beyond that records are dropped and counted, as
 * before.  A rotation (SIGHUP)
 * is a marker in the same queue, so that what was rendered before the
 * signal goes to the old file.  The writer counts what it wrote and what
 * went wrong; the filter takes those over into stats and says them on
 * stderr (log.c is the filter's alone) when it next calls the sink.
 */

/* A new chunk's room: a batch and some records more. */
#define CHUNK_CAP	(SINK_BATCH + 64 * 1024)
#define SPARE_MAX	4		/* written chunks kept for reuse */

struct chunk {
	struct chunk	*next;
	char		*buf;
	size_t		 len;
	size_t		 cap;
	size_t		 off;		/* written so far (the writer's) */
	uint64_t	 nrec;
	int		 reopen;	/* a marker: reopen the file here */
};

struct writer {
	pthread_t	 thread;
	pthread_mutex_t	 mtx;
	pthread_cond_t	 work;		/* to the writer: a chunk, or stop */
	pthread_cond_t	 done;		/* to the filter: a chunk is done */
	struct chunk	*head;		/* handed over, oldest (in hand) */
	struct chunk	*tail;
	struct chunk	*spare;
	int		 nspare;
	size_t		 queued;	/* bytes from head to tail */
	uint64_t	 written;	/* records and bytes written, not */
	uint64_t	 bytes;		/* yet taken into stats */
	uint64_t	 uncut;		/* bytes taken back (file_uncut) */
	uint64_t	 ndone;		/* chunks written so far */
	uint64_t	 nerr;		/* write errors so far */
	int		 err;		/* the last one (-1: a short write) */
	int		 failing;	/* the last write failed */
	int		 reopen_err;	/* a reopen failed with this errno */
	int		 stop;		/* the filter gave up waiting */
	int		 running;
};

struct sink {
	int		 type;
	int		 fd;		/* a file's: the writer's, once started */
	int		 own_fd;	/* not stdout */
	char		*path;
	time_t		 warned;	/* last warning */
	uint64_t	 unsaid;	/* problems since, not warned about */
	/* file */
	struct writer	 w;
	struct chunk	*cur;		/* being filled */
	size_t		 qview;		/* w.queued when last looked at */
	uint64_t	 nerr_seen;	/* w.nerr then */
	uint64_t	 stalled;	/* w.ndone + 1 when a wait timed out */
	/* syslog: length-prefixed datagrams waiting in [off, len) */
	char		*buf;
	size_t		 off;
	size_t		 len;
	size_t		 cap;
	uint64_t	 nrec;		/* records in the buffer */
	/* syslog */
	int		 pri;
	char		*tag;
	long		 pid;
	time_t		 last_try;
	size_t		 dgram;		/* largest datagram wanted */
	int		 retry_ms;	/* after SINK_RETRY */
	time_t		 hdr_sec;
	char		 hdr[SYSLOG_HDR_MAX];
	size_t		 hdrlen;
};

static const struct {
	const char	*name;
	int		 code;
} facilities[] = {
	{ "kern", 0 }, { "user", 1 }, { "mail", 2 }, { "daemon", 3 },
	{ "auth", 4 }, { "syslog", 5 }, { "lpr", 6 }, { "news", 7 },
	{ "uucp", 8 }, { "cron", 9 }, { "authpriv", 10 }, { "ftp", 11 },
	{ "local0", 16 }, { "local1", 17 }, { "local2", 18 },
	{ "local3", 19 }, { "local4", 20 }, { "local5", 21 },
	{ "local6", 22 }, { "local7", 23 }
};

static int	 file_open(const char *);
static size_t	 file_uncut(int, struct chunk *);
static void	 file_drain(struct sink *, int);
static struct chunk *chunk_get(struct sink *, size_t);
static void	 chunk_free(struct chunk *);
static void	 handover(struct sink *, struct chunk *);
static struct timespec from_now(int);
static void	 writer_sync(struct sink *);
static int	 writer_room(struct sink *, size_t);
static void	*writer_main(void *);
static int	 writer_chunk(struct sink *, struct chunk *);
static void	 writer_reopen(struct sink *);
static int	 writer_wait(struct writer *, pthread_cond_t *,
		    const struct timespec *);
static int	 syslog_connect(struct sink *);
static int	 syslog_flush(struct sink *);
static int	 syslog_send(struct sink *, const char *, size_t,
		    const char *, size_t);
static void	 syslog_header(struct sink *);
static void	 syslog_sndbuf(int, size_t);
static void	 buf_append(struct sink *, const char *, size_t,
		    const char *, size_t);
static void	 sink_warn(struct sink *, const char *);

/* The numeric code of a syslog facility name, or -1. */
int
sink_facility(const char *name)
{
	size_t	 i;

	for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (strcmp(facilities[i].name, name) == 0)
			return (facilities[i].code);
	return (-1);
}

/* An append-only file, or stdout for "-"; NULL with errno set. */
struct sink *
sink_file(const char *path)
{
	struct sink		*k;
	struct writer		*w;
	pthread_condattr_t	 ca;
	sigset_t		 all, old;
	int			 fd, e;

	if (strcmp(path, "-") == 0)
		fd = STDOUT_FILENO;
	else if ((fd = file_open(path)) == -1)
		return (NULL);
	k = xcalloc(1, sizeof(*k));
	k->type = SINK_FILE;
	k->fd = fd;
	k->own_fd = fd != STDOUT_FILENO;
	k->path = strdup(path);
	w = &k->w;
	/* the waits are timed on the monotonic clock */
	if ((e = pthread_condattr_init(&ca)) != 0 ||
	    (e = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC)) != 0 ||
	    (e = pthread_mutex_init(&w->mtx, NULL)) != 0 ||
	    (e = pthread_cond_init(&w->work, &ca)) != 0 ||
	    (e = pthread_cond_init(&w->done, &ca)) != 0)
		goto fail;
	(void)pthread_condattr_destroy(&ca);
	/* signals are the event loop's: the writer takes none */
	w->running = 1;
	sigfillset(&all);
	(void)pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&w->thread, NULL, writer_main, k);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e == 0)
		return (k);
fail:
	if (k->own_fd)
		close(fd);
	free(k->path);
	free(k);
	errno = e;
	return (NULL);
}

/*
 * syslog through the datagram socket at path, for records of up to
 * recmax bytes (connected now if it can be, else later).
 */
struct sink *
sink_syslog(const char *path, int facility, const char *tag, size_t recmax)
{
	struct sink	*k;

	k = xcalloc(1, sizeof(*k));
	k->type = SINK_SYSLOG;
	k->dgram = recmax + SYSLOG_HDR_WORST;
	k->fd = -1;
	k->path = strdup(path);
	k->tag = strdup(tag);
	k->pri = facility * 8 + SEVERITY_INFO;
	k->pid = (long)getpid();
	k->hdr_sec = -1;
	(void)syslog_connect(k);
	return (k);
}

/*
 * Room for a record of up to n bytes at the end of a file sink's queue,
 * to be written there in place and queued by sink_commit; NULL for a
 * syslog sink, or when the queue is nearly full (sink_write decides).
 */
char *
sink_space(struct sink *k, size_t n)
{
	struct chunk	*c = k->cur;
	size_t		 need = n + 1, have;

	if (k->type != SINK_FILE)
		return (NULL);
	if (c != NULL && c->len + need > c->cap && c->len > 0) {
		handover(k, c);		/* a record never spans two */
		c = k->cur = NULL;
	}
	have = c != NULL ? c->len : 0;
	if (k->qview + have + need > SINK_AHEAD &&
	    !writer_room(k, have + need))
		return (NULL);
	if (c == NULL)
		c = k->cur = chunk_get(k, need);
	else if (c->len + need > c->cap) {	/* empty, too small */
		c->buf = xreallocarray(c->buf, need, 1);
		c->cap = need;
	}
	return (c->buf + c->len);
}

/* Queue the record of n bytes written at sink_space(), and its newline. */
void
sink_commit(struct sink *k, size_t n)
{
	struct chunk	*c = k->cur;

	c->buf[c->len + n] = '\n';
	c->len += n + 1;
	c->nrec++;
	if (c->len >= SINK_BATCH) {
		k->cur = NULL;
		handover(k, c);
	}
}

/* Queue one record (or send it at once); drop it when there is no room. */
void
sink_write(struct sink *k, const char *rec, size_t n)
{
	char	*p;

	if (k->type == SINK_FILE) {
		if ((p = sink_space(k, n)) == NULL) {
			stats.dropped++;
			sink_warn(k, "output buffer full, records dropped");
			return;
		}
		memcpy(p, rec, n);
		sink_commit(k, n);
		return;
	}
	syslog_header(k);
	if (k->len == k->off && k->fd != -1) {
		switch (syslog_send(k, k->hdr, k->hdrlen, rec, n)) {
		case SINK_DONE:
			stats.written++;
			return;
		case -1:
			stats.dropped++;	/* can never be sent */
			sink_warn(k, "record larger than the socket takes, "
			    "dropped");
			return;
		default:
			break;
		}
	}
	buf_append(k, k->hdr, k->hdrlen, rec, n);
}

/*
 * Write out what waits: SINK_DONE, SINK_AGAIN (poll) or SINK_RETRY (after
 * sink_retry_ms()).
 */
int
sink_flush(struct sink *k)
{
	k->retry_ms = SINK_RETRY_MS;
	if (k->type == SINK_FILE) {
		if (k->cur != NULL && k->cur->len > 0) {
			handover(k, k->cur);
			k->cur = NULL;
		}
		writer_sync(k);
		return (SINK_DONE);	/* the writer's now */
	}
	return (syslog_flush(k));
}

/* How long to wait before the next try after SINK_RETRY. */
int
sink_retry_ms(struct sink *k)
{
	return (k->retry_ms > 0 ? k->retry_ms : SINK_RETRY_MS);
}

/* The descriptor to poll for writing, or -1 (a file: the writer's). */
int
sink_fd(struct sink *k)
{
	return (k->type == SINK_FILE ? -1 : k->fd);
}

/* Bytes waiting for the sink. */
size_t
sink_pending(struct sink *k)
{
	if (k->type == SINK_FILE) {
		writer_sync(k);
		return (k->qview + (k->cur != NULL ? k->cur->len : 0));
	}
	return (k->len - k->off);
}

/* The writer's counts into stats, and its troubles said (a file). */
void
sink_sync(struct sink *k)
{
	if (k->type == SINK_FILE)
		writer_sync(k);
}

/* SIGHUP: the file was rotated (reopen it), or syslog restarted. */
void
sink_reopen(struct sink *k)
{
	struct chunk	*m;

	if (k->type == SINK_SYSLOG) {
		if (k->fd != -1)
			close(k->fd);
		k->fd = -1;
		k->last_try = 0;
		(void)syslog_connect(k);
		return;
	}
	if (!k->own_fd)
		return;
	/* What was rendered before the signal belongs to the old file. */
	if (k->cur != NULL && k->cur->len > 0) {
		handover(k, k->cur);
		k->cur = NULL;
	}
	m = chunk_get(k, 1);
	m->reopen = 1;
	handover(k, m);
}

/* At exit: keep flushing for up to ms milliseconds, then give up. */
void
sink_drain(struct sink *k, int ms)
{
	struct pollfd	 pfd;
	struct timespec	 now, end;
	int		 r;

	if (k->type == SINK_FILE) {
		file_drain(k, ms);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += ms / 1000;
	end.tv_nsec += (long)(ms % 1000) * 1000000;
	for (;;) {
		if (sink_pending(k) == 0 || (r = sink_flush(k)) == SINK_DONE)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end.tv_sec || (now.tv_sec == end.tv_sec &&
		    now.tv_nsec >= end.tv_nsec))
			break;
		if (r == SINK_AGAIN && k->fd != -1) {
			pfd.fd = k->fd;
			pfd.events = POLLOUT;
			(void)poll(&pfd, 1, 50);
		} else
			(void)poll(NULL, 0, 50);	/* reconnect later */
	}
	if (sink_pending(k) > 0) {
		stats.dropped += k->nrec;
		log_info("%llu records not written at exit",
		    (unsigned long long)k->nrec);
		k->off = k->len = 0;
		k->nrec = 0;
	}
}

void
sink_close(struct sink *k)
{
	struct writer	*w = &k->w;
	struct timespec	 end = from_now(1000);
	struct chunk	*c;
	int		 running;

	if (k->type == SINK_FILE) {
		(void)pthread_mutex_lock(&w->mtx);
		w->stop = 1;
		(void)pthread_cond_signal(&w->work);
		while (w->running && writer_wait(w, &w->done, &end))
			;
		running = w->running;
		(void)pthread_mutex_unlock(&w->mtx);
		if (running)
			return;	/* stuck in a write: left to the exit */
		(void)pthread_join(w->thread, NULL);
		chunk_free(k->cur);
		while ((c = w->head) != NULL) {
			w->head = c->next;
			chunk_free(c);
		}
		while ((c = w->spare) != NULL) {
			w->spare = c->next;
			chunk_free(c);
		}
		(void)pthread_cond_destroy(&w->work);
		(void)pthread_cond_destroy(&w->done);
		(void)pthread_mutex_destroy(&w->mtx);
	}
	if (k->fd != -1 && k->own_fd)
		close(k->fd);
	free(k->buf);
	free(k->path);
	free(k->tag);
	free(k);
}

static int
file_open(const char *path)
{
	return (open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
}

/*
 * A failed write can leave the start of a record in the file (ENOSPC
 * after a short write); the next record, of this run or of the next one,
 * would be glued to it.  Take the cut part back: the file then ends with
 * a whole line, and the record is written again in full later.  A chunk
 * starts with a record.  Returns the bytes taken back.
 */
static size_t
file_uncut(int fd, struct chunk *c)
{
	size_t	 start;
	off_t	 end;

	if (c->off == 0 || c->buf[c->off - 1] == '\n')
		return (0);
	for (start = c->off; start > 0 && c->buf[start - 1] != '\n'; start--)
		;
	if ((end = lseek(fd, 0, SEEK_END)) == -1 ||
	    end < (off_t)(c->off - start) ||
	    ftruncate(fd, end - (off_t)(c->off - start)) == -1)
		return (0);	/* not a regular file: a stream goes on as it is */
	start = c->off - start;
	c->off -= start;
	return (start);
}

/* An empty chunk with room for need bytes: a written one, or a new one. */
static struct chunk *
chunk_get(struct sink *k, size_t need)
{
	struct writer	*w = &k->w;
	struct chunk	*c;
	size_t		 cap;

	(void)pthread_mutex_lock(&w->mtx);
	if ((c = w->spare) != NULL) {
		w->spare = c->next;
		w->nspare--;
	}
	k->qview = w->queued;
	(void)pthread_mutex_unlock(&w->mtx);
	if (c == NULL)
		c = xcalloc(1, sizeof(*c));
	if (c->cap < need || c->cap < CHUNK_CAP) {
		cap = need > CHUNK_CAP ? need : CHUNK_CAP;
		c->buf = xreallocarray(c->buf, cap, 1);
		c->cap = cap;
	}
	c->next = NULL;
	c->len = c->off = 0;
	c->nrec = 0;
	c->reopen = 0;
	return (c);
}

static void
chunk_free(struct chunk *c)
{
	if (c == NULL)
		return;
	free(c->buf);
	free(c);
}

/* The filter hands a chunk to the writer. */
static void
handover(struct sink *k, struct chunk *c)
{
	struct writer	*w = &k->w;

	c->next = NULL;
	c->off = 0;
	(void)pthread_mutex_lock(&w->mtx);
	if (w->tail != NULL)
		w->tail->next = c;
	else
		w->head = c;
	w->tail = c;
	w->queued += c->len;
	k->qview = w->queued;
	(void)pthread_cond_signal(&w->work);
	(void)pthread_mutex_unlock(&w->mtx);
}

/*
 * The filter takes over what the writer counted since the last look, and
 * says what went wrong (at most once a minute, sink_warn).
 */
static void
writer_sync(struct sink *k)
{
	struct writer	*w = &k->w;
	uint64_t	 nerr;
	int		 err, rerr;

	(void)pthread_mutex_lock(&w->mtx);
	stats.written += w->written;
	stats.written_bytes += w->bytes;	/* less what was taken back */
	stats.written_bytes -= w->uncut;
	w->written = w->bytes = 0;
	w->uncut = 0;
	k->qview = w->stop ? 0 : w->queued;	/* given up: none waits */
	nerr = w->nerr;
	err = w->err;
	rerr = w->reopen_err;
	w->reopen_err = 0;
	(void)pthread_mutex_unlock(&w->mtx);
	if (nerr != k->nerr_seen) {
		k->unsaid += nerr - k->nerr_seen - 1;
		k->nerr_seen = nerr;
		sink_warn(k, err == -1 ? "short write" : strerror(err));
	}
	if (rerr != 0)
		log_warnx("reopen %s: %s (still writing to the old file)",
		    k->path, strerror(rerr));
}

/* The time ms milliseconds from now, on the clock the waits use. */
static struct timespec
from_now(int ms)
{
	struct timespec	 t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (long)(ms % 1000) * 1000000;
	if (t.tv_nsec >= 1000000000) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000;
	}
	return (t);
}

/*
 * More than SINK_AHEAD waits.  While the writer gets on (a disk slower
 * than the records come, a burst), wait for it, as a write(2) of our own
 * would have: the filter stays a few chunks ahead, and its memory small.
 * When it fails or hangs, do not wait: records wait up to SINK_MAX, and
 * what does not fit is dropped (0).
 */
static int
writer_room(struct sink *k, size_t more)
{
	struct writer	*w = &k->w;
	struct timespec	 end;
	int		 room;

	(void)pthread_mutex_lock(&w->mtx);
	if (w->queued + more <= SINK_AHEAD || w->failing)
		goto out;
	if (k->stalled == w->ndone + 1)
		goto out;	/* nothing written since the last wait: none */
	end = from_now(SINK_STALL_MS);
	while (w->queued + more > SINK_AHEAD && !w->failing && w->running) {
		if (!writer_wait(w, &w->done, &end)) {
			k->stalled = w->ndone + 1;
			break;
		}
		end = from_now(SINK_STALL_MS);	/* it wrote a chunk */
	}
out:
	room = w->queued + more <= SINK_MAX;
	(void)pthread_mutex_unlock(&w->mtx);
	writer_sync(k);
	return (room);
}

/* Wait on cv, mtx held, until *end: 0 once that time has come. */
static int
writer_wait(struct writer *w, pthread_cond_t *cv, const struct timespec *end)
{
	return (pthread_cond_timedwait(cv, &w->mtx, end) != ETIMEDOUT);
}

static void *
writer_main(void *arg)
{
	struct sink	*k = arg;
	struct writer	*w = &k->w;
	struct chunk	*c;

	(void)pthread_mutex_lock(&w->mtx);
	for (;;) {
		while (w->head == NULL && !w->stop)
			(void)pthread_cond_wait(&w->work, &w->mtx);
		if (w->stop)
			break;
		c = w->head;
		(void)pthread_mutex_unlock(&w->mtx);
		if (c->reopen)
			writer_reopen(k);
		else if (writer_chunk(k, c) == -1) {
			(void)pthread_mutex_lock(&w->mtx);
			break;		/* the filter gave up on it */
		}
		(void)pthread_mutex_lock(&w->mtx);
		if (w->stop)
			break;		/* the queue is the filter's again */
		if ((w->head = c->next) == NULL)
			w->tail = NULL;
		w->queued -= c->len;
		w->written += c->nrec;
		w->ndone++;
		if (w->nspare < SPARE_MAX && c->cap <= 2 * CHUNK_CAP) {
			c->next = w->spare;
			w->spare = c;
			w->nspare++;
		} else
			chunk_free(c);
		(void)pthread_cond_broadcast(&w->done);
	}
	w->running = 0;
	(void)pthread_cond_broadcast(&w->done);
	(void)pthread_mutex_unlock(&w->mtx);
	return (NULL);
}

/*
 * Write one chunk, whatever it takes: a full disk is tried again every
 * SINK_RETRY_MS, a descriptor that would block is polled.  0 when it is
 * written, -1 when the filter stopped waiting for it.
 */
static int
writer_chunk(struct sink *k, struct chunk *c)
{
	struct writer	*w = &k->w;
	struct pollfd	 pfd;
	struct timespec	 end;
	ssize_t		 n;
	size_t		 cut;
	int		 stop, e;

	while (c->off < c->len) {
		n = write(k->fd, c->buf + c->off, c->len - c->off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n > 0) {
			c->off += n;
			(void)pthread_mutex_lock(&w->mtx);
			w->bytes += n;
			w->failing = 0;
			stop = w->stop;
			(void)pthread_mutex_unlock(&w->mtx);
		} else if (n == -1 && (errno == EAGAIN ||
		    errno == EWOULDBLOCK)) {
			pfd.fd = k->fd;		/* stdout, made non-blocking */
			pfd.events = POLLOUT;
			(void)poll(&pfd, 1, SINK_RETRY_MS);
			(void)pthread_mutex_lock(&w->mtx);
			stop = w->stop;
			(void)pthread_mutex_unlock(&w->mtx);
		} else {
			/* ENOSPC and the like: keep the bytes, try later */
			e = n == 0 ? -1 : errno;
			cut = file_uncut(k->fd, c);
			(void)pthread_mutex_lock(&w->mtx);
			w->uncut += cut;
			w->failing = 1;
			w->nerr++;
			w->err = e;
			end = from_now(SINK_RETRY_MS);
			while (!w->stop && writer_wait(w, &w->work, &end))
				;
			stop = w->stop;
			(void)pthread_mutex_unlock(&w->mtx);
		}
		if (stop)
			return (-1);
	}
	return (0);
}

/* The marker of a SIGHUP: the file was rotated, open it again. */
static void
writer_reopen(struct sink *k)
{
	struct writer	*w = &k->w;
	int		 fd;

	if ((fd = file_open(k->path)) == -1) {
		(void)pthread_mutex_lock(&w->mtx);
		w->reopen_err = errno;
		(void)pthread_mutex_unlock(&w->mtx);
		return;
	}
	close(k->fd);
	k->fd = fd;
}

/*
 * At exit: wait up to ms milliseconds for the writer to write what
 * waits; what it could not is dropped and counted.
 */
static void
file_drain(struct sink *k, int ms)
{
	struct writer	*w = &k->w;
	struct chunk	*c;
	struct timespec	 end;
	uint64_t	 lost = 0;

	if (k->cur != NULL && k->cur->len > 0) {
		handover(k, k->cur);
		k->cur = NULL;
	}
	end = from_now(ms);
	(void)pthread_mutex_lock(&w->mtx);
	while (w->head != NULL && w->running &&
	    writer_wait(w, &w->done, &end))
		;
	if (w->head != NULL) {
		w->stop = 1;	/* it counts no record from now on */
		(void)pthread_cond_signal(&w->work);
		for (c = w->head; c != NULL; c = c->next)
			lost += c->nrec;
	}
	(void)pthread_mutex_unlock(&w->mtx);
	writer_sync(k);
	if (lost > 0) {
		stats.dropped += lost;
		log_info("%llu records not written at exit",
		    (unsigned long long)lost);
	}
}

static int
syslog_connect(struct sink *k)
{
	struct sockaddr_un	 sun;
	time_t			 now = time(NULL);
	int			 fd, fl;

	if (k->fd != -1)
		return (0);
	if (k->last_try == now)
		return (-1);	/* once a second at most */
	k->last_try = now;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, k->path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		sink_warn(k, "socket path too long");
		return (-1);
	}
	if ((fd = socket(AF_UNIX, SOCK_DGRAM, 0)) == -1) {
		sink_warn(k, strerror(errno));
		return (-1);
	}
	syslog_sndbuf(fd, k->dgram);
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		sink_warn(k, strerror(errno));
		close(fd);
		return (-1);
	}
	k->fd = fd;
	return (0);
}

/*
 * One datagram; SINK_DONE, SINK_AGAIN (the daemon is behind), SINK_RETRY
 * (it went away: reconnect later) or -1 (this one can never be sent).
 */
static int
syslog_send(struct sink *k, const char *a, size_t alen, const char *b,
    size_t blen)
{
	struct iovec	 iov[2];
	struct msghdr	 msg;

	iov[0].iov_base = (void *)(uintptr_t)a;
	iov[0].iov_len = alen;
	iov[1].iov_base = (void *)(uintptr_t)b;
	iov[1].iov_len = blen;
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = iov;
	msg.msg_iovlen = blen ? 2 : 1;
	for (;;) {
		if (sendmsg(k->fd, &msg, 0) != -1) {
			stats.written_bytes += alen + blen;
			return (SINK_DONE);
		}
		switch (errno) {
		case EINTR:
			continue;
		case EAGAIN:
#if EWOULDBLOCK != EAGAIN
		case EWOULDBLOCK:
#endif
			return (SINK_AGAIN);
		case ENOBUFS:
			/*
			 * BSD: the receiver is full, and the socket still
			 * polls writable: try again on the timer.  Linux: no
			 * memory for a datagram this large (it never goes).
			 */
			if (alen + blen <= SYSLOG_NOBUFS_MAX) {
				k->retry_ms = SYSLOG_NOBUFS_MS;
				return (SINK_RETRY);
			}
			/* FALLTHROUGH */
		case EMSGSIZE:
			return (-1);	/* the caller counts it, then warns */
		default:
			sink_warn(k, strerror(errno));
			close(k->fd);
			k->fd = -1;
			return (SINK_RETRY);
		}
	}
}

static int
syslog_flush(struct sink *k)
{
	uint32_t	 n;
	int		 r;

	while (k->off < k->len) {
		if (k->fd == -1 && syslog_connect(k) == -1)
			return (SINK_RETRY);
		memcpy(&n, k->buf + k->off, sizeof(n));
		r = syslog_send(k, k->buf + k->off + sizeof(n), n, NULL, 0);
		if (r == SINK_AGAIN || r == SINK_RETRY)
			return (r);
		if (r == SINK_DONE)
			stats.written++;
		else {
			stats.dropped++;
			sink_warn(k, "record larger than the socket takes, "
			    "dropped");
		}
		k->off += sizeof(n) + n;
		k->nrec--;
	}
	k->off = k->len = 0;
	return (SINK_DONE);
}

/*
 * A datagram socket sends nothing larger than its send buffer (less some
 * bookkeeping): ask for enough room for the largest datagram; the kernel
 * may give less (Linux: net.core.wmem_max).
 */
static void
syslog_sndbuf(int fd, size_t dgram)
{
	int		 have, want;
	socklen_t	 len = sizeof(have);

	if (dgram > INT_MAX / 2)
		dgram = INT_MAX / 2;
	want = (int)dgram + 1024;
	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &have, &len) == 0 &&
	    have >= want)
		return;
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof(want));
}

/*
 * The largest record, at most recmax bytes, that a syslog datagram can
 * carry here, found by sending datagrams over a socket pair set up as the
 * real socket will be (the syslog socket itself may not be there yet).
 */
size_t
sink_syslog_max(size_t recmax)
{
	size_t		 lo, hi, mid, dgram = recmax + SYSLOG_HDR_WORST;
	char		*buf;
	int		 sv[2], rcv;
	ssize_t		 n;

	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == -1)
		return (recmax);	/* cannot tell: trust the cap */
	syslog_sndbuf(sv[0], dgram);
	/* BSD: the receiver's buffer bounds a datagram too (syslogd's own) */
	rcv = (int)(dgram > INT_MAX / 2 ? INT_MAX / 2 : dgram) + 1024;
	(void)setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	buf = xcalloc(1, dgram);
	lo = 0;
	hi = dgram;
	while (lo < hi) {		/* the largest size that goes */
		mid = lo + (hi - lo + 1) / 2;
		n = send(sv[0], buf, mid, MSG_DONTWAIT);
		if (n == (ssize_t)mid) {
			lo = mid;
			(void)recv(sv[1], buf, dgram, MSG_DONTWAIT);
		} else if (n == -1 && (errno == EMSGSIZE || errno == ENOBUFS))
			hi = mid - 1;	/* ENOBUFS: too large to allocate */
		else {
			lo = dgram;	/* some other trouble: trust the cap */
			break;
		}
	}
	free(buf);
	close(sv[0]);
	close(sv[1]);
	return (lo > SYSLOG_HDR_WORST ? lo - SYSLOG_HDR_WORST : 0);
}

/* "<22>Nov 24 22:01:40 filter-jsonlog[123]: ", as syslog(3) writes. */
static void
syslog_header(struct sink *k)
{
	struct tm	 tm;
	time_t		 now = time(NULL);
	int		 n;

	if (now == k->hdr_sec)
		return;
	k->hdr_sec = now;
	if (localtime_r(&now, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	n = snprintf(k->hdr, sizeof(k->hdr), "<%d>", k->pri);
	n += strftime(k->hdr + n, sizeof(k->hdr) - n, "%b %e %H:%M:%S ",
	    &tm);
	n += snprintf(k->hdr + n, sizeof(k->hdr) - n, "%s[%ld]: ", k->tag,
	    k->pid);
	k->hdrlen = (size_t)n < sizeof(k->hdr) ? (size_t)n :
	    sizeof(k->hdr) - 1;
}

/*
 * Append a + b to the syslog buffer as one length-prefixed datagram, or
 * drop them when the buffer is full.
 */
static void
buf_append(struct sink *k, const char *a, size_t alen, const char *b,
    size_t blen)
{
	size_t		 need = alen + blen + sizeof(uint32_t);
	uint32_t	 n = (uint32_t)(alen + blen);

	if (k->len - k->off + need > SINK_MAX) {
		stats.dropped++;
		sink_warn(k, "output buffer full, records dropped");
		return;
	}
	if (k->off > 0 && k->len + need > k->cap) {
		memmove(k->buf, k->buf + k->off, k->len - k->off);
		k->len -= k->off;
		k->off = 0;
	}
	if (k->len + need > k->cap) {
		k->cap = k->cap ? k->cap : 64 * 1024;
		while (k->cap < k->len + need)
			k->cap *= 2;
		k->buf = xreallocarray(k->buf, k->cap, 1);
	}
	memcpy(k->buf + k->len, &n, sizeof(n));
	k->len += sizeof(n);
	memcpy(k->buf + k->len, a, alen);
	memcpy(k->buf + k->len + alen, b, blen);
	k->len += alen + blen;
	k->nrec++;
}

/* A sink failure: said at most once a minute, with what it held back. */
static void
sink_warn(struct sink *k, const char *what)
{
	time_t	 now = time(NULL);

	if (k->warned != 0 && now - k->warned < 60) {
		k->unsaid++;
		return;
	}
	k->warned = now;
	log_warnx("%s %s: %s (%llu more problems in the last minute; "
	    "dropped so far: %llu)", k->type == SINK_FILE ? "file" : "syslog",
	    k->path, what, (unsigned long long)k->unsaid,
	    (unsigned long long)stats.dropped);
	k->unsaid = 0;
}
