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
 * The bench's syslog daemon that does nothing: it binds a datagram socket
 * of its own (never /dev/log), reads datagrams as fast as it can and
 * counts them.  It measures what the filter's syslog sink can deliver
 * when the daemon is not the bottleneck.
 *
 *   dgram-sink SOCKET     until SIGTERM or SIGINT, then, after reading
 *                         what is still queued: "DATAGRAMS BYTES\n" on
 *                         stdout, and the socket is removed.
 * "ready" on stdout once the socket is bound.
 */

#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BATCH	64
#define DGRAM	(64 * 1024)

static volatile sig_atomic_t	 stop;

static void
on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static char		 bufs[BATCH][DGRAM];
static unsigned long long ndgram, nbytes;

/* Read what there is; flags MSG_DONTWAIT to drain.  -1: nothing more. */
static int
take(int fd, int flags)
{
#ifdef __linux__
	struct mmsghdr	 m[BATCH];
	struct iovec	 iov[BATCH];
	int		 i, n;

	memset(m, 0, sizeof(m));
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = DGRAM;
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
	}
	if ((n = recvmmsg(fd, m, BATCH, flags, NULL)) == -1)
		return (-1);
	for (i = 0; i < n; i++) {
		ndgram++;
		nbytes += m[i].msg_len;
	}
	return (n);
#else
	ssize_t	 n;

	if ((n = recv(fd, bufs[0], DGRAM, flags)) == -1)
		return (-1);
	ndgram++;
	nbytes += n;
	return (1);
#endif
}

int
main(int argc, char *argv[])
{
	struct sockaddr_un	 sun;
	struct sigaction	 sa;
	struct timeval		 tick = { 0, 200000 };
	int			 fd, rcv = 8 * 1024 * 1024;

	if (argc != 2) {
		fprintf(stderr, "usage: dgram-sink SOCKET\n");
		return (2);
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(argv[1]) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "dgram-sink: socket path too long\n");
		return (2);
	}
	strcpy(sun.sun_path, argv[1]);
	(void)unlink(argv[1]);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		perror("dgram-sink");
		return (1);
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	/* a signal just before a blocking read must not go unnoticed */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof(tick));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;	/* no SA_RESTART: the read returns */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	printf("ready\n");
	fflush(stdout);
	while (!stop)
		if (take(fd, 0) == -1 && errno != EINTR && errno != EAGAIN &&
		    errno != EWOULDBLOCK) {
			perror("dgram-sink: recv");
			break;
		}
	while (take(fd, MSG_DONTWAIT) > 0)
		;
	close(fd);
	(void)unlink(argv[1]);
	printf("%llu %llu\n", ndgram, nbytes);
	return (0);
}
