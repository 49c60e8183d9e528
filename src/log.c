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
 * Diagnostics to stderr, which smtpd copies into the mail log line by
 * line.  Warnings are rate-limited (a burst, then a few a minute, then a
 * count of what was held back) so that a flood of bad input cannot flood
 * the log.  Only printable ASCII leaves.
 */

#include <err.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "filter-jsonlog.h"

#define LOG_BURST	10	/* warnings in a row */
#define LOG_REFILL	6	/* seconds per further warning */

static const char	*progname = "filter-jsonlog";
static int		 quiet;
static int		 tokens = LOG_BURST;
static time_t		 refilled;
static unsigned long	 held;

static void	 vlog(const char *, va_list)
		    __attribute__((__format__ (printf, 1, 0)));

void
log_init(const char *name, int q)
{
	progname = name;
	quiet = q;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;
	time_t	 now;

	if (quiet)
		return;
	now = time(NULL);
	if (refilled == 0)
		refilled = now;
	if (now - refilled >= LOG_REFILL) {
		tokens += (now - refilled) / LOG_REFILL;
		if (tokens > LOG_BURST)
			tokens = LOG_BURST;
		refilled = now;
	}
	if (tokens == 0) {
		held++;
		return;
	}
	tokens--;
	if (held > 0) {
		fprintf(stderr, "%s: %lu warnings not shown\n", progname,
		    held);
		held = 0;
	}
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

/* Not rate-limited: startup, signals, counters. */
void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

static void
vlog(const char *fmt, va_list ap)
{
	char	 buf[512];
	size_t	 i;
	int	 n;

	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n < 0)
		return;
	for (i = 0; buf[i] != '\0'; i++)
		if (buf[i] < 0x20 || buf[i] > 0x7e)
			buf[i] = '?';
	fprintf(stderr, "%s: %s\n", progname, buf);
	fflush(stderr);
}

void *
xmalloc(size_t n)
{
	void	*p;

	if ((p = malloc(n)) == NULL)
		err(1, "malloc");
	return (p);
}

void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if ((p = calloc(n, size)) == NULL)
		err(1, "calloc");
	return (p);
}

void *
xreallocarray(void *o, size_t n, size_t size)
{
	void	*p;

	if (size != 0 && n > SIZE_MAX / size) {
		errno = ENOMEM;
		err(1, "reallocarray");
	}
	if ((p = realloc(o, n * size)) == NULL)
		err(1, "realloc");
	return (p);
}
