/*
 * A tiny check harness for the unit tests: each CHECK prints file:line,
 * what it got and what it wanted when it fails; check_done() prints the
 * counts (tests/unit/run.sh adds them up) and gives the exit status.
 */

#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>
#include <string.h>

static int check_pass, check_fail;

#define CHECK(cond) do {						\
	if (cond)							\
		check_pass++;						\
	else {								\
		check_fail++;						\
		fprintf(stderr, "%s:%d: CHECK(%s) failed\n",		\
		    __FILE__, __LINE__, #cond);				\
	}								\
} while (0)

#define CHECK_INT(got, want) do {					\
	long long g_ = (long long)(got), w_ = (long long)(want);	\
	if (g_ == w_)							\
		check_pass++;						\
	else {								\
		check_fail++;						\
		fprintf(stderr, "%s:%d: %s: got %lld, want %lld\n",	\
		    __FILE__, __LINE__, #got, g_, w_);			\
	}								\
} while (0)

/* got is a (pointer, length) pair or a C string (len -1). */
#define CHECK_MEM(got, glen, want) do {					\
	const char *g_ = (got), *w_ = (want);				\
	size_t gl_ = (size_t)(glen);					\
	if (g_ != NULL && gl_ == strlen(w_) &&				\
	    memcmp(g_, w_, gl_) == 0)					\
		check_pass++;						\
	else {								\
		check_fail++;						\
		fprintf(stderr, "%s:%d: %s: got \"%.*s\", want \"%s\"\n",\
		    __FILE__, __LINE__, #got, g_ ? (int)gl_ : 6,	\
		    g_ ? g_ : "(null)", w_);				\
	}								\
} while (0)

#define CHECK_STR(got, want) do {					\
	const char *gs_ = (got);					\
	CHECK_MEM(gs_, gs_ ? strlen(gs_) : 0, want);			\
} while (0)

#define CHECK_SLICE(sl, want)	CHECK_MEM((sl).p, (sl).len, want)

static int
check_done(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, check_pass, check_fail);
	return (check_fail != 0);
}

#endif
