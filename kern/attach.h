/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* attach.h - attaching synfin's programs to an interface (attach.c). */
#ifndef SYNFIN_ATTACH_H
#define SYNFIN_ATTACH_H
#include <stdbool.h>
#include <stddef.h>
#include <net/if.h>

enum xdp_mode_opt { MODE_AUTO = 0, MODE_NATIVE, MODE_GENERIC, MODE_TC };

struct attach {
	int ifindex;
	char ifname[IF_NAMESIZE];
	int xdp_link_fd;	/* -1 when not attached */
	int xdp_mode;		/* XDP_FLAGS_DRV_MODE or XDP_FLAGS_SKB_MODE */
	int tc_link_fd;		/* egress tcx link, -1 if none */
	bool tc_filter;		/* egress clsact filter attached (no tcx) */
	int tc_in_link_fd;	/* --mode tc: ingress tcx link, -1 if none */
	bool tc_in_filter;	/* --mode tc: ingress clsact filter (no tcx) */
	bool created_qdisc;	/* we created clsact: remove it on detach */
	enum xdp_mode_opt mode;	/* the ingress hook in use (auto resolved) */
	char why[200];		/* --mode auto: which hook and why, for the start line */
};

/* Another synfin on a's hooks (XDP, tcx ingress or egress): say whose, -EBUSY; else 0. */
int attach_check_free(const struct attach *a);
/* After attach_check_free: another program there is refused, or replaced with force. */
int attach_xdp(struct attach *a, int prog_fd, enum xdp_mode_opt mode, bool force);
int attach_tc(struct attach *a, int prog_fd, bool ingress);
void detach_all(struct attach *a);
const char *attach_mode_name(const struct attach *a);
void iface_driver(const char *ifname, char *buf, size_t n);
/* --mode auto: MODE_NATIVE or MODE_TC for ifname, and one line saying why. */
enum xdp_mode_opt attach_auto_mode(const char *ifname, char *why, size_t n);
#endif
