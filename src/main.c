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
 * filter-jsonlog: an OpenSMTPD report filter that writes every event, with
 * the whole state of its session, as one JSON record.  This file holds the
 * options, the sandbox and the event loop; the work is in filter.c.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <event.h>
#include <fcntl.h>
#include <paths.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "filter-jsonlog.h"
#include "compat.h"

#define READ_CHUNK	(64 * 1024)
#define DRAIN_MS	3000

static struct filter	 filter;
static struct sink	*sink;
static struct event	 ev_in, ev_out, ev_retry;
static struct event	 ev_term, ev_int, ev_hup, ev_usr1;
static struct event	 ev_stats;
static unsigned int	 interval;	/* -i: seconds, 0: no stats records */
static int64_t		 stats_next;	/* monotonic us: the next one is due */
static int		 out_armed;
static int		 in_stream;	/* stdin is a socket or a pipe */

struct options;

static __dead void usage(void);
static void	 options_parse(struct options *, int, char *[]);
static void	 output_init(struct options *);
static void	 events_init(void);
static void	 on_input(int, short, void *);
static void	 on_output(int, short, void *);
static void	 on_signal(int, short, void *);
static void	 on_record(void *, const char *, size_t);
static char	*on_space(void *, size_t);
static void	 on_commit(void *, size_t);
static void	 on_register(void *, const char *, size_t);
static void	 flush_sink(void);
static __dead void finish(void);
static void	 print_stats(void);
static void	 on_stats(int, short, void *);
static void	 stats_write(void);
static int64_t	 clock_us(clockid_t);
static void	 sandbox_init(const char *, int);
static void	 fds_init(void);
static void	 input_init(void);
static __dead void read_blocking(void);
static const char *event_names(void);

/* What the command line asked for. */
struct options {
	const char	*out;		/* -o: a file, "-", or NULL: syslog */
	const char	*tag;
	const char	*sock;
	uint32_t	 evmask;
	int		 summaries;	/* -r: SUM_* */
	size_t		 cap;
	size_t		 nsess;
	int		 facility;
	unsigned int	 interval;
	unsigned int	 privacy;	/* -P */
	const char	*key;		/* -K */
};

int
main(int argc, char *argv[])
{
	struct options	 o;

	fds_init();
	options_parse(&o, argc, argv);
	log_init("filter-jsonlog", 0);
	signal(SIGPIPE, SIG_IGN);
	output_init(&o);
	sandbox_init(o.out, o.out == NULL);

	filter_init(&filter, o.cap, o.nsess, o.evmask);
	filter.record_cb = on_record;
	filter.space_cb = on_space;
	filter.commit_cb = on_commit;
	filter.summaries = o.summaries;
	/* with -o -, stdout carries records: it is not smtpd */
	if (o.out == NULL || strcmp(o.out, "-") != 0)
		filter.register_cb = on_register;
	interval = o.interval;

	input_init();
	events_init();
	event_dispatch();
	finish();
}

/* getopt: every option checked here, before anything is opened. */
static void
options_parse(struct options *o, int argc, char *argv[])
{
	const char	*errstr;
	struct stat	 st0, st1;
	int		 ch;

	memset(o, 0, sizeof(*o));
	o->tag = "filter-jsonlog";
	o->sock = "/dev/log";
	o->evmask = ~0U;
	o->cap = FJ_SIZE_DEFAULT;
	o->nsess = FJ_SESSIONS_DEFAULT;
	o->facility = 2;	/* mail */
	while ((ch = getopt(argc, argv, "K:P:Ve:f:i:n:o:r:S:s:t:")) != -1) {
		switch (ch) {
		case 'K':
			o->key = optarg;
			break;
		case 'P':
			if (privacy_parse(optarg, &o->privacy, &errstr) == -1)
				errx(1, "-P %s: %s; the items are local, user, "
				    "ip, proto, all", optarg, errstr);
			break;
		case 'V':
			printf("filter-jsonlog %s\n", FJ_VERSION);
			exit(0);
		case 'e':
			if (filter_events(optarg, &o->evmask, &errstr) == -1)
				errx(1, "-e %s: %s; the events are %s",
				    optarg, errstr, event_names());
			break;
		case 'f':
			if ((o->facility = sink_facility(optarg)) == -1)
				errx(1, "-f %s: unknown syslog facility",
				    optarg);
			break;
		case 'i':
			o->interval = strtonum(optarg, 0, FJ_INTERVAL_MAX,
			    &errstr);
			if (errstr != NULL)
				errx(1, "-i %s: stats interval is %s "
				    "(0 to %d seconds, 0: none)", optarg,
				    errstr, FJ_INTERVAL_MAX);
			break;
		case 'n':
			o->nsess = strtonum(optarg, 1, FJ_SESSIONS_MAX,
			    &errstr);
			if (errstr != NULL)
				errx(1, "-n %s: session cap is %s "
				    "(1 to %d sessions)", optarg, errstr,
				    FJ_SESSIONS_MAX);
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'r':
			if (summary_kinds(optarg, &o->summaries, &errstr) ==
			    -1)
				errx(1, "-r %s: %s", optarg, errstr);
			break;
		case 'S':
			o->sock = optarg;
			break;
		case 's':
			o->cap = strtonum(optarg, FJ_SIZE_MIN, FJ_SIZE_MAX,
			    &errstr);
			if (errstr != NULL)
				errx(1, "-s %s: record size cap is %s "
				    "(%d to %d bytes)", optarg, errstr,
				    FJ_SIZE_MIN, FJ_SIZE_MAX);
			break;
		case 't':
			if (*optarg == '\0' || strlen(optarg) > 64)
				errx(1, "-t: the tag takes 1 to 64 bytes");
			o->tag = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	if (argc != 0)
		usage();

	/* the key is read now, before the sink is opened and the sandbox */
	if ((o->privacy & PRIV_KEYED) && o->key == NULL)
		errx(1, "-P: pseudonyms (local, user) need a key: -K file");
	if (o->key != NULL && privacy_key(&privacy, o->key, &errstr) == -1)
		errx(1, "-K %s: %s", o->key, errstr);
	privacy.flags = o->privacy;

	/* stdin and stdout are one socket under smtpd: never write there */
	if (o->out != NULL && strcmp(o->out, "-") == 0 &&
	    fstat(STDIN_FILENO, &st0) == 0 && fstat(STDOUT_FILENO, &st1) == 0 &&
	    S_ISSOCK(st1.st_mode) && st0.st_dev == st1.st_dev &&
	    st0.st_ino == st1.st_ino)
		errx(1, "-o -: stdout is smtpd's socket; name a file");
}

/* The file of -o, or syslog; the record cap shrinks to fit a datagram. */
static void
output_init(struct options *o)
{
	size_t	 max;

	if (o->out != NULL) {
		if ((sink = sink_file(o->out)) == NULL)
			err(1, "%s", o->out);
		return;
	}
	/* a record larger than a datagram could never be sent */
	if ((max = sink_syslog_max(o->cap)) < o->cap) {
		log_warnx("-s %zu: syslog datagrams here carry at most "
		    "%zu bytes of record: records capped at %zu",
		    o->cap, max, max < FJ_SIZE_MIN ? FJ_SIZE_MIN : max);
		o->cap = max < FJ_SIZE_MIN ? FJ_SIZE_MIN : max;
	}
	sink = sink_syslog(o->sock, o->facility, o->tag, o->cap);
}

/* stdin, the sink's retry timer and the signals, on libevent. */
static void
events_init(void)
{
	event_init();
	event_set(&ev_in, STDIN_FILENO, EV_READ | EV_PERSIST, on_input, NULL);
	if (event_add(&ev_in, NULL) == -1) {
		log_info("stdin cannot be watched (%s): reading it in turn",
		    strerror(errno));
		read_blocking();
	}
	evtimer_set(&ev_retry, on_output, NULL);
	signal_set(&ev_term, SIGTERM, on_signal, NULL);
	signal_set(&ev_hup, SIGHUP, on_signal, NULL);
	signal_set(&ev_usr1, SIGUSR1, on_signal, NULL);
	signal_add(&ev_term, NULL);
	signal_add(&ev_hup, NULL);
	signal_add(&ev_usr1, NULL);
	/* ^C ends an interactive run; under smtpd only TERM does */
	if (isatty(STDIN_FILENO)) {
		signal_set(&ev_int, SIGINT, on_signal, NULL);
		signal_add(&ev_int, NULL);
	} else
		signal(SIGINT, SIG_IGN);
	signal(SIGUSR2, SIG_IGN);
	if (interval > 0) {
		struct timeval	 tv = { interval, 0 };

		evtimer_set(&ev_stats, on_stats, NULL);
		evtimer_add(&ev_stats, &tv);
	}
}

static __dead void
usage(void)
{
	fprintf(stderr, "usage: filter-jsonlog [-V] [-e events] [-f facility] "
	    "[-i seconds]\n"
	    "                      [-K keyfile] [-n sessions] [-o file] "
	    "[-P what]\n"
	    "                      [-r tx,session] [-S socket] [-s bytes] "
	    "[-t tag]\n");
	exit(1);
}

/*
 * fd 0, 1 and 2 are open: a closed one would be taken by the first file
 * opened (the sink), and the filter would read its own records.  A
 * closed stdin reads as empty.
 */
static void
fds_init(void)
{
	int	 fd;

	while ((fd = open(_PATH_DEVNULL, O_RDWR)) != -1 && fd <= STDERR_FILENO)
		;
	if (fd > STDERR_FILENO)
		(void)close(fd);
}

/*
 * Under smtpd stdin is a socket; by hand it may be a pipe, a terminal, a
 * saved stream or /dev/null.  epoll refuses regular files and devices
 * (and kqueue some devices): for those, poll(2), which takes anything.
 */
static void
input_init(void)
{
	struct stat	 st;

	if (isatty(STDIN_FILENO)) {
		log_info("reading smtpd's report stream on stdin, a terminal "
		    "(^D ends it)");
		return;
	}
	if (fstat(STDIN_FILENO, &st) == 0 && (S_ISSOCK(st.st_mode) ||
	    S_ISFIFO(st.st_mode))) {
		in_stream = 1;
		return;
	}
	(void)setenv("EVENT_NOEPOLL", "1", 1);
	(void)setenv("EVENT_NOKQUEUE", "1", 1);
	(void)setenv("EVENT_NODEVPOLL", "1", 1);
	(void)setenv("EVENT_NOEVPORT", "1", 1);
}

/*
 * No backend watches stdin: read it to the end, one read at a time,
 * handing the sink what it takes in between (it never blocks).
 */
static __dead void
read_blocking(void)
{
	struct pollfd	 pfd;
	char		*p;
	ssize_t		 n;

	/* no event loop here: a rotation's HUP must not end the filter */
	signal(SIGHUP, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	stats_next = clock_us(CLOCK_MONOTONIC) + (int64_t)interval * 1000000;
	for (;;) {
		if (interval > 0 && clock_us(CLOCK_MONOTONIC) >= stats_next) {
			stats_write();
			stats_next += (int64_t)interval * 1000000;
		}
		p = filter_space(&filter, READ_CHUNK);
		if ((n = read(STDIN_FILENO, p, READ_CHUNK)) == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				pfd.fd = STDIN_FILENO;
				pfd.events = POLLIN;
				(void)poll(&pfd, 1, 1000);
				continue;
			}
			if (errno == EINTR)
				continue;
			log_info("read: %s", strerror(errno));
			break;
		}
		if (n == 0)
			break;
		filter_commit(&filter, n);
		if (sink_pending(sink) > 0)
			(void)sink_flush(sink);
	}
	finish();
}

/* "link-connect, link-greeting, …, unknown": the names -e takes. */
static const char *
event_names(void)
{
	static char	 buf[512];
	size_t		 n = 0;
	int		 i, k;

	for (i = 0; i <= RPT_UNKNOWN; i++) {
		k = snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? ", " : "",
		    i < RPT_UNKNOWN ? protocol_event_name(i) : "unknown");
		if (k < 0 || (size_t)k >= sizeof(buf) - n)
			break;
		n += k;
	}
	return (buf);
}

static void
on_input(int fd, short event, void *arg)
{
	char	*p;
	ssize_t	 n;
	int	 i, fl;

	(void)event;
	(void)arg;
	for (i = 0; i < 8; i++) {
		p = filter_space(&filter, READ_CHUNK);
		n = read(fd, p, READ_CHUNK);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			log_info("read: %s", strerror(errno));
			finish();
		}
		if (n == 0)
			finish();
		filter_commit(&filter, n);
		if (filter.state == FS_HANDSHAKE)
			break;	/* fd 0 still blocks: one read per wakeup */
		if (!(filter.registered_nb)) {
			/*
			 * Registered: from now on reads must not block (a
			 * socket or a pipe; a terminal's flags are the
			 * user's shell's too, and files never block).
			 */
			if (in_stream && (fl = fcntl(fd, F_GETFL)) != -1)
				(void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
			filter.registered_nb = 1;
		}
		if (n < READ_CHUNK)
			break;
	}
	flush_sink();
}

/* The sink can take more, or a retry is due. */
static void
on_output(int fd, short event, void *arg)
{
	(void)fd;
	(void)event;
	(void)arg;
	out_armed = 0;
	flush_sink();
}

static void
flush_sink(void)
{
	struct timeval	 tv;
	int		 ms;

	if (out_armed || sink_pending(sink) == 0)
		return;
	switch (sink_flush(sink)) {
	case SINK_AGAIN:
		event_set(&ev_out, sink_fd(sink), EV_WRITE, on_output, NULL);
		event_add(&ev_out, NULL);
		out_armed = 1;
		break;
	case SINK_RETRY:
		ms = sink_retry_ms(sink);
		tv.tv_sec = ms / 1000;
		tv.tv_usec = (ms % 1000) * 1000;
		evtimer_add(&ev_retry, &tv);
		out_armed = 1;
		break;
	default:
		break;
	}
}

static void
on_signal(int sig, short event, void *arg)
{
	(void)event;
	(void)arg;
	switch (sig) {
	case SIGTERM:
	case SIGINT:
		finish();
		/* NOTREACHED */
	case SIGHUP:
		sink_reopen(sink);
		flush_sink();
		break;
	case SIGUSR1:
		print_stats();
		break;
	}
}

static void
on_record(void *arg, const char *rec, size_t len)
{
	(void)arg;
	sink_write(sink, rec, len);
}

/* Room for a record in the file sink's queue (NULL: use on_record). */
static char *
on_space(void *arg, size_t len)
{
	(void)arg;
	return (sink_space(sink, len));
}

static void
on_commit(void *arg, size_t len)
{
	(void)arg;
	sink_commit(sink, len);
}

/*
 * The register lines go to smtpd, once.  fd 0 (the same socket) is
 * usually still blocking; after events that came before config|ready it
 * is not, so wait for room rather than lose a part of them.
 */
static void
on_register(void *arg, const char *buf, size_t len)
{
	struct pollfd	 pfd;
	ssize_t		 n;

	(void)arg;
	while (len > 0) {
		n = write(STDOUT_FILENO, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			pfd.fd = STDOUT_FILENO;
			pfd.events = POLLOUT;
			if (poll(&pfd, 1, 10000) == 1)
				continue;
		}
		if (n <= 0) {
			log_info("register: %s", strerror(errno));
			return;
		}
		buf += n;
		len -= n;
	}
}

/* stdin is closed (smtpd is gone), or TERM: flush, count, exit 0. */
static __dead void
finish(void)
{
	filter_eof(&filter);
	if (interval > 0)
		stats_write();	/* the last counts, before the drain */
	sink_drain(sink, DRAIN_MS);
	print_stats();
	filter_free(&filter);
	sink_close(sink);
	exit(0);
}

static void
print_stats(void)
{
	char	 buf[512];

	sink_sync(sink);	/* what the file's writer wrote so far */
	(void)stats_line(buf, sizeof(buf));
	log_info("%s", buf);
}

/*
 * -i: every interval, the counters as a record.  Re-armed from now: a
 * long stall delays the next one rather than bunching them.
 */
static void
on_stats(int fd, short event, void *arg)
{
	struct timeval	 tv = { interval, 0 };

	(void)fd;
	(void)event;
	(void)arg;
	stats_write();
	evtimer_add(&ev_stats, &tv);
}

/* One stats record to the sink, as any record (it may be dropped). */
static void
stats_write(void)
{
	size_t	 pending = sink_pending(sink);	/* and the writer's counts */

	filter_stats(&filter, clock_us(CLOCK_REALTIME), interval, pending);
	flush_sink();
}

static int64_t
clock_us(clockid_t id)
{
	struct timespec	 ts;

	if (clock_gettime(id, &ts) == -1)
		return (0);
	return ((int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

/* Allow only what the sink needs, once it is open (OpenBSD). */
static void
sandbox_init(const char *out, int use_syslog)
{
	if (use_syslog) {
		if (pledge("stdio unix", NULL) == -1)
			err(1, "pledge");
		return;
	}
	if (strcmp(out, "-") == 0) {
		if (pledge("stdio", NULL) == -1)
			err(1, "pledge");
		return;
	}
	if (unveil(out, "cw") == -1 || unveil(NULL, NULL) == -1)
		err(1, "unveil");
	if (pledge("stdio wpath cpath", NULL) == -1)
		err(1, "pledge");
}
