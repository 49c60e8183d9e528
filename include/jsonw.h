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
 * jsonw.c, the JSON writer, for the files that write records (render.c,
 * ecs.c, mask.c): a pointer pair into the record buffer, and the helpers
 * that must inline (every fixed-size copy becomes a few moves) for the
 * patterns a record repeats: "key":"text", members after a comma, objects
 * taken back when they stay empty, lists of strings.  Include it after
 * filter-jsonlog.h.
 */

#ifndef JSONW_H
#define JSONW_H

extern char	 w_hex2[256][2];	/* "00" to "ff" */
extern const char w_digits2[201];	/* "00" to "99" */
extern const uint32_t w_pow10[10];	/* 1 to 1000000000 */

void		 w_init(void);
void		 w_u64(struct wbuf *, uint64_t);
char		*w_u64_fmt(char *, uint64_t);	/* at most 20 digits */
void		 w_slice(struct wbuf *, const char *, size_t);
void		 w_str(struct wbuf *, const char *);
void		 w_time(struct wbuf *, int64_t);

/* Hot: inlined so that the many fixed-size copies become moves. */
static inline void w_copy(char *, const char *, size_t)
		    __attribute__((__always_inline__));
static inline void w_raw(struct wbuf *, const char *, size_t)
		    __attribute__((__always_inline__));
static inline void w_key_estr(struct wbuf *, int *, const char *, size_t,
		    const struct estr *) __attribute__((__always_inline__));

/*
 * memcpy, without a call for the short copies of variable length that a
 * record is mostly made of (names, ids, numbers): two overlapping moves.
 */
static inline void
w_copy(char *d, const char *s, size_t n)
{
	uint64_t	 a, b;
	uint32_t	 x, y;

	if (__builtin_constant_p(n) || n > 16)
		memcpy(d, s, n);
	else if (n >= 8) {
		memcpy(&a, s, 8);
		memcpy(&b, s + n - 8, 8);
		memcpy(d, &a, 8);
		memcpy(d + n - 8, &b, 8);
	} else if (n >= 4) {
		memcpy(&x, s, 4);
		memcpy(&y, s + n - 4, 4);
		memcpy(d, &x, 4);
		memcpy(d + n - 4, &y, 4);
	} else if (n > 0) {
		d[0] = s[0];
		d[n / 2] = s[n / 2];
		d[n - 1] = s[n - 1];
	}
}

/* n bytes, or nothing and the overflow flag when they do not fit. */
static inline void
w_raw(struct wbuf *w, const char *s, size_t n)
{
	/* after an overflow end == p: every later write fails too */
	if (n > (size_t)(w->end - w->p)) {
		w->over = 1;
		w->end = w->p;
		return;
	}
	w_copy(w->p, s, n);
	w->p += n;
}

/* digits lower-case hex digits (8 or 16), zero-padded. */
static inline void
w_hex(struct wbuf *w, uint64_t v, int digits)
{
	char	 buf[16];
	int	 i;

	for (i = digits - 2; i >= 0; i -= 2) {
		memcpy(buf + i, w_hex2[v & 0xff], 2);
		v >>= 8;
	}
	w_raw(w, buf, digits);
}

/* A string literal ("" rejects anything else at compile time). */
#define W_LIT(w, lit)	w_raw((w), "" lit, sizeof(lit) - 1)
/* A word of a vocabulary table (struct slice). */
#define W_WORD(w, wd)	w_raw((w), (wd).p, (wd).len)

/* Before a member of an object: a comma unless it is the first (*n). */
static inline void
w_member(struct wbuf *w, int *n)
{
	if ((*n)++ > 0)
		w_raw(w, ",", 1);
}

/* "key":"text" when the text is set, after a comma unless first (*n). */
static inline void
w_key_estr(struct wbuf *w, int *n, const char *k, size_t klen,
    const struct estr *e)
{
	if (e->p == NULL)
		return;
	if ((*n)++ > 0)
		w_raw(w, ",", 1);
	w_raw(w, "\"", 1);
	w_raw(w, k, klen);
	w_raw(w, "\":\"", 3);
	w_raw(w, e->p, e->len);
	w_raw(w, "\"", 1);
}

/*
 * An object that may stay empty: w_open writes its opening (",\"tx\":{")
 * and returns where it began; w_close closes it, or takes it back when no
 * member was written (n == 0).
 */
static inline char *
w_open(struct wbuf *w, const char *s, size_t n)
{
	char	*mark = w->p;

	w_raw(w, s, n);
	return (mark);
}

/* Close the object opened at mark, or take it back (no member). */
static inline void
w_close(struct wbuf *w, char *mark, int n)
{
	if (n == 0 && !w->over)
		w->p = mark;
	else
		w_raw(w, "}", 1);
}
#define W_OPEN(w, lit)	w_open((w), "" lit, sizeof(lit) - 1)

/*
 * A list of strings, "key":["a","b"], that is not written at all when it
 * stays empty.  Before each item w_item opens the list (its opening
 * "\"key\":[\"" after a comma unless the list is the first member, *nm)
 * or separates it; w_item_end closes what was opened.  *ni counts items.
 */
static inline void
w_item(struct wbuf *w, int *nm, int *ni, const char *open, size_t olen)
{
	if ((*ni)++ > 0) {
		w_raw(w, ",\"", 2);
		return;
	}
	w_member(w, nm);
	w_raw(w, open, olen);
}

/* An item that is a stored text, already escaped. */
static inline void
w_item_str(struct wbuf *w, int *nm, int *ni, const char *open, size_t olen,
    const char *p, size_t len)
{
	w_item(w, nm, ni, open, olen);
	w_raw(w, p, len);
	w_raw(w, "\"", 1);
}

/* An item that is an id in hex. */
static inline void
w_item_hex(struct wbuf *w, int *nm, int *ni, const char *open, size_t olen,
    uint64_t v, int digits)
{
	w_item(w, nm, ni, open, olen);
	w_hex(w, v, digits);
	w_raw(w, "\"", 1);
}

/* The end of a list, when it was opened. */
static inline void
w_item_end(struct wbuf *w, int ni, const char *close, size_t clen)
{
	if (ni > 0)
		w_raw(w, close, clen);
}
#define W_ITEM_STR(w, nm, ni, open, p, len)				\
	w_item_str((w), (nm), (ni), "" open, sizeof(open) - 1, (p), (len))
#define W_ITEM_HEX(w, nm, ni, open, v, d)				\
	w_item_hex((w), (nm), (ni), "" open, sizeof(open) - 1, (v), (d))
#define W_ITEM_END(w, ni, close)					\
	w_item_end((w), (ni), "" close, sizeof(close) - 1)

/* The decimal digits of v at p (room for 10, known); where they end. */
static inline char *
w_put_u32(char *p, uint32_t v)
{
	size_t	 n;

	/* counts are small: the digits written in place, not copied */
	if (v < 10) {
		*p = '0' + v;
		return (p + 1);
	}
	if (v < 100) {
		memcpy(p, w_digits2 + 2 * v, 2);
		return (p + 2);
	}
	for (n = 3; n < 10 && v >= w_pow10[n]; n++)
		;
	(void)w_u64_fmt(p + n, v);
	return (p + n);
}

#endif /* JSONW_H */
