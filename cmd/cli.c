// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* cli.c - command-line parsing shared by the subcommands (see cli.h). */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/filter.h"
#include "out/term.h"
#include "cmd/cli.h"

#define PCAP_ERRBUF_SIZE_CLI 512

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "synfin %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'synfin %s --help' for the options.\n", cmd);
	return EXIT_USAGE;
}

int cli_getopt_error(const char *cmd, int c, char *const argv[])
{
	const char *arg = argv[optind - 1];
	char shortopt[3] = { '-', (char)optopt, 0 };

	/* An unknown short option may sit inside a cluster (-vx): name it alone. */
	if (strncmp(arg, "--", 2) && optopt > 0 && optopt < 128)
		arg = shortopt;
	if (c == ':')
		return cli_usage_error(cmd, "option '%s' needs a value", arg);
	/* glibc: optopt is set for a known long option given a value it does not take. */
	if (!strncmp(arg, "--", 2) && optopt && strchr(arg, '='))
		return cli_usage_error(cmd, "option '%.*s' takes no value", (int)strcspn(arg, "="),
				       arg);
	return cli_usage_error(cmd, "unknown option '%s'", arg);
}

int cli_duration(const char *cmd, const char *opt, const char *val, bool allow_zero, __u64 *ns)
{
	double s;

	/* Written to fail on NaN too; 1.8e10 s still fits in 64-bit ns. */
	if (parse_duration(val, &s) || !(s < 1.8e10))
		return cli_usage_error(cmd, "%s: '%s' is not a duration (e.g. 30, 1.5, 2m)", opt,
				       val);
	if (s == 0 && !allow_zero)
		return cli_usage_error(cmd, "%s: give a duration above 0", opt);
	*ns = (__u64)(s * 1e9);
	return 0;
}

int cli_format(const char *cmd, const char *arg, enum out_format *f, bool allow_prom)
{
	if (parse_format(arg, f, allow_prom))
		return cli_usage_error(cmd, allow_prom ? "-o: unknown format '%s' (use text, json "
				       "or prometheus)" : "-o: unknown format '%s' (use text or json)",
				       arg);
	return 0;
}

int cli_color(const char *cmd, const char *arg, int *mode)
{
	if (parse_color(arg, mode))
		return cli_usage_error(cmd, "--color: '%s' is not auto, always or never", arg);
	return 0;
}

void cli_track_defaults(struct cli_track_opts *t)
{
	memset(t, 0, sizeof(*t));
	t->to.time_wait_ns = CLI_TIME_WAIT_S * 1000000000ull;
	t->to.syn_ns = CLI_SYN_TIMEOUT_S * 1000000000ull;
	t->to.idle_ns = CLI_IDLE_TIMEOUT_S * 1000000000ull;
}

int cli_track_opt(const char *cmd, struct cli_track_opts *t, int c, const char *arg)
{
	char *end;
	long v;

	switch (c) {
	case 'o':
		return cli_format(cmd, arg, &t->format, false);
	case 'p':
		v = strtol(arg, &end, 10);
		if (*end || end == arg || v < 1 || v > 65535)
			return cli_usage_error(cmd, "--port: '%s' is not a port number (1-65535)", arg);
		if (t->nports == SF_MAX_PORTS)
			return cli_usage_error(cmd, "--port: at most %d ports", SF_MAX_PORTS);
		t->ports[t->nports++] = (__u16)v;
		return 0;
	case CLI_O_TIME_WAIT:
		return cli_duration(cmd, "--time-wait", arg, false, &t->to.time_wait_ns);
	case CLI_O_SYN_TIMEOUT:
		return cli_duration(cmd, "--syn-timeout", arg, false, &t->to.syn_ns);
	case CLI_O_IDLE_TIMEOUT:
		return cli_duration(cmd, "--idle-timeout", arg, false, &t->to.idle_ns);
	case CLI_O_DIAGRAM:
		t->diagram = true;
		return 0;
	case CLI_O_SVG:
		t->svg = arg;
		return 0;
	case 'S':
		t->absolute = true;
		return 0;
	case CLI_O_EXPLAIN:
		t->explain = true;
		return 0;
	case CLI_O_NO_VLAN:
		t->no_vlan = true;
		return 0;
	case 'v':
		verbose++;
		return 0;
	}
	return -1;
}

int cli_filter(const char *cmd, struct cli_track_opts *t, int argc, char **argv, int first)
{
	char err[PCAP_ERRBUF_SIZE_CLI];
	int nomem;
	char *expr = filter_join(argc, argv, first, &nomem);

	if (!expr) {
		if (!nomem)
			return 0;
		fprintf(stderr, "synfin %s: out of memory\n", cmd);
		return EXIT_RUNTIME;
	}
	t->filter = filter_new(expr, err, sizeof(err));
	if (!t->filter)	/* one line: libpcap's message says what is wrong */
		fprintf(stderr, "synfin %s: bad filter expression '%s': %s (the syntax is "
			"tcpdump's: man 7 pcap-filter%s)\n", cmd, expr, err,
			/* `watch -i lo eth0`: an interface where an expression goes */
			!strchr(expr, ' ') && if_nametoindex(expr) ? "; an interface is given "
			"with -i" : "");
	free(expr);
	return t->filter ? 0 : EXIT_USAGE;
}

int cli_track_check(const char *cmd, const struct cli_track_opts *t)
{
	if (t->diagram && t->format == OUT_JSON)
		return cli_usage_error(cmd, "--diagram draws text; use it without -o json "
				       "(--svg works with both)");
	if (t->explain && t->format == OUT_JSON)
		return cli_usage_error(cmd, "--explain explains text lines; the JSON fields are "
				       "described in synfin(8)");
	return 0;
}

int cli_svg_open(const char *cmd, struct cli_track_opts *t)
{
	if (!t->svg)
		return 0;
	t->svg_file = fopen(t->svg, "w");
	if (t->svg_file)
		return 0;
	fprintf(stderr, "synfin %s: cannot write the SVG file %s: %s (give --svg a path in a "
		"directory you can write)\n", cmd, t->svg, strerror(errno));
	return EXIT_RUNTIME;
}

int cli_svg_close(const char *cmd, struct cli_track_opts *t)
{
	int bad;

	if (!t->svg_file)
		return 0;
	bad = ferror(t->svg_file);
	if (fclose(t->svg_file))
		bad = 1;
	t->svg_file = NULL;
	if (!bad)
		return 0;
	fprintf(stderr, "synfin %s: cannot write the SVG file %s: %s\n", cmd, t->svg,
		strerror(errno ? errno : EIO));
	return EXIT_RUNTIME;
}

/* -o, --color, -i, --pin of stats and conns: as cli_track_opt. */
static int reader_opt(const char *cmd, struct cli_reader_opts *r, int c, const char *arg)
{
	switch (c) {
	case 'i':
		r->ifname = arg;
		return 0;
	case CLI_O_PIN:
		r->pin_dir = arg;
		return 0;
	case 'o':
		return cli_format(cmd, arg, &r->format, r->allow_prom);
	case CLI_O_COLOR:
		return cli_color(cmd, arg, &r->colormode);
	}
	return -1;
}

int cli_next(const char *cmd, int argc, char **argv, const char *optstring,
	     const struct option *longopts, struct cli_track_opts *t, struct cli_reader_opts *r)
{
	int c, rc;

	opterr = 0;	/* our own messages, naming the option, exit 2 */
	while ((c = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
		if (c == ':' || c == '?') {
			cli_getopt_error(cmd, c, argv);
			return CLI_BAD;
		}
		rc = t ? cli_track_opt(cmd, t, c, optarg) : r ? reader_opt(cmd, r, c, optarg) : -1;
		if (rc < 0)
			return c;
		if (rc)
			return CLI_BAD;
	}
	return -1;
}

volatile sig_atomic_t cli_stop;

static void on_stop_signal(int sig)
{
	(void)sig;
	cli_stop = 1;
}

void cli_catch_stop(void)
{
	signal(SIGINT, on_stop_signal);
	signal(SIGTERM, on_stop_signal);
}
