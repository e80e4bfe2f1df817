// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * hooks.c - what is attached to a device, for the e2e tests: one line per
 * hook, "xdp NAME [native|generic]", "tcx_ingress NAME...", "tcx_egress
 * NAME..." ("-" when empty). bpftool 7.1 does not list tcx links.
 *   hooks IFACE
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

static void name_of(__u32 id, char *buf, size_t n)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);

	snprintf(buf, n, "id%u", id);
	if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
		snprintf(buf, n, "%s", info.name);
	if (fd >= 0)
		close(fd);
}

int main(int argc, char **argv)
{
	static const char *const what[2] = { "tcx_ingress", "tcx_egress" };
	int ifindex = argc == 2 ? (int)if_nametoindex(argv[1]) : 0, i;
	__u32 id = 0, j;
	char name[64];

	if (!ifindex) {
		fprintf(stderr, "usage: hooks IFACE (an existing interface)\n");
		return 2;
	}
	if (!bpf_xdp_query_id(ifindex, XDP_FLAGS_DRV_MODE, &id) && id) {
		name_of(id, name, sizeof(name));
		printf("xdp %s native\n", name);
	} else if (!bpf_xdp_query_id(ifindex, XDP_FLAGS_SKB_MODE, &id) && id) {
		name_of(id, name, sizeof(name));
		printf("xdp %s generic\n", name);
	} else {
		printf("xdp -\n");
	}
	for (i = 0; i < 2; i++) {
		LIBBPF_OPTS(bpf_prog_query_opts, q);
		__u32 ids[16] = {};

		q.prog_ids = ids;
		q.prog_cnt = 16;
		printf("%s", what[i]);
		/* BPF_TCX_INGRESS 46, BPF_TCX_EGRESS 47 (Linux 6.6; libbpf 1.1 lacks them) */
		if (bpf_prog_query_opts(ifindex, (enum bpf_attach_type)(46 + i), &q) || !q.prog_cnt)
			printf(" -");
		for (j = 0; j < q.prog_cnt && j < 16; j++) {
			name_of(ids[j], name, sizeof(name));
			printf(" %s", name);
		}
		printf("\n");
	}
	return 0;
}
