/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * cli.h - command-line parsing the subcommands share (cli.c): one wording
 * for usage errors, durations, and the options `watch` and `replay` both
 * take (output format, ports, timeouts, diagrams, -v).
 */
#ifndef SYNFIN_CLI_H
#define SYNFIN_CLI_H

#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include "synfin.h"
#include "conn.h"
#include "lib/util.h"

/* Default timeouts (seconds): the help texts of watch and replay say these. */
#define CLI_TIME_WAIT_S 60
#define CLI_SYN_TIMEOUT_S 130	/* about when Linux gives up after 6 SYN retries */
#define CLI_IDLE_TIMEOUT_S 7200

/* "synfin CMD: <message>" and where the options are; returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * getopt_long returned ':' (a value is missing) or '?' (unknown option);
 * the optstring must start with ':' and opterr be 0. Returns EXIT_USAGE.
 */
int cli_getopt_error(const char *cmd, int c, char *const argv[]);
/* OPT's value VAL as a duration in ns (30, 1.5, 500ms, 2m); zero only if allowed. */
int cli_duration(const char *cmd, const char *opt, const char *val, bool allow_zero, __u64 *ns);

/* What `watch` and `replay` both take. */
struct cli_track_opts {
	enum out_format format;
	__u16 ports[SF_MAX_PORTS];	/* --port, host order */
	int nports;
	struct sf_timeouts to;
	bool diagram;
	bool absolute;			/* -S: seq/ack as on the wire */
	bool explain;			/* --explain: what conn_state and history mean */
	const char *svg;
	FILE *svg_file;			/* --svg, opened by cli_svg_open */
	bool no_vlan;		/* --no-vlan: VLAN ids not in the connection key */
	struct filter *filter;		/* the filter expression (cli_filter), or NULL */
};

/* What `stats` and `conns` (readers of a running watcher) both take. */
struct cli_reader_opts {
	const char *ifname;		/* -i: the watcher's interface */
	const char *pin_dir;		/* --pin */
	enum out_format format;		/* -o */
	int colormode;			/* --color (parse_color) */
	bool allow_prom;		/* -o prometheus is one of this command's formats */
};

/* getopt values of the shared long options; a command numbers its own from CLI_O_NEXT. */
enum { CLI_O_TIME_WAIT = 256, CLI_O_SYN_TIMEOUT, CLI_O_IDLE_TIMEOUT, CLI_O_DIAGRAM, CLI_O_SVG,
       CLI_O_PIN, CLI_O_COLOR, CLI_O_EXPLAIN, CLI_O_NO_VLAN, CLI_O_NEXT };

/* The shared entries of a struct option table (short options "o:p:vS"). */
#define CLI_TRACK_LONGOPTS \
	{ "output", required_argument, 0, 'o' }, \
	{ "port", required_argument, 0, 'p' }, \
	{ "time-wait", required_argument, 0, CLI_O_TIME_WAIT }, \
	{ "syn-timeout", required_argument, 0, CLI_O_SYN_TIMEOUT }, \
	{ "idle-timeout", required_argument, 0, CLI_O_IDLE_TIMEOUT }, \
	{ "diagram", no_argument, 0, CLI_O_DIAGRAM }, \
	{ "svg", required_argument, 0, CLI_O_SVG }, \
	{ "absolute", no_argument, 0, 'S' }, \
	{ "explain", no_argument, 0, CLI_O_EXPLAIN }, \
	{ "no-vlan", no_argument, 0, CLI_O_NO_VLAN }, \
	{ "verbose", no_argument, 0, 'v' }

/* The shared entries of a reader's option table (short options "i:o:"). */
#define CLI_READER_LONGOPTS \
	{ "interface", required_argument, 0, 'i' }, \
	{ "pin", required_argument, 0, CLI_O_PIN }, \
	{ "output", required_argument, 0, 'o' }, \
	{ "color", required_argument, 0, CLI_O_COLOR }

/* What cli_next returns for an option that was wrong (it said why). */
#define CLI_BAD (-2)

/*
 * The next option of argv that is cmd's own, as getopt_long returns it
 * (optstring starts with ':'), taking the shared ones on the way: the track
 * options into t, or the reader options into r (either may be NULL). -1
 * after the last option; CLI_BAD for an unknown option, a missing value or
 * a bad one (said on stderr: the command exits EXIT_USAGE).
 */
int cli_next(const char *cmd, int argc, char **argv, const char *optstring,
	     const struct option *longopts, struct cli_track_opts *t, struct cli_reader_opts *r);

/* SIGINT and SIGTERM set cli_stop (commands that run until told to stop). */
extern volatile sig_atomic_t cli_stop;
void cli_catch_stop(void);

/* -o and --color values: 0, or EXIT_USAGE having said what was wrong. */
int cli_format(const char *cmd, const char *arg, enum out_format *f, bool allow_prom);
int cli_color(const char *cmd, const char *arg, int *mode);

void cli_track_defaults(struct cli_track_opts *t);
/*
 * Take getopt's option c if it is a shared one: 0 taken, EXIT_USAGE its
 * value was bad (said on stderr), -1 not a shared option.
 */
int cli_track_opt(const char *cmd, struct cli_track_opts *t, int c, const char *arg);
/*
 * The filter expression: the arguments argv[first..argc) joined with
 * spaces, as tcpdump takes it, compiled into t->filter (NULL: none). 0, or
 * EXIT_USAGE having said libpcap's message (EXIT_RUNTIME: no memory).
 */
int cli_filter(const char *cmd, struct cli_track_opts *t, int argc, char **argv, int first);
/* After parsing: combinations that do not go together. 0 or EXIT_USAGE. */
int cli_track_check(const char *cmd, const struct cli_track_opts *t);
/*
 * --svg FILE opened for writing before the command does anything else, so
 * a path that cannot be written fails at once, not after the whole run.
 * 0 (also without --svg) or EXIT_RUNTIME, having said why.
 */
int cli_svg_open(const char *cmd, struct cli_track_opts *t);
/* Close it: 0, or EXIT_RUNTIME if the picture could not be written (said why). */
int cli_svg_close(const char *cmd, struct cli_track_opts *t);

#endif
