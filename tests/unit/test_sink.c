/* Unit tests for sink.c: the file sink and the syslog datagram sink. */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filter-jsonlog.h"
#include "check.h"

static char	 dir[] = "/tmp/fj-test-sink.XXXXXX";

static int
count_lines(const char *path)
{
	FILE	*fp;
	int	 c, n = 0;

	if ((fp = fopen(path, "r")) == NULL)
		return (-1);
	while ((c = getc(fp)) != EOF)
		if (c == '\n')
			n++;
	fclose(fp);
	return (n);
}

/* Seconds since *t0. */
static double
since(const struct timespec *t0)
{
	struct timespec	 t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return ((t1.tv_sec - t0->tv_sec) + (t1.tv_nsec - t0->tv_nsec) / 1e9);
}

/* The file's writer is a thread: wait (up to 5 s) for it to catch up. */
static size_t
settle(struct sink *k)
{
	int	 i;

	(void)sink_flush(k);
	for (i = 0; i < 500 && sink_pending(k) > 0; i++)
		usleep(10000);
	return (sink_pending(k));
}

static void
test_file(void)
{
	char		 path[256], old[256];
	struct sink	*k;
	int		 i;

	snprintf(path, sizeof(path), "%s/out.json", dir);
	snprintf(old, sizeof(old), "%s/out.json.0", dir);
	CHECK((k = sink_file(path)) != NULL);
	for (i = 0; i < 10; i++)
		sink_write(k, "{\"a\":1}", 7);
	CHECK_INT(sink_pending(k), 80);
	CHECK_INT(count_lines(path), 0);	/* not yet handed over */
	CHECK_INT(sink_flush(k), SINK_DONE);
	CHECK_INT(settle(k), 0);
	CHECK_INT(count_lines(path), 10);
	CHECK_INT(stats.written, 10);
	CHECK_INT(stats.written_bytes, 80);
	/* rotation: rename, then SIGHUP's reopen */
	CHECK_INT(rename(path, old), 0);
	sink_write(k, "{\"b\":2}", 7);
	sink_reopen(k);		/* flushes to the old file first */
	sink_write(k, "{\"c\":3}", 7);
	sink_drain(k, 1000);
	CHECK_INT(count_lines(old), 11);
	CHECK_INT(count_lines(path), 1);
	sink_close(k);
	CHECK(sink_file("/nonexistent/dir/x") == NULL);
}

/*
 * More than the queue holds, as fast as it comes: a writer that gets on
 * is waited for (nothing dropped, the order kept); records written in
 * place (sink_space) and copied (sink_write) alike.
 */
static void
test_file_burst(void)
{
	char		 path[256], rec[1100], *p;
	struct sink	*k;
	FILE		*fp;
	int		 i, n = 20000, bad = 0, c;
	unsigned	 want = 0, got;

	snprintf(path, sizeof(path), "%s/burst.json", dir);
	memset(&stats, 0, sizeof(stats));
	memset(rec, 'x', sizeof(rec));
	CHECK((k = sink_file(path)) != NULL);
	for (i = 0; i < n; i++) {	/* 21 MB: more than the queue holds */
		snprintf(rec, 12, "%010d", i);
		rec[10] = 'x';
		if (i % 2 == 0 && (p = sink_space(k, sizeof(rec))) != NULL) {
			memcpy(p, rec, sizeof(rec));
			sink_commit(k, sizeof(rec));
		} else
			sink_write(k, rec, sizeof(rec));
	}
	sink_drain(k, 10000);
	CHECK_INT(stats.dropped, 0);
	CHECK_INT(stats.written, n);
	CHECK_INT(stats.written_bytes, (uint64_t)n * (sizeof(rec) + 1));
	CHECK_INT(sink_pending(k), 0);
	sink_close(k);
	if ((fp = fopen(path, "r")) == NULL) {
		CHECK(fp != NULL);
		return;
	}
	while (fscanf(fp, "%10u", &got) == 1) {
		if (got != want++)
			bad++;
		while ((c = getc(fp)) != EOF && c != '\n')
			;
	}
	fclose(fp);
	CHECK_INT(want, n);
	CHECK_INT(bad, 0);
}

/*
 * A device that is always full (ENOSPC): the writer keeps trying, the
 * filter is not held up, what does not fit is dropped and counted, and
 * at exit every record is either written or dropped; closing does not
 * wait for the writer's next try.
 */
static void
test_file_full(void)
{
	struct timespec	 t0;
	struct sink	*k;
	char		 rec[1000];
	int		 i, n = 12000;

	if (access("/dev/full", W_OK) != 0) {	/* Linux, FreeBSD */
		fprintf(stderr, "NOT RUN - test_sink: the full device: no "
		    "/dev/full here\n");
		return;
	}
	memset(&stats, 0, sizeof(stats));
	memset(rec, 'y', sizeof(rec));
	CHECK((k = sink_file("/dev/full")) != NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++)
		sink_write(k, rec, sizeof(rec));
	(void)sink_flush(k);
	CHECK(since(&t0) < 3.0);	/* a failing writer is not waited for */
	CHECK(stats.dropped > 0);
	CHECK(sink_pending(k) > 0);
	sink_drain(k, 200);
	CHECK_INT(stats.written, 0);
	CHECK_INT(stats.dropped, n);
	CHECK_INT(sink_pending(k), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	sink_close(k);
	CHECK(since(&t0) < 0.5);
}

/*
 * A write that does not return (a FIFO nobody reads: NFS, a hung disk):
 * the filter waits for it once, a second, then drops without waiting
 * again; at exit every record is written or dropped, and the writer,
 * once its write fails, ends.
 */
static void
test_file_stall(void)
{
	struct timespec	 t0;
	struct sink	*k;
	char		 path[256], rec[1000];
	int		 i, n = 12000, rfd;
	double		 secs;

	snprintf(path, sizeof(path), "%s/fifo", dir);
	signal(SIGPIPE, SIG_IGN);
	if (mkfifo(path, 0600) == -1 ||
	    (rfd = open(path, O_RDONLY | O_NONBLOCK)) == -1) {
		CHECK(!"mkfifo");
		return;
	}
	memset(&stats, 0, sizeof(stats));
	memset(rec, 'z', sizeof(rec));
	CHECK((k = sink_file(path)) != NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++)
		sink_write(k, rec, sizeof(rec));
	secs = since(&t0);
	CHECK(secs >= 0.9 && secs < 3.0);	/* one wait, not one a record */
	CHECK(stats.dropped > 0);
	sink_drain(k, 200);
	CHECK_INT(stats.written + stats.dropped, n);
	close(rfd);		/* the stuck write fails: the writer ends */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	sink_close(k);
	CHECK(since(&t0) < 1.0);
}

static int
receiver(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd;

	unlink(path);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		perror("receiver");
		exit(1);
	}
	(void)fcntl(fd, F_SETFL, O_NONBLOCK);
	return (fd);
}

/* Read every waiting datagram; the last one into buf. */
static int
drain(int fd, char *buf, size_t size)
{
	ssize_t	 n;
	int	 count = 0;

	while ((n = recv(fd, buf, size - 1, 0)) >= 0) {
		buf[n] = '\0';
		count++;
	}
	return (count);
}

static void
test_syslog(void)
{
	char		 path[256], buf[9000], want[64];
	struct sink	*k;
	int		 fd, n, i, got;
	uint64_t	 dropped;

	snprintf(path, sizeof(path), "%s/log.sock", dir);
	fd = receiver(path);
	k = sink_syslog(path, 2, "filter-jsonlog", 8000);
	CHECK(sink_fd(k) != -1);
	sink_write(k, "{\"a\":1}", 7);
	CHECK_INT(sink_pending(k), 0);		/* sent at once */
	CHECK_INT(drain(fd, buf, sizeof(buf)), 1);
	/* "<22>Nov 24 22:01:40 filter-jsonlog[123]: {...}" */
	CHECK(strncmp(buf, "<22>", 4) == 0);
	CHECK(buf[7] == ' ' && buf[10] == ' ' && buf[13] == ':');
	snprintf(want, sizeof(want), " filter-jsonlog[%ld]: {\"a\":1}",
	    (long)getpid());
	CHECK_STR(buf + 19, want);

	/* a receiver that does not read: records wait, nothing blocks */
	for (i = 0; i < 2000; i++)
		sink_write(k, buf + 40, 1000);
	CHECK(sink_pending(k) > 0);
	CHECK_INT(sink_flush(k), SINK_AGAIN);
	/* it reads again: everything arrives, in order */
	got = 0;
	for (n = 0; n < 1000 && sink_pending(k) > 0; n++) {
		got += drain(fd, buf, sizeof(buf));
		(void)sink_flush(k);
	}
	got += drain(fd, buf, sizeof(buf));
	CHECK_INT(got, 2000);
	CHECK_INT(sink_pending(k), 0);

	/*
	 * not reading, and a record of 70000 bytes: it waits like the
	 * others (EAGAIN is never "too large")
	 */
	{
		static char	 big[70000];

		for (i = 0; i < 2000 && sink_pending(k) == 0; i++)
			sink_write(k, buf + 40, 1000);
		dropped = stats.dropped;
		memset(big, 'z', sizeof(big));
		sink_write(k, big, sizeof(big));
		CHECK_INT(stats.dropped, dropped);
		CHECK(sink_pending(k) > sizeof(big));
		got = 0;
		for (n = 0; n < 1000 && sink_pending(k) > 0; n++) {
			got += drain(fd, buf, sizeof(buf));
			(void)sink_flush(k);
		}
		CHECK_INT(sink_pending(k), 0);
		drain(fd, buf, sizeof(buf));
	}

	/* the receiver goes away: records wait, then arrive after restart */
	close(fd);
	unlink(path);
	sink_write(k, "{\"b\":2}", 7);
	CHECK_INT(sink_flush(k), SINK_RETRY);
	CHECK(sink_pending(k) > 0);
	fd = receiver(path);
	sleep(1);		/* reconnects at most once a second */
	CHECK_INT(sink_flush(k), SINK_DONE);
	CHECK_INT(drain(fd, buf, sizeof(buf)), 1);
	CHECK(strstr(buf, "{\"b\":2}") != NULL);

	/*
	 * the largest record a datagram carries: the default cap anywhere;
	 * asked for far more, what the kernel's send buffer allows (Linux:
	 * up to twice net.core.wmem_max, less when memory for a datagram
	 * that large is short): a record that large goes through the real
	 * socket, one twice as large is dropped, not left waiting
	 */
	{
		size_t		 ask = 64 * 1024 * 1024, max;
		char		*big, *rbuf;
		struct sink	*k2;

		CHECK_INT(sink_syslog_max(8000), 8000);
		max = sink_syslog_max(ask);
		CHECK(max >= 8000 && max <= ask);
		big = xmalloc(ask + 1);
		rbuf = xmalloc(ask + 1024);
		memset(big, 'y', ask + 1);
		k2 = sink_syslog(path, 2, "filter-jsonlog", ask);
		dropped = stats.dropped;
		sink_write(k2, big, max);
		CHECK_INT(stats.dropped, dropped);
		CHECK_INT(sink_pending(k2), 0);
		n = (int)recv(fd, rbuf, ask + 1024, 0);
		CHECK(n > (int)max && n < (int)max + 320);
		if (max < ask / 2) {
			sink_write(k2, big, max * 2);
			CHECK_INT(stats.dropped, dropped + 1);
			CHECK_INT(sink_pending(k2), 0);
		}
		sink_close(k2);
		free(big);
		free(rbuf);
	}

	/* a record the socket can never take is dropped, not retried */
	dropped = stats.dropped;
	{
		static char	 huge[1024 * 1024];

		memset(huge, 'x', sizeof(huge));
		sink_write(k, huge, sizeof(huge));
	}
	CHECK_INT(stats.dropped, dropped + 1);
	CHECK_INT(sink_pending(k), 0);
	sink_close(k);
	close(fd);
	unlink(path);

	CHECK_INT(sink_facility("mail"), 2);
	CHECK_INT(sink_facility("local7"), 23);
	CHECK_INT(sink_facility("nope"), -1);
}

int
main(void)
{
	char	 cmd[128];

	log_init("test_sink", 1);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return (1);
	}
	test_file();
	test_file_burst();
	test_file_full();
	test_file_stall();
	test_syslog();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return (check_done("test_sink"));
}
