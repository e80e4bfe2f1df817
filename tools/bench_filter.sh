#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The cost of a filter expression (issue 14), on the real XDP program with
# BPF_PROG_TEST_RUN (no interface, no namespaces: no lock needed):
#   - a segment of a connection the expression did not select (one lookup in
#     the table of rejected connections) against a non-TCP packet, against a
#     segment not on a -p port (synfin's floor for TCP), and against the
#     baseline program that parses and does one table lookup;
#   - the first segment of such a connection (the interpreter runs);
#   - an established ACK of a selected connection, with and without an expression.
# Prints table rows figure|synfin|baseline|ratio|goal|met (tools/bench.sh's
# format); medians of ROUNDS rounds, each measuring all cases back to back.
# Usage: [ROUNDS=7] tools/bench_filter.sh   (root)
set -eu
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-7}
[ "$(id -u)" -eq 0 ] || { echo "bench_filter.sh: needs root (BPF_PROG_TEST_RUN)" >&2; exit 1; }
make -s .output/sfbench >/dev/null
.output/sfbench filter -r "$ROUNDS"
