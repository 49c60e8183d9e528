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

/* Shims for the OpenBSD interfaces that other C libraries lack. */

#ifndef COMPAT_H
#define COMPAT_H

#include <stddef.h>

#ifndef __dead
#define __dead		__attribute__((__noreturn__))
#endif

#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(p)	__builtin_prefetch(p)
#else
#define PREFETCH(p)	((void)(p))
#endif

#ifndef HAVE_STRTONUM
long long	 strtonum(const char *, long long, long long, const char **);
#endif
#ifndef HAVE_STRLCPY
size_t		 strlcpy(char *, const char *, size_t);
#endif
#ifndef HAVE_MALLOC_TRIM
#define malloc_trim(pad)		0	/* other mallocs give back */
#endif
#ifndef HAVE_PLEDGE
#define pledge(promises, execpromises)	0
#endif
#ifndef HAVE_UNVEIL
#define unveil(path, permissions)	0
#endif

#endif /* COMPAT_H */
