/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * filter.h - pcap-filter(7) expressions (filter.c): compiled by libpcap,
 * evaluated on a connection's first segment and on its mirror image
 * (addresses and ports swapped). User space evaluates with libpcap's
 * bpf_filter on the captured frame; the kernel runs the same program for
 * Ethernet with its own interpreter (bpf/cbpf.h).
 */
#ifndef SYNFIN_LIB_FILTER_H
#define SYNFIN_LIB_FILTER_H

#include <stddef.h>
#include <stdint.h>
#include "synfin.h"
#include "parse.h"

struct filter;

/*
 * The words of argv[first..argc) joined with spaces, as tcpdump reads its
 * expression; NULL when there are none (or no memory: *nomem set).
 */
char *filter_join(int argc, char **argv, int first, int *nomem);

/*
 * A filter for expr. NULL when libpcap refuses it for Ethernet: err gets
 * libpcap's message (or the reason it cannot run in the kernel).
 */
struct filter *filter_new(const char *expr, char *err, size_t errlen);
void filter_free(struct filter *f);
const char *filter_expr(const struct filter *f);

/*
 * The program for Ethernet (DLT_EN10MB), as the BPF object holds it
 * (SF_CBPF_INS words): *n instructions, at most SF_FILT_MAX.
 */
const __u64 *filter_kernel_prog(const struct filter *f, __u32 *n);

/*
 * Whether the frame (link type dlt, caplen captured bytes of wirelen) or its
 * mirror image matches; pk is its parse (capture_decode: pk->l3_off,
 * pk->l4_off). 1 yes, 0 no, -1 the expression does not apply to link type
 * dlt (err says libpcap's message).
 */
int filter_match(struct filter *f, int dlt, const __u8 *data, __u32 caplen, __u32 wirelen,
		 const struct sf_pkt *pk, char *err, size_t errlen);

/*
 * Whether a connection known only by its key (a socket seeded at start)
 * would be selected: the expression on an Ethernet frame carrying an ACK
 * from the key's lo endpoint to its hi one, or on its mirror image.
 */
int filter_match_key(struct filter *f, const struct sf_key *k);

#endif
