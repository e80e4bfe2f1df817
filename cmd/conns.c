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

	if ((err = conns_read(p->half_open, false, &w, &nw, &cap)) ||
	    (err = conns_read(p->conns, false, &w, &nw, &cap))) {
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

static bool row_wanted(const struct screen *sc, const struct sf_conn_row *r)
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
static int next_filter(const struct screen *sc, const struct sf_conn_row *rows, size_t n)
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
static bool on_key(struct screen *sc, char ch, const struct sf_conn_row *rows, size_t n)
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
static void draw_screen(struct screen *sc, struct sf_conn_row *rows, size_t n, uint64_t now)
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
	shown = conns_write_text(stdout, rows, m, now, &v);
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
static int watch_screen(struct source *src, unsigned states, bool color)
{
	struct pollfd pf = { .fd = STDIN_FILENO, .events = POLLIN };
	struct screen sc = { .ifname = src->ifname, .color = color, .filter = -1 };
	struct sf_conn_row *rows = NULL;
	size_t n;
	uint64_t now;
	char counters[576], keys[32];
	bool run = true;
	ssize_t nk, i;
	int err;

	/* A pinned watcher removes its pins when it stops: look for this one. */
	snprintf(counters, sizeof(counters), "%s/counters", src->dir);
	if (term_raw()) {
		fprintf(stderr, "synfin conns: cannot set up the terminal\n");
		return -EIO;
	}
	fputs("\033[?1049h\033[?25l", stdout);	/* alternate screen, no cursor */
	while (run && !(err = read_rows(src, states, &rows, &n, &now))) {
		draw_screen(&sc, rows, n, now);
		if (src->pinned && access(counters, F_OK)) {
			err = -ESRCH;
			break;
		}
		free(rows);	/* draw_screen kept only the rows it showed */
		rows = NULL;
		if (poll(&pf, 1, 1000) > 0 && (nk = read(STDIN_FILENO, keys, sizeof(keys))) > 0) {
			if (read_rows(src, states, &rows, &n, &now))	/* what the keys apply to */
				n = 0;
			for (i = 0; i < nk && run; i++)
				run = on_key(&sc, keys[i], rows, n);
			free(rows);
			rows = NULL;
		}
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
			conns_write_text(stdout, rows, n, now, &(struct conns_view){ .color = color });
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
