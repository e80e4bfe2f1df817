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
#include "lib/names.h"
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
"  -w, --watch             refresh every second, full screen, like top: a line\n"
"                          per connection, each side's state totals; keys:\n"
"                          s sort (age, idle, bytes, state), f filter by state\n"
"                          (each in turn; F: all), / search endpoints, q quit\n"
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

/* What --watch shows, changed by keys while it runs (like top). */
struct screen {
	const char *ifname;
	bool color;
	int filter;		/* -1: every connection; else those with a side in this state */
	char search[64];	/* only endpoints containing this ("": all) */
	bool typing;		/* after '/': reading the search text */
	char typed[64];
};

static const char *const sort_names[] = { "age", "idle", "bytes", "state" };

static bool row_wanted(const struct screen *sc, const struct sf_row *r)
{
	char c[64], s[64];

	if (sc->filter >= 0 && r->e.side[0].state != sc->filter &&
	    r->e.side[1].state != sc->filter)
		return false;
	if (!sc->search[0])
		return true;
	sf_endpoint_str(&r->k, &r->e, SF_CLIENT, c, sizeof(c));
	sf_endpoint_str(&r->k, &r->e, SF_SERVER, s, sizeof(s));
	return strstr(c, sc->search) || strstr(s, sc->search);
}

/* The next state (in enum order) a side of some row is in, after the current filter; -1 after the last. */
static int next_filter(const struct screen *sc, const struct sf_row *rows, size_t n)
{
	int st;
	size_t i;

	for (st = sc->filter + 1; st < SF_NSTATES; st++)
		for (i = 0; i < n; i++)
			if (rows[i].e.side[0].state == st || rows[i].e.side[1].state == st)
				return st;
	return -1;
}

/* One key; false: quit. */
static bool on_key(struct screen *sc, char ch, const struct sf_row *rows, size_t n)
{
	size_t len = strlen(sc->typed);

	if (sc->typing) {
		if (ch == '\r' || ch == '\n') {
			snprintf(sc->search, sizeof(sc->search), "%s", sc->typed);
			sc->typing = false;
		} else if (ch == 27) {			/* Esc: leave the search as it was */
			sc->typing = false;
		} else if ((ch == 127 || ch == 8) && len) {
			sc->typed[len - 1] = 0;
		} else if (ch >= ' ' && ch < 127 && len + 1 < sizeof(sc->typed)) {
			sc->typed[len] = ch;
			sc->typed[len + 1] = 0;
		}
		return true;
	}
	switch (ch) {
	case 'q': case 'Q': case 3:
		return false;
	case 's':
		sort_by = (enum sort_key)((sort_by + 1) % 4);
		break;
	case 'f':
		sc->filter = next_filter(sc, rows, n);
		break;
	case 'F':
		sc->filter = -1;
		break;
	case '/':
		sc->typing = true;
		snprintf(sc->typed, sizeof(sc->typed), "%s", sc->search);
		break;
	}
	return true;
}

/* s cut to w columns (ASCII text). */
static void fit(char *s, int w)
{
	if (w >= 0 && (int)strlen(s) > w)
		s[w] = 0;
}

/*
 * One screen: the title, the totals of each side's states, the table of
 * the connections wanted (one line each, no line wider than the terminal,
 * the title never scrolled away) and a status line at the bottom.
 */
static void draw_screen(struct screen *sc, struct sf_row *rows, size_t n)
{
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };
	struct conns_view v = { .color = sc->color };
	char line[512], tot[384], tbuf[48];
	size_t i, m = 0, shown;
	const char *b = sc->color ? TERM_BOLD : "", *r = sc->color ? TERM_RESET : "";
	int w, h;

	ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws);
	w = ws.ws_col ? ws.ws_col : 80;
	h = ws.ws_row ? ws.ws_row : 24;
	format_ts(real_ns(), tbuf, sizeof(tbuf), false);
	tbuf[8] = 0;	/* hh:mm:ss */
	fputs("\033[H\033[2J", stdout);
	snprintf(line, sizeof(line), "synfin conns on %s  %s  %zu open  sort %s  filter %s%s%s",
		 sc->ifname, tbuf, n, sort_names[sort_by],
		 sc->filter < 0 ? "all" : sf_state_name(sc->filter), sc->search[0] ? "  search " : "",
		 sc->search);
	fit(line, w);
	printf("%s%s%s\n", b, line, r);
	for (i = 0; i < 2; i++) {
		conns_totals(rows, n, (int)i, tot, sizeof(tot));
		snprintf(line, sizeof(line), "%s  %s", i ? "server" : "client", tot);
		fit(line, w);
		printf("%s\n", line);
	}
	for (i = 0; i < n; i++)	/* the wanted rows, in order, to the front */
		if (row_wanted(sc, &rows[i]))
			rows[m++] = rows[i];
	v.width = w;
	v.max_rows = h > 6 ? (size_t)h - 5 : 1;
	shown = conns_write_text(stdout, rows, m, mono_ns(), &v);
	/* The status line, on the last row, without a newline: nothing scrolls. */
	if (sc->typing)
		snprintf(line, sizeof(line), "search endpoints: /%s_   (Enter applies, Esc cancels)",
			 sc->typed);
	else
		snprintf(line, sizeof(line), "%s%zu of %zu shown   s sort  f filter  F all  / search  "
			 "q quit", m < n ? "filtered: " : "", shown, n);
	fit(line, w);
	printf("\033[%d;1H%s%s%s", h, sc->color ? TERM_DIM : "", line, r);
	fflush(stdout);
}

/* --watch: redraw every second and on each key, until q, a signal, or the watcher stops. */
static int watch_screen(const struct pinned *p, const char *ifname, const char *dir, bool color)
{
	struct pollfd pf = { .fd = STDIN_FILENO, .events = POLLIN };
	struct screen sc = { .ifname = ifname, .color = color, .filter = -1 };
	struct sf_row *rows = NULL;
	size_t n, cap = 0;
	char counters[576], keys[32];
	bool run = true;
	ssize_t nk, i;
	int err;

	/* The watcher removes its pins when it stops: look for this one. */
	snprintf(counters, sizeof(counters), "%s/counters", dir);
	if (term_raw()) {
		fprintf(stderr, "synfin conns: cannot set up the terminal\n");
		return -EIO;
	}
	fputs("\033[?1049h\033[?25l", stdout);	/* alternate screen, no cursor */
	while (run && !(err = read_rows(p, &rows, &n, &cap))) {
		draw_screen(&sc, rows, n);
		if (access(counters, F_OK)) {
			term_restore();
			fprintf(stderr, "synfin conns: the watcher on %s has stopped\n", ifname);
			free(rows);
			return 0;
		}
		if (poll(&pf, 1, 1000) > 0 && (nk = read(STDIN_FILENO, keys, sizeof(keys))) > 0) {
			if (read_rows(p, &rows, &n, &cap))	/* what the keys apply to */
				n = 0;
			for (i = 0; i < nk && run; i++)
				run = on_key(&sc, keys[i], rows, n);
		}
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
			conns_write_text(stdout, rows, n, mono_ns(),
					 &(struct conns_view){ .color = color });
	}
	if (err && err != -EIO)
		fprintf(stderr, "synfin conns: cannot read the connection maps: %s\n", strerror(-err));
	free(rows);
	pin_close(&p);
	return err ? EXIT_RUNTIME : 0;
}
