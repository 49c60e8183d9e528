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
 * The JSON writer the renderer uses: a pair of pointers into the record
 * buffer, numbers and hex ids from tables, texts escaped on the way.  A
 * write past the cap sets the overflow flag and every later write fails,
 * so the renderer checks once, at the end.  The hot helpers (w_raw, the
 * lists, the objects that may stay empty) are inline, in the header.
 */

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "filter-jsonlog.h"
#include "jsonw.h"

/* "00" to "99", and "00" to "ff": two digits per step. */
const char	 w_digits2[201] =
    "0001020304050607080910111213141516171819"
    "2021222324252627282930313233343536373839"
    "4041424344454647484950515253545556575859"
    "6061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";
char		 w_hex2[256][2];
const uint32_t	 w_pow10[10] = {
	1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
	1000000000
};

static char	*esc_tmp;	/* escape scratch for per-event texts */

/* Once, before the first record: the hex table and the scratch. */
void
w_init(void)
{
	int	 i;

	if (esc_tmp != NULL)
		return;
	esc_tmp = xmalloc(ESCAPE_MAX(FJ_LINE_MAX));
	for (i = 0; i < 256; i++) {
		w_hex2[i][0] = "0123456789abcdef"[i >> 4];
		w_hex2[i][1] = "0123456789abcdef"[i & 15];
	}
}

/* A decimal number. */
void
w_u64(struct wbuf *w, uint64_t v)
{
	char	 buf[24], *p = w_u64_fmt(buf + sizeof(buf), v);

	w_raw(w, p, buf + sizeof(buf) - p);
}

/* The digits of v, written backwards to end at end; the first. */
char *
w_u64_fmt(char *end, uint64_t v)
{
	char	*p = end;
	int	 i;

	/* two digits at a time */
	while (v >= 100) {
		i = (int)(v % 100) * 2;
		v /= 100;
		*--p = w_digits2[i + 1];
		*--p = w_digits2[i];
	}
	if (v >= 10) {
		*--p = w_digits2[v * 2 + 1];
		*--p = w_digits2[v * 2];
	} else
		*--p = '0' + (char)v;
	return (p);
}

/* A C string that needs no escaping (a word of the filter's own). */
void
w_str(struct wbuf *w, const char *s)
{
	w_raw(w, s, strlen(s));
}

/* A text straight from the line, escaped now. */
void
w_slice(struct wbuf *w, const char *s, size_t n)
{
	size_t	 len;

	if (w->over)
		return;
	if (n > FJ_LINE_MAX) {
		w->over = 1;
		w->end = w->p;
		return;
	}
	if (ESCAPE_MAX(n) <= (size_t)(w->end - w->p)) {
		w->p += escape_json(w->p, s, n);
		return;
	}
	len = escape_json(esc_tmp, s, n);
	w_raw(w, esc_tmp, len);
}

/* A report time, "2026-11-24T22:01:40.346082Z" (without quotes). */
void
w_time(struct wbuf *w, int64_t us)
{
	char	 buf[28];

	/* in place when there is room, its NUL included */
	if ((size_t)(w->end - w->p) >= sizeof(buf)) {
		w->p += render_time(w->p, us);
		return;
	}
	w_raw(w, buf, render_time(buf, us));
}

/* "2026-11-24T22:01:40.346082Z" into buf (28 bytes); its length. */
size_t
render_time(char *buf, int64_t us)
{
	static int64_t	 cached = -1;
	static char	 cbuf[20];
	struct tm	 tm;
	time_t		 sec = (time_t)(us / 1000000);
	int		 frac = (int)(us % 1000000), i;

	if (sec != cached) {
		if (gmtime_r(&sec, &tm) == NULL ||
		    strftime(cbuf, sizeof(cbuf), "%Y-%m-%dT%H:%M:%S", &tm)
		    != 19)
			memcpy(cbuf, "1970-01-01T00:00:00", 19);
		cached = sec;
	}
	memcpy(buf, cbuf, 19);
	buf[19] = '.';
	if (frac < 0) {		/* never from a report: as it always was */
		for (i = 25; i >= 20; i--) {
			buf[i] = '0' + frac % 10;
			frac /= 10;
		}
		goto end;
	}
	/* three pairs of digits */
	i = frac / 10000;
	memcpy(buf + 20, w_digits2 + 2 * i, 2);
	frac -= i * 10000;
	i = frac / 100;
	memcpy(buf + 22, w_digits2 + 2 * i, 2);
	memcpy(buf + 24, w_digits2 + 2 * (frac - i * 100), 2);
 end:
	buf[26] = 'Z';
	buf[27] = '\0';
	return (27);
}
