// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* loader.c - privileges, libbpf's messages, and loading the BPF object. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "lib/util.h"
#include "kern/loader.h"
#include "synfin.skel.h"

/* Root, or the capabilities that loading and attaching need. */
int check_privileges(const char *cmd)
{
	FILE *f;
	char line[256];
	unsigned long long eff = 0;

	if (geteuid() == 0)
		return 0;
	f = fopen("/proc/self/status", "r");
	if (f) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "CapEff: %llx", &eff) == 1)
				break;
		fclose(f);
	}
	/* CAP_NET_ADMIN 12, CAP_PERFMON 38, CAP_BPF 39 */
	if ((eff >> 12 & 1) && (eff >> 38 & 1) && (eff >> 39 & 1))
		return 0;
	fprintf(stderr, "synfin %s: needs root or CAP_BPF + CAP_NET_ADMIN + CAP_PERFMON to load "
		"and attach BPF programs; run it with sudo\n", cmd);
	return -EPERM;
}

/* libbpf speaks with -v; its debug messages (the verifier's log) with -vv. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (!verbose || (level == LIBBPF_DEBUG && verbose < 2))
		return 0;
	return vfprintf(stderr, fmt, args);
}

struct synfin_bpf *loader_open(const char *cmd, const struct loader_cfg *cfg)
{
	struct synfin_bpf *skel;
	int i, err;

	if (check_privileges(cmd))
		return NULL;
	libbpf_set_print(libbpf_print);
	skel = synfin_bpf__open();
	if (!skel) {
		fprintf(stderr, "synfin %s: cannot open the BPF object: %s\n", cmd, strerror(errno));
		return NULL;
	}
	for (i = 0; i < cfg->nports && i < SF_MAX_PORTS; i++)
		skel->rodata->cfg_ports[i] = cfg->ports[i];
	skel->rodata->cfg_nports = (__u32)(cfg->nports < SF_MAX_PORTS ? cfg->nports : SF_MAX_PORTS);
	skel->rodata->cfg_no_vlan = cfg->no_vlan;
	skel->rodata->cfg_tc_vlan_meta = cfg->tc_vlan_meta;
	if (cfg->max_conns)
		bpf_map__set_max_entries(skel->maps.conns, cfg->max_conns);
	if (cfg->max_half)
		bpf_map__set_max_entries(skel->maps.half_open, cfg->max_half);
	err = synfin_bpf__load(skel);
	if (err) {
		fprintf(stderr, "synfin %s: the kernel refused the BPF programs: %s%s\n", cmd,
			strerror(-err), verbose ? "" : " (run with -v to see the verifier's log)");
		synfin_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}
