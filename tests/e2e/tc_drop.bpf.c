// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tc_drop.bpf.c - a tc (clsact, direct-action) program that drops IPv4 TCP
 * segments to port DROP_PORT and leaves everything else to the next filter.
 * The e2e tests attach it after synfin to check that synfin, an observer,
 * does not stop other tc programs from running.
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
	return th->dest == __builtin_bswap16(DROP_PORT) ? TC_ACT_SHOT : TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
