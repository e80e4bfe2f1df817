/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* attach.h - attaching synfin's programs to an interface (attach.c). */
#ifndef SYNFIN_ATTACH_H
#define SYNFIN_ATTACH_H
#include <stdbool.h>
#include <net/if.h>

enum xdp_mode_opt { MODE_AUTO = 0, MODE_NATIVE, MODE_GENERIC };

struct attach {
	int ifindex;
	char ifname[IF_NAMESIZE];
	int xdp_link_fd;	/* -1 when not attached */
	int xdp_mode;		/* XDP_FLAGS_DRV_MODE or XDP_FLAGS_SKB_MODE */
	int tc_link_fd;		/* tcx link, -1 if none */
	bool tc_filter;		/* clsact filter attached (no tcx) */
	bool created_qdisc;	/* we created clsact: remove it on detach */
};

int attach_xdp(struct attach *a, int prog_fd, enum xdp_mode_opt mode, bool force);
int attach_tc(struct attach *a, int prog_fd);
void detach_all(struct attach *a);
const char *attach_mode_name(const struct attach *a);
#endif
