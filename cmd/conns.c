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
#include "lib/names.h"
#include "kern/ctl.h"
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
	const struct sf_conn_row *x = a, *y = b;
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
"endpoints, each side's state, age, idle time, payload bytes each way, the\n"
"handshake RTT (SYN to SYN-ACK plus SYN-ACK to ACK, at the hook) and, for\n"
"local sides (sockets of the watched namespace), the processes holding them.\n"
"A local side shows its socket's state as `ss -tan` does, TIME_WAIT with the\n"
"time left; the interface's sockets synfin has not seen on the wire (they\n"
"predate it, or their records expired) are listed too.\n"
"\n"
"Options:\n"
"  -i, --interface IFACE   the watcher's interface (default: the only one running)\n"
"      --netns NAME        the watcher runs in network namespace NAME (ip netns)\n"
"  -a, --all               also the namespace's sockets on other interfaces (and lo)\n"
"                          that synfin cannot see on the wire, as `ss -tan` lists\n"
"      --state STATE       only connections with a side in STATE (established,\n"
"                          close-wait, time-wait, ... as `ss state`); repeatable\n"
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
"  synfin conns -i eth0 --watch\n"
"  synfin conns --state close-wait        # who leaks CLOSE_WAIT sockets?\n"
"  synfin conns --netns web -o json       # the watcher inside netns `web`\n";

struct conns_opts {
	struct cli_reader_opts r;	/* -i, --pin, -o, --color */
	bool watch;
	const char *netns;
	unsigned states;		/* --state: bit per enum sf_state; 0 all */
	bool all;			/* -a: every socket of the namespace */
};

/* A state name without '-' and '_' in upper case: CLOSE-WAIT, close_wait -> CLOSEWAIT. */
static void squash(const char *in, char *out, size_t n)
{
	size_t j = 0;

	for (; *in && j < n - 1; in++)
		if (*in != '-' && *in != '_')
			out[j++] = (char)(*in >= 'a' && *in <= 'z' ? *in - 32 : *in);
	out[j] = 0;
}

/* An `ss state` name (close-wait, CLOSE_WAIT, fin-wait-2, established) as a state bit. */
static int parse_state(const char *arg, unsigned *bits)
{
	char want[32], name[32];
	int st;

	squash(arg, want, sizeof(want));
	if (!strcmp(want, "ESTAB"))
		snprintf(want, sizeof(want), "ESTABLISHED");
	for (st = 1; st < SF_NSTATES; st++) {
		squash(sf_state_name(st), name, sizeof(name));
		if (!strcmp(want, name) && st != SF_LISTEN) {
			*bits |= 1u << st;
			return 0;
		}
	}
	return cli_usage_error("conns", "--state: '%s' is not a TCP state (established, syn-sent, "
			       "syn-recv, fin-wait-1, fin-wait-2, time-wait, closed, close-wait, "
			       "last-ack, closing)", arg);
}

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
		{ "netns", required_argument, 0, 'N' },
		{ "state", required_argument, 0, 'S' },
		{ "all", no_argument, 0, 'a' },
		{ "help", no_argument, 0, 'h' },
		{ 0 },
	};
	int c;

	while ((c = cli_next("conns", argc, argv, ":i:o:s:wah", longopts, NULL, &o->r)) != -1) {
		switch (c) {
		case 's':
			if (parse_sort(optarg))
				return EXIT_USAGE;
			break;
		case 'w':
			o->watch = true;
			break;
		case 'N':
			o->netns = optarg;
			break;
		case 'a':
			o->all = true;
			break;
		case 'S':
			if (parse_state(optarg, &o->states))
				return EXIT_USAGE;
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

/* Where the rows come from: the watcher's control socket, or its pinned maps. */
struct source {
	const char *ifname_opt;		/* -i */
	bool all;			/* -a */
	char ifname[256];
	bool pinned;			/* no control socket: wire only, from the maps */
	struct pinned p;
	char dir[512];
};

/*
 * Keep the rows with a side in one of the states (bits; all when 0). Like
 * `ss state`, only local sides count where a row has one; remote sides
 * count in rows with none (a router's or mirror port's view).
 */
static size_t filter_states(struct sf_conn_row *rows, size_t n, unsigned bits)
{
	size_t i, kept = 0;
	int s;

	if (!bits)
		return n;
	for (i = 0; i < n; i++) {
		bool any_local = rows[i].side[0].local || rows[i].side[1].local, hit = false;

		for (s = 0; s < 2; s++)
			if ((rows[i].side[s].local || !any_local) &&
			    (bits >> rows[i].e.side[s].state & 1))
				hit = true;
		if (hit)
			rows[kept++] = rows[i];
	}
	return kept;
}

/* The pinned maps' open records as rows with no socket view. */
static int read_pinned(const struct pinned *p, struct sf_conn_row **rows, size_t *n)
{
	struct sf_row *w = NULL;
	size_t nw = 0, cap = 0, i;
	int err;

	if ((err = conns_read(p->half_open, &w, &nw, &cap)) ||
	    (err = conns_read(p->conns, &w, &nw, &cap))) {
		free(w);
		return err;
	}
	*rows = calloc(nw ? nw : 1, sizeof(**rows));
	if (!*rows) {
		free(w);
		return -ENOMEM;
	}
	for (i = 0; i < nw; i++) {
		(*rows)[i].k = w[i].k;
		(*rows)[i].e = w[i].e;
		(*rows)[i].wire = 1;
	}
	*n = nw;
	free(w);
	return 0;
}

/* The table now, filtered and sorted into *rows (freed by the caller). 0 or -errno. */
static int read_rows(struct source *src, unsigned states, struct sf_conn_row **rows, size_t *n,
		     uint64_t *now)
{
	int err, fd;

	*rows = NULL;
	*n = 0;
	if (src->pinned) {
		*now = mono_ns();
		err = read_pinned(&src->p, rows, n);
	} else {
		fd = ctl_connect(src->ifname, src->ifname, sizeof(src->ifname));
		if (fd < 0)
			return -ESRCH;
		err = ctl_get_rows(fd, src->all, rows, n, now);
		close(fd);
	}
	if (err)
		return err;
	*n = filter_states(*rows, *n, states);
	if (*n > 1)
		qsort(*rows, *n, sizeof(**rows), row_cmp);
	return 0;
}

/* Find the watcher: its control socket first (any mount namespace), then pins. */
static int find_source(struct source *src, const struct conns_opts *o)
{
	int fd;

	src->ifname_opt = o->r.ifname;
	src->all = o->all;
	if (o->netns && ctl_enter_netns("conns", o->netns))
		return EXIT_RUNTIME;
	if (!o->r.pin_dir) {
		fd = ctl_connect(o->r.ifname, src->ifname, sizeof(src->ifname));
		if (fd >= 0) {
			close(fd);
			return 0;
		}
		if (fd == -EEXIST) {
			fprintf(stderr, "synfin conns: watchers on several interfaces here; choose "
				"one with -i\n");
			return EXIT_RUNTIME;
		}
	}
	src->pinned = true;
	if (pin_find("conns", o->r.ifname, o->r.pin_dir, &src->p, src->ifname,
		     sizeof(src->ifname), src->dir, sizeof(src->dir)))
		return EXIT_RUNTIME;
	return 0;
}

/* One screen of --watch: a title, as many rows as fit. */
static void draw_screen(const char *ifname, const struct sf_conn_row *rows, size_t n,
			uint64_t now, bool color)
{
	struct winsize ws = { .ws_row = 24 };
	char tbuf[48];

	ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws);
	format_ts(real_ns(), tbuf, sizeof(tbuf), false);
	printf("\033[H\033[2J%ssynfin conns on %s  %s  %zu open  sort: %s  (q quits)%s\n\n",
	       color ? "\033[1m" : "", ifname, tbuf, n,
	       (const char *[]){ "age", "idle", "bytes", "state" }[sort_by],
	       color ? "\033[0m" : "");
	conns_write_text(stdout, rows, n, now, color, ws.ws_row > 5 ? (size_t)ws.ws_row - 4 : 1);
	fflush(stdout);
}

/* --watch: redraw every second until q, a signal, or the watcher stops. */
static int watch_screen(struct source *src, unsigned states, bool color)
{
	struct pollfd pf = { .fd = STDIN_FILENO, .events = POLLIN };
	struct sf_conn_row *rows = NULL;
	size_t n;
	uint64_t now;
	char counters[576], ch;
	int err;

	/* A pinned watcher removes its pins when it stops: look for this one. */
	snprintf(counters, sizeof(counters), "%s/counters", src->dir);
	if (term_raw()) {
		fprintf(stderr, "synfin conns: cannot set up the terminal\n");
		return -EIO;
	}
	fputs("\033[?1049h\033[?25l", stdout);	/* alternate screen, no cursor */
	while (!(err = read_rows(src, states, &rows, &n, &now))) {
		draw_screen(src->ifname, rows, n, now, color);
		free(rows);
		rows = NULL;
		if (src->pinned && access(counters, F_OK)) {
			err = -ESRCH;
			break;
		}
		if (poll(&pf, 1, 1000) > 0 && read(STDIN_FILENO, &ch, 1) == 1 &&
		    (ch == 'q' || ch == 'Q' || ch == 3))
			break;
		if (cli_stop)
			break;
	}
	term_restore();
	free(rows);
	if (err == -ESRCH) {
		fprintf(stderr, "synfin conns: the watcher on %s has stopped\n", src->ifname);
		return 0;
	}
	return err;
}

int cmd_conns(int argc, char **argv)
{
	struct conns_opts o = {};
	struct source src = {};
	struct sf_conn_row *rows = NULL;
	size_t n;
	uint64_t now;
	bool color;
	int err;

	err = parse_conns_args(argc, argv, &o);
	if (err)
		return err < 0 ? 0 : err;
	if (find_source(&src, &o))
		return EXIT_RUNTIME;
	color = color_wanted(o.r.colormode, stdout);
	cli_catch_stop();
	if (o.watch) {
		err = watch_screen(&src, o.states, color);
	} else if (!(err = read_rows(&src, o.states, &rows, &n, &now))) {
		if (o.r.format == OUT_JSON)
			conns_write_json(stdout, rows, n, now);
		else
			conns_write_text(stdout, rows, n, now, color, 0);
	}
	if (err == -ESRCH)
		fprintf(stderr, "synfin conns: the watcher on %s has stopped\n", src.ifname);
	else if (err && err != -EIO)
		fprintf(stderr, "synfin conns: cannot read the connection table: %s\n",
			strerror(-err));
	free(rows);
	if (src.pinned)
		pin_close(&src.p);
	return err ? EXIT_RUNTIME : 0;
}
