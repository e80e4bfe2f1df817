// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tc_drop.bpf.c - a tc (clsact, direct-action) program that drops IPv4 TCP
 * segments to port DROP_PORT and leaves everything else to the next filter.
 * The e2e tests attach it after synfin to check that synfin, an observer,
 * does not stop other tc programs from running. Built with -DDROP_ONCE it
 * drops only the first segment carrying data: a loss after the sender's
 * hook, so the other end of the veth sees a gap and then the retransmission.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/pkt_cls.h>

#define SEC(name) __attribute__((section(name), used))
#ifndef DROP_PORT
#define DROP_PORT 21430
#endif

#ifdef DROP_ONCE
static volatile __u32 dropped;	/* .bss: one drop per loaded program */
#endif

SEC("tc")
int sfe_tc_drop(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct tcphdr *th;

	if ((void *)(ip + 1) > end || eth->h_proto != __builtin_bswap16(ETH_P_IP) ||
	    ip->protocol != IPPROTO_TCP)
		return TC_ACT_UNSPEC;
	th = (void *)ip + ip->ihl * 4;
	if ((void *)(th + 1) > end)
		return TC_ACT_UNSPEC;
	if (th->dest != __builtin_bswap16(DROP_PORT))
		return TC_ACT_UNSPEC;
#ifdef DROP_ONCE
	/* payload = IP total length - IP header - TCP header */
	if (dropped || __builtin_bswap16(ip->tot_len) <= ip->ihl * 4 + th->doff * 4)
		return TC_ACT_UNSPEC;
	dropped = 1;
#endif
	return TC_ACT_SHOT;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
