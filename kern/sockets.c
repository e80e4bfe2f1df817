// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sockets.c - the kernel's TCP sockets of the watched namespace, through
 * the BPF iterators of bpf/sock.h: iter/tcp for the sockets (every state,
 * TIME_WAIT and request sockets included), iter/task_file for the
 * processes holding them. Each read creates a fresh iterator instance from
 * the attached link and reads fixed-size records until EOF.
 *
 * Why iterators and not sock_diag netlink (ss's way) plus /proc/PID/fd
 * scans: the iterators read the socket's own fields (sequence numbers,
 * RFC 4898 byte counts, the timewait timer) that inet_diag does not carry,
 * in one pass each, and the owner scan runs in the kernel without a
 * readlink per file descriptor of every process.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lib/util.h"
#include "kern/sockets.h"
#include "synfin.skel.h"

struct sockets {
	struct bpf_link *tcp, *owners, *state;
	int errs_fd;			/* sock_errs */
	char ifname[SF_MAX_IFACES * IF_NAMESIZE];	/* the watched ones: "eth0+eth1" */
	uint64_t last_ns;
	/* Cgroup paths by pid, for one read (processes are few next to sockets). */
	struct { __u32 pid; char path[SF_CGROUP_LEN]; } *cg;
	size_t ncg, capcg;
};

struct sockets *sockets_open(struct synfin_bpf *skel, const char *ifname)
{
	struct sockets *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	snprintf(s->ifname, sizeof(s->ifname), "%s", ifname);
	s->errs_fd = bpf_map__fd(skel->maps.sock_errs);
	/* Optional: without it a silent close's cause is only "socket_closed". */
	s->state = bpf_program__attach(skel->progs.sf_sock_closed);
	s->tcp = bpf_program__attach_iter(skel->progs.sf_iter_tcp, NULL);
	s->owners = bpf_program__attach_iter(skel->progs.sf_iter_owners, NULL);
	if (!s->tcp || !s->owners) {
		fprintf(stderr, "synfin watch: cannot attach the socket iterators: %s; "
			"socket states and owners will not be shown\n", strerror(errno));
		sockets_close(s);
		return NULL;
	}
	return s;
}

void sockets_close(struct sockets *s)
{
	if (!s)
		return;
	bpf_link__destroy(s->tcp);
	bpf_link__destroy(s->owners);
	bpf_link__destroy(s->state);
	free(s->cg);
	free(s);
}

/* Read one iterator's records of `size` bytes, calling fn on each. */
static int iter_read(struct bpf_link *link, size_t size, int (*fn)(void *, const void *),
		     void *ctx)
{
	char buf[64 * 1024];
	size_t have = 0;
	ssize_t n;
	int fd = bpf_iter_create(bpf_link__fd(link)), err = 0;

	if (fd < 0)
		return -errno;
	for (;;) {
		size_t off = 0;

		n = read(fd, buf + have, sizeof(buf) - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		have += (size_t)n;
		for (; have - off >= size && !err; off += size)
			err = fn(ctx, buf + off);
		memmove(buf, buf + off, have - off);
		have -= off;
		if (err)
			break;
	}
	close(fd);
	return err;
}

static int add_sock(void *ctx, const void *rec)
{
	struct sf_sock_rec r;

	memcpy(&r, rec, sizeof(r));
	return socktab_add(ctx, &r);
}

/* The cgroup v2 path of pid ("" at the root or when unknown), cached for this read. */
static const char *cgroup_of(struct sockets *s, __u32 pid)
{
	char path[64], line[256];
	size_t i;
	FILE *f;

	for (i = 0; i < s->ncg; i++)
		if (s->cg[i].pid == pid)
			return s->cg[i].path;
	if (s->ncg == s->capcg) {
		size_t nc = s->capcg ? s->capcg * 2 : 64;
		void *nv = realloc(s->cg, nc * sizeof(*s->cg));

		if (!nv)
			return "";
		s->cg = nv;
		s->capcg = nc;
	}
	s->cg[s->ncg].pid = pid;
	s->cg[s->ncg].path[0] = 0;
	snprintf(path, sizeof(path), "/proc/%u/cgroup", pid);
	if ((f = fopen(path, "r"))) {
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, "0::", 3)) {
				line[strcspn(line, "\n")] = 0;
				if (strcmp(line + 3, "/")) {
					size_t n = strnlen(line + 3, SF_CGROUP_LEN - 1);

					memcpy(s->cg[s->ncg].path, line + 3, n);
					s->cg[s->ncg].path[n] = 0;
				}
			}
		fclose(f);
	}
	return s->cg[s->ncg++].path;
}

struct owner_ctx {
	struct sockets *s;
	struct sf_socktab *t;
};

static int add_owner(void *ctx, const void *rec)
{
	struct owner_ctx *oc = ctx;
	struct sf_owner_rec o;

	memcpy(&o, rec, sizeof(o));
	return socktab_add_owner(oc->t, &o, cgroup_of(oc->s, o.pid));
}

/* The namespace's ephemeral ports: seeding tells clients from servers by them. */
static void read_port_range(struct sf_socktab *t)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
	unsigned lo, hi;

	if (f && fscanf(f, "%u %u", &lo, &hi) == 2 && lo <= hi && hi < 65536) {
		t->eph_lo = (__u16)lo;
		t->eph_hi = (__u16)hi;
	}
	if (f)
		fclose(f);
}

/* The namespace's addresses: an endpoint with one of them is local. */
static int read_addrs(struct sf_socktab *t, const char *ifname)
{
	struct ifaddrs *ifa, *i;
	int err = 0;

	if (getifaddrs(&ifa))
		return -errno;
	for (i = ifa; i && !err; i = i->ifa_next) {
		bool watched = i->ifa_name && iface_in_list(ifname, i->ifa_name);

		if (!i->ifa_addr)
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			err = socktab_add_addr(t, 4, (const __u8 *)
					       &((struct sockaddr_in *)i->ifa_addr)->sin_addr, watched);
		else if (i->ifa_addr->sa_family == AF_INET6)
			err = socktab_add_addr(t, 6, (const __u8 *)
					       &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr,
					       watched);
	}
	freeifaddrs(ifa);
	return err;
}

int sockets_read(struct sockets *s, struct sf_socktab *t)
{
	struct owner_ctx oc = { .s = s, .t = t };
	uint64_t t0 = mono_ns();
	int err;

	socktab_clear(t);
	read_port_range(t);
	err = read_addrs(t, s->ifname);
	if (err)
		return err;
	s->ncg = 0;
	err = iter_read(s->tcp, sizeof(struct sf_sock_rec), add_sock, t);
	if (err)
		return err;
	socktab_index(t);
	err = iter_read(s->owners, sizeof(struct sf_owner_rec), add_owner, &oc);
	s->last_ns = mono_ns() - t0;
	return err;
}

int sockets_close_err(struct sockets *s, const struct sf_key *k, int local_lo)
{
	static const __u8 mapped[12] = { [10] = 0xff, [11] = 0xff };
	struct sf_sock_err_key ek = {};
	__u32 err = 0;

	memcpy(ek.laddr, local_lo ? k->addr_lo : k->addr_hi, 16);
	memcpy(ek.raddr, local_lo ? k->addr_hi : k->addr_lo, 16);
	ek.lport = local_lo ? k->port_lo : k->port_hi;
	ek.rport = local_lo ? k->port_hi : k->port_lo;
	ek.family = k->family;
	if (bpf_map_lookup_elem(s->errs_fd, &ek, &err) && k->family == 4) {
		/* An IPv6 socket speaking IPv4: its addresses are v4-mapped. */
		memmove(ek.laddr + 12, ek.laddr, 4);
		memcpy(ek.laddr, mapped, 12);
		memmove(ek.raddr + 12, ek.raddr, 4);
		memcpy(ek.raddr, mapped, 12);
		ek.family = 6;
		if (bpf_map_lookup_elem(s->errs_fd, &ek, &err))
			err = 0;
	}
	return (int)err;
}

uint64_t sockets_last_ns(const struct sockets *s)
{
	return s->last_ns;
}
