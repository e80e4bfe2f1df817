// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * empty.bpf.c - benchmark baseline: programs that do nothing but pass. What
 * they cost is the hook's own overhead (and BPF_PROG_TEST_RUN's loop), the
 * floor under every other figure.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("xdp")
int empty_xdp(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("tc")
int empty_tc(struct __sk_buff *skb)
{
	return 0;	/* TC_ACT_OK */
}

SEC("tc")
int empty_tc_in(struct __sk_buff *skb)
{
	return 0;	/* TC_ACT_OK, on tc ingress */
}
