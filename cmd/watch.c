// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * watch.c - `synfin watch`: attach to an interface (kern/watcher.c), print
 * lifecycle events live, sweep timed-out connections, count for `stats` and
 * /metrics, detach cleanly.
 *
 * Lifecycle: parse args -> signal handlers -> watch_open (outputs, metrics
 * socket, then the watcher: load, pin, attach) -> watch_run (poll, consume,
 * sweep once a second) -> watch_summary -> watch_close (undoes whatever
 * open did; safe after a failure at any step).
 */
#define _GNU_SOURCE	/* F_SETPIPE_SZ */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <pcap/dlt.h>
#include "lib/conntab.h"
#include "lib/flood.h"
#include "lib/names.h"
#include "lib/ustats.h"
#include "lib/util.h"
#include "kern/watcher.h"
#include "out/counters.h"
#include "out/diagram.h"
#include "out/http.h"
#include "out/pcapw.h"
#include "out/report.h"
#include "out/segment.h"
#include "out/term.h"
#include "lib/filter.h"
#include "cmd/cli.h"
#include "cmd/cmds.h"

static const char watch_usage[] =
"Usage: synfin watch -i IFACE [-i IFACE]... [OPTIONS] [EXPRESSION]\n"
"\n"
"Attach to IFACE and print every TCP connection's lifecycle as it happens:\n"
"the handshake, each side's state changes, and a summary when it closes.\n"
"\n"
"EXPRESSION: a tcpdump filter (pcap-filter(7)), the remaining arguments.\n"
"It selects connections: the first segment seen of one, or that segment\n"
"with addresses and ports swapped, must match. The kernel evaluates it once\n"
"per connection on the frame's first 256 bytes (tests beyond them fail).\n"
"\n"
"Options:\n"
"  -i, --interface IFACE   interface to watch (required); repeat for more (up to\n"
"                          8): one table, one stream, each event names its\n"
"                          interface; a connection belongs to the first that\n"
"                          saw it, its segments routed through another are\n"
"                          counted once\n"
"  -w, --write FILE        write the segments that changed a state (SYN,\n"
"                          SYN-ACK, the handshake's ACK, FIN, RST, ACKs of FINs),\n"
"                          headers only, to FILE: a pcap tcpdump and Wireshark read\n"
"      --write-all         with -w: every segment of the tracked connections\n"
"      --segments          print every segment of the tracked connections as\n"
"                          tcpdump -n does, the states beside those that changed\n"
"                          something (-o json: `segment` events)\n"
"  -o, --output FORMAT     text (default) or json (one object per line)\n"
"  -d, --duration S        stop after S seconds (default: until Ctrl-C/SIGTERM)\n"
"  -p, --port P            only connections with port P at either end;\n"
"                          repeat for more ports (up to 16)\n"
"      --mode MODE         ingress hook: auto (default: native XDP on a physical\n"
"                          NIC whose driver has it; tc ingress elsewhere, e.g.\n"
"                          veth, where XDP would cost GRO or a copy per packet;\n"
"                          says which at start), native, generic (XDP), or tc\n"
"      --no-egress         attach only the ingress program\n"
"      --no-sockets        wire only: do not read the namespace's socket table\n"
"                          (no seeding at start, no processes, no socket states)\n"
"      --socket-budget PCT reads of the socket table may take PCT percent of one\n"
"                          CPU (default 1): where a read costs more (a host with\n"
"                          very many sockets) they are spaced out, up to 30 s\n"
"      --force             replace an XDP program already on IFACE\n"
"      --time-wait S       keep a closed connection's record S seconds to absorb\n"
"                          late segments and spot port reuse (default 60)\n"
"      --syn-timeout S     close an unanswered SYN after S seconds (default 130,\n"
"                          about when Linux gives up after 6 SYN retries)\n"
"      --idle-timeout S    close a connection idle for S seconds (default 7200)\n"
"      --no-vlan           one connection across VLANs: leave VLAN ids out of the\n"
"                          key (captures that tag only one direction)\n"
"      --max-conns N       size of the connection table (default 1048576)\n"
"      --max-half-open N   size of the half-open (handshake) table (default\n"
"                          --max-conns / 64, from 16384 to 65536)\n"
"      --flood-rate N      more than N new half-open connections a second is a\n"
"                          SYN flood: their lines give way to one `flood` record\n"
"                          a second (default 2000; 0: never summarise)\n"
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
"  -S, --absolute          seq/ack numbers as on the wire (default: relative to\n"
"                          each side's initial sequence number, as Wireshark)\n""      --explain           spell out conn_state and the history letters: a\n"
"                          legend first, and under each close line its own\n"
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
"  synfin watch -i eth0 --diagram -p 80   # ladder diagram of each connection\n"
"  synfin watch -i eth0 -p 80 -w hs.pcap  # and the handshakes/closes for Wireshark\n"
"  synfin watch -i eth0 -i eth1 --segments  # a router's two sides, every segment\n"
"  synfin watch -i eth0 host 172.16.0.9 and port 8888\n";

struct watch_opts {
	struct cli_track_opts t;	/* -o, --port, timeouts, --diagram, --svg, -v */
	const char *ifnames[SF_MAX_IFACES];	/* -i, each */
	int nifaces;
	const char *write_file;		/* -w */
	bool write_all;			/* --write-all */
	bool segments;			/* --segments */
	__u64 duration_ns;		/* 0: until a signal */
	enum xdp_mode_opt mode;
	bool no_egress;
	bool no_sockets;
	double sock_budget;		/* --socket-budget; 0: the default */
	bool force;
	__u32 max_conns, max_half;
	__u32 flood_rate;
	const char *pin_dir;
	const char *metrics;
	__u64 interval_ns;
	__u64 stuck_ns;
	int color;
};

/* Long on purpose: the option table and a case per option read best whole. */
static int parse_watch_args(int argc, char **argv, struct watch_opts *o)
{
	enum { O_MODE = CLI_O_NEXT, O_NO_EGRESS, O_FORCE, O_MAXC, O_MAXH, O_PIN, O_METRICS,
	       O_INTERVAL, O_STUCK, O_COLOR, O_NO_SOCKETS, O_FLOOD, O_WRITE_ALL, O_SEGMENTS,
	       O_SOCK_BUDGET };
	static const struct option longopts[] = {
		CLI_TRACK_LONGOPTS,
		{ "interface", required_argument, 0, 'i' },
		{ "write", required_argument, 0, 'w' },
		{ "write-all", no_argument, 0, O_WRITE_ALL },
		{ "segments", no_argument, 0, O_SEGMENTS },
		{ "duration", required_argument, 0, 'd' },
		{ "mode", required_argument, 0, O_MODE },
		{ "no-egress", no_argument, 0, O_NO_EGRESS },
		{ "no-sockets", no_argument, 0, O_NO_SOCKETS },
		{ "socket-budget", required_argument, 0, O_SOCK_BUDGET },
		{ "force", no_argument, 0, O_FORCE },
		{ "max-conns", required_argument, 0, O_MAXC },
		{ "max-half-open", required_argument, 0, O_MAXH },
		{ "flood-rate", required_argument, 0, O_FLOOD },
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
	o->max_half = 0;	/* from --max-conns (loader_half_open_for) */
	o->flood_rate = SF_FLOOD_RATE;
	o->stuck_ns = 60ull * 1000000000ull;
	while ((c = cli_next("watch", argc, argv, ":i:o:d:p:w:vSh", longopts, &o->t, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (o->nifaces == SF_MAX_IFACES)
				return cli_usage_error("watch", "-i %s: %d interfaces at most",
						       optarg, SF_MAX_IFACES);
			o->ifnames[o->nifaces++] = optarg;
			break;
		case 'w':
			o->write_file = optarg;
			break;
		case O_WRITE_ALL:
			o->write_all = true;
			break;
		case O_SEGMENTS:
			o->segments = true;
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
		case O_NO_SOCKETS:
			o->no_sockets = true;
			break;
		case O_SOCK_BUDGET: {
			double pct = strtod(optarg, &end);

			if (*end == '%')
				end++;
			if (*end || end == optarg || !(pct >= 0.01 && pct <= 100))
				return cli_usage_error("watch", "--socket-budget: '%s' must be a "
						       "percentage of one CPU from 0.01 to 100 "
						       "(e.g. 1, 0.5)", optarg);
			o->sock_budget = pct;
			break;
		}
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
		case O_FLOOD:
			v = strtol(optarg, &end, 10);
			if (*end || end == optarg || v < 0 || v > 100000000)
				return cli_usage_error("watch", "--flood-rate: '%s' must be a number "
						       "of connections a second (0 turns it off)",
						       optarg);
			o->flood_rate = (__u32)v;
			break;
		case O_PIN:
			o->pin_dir = optarg;
			break;
		case O_METRICS: {
			struct sockaddr_storage ss;
			socklen_t sl;
			char why[256];

			if (metrics_addr(optarg, &ss, &sl, why, sizeof(why)))
				return cli_usage_error("watch", "%s", why);
			o->metrics = optarg;
			break;
		}
		case O_INTERVAL:
			if ((rc = cli_duration("watch", "--interval", optarg, false, &o->interval_ns)))
				return rc;
			break;
		case O_STUCK:
			if ((rc = cli_duration("watch", "--stuck", optarg, true, &o->stuck_ns)))
				return rc;
			break;
		case O_COLOR:
			if (cli_color("watch", optarg, &o->color))
				return EXIT_USAGE;
			break;
		case 'h':
			fputs(watch_usage, stdout);
			exit(0);
		default:
			return EXIT_USAGE;
		}
	}
	if (!o->nifaces)
		return cli_usage_error("watch", "which interface? give -i IFACE (e.g. -i eth0, -i lo)");
	if (o->write_all && !o->write_file)
		return cli_usage_error("watch", "--write-all says what -w writes: give -w FILE too");
	if (o->segments && o->t.diagram)
		return cli_usage_error("watch", "--segments prints lines: not with --diagram");
	c = cli_track_check("watch", &o->t);
	return c ? c : cli_filter("watch", &o->t, argc, argv, optind);
}

/* One watch: the kernel side, and what user space does with its events. */
struct watch {
	struct watch_opts o;
	struct watcher *kw;
	struct conntab *tab;		/* what user space remembers of open connections */
	int64_t ts_offset_ns;		/* event clock (monotonic) to wall clock */
	struct reporter *rep;
	struct diagram *dia;
	struct metrics_server *ms;
	struct pcapw *pw;		/* -w */
	struct seg_fmt *sf;		/* --segments */
	struct sf_ustats u;		/* published for `synfin stats` */
	bool event_lines;		/* print events (not with --diagram) */
	bool update_due;		/* this sweep writes `update` records */
	uint64_t last_update, live;
	struct flood_tally *ft;		/* this sweep's quiet half-open entries */
	struct {			/* a SYN flood going on: its totals so far */
		bool on;
		uint64_t start_ns, last_ns;
		struct sf_rec_flood total;
	} flood;
	struct {			/* the connection table full */
		bool on;
		uint64_t start_ns;
		struct sf_rec_overload total;
	} over;
	uint64_t last_c[SF_NCOUNTERS];	/* the kernel's counters at the previous sweep */
	uint64_t last_evicted, last_half_closed;
	uint64_t published_events, published_ns;	/* publish_events() */
	uint64_t seeded_closed;		/* seeded from TIME_WAIT sockets: closed before the start */
	bool flooding;			/* this sweep: a flood on, or starting */
};

/* Local sides' processes for the event lines (the watcher is set during its own open). */
static int owner_of(void *ctx, const struct sf_key *k, const struct sf_entry *e, int side,
		    struct sf_owner *o)
{
	struct watch *w = ctx;

	return w->kw ? watcher_owner(w->kw, k, e, side, o) : 0;
}

/* A flood's half-open entry: summarised, never a line of its own. */
static bool quiet(const struct sf_entry *e)
{
	return (e->flags & (SF_ENTRY_QUIET | SF_ENTRY_OPEN)) == SF_ENTRY_QUIET;
}

/* Every event, from the ring, the sweeper or the eviction check, goes here. */
static void deliver(void *ctx, const struct sf_event *ev)
{
	struct watch *w = ctx;
	struct sf_record rec;
	struct sf_hs_key fail;

	if (ustats_event(&w->u, ev, &fail))
		watcher_count_failure(w->kw, &fail);
	if (ev->entry.seeded && (ev->what & SF_WHAT_NEW) && (ev->entry.flags & SF_ENTRY_CLOSED))
		w->seeded_closed++;
	/* The sweeper's closes of a flood's entries: in the `flood` records. */
	if (quiet(&ev->entry))
		return;
	/* During a flood, handshakes that never completed are its to count. */
	if (w->flooding && (ev->what & SF_WHAT_CLOSE) && ev->hook == SF_HOOK_SWEEP &&
	    !(ev->entry.flags & SF_ENTRY_OPEN))
		return;
	if ((ev->what & SF_WHAT_CLOSE) && ev->entry.reason == SF_R_EVICTED &&
	    ev->hook == SF_HOOK_SWEEP) {
		watcher_note_gone(w->kw, &ev->key, ev->entry.id);
		w->u.evicted_reported++;
	}
	conntab_resolve(w->tab, ev, w->ts_offset_ns, &rec);
	record_owners(&rec, owner_of, w, &ev->key, &ev->entry);
	if (watcher_ifname(w->kw, ev))
		snprintf(rec.ifname, sizeof(rec.ifname), "%s", watcher_ifname(w->kw, ev));
	if (w->event_lines)
		reporter_write(w->rep, &rec);
	if (w->dia)
		diagram_record(w->dia, &rec);
}

/*
 * A segment's header copy from the kernel (-w, --segments): into the pcap
 * file (all with --write-all, else those that changed a state), and as a
 * line (it comes just before its event, if it has one).
 */
static void on_segment(void *ctx, const struct sf_segcap *c)
{
	struct watch *w = ctx;
	uint64_t real = c->ts_ns + (uint64_t)w->ts_offset_ns;
	__u32 caplen = c->caplen < SF_CAP_BYTES ? c->caplen : SF_CAP_BYTES;
	struct seg_line l = { .ts_ns = real, .id = c->id, .changed = c->what & SF_CAP_CHANGED };
	const char *ifn = watcher_ifname_of(w->kw, c->ifindex);

	if (!caplen)
		return;
	if (w->pw && (w->o.write_all || l.changed))
		pcapw_write(w->pw, real, c->data, caplen, c->wire_len);
	if (!w->sf || seg_fmt_frame(w->sf, DLT_EN10MB, c->data, caplen, c->wire_len, &l))
		return;
	if (ifn)
		snprintf(l.ifname, sizeof(l.ifname), "%s", ifn);
	reporter_segment(w->rep, &l);
}

/*
 * The exposition for one scrape, on the HTTP server's thread: fresh kernel
 * counters, and the user-space numbers as the loop last published them
 * (maps only: w->u is the loop's).
 */
static void fill_metrics(void *ctx, FILE *f)
{
	struct watch *w = ctx;
	struct sf_snapshot s;

	if (watcher_snapshot(w->kw, &s) == 0)
		metrics_write(f, &s);
	snapshot_free(&s);
}

/* Publish the user-space numbers when events moved them, at most every 50 ms. */
static void publish_events(struct watch *w, uint64_t now)
{
	static const uint64_t every_ns = 50000000ull;

	if (w->u.events == w->published_events || now - w->published_ns < every_ns)
		return;
	watcher_publish(w->kw, &w->u);
	w->published_events = w->u.events;
	w->published_ns = now;
}

/* Report ring-buffer losses in-band, as soon as the counter moves. */
static void check_lost(struct watch *w)
{
	uint64_t n = watcher_new_losses(w->kw);
	struct sf_record rec;

	if (n) {
		record_lost(&rec, n, mono_ns(), w->ts_offset_ns);
		reporter_write(w->rep, &rec);
	}
}

/* A live entry seen by the sweep: gauges, `update` records, `stuck` sides. */
static void sweep_live(void *ctx, const struct sf_key *k, const struct sf_entry *e, uint64_t now)
{
	struct watch *w = ctx;
	struct sf_record rec;
	int s;

	ustats_gauges_add(&w->u, k, e, now);	/* a closed record's TIME_WAIT side counts */
	if (e->flags & SF_ENTRY_CLOSED)
		return;
	if (quiet(e)) {
		flood_tally_add(w->ft, k, e);
		return;
	}
	if (w->update_due && w->event_lines) {
		record_update(&rec, k, e, now, w->ts_offset_ns);
		record_owners(&rec, owner_of, w, k, e);
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
				record_owners(&rec, owner_of, w, k, e);
				reporter_write(w->rep, &rec);
				w->u.stuck_events++;
			}
		}
	}
}

static void write_record(struct watch *w, const struct sf_record *rec)
{
	if (w->event_lines)
		reporter_write(w->rep, rec);
}

static void flood_end(struct watch *w, uint64_t now)
{
	struct sf_record rec;

	w->flood.total.ended = true;
	w->flood.total.interval_us = (now - w->flood.start_ns) / 1000;
	record_flood(&rec, &w->flood.total, now, w->ts_offset_ns);
	write_record(w, &rec);
	w->u.flood_records++;
	w->flood.on = false;
}

/*
 * A flood is on while the kernel keeps creating quiet half-open entries:
 * one `flood` record per sweep with what the interval added and what the
 * table holds, and one at its end with the totals.
 */
static void flood_check(struct watch *w, const uint64_t *c, uint64_t evicted,
			uint64_t half_closed, uint64_t now)
{
	struct sf_rec_flood f = {};
	struct sf_record rec;

	f.syns = c[SF_C_QUIET] - w->last_c[SF_C_QUIET];
	f.evicted = evicted - w->last_evicted;
	f.closed = half_closed - w->last_half_closed;
	if (!f.syns) {
		if (w->flood.on)
			flood_end(w, now);
		return;
	}
	if (!w->flood.on) {
		memset(&w->flood, 0, sizeof(w->flood));
		w->flood.on = true;
		w->flood.start_ns = w->flood.last_ns = now;
	}
	f.interval_us = (now - w->flood.last_ns) / 1000;
	w->flood.last_ns = now;
	flood_tally_fill(w->ft, &f);
	w->flood.total.syns += f.syns;
	w->flood.total.evicted += f.evicted;
	w->flood.total.closed += f.closed;
	record_flood(&rec, &f, now, w->ts_offset_ns);
	write_record(w, &rec);
	w->u.flood_records++;
}

static void overload_end(struct watch *w, uint64_t now)
{
	struct sf_record rec;

	w->over.total.ended = true;
	w->over.total.open = w->live;
	w->over.total.duration_us = (now - w->over.start_ns) / 1000;
	record_overload(&rec, &w->over.total, now, w->ts_offset_ns);
	write_record(w, &rec);
	w->over.on = false;
}

/*
 * The connection table is full while segments of new connections find no
 * room: one `overload` record when it starts, one with the counts when a
 * sweep interval passes without a refusal.
 */
static void overload_check(struct watch *w, const uint64_t *c, uint64_t now)
{
	uint64_t r = c[SF_C_MAP_FULL] - w->last_c[SF_C_MAP_FULL];
	uint64_t p = c[SF_C_MOVE_FULL] - w->last_c[SF_C_MOVE_FULL];
	uint64_t g = c[SF_C_SKIP_GONE] - w->last_c[SF_C_SKIP_GONE];
	struct sf_record rec;

	if (!r && !p && !g) {
		if (w->over.on)
			overload_end(w, now);
		return;
	}
	if (!w->over.on) {
		memset(&w->over, 0, sizeof(w->over));
		w->over.on = true;
		w->over.start_ns = now;
		w->over.total.max = w->o.max_conns;
		w->over.total.open = w->live;
		record_overload(&rec, &w->over.total, now, w->ts_offset_ns);
		write_record(w, &rec);
		w->u.overloads++;
	}
	w->over.total.refused += r;
	w->over.total.parked += p;
	w->over.total.skipped += g;
}

/*
 * Connections that left the half-open table without a close, as far as
 * this moment can tell: counters read before and after the sweep bracket
 * it, and the smaller estimate is kept (an entry created or moved while
 * the sweep ran must not count).
 */
static uint64_t evicted_now(struct watch *w, const uint64_t *before, const uint64_t *after)
{
	uint64_t a = watcher_evicted(w->kw, before), b = watcher_evicted(w->kw, after);

	return a < b ? a : b;
}

#define SWEEP_NS 1000000000ull	/* a sweep a second */

/* Once a second: timeouts, gauges, updates, stuck sides, evictions, floods, overload. */
static void watch_sweep(struct watch *w, uint64_t now)
{
	uint64_t before[SF_NCOUNTERS], c[SF_NCOUNTERS], ev, half_closed;
	struct watcher_tally t;
	uint64_t *ids;
	size_t nids;
	bool have;

	w->update_due = w->o.interval_ns && now - w->last_update >= w->o.interval_ns;
	ustats_gauges_reset(&w->u);
	flood_tally_reset(w->ft);
	have = !watcher_counters(w->kw, before);
	w->flooding = w->flood.on || (have && before[SF_C_QUIET] != w->last_c[SF_C_QUIET]);
	/* Evictions are what the sweep did not see: only with every id noted. */
	if (!watcher_sweep(w->kw, now, &w->o.t.to, sweep_live, w, &w->live) &&
	    watcher_swept_ids(w->kw, &ids, &nids))
		conntab_evictions(w->tab, now, ids, nids, mono_ns(), deliver, w);
	watcher_tally(w->kw, &t);
	w->u.closed_dropped_early = t.early_main;
	if (have && !watcher_counters(w->kw, c)) {
		ev = evicted_now(w, before, c);
		if (ev > w->u.evicted)
			w->u.evicted = ev;
		half_closed = c[SF_C_HALF_CLOSED] + t.swept_half;
		flood_check(w, c, w->u.evicted, half_closed, now);
		overload_check(w, c, now);
		memcpy(w->last_c, c, sizeof(c));
		w->last_evicted = w->u.evicted;
		w->last_half_closed = half_closed;
	}
	if (w->update_due)
		w->last_update = now;
	{
		struct watcher_sockcost sc;

		watcher_socket_cost(w->kw, &sc);
		w->u.socket_reads = sc.reads;
		w->u.socket_read_cpu_ns = sc.cpu_ns;
		/* Under a sweep: a read at every sweep, shown as 0. */
		w->u.socket_read_every_ns = sc.every_ns > SWEEP_NS ? sc.every_ns : 0;
	}
	w->u.sweep_real_ns = real_ns();
	watcher_publish(w->kw, &w->u);
}

/* Reporter, diagrams, the metrics socket: what the watcher's events go to. */
static int open_outputs(struct watch *w)
{
	const struct watch_opts *o = &w->o;
	struct report_opts ro = {
		.format = o->t.format,
		.out = stdout,
		.color = o->t.format == OUT_TEXT && color_wanted(o->color, stdout),
		.absolute = o->t.absolute,
		.explain = o->t.explain,
	};
	struct diagram_opts dop = {
		.out = o->t.diagram ? stdout : NULL,
		.unicode = terminal_utf8(),
		.color = o->t.diagram && color_wanted(o->color, stdout),
		.absolute = o->t.absolute,
		.svg = o->t.svg_file,
		.times = true,
	};

	w->event_lines = !o->t.diagram;
	w->ts_offset_ns = (int64_t)(real_ns() - mono_ns());
	w->tab = conntab_new();
	w->ft = flood_tally_new();
	w->rep = reporter_new(&ro);
	if ((o->t.diagram || o->t.svg) && w->rep)
		w->dia = diagram_new(&dop);
	if (o->segments)
		w->sf = seg_fmt_new(o->t.absolute);
	if (o->write_file && !(w->pw = pcapw_open("watch", o->write_file)))
		return EXIT_RUNTIME;
	if (!w->tab || !w->ft || !w->rep || ((o->t.diagram || o->t.svg) && !w->dia) ||
	    (o->segments && !w->sf)) {
		fprintf(stderr, "synfin watch: out of memory\n");
		return EXIT_RUNTIME;
	}
	return 0;
}

/* After the watcher: scrapes read its maps from the server's thread. */
static int open_metrics(struct watch *w)
{
	if (w->o.metrics && !(w->ms = metrics_listen(w->o.metrics, fill_metrics, w)))
		return EXIT_RUNTIME;
	return 0;
}

static void say_started(const struct watch *w)
{
	const struct watch_opts *o = &w->o;
	int n, i;
	const struct attach *at = watcher_attach(w->kw, &n);

	for (i = 0; i < n; i++, at++) {
		if (at->why[0])
			fprintf(stderr, "synfin: --mode auto: %s\n", at->why);
		fprintf(stderr, "synfin: watching %s (%s%s%s)%s%s%s%s%s\n", at->ifname,
			at->mode == MODE_TC ? "tc ingress" : "XDP ",
			at->mode == MODE_TC ? "" : attach_mode_name(at),
			at->tc_link_fd >= 0 ? ", tc egress via tcx" :
			at->tc_filter ? ", tc egress via clsact" :
			!strcmp(at->ifname, "lo") ? "; lo: ingress sees each packet once" :
			", no egress", o->t.nports ? " on selected ports" : "",
			o->t.filter ? " matching '" : "", o->t.filter ? filter_expr(o->t.filter) : "",
			o->t.filter ? "'" : "", i == n - 1 ? "; Ctrl-C to stop" : "");
		if (at->mode != MODE_TC) {
			char drv[32];

			iface_driver(at->ifname, drv, sizeof(drv));
			if (!strcmp(drv, "veth"))
				fprintf(stderr, "synfin: note: XDP on a veth costs GRO/GSO (native) "
					"or a copy per packet (generic); --mode tc keeps bulk "
					"throughput\n");
		}
	}
	if (o->write_file)
		fprintf(stderr, "synfin: writing %s segments' headers to %s\n",
			o->write_all ? "every tracked connection's" : "the state-changing",
			o->write_file);
	if (w->ms)
		fprintf(stderr, "synfin: metrics on http://%s%s/metrics\n",
			o->metrics[0] == ':' ? "127.0.0.1" : "", o->metrics);
}

static int watch_open(struct watch *w)
{
	struct watch_opts *o = &w->o;
	struct watcher_cfg cfg = {
		.nifaces = o->nifaces, .mode = o->mode, .no_egress = o->no_egress,
		.force = o->force, .ports = o->t.ports, .nports = o->t.nports, .no_vlan = o->t.no_vlan,
		.filter = o->t.filter,
		.max_conns = o->max_conns, .max_half = o->max_half, .pin_dir = o->pin_dir,
		.no_sockets = o->no_sockets, .sock_budget = o->sock_budget,
		.flood_rate = o->flood_rate,
		.capture = o->write_all || o->segments ? SF_CAPTURE_ALL :
			   o->write_file ? SF_CAPTURE_CHANGED : SF_CAPTURE_OFF,
		.seg = on_segment,
	};
	/*
	 * Whole lines, flushed once per pass of the loop (every batch the ring
	 * buffer hands over): pipes see each event at once, without a write()
	 * per line or per 4 KB. A buffer of our own: glibc's setvbuf ignores
	 * the size when it allocates, giving st_blksize (4 KB on a pipe: a
	 * write and a wake-up of the reader per few lines). Before any output:
	 * seeding writes the first lines.
	 */
	static char outbuf[1 << 18];
	int err, i;

	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	/* Into a pipe: room for a batch or more, so a reader's pause does not stall us. */
	fcntl(STDOUT_FILENO, F_SETPIPE_SZ, 1 << 20);
	err = cli_svg_open("watch", &w->o.t);
	if (err)
		return err;
	for (i = 0; i < o->nifaces; i++) {
		cfg.ifnames[i] = o->ifnames[i];
		if (!if_nametoindex(o->ifnames[i])) {
			fprintf(stderr, "synfin watch: no such interface '%s' (list them with: "
				"ip link)\n", o->ifnames[i]);
			return EXIT_RUNTIME;
		}
	}
	w->u.version = SF_USTATS_VERSION;
	w->u.pid = (__u32)getpid();
	w->u.start_real_ns = real_ns();
	w->u.stuck_ns = o->stuck_ns;
	w->u.ts_offset_ns = (__u64)(real_ns() - mono_ns());
	err = open_outputs(w);
	if (!err)
		err = watcher_open(&w->kw, &cfg, deliver, w);
	if (!err) {
		watcher_publish(w->kw, &w->u);
		err = open_metrics(w);
	}
	if (err)
		return err;
	if (o->t.explain)
		reporter_legend(stdout);
	say_started(w);
	return 0;
}

/* Until a signal or --duration: events as they come, a sweep a second, scrapes. */
static int watch_run(struct watch *w)
{
	/* While events flow, a pass a millisecond at most: a pass then hands
	 * over a batch (one write) instead of waking for every event or two.
	 * After a read of BUSY_BATCH records or more (a churn), 4 ms: a quarter
	 * of the wake-ups and writes (BENCH.md section 4); light traffic keeps
	 * its 1 ms. */
	static const struct timespec batch_wait = { .tv_nsec = 1000000 };
	static const struct timespec busy_wait = { .tv_nsec = 4000000 };
	enum { BUSY_BATCH = 32 };
	uint64_t start = mono_ns(), last_sweep = 0, last_read = 0, now;
	bool polls = false, grace = false;
	int err = 0, n;

	w->last_update = start;
	while (!cli_stop && !err) {
		struct pollfd pfd = { .fd = watcher_ring_fd(w->kw), .events = POLLIN };
		/*
		 * The kernel wakes us at most once per SF_WAKEUP_NS (synfin.bpf.c,
		 * rb_wakeup): records may follow a wake-up without one. So after a
		 * batch, poll again SF_POLL_SHORT_MS later until a read finds nothing
		 * that long after the last one that found something; then sleep up to
		 * 100 ms (the sweep, the metrics, ctl). An event waits at most
		 * busy_wait + SF_POLL_SHORT_MS (6 ms; 3 ms after a small batch) plus
		 * the batch before it. While we poll that often the kernel need not
		 * wake us at all (watcher_reader_polls); after clearing that, one
		 * more short poll (grace) reads what programs that still saw it set
		 * submitted.
		 */
		int timeout = last_read || grace ? SF_POLL_SHORT_MS : 100;

		if (poll(&pfd, 1, timeout) < 0 && errno != EINTR) {
			fprintf(stderr, "synfin watch: poll failed: %s\n", strerror(errno));
			return EXIT_RUNTIME;
		}
		n = watcher_consume(w->kw);
		if (n < 0) {
			err = n;
			fprintf(stderr, "synfin watch: ring buffer read failed: %s\n", strerror(-err));
		}
		check_lost(w);
		now = mono_ns();
		grace = false;
		if (n > 0) {
			last_read = now;
		} else if (last_read && now - last_read >= SF_POLL_SHORT_MS * 1000000ull) {
			last_read = 0;
			grace = polls;
		}
		if (polls != (last_read != 0)) {
			polls = !polls;
			watcher_reader_polls(w->kw, polls);
		}
		if (now - last_sweep >= SWEEP_NS) {
			watch_sweep(w, now);
			last_sweep = now;
		}
		reporter_flush(w->rep);
		pcapw_flush(w->pw);
		fflush(stdout);
		publish_events(w, now);
		if (w->o.duration_ns && now - start >= w->o.duration_ns)
			break;
		if (n > 0)
			nanosleep(n >= BUSY_BATCH ? &busy_wait : &batch_wait, NULL);
	}
	/* Drain what is already in the ring before reporting the totals. */
	watcher_consume(w->kw);
	check_lost(w);
	fflush(stdout);
	return err ? EXIT_RUNTIME : 0;
}

/*
 * The end: detach, so the counters stop moving; hand over what the ring
 * holds; a last sweep (timeouts, evictions, what is still open); close the
 * flood and overload records still running.
 */
static void watch_finish(struct watch *w)
{
	uint64_t now;

	watcher_detach(w->kw);
	watcher_consume(w->kw);
	check_lost(w);
	now = mono_ns();
	watch_sweep(w, now);
	if (w->flood.on)
		flood_end(w, now);
	if (w->over.on)
		overload_end(w, now);
	reporter_flush(w->rep);
	fflush(stdout);
}

/*
 * The totals on stderr; the SVG file. Every connection is accounted for at
 * its source: closed (the kernel's and the sweeper's closes), still open
 * (the last sweep) or evicted (watcher_evicted).
 */
static int watch_summary(struct watch *w)
{
	uint64_t c[SF_NCOUNTERS], closes = 0, evicted, sum, conns;
	int r;

	if (!watcher_counters(w->kw, c)) {
		for (r = SF_R_FIN; r < SF_R_NREASONS; r++)
			closes += c[SF_C_CLOSE(r)] + (r == SF_R_EVICTED ? 0 : w->u.sweep_closes[r]);
		/* Seeded closed (TIME_WAIT): counted, and closed, though no close was written. */
		closes += w->seeded_closed;
		evicted = watcher_evicted(w->kw, c);
		sum = closes + w->live + evicted;
		/* Connections: those the programs created, and those seeded from sockets. */
		conns = c[SF_C_NEW_CONNS] + w->u.seeded;
		fprintf(stderr,
			"synfin: %llu packets (%llu TCP), %llu connections: %llu closed, %llu still "
			"open, %llu evicted (%llu reported one by one)%s; %llu handshakes, %llu events, "
			"%llu lost, %llu parse errors\n",
			(unsigned long long)(c[SF_C_PKTS_INGRESS] + c[SF_C_PKTS_EGRESS]),
			(unsigned long long)c[SF_C_TCP], (unsigned long long)conns,
			(unsigned long long)closes, (unsigned long long)w->live,
			(unsigned long long)evicted, (unsigned long long)w->u.evicted_reported,
			sum == conns ? "" : " -- do not add up",
			(unsigned long long)c[SF_C_OPENED],
			(unsigned long long)(w->event_lines ? reporter_events(w->rep) : w->u.events),
			(unsigned long long)c[SF_C_RB_DROPS],
			(unsigned long long)(c[SF_C_ERR_TRUNC] + c[SF_C_ERR_IP] + c[SF_C_ERR_TCP] +
					     c[SF_C_ERR_OPTS] + c[SF_C_ERR_VLAN]));
		/* Events counted as JSON writes them, whatever the format (tools/bench_watcher.sh). */
		if (w->event_lines)
			fprintf(stderr, "synfin: %llu records handled (ring buffer, sweeps, socket "
				"side): %llu events in %llu lines\n", (unsigned long long)w->u.events,
				(unsigned long long)reporter_items(w->rep),
				(unsigned long long)reporter_events(w->rep));
		{
			struct watcher_sockcost sc;
			char every[32] = "second";

			watcher_socket_cost(w->kw, &sc);
			/* As the last sweep published it (0: every sweep). */
			if (w->u.socket_read_every_ns)
				snprintf(every, sizeof(every), "%.1f s",
					 w->u.socket_read_every_ns / 1e9);
			if (sc.reads)
				fprintf(stderr, "synfin: socket side: %llu table reads, %.2f ms each "
					"on average (%.2f ms of CPU), %llu sockets read in all; "
					"read every %s at the end (--socket-budget %g%%)\n",
					(unsigned long long)sc.reads, sc.ns / 1e6 / (double)sc.reads,
					sc.cpu_ns / 1e6 / (double)sc.reads,
					(unsigned long long)sc.visits, every, sc.budget);
		}
		if (c[SF_C_FILTERED])
			fprintf(stderr, "synfin: %llu TCP segments of connections not selected "
				"(-p, filter expression)\n", (unsigned long long)c[SF_C_FILTERED]);
		if (w->o.write_file || w->o.segments || c[SF_C_SEG_DROPS])
			fprintf(stderr, "synfin: segment copies: %llu written to %s, %llu lost (ring "
				"buffer full)\n", (unsigned long long)pcapw_count(w->pw),
				w->o.write_file ? w->o.write_file : "no file",
				(unsigned long long)c[SF_C_SEG_DROPS]);
		if (c[SF_C_OTHER_IFACE])
			fprintf(stderr, "synfin: %llu segments seen again at another watched "
				"interface than their connection's (routed through): counted once\n",
				(unsigned long long)c[SF_C_OTHER_IFACE]);
		if (c[SF_C_QUIET])
			fprintf(stderr, "synfin: SYN flood: %llu half-open connections summarised in "
				"%llu flood records\n", (unsigned long long)c[SF_C_QUIET],
				(unsigned long long)w->u.flood_records);
		if (w->u.closed_dropped_early)
			fprintf(stderr, "synfin: %llu closed connections' records dropped before "
				"their --time-wait linger ended: the connection table was nearly full "
				"(--max-conns %u)\n", (unsigned long long)w->u.closed_dropped_early,
				w->o.max_conns);
		/* Segments never stepped: rare, but they can hide a transition. */
		if (c[SF_C_LOCK_FAIL] || c[SF_C_MAP_FULL] || c[SF_C_MOVE_FULL] || c[SF_C_SKIP_GONE])
			fprintf(stderr, "synfin: %llu segments skipped (connection entry busy); "
				"connection table full: %llu segments of new connections not tracked, "
				"%llu of completed handshakes kept in the half-open table, %llu of "
				"evicted connections not re-created\n",
				(unsigned long long)c[SF_C_LOCK_FAIL],
				(unsigned long long)c[SF_C_MAP_FULL],
				(unsigned long long)c[SF_C_MOVE_FULL],
				(unsigned long long)c[SF_C_SKIP_GONE]);
	}
	if (w->dia)
		diagram_finish(w->dia);
	r = pcapw_close(w->pw);
	w->pw = NULL;
	return cli_svg_close("watch", &w->o.t) || r ? EXIT_RUNTIME : 0;
}

/* Undo whatever watch_open did; safe to call after a failure at any step. */
static void watch_close(struct watch *w)
{
	metrics_close(w->ms);	/* first: its thread reads the watcher's maps */
	w->ms = NULL;
	watcher_close(&w->kw);
	diagram_free(w->dia);
	w->dia = NULL;
	reporter_free(w->rep);
	w->rep = NULL;
	pcapw_close(w->pw);
	w->pw = NULL;
	seg_fmt_free(w->sf);
	w->sf = NULL;
	conntab_free(w->tab);
	w->tab = NULL;
	flood_tally_free(w->ft);
	w->ft = NULL;
	filter_free(w->o.t.filter);
	w->o.t.filter = NULL;
	if (w->o.t.svg_file)	/* a failure before the summary: nothing drawn */
		fclose(w->o.t.svg_file);
	w->o.t.svg_file = NULL;
}

int cmd_watch(int argc, char **argv)
{
	struct watch w = {};
	int err;

	err = parse_watch_args(argc, argv, &w.o);
	if (err)
		return err;
	cli_catch_stop();	/* before anything is attached */
	err = watch_open(&w);
	if (err)
		goto out;
	err = watch_run(&w);
	watch_finish(&w);
	if (watch_summary(&w))
		err = EXIT_RUNTIME;
out:
	watch_close(&w);
	return err;
}
