// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * replay.c - `synfin replay`: run a pcap/pcapng capture through the same
 * parser (bpf/parse.h) and state machine (bpf/conn.h) the kernel programs
 * use, with the capture's timestamps as the clock, and print what `watch`
 * would have printed.
 *
 * Userspace (default, no privileges): lib/track.c steps the entries.
 * --kernel (root): kern/kreplay.c runs each frame through the real
 * XDP program instead.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pcap/pcap.h>
#include "lib/capture.h"
#include "lib/conntab.h"
#include "lib/filter.h"
#include "lib/names.h"
#include "lib/pcapng.h"
#include "lib/track.h"
#include "lib/util.h"
#include "kern/kreplay.h"
#include "out/diagram.h"
#include "out/report.h"
#include "out/term.h"
#include "cmd/cli.h"
#include "cmd/cmds.h"

static const char replay_usage[] =
"Usage: synfin replay FILE [OPTIONS] [EXPRESSION]\n"
"\n"
"Run a pcap or pcapng capture through synfin's parser and state machine and\n"
"print each connection's lifecycle, as `synfin watch` prints it live. The\n"
"capture's timestamps are the clock: timeouts fire in capture time. At the end\n"
"of the file, connections still open are closed with reason \"end\" (or their\n"
"timeout, if it passed in capture time). FILE '-' reads standard input.\n"
"No privileges needed (except for --kernel).\n"
"\n"
"EXPRESSION: a tcpdump filter (pcap-filter(7)), the remaining arguments. It\n"
"selects connections: the first segment of one in the capture, or that\n"
"segment with addresses and ports swapped, must match.\n"
"\n"
"Link types: Ethernet (with 802.1Q/QinQ VLANs, MPLS), Linux cooked (SLL and\n"
"SLL2), raw IPv4/IPv6, BSD loopback (NULL, LOOP).\n"
"\n"
"Options:\n"
"  -o, --output FORMAT     text (default) or json (one object per line)\n"
"  -p, --port P            only connections with port P at either end;\n"
"                          repeat for more ports (up to 16)\n"
"      --time-wait S       keep a closed connection's record S seconds (capture\n"
"                          time) to absorb late segments and spot port reuse\n"
"                          (default 60)\n"
"      --syn-timeout S     close an unanswered SYN after S seconds (default 130)\n"
"      --idle-timeout S    close a connection idle for S seconds (default 7200)\n"
"      --no-vlan           one connection across VLANs: leave VLAN ids out of the\n"
"                          key (captures that tag only one direction)\n"
"      --diagram           draw each connection's ladder diagram instead of\n"
"                          event lines (Unicode on UTF-8 terminals, else ASCII)\n"
"      --svg FILE          also write the diagrams as one SVG picture\n"
"  -S, --absolute          seq/ack numbers as in the capture (default: relative\n"
"                          to each side's initial sequence number, as Wireshark)\n""      --explain           spell out conn_state and the history letters: a\n"
"                          legend first, and under each close line its own\n"
"      --conn N            only connection N, the #N of the event lines: the\n"
"                          selected connections in capture order (-p changes\n"
"                          the numbering: use the same -p to find N)\n"
"      --segments          print every segment of the selected connections as\n"
"                          tcpdump -n does (-S: absolute sequence numbers), the\n"
"                          states beside those that changed something\n"
"      --kernel            run the packets through the real BPF program\n"
"                          (BPF_PROG_TEST_RUN; needs root) instead of the\n"
"                          userspace copy of the state machine\n"
"  -v, --verbose           print libbpf's messages (with --kernel)\n"
"  -h, --help              this help\n"
"\n"
"Durations take s, ms, m or h suffixes (30, 1.5, 500ms, 2m).\n"
"A summary line (packets, TCP segments, connections, skipped packets by\n"
"kind) goes to standard error at the end.\n"
"\n"
"Examples:\n"
"  synfin replay capture.pcap\n"
"  synfin replay -o json capture.pcapng | jq 'select(.event == \"close\")'\n"
"  tcpdump -i eth0 -w - 'tcp port 443' | synfin replay - -p 443\n"
"  synfin replay capture.pcap src net 10.0.0.0/8 and not port 22\n"
"  sudo synfin replay --kernel capture.pcap   # same, through the BPF object\n";

struct replay_opts {
	const char *cmd;		/* "replay", or "diagram" (its messages) */
	struct cli_track_opts t;	/* -o, --port, timeouts, --diagram, --svg, -v */
	const char *file;
	uint64_t conn;		/* 0: every connection */
	bool kernel;
	bool segments;		/* --segments */
};

static int parse_replay_args(int argc, char **argv, struct replay_opts *o)
{
	enum { O_KERNEL = CLI_O_NEXT, O_CONN, O_SEGMENTS };
	static const struct option longopts[] = {
		CLI_TRACK_LONGOPTS,
		{ "conn", required_argument, 0, O_CONN },
		{ "segments", no_argument, 0, O_SEGMENTS },
		{ "kernel", no_argument, 0, O_KERNEL },
		{ "help", no_argument, 0, 'h' },
		{ 0 },
	};
	char *end;
	long v;
	int c, rc;

	cli_track_defaults(&o->t);
	while ((c = cli_next(o->cmd, argc, argv, ":o:p:vSh", longopts, &o->t, NULL)) != -1) {
		switch (c) {
		case O_KERNEL:
			o->kernel = true;
			break;
		case O_SEGMENTS:
			o->segments = true;
			break;
		case O_CONN:
			v = strtol(optarg, &end, 10);
			if (*end || end == optarg || v < 1)
				return cli_usage_error(o->cmd, "--conn: '%s' is not a connection "
						       "number (1, 2, ...)", optarg);
			o->conn = (uint64_t)v;
			break;
		case 'h':
			fputs(replay_usage, stdout);
			exit(0);
		default:
			return EXIT_USAGE;
		}
	}
	if (optind == argc)
		return cli_usage_error(o->cmd, "which capture? give FILE (a pcap or pcapng file, "
				       "or - for stdin)");
	o->file = argv[optind++];
	if (o->segments && (o->kernel || o->t.diagram))
		return cli_usage_error(o->cmd, "--segments prints lines: not with %s",
				       o->kernel ? "--kernel" : "--diagram");
	rc = cli_track_check(o->cmd, &o->t);
	return rc ? rc : cli_filter(o->cmd, &o->t, argc, argv, optind);
}

static int port_wanted(const struct cli_track_opts *t, __u16 sport, __u16 dport)
{
	int i;

	if (!t->nports)
		return 1;
	for (i = 0; i < t->nports; i++)
		if (t->ports[i] == sport || t->ports[i] == dport)
			return 1;
	return 0;
}

/* Where events go: event lines, or diagrams (and/or SVG), maybe one conn. */
struct sink {
	struct conntab *tab;
	struct reporter *rep;
	struct diagram *dia;
	bool lines;
	uint64_t conn;
	uint64_t events;
};

static void deliver(void *ctx, const struct sf_event *ev)
{
	struct sink *k = ctx;
	struct sf_record rec;

	if (k->conn && ev->entry.id != k->conn)
		return;
	k->events++;
	conntab_resolve(k->tab, ev, 0, &rec);	/* capture time is wall-clock time */
	if (k->lines)
		reporter_write(k->rep, &rec);
	if (k->dia)
		diagram_record(k->dia, &rec);
}

static void print_summary(const struct capture_stats *st, uint64_t conns, uint64_t events,
			  double secs)
{
	uint64_t skipped = st->not_tcp + st->fragments + st->trunc + st->bad_ip + st->bad_tcp +
			   st->too_deep + st->bad_link + st->bad_flags;

	fprintf(stderr,
		"synfin: %llu packets, %llu TCP segments, %llu connections, %llu events; "
		"skipped %llu: %llu not TCP, %llu fragments, %llu truncated, %llu bad IP, "
		"%llu bad TCP, %llu too deep, %llu bad link header, %llu invalid flags, "
		"%llu not selected; "
		"%llu bad TCP option lists; %.3fs\n",
		(unsigned long long)st->pkts, (unsigned long long)st->tcp,
		(unsigned long long)conns, (unsigned long long)events,
		(unsigned long long)(skipped + st->filtered), (unsigned long long)st->not_tcp,
		(unsigned long long)st->fragments, (unsigned long long)st->trunc,
		(unsigned long long)st->bad_ip, (unsigned long long)st->bad_tcp,
		(unsigned long long)st->too_deep, (unsigned long long)st->bad_link,
		(unsigned long long)st->bad_flags, (unsigned long long)st->filtered, (unsigned long long)st->bad_opts, secs);
}

/* One replay: the capture, where its events go, and what steps them. */
struct replay {
	struct replay_opts o;
	pcap_t *pc;
	struct pcapng *ng;	/* a pcapng file libpcap refuses (lib/pcapng.h) */
	int dlt;
	const char *name;	/* the file, or "standard input" */
	struct sink sink;
	struct kreplay *k;	/* --kernel */
	struct tracker *tr;	/* otherwise */
	struct capture_stats st;
	uint64_t now;		/* capture clock: the latest timestamp read */
	struct {		/* the frame being stepped, for the filter expression */
		int dlt;
		const __u8 *data;
		__u32 caplen, len;
	} cur;
	int filter_err;		/* the expression does not apply to a link type (said) */
	struct seg_fmt *segs;	/* --segments */
};

/* The tracker asks: does the expression select this new connection? */
static int select_frame(void *ctx, const struct sf_pkt *pk)
{
	struct replay *r = ctx;
	char err[512];
	int m = filter_match(r->o.t.filter, r->cur.dlt, r->cur.data, r->cur.caplen, r->cur.len, pk,
			     err, sizeof(err));

	if (m < 0 && !r->filter_err) {
		const char *dn = pcap_datalink_val_to_name(r->cur.dlt);

		fprintf(stderr, "synfin %s: filter expression '%s' does not apply to %s (link type %s): %s\n",
			r->o.cmd, filter_expr(r->o.t.filter), r->name, dn ? dn : "unknown", err);
		r->filter_err = 1;
	}
	return m > 0;
}

static int open_capture(struct replay *r)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	const char *file = r->o.file, *dn;

	r->name = strcmp(file, "-") ? file : "standard input";
	/* Interfaces of several link types or snap lengths: libpcap refuses
	 * those, synfin reads them itself (each packet with its own link type). */
	if (strcmp(file, "-") && pcapng_mixed(file)) {
		r->ng = pcapng_open(file);
		if (r->ng)
			return 0;
		fprintf(stderr, "synfin %s: cannot read %s: %s\n", r->o.cmd, r->name, strerror(errno));
		return EXIT_RUNTIME;
	}
	r->pc = pcap_open_offline_with_tstamp_precision(file, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!r->pc) {
		size_t nl = strlen(file);
		const char *why = errbuf;

		/* libpcap's message may start with the path: say it once. */
		if (!strncmp(why, file, nl) && !strncmp(why + nl, ": ", 2))
			why += nl + 2;
		fprintf(stderr, "synfin %s: cannot read %s: %s%s\n", r->o.cmd, r->name, why,
			strstr(why, "format") ? " (replay reads pcap and pcapng captures)" : "");
		return EXIT_RUNTIME;
	}
	r->dlt = pcap_datalink(r->pc);
	if (capture_link_supported(r->dlt))
		return 0;
	dn = pcap_datalink_val_to_name(r->dlt);
	fprintf(stderr, "synfin %s: %s: link type %s (%d) is not supported; synfin reads "
		"Ethernet, Linux cooked (SLL, SLL2), raw IP and BSD loopback captures\n",
		r->o.cmd, r->name, dn ? dn : "unknown", r->dlt);
	return EXIT_RUNTIME;
}

/* Event lines or diagrams, and the state machine: the tracker or the kernel's. */
static int open_sink(struct replay *r)
{
	static char outbuf[1 << 16];
	const struct cli_track_opts *t = &r->o.t;
	struct report_opts ro = {
		.format = t->format,
		.out = stdout,
		.color = t->format == OUT_TEXT && isatty(STDOUT_FILENO),
		.absolute = t->absolute,
		.explain = t->explain,
	};
	struct diagram_opts dop = {
		.out = t->diagram ? stdout : NULL,
		.unicode = terminal_utf8(),
		.color = t->diagram && isatty(STDOUT_FILENO) && color_wanted(0, stdout),
		.absolute = t->absolute,
		.svg = t->svg_file,
		.times = true,
	};

	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	r->sink.conn = r->o.conn;
	r->sink.lines = !t->diagram;
	r->sink.tab = conntab_new();
	r->sink.rep = reporter_new(&ro);
	if (t->explain)
		reporter_legend(stdout);
	if (r->sink.rep && (t->diagram || t->svg))
		r->sink.dia = diagram_new(&dop);
	if (!r->sink.tab || !r->sink.rep || ((t->diagram || t->svg) && !r->sink.dia))
		goto nomem;
	if (r->o.kernel) {
		r->k = kreplay_open(t->ports, t->nports, t->filter, t->no_vlan, deliver, &r->sink);
		return r->k ? 0 : EXIT_RUNTIME;
	}
	r->tr = tracker_new(SF_MAX_CONNS + SF_MAX_HALF_OPEN, &t->to, deliver, &r->sink);
	if (r->tr && t->filter)
		tracker_set_select(r->tr, select_frame, r);
	if (r->o.segments && r->tr && !(r->segs = seg_fmt_new(t->absolute)))
		goto nomem;
	if (r->tr)
		return 0;
nomem:
	fprintf(stderr, "synfin %s: out of memory\n", r->o.cmd);
	return EXIT_RUNTIME;
}

/*
 * --segments: the frame's line, waiting in the reporter for what the
 * tracker makes of it (the states then go beside it).
 */
static void segment_line(struct replay *r, int dlt, const __u8 *data, __u32 caplen, __u32 len,
			 uint64_t ts, const struct sf_pkt *pk)
{
	struct seg_line l = { .ts_ns = ts, .changed = true, .maybe = true };

	l.id = tracker_peek_id(r->tr, pk);
	if (!l.id || (r->o.conn && l.id != r->o.conn) ||
	    seg_fmt_frame(r->segs, dlt, data, caplen, len, &l))
		return;
	reporter_segment(r->sink.rep, &l);
}

/*
 * One frame (of link type dlt, caplen of len bytes, at ts) through the
 * decoder and the state machine. 0, or EXIT_RUNTIME when the kernel path
 * failed (it said why).
 */
static int frame(struct replay *r, int dlt, const __u8 *data, __u32 caplen, __u32 len,
		 uint64_t ts)
{
	struct frame_info fi;
	struct sf_pkt pk;
	int prc, tracked;

	/* The clock never runs backwards: merged or reordered captures. */
	if (ts > r->now)
		r->now = ts;
	r->st.pkts++;
	prc = capture_decode(dlt, data, caplen, len, &pk, &fi);
	capture_count(&r->st, prc, &pk);
	if (r->o.t.no_vlan)
		memset(pk.key.vlan, 0, sizeof(pk.key.vlan));
	tracked = prc == SF_P_TCP && port_wanted(&r->o.t, pk.sport, pk.dport);
	if (tracked)
		r->st.tcp++;
	else if (prc == SF_P_TCP)
		r->st.filtered++;	/* (the kernel filters by its own copy of the ports) */
	if (r->k)
		return kreplay_packet(r->k, dlt == DLT_EN10MB, data, caplen, len, &fi, prc, tracked,
				      &pk, r->now, &r->o.t.to) ? EXIT_RUNTIME : 0;
	if (tracked) {
		r->cur.dlt = dlt;
		r->cur.data = data;
		r->cur.caplen = caplen;
		r->cur.len = len;
		if (r->segs)
			segment_line(r, dlt, data, caplen, len, ts, &pk);
		tracker_packet(r->tr, &pk, r->now);
	}
	if (r->segs)
		reporter_flush(r->sink.rep);
	return r->filter_err ? EXIT_USAGE : 0;
}

/*
 * Every frame of the capture. *pcap_rc gets the reader's last word
 * (PCAP_ERROR_BREAK at the end of the file; *why for our pcapng reader's
 * errors). Returns 0, or EXIT_RUNTIME when the kernel path failed.
 */
static int feed(struct replay *r, int *pcap_rc, const char **why)
{
	struct pcap_pkthdr *h;
	struct pcapng_pkt p;
	const __u8 *data;
	int rc, frc;

	if (r->ng) {
		while ((rc = pcapng_next(r->ng, &p, why)) == 1)
			if ((frc = frame(r, p.dlt, p.data, p.caplen, p.len, p.ts_ns)))
				return frc;
		*pcap_rc = rc == 0 ? PCAP_ERROR_BREAK : PCAP_ERROR;
		return 0;
	}
	while ((rc = pcap_next_ex(r->pc, &h, &data)) == 1)
		if ((frc = frame(r, r->dlt, data, h->caplen, h->len,
				 (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec)))
			return frc;
	*pcap_rc = rc;
	*why = pcap_geterr(r->pc);
	return 0;
}

/* Close what is still open at the end of the capture; the summary. */
static int finish(struct replay *r, int rc, const char *why, uint64_t t0)
{
	uint64_t conns, filtered;
	int ret = 0;

	if (rc != PCAP_ERROR_BREAK) {
		/* A cut-off file: report what was read, then fail. */
		fprintf(stderr, "synfin %s: %s: read error after %llu packets: %s%s\n", r->o.cmd,
			r->name,
			(unsigned long long)r->st.pkts, why,
			strstr(why, "an interface has") ?
			" (a pcapng capture on several interfaces: give synfin the file, not "
			"standard input, and it reads them all; or split it: tshark -r FILE "
			"-Y 'frame.interface_id == 0' -w FILE-if0.pcapng)" : "");
		ret = EXIT_RUNTIME;
	}
	if (r->k) {
		kreplay_finish(r->k, r->now, &r->o.t.to);
		conns = kreplay_counter(r->k, SF_C_NEW_CONNS);
		/* The kernel selected by its own copy of the ports and the expression. */
		filtered = kreplay_counter(r->k, SF_C_FILTERED);
	} else {
		tracker_finish(r->tr, r->now);
		conns = tracker_counters(r->tr)[SF_C_NEW_CONNS];
		filtered = r->st.filtered + tracker_counters(r->tr)[SF_C_FILTERED];
	}
	r->st.tcp -= filtered - r->st.filtered;
	r->st.filtered = filtered;
	if (r->sink.dia)
		diagram_finish(r->sink.dia);
	if (cli_svg_close(r->o.cmd, &r->o.t))
		ret = EXIT_RUNTIME;	/* it said which file and why */
	if (r->o.conn && r->o.conn > conns) {
		fprintf(stderr, "synfin %s: %s has no connection #%llu (it has %llu)\n", r->o.cmd, r->name,
			(unsigned long long)r->o.conn, (unsigned long long)conns);
		ret = EXIT_RUNTIME;
	}
	fflush(stdout);
	print_summary(&r->st, conns, r->sink.events, (mono_ns() - t0) / 1e9);
	return ret;
}

static void replay_close(struct replay *r)
{
	kreplay_close(r->k);
	tracker_free(r->tr);
	seg_fmt_free(r->segs);
	diagram_free(r->sink.dia);
	reporter_free(r->sink.rep);
	conntab_free(r->sink.tab);
	fflush(stdout);
	if (r->pc)
		pcap_close(r->pc);
	if (r->o.t.svg_file)	/* a failure before the end: nothing drawn */
		fclose(r->o.t.svg_file);
	pcapng_close(r->ng);
	filter_free(r->o.t.filter);
}

int cmd_replay_as(const char *cmd, int argc, char **argv)
{
	struct replay r = { .o.cmd = cmd };
	uint64_t t0 = mono_ns();
	const char *why = "";
	int rc, pcap_rc;

	rc = parse_replay_args(argc, argv, &r.o);
	if (rc)
		return rc;
	rc = cli_svg_open(r.o.cmd, &r.o.t);
	if (!rc)
		rc = open_capture(&r);
	if (!rc)
		rc = open_sink(&r);
	if (!rc)
		rc = feed(&r, &pcap_rc, &why);
	if (!rc)
		rc = finish(&r, pcap_rc, why, t0);
	replay_close(&r);
	return rc;
}

int cmd_replay(int argc, char **argv)
{
	return cmd_replay_as("replay", argc, argv);
}
