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
 * Counters: printed on SIGUSR1 and at exit, and written as a record of
 * their own every -i seconds (stats_record).
 */

#include <stdio.h>

#include "filter-jsonlog.h"
#include "jsonw.h"

struct stats	 stats;

/* One line of counters into buf; its length. */
size_t
stats_line(char *buf, size_t size)
{
	int	 n;

	n = snprintf(buf, size, "events=%llu records=%llu malformed=%llu "
	    "unknown=%llu ignored=%llu overlong=%llu truncated=%llu "
	    "dropped=%llu written=%llu sessions=%llu expired=%llu "
	    "evicted=%llu capped=%llu written_bytes=%llu",
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
	    (unsigned long long)stats.capped,
	    (unsigned long long)stats.written_bytes);
	if (n < 0)
		return (0);
	return ((size_t)n < size ? (size_t)n : size - 1);
}

/* "key":number, after a comma. */
#define STAT(w, k, v)	do {						\
		W_LIT((w), ",\"" k "\":");				\
		w_u64((w), (v));					\
	} while (0)

static void
stats_once(struct wbuf *w, const struct render_conf *conf, int64_t now_us,
    unsigned int interval_s, uint64_t queue_bytes, int texts)
{
	int	 n = 1;

	W_LIT(w, "{\"@timestamp\":\"");
	w_time(w, now_us);
	W_LIT(w, "\",\"ecs\":{\"version\":\"" ECS_VERSION "\"},"
	    "\"event\":{\"kind\":\"metric\",\"module\":\"opensmtpd\","
	    "\"dataset\":\"opensmtpd.stats\",\"action\":\"stats\"},"
	    "\"observer\":{\"product\":\"OpenSMTPD\",\"vendor\":"
	    "\"OpenSMTPD\",\"type\":\"mta\"");
	if (texts) {
		w_key_estr(w, &n, "version", 7, &conf->version);
		w_key_estr(w, &n, "hostname", 8, &conf->hostname);
	}
	W_LIT(w, "},\"opensmtpd\":{\"stats\":{\"events\":");
	w_u64(w, stats.events);
	STAT(w, "records", stats.records);
	STAT(w, "malformed", stats.malformed);
	STAT(w, "unknown", stats.unknown);
	STAT(w, "truncated", stats.truncated);
	STAT(w, "dropped", stats.dropped);
	STAT(w, "written_bytes", stats.written_bytes);
	STAT(w, "sessions_open", stats.sessions);
	STAT(w, "sessions_expired", stats.expired);
	STAT(w, "sessions_evicted", stats.evicted);
	STAT(w, "queue_bytes", queue_bytes);
	STAT(w, "interval_s", interval_s);
	W_LIT(w, "}");
	if (!texts && (conf->version.p != NULL || conf->hostname.p != NULL)) {
		W_LIT(w, ",\"truncated\":true,\"truncated_fields\":[");
		if (conf->version.p != NULL)
			W_LIT(w, "\"observer.version\"");
		if (conf->version.p != NULL && conf->hostname.p != NULL)
			W_LIT(w, ",");
		if (conf->hostname.p != NULL)
			W_LIT(w, "\"observer.hostname\"");
		W_LIT(w, "]");
	}
	W_LIT(w, "}}");
}

/*
 * The self-statistics record at wall time now_us (microseconds since the
 * epoch) into out (room for outcap bytes, at most conf->cap used, plus a
 * NUL); its length.  Only observer.version and observer.hostname (the
 * config texts, up to 255 bytes each) can make it longer than the cap
 * (1024 at least): then they are left out, and listed.
 */
size_t
stats_record(const struct render_conf *conf, int64_t now_us,
    unsigned int interval_s, uint64_t queue_bytes, char *out, size_t outcap)
{
	struct wbuf	 w;
	int		 texts;

	w_init();
	for (texts = 1; texts >= 0; texts--) {
		w.b = w.p = out;
		w.end = out + (conf->cap < outcap ? conf->cap : outcap - 1);
		w.over = 0;
		stats_once(&w, conf, now_us, interval_s, queue_bytes, texts);
		if (!w.over)
			break;
	}
	if (w.over)	/* cannot happen with a cap of FJ_SIZE_MIN or more */
		return (0);
	*w.p = '\0';
	return (w.p - out);
}
