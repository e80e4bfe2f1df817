// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* pcapw.c - segments' headers into a pcap file (libpcap's writer). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/pcap.h>
#include "out/pcapw.h"
#include "out/segment.h"

struct pcapw {
	pcap_t *dead;
	pcap_dumper_t *d;
	const char *path, *cmd;
	uint64_t n;
};

struct pcapw *pcapw_open(const char *cmd, const char *path)
{
	struct pcapw *w = calloc(1, sizeof(*w));

	if (!w)
		goto fail;
	w->cmd = cmd;
	w->path = path;
	w->dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, SF_CAP_BYTES,
						       PCAP_TSTAMP_PRECISION_NANO);
	if (!w->dead)
		goto fail;
	w->d = pcap_dump_open(w->dead, path);
	if (w->d)
		return w;
	fprintf(stderr, "synfin %s: -w %s: %s\n", cmd, path, pcap_geterr(w->dead));
	pcap_close(w->dead);
	free(w);
	return NULL;
fail:
	fprintf(stderr, "synfin %s: -w %s: out of memory\n", cmd, path);
	free(w);
	return NULL;
}

void pcapw_write(struct pcapw *w, uint64_t real_ns, const __u8 *data, __u32 caplen, __u32 wire)
{
	struct pcap_pkthdr h;
	__u32 hl = seg_headers_len(DLT_EN10MB, data, caplen);

	h.ts.tv_sec = (time_t)(real_ns / 1000000000ull);
	h.ts.tv_usec = (suseconds_t)(real_ns % 1000000000ull);	/* ns: the file's precision */
	h.caplen = hl ? hl : caplen;
	h.len = wire > h.caplen ? wire : h.caplen;
	pcap_dump((u_char *)w->d, &h, data);
	w->n++;
}

uint64_t pcapw_count(const struct pcapw *w)
{
	return w ? w->n : 0;
}

void pcapw_flush(struct pcapw *w)
{
	if (w)
		pcap_dump_flush(w->d);
}

int pcapw_close(struct pcapw *w)
{
	int err = 0;

	if (!w)
		return 0;
	if (pcap_dump_flush(w->d) || ferror(pcap_dump_file(w->d))) {
		fprintf(stderr, "synfin %s: -w %s: write failed: %s\n", w->cmd, w->path,
			strerror(errno));
		err = -1;
	}
	pcap_dump_close(w->d);
	pcap_close(w->dead);
	free(w);
	return err;
}
