// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* main.c - the synfin command: dispatch to a subcommand. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/util.h"
#include "cmd/cmds.h"

/* Set by the Makefile from `git describe` (or the VERSION file). */
#ifndef SYNFIN_VERSION
#define SYNFIN_VERSION "unknown"
#endif

static const char usage[] =
"Usage: synfin COMMAND [OPTIONS]\n"
"\n"
"synfin watches TCP connections at an interface's driver hook (eBPF: XDP on\n"
"ingress, tc on egress) and reports each connection's life: the handshake,\n"
"both sides' state changes, and how it ended.\n"
"\n"
"Commands:\n"
"  watch    attach to an interface and print lifecycle events live\n"
"  replay   run a pcap/pcapng capture through the same state machine\n"
"           (capture time as the clock; --kernel: through the BPF program)\n"
"  diagram  ladder diagrams of a capture's connections (text or SVG)\n"
"  stats    counters of a running watcher (text, JSON or Prometheus)\n"
"  conns    the live connection table of a running watcher\n"
"\n"
"Run 'synfin COMMAND --help' for a command's options, 'synfin --version'\n"
"for the version.\n"
"\n"
"Examples:\n"
"  sudo synfin watch -i eth0\n"
"  sudo synfin watch -i lo -o json --duration 10\n"
"  synfin replay capture.pcap\n"
"  synfin replay -o json capture.pcapng\n";

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
};

static const struct command commands[] = {
	{ "watch", cmd_watch },
	{ "replay", cmd_replay },
	{ "diagram", cmd_diagram },
	{ "stats", cmd_stats },
	{ "conns", cmd_conns },
};

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("synfin %s\n", SYNFIN_VERSION);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "synfin: unknown command '%s'\n\n%s", argv[1], usage);
	return EXIT_USAGE;
}
