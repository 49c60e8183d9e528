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

/* Counters, printed on SIGUSR1 and at exit. */

#include <stdio.h>

#include "filter-jsonlog.h"

struct stats	 stats;

/* One line of counters into buf; its length. */
size_t
stats_line(char *buf, size_t size)
{
	int	 n;

	n = snprintf(buf, size, "events=%llu records=%llu malformed=%llu "
	    "unknown=%llu ignored=%llu overlong=%llu truncated=%llu "
	    "dropped=%llu written=%llu sessions=%llu expired=%llu "
	    "evicted=%llu capped=%llu",
	    (unsigned long long)stats.events,
	    (unsigned long long)stats.records,
	    (unsigned long long)stats.malformed,
	    (unsigned long long)stats.unknown,
	    (unsigned long long)stats.ignored,
	    (unsigned long long)stats.overlong,
	    (unsigned long long)stats.truncated,
	    (unsigned long long)stats.dropped,
	    (unsigned long long)stats.written,
	    (unsigned long long)stats.sessions,
	    (unsigned long long)stats.expired,
	    (unsigned long long)stats.evicted,
	    (unsigned long long)stats.capped);
	if (n < 0)
		return (0);
	return ((size_t)n < size ? (size_t)n : size - 1);
}
