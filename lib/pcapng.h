/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pcapng.h - a reader for the pcapng files libpcap refuses: captures on
 * several interfaces with different link types or snap lengths (Wireshark
 * on several interfaces, mergecap). Every interface's packets, in file
 * order, on one clock; each packet says its interface's link type.
 */
#ifndef SYNFIN_LIB_PCAPNG_H
#define SYNFIN_LIB_PCAPNG_H

#include <stdbool.h>
#include <stdint.h>

struct pcapng;

/* One packet: valid until the next pcapng_next(). */
struct pcapng_pkt {
	uint64_t ts_ns;		/* since the epoch, nanoseconds */
	uint32_t caplen;	/* bytes at data */
	uint32_t len;		/* bytes on the wire */
	int dlt;		/* its interface's link type (LINKTYPE_* = DLT_* here) */
	uint32_t ifc;		/* its interface, numbered in file order */
	const uint8_t *data;
};

/*
 * Is `path` a pcapng file whose interfaces differ in link type or snap
 * length (what libpcap cannot read)? false also when it cannot tell.
 */
bool pcapng_mixed(const char *path);
/* Open `path`; NULL with errno set on failure. */
struct pcapng *pcapng_open(const char *path);
/* The next packet: 1, 0 at the end, -1 on a malformed or cut-off file (*why says what). */
int pcapng_next(struct pcapng *g, struct pcapng_pkt *p, const char **why);
/* Link types of the interfaces seen so far, for messages: n returned, up to max. */
int pcapng_dlts(const struct pcapng *g, int *dlts, int max);
void pcapng_close(struct pcapng *g);	/* NULL is fine */

#endif
