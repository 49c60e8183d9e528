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
 * glibc's syslog(3) blocks when the daemon stalls, so it is not used.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "filter-jsonlog.h"
#include "compat.h"

#define SINK_MAX	(8 * 1024 * 1024)	/* bytes waiting, at most */
#define SINK_BATCH	(256 * 1024)		/* write when this much waits */
#define SEVERITY_INFO	6
#define SYSLOG_HDR_MAX	320			/* "<22>Nov 24 …: " */
/* the longest one: "<191>", date, a tag of 64, "[", a pid, "]: " */
#define SYSLOG_HDR_WORST (5 + 16 + 64 + 1 + 20 + 3)
#define SYSLOG_NOBUFS_MAX (64 * 1024)		/* ENOBUFS: wait, up to */
#define SYSLOG_NOBUFS_MS 20			/* and try again after */
#define SINK_RETRY_MS	1000			/* reconnect, reopen, disk */

enum { SINK_FILE, SINK_SYSLOG };

struct sink {
	int		 type;
	int		 fd;
	int		 own_fd;	/* not stdout */
	char		*path;
	char		*buf;		/* waiting bytes: [off, len) */
	size_t		 off;
	size_t		 len;
	size_t		 cap;
	uint64_t	 nrec;		/* records in the buffer */
	time_t		 warned;	/* last warning */
	uint64_t	 unsaid;	/* problems since, not warned about */
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
static int	 file_flush(struct sink *);
static void	 file_uncut(struct sink *);
static int	 syslog_connect(struct sink *);
static int	 syslog_flush(struct sink *);
static int	 syslog_send(struct sink *, const char *, size_t,
		    const char *, size_t);
static void	 syslog_header(struct sink *);
static void	 syslog_sndbuf(int, size_t);
static void	 buf_append(struct sink *, const char *, size_t,
		    const char *, size_t, int);
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
	struct sink	*k;
	int		 fd;

	if (strcmp(path, "-") == 0)
		fd = STDOUT_FILENO;
	else if ((fd = file_open(path)) == -1)
		return (NULL);
	k = xcalloc(1, sizeof(*k));
	k->type = SINK_FILE;
	k->fd = fd;
	k->own_fd = fd != STDOUT_FILENO;
	k->path = strdup(path);
	return (k);
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
	if (k->type != SINK_FILE || k->len - k->off + n + 1 > SINK_MAX)
		return (NULL);
	if (k->off > 0 && k->len + n + 1 > k->cap) {
		memmove(k->buf, k->buf + k->off, k->len - k->off);
		k->len -= k->off;
		k->off = 0;
	}
	if (k->len + n + 1 > k->cap) {
		k->cap = k->cap ? k->cap : 64 * 1024;
		while (k->cap < k->len + n + 1)
			k->cap *= 2;
		k->buf = xreallocarray(k->buf, k->cap, 1);
	}
	return (k->buf + k->len);
}

/* Queue the record of n bytes written at sink_space(), and its newline. */
void
sink_commit(struct sink *k, size_t n)
{
	k->buf[k->len + n] = '\n';
	k->len += n + 1;
	k->nrec++;
	if (k->len - k->off >= SINK_BATCH)
		(void)file_flush(k);
}

/* Queue one record (or send it at once); drop it when there is no room. */
void
sink_write(struct sink *k, const char *rec, size_t n)
{
	if (k->type == SINK_FILE) {
		buf_append(k, rec, n, "\n", 1, 0);
		if (k->len - k->off >= SINK_BATCH)
			(void)file_flush(k);
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
	buf_append(k, k->hdr, k->hdrlen, rec, n, 1);
}

/*
 * Write out what waits: SINK_DONE, SINK_AGAIN (poll) or SINK_RETRY (after
 * sink_retry_ms()).
 */
int
sink_flush(struct sink *k)
{
	k->retry_ms = SINK_RETRY_MS;
	if (k->type == SINK_FILE)
		return (file_flush(k));
	return (syslog_flush(k));
}

/* How long to wait before the next try after SINK_RETRY. */
int
sink_retry_ms(struct sink *k)
{
	return (k->retry_ms > 0 ? k->retry_ms : SINK_RETRY_MS);
}

/* The descriptor to poll for writing, or -1. */
int
sink_fd(struct sink *k)
{
	return (k->fd);
}

/* Bytes waiting for the sink. */
size_t
sink_pending(struct sink *k)
{
	return (k->len - k->off);
}

/* SIGHUP: the file was rotated (reopen it), or syslog restarted. */
void
sink_reopen(struct sink *k)
{
	int	 fd;

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
	(void)file_flush(k);
	if ((fd = file_open(k->path)) == -1) {
		log_warnx("reopen %s: %s (still writing to the old file)",
		    k->path, strerror(errno));
		return;
	}
	close(k->fd);
	k->fd = fd;
}

/* At exit: keep flushing for up to ms milliseconds, then give up. */
void
sink_drain(struct sink *k, int ms)
{
	struct pollfd	 pfd;
	struct timespec	 now, end;
	int		 r;

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

static int
file_flush(struct sink *k)
{
	ssize_t	 n;

	while (k->off < k->len) {
		n = write(k->fd, k->buf + k->off, k->len - k->off);
		if (n > 0) {
			k->off += n;
			stats.written_bytes += n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return (SINK_AGAIN);
		/* ENOSPC and the like: keep the bytes, try again later */
		sink_warn(k, n == 0 ? "short write" : strerror(errno));
		file_uncut(k);
		return (SINK_RETRY);
	}
	stats.written += k->nrec;
	k->nrec = 0;
	k->off = k->len = 0;
	return (SINK_DONE);
}

/*
 * A failed write can leave the start of a record in the file (ENOSPC
 * after a short write); the next record, of this run or of the next one,
 * would be glued to it.  Take the cut part back: the file then ends with
 * a whole line, and the record is written again in full later.
 */
static void
file_uncut(struct sink *k)
{
	size_t	 start;
	off_t	 end;

	if (k->off == 0 || k->buf[k->off - 1] == '\n')
		return;
	for (start = k->off; start > 0 && k->buf[start - 1] != '\n'; start--)
		;
	if ((end = lseek(k->fd, 0, SEEK_END)) == -1 ||
	    end < (off_t)(k->off - start) ||
	    ftruncate(k->fd, end - (off_t)(k->off - start)) == -1)
		return;	/* not a regular file: a stream goes on as it is */
	stats.written_bytes -= k->off - start;
	k->off = start;
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
 * Append a + b to the buffer (as one length-prefixed datagram when
 * framed), or drop them when the buffer is full.
 */
static void
buf_append(struct sink *k, const char *a, size_t alen, const char *b,
    size_t blen, int framed)
{
	size_t		 need = alen + blen + (framed ? sizeof(uint32_t) : 0);
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
	if (framed) {
		memcpy(k->buf + k->len, &n, sizeof(n));
		k->len += sizeof(n);
	}
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
