/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * select.h - the kernel side of filter expressions, included once by
 * synfin.bpf.c (after its counters and configuration): the program in
 * .rodata, the interpreter's per-CPU machine, the table of connections not
 * selected, and the three functions handle_packet() calls. User space:
 * lib/filter.c; the design: docs/design.md, "Filter expressions".
 */
#ifndef SYNFIN_SELECT_H
#define SYNFIN_SELECT_H

#include "cbpf.h"

/*
 * The filter expression (synfin watch -i IF EXPRESSION): libpcap's classic
 * BPF for Ethernet, set by the loader before load (0 instructions: none,
 * and the verifier drops all of this). Run once per connection, on the
 * segment that would create its entry; a connection it does not select
 * goes into `rejected`, whose later segments cost one lookup (counted as
 * SF_C_FILTERED) until a SYN starts a new connection on the tuple.
 */
const volatile __u32 cfg_filt_len = 0;
const volatile __u64 cfg_filt[SF_FILT_MAX] = {};	/* SF_CBPF_INS */

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SF_MAX_REJECTED);	/* 1 without a filter (loader.c) */
	__type(key, struct sf_key);
	__type(value, __u8);
} rejected SEC(".maps");

/*
 * The last connection found in `rejected`, per CPU, with the generation it
 * was found in: a burst of its segments (a bulk transfer on one CPU) costs a
 * compare, not a lookup. A SYN that takes a key out of `rejected` moves the
 * generation on, which empties every CPU's memory at once.
 */
struct filt_last {
	struct sf_key key;
	__u64 gen;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct filt_last);
} rejected_last SEC(".maps");

__u64 rejected_gen = 1;

/* The interpreter's machine and packet copy, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sf_cbpf_vm);
} filt_vm SEC(".maps");

struct filt_run {
	struct sf_cbpf_vm *vm;
};

static long filt_step(__u32 i, void *ctx)
{
	struct sf_cbpf_vm *vm = ((struct filt_run *)ctx)->vm;
	__u32 pc = vm->pc;

	if (pc >= SF_FILT_MAX || pc >= cfg_filt_len) {
		vm->ret = 0;
		return 1;
	}
	return sf_cbpf_exec(vm, cfg_filt[pc]);
}

/*
 * One run of the filter over vm's packet: 1 it matched. A global function:
 * the interpreter is verified once, however often it is called.
 */
__noinline int sf_filt_run(struct sf_cbpf_vm *vm)
{
	struct filt_run r = { .vm = vm };

	if (!vm)
		return 0;
	sf_cbpf_reset(vm);
	bpf_loop(cfg_filt_len, filt_step, &r, 0);
	return vm->ret != 0;
}

/* The filter on vm's packet, then on its mirror image: 1 selected. */
static __always_inline int filt_eval(struct sf_cbpf_vm *vm, const struct sf_pkt *pk,
				     __u32 shift)
{
	if (sf_filt_run(vm))
		return 1;
	return !sf_cbpf_mirror(vm, pk, shift) && sf_filt_run(vm);
}

/* The verdict on pk's connection: a rejection is remembered, a SYN's clears it. */
static __always_inline int filt_verdict(int sel, const struct sf_pkt *pk)
{
	__u8 one = 1;

	if (!sel)
		bpf_map_update_elem(&rejected, &pk->key, &one, BPF_ANY);
	else if ((pk->seg.flags & (SF_TH_SYN | SF_TH_ACK)) == SF_TH_SYN &&
		 bpf_map_delete_elem(&rejected, &pk->key) == 0)	/* a SYN re-evaluated it */
		__sync_fetch_and_add(&rejected_gen, 1);
	return sel;
}

/*
 * Whether the expression selects pk's connection (the first SF_FILT_SNAP
 * bytes of the frame copied, then tested as they are and mirrored). Global
 * functions, one per hook type, verified once each: `avail` bytes of frame
 * data, `wire` its length on the wire. A frame that cannot be copied is
 * selected (never hide a connection on a failure).
 */
__noinline int sf_filt_xdp(struct xdp_md *ctx, const struct sf_pkt *pk, __u32 avail, __u32 wire)
{
	__u32 zero = 0, n = avail;
	struct sf_cbpf_vm *vm = bpf_map_lookup_elem(&filt_vm, &zero);

	if (!ctx || !pk || !vm)
		return 1;
	if (n > SF_FILT_SNAP)
		n = SF_FILT_SNAP;
	if (n < 1 || bpf_xdp_load_bytes(ctx, 0, vm->pkt, n))
		return 1;
	vm->caplen = n;
	vm->wirelen = wire;
	return filt_verdict(filt_eval(vm, pk, 0), pk);
}

/*
 * tc: an offloaded VLAN tag (skb->vlan_tci, with --mode tc as for the key)
 * goes back into the copy where it was on the wire, so `vlan` means the same
 * as at XDP, where tags are in the frame.
 */
__noinline int sf_filt_skb(struct __sk_buff *skb, const struct sf_pkt *pk, __u32 avail,
			   __u32 wire)
{
	__u32 zero = 0, n = avail, shift = 0;
	struct sf_cbpf_vm *vm = bpf_map_lookup_elem(&filt_vm, &zero);

	if (!skb || !pk || !vm)
		return 1;
	if (cfg_tc_vlan_meta && skb->vlan_present && n >= 12) {
		__u16 tci = (__u16)skb->vlan_tci;

		shift = 4;
		if (bpf_skb_load_bytes(skb, 0, vm->pkt, 12))
			return 1;
		vm->pkt[12] = (__u8)(bpf_ntohs(skb->vlan_proto) >> 8);
		vm->pkt[13] = (__u8)bpf_ntohs(skb->vlan_proto);
		vm->pkt[14] = (__u8)(tci >> 8);
		vm->pkt[15] = (__u8)tci;
		n -= 12;
		if (n > SF_FILT_SNAP - 16)
			n = SF_FILT_SNAP - 16;
		if (n < 1 || bpf_skb_load_bytes(skb, 12, vm->pkt + 16, n))
			return 1;
		n += 16;
	} else {
		if (n > SF_FILT_SNAP)
			n = SF_FILT_SNAP;
		if (n < 1 || bpf_skb_load_bytes(skb, 0, vm->pkt, n))
			return 1;
	}
	vm->caplen = n;
	vm->wirelen = wire + shift;
	return filt_verdict(filt_eval(vm, pk, shift), pk);
}

static __always_inline int key_eq(const struct sf_key *a, const struct sf_key *b)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;

	return !((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3]) | (x[4] ^ y[4]));
}

/* A later segment of a connection the filter did not select (not a SYN). */
__noinline int sf_filt_rejected(const struct sf_pkt *pk)
{
	__u32 zero = 0;
	struct filt_last *last = bpf_map_lookup_elem(&rejected_last, &zero);
	__u64 gen = rejected_gen;

	if (!pk || !last || (pk->seg.flags & (SF_TH_SYN | SF_TH_ACK)) == SF_TH_SYN)
		return 0;
	if (last->gen == gen && key_eq(&last->key, &pk->key))
		return 1;
	if (!bpf_map_lookup_elem(&rejected, &pk->key))
		return 0;
	last->key = pk->key;
	last->gen = gen;
	return 1;
}

#endif /* SYNFIN_SELECT_H */
