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

/* strtonum(3) for C libraries without it: a bounded decimal conversion. */

#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "compat.h"

#ifndef HAVE_STRTONUM
long long
strtonum(const char *s, long long min, long long max, const char **errstr)
{
	char		*ep;
	long long	 v;

	if (min > max) {
		*errstr = "invalid";
		errno = EINVAL;
		return (0);
	}
	errno = 0;
	v = strtoll(s, &ep, 10);
	if (s[0] == '\0' || *ep != '\0') {
		*errstr = "invalid";
		errno = EINVAL;
		return (0);
	}
	if ((v == LLONG_MIN && errno == ERANGE) || v < min) {
		*errstr = "too small";
		errno = ERANGE;
		return (0);
	}
	if ((v == LLONG_MAX && errno == ERANGE) || v > max) {
		*errstr = "too large";
		errno = ERANGE;
		return (0);
	}
	*errstr = NULL;
	return (v);
}
#endif
