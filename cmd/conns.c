// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * conns.c - `synfin conns`: a running watcher's connection table, read from
 * its pinned maps, once or refreshed full screen like top.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
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

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

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

int cmd_conns(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "interface", required_argument, 0, 'i' },
		{ "pin", required_argument, 0, 'P' },
		{ "output", required_argument, 0, 'o' },
		{ "sort", required_argument, 0, 's' },
		{ "watch", no_argument, 0, 'w' },
		{ "color", required_argument, 0, 'C' },
		{ "help", no_argument, 0, 'h' },
		{ 0 },
	};
	const char *ifopt = NULL, *pinopt = NULL;
	enum out_format fmt = OUT_TEXT;
	struct sf_row *rows = NULL;
	size_t n, cap = 0;
	struct pinned p;
	char ifname[256], dir[512], counters[576];
	bool watch = false, color;
	int c, colormode = 0, err = 0;

	optind = 1;
	opterr = 0;	/* our own messages, naming the option, exit 2 */
	while ((c = getopt_long(argc, argv, ":i:o:s:wh", longopts, NULL)) != -1) {
		switch (c) {
		case 'i': ifopt = optarg; break;
		case 'P': pinopt = optarg; break;
		case 'o':
			if (parse_format(optarg, &fmt, false))
				return cli_usage_error("conns", "-o: use text or json, not '%s'", optarg);
			break;
		case 's':
			if (!strcmp(optarg, "age")) sort_by = SORT_AGE;
			else if (!strcmp(optarg, "idle")) sort_by = SORT_IDLE;
			else if (!strcmp(optarg, "bytes")) sort_by = SORT_BYTES;
			else if (!strcmp(optarg, "state")) sort_by = SORT_STATE;
			else
				return cli_usage_error("conns", "--sort: use age, idle, bytes or state, "
						       "not '%s'", optarg);
			break;
		case 'w': watch = true; break;
		case 'C':
			if (parse_color(optarg, &colormode))
				return cli_usage_error("conns", "--color: use auto, always or never, not '%s'",
						       optarg);
			break;
		case 'h':
			fputs(conns_usage, stdout);
			return 0;
		default:
			return cli_getopt_error("conns", c, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error("conns", "unexpected argument '%s'", argv[optind]);
	if (watch && fmt == OUT_JSON)
		return cli_usage_error("conns", "--watch is a screen view; drop -o json");
	if (pin_find("conns", ifopt, pinopt, &p, ifname, sizeof(ifname), dir, sizeof(dir)))
		return EXIT_RUNTIME;
	/* The watcher removes its pins when it stops: --watch looks for this one. */
	snprintf(counters, sizeof(counters), "%s/counters", dir);
	color = color_wanted(colormode, stdout);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (watch) {
		if (term_raw()) {
			fprintf(stderr, "synfin conns: cannot set up the terminal\n");
			pin_close(&p);
			return EXIT_RUNTIME;
		}
		fputs("\033[?1049h\033[?25l", stdout);	/* alternate screen, no cursor */
	}
	for (;;) {
		uint64_t now;

		n = 0;
		if ((err = conns_read(p.half_open, &rows, &n, &cap)) ||
		    (err = conns_read(p.conns, &rows, &n, &cap)))
			break;
		now = mono_ns();
		if (n > 1)	/* rows is NULL while there has been nothing to read */
			qsort(rows, n, sizeof(*rows), row_cmp);
		if (!watch) {
			if (fmt == OUT_JSON)
				conns_write_json(stdout, rows, n, now);
			else
				conns_write_text(stdout, rows, n, now, color, 0);
			break;
		}
		{
			struct winsize ws = { .ws_row = 24 };
			char tbuf[48];
			struct pollfd pf = { .fd = STDIN_FILENO, .events = POLLIN };
			char ch;

			ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws);
			format_ts(real_ns(), tbuf, sizeof(tbuf), false);
			printf("\033[H\033[2J%ssynfin conns on %s  %s  %zu open  sort: %s  (q quits)%s\n\n",
			       color ? "\033[1m" : "", ifname, tbuf, n,
			       (const char *[]){ "age", "idle", "bytes", "state" }[sort_by],
			       color ? "\033[0m" : "");
			conns_write_text(stdout, rows, n, now, color,
					ws.ws_row > 5 ? (size_t)ws.ws_row - 4 : 1);
			fflush(stdout);
			if (access(counters, F_OK)) {
				term_restore();
				fprintf(stderr, "synfin conns: the watcher on %s has stopped\n", ifname);
				watch = false;
				break;
			}
			if (poll(&pf, 1, 1000) > 0 && read(STDIN_FILENO, &ch, 1) == 1 &&
			    (ch == 'q' || ch == 'Q' || ch == 3))
				break;
			if (stop)
				break;
		}
	}
	if (watch)
		term_restore();
	if (err)
		fprintf(stderr, "synfin conns: cannot read the connection maps: %s\n", strerror(-err));
	free(rows);
	pin_close(&p);
	return err ? EXIT_RUNTIME : 0;
}
