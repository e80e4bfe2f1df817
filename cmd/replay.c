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
#include "lib/track.h"
#include "lib/util.h"
#include "kern/kreplay.h"
#include "out/diagram.h"
#include "out/report.h"
#include "out/term.h"
#include "cmd/cli.h"
#include "cmd/cmds.h"

static const char replay_usage[] =
"Usage: synfin replay FILE [OPTIONS]\n"
"\n"
"Run a pcap or pcapng capture through synfin's parser and state machine and\n"
"print each connection's lifecycle, as `synfin watch` prints it live. The\n"
"capture's timestamps are the clock: timeouts fire in capture time. At the end\n"
"of the file, connections still open are closed with reason \"end\" (or their\n"
"timeout, if it passed in capture time). FILE '-' reads standard input.\n"
"No privileges needed (except for --kernel).\n"
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
"      --diagram           draw each connection's ladder diagram instead of\n"
"                          event lines (Unicode on UTF-8 terminals, else ASCII)\n"
"      --svg FILE          also write the diagrams as one SVG picture\n"
"      --conn N            only connection N (the #N of the event lines)\n"
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
"  sudo synfin replay --kernel capture.pcap   # same, through the BPF object\n";

struct replay_opts {
	struct cli_track_opts t;	/* -o, --port, timeouts, --diagram, --svg, -v */
	const char *file;
	uint64_t conn;		/* 0: every connection */
	bool kernel;
};

static int parse_replay_args(int argc, char **argv, struct replay_opts *o)
{
	enum { O_KERNEL = CLI_O_NEXT, O_CONN };
	static const struct option longopts[] = {
		CLI_TRACK_LONGOPTS,
		{ "conn", required_argument, 0, O_CONN },
		{ "kernel", no_argument, 0, O_KERNEL },
		{ "help", no_argument, 0, 'h' },
		{ 0 },
	};
	int c, rc;
	char *end;
	long v;

	cli_track_defaults(&o->t);
	optind = 1;
	opterr = 0;	/* our own messages, naming the option, exit 2 */
	while ((c = getopt_long(argc, argv, ":o:p:vh", longopts, NULL)) != -1) {
		rc = cli_track_opt("replay", &o->t, c, optarg);
		if (rc >= 0) {
			if (rc)
				return rc;
			continue;
		}
		switch (c) {
		case O_KERNEL:
			o->kernel = true;
			break;
		case O_CONN:
			v = strtol(optarg, &end, 10);
			if (*end || end == optarg || v < 1)
				return cli_usage_error("replay", "--conn: '%s' is not a connection "
						       "number (1, 2, ...)", optarg);
			o->conn = (uint64_t)v;
			break;
		case 'h':
			fputs(replay_usage, stdout);
			exit(0);
		default:
			return cli_getopt_error("replay", c, argv);
		}
	}
	if (optind == argc)
		return cli_usage_error("replay", "which capture? give FILE (a pcap or pcapng file, "
				       "or - for stdin)");
	o->file = argv[optind++];
	if (optind < argc)
		return cli_usage_error("replay", "unexpected argument '%s' (one capture at a time)",
				       argv[optind]);
	return cli_track_check("replay", &o->t);
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
			   st->too_deep + st->bad_link;

	fprintf(stderr,
		"synfin: %llu packets, %llu TCP segments, %llu connections, %llu events; "
		"skipped %llu: %llu not TCP, %llu fragments, %llu truncated, %llu bad IP, "
		"%llu bad TCP, %llu too deep, %llu bad link header, %llu other ports; "
		"%llu bad TCP option lists; %.3fs\n",
		(unsigned long long)st->pkts, (unsigned long long)st->tcp,
		(unsigned long long)conns, (unsigned long long)events,
		(unsigned long long)(skipped + st->filtered), (unsigned long long)st->not_tcp,
		(unsigned long long)st->fragments, (unsigned long long)st->trunc,
		(unsigned long long)st->bad_ip, (unsigned long long)st->bad_tcp,
		(unsigned long long)st->too_deep, (unsigned long long)st->bad_link,
		(unsigned long long)st->filtered, (unsigned long long)st->bad_opts, secs);
}

/* Open the capture; NULL after saying why (unreadable, not a capture, a link type not decoded). */
static pcap_t *open_capture(const char *file, const char *name)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	const char *dn;
	pcap_t *pc;
	int dlt;

	errbuf[0] = 0;
	pc = pcap_open_offline_with_tstamp_precision(file, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!pc) {
		size_t nl = strlen(file);
		const char *why = errbuf;

		/* libpcap's message may start with the path: say it once. */
		if (!strncmp(why, file, nl) && !strncmp(why + nl, ": ", 2))
			why += nl + 2;
		fprintf(stderr, "synfin replay: cannot read %s: %s%s\n", name, why,
			strstr(why, "format") ? " (replay reads pcap and pcapng captures)" : "");
		return NULL;
	}
	dlt = pcap_datalink(pc);
	if (capture_link_supported(dlt))
		return pc;
	dn = pcap_datalink_val_to_name(dlt);
	fprintf(stderr, "synfin replay: %s: link type %s (%d) is not supported; synfin reads "
		"Ethernet, Linux cooked (SLL, SLL2), raw IP and BSD loopback captures\n",
		name, dn ? dn : "unknown", dlt);
	pcap_close(pc);
	return NULL;
}

/* The sink's writers: event lines or diagrams (and/or SVG). -1: out of memory. */
static int sink_open(struct sink *k, const struct replay_opts *o)
{
	struct report_opts ro = {
		.format = o->t.format,
		.out = stdout,
		.color = o->t.format == OUT_TEXT && isatty(STDOUT_FILENO),
	};

	k->rep = reporter_new(&ro);
	k->tab = conntab_new();
	if (!k->rep || !k->tab)
		return -1;
	k->conn = o->conn;
	k->lines = !o->t.diagram;
	if (o->t.diagram || o->t.svg) {
		struct diagram_opts dop = {
			.out = o->t.diagram ? stdout : NULL,
			.unicode = terminal_utf8(),
			.svg_path = o->t.svg,
			.times = true,
		};

		k->dia = diagram_new(&dop);
		if (!k->dia)
			return -1;
	}
	return 0;
}

static void sink_close(struct sink *k)
{
	diagram_free(k->dia);
	reporter_free(k->rep);
	conntab_free(k->tab);
}

/* What steps the segments: the userspace tracker, or the BPF program (--kernel). */
struct stepper {
	struct tracker *tr;
	struct kreplay *k;
};

#define REPLAY_KERNEL_FAILED 1	/* replay_frames: not a pcap_next_ex result once it ends */

/*
 * Every frame of pc through the stepper, the capture's time as the clock
 * (*now, never running backwards). Returns pcap_next_ex's last result, or
 * REPLAY_KERNEL_FAILED.
 */
static int replay_frames(pcap_t *pc, const struct replay_opts *o, struct stepper *sp,
			 struct capture_stats *st, uint64_t *now)
{
	int dlt = pcap_datalink(pc), rc;
	struct pcap_pkthdr *h;
	const __u8 *data;

	while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
		struct frame_info fi;
		struct sf_pkt pk;
		uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
		int prc, tracked;

		/* The clock never runs backwards: merged or reordered captures. */
		if (ts > *now)
			*now = ts;
		st->pkts++;
		prc = capture_decode(dlt, data, h->caplen, &pk, &fi);
		capture_count(st, prc, &pk);
		tracked = prc == SF_P_TCP && port_wanted(&o->t, pk.sport, pk.dport);
		if (tracked)
			st->tcp++;
		else if (prc == SF_P_TCP)
			st->filtered++;	/* (the kernel filters by its own copy of the ports) */
		if (sp->k) {
			if (kreplay_packet(sp->k, dlt == DLT_EN10MB, data, h->caplen, &fi, prc,
					   tracked, &pk, *now, &o->t.to))
				return REPLAY_KERNEL_FAILED;
		} else if (tracked) {
			tracker_packet(sp->tr, &pk, *now);
		}
	}
	return rc;
}

/* The end of the capture: close what is open, draw, say what was done. Exit status. */
static int replay_finish(pcap_t *pc, const struct replay_opts *o, const char *name, int rc,
			 struct stepper *sp, struct sink *sink, const struct capture_stats *st,
			 uint64_t now, uint64_t t0)
{
	uint64_t conns;
	int ret = 0;

	if (rc != PCAP_ERROR_BREAK) {
		/* A cut-off file: report what was read, then fail. */
		fprintf(stderr, "synfin replay: %s: read error after %llu packets: %s\n", name,
			(unsigned long long)st->pkts, pcap_geterr(pc));
		ret = EXIT_RUNTIME;
	}
	if (sp->k) {
		kreplay_finish(sp->k, now, &o->t.to);
		conns = kreplay_conns(sp->k);
	} else {
		tracker_finish(sp->tr, now);
		conns = tracker_counters(sp->tr)[SF_C_NEW_CONNS];
	}
	if (sink->dia && diagram_finish(sink->dia))
		ret = EXIT_RUNTIME;	/* it said which file and why */
	if (o->conn && o->conn > conns) {
		fprintf(stderr, "synfin replay: %s has no connection #%llu (it has %llu)\n", name,
			(unsigned long long)o->conn, (unsigned long long)conns);
		ret = EXIT_RUNTIME;
	}
	fflush(stdout);
	print_summary(st, conns, sink->events, (mono_ns() - t0) / 1e9);
	return ret;
}

int cmd_replay(int argc, char **argv)
{
	struct replay_opts o = {};
	struct capture_stats st = {};
	struct stepper sp = {};
	struct sink sink = {};
	const char *name;
	uint64_t now = 0, t0 = mono_ns();
	static char outbuf[1 << 16];
	pcap_t *pc;
	int rc, ret = EXIT_RUNTIME;

	rc = parse_replay_args(argc, argv, &o);
	if (rc)
		return rc;
	name = strcmp(o.file, "-") ? o.file : "standard input";
	pc = open_capture(o.file, name);
	if (!pc)
		return EXIT_RUNTIME;
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	if (sink_open(&sink, &o))
		goto out_nomem;
	if (o.kernel) {
		sp.k = kreplay_open(o.t.ports, o.t.nports, deliver, &sink);
		if (!sp.k)
			goto out_kernel;
	} else {
		sp.tr = tracker_new(SF_MAX_CONNS + SF_MAX_HALF_OPEN, &o.t.to, deliver, &sink);
		if (!sp.tr)
			goto out_nomem;
	}
	rc = replay_frames(pc, &o, &sp, &st, &now);
	if (rc != REPLAY_KERNEL_FAILED)
		ret = replay_finish(pc, &o, name, rc, &sp, &sink, &st, now, t0);
	goto out_kernel;

out_nomem:
	fprintf(stderr, "synfin replay: out of memory\n");
out_kernel:
	kreplay_close(sp.k);
	tracker_free(sp.tr);
	sink_close(&sink);
	fflush(stdout);
	pcap_close(pc);
	return ret;
}

static const char diagram_usage[] =
"Usage: synfin diagram FILE [--conn N] [--svg OUT.svg] [OPTIONS]\n"
"\n"
"Draw the ladder diagram of each connection in a pcap/pcapng capture (or of\n"
"connection N only): client on the left, server on the right, one arrow per\n"
"control segment with its flags and relative seq/ack/len, each side's new\n"
"state beside the arrow where it changed, data phases folded into one line.\n"
"Same as `synfin replay FILE --diagram`; every replay option applies\n"
"(--port, --svg, --conn, --kernel, timeouts).\n"
"\n"
"Examples:\n"
"  synfin diagram capture.pcap\n"
"  synfin diagram capture.pcap --conn 2 --svg conn2.svg\n";

int cmd_diagram(int argc, char **argv)
{
	char **args;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(diagram_usage, stdout);
			return 0;
		}
		if (!strcmp(argv[i], "-o") || !strncmp(argv[i], "--output", 8)) {
			fprintf(stderr, "synfin diagram: draws pictures only (no -o); "
				"try 'synfin diagram --help'\n");
			return EXIT_USAGE;
		}
	}
	args = calloc((size_t)argc + 2, sizeof(*args));
	if (!args) {
		fprintf(stderr, "synfin diagram: out of memory\n");
		return EXIT_RUNTIME;
	}
	args[0] = argv[0];
	args[1] = "--diagram";
	for (i = 1; i < argc; i++)
		args[i + 1] = argv[i];
	rc = cmd_replay(argc + 1, args);
	free(args);
	return rc;
}
