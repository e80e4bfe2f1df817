/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * capture.h - decoding captured frames of the link types replay reads into
 * parse.h's struct sf_pkt, and the counts of what could not be used.
 */
#ifndef SYNFIN_LIB_CAPTURE_H
#define SYNFIN_LIB_CAPTURE_H

#include <stdint.h>
#include "synfin.h"
#include "parse.h"

/* Beyond enum sf_parse_rc: the link-layer header itself was unusable. */
#define SF_P_BAD_LINK 100

/* Where the link header ends, for rebuilding the frame as Ethernet. */
struct frame_info {
	__u32 l3_off;		/* offset of what follows the link header */
	__be16 proto;		/* its ethertype (network order), 0 if none */
};

/* Packets by outcome, for the end-of-replay summary. */
struct capture_stats {
	uint64_t pkts;		/* frames read */
	uint64_t tcp;		/* TCP segments fed to the state machine */
	uint64_t filtered;	/* TCP, but not selected (--port, filter expression) */
	uint64_t not_tcp;	/* not IP, or IP but not TCP */
	uint64_t fragments;	/* non-first IP fragments */
	uint64_t trunc;		/* headers cut short (snap length, short frame) */
	uint64_t bad_ip;
	uint64_t bad_tcp;
	uint64_t too_deep;	/* too many VLAN/MPLS/IPv6 extension headers */
	uint64_t bad_link;	/* link header short or of an unknown family */
	uint64_t bad_flags;	/* SYN+FIN, SYN+RST, all flags: dropped */
	uint64_t bad_opts;	/* TCP option list malformed (segment still used) */
};

/* Is this pcap DLT_* one replay decodes? */
int capture_link_supported(int dlt);

/*
 * capture_decode: parse one frame of link type `dlt` (caplen captured bytes
 * at `data`, wire_len on the wire: the pcap header's original length, 0 if
 * unknown) into *pk, SYN options included. Returns SF_P_TCP (0) or why
 * not (enum sf_parse_rc or SF_P_BAD_LINK). *fi says where the link header
 * ended. pk->opt_off is relative to `data`.
 */
int capture_decode(int dlt, const __u8 *data, __u32 caplen, __u32 wire_len, struct sf_pkt *pk,
		   struct frame_info *fi);

/* Count a decode result in *st. */
void capture_count(struct capture_stats *st, int rc, const struct sf_pkt *pk);

#endif
