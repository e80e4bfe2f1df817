/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pcapw.h - `watch -w FILE`: segments' headers as a pcap file tcpdump and
 * Wireshark open (pcapw.c, written with libpcap; nanosecond timestamps).
 */
#ifndef SYNFIN_OUT_PCAPW_H
#define SYNFIN_OUT_PCAPW_H

#include <stdint.h>
#include "synfin.h"

struct pcapw;
/* Create path (Ethernet frames, snap length SF_CAP_BYTES). NULL, said on stderr. */
struct pcapw *pcapw_open(const char *cmd, const char *path);
/* One frame: its headers only (up to the end of the TCP header), its wire length. */
void pcapw_write(struct pcapw *w, uint64_t real_ns, const __u8 *data, __u32 caplen, __u32 wire);
/* Frames written so far. */
uint64_t pcapw_count(const struct pcapw *w);
/* Flush (the loop does it once a pass, so a reader sees whole packets). */
void pcapw_flush(struct pcapw *w);
/* Close; 0, or -1 when a write failed (said on stderr). NULL is fine. */
int pcapw_close(struct pcapw *w);

#endif
