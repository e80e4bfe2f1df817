// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fuzz_pcap.c - libFuzzer harness for replay's input side: the bytes are
 * read as a pcap/pcapng file (fmemopen + pcap_fopen_offline), every frame is
 * decoded (lib/capture.c -> bpf/parse.h) and stepped through the tracker,
 * resolved into records (lib/conntab.c) and written by the JSON reporter; the same bytes are also parsed as one raw frame of
 * every supported link type. Build: make fuzz-pcap. Any crash, hang or
 * sanitizer report is a bug.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/pcap.h>
#include "lib/capture.h"
#include "lib/conntab.h"
#include "lib/track.h"
#include "out/report.h"


static const int dlts[] = { DLT_EN10MB, DLT_LINUX_SLL, 276 /* SLL2 */, DLT_RAW,
			    228 /* IPV4 */, 229 /* IPV6 */, DLT_NULL, DLT_LOOP };

static struct conntab *tab;

static void emit(void *ctx, const struct sf_event *ev)
{
	struct sf_record rec;

	conntab_resolve(tab, ev, 0, &rec);
	reporter_write(ctx, &rec);
}

static void run(struct tracker *tr, int dlt, const __u8 *d, __u32 len, uint64_t now)
{
	struct frame_info fi;
	struct sf_pkt pk;

	if (capture_decode(dlt, d, len, len, &pk, &fi) == SF_P_TCP)
		tracker_packet(tr, &pk, now);
}

int LLVMFuzzerTestOneInput(const __u8 *data, size_t size)
{
	struct sf_timeouts to = { .syn_ns = 3000000000ull, .time_wait_ns = 2000000000ull,
				  .idle_ns = 10000000000ull };
	struct report_opts ro = { .format = OUT_JSON };
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const __u8 *pkt;
	struct reporter *rep;
	struct tracker *tr;
	uint64_t now = 0;
	FILE *in, *out;
	pcap_t *pc;
	size_t i;

	out = fopen("/dev/null", "w");
	if (!out)
		return 0;
	ro.out = out;
	rep = reporter_new(&ro);
	tab = conntab_new();
	tr = tracker_new(64, &to, emit, rep);

	/* 1: the bytes as a capture file. */
	in = fmemopen((void *)data, size, "rb");
	if (in) {
		pc = pcap_fopen_offline_with_tstamp_precision(in, PCAP_TSTAMP_PRECISION_NANO, errbuf);
		if (pc) {	/* pcap_close closes `in` */
			int dlt = pcap_datalink(pc);

			while (pcap_next_ex(pc, &h, &pkt) == 1) {
				uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000000ull + h->ts.tv_usec;

				if (ts > now)
					now = ts;
				if (capture_link_supported(dlt))
					run(tr, dlt, pkt, h->caplen, now);
			}
			pcap_close(pc);
		} else {
			fclose(in);
		}
	}
	tracker_finish(tr, now);

	/* 2: the bytes as one frame of each link type, twice (reuse paths). */
	for (i = 0; i < sizeof(dlts) / sizeof(dlts[0]); i++) {
		run(tr, dlts[i], data, (__u32)size, 1000);
		run(tr, dlts[i], data, (__u32)size, 5000000000ull);
	}
	tracker_finish(tr, 10000000000ull);
	tracker_free(tr);
	reporter_free(rep);
	conntab_free(tab);
	fclose(out);
	return 0;
}
