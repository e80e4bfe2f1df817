// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * stats.c - `synfin stats`: a running watcher's counters, read from its
 * pinned maps (never attaches anything), for scripts, cron jobs and humans.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "kern/maps.h"
#include "kern/ctl.h"
#include "kern/pin.h"
#include "out/counters.h"
#include "out/term.h"
#include "cmd/cli.h"
#include "cmd/cmds.h"

static const char stats_usage[] =
"Usage: synfin stats [-i IFACE] [OPTIONS]\n"
"\n"
"Print the counters of the `synfin watch` running on IFACE, read from its\n"
"pinned maps: packets, handshakes by result, closes by reason, open\n"
"connections by state, failed handshakes per server port, stuck sides, loss.\n"
"Attaches nothing; safe to run from cron or a script while watch runs.\n"
"\n"
"Options:\n"
"  -i, --interface IFACE   the watcher's interface (default: the only one running)\n"
"      --pin DIR           the watcher's pin directory (default /sys/fs/bpf/synfin/IFACE)\n"
"      --netns NAME        the watcher runs in network namespace NAME (ip netns)\n"
"  -o, --output FORMAT     text (default), json (one object per line) or prometheus\n"
"      --interval S        print again every S seconds until Ctrl-C\n"
"      --color WHEN        auto (default), always or never\n"
"  -h, --help              this help\n"
"\n"
"Examples:\n"
"  synfin stats -i eth0\n"
"  synfin stats -i eth0 -o json | jq .handshakes\n"
"  synfin stats -i eth0 -o prometheus > /var/lib/node_exporter/synfin.prom\n";

struct stats_opts {
	struct cli_reader_opts r;	/* -i, --pin, -o, --color */
	__u64 interval_ns;		/* 0: once */
	const char *netns;
};

/* 0, EXIT_USAGE (said why), or -1 after --help. */
static int parse_stats_args(int argc, char **argv, struct stats_opts *o)
{
	static const struct option longopts[] = {
		CLI_READER_LONGOPTS,
		{ "interval", required_argument, 0, 'I' },
		{ "netns", required_argument, 0, 'N' },
		{ "help", no_argument, 0, 'h' },
		{ 0 },
	};
	int c;

	o->r.allow_prom = true;
	while ((c = cli_next("stats", argc, argv, ":i:o:h", longopts, NULL, &o->r)) != -1) {
		switch (c) {
		case 'I':
			if (cli_duration("stats", "--interval", optarg, false, &o->interval_ns))
				return EXIT_USAGE;
			break;
		case 'N':
			o->netns = optarg;
			break;
		case 'h':
			fputs(stats_usage, stdout);
			return -1;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error("stats", "unexpected argument '%s'", argv[optind]);
	return 0;
}

/* One snapshot of the watcher's maps, in the format asked for. 0 or -errno. */
static int print_once(const struct stats_opts *o, const struct pinned *p, const char *ifname)
{
	struct sf_snapshot s;
	int err = snapshot_read(&s, p->counters, p->ustats, p->hs_fail);

	if (err)
		fprintf(stderr, "synfin stats: cannot read the watcher's maps: %s\n", strerror(-err));
	else if (o->r.format == OUT_JSON)
		stats_write_json(stdout, &s, ifname);
	else if (o->r.format == OUT_PROM)
		metrics_write(stdout, &s);
	else
		stats_write_text(stdout, &s, color_wanted(o->r.colormode, stdout));
	snapshot_free(&s);
	return err;
}

int cmd_stats(int argc, char **argv)
{
	struct stats_opts o = {};
	/* nanosleep: usleep's 32-bit microseconds end at 71 minutes. */
	struct timespec ts;
	struct pinned p;
	char ifname[256], dir[512];
	int err;

	err = parse_stats_args(argc, argv, &o);
	if (err)
		return err < 0 ? 0 : err;
	if (ctl_find_maps("stats", o.netns, o.r.ifname, o.r.pin_dir, &p, ifname, sizeof(ifname),
			  dir, sizeof(dir)))
		return EXIT_RUNTIME;
	cli_catch_stop();
	setvbuf(stdout, NULL, _IOLBF, 0);
	ts.tv_sec = (time_t)(o.interval_ns / 1000000000ull);
	ts.tv_nsec = (long)(o.interval_ns % 1000000000ull);
	while (!(err = print_once(&o, &p, ifname)) && o.interval_ns && !cli_stop) {
		if (o.r.format == OUT_TEXT)
			fputc('\n', stdout);
		fflush(stdout);
		nanosleep(&ts, NULL);	/* a signal ends it early: then cli_stop is set */
		if (cli_stop)
			break;
	}
	pin_close(&p);
	return err ? EXIT_RUNTIME : 0;
}
