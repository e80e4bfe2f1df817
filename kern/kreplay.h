/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * kreplay.h - `replay --kernel` (kreplay.c): captured frames through the
 * real XDP program with BPF_PROG_TEST_RUN, its events to the same emit_fn.
 */
#ifndef SYNFIN_KERN_KREPLAY_H
#define SYNFIN_KERN_KREPLAY_H

#include <stdbool.h>
#include <stdint.h>
#include "synfin.h"
#include "parse.h"
#include "conn.h"
#include "lib/capture.h"
#include "lib/event.h"

struct kreplay;
struct filter;
struct kreplay *kreplay_open(const __u16 *ports, int nports, const struct filter *filter,
			     bool no_vlan, emit_fn emit,
			     void *ectx);
/*
 * One frame (caplen bytes captured of wire_len; its decode result rc, *fi and *pk from capture_decode) at
 * capture time `now`. `tracked`: the userspace replay would step it (TCP on
 * a wanted port); then the maps are swept first if a second has passed.
 */
int kreplay_packet(struct kreplay *k, int is_eth, const __u8 *data, __u32 caplen,
		   __u32 wire_len, const struct frame_info *fi, int rc, int tracked, const struct sf_pkt *pk,
		   uint64_t now, const struct sf_timeouts *to);
/* End of capture: close what timed out, then the rest as "end". */
void kreplay_finish(struct kreplay *k, uint64_t now, const struct sf_timeouts *to);
/* The program's counter idx (enum sf_counter): SF_C_NEW_CONNS, SF_C_FILTERED... */
uint64_t kreplay_counter(struct kreplay *k, int idx);
void kreplay_close(struct kreplay *k);		/* NULL is fine */

#endif
