// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * diagram.c - `synfin diagram FILE`: `synfin replay FILE --diagram`, under
 * a name of its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/util.h"
#include "cmd/cmds.h"

static const char diagram_usage[] =
"Usage: synfin diagram FILE [--conn N] [--svg OUT.svg] [OPTIONS] [EXPRESSION]\n"
"\n"
"Draw the ladder diagram of each connection in a pcap/pcapng capture (or of\n"
"connection N only): client on the left, server on the right, one arrow per\n"
"control segment with its flags and relative seq/ack/len, each side's new\n"
"state beside the arrow where it changed, data phases folded into one line.\n"
"Same as `synfin replay FILE --diagram`; every replay option applies\n"
"(--port, --svg, --conn, --kernel, timeouts), and so does a filter\n"
"EXPRESSION (pcap-filter(7)) as the last arguments. N counts the connections\n"
"selected, in capture order, as the #N of `synfin replay` with the same\n"
"-p and expression.\n"
"\n"
"Examples:\n"
"  synfin diagram capture.pcap\n"
"  synfin diagram capture.pcap --conn 2 --svg conn2.svg\n"
"  synfin diagram capture.pcap host 10.0.0.2 and port 80\n";

int cmd_diagram(int argc, char **argv)
{
	char **args;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(diagram_usage, stdout);
			return 0;
		}
		if (!strcmp(argv[i], "-o") || !strncmp(argv[i], "--output", 8)) {
			fprintf(stderr, "synfin diagram: draws pictures only (no -o); "
				"try 'synfin diagram --help'\n");
			return EXIT_USAGE;
		}
	}
	args = calloc((size_t)argc + 2, sizeof(*args));
	if (!args) {
		fprintf(stderr, "synfin diagram: out of memory\n");
		return EXIT_RUNTIME;
	}
	args[0] = argv[0];
	args[1] = "--diagram";
	for (i = 1; i < argc; i++)
		args[i + 1] = argv[i];
	rc = cmd_replay_as("diagram", argc + 1, args);
	free(args);
	return rc;
}
