// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* loader.c - privileges, libbpf's messages, and loading the BPF object. */
#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/libbpf.h>
#include "lib/util.h"
#include "kern/loader.h"
#include "cbpf.h"
#include "synfin.skel.h"

/* Capabilities by number (linux/capability.h). */
#define SF_CAP_SYS_ADMIN 21
#define SF_CAP_NET_ADMIN 12
#define SF_CAP_PERFMON 38
#define SF_CAP_BPF 39

/*
 * What loading and attaching need, checked in the effective set whoever we
 * are: root with capabilities dropped (a container, setpriv, systemd's
 * CapabilityBoundingSet) is refused by the kernel with a bare EPERM.
 */
int check_privileges(const char *cmd)
{
	FILE *f;
	char line[256], missing[128] = "";
	unsigned long long eff = 0;
	bool admin;

	f = fopen("/proc/self/status", "r");
	if (f) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "CapEff: %llx", &eff) == 1)
				break;
		fclose(f);
	}
	admin = eff >> SF_CAP_SYS_ADMIN & 1;
	if (!(eff >> SF_CAP_BPF & 1) && !admin)
		strcat(missing, ", CAP_BPF (or CAP_SYS_ADMIN: to load BPF programs)");
	if (!(eff >> SF_CAP_NET_ADMIN & 1))
		strcat(missing, ", CAP_NET_ADMIN (to attach to an interface)");
	if (!(eff >> SF_CAP_PERFMON & 1) && !admin)
		strcat(missing, ", CAP_PERFMON (for the programs' packet and time reads)");
	if (!missing[0])
		return 0;
	fprintf(stderr, "synfin %s: needs root or CAP_BPF + CAP_NET_ADMIN + CAP_PERFMON; "
		"missing %s%s; run it with sudo, or grant them (setcap, or systemd's "
		"AmbientCapabilities=)\n", cmd, missing + 2,
		geteuid() == 0 ? " (root, but without them)" : "");
	return -EPERM;
}

/*
 * A preallocated hash element: the kernel's header (48 bytes), the key and
 * the value rounded to 8; plus a bucket (16 bytes) per slot of the table
 * rounded up to a power of two.
 */
static uint64_t table_bytes(uint64_t n)
{
	uint64_t buckets = 1;

	while (buckets < n)
		buckets <<= 1;
	return n * (48 + ((sizeof(struct sf_key) + 7) & ~7ull) +
		    ((sizeof(struct sf_entry) + 7) & ~7ull)) + buckets * 16;
}

__u32 loader_half_open_for(__u32 max_conns)
{
	__u32 n = max_conns / SF_HALF_OPEN_DIV;

	return n < SF_MIN_HALF_OPEN ? SF_MIN_HALF_OPEN : n > SF_MAX_HALF_OPEN ? SF_MAX_HALF_OPEN : n;
}

/* The table sizes cfg asks for, its zeros read as the defaults. */
static __u32 cfg_conns(const struct loader_cfg *cfg)
{
	return cfg->max_conns ? cfg->max_conns : SF_MAX_CONNS;
}

static __u32 cfg_half(const struct loader_cfg *cfg)
{
	return cfg->max_half ? cfg->max_half : loader_half_open_for(cfg_conns(cfg));
}

uint64_t loader_tables_bytes(__u32 max_conns, __u32 max_half)
{
	return table_bytes(max_conns) + table_bytes(max_half);
}

/* MemAvailable from /proc/meminfo, bytes; 0 if unknown. */
static uint64_t mem_available(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	unsigned long long kb = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return (uint64_t)kb * 1024;
}

/*
 * The tables are allocated whole at load: refuse sizes that would take
 * more than half the memory available now, before the kernel tries.
 */
static int check_memory(const char *cmd, const struct loader_cfg *cfg)
{
	__u32 conns = cfg_conns(cfg), half = cfg_half(cfg);
	uint64_t need = loader_tables_bytes(conns, half);
	uint64_t avail = mem_available();

	if (!avail || need <= avail / 2)
		return 0;
	fprintf(stderr, "synfin %s: --max-conns %u and --max-half-open %u need about %.1f GB of "
		"kernel memory for the connection tables, more than half of the %.1f GB available; "
		"choose smaller tables\n", cmd, conns, half, need / 1e9, avail / 1e9);
	return -ENOMEM;
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

	if (check_privileges(cmd) || check_memory(cmd, cfg))
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
	for (i = 0; i < (int)cfg->filter_len && i < SF_FILT_MAX; i++)
		skel->rodata->cfg_filt[i] = cfg->filter[i];
	skel->rodata->cfg_filt_len = cfg->filter_len < SF_FILT_MAX ? cfg->filter_len : SF_FILT_MAX;
	if (!cfg->filter_len)	/* no expression: no table of rejected connections */
		bpf_map__set_max_entries(skel->maps.rejected, 1);
	skel->rodata->cfg_flood_rate = cfg->flood_rate;
	skel->rodata->cfg_no_vlan = cfg->no_vlan;
	skel->rodata->cfg_tc_vlan_meta = cfg->tc_vlan_meta;
	skel->rodata->cfg_capture = cfg->capture;
	for (i = 0; i < cfg->nifaces && i < SF_MAX_IFACES; i++)
		skel->rodata->cfg_ifindex[i] = (__u32)cfg->ifindex[i];
	skel->rodata->cfg_nifaces = (__u32)(cfg->nifaces < SF_MAX_IFACES ? cfg->nifaces :
					    SF_MAX_IFACES);
	/* The socket iterators keep the sockets of this network namespace. */
	{
		struct stat st;

		if (stat("/proc/self/ns/net", &st) == 0)
			skel->rodata->cfg_netns_ino = (__u32)st.st_ino;
	}
	/* The sizes check_memory() weighed, from the same functions. */
	bpf_map__set_max_entries(skel->maps.conns, cfg_conns(cfg));
	bpf_map__set_max_entries(skel->maps.half_open, cfg_half(cfg));
	err = synfin_bpf__load(skel);
	if (err == -ENOMEM || err == -E2BIG) {
		fprintf(stderr, "synfin %s: the kernel could not allocate the connection tables "
			"(%s); choose smaller ones with --max-conns / --max-half-open\n", cmd,
			strerror(-err));
		synfin_bpf__destroy(skel);
		return NULL;
	}
	if (err == -EPERM) {
		fprintf(stderr, "synfin %s: the kernel refused to load the BPF programs: %s (a "
			"capability missing in this user namespace, or kernel.unprivileged_bpf / "
			"lockdown settings)\n", cmd, strerror(-err));
		synfin_bpf__destroy(skel);
		return NULL;
	}
	if (err) {
		fprintf(stderr, "synfin %s: the kernel refused the BPF programs: %s%s\n", cmd,
			strerror(-err), verbose ? "" : " (run with -v to see the verifier's log)");
		synfin_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}
