// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdp_pass.bpf.c - a do-nothing XDP program that the e2e tests attach with
 * `ip link set dev X xdpgeneric obj ...`, to play "another XDP program is
 * already attached" (netlink-attached, not a bpf_link).
 */
#include <linux/bpf.h>

#define SEC(name) __attribute__((section(name), used))

SEC("xdp")
int sfe_xdp_pass(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
