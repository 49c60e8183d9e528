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
 * The self-statistics record (-i): stats_record and filter_stats at a
 * fixed wall time, so every byte can be checked; valid JSON by json-c and
 * by tests/unit/jsoncheck (strict: no key twice, ASCII, the cap).
 */

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json.h>

#include "filter-jsonlog.h"
#include "check.h"
#include "jpath.h"

#define T0	1700000000123456LL	/* 2023-11-14T22:13:20.123456Z */

static struct filter	 f;
static char		 rec[FJ_SIZE_MAX + 1];
static size_t		 reclen;
static int		 nrec;
static json_object	*root;
static FILE		*all;		/* every record, for jsoncheck */
static const char	*allpath = "tests/out/test_stats.json";

static const char *stat_keys[] = {
	"events", "records", "malformed", "unknown", "truncated", "dropped",
	"written_bytes", "sessions_open", "sessions_expired",
	"sessions_evicted", "queue_bytes", "interval_s"
};
#define NSTAT	(sizeof(stat_keys) / sizeof(stat_keys[0]))

static void
on_record(void *arg, const char *r, size_t n)
{
	(void)arg;
	memcpy(rec, r, n);
	rec[n] = '\0';
	reclen = n;
	nrec++;
	if (all != NULL)
		fprintf(all, "%s\n", rec);
}

static json_object *
get(const char *path)
{
	return (jpath(root, path));
}

static const char *
str(const char *path)
{
	json_object	*o = get(path);

	if (o == NULL || !json_object_is_type(o, json_type_string))
		return (NULL);
	return (json_object_get_string(o));
}

/* A number of opensmtpd.stats (an int in JSON), or -1. */
static long long
num(const char *key)
{
	char		 path[64];
	json_object	*o;

	snprintf(path, sizeof(path), "opensmtpd.stats.%s", key);
	o = get(path);
	if (o == NULL || !json_object_is_type(o, json_type_int))
		return (-1);
	return (json_object_get_int64(o));
}

static void
parse(void)
{
	json_object_put(root);
	root = json_tokener_parse(rec);
	CHECK(root != NULL && json_object_is_type(root, json_type_object));
}

static void
start(size_t cap)
{
	filter_init(&f, cap, 1000, ~0U);
	f.record_cb = on_record;
	nrec = 0;
	memset(&stats, 0, sizeof(stats));
}

static void
stop(void)
{
	filter_free(&f);
	json_object_put(root);
	root = NULL;
}

static void
feed(const char *s)
{
	filter_feed(&f, s, strlen(s));
}

/* Every field of the plan, each a number; nothing else in stats. */
static void
test_fields(void)
{
	json_object	*o;
	size_t		 i;
	int		 n;

	start(FJ_SIZE_DEFAULT);
	feed("config|smtpd-version|7.8.0\nconfig|admd|mx.example.org\n"
	    "config|ready\n");
	feed("report|0.7|1700000000.000001|smtp-in|link-connect|"
	    "0000000000000001|rdns|pass|192.0.2.1:4000|192.0.2.2:25\n");
	feed("report|0.7|1700000000.000002|smtp-in|bogus-event|"
	    "0000000000000001\n");
	feed("report|0.7|x|smtp-in|link-connect|0000000000000002\n");
	CHECK_INT(nrec, 2);
	stats.dropped = 3;
	stats.written_bytes = 4321;
	stats.expired = 5;
	stats.evicted = 6;
	filter_stats(&f, T0, 60, 777);
	CHECK_INT(nrec, 3);
	CHECK_INT(stats.records, 2);	/* stats records are not counted */
	parse();
	CHECK_STR(str("@timestamp"), "2023-11-14T22:13:20.123456Z");
	CHECK_STR(str("ecs.version"), ECS_VERSION);
	CHECK_STR(str("event.kind"), "metric");
	CHECK_STR(str("event.module"), "opensmtpd");
	CHECK_STR(str("event.dataset"), "opensmtpd.stats");
	CHECK_STR(str("event.action"), "stats");
	CHECK_STR(str("observer.product"), "OpenSMTPD");
	CHECK_STR(str("observer.vendor"), "OpenSMTPD");
	CHECK_STR(str("observer.type"), "mta");
	CHECK_STR(str("observer.version"), "7.8.0");
	CHECK_STR(str("observer.hostname"), "mx.example.org");
	CHECK_INT(num("events"), 2);	/* a malformed line is no event */
	CHECK_INT(num("records"), 2);
	CHECK_INT(num("malformed"), 1);
	CHECK_INT(num("unknown"), 1);
	CHECK_INT(num("truncated"), 0);
	CHECK_INT(num("dropped"), 3);
	CHECK_INT(num("written_bytes"), 4321);
	CHECK_INT(num("sessions_open"), 1);
	CHECK_INT(num("sessions_expired"), 5);
	CHECK_INT(num("sessions_evicted"), 6);
	CHECK_INT(num("queue_bytes"), 777);
	CHECK_INT(num("interval_s"), 60);
	/* exactly these keys, in the plan's order */
	o = get("opensmtpd.stats");
	CHECK(o != NULL && json_object_is_type(o, json_type_object));
	n = 0;
	if (o != NULL) {
		json_object_object_foreach(o, k, v) {
			(void)v;
			CHECK((size_t)n < NSTAT &&
			    strcmp(k, stat_keys[n]) == 0);
			n++;
		}
	}
	CHECK_INT(n, NSTAT);
	for (i = 0; i < NSTAT; i++)
		CHECK(num(stat_keys[i]) >= 0);
	/* no truncation note, no session fields */
	CHECK(get("opensmtpd.truncated") == NULL);
	CHECK(get("source") == NULL);
	CHECK(get("opensmtpd.session") == NULL);
	CHECK(get("event.id") == NULL);
	stop();
}

/* The exact bytes, without config texts; big counters as integers. */
static void
test_bytes(void)
{
	start(FJ_SIZE_DEFAULT);
	stats.events = UINT64_MAX;
	filter_stats(&f, 0, 1, 0);
	CHECK_INT(nrec, 1);
	CHECK_STR(rec, "{\"@timestamp\":\"1970-01-01T00:00:00.000000Z\","
	    "\"ecs\":{\"version\":\"" ECS_VERSION "\"},\"event\":{\"kind\":"
	    "\"metric\",\"module\":\"opensmtpd\",\"dataset\":"
	    "\"opensmtpd.stats\",\"action\":\"stats\"},\"observer\":{"
	    "\"product\":\"OpenSMTPD\",\"vendor\":\"OpenSMTPD\",\"type\":"
	    "\"mta\"},\"opensmtpd\":{\"stats\":{\"events\":"
	    "18446744073709551615,\"records\":0,\"malformed\":0,"
	    "\"unknown\":0,\"truncated\":0,\"dropped\":0,\"written_bytes\":0,"
	    "\"sessions_open\":0,\"sessions_expired\":0,"
	    "\"sessions_evicted\":0,\"queue_bytes\":0,\"interval_s\":1}}}");
	CHECK_INT(reclen, strlen(rec));
	stop();
}

/*
 * At the smallest cap, config texts of 255 bytes (the longest kept) and
 * counters of 20 digits do not fit: the texts are left out and listed,
 * the counters stay.
 */
static void
big_counters(void)
{
	stats.events = stats.records = stats.malformed = stats.unknown =
	    stats.truncated = stats.dropped = stats.written_bytes =
	    stats.sessions = stats.expired = stats.evicted = UINT64_MAX;
}

static void
long_config(void)
{
	char	 line[600];
	size_t	 n;

	n = snprintf(line, sizeof(line), "config|admd|");
	memset(line + n, 'h', 255);
	n += 255;
	line[n++] = '\n';
	n += snprintf(line + n, sizeof(line) - n, "config|smtpd-version|");
	memset(line + n, 'v', 255);
	n += 255;
	line[n++] = '\n';
	line[n] = '\0';
	feed(line);
}

static void
test_cap(void)
{
	start(FJ_SIZE_MIN);
	long_config();
	big_counters();
	filter_stats(&f, T0, 10, UINT64_MAX);
	CHECK_INT(nrec, 1);
	CHECK(reclen <= FJ_SIZE_MIN);
	parse();
	CHECK(get("observer.hostname") == NULL);
	CHECK(get("observer.version") == NULL);
	CHECK(json_object_get_boolean(get("opensmtpd.truncated")));
	CHECK(strstr(rec, "\"truncated_fields\":[\"observer.version\","
	    "\"observer.hostname\"]") != NULL);
	CHECK_INT(num("interval_s"), 10);
	CHECK(strstr(rec, "\"events\":18446744073709551615,") != NULL);
	CHECK(strstr(rec, "\"queue_bytes\":18446744073709551615,") != NULL);
	stop();

	/* a larger cap keeps them */
	start(FJ_SIZE_DEFAULT);
	long_config();
	big_counters();
	filter_stats(&f, T0, 10, 0);
	CHECK(reclen > FJ_SIZE_MIN);
	parse();
	CHECK(str("observer.hostname") != NULL &&
	    strlen(str("observer.hostname")) == 255);
	CHECK(str("observer.version") != NULL &&
	    strlen(str("observer.version")) == 255);
	CHECK(get("opensmtpd.truncated") == NULL);
	stop();
}

/* Into the sink's space when it gives one, as event records are. */
static char	 space[FJ_SIZE_MAX + 2];
static size_t	 committed;

static char *
on_space(void *arg, size_t n)
{
	(void)arg;
	return (n < sizeof(space) ? space : NULL);
}

static void
on_commit(void *arg, size_t n)
{
	(void)arg;
	committed = n;
}

static void
test_space(void)
{
	start(FJ_SIZE_DEFAULT);
	f.space_cb = on_space;
	f.commit_cb = on_commit;
	committed = 0;
	filter_stats(&f, T0, 5, 0);
	CHECK_INT(nrec, 0);
	CHECK(committed > 0 && committed < sizeof(space));
	if (committed > 0 && committed < sizeof(space)) {
		space[committed] = '\0';
		CHECK(strstr(space, "\"dataset\":\"opensmtpd.stats\"") != NULL);
		CHECK(strstr(space, "\"interval_s\":5}}}") != NULL);
		if (all != NULL)
			fprintf(all, "%s\n", space);
	}
	stop();
}

int
main(void)
{
	int	 rc;

	(void)mkdir("tests/out", 0755);
	if ((all = fopen(allpath, "w")) == NULL)
		allpath = NULL;
	test_fields();
	test_bytes();
	test_cap();
	test_space();
	if (all != NULL) {
		fclose(all);
		all = NULL;
	}
	/* strict JSON, ASCII, under the larger cap: jsoncheck */
	if (allpath != NULL && access("tests/unit/jsoncheck", X_OK) == 0) {
		rc = system("tests/unit/jsoncheck -s 8000 "
		    "tests/out/test_stats.json >/dev/null");
		CHECK_INT(rc, 0);
	} else
		CHECK(!"tests/unit/jsoncheck or tests/out missing");
	return (check_done("test_stats"));
}
