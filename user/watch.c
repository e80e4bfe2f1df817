// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * watch.c - `synfin watch`: load, attach, print lifecycle events live, sweep
 * timed-out connections, detach cleanly.
 *
 * Lifecycle: parse args -> libbpf print -> signal handlers -> open -> rodata
 * -> load -> attach -> poll. Errors unwind a goto ladder whose labels name
 * what they undo.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "synfin_user.h"
#include "attach.h"
#include "synfin.skel.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static const char watch_usage[] =
"Usage: synfin watch -i IFACE [OPTIONS]\n"
"\n"
"Attach to IFACE and print every TCP connection's lifecycle as it happens:\n"
"the handshake, each side's state changes, and a summary when it closes.\n"
"\n"
"Options:\n"
"  -i, --interface IFACE   interface to watch (required)\n"
"  -o, --output FORMAT     text (default) or json (one object per line)\n"
"  -d, --duration S        stop after S seconds (default: until Ctrl-C/SIGTERM)\n"
"  -p, --port P            only connections with port P at either end;\n"
"                          repeat for more ports (up to 16)\n"
"      --mode MODE         XDP mode: auto (native if the driver has it, else\n"
"                          generic; default), native, or generic\n"
"      --no-egress         attach only the XDP (ingress) program\n"
"      --force             replace an XDP program already on IFACE\n"
"      --time-wait S       keep a closed connection's record S seconds to absorb\n"
"                          late segments and spot port reuse (default 60)\n"
"      --syn-timeout S     close an unanswered SYN after S seconds (default 130,\n"
"                          about when Linux gives up after 6 SYN retries)\n"
"      --idle-timeout S    close a connection idle for S seconds (default 7200)\n"
"      --max-conns N       size of the connection table (default 1048576)\n"
"      --max-half-open N   size of the half-open (handshake) table (default 65536)\n"
"  -v, --verbose           print libbpf's messages (verifier log on failure)\n"
"  -h, --help              this help\n"
"\n"
"Durations take s, ms, m or h suffixes (30, 1.5, 500ms, 2m).\n"
"\n"
"Examples:\n"
"  synfin watch -i eth0                   # live view of every connection\n"
"  synfin watch -i eth0 -p 443 -o json    # JSON lines for port 443\n"
"  synfin watch -i lo --duration 10       # ten seconds on loopback\n";

struct watch_opts {
	const char *ifname;
	enum out_format format;
	double duration;
	__u16 ports[SF_MAX_PORTS];
	int nports;
	enum xdp_mode_opt mode;
	bool no_egress;
	bool force;
	struct sf_timeouts to;
	__u32 max_conns, max_half;
};

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && verbose < 2)
		return 0;
	if (!verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "synfin watch: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'synfin watch --help' for the options.\n");
	return EXIT_USAGE;
}

static int parse_secs(const char *opt, const char *val, __u64 *ns)
{
	double s;

	if (parse_duration(val, &s) || s <= 0)
		return usage_error("%s: '%s' is not a duration (e.g. 30, 1.5, 2m)", opt, val);
	*ns = (__u64)(s * 1e9);
	return 0;
}

static int parse_watch_args(int argc, char **argv, struct watch_opts *o)
{
	enum { O_MODE = 256, O_NO_EGRESS, O_FORCE, O_TW, O_SYN, O_IDLE, O_MAXC, O_MAXH };
	static const struct option longopts[] = {
		{ "interface", required_argument, 0, 'i' },
		{ "output", required_argument, 0, 'o' },
		{ "duration", required_argument, 0, 'd' },
		{ "port", required_argument, 0, 'p' },
		{ "mode", required_argument, 0, O_MODE },
		{ "no-egress", no_argument, 0, O_NO_EGRESS },
		{ "force", no_argument, 0, O_FORCE },
		{ "time-wait", required_argument, 0, O_TW },
		{ "syn-timeout", required_argument, 0, O_SYN },
		{ "idle-timeout", required_argument, 0, O_IDLE },
		{ "max-conns", required_argument, 0, O_MAXC },
		{ "max-half-open", required_argument, 0, O_MAXH },
		{ "verbose", no_argument, 0, 'v' },
		{ "help", no_argument, 0, 'h' },
		{ 0 },
	};
	int c, rc;
	char *end;
	long v;

	o->to.time_wait_ns = 60ull * 1000000000ull;
	o->to.syn_ns = 130ull * 1000000000ull;
	o->to.idle_ns = 7200ull * 1000000000ull;
	o->max_conns = SF_MAX_CONNS;
	o->max_half = SF_MAX_HALF_OPEN;
	optind = 1;
	opterr = 0;	/* our own messages, naming the option, exit 2 */
	while ((c = getopt_long(argc, argv, ":i:o:d:p:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			o->ifname = optarg;
			break;
		case 'o':
			if (parse_format(optarg, &o->format, false))
				return usage_error("-o: unknown format '%s' (use text or json)", optarg);
			break;
		case 'd':
			if (parse_duration(optarg, &o->duration) || o->duration <= 0)
				return usage_error("--duration: '%s' is not a duration (e.g. 10, 2m)", optarg);
			break;
		case 'p':
			v = strtol(optarg, &end, 10);
			if (*end || end == optarg || v < 1 || v > 65535)
				return usage_error("--port: '%s' is not a port number (1-65535)", optarg);
			if (o->nports == SF_MAX_PORTS)
				return usage_error("--port: at most %d ports", SF_MAX_PORTS);
			o->ports[o->nports++] = (__u16)v;
			break;
		case O_MODE:
			if (!strcmp(optarg, "auto"))
				o->mode = MODE_AUTO;
			else if (!strcmp(optarg, "native") || !strcmp(optarg, "drv"))
				o->mode = MODE_NATIVE;
			else if (!strcmp(optarg, "generic") || !strcmp(optarg, "skb"))
				o->mode = MODE_GENERIC;
			else
				return usage_error("--mode: '%s' is not auto, native or generic", optarg);
			break;
		case O_NO_EGRESS:
			o->no_egress = true;
			break;
		case O_FORCE:
			o->force = true;
			break;
		case O_TW:
			if ((rc = parse_secs("--time-wait", optarg, &o->to.time_wait_ns)))
				return rc;
			break;
		case O_SYN:
			if ((rc = parse_secs("--syn-timeout", optarg, &o->to.syn_ns)))
				return rc;
			break;
		case O_IDLE:
			if ((rc = parse_secs("--idle-timeout", optarg, &o->to.idle_ns)))
				return rc;
			break;
		case O_MAXC:
		case O_MAXH:
			v = strtol(optarg, &end, 10);
			if (*end || end == optarg || v < 64 || v > (1L << 26))
				return usage_error("%s: '%s' must be a number from 64 to 67108864",
						   c == O_MAXC ? "--max-conns" : "--max-half-open", optarg);
			*(c == O_MAXC ? &o->max_conns : &o->max_half) = (__u32)v;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			fputs(watch_usage, stdout);
			exit(0);
		case ':':
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!o->ifname)
		return usage_error("which interface? give -i IFACE (e.g. -i eth0, -i lo)");
	return 0;
}

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

struct watch_ctx {
	struct reporter *rep;
	struct synfin_bpf *skel;
	uint64_t lost_seen;
	uint64_t events;
};

static int on_event(void *ctx, void *data, size_t len)
{
	struct watch_ctx *w = ctx;

	if (len < sizeof(struct sf_event))
		return 0;
	w->events++;
	reporter_event(w->rep, data);
	return 0;
}

/* Sum one counter over all CPUs. */
static int read_counters(struct synfin_bpf *skel, uint64_t *sum)
{
	int ncpu = libbpf_num_possible_cpus(), i, j, fd = bpf_map__fd(skel->maps.counters);
	__u32 zero = 0;
	uint64_t *vals;

	if (ncpu <= 0)
		return -1;
	vals = calloc((size_t)ncpu, SF_NCOUNTERS * sizeof(uint64_t));
	if (!vals)
		return -1;
	memset(sum, 0, SF_NCOUNTERS * sizeof(uint64_t));
	if (bpf_map_lookup_elem(fd, &zero, vals) == 0)
		for (i = 0; i < ncpu; i++)
			for (j = 0; j < SF_NCOUNTERS; j++)
				sum[j] += vals[(size_t)i * SF_NCOUNTERS + j];
	free(vals);
	return 0;
}

/* Report ring-buffer losses in-band, as soon as the counter moves. */
static void check_lost(struct watch_ctx *w)
{
	uint64_t c[SF_NCOUNTERS];

	if (read_counters(w->skel, c))
		return;
	if (c[SF_C_RB_DROPS] > w->lost_seen) {
		reporter_lost(w->rep, c[SF_C_RB_DROPS] - w->lost_seen, mono_ns());
		w->lost_seen = c[SF_C_RB_DROPS];
	}
}

#define SWEEP_BATCH 1024

/*
 * Walk one connection map in batches; close (and report) what timed out,
 * delete closed records whose TIME_WAIT linger is over.
 */
static int sweep_map(struct watch_ctx *w, int fd, const struct sf_timeouts *to, uint64_t *live)
{
	static struct sf_key keys[SWEEP_BATCH];
	static struct sf_entry vals[SWEEP_BATCH];
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct sf_key out_batch;
	void *in = NULL;
	__u32 count, i;
	int err;

	do {
		count = SWEEP_BATCH;
		err = bpf_map_lookup_batch(fd, in, &out_batch, keys, vals, &count, &opts);
		if (err && errno != ENOENT)
			return -errno;
		for (i = 0; i < count; i++) {
			uint64_t now = mono_ns();
			int why = sf_expire_reason(&vals[i], now, to);
			struct sf_entry cur;

			if (why == SF_R_NONE) {
				if (!(vals[i].flags & SF_EF_CLOSED))
					(*live)++;
				continue;
			}
			/* Re-read: a segment may have arrived since the batch. */
			if (bpf_map_lookup_elem(fd, &keys[i], &cur) || cur.last_ns != vals[i].last_ns ||
			    cur.flags != vals[i].flags)
				continue;
			if (bpf_map_delete_elem(fd, &keys[i]))
				continue;
			if (!(cur.flags & SF_EF_CLOSED)) {
				struct sf_event ev;

				make_close_event(&ev, &keys[i], &cur, why, now, 3);
				reporter_event(w->rep, &ev);
			}
		}
		in = &out_batch;
	} while (!err);
	return 0;
}

int cmd_watch(int argc, char **argv)
{
	struct watch_opts o = {};
	struct watch_ctx w = {};
	struct attach at = { .xdp_link_fd = -1, .tc_link_fd = -1 };
	struct report_opts ro = {};
	struct ring_buffer *rb = NULL;
	struct synfin_bpf *skel;
	uint64_t start, last_sweep = 0, live = 0, c[SF_NCOUNTERS];
	bool is_lo;
	int err, i;

	err = parse_watch_args(argc, argv, &o);
	if (err)
		return err;
	libbpf_set_print(libbpf_print);

	at.ifindex = (int)if_nametoindex(o.ifname);
	if (!at.ifindex) {
		fprintf(stderr, "synfin watch: no such interface '%s' (list them with: ip link)\n",
			o.ifname);
		return EXIT_RUNTIME;
	}
	snprintf(at.ifname, sizeof(at.ifname), "%s", o.ifname);
	is_lo = !strcmp(o.ifname, "lo");
	if (check_privileges("watch"))
		return EXIT_RUNTIME;

	/* Signal handlers before anything is attached. */
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	skel = synfin_bpf__open();
	if (!skel) {
		fprintf(stderr, "synfin watch: cannot open the BPF object: %s\n", strerror(errno));
		return EXIT_RUNTIME;
	}
	for (i = 0; i < o.nports; i++)
		skel->rodata->cfg_ports[i] = o.ports[i];
	skel->rodata->cfg_nports = (__u32)o.nports;
	bpf_map__set_max_entries(skel->maps.conns, o.max_conns);
	bpf_map__set_max_entries(skel->maps.half_open, o.max_half);

	err = synfin_bpf__load(skel);
	if (err) {
		fprintf(stderr, "synfin watch: the kernel refused the BPF programs: %s%s\n",
			strerror(-err), verbose ? "" : " (run with -v to see the verifier's log)");
		goto out_destroy;
	}
	err = attach_xdp(&at, bpf_program__fd(skel->progs.synfin_xdp), o.mode, o.force);
	if (err)
		goto out_destroy;
	/* On lo every packet passes egress and then ingress: XDP alone sees it once. */
	if (!o.no_egress && !is_lo) {
		err = attach_tc(&at, bpf_program__fd(skel->progs.synfin_tc));
		if (err)
			goto out_detach;
	}

	w.skel = skel;
	ro.format = o.format;
	ro.out = stdout;
	ro.ts_offset_ns = (int64_t)(real_ns() - mono_ns());
	ro.color = o.format == OUT_TEXT && isatty(STDOUT_FILENO);
	w.rep = reporter_new(&ro);
	if (!w.rep) {
		err = -ENOMEM;
		goto out_detach;
	}
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, &w, NULL);
	if (!rb) {
		err = -errno;
		fprintf(stderr, "synfin watch: cannot open the ring buffer: %s\n", strerror(-err));
		goto out_reporter;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	fprintf(stderr, "synfin: watching %s (XDP %s%s)%s; Ctrl-C to stop\n", o.ifname,
		attach_mode_name(&at),
		at.tc_link_fd >= 0 ? ", tc egress via tcx" : at.tc_filter ? ", tc egress via clsact" :
		is_lo ? "; lo: XDP sees each packet once" : ", no egress",
		o.nports ? " on selected ports" : "");

	start = mono_ns();
	while (!stop) {
		uint64_t now;

		err = ring_buffer__poll(rb, 100);
		if (err < 0 && err != -EINTR) {
			fprintf(stderr, "synfin watch: ring buffer poll failed: %s\n", strerror(-err));
			goto out_rb;
		}
		check_lost(&w);
		now = mono_ns();
		if (now - last_sweep >= 1000000000ull) {
			live = 0;
			sweep_map(&w, bpf_map__fd(skel->maps.half_open), &o.to, &live);
			sweep_map(&w, bpf_map__fd(skel->maps.conns), &o.to, &live);
			last_sweep = now;
		}
		if (o.duration > 0 && now - start >= (uint64_t)(o.duration * 1e9))
			break;
	}
	/* Drain what is already in the ring before reporting the totals. */
	ring_buffer__consume(rb);
	check_lost(&w);
	err = 0;
	if (!read_counters(skel, c))
		fprintf(stderr,
			"synfin: %llu packets (%llu TCP), %llu connections, %llu handshakes, "
			"%llu closes, %llu still open, %llu events, %llu lost, %llu parse errors\n",
			(unsigned long long)(c[SF_C_PKTS_INGRESS] + c[SF_C_PKTS_EGRESS]),
			(unsigned long long)c[SF_C_TCP], (unsigned long long)c[SF_C_NEW_CONNS],
			(unsigned long long)c[SF_C_OPENED],
			(unsigned long long)(c[SF_C_CLOSE_FIN] + c[SF_C_CLOSE_RST] +
					     c[SF_C_CLOSE_REFUSED] + c[SF_C_CLOSE_REUSED]),
			(unsigned long long)live, (unsigned long long)reporter_events(w.rep),
			(unsigned long long)c[SF_C_RB_DROPS],
			(unsigned long long)(c[SF_C_ERR_TRUNC] + c[SF_C_ERR_IP] + c[SF_C_ERR_TCP] +
					     c[SF_C_ERR_OPTS] + c[SF_C_ERR_VLAN]));
	/* Segments never stepped: rare, but they can hide a transition. */
	if (c[SF_C_LOCK_FAIL] || c[SF_C_MAP_FULL])
		fprintf(stderr, "synfin: %llu segments skipped (connection entry busy), "
			"%llu not tracked (connection table full)\n",
			(unsigned long long)c[SF_C_LOCK_FAIL], (unsigned long long)c[SF_C_MAP_FULL]);
out_rb:
	ring_buffer__free(rb);
out_reporter:
	reporter_free(w.rep);
out_detach:
	detach_all(&at);
out_destroy:
	synfin_bpf__destroy(skel);
	return err ? EXIT_RUNTIME : 0;
}
