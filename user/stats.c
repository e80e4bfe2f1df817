// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * stats.c - `synfin stats` and `synfin conns`: read a running watcher's
 * pinned maps (never attach anything), for scripts, cron jobs and humans.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/ioctl.h>
#include <bpf/bpf.h>
#include "reporting.h"
#include "cli.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/*
 * Without -i: the one watcher pinned under SF_PIN_ROOT. With several, the
 * user must choose.
 */
static int pick_iface(const char *cmd, char *ifname, size_t n)
{
	DIR *d = opendir(SF_PIN_ROOT);
	struct dirent *de;
	int found = 0;

	if (!d) {
		fprintf(stderr, "synfin %s: no watcher is running (nothing under %s); start one "
			"with: synfin watch -i IFACE\n", cmd, SF_PIN_ROOT);
		return -ENOENT;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (found++ == 0)
			snprintf(ifname, n, "%s", de->d_name);
	}
	closedir(d);
	if (found == 1)
		return 0;
	fprintf(stderr, found ? "synfin %s: watchers on several interfaces; choose one with -i "
		"(see ls %s)\n" : "synfin %s: no watcher is running (%s is empty); start one with: "
		"synfin watch -i IFACE\n", cmd, SF_PIN_ROOT);
	return -ENOENT;
}

/* Open the watcher's maps: ifname and dir (its pin directory) are filled in. */
static int open_target(const char *cmd, const char *ifname_opt, const char *pin_opt,
		       struct pinned *p, char *ifname, size_t n, char *dir, size_t dirn)
{
	int err;

	if (ifname_opt)
		snprintf(ifname, n, "%s", ifname_opt);
	else if (pin_opt)
		snprintf(ifname, n, "%s", strrchr(pin_opt, '/') ? strrchr(pin_opt, '/') + 1 : pin_opt);
	else if ((err = pick_iface(cmd, ifname, n)))
		return err;
	if (pin_opt)
		snprintf(dir, dirn, "%s", pin_opt);
	else
		pin_default_dir(ifname, dir, dirn);
	return pin_open(dir, p, cmd, ifname);
}

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
"  -o, --output FORMAT     text (default), json (one object per line) or prometheus\n"
"      --interval S        print again every S seconds until Ctrl-C\n"
"      --color WHEN        auto (default), always or never\n"
"  -h, --help              this help\n"
"\n"
"Examples:\n"
"  synfin stats -i eth0\n"
"  synfin stats -i eth0 -o json | jq .handshakes\n"
"  synfin stats -i eth0 -o prometheus > /var/lib/node_exporter/synfin.prom\n";

int cmd_stats(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "interface", required_argument, 0, 'i' },
		{ "pin", required_argument, 0, 'P' },
		{ "output", required_argument, 0, 'o' },
		{ "interval", required_argument, 0, 'I' },
		{ "color", required_argument, 0, 'C' },
		{ "help", no_argument, 0, 'h' },
		{ 0 },
	};
	const char *ifopt = NULL, *pinopt = NULL;
	enum out_format fmt = OUT_TEXT;
	struct pinned p;
	char ifname[256], dir[512];
	__u64 interval_ns = 0;
	int c, color = 0, err;

	optind = 1;
	opterr = 0;	/* our own messages, naming the option, exit 2 */
	while ((c = getopt_long(argc, argv, ":i:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i': ifopt = optarg; break;
		case 'P': pinopt = optarg; break;
		case 'o':
			if (parse_format(optarg, &fmt, true))
				return cli_usage_error("stats", "-o: use text, json or prometheus, not '%s'",
						       optarg);
			break;
		case 'I':
			if ((err = cli_duration("stats", "--interval", optarg, false, &interval_ns)))
				return err;
			break;
		case 'C':
			if (parse_color(optarg, &color))
				return cli_usage_error("stats", "--color: use auto, always or never, not '%s'",
						       optarg);
			break;
		case 'h':
			fputs(stats_usage, stdout);
			return 0;
		default:
			return cli_getopt_error("stats", c, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error("stats", "unexpected argument '%s'", argv[optind]);
	err = open_target("stats", ifopt, pinopt, &p, ifname, sizeof(ifname), dir, sizeof(dir));
	if (err)
		return EXIT_RUNTIME;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	setvbuf(stdout, NULL, _IOLBF, 0);
	do {
		struct sf_snapshot s;

		err = snapshot_read(&s, p.counters, p.ustats, p.hs_fail);
		if (err) {
			fprintf(stderr, "synfin stats: cannot read the watcher's maps: %s\n",
				strerror(-err));
			snapshot_free(&s);
			break;
		}
		if (fmt == OUT_JSON)
			stats_write_json(stdout, &s, ifname);
		else if (fmt == OUT_PROM)
			metrics_write(stdout, &s);
		else
			stats_write_text(stdout, &s, color_wanted(color, stdout));
		snapshot_free(&s);
		if (interval_ns && !stop) {
			/* nanosleep: usleep's 32-bit microseconds end at 71 minutes. */
			struct timespec ts = { .tv_sec = (time_t)(interval_ns / 1000000000ull),
					       .tv_nsec = (long)(interval_ns % 1000000000ull) };

			if (fmt == OUT_TEXT)
				fputc('\n', stdout);
			fflush(stdout);
			nanosleep(&ts, NULL);	/* a signal ends it early: then stop is set */
		}
	} while (interval_ns && !stop);
	pin_close(&p);
	return err ? EXIT_RUNTIME : 0;
}

/* ---- conns ---- */

struct row {
	struct sf_key k;
	struct sf_entry e;
};

enum sort_key { SORT_AGE, SORT_IDLE, SORT_BYTES, SORT_STATE };
static enum sort_key sort_by;

static int row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
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

/* Append the open connections of one map to rows. */
static int read_conns(int fd, struct row **rows, size_t *n, size_t *cap)
{
	struct sf_key k, next, *pk = NULL;

	while (bpf_map_get_next_key(fd, pk, &next) == 0) {
		if (*n == *cap) {
			size_t nc = *cap ? *cap * 2 : 256;
			struct row *r = realloc(*rows, nc * sizeof(**rows));

			if (!r)
				return -ENOMEM;
			*rows = r;
			*cap = nc;
		}
		if (bpf_map_lookup_elem(fd, &next, &(*rows)[*n].e) == 0 &&
		    !((*rows)[*n].e.flags & SF_ENTRY_CLOSED)) {
			(*rows)[*n].k = next;
			(*n)++;
		}
		k = next;
		pk = &k;
	}
	return 0;
}

static void print_json_rows(FILE *f, const struct row *rows, size_t n, uint64_t now)
{
	char cip[INET6_ADDRSTRLEN], sip[INET6_ADDRSTRLEN];
	size_t i;

	for (i = 0; i < n; i++) {
		const struct sf_entry *e = &rows[i].e;
		__u16 cp, sp;

		sf_endpoint(&rows[i].k, e, SF_CLIENT, cip, sizeof(cip), &cp);
		sf_endpoint(&rows[i].k, e, SF_SERVER, sip, sizeof(sip), &sp);
		fprintf(f, "{\"conn\": %llu, \"family\": %u, \"client_ip\": \"%s\", \"client_port\": %u, "
			"\"server_ip\": \"%s\", \"server_port\": %u, \"client_state\": \"%s\", "
			"\"server_state\": \"%s\", \"age_us\": %llu, \"idle_us\": %llu, "
			"\"client_bytes\": %llu, \"server_bytes\": %llu, \"client_pkts\": %u, "
			"\"server_pkts\": %u, \"syn_rtt_us\": %u, \"ack_rtt_us\": %u, "
			"\"handshake_done\": %s, \"midstream\": %s}\n",
			(unsigned long long)e->id, rows[i].k.family, cip, cp, sip, sp,
			sf_state_name(e->side[0].state), sf_state_name(e->side[1].state),
			(unsigned long long)(now > e->first_ns ? (now - e->first_ns) / 1000 : 0),
			(unsigned long long)(now > e->last_ns ? (now - e->last_ns) / 1000 : 0),
			(unsigned long long)e->side[0].bytes, (unsigned long long)e->side[1].bytes,
			e->side[0].pkts, e->side[1].pkts, e->syn_rtt_us, e->ack_rtt_us,
			(e->flags & SF_ENTRY_OPEN) ? "true" : "false",
			(e->flags & SF_ENTRY_MIDSTREAM) ? "true" : "false");
	}
}

static const char *state_col(int st, bool color)
{
	if (!color)
		return "";
	switch (st) {
	case SF_ESTABLISHED: return "\033[32m";
	case SF_CLOSE_WAIT: case SF_FIN_WAIT2: return "\033[33m";
	case SF_SYN_SENT: case SF_SYN_RECV: return "\033[36m";
	default: return "\033[35m";
	}
}

/* Aligned columns; at most max_rows rows (0: all). */
static void print_text_rows(FILE *f, const struct row *rows, size_t n, uint64_t now, bool color,
			    size_t max_rows)
{
	char c[64], s[64], age[16], idle[16], cb[16], sb[16], rtt[16];
	int cw = 6, sw = 6;
	size_t i, shown = max_rows && max_rows < n ? max_rows : n;
	const char *r = color ? "\033[0m" : "", *b = color ? "\033[1m" : "";

	for (i = 0; i < shown; i++) {
		sf_endpoint_str(&rows[i].k, &rows[i].e, SF_CLIENT, c, sizeof(c));
		sf_endpoint_str(&rows[i].k, &rows[i].e, SF_SERVER, s, sizeof(s));
		if ((int)strlen(c) > cw)
			cw = (int)strlen(c);
		if ((int)strlen(s) > sw)
			sw = (int)strlen(s);
	}
	fprintf(f, "%s%6s  %-*s  %-*s  %-11s  %-11s  %8s  %8s  %8s  %8s  %8s%s\n", b, "CONN", cw,
		"CLIENT", sw, "SERVER", "CLIENT", "SERVER", "AGE", "IDLE", "BYTES>", "BYTES<", "RTT",
		r);
	for (i = 0; i < shown; i++) {
		const struct sf_entry *e = &rows[i].e;

		sf_endpoint_str(&rows[i].k, &rows[i].e, SF_CLIENT, c, sizeof(c));
		sf_endpoint_str(&rows[i].k, &rows[i].e, SF_SERVER, s, sizeof(s));
		fmt_us(now > e->first_ns ? (now - e->first_ns) / 1000 : 0, age, sizeof(age));
		fmt_us(now > e->last_ns ? (now - e->last_ns) / 1000 : 0, idle, sizeof(idle));
		fmt_bytes(e->side[0].bytes, cb, sizeof(cb));
		fmt_bytes(e->side[1].bytes, sb, sizeof(sb));
		if (e->syn_rtt_us || e->ack_rtt_us)
			fmt_us((uint64_t)e->syn_rtt_us + e->ack_rtt_us, rtt, sizeof(rtt));
		else
			snprintf(rtt, sizeof(rtt), "-");
		/* µs is two bytes wide in UTF-8 but one column: pad by hand. */
		fprintf(f, "%6llu  %-*s  %-*s  %s%-11s%s  %s%-11s%s  %*s  %*s  %8s  %8s  %*s\n",
			(unsigned long long)e->id, cw, c, sw, s, state_col(e->side[0].state, color),
			sf_state_name(e->side[0].state), r, state_col(e->side[1].state, color),
			sf_state_name(e->side[1].state), r,
			8 + (strstr(age, "µ") ? 1 : 0), age, 8 + (strstr(idle, "µ") ? 1 : 0), idle,
			cb, sb, 8 + (strstr(rtt, "µ") ? 1 : 0), rtt);
	}
	if (shown < n)
		fprintf(f, "... %zu more (sort with --sort, or use -o json)\n", n - shown);
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

static struct termios saved_tio;
static bool tio_saved;

static void term_restore(void)
{
	if (tio_saved) {
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
		tio_saved = false;
	}
	fputs("\033[?25h\033[?1049l", stdout);	/* cursor back, main screen back */
	fflush(stdout);
}

static int term_raw(void)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tio))
		return 0;
	t = saved_tio;
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t))
		return -errno;
	tio_saved = true;
	return 0;
}

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
	struct row *rows = NULL;
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
	if (open_target("conns", ifopt, pinopt, &p, ifname, sizeof(ifname), dir, sizeof(dir)))
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
		if ((err = read_conns(p.half_open, &rows, &n, &cap)) ||
		    (err = read_conns(p.conns, &rows, &n, &cap)))
			break;
		now = mono_ns();
		if (n > 1)	/* rows is NULL while there has been nothing to read */
			qsort(rows, n, sizeof(*rows), row_cmp);
		if (!watch) {
			if (fmt == OUT_JSON)
				print_json_rows(stdout, rows, n, now);
			else
				print_text_rows(stdout, rows, n, now, color, 0);
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
			print_text_rows(stdout, rows, n, now, color,
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
