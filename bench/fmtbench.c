// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fmtbench.c - what the watcher does per event in user space, alone: the
 * events of some captures (replayed through lib/track.c, as `synfin
 * replay` does) resolved into records (conntab_resolve) and written as
 * JSON and as text lines (out/report.c) to /dev/null, over and over.
 *
 *   fmtbench [-s SECS] CAPTURE...
 *
 * prints: events=N json_lines_per_event=X text_lines_per_event=X
 *         json_ns_per_line=X text_ns_per_line=X resolve_ns_per_event=X
 * (a line's figure includes resolving its event; resolve: conntab_resolve
 * alone; each figure the best of 3 runs of SECS).
 */
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "lib/capture.h"
#include "lib/conntab.h"
#include "lib/track.h"
#include "lib/util.h"
#include "out/report.h"

static struct sf_event *evs;
static size_t nevs, capevs;

static void collect(void *ctx, const struct sf_event *ev)
{
	(void)ctx;
	if (nevs == capevs) {
		capevs = capevs ? capevs * 2 : 1024;
		evs = realloc(evs, capevs * sizeof(*evs));
		if (!evs)
			exit(1);
	}
	evs[nevs++] = *ev;
}

static int load(const char *file)
{
	struct sf_timeouts to = { .syn_ns = 130000000000ull, .time_wait_ns = 60000000000ull,
				  .idle_ns = 7200000000000ull };
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const __u8 *d;
	struct tracker *tr;
	uint64_t now = 0;
	pcap_t *pc;

	pc = pcap_open_offline_with_tstamp_precision(file, PCAP_TSTAMP_PRECISION_NANO, err);
	if (!pc) {
		fprintf(stderr, "fmtbench: %s: %s\n", file, err);
		return -1;
	}
	tr = tracker_new(1 << 16, &to, collect, NULL);
	while (pcap_next_ex(pc, &h, &d) == 1) {
		struct frame_info fi;
		struct sf_pkt pk;

		now = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
		if (capture_decode(pcap_datalink(pc), d, h->caplen, h->len, &pk, &fi) == SF_P_TCP)
			tracker_packet(tr, &pk, now);
	}
	tracker_finish(tr, now);
	tracker_free(tr);
	pcap_close(pc);
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);	/* CPU time: a shared machine preempts */
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * ns per line (per event for format < 0: resolving only), the best of 3
 * runs of secs; *per_event: lines per event.
 */
static double run(int format, double secs, double *per_event)
{
	double best = 0;
	int round;

	for (round = 0; round < 3; round++) {
		FILE *out = fopen("/dev/null", "w");
		struct report_opts ro = { .format = format < 0 ? OUT_JSON : format, .out = out };
		struct reporter *rep = reporter_new(&ro);
		struct conntab *tab = conntab_new();
		double t0 = now_s(), t;
		uint64_t n = 0, lines;
		size_t i;

		setvbuf(out, NULL, _IOFBF, 1 << 16);
		do {
			for (i = 0; i < nevs; i++) {
				struct sf_record rec;

				conntab_resolve(tab, &evs[i], 0, &rec);
				if (format >= 0)
					reporter_write(rep, &rec);
			}
			n += nevs;
			t = now_s() - t0;
		} while (t < secs);
		lines = format < 0 ? n : reporter_events(rep);
		*per_event = (double)lines / (double)n;
		if (!round || t * 1e9 / (double)lines < best)
			best = t * 1e9 / (double)lines;
		reporter_free(rep);
		conntab_free(tab);
		fclose(out);
	}
	return best;
}

int main(int argc, char **argv)
{
	double secs = 0.5, json, text, res, lj, lt, le;
	int i = 1;

	if (argc > 2 && !strcmp(argv[1], "-s")) {
		secs = atof(argv[2]);
		i = 3;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: fmtbench [-s SECS] CAPTURE...\n");
		return 2;
	}
	for (; i < argc; i++)
		if (load(argv[i]))
			return 1;
	if (!nevs) {
		fprintf(stderr, "fmtbench: no events in those captures\n");
		return 1;
	}
	json = run(OUT_JSON, secs, &lj);
	text = run(OUT_TEXT, secs, &lt);
	res = run(-1, secs, &le);
	printf("events=%zu json_lines_per_event=%.2f text_lines_per_event=%.2f "
	       "json_ns_per_line=%.1f text_ns_per_line=%.1f resolve_ns_per_event=%.1f\n",
	       nevs, lj, lt, json, text, res);
	(void)le;
	free(evs);
	return 0;
}
