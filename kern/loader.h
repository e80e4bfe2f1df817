/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * loader.h - getting synfin's BPF object into the kernel (loader.c): the
 * privileges it needs, libbpf's messages (-v), open + configure + load.
 * `watch` and `replay --kernel` load through here.
 */
#ifndef SYNFIN_KERN_LOADER_H
#define SYNFIN_KERN_LOADER_H

#include <stdbool.h>
#include <stdint.h>
#include "synfin.h"

/*
 * CAP_BPF (or CAP_SYS_ADMIN), CAP_NET_ADMIN and CAP_PERFMON (or
 * CAP_SYS_ADMIN) in the effective set, root or not; names the missing ones.
 */
int check_privileges(const char *cmd);

/* What the object is configured with between open and load. */
struct loader_cfg {
	const __u16 *ports;	/* --port filter, host order */
	int nports;
	const __u64 *filter;	/* a filter expression's program (SF_CBPF_INS), or NULL */
	__u32 filter_len;	/* its instructions, at most SF_FILT_MAX */
	__u32 max_conns;	/* table sizes; 0 keeps the object's own */
	__u32 max_half;		/* 0: loader_half_open_for(max_conns) */
	__u32 flood_rate;	/* half-open creations/s that mean a flood; 0: off */
	bool no_vlan;		/* --no-vlan: VLAN ids not in the key */
	bool tc_vlan_meta;	/* tc reads offloaded VLAN tags (ingress is tc too) */
	__u8 capture;		/* enum sf_capture_mode: -w, --write-all, --segments */
	const int *ifindex;	/* the watched interfaces (several: one owner per connection) */
	int nifaces;
};

/*
 * Kernel memory the connection tables of these sizes take (bytes, an
 * estimate close to the kernel's own accounting for preallocated hashes).
 */
uint64_t loader_tables_bytes(__u32 max_conns, __u32 max_half);

/*
 * The half-open table's default size for a connection table of max_conns:
 * max_conns / SF_HALF_OPEN_DIV, from SF_MIN_HALF_OPEN to SF_MAX_HALF_OPEN.
 */
__u32 loader_half_open_for(__u32 max_conns);

struct synfin_bpf;
/*
 * Check privileges, route libbpf's messages through -v, open the embedded
 * object, apply cfg, load it. NULL (said on stderr, naming cmd) on failure.
 */
struct synfin_bpf *loader_open(const char *cmd, const struct loader_cfg *cfg);

#endif
