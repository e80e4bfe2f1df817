// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * lookup.bpf.c - benchmark baseline: the least a per-connection tracker must
 * do. Parse Ethernet + IPv4/IPv6 + the TCP ports, look the 5-tuple up in an
 * LRU hash (inserting it when new) and count the packet. No state machine,
 * no options, no events: synfin's cost above this is what its tracking adds.
 * The key has sf_key's size so both hash the same number of bytes.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct lk_key {
	__u8 saddr[16];
	__u8 daddr[16];
	__be16 sport;
	__be16 dport;
	__u8 family;
	__u8 reserved[3];
};

struct lk_val {
	__u64 pkts;
	__u64 bytes;
#ifdef LK_CLOCK
	__u64 last_ns;		/* latest packet (lookup_clock.bpf.c) */
#endif
};

/* The flows, sized by the loader like synfin's conns map. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1 << 16);
	__type(key, struct lk_key);
	__type(value, struct lk_val);
} flows SEC(".maps");

/* Packets that were not TCP, and flows that could not be inserted. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} misses SEC(".maps");

static __always_inline void miss(__u32 idx)
{
	__u64 *c = bpf_map_lookup_elem(&misses, &idx);

	if (c)
		(*c)++;
}

static __always_inline void track(void *data, void *data_end)
{
	struct ethhdr *eth = data;
	struct lk_key k = {};
	struct lk_val *v, nv = { 1, 0 };
	struct tcphdr *th;
	__u32 len;

	if ((void *)(eth + 1) > data_end)
		return;
	if (eth->h_proto == bpf_htons(0x0800)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > data_end || ip->protocol != 6)
			goto not_tcp;
		th = (void *)ip + ip->ihl * 4;
		__builtin_memcpy(k.saddr, &ip->saddr, 4);
		__builtin_memcpy(k.daddr, &ip->daddr, 4);
		k.family = 4;
		len = bpf_ntohs(ip->tot_len);
	} else if (eth->h_proto == bpf_htons(0x86DD)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > data_end || ip6->nexthdr != 6)
			goto not_tcp;
		th = (void *)(ip6 + 1);
		__builtin_memcpy(k.saddr, &ip6->saddr, 16);
		__builtin_memcpy(k.daddr, &ip6->daddr, 16);
		k.family = 6;
		len = bpf_ntohs(ip6->payload_len);
	} else {
		goto not_tcp;
	}
	if ((void *)(th + 1) > data_end)
		goto not_tcp;
	k.sport = th->source;
	k.dport = th->dest;
#ifdef LK_NEWCONN
	if (th->syn && !th->ack) {	/* a new connection: a fresh entry */
		nv.bytes = len;
		if (bpf_map_update_elem(&flows, &k, &nv, BPF_ANY))
			miss(1);
		return;
	}
#endif
	v = bpf_map_lookup_elem(&flows, &k);
	if (v) {
		__sync_fetch_and_add(&v->pkts, 1);
		__sync_fetch_and_add(&v->bytes, len);
#ifdef LK_CLOCK
		v->last_ns = bpf_ktime_get_coarse_ns();
#endif
		return;
	}
	nv.bytes = len;
#ifdef LK_CLOCK
	nv.last_ns = bpf_ktime_get_coarse_ns();
#endif
	if (bpf_map_update_elem(&flows, &k, &nv, BPF_NOEXIST))
		miss(1);
	return;
not_tcp:
	miss(0);
}

SEC("xdp")
int lookup_xdp(struct xdp_md *ctx)
{
	track((void *)(long)ctx->data, (void *)(long)ctx->data_end);
	return XDP_PASS;
}

SEC("tc")
int lookup_tc(struct __sk_buff *skb)
{
	track((void *)(long)skb->data, (void *)(long)skb->data_end);
	return 0;	/* TC_ACT_OK */
}

/* The same on tc ingress (live runs in tc mode): its own run_time_ns/run_cnt. */
SEC("tc")
int lookup_tc_in(struct __sk_buff *skb)
{
	track((void *)(long)skb->data, (void *)(long)skb->data_end);
	return 0;	/* TC_ACT_OK */
}
