// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * attach.c - attach the XDP program (ingress) and the tc program (egress) to
 * an interface, and detach exactly what was attached.
 *
 * XDP goes through a bpf_link, so the kernel detaches it when the process
 * dies, even by SIGKILL. tc egress uses a tcx link where the kernel has one
 * (6.6+), with the same property; otherwise a clsact filter at a fixed
 * handle/priority, which synfin removes at start if a dead run left it.
 *
 * --mode auto picks the hook that costs the device nothing (attach_auto_mode):
 * native XDP on a physical NIC whose driver has it, tc ingress everywhere
 * else -- on a veth (or virtio_net) native XDP turns the device's GRO/GSO
 * off, and generic XDP copies every nonlinear packet.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <net/if.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/ethtool.h>
#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/sockios.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kern/attach.h"

/* enum bpf_attach_type, Linux 6.6; libbpf 1.1's headers lack them */
#define BPF_TCX_INGRESS_NUM 46
#define BPF_TCX_EGRESS_NUM 47
#define SF_TC_HANDLE 0x5f1
#define SF_TC_PRIO 0x5f1

static const char *mode_name(int flags)
{
	return flags == XDP_FLAGS_DRV_MODE ? "native" : "generic";
}

/* The id of the XDP program already on the interface (0: none); -1 if the query failed. */
static int xdp_current(int ifindex, __u32 *prog_id)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query(ifindex, 0, &q))
		return -1;
	*prog_id = q.prog_id ? q.prog_id : (q.drv_prog_id ? q.drv_prog_id : q.skb_prog_id);
	return 0;
}

static void prog_name(__u32 id, char *buf, size_t n)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);

	snprintf(buf, n, "?");
	if (fd < 0)
		return;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		snprintf(buf, n, "%s", info.name);
	close(fd);
}

/*
 * The process holding a bpf_link of type ltype ("xdp", "tcx") to program
 * prog_id (its fdinfo names the program), or 0 if none is found: whose
 * synfin watches an interface.
 */
static int link_holder(__u32 prog_id, const char *ltype)
{
	char path[600], line[128], want[32], type[32];
	struct dirent *p, *f;
	DIR *proc, *fds;
	int found = 0;

	snprintf(want, sizeof(want), "prog_id:\t%u\n", prog_id);
	snprintf(type, sizeof(type), "link_type:\t%s\n", ltype);
	proc = opendir("/proc");
	while (proc && !found && (p = readdir(proc))) {
		if (p->d_name[0] < '1' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fdinfo", p->d_name);
		fds = opendir(path);
		while (fds && !found && (f = readdir(fds))) {
			bool typed = false, prog = false;
			FILE *fi;

			if (f->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/proc/%s/fdinfo/%s", p->d_name, f->d_name);
			fi = fopen(path, "r");
			while (fi && fgets(line, sizeof(line), fi)) {
				typed |= !strcmp(line, type);
				prog |= !strcmp(line, want);
			}
			if (fi)
				fclose(fi);
			if (typed && prog)
				found = atoi(p->d_name);
		}
		if (fds)
			closedir(fds);
	}
	if (proc)
		closedir(proc);
	return found;
}

/* Another synfin holds prog_id on a's hook: say whose, -EBUSY. */
static int refuse_second(const struct attach *a, __u32 prog_id, const char *ltype)
{
	int pid = link_holder(prog_id, ltype);

	if (pid)
		fprintf(stderr, "synfin watch: %s is already watched by synfin (pid %d); "
			"one watcher per interface: stop that one first (kill %d), or "
			"read it with `synfin conns`/`synfin stats`\n", a->ifname, pid, pid);
	else
		fprintf(stderr, "synfin watch: %s is already watched by another synfin "
			"(%s program id %u); one watcher per interface: stop that one "
			"first\n", a->ifname, ltype, prog_id);
	return -EBUSY;
}

/* A program called name on a's tcx hook (ingress or egress): its id, else 0. */
static __u32 tcx_find(const struct attach *a, bool ingress, const char *name)
{
	LIBBPF_OPTS(bpf_prog_query_opts, q);
	__u32 ids[16] = {}, i;
	char n[32];

	q.prog_ids = ids;
	q.prog_cnt = 16;
	if (bpf_prog_query_opts(a->ifindex, ingress ? BPF_TCX_INGRESS_NUM : BPF_TCX_EGRESS_NUM, &q))
		return 0;
	for (i = 0; i < q.prog_cnt && i < 16; i++) {
		prog_name(ids[i], n, sizeof(n));
		if (!strcmp(n, name))
			return ids[i];
	}
	return 0;
}

int attach_check_free(const struct attach *a)
{
	__u32 id = 0;
	char name[32];

	if (!xdp_current(a->ifindex, &id) && id) {
		prog_name(id, name, sizeof(name));
		if (!strcmp(name, "synfin_xdp"))
			return refuse_second(a, id, "xdp");
	}
	if ((id = tcx_find(a, true, "synfin_tc_in")))
		return refuse_second(a, id, "tcx");
	if ((id = tcx_find(a, false, "synfin_tc")))
		return refuse_second(a, id, "tcx");
	return 0;
}

int attach_xdp(struct attach *a, int prog_fd, enum xdp_mode_opt mode, bool force)
{
	LIBBPF_OPTS(bpf_link_create_opts, lo);
	int tries[2] = { 0, 0 }, ntries = 0, i, fd = -1, err = 0;
	__u32 cur = 0;

	if (!xdp_current(a->ifindex, &cur) && cur) {
		char name[32];

		/* Another synfin's was refused before loading (attach_check_free). */
		prog_name(cur, name, sizeof(name));
		if (!force) {
			fprintf(stderr,
				"synfin: %s already has an XDP program attached (id %u, \"%s\"); "
				"detach it (ip link set dev %s xdp off) or run with --force to replace it\n",
				a->ifname, cur, name, a->ifname);
			return -EBUSY;
		}
		/* --force: remove a netlink-attached program; links cannot be. */
		bpf_xdp_detach(a->ifindex, XDP_FLAGS_DRV_MODE, NULL);
		bpf_xdp_detach(a->ifindex, XDP_FLAGS_SKB_MODE, NULL);
		if (!xdp_current(a->ifindex, &cur) && cur) {
			fprintf(stderr,
				"synfin: %s: the XDP program attached there (id %u, \"%s\") is held by a "
				"bpf_link of another process; stop that process first\n",
				a->ifname, cur, name);
			return -EBUSY;
		}
	}
	if (mode == MODE_NATIVE || mode == MODE_AUTO)
		tries[ntries++] = XDP_FLAGS_DRV_MODE;
	if (mode == MODE_GENERIC || mode == MODE_AUTO)
		tries[ntries++] = XDP_FLAGS_SKB_MODE;
	for (i = 0; i < ntries; i++) {
		lo.flags = tries[i];
		fd = bpf_link_create(prog_fd, a->ifindex, BPF_XDP, &lo);
		if (fd >= 0) {
			a->xdp_link_fd = fd;
			a->xdp_mode = tries[i];
			return 0;
		}
		err = -errno;
	}
	if (mode == MODE_NATIVE && (err == -EOPNOTSUPP || err == -EINVAL))
		fprintf(stderr,
			"synfin: %s: native XDP is not supported by this interface's driver (%s); "
			"use --mode generic (or --mode auto)\n", a->ifname, strerror(-err));
	else if (err == -EBUSY || err == -EEXIST)
		fprintf(stderr, "synfin: %s: the XDP hook is busy (%s): another program holds it; "
			"detach it (ip link set dev %s xdp off) or use --force\n",
			a->ifname, strerror(-err), a->ifname);
	else if (err == -EPERM || err == -EACCES)
		fprintf(stderr, "synfin: %s: not permitted to attach XDP (%s); run as root "
			"(needs CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON)\n", a->ifname, strerror(-err));
	else
		fprintf(stderr, "synfin: %s: cannot attach XDP in %s mode: %s\n", a->ifname,
			mode == MODE_AUTO ? "native or generic" : mode_name(tries[0]), strerror(-err));
	return err ? err : -EINVAL;
}

/* Remove a clsact filter left by a synfin that died. */
static void tc_remove_stale(int ifindex, bool ingress)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = SF_TC_HANDLE, .priority = SF_TC_PRIO);

	bpf_tc_detach(&hook, &opts);
}

int attach_tc(struct attach *a, int prog_fd, bool ingress)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifindex,
			    .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = SF_TC_HANDLE, .priority = SF_TC_PRIO,
			    .prog_fd = prog_fd);
	const char *dir = ingress ? "ingress" : "egress";
	int fd, err;

	tc_remove_stale(a->ifindex, ingress);
	fd = bpf_link_create(prog_fd, a->ifindex, ingress ? BPF_TCX_INGRESS_NUM : BPF_TCX_EGRESS_NUM,
			     NULL);
	if (fd >= 0) {
		*(ingress ? &a->tc_in_link_fd : &a->tc_link_fd) = fd;
		return 0;
	}
	/* No tcx: a clsact qdisc and a filter we own. */
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		fprintf(stderr, "synfin: %s: cannot create the clsact qdisc for %s: %s\n",
			a->ifname, dir, strerror(-err));
		return err;
	}
	a->created_qdisc |= (err == 0);
	err = bpf_tc_attach(&hook, &opts);
	if (err) {
		fprintf(stderr, "synfin: %s: cannot attach the tc %s program: %s\n", a->ifname, dir,
			strerror(-err));
		if (a->created_qdisc) {
			hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
			bpf_tc_hook_destroy(&hook);
			a->created_qdisc = false;
		}
		return err;
	}
	*(ingress ? &a->tc_in_filter : &a->tc_filter) = true;
	return 0;
}

void detach_all(struct attach *a)
{
	if (a->xdp_link_fd >= 0) {
		close(a->xdp_link_fd);
		a->xdp_link_fd = -1;
	}
	if (a->tc_link_fd >= 0) {
		close(a->tc_link_fd);
		a->tc_link_fd = -1;
	}
	if (a->tc_in_link_fd >= 0) {
		close(a->tc_in_link_fd);
		a->tc_in_link_fd = -1;
	}
	if (a->tc_filter) {
		tc_remove_stale(a->ifindex, false);
		a->tc_filter = false;
	}
	if (a->tc_in_filter) {
		tc_remove_stale(a->ifindex, true);
		a->tc_in_filter = false;
	}
	if (a->created_qdisc) {
		DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifindex,
				    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);

		bpf_tc_hook_destroy(&hook);
		a->created_qdisc = false;
	}
}

const char *attach_mode_name(const struct attach *a)
{
	return mode_name(a->xdp_mode);
}

/* The interface's driver ("veth", "virtio_net", ...) and bus ("0000:3b:00.0"); "" if unknown. */
static void iface_drvinfo(const char *ifname, char *drv, size_t n, char *bus, size_t nbus)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	drv[0] = bus[0] = 0;
	if (fd < 0)
		return;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&info;
	if (!ioctl(fd, SIOCETHTOOL, &ifr)) {
		snprintf(drv, n, "%s", info.driver);
		snprintf(bus, nbus, "%s", info.bus_info);
	}
	close(fd);
}

void iface_driver(const char *ifname, char *buf, size_t n)
{
	char bus[ETHTOOL_BUSINFO_LEN];

	iface_drvinfo(ifname, buf, n, bus, sizeof(bus));
}

/* netdev generic netlink family (Linux 6.3+); linux/netdev.h is newer than some libcs' headers */
#define NETDEV_CMD_DEV_GET 1
#define NETDEV_A_DEV_IFINDEX 1
#define NETDEV_A_DEV_XDP_FEATURES 3
#define NETDEV_XDP_ACT_BASIC 1

/*
 * One generic netlink request with one attribute; the value of attribute
 * want in the reply copied to out (at most n bytes). 0, or -1.
 */
static int genl_ask(int fd, __u16 family, __u8 cmd, __u16 atype, const void *val, __u16 vlen,
		    __u16 want, void *out, size_t n)
{
	union { struct nlmsghdr h; char b[8192]; } m = {};
	struct genlmsghdr *g = NLMSG_DATA(&m.h);
	struct nlattr *a = (struct nlattr *)((char *)g + GENL_HDRLEN);
	ssize_t len;

	m.h.nlmsg_type = family;
	m.h.nlmsg_flags = NLM_F_REQUEST;
	g->cmd = cmd;
	g->version = 1;
	a->nla_type = atype;
	a->nla_len = (__u16)(NLA_HDRLEN + vlen);
	memcpy((char *)a + NLA_HDRLEN, val, vlen);
	m.h.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN + NLA_ALIGN(a->nla_len));
	if (send(fd, &m, m.h.nlmsg_len, 0) < 0)
		return -1;
	len = recv(fd, &m, sizeof(m), 0);
	if (len < (ssize_t)NLMSG_LENGTH(GENL_HDRLEN) || !NLMSG_OK(&m.h, (size_t)len) ||
	    m.h.nlmsg_type == NLMSG_ERROR)
		return -1;
	len = (ssize_t)m.h.nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	for (a = (struct nlattr *)((char *)g + GENL_HDRLEN); len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
	     a->nla_len <= len; len -= NLA_ALIGN(a->nla_len),
	     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len)))
		if ((a->nla_type & NLA_TYPE_MASK) == want) {
			size_t vl = (size_t)a->nla_len - NLA_HDRLEN;

			memcpy(out, (char *)a + NLA_HDRLEN, vl < n ? vl : n);
			return 0;
		}
	return -1;
}

/* Does the kernel say ifindex's driver runs XDP natively? 1 yes, 0 no, -1 cannot tell. */
static int xdp_native_supported(int ifindex)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC), r = -1;
	struct timeval tv = { .tv_sec = 1 };
	__u16 family = 0;
	__u64 features = 0;
	__u32 idx = (__u32)ifindex;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (!genl_ask(fd, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_NAME, "netdev", 7,
		      CTRL_ATTR_FAMILY_ID, &family, sizeof(family)) &&
	    !genl_ask(fd, family, NETDEV_CMD_DEV_GET, NETDEV_A_DEV_IFINDEX, &idx, sizeof(idx),
		      NETDEV_A_DEV_XDP_FEATURES, &features, sizeof(features)))
		r = !!(features & NETDEV_XDP_ACT_BASIC);
	close(fd);
	return r;
}

/* A PCI address, "0000:3b:00.0": a physical NIC (virtio's bus is "virtio2"). */
static bool pci_bus(const char *bus)
{
	unsigned int d, b, s, f;
	char end;

	return sscanf(bus, "%x:%x:%x.%x%c", &d, &b, &s, &f, &end) == 4;
}

enum xdp_mode_opt attach_auto_mode(const char *ifname, char *why, size_t n)
{
	char drv[32], bus[ETHTOOL_BUSINFO_LEN];
	int native;

	iface_drvinfo(ifname, drv, sizeof(drv), bus, sizeof(bus));
	if (!strcmp(drv, "veth") || !strcmp(drv, "virtio_net")) {
		snprintf(why, n, "%s is a %s: tc ingress (native XDP would turn its GRO off and "
			 "cut bulk throughput; --mode native to force it)", ifname, drv);
		return MODE_TC;
	}
	if (!pci_bus(bus)) {
		snprintf(why, n, "%s%s%s is not a physical NIC: tc ingress (XDP there costs GRO or "
			 "a copy per packet; --mode native/generic to force it)", ifname,
			 drv[0] ? ", driver " : "", drv);
		return MODE_TC;
	}
	native = xdp_native_supported((int)if_nametoindex(ifname));
	if (native != 1) {
		snprintf(why, n, "%s: tc ingress (driver %s %s native XDP; generic XDP would copy "
			 "every packet)", ifname, drv, native ? "may not have" : "has no");
		return MODE_TC;
	}
	snprintf(why, n, "%s: native XDP (physical NIC, driver %s supports it; --mode tc for "
		 "the tc hook)", ifname, drv);
	return MODE_NATIVE;
}
