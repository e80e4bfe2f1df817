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
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lib/conntab.h"
#include "lib/names.h"
#include "lib/ustats.h"
#include "lib/util.h"
#include "kern/attach.h"
#include "kern/loader.h"
#include "kern/maps.h"
#include "kern/pin.h"
#include "kern/sweep.h"
#include "out/counters.h"
#include "out/diagram.h"
#include "out/http.h"
#include "out/report.h"
#include "out/term.h"
#include "cmd/cli.h"
#include "cmd/cmds.h"
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
"      --mode MODE         ingress hook: auto (native XDP if the driver has it,\n"
"                          else generic XDP; default), native, generic, or tc\n"
"                          (a tc ingress program instead of XDP: on veth and\n"
"                          other virtual devices it keeps GRO/GSO, so bulk\n"
"                          transfers lose far less throughput)\n"
"      --no-egress         attach only the ingress program\n"
"      --force             replace an XDP program already on IFACE\n"
"      --time-wait S       keep a closed connection's record S seconds to absorb\n"
"                          late segments and spot port reuse (default 60)\n"
"      --syn-timeout S     close an unanswered SYN after S seconds (default 130,\n"
"                          about when Linux gives up after 6 SYN retries)\n"
"      --idle-timeout S    close a connection idle for S seconds (default 7200)\n"
"      --max-conns N       size of the connection table (default 1048576)\n"
"      --max-half-open N   size of the half-open (handshake) table (default 65536)\n"
"      --pin DIR           pin the maps in DIR for `synfin stats`/`conns`\n"
"                          (default /sys/fs/bpf/synfin/IFACE; removed on exit)\n"
"      --metrics ADDR:PORT serve Prometheus metrics on http://ADDR:PORT/metrics\n"
"                          (:PORT binds 127.0.0.1)\n"
"      --interval S        every S seconds, an `update` record per open connection\n"
"      --stuck S           report a side in CLOSE_WAIT/FIN_WAIT2 for S seconds as\n"
"                          `stuck` (default 60; 0 turns it off)\n"
"      --diagram           print each connection's ladder diagram when it closes\n"
"                          (instead of the event lines; text output only)\n"
"      --svg FILE          write the ladder diagrams of all connections to FILE\n"
"      --color WHEN        colour text output: auto (on a terminal; default),\n"
"                          always or never\n"
"  -v, --verbose           print libbpf's messages (verifier log on failure)\n"
"  -h, --help              this help\n"
"\n"
"Durations take s, ms, m or h suffixes (30, 1.5, 500ms, 2m).\n"
"\n"
"Examples:\n"
"  synfin watch -i eth0                   # live view of every connection\n"
"  synfin watch -i eth0 -p 443 -o json    # JSON lines for port 443\n"
"  synfin watch -i lo --duration 10       # ten seconds on loopback\n"
"  synfin watch -i eth0 --metrics :9464   # and let Prometheus scrape it\n"
"  synfin watch -i eth0 --diagram -p 80   # ladder diagram of each connection\n";

struct watch_opts {
	struct cli_track_opts t;	/* -o, --port, timeouts, --diagram, --svg, -v */
	const char *ifname;
	__u64 duration_ns;		/* 0: until a signal */
	enum xdp_mode_opt mode;
	bool no_egress;
	bool force;
	__u32 max_conns, max_half;
	const char *pin_dir;
	const char *metrics;
	__u64 interval_ns;
	__u64 stuck_ns;
	int color;
};

static int parse_watch_args(int argc, char **argv, struct watch_opts *o)
{
	enum { O_MODE = CLI_O_NEXT, O_NO_EGRESS, O_FORCE, O_MAXC, O_MAXH, O_PIN, O_METRICS,
	       O_INTERVAL, O_STUCK, O_COLOR };
	static const struct option longopts[] = {
		CLI_TRACK_LONGOPTS,
		{ "interface", required_argument, 0, 'i' },
		{ "duration", required_argument, 0, 'd' },
		{ "mode", required_argument, 0, O_MODE },
		{ "no-egress", no_argument, 0, O_NO_EGRESS },
		{ "force", no_argument, 0, O_FORCE },
		{ "max-conns", required_argument, 0, O_MAXC },
		{ "max-half-open", required_argument, 0, O_MAXH },
		{ "pin", required_argument, 0, O_PIN },
		{ "metrics", required_argument, 0, O_METRICS },
		{ "interval", required_argument, 0, O_INTERVAL },
		{ "stuck", required_argument, 0, O_STUCK },
		{ "color", required_argument, 0, O_COLOR },
		{ "colour", required_argument, 0, O_COLOR },
		{ "help", no_argument, 0, 'h' },
		{ 0 },
	};
	int c, rc;
	char *end;
	long v;

	cli_track_defaults(&o->t);
	o->max_conns = SF_MAX_CONNS;
	o->max_half = SF_MAX_HALF_OPEN;
	o->stuck_ns = 60ull * 1000000000ull;
	optind = 1;
	opterr = 0;	/* our own messages, naming the option, exit 2 */
	while ((c = getopt_long(argc, argv, ":i:o:d:p:vh", longopts, NULL)) != -1) {
		rc = cli_track_opt("watch", &o->t, c, optarg);
		if (rc >= 0) {
			if (rc)
				return rc;
			continue;
		}
		switch (c) {
		case 'i':
			o->ifname = optarg;
			break;
		case 'd':
			if ((rc = cli_duration("watch", "--duration", optarg, false, &o->duration_ns)))
				return rc;
			break;
		case O_MODE:
			if (!strcmp(optarg, "auto"))
				o->mode = MODE_AUTO;
			else if (!strcmp(optarg, "native") || !strcmp(optarg, "drv"))
				o->mode = MODE_NATIVE;
			else if (!strcmp(optarg, "generic") || !strcmp(optarg, "skb"))
				o->mode = MODE_GENERIC;
			else if (!strcmp(optarg, "tc"))
				o->mode = MODE_TC;
			else
				return cli_usage_error("watch", "--mode: '%s' is not auto, native, "
						       "generic or tc", optarg);
			break;
		case O_NO_EGRESS:
			o->no_egress = true;
			break;
		case O_FORCE:
			o->force = true;
			break;
		case O_MAXC:
		case O_MAXH:
			v = strtol(optarg, &end, 10);
			if (*end || end == optarg || v < 64 || v > (1L << 26))
				return cli_usage_error("watch", "%s: '%s' must be a number from 64 to "
						       "67108864", c == O_MAXC ? "--max-conns" :
						       "--max-half-open", optarg);
			*(c == O_MAXC ? &o->max_conns : &o->max_half) = (__u32)v;
			break;
		case O_PIN:
			o->pin_dir = optarg;
			break;
		case O_METRICS:
			o->metrics = optarg;
			break;
		case O_INTERVAL:
			if ((rc = cli_duration("watch", "--interval", optarg, false, &o->interval_ns)))
				return rc;
			break;
		case O_STUCK:
			if ((rc = cli_duration("watch", "--stuck", optarg, true, &o->stuck_ns)))
				return rc;
			break;
		case O_COLOR:
			if (parse_color(optarg, &o->color))
				return cli_usage_error("watch", "--color: '%s' is not auto, always or "
						       "never", optarg);
			break;
		case 'h':
			fputs(watch_usage, stdout);
			exit(0);
		default:
			return cli_getopt_error("watch", c, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error("watch", "unexpected argument '%s'", argv[optind]);
	if (!o->ifname)
		return cli_usage_error("watch", "which interface? give -i IFACE (e.g. -i eth0, -i lo)");
	return cli_track_check("watch", &o->t);
}

struct watch_ctx {
	struct conntab *tab;	/* what user space remembers of open connections */
	int64_t ts_offset_ns;	/* event clock (monotonic) to wall clock */
	struct reporter *rep;
	struct synfin_bpf *skel;
	uint64_t lost_seen;
	uint64_t events;
	uint64_t *ids;		/* ids of the records the current sweep saw */
	size_t nids, cap_ids;
	bool ids_lost;		/* an id could not be noted: skip the eviction check */
	struct sf_ustats u;
	int ustats_fd, hs_fd;
	struct diagram *dia;
	bool event_lines;	/* print events (not with --diagram) */
	uint64_t interval_ns, last_update;
	bool update_due;
};

static void note_id(struct watch_ctx *w, uint64_t id)
{
	if (w->nids == w->cap_ids) {
		size_t cap = w->cap_ids ? w->cap_ids * 2 : 4096;
		uint64_t *n = realloc(w->ids, cap * sizeof(*n));

		if (!n) {
			w->ids_lost = true;
			return;
		}
		w->ids = n;
		w->cap_ids = cap;
	}
	w->ids[w->nids++] = id;
}

/* Every event, from the ring, the sweeper or the eviction check, goes here. */
static void deliver(void *ctx, const struct sf_event *ev)
{
	struct watch_ctx *w = ctx;
	struct sf_record rec;
	struct sf_hs_key fail;

	conntab_resolve(w->tab, ev, w->ts_offset_ns, &rec);
	if (w->event_lines)
		reporter_write(w->rep, &rec);
	if (ustats_event(&w->u, ev, &fail))
		hs_map_add(w->hs_fd, &fail);
	if (w->dia)
		diagram_record(w->dia, &rec);
}

static int on_event(void *ctx, void *data, size_t len)
{
	struct watch_ctx *w = ctx;

	if (len < sizeof(struct sf_event))
		return 0;
	w->events++;
	deliver(w, data);
	return 0;
}

/* Publish the userspace numbers for `synfin stats` (pinned ustats map). */
static void ustats_publish(struct watch_ctx *w)
{
	__u32 zero = 0;

	if (w->ustats_fd >= 0)
		bpf_map_update_elem(w->ustats_fd, &zero, &w->u, BPF_ANY);
}

/* The exposition for one scrape: fresh kernel counters, the sweep's gauges. */
static void fill_metrics(void *ctx, FILE *f)
{
	struct watch_ctx *w = ctx;
	struct sf_snapshot s;

	ustats_publish(w);
	if (snapshot_read(&s, bpf_map__fd(w->skel->maps.counters), w->ustats_fd, w->hs_fd) == 0)
		metrics_write(f, &s);
	snapshot_free(&s);
}

/* Report ring-buffer losses in-band, as soon as the counter moves. */
static void check_lost(struct watch_ctx *w)
{
	uint64_t c[SF_NCOUNTERS];

	if (counters_read(bpf_map__fd(w->skel->maps.counters), c))
		return;
	if (c[SF_C_RB_DROPS] > w->lost_seen) {
		struct sf_record rec;

		record_lost(&rec, c[SF_C_RB_DROPS] - w->lost_seen, mono_ns(), w->ts_offset_ns);
		reporter_write(w->rep, &rec);
		w->lost_seen = c[SF_C_RB_DROPS];
	}
}

/* A live entry seen by the sweep: gauges, `update` records, `stuck` sides. */
static void sweep_live(void *ctx, const struct sf_key *k, const struct sf_entry *e, uint64_t now)
{
	struct watch_ctx *w = ctx;
	struct sf_record rec;
	int s;

	note_id(w, e->id);
	if (e->flags & SF_ENTRY_CLOSED)
		return;
	ustats_gauges_add(&w->u, k, e, now);
	if (w->update_due && w->event_lines) {
		record_update(&rec, k, e, now, w->ts_offset_ns);
		reporter_write(w->rep, &rec);
	}
	if (!w->u.stuck_ns || !w->event_lines)
		return;
	for (s = 0; s < 2; s++) {
		int st = e->side[s].state;
		__u64 since = sf_state_since_ns(e, s);

		if ((st == SF_CLOSE_WAIT || st == SF_FIN_WAIT2) && now > since &&
		    now - since >= w->u.stuck_ns) {
			if (conntab_stuck_first(w->tab, e, s)) {
				record_stuck(&rec, k, e, s, now, w->ts_offset_ns);
				reporter_write(w->rep, &rec);
				w->u.stuck_events++;
			}
		}
	}
}

int cmd_watch(int argc, char **argv)
{
	struct watch_opts o = {};
	struct watch_ctx w = {};
	struct attach at = { .xdp_link_fd = -1, .tc_link_fd = -1, .tc_in_link_fd = -1 };
	struct report_opts ro = {};
	struct ring_buffer *rb = NULL;
	struct synfin_bpf *skel;
	uint64_t start, last_sweep = 0, live = 0, c[SF_NCOUNTERS];
	struct metrics_server *ms = NULL;
	struct pinned pins;
	char pin_dir[256];
	bool is_lo, pinned = false;
	int err;

	err = parse_watch_args(argc, argv, &o);
	if (err)
		return err;

	at.ifindex = (int)if_nametoindex(o.ifname);
	if (!at.ifindex) {
		fprintf(stderr, "synfin watch: no such interface '%s' (list them with: ip link)\n",
			o.ifname);
		return EXIT_RUNTIME;
	}
	snprintf(at.ifname, sizeof(at.ifname), "%s", o.ifname);
	is_lo = !strcmp(o.ifname, "lo");

	/* Signal handlers before anything is attached. */
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	w.ustats_fd = w.hs_fd = -1;
	skel = loader_open("watch", &(struct loader_cfg){ .ports = o.t.ports, .nports = o.t.nports,
				.max_conns = o.max_conns, .max_half = o.max_half });
	if (!skel)
		return EXIT_RUNTIME;
	/* Userspace numbers live in maps too, so `synfin stats` finds everything pinned. */
	w.ustats_fd = ustats_map_create();
	w.hs_fd = hs_map_create();
	if (w.ustats_fd < 0 || w.hs_fd < 0) {
		err = -errno;
		fprintf(stderr, "synfin watch: cannot create the stats maps: %s\n", strerror(-err));
		goto out_maps;
	}
	w.u.version = SF_USTATS_VERSION;
	w.u.pid = (__u32)getpid();
	w.u.start_real_ns = real_ns();
	w.u.stuck_ns = o.stuck_ns;
	w.u.ts_offset_ns = (__u64)(real_ns() - mono_ns());
	ustats_publish(&w);
	if (o.pin_dir)
		snprintf(pin_dir, sizeof(pin_dir), "%s", o.pin_dir);
	else
		pin_default_dir(o.ifname, pin_dir, sizeof(pin_dir));
	pins.counters = bpf_map__fd(skel->maps.counters);
	pins.conns = bpf_map__fd(skel->maps.conns);
	pins.half_open = bpf_map__fd(skel->maps.half_open);
	pins.ustats = w.ustats_fd;
	pins.hs_fail = w.hs_fd;
	err = pin_prepare(pin_dir, "watch");
	if (err && (o.pin_dir || err == -EBUSY))
		goto out_maps;
	if (err) {
		/* Without bpffs (and no right to mount it) watching still works. */
		fprintf(stderr, "synfin watch: not pinning the maps: `synfin stats` and "
			"`synfin conns` will not see this watcher\n");
		err = 0;
	} else {
		pinned = true;
		err = pin_maps(pin_dir, &pins);
		if (err)
			goto out_unpin;
	}
	if (o.metrics) {
		ms = metrics_listen(o.metrics);
		if (!ms) {
			err = -EINVAL;
			goto out_unpin;
		}
	}
	if (o.mode == MODE_TC)
		err = attach_tc(&at, bpf_program__fd(skel->progs.synfin_tc_in), true);
	else
		err = attach_xdp(&at, bpf_program__fd(skel->progs.synfin_xdp), o.mode, o.force);
	if (err)
		goto out_detach;
	/* On lo every packet passes egress and then ingress: ingress alone sees it once. */
	if (!o.no_egress && !is_lo) {
		err = attach_tc(&at, bpf_program__fd(skel->progs.synfin_tc), false);
		if (err)
			goto out_detach;
	}

	w.skel = skel;
	ro.format = o.t.format;
	ro.out = stdout;
	w.ts_offset_ns = (int64_t)(real_ns() - mono_ns());
	ro.color = o.t.format == OUT_TEXT && color_wanted(o.color, stdout);
	w.rep = reporter_new(&ro);
	w.tab = conntab_new();
	if (!w.rep || !w.tab) {
		err = -ENOMEM;
		goto out_reporter;
	}
	w.event_lines = !o.t.diagram;
	w.interval_ns = o.interval_ns;
	if (o.t.diagram || o.t.svg) {
		struct diagram_opts dop = {
			.out = o.t.diagram ? stdout : NULL,
			.unicode = terminal_utf8(),
			.svg_path = o.t.svg,
			.times = true,
		};

		w.dia = diagram_new(&dop);
		if (!w.dia) {
			err = -ENOMEM;
			goto out_reporter;
		}
	}
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, &w, NULL);
	if (!rb) {
		err = -errno;
		fprintf(stderr, "synfin watch: cannot open the ring buffer: %s\n", strerror(-err));
		goto out_rb;	/* frees the diagram too */
	}
	/*
	 * Whole lines, flushed once per pass of the loop below (every batch the
	 * ring buffer hands over): pipes see each event at once, without one
	 * write() per line.
	 */
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	fprintf(stderr, "synfin: watching %s (%s%s%s)%s; Ctrl-C to stop\n", o.ifname,
		o.mode == MODE_TC ? "tc ingress" : "XDP ",
		o.mode == MODE_TC ? "" : attach_mode_name(&at),
		at.tc_link_fd >= 0 ? ", tc egress via tcx" : at.tc_filter ? ", tc egress via clsact" :
		is_lo ? "; lo: ingress sees each packet once" : ", no egress",
		o.t.nports ? " on selected ports" : "");

	if (o.mode != MODE_TC) {
		char drv[32];

		iface_driver(o.ifname, drv, sizeof(drv));
		if (!strcmp(drv, "veth"))
			fprintf(stderr, "synfin: note: XDP on a veth costs GRO/GSO (native) or a copy "
				"per packet (generic); --mode tc keeps bulk throughput\n");
	}
	if (ms)
		fprintf(stderr, "synfin: metrics on http://%s%s/metrics\n",
			o.metrics[0] == ':' ? "127.0.0.1" : "", o.metrics);
	start = mono_ns();
	w.last_update = start;
	while (!stop) {
		struct pollfd pfd[16];
		int npfd = 1;
		uint64_t now;

		/* One poll for the ring buffer and the metrics sockets. */
		pfd[0].fd = ring_buffer__epoll_fd(rb);
		pfd[0].events = POLLIN;
		npfd += metrics_pollfds(ms, pfd + 1, 15);
		if (poll(pfd, (nfds_t)npfd, 100) < 0 && errno != EINTR) {
			err = -errno;
			fprintf(stderr, "synfin watch: poll failed: %s\n", strerror(errno));
			goto out_rb;
		}
		err = ring_buffer__consume(rb);
		if (err < 0 && err != -EINTR) {
			fprintf(stderr, "synfin watch: ring buffer read failed: %s\n", strerror(-err));
			goto out_rb;
		}
		check_lost(&w);
		now = mono_ns();
		if (now - last_sweep >= 1000000000ull) {
			/* half_open before conns: an entry moving between them
			 * during the sweep is then seen in one or the other. */
			int fds[2] = { bpf_map__fd(skel->maps.half_open),
				       bpf_map__fd(skel->maps.conns) };

			w.nids = 0;
			w.ids_lost = false;
			w.update_due = w.interval_ns && now - w.last_update >= w.interval_ns;
			ustats_gauges_reset(&w.u);
			/* Evictions are what the sweep did not see: only with every id noted. */
			if (!sweep_maps(fds, 2, now, &o.t.to, false, deliver, sweep_live, &w, &live) &&
			    !w.ids_lost)
				w.u.evicted += conntab_evictions(w.tab, now, w.ids, w.nids, mono_ns(),
								 deliver, &w);
			if (w.update_due)
				w.last_update = now;
			w.u.sweep_real_ns = real_ns();
			ustats_publish(&w);
			last_sweep = now;
		}
		fflush(stdout);
		metrics_serve(ms, fill_metrics, &w);
		if (o.duration_ns && now - start >= o.duration_ns)
			break;
	}
	/* Drain what is already in the ring before reporting the totals. */
	ring_buffer__consume(rb);
	check_lost(&w);
	fflush(stdout);
	err = 0;
	if (!counters_read(bpf_map__fd(skel->maps.counters), c)) {
		fprintf(stderr,
			"synfin: %llu packets (%llu TCP), %llu connections, %llu handshakes, "
			"%llu closes, %llu still open, %llu evicted, %llu events, %llu lost, "
			"%llu parse errors\n",
			(unsigned long long)(c[SF_C_PKTS_INGRESS] + c[SF_C_PKTS_EGRESS]),
			(unsigned long long)c[SF_C_TCP], (unsigned long long)c[SF_C_NEW_CONNS],
			(unsigned long long)c[SF_C_OPENED],
			(unsigned long long)(c[SF_C_CLOSE_FIN] + c[SF_C_CLOSE_RST] +
					     c[SF_C_CLOSE_REFUSED] + c[SF_C_CLOSE_REUSED]),
			(unsigned long long)live, (unsigned long long)w.u.evicted,
			(unsigned long long)(w.event_lines ? reporter_events(w.rep) : w.u.events),
			(unsigned long long)c[SF_C_RB_DROPS],
			(unsigned long long)(c[SF_C_ERR_TRUNC] + c[SF_C_ERR_IP] + c[SF_C_ERR_TCP] +
					     c[SF_C_ERR_OPTS] + c[SF_C_ERR_VLAN]));
		/* Segments never stepped: rare, but they can hide a transition. */
		if (c[SF_C_LOCK_FAIL] || c[SF_C_MAP_FULL])
			fprintf(stderr, "synfin: %llu segments skipped (connection entry busy), "
				"%llu not tracked (connection table full)\n",
				(unsigned long long)c[SF_C_LOCK_FAIL],
				(unsigned long long)c[SF_C_MAP_FULL]);
	}
	if (w.dia && diagram_finish(w.dia))
		err = -EIO;
out_rb:
	ring_buffer__free(rb);
	diagram_free(w.dia);
out_reporter:
	reporter_free(w.rep);
	conntab_free(w.tab);
	free(w.ids);
out_detach:
	detach_all(&at);
	metrics_close(ms);
out_unpin:
	if (pinned)
		pin_remove(pin_dir);
out_maps:
	if (w.ustats_fd >= 0)
		close(w.ustats_fd);
	if (w.hs_fd >= 0)
		close(w.hs_fd);
	synfin_bpf__destroy(skel);
	return err ? EXIT_RUNTIME : 0;
}
