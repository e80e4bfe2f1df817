// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * conns.c - `synfin conns`: a running watcher's connection table, read from
 * its pinned maps, once or refreshed full screen like top.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include "lib/util.h"
#include "kern/maps.h"
#include "kern/pin.h"
#include "out/conns.h"
#include "out/term.h"
#include "cmd/cli.h"
#include "cmd/cmds.h"

enum sort_key { SORT_AGE, SORT_IDLE, SORT_BYTES, SORT_STATE };
static enum sort_key sort_by;

static int row_cmp(const void *a, const void *b)
{
	const struct sf_row *x = a, *y = b;
	uint64_t bx, by;

	switch (sort_by) {
	case SORT_IDLE:		/* most idle first */
		if (x->e.last_ns != y->e.last_ns)
			return x->e.last_ns < y->e.last_ns ? -1 : 1;
		break;
	case SORT_BYTES:	/* biggest first */
		bx = x->e.side[0].bytes + x->e.side[1].bytes;
		by = y->e.side[0].bytes + y->e.side[1].bytes;
		if (bx != by)
			return bx > by ? -1 : 1;
		break;
	case SORT_STATE:
		if (x->e.side[1].state != y->e.side[1].state)
			return x->e.side[1].state - y->e.side[1].state;
		if (x->e.side[0].state != y->e.side[0].state)
			return x->e.side[0].state - y->e.side[0].state;
		break;
	case SORT_AGE:		/* oldest first */
		break;
	}
	if (x->e.first_ns != y->e.first_ns)
		return x->e.first_ns < y->e.first_ns ? -1 : 1;
	return x->e.id < y->e.id ? -1 : x->e.id > y->e.id;
}

static const char conns_usage[] =
"Usage: synfin conns [-i IFACE] [OPTIONS]\n"
"\n"
"The live connection table of the `synfin watch` running on IFACE: both\n"
"endpoints, each side's state, age, idle time, payload bytes each way and the\n"
"handshake RTT (SYN to SYN-ACK plus SYN-ACK to ACK, at the hook).\n"
"\n"
"Options:\n"
"  -i, --interface IFACE   the watcher's interface (default: the only one running)\n"
"      --pin DIR           the watcher's pin directory (default /sys/fs/bpf/synfin/IFACE)\n"
"  -o, --output FORMAT     text (default) or json (one object per connection)\n"
"  -s, --sort KEY          age (oldest first; default), idle (most idle first),\n"
"                          bytes (most first) or state (server side, then client)\n"
"  -w, --watch             refresh every second, full screen, like top; q quits\n"
"      --color WHEN        auto (default), always or never\n"
"  -h, --help              this help\n"
"\n"
"Examples:\n"
"  synfin conns -i eth0 --sort bytes\n"
"  synfin conns -i eth0 -o json | jq 'select(.server_state == \"CLOSE_WAIT\")'\n"
"  synfin conns -i eth0 --watch\n";

struct conns_opts {
	struct cli_reader_opts r;	/* -i, --pin, -o, --color */
	bool watch;
};

static int parse_sort(const char *s)
{
	static const char *const names[] = { "age", "idle", "bytes", "state" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i])) {
			sort_by = (enum sort_key)i;
			return 0;
		}
	return cli_usage_error("conns", "--sort: use age, idle, bytes or state, not '%s'", s);
}

/* 0, EXIT_USAGE (said why), or -1 after --help. */
static int parse_conns_args(int argc, char **argv, struct conns_opts *o)
{
	static const struct option longopts[] = {
		CLI_READER_LONGOPTS,
		{ "sort", required_argument, 0, 's' },
		{ "watch", no_argument, 0, 'w' },
		{ "help", no_argument, 0, 'h' },
		{ 0 },
	};
	int c;

	while ((c = cli_next("conns", argc, argv, ":i:o:s:wh", longopts, NULL, &o->r)) != -1) {
		switch (c) {
		case 's':
			if (parse_sort(optarg))
				return EXIT_USAGE;
			break;
		case 'w':
			o->watch = true;
			break;
		case 'h':
			fputs(conns_usage, stdout);
			return -1;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error("conns", "unexpected argument '%s'", argv[optind]);
	if (o->watch && o->r.format == OUT_JSON)
		return cli_usage_error("conns", "--watch is a screen view; drop -o json");
	return 0;
}

/* Both tables' open connections into *rows, sorted. 0 or -errno. */
static int read_rows(const struct pinned *p, struct sf_row **rows, size_t *n, size_t *cap)
{
	int err;

	*n = 0;
	if ((err = conns_read(p->half_open, rows, n, cap)) ||
	    (err = conns_read(p->conns, rows, n, cap)))
		return err;
	if (*n > 1)	/* rows is NULL while there has been nothing to read */
		qsort(*rows, *n, sizeof(**rows), row_cmp);
	return 0;
}

/* One screen of --watch: a title, as many rows as fit. */
static void draw_screen(const char *ifname, const struct sf_row *rows, size_t n, bool color)
{
	struct winsize ws = { .ws_row = 24 };
	char tbuf[48];

	ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws);
	format_ts(real_ns(), tbuf, sizeof(tbuf), false);
	printf("\033[H\033[2J%ssynfin conns on %s  %s  %zu open  sort: %s  (q quits)%s\n\n",
	       color ? "\033[1m" : "", ifname, tbuf, n,
	       (const char *[]){ "age", "idle", "bytes", "state" }[sort_by],
	       color ? "\033[0m" : "");
	conns_write_text(stdout, rows, n, mono_ns(), color,
			 ws.ws_row > 5 ? (size_t)ws.ws_row - 4 : 1);
	fflush(stdout);
}

/* --watch: redraw every second until q, a signal, or the watcher stops. */
static int watch_screen(const struct pinned *p, const char *ifname, const char *dir, bool color)
{
	struct pollfd pf = { .fd = STDIN_FILENO, .events = POLLIN };
	struct sf_row *rows = NULL;
	size_t n, cap = 0;
	char counters[576], ch;
	int err;

	/* The watcher removes its pins when it stops: look for this one. */
	snprintf(counters, sizeof(counters), "%s/counters", dir);
	if (term_raw()) {
		fprintf(stderr, "synfin conns: cannot set up the terminal\n");
		return -EIO;
	}
	fputs("\033[?1049h\033[?25l", stdout);	/* alternate screen, no cursor */
	while (!(err = read_rows(p, &rows, &n, &cap))) {
		draw_screen(ifname, rows, n, color);
		if (access(counters, F_OK)) {
			term_restore();
			fprintf(stderr, "synfin conns: the watcher on %s has stopped\n", ifname);
			free(rows);
			return 0;
		}
		if (poll(&pf, 1, 1000) > 0 && read(STDIN_FILENO, &ch, 1) == 1 &&
		    (ch == 'q' || ch == 'Q' || ch == 3))
			break;
		if (cli_stop)
			break;
	}
	term_restore();
	free(rows);
	return err;
}

int cmd_conns(int argc, char **argv)
{
	struct conns_opts o = {};
	struct sf_row *rows = NULL;
	size_t n, cap = 0;
	struct pinned p;
	char ifname[256], dir[512];
	bool color;
	int err;

	err = parse_conns_args(argc, argv, &o);
	if (err)
		return err < 0 ? 0 : err;
	if (pin_find("conns", o.r.ifname, o.r.pin_dir, &p, ifname, sizeof(ifname), dir,
		     sizeof(dir)))
		return EXIT_RUNTIME;
	color = color_wanted(o.r.colormode, stdout);
	cli_catch_stop();
	if (o.watch) {
		err = watch_screen(&p, ifname, dir, color);
	} else if (!(err = read_rows(&p, &rows, &n, &cap))) {
		if (o.r.format == OUT_JSON)
			conns_write_json(stdout, rows, n, mono_ns());
		else
			conns_write_text(stdout, rows, n, mono_ns(), color, 0);
	}
	if (err && err != -EIO)
		fprintf(stderr, "synfin conns: cannot read the connection maps: %s\n", strerror(-err));
	free(rows);
	pin_close(&p);
	return err ? EXIT_RUNTIME : 0;
}
