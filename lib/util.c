// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* util.c - clocks, timestamps, and parsing of the values options take. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "lib/util.h"

int verbose;

/* Seconds, with an optional unit: 30, 1.5, 500ms, 2m, 1h. */
int parse_duration(const char *s, double *secs)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || v < 0)
		return -1;
	if (!strcmp(end, "") || !strcmp(end, "s"))
		*secs = v;
	else if (!strcmp(end, "ms"))
		*secs = v / 1000;
	else if (!strcmp(end, "m"))
		*secs = v * 60;
	else if (!strcmp(end, "h"))
		*secs = v * 3600;
	else
		return -1;
	return 0;
}

int parse_format(const char *s, enum out_format *f, bool allow_prom)
{
	if (!strcmp(s, "text"))
		*f = OUT_TEXT;
	else if (!strcmp(s, "json"))
		*f = OUT_JSON;
	else if (allow_prom && !strcmp(s, "prometheus"))
		*f = OUT_PROM;
	else
		return -1;
	return 0;
}

static uint64_t clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

uint64_t mono_ns(void) { return clock_ns(CLOCK_MONOTONIC); }
uint64_t real_ns(void) { return clock_ns(CLOCK_REALTIME); }
uint64_t thread_cpu_ns(void) { return clock_ns(CLOCK_THREAD_CPUTIME_ID); }

/* A second as 2026-01-01T12:00:00 (iso) or local 12:00:00, each second formatted once. */
static const char *ts_second(uint64_t ns, bool iso)
{
	/* Events come many per second: format each second once (per style). */
	static time_t cached_sec[2] = { -1, -1 };
	static char cached[2][32];
	time_t sec = (time_t)(ns / 1000000000ull);
	int k = iso ? 1 : 0;

	if (cached_sec[k] != sec) {
		struct tm tm;

		if (iso)
			gmtime_r(&sec, &tm);
		else
			localtime_r(&sec, &tm);
		strftime(cached[k], sizeof(cached[k]), iso ? "%Y-%m-%dT%H:%M:%S" : "%H:%M:%S",
			 &tm);
		cached_sec[k] = sec;
	}
	return cached[k];
}

/* ISO: 2026-01-01T12:00:00.123456Z; otherwise local 12:00:00.123456. */
void format_ts(uint64_t ns, char *buf, size_t n, bool iso)
{
	snprintf(buf, n, iso ? "%s.%06uZ" : "%s.%06u", ts_second(ns, iso),
		 (unsigned)(ns % 1000000000ull / 1000));
}

void buf_ts(struct buf *b, uint64_t ns, bool iso)
{
	buf_str(b, ts_second(ns, iso));
	buf_ch(b, '.');
	buf_u64z(b, ns % 1000000000ull / 1000, 6);
	if (iso)
		buf_ch(b, 'Z');
}

bool iface_in_list(const char *list, const char *ifname)
{
	size_t n = strlen(ifname);

	for (const char *p = list; p; p = strchr(p, '+') ? strchr(p, '+') + 1 : NULL)
		if (!strncmp(p, ifname, n) && (p[n] == '+' || p[n] == '\0'))
			return true;
	return false;
}
