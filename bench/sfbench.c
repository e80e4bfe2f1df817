// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sfbench.c - the measuring half of `make bench` (tools/bench.sh drives it).
 *
 *   sfbench prog  [-r ROUNDS]          per-packet cost, BPF_PROG_TEST_RUN
 *   sfbench filter [-r ROUNDS]         a filter expression's costs (same way)
 *   sfbench scale -n CONNS [-r ROUNDS] fill the tables, memory, cost, sweep
 *   sfbench live  -i IFACE -P none|empty|lookup|newconn|synfin [--mode M] -- CMD...
 *                                      run CMD; the kernel's run_time_ns /
 *                                      run_cnt of the programs on IFACE's
 *                                      ingress (XDP or tc) and egress hooks
 *
 * prog and scale print table rows, `figure|synfin|baseline|ratio|goal|met`,
 * which bench.sh prints as one table. Every figure is compared with a baseline
 * measured in the same run, and every ratio is the median over ROUNDS rounds
 * (each round measures both sides back to back): these machines are noisy.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/wait.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lib/util.h"
#include "kern/sweep.h"
#include "kern/loader.h"
#include "lib/filter.h"
#include "synfin.skel.h"
#include "bench_empty.skel.h"
#include "bench_lookup.skel.h"
#include "bench_lookup_clock.skel.h"
#include "bench_newconn.skel.h"

#define MAX_ROUNDS 31
#define PKT_MAX 1600
/* enum bpf_attach_type, Linux 6.6; libbpf 1.1 lacks them */
#define BPF_TCX_INGRESS_NUM 46
#define BPF_TCX_EGRESS_NUM 47

static void die(const char *what, int err)
{
	fprintf(stderr, "sfbench: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

/* ---- crafted packets ---------------------------------------------------- */

/* One direction of a flow: client 10.1.a.b:port <-> server 10.2.0.1:80. */
struct flow {
	__u32 caddr, saddr;	/* host order */
	__u16 cport, sport;
	__u32 cisn, sisn;	/* initial sequence numbers */
};

static struct flow flow_n(__u64 n)
{
	struct flow f = {
		/* 60000 ports per client address, then the next address. */
		.caddr = (10u << 24) | (1u << 16) | (__u32)(n / 60000 + 1),
		.saddr = (10u << 24) | (2u << 16) | 1,
		.cport = (__u16)(1024 + n % 60000),
		.sport = 80,
		.cisn = (__u32)(n * 2654435761u),
		.sisn = (__u32)(n * 40503u + 7),
	};
	return f;
}

static void put16(__u8 *p, __u16 v) { p[0] = v >> 8; p[1] = (__u8)v; }
static void put32(__u8 *p, __u32 v) { put16(p, v >> 16); put16(p + 2, (__u16)v); }

/*
 * Build Ethernet + IPv4 + TCP into buf; from_client picks the direction.
 * SYNs carry Linux's usual options (MSS, SACK-permitted, timestamps, window
 * scale), other segments the timestamp option. Checksums stay zero: the
 * programs under test do not verify them.
 */
static int build_tcp(__u8 *buf, const struct flow *f, int from_client, __u32 seq, __u32 ack,
		     __u8 flags, __u32 paylen)
{
	static const __u8 syn_opts[20] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0,
					   1, 3, 3, 7 };
	static const __u8 ts_opts[12] = { 1, 1, 8, 10, 0, 0, 0, 2, 0, 0, 0, 1 };
	const __u8 *opts = (flags & SF_TH_SYN) ? syn_opts : ts_opts;
	__u32 optlen = (flags & SF_TH_SYN) ? sizeof(syn_opts) : sizeof(ts_opts);
	__u8 *ip = buf + 14, *th = ip + 20;
	__u32 tot = 20 + 20 + optlen + paylen;

	memset(buf, 0, 14 + tot);
	memcpy(buf, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00", 14);
	ip[0] = 0x45;
	put16(ip + 2, (__u16)tot);
	ip[6] = 0x40;		/* DF */
	ip[8] = 64;
	ip[9] = 6;		/* TCP */
	put32(ip + 12, from_client ? f->caddr : f->saddr);
	put32(ip + 16, from_client ? f->saddr : f->caddr);
	put16(th, from_client ? f->cport : f->sport);
	put16(th + 2, from_client ? f->sport : f->cport);
	put32(th + 4, seq);
	put32(th + 8, ack);
	th[12] = (__u8)(((20 + optlen) / 4) << 4);
	th[13] = flags;
	put16(th + 14, 64240);
	memcpy(th + 20, opts, optlen);
	return (int)(14 + tot);
}

/* A UDP datagram (DNS-sized), for the non-TCP figure. */
static int build_udp(__u8 *buf)
{
	__u8 *ip = buf + 14;

	memset(buf, 0, 14 + 20 + 8 + 64);
	memcpy(buf, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00", 14);
	ip[0] = 0x45;
	put16(ip + 2, 20 + 8 + 64);
	ip[8] = 64;
	ip[9] = 17;
	put32(ip + 12, 0x0a010001);
	put32(ip + 16, 0x0a020001);
	put16(ip + 20, 5353);
	put16(ip + 22, 53);
	put16(ip + 24, 8 + 64);
	return 14 + 20 + 8 + 64;
}

/* ---- running programs --------------------------------------------------- */

/* Run prog on pkt `repeat` times; returns the kernel's mean ns per run. */
static double run_prog(int prog_fd, const __u8 *pkt, int len, __u32 repeat)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = (__u32)len,
		    .repeat = repeat);
	int err = bpf_prog_test_run_opts(prog_fd, &o);

	if (err)
		die("BPF_PROG_TEST_RUN", errno);
	return o.duration;
}

/* The packets of a flow's life, in the order a client and server send them. */
enum seg_kind { K_SYN, K_SYNACK, K_ACK, K_DATA, K_FIN, K_NSEG };

static int build_seg(__u8 *buf, const struct flow *f, enum seg_kind k, __u32 data_off)
{
	switch (k) {
	case K_SYN: return build_tcp(buf, f, 1, f->cisn, 0, SF_TH_SYN, 0);
	case K_SYNACK: return build_tcp(buf, f, 0, f->sisn, f->cisn + 1, SF_TH_SYN | SF_TH_ACK, 0);
	case K_ACK: return build_tcp(buf, f, 1, f->cisn + 1 + data_off, f->sisn + 1, SF_TH_ACK, 0);
	case K_DATA: return build_tcp(buf, f, 1, f->cisn + 1 + data_off, f->sisn + 1,
				      SF_TH_ACK | SF_TH_PSH, 1448);
	default: return build_tcp(buf, f, 1, f->cisn + 1 + data_off, f->sisn + 1,
				  SF_TH_ACK | SF_TH_FIN, 0);
	}
}

/* SYN, SYN-ACK, ACK through prog: the flow lands in the main table. */
static void handshake(int prog_fd, const struct flow *f)
{
	__u8 pkt[PKT_MAX];
	int k, len;

	for (k = K_SYN; k <= K_ACK; k++) {
		len = build_seg(pkt, f, k, 0);
		run_prog(prog_fd, pkt, len, 1);
	}
}

static int noop_event(void *ctx, void *data, size_t len)
{
	(void)ctx, (void)data, (void)len;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One table row; goal_max <= 0: no goal, just the figure. */
static void row(const char *fig, double synfin, const char *unit, double base, const char *bname,
		double ratio, double goal_max, const char *goal)
{
	printf("%s|%.1f %s|%.1f %s (%s)|%.2fx|%s|%s\n", fig, synfin, unit, base, unit, bname, ratio,
	       goal_max > 0 ? goal : "-",
	       goal_max > 0 ? (ratio <= goal_max ? "yes" : "NO") : "-");
}

/* ---- sfbench prog ------------------------------------------------------- */

enum { P_SYNFIN, P_LOOKUP, P_EMPTY, P_LOOKUP_CLOCK, P_N };
static const char *const prog_names[P_N] = { "synfin", "lookup+count", "empty",
					     "lookup+count+clock" };

/* What one figure measures: how, and on which packets. */
enum pkt_case { C_SYN_NEW, C_DATA, C_DATA_FRESH, C_ACK, C_FIN, C_UDP, C_N };
static const char *const case_names[C_N] = {
	"SYN, new flow", "data, established (same segment repeated)",
	"data, established (next segment each run)", "pure ACK, established",
	"FIN, established", "non-TCP (UDP)",
};

#define REPEAT 100000		/* test-run repeats for steady-state cases */
#define FRESH 2000		/* one-shot runs per round for SYN/FIN/fresh data */

/*
 * Measure one case on one program: mean ns per packet. base numbers the flows
 * of this round so that "new" flows are new to every program.
 */
static double measure(int prog_fd, int is_synfin, enum pkt_case c, __u64 base,
		      struct ring_buffer *rb)
{
	__u8 pkt[PKT_MAX];
	double sum = 0;
	struct flow f;
	int i, len;

	switch (c) {
	case C_SYN_NEW:
		for (i = 0; i < FRESH; i++) {
			f = flow_n(base + (__u64)i);
			len = build_seg(pkt, &f, K_SYN, 0);
			sum += run_prog(prog_fd, pkt, len, 1);
		}
		sum /= FRESH;
		break;
	case C_FIN:
		for (i = 0; i < FRESH; i++) {
			f = flow_n(base + FRESH + (__u64)i);
			handshake(prog_fd, &f);
			len = build_seg(pkt, &f, K_FIN, 0);
			sum += run_prog(prog_fd, pkt, len, 1);
			if (rb && i % 256 == 0)
				ring_buffer__consume(rb);
		}
		sum /= FRESH;
		break;
	case C_DATA_FRESH:
		f = flow_n(base + 2 * FRESH);
		handshake(prog_fd, &f);
		for (i = 0; i < FRESH; i++) {
			len = build_seg(pkt, &f, K_DATA, (__u32)i * 1448);
			sum += run_prog(prog_fd, pkt, len, 1);
		}
		sum /= FRESH;
		break;
	case C_DATA:
	case C_ACK:
		f = flow_n(base + 2 * FRESH + 1);
		handshake(prog_fd, &f);
		len = build_seg(pkt, &f, c == C_DATA ? K_DATA : K_ACK, 0);
		if (c == C_DATA)	/* the segment once, so repeats are all alike */
			run_prog(prog_fd, pkt, len, 1);
		sum = run_prog(prog_fd, pkt, len, REPEAT);
		break;
	default:
		len = build_udp(pkt);
		sum = run_prog(prog_fd, pkt, len, REPEAT);
		break;
	}
	(void)is_synfin;
	if (rb)
		ring_buffer__consume(rb);
	return sum;
}

/* Pin to one CPU: test runs then share one LRU free list and one cache. */
static void pin_cpu0(void)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(0, &s);
	sched_setaffinity(0, sizeof(s), &s);
}

static int cmd_prog(int rounds)
{
	struct synfin_bpf *sf = synfin_bpf__open();
	struct bench_lookup *lk = bench_lookup__open();
	struct bench_lookup_clock *lc = bench_lookup_clock__open_and_load();
	struct bench_empty *em = bench_empty__open_and_load();
	double v[2][P_N][C_N][MAX_ROUNDS], r[2][P_N][C_N][MAX_ROUNDS], med[2][P_N][C_N];
	struct ring_buffer *rb;
	int fds[2][P_N], h, p, c, i;

	if (!sf || !lk || !em || !lc)
		die("open the BPF objects", errno);
	/* Equal tables: both programs hash into 65536-entry LRU maps. */
	bpf_map__set_max_entries(sf->maps.conns, 1 << 16);
	if (synfin_bpf__load(sf) || bench_lookup__load(lk))
		die("load the BPF objects", errno);
	rb = ring_buffer__new(bpf_map__fd(sf->maps.events), noop_event, NULL, NULL);
	if (!rb)
		die("ring buffer", errno);
	fds[0][P_SYNFIN] = bpf_program__fd(sf->progs.synfin_xdp);
	fds[0][P_LOOKUP] = bpf_program__fd(lk->progs.lookup_xdp);
	fds[0][P_EMPTY] = bpf_program__fd(em->progs.empty_xdp);
	fds[0][P_LOOKUP_CLOCK] = bpf_program__fd(lc->progs.lookup_xdp);
	fds[1][P_LOOKUP_CLOCK] = bpf_program__fd(lc->progs.lookup_tc);
	fds[1][P_SYNFIN] = bpf_program__fd(sf->progs.synfin_tc);
	fds[1][P_LOOKUP] = bpf_program__fd(lk->progs.lookup_tc);
	fds[1][P_EMPTY] = bpf_program__fd(em->progs.empty_tc);
	pin_cpu0();

	for (i = 0; i < rounds; i++)
		for (h = 0; h < 2; h++)
			for (c = 0; c < C_N; c++) {
				/* Flows numbered per round and hook: every SYN is new. */
				__u64 base = ((__u64)i * 2 + (__u64)h) * 3 * (FRESH + 1);

				for (p = 0; p < P_N; p++)
					v[h][p][c][i] = measure(fds[h][p], p == P_SYNFIN, c, base,
								p == P_SYNFIN ? rb : NULL);
				for (p = P_LOOKUP; p < P_N; p++)
					r[h][p][c][i] = v[h][P_SYNFIN][c][i] / v[h][p][c][i];
			}
	for (h = 0; h < 2; h++)
		for (p = 0; p < P_N; p++)
			for (c = 0; c < C_N; c++)
				med[h][p][c] = median(v[h][p][c], rounds);

	for (h = 0; h < 2; h++)
		for (c = 0; c < C_N; c++) {
			char fig[128];
			int goal = c == C_DATA || c == C_DATA_FRESH;

			snprintf(fig, sizeof(fig), "%s %s", h ? "tc" : "XDP", case_names[c]);
			row(fig, med[h][P_SYNFIN][c], "ns", med[h][P_LOOKUP][c], prog_names[P_LOOKUP],
			    median(r[h][P_LOOKUP][c], rounds), goal ? 1.3 : 0, "<= 1.30x");
			/* Established flows: against a baseline that reads a clock too. */
			if (goal || c == C_ACK)
				row(fig, med[h][P_SYNFIN][c], "ns", med[h][P_LOOKUP_CLOCK][c],
				    prog_names[P_LOOKUP_CLOCK], median(r[h][P_LOOKUP_CLOCK][c], rounds),
				    0, "");
			row(fig, med[h][P_SYNFIN][c], "ns", med[h][P_EMPTY][c], prog_names[P_EMPTY],
			    median(r[h][P_EMPTY][c], rounds), 0, "");
		}
	ring_buffer__free(rb);
	synfin_bpf__destroy(sf);
	bench_lookup__destroy(lk);
	bench_lookup_clock__destroy(lc);
	bench_empty__destroy(em);
	return 0;
}

/*
 * sfbench hot: the established-data case alone, for SECS seconds, so that a
 * profiler (perf record -a, bpftool prog profile) sees only the fast path.
 */
static int cmd_hot(const char *which, double secs)
{
	struct synfin_bpf *sf = NULL;
	struct bench_lookup *lk = NULL;
	uint64_t end = mono_ns() + (uint64_t)(secs * 1e9), runs = 0;
	double ns = 0;
	int fd;

	if (!strcmp(which, "lookup")) {
		lk = bench_lookup__open_and_load();
		if (!lk)
			die("load lookup", errno);
		fd = bpf_program__fd(lk->progs.lookup_xdp);
	} else {
		sf = synfin_bpf__open_and_load();
		if (!sf)
			die("load synfin", errno);
		fd = bpf_program__fd(sf->progs.synfin_xdp);
	}
	pin_cpu0();
	fprintf(stderr, "sfbench: prog id %u hot for %.0f s\n", ({
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		bpf_obj_get_info_by_fd(fd, &info, &len);
		info.id; }), secs);
	while (mono_ns() < end) {
		ns += measure(fd, 0, C_DATA, 0, NULL);
		runs++;
	}
	printf("%s: data segment %.1f ns\n", which, ns / (double)runs);
	synfin_bpf__destroy(sf);
	bench_lookup__destroy(lk);
	return 0;
}

/* ---- sfbench scale ------------------------------------------------------ */

/* memlock of a map fd as the kernel accounts it (fdinfo). */
static __u64 map_memlock(int fd)
{
	char path[64], line[128];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

static void noop_emit(void *ctx, const struct sf_event *ev)
{
	(*(uint64_t *)ctx)++;
	(void)ev;
}

/* One sweeper pass over synfin's main table at the current time (watch's code path). */
static int sweep_conns(const struct synfin_bpf *sf, const struct sf_timeouts *to,
		       uint64_t *closed, uint64_t *live)
{
	struct sweep_map m[2];

	sweep_tables(sf, m);
	return sweep_maps(&m[1], 1, mono_ns(), to, false, noop_emit, NULL, closed, live);
}

struct table {
	struct synfin_bpf *sf;
	struct ring_buffer *rb;
	int xdp_fd;
	__u64 n;
};

/*
 * Load synfin sized for n connections (as --max-conns n, the half-open table
 * at its default for that) and fill it.
 */
static void table_load(struct table *t, __u64 n)
{
	t->sf = synfin_bpf__open();
	if (!t->sf)
		die("open synfin", errno);
	bpf_map__set_max_entries(t->sf->maps.conns, (__u32)n);
	bpf_map__set_max_entries(t->sf->maps.half_open, loader_half_open_for((__u32)n));
	if (synfin_bpf__load(t->sf))
		die("load synfin", errno);
	t->rb = ring_buffer__new(bpf_map__fd(t->sf->maps.events), noop_event, NULL, NULL);
	if (!t->rb)
		die("ring buffer", errno);
	t->xdp_fd = bpf_program__fd(t->sf->progs.synfin_xdp);
	t->n = n;
}

static void table_fill(struct table *t, __u64 n)
{
	__u64 i;

	table_load(t, n);
	for (i = 0; i < n; i++) {
		struct flow f = flow_n(i);

		handshake(t->xdp_fd, &f);
		if (i % 1024 == 0)
			ring_buffer__consume(t->rb);
	}
	ring_buffer__consume(t->rb);
}

static void table_free(struct table *t)
{
	ring_buffer__free(t->rb);
	synfin_bpf__destroy(t->sf);
}

/* Mean ns of a pure ACK on random established flows (cold entries). */
static double table_ack_cost(struct table *t, int samples, unsigned int *seed)
{
	__u8 pkt[PKT_MAX];
	double sum = 0;
	int i, len;

	for (i = 0; i < samples; i++) {
		__u64 n = ((__u64)rand_r(seed) << 16 ^ (__u64)rand_r(seed)) % t->n;
		struct flow f = flow_n(n);

		len = build_seg(pkt, &f, K_ACK, 0);
		sum += run_prog(t->xdp_fd, pkt, len, 1);
	}
	return sum / samples;
}

/*
 * n connections opened and reset (closed records, as a churn leaves them),
 * then one sweep at a time past their linger: its seconds. `drop` false
 * makes the sweep delete them one lookup and delete syscall at a time, as
 * before sf_drop.
 */
#define EXPIRE_N 100000

static double expire_pass(struct table *t, __u64 n, bool drop, const struct sf_timeouts *to)
{
	struct sweep_tally tally;
	struct sweep_map m[2];
	__u8 pkt[PKT_MAX];
	uint64_t closed = 0, t0;
	__u64 i;
	int len;

	for (i = 0; i < n; i++) {
		struct flow f = flow_n(i);

		handshake(t->xdp_fd, &f);
		len = build_tcp(pkt, &f, 1, f.cisn + 1, f.sisn + 1, SF_TH_RST | SF_TH_ACK, 0);
		run_prog(t->xdp_fd, pkt, len, 1);
		if (i % 1024 == 0)
			ring_buffer__consume(t->rb);
	}
	ring_buffer__consume(t->rb);
	sweep_tables(t->sf, m);
	if (!drop)
		m[1].drop = -1;
	t0 = mono_ns();
	if (sweep_maps_tally(&m[1], 1, mono_ns() + to->time_wait_ns + 1000000000ull, to, false,
			     noop_emit, NULL, NULL, &closed, &tally))
		die("sweep", errno);
	t0 = mono_ns() - t0;
	if (tally.dropped[0] != n || closed)
		fprintf(stderr, "sfbench: the sweep dropped %llu of %llu closed records, closed %llu\n",
			(unsigned long long)tally.dropped[0], (unsigned long long)n,
			(unsigned long long)closed);
	return (double)t0 / 1e9;
}

static int cmd_scale(__u64 n, int rounds)
{
	struct timeouts_holder { struct sf_timeouts to; } th = { {
		.syn_ns = 130ull * 1000000000ull, .time_wait_ns = 60ull * 1000000000ull,
		.idle_ns = 7200ull * 1000000000ull } };
	double big[MAX_ROUNDS], small[MAX_ROUNDS], ratio[MAX_ROUNDS], sweep_s[MAX_ROUNDS];
	double drop_s[MAX_ROUNDS], each_s[MAX_ROUNDS];
	double fill_s, mem_tab, mem_all, base_cost;
	unsigned int seed = 1;
	struct table t = {}, s = {}, x = {};
	struct bpf_map *m;
	uint64_t live = 0, closed = 0, t0;
	char fig[128];
	int i;

	pin_cpu0();
	s.n = 1000;
	table_fill(&s, 1000);
	t0 = mono_ns();
	table_fill(&t, n);
	fill_s = (double)(mono_ns() - t0) / 1e9;

	/* One sweeper pass, the code `synfin watch` runs every second. */
	for (i = 0; i < rounds; i++) {
		live = 0;
		t0 = mono_ns();
		if (sweep_conns(t.sf, &th.to, &closed, &live))
			die("sweep", errno);
		sweep_s[i] = (double)(mono_ns() - t0) / 1e9;
	}
	if (closed)
		fprintf(stderr, "sfbench: sweeper closed %llu connections it should not have\n",
			(unsigned long long)closed);
	/* Expiry: EXPIRE_N closed records at a time, alternated. */
	table_load(&x, 2 * EXPIRE_N);
	for (i = 0; i < rounds; i++) {
		drop_s[i] = expire_pass(&x, EXPIRE_N, true, &th.to);
		each_s[i] = expire_pass(&x, EXPIRE_N, false, &th.to);
	}
	table_free(&x);

	mem_tab = (double)(map_memlock(bpf_map__fd(t.sf->maps.conns)) +
			   map_memlock(bpf_map__fd(t.sf->maps.half_open)));
	mem_all = 0;
	bpf_object__for_each_map(m, t.sf->obj)
		mem_all += (double)map_memlock(bpf_map__fd(m));

	for (i = 0; i < rounds; i++) {
		big[i] = table_ack_cost(&t, 20000, &seed);
		small[i] = table_ack_cost(&s, 20000, &seed);
		ratio[i] = big[i] / small[i];
	}
	base_cost = median(small, rounds);

	snprintf(fig, sizeof(fig), "scale %lluk: connections tracked (filled in %.0f s)",
		 (unsigned long long)(n / 1000), fill_s);
	printf("%s|%llu|%llu offered|%.3f|-|-\n", fig, (unsigned long long)live,
	       (unsigned long long)n, (double)live / (double)n);
	snprintf(fig, sizeof(fig), "scale %lluk: bytes per connection, tables (fdinfo memlock)",
		 (unsigned long long)(n / 1000));
	printf("%s|%.0f B|256 B (goal)|%.2fx|<= 256 B|%s\n", fig, mem_tab / (double)live,
	       mem_tab / (double)live / 256, mem_tab / (double)live <= 256 ? "yes" : "NO");
	snprintf(fig, sizeof(fig), "scale %lluk: bytes per connection, all maps incl. ring buffer",
		 (unsigned long long)(n / 1000));
	printf("%s|%.0f B|256 B (goal)|%.2fx|<= 256 B|%s\n", fig, mem_all / (double)live,
	       mem_all / (double)live / 256, mem_all / (double)live <= 256 ? "yes" : "NO");
	snprintf(fig, sizeof(fig), "scale %lluk: XDP pure ACK, random flow (1-shot runs)",
		 (unsigned long long)(n / 1000));
	row(fig, median(big, rounds), "ns", base_cost, "1k-conn table", median(ratio, rounds), 0, "");
	snprintf(fig, sizeof(fig), "scale %lluk: one sweeper pass (sweep_maps)",
		 (unsigned long long)(n / 1000));
	{
		double sw = median(sweep_s, rounds), per_m = sw * 1e6 / (double)live;

		printf("%s|%.3f s|1.000 s per 1M (goal)|%.2fx|< 1 s per 1M|%s\n", fig, sw, per_m,
		       per_m < 1.0 ? "yes" : "NO");
	}
	{
		double d = median(drop_s, rounds) * 1e9 / EXPIRE_N,
		       e = median(each_s, rounds) * 1e9 / EXPIRE_N;

		printf("scale %lluk: sweeper, a closed record dropped after its linger (sf_drop)"
		       "|%.0f ns|%.0f ns (lookup + delete syscalls)|%.2fx|-|-\n",
		       (unsigned long long)(n / 1000), d, e, d / e);
	}
	table_free(&t);
	table_free(&s);
	return 0;
}

/* ---- sfbench live ------------------------------------------------------- */

struct pstat {
	__u64 ns, cnt;
};

static int prog_stat(__u32 id, struct pstat *ps)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id), err;

	if (fd < 0)
		return -errno;
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	close(fd);
	if (err)
		return -errno;
	ps->ns = info.run_time_ns;
	ps->cnt = info.run_cnt;
	return 0;
}

/* The hooks a run can measure: ingress (XDP or tcx), egress (tcx). */
enum { H_XDP, H_TCIN, H_TCOUT, H_N };
static const char *const hook_key[H_N] = { "xdp", "tcin", "tc" };

/* The programs on ifindex's hooks (ids; 0: none). */
static void attached_ids(int ifindex, __u32 ids[H_N])
{
	static const int tcx[2] = { BPF_TCX_INGRESS_NUM, BPF_TCX_EGRESS_NUM };
	int i;

	ids[H_XDP] = 0;
	/* Whichever mode it is in: native first, then generic. */
	if (bpf_xdp_query_id(ifindex, XDP_FLAGS_DRV_MODE, &ids[H_XDP]) || !ids[H_XDP])
		bpf_xdp_query_id(ifindex, XDP_FLAGS_SKB_MODE, &ids[H_XDP]);
	for (i = 0; i < 2; i++) {
		LIBBPF_OPTS(bpf_prog_query_opts, q);
		__u32 got[4] = {};

		q.prog_ids = got;
		q.prog_cnt = 4;
		ids[H_TCIN + i] = bpf_prog_query_opts(ifindex, tcx[i], &q) == 0 && q.prog_cnt > 0 ?
				  got[0] : 0;
	}
}

static void prog_name_of(__u32 id, char *buf, size_t n)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);

	snprintf(buf, n, "-");
	if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
		snprintf(buf, n, "%s", info.name);
	if (fd >= 0)
		close(fd);
}

/* Attach prog_fd at a hook through a bpf_link (gone when we exit); the link fd. */
static int link_at(int prog_fd, int ifindex, int hook, const char *mode)
{
	LIBBPF_OPTS(bpf_link_create_opts, lo);
	int type = BPF_XDP, fd;

	if (hook == H_XDP)
		lo.flags = !strcmp(mode, "generic") ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	else
		type = hook == H_TCIN ? BPF_TCX_INGRESS_NUM : BPF_TCX_EGRESS_NUM;
	fd = bpf_link_create(prog_fd, ifindex, (enum bpf_attach_type)type, &lo);
	if (fd < 0)
		die("attach the baseline program", errno);
	return fd;
}

/*
 * sfbench live: run cmd; per hook, the kernel's run_time_ns/run_cnt of the
 * program there over the run. A baseline (empty, lookup, newconn) is
 * attached here the way synfin attaches in that mode: ingress XDP (native,
 * generic) or tcx (tc), and tcx egress. "synfin" and "none" attach nothing
 * (bench.sh starts `synfin watch` first).
 */
static int cmd_live(const char *ifname, const char *which, const char *mode, bool stats,
		    char **cmd)
{
	struct bench_empty *em = NULL;
	struct bench_lookup *lk = NULL;
	struct bench_newconn *nc = NULL;
	struct pstat p0[H_N] = {}, p1[H_N] = {};
	int ifindex = (int)if_nametoindex(ifname), xdp_fd = -1, tc_fd = -1, tcin_fd = -1;
	int stats_fd, status;
	int links[H_N] = { -1, -1, -1 }, h, in_hook = !strcmp(mode, "tc") ? H_TCIN : H_XDP;
	__u64 ns = 0, cnt = 0;
	__u32 ids[H_N];
	char names[3 * 20] = "", name[20];
	pid_t pid;

	if (!ifindex)
		die(ifname, ENODEV);
	if (!strcmp(which, "empty")) {
		em = bench_empty__open_and_load();
		if (!em)
			die("load empty", errno);
		xdp_fd = bpf_program__fd(em->progs.empty_xdp);
		tc_fd = bpf_program__fd(em->progs.empty_tc);
		tcin_fd = bpf_program__fd(em->progs.empty_tc_in);
	} else if (!strcmp(which, "lookup")) {
		lk = bench_lookup__open();
		if (!lk)
			die("open lookup", errno);
		bpf_map__set_max_entries(lk->maps.flows, SF_MAX_CONNS);
		if (bench_lookup__load(lk))
			die("load lookup", errno);
		xdp_fd = bpf_program__fd(lk->progs.lookup_xdp);
		tc_fd = bpf_program__fd(lk->progs.lookup_tc);
		tcin_fd = bpf_program__fd(lk->progs.lookup_tc_in);
	} else if (!strcmp(which, "newconn")) {
		nc = bench_newconn__open();
		if (!nc)
			die("open newconn", errno);
		bpf_map__set_max_entries(nc->maps.flows, SF_MAX_CONNS);
		if (bench_newconn__load(nc))
			die("load newconn", errno);
		xdp_fd = bpf_program__fd(nc->progs.lookup_xdp);
		tc_fd = bpf_program__fd(nc->progs.lookup_tc);
		tcin_fd = bpf_program__fd(nc->progs.lookup_tc_in);
	}
	/* Baselines attach the way synfin does in that mode: same hooks, same hook cost. */
	if (tc_fd >= 0) {
		links[in_hook] = link_at(in_hook == H_XDP ? xdp_fd : tcin_fd, ifindex, in_hook, mode);
		links[H_TCOUT] = link_at(tc_fd, ifindex, H_TCOUT, mode);
	}
	/* --no-stats: the hooks' cost without bpf_stats' two clock reads per run
	 * (a throughput baseline); no ns figures then. */
	stats_fd = stats ? bpf_enable_stats(BPF_STATS_RUN_TIME) : -1;
	if (stats && stats_fd < 0)
		die("enable BPF run-time stats", errno);
	attached_ids(ifindex, ids);
	for (h = 0; h < H_N; h++)
		if (ids[h] && stats)
			prog_stat(ids[h], &p0[h]);

	pid = fork();
	if (pid == 0) {
		execvp(cmd[0], cmd);
		fprintf(stderr, "sfbench: cannot run %s: %s\n", cmd[0], strerror(errno));
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		die("run the traffic command", errno);

	for (h = 0; h < H_N; h++)
		if (ids[h] && stats)
			prog_stat(ids[h], &p1[h]);
	if (stats_fd >= 0)
		close(stats_fd);
	for (h = 0; h < H_N; h++)
		if (links[h] >= 0)
			close(links[h]);
	bench_empty__destroy(em);
	bench_lookup__destroy(lk);
	bench_newconn__destroy(nc);
	/*
	 * Per hook: ns per packet and packets (-1: nothing ran there); then
	 * all hooks together (total ns / total runs) and the programs' names.
	 */
	printf("xdp_id=%u tcin_id=%u tc_id=%u", ids[H_XDP], ids[H_TCIN], ids[H_TCOUT]);
	for (h = 0; h < H_N; h++) {
		__u64 dn = p1[h].ns - p0[h].ns, dc = p1[h].cnt - p0[h].cnt;

		printf(" %s_ns=%.1f %s_pkts=%llu", hook_key[h], dc ? (double)dn / (double)dc : -1.0,
		       hook_key[h], (unsigned long long)dc);
		ns += dn;
		cnt += dc;
		if (ids[h]) {
			prog_name_of(ids[h], name, sizeof(name));
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
				 names[0] ? "," : "", name);
		}
	}
	printf(" all_ns=%.1f all_pkts=%llu progs=%s\n", cnt ? (double)ns / (double)cnt : -1.0,
	       (unsigned long long)cnt, names[0] ? names : "-");
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

/* ---- sfbench capture: what -w/--segments add per segment ----------------- */

/*
 * The XDP program with segment copies off and on (--write-all: every
 * segment copied), rounds alternating off/on: a fresh data segment (copied
 * only with --write-all), a FIN (copied by -w too). Not new SYNs: 2000 of
 * them in a burst are a flood here (quiet: no event, no copy).
 */
static int cmd_capture(int rounds)
{
	static const enum pkt_case cases[] = { C_DATA_FRESH, C_FIN };
	struct synfin_bpf *sf[2];
	struct ring_buffer *rb[2];
	double v[2][2][MAX_ROUNDS], ratio[2][MAX_ROUNDS];
	int fd[2], m, c, i;

	for (m = 0; m < 2; m++) {
		sf[m] = synfin_bpf__open();
		if (!sf[m])
			die("open the BPF object", errno);
		sf[m]->rodata->cfg_capture = m ? SF_CAPTURE_ALL : SF_CAPTURE_OFF;
		bpf_map__set_max_entries(sf[m]->maps.conns, 1 << 16);
		if (synfin_bpf__load(sf[m]))
			die("load the BPF object", errno);
		rb[m] = ring_buffer__new(bpf_map__fd(sf[m]->maps.events), noop_event, NULL, NULL);
		if (!rb[m])
			die("ring buffer", errno);
		fd[m] = bpf_program__fd(sf[m]->progs.synfin_xdp);
	}
	pin_cpu0();
	for (i = 0; i < rounds; i++)
		for (c = 0; c < 2; c++) {
			for (m = 0; m < 2; m++)
				v[m][c][i] = measure(fd[m], 1, cases[c], (__u64)i * 3 * (FRESH + 1), rb[m]);
			ratio[c][i] = v[1][c][i] / v[0][c][i];
		}
	printf("%-44s %10s %10s %8s\n", "XDP, one segment (median ns)", "no copy", "--write-all",
	       "ratio");
	for (c = 0; c < 2; c++)
		printf("%-44s %10.1f %10.1f %8.2f\n", case_names[cases[c]], median(v[0][c], rounds),
		       median(v[1][c], rounds), median(ratio[c], rounds));
	for (m = 0; m < 2; m++) {
		ring_buffer__free(rb[m]);
		synfin_bpf__destroy(sf[m]);
	}
	return 0;
}

static const char usage[] =
"Usage: sfbench prog [-r ROUNDS]\n"
"       sfbench filter [-r ROUNDS]\n"
"       sfbench capture [-r ROUNDS]\n"
"       sfbench scale -n CONNS [-r ROUNDS]\n"
"       sfbench live -i IFACE -P none|empty|lookup|newconn|synfin [--mode native|generic|tc]\n"
"                    [--no-stats] -- CMD...\n"
"The measuring half of `make bench`; tools/bench.sh runs it (see BENCH.md).\n";

/* ---- sfbench filter ----------------------------------------------------- */

/*
 * A filter expression's costs (tools/bench_filter.sh), XDP, BPF_PROG_TEST_RUN:
 * a segment of a connection the expression did not select (its key already
 * in the rejected table and in the CPU's memory of the last one; then 64 such
 * connections in turn, a lookup each) against a non-TCP packet through the same object
 * (loaded with an expression no flow matches), and against the baseline
 * program that parses and does one table lookup (bench/lookup.bpf.c) on
 * the same segment; the first segment of such a
 * connection (the interpreter runs, twice, and the key is remembered);
 * and an established connection's ACK with an expression that selects
 * it, against the same ACK without an expression. Rounds alternate the cases.
 */
static struct synfin_bpf *load_filtered(const char *expr, int port)
{
	__u16 ports[1] = { (__u16)port };
	struct loader_cfg cfg = { .max_conns = 1 << 16, .max_half = 1 << 16, .ports = ports,
				  .nports = port ? 1 : 0 };
	struct filter *f = NULL;
	struct synfin_bpf *sf;
	char err[256];

	if (expr) {
		f = filter_new(expr, err, sizeof(err));
		if (!f) {
			fprintf(stderr, "sfbench: %s: %s\n", expr, err);
			exit(1);
		}
		cfg.filter = filter_kernel_prog(f, &cfg.filter_len);
	}
	sf = loader_open("sfbench", &cfg);
	filter_free(f);
	if (!sf)
		exit(1);
	return sf;
}

static int cmd_filter(int rounds)
{
	/* Selects none of the flows (10.1.x.x <-> 10.2.0.1), after a few tests. */
	static const char none[] = "host 192.0.2.1 or (net 172.16.0.0/12 and port 443) or vlan";
	struct synfin_bpf *rej = load_filtered(none, 0), *sel = load_filtered("net 10.0.0.0/8", 0),
			  *nof = load_filtered(NULL, 0), *por = load_filtered(NULL, 443);
	struct bench_lookup *lk = bench_lookup__open_and_load();
	int frej = bpf_program__fd(rej->progs.synfin_xdp), fsel = bpf_program__fd(sel->progs.synfin_xdp),
	    fnof = bpf_program__fd(nof->progs.synfin_xdp);
	double v[9][MAX_ROUNDS], r[6][MAX_ROUNDS], m[9], mr[6];
	__u8 rr[64][PKT_MAX];
	int rrlen[64];
	__u8 pkt[PKT_MAX], ack[PKT_MAX];
	struct ring_buffer *rbs = ring_buffer__new(bpf_map__fd(sel->maps.events), noop_event, NULL, NULL),
			   *rbn = ring_buffer__new(bpf_map__fd(nof->maps.events), noop_event, NULL, NULL);
	struct flow f;
	int i, j, len, alen;

	if (!rbs || !rbn || !lk)
		die("ring buffer, lookup baseline", errno);
	pin_cpu0();
	for (i = 0; i < rounds; i++) {
		/* Non-TCP, then a rejected connection's ACK (its first run evaluates). */
		len = build_udp(pkt);
		v[0][i] = run_prog(frej, pkt, len, REPEAT);
		f = flow_n((__u64)i * (FRESH + 2));
		alen = build_seg(ack, &f, K_ACK, 0);
		run_prog(frej, ack, alen, 1);
		v[1][i] = run_prog(frej, ack, alen, REPEAT);
		run_prog(bpf_program__fd(lk->progs.lookup_xdp), ack, alen, 1);
		v[5][i] = run_prog(bpf_program__fd(lk->progs.lookup_xdp), ack, alen, REPEAT);
		v[6][i] = run_prog(bpf_program__fd(por->progs.synfin_xdp), ack, alen, REPEAT);
		/*
		 * 64 connections not selected in turn, one run each: every segment
		 * misses the per-CPU memory of the last one (a lookup each). Its
		 * baseline: UDP, one run each too (a run's fixed cost on both sides).
		 */
		for (j = 0; j < 64; j++) {
			f = flow_n((__u64)i * (FRESH + 2) + 2 + (__u64)j);
			rrlen[j] = build_seg(rr[j], &f, K_ACK, 0);
			run_prog(frej, rr[j], rrlen[j], 1);
		}
		v[7][i] = v[8][i] = 0;
		for (j = 0; j < FRESH; j++) {
			v[7][i] += run_prog(frej, rr[j % 64], rrlen[j % 64], 1);
			v[8][i] += run_prog(frej, pkt, len, 1);
		}
		v[7][i] /= FRESH;
		v[8][i] /= FRESH;
		/* First segments of new connections: each one evaluated, rejected. */
		v[2][i] = 0;
		for (j = 0; j < FRESH; j++) {
			f = flow_n((__u64)i * (FRESH + 2) + 1 + (__u64)j);
			len = build_seg(pkt, &f, K_SYN, 0);
			v[2][i] += run_prog(frej, pkt, len, 1);
		}
		v[2][i] /= FRESH;
		/* An established ACK: selected by an expression, and without one. */
		f = flow_n((__u64)i * (FRESH + 2) + FRESH + 1);
		alen = build_seg(ack, &f, K_ACK, 0);
		handshake(fsel, &f);
		handshake(fnof, &f);
		v[3][i] = run_prog(fsel, ack, alen, REPEAT);
		v[4][i] = run_prog(fnof, ack, alen, REPEAT);
		ring_buffer__consume(rbs);
		ring_buffer__consume(rbn);
		r[0][i] = v[1][i] / v[0][i];
		r[1][i] = v[2][i] / v[0][i];
		r[2][i] = v[3][i] / v[4][i];
		r[3][i] = v[1][i] / v[5][i];
		r[4][i] = v[1][i] / v[6][i];
		r[5][i] = v[7][i] / v[8][i];
	}
	for (j = 0; j < 9; j++)
		m[j] = median(v[j], rounds);
	for (j = 0; j < 6; j++)
		mr[j] = median(r[j], rounds);
	row("filter: segment of a connection not selected, vs parse + one lookup (XDP)", m[1],
	    "ns", m[5], "lookup+count", mr[3], 0, "");
	/* The measure: about what a non-TCP packet costs. */
	row("filter: segment of a connection not selected, vs non-TCP", m[1], "ns", m[0],
	    "UDP, same object", mr[0], 2.0, "<= 2x");
	/* -p's test is synfin's floor for a TCP segment. */
	row("filter: segment of a connection not selected, vs one not on a -p port", m[1], "ns",
	    m[6], "-p 443", mr[4], 0, "");
	row("filter: segments of 64 connections not selected in turn (a lookup each), vs non-TCP",
	    m[7], "ns", m[8], "UDP, one run each", mr[5], 0, "");
	row("filter: first segment of a connection not selected (evaluated), vs non-TCP", m[2],
	    "ns", m[0], "UDP, same object", mr[1], 0, "");
	row("filter: established ACK of a selected connection, vs no expression", m[3], "ns", m[4],
	    "no expression", mr[2], 1.5, "<= 1.5x");
	ring_buffer__free(rbs);
	ring_buffer__free(rbn);
	synfin_bpf__destroy(rej);
	synfin_bpf__destroy(sel);
	synfin_bpf__destroy(nof);
	synfin_bpf__destroy(por);
	bench_lookup__destroy(lk);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "rounds", required_argument, 0, 'r' }, { "conns", required_argument, 0, 'n' },
		{ "interface", required_argument, 0, 'i' }, { "prog", required_argument, 0, 'P' },
		{ "mode", required_argument, 0, 'm' }, { "help", no_argument, 0, 'h' },
		{ "no-stats", no_argument, 0, 'S' }, { 0 },
	};
	const char *ifname = NULL, *which = "none", *mode = "native";
	long rounds = 5, conns = 1000000;
	bool stats = true;
	int c;

	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	optind = 2;
	while ((c = getopt_long(argc, argv, "+r:n:i:P:m:h", lo, NULL)) != -1) {
		switch (c) {
		case 'r': rounds = strtol(optarg, NULL, 10); break;
		case 'n': conns = strtol(optarg, NULL, 10); break;
		case 'i': ifname = optarg; break;
		case 'P': which = optarg; break;
		case 'm': mode = optarg; break;
		case 'S': stats = false; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (rounds < 1 || rounds > MAX_ROUNDS || conns < 1000 || conns > (1L << 26)) {
		fprintf(stderr, "sfbench: -r must be 1-%d and -n 1000-67108864\n", MAX_ROUNDS);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "prog"))
		return cmd_prog((int)rounds);
	if (!strcmp(argv[1], "filter"))
		return cmd_filter((int)rounds);
	if (!strcmp(argv[1], "capture"))
		return cmd_capture((int)rounds);
	if (!strcmp(argv[1], "hot"))
		return cmd_hot(which, (double)rounds);
	if (!strcmp(argv[1], "scale"))
		return cmd_scale((__u64)conns, (int)rounds);
	if (!strcmp(argv[1], "live")) {
		if (!ifname || optind >= argc) {
			fputs(usage, stderr);
			return 2;
		}
		return cmd_live(ifname, which, mode, stats, argv + optind);
	}
	fputs(usage, stderr);
	return 2;
}
