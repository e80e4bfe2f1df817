/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * segment.h - one captured segment as `tcpdump -n` prints it (segment.c),
 * for --segments: the kernel's header copy (struct sf_segcap) live, the
 * capture's frame in replay. Sequence numbers relative as tcpdump makes them
 * (per conversation, from its first segment with an ACK), or absolute (-S).
 */
#ifndef SYNFIN_OUT_SEGMENT_H
#define SYNFIN_OUT_SEGMENT_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include <net/if.h>
#include "synfin.h"

/* One segment, resolved: the tcpdump text and its fields (for JSON). */
struct seg_line {
	uint64_t ts_ns;			/* wall clock */
	uint64_t id;			/* the connection (0: not known) */
	char ifname[IF_NAMESIZE];	/* "" when one interface is watched */
	bool changed;			/* it changed a state: its event follows */
	bool maybe;			/* changed not known yet (replay): it did if an event of
					 * its connection follows before reporter_flush */
	__u8 family;
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	__u16 sport, dport;
	char flags[12];			/* tcpdump's: "S.", "P.", "none" */
	bool has_seq, has_ack;		/* printed as tcpdump does (payload/SYN/FIN/RST; ACK) */
	__u32 seq, end_seq, ack;	/* relative unless absolute */
	__u16 win;
	__u32 len;			/* payload bytes */
	char opts[320];			/* tcpdump's option list, "" if none */
	char text[512];			/* "IP a.1 > b.2: Flags [S], seq 1, ..., length 0" */
};

struct seg_fmt;
struct seg_fmt *seg_fmt_new(bool absolute);
/*
 * A frame of link type dlt (caplen bytes captured of wire) into *l (its
 * ts_ns, id, ifname and changed are the caller's). 0, or -1 when it holds
 * no TCP segment synfin parses.
 */
int seg_fmt_frame(struct seg_fmt *f, int dlt, const __u8 *data, __u32 caplen, __u32 wire,
		  struct seg_line *l);
/* Where the frame's TCP header ends (headers only for -w); 0 if not TCP. */
__u32 seg_headers_len(int dlt, const __u8 *data, __u32 caplen);
void seg_fmt_free(struct seg_fmt *f);

#endif
